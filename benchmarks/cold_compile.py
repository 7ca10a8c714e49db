"""Cold first compile of the twin's commands: CPU time with an empty numba cache, then warm.

Usage::

    python benchmarks/cold_compile.py [--cases run-medium-conduits run-main ensemble watch]
                                      [--before REV] [--after REV] [--repeats 1]

Each case is a ``twin`` command line run in a new process with a new, empty
``NUMBA_CACHE_DIR`` (cold: every kernel it needs is compiled), then once more with the
same cache (warm: loaded).  CPU time is user + system of the child (the machine is
shared: CPU time is steadier than wall time, but a loaded machine still inflates it;
compare versions in the same run, ``--before``, which runs the two alternately).  It
includes the helper process that compiles the routing step ahead
(:mod:`twin.kernels.ahead`; the twin process waits for it before it exits);
``--without-ahead`` runs the after version with the helper always on (``after``) and
turned off (``after-no-ahead``); ``--ahead`` turns it on in every version (on a loaded
machine its default, ``auto``, would not start it).

- ``run-medium-conduits``: ``twin run medium-conduits``, 6 minutes, no render;
- ``run-main``: ``twin run`` with no network (the default network, its scenario and
  the 2D surface), 6 minutes, no render;
- ``run-main-full``: ``twin run`` as a user types it (the whole storm: the 2D
  surface's kernels compile at its first flood; with the render);
- ``ensemble``: ``twin ensemble`` on the default network, 4 members in one batch, in
  this process (``--scheduler serial``: a Dask worker compiles the same kernels in
  its own process), 6 minutes;
- ``watch``: ``twin watch small --replay``, 4 members, observations of six sensors for
  the first 10 minutes of a storm (EPA SWMM's depths with 1 cm noise,
  :mod:`twin.validation.twin_experiment`), so one cycle (a 30-minute forecast).

Results: ``benchmarks/results/cold-compile.json``; the README's "Cold first compile"
quotes them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundles_ab import ROOT, env_for, export  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "cold-compile.json"


def watch_inputs(folder: Path) -> list[str]:
    """Sensors and 10 minutes of observations for ``twin watch small``."""
    import numpy as np

    import twin
    from twin.validation import twin_experiment as E

    net = twin.load_network("small")
    ex = E.experiment(net, 6, seed=1)
    toml, csv = folder / "sensors.toml", folder / "obs.csv"
    toml.write_text("".join(
        f'[[sensor]]\nid = "{s.id}"\nnode = "{s.element}"\nquantity = "depth"\nsd = 0.01\n\n'
        for s in ex.sensors
    ))  # fmt: skip
    rows = ex.rows(150)
    t0 = min(t for t, _, _ in rows)
    first = [r for r in rows if r[0] - t0 <= np.timedelta64(600, "s")]
    csv.write_text("time,sensor,value\n" + "".join(
        f"{np.datetime64(t, 's')},{s},{v:.4f}\n" for t, s, v in first
    ))  # fmt: skip
    return ["--sensors", str(toml), "--observations", str(csv)]


def command(case: str, out: Path, watch_args: list[str]) -> list[str]:
    six = ["--end-hours", "0.1"]
    if case == "run-medium-conduits":
        return ["run", "medium-conduits", *six, "-o", str(out / "r.nc"), "--no-render", "--quiet"]
    if case == "run-main":
        return ["run", *six, "-o", str(out / "r.nc"), "--no-render", "--quiet"]
    if case == "run-main-full":  # the whole storm: its first flood, the render
        return ["run", "-o", str(out / "r.nc"), "--quiet"]
    if case == "ensemble":
        return ["ensemble", "-n", "4", "--batch", "4", "--scheduler", "serial", *six,
                "-o", str(out / "e.nc"), "--quiet"]  # fmt: skip
    if case == "watch":
        return ["watch", "small", *watch_args, "--replay", "--members", "4", "--cycle-min",
                "10", "--horizon-min", "30", "-o", str(out / "watch")]  # fmt: skip
    raise SystemExit(f"unknown case {case}")


def timed(tree: Path, argv: list[str], cache: str, cwd: Path, extra_env: dict) -> dict:
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "twin.cli", *argv],
                       env=dict(env_for(tree, cache), **extra_env),
                       capture_output=True, text=True, cwd=cwd)  # fmt: skip
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"twin {' '.join(argv)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "load": os.getloadavg()[0], "load_before": load_before}


def cold_and_warm(tree, case: str, work: Path, watch_args: list[str]) -> dict:
    tree, extra_env = tree
    folder = Path(tempfile.mkdtemp(prefix=f"{case}-", dir=work))
    cache = str(folder / "numba")
    got = {}
    for name in ("cold", "warm"):
        out = folder / name
        out.mkdir()
        got[name] = timed(tree, command(case, out, watch_args), cache, folder, extra_env)
    got["compile_cpu_s"] = got["cold"]["cpu_s"] - got["warm"]["cpu_s"]
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*",
                    default=["run-medium-conduits", "run-main", "ensemble", "watch"])  # fmt: skip
    ap.add_argument("--before", help="also this revision, alternately (git archive)")
    ap.add_argument("--after", help="this revision instead of the working tree (git archive), "
                    "so the tree can change while the benchmark runs")  # fmt: skip
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--without-ahead", action="store_true",
                    help="also the after version with TWIN_COMPILE_AHEAD=0 (no helper "
                    "process compiling the routing step, twin/kernels/ahead.py)")  # fmt: skip
    ap.add_argument("--ahead", action="store_true",
                    help="TWIN_COMPILE_AHEAD=1 in every version (the helper on whatever the "
                    "load; its default starts it only when a core is idle)")  # fmt: skip
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cold-compile-"))
    after_tree = export(args.after) if args.after else ROOT
    trees = {"after": (after_tree, {})}
    if args.without_ahead:  # the helper always on in "after" (its default starts it only
        # on an idle core, which a benchmark next to others' work may not see)
        trees["after"] = (after_tree, {"TWIN_COMPILE_AHEAD": "1"})
        trees["after-no-ahead"] = (after_tree, {"TWIN_COMPILE_AHEAD": "0"})
    if args.before:
        trees["before"] = (export(args.before), {})
    if args.ahead:
        trees = {k: (tree, dict(env, TWIN_COMPILE_AHEAD="1")) if k != "after-no-ahead"
                 else (tree, env) for k, (tree, env) in trees.items()}  # fmt: skip
    watch_args = watch_inputs(work) if "watch" in args.cases else []
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    after = (
        f"{args.after} {export(args.after).name}" if args.after else f"HEAD {head} (+ working tree)"
    )
    result = {"after": after, "before": args.before,
              "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "cores": os.cpu_count(),
              "cases": {}}  # fmt: skip
    for case in args.cases:
        runs = {k: [] for k in trees}
        for r in range(args.repeats):
            for k in sorted(trees, reverse=r % 2 == 1):
                runs[k].append(cold_and_warm(trees[k], case, work, watch_args))
                x = runs[k][-1]
                print(f"{case} {k}: cold {x['cold']['cpu_s']:.1f} s CPU "
                      f"({x['cold']['wall_s']:.1f} s wall, load {x['cold']['load']:.1f}), "
                      f"warm {x['warm']['cpu_s']:.1f} s CPU", flush=True)  # fmt: skip
        summary = {k: {"cold_cpu_s_median": statistics.median(x["cold"]["cpu_s"] for x in v),
                       "cold_wall_s_median": statistics.median(x["cold"]["wall_s"] for x in v),
                       "warm_cpu_s_median": statistics.median(x["warm"]["cpu_s"] for x in v),
                       "warm_wall_s_median": statistics.median(x["warm"]["wall_s"] for x in v)}
                   for k, v in runs.items()}  # fmt: skip
        result["cases"][case] = {"summary": summary, "runs": runs}
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({c: v["summary"] for c, v in result["cases"].items()}, indent=1))


if __name__ == "__main__":
    main()
