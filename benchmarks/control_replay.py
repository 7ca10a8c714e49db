"""What did a closed loop's choices do in the plant?  Open-loop replays in EPA SWMM 5.2.

Recorded actions are replayed open loop (pyswmm, the network without its rules, actions
applied on a 1-minute grid).

* Without arguments: which element made mpc flood more than the rules on
  ``rtc-huff2-60mm`` before the guard (``results/control/rtc-huff2-60mm-actions-before-
  guard.json``): the plan's actions, then with one actuator's actions changed at a time.
* ``--case C --strategy S [--result FILE]``: cycle by cycle, what strategy ``S``'s choice
  in that cycle did against the rules: the rules' recorded actions with ``S``'s settings
  spliced in for that one cycle (from its start to the next cycle's; the rules' settings
  then resume), against the rules' actions alone.  A negative difference: that cycle's
  choice flooded less than the rules in the plant.

    python benchmarks/control_replay.py     # -> results/control/rtc-huff2-60mm-replay.json
    python benchmarks/control_replay.py --case rtc-huff3-80mm-60min --strategy foresight
        # -> results/control/rtc-huff3-80mm-60min-replay-foresight.json
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "control"


def _replay(model, cso_nodes, actions) -> dict:
    from twin.control.plants import SwmmPlant

    plant = SwmmPlant(model, cso_nodes)
    try:
        events = sorted(((np.datetime64(a["time"], "s") - plant.start).astype(int),
                         a["element"], a["setting"]) for a in actions)  # fmt: skip
        t, k = 0.0, 0
        while not plant.finished:
            while k < len(events) and events[k][0] <= t + 1e-6:
                plant.set_setting(events[k][1], float(events[k][2]))
                k += 1
            t = plant.advance_to(t + 60.0)
        res = plant.results()
    finally:
        plant.close()
    flood = {n: round(v, 1) for n, v in res["node_flood_m3"].items() if v > 0}
    return {"flood_volume_m3": round(sum(flood.values()), 1), "per_node_flood_m3": flood}


def main() -> dict:
    sys.path.insert(0, str(HERE))
    import control_loop

    from twin.control.config import default_config

    truth, _ = control_loop._setup("rtc-huff2-60mm")
    model = dataclasses.replace(truth, controls="")
    cso = default_config(truth).cost.cso_nodes
    rec = json.loads((RESULTS / "rtc-huff2-60mm-actions-before-guard.json").read_text())
    mpc, rules = rec["mpc_actions"], rec["rules_actions"]

    def without(element):
        return [a for a in mpc if a["element"] != element]

    def as_rules(element):
        return without(element) + [a for a in rules if a["element"] == element]

    def reopened(a):
        return a["element"] == "OR_TANK" and a["time"].startswith("2024-07-15T01:30")

    variants = {
        "mpc actions": mpc,
        "rules actions": rules,
        "mpc, gate as the rules": as_rules("OR_TANK"),
        "mpc, without the gate opening to 1.0 at 01:30": [a for a in mpc if not reopened(a)],
        "mpc, pump as the rules": as_rules("PUMP1"),
        "mpc, weir as the rules": as_rules("W_CSO"),
    }  # fmt: skip
    out = {"case": "rtc-huff2-60mm", "closed_loop_mpc_m3": rec["mpc_flood_m3"],
           "closed_loop_rules_m3": rec["rules_flood_m3"],
           "replays": {k: _replay(model, cso, v) for k, v in variants.items()}}  # fmt: skip
    path = RESULTS / "rtc-huff2-60mm-replay.json"
    path.with_suffix(".tmp").write_text(json.dumps(out, indent=1) + "\n")
    path.with_suffix(".tmp").replace(path)
    return out


def _t(a, start) -> float:
    return float((np.datetime64(a["time"], "s") - start).astype(int))


def _settings_at(actions, t, initial, start) -> dict:
    """Every element's setting in effect at ``t`` [s] under ``actions``."""
    out = dict(initial)
    for a in sorted(actions, key=lambda a: _t(a, start)):
        if _t(a, start) <= t + 1e-6:
            out[a["element"]] = a["setting"]
    return out


def _spliced(base, other, a, b, initial, start) -> list:
    """``base``'s actions with ``other``'s settings from ``a`` to ``b`` [s]."""

    def iso(t):
        return str(start + np.timedelta64(int(round(t)), "s"))

    keep = [x for x in base if not a - 1e-6 <= _t(x, start) < b - 1e-6]
    at_a = _settings_at(other, a, initial, start)
    inside = [x for x in other if a + 1e-6 < _t(x, start) < b - 1e-6]
    at_b = _settings_at(base, b, initial, start)
    enter = [{"time": iso(a), "element": e, "setting": v} for e, v in at_a.items()]
    leave = [{"time": iso(b), "element": e, "setting": v} for e, v in at_b.items()]
    return keep + enter + inside + leave


def cycles(case: str, strategy: str, result: Path | None = None) -> dict:
    """Cycle by cycle: the rules' actions with ``strategy``'s for that cycle, in SWMM."""
    sys.path.insert(0, str(HERE))
    import control_loop

    from twin.control.config import default_config
    from twin.control.plants import SwmmPlant

    truth, _ = control_loop._setup(case)
    model = dataclasses.replace(truth, controls="")
    cso = default_config(truth).cost.cso_nodes
    doc = json.loads((result or RESULTS / f"{case}.json").read_text())
    rules_doc = json.loads((RESULTS / f"{case}.json").read_text())
    rules = rules_doc["strategies"]["rules"]["actions"]
    run = doc["strategies"][strategy]
    plant = SwmmPlant(model, cso)
    try:
        start = plant.start
        initial = {a["element"]: plant.setting_of(a["element"]) for a in rules + run["actions"]}
    finally:
        plant.close()
    times = [_t(c, start) for c in run["cycles"]] + [1e12]
    base = _replay(model, cso, rules)
    out = {"case": case, "strategy": strategy, "result": str(result or ""),
           "closed_loop_m3": run["flood_volume_m3"],
           "closed_loop_rules_m3": rules_doc["strategies"]["rules"]["flood_volume_m3"],
           "rules_replay_m3": base["flood_volume_m3"], "cycles": []}  # fmt: skip
    for c, a, b in zip(run["cycles"], times[:-1], times[1:], strict=True):
        if c["kind"] == "rules":
            continue  # the rules kept the interval: nothing to splice
        r = _replay(model, cso, _spliced(rules, run["actions"], a, b, initial, start))
        out["cycles"].append({"time": c["time"], "kind": c["kind"], "settings": c["settings"],
                              "flood_volume_m3": r["flood_volume_m3"],
                              "vs_rules_m3": round(r["flood_volume_m3"]
                                                   - base["flood_volume_m3"], 1)})  # fmt: skip
        print(c["time"], c["kind"], c["settings"], out["cycles"][-1]["vs_rules_m3"], flush=True)
    path = RESULTS / f"{case}-replay-{strategy}.json"
    path.with_suffix(".tmp").write_text(json.dumps(out, indent=1) + "\n")
    path.with_suffix(".tmp").replace(path)
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case")
    ap.add_argument("--strategy", default="mpc")
    ap.add_argument("--result", type=Path, help="a results JSON (default: the case's)")
    a = ap.parse_args()
    if a.case:
        cycles(a.case, a.strategy, a.result)
    else:
        for name, r in main()["replays"].items():
            print(f"{name:<48} {r['flood_volume_m3']:8.1f} m3  {r['per_node_flood_m3']}")
