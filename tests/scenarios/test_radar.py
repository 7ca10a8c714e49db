"""Gridded rainfall onto subcatchments: exact overlay, volume conservation, NetCDF input."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import twin
from twin.errors import InputError
from twin.scenarios import Scenario
from twin.scenarios.radar import (
    cell_edges,
    overlay_weights,
    polygon_area,
    subcatchment_weights,
)


def _tiling(seed=3, nx=5, ny=4, w=100.0, h=80.0):
    """Irregular quadrilaterals tiling [0, w] x [0, h]: jittered interior vertices."""
    rng = np.random.default_rng(seed)
    xs, ys = np.linspace(0, w, nx + 1), np.linspace(0, h, ny + 1)
    X, Y = np.meshgrid(xs, ys)
    jx = rng.uniform(-0.3, 0.3, X.shape) * w / nx
    jy = rng.uniform(-0.3, 0.3, Y.shape) * h / ny
    jx[:, [0, -1]] = 0
    jy[[0, -1], :] = 0
    X, Y = X + jx, Y + jy
    polys = []
    for j in range(ny):
        for i in range(nx):
            polys.append(
                np.array(
                    [
                        [X[j, i], Y[j, i]],
                        [X[j, i + 1], Y[j, i + 1]],
                        [X[j + 1, i + 1], Y[j + 1, i + 1]],
                        [X[j + 1, i], Y[j + 1, i]],
                    ]
                )
            )
    return polys


def test_overlay_conserves_rain_volume():
    polys = _tiling()
    assert sum(polygon_area(p) for p in polys) == pytest.approx(100.0 * 80.0)
    x = np.arange(7) * 16.0 + 8.0 - 4.0  # cells of 16 m covering [-4, 108] > the domain
    y = (np.arange(6) * 16.0 + 8.0 - 8.0)[::-1]  # descending y, cells cover [-8, 88]
    rng = np.random.default_rng(1)
    rain = rng.gamma(2.0, 10.0, (len(y), len(x)))  # mm/h per cell
    a = overlay_weights(polys, x, y)
    # each polygon's overlaps add up to its area
    assert np.allclose(a.sum(axis=(1, 2)), [polygon_area(p) for p in polys])
    # rain on subcatchments (area-weighted average x polygon area) = rain on the grid footprint
    w = a / a.sum(axis=(1, 2), keepdims=True)
    sub_rate = np.einsum("syx,yx->s", w, rain)
    areas = np.array([polygon_area(p) for p in polys])
    footprint = a.sum(axis=0)  # area of the domain inside each cell
    assert (sub_rate * areas).sum() == pytest.approx((rain * footprint).sum(), rel=1e-12)


def test_cell_edges_of_descending_centres():
    assert np.allclose(cell_edges([30.0, 20.0, 10.0]), [35, 25, 15, 5])
    with pytest.raises(InputError):
        cell_edges([1.0, 1.0, 2.0])


def _grid_file(tmp_path, net, rain, members=None, units="mm h-1"):
    x0, x1 = np.nanmin(net.nodes.x) - 200, np.nanmax(net.nodes.x) + 200
    y0, y1 = np.nanmin(net.nodes.y) - 200, np.nanmax(net.nodes.y) + 200
    x = np.linspace(x0, x1, 6)
    y = np.linspace(y1, y0, 5)
    t = pd.date_range("2024-07-15", periods=rain.shape[0], freq="10min")
    dims = ("time", "y", "x") + (("member",) if members else ())
    shape = (len(t), len(y), len(x)) + ((members,) if members else ())
    data = np.broadcast_to(rain.reshape((-1,) + (1,) * (len(shape) - 1)), shape).copy()
    if members:
        data = data * (1 + np.arange(members))
    ds = xr.Dataset({"rain": (dims, data, {"units": units})}, coords={"time": t, "y": y, "x": x})
    p = tmp_path / "radar.nc"
    ds.to_netcdf(p)
    return p, x, y


def test_radar_scenario_gives_each_subcatchment_its_cell_average(tmp_path):
    net = twin.load_network("small-conduits")
    rain = np.array([0.0, 12.0, 36.0, 6.0])
    path, x, y = _grid_file(tmp_path, net, rain)
    out = Scenario(rainfall={"source": "radar", "path": str(path)}, tail_hours=1).apply(net)
    assert len(out.raingages) == net.n_subcatchments  # one gauge per subcatchment
    assert np.array_equal(out.subcatchments.raingage, np.arange(net.n_subcatchments))
    ts = out.timeseries[out.raingages.series[5]]
    assert np.allclose(ts.value, np.append(rain, 0.0))  # spatially uniform rain
    assert np.allclose(ts.time_h, np.arange(5) / 6.0)
    assert out.raingages.interval_s[0] == 600.0
    assert out.options["START_DATE"] == "07/15/2024" and out.options["END_TIME"] == "01:40:00"


def test_radar_depth_units_and_members(tmp_path):
    net = twin.load_network("small-conduits")
    path, *_ = _grid_file(tmp_path, net, np.array([1.0, 2.0]), members=3, units="mm")
    sc = Scenario(rainfall={"source": "radar", "path": str(path), "member": 2})
    ts = sc.apply(net).timeseries["RADAR1_RAIN"]
    assert np.allclose(ts.value[:2], np.array([1.0, 2.0]) * 3 * 6.0)  # mm per 10 min -> mm/h
    with pytest.raises(InputError, match="member"):
        Scenario(rainfall={"source": "radar", "path": str(path)}).apply(net)


@pytest.mark.parametrize(
    ("rain", "units", "match"),
    [
        ([1.0, np.inf], "mm h-1", "infinite"),
        ([1.0, -2.0], "mm h-1", "negative"),
        ([1.0, 2.0], "inches", "units"),
    ],
)
def test_bad_radar_grids_name_the_file(tmp_path, rain, units, match):
    net = twin.load_network("small-conduits")
    path, *_ = _grid_file(tmp_path, net, np.array(rain), units=units)
    with pytest.raises(InputError, match=match) as err:
        Scenario(rainfall={"source": "radar", "path": str(path)}).apply(net)
    assert err.value.file == str(path)


def test_centroid_fallback_without_polygons():
    net = twin.load_network("small-conduits")
    net.subcatchments.polygon = [None] * net.n_subcatchments
    x = np.linspace(np.nanmin(net.nodes.x) - 10, np.nanmax(net.nodes.x) + 10, 4)
    y = np.linspace(np.nanmin(net.nodes.y) - 10, np.nanmax(net.nodes.y) + 10, 3)
    w = subcatchment_weights(net, x, y)
    assert np.allclose(w.sum(axis=(1, 2)), 1.0) and set(np.unique(w)) <= {0.0, 1.0}
    node = net.subcatchments.outlet_node[0]
    j, i = np.argwhere(w[0] == 1.0)[0]
    assert abs(x[i] - net.nodes.x[node]) <= (x[1] - x[0]) / 2 + 1e-9
