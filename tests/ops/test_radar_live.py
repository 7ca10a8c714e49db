"""Radar frames arriving live: a watch reads the frames written to its radar folder
after it started, every cycle (before, the folder was read once at the start and the
rain after its last frame was that frame's, held)."""

import numpy as np
import pytest

from twin.engine.options import SimOptions
from twin.ops.nowcast import RadarRain
from twin.ops.sensors import SensorSet
from twin.ops.watch import Twin


def _write(frames, path):
    frames.to_dataset().to_netcdf(path)


def test_frames_written_after_the_start_are_read_every_cycle(cell_storm, tmp_path):
    net, start, frames = cell_storm
    folder = tmp_path / "radar"
    folder.mkdir()
    _write(frames.isel(time=slice(0, 4)), folder / "a.nc")  # the first 20 minutes
    radar = RadarRain.from_folder(folder, net, start)
    expect = RadarRain(frames, net, start).to_gauges(frames.values)[:, 0]
    tw = Twin(net, SensorSet([]), tmp_path / "w", members=2, assimilation="none",
              cycle_min=10, forecast=False, radar=radar)  # fmt: skip
    tw.assimilate(600.0)
    held = tw.rain.mean_rate(3000.0, 3300.0)[0]  # what the watch knew of minute 50
    assert held == pytest.approx(expect[3])  # the last frame's rate, held
    _write(frames.isel(time=slice(4, 12)), folder / "b.nc")  # minutes 20-60 arrive
    (folder / "c.nc").write_bytes(b"CDF\x01 half written")  # an export still writing
    tw.assimilate(1800.0)
    got = np.array([tw.rain.mean_rate(a, a + 300.0)[0] for a in 300.0 * np.arange(12)])
    np.testing.assert_allclose(got, expect[:12], rtol=1e-12)
    assert abs(expect[10] - held) > 5.0  # the new frames differ from the held rate
    assert len(radar.times_s) == 12
    _write(frames.isel(time=slice(12, 16)), folder / "c.nc")  # the file is complete now
    assert radar.refresh(tw.rain) == 4
    assert radar.refresh(tw.rain) == 0  # nothing new
    # a rewritten file replaces its frames
    _write(frames.isel(time=slice(12, 16)) * 2.0, folder / "c.nc")
    assert radar.refresh(tw.rain) == 4
    assert tw.rain.mean_rate(3600.0, 3900.0)[0] == pytest.approx(2.0 * expect[12])


def test_nowcast_uses_the_frames_that_arrived(cell_storm, tmp_path):
    pytest.importorskip("pysteps")
    net, start, frames = cell_storm
    folder = tmp_path / "radar"
    folder.mkdir()
    _write(frames.isel(time=slice(0, 3)), folder / "a.nc")
    radar = RadarRain.from_folder(folder, net, start, method="extrapolation")
    rain = radar.observed()
    now = 1200.0  # the frame of minutes 15-20 is complete
    np.testing.assert_array_equal(radar._past(now)[-1], frames.values[2])  # only the old ones
    _, before = radar.nowcast(rain, now, 1800.0, 2, seed=1)
    _write(frames.isel(time=slice(3, 6)), folder / "b.nc")
    assert radar.refresh(rain) == 3
    np.testing.assert_array_equal(radar._past(now)[-1], frames.values[3])
    t, after = radar.nowcast(rain, now, 1800.0, 2, seed=1)
    assert t[0] == now and after.shape == (2, 6, 1)
    assert not np.allclose(after, before)  # extrapolated from the new frame


def _advected_frames(rng, n, sigma_noise=0.0, sigma_evolve=0.0, shift_px=2):
    """Frames of a smooth random rain field moving ``shift_px`` cells a frame toward +x,
    times a fresh lognormal noise every frame and a log texture that takes a random
    walk of ``sigma_evolve`` a frame (its log ratio after ``j`` frames: variance
    ``j sigma_evolve**2``)."""
    from scipy.ndimage import gaussian_filter

    base = np.exp(gaussian_filter(rng.standard_normal((64, 64 + shift_px * n)), 4) * 8.0) * 5.0
    walk = np.zeros((64, 64 + shift_px * n))
    frames = []
    for i in range(n):
        if i:
            walk += sigma_evolve * rng.standard_normal(walk.shape)
        field = base * np.exp(walk)
        lo = shift_px * (n - 1 - i)  # the window moves against the field
        f = field[:, lo : lo + 64] * np.exp(sigma_noise * rng.standard_normal((64, 64)))
        frames.append(f)
    return np.array(frames)


