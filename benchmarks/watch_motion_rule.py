"""watch-motion (round 16, issue 17): the brief's rule on the held-out rows of
``watch_radar.py`` (labels ``main`` and ``motion``, paired by network and seed)::

    python benchmarks/watch_motion_rule.py benchmarks/results/watch-motion-heldout.json \\
        [-o benchmarks/results/watch-motion-heldout-rule.json]

The rule (fixed before the runs): the candidate becomes the default iff over the EnKF
cases (a) the mean 30-minute forecast RMSE falls by >= 3 %; (b) no case's 30-minute RMSE
rises by > 10 %; (c) the mean analysis RMSE rises by no more than 2 %; (d) the mean FAR at
0.5 rises by no more than 0.02.  Also per case, before and after, the 30-minute goal: the
EnKF's 30-minute forecast RMSE at least 25 % below the open loop's (method ``none``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

LABELS = ("main", "motion")


def rule(rows) -> dict:
    by = {(r["label"], r["network"], r["seed"], r["method"]): r for r in rows}
    cases = sorted({(n, s) for (lab, n, s, m) in by if m == "enkf"}, key=lambda c: (c[1], c[0]))
    table = []
    for n, s in cases:
        row = {"network": n, "seed": s}
        for lab in LABELS:
            e, o = by.get((lab, n, s, "enkf")), by.get((lab, n, s, "none"))
            if e is None:
                break
            row[lab] = {"fc30": e["forecast_rmse_30"], "fc60": e["forecast_rmse_60"],
                        "analysis": e["analysis_rmse"], "far": e["at_0.5"]["far"],
                        "pod": e["at_0.5"]["pod"]}  # fmt: skip
            if o is not None:
                gain = e["forecast_rmse_30"] / o["forecast_rmse_30"] - 1.0
                row[lab] |= {"open_fc30": o["forecast_rmse_30"], "vs_open_30": round(gain, 4),
                             "goal_30_met": bool(gain <= -0.25)}  # fmt: skip
        else:
            row["fc30_change"] = round(row["motion"]["fc30"] / row["main"]["fc30"] - 1.0, 4)
            table.append(row)

    def mean(lab, k):  # POD is NaN on a case without floods: over the cases with floods
        return float(np.nanmean([r[lab][k] for r in table]))

    fc_change = mean("motion", "fc30") / mean("main", "fc30") - 1.0
    an_change = mean("motion", "analysis") / mean("main", "analysis") - 1.0
    far_change = mean("motion", "far") - mean("main", "far")
    worst = max(r["fc30_change"] for r in table)
    checks = {
        "a_mean_fc30_falls_3pct": bool(fc_change <= -0.03),
        "b_no_case_fc30_rises_10pct": bool(worst <= 0.10),
        "c_mean_analysis_rises_le_2pct": bool(an_change <= 0.02),
        "d_mean_far_rises_le_0.02": bool(far_change <= 0.02),
    }
    return {
        "cases": table,
        "n_cases": len(table),
        "mean": {
            lab: {k: round(mean(lab, k), 4) for k in ("fc30", "fc60", "analysis", "far", "pod")}
            for lab in LABELS
        },  # fmt: skip
        "mean_fc30_change": round(fc_change, 4),
        "worst_case_fc30_change": round(worst, 4),
        "mean_analysis_change": round(an_change, 4),
        "mean_far_change": round(far_change, 4),
        "checks": checks,
        "goal_30_met": {
            lab: sum(bool(r[lab].get("goal_30_met")) for r in table) for lab in LABELS
        },  # fmt: skip
        "verdict": "default" if len(table) == 6 and all(checks.values()) else "not the default",
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("-o")
    a = ap.parse_args()
    out = rule(json.loads(Path(a.file).read_text())["runs"])
    text = json.dumps(out, indent=1)
    if a.o:
        Path(a.o).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
