"""Every reading reaches the filter: one stamped at a cycle's end is used in that cycle."""

import numpy as np
import xarray as xr

import twin
from twin.ops.sensors import load_sensors
from twin.ops.watch import Twin


def test_readings_at_cycle_ends_are_used(tmp_path):
    net = twin.load_network("small")
    toml = tmp_path / "s.toml"
    toml.write_text('[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n')
    sensors = load_sensors(toml, net)
    start = np.datetime64("2024-07-15T00:00:00", "s")
    minutes = np.arange(1, 31)
    value = 0.001 * minutes  # a reading a minute, each its own value
    rows = [(str(start + np.timedelta64(int(m), "m")), "L1", float(v))
            for m, v in zip(minutes, value, strict=True)]  # fmt: skip
    tw = Twin(net, sensors, tmp_path / "w", members=2, cycle_min=10, forecast=False, seed=1)
    tw.ingest(rows, "test")
    tw.run()
    tw.close()
    with xr.open_dataset(tmp_path / "w" / "analysis.nc") as an:
        t_min = (an.time.values - start) // np.timedelta64(60, "s")
        observed = an.sensor_observed.sel(sensor="L1").values
    # samples every 5 minutes, at 10 and 20 minutes also the cycle ends
    np.testing.assert_array_equal(t_min, [5, 10, 15, 20, 25, 30])
    np.testing.assert_allclose(observed, 0.001 * t_min)


def test_the_trend_test_keeps_member_predictions_only_when_on_and_restarts_either_way(
    tmp_path, level_sensors
):
    """The members' predictions (which only the trend and GLR tests read) are kept in the
    history and ``watch.json`` only with such a test on; a watch restarted with it on from a
    folder written with it off (and back) runs on, the missing predictions as gaps."""
    import json

    from twin.ops.qc import TESTS, QCSettings

    net, sensors = level_sensors
    start = np.datetime64("2024-07-15T00:00:00", "s")
    rows = [(str(start + np.timedelta64(m, "m")), s, 0.01 + 0.001 * m)
            for m in range(1, 61) for s in ("L1", "L2")]  # fmt: skip
    out = tmp_path / "w"

    def watch(trend, upto_min):
        tw = Twin(net, sensors, out, members=3, cycle_min=10, forecast=False, seed=1,
                  qc_settings=QCSettings(trend=trend, glr=False))  # fmt: skip
        tw.ingest([r for r in rows if r[0] <= str(start + np.timedelta64(upto_min, "m"))], "t")
        tw.run()
        tw.close()
        return tw, json.loads((out / "watch.json").read_text())["history"]

    _, history = watch(False, 20)
    assert "hxm" not in history
    tw, history = watch(True, 40)
    assert len(history["hxm"]) == len(history["t"])
    members = np.asarray(history["hxm"], dtype=float)
    assert members.shape[1:] == (3, 2)
    assert np.isnan(members[0]).all() and np.isfinite(members[-1]).all()  # gaps, then kept
    assert tw.qc.scores.shape[1] == len(TESTS)
    _, history = watch(False, 60)
    assert "hxm" not in history
