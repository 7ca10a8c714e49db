"""Where a lockstep Picard pass spends its time, phase by phase, at M members.

    python benchmarks/lockstep_phases.py [--sizes 4 16 64] [--hours 0.25] [--passes 200]

Runs M perturbed members of ``medium-conduits`` in lockstep to ``--hours`` (mid-storm),
keeps the ``[element][member]`` state of the last step, then times each phase of
:func:`twin.kernels.lockstep.step.picard_members` on that state, compiled, ``--passes``
times over all elements (process CPU time, one thread): node pass start (surface
areas and lateral flows), conduit momentum, the sums onto nodes, outfall depths, node
continuity, link bypass flags (the functions the step calls; the bypass loop as it
stands there), no conduit bypassed.  The phases run on the state they leave, as
repeated Picard passes do.  Results: ``benchmarks/results/lockstep-phases.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twin.kernels.codes import NODE_OUTFALL  # noqa: E402
from twin.kernels.lockstep.conduit import conduit_flow_members  # noqa: E402
from twin.kernels.lockstep.node import (  # noqa: E402
    set_node_depth_members,
    set_outfall_depths_members,
)
from twin.kernels.lockstep.step import _add_link_to_nodes, _start_node  # noqa: E402
from twin.kernels.view import view  # noqa: E402


@njit(error_model="numpy")
def _start(r, live, nodes, curves, options, ns):
    nodes, curves, options, ns = view(nodes), view(curves), view(options), view(ns)
    for _ in range(r):
        for i in range(ns.depth.shape[0]):
            _start_node(i, live, nodes, curves, options, ns)


@njit(error_model="numpy")
def _conduits(r, dt, live, nodes, links, xsects, options, ns, ls):
    nodes, links, xsects, options, ns, ls = (
        view(nodes),
        view(links),
        view(xsects),
        view(options),
        view(ns),
        view(ls),
    )
    for _ in range(r):
        for j in range(ls.flow.shape[0]):
            conduit_flow_members(j, 1, dt, live, nodes, links, xsects, options, ns, ls)


@njit(error_model="numpy")
def _sums(r, live, links, ns, ls):
    links, ns, ls = view(links), view(ns), view(ls)
    for _ in range(r):
        for j in range(ls.flow.shape[0]):
            _add_link_to_nodes(j, live, links, ns, ls)


@njit(error_model="numpy")
def _outfalls(r, live, nodes, links, xsects, ns, ls):
    nodes, links, xsects, ns, ls = view(nodes), view(links), view(xsects), view(ns), view(ls)
    for _ in range(r):
        set_outfall_depths_members(live, nodes, links, xsects, ns, ls)


@njit(error_model="numpy")
def _continuity(r, dt, live, nodes, curves, options, ns):
    nodes, curves, options, ns = view(nodes), view(curves), view(options), view(ns)
    for _ in range(r):
        for i in range(ns.depth.shape[0]):
            if nodes.kind[i] != NODE_OUTFALL:
                set_node_depth_members(i, 1, dt, live, nodes, curves, options, ns)


@njit(error_model="numpy")
def _bypass(r, live, links, ns, ls):
    links, ns, ls = view(links), view(ns), view(ls)
    for _ in range(r):
        for j in range(ls.flow.shape[0]):
            n1 = links.node1[j]
            n2 = links.node2[j]
            for k in range(live.shape[0]):
                both = ns.converged[n1, k] == 1.0 and ns.converged[n2, k] == 1.0
                flag = 1.0 if both else 0.0
                ls.bypassed[j, k] = ls.bypassed[j, k] if live[k] == 0 else flag


def _snapshot(members: int, hours: float, seed: int):
    import twin
    import twin.engine.lockstep as el
    from twin.bench.ensemble import bench_members
    from twin.engine.lockstep import LockstepBatch
    from twin.ensemble.runner import _member_setup

    net = twin.load_network("medium-conduits")
    setups = [
        _member_setup(net, m, {"end_hours": hours}) for m in bench_members(members, seed=seed)
    ]
    got = {}
    inner = el.route_lockstep

    def keep(*args):
        got["args"] = args
        return inner(*args)

    el.route_lockstep = keep
    try:
        LockstepBatch(setups).run()
    finally:
        el.route_lockstep = inner
    return got["args"]


def phases(members: int, hours: float, passes: int, seed: int) -> dict:
    (_, dt, _, active, nodes, links, xsects, curves, options, _, _, _, ns, ls,
     _) = _snapshot(members, hours, seed)  # fmt: skip
    live = np.ones(ns.depth.shape[1], dtype=np.int64)
    live[active.shape[0] :] = 0
    calls = {
        "node_start": lambda r: _start(r, live, nodes, curves, options, ns),
        "conduit_momentum": lambda r: _conduits(r, dt, live, nodes, links, xsects, options, ns, ls),
        "sums_onto_nodes": lambda r: _sums(r, live, links, ns, ls),
        "outfall_depths": lambda r: _outfalls(r, live, nodes, links, xsects, ns, ls),
        "node_continuity": lambda r: _continuity(r, dt, live, nodes, curves, options, ns),
        "bypass_flags": lambda r: _bypass(r, live, links, ns, ls),
    }
    for f in calls.values():  # compile
        f(1)
    row = {}
    for name, f in calls.items():
        ls.bypassed[:] = 0.0  # every conduit routed, as in a step's first two passes
        t = time.process_time()
        f(passes)
        row[name] = 1e6 * (time.process_time() - t) / passes / members
    total = sum(row.values())
    return {"members": members, "dt_s": dt, "us_per_member_pass": row, "total_us": total,
            "share": {k: v / total for k, v in row.items()}}  # fmt: skip


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[4, 16, 64])
    p.add_argument("--hours", type=float, default=1.0, help="snapshot time (dry before 0.3 h)")
    p.add_argument("--passes", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path,
                   default=ROOT / "benchmarks" / "results" / "lockstep-phases.json")  # fmt: skip
    a = p.parse_args(argv)
    rows = []
    for m in a.sizes:
        row = phases(m, a.hours, a.passes, a.seed)
        print(json.dumps(row), flush=True)
        rows.append(row)
    doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "load_average": os.getloadavg(),
           "network": "medium-conduits", "rows": rows}  # fmt: skip
    a.out.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
