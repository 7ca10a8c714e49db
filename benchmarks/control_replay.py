"""Which element made mpc flood more than the rules on ``rtc-huff2-60mm`` (before the guard)?

The closed loop's recorded actions (``results/control/rtc-huff2-60mm-actions-before-guard.json``,
mpc and the rules as they ran) are replayed open loop in EPA SWMM 5.2 (pyswmm, the
network without its rules, actions applied on a 1-minute grid), then again with one
actuator's actions changed at a time.

    python benchmarks/control_replay.py     # -> results/control/rtc-huff2-60mm-replay.json
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


if __name__ == "__main__":
    for name, r in main()["replays"].items():
        print(f"{name:<48} {r['flood_volume_m3']:8.1f} m3  {r['per_node_flood_m3']}")
