"""One dynamic-wave step of many members in lockstep: one step size, members innermost.

:func:`route_lockstep` does for members ``active`` what
:func:`twin.kernels.routing.step.route_step` does for one, with one ``dt`` for all:

1. per member, on its own bundles: the first half-step totals, link settings and
   lateral inflow (``_step_begin``), SWMM's routeFlow preamble (new -> old state),
   outfall stages, and the pass flags reset, as :mod:`twin.kernels.routing.dynwave`;
2. the Picard passes on the ``[element][member]`` state
   (:mod:`twin.kernels.lockstep.bundles`), copied in from the members' bundles: node
   surface areas, conduit momentum (:mod:`twin.kernels.lockstep.conduit`), the serial
   sums onto nodes in link order, outfall depths and node continuity
   (:mod:`twin.kernels.lockstep.node`), each an element loop around a member loop.
   Convergence is per member: a member whose nodes all converged (from the second
   pass on) stops changing, as SWMM's loop breaks; the others go on, with their
   converged links bypassed;
3. per member: the state copied back, capacity-limited conduits, and ``_step_finish``
   (totals, checks, heads, derived outputs).

Every member sees the operations of its own step, in the same order: routed with the
step sizes of its own run, a member's numbers are its run's, bit for bit.  Networks of
conduits only (no pumps, orifices, weirs, outlets, DUMMY links), without conduit
evaporation or seepage.  Units ft, ft3, cfs, s.
"""

import numpy as np

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.lockstep.conduit import conduit_flow_members
from twin.kernels.lockstep.node import set_node_depth_members, set_outfall_depths_members
from twin.kernels.routing.dynwave import mark_capacity_limited, start_step
from twin.kernels.routing.node import has_own_area, lateral_flows, node_flow_start
from twin.kernels.routing.step import _step_begin_conduits, _step_finish
from twin.kernels.view import view


@kernel(**JIT)
def _member_begin(t_s, dt, lateral, nodes, links, xsects, curves, options, node_state,
                  link_state, totals):  # fmt: skip
    """Step 1 for one member, on its own bundles."""
    nodes, links, xsects, curves, options = (view(nodes), view(links), view(xsects),
                                             view(curves), view(options))  # fmt: skip
    node_state, link_state, totals = view(node_state), view(link_state), view(totals)
    _step_begin_conduits(dt, lateral, nodes, links, xsects, curves, options, node_state,
                         link_state, totals)  # fmt: skip
    start_step(dt, t_s + dt, nodes, curves, node_state, link_state)


#: Rows copied at a time between the members' bundles and the columns: a block of
#: rows of every member's column stays in cache while each member's share is copied.
ROWS = 64


@kernel(**JIT)
def _copy(two_d, k, one_d, into_columns, i0):
    """Rows ``i0`` to ``i0 + ROWS`` of column ``k`` of ``two_d`` (n, M) from ``one_d``
    (n,), or back when not ``into_columns``."""
    i1 = min(i0 + ROWS, one_d.shape[0])
    if into_columns:
        for i in range(i0, i1):
            two_d[i, k] = one_d[i]
    else:
        for i in range(i0, i1):
            one_d[i] = two_d[i, k]


