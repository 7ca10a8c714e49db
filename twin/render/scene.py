"""Build the 3D scene of a simulation result on a PyVista plotter.

:mod:`twin.render.frames` reads the Dataset into a layout and a frame state;
:func:`draw` adds (or replaces) the actors of that state on a PyVista plotter.
Actors have fixed names, so an animation draws frame after frame on one plotter.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from twin.errors import InputError
from twin.render import geometry as geo
from twin.render import style
from twin.render.frames import FrameState, NetworkLayout

__all__ = ["draw", "make_plotter", "snapshot"]

PUDDLE_DEPTH_M = 0.10  # a flooded node's volume is shown as a disc this deep
MAX_FLOOD_LABELS = 12
MAX_OTHER_LABELS = 12  # outfalls, storage units, dividers


def make_plotter(window_size) -> pv.Plotter:
    """An off-screen plotter with the scene's background and anti-aliasing."""
    w, h = (int(v) for v in window_size)
    if w < 64 or h < 64:
        raise InputError(f"window_size must be at least 64 x 64 pixels, got {window_size}")
    plotter = pv.Plotter(off_screen=True, window_size=(w, h))
    plotter.set_background(style.BACKGROUND[0], top=style.BACKGROUND[1])
    plotter.enable_anti_aliasing("ssaa")
    plotter.enable_depth_peeling(number_of_peels=6)
    return plotter


def draw(plotter: pv.Plotter, layout: NetworkLayout, frame: FrameState, first: bool) -> None:
    """Add the actors of ``frame`` to ``plotter`` (static ones too when ``first``).

    Rendering is suppressed while actors change (else PyVista renders after each one
    once the window exists); the caller's screenshot renders the finished frame.
    """
    plotter.suppress_rendering = True
    try:
        if first:
            _draw_static(plotter, layout)
        _draw_pipes(plotter, layout, frame)
        _draw_manholes(plotter, layout, frame)
        _draw_flooding(plotter, layout, frame)
        _draw_water(plotter, layout, frame)
        _draw_text(plotter, layout, frame)
        if first:
            style.frame_camera(plotter, layout.camera_bounds, zoom=1.25)
    finally:
        plotter.suppress_rendering = False


def snapshot(plotter: pv.Plotter) -> np.ndarray:
    """Render the current scene and return it as an (h, w, 3) uint8 image.

    PyVista's ``screenshot`` renders only before the first picture; later frames of
    an animation need the explicit render.
    """
    plotter.render()
    return plotter.screenshot(None, return_img=True)


# -- static ------------------------------------------------------------------------------


def _draw_static(plotter, layout: NetworkLayout) -> None:
    u = layout.units
    if layout.ground is not None:
        _draw_ground(plotter, layout)
    # outfalls, storage, dividers: grey shafts; they have no manhole fill to show
    other = layout.node_kind != "junction"
    if other.any():
        r = layout.node_radius[other]
        shown = np.flatnonzero(other)[:MAX_OTHER_LABELS]
        plotter.add_mesh(
            geo.tubes(
                u.xyz(layout.x[other], layout.y[other], layout.invert[other]),
                u.xyz(layout.x[other], layout.y[other], layout.rim[other]),
                r,
                np.zeros(int(other.sum())),
            ),
            color=style.OTHER_LINK_GREY,
            name="other_nodes",
        )
        names = [f"{layout.node_name[i]} ({layout.node_kind[i]})" for i in shown]
        plotter.add_point_labels(
            u.xyz(layout.x[shown], layout.y[shown], layout.rim[shown]) + [0, 0, 2 * r.max()],
            names,
            font_size=style.font(plotter, 13),
            text_color=style.TEXT_COLOUR,
            shape_color="#f0eee8",
            shape_opacity=0.8,
            point_size=1,
            show_points=False,
            always_visible=True,
            name="other_labels",
        )
    # north arrow just off the network's south-east corner, on the ground (or the inverts)
    length = 0.07 * layout.width_m
    bx, by = layout.x.max() + 0.5 * length, layout.y.min() - 1.1 * length
    z = (
        float(geo.ground_at(*layout.ground, bx, by))
        if layout.ground is not None
        else float(np.nanmin(layout.invert))
    )
    base = (bx - u.x0, by - u.y0, float(u.z(z)) + length * 0.05)
    plotter.add_mesh(geo.north_arrow(base, length), color="#333333", name="north")
    plotter.add_point_labels(
        [(base[0], base[1] + 1.25 * length, base[2])],
        ["N"],
        font_size=style.font(plotter, 18),
        bold=True,
        text_color="#333333",
        show_points=False,
        shape=None,
        always_visible=True,
        name="north_label",
    )


