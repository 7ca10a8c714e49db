"""Radar nowcasts (pysteps) against gauge persistence on a storm of moving rain cells.

The truth is EPA SWMM 5.2 on the small network under the rain of synthetic radar
frames (a cell advected over the town); the twin sees the frames up to now and
forecasts with pysteps' STEPS nowcast of them, or with the gauges' decaying persistence.
"""

import numpy as np
import pytest

import twin
from twin.engine.options import SimOptions
from twin.ops.nowcast import RadarRain, read_radar_folder
from twin.ops.rain import persistence_nowcast
from twin.ops.sensors import SensorSet
from twin.ops.watch import Twin
from twin.validation import twin_experiment as E
from twin.validation.radar_storm import (
    RainCell,
    moving_cells,
    network_grid,
    network_with_frames_rain,
)

pytest.importorskip("pysteps")
pytestmark = [pytest.mark.swmm, pytest.mark.slow]


@pytest.fixture(scope="module")
def storm():
    base = twin.load_network("small")
    start = SimOptions.from_network(base).start
    x, y = network_grid(base, 64, 500.0)
    cx, cy = x.mean(), y.mean()
    # a cell 14 km west of the town, moving east at 8 m/s: it arrives after ~30 min
    cells = [RainCell(cx - 14000.0, cy - 3000.0, 8.0, 2.0, 90.0, 3000.0, -0.3)]
    frames = moving_cells(cells, x, y, start, 30, 300.0)
    net = network_with_frames_rain(base, frames, start)
    return net, frames, start, E.run_truth(net, 60)


def test_frames_are_read_from_a_folder_and_mapped_to_the_gauge(storm, tmp_path):
    net, frames, start, truth = storm
    for k in (0, 10, 20):  # three files, out of order on purpose
        frames.isel(time=slice(k, k + 10)).to_dataset().to_netcdf(tmp_path / f"r{20 - k}.nc")
    back = read_radar_folder(tmp_path)
    np.testing.assert_allclose(back.values, frames.values)
    radar = RadarRain(back, net, start)
    rain = radar.observed()
    # the gauge's rain is the truth network's gauge record (mm/h, 5-minute steps)
    g = np.asarray(net.timeseries[str(net.raingages.series[0])].value)
    np.testing.assert_allclose(rain.rates_mmh[:, 0], g, rtol=1e-12)
    assert g.max() > 50.0


def test_steps_nowcast_beats_gauge_persistence(storm, tmp_path):
    net, frames, start, truth = storm
    radar = RadarRain(frames, net, start, method="steps")
    now_s = 1200.0  # the cell's leading edge is on the town
    tw = Twin(net, SensorSet([]), tmp_path, members=4, assimilation="none", cycle_min=20,
              horizon_min=60, rain=radar.observed(), nowcast=radar.nowcast, seed=3)  # fmt: skip
    tw.step(now_s)
    tw.nowcast = persistence_nowcast
    tw.forecast()
    by_radar, by_gauge = tw.cycles
    assert by_radar.issued_s == by_gauge.issued_s == now_s
    # rain: the members' mean forecast against the frames that came
    obs = radar.observed()
    t, r_radar = radar.nowcast(obs, now_s, 3600.0, 4, seed=3)
    _, r_gauge = persistence_nowcast(obs, now_s, 3600.0, 4, seed=3)
    came = np.array([obs.mean_rate(a, a + 300.0) for a in t])
    err_radar = np.sqrt(np.mean((r_radar.mean(axis=0) - came) ** 2))
    err_gauge = np.sqrt(np.mean((r_gauge.mean(axis=0) - came) ** 2))
    assert err_radar < 0.6 * err_gauge, (err_radar, err_gauge)
    # depths: the forecast mean at 30 and 60 minutes against SWMM's truth
    wet = E.wet_manholes(net, truth)
    for lead_min in (30, 60):
        k = int(np.argmin(np.abs(by_radar.lead_s - 60.0 * lead_min)))
        when = np.datetime64(start, "s") + np.timedelta64(int(now_s + by_radar.lead_s[k]), "s")
        true = truth.node_depth.sel(time=when, method="nearest").values[wet]
        e_radar = E.depth_rmse(by_radar.node_depth_mean[k, wet], true)
        e_gauge = E.depth_rmse(by_gauge.node_depth_mean[k, wet], true)
        assert e_radar < 0.75 * e_gauge, (lead_min, e_radar, e_gauge)


def test_extrapolation_members_differ_and_follow_the_cell(storm):
    net, frames, start, truth = storm
    radar = RadarRain(frames, net, start, method="extrapolation")
    obs = radar.observed()
    t, r = radar.nowcast(obs, 1200.0, 3600.0, 3, seed=1)
    assert r.shape == (3, 12, 1)
    assert np.ptp(r[:, 0, 0]) > 0  # members are perturbed
    came = np.array([obs.mean_rate(a, a + 300.0) for a in t])[:, 0]
    assert np.argmax(r.mean(axis=0)[:, 0]) == np.argmax(came)  # the peak arrives on time
