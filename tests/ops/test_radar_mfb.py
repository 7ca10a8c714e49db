"""The radar's mean-field bias as a Kalman filter on the log bias (round 15, issue 17):
the filter against the conjugate normal posterior and the steady-state Kalman gain, no
rain leaving the prior, ``RadarRain(bias="kalman")`` on a radar reading half the field,
and a restart of ``twin watch`` carrying the filter's state in ``watch.json``."""

import json

import numpy as np
import pytest

from tests.radar_cells import passing_cell_folder
from twin.errors import InputError
from twin.ops.mfb import MeanFieldBias
from twin.ops.nowcast import RadarRain
from twin.ops.rain import ObservedRain
from twin.ops.sensors import SensorSet
from twin.ops.watch import Twin


def test_a_constant_bias_with_lognormal_noise_is_the_normal_posterior():
    """Zero process noise (a random walk that does not walk), steps of the same depth:
    after n steps the estimate is the conjugate normal posterior of the log bias, its
    variance 1 / (1 / P0 + n / R), falling as R / n, and it converges to the truth."""
    rng = np.random.default_rng(3)
    p0, true, depth = 0.09, np.log(1.6), 2.0
    f = MeanFieldBias(1, prior_var=p0, tau_s=np.inf, process_var_h=0.0)
    r = float(f.obs_var(depth))
    ys = true + rng.normal(0.0, np.sqrt(r), 400)  # lognormal noise on the ratio
    for i, y in enumerate(ys, start=1):
        gauge, radar = depth * np.exp(y / 2), depth * np.exp(-y / 2)  # sqrt(g r) = depth
        f.step(300.0 * i, [gauge], [radar])
        if i in (1, 10, 100, 400):
            prec = 1.0 / p0 + i / r
            assert f.var[0] == pytest.approx(1.0 / prec, rel=1e-9)
            assert f.mean[0] == pytest.approx(ys[:i].sum() / r / prec, rel=1e-9)
            assert abs(f.mean[0] - true) < 4.0 * np.sqrt(f.var[0])
    assert f.var[0] * 400 == pytest.approx(r, rel=0.01)  # ~ R / n
    assert f.bias[0] == pytest.approx(1.6, rel=0.05)


def test_a_step_change_is_tracked_at_the_rate_the_process_variance_implies():
    """A random walk with process variance q per step and observations of the bias itself
    (no noise; R from the depth): once the variance is steady the error after a step
    change falls by (1 - K) a step, K = P / (P + R) with P the Riccati solution
    P = (q + sqrt(q^2 + 4 q R)) / 2; a larger q tracks faster."""
    depth = 1.0
    rates = {}
    for q in (0.001, 0.01):
        f = MeanFieldBias(1, prior_var=0.09, tau_s=np.inf, process_var_h=q * 12.0)
        r = float(f.obs_var(depth))
        for i in range(300):  # steady at bias 1
            f.step(300.0 * (i + 1), [depth], [depth])
        p = (q + np.sqrt(q * q + 4 * q * r)) / 2.0
        k = p / (p + r)
        jump = np.log(2.0)
        errors = []
        for i in range(300, 320):  # the bias is now 2: the gauge reads twice the radar
            g, rd = depth * np.sqrt(2.0), depth / np.sqrt(2.0)  # the same depth, log ratio 2
            f.step(300.0 * (i + 1), [g], [rd])
            errors.append(jump - f.mean[0])
        np.testing.assert_allclose(errors, jump * (1 - k) ** np.arange(1, 21), rtol=1e-9)
        rates[q] = 1 - k
    assert rates[0.01] < rates[0.001]


def test_no_rain_is_the_prior_and_a_dry_spell_returns_to_it():
    f = MeanFieldBias(2, prior_var=0.09, tau_s=3600.0)
    for i in range(12):  # an hour without rain (the radar or the gauge dry)
        f.step(300.0 * (i + 1), [0.0, 2.0], [1.5, 0.0])
    np.testing.assert_allclose(f.mean, 0.0)
    np.testing.assert_allclose(f.var, 0.09)
    np.testing.assert_allclose(f.bias, 1.0)
    for i in range(12, 24):  # rain: the gauge twice the radar
        f.step(300.0 * (i + 1), [2.0, 2.0], [1.0, 1.0])
    m, v = f.mean.copy(), f.var.copy()
    assert (m > 0.3).all() and (v < 0.09).all()
    f.step(300.0 * 24 + 7200.0, [0.0, 0.0], [0.0, 0.0])  # two hours dry: the AR(1)'s pull
    rho = np.exp(-2.0)
    np.testing.assert_allclose(f.mean, rho * m, rtol=1e-12)
    np.testing.assert_allclose(f.var, rho**2 * v + (1 - rho**2) * 0.09, rtol=1e-12)


