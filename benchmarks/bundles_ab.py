"""Per-step time and cold first compile of two versions of the twin, A/B interleaved.

Usage::

    python benchmarks/bundles_ab.py [--before REV] [--rounds 12] [--steps 400]
                                    [--cases medium-conduits district-10k] [--no-cold]

``--before`` (default ``main``) is exported with ``git archive`` into a temporary
folder (kept for the next run, whose numba cache it then finds); the working tree
is the *after* version.  For each case one worker process per
version loads the network, builds a :class:`twin.Simulation` (THREADS=1, one numba
thread) and routes a few steps to warm up; the driver then asks the two workers in
turn, ``--rounds`` times, to route the next ``--steps`` routing steps and report
their wall and CPU time.  Both versions route the same stretch of the same storm in
each round (the kernels are bit-identical, so their steps are the same: the driver
checks a hash of every node depth and link flow after each round), and the two
workers alternate so that the load of a shared machine falls on both alike.  The
ratio before/after is taken per round; the median and the spread are reported.

Cold first compile: ``twin run medium-conduits`` for 6 minutes of simulated time in a
new process with an empty ``NUMBA_CACHE_DIR``, before and after alternately, wall and
CPU (user + system of the child) time.

Results go to ``benchmarks/results/bundles-ab.json``; the README's speed section
quotes them.  The machine is shared: read the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "bundles-ab.json"

WORKER = r"""
import hashlib, json, sys, time
import twin
from twin.engine.simulation import Simulation
src = sys.argv[1]
sim = Simulation(src, threads=1, end_hours=float(sys.argv[2]))
for _ in range(int(sys.argv[3])):
    sim.step()
print(json.dumps({"twin": twin.__file__, "links": int(sim.net.n_links)}), flush=True)
for line in sys.stdin:
    n = int(line)
    if sim.finished:
        sim = Simulation(src, threads=1, end_hours=float(sys.argv[2]))
    w0, c0 = time.perf_counter(), time.process_time()
    k = 0
    while k < n and not sim.finished:
        sim.step()
        k += 1
    w, c = time.perf_counter() - w0, time.process_time() - c0
    now = sim.router.interpolated(1.0)
    h = hashlib.sha1(now["node_depth_ft"].tobytes() + now["link_flow_cfs"].tobytes())
    print(json.dumps({"steps": k, "wall": w, "cpu": c, "t": sim.t_s, "state": h.hexdigest()}),
          flush=True)
