"""3D renders of a simulation result: a picture, an animation, an interactive page.

The scene shows the ground (a DEM, or a surface interpolated from the manhole rims)
half transparent over the pipes, which run as tubes along the node inverts and are
coloured by how full they are; manholes stand as cylinders from invert to rim,
coloured the same way; flooded manholes carry a red marker, and water on the
street (the 2-D surface model's depth, or a disc per flooded manhole sized by its
flood volume) is the only blue in the picture.  Everything is off-screen: no
display is needed.

Examples
--------
>>> from twin.render import render  # doctest: +SKIP
>>> render(ds, "flood.png", time="max")  # doctest: +SKIP
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from twin.errors import InputError, OutputError, TwinError
from twin.files import atomic_output, check_output, write_bytes, write_text

__all__ = ["render", "render_animation", "export_html"]

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_HTML_PACKAGES = "trame trame-vtk"


def render(
    ds,
    out_path,
    *,
    terrain=None,
    time="max",
    member=None,
    quantile=None,
    title=None,
    window_size=(1600, 1000),
    vertical_exaggeration=None,
) -> Path:
    """Render one frame of a result to a PNG or JPEG image, off-screen.

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`twin.simulate` (names as in ``twin.engine.results_schema``),
        optionally with ``surface_depth`` (time, y, x) / ``surface_max_depth`` (y, x) [m]
        and a ``member`` dimension.
    out_path : str or Path
        ``.png``, ``.jpg`` or ``.jpeg``; written whole or not at all.
    terrain : xarray.DataArray, optional
        ``elevation`` (y, x) [m] with coords ``x``, ``y`` [m]. Without it the ground is
        interpolated from the node rims.
    time : "max", int or numpy.datetime64
        The event maximum (summaries over every routing step), a report-time index,
        or a report time (ISO strings work too).
    member : int or str, optional
        Ensemble member (position or label). Without it, and without ``quantile``,
        an ensemble is shown as its median.
    quantile : float, optional
        Ensemble quantile in 0..1 taken per node, link and cell.
    title : str, optional
        First line of the caption (default: the Dataset's ``title`` attribute).
    window_size : (int, int)
        Image width and height [px].
    vertical_exaggeration : float, optional
        Default: about town width / relief / 8.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    InputError
        Missing variables, an unknown time, a member out of range, a bad suffix.
    """
    out_path = _check_suffix(out_path, _IMAGE_SUFFIXES)
    from twin.render import scene

    choice = (terrain, member, quantile, title, vertical_exaggeration)
    image = _with_still(ds, choice, time, window_size, scene.snapshot)
    return _write_image(out_path, image)


def render_animation(
    ds,
    out_path,
    *,
    terrain=None,
    fps=4,
    every=1,
    member=None,
    quantile=None,
    title=None,
    window_size=(1200, 750),
    vertical_exaggeration=None,
) -> Path:
    """Render every ``every``-th report time to an animated GIF or an MP4 video.

    Parameters are those of :func:`render` plus ``fps`` (frames per second) and
    ``every`` (take every n-th report time). An ``.mp4`` needs the ``imageio-ffmpeg``
    package; a ``.gif`` always works.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    InputError
        As :func:`render`, or a bad ``fps``/``every``.
    TwinError
        ``.mp4`` without ``imageio-ffmpeg``.
    """
    out_path = _check_suffix(out_path, (".gif", ".mp4"))
    if not (isinstance(every, int | np.integer) and every >= 1):
        raise InputError(f"every must be a positive integer, got {every!r}")
    if not (np.isfinite(fps) and fps > 0):
        raise InputError(f"fps must be positive, got {fps!r}")
    if out_path.suffix.lower() == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError as exc:
            raise TwinError(
                "writing .mp4 needs the imageio-ffmpeg package (pip install imageio-ffmpeg); "
                "or write a .gif"
            ) from exc
    from twin.render import frames, scene

    layout, ds = frames.prepare(ds, terrain, member, quantile, title, vertical_exaggeration)
    if len(layout.times) == 0:
        raise InputError("the result Dataset has no report times to animate")
    images = []
    with _offscreen_plotter(window_size) as plotter:
        for k, i in enumerate(range(0, len(layout.times), int(every))):
            scene.draw(plotter, layout, frames.frame_at(layout, ds, i), first=k == 0)
            images.append(scene.snapshot(plotter))
    return _write_animation(out_path, images, float(fps))


def export_html(
    ds,
    out_path,
    *,
    terrain=None,
    time="max",
    member=None,
    quantile=None,
    title=None,
    vertical_exaggeration=None,
) -> Path:
    """Write the scene as one self-contained interactive HTML page (vtk.js inside).

    Needs the trame packages (``pip install trame trame-vtk``); the page itself needs
    no server and no network (vtk.js and the scene are inlined, ~1.5 MB). Parameters
    as :func:`render`.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    TwinError
        When the trame packages are not installed.
    """
    out_path = _check_suffix(out_path, (".html", ".htm"))
    try:
        import trame  # noqa: F401
        import trame_vtk  # noqa: F401
    except ImportError as exc:
        raise TwinError(
            f"HTML export needs the trame packages: pip install {_HTML_PACKAGES}"
        ) from exc
    choice = (terrain, member, quantile, title, vertical_exaggeration)

    page = _with_still(ds, choice, time, (1200, 800), _trame_export)
    return write_text(out_path, page)


# -- helpers -----------------------------------------------------------------------------


def _with_still(ds, choice, time, window_size, use):
    """Draw the frame at ``time`` off-screen and return ``use(plotter)``.

    ``choice`` is ``(terrain, member, quantile, title, vertical_exaggeration)`` as
    :func:`render` takes them; the plotter is closed afterwards, whatever happens.
    """
    from twin.render import frames, scene

    layout, ds = frames.prepare(ds, *choice)
    state = frames.frame_at(layout, ds, frames.time_indices(layout, time))
    with _offscreen_plotter(window_size) as plotter:
        scene.draw(plotter, layout, state, first=True)
        return use(plotter)


@contextmanager
def _offscreen_plotter(window_size):
    """An off-screen plotter of ``window_size`` px with VTK's messages quiet; closed on exit."""
    from twin.render import scene, style

    with style.quiet_vtk():
        plotter = scene.make_plotter(window_size)
        try:
            yield plotter
        finally:
            plotter.close()


def _trame_export(plotter) -> str:
    """Serialise the plotter's scene for vtk.js (trame-vtk) and embed it in one HTML page.

    trame-vtk serialises through a trame server, so one is started on 127.0.0.1 (a free
    port), used for the export only and stopped; nothing else is contacted.
    """
    import asyncio
    import uuid

    from trame.app import get_server
    from trame.widgets import vtk as vtk_widgets
    from trame_vtk.tools.vtksz2html import write_html
    from trame_vtk.widgets.vtk import VtkLocalView

    plotter.render()
    server = get_server(f"twin-html-{uuid.uuid4().hex}", client_type="vue3")
    vtk_widgets.initialize(server)

    async def export():
        server.start(
            exec_mode="task",
            host="127.0.0.1",
            port=0,
            open_browser=False,
            show_connection_info=False,
            disable_logging=True,
            timeout=0,
        )
        await server.ready
        try:
            return VtkLocalView(plotter.render_window, trame_server=server).export(format="zip")
        finally:
            await server.stop()

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        data = asyncio.run(export())
    else:  # called from a running loop (a notebook): export from a worker thread
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            data = pool.submit(asyncio.run, export()).result()
    if not data:
        raise TwinError("HTML export: trame-vtk returned no scene data")
    page = io.StringIO()
    write_html(data, page)
    if not page.getvalue():
        raise TwinError("HTML export wrote an empty page")
    return page.getvalue()


def _check_suffix(out_path, allowed) -> Path:
    """The output path, checked before the work (:func:`twin.files.check_output`)."""
    return check_output(out_path, suffixes=allowed)


#: PNG text chunk that marks a render as sewer-twin's own (:func:`twin.files.written_by_twin`).
SOFTWARE = "sewer-twin"


def _write_image(out_path: Path, image) -> Path:
    """Encode in memory, then write whole (an image writer that meets a full disk
    mid-file fails again in its destructor; a plain write fails once, cleanly)."""
    from PIL import Image, PngImagePlugin

    buf = io.BytesIO()
    picture = Image.fromarray(np.asarray(image))
    if out_path.suffix.lower() == ".png":
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", SOFTWARE)
        picture.save(buf, format="PNG", pnginfo=info)
    else:
        picture.convert("RGB").save(buf, format="JPEG", quality=92)
    return write_bytes(out_path, buf.getbuffer())


def _write_animation(out_path: Path, images, fps: float) -> Path:
    import imageio.v3 as iio

    if out_path.suffix.lower() == ".gif":
        data = iio.imwrite("<bytes>", np.stack(images), extension=".gif",
                           duration=1000.0 / fps, loop=0)  # fmt: skip
        return write_bytes(out_path, data)
    try:  # ffmpeg writes a file: it goes to the temporary name
        with atomic_output(out_path) as tmp:
            iio.imwrite(tmp, np.stack(images), extension=".mp4", plugin="FFMPEG", fps=fps)
    except (TwinError, KeyboardInterrupt):
        raise
    except Exception as exc:  # ffmpeg's own failure (a full disk ends its output short)
        raise OutputError(out_path, f"video encoder failed: {exc}") from None
    return out_path
