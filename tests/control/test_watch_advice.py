"""`twin watch --advise` on a short replay of the control town, checked in EPA SWMM.

The plant is EPA SWMM 5.2 on the ``rtc`` town under a 60 mm Huff storm with 30 % more
rain than the gauge saw and rougher, partly blocked pipes
(:func:`twin.validation.twin_experiment.make_truth_network`), read by four depth
sensors; the town has no rules (a city that runs its gate by hand), the tank gate
``OR_TANK`` is the actuator.  `twin watch --replay --advise` (4 members, 10-minute
cycles, 40 minutes ahead) is killed with SIGKILL once it has advised two cycles and
started again; the advice file it leaves is then followed in SWMM with the rain that
really fell (each cycle's "now" setting until the next cycle): it floods less than
leaving the gate open.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from twin.control.plants import SwmmPlant
from twin.networks.catalog import load_network
from twin.scenarios.scenario import Scenario
from twin.validation import twin_experiment as E

pytestmark = [pytest.mark.swmm, pytest.mark.slow]

MINUTES = 70
GATE_TOML = '[[actuator]]\nlink = "OR_TANK"\nlevels = [0.25, 1.0]\n'


def _network():
    storm = Scenario.design("huff2", depth_mm=60, duration_min=40, step_min=5)
    net = storm.replace(time_shift_min=30, tail_hours=0.75).apply(load_network("rtc"))
    return dataclasses.replace(net, controls="")  # a city without rules


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("advise")
    net = _network()
    inp = folder / "rtc.inp"
    net.to_inp(inp)
    ex = E.experiment(net, 4, seed=1, workdir=folder)
    toml = folder / "sensors.toml"
    pairs = zip(ex.sensors.ids, ex.sensor_nodes, strict=True)
    toml.write_text("".join(f'[[sensor]]\nid = "{s}"\nnode = "{net.nodes.name[n]}"\n'
                            'quantity = "depth"\nsd = 0.01\n\n' for s, n in pairs))  # fmt: skip
    csv = folder / "obs.csv"
    csv.write_text("time,sensor,value\n" + "".join(
        f"{np.datetime64(t, 's')},{s},{v:.4f}\n" for t, s, v in ex.rows(MINUTES)))  # fmt: skip
    gate = folder / "gate.toml"
    gate.write_text(GATE_TOML)
    return folder, inp, toml, csv, gate


def _cmd(inputs, out, *extra):
    folder, inp, toml, csv, gate = inputs
    return [sys.executable, "-m", "twin.cli", "watch", str(inp), "--sensors", str(toml),
            "--observations", str(csv), "--replay", "--members", "4", "--cycle-min", "10",
            "--horizon-min", "40", "--advise", "--actuators", str(gate), "-o", str(out),
            *extra]  # fmt: skip


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
    truth = E.make_truth_network(_network(), 1.3, seed=1)  # the experiment's truth
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
    again.run(until=again._time(2400.0))
    final = (tmp_path / "advice.jsonl").read_text()
    assert final.startswith(written)
    recs = [json.loads(x) for x in final.splitlines()]
    now = [r["issued"] for r in recs if r["when"] == "now"]
    assert now == ["2024-07-15T00:10:00Z", "2024-07-15T00:20:00Z", "2024-07-15T00:30:00Z",
                   "2024-07-15T00:40:00Z"]  # fmt: skip
