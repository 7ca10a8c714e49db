"""Off-screen 3D renders of small, physically consistent result Datasets.

The network: 7 manholes on a 100 m grid draining south to an outfall, pipes sized
0.3-0.8 m, ground a tilted plane with gentle waves.  Node depths follow the pipe
fill (depth = fill x diameter of the fullest connected pipe) except manhole J5,
which surcharges to its rim and floods at the peak.  Pictures are read back and
measured by colour: water is the only blue in a scene, the flood marker pure red.
"""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import xarray as xr

import twin
from twin.engine.dataset import build_dataset
from twin.errors import InputError, TwinError
from twin.render import export_html, render, render_animation
from twin.render.geometry import ground_from_rims
from twin.render.style import choose_vertical_exaggeration

SIZE = (640, 400)
NODES = ["J1", "J2", "J3", "J4", "J5", "J6", "J7", "O1"]
XY = np.array(
    [[0, 200], [100, 200], [200, 200], [0, 100], [100, 100], [200, 100], [100, 0], [100, -80]],
    dtype=float,
)
LINKS = [  # name, from, to, diameter [m]
    ("C1", "J1", "J4", 0.3),
    ("C2", "J4", "J5", 0.4),
    ("C3", "J2", "J5", 0.3),
    ("C4", "J3", "J6", 0.3),
    ("C5", "J6", "J5", 0.4),
    ("C6", "J5", "J7", 0.6),
    ("C7", "J7", "O1", 0.8),
]
PEAK_FILL = np.array([0.4, 0.7, 0.5, 0.45, 0.8, 1.2, 0.6])  # link fill at the peak (>1: full)


def ground(x, y):
    return 20.0 + 0.02 * y + 0.004 * x + 0.6 * np.cos(x / 60.0) * np.sin(y / 80.0)


RIM = ground(XY[:, 0], XY[:, 1])
INVERT = RIM - np.array([2.0, 2.2, 2.0, 2.4, 3.0, 2.3, 3.2, 0.0])
INVERT[-1] = INVERT[-2] - 0.6
RIM[-1] = INVERT[-1]  # an outfall has no rim: the renderer puts it on the ground


def make_result(scale=1.0, flood=True, surface=None, nt=13, members=None):
    """A result Dataset; ``surface`` = (x, y) of a wet patch on a 10 m grid, or None."""
    times = np.datetime64("2024-06-01T00:00") + np.arange(nt) * np.timedelta64(5, "m")
    shape = np.sin(np.linspace(0.0, np.pi, nt)) * scale
    height = RIM - INVERT
    diam = np.array([d for *_, d in LINKS])
    fill = np.clip(shape[:, None] * PEAK_FILL[None, :], 0.0, 1.0)
    idx = {n: i for i, n in enumerate(NODES)}
    depth = np.zeros((nt, len(NODES)))
    for k, (_, a, b, d) in enumerate(LINKS):
        for e in (idx[a], idx[b]):
            depth[:, e] = np.maximum(depth[:, e], fill[:, k] * d)
    flooding = np.zeros_like(depth)
    if flood:  # J5 rises to its rim at the peak and spills
        rise = np.clip((shape - 0.6) / 0.3, 0.0, 1.0)
        depth[:, 4] = np.maximum(depth[:, 4], rise * height[4])
        flooding[:, 4] = np.where(depth[:, 4] >= height[4] - 1e-9, 0.15 * shape, 0.0)
    volume = np.sum(0.5 * (flooding[1:] + flooding[:-1]) * 300.0, axis=0)
    series = dict(
        node_depth=depth,
        node_head=INVERT + depth,
        node_flooding=flooding,
        link_flow=fill * 0.2,
        link_capacity=fill,
    )
    summaries = dict(
        node_max_depth=depth.max(0), node_flood_volume=volume, link_max_capacity=fill.max(0)
    )
    names = dict(node=NODES, link=[n for n, *_ in LINKS])
    if members is not None:  # member m scales every value by factor[m]
        series = {k: np.stack([v * f for f in members]) for k, v in series.items()}
        summaries = {k: np.stack([v * f for f in members]) for k, v in summaries.items()}
        names["member"] = [f"m{i}" for i in range(len(members))]
    ds = build_dataset(
        times,
        series=series,
        summaries=summaries,
        names=names,
        coords=dict(
            node_x=XY[:, 0],
            node_y=XY[:, 1],
            node_invert=INVERT,
            node_rim=RIM,
            node_kind=np.array([0] * 7 + [1]),
            link_from=[a for _, a, _, _ in LINKS],
            link_to=[b for _, _, b, _ in LINKS],
            link_full_depth=diam,
            link_kind=np.zeros(7, int),
        ),
        attrs=dict(title="Test district", scenario="T10 design storm"),
    )
    if surface is not None:
        x, y = np.arange(-60.0, 261.0, 10.0), np.arange(-120.0, 261.0, 10.0)
        mx, my = np.meshgrid(x, y)
        patch = 0.35 * np.exp(-((mx - surface[0]) ** 2 + (my - surface[1]) ** 2) / 1800.0)
        sd = shape[:, None, None] * np.where(patch > 0.01, patch, 0.0)[None]
        ds = ds.assign_coords(x=("x", x), y=("y", y))
        ds["surface_depth"] = (("time", "y", "x"), sd)
        ds["surface_max_depth"] = (("y", "x"), sd.max(0))
    return ds


