"""The CUSUM test of sensor QC (a fault's evidence accumulated from the sensor's first
reading) and the fault benchmark's downward faults."""

import numpy as np
import pandas as pd
import xarray as xr

from twin.ops.qc import TESTS, QCSettings, SensorQC
from twin.validation import twin_experiment as E

SD = 0.01
KEEP_S = 2 * 3600.0  # the history the twin keeps for QC


def _offset_run(offset_m, settings, minutes=240, seed=0):
    """One sensor against a flat prediction (0.2 m, spread 1 cm), an offset of
    ``offset_m`` from 60 minutes on, fed as the twin feeds QC (the last 2 h of history
    at every reading); the scores and flags at every reading."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, minutes + 1) * 60.0
    hx = np.full(len(t), 0.2)
    hsd = np.full(len(t), 0.01)
    y = hx + rng.normal(0.0, SD, len(t)) + np.where(t >= 3600.0, offset_m, 0.0)
    qc = SensorQC([SD], settings)
    scores, flags = [], []
    for k in range(len(t)):
        sl = slice(int(np.searchsorted(t, t[k] - KEEP_S)), k + 1)
        qc.update(t[sl], y[sl, None], hx[sl, None], hsd[sl, None], t[k])
        scores.append(qc.scores[0].copy())
        flags.append(bool(qc.flagged[0]))
    return t, np.array(scores), np.array(flags)


def test_the_cusum_accumulates_an_offset_the_drift_test_forgets():
    """An offset of one standard deviation of the innovation (1.5 cm against a 1 cm
    spread and 1 cm noise): the drift test (the last hour, allowance 1) never reaches
    its threshold, the CUSUM (from the first reading, allowance 0.5) does, and keeps
    counting past the 2 h of history QC is given."""
    t, sc, _ = _offset_run(0.015, QCSettings(cusum=True))
    cusum, drift = sc[:, TESTS.index("cusum")], sc[:, TESTS.index("drift")]
    assert drift.max() < 0.5
    assert cusum[t < 3600.0].max() < 0.3  # sound before the offset
    assert cusum[-1] > 1.0
    assert cusum[-1] > cusum[t <= 3600.0 + KEEP_S][-1]  # past the history's 2 h


def test_a_sound_sensor_stays_below_the_cusum_threshold():
    for seed in range(3):
        _, sc, flags = _offset_run(0.0, QCSettings(cusum=True, cusum_flags=True), seed=seed)
        assert sc[:, TESTS.index("cusum")].max() < 0.5
        assert not flags.any()


def test_the_cusum_ranks_without_flagging_unless_asked():
    """Off by default; on, it raises the sensor's score (its rank) but flags only with
    ``cusum_flags``, and then names itself."""
    assert not QCSettings().cusum
    _, sc, flags = _offset_run(0.015, QCSettings())
    assert sc[:, TESTS.index("cusum")].max() == 0.0
    _, sc, flags = _offset_run(0.015, QCSettings(cusum=True))
    assert sc.max(axis=1)[-1] > 1.0 and not flags.any()
    qc = SensorQC([SD], QCSettings(cusum=True, cusum_flags=True))
    t, sc, flags = _offset_run(0.015, QCSettings(cusum=True, cusum_flags=True))
    assert flags[-1] and not flags[t < 3600.0].any()
    t = np.arange(1, 241) * 60.0
    y = 0.215 + np.zeros((len(t), 1))
    for k in range(len(t)):
        sl = slice(max(0, k - 119), k + 1)
        qc.update(t[sl], y[sl], np.full((k + 1 - sl.start, 1), 0.2),
                  np.full((k + 1 - sl.start, 1), 0.01), t[k])  # fmt: skip
    # a constant reading is stuck too: the first test over threshold names the flag
    assert qc.flagged[0] and qc.reason[0] in ("stuck", "cusum")


def test_the_cusum_state_is_the_same_read_at_once_or_reading_by_reading():
    t, sc, _ = _offset_run(0.02, QCSettings(cusum=True), minutes=100)
    rng = np.random.default_rng(0)
    y = 0.2 + rng.normal(0.0, SD, len(t)) + np.where(t >= 3600.0, 0.02, 0.0)
    qc = SensorQC([SD], QCSettings(cusum=True))
    qc.update(t, y[:, None], np.full((len(t), 1), 0.2), np.full((len(t), 1), 0.01), t[-1])
    assert np.isclose(qc.scores[0, TESTS.index("cusum")], sc[-1, TESTS.index("cusum")])


def test_the_benchmark_mirrors_the_offset_faults_downward():
    """``readings(sign=-1)``: bias -10 %, drift -2 cm/h, the same noise draws; stuck and
    noise as upward."""
    t = pd.date_range("2026-01-01", periods=121, freq="60s")
    depth = 0.3 + 0.2 * np.sin(np.arange(121) / 30.0)[:, None] * np.ones((1, 4))
    truth = xr.Dataset({"node_depth": (("time", "node"), depth)}, coords={"time": t})
    faults = dict(enumerate(E.FAULTS))
    _, up, faulty = E.readings(truth, [0, 1, 2, 3], SD, seed=5, faults=faults,
                               fault_start_s=3600.0)  # fmt: skip
    _, down, _ = E.readings(truth, [0, 1, 2, 3], SD, seed=5, faults=faults,
                            fault_start_s=3600.0, sign=-1.0)  # fmt: skip
    on = faulty[:, 0]
    assert on.sum() == 61 and not on[:60].any()
    np.testing.assert_allclose((up - down)[on, 0], 0.2 * depth[on, 0], atol=1e-12)
    tau = np.arange(61) * 60.0 / 3600.0
    np.testing.assert_allclose((up - down)[on, 1], 2 * 0.02 * tau, atol=1e-12)
    np.testing.assert_array_equal(up[:, 2:], down[:, 2:])
    np.testing.assert_array_equal(up[~on], down[~on])


def test_a_restarted_watch_carries_the_cusum_on(tmp_path, level_sensors):
    """The CUSUM's sums are in the watch's mark: a watch stopped after 30 minutes and
    restarted ends with the sums of one run through; a folder whose mark has none (written
    before round 13) starts them anew from the readings of the history it keeps."""
    import json

    from twin.ops.watch import Twin

    net, sensors = level_sensors
    start = np.datetime64("2024-07-15T00:00:00", "s")
    rows = [(str(start + np.timedelta64(m, "m")), s, 0.05 + 0.001 * m)
            for m in range(1, 41) for s in ("L1", "L2")]  # fmt: skip

    def watch(out, upto_min):
        tw = Twin(net, sensors, out, members=3, cycle_min=10, forecast=False, seed=1,
                  qc_settings=QCSettings(cusum=True))  # fmt: skip
        tw.ingest([r for r in rows if r[0] <= str(start + np.timedelta64(upto_min, "m"))], "t")
        tw.run()
        tw.close()
        return tw

    whole = watch(tmp_path / "a", 40)
    assert whole.qc.cusum_state.max() > 0.0
    first = watch(tmp_path / "b", 20)
    saved = json.loads((tmp_path / "b" / "watch.json").read_text())["qc"]
    np.testing.assert_allclose(saved["cusum"], first.qc.cusum_state)
    assert saved["cusum_t"] == first.qc.cusum_t.tolist()
    again = watch(tmp_path / "b", 40)
    np.testing.assert_allclose(again.qc.cusum_state, whole.qc.cusum_state)
    np.testing.assert_array_equal(again.qc.cusum_t, whole.qc.cusum_t)
    mark = tmp_path / "b" / "watch.json"
    m = json.loads(mark.read_text())
    del m["qc"]["cusum"], m["qc"]["cusum_t"]
    mark.write_text(json.dumps(m))
    rows += [
        (str(start + np.timedelta64(m, "m")), s, 0.09) for m in range(41, 51) for s in ("L1", "L2")
    ]
    assert np.isfinite(watch(tmp_path / "b", 50).qc.cusum_state).all()
