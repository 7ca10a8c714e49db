"""`twin watch --advise` on a short replay of the control town, checked in EPA SWMM.

The replay (:mod:`tests.control.advise_replay`): EPA SWMM 5.2 on the ``rtc`` town with
more rain than the gauge saw and rougher, partly blocked pipes is the plant, four
depth sensors read it, the tank gate is the actuator.  `twin watch --replay --advise`
is killed with SIGKILL once it has advised two cycles and started again; the advice
file it leaves is then followed in SWMM with the rain that really fell (each cycle's
"now" setting until the next cycle): it floods less than leaving the gate open.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import numpy as np
import pytest
import xarray as xr

from tests.control import advise_replay as R
from twin.control.plants import SwmmPlant
from twin.networks.catalog import load_network

pytestmark = [pytest.mark.swmm, pytest.mark.slow]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("advise")
    return folder, *R.write_replay(folder)


def _cmd(inputs, out, *extra):
    return R.watch_command(*inputs[1:], out, *extra)


def _issued(path) -> list:
    if not path.exists():
        return []
    text = path.read_text()
    return sorted({json.loads(x)["issued"] for x in text[: text.rfind("\n") + 1].splitlines()})


@pytest.fixture(scope="module")
def watched(inputs):
    """The folder of a watch killed after two advised cycles and run again to the end;
    the advice file's text when it was killed."""
    out = inputs[0] / "watch"
    advice = out / "advice.jsonl"
    p = subprocess.Popen(_cmd(inputs, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 600
    while time.time() < deadline and p.poll() is None and len(_issued(advice)) < 2:
        time.sleep(0.05)
    assert p.poll() is None, p.stderr.read().decode()
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    at_kill = advice.read_text()
    r = subprocess.run(_cmd(inputs, out), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    return out, at_kill


def test_every_cycle_is_advised_once_with_benefit_and_spread(watched):
    out, _ = watched
    recs = [json.loads(x) for x in (out / "advice.jsonl").read_text().splitlines()]
    with xr.open_dataset(out / "forecasts.nc", engine="h5netcdf") as fc:
        cycles = [str(np.datetime64(t, "s")) + "Z" for t in fc.cycle.values]
    now = [r for r in recs if r["when"] == "now"]
    assert [r["issued"] for r in now] == cycles  # one "now" line per cycle, in order
    keys = [(r["issued"], r["element"], r["time"]) for r in recs]
    assert len(keys) == len(set(keys))  # nothing twice, though the watch was killed
    for r in recs:
        assert r["element"] == "OR_TANK" and r["mode"] == "set" and r["setting"] in (0.25, 1.0)
        assert r["time"] >= r["issued"][:-1]
        assert r["benefit_p10_m3"] <= r["expected_benefit_m3"] <= r["benefit_p90_m3"]
        assert r["expected_flood_m3"] >= 0.0
    assert max(r["expected_benefit_m3"] for r in now) > 100.0  # the members saw the flood


def test_a_killed_watch_keeps_every_advice_line_it_had(watched):
    out, at_kill = watched
    final = (out / "advice.jsonl").read_text()
    whole = at_kill[: at_kill.rfind("\n") + 1]
    assert whole and final.startswith(whole)


def test_the_advice_followed_in_swmm_floods_less_than_passive(watched):
    """Each cycle's first-interval setting, applied from its time to the next cycle in
    EPA SWMM with the rain that really fell (the truth network), against the gate left
    open; the plant is never the twin."""
    out, _ = watched
    truth = R.truth()
    recs = [json.loads(x) for x in (out / "advice.jsonl").read_text().splitlines()]
    start = np.datetime64("2024-07-15T00:00:00", "s")

    def seconds(iso):
        return float((np.datetime64(iso.rstrip("Z"), "s") - start) / np.timedelta64(1, "s"))

    now = [(seconds(r["issued"]), r["setting"]) for r in recs if r["when"] == "now"]

    def swmm_flood(schedule):
        plant = SwmmPlant(truth)
        try:
            for t, v in schedule:
                plant.advance_to(t)
                plant.set_setting("OR_TANK", float(v))
            plant.advance_to(plant.end_s)
            return sum(plant.results()["node_flood_m3"].values())
        finally:
            plant.close()

    passive = swmm_flood([(0.0, 1.0)])
    advised = swmm_flood(now)
    assert passive > 1000.0  # the truth floods
    assert min(v for _, v in now) < 1.0  # the advice moved the gate
    assert advised < passive


def test_a_bad_actuator_file_is_one_line_naming_file_line_and_field(inputs, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[actuator]]\nlink = "OR_TANK"\nlevels = [0.25, 1.5]\n')
    cmd = _cmd(inputs, tmp_path / "w")
    cmd[cmd.index("--actuators") + 1] = str(bad)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("twin: error:")
    assert "bad.toml:3: field 'levels'" in lines[0]
    assert not (tmp_path / "w" / "advice.jsonl").exists()


def test_a_cycle_advised_before_a_crash_is_not_advised_again(inputs, tmp_path):
    """The window a kill rarely hits: the cycle's advice written, its mark
    (``watch.json``) not.  The restarted watch redoes the cycle and keeps the lines it
    finds for it instead of appending a second advice."""
    from twin.ops.sensors import load_sensors
    from twin.ops.watch import Twin

    folder, inp, toml, csv, gate = inputs
    net = load_network(inp)
    kw = dict(members=4, cycle_min=10, horizon_min=40, advise=True, actuators=gate)
    tw = Twin(net, load_sensors(toml, net), tmp_path, **kw)
    from twin.ops.csvfeed import ingest_csv

    ingest_csv(csv, tw.store, tw.sensors)
    tw.run(until=tw._time(1200.0))  # two cycles, marked

    def crash():
        raise RuntimeError("killed before the mark")

    tw.write = crash
    with pytest.raises(RuntimeError):
        tw.step()
    written = (tmp_path / "advice.jsonl").read_text()
    assert _issued(tmp_path / "advice.jsonl")[-1] == "2024-07-15T00:30:00Z"
    assert json.loads((tmp_path / "watch.json").read_text())["cycle"] == 2
    tw.store.close()

    again = Twin(net, load_sensors(toml, net), tmp_path, **kw)
    # its members are back at the marked cycle (the crashed cycle's states, saved in the
    # other folder, are not loaded: they would be a cycle ahead of the mark)
    assert again.t_s == 1200.0 and again.members.t_s < 1200.0 + 60.0
    again.run(until=again._time(2400.0))
    final = (tmp_path / "advice.jsonl").read_text()
    assert final.startswith(written)
    recs = [json.loads(x) for x in final.splitlines()]
    now = [r["issued"] for r in recs if r["when"] == "now"]
    assert now == ["2024-07-15T00:10:00Z", "2024-07-15T00:20:00Z", "2024-07-15T00:30:00Z",
                   "2024-07-15T00:40:00Z"]  # fmt: skip