def test_the_extrapolation_spread_is_the_rain_s_own_growth_and_noise():
    pytest.importorskip("pysteps")
    from pysteps import nowcasts

    from twin.ops.nowcast import lagrangian_log_variance

    extrapolate = nowcasts.get_method("extrapolation")
    v = np.zeros((2, 64, 64))
    v[0] = 2.0  # the true motion: two cells a frame toward +x
    rng = np.random.default_rng(5)
    # a frozen field: the change along the motion is only the interpolation's
    frozen = lagrangian_log_variance(_advected_frames(rng, 6), v, 12, 0.1, extrapolate)
    assert frozen.max() < 0.01
    # fresh noise of 0.2 in every frame: one frame's noise, 0.04, at every lead
    noisy = lagrangian_log_variance(_advected_frames(rng, 6, 0.2), v, 12, 0.1, extrapolate)
    assert noisy == pytest.approx(np.full(12, 0.04), rel=0.2, abs=0.005)
    # a random walk of 0.15 a frame: 0.0225 per step of lead, growing
    walk = lagrangian_log_variance(_advected_frames(rng, 6, 0.0, 0.15), v, 12, 0.1, extrapolate)
    np.testing.assert_allclose(walk, 0.0225 * np.arange(1, 13), rtol=0.25, atol=0.01)


def test_twin_watch_with_a_radar_folder_warns_on_the_radar_s_rain(cell_storm, tmp_path):
    """``twin watch --radar DIR``: the radar's catchment rain is the observed rain (the
    rainfall warning carries the radar frame's rate, not the network gauge's)."""
    import json

    from twin.cli import main
    from twin.scenarios.modify import copy_network

    net, start, frames = cell_storm
    net = copy_network(net)
    net.options["END_TIME"] = "01:00:00"
    net.to_inp(tmp_path / "town.inp")
    folder = tmp_path / "radar"
    folder.mkdir()
    _write(frames.isel(time=slice(0, 6)), folder / "a.nc")
    _write(frames.isel(time=slice(6, 12)), folder / "b.nc")
    sensors = tmp_path / "s.toml"
    sensors.write_text('[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n')
    obs = tmp_path / "obs.csv"
    obs.write_text("time,sensor,value\n2024-07-15T00:30:00,L1,0.1\n")
    out = tmp_path / "out"
    args = ["--radar", str(folder), "--nowcast", "extrapolation", "--replay", "--members", "2",
            "--cycle-min", "10", "--horizon-min", "10", "-o", str(out)]  # fmt: skip
    code = main(["watch", str(tmp_path / "town.inp"), "--sensors", str(sensors),
                 "--observations", str(obs), *args])  # fmt: skip
    assert code == 0
    msgs = [json.loads(x) for x in (out / "warnings.jsonl").read_text().splitlines()]
    rain = [m for m in msgs if m["kind"] == "rainfall" and m["status"] == "new"]
    radar = RadarRain(frames, net, start).to_gauges(frames.values)[:, 0]
    assert rain, "the cell's 60+ mm/h over the town raises a rainfall warning"
    t = (np.datetime64(rain[0]["issued"][:-1], "s") - np.datetime64(start, "s")).astype(int)
    assert rain[0]["value"] == pytest.approx(radar[int(t) // 300 - 1], rel=1e-3)


def test_a_gauge_adjusted_radar_scales_its_nowcast_to_the_gauges(cell_storm, tmp_path):
    pytest.importorskip("pysteps")
    from twin.ops.rain import ObservedRain

    net, start, frames = cell_storm
    truth = RadarRain(frames, net, start)
    gauges = truth.observed()  # the gauge reads the field; the radar half of it
    half = RadarRain(frames * 0.5, net, start, method="extrapolation", gauge_adjusted=True)
    now = 1800.0
    np.testing.assert_allclose(half.gauge_bias(gauges, now), [2.0], rtol=1e-9)
    assert half.gauge_bias(ObservedRain(1), now)[0] == 1.0  # no gauge rain: no adjustment
    _, adjusted = half.nowcast(gauges, now, 1200.0, 2, seed=4)
    plain = RadarRain(frames * 0.5, net, start, method="extrapolation")
    _, unadjusted = plain.nowcast(gauges, now, 1200.0, 2, seed=4)
    np.testing.assert_allclose(adjusted, 2.0 * unadjusted, rtol=1e-9)
    # a twin with it keeps the gauges as its observed rain
    tw = Twin(net, SensorSet([]), tmp_path, members=2, assimilation="none", forecast=False,
              rain=None, radar=half)  # fmt: skip
    tw.assimilate(600.0)
    own = ObservedRain.of_network(net, SimOptions.from_network(net))
    assert tw.rain.mean_rate(0.0, 600.0) == pytest.approx(own.mean_rate(0.0, 600.0))


def test_an_undefined_motion_field_is_taken_as_still_rain():
    """An optical flow may leave NaN vectors (Proesmans' did once in CI on this module's
    storm: pysteps read past a 1-cell pyramid level, see ``proesmans_levels``); the
    extrapolation must get a finite field: no motion there."""
    from twin.ops.nowcast import motion_field

    def flow_with_holes(frames):
        v = np.ones((2, *frames.shape[1:]))
        v[0, 3, 4] = np.nan
        v[1, 0, 0] = np.inf
        return v

    v = motion_field(flow_with_holes, np.zeros((2, 8, 8)))
    assert np.isfinite(v).all() and v[0, 3, 4] == 0.0 and v[1, 0, 0] == 0.0
    assert v[0, 0, 0] == 1.0
