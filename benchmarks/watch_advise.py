"""`twin watch --advise`: what the advice costs per cycle, and what it does in SWMM.

A replay of the control town (``rtc``) under a 60 mm Huff storm 30 minutes after the
start (40 minutes long); the plant is EPA SWMM 5.2 on the town with 30 % more rain
than the gauge saw and rougher, partly blocked pipes
(:func:`twin.validation.twin_experiment.make_truth_network`), read by four depth
sensors for 70 minutes; 10-minute cycles.  Cases:

- ``gate``: the suite's case (``tests/control/test_watch_advice.py``): the town without
  rules, the tank gate the only actuator (open a quarter or fully), 4 members, 40
  minutes ahead.  The advice file is then followed in SWMM with the rain that really
  fell (each cycle's "now" setting until the next cycle) against the gate left open.
- ``town``: the issue's settings: the town with its own rules (the members run them),
  its three actuators (gate, pump, weir; cross-entropy search), 16 members, 120 minutes
  ahead.  Cost per cycle only (its advice hands actuators to the rules, which a
  replayed file cannot).

Per cycle: the advice's CPU and wall seconds (:attr:`WatchAdviser.last_seconds`) and
the whole cycle's wall seconds (assimilation, forecast, warnings, advice, files); the
load average.  Written to ``benchmarks/results/watch-advise.json`` (whole).

    python benchmarks/watch_advise.py [--case gate|town|both]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from twin.control.plants import SwmmPlant
from twin.networks.catalog import load_network
from twin.ops.watch import Twin
from twin.scenarios.scenario import Scenario
from twin.validation import twin_experiment as E

OUT = Path(__file__).parent / "results" / "watch-advise.json"
GATE = '[[actuator]]\nlink = "OR_TANK"\nlevels = [0.25, 1.0]\n'
CASES = {
    "gate": {"rules": False, "actuators": GATE, "members": 4, "horizon_min": 40.0},
    "town": {"rules": True, "actuators": None, "members": 16, "horizon_min": 120.0},
}


def town(rules: bool):
    storm = Scenario.design("huff2", depth_mm=60, duration_min=40, step_min=5)
    net = storm.replace(time_shift_min=30, tail_hours=0.75).apply(load_network("rtc"))
    return net if rules else dataclasses.replace(net, controls="")


def swmm_flood(truth, schedule) -> float:
    """Flood volume [m3] of SWMM on ``truth`` with the gate set to ``schedule``'s
    ``(from_s, setting)`` pairs."""
    plant = SwmmPlant(truth)
    try:
        for t, v in schedule:
            plant.advance_to(t)
            plant.set_setting("OR_TANK", float(v))
        plant.advance_to(plant.end_s)
        return float(sum(plant.results()["node_flood_m3"].values()))
    finally:
        plant.close()


def run(name: str) -> dict:
    c = CASES[name]
    net = town(c["rules"])
    ex = E.experiment(net, 4, seed=1)
    with tempfile.TemporaryDirectory() as d:
        act = None
        if c["actuators"]:
            act = Path(d) / "act.toml"
            act.write_text(c["actuators"])
        tw = Twin(net, ex.sensors, Path(d) / "watch", members=c["members"], cycle_min=10.0,
                  horizon_min=c["horizon_min"], seed=1, advise=True, actuators=act)  # fmt: skip
        tw.ingest(ex.rows(70), "benchmark")
        cycles = []
        end = tw._seconds(tw.store.latest_time())
        while tw.t_s < end - 1e-6:
            load = os.getloadavg()[0]
            w = time.perf_counter()
            tw.step(min(tw.t_s + tw.cycle_s, end))
            cpu, wall = tw.adviser.last_seconds
            adv = tw.adviser.last_advice
            cycles.append({"time": str(tw._time(tw.t_s)), "cycle_wall_s": time.perf_counter() - w,
                           "advice_cpu_s": cpu, "advice_wall_s": wall,
                           "rows": adv.plan.evaluated, "candidates": adv.plan.candidates,
                           "kind": adv.plan.kind, "load_average": load})  # fmt: skip
            print(name, cycles[-1], flush=True)
        recs = tw.adviser.lines
    out = {"case": name, **{k: v for k, v in c.items() if k != "actuators"},
           "actuators": tw.adviser.config.actuators.names, "cycles": cycles,
           "advice_cpu_s_median": float(np.median([x["advice_cpu_s"] for x in cycles])),
           "advice_wall_s_median": float(np.median([x["advice_wall_s"] for x in cycles])),
           "cpu_count": os.cpu_count()}  # fmt: skip
    if name == "gate":
        start = np.datetime64(tw.start, "s")
        now = [(float((np.datetime64(r["issued"][:-1], "s") - start) / np.timedelta64(1, "s")),
                r["setting"]) for r in recs if r["when"] == "now"]  # fmt: skip
        truth = E.make_truth_network(net, 1.3, seed=1)
        out["swmm_flood_passive_m3"] = swmm_flood(truth, [(0.0, 1.0)])
        out["swmm_flood_advised_m3"] = swmm_flood(truth, now)
        out["advised_now"] = now
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=["gate", "town", "both"], default="both")
    a = ap.parse_args(argv)
    doc = json.loads(OUT.read_text()) if OUT.exists() else {}
    for name in ("gate", "town") if a.case == "both" else (a.case,):
        doc[name] = run(name)
        tmp = OUT.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1) + "\n")
        tmp.replace(OUT)


if __name__ == "__main__":
    main()
