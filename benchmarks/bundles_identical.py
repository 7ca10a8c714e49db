"""Are two versions of the twin bit-identical?  Runs the same cases in both, compares.

Usage::

    python benchmarks/bundles_identical.py [--before main] [--after REV] [--hours 1]

Each case (every bundled network, the routing variants EXTRAN, SLOT, ponding,
KINWAVE, STEADY, THREADS=2 on the medium district, every model of pyswmm's test
corpus) is run by ``twin.simulate`` in one process per version (``--before`` exported
with ``git archive``, as in ``benchmarks/bundles_ab.py``; the working tree is the
after version).  Each process prints, per case, a SHA-1 of every data variable of the
results (bytes, in name order) and of the routing totals; the two must be equal.  A
case that fails in both versions alike (SWMM refuses some corpus models) counts as
equal only if the error text is the same.  Results: ``benchmarks/results/bundles-identical.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundles_ab import ROOT, env_for, export  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "bundles-identical.json"

WORKER = r"""
import hashlib, json, sys, warnings
import numpy as np
import twin
warnings.simplefilter("ignore")
cases, hours = json.loads(sys.argv[1]), float(sys.argv[2])
for name, network, options in cases:
    try:
        ds = twin.simulate(network, end_hours=hours, **options)
        h = hashlib.sha1()
        for v in sorted(ds.data_vars):
            a = np.asarray(ds[v].values)
            h.update(v.encode() + (a.tobytes() if a.dtype != object else repr(a).encode()))
        out = h.hexdigest()
    except Exception as exc:  # the same refusal in both versions is equal
        out = f"error {type(exc).__name__}: {exc}"
    print(json.dumps([name, out]), flush=True)
"""


def cases() -> list:
    import importlib.util

    spec = importlib.util.find_spec("pyswmm")
    corpus = sorted((Path(spec.origin).parent / "tests" / "data").glob("*.inp"))
    out = [[n, n, {}] for n in ("small", "small-conduits", "medium", "medium-conduits",
                                "example")]  # fmt: skip
    for net in ("small", "example"):
        out += [
            [f"{net} SLOT", net, {"surcharge_method": "SLOT"}],
            [f"{net} KINWAVE", net, {"flow_routing": "KINWAVE"}],
            [f"{net} STEADY", net, {"flow_routing": "STEADY"}],
        ]
    out.append(["medium THREADS=2", "medium", {"threads": 2}])
    out += [[f"pyswmm {p.name}", str(p), {}] for p in corpus]
    return out


def run(tree: Path, todo: list, hours: float) -> dict:
    p = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(todo), str(hours)],
        env=env_for(tree), capture_output=True, text=True, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    got = dict(json.loads(line) for line in p.stdout.splitlines() if line.startswith("["))
    if len(got) != len(todo):
        raise SystemExit(f"{tree}: {len(got)} of {len(todo)} cases ran\n{p.stderr[-2000:]}")
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="main")
    ap.add_argument("--after", help="this revision instead of the working tree (git archive)")
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    todo = cases()
    before = run(export(args.before), todo, args.hours)
    after = run(export(args.after) if args.after else ROOT, todo, args.hours)
    rows = {n: {"before": before[n], "after": after[n], "equal": before[n] == after[n]}
            for n, _, _ in todo}  # fmt: skip
    n_equal = sum(r["equal"] for r in rows.values())
    rev = [
        subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", r], capture_output=True, text=True
        ).stdout.strip()
        for r in (args.before, args.after or "HEAD")
    ]  # fmt: skip  (one revision per call: older git)
    after_name = f"{args.after} {rev[1]}" if args.after else f"HEAD {rev[1]} (+ working tree)"
    result = {"before": f"{args.before} {rev[0]}", "after": after_name,
              "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "hours": args.hours, "cases": len(rows), "equal": n_equal, "rows": rows}  # fmt: skip
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for n, r in rows.items():
        if not r["equal"]:
            print(f"DIFFERS: {n}: {r['before'][:80]} | {r['after'][:80]}")
    print(f"{n_equal} of {len(rows)} cases bit-identical")


if __name__ == "__main__":
    main()
