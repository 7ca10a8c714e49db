"""Where a cold first compile goes: per kernel, per specialisation, in a fresh process.

Usage::

    python benchmarks/compile_profile.py [--network medium-conduits] [--end-hours 0.1]
                                         [--out benchmarks/results/compile-profile.json]

Runs ``twin run <network>`` in this process with an empty ``NUMBA_CACHE_DIR`` (a new
temporary folder, set before numba is imported) and listens to numba's
``numba:compile`` events (:mod:`numba.core.event`): each dispatcher compile is timed
inclusive (with the compiles of the callees it triggers) and exclusive (its own typing,
lowering and the LLVM optimisation of its module, which includes the callees' code it
links in).  Reports, per kernel, the specialisations it got (argument types) and their
times, the process CPU time of the whole run, and which kernels were compiled at all
(optional physics that the network does not use should not be).  A second fresh
process with the same cache then shows what is loaded from the cache and what is
compiled again (a cache miss).  Results go to ``--out``; the notes quote them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "compile-profile.json"


def profile(network: str, end_hours: float, command: str | None = None) -> dict:
    """Compile events of one ``twin run`` in this process (NUMBA_CACHE_DIR already set)."""
    from numba.core import event

    stack: list[list] = []
    rows: list[dict] = []
    passes: dict[str, float] = defaultdict(float)
    pass_stack: list[list] = []
    llvm = [0.0, 0.0]

    class Listener(event.Listener):
        def on_start(self, ev):
            disp = ev.data["dispatcher"]
            if stack and os.environ.get("TWIN_EXPERIMENT") == "inner-nowrap":
                from numba.core.caching import NullCache

                disp.targetoptions.update(no_cpython_wrapper=True, no_cfunc_wrapper=True)
                disp._cache = NullCache()
            stack.append([disp, ev.data["args"], time.process_time(), 0.0])

        def on_end(self, ev):
            disp, args, t0, children = stack.pop()
            incl = time.process_time() - t0
            if stack:
                stack[-1][3] += incl
            py = disp.py_func
            rows.append({
                "kernel": f"{py.__module__}.{py.__qualname__}",
                "inner": type(disp).__name__ == "_InnerDispatcher",
                "args": str(args),
                "inclusive_s": incl,
                "exclusive_s": incl - children,
            })  # fmt: skip

    class PassListener(event.Listener):
        def on_start(self, ev):
            pass_stack.append([ev.data["name"], time.process_time(), 0.0])

        def on_end(self, ev):
            name, t0, children = pass_stack.pop()
            incl = time.process_time() - t0
            if pass_stack:
                pass_stack[-1][2] += incl
            passes[name] += incl - children

    class LockListener(event.Listener):
        def on_start(self, ev):
            llvm[1] = time.process_time()

        def on_end(self, ev):
            llvm[0] += time.process_time() - llvm[1]

    cpu0, wall0 = time.process_time(), time.perf_counter()
    from twin.cli import main

    out = Path(os.environ["NUMBA_CACHE_DIR"]).parent / "r.nc"
    argv = ["run", network, "--end-hours", str(end_hours), "-o", str(out), "--no-render",
            "--quiet"]  # fmt: skip
    if command:
        argv = command.replace("{out}", str(out.parent)).split()
    with (
        event.install_listener("numba:compile", Listener()),
        event.install_listener("numba:run_pass", PassListener()),
        event.install_listener("numba:llvm_lock", LockListener()),
    ):
        rc = main(argv)
    if rc != 0:
        raise SystemExit(f"twin {argv[0]} failed ({rc})")
    return {"cpu_s": time.process_time() - cpu0, "wall_s": time.perf_counter() - wall0,
            "compiles": rows, "passes": passes, "llvm_lock_s": llvm[0]}  # fmt: skip


def summarise(got: dict) -> dict:
    per = defaultdict(lambda: {"specialisations": 0, "exclusive_s": 0.0, "args": []})
    for r in got["compiles"]:
        k = per[r["kernel"] + (" (inner)" if r.get("inner") else "")]
        k["specialisations"] += 1
        k["exclusive_s"] += r["exclusive_s"]
        k["args"].append(r["args"])
    ranked = dict(sorted(per.items(), key=lambda kv: -kv[1]["exclusive_s"]))
    return {
        "cpu_s": got["cpu_s"],
        "wall_s": got["wall_s"],
        "compile_s": sum(r["exclusive_s"] for r in got["compiles"]),
        "n_compiles": len(got["compiles"]),
        "n_inner_compiles": sum(bool(r.get("inner")) for r in got["compiles"]),
        "n_kernels": len(ranked),
        "llvm_lock_s": got["llvm_lock_s"],
        "passes_exclusive_s": dict(sorted(got["passes"].items(), key=lambda kv: -kv[1])),
        "kernels": ranked,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--network", default="medium-conduits")
    ap.add_argument("--end-hours", type=float, default=0.1)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--command", help="the twin command line instead of `run NETWORK ...`; "
                    "{out} is a fresh folder (e.g. 'run --end-hours 0.1 --no-render --quiet "
                    "-o {out}/r.nc')")  # fmt: skip
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(profile(args.network, args.end_hours, args.command)))
        return
    cache = Path(tempfile.mkdtemp(prefix="compile-profile-")) / "numba"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), NUMBA_NUM_THREADS="1")
    runs = {}
    for name in ("cold", "warm"):
        p = subprocess.run(
            [sys.executable, __file__, "--child", "--network", args.network,
             "--end-hours", str(args.end_hours)]
            + (["--command", args.command] if args.command else []),
            env=env, check=True, capture_output=True, text=True, cwd=cache.parent,
        )  # fmt: skip
        runs[name] = summarise(json.loads(p.stdout.splitlines()[-1]))
        r = runs[name]
        print(f"{name}: {r['cpu_s']:.1f} s CPU ({r['wall_s']:.1f} s wall), "
              f"{r['n_compiles']} compiles of {r['n_kernels']} kernels, "
              f"{r['compile_s']:.1f} s CPU in them", flush=True)  # fmt: skip
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    result = {"head": head, "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "load": os.getloadavg(), "network": args.network, "command": args.command,
              **runs}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    cold = runs["cold"]
    print(f"LLVM lock held {cold['llvm_lock_s']:.1f} s CPU; passes (exclusive):")
    for k, v in list(cold["passes_exclusive_s"].items())[:12]:
        print(f"{v:7.2f} s  {k}")
    for k, v in list(cold["kernels"].items())[:40]:
        print(f"{v['exclusive_s']:7.2f} s  x{v['specialisations']}  {k}")


if __name__ == "__main__":
    main()
