"""Runoff-only A/B: CPU time of the runoff clock alone, before and after, interleaved.

Usage::

    python benchmarks/runoff_ab.py [--before main] [--rounds 12] [--network medium-conduits]

Two worker processes (``--before`` exported with ``git archive`` as in
``benchmarks/bundles_ab.py``; the working tree is the after version), THREADS=1, each
build a :class:`twin.engine.runoff.Runoff` of the network and run it to the end of the
simulation once to warm up; then, ``--rounds`` times and alternately, a fresh Runoff
runs to the end and reports its CPU time and the sum of the last runoff (must be equal:
the runoff is bit-identical).  The ratio before/after per round, its median and spread
go to ``benchmarks/results/runoff-ab.json``.  Written for the LID change (issue 19):
a network without LIDs must not pay for them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundles_ab import ROOT, env_for, export  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "runoff-ab.json"
WORKER = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import twin
from twin.engine.options import SimOptions
from twin.engine.runoff import Runoff
net = twin.load_network(sys.argv[1])
opts = SimOptions.from_network(net)
Runoff(net, opts).advance_until(opts.duration_s)
print(json.dumps({"twin": twin.__file__}), flush=True)
for line in sys.stdin:
    r = Runoff(net, opts)
    c0 = time.process_time()
    r.advance_until(opts.duration_s)
    c1 = time.process_time()
    print(json.dumps([c1 - c0, float(r.runoff_cfs.sum())]), flush=True)
"""


def _start(tree: Path, network: str) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", WORKER, network], env=env_for(tree),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                         cwd=tempfile.gettempdir())  # fmt: skip
    json.loads(p.stdout.readline())
    return p


def _ask(p: subprocess.Popen) -> list:
    p.stdin.write("go\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="main")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--network", default="medium-conduits")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    before, after = _start(export(args.before), args.network), _start(ROOT, args.network)
    rows = []
    for k in range(args.rounds):
        if k % 2 == 0:
            rb, ra = _ask(before), _ask(after)
        else:
            ra, rb = _ask(after), _ask(before)
        if rb[1] != ra[1]:
            raise SystemExit(f"round {k}: the runoff differs ({rb[1]} != {ra[1]})")
        rows.append({"before_cpu_s": rb[0], "after_cpu_s": ra[0], "ratio": rb[0] / ra[0]})
        print(f"round {k}: before {rb[0]:.3f} s, after {ra[0]:.3f} s, "
              f"before/after {rows[-1]['ratio']:.3f}", flush=True)  # fmt: skip
    ratios = [r["ratio"] for r in rows]
    result = {"before": args.before, "network": args.network,
              "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "median_before_over_after": statistics.median(ratios),
              "min": min(ratios), "max": max(ratios), "rounds": rows}  # fmt: skip
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"median before/after {result['median_before_over_after']:.3f} "
        f"(min {result['min']:.3f}, max {result['max']:.3f})"
    )


if __name__ == "__main__":
    main()
