"""watch-growth (round 16, issue 17): the brief's rule on the held-out rows of
``watch_radar.py`` (labels ``main`` and the candidate's, paired by network and seed) and
the medium cycle's time with the candidate (``watch_growth_speed.py``)::

    python benchmarks/watch_growth_rule.py benchmarks/results/watch-growth-heldout.json \\
        --candidate anvil --speed benchmarks/results/watch-growth-speed.json [-o OUT.json]

The rule (fixed before the held-out runs): the candidate becomes the default iff over the
cases (a) the mean in-force POD (``in_force_scores``) rises by >= 0.05 or the mean of the
cases' in-force median lead by >= 5 min; (b) the mean FAR at 0.5 rises by no more than
0.02; (c) the mean 30-minute forecast RMSE rises by no more than 3 %; (d) the medium
network's cycle with the candidate stays within 2 minutes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

#: (a) the rise of the mean in-force POD, or of the mean in-force median lead [min]
POD_RISE, LEAD_RISE_MIN = 0.05, 5.0
#: (b) the FAR at 0.5 may rise by at most this; (c) the 30-min RMSE by at most this share
FAR_RISE, FC30_SHARE = 0.02, 0.03
#: (d) the medium cycle's limit [s]
CYCLE_S = 120.0


def _mean(values) -> float | None:
    v = [x for x in values if x is not None and np.isfinite(x)]
    return float(np.mean(v)) if v else None


def verdict(rows, candidate, cycle_s) -> dict:
    """The rule on ``watch_radar.py`` rows (labels ``main`` and ``candidate``) and the
    candidate's medium cycle [s]: the paired cases, the means and each check."""
    by = {(r["label"], r["network"], r["seed"]): r for r in rows}
    cases = sorted({(n, s) for (lab, n, s) in by if lab == candidate}, key=lambda c: (c[1], c[0]))
    table = []
    for n, s in cases:
        m, c = by.get(("main", n, s)), by.get((candidate, n, s))
        if m is None or c is None:
            continue
        row = {"network": n, "seed": s, "floods": m["floods"]}
        for tag, r in (("main", m), ("candidate", c)):
            row[tag] = {"pod_in_force": r["at_0.5"]["pod_in_force"],
                        "lead_in_force_min": r["at_0.5"]["median_lead_in_force_min"],
                        "far": r["at_0.5"]["far"], "pod": r["at_0.5"]["pod"],
                        "fc30": r["forecast_rmse_30"], "fc60": r["forecast_rmse_60"],
                        "analysis": r["analysis_rmse"], "wall_s": r["wall_s"]}  # fmt: skip
        table.append(row)
    keys = ("pod_in_force", "lead_in_force_min", "far", "pod", "fc30", "fc60", "analysis")
    sm = {t: {k: _mean(r[t][k] for r in table) for k in keys} for t in ("main", "candidate")}
    o, n_ = sm["main"], sm["candidate"]
    lead_rise = (None if o["lead_in_force_min"] is None or n_["lead_in_force_min"] is None
                 else n_["lead_in_force_min"] - o["lead_in_force_min"])  # fmt: skip
    checks = {
        "a_pod_or_lead": (n_["pod_in_force"] - o["pod_in_force"] >= POD_RISE - 1e-12)
        or (lead_rise is not None and lead_rise >= LEAD_RISE_MIN - 1e-12),
        "b_far": n_["far"] - o["far"] <= FAR_RISE + 1e-12,
        "c_fc30": n_["fc30"] <= o["fc30"] * (1.0 + FC30_SHARE) + 1e-12,
        "d_cycle": cycle_s is not None and cycle_s <= CYCLE_S,
    }
    return {"candidate": candidate, "cases": table, "summary": sm, "cycle_s": cycle_s,
            "checks": checks, "default": len(table) > 0 and all(checks.values())}  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--candidate", required=True, help="the candidate's label")
    ap.add_argument("--speed", required=True, help="watch_growth_speed.py's JSON")
    ap.add_argument("-o")
    a = ap.parse_args()
    rows = json.loads(Path(a.file).read_text())["runs"]
    speed = json.loads(Path(a.speed).read_text())
    cycle_s = speed.get(a.candidate, {}).get("cycle_s")
    out = verdict(rows, a.candidate, cycle_s)
    for r in out["cases"]:
        print(r["network"], r["seed"], "floods", r["floods"], json.dumps(
            {t: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r[t].items()}
             for t in ("main", "candidate")}))  # fmt: skip
    show = {k: out[k] for k in ("summary", "cycle_s", "checks", "default")}
    print(json.dumps(show, indent=1))
    if a.o:
        Path(a.o).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
