"""What an ensemble chunk costs a new Dask worker before it simulates: CPU, two versions A/B.

Usage::

    python benchmarks/worker_cost.py [--before main] [--after REV] [--rounds 2]

For each version (``--before`` and ``--after`` revisions, or the working tree), in
turn: a child process with that tree on ``PYTHONPATH`` and its own numba cache, warmed
first (a chunk run in a process of its own, so every kernel is compiled and cached),
starts a real ``dask.distributed.LocalCluster`` on loopback (2 worker processes, one
thread each) and runs the same chunk twice on every worker with ``client.run``: 4
members of the default network (``small``), 6 simulated minutes, one
:class:`~twin.engine.batch.MemberBatch`.  The worker's CPU time for the first chunk
(importing the twin, loading the kernels from the cache, and whatever numba compiles
anew in every process) minus that for the second (the same simulation, everything
loaded) is the per-worker cost.  The machine is shared: CPU times, the load beside
them, versions alternately.

Results: ``benchmarks/results/worker-cost.json``.
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

OUT = ROOT / "benchmarks" / "results" / "worker-cost.json"

CHILD = r"""
import json, sys, time

def chunk(hours):
    import time
    c0 = time.process_time()
    import numba
    import twin
    from twin.engine.batch import MemberBatch
    compiles = []
    class Count(numba.core.event.Listener):
        def on_start(self, event):
            compiles.append(1)
        def on_end(self, event):
            pass
    with numba.core.event.install_listener("numba:compile", Count()):
        res = MemberBatch([(twin.load_network("small"), {"end_hours": hours})] * 4,
                          threads=1).run()
    assert all(r[0] == 0 for r in res), res
    return {"cpu_s": time.process_time() - c0, "compiles": len(compiles)}

if sys.argv[1] == "warm":
    print(json.dumps(chunk(0.02)))
else:
    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        first = client.run(chunk, 0.1)
        second = client.run(chunk, 0.1)
    print(json.dumps({"first": list(first.values()), "second": list(second.values())}))
"""


def run_child(tree: Path, cache: str, mode: str) -> dict:
    p = subprocess.run([sys.executable, "-c", CHILD, mode], env=env_for(tree, cache),
                       capture_output=True, text=True, cwd=tempfile.gettempdir())  # fmt: skip
    if p.returncode != 0:
        raise SystemExit(f"{mode} child failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="main")
    ap.add_argument("--after", help="a revision instead of the working tree")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="worker-cost-"))
    trees = {"before": export(args.before), "after": export(args.after) if args.after else ROOT}
    caches = {k: str(work / f"numba-{k}") for k in trees}
    for k, tree in trees.items():
        run_child(tree, caches[k], "warm")
    runs = {k: [] for k in trees}
    for r in range(args.rounds):
        for k in sorted(trees, reverse=r % 2 == 1):
            got = run_child(trees[k], caches[k], "cluster")
            got["load"] = os.getloadavg()[0]
            got["worker_cost_cpu_s"] = [
                a["cpu_s"] - b["cpu_s"] for a, b in zip(got["first"], got["second"], strict=True)
            ]
            runs[k].append(got)
            print(f"{k}: first chunk {[round(x['cpu_s'], 2) for x in got['first']]} s CPU "
                  f"({[x['compiles'] for x in got['first']]} compiles), second "
                  f"{[round(x['cpu_s'], 2) for x in got['second']]}, load {got['load']:.1f}",
                  flush=True)  # fmt: skip
    summary = {
        k: {"worker_cost_cpu_s_median": statistics.median(
                c for x in v for c in x["worker_cost_cpu_s"]),
            "first_chunk_compiles": [c["compiles"] for x in v for c in x["first"]]}
        for k, v in runs.items()
    }  # fmt: skip
    result = {"before": args.before, "after": args.after or "working tree",
              "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "cores": os.cpu_count(),
              "summary": summary, "runs": runs}  # fmt: skip
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