@kernel(**JIT)
def _exchange(k, node_state, link_state, ns, ls, into_columns, i0):
    """Copy rows ``i0`` to ``i0 + ROWS`` of member ``k``'s Picard state between its
    bundles and column ``k``."""
    a, b = view(node_state), view(link_state)
    _copy(ns.depth, k, a.depth, into_columns, i0)
    _copy(ns.depth_old, k, a.depth_old, into_columns, i0)
    _copy(ns.volume, k, a.volume, into_columns, i0)
    _copy(ns.volume_old, k, a.volume_old, into_columns, i0)
    _copy(ns.inflow, k, a.inflow, into_columns, i0)
    _copy(ns.outflow, k, a.outflow, into_columns, i0)
    _copy(ns.overflow, k, a.overflow, into_columns, i0)
    _copy(ns.lateral, k, a.lateral, into_columns, i0)
    _copy(ns.net_inflow_old, k, a.net_inflow_old, into_columns, i0)
    _copy(ns.losses, k, a.losses, into_columns, i0)
    _copy(ns.surf_area, k, a.surf_area, into_columns, i0)
    _copy(ns.surf_area_old, k, a.surf_area_old, into_columns, i0)
    _copy(ns.sum_dqdh, k, a.sum_dqdh, into_columns, i0)
    _copy(ns.dydt, k, a.dydt, into_columns, i0)
    _copy(ns.converged, k, a.converged, into_columns, i0)
    _copy(ns.stage, k, a.stage, into_columns, i0)
    _copy(ls.flow, k, b.flow, into_columns, i0)
    _copy(ls.flow_old, k, b.flow_old, into_columns, i0)
    _copy(ls.depth, k, b.depth, into_columns, i0)
    _copy(ls.volume, k, b.volume, into_columns, i0)
    _copy(ls.q1, k, b.q1, into_columns, i0)
    _copy(ls.q2, k, b.q2, into_columns, i0)
    _copy(ls.a1, k, b.a1, into_columns, i0)
    _copy(ls.a2, k, b.a2, into_columns, i0)
    _copy(ls.dqdh, k, b.dqdh, into_columns, i0)
    _copy(ls.froude, k, b.froude, into_columns, i0)
    _copy(ls.flow_class, k, b.flow_class, into_columns, i0)
    _copy(ls.bypassed, k, b.bypassed, into_columns, i0)
    _copy(ls.surf_area1, k, b.surf_area1, into_columns, i0)
    _copy(ls.surf_area2, k, b.surf_area2, into_columns, i0)
    _copy(ls.normal_flow_limited, k, b.normal_flow_limited, into_columns, i0)


@kernel(**JIT)
def _start_node(i, live, nodes, curves, options, ns):
    """A pass's start at node ``i`` for the live members (dead ones keep their numbers):
    surface area, inflow and outflow (:func:`~twin.kernels.routing.node.node_flow_start`),
    no dq/dh yet.  A node with no area of its own takes 0 without a call, in a loop
    of selects that LLVM vectorises."""
    if has_own_area(i, nodes, options):
        for k in range(live.shape[0]):
            if live[k] == 0:
                continue
            a, q_in, q_out = node_flow_start(
                i, ns.depth[i, k], ns.lateral[i, k], ns.losses[i, k], nodes, curves, options
            )
            ns.surf_area[i, k] = a
            ns.inflow[i, k] = q_in
            ns.outflow[i, k] = q_out
            ns.sum_dqdh[i, k] = 0.0
        return
    for k in range(live.shape[0]):
        on = live[k] != 0
        q_in, q_out = lateral_flows(ns.lateral[i, k], ns.losses[i, k])
        ns.surf_area[i, k] = 0.0 if on else ns.surf_area[i, k]
        ns.inflow[i, k] = q_in if on else ns.inflow[i, k]
        ns.outflow[i, k] = q_out if on else ns.outflow[i, k]
        ns.sum_dqdh[i, k] = 0.0 if on else ns.sum_dqdh[i, k]


@kernel(**JIT)
def _add_where(row, values, scale, live, sign):
    """``row[k] += values[k] * scale`` for the live members where ``sign`` (1: flow
    ``values[k] >= 0``, -1: not, 0: always); one array written, so that LLVM vectorises
    the loop (with more arrays its runtime overlap checks exceed its limit)."""
    for k in range(live.shape[0]):
        v = values[k]
        on = live[k] != 0
        if sign > 0:
            on = on and v >= 0.0
        elif sign < 0:
            on = on and not v >= 0.0
        r = row[k]
        row[k] = r + v * scale if on else r


@kernel(**JIT)
def _add_link_to_nodes(j, live, links, ns, ls):
    """Add link ``j``'s flow, end surface areas (times its barrels) and dq/dh to its end
    nodes, for the live members: SWMM's updateNodeFlows, as
    :func:`~twin.kernels.routing.dynwave._update_node_flows` does for one member (each
    node's sums keep their order; ``x + q * 1.0`` and ``x - q`` as ``x + q * -1.0`` are
    the same numbers)."""
    n1 = links.node1[j]
    n2 = links.node2[j]
    barrels = links.barrels[j]
    q = ls.flow[j]
    _add_where(ns.outflow[n1], q, 1.0, live, 1)
    _add_where(ns.inflow[n2], q, 1.0, live, 1)
    _add_where(ns.inflow[n1], q, -1.0, live, -1)
    _add_where(ns.outflow[n2], q, -1.0, live, -1)
    _add_where(ns.surf_area[n1], ls.surf_area1[j], barrels, live, 0)
    _add_where(ns.surf_area[n2], ls.surf_area2[j], barrels, live, 0)
    _add_where(ns.sum_dqdh[n1], ls.dqdh[j], 1.0, live, 0)
    _add_where(ns.sum_dqdh[n2], ls.dqdh[j], 1.0, live, 0)


