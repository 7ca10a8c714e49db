"""The extrapolation members' lognormal spread estimated for the rain the twin uses
(``RadarRain(spread=...)``, round 14): where the last frame rains like the catchments
(``rate``), on the catchments' means (``area``), or a random walk in lead (``-walk``);
the default the old cell-by-cell estimate, bit for bit."""

import numpy as np
import pytest
import xarray as xr

import twin
from twin.engine.options import SimOptions
from twin.errors import InputError
from twin.ops.nowcast import (
    RadarRain,
    area_kernels,
    area_log_variance,
    lagrangian_log_variance,
    walk_log_factors,
    watch_spread_default,
)
from twin.ops.rain import ObservedRain
from twin.validation.radar_storm import network_grid

pytest.importorskip("pysteps")

STEP_SD = 0.1  # the heavy core's log rate: a random walk of 0.1 per frame


def _still(*frames_velocity_n):
    """A still field's extrapolation (pysteps' call shape): the frame at every lead."""
    frame, _, n = frames_velocity_n
    return np.repeat(np.asarray(frame, float)[None], n, axis=0)


def _core_and_fringe(net, start, n=8, seed=4):
    """A still storm: a heavy core (40 mm/h) over the town whose log rate changes by a
    smooth random walk of ``STEP_SD`` a frame (known: the town's log error at lead L
    is STEP_SD sqrt(L)), in a light rain (2 mm/h) whose cells' log rates scatter by 0.8
    afresh every frame."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:64, :64]
    core = np.hypot(yy - 31.5, xx - 31.5) < 14
    log_core = np.full((64, 64), np.log(40.0))
    out = []
    for _ in range(n):
        s = gaussian_filter(rng.standard_normal((64, 64)), 8.0, mode="wrap")
        log_core = log_core + STEP_SD * s / s.std()
        fringe = np.log(2.0) + 0.8 * rng.standard_normal((64, 64))
        out.append(np.exp(np.where(core, log_core, fringe)))
    x, y = network_grid(net, 64, 1000.0)
    times = np.datetime64(start, "s") + (np.arange(n) * 300).astype("timedelta64[s]")
    return xr.DataArray(np.array(out), dims=("time", "y", "x"),
                        coords={"time": times.astype("datetime64[ns]"), "x": x, "y": y},
                        attrs={"step_s": 300.0})  # fmt: skip


def _town_log_sd(radar, now_s, n_steps=6, members=400):
    """(n_steps,) the members' std of the log of the town's forecast rain at each lead."""
    fields = radar._pysteps(radar._past(now_s), n_steps, members, 7, radar._past(now_s, 6))
    town = radar.to_gauges(fields) @ radar._gauge_share  # (members, steps)
    return np.log(town).std(axis=0)


def test_the_spread_where_it_rains_like_the_town_matches_the_town_s_known_error():
    net = twin.load_network("small")
    start = SimOptions.from_network(net).start
    frames = _core_and_fringe(net, start)
    now = 8 * 300.0
    rate = _town_log_sd(RadarRain(frames, net, start, spread="rate"), now)
    cell = _town_log_sd(RadarRain(frames, net, start), now)
    known = STEP_SD * np.sqrt(np.arange(1, 7))
    # spread over known error at every lead of the next 30 minutes near 1
    assert np.all((rate / known > 0.6) & (rate / known < 1.6)), rate / known
    # the cell-by-cell estimate is led by the light rain's jumps: far too wide
    assert np.all(cell > 2.5 * known), cell / known


def test_the_spread_of_a_catchment_mean_is_smaller_than_a_cell_s_on_a_textured_field():
    rng = np.random.default_rng(5)
    base = np.full((48, 48), 10.0)
    frames = np.array([base * np.exp(0.5 * rng.standard_normal(base.shape)) for _ in range(6)])
    v = np.zeros((2, 48, 48))
    cell = lagrangian_log_variance(frames, v, 6, 0.1, _still)
    kernel = np.zeros((1, 48 * 48))
    kernel[0, np.ravel_multi_index(([20, 20, 21, 21], [20, 21, 20, 21]), (48, 48))] = 0.25
    area = area_log_variance(frames, v, 6, 0.1, _still, area_kernels(kernel, (48, 48)))
    # cell: one frame's texture (0.25, half the two frames' log ratio); the 2 x 2 cells'
    # mean about a quarter of it
    assert 0.18 < cell[0] < 0.32, cell
    assert np.all(area < 0.45 * cell), area / cell


def test_the_walk_keeps_each_lead_s_variance_and_decorrelates_the_leads():
    var = 0.1 + 0.05 * np.arange(1, 13)
    z = np.random.default_rng(1).standard_normal(20000)
    f = walk_log_factors(var, z, np.random.default_rng(2))
    assert np.allclose(f[:, 0], np.sqrt(var[0]) * z)
    assert np.allclose(f.var(axis=0), var, rtol=0.05)
    r = np.corrcoef(f[:, 0], f[:, -1])[0, 1]
    assert abs(r - np.sqrt(var[0] / var[-1])) < 0.03 and r < 0.6, r


def test_the_default_is_the_old_spread_bit_for_bit_and_bad_values_are_refused():
    net = twin.load_network("small")
    start = SimOptions.from_network(net).start
    frames = _core_and_fringe(net, start)
    rain = ObservedRain(len(net.raingages))
    old = RadarRain(frames, net, start).nowcast(rain, 2400.0, 1800.0, 4, seed=2)
    same = RadarRain(frames, net, start, spread="lagrangian").nowcast(rain, 2400.0, 1800.0, 4,
                                                                      seed=2)  # fmt: skip
    new = RadarRain(frames, net, start, spread="rate").nowcast(rain, 2400.0, 1800.0, 4, seed=2)
    assert np.array_equal(old[0], same[0]) and np.array_equal(old[1], same[1])
    assert not np.array_equal(old[1], new[1])
    f = np.asarray(frames.values)
    v = np.zeros((2, 64, 64))
    assert np.array_equal(lagrangian_log_variance(f, v, 6, 0.1, _still),
                          lagrangian_log_variance(f, v, 6, 0.1, _still, at_least=None))  # fmt: skip
    with pytest.raises(InputError, match="spread"):
        RadarRain(frames, net, start, spread="catchment")
    with pytest.raises(InputError, match="spread"):
        RadarRain(frames, net, start, method="steps", spread="rate")
    # twin watch: the rate spread with the extrapolation since round 14, the old on request
    assert watch_spread_default("extrapolation") == "rate"
    assert watch_spread_default("steps") == "lagrangian"
    assert watch_spread_default("extrapolation", "lagrangian") == "lagrangian"