def terrain():
    x, y = np.arange(-100.0, 301.0, 5.0), np.arange(-150.0, 301.0, 5.0)
    return xr.DataArray(
        ground(x[None, :], y[:, None]), dims=("y", "x"), coords={"x": x, "y": y}, name="elevation"
    )


def blue(img):
    r, g, b = (img[..., i].astype(int) for i in range(3))
    return (b > 90) & (b > r + 40) & (b > g + 15)


def red(img):
    r, g, b = (img[..., i].astype(int) for i in range(3))
    return (r > 200) & (g < 60) & (b < 60)


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    """shot(key) -> image of a named scene, rendered once per module."""
    folder = tmp_path_factory.mktemp("renders")
    scenes = {
        "flood": lambda: make_result(),
        "no_flood_marker": lambda: make_result().assign(
            node_flooding=lambda d: d.node_flooding * 0,
            node_flood_volume=lambda d: d.node_flood_volume * 0,
        ),
        "dry": lambda: make_result(scale=0.0, flood=False),
        "wet_west": lambda: make_result(surface=(20.0, 150.0)),
        "wet_east": lambda: make_result(surface=(190.0, 150.0)),
        "surface_dry": lambda: make_result(scale=0.0, flood=False, surface=(100.0, 100.0)),
    }

    @cache
    def get(key):
        kw = {"terrain": terrain()} if key.startswith(("wet", "surface")) else {}
        path = render(scenes[key](), folder / f"{key}.png", window_size=SIZE, **kw)
        return iio.imread(path)[..., :3]

    return get


def test_png_is_a_full_picture(shot, tmp_path):
    img = shot("flood")
    assert img.shape == (SIZE[1], SIZE[0], 3)
    # many colours, and far from one flat background
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 500
    assert img.std() > 10


def test_flooded_node_is_marked_red_and_puddle_is_blue(shot):
    flood, unmarked = shot("flood"), shot("no_flood_marker")
    scene = np.s_[:, : int(0.85 * SIZE[0])]  # left of the scalar bars
    assert (red(flood) & ~red(unmarked))[scene].sum() > 40
    assert red(unmarked)[scene].sum() == 0
    # without a surface grid the flood volume is shown as a blue disc
    assert blue(flood).sum() > 200
    assert blue(unmarked).sum() < 5


def test_no_blue_when_every_depth_is_zero(shot):
    for key in ("dry", "surface_dry"):
        assert blue(shot(key)).sum() < 5, key


def test_surface_water_is_blue_where_wet(shot):
    west, east, dry = shot("wet_west"), shot("wet_east"), shot("surface_dry")
    assert blue(west).sum() > 1000 and blue(east).sum() > 1000
    assert blue(dry).sum() < 5
    # the camera looks north-west from the south-east: east lies to the right on screen
    col_w = np.nonzero(blue(west))[1].mean()
    col_e = np.nonzero(blue(east))[1].mean()
    assert col_e - col_w > 0.1 * SIZE[0]