@kernel(**JIT)
def picard_members(dt, live, passes, nodes, links, xsects, curves, options, ns, ls):
    """SWMM's Picard passes for every member with ``live[k]`` 1 (columns of ``ns``,
    ``ls``); writes each member's passes into ``passes[k]`` (negative: they ran out
    before its nodes converged).  ``live`` is changed (members drop out as they
    converge)."""
    n_nodes = ns.depth.shape[0]
    n_links = ls.flow.shape[0]
    n_members = live.shape[0]
    conv = np.ones(n_members, dtype=np.int64)
    steps = 0
    while steps < options.max_trials:
        going = 0
        for k in range(n_members):
            going += live[k]
        if going == 0:
            break
        for i in range(n_nodes):
            _start_node(i, live, nodes, curves, options, ns)
        for j in range(n_links):
            conduit_flow_members(j, steps, dt, live, nodes, links, xsects, options, ns, ls)
        for j in range(n_links):
            _add_link_to_nodes(j, live, links, ns, ls)
        set_outfall_depths_members(live, nodes, links, xsects, ns, ls)
        for k in range(n_members):
            conv[k] = 1
        for i in range(n_nodes):
            if nodes.kind[i] != NODE_OUTFALL:
                set_node_depth_members(i, steps, dt, live, nodes, curves, options, ns)
                for k in range(n_members):
                    conv[k] = 0 if ns.converged[i, k] == 0.0 else conv[k]
        steps += 1
        if steps > 1:
            for k in range(n_members):
                if live[k] == 1 and conv[k] == 1:
                    live[k] = 0
                    passes[k] = steps
            for j in range(n_links):
                n1 = links.node1[j]
                n2 = links.node2[j]
                for k in range(n_members):
                    both = ns.converged[n1, k] == 1.0 and ns.converged[n2, k] == 1.0
                    flag = 1.0 if both else 0.0
                    ls.bypassed[j, k] = ls.bypassed[j, k] if live[k] == 0 else flag
    for k in range(n_members):
        if live[k] == 1:
            passes[k] = steps if conv[k] == 1 else -steps


@kernel(**JIT)
def route_lockstep(t_s, dt, lateral, active, nodes, links, xsects, curves, options,
                   node_states, link_states, totals, ns, ls, out):  # fmt: skip
    """Route one step of ``dt`` s from ``t_s`` of every member in ``active`` (K,) int64.

    ``lateral`` (M, n_nodes) cfs; ``node_states``, ``link_states``, ``totals``: typed
    lists of each member's state bundles; ``ns``/``ls`` the ``[element][member]``
    state (:class:`~twin.kernels.lockstep.bundles.MembersNodeState`, at least K
    columns; member ``active[k]`` is column ``k``).  Writes ``out[m] = (passes,
    bad_node, bad_link)`` (M, 3) int64.
    """
    n_columns = ns.depth.shape[1]
    live = np.zeros(n_columns, dtype=np.int64)
    passes = np.zeros(n_columns, dtype=np.int64)
    vn, vl, vx, vc, vo = view(nodes), view(links), view(xsects), view(curves), view(options)
    vns, vls = view(ns), view(ls)
    for k in range(active.shape[0]):
        m = active[k]
        _member_begin(t_s, dt, lateral[m], vn, vl, vx, vc, vo, node_states[m], link_states[m],
                      totals[m])  # fmt: skip
        live[k] = 1
    rows = max(ns.depth.shape[0], ls.flow.shape[0])
    for i0 in range(0, rows, ROWS):
        for k in range(active.shape[0]):
            m = active[k]
            _exchange(k, node_states[m], link_states[m], vns, vls, True, i0)
    picard_members(dt, live, passes, vn, vl, vx, vc, vo, vns, vls)
    for i0 in range(0, rows, ROWS):
        for k in range(active.shape[0]):
            m = active[k]
            _exchange(k, node_states[m], link_states[m], vns, vls, False, i0)
    for k in range(active.shape[0]):
        m = active[k]
        a, b, c = view(node_states[m]), view(link_states[m]), view(totals[m])
        mark_capacity_limited(vn, vl, vx, a, b)
        bad_node, bad_link = _step_finish(dt, vn, vl, vx, vo, a, b, c)
        out[m, 0] = passes[k]
        out[m, 1] = bad_node
        out[m, 2] = bad_link
