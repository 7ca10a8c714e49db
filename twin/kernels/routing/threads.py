"""The dynamic-wave routing step on several threads, bit for bit the serial step's numbers.

:func:`route_step_threads` is :func:`twin.kernels.routing.step.route_step` (dynamic
wave only) with the per-element loops of each Picard pass on numba's thread pool:
the node surface areas, the conduit momentum (:func:`~twin.kernels.routing.conduit.conduit_flow`,
one conduit per iteration, writing only its own column of ``link_state``), the node
continuity (:func:`~twin.kernels.routing.node.set_node_depth`, one node per iteration,
writing only its own column of ``node_state`` and its own convergence flag) and the
link bypass flags.  What gathers from many elements stays serial and in the serial
order: the scatter of link flows, areas and dq/dh onto nodes (sums in link order),
the non-conduit links, the outfall depths and the convergence reduction over the
per-node flags.  So every floating-point operation is the one the serial kernel does,
and the results are identical whatever the number of threads.

Safety: these kernels are parallel and therefore **not cached** (``cache=False``):
a cached function that calls a parallel one can crash on a warm cache (numba issue
8578).  The serial kernels they call are cached as usual; no cached kernel calls
anything from this module.  :class:`twin.engine.routing.Router` calls
:func:`route_step_threads` straight from Python, only when threads are asked for and
the network is large enough to gain from them.  Units ft, ft3, cfs, s.
"""

from numba import njit, prange

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.routing.boundary import outfall_stages, set_outfall_depths
from twin.kernels.routing.conduit import conduit_flow
from twin.kernels.routing.dynwave import _update_node_flows, begin_step, mark_capacity_limited
from twin.kernels.routing.layout import (
    LI_N1,
    LI_N2,
    LI_TRUE_CONDUIT,
    LP_BARRELS,
    LS_A1,
    LS_A2,
    LS_BYPASSED,
    LS_SURF1,
    LS_SURF2,
    ND_CONVERGED,
    ND_DEPTH,
    ND_DYDT,
    ND_INFLOW,
    ND_LAT,
    ND_LOSSES,
    ND_OUTFLOW,
    ND_SUMDQDH,
    ND_SURF_NEW,
    NI_KIND,
    OF_HEAD_TOL,
    OI_MAX_TRIALS,
    OI_PONDING,
    OMEGA,
)
from twin.kernels.routing.node import ponded_surface_area, set_node_depth
from twin.kernels.routing.step import MODE_DYNWAVE, step_begin, step_finish
from twin.kernels.routing.storage import node_surface_area
from twin.kernels.structures.flows import nonconduit_flow

#: Settings of the parallel kernels: never cached (see the module notes).
JIT_THREADS = dict(JIT, parallel=True, cache=False)


