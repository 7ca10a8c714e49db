"""Where a timed ``twin.simulate(inp)`` of the benchmark spends its time, phase by phase.

Usage::

    python benchmarks/run_phases.py medium-conduits [--rounds 3] [--warmup bench|same|none]

In one fresh process, as ``benchmarks/run.py``'s child does (``twin/bench/engine_child.py``):
the benchmark's warm-up runs (``bench``: the tiny district and the tiny district with
structures; ``same``: the case itself; ``none``), then ``--rounds`` runs of the case, each
split into its phases: reading the network (``load_network``), building the
``Simulation`` (runoff, router, initial state), the routing steps
(``Simulation._step_until``), the results ``Dataset`` (``Simulation.results``).  CPU
and wall seconds of each phase and round; the kernels numba compiled or loaded from its
cache during each round (dispatchers whose overloads grew).  The first round is what
``run.py`` times; a later round shows what the first paid once.  Results in
``benchmarks/results/run-phases-<case>[-TAG].json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _dispatchers() -> dict:
    from numba.core.registry import CPUDispatcher

    return {id(d): d for d in gc.get_objects() if isinstance(d, CPUDispatcher)}


def _overloads() -> dict:
    return {k: (d.py_func.__qualname__, len(d.overloads)) for k, d in _dispatchers().items()}


def _grown(before: dict, after: dict) -> list[str]:
    return sorted(name for k, (name, n) in after.items() if n > before.get(k, ("", 0))[1])


class _Clock:
    def __init__(self):
        self.rows = {}

    def __call__(self, name, fn, *args):
        c0, w0 = time.process_time(), time.perf_counter()
        got = fn(*args)
        self.rows[name] = {"cpu_s": round(time.process_time() - c0, 4),
                           "wall_s": round(time.perf_counter() - w0, 4)}  # fmt: skip
        return got


def one_run(inp: Path) -> dict:
    from twin.engine.simulation import Simulation
    from twin.networks.catalog import load_network

    clock = _Clock()
    before = _overloads()
    c0, w0 = time.process_time(), time.perf_counter()
    net = clock("read", load_network, str(inp))
    sim = clock("build", Simulation, net)
    clock("steps", sim._step_until, sim.duration_s)
    clock("dataset", sim.results)
    total = {"cpu_s": round(time.process_time() - c0, 4),
             "wall_s": round(time.perf_counter() - w0, 4)}  # fmt: skip
    return {"phases": clock.rows, "total": total, "steps": sim.steps,
            "kernels_compiled_or_loaded": _grown(before, _overloads())}  # fmt: skip


def main() -> None:
    from twin.bench.cases import get_case
    from twin.bench.runner import _warmup_structures

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", choices=("bench", "same", "none"), default="bench")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import twin

    with tempfile.TemporaryDirectory(prefix="twin-phases-") as tmp:
        inp = get_case(args.case).prepare(tmp)
        warm = {"bench": [get_case("tiny").prepare(tmp), _warmup_structures().prepare(tmp)],
                "same": [inp], "none": []}[args.warmup]  # fmt: skip
        for w in warm:
            twin.simulate(w)
        rounds = []
        for k in range(args.rounds):
            row = one_run(inp)
            rounds.append(row)
            ph = " ".join(f"{n} {v['cpu_s']:.3f}" for n, v in row["phases"].items())
            print(f"round {k + 1}: cpu {row['total']['cpu_s']:.3f} s ({ph}); loaded: "
                  f"{row['kernels_compiled_or_loaded']}", flush=True)  # fmt: skip
    doc = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "load_1min": os.getloadavg()[0],
           "case": args.case, "warmup": args.warmup, "rounds": rounds}  # fmt: skip
    name = f"run-phases-{args.case}" + (f"-{args.tag}" if args.tag else "") + ".json"
    out = ROOT / "benchmarks" / "results" / name
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