def test_time_frames_differ_and_datetime_selects_the_frame(tmp_path):
    from twin.render.frames import prepare, time_indices

    ds = make_result(nt=7)
    layout, _ = prepare(ds)
    assert time_indices(layout, ds.time.values[3]) == 3
    assert time_indices(layout, str(ds.time.values[3] + np.timedelta64(60, "s"))) == 3
    assert time_indices(layout, -1) == 6 and time_indices(layout, "max") is None
    a = iio.imread(render(ds, tmp_path / "a.png", time=0, window_size=SIZE))
    b = iio.imread(render(ds, tmp_path / "b.jpg", time=ds.time.values[3], window_size=SIZE))
    scene = np.s_[:, : int(0.85 * SIZE[0])]  # left of the scalar bars
    assert red(b)[scene].sum() > 40 and red(a)[scene].sum() == 0  # J5 floods at the peak
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 1  # pipes change colour too


def test_animation_has_one_frame_per_time(tmp_path):
    ds = make_result(nt=5, surface=(100.0, 100.0))
    gif = render_animation(ds, tmp_path / "a.gif", terrain=terrain(), window_size=(320, 200))
    frames = iio.imread(gif, index=None)
    assert frames.shape[:3] == (5, 200, 320)
    assert not np.array_equal(frames[0], frames[2])  # the storm peaks at frame 2
    assert blue(frames[2][..., :3]).sum() > blue(frames[0][..., :3]).sum()
    every = render_animation(ds, tmp_path / "b.gif", every=2, window_size=(320, 200))
    assert iio.imread(every, index=None).shape[0] == 3


def test_mp4_needs_imageio_ffmpeg(tmp_path):
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        with pytest.raises(TwinError, match="imageio-ffmpeg"):
            render_animation(make_result(nt=3), tmp_path / "a.mp4")
        assert not (tmp_path / "a.mp4").exists()
    else:
        out = render_animation(make_result(nt=3), tmp_path / "a.mp4", window_size=(320, 200))
        assert out.stat().st_size > 0


def test_html_export_holds_the_scene(tmp_path):
    pytest.importorskip("trame_vtk")
    out = export_html(make_result(), tmp_path / "scene.html")
    text = out.read_text()
    data = re.search(r'base64Str = "([^"]+)"', text).group(1)
    scene = json.loads(zipfile.ZipFile(io.BytesIO(base64.b64decode(data))).read("index.json"))
    actors = re.findall(r'"type": "vtk\w*Actor"', json.dumps(scene["scene"]))
    assert len(actors) >= 6  # terrain, contours, outfall, north arrow, pipes, manholes, ...
    assert len(scene["hashes"]) > 10  # the meshes' point and cell arrays


