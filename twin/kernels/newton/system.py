"""The bundles the Newton solver carries besides the router's network and state.

:class:`NodeSystem` is the symbolic factorisation of the node system (made once per
network by :mod:`twin.engine.newton_system`); :class:`NewtonWork` holds the numbers
of the iterations and of the step controller.  Both are bundles
(:mod:`twin.kernels.bundle`): a kernel reads ``work.dqdh_up[j]`` and a swapped
argument is a typing error.  Units ft, ft2, cfs, s.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.experimental import structref

from twin.kernels.bundle import Bundle, Field, bind

__all__ = ["NewtonWork", "NodeSystem", "new_work"]

F, I = "float64", "int64"


@structref.register
class NodeSystemType(types.StructRef):
    pass


class NodeSystem(Bundle):
    """Elimination order and symbolic LU (see :mod:`twin.kernels.newton.sparse_lu`)."""

    fields = (
        Field(
            "position_of_node", I, "index", "position of node i in the elimination order", "node"
        ),  # fmt: skip
        Field("edge_second", I, "index", "later position of edge e", "edge"),
        Field("pivot_start", I, "index", "CSR offsets of each pivot's later edges", "node+1"),
        Field("pivot_edges", I, "index", "the edges of each pivot to later positions", "edge"),
        Field("pair_start", I, "index", "CSR offsets of each pivot's edge pairs", "node+1"),
        Field("pair_target", I, "index", "edge updated by each pair of a pivot's edges", "pair"),
        Field(
            "edge_of_link", I, "index", "edge of link j, -1 when both ends are one node", "link"
        ),  # fmt: skip
    )


bind(NodeSystem, NodeSystemType)


@structref.register
class NewtonWorkType(types.StructRef):
    pass


class NewtonWork(Bundle):
    """Scratch and carried numbers of the Newton solver."""

    fields = (
        Field("dqdh_up", F, "cfs/ft", "d flow / d upstream head", "link"),
        Field("dqdh_dn", F, "cfs/ft", "d flow / d downstream head", "link"),
        Field("q_prev", F, "cfs", "flow at the start of the previous step", "link"),
        Field("a_prev", F, "ft2", "mid-conduit area at the start of the previous step", "link"),
        Field("restart", F, "-", "1: conduit j integrates this step by backward Euler", "link"),
        Field("diag", F, "ft2", "Jacobian diagonal by position", "node"),
        Field("upper", F, "ft2", "Jacobian A[p, q], p < q", "edge"),
        Field("lower", F, "ft2", "Jacobian A[q, p]", "edge"),
        Field("rhs", F, "ft3|ft", "minus the residual by position, then the head change", "node"),
        Field("dh", F, "ft", "head change applied to node i by the last iteration", "node"),
        Field("mode", F, "code", "MODE_* of node i this iteration", "node"),
        Field("rate_old", F, "ft/s", "dy/dt of node i over the previous step", "node"),
        Field("turn_depth", F, "ft", "depth of node i where its head last turned", "node"),
        Field("rise", F, "-", "sign of node i's last nonzero head rate (+1, -1; 0: none)", "node"),
        Field("since_turn", F, "s", "time since node i's head last turned", "node"),
        Field("steps_since_turn", F, "-", "steps since node i's head last turned", "node"),
        Field("half_period", F, "s", "node i's last half period of oscillation, 0: none", "node"),
        Field("jumped", F, "-", "steps node i's local error is left out (a flow jumped)", "node"),
        Field("stats", F, "-", "the last step's numbers (STAT_*)", "stat"),
    )


bind(NewtonWork, NewtonWorkType)

STAT_ITERATIONS = 0  # Newton iterations of the last step (negative: not converged)
STAT_MAX_DH = 1  # largest head change of its last iteration [ft]
STAT_MAX_DH_NODE = 2  # the node that made it
STAT_LINK_EVALS = 3  # conduit evaluations since the start
STAT_ERROR = 4  # local error estimate of the last step, relative to the tolerance
STAT_ERROR_NODE = 5  # the node with the largest error
STAT_DT_PREV = 6  # the previous step [s] (0 before the first)
STAT_LIMIT_KIND = 7  # what limited the next step (LIMIT_*)
STAT_LIMIT_ELEMENT = 8  # the node or link that did
STAT_LAST_DT = 9  # the step the router took last [s] (0 before the first)
STAT_MIN_ASKED = 10  # what asked for less than the minimum step (LIMIT_*), when it was
N_STATS = 11

MODE_FREE = 0.0  # free surface: storage A (y - y_old) = trapezoidal inflow
MODE_SURCHARGED = 1.0  # EXTRAN surcharge: inflow = outflow
MODE_FIXED = 2.0  # head held: an outfall
MODE_FLOODED = 3.0  # a node flooding at its top (head held)


def new_work(n_nodes: int, n_links: int, n_edges: int) -> NewtonWork:
    """Zeroed work arrays for a network of that size."""
    sizes = {"node": n_nodes, "link": n_links, "edge": n_edges, "stat": N_STATS}
    return NewtonWork.new(sizes)


def as_int64(a) -> np.ndarray:
    """A C-contiguous int64 copy of ``a`` (what the NodeSystem fields hold)."""
    return np.ascontiguousarray(a, dtype=np.int64)
