"""Who waits for whom in a cold first compile: the twin process and its compile-ahead helper.

Usage::

    python benchmarks/compile_timeline.py [--command "run --end-hours 0.1 --no-render --quiet"]
                                          [--out benchmarks/results/compile-timeline.json]

Runs ``twin <command>`` in a new process with an empty ``NUMBA_CACHE_DIR`` and
``TWIN_COMPILE_AHEAD=1``.  A ``sitecustomize`` put on ``PYTHONPATH`` (so it is loaded by
the twin process and by the helper, :mod:`twin.kernels.ahead`) listens to numba's
compile events and logs, per process, the wall clock and the process CPU time when each
top-level compile begins and ends, when a kernel is sent to the helper, and when the
twin process starts and ends waiting for the helper.  The process that ends last, and
what it did, is the critical path; the CPU times (steadier than wall times on a shared
machine) say how long each half takes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "compile-timeline.json"

SITECUSTOMIZE = r"""
import atexit, builtins, os, sys, time
_log = os.environ.get("TWIN_TIMELINE_LOG")
if _log:
    _fh = open(_log, "a", buffering=1)

    def _w(what):
        _fh.write(f"{os.getpid()} {time.time():.4f} {time.process_time():.3f} {what}\n")

    _w("start")
    atexit.register(lambda: _w("exit"))
    _import = builtins.__import__
    _done = {"listener": False, "ahead": False}

    def _listen():
        from numba.core import event

        depth = [0]

        class Compiles(event.Listener):
            def on_start(self, ev):
                if depth[0] == 0:
                    f = ev.data["dispatcher"].py_func
                    _w(f"begin {f.__module__}.{f.__qualname__}")
                depth[0] += 1

            def on_end(self, ev):
                if depth[0] == 1:
                    f = ev.data["dispatcher"].py_func
                    _w(f"compiled {f.__module__}.{f.__qualname__}")
                depth[0] -= 1

        event.register("numba:compile", Compiles())

    def _wrap(ahead):
        wait_for, compile_ahead = ahead.wait_for, ahead.compile_ahead

        def sent(disp, argtypes):
            got = compile_ahead(disp, argtypes)
            if got:
                _w(f"sent {disp.py_func.__qualname__}")
            return got

        ahead.compile_ahead = sent

        def timed(disp, argtypes):
            if (disp, tuple(argtypes)) in ahead._pending:
                _w("wait-begin")
                wait_for(disp, argtypes)
                _w("wait-end")
            else:
                wait_for(disp, argtypes)

        ahead.wait_for = timed

    def _hook(name, *args, **kwargs):
        module = _import(name, *args, **kwargs)
        if not _done["listener"]:
            jit = sys.modules.get("twin.kernels.jit")
            if jit is not None and hasattr(jit, "kernel"):
                _done["listener"] = True
                _listen()
        if not _done["ahead"]:
            ahead = sys.modules.get("twin.kernels.ahead")
            if ahead is not None and hasattr(ahead, "wait_for"):
                _done["ahead"] = True
                _wrap(ahead)
        return module

    builtins.__import__ = _hook
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--command", default="run --end-hours 0.1 --no-render --quiet")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="compile-timeline-"))
    (work / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = work / "timeline.log"
    path = os.environ.get("PYTHONPATH")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(work / "numba"), TWIN_COMPILE_AHEAD="1",
               TWIN_TIMELINE_LOG=str(log), NUMBA_NUM_THREADS="1",
               PYTHONPATH=str(work) + (os.pathsep + path if path else ""))  # fmt: skip
    argv = [sys.executable, "-m", "twin.cli", *args.command.split(), "-o", str(work / "r.nc")]
    load = os.getloadavg()[0]
    w0 = time.perf_counter()
    subprocess.run(argv, env=env, cwd=work, check=True, capture_output=True)
    wall = time.perf_counter() - w0
    rows = [line.split(" ", 3) for line in log.read_text().splitlines()]
    first_pid = rows[0][0]
    t0 = min(float(r[1]) for r in rows)
    events = [{"process": "twin" if r[0] == first_pid else "helper", "wall_s": float(r[1]) - t0,
               "cpu_s": float(r[2]), "what": r[3]} for r in rows]  # fmt: skip
    cpu = {p: max(e["cpu_s"] for e in events if e["process"] == p) for p in ("twin", "helper")
           if any(e["process"] == p for e in events)}  # fmt: skip
    result = {"command": args.command, "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "load_before": load, "load_after": os.getloadavg()[0], "wall_s": wall,
              "cpu_s_by_process": cpu, "events": events}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for e in events:
        if not e["what"].startswith(("compiled", "begin")) or e is events[-1]:
            print(
                f"{e['process']:>6} {e['wall_s']:7.2f} s wall {e['cpu_s']:6.2f} s CPU  {e['what']}"
            )
    print(f"wall {wall:.1f} s, CPU by process {cpu}, load {load:.1f} -> {result['load_after']:.1f}")


if __name__ == "__main__":
    main()
