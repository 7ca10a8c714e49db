"""Readings that arrive late (round 16, issue 17: "a reading that arrives one minute late is
not a gap").

The live loop cycled to the feed's clock (the latest reading of any sensor), so a sensor
ten minutes behind the others had its readings stored after their cycle and never read
into the members.  With ``--latency-min`` a cycle waits for it (up to the bound); a sensor
silent beyond the bound is a gap and does not stall the cycles; a restart is the watch
straight.  The live test runs `twin watch --mqtt` as an operator runs it, against a real
Mosquitto (tests/ops/broker.py)."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

import twin
from tests.ops.broker import Broker
from tests.ops.conftest import SENSORS_TOML
from tests.ops.test_mqtt import publish, wait_for
from tests.ops.test_watch_restart import assert_same_watch
from twin.ops import ObservationStore, load_sensors
from twin.ops.watch import Twin

START = np.datetime64("2024-07-15T00:00:00", "s")
#: L1 and L2 on `small`, with an sd the readings below (ramps, not the network's water)
#: stay within: QC flags neither (a flagged sensor is not waited for)
LEVELS = ("\n\n".join(SENSORS_TOML.split("\n\n")[:2]) + "\n").replace("sd = 0.01", "sd = 0.5")


def _value(sensor, minute):
    return (0.05 if sensor == "L1" else 0.08) + 0.004 * minute


def _rows(sensor, minutes):
    return [(str(START + np.timedelta64(m, "m")), sensor, _value(sensor, m)) for m in minutes]


def _observed(out, sensor, minutes):
    """The readings the watch read into its cycles (analysis.nc's sensor_observed) of
    ``sensor`` at ``minutes``."""
    with xr.open_dataset(out / "analysis.nc") as ds:
        at = [START + np.timedelta64(m, "m") for m in minutes]
        return ds.sensor_observed.sel(sensor=sensor, time=np.array(at, "datetime64[ns]")).values


def _mark(out) -> dict:
    return json.loads((out / "watch.json").read_text())


def test_the_live_watch_waits_for_a_late_sensor_through_the_broker(tmp_path):
    """L2 reports ten minutes behind L1 through the broker: with --latency-min 15 the live
    watch holds its cycle at L2's last reading and reads L2's readings of 11-20 min when
    they come (before, the cycle to 20 min ran on L1's clock and they were lost)."""
    (tmp_path / "s.toml").write_text(LEVELS)
    out = tmp_path / "out"
    broker = Broker(tmp_path / "broker").start()
    log = (tmp_path / "watch.log").open("w")
    cmd = [sys.executable, "-m", "twin.cli", "watch", "small", "--sensors",
           str(tmp_path / "s.toml"), "--mqtt", f"127.0.0.1:{broker.port}", "--topic",
           "sewer/obs/#", "--members", "3", "--horizon-min", "10", "--latency-min", "15",
           "-o", str(out)]  # fmt: skip
    watch = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))

    def stored() -> int:
        if not (out / "observations.sqlite").exists():
            return 0
        with ObservationStore(out) as s:
            return s.count()

    def msgs(rows):
        return [("sewer/obs/all", json.dumps([{"time": t, "sensor": i, "value": v}
                                              for t, i, v in rows]))]  # fmt: skip

    try:
        # L1 to 20 min and L2 to 10 min in one message (one commit: neither is stored
        # first); until the watch has subscribed, messages go nowhere: again
        deadline = time.monotonic() + 120
        while stored() < 30:
            assert watch.poll() is None, (tmp_path / "watch.log").read_text()
            assert time.monotonic() < deadline, "the watch never stored the readings"
            publish(broker.port, msgs(_rows("L1", range(1, 21)) + _rows("L2", range(1, 11))))
            time.sleep(1.0)
        wait_for(lambda: (out / "watch.json").exists() and _mark(out)["t_s"] == 600.0, 120,
                 "the cycle to 10 min")  # fmt: skip
        time.sleep(3.0)  # three polls of the loop: the cycles stay held at L2's clock
        assert _mark(out)["t_s"] == 600.0
        publish(broker.port, msgs(_rows("L2", range(11, 21))))
        wait_for(lambda: _mark(out)["t_s"] == 1200.0, 120, "the cycles to 20 min")
    finally:
        watch.send_signal(signal.SIGINT)
        try:
            watch.wait(60)
        except subprocess.TimeoutExpired:
            watch.kill()
            watch.wait(10)
        broker.stop()
        log.close()
    late = _mark(out)["late"]
    assert late["latency_min"] == 15.0 and late["missed"] == 0
    assert late["held_cycles"] >= 1 and "L2" in late["waited_for"]
    np.testing.assert_allclose(_observed(out, "L2", [15, 20]), [_value("L2", 15),
                                                                _value("L2", 20)])  # fmt: skip


@pytest.fixture
def level_sensors(tmp_path):
    """``(net, sensors)``: `small` and :data:`LEVELS`."""
    net = twin.load_network("small")
    (tmp_path / "levels.toml").write_text(LEVELS)
    return net, load_sensors(tmp_path / "levels.toml", net)


def _twin(level_sensors, out, latency_min):
    net, sensors = level_sensors
    return Twin(net, sensors, out, members=3, horizon_min=10.0, seed=0,
                latency_min=latency_min)  # fmt: skip