def test_vtk_x_server_warning_is_silenced(tmp_path):
    here, root = Path(__file__).parent, Path(twin.__file__).parent.parent
    code = (
        f"import sys; sys.path[:0] = [{str(here)!r}, {str(root)!r}]\n"
        "from test_render import make_result\n"
        "from twin.render import render\n"
        f"render(make_result(), {str(tmp_path / 'q.png')!r}, window_size=(200, 120))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "q.png").exists()
    assert "X server" not in proc.stderr and "WARN" not in proc.stderr


def test_ensemble_member_and_quantile(tmp_path):
    from twin.render.frames import frame_at, prepare

    ds = make_result(members=[0.5, 1.0, 1.5])
    layout, one = prepare(ds, member=2)
    assert np.allclose(
        frame_at(layout, one, 6).link_fill, np.clip(1.5 * ds.link_capacity.values[0, 6] / 0.5, 0, 1)
    )
    layout, med = prepare(ds, quantile=0.5)
    assert np.allclose(
        frame_at(layout, med, None).link_fill,
        np.clip(np.median(ds.link_max_capacity.values, axis=0), 0, 1),
    )
    assert "median" in layout.title
    for bad in (
        dict(member=3),
        dict(member="m9"),
        dict(quantile=1.5),
        dict(member=0, quantile=0.5),
    ):
        with pytest.raises(InputError):
            render(ds, tmp_path / "x.png", **bad)
    with pytest.raises(InputError, match="no 'member'"):
        render(make_result(), tmp_path / "x.png", member=0)


def test_bad_input_raises_input_error_and_writes_nothing(tmp_path):
    ds = make_result(nt=5)
    cases = [
        (ds.drop_vars("node_x"), {}),
        (ds.drop_vars(["link_capacity"]), {"time": 2}),
        (ds, {"time": 5}),
        (ds, {"time": np.datetime64("2030-01-01T00:00")}),
        (ds, {"time": "yesterday"}),
        (ds, {"vertical_exaggeration": -2.0}),
        (ds, {"terrain": terrain().rename(x="lon")}),
    ]
    for data, kw in cases:
        with pytest.raises(InputError):
            render(data, tmp_path / "x.png", window_size=SIZE, **kw)
    with pytest.raises(InputError, match="must end in"):
        render(ds, tmp_path / "x.tif")
    assert list(tmp_path.iterdir()) == []  # no partial file, no temporary left behind


def test_ground_from_rims_reproduces_a_plane():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 500, 30), rng.uniform(0, 300, 30)
    gx, gy, z = ground_from_rims(x, y, 12.0 + 0.01 * x - 0.02 * y, margin_m=20.0)
    exact = 12.0 + 0.01 * gx[None, :] - 0.02 * gy[:, None]
    inside = (gx[None, :] > 0) & (gx[None, :] < 500) & (gy[:, None] > 0) & (gy[:, None] < 300)
    assert np.abs(z - exact)[inside].max() < 1e-3


def test_vertical_exaggeration_follows_town_width_over_relief():
    assert choose_vertical_exaggeration(1000.0, 20.0) == pytest.approx(6.25)
    assert choose_vertical_exaggeration(50.0, 40.0) == 1.0  # never flattens


@pytest.mark.swmm
def test_renders_swmm_results_of_a_flooding_district(tmp_path):
    """A generated district run by EPA SWMM 5.2: its flooded manholes get red markers."""
    from twin.networks.district import write_district
    from twin.networks.model import Network
    from twin.networks.terrain import load_terrain
    from twin.render.frames import frame_at, prepare
    from twin.validation.swmm_run import run_swmm

    inp, dem_path = write_district(tmp_path / "town.inp", conduits=40, storm_depth_mm=150.0)
    net, sw = Network.from_inp(inp), run_swmm(inp)
    nodes, links = net.nodes, net.links
    sw = sw.sel(node=[str(n) for n in nodes.name], link=[str(n) for n in links.name])
    ds = build_dataset(
        sw.time.values,
        series={k: sw[k].values for k in ("node_depth", "node_flooding", "link_capacity")},
        names=dict(node=[str(n) for n in nodes.name], link=[str(n) for n in links.name]),
        coords=dict(node_x=nodes.x, node_y=nodes.y, node_invert=nodes.invert_m,
                    node_rim=nodes.invert_m + nodes.max_depth_m, node_kind=nodes.kind,
                    link_from=links.from_node, link_to=links.to_node,
                    link_full_depth=links.geom[:, 0], link_kind=links.kind),
    )  # fmt: skip
    swmm_flooded = (sw.node_flooding > 0).any("time").values
    assert swmm_flooded.any()  # the storm overloads the district
    layout, ds1 = prepare(ds, load_terrain(dem_path))
    assert np.array_equal(frame_at(layout, ds1, None).flooded, swmm_flooded)
    img = iio.imread(render(ds, tmp_path / "town.png", terrain=load_terrain(dem_path),
                            window_size=SIZE))[..., :3]  # fmt: skip
    scene = np.s_[:, : int(0.85 * SIZE[0])]
    assert red(img)[scene].sum() > 40 * min(int(swmm_flooded.sum()), 3)
    assert blue(img)[scene].sum() > 100 * min(int(swmm_flooded.sum()), 3)
