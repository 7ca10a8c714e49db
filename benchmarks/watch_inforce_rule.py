"""Round 16's decision rule for the warning book's candidate (watch-inforce), fixed before
the held-out seeds 31-33 are run (benchmarks/results/watch-inforce-notes.md).

The candidate changes only the warning book, so both books are replayed on the same runs'
forecasts (``watch_radar.py --keep`` folders of ``twin watch``'s defaults, small and
district-100, seeds 31, 32, 33: 6 cases); the ``main`` book is checked against each run's
own ``warnings.jsonl``.  The candidate becomes ``twin watch``'s default if, over the 6
cases:

(a) the mean in-force POD rises by >= 0.05, or the mean in-force median lead by >= 5 min;
(b) the mean FAR at 0.5 (by the score) rises by no more than 0.02;
(c) the mean POD by the score falls by no more than 0.02.

Means are over the cases where the quantity is defined under both books (a case with no
flood has no POD; one with no warning in force at any onset no in-force lead).  Also
reported: how many cases meet goal 3 (POD >= 0.8, FAR <= 0.3, median lead >= 20 min) by
the score and in force (the in-force POD and lead with the score's FAR), before and after.

    python benchmarks/watch_inforce_rule.py RUN... -o benchmarks/results/watch-inforce-heldout.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_inforce import replay_all  # noqa: E402

#: the frozen candidate: a variant of watch_inforce.VARIANTS
CANDIDATE = "expected10"
BASE = "main"


def mean_both(rows, key) -> tuple[float, float, int]:
    """Means of ``key`` under BASE and CANDIDATE over the cases where both are defined."""
    pairs = [(r[BASE][key], r[CANDIDATE][key]) for r in rows]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None
             and np.isfinite(a) and np.isfinite(b)]  # fmt: skip
    if not pairs:
        return float("nan"), float("nan"), 0
    a, b = np.array(pairs).T
    return float(a.mean()), float(b.mean()), len(pairs)


def verdict(rows) -> dict:
    out = {}
    for key in ("pod_in_force", "median_lead_in_force_min", "far", "pod", "median_lead_min"):
        a, b, n = mean_both(rows, key)
        out[key] = {"main": a, "candidate": b, "change": b - a, "cases": n}
    a = (out["pod_in_force"]["change"] >= 0.05
         or out["median_lead_in_force_min"]["change"] >= 5.0)  # fmt: skip
    b = out["far"]["change"] <= 0.02
    c = out["pod"]["change"] >= -0.02
    out["a_in_force_rises"], out["b_far_within_0.02"], out["c_pod_within_0.02"] = a, b, c
    out["adopt"] = bool(a and b and c)
    for rule in (BASE, CANDIDATE):
        out[f"goal3_by_score_{rule}"] = int(sum(r[rule]["goal3_by_score"] for r in rows))
        out[f"goal3_in_force_{rule}"] = int(sum(r[rule]["goal3_in_force"] for r in rows))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--command", default=None, help="the command recorded with the rows")
    ap.add_argument("-o", required=True)
    a = ap.parse_args()
    rows = replay_all(a.runs, [BASE, CANDIDATE])
    if not all(r["replay_equals_recorded"] for r in rows):
        raise SystemExit("the main book's replay differs from a run's own warnings.jsonl")
    out = {"load_average": os.getloadavg()[0], "command": a.command or " ".join(sys.argv),
           "candidate": CANDIDATE, "runs": rows, "verdict": verdict(rows)}  # fmt: skip
    for r in rows:
        print(r["run"], r["floods"], {k: r[k] for k in (BASE, CANDIDATE)}, flush=True)
    print(json.dumps(out["verdict"], indent=1), flush=True)
    Path(a.o).write_text(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
