"""Where a Newton step's CPU time goes: the routing kernel against Python around it, and
one iteration's parts (conduit momentum, node system assembly, sparse LU).

Usage::

    python benchmarks/profile_newton.py [NETWORK] [--end-hours H] [--set NAME=VALUE ...]
        [--json FILE] [--no-parts]

Runs ``NETWORK`` (``medium-conduits``; a bundled name or an .inp path) with
``solver="newton"`` step by step, timing in CPU time (the machine is shared) the Python
part before the routing (step size, runoff, inflows), the compiled routing step, and the
Python part after it (recorder).  Halfway through the run it also times, on the state of
that step, 300 calls each of the iteration's kernels called from Python on the bundles
(they run on borrowed views inside the step, which is faster: compare with the routing
kernel's time per iteration).  ``--set`` changes a simulation option (e.g.
``newton_tolerance_m=0.001``); ``--json`` appends one record (counts and seconds) to FILE.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from twin.engine.simulation import Simulation
from twin.kernels.newton.nodes import assemble
from twin.kernels.newton.sparse_lu import lu_factor, lu_solve
from twin.kernels.newton.step import bdf2_coefficients, evaluate_links

REPEATS = 300


def _iteration_parts(sim, dt) -> dict:
    """Microseconds per call of the iteration's kernels on the current state."""
    r, nw = sim.router, sim.router.newton
    nodes, links, xsects, curves, options = r.network_bundles()
    ns, ls, work, s = r.node_state, r.link_state, nw.work, nw.system
    a1, a2, be = bdf2_coefficients(dt, dt)

    def links_():
        evaluate_links(a1, a2, be, dt, False, -1.0, nodes, links, xsects, curves, options, ns, ls,
                       work)  # fmt: skip

    def asm():
        assemble(dt, nodes, links, options, ns, s, work)

    def asm_lu():
        asm()
        lu_factor(work.diag, work.upper, work.lower, s.edge_second, s.pivot_start,
                  s.pivot_edges, s.pair_start, s.pair_target)  # fmt: skip
        lu_solve(work.diag, work.upper, work.lower, s.edge_second, s.pivot_start,
                 s.pivot_edges, work.rhs)  # fmt: skip

    out = {}
    for name, f in (("conduit momentum", links_), ("assemble", asm), ("assemble+LU", asm_lu)):
        f()  # compile
        t = time.process_time()
        for _ in range(REPEATS):
            f()
        out[name] = 1e6 * (time.process_time() - t) / REPEATS
    out["LU factor+solve"] = out.pop("assemble+LU") - out["assemble"]
    return out


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def profile(network: str, end_hours: float | None = None, overrides: dict | None = None,
            parts: bool = True, trace=None, save=None) -> dict:  # fmt: skip
    """Run ``network`` with the Newton solver and return the counts and CPU seconds."""
    kw = dict(overrides or {})
    if end_hours is not None:
        kw["end_hours"] = end_hours
    sim = Simulation(network, solver="newton", **kw)
    r = sim.router
    split = {"before routing (Python)": 0.0, "routing kernel": 0.0, "after (Python)": 0.0}
    clock = time.process_time
    start, spent_aside, probed = clock(), 0.0, not parts
    each: dict = {}
    rows: list = []  # per step: end time, step, iterations, what limited the step
    while not sim.finished:
        a = clock()
        t, dt = sim.begin_step()
        b = clock()
        it = r.advance(t, dt, sim._lat)
        c = clock()
        sim.end_step(t, dt, it)
        d = clock()
        split["before routing (Python)"] += b - a
        split["routing kernel"] += c - b
        split["after (Python)"] += d - c
        if trace is not None:
            rows.append((t + dt, dt, it, r.newton.limiting_element()))
        if not probed and sim.t_s > 0.5 * sim.duration_s:
            probed = True
            x = clock()
            each = _iteration_parts(sim, dt)
            spent_aside += clock() - x
    total = clock() - start - spent_aside
    nw = r.newton
    if save is not None:  # what the agreement and matched-accuracy checks read
        from twin.bench.engine_child import _write_nc

        _write_nc(sim.results(), save)
    if trace is not None:
        Path(trace).write_text("\n".join(f"{a:.3f} {b:.3f} {c} {e}" for a, b, c, e in rows))
    return {
        "network": str(network), "end_hours": end_hours, "overrides": overrides or {},
        "steps": sim.steps, "iterations": sim.iterations,
        "iterations_per_step": sim.iterations / max(sim.steps, 1),
        "conduit_evaluations": nw.conduit_evaluations,
        "unconverged_steps": nw.unconverged_steps, "retried_substeps": nw.retried_substeps,
        "cpu_s": total, "split_s": split, "iteration_parts_us": each,
        "step_limits": nw.step_limits(), "load_average": os.getloadavg(),
    }  # fmt: skip


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("network", nargs="?", default="medium-conduits")
    p.add_argument("--end-hours", type=float)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--json", type=Path, help="append the record (one JSON line) to this file")
    p.add_argument("--no-parts", action="store_true", help="skip the per-kernel probe")
    p.add_argument("--save", type=Path, help="write the results (depths, flows, flooding)")
    p.add_argument("--trace", type=Path, help="write every step (end s, step s, iterations, "
                   "what limited the next step) to this text file")  # fmt: skip
    a = p.parse_args(argv)
    overrides = {k: _value(v) for k, v in (s.split("=", 1) for s in a.set)}
    rec = profile(
        a.network, a.end_hours, overrides, parts=not a.no_parts, trace=a.trace, save=a.save
    )
    if rec["iteration_parts_us"]:
        print("one iteration, kernels called from Python (us):",
              {k: round(v, 1) for k, v in rec["iteration_parts_us"].items()})  # fmt: skip
    total, steps = rec["cpu_s"], rec["steps"]
    print(f"steps {steps}, iterations {rec['iterations']} "
          f"({rec['iterations_per_step']:.2f} a step), conduit evaluations "
          f"{rec['conduit_evaluations']}, unconverged {rec['unconverged_steps']} "
          f"({rec['retried_substeps']} substeps), CPU {total:.2f} s "
          f"(the first step's compile included)")  # fmt: skip
    for k, v in rec["split_s"].items():
        print(f"  {k}: {v:.2f} s ({100 * v / total:.0f} %), {1e6 * v / steps:.0f} us/step")
    print(f"  limited by: {rec['step_limits']}")
    if a.json:
        with open(a.json, "a") as fh:
            fh.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
