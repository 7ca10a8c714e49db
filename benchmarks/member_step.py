"""CPU per member-step of an ensemble batch, and how much of it is outside the routing kernel.

Usage::

    python benchmarks/member_step.py [--before main] [--after REV] [--rounds 3]
                                     [--members 4 16 64]

For each version (``--before`` and ``--after`` revisions exported with ``git archive``,
or the working tree), in turn, a process with that tree on ``PYTHONPATH`` (one numba
thread; its kernels loaded from the cache, warmed by a first round that is not
counted) runs, for each network (``small``, the 69-conduit default, 15 simulated
minutes; ``medium-conduits``, 1,496 conduits, 6 minutes), each batch kind
(:class:`~twin.engine.batch.MemberBatch` with ``threads=1``, and
:class:`~twin.engine.lockstep.LockstepBatch`) and each M, M copies of the network's
member to the end, and reports CPU seconds per member-step: in all, and in the
routing call (``route_members`` / ``route_lockstep``, timed by wrapping the module's
function); the difference is the Python (and the other kernels) of a member-step.
Versions alternate round by round; medians over rounds.  The machine is shared: CPU
times, the load beside them.

Results: ``benchmarks/results/member-step.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundles_ab import ROOT, env_for, export  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "member-step.json"
CASES = (("small", 0.25), ("medium-conduits", 0.1))

WORKER = r"""
import json, sys, time
import twin
import twin.errors
import twin.engine.batch as B
import twin.engine.lockstep as L
members, cases = json.loads(sys.argv[1]), json.loads(sys.argv[2])
spent = [0.0]
def timed(f):
    def call(*a):
        c0 = time.process_time()
        try:
            return f(*a)
        finally:
            spent[0] += time.process_time() - c0
    call.__name__ = f.__name__
    return call
for mod, names in ((B, ("route_members", "route_members_conduits")), (L, ("route_lockstep",))):
    for n in names:
        if hasattr(mod, n):
            setattr(mod, n, timed(getattr(mod, n)))
out = {}
for network, hours in cases:
    net = twin.load_network(network)
    for kind in ("batch", "lockstep"):
        for m in members:
            cls = B.MemberBatch if kind == "batch" else L.LockstepBatch
            kw = {"threads": 1} if kind == "batch" else {}
            try:
                b = cls([(net, {"end_hours": hours})] * m, **kw)
            except twin.errors.TwinError:  # lockstep: conduits-only networks
                continue
            spent[0] = 0.0
            c0 = time.process_time()
            b.advance_until(float("inf"))
            cpu = time.process_time() - c0
            steps = sum(s.steps for s in b.sims)
            out[f"{network} {kind} M={m}"] = {
                "member_steps": steps, "us_per_member_step": 1e6 * cpu / steps,
                "routing_us": 1e6 * spent[0] / steps, "other_us": 1e6 * (cpu - spent[0]) / steps}
print(json.dumps(out))
"""


def run(tree: Path, members, cases) -> dict:
    p = subprocess.run([sys.executable, "-c", WORKER, json.dumps(members), json.dumps(cases)],
                       env=env_for(tree), capture_output=True, text=True,
                       cwd=tempfile.gettempdir())  # fmt: skip
    if p.returncode != 0:
        raise SystemExit(f"worker failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="main")
    ap.add_argument("--after", help="a revision instead of the working tree")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--members", type=int, nargs="*", default=[4, 16, 64])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    trees = {"before": export(args.before), "after": export(args.after) if args.after else ROOT}
    for tree in trees.values():  # warm: compile and cache every kernel used
        run(tree, [2], [(n, 0.02) for n, _ in CASES])
    runs = {k: [] for k in trees}
    for r in range(args.rounds):
        for k in sorted(trees, reverse=r % 2 == 1):
            got = run(trees[k], args.members, CASES)
            runs[k].append({"load": os.getloadavg()[0], "cases": got})
            print(f"round {r} {k} (load {runs[k][-1]['load']:.1f}): " + ", ".join(
                f"{c} {v['us_per_member_step']:.0f} us ({v['other_us']:.0f} outside routing)"
                for c, v in got.items()), flush=True)  # fmt: skip
    summary = {}
    for case in runs["before"][0]["cases"]:
        row = {}
        for k in trees:
            for q in ("us_per_member_step", "routing_us", "other_us"):
                row[f"{k}_{q}"] = statistics.median(x["cases"][case][q] for x in runs[k])
        summary[case] = row
    result = {"before": args.before, "after": args.after or "working tree",
              "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "cores": os.cpu_count(),
              "summary": summary, "runs": runs}  # fmt: skip
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for case, row in summary.items():
        print(f"{case}: before {row['before_us_per_member_step']:.0f} us "
              f"({row['before_other_us']:.0f} outside routing), after "
              f"{row['after_us_per_member_step']:.0f} us "
              f"({row['after_other_us']:.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
