"""The routing steps in one compiled call against the per-step Python loop, beside EPA SWMM.

Usage::

    python benchmarks/step_loop.py [--cases default medium-conduits] [--repeats 3]

For each case, in one process, alternately per round: EPA SWMM 5.2 (swmm-toolkit's
``swmm_run`` on the network's own ``.inp``), ``twin.simulate`` with the steps taken by
:func:`~twin.kernels.routing.run.run_steps` (``twin/engine/stepping.py``), and
``twin.simulate`` with the per-step Python loop (what main did).  CPU time of this
process (``time.process_time``: the machine is shared, so wall time is not compared), a
warm numba cache (one untimed run of each twin variant first).  The two twin variants'
results are checked equal, bit for bit.  Prints medians; results in
``benchmarks/results/step-loop.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "step-loop.json"


def _swmm_cpu(inp: Path, workdir: Path) -> float:
    from swmm.toolkit import solver

    here = os.getcwd()
    os.chdir(inp.parent)
    try:
        t0 = time.process_time()
        solver.swmm_run(str(inp), str(workdir / "run.rpt"), str(workdir / "run.out"))
        return time.process_time() - t0
    finally:
        os.chdir(here)


def _twin_cpu(inp: Path, compiled: bool):
    import twin
    from twin.engine.simulation import Simulation

    Simulation._python_loop = not compiled  # every simulation: the per-step Python loop
    try:
        t0 = time.process_time()
        ds = twin.simulate(str(inp))
        return time.process_time() - t0, ds
    finally:
        Simulation._python_loop = False


def _same(a, b) -> bool:
    return all(np.array_equal(a[v].values, b[v].values, equal_nan=a[v].dtype.kind == "f")
               for v in a.data_vars)  # fmt: skip


def main() -> None:
    import twin

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", default=["default", "medium-conduits"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rows = {}
    with tempfile.TemporaryDirectory(prefix="twin-step-loop-") as tmp:
        for name in args.cases:
            inp = Path(twin.load_network(name).source)
            _twin_cpu(inp, True), _twin_cpu(inp, False)  # compile / load the kernels
            times = {"swmm": [], "twin_compiled": [], "twin_python_loop": []}
            for _ in range(args.repeats):
                times["swmm"].append(_swmm_cpu(inp, Path(tmp)))
                t_fast, ds_fast = _twin_cpu(inp, True)
                t_slow, ds_slow = _twin_cpu(inp, False)
                times["twin_compiled"].append(t_fast)
                times["twin_python_loop"].append(t_slow)
                if not _same(ds_fast, ds_slow):
                    raise SystemExit(f"{name}: the compiled loop's results differ")
            med = {k: statistics.median(v) for k, v in times.items()}
            rows[name] = {
                "cpu_s": {k: [round(x, 4) for x in v] for k, v in times.items()},
                "median_cpu_s": {k: round(v, 4) for k, v in med.items()},
                "swmm_over_twin_compiled": round(med["swmm"] / med["twin_compiled"], 3),
                "swmm_over_twin_python_loop": round(med["swmm"] / med["twin_python_loop"], 3),
                "bit_identical": True,
            }
            r = rows[name]
            print(f"{name} {json.dumps(r['median_cpu_s'])} speed vs SWMM: compiled "
                  f"{r['swmm_over_twin_compiled']:.2f}x, Python loop "
                  f"{r['swmm_over_twin_python_loop']:.2f}x", flush=True)  # fmt: skip
    doc = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "load_1min": os.getloadavg()[0],
           "repeats": args.repeats, "cases": rows}  # fmt: skip
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