def test_a_kalman_bias_of_a_radar_reading_half_the_gauges(cell_storm):
    """The gauge reads the field, the radar half of it: each raining step observes
    log 2 exactly, so the estimate is the filter's own recursion on log 2 (the steps
    where both rain); no gauge rain: the prior (1); the window's estimate unchanged."""
    net, start, frames = cell_storm
    gauges = RadarRain(frames, net, start).observed()
    half = RadarRain(frames * 0.5, net, start, gauge_adjusted=True, bias="kalman")
    now = 3600.0
    got = half.gauge_bias(gauges, now)
    ref = MeanFieldBias(1)
    full = RadarRain(frames, net, start).to_gauges(frames.values)[:, 0] * 300.0 / 3600.0
    for k in range(12):
        ref.step(300.0 * (k + 1), [full[k]], [0.5 * full[k]])
    assert (full[:12] >= 0.1).sum() >= 3  # it rained in steps
    np.testing.assert_allclose(got, ref.bias, rtol=1e-12)
    assert 1.3 < got[0] < 2.0  # from 1 toward 2
    assert half.gauge_bias(gauges, now) == pytest.approx(got)  # taken in once
    dry = RadarRain(frames * 0.5, net, start, gauge_adjusted=True, bias="kalman")
    assert dry.gauge_bias(ObservedRain(1), now)[0] == 1.0
    np.testing.assert_allclose(dry.mfb.var, dry.mfb.prior_var)
    window = RadarRain(frames * 0.5, net, start, gauge_adjusted=True)
    assert window.gauge_bias(gauges, 1800.0) == pytest.approx([2.0], rel=1e-9)
    with pytest.raises(InputError, match="bias"):
        RadarRain(frames, net, start, bias="mean")


def test_a_restart_carries_the_bias_filter_s_state(cell_storm, tmp_path):
    """A watch killed and restarted on a radar folder that keeps only the last frames
    (an export pruning its old files) continues the filter from watch.json: the same
    bias as the watch that ran through; before, it started again from the prior on the
    frames left."""
    net, start, frames = cell_storm
    gauges = RadarRain(frames, net, start).observed()

    def watch(folder, outdir, until):
        radar = RadarRain.from_folder(folder, net, start, gauge_adjusted=True, bias="kalman")
        tw = Twin(net, SensorSet([]), outdir, members=2, assimilation="none", cycle_min=10,
                  forecast=False, rain=gauges, radar=radar)  # fmt: skip
        tw.run(np.datetime64(start, "s") + np.timedelta64(int(until), "s"))
        return tw

    full = tmp_path / "full"
    full.mkdir()
    (frames * 0.5).isel(time=slice(0, 18)).to_dataset().to_netcdf(full / "a.nc")
    through = watch(full, tmp_path / "through", 5400.0)
    first = watch(full, tmp_path / "w", 2400.0)
    mark = json.loads((tmp_path / "w" / "watch.json").read_text())
    assert mark["radar_bias"]["t_s"] == 2400.0
    pruned = tmp_path / "pruned"
    pruned.mkdir()
    (frames * 0.5).isel(time=slice(6, 18)).to_dataset().to_netcdf(pruned / "a.nc")
    again = watch(pruned, tmp_path / "w", 5400.0)
    assert again.t_s == 5400.0 == through.t_s
    np.testing.assert_allclose(again.radar.mfb.mean, through.radar.mfb.mean, rtol=1e-12)
    np.testing.assert_allclose(again.radar.mfb.var, through.radar.mfb.var, rtol=1e-12)
    assert first.radar.mfb.mean[0] != through.radar.mfb.mean[0]


def test_twin_watch_radar_bias_kalman_runs_resumes_and_needs_the_gauges(tmp_path):
    """``twin watch --radar DIR --rainfall CSV`` (the radar per subcatchment: the filter on
    the subcatchment radar's gauges) writes the Kalman filter's state (the default since
    round 15) and resumes it with ``--radar-bias kalman``; ``--radar-bias`` without the
    rain gauges is one line, exit 2."""
    import subprocess
    import sys

    from twin.cli import main

    pytest.importorskip("pysteps")
    folder = passing_cell_folder(tmp_path / "radar")
    (tmp_path / "s.toml").write_text(
        '[[sensor]]\nid = "R1"\ngauge = "RG1"\nquantity = "rainfall"\nsd = 0.5\n\n'
        '[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n'
    )

    def csv(name, minutes, sensor, value):
        rows = "".join(f"2024-07-15T00:{k:02d}:00,{sensor},{value}\n" for k in minutes)
        (tmp_path / name).write_text("time,sensor,value\n" + rows)
        return str(tmp_path / name)

    out = tmp_path / "out"
    args = ["watch", "small", "--sensors", str(tmp_path / "s.toml"), "--radar", str(folder),
            "--radar-rain", "subcatchment", "--radar-bias", "kalman", "--replay", "--members",
            "2", "--horizon-min", "10", "-o", str(out)]  # fmt: skip
    obs = csv("a.csv", range(1, 11), "L1", 0.06)
    default = [a for a in args if a not in ("--radar-bias", "kalman")]  # round 15's default
    assert main([*default, "--observations", obs, "--rainfall", csv("r.csv", range(1, 11), "R1",
                                                                     30.0)]) == 0  # fmt: skip
    first = json.loads((out / "watch.json").read_text())["radar_bias"]
    assert first["t_s"] == 600.0 and len(first["mean"]) > 1  # the subcatchments' gauges too
    obs = csv("b.csv", range(1, 21), "L1", 0.06)
    assert main([*args, "--observations", obs, "--rainfall", csv("r2.csv", range(1, 21), "R1",
                                                                  30.0)]) == 0  # fmt: skip
    again = json.loads((out / "watch.json").read_text())["radar_bias"]
    assert again["t_s"] == 1200.0 and again["var"][0] <= first["var"][0]
    r = subprocess.run([sys.executable, "-m", "twin.cli", "watch", "small", "--sensors",
                        str(tmp_path / "s.toml"), "--radar", str(folder), "--radar-bias",
                        "kalman", "-o", str(tmp_path / "w")],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "--radar-bias" in lines[0], r.stderr
