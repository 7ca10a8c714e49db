"""Where a Newton step's CPU time goes: the routing kernel against Python around it, and
one iteration's parts (conduit momentum, node system assembly, sparse LU).

Usage::

    python benchmarks/profile_newton.py [NETWORK]   # a bundled name or an .inp path

Runs ``NETWORK`` (``medium-conduits``) with ``solver="newton"`` step by step, timing in
CPU time (the machine is shared) the Python part before the routing (step size, runoff,
inflows), the compiled routing step, and the Python part after it (recorder).  Halfway
through the run it also times, on the state of that step, 300 calls each of the
iteration's kernels called from Python on the bundles (they run on borrowed views inside
the step, which is faster: compare with the routing kernel's time per iteration).
"""

from __future__ import annotations

import sys
import time

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
        evaluate_links(a1, a2, be, dt, False, nodes, links, xsects, curves, options, ns, ls,
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


def main(network: str = "medium-conduits") -> None:
    sim = Simulation(network, solver="newton")
    r = sim.router
    parts = {"before routing (Python)": 0.0, "routing kernel": 0.0, "after (Python)": 0.0}
    clock = time.process_time
    start, spent_aside, probed = clock(), 0.0, False
    while not sim.finished:
        a = clock()
        t, dt = sim.begin_step()
        b = clock()
        it = r.advance(t, dt, sim._lat)
        c = clock()
        sim.end_step(t, dt, it)
        d = clock()
        parts["before routing (Python)"] += b - a
        parts["routing kernel"] += c - b
        parts["after (Python)"] += d - c
        if not probed and sim.t_s > 0.5 * sim.duration_s:
            probed = True
            x = clock()
            each = _iteration_parts(sim, dt)
            spent_aside += clock() - x
            print("one iteration, kernels called from Python (us):",
                  {k: round(v, 1) for k, v in each.items()})  # fmt: skip
    total = clock() - start - spent_aside
    evaluations = r.newton.conduit_evaluations
    print(f"steps {sim.steps}, iterations {sim.iterations}, conduit evaluations {evaluations}, "
          f"CPU {total:.2f} s (the first step's compile included)")  # fmt: skip
    for k, v in parts.items():
        print(f"  {k}: {v:.2f} s ({100 * v / total:.0f} %), {1e6 * v / sim.steps:.0f} us/step")


if __name__ == "__main__":
    main(*sys.argv[1:2])