"""


def export(rev: str) -> Path:
    """The tree of ``rev`` in ``$TMPDIR/twin-ab-<commit>`` (kept: numba caches compiled
    code by source path, so a second run with the same tree loads it from the cache)."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], check=True,
                         capture_output=True, text=True).stdout.strip()  # fmt: skip
    dest = Path(tempfile.gettempdir()) / f"twin-ab-{sha[:12]}"
    if (dest / "twin" / "__init__.py").exists():
        return dest
    dest.mkdir(exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def env_for(tree: Path, cache: str | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_NUM_THREADS="1")
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = cache
    return env


def worker(tree: Path, network: str, hours: float, warm: int) -> subprocess.Popen:
    p = subprocess.Popen(
        [sys.executable, "-c", WORKER, network, str(hours), str(warm)],
        env=env_for(tree), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=tempfile.gettempdir(),
    )  # fmt: skip
    hello = json.loads(p.stdout.readline())
    if not hello["twin"].startswith(str(tree)):
        raise SystemExit(f"worker imported {hello['twin']}, not the tree {tree}")
    return p


def ask(p: subprocess.Popen, steps: int) -> dict:
    p.stdin.write(f"{steps}\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())


def per_step(trees: dict, network: str, args) -> dict:
    """Interleaved rounds of ``args.steps`` routing steps on both versions."""
    procs = {k: worker(t, network, args.hours, args.warm) for k, t in trees.items()}
    rows = []
    try:
        for r in range(args.rounds):
            order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
            got = {k: ask(procs[k], args.steps) for k in order}
            if got["before"]["state"] != got["after"]["state"]:
                raise SystemExit(f"{network}: the versions' states differ in round {r}")
            rows.append(got)
            b, a = got["before"], got["after"]
            print(f"  {network} round {r}: before {1e6 * b['wall'] / b['steps']:.1f} us/step,"
                  f" after {1e6 * a['wall'] / a['steps']:.1f} us/step", flush=True)  # fmt: skip
    finally:
        for p in procs.values():
            p.stdin.close()
            p.wait()

    def us(k, what):
        return [1e6 * x[k][what] / x[k]["steps"] for x in rows]

    ratios = [x["before"]["cpu"] / x["after"]["cpu"] for x in rows]
    wall_ratios = [x["before"]["wall"] / x["after"]["wall"] for x in rows]
    return {
        "steps_per_round": args.steps,
        "rounds": len(rows),
        "before_us_per_step_cpu_median": statistics.median(us("before", "cpu")),
        "after_us_per_step_cpu_median": statistics.median(us("after", "cpu")),
        "before_us_per_step_wall_median": statistics.median(us("before", "wall")),
        "after_us_per_step_wall_median": statistics.median(us("after", "wall")),
        "speedup_cpu_median": statistics.median(ratios),
        "speedup_cpu_min_max": [min(ratios), max(ratios)],
        "speedup_wall_median": statistics.median(wall_ratios),
        "identical_states": True,
        "rows": rows,
    }


def cold_compile(tree: Path, work: Path, network: str = "medium-conduits") -> dict:
    """``twin run NETWORK`` for 6 minutes with an empty numba cache; ``network`` "main"
    is ``twin run`` with no network (the default network, its scenario and the 2D
    surface)."""
    cache = tempfile.mkdtemp(prefix="numba-cold-", dir=work)
    out = Path(cache) / "r.nc"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "twin.cli", "run", *([] if network == "main" else [network]),
         "--end-hours", "0.1", "-o", str(out), "--no-render", "--quiet"],
        env=env_for(tree, cache), check=True, capture_output=True, cwd=work,
    )  # fmt: skip
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="main")
    ap.add_argument("--after", help="this revision instead of the working tree (git archive)")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--warm", type=int, default=200)
    ap.add_argument("--hours", type=float, default=6.0)
    ap.add_argument(
        "--cases",
        nargs="*",
        default=["medium-conduits", "district-10k"],
        help="per-step cases (none: only the cold compile)",
    )
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--cold-repeats", type=int, default=1)
    ap.add_argument("--no-cold", action="store_true")
    ap.add_argument(
        "--cold-cases",
        nargs="*",
        default=["medium-conduits"],
        help="networks for the cold compile; 'main' is `twin run` with none",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bundles-ab-"))
    trees = {"before": export(args.before), "after": export(args.after) if args.after else ROOT}
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    base = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.before],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    result = {
        "before": f"{args.before} {base}",
        "after": args.after or f"HEAD {head} (+ working tree)",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores (shared), load "
        + " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "threads": 1,
        "cases": {},
    }
    for case in args.cases:
        network = case
        if case.startswith("district-"):
            n = int(case.split("-")[1].replace("k", "000"))
            network = str(work / f"{case}.inp")
            subprocess.run(
                [sys.executable, "-m", "twin.cli", "generate", "district", "--conduits",
                 str(n), "-o", network], env=env_for(ROOT), check=True, capture_output=True,
            )  # fmt: skip
        print(f"{case}: per-step time", flush=True)
        result["cases"][case] = per_step(trees, network, args)
    if not args.no_cold:
        for net in args.cold_cases:
            runs = {"before": [], "after": []}
            for r in range(args.cold_repeats):
                for k in ("before", "after") if r % 2 == 0 else ("after", "before"):
                    runs[k].append(cold_compile(trees[k], work, net))
                    print(f"cold compile {net} {k}: {runs[k][-1]}", flush=True)
            for k in ("before", "after"):
                runs[f"{k}_cpu_s_median"] = statistics.median(x["cpu_s"] for x in runs[k])
            key = "cold_compile_medium_6min" if net == "medium-conduits" else f"cold_compile_{net}"
            result[key] = runs
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    summary = {c: round(v["speedup_cpu_median"], 3) for c, v in result["cases"].items()}
    print("before/after per-step CPU time (median of rounds):", summary)


if __name__ == "__main__":
    main()