@njit(**JIT_THREADS)
def dynwave_step_threads(
    dt, t_end_s, node_par, node_int, link_par, link_int, xs, tables, curve_start, curve_x,
    curve_y, node_state, link_state, stage_at_node, opt_f, opt_i,
):  # fmt: skip
    """:func:`twin.kernels.routing.dynwave.dynwave_step` with its per-element loops in ``prange``.

    Same arguments, same result (Picard passes, negative when they ran out) and the
    same numbers in ``node_state`` / ``link_state``.
    """
    n_nodes = node_state.shape[1]
    n_links = link_state.shape[1]
    head_tol = opt_f[OF_HEAD_TOL]
    ponding = opt_i[OI_PONDING] == 1
    max_trials = opt_i[OI_MAX_TRIALS]
    begin_step(dt, node_par, node_int, node_state, link_state)
    outfall_stages(t_end_s, node_par, node_int, curve_start, curve_x, curve_y, stage_at_node)
    for i in range(n_nodes):
        node_state[ND_CONVERGED, i] = 0.0
        node_state[ND_DYDT, i] = 0.0
    for j in range(n_links):
        link_state[LS_BYPASSED, j] = 0.0
        link_state[LS_SURF1, j] = 0.0
        link_state[LS_SURF2, j] = 0.0
        link_state[LS_A2, j] = link_state[LS_A1, j]
    steps = 0
    converged = False
    while steps < max_trials:
        # node surface areas and flow balances start afresh (per node)
        for i in prange(n_nodes):
            d = node_state[ND_DEPTH, i]
            if ponding:
                a = ponded_surface_area(i, d, node_par, node_int, curve_start, curve_x, curve_y)
            else:
                a = node_surface_area(i, d, node_par, node_int, curve_start, curve_x, curve_y)
            node_state[ND_SURF_NEW, i] = a
            node_state[ND_INFLOW, i] = 0.0
            node_state[ND_OUTFLOW, i] = node_state[ND_LOSSES, i]
            lat = node_state[ND_LAT, i]
            if lat >= 0.0:
                node_state[ND_INFLOW, i] += lat
            else:
                node_state[ND_OUTFLOW, i] -= lat
            node_state[ND_SUMDQDH, i] = 0.0
        # conduit momentum (per conduit: reads node depths, writes its own column)
        for j in prange(n_links):
            if link_int[j, LI_TRUE_CONDUIT] == 1 and link_state[LS_BYPASSED, j] == 0.0:
                conduit_flow(
                    j, steps, OMEGA, dt, node_par, node_int, link_par, link_int, xs, tables,
                    node_state, link_state, opt_f, opt_i,
                )  # fmt: skip
        # serial, in link order: the sums onto nodes, then the other links
        for j in range(n_links):
            if link_int[j, LI_TRUE_CONDUIT] == 1:
                _update_node_flows(
                    j, link_par, link_int, node_state, link_state, link_par[j, LP_BARRELS]
                )
        for j in range(n_links):
            if link_int[j, LI_TRUE_CONDUIT] == 0:
                if link_state[LS_BYPASSED, j] == 0.0:
                    nonconduit_flow(
                        j, steps, OMEGA, dt, node_par, node_int, link_par, link_int, xs,
                        tables, node_state, link_state, curve_start, curve_x, curve_y, opt_f,
                    )  # fmt: skip
                _update_node_flows(j, link_par, link_int, node_state, link_state, 1.0)
        set_outfall_depths(
            node_par, node_int, link_par, link_int, xs, tables, link_state, node_state,
            stage_at_node,
        )  # fmt: skip
        # node continuity (per node, with its own convergence flag)
        for i in prange(n_nodes):
            if node_int[i, NI_KIND] != NODE_OUTFALL:
                y_prev = node_state[ND_DEPTH, i]
                set_node_depth(
                    i, steps, OMEGA, dt, node_par, node_int, node_state, opt_f, opt_i,
                    curve_start, curve_x, curve_y,
                )  # fmt: skip
                if abs(y_prev - node_state[ND_DEPTH, i]) > head_tol:
                    node_state[ND_CONVERGED, i] = 0.0
                else:
                    node_state[ND_CONVERGED, i] = 1.0
        converged = True
        for i in range(n_nodes):
            if node_int[i, NI_KIND] != NODE_OUTFALL and node_state[ND_CONVERGED, i] == 0.0:
                converged = False
                break
        steps += 1
        if steps > 1:
            if converged:
                break
            for j in prange(n_links):
                n1 = link_int[j, LI_N1]
                n2 = link_int[j, LI_N2]
                if node_state[ND_CONVERGED, n1] == 1.0 and node_state[ND_CONVERGED, n2] == 1.0:
                    link_state[LS_BYPASSED, j] = 1.0
                else:
                    link_state[LS_BYPASSED, j] = 0.0
    mark_capacity_limited(node_par, link_par, link_int, xs, node_state, link_state)
    return steps if converged else -steps


@njit(**dict(JIT, cache=False))  # serial glue around the parallel passes, not cached
def route_step_threads(
    mode, t_s, dt, lateral, node_par, node_int, link_par, link_int, xs, tables, curve_start,
    curve_x, curve_y, node_state, link_state, stage_at_node, opt_f, opt_i, order, ponding,
    runaway_ft, acc, rates, inflow_vol, outflow_vol, head_at_node, ponded_at_node, velocity,
    capacity, scratch_flow, scratch_depth,
):  # fmt: skip
    """:func:`twin.kernels.routing.step.route_step` for ``mode == MODE_DYNWAVE`` on threads.

    Same arguments and result ``(passes, bad_node, bad_link)``; ``order`` is unused
    (kinematic wave and steady flow stay on the serial kernel).  Threads: numba's
    current setting (``numba.set_num_threads``).
    """
    step_begin(
        dt, lateral, node_par, node_int, link_par, link_int, xs, tables, curve_start, curve_x,
        curve_y, node_state, link_state, opt_f, acc, inflow_vol, outflow_vol,
    )  # fmt: skip
    steps = dynwave_step_threads(
        dt, t_s + dt, node_par, node_int, link_par, link_int, xs, tables, curve_start,
        curve_x, curve_y, node_state, link_state, stage_at_node, opt_f, opt_i,
    )  # fmt: skip
    bad_node, bad_link = step_finish(
        MODE_DYNWAVE, dt, node_par, node_int, link_par, link_int, xs, tables, node_state,
        link_state, ponding, runaway_ft, acc, rates, inflow_vol, outflow_vol, head_at_node,
        ponded_at_node, velocity, capacity, scratch_flow, scratch_depth,
    )  # fmt: skip
    return steps, bad_node, bad_link