def _draw_ground(plotter, layout: NetworkLayout) -> None:
    """The terrain, half transparent, with contour lines where it has relief."""
    gx, gy, elev = layout.ground
    terrain = geo.terrain_mesh(gx, gy, elev, layout.units)
    plotter.add_mesh(
        terrain,
        scalars="elevation",
        cmap=style.TERRAIN_CMAP,
        opacity=style.TERRAIN_OPACITY,
        show_scalar_bar=False,
        smooth_shading=True,
        name="terrain",
        ambient=0.25,
    )
    relief = float(np.nanmax(elev) - np.nanmin(elev))
    if relief > 0.5:
        step = _nice_step(relief / 8.0)
        levels = np.arange(np.ceil(np.nanmin(elev) / step) * step, np.nanmax(elev), step)
        if len(levels):
            contours = terrain.contour(isosurfaces=levels, scalars="elevation")
            if contours.n_points:
                plotter.add_mesh(
                    contours,
                    color="#6b5a45",
                    line_width=1,
                    opacity=0.7,
                    name="contours",
                    show_scalar_bar=False,
                )


def _nice_step(raw: float) -> float:
    mag = 10.0 ** np.floor(np.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        if raw <= m * mag:
            return m * mag
    return 10.0 * mag


# -- per frame ---------------------------------------------------------------------------


def _draw_pipes(plotter, layout: NetworkLayout, frame: FrameState) -> None:
    u = layout.units
    a, b = layout.link_from, layout.link_to
    half = 0.5 * layout.full_depth
    start = u.xyz(layout.x[a], layout.y[a], layout.invert[a] + half)
    end = u.xyz(layout.x[b], layout.y[b], layout.invert[b] + half)
    conduit = layout.is_conduit
    if conduit.any():
        plotter.add_mesh(
            geo.tubes(
                start[conduit], end[conduit], layout.link_radius[conduit], frame.link_fill[conduit]
            ),
            scalars="fill",
            cmap=style.FILL_CMAP,
            clim=(0.0, 1.0),
            name="pipes",
            scalar_bar_args=style.fill_bar_args(plotter),
            smooth_shading=True,
        )
    if (~conduit).any():
        plotter.add_mesh(
            geo.tubes(
                start[~conduit],
                end[~conduit],
                0.6 * layout.link_radius[~conduit],
                np.zeros(int((~conduit).sum())),
            ),
            color=style.OTHER_LINK_GREY,
            name="other_links",
        )


def _draw_manholes(plotter, layout: NetworkLayout, frame: FrameState) -> None:
    u = layout.units
    j = layout.node_kind == "junction"
    if not j.any():
        return
    plotter.add_mesh(
        geo.tubes(
            u.xyz(layout.x[j], layout.y[j], layout.invert[j]),
            u.xyz(layout.x[j], layout.y[j], layout.rim[j]),
            layout.node_radius[j],
            frame.node_fill[j],
        ),
        scalars="fill",
        cmap=style.FILL_CMAP,
        clim=(0.0, 1.0),
        name="manholes",
        show_scalar_bar=False,
        smooth_shading=True,
    )


def _draw_flooding(plotter, layout: NetworkLayout, frame: FrameState) -> None:
    u = layout.units
    f = frame.flooded
    for name in ("flood_markers", "flood_labels", "puddles"):
        plotter.remove_actor(name)
    if not f.any():
        return
    tips = u.xyz(layout.x[f], layout.y[f], layout.rim[f])
    size = max(1.6 * float(np.median(layout.node_radius)), 0.022 * layout.width_m)
    tips[:, 2] += 0.3 * size
    # flat, unlit red: a map pin that reads the same from every side
    plotter.add_mesh(
        geo.flood_markers(tips, size),
        color=style.FLOOD_RED,
        lighting=False,
        name="flood_markers",
    )
    # label the worst floods only, so that the labels do not hide the town
    worst = np.argsort(-frame.flood_volume[f], kind="stable")[:MAX_FLOOD_LABELS]
    plotter.add_point_labels(
        tips[worst] + [0, 0, 3.4 * size],
        [str(n) for n in layout.node_name[f][worst]],
        font_size=style.font(plotter, 12),
        text_color="#7a0000",
        shape_color="white",
        shape_opacity=0.85,
        show_points=False,
        always_visible=True,
        name="flood_labels",
    )
    if frame.surface_depth is None:
        # no surface model: a disc per flooded node, area = volume / PUDDLE_DEPTH_M
        vol = np.maximum(frame.flood_volume[f], 0.0)
        radius = np.sqrt(vol / (np.pi * PUDDLE_DEPTH_M))
        radius = np.clip(radius, 1.5 * size, 0.15 * layout.width_m)
        centres = u.xyz(layout.x[f], layout.y[f], layout.rim[f])
        centres[:, 2] += 0.05 * u.ve
        plotter.add_mesh(
            geo.discs(centres, radius, thickness=max(0.05 * u.ve, 0.02)),
            color=style.PUDDLE_BLUE,
            opacity=0.8,
            name="puddles",
            ambient=0.3,
        )


def _draw_water(plotter, layout: NetworkLayout, frame: FrameState) -> None:
    water = None
    if frame.surface_depth is not None and layout.surface_ground is not None:
        sx, sy, ground = layout.surface_ground
        water = geo.water_surface(sx, sy, ground, frame.surface_depth, layout.units)
    if water is None:
        plotter.remove_actor("water")
        bar = style.water_bar_args(plotter)["title"]
        if bar in plotter.scalar_bars:
            plotter.remove_scalar_bar(bar)
        return
    plotter.add_mesh(
        water,
        scalars="depth",
        cmap=style.WATER_CMAP,
        clim=(0.0, layout.water_max_m),
        opacity=style.WATER_OPACITY,
        name="water",
        scalar_bar_args=style.water_bar_args(plotter),
        smooth_shading=True,
        specular=0.3,
    )


def _draw_text(plotter, layout: NetworkLayout, frame: FrameState) -> None:
    lines = [layout.title, frame.label]
    plotter.add_text(
        "\n".join(x for x in lines if x),
        position="upper_left",
        font_size=style.font(plotter, 15),
        color=style.TEXT_COLOUR,
        name="title",
    )
    n_flood = int(frame.flooded.sum())
    vol = float(np.nansum(frame.flood_volume[frame.flooded]))
    legend = [
        f"Flooded nodes: {n_flood}" + (f"  (volume {vol:,.0f} m3)" if n_flood else ""),
        f"Surcharged nodes (head above crown): {int(frame.surcharged.sum())}",
        f"Pipes above 80 % full: {int((frame.link_fill[layout.is_conduit] > 0.8).sum())}"
        f" of {int(layout.is_conduit.sum())}",
        "Fill: pipes depth/diameter d/D, manholes depth/(rim - invert) h/H",
        f"Vertical exaggeration x{layout.units.ve:.1f}; view from the south-east",
    ]
    if frame.surface_depth is None and n_flood:
        legend.insert(1, f"Blue discs: flood volume spread {PUDDLE_DEPTH_M * 100:.0f} cm deep")
    plotter.add_text(
        "\n".join(legend),
        position="lower_left",
        font_size=style.font(plotter, 10),
        color=style.TEXT_COLOUR,
        name="legend",
    )