def test_without_a_bound_a_late_sensor_s_readings_are_lost_and_counted(tmp_path, level_sensors):
    """As the live loop ran before round 16 (the default, no wait): L2's readings of
    11-20 min come after the cycle to 20 min; they are stored, never read, and counted
    at the next cycle (watch.json's late) and logged."""
    tw = _twin(level_sensors, tmp_path / "out", 0.0)
    tw.ingest(_rows("L1", range(1, 21)) + _rows("L2", range(1, 11)))
    assert tw.run() == 2 and tw.t_s == 1200.0
    tw.ingest(_rows("L2", range(11, 21)))
    assert tw.run() == 0  # nothing new past the feed's clock: no cycle
    tw.ingest(_rows("L2", range(21, 31)) + _rows("L1", range(21, 31)))
    assert tw.run() == 1 and tw.t_s == 1800.0
    assert np.isnan(_observed(tmp_path / "out", "L2", [15, 20])).all()
    assert np.isfinite(_observed(tmp_path / "out", "L2", [25, 30])).all()
    late = _mark(tmp_path / "out")["late"]
    assert late["missed"] == 10 and late["missed_by"] == {"L2": 10}


def test_with_a_bound_the_late_sensor_is_read_and_a_silent_one_does_not_stall(
    tmp_path, level_sensors
):
    tw = _twin(level_sensors, tmp_path / "out", 15.0)
    tw.ingest(_rows("L1", range(1, 21)) + _rows("L2", range(1, 11)))
    tw.run()
    assert tw.t_s == 600.0  # held at L2's last reading, 10 min behind the feed
    tw.ingest(_rows("L2", range(11, 21)))
    tw.run()
    assert tw.t_s == 1200.0
    np.testing.assert_allclose(_observed(tmp_path / "out", "L2", [15, 20]),
                               [_value("L2", 15), _value("L2", 20)])  # fmt: skip
    # L2 goes silent: within the bound the cycles wait for it, beyond it they go on
    tw.ingest(_rows("L1", range(21, 31)))
    tw.run()
    assert tw.t_s == 1200.0
    tw.ingest(_rows("L1", range(31, 41)))
    tw.run()
    assert tw.t_s == 2400.0  # L2 20 min behind: a gap, the cycles at the feed's clock
    late = _mark(tmp_path / "out")["late"]
    assert late["silent"] == ["L2"] and late["missed"] == 0
    assert np.isnan(_observed(tmp_path / "out", "L2", [25, 40])).all()


@pytest.mark.parametrize("bound", [0.0, 15.0])
def test_a_restart_is_the_watch_straight(tmp_path, level_sensors, bound):
    """Two feeds' deliveries with a late sensor, a restart in between: the watch straight,
    bit for bit (late readings counted, or waited for, across the restart)."""
    first = _rows("L1", range(1, 21)) + _rows("L2", range(1, 11))
    second = _rows("L2", range(11, 31)) + _rows("L1", range(21, 31))
    straight = _twin(level_sensors, tmp_path / "a", bound)
    straight.ingest(first)
    straight.run()
    straight.ingest(second)
    straight.run()
    before = _twin(level_sensors, tmp_path / "b", bound)
    before.ingest(first)
    before.run()
    before.close()
    after = _twin(level_sensors, tmp_path / "b", bound)
    after.ingest(second)
    after.run()
    assert_same_watch(tmp_path / "a", tmp_path / "b")
    assert _mark(tmp_path / "a")["late"]["missed"] == (10 if bound == 0 else 0)


def test_a_late_gauge_s_rain_comes_into_the_observed_rain(tmp_path):
    """The gauge R1 reports 10 minutes behind (no bound), then stops: its rain of 11-19
    min, 90 mm/h, comes after the cycle to 20 min.  It is taken into the observed rain at
    the next cycle, which holds 90 mm/h from 20 min on (until round 16 it held the 30 mm/h
    it had read)."""
    net = twin.load_network("small")
    gauge = SENSORS_TOML.split("\n\n")[3]
    (tmp_path / "s.toml").write_text(LEVELS.split("\n\n")[0] + "\n\n" + gauge)
    tw = Twin(net, load_sensors(tmp_path / "s.toml", net), tmp_path / "out", members=3,
              horizon_min=10.0)  # fmt: skip
    rain = [(t, "R1", 30.0 if m <= 10 else 90.0) for m, (t, _, _) in
            zip(range(1, 20), _rows("R1", range(1, 20)), strict=True)]  # fmt: skip
    tw.ingest(_rows("L1", range(1, 21)) + rain[:10])
    tw.run()
    assert tw.t_s == 1200.0 and tw.rain.between(1200.0, 1800.0)[1][0, 0] == 30.0
    tw.ingest(rain[10:] + _rows("L1", range(21, 31)))
    tw.run()
    assert tw.t_s == 1800.0
    times, rates = tw.rain.between(1200.0, 1800.0)
    assert rates[0, 0] == 90.0 and (rates[:, 0] == 90.0).all()
    np.testing.assert_array_equal(tw.rain.between(660.0, 1200.0)[0], np.arange(660.0, 1200.0, 60))
    assert _mark(tmp_path / "out")["late"]["missed_by"] == {"R1": 9}
