"""Kinematic-wave routing (SWMM 5.2 ``kinwave.c`` and the KW part of ``flowrout.c``), ft/cfs.

Links are visited upstream to downstream (``links.upstream_order``).  Each conduit solves the
finite-difference continuity equation for its outlet area,

``beta1 S(a_out) + C1 a_out + C2 = 0``  (normalised by full area and flow,
time and distance weights 0.6), by a safeguarded Newton method; storage nodes are
updated by successive approximation before their outflow links; other nodes take
the volume balance, lose what exceeds their full volume, and get the depth of the
conduit ends they touch.
"""

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import (
    CONDUIT_LOSSES,
    FUDGE,
    KIND_CONDUIT,
    KIND_PUMP,
    MODE_STEADY,
    OMEGA,
)
from twin.kernels.routing.dynwave import begin_step
from twin.kernels.routing.losses import conduit_loss_rate_at_flow
from twin.kernels.routing.storage import storage_depth
from twin.kernels.structures.flows import link_inflow, node_outflow_to_link
from twin.kernels.structures.pumps import node_max_outflow
from twin.kernels.xsect.depths import area_at_sfactor
from twin.kernels.xsect.geometry import area_at_depth, depth_at_area, sfactor_at_area
from twin.kernels.xsect.slope import dsfactor_da

WX = 0.6
WT = 0.6
EPSIL = 0.001
TINY = 1.0e-6
MAX_NEWTON = 60
STORAGE_MAX_ITER = 10
STORAGE_STOP_TOL = 0.005


@kernel(**JIT)
def _continuity(a, xsects, j, beta1, c1, c2):
    a_full = xsects.a_full[j]
    f = beta1 * sfactor_at_area(xsects, j, a * a_full) + c1 * a + c2
    df = beta1 * a_full * dsfactor_da(xsects, j, a * a_full) + c1
    return f, df


@kernel(**JIT)
def _newton(x_lo, x_hi, x, xsects, j, beta1, c1, c2):
    """Safeguarded Newton-bisection (Numerical Recipes' rtsafe form) -> (root, evaluations)."""
    dx_old = abs(x_hi - x_lo)
    dx = dx_old
    f, df = _continuity(x, xsects, j, beta1, c1, c2)
    n = 1
    for _ in range(MAX_NEWTON):
        if ((x - x_hi) * df - f) * ((x - x_lo) * df - f) >= 0.0 or abs(2.0 * f) > abs(dx_old * df):
            dx_old = dx
            dx = 0.5 * (x_hi - x_lo)
            x = x_lo + dx
            if x_lo == x:
                break
        else:
            dx_old = dx
            dx = f / df
            tmp = x
            x -= dx
            if tmp == x:
                break
        if abs(dx) < EPSIL:
            break
        f, df = _continuity(x, xsects, j, beta1, c1, c2)
        n += 1
        if f < 0.0:
            x_lo = x
        else:
            x_hi = x
    return x, n


@kernel(**JIT)
def _solve_outlet_area(q_in, a_in, a_out, xsects, j, beta1, c1, c2):
    a_hi = 1.0
    f_hi = 1.0 + c1 + c2
    a_lo = xsects.a_max[j] / xsects.a_full[j]
    if a_lo < a_hi:
        f_lo = beta1 * xsects.s_max[j] + c1 * a_lo + c2
    else:
        f_lo = f_hi
    if f_hi * f_lo > 0.0:
        a_hi = a_lo
        f_hi = f_lo
        a_lo = 0.0
        f_lo = c2
    if f_hi * f_lo <= 0.0:
        if a_out < a_lo or a_out > a_hi:
            a_out = 0.5 * (a_lo + a_hi)
        if f_lo > f_hi:
            a_lo, a_hi = a_hi, a_lo
        a_out, _ = _newton(a_lo, a_hi, a_out, xsects, j, beta1, c1, c2)
        return a_out
    if f_lo < 0.0:
        return a_in if q_in > 1.0 else 1.0
    return 0.0


@kernel(**JIT)
def kinwave_conduit(j, q_inflow, dt, losses, links, xsects, link_state):
    """Route inflow ``q_inflow`` [cfs] through conduit ``j`` -> (inflow taken, outflow);
    with ``losses`` its evaporation and seepage leave along it (SWMM's q3)."""
    if links.true_conduit[j] == 0:
        return q_inflow, q_inflow
    q_full = links.q_full[j]
    a_full = xsects.a_full[j]
    barrels = links.barrels[j]
    beta1 = links.beta[j] / q_full
    q1 = link_state.q1[j] / q_full
    q2 = link_state.q2[j] / q_full
    q_in = q_inflow / barrels / q_full
    q3 = 0.0
    if losses:
        q3 = conduit_loss_rate_at_flow(j, q_in * q_full, links, xsects, link_state) / q_full
    a1 = link_state.a1[j] / a_full
    a2 = link_state.a2[j] / a_full
    if q_in >= 1.0:
        a_in = 1.0
    else:
        a_in = area_at_sfactor(xsects, j, q_in / beta1) / a_full
    if q_in <= TINY and q2 <= TINY:
        q_out = 0.0
        a_out = 0.0
    else:
        dxdt = links.length[j] / dt * a_full / q_full
        dq = q2 - q1
        c1 = dxdt * WT / WX
        c2 = ((1.0 - WT) * (a_in - a1) - WT * a2) * dxdt / WX
        c2 = c2 + (1.0 - WX) / WX * dq - q_in
        if losses:
            c2 = c2 + q3 / WX
        a_out = _solve_outlet_area(q_in, a_in, a2, xsects, j, beta1, c1, c2)
        q_out = beta1 * sfactor_at_area(xsects, j, a_out * a_full)
        if q_in > 1.0:
            q_in = 1.0
    link_state.q1[j] = q_in * q_full
    link_state.a1[j] = a_in * a_full
    link_state.q2[j] = q_out * q_full
    link_state.a2[j] = a_out * a_full
    return link_state.q1[j] * barrels, link_state.q2[j] * barrels


@kernel(**JIT)
def steady_conduit(j, q_inflow, losses, links, xsects, link_state):
    """Steady-flow routing of conduit ``j``: outflow = inflow less its evaporation and
    seepage (with ``losses``), capped at full flow."""
    if links.true_conduit[j] == 0:
        link_state.a1[j] = 0.0
        link_state.a2[j] = 0.0
        return q_inflow, q_inflow
    barrels = links.barrels[j]
    q = q_inflow / barrels
    if losses:
        q -= conduit_loss_rate_at_flow(j, q, links, xsects, link_state)
    if q > links.q_full[j]:
        q = links.q_full[j]
        a = xsects.a_full[j]
        q_inflow = q * barrels
    else:
        a = area_at_sfactor(xsects, j, q / links.beta[j])
    link_state.a1[j] = a
    link_state.a2[j] = a
    link_state.q1[j] = q
    link_state.q2[j] = q
    return q_inflow, q * barrels


@kernel(**JIT)
def _link_inflow(j, dt, nodes, links, xsects, curves, options, node_state, link_state):
    """Flow offered to link ``j`` by its upstream node, limited by what the node holds.

    SWMM's getLinkInflow: conduits and pumps take their inflow, regulators only
    from storage units (elsewhere they pass nothing under kinematic wave).
    """
    n1 = links.node1[j]
    kind = links.kind[j]
    q = 0.0
    if nodes.kind[n1] == NODE_STORAGE and kind == KIND_CONDUIT:
        if link_state.setting[j] != 0.0 and links.true_conduit[j] == 1:
            y = node_state.depth[n1] - links.offset1[j]
            if y >= xsects.y_full[j]:
                q = links.q_full[j]
            elif y > 0.0:
                a = area_at_depth(xsects, j, y)
                q = links.beta[j] * sfactor_at_area(xsects, j, a)
        if links.q_limit[j] > 0.0:
            q = min(q, links.q_limit[j])
    elif kind == KIND_CONDUIT:
        if link_state.setting[j] != 0.0:
            q = node_outflow_to_link(n1, j, nodes, curves, options, node_state)
        if links.q_limit[j] > 0.0:
            q = min(q, links.q_limit[j])
    elif kind == KIND_PUMP or nodes.kind[n1] == NODE_STORAGE:
        q = link_inflow(j, False, nodes, links, xsects, curves, options, node_state, link_state)
    return node_max_outflow(n1, q, dt, nodes, node_state)


@kernel(**JIT)
def _update_storage(i, pos, dt, nodes, links, xsects, curves, options, node_state, link_state):
    """Storage node ``i``'s volume and depth by successive approximation, with the
    outflow of its links from position ``pos`` of ``links.upstream_order`` on."""
    order = links.upstream_order
    v_fixed = (
        node_state.volume_old[i]
        + 0.5 * (node_state.net_inflow_old[i] + node_state.inflow[i] - node_state.outflow[i]) * dt
    )
    d1 = node_state.depth[i]
    full_v = nodes.full_volume[i]
    for _ in range(1, STORAGE_MAX_ITER):
        out = 0.0
        for k in range(pos, order.shape[0]):
            m = order[k]
            if links.node1[m] != i:
                break
            out += _link_inflow(m, dt, nodes, links, xsects, curves, options, node_state,
                                link_state)  # fmt: skip
        v2 = max(0.0, v_fixed - 0.5 * out * dt)
        node_state.overflow[i] = 0.0
        if v2 > full_v:
            ov = (v2 - max(node_state.volume_old[i], full_v)) / dt
            node_state.overflow[i] = ov if ov >= FUDGE else 0.0
            if not options.ponding or nodes.ponded_area[i] == 0.0:
                v2 = full_v
        node_state.volume[i] = v2
        d2 = storage_depth(i, v2, nodes, curves)
        node_state.depth[i] = d2
        d2 = (1.0 - OMEGA) * d1 + OMEGA * d2
        stop = abs(d2 - d1) <= STORAGE_STOP_TOL
        d1 = d2
        if stop:
            break


@kernel(**JIT)
def _raise_node_depth(i, y, nodes, node_state):
    if nodes.kind[i] == NODE_STORAGE:
        return
    if nodes.kind[i] != NODE_OUTFALL and nodes.degree[i] > 0 and node_state.overflow[i] > 0.0:
        y = nodes.full_depth[i]
    if node_state.depth[i] < y:
        node_state.depth[i] = y
        if nodes.full_depth[i] > 0.0 and y > nodes.full_depth[i]:
            node_state.depth[i] = nodes.full_depth[i]


@kernel(**JIT)
def kinwave_step(dt, nodes, links, xsects, curves, options, node_state, link_state):
    """Route one kinematic-wave step (steady flow when ``options.mode`` says so) of
    ``dt`` seconds; returns 1 (one pass).

    Links are visited in ``links.upstream_order``.
    """
    steady = options.mode == MODE_STEADY
    losses = CONDUIT_LOSSES and options.conduit_losses != 0
    order = links.upstream_order
    n_nodes = node_state.depth.shape[0]
    begin_step(dt, nodes, node_state, link_state)
    updated = node_state.losses * 0.0  # scratch flags, one small array per step
    for i in range(n_nodes):
        node_state.overflow[i] = 0.0
        if nodes.kind[i] != NODE_STORAGE and node_state.volume[i] > nodes.full_volume[i]:
            node_state.overflow[i] = (node_state.volume[i] - nodes.full_volume[i]) / dt
    for pos in range(order.shape[0]):
        j = order[pos]
        n1 = links.node1[j]
        if nodes.kind[n1] == NODE_STORAGE and updated[n1] == 0.0:
            _update_storage(n1, pos, dt, nodes, links, xsects, curves, options, node_state,
                            link_state)  # fmt: skip
            updated[n1] = 1.0
        q_in = _link_inflow(j, dt, nodes, links, xsects, curves, options, node_state, link_state)
        if steady:
            q_in, q_out = steady_conduit(j, q_in, losses, links, xsects, link_state)
        else:
            q_in, q_out = kinwave_conduit(j, q_in, dt, losses, links, xsects, link_state)
        link_state.flow[j] = q_out
        node_state.outflow[n1] += q_in
        node_state.inflow[links.node2[j]] += q_out
    for i in range(n_nodes):
        if nodes.kind[i] == NODE_STORAGE:
            if updated[i] == 0.0:
                _update_storage(i, order.shape[0], dt, nodes, links, xsects, curves, options,
                                node_state, link_state)  # fmt: skip
            continue
        net = node_state.inflow[i] - node_state.outflow[i] - node_state.losses[i]
        v = node_state.volume_old[i] + net * dt
        if v < FUDGE:
            v = 0.0
        node_state.overflow[i] = 0.0
        full_v = nodes.full_volume[i]
        can_pond = options.ponding and nodes.ponded_area[i] > 0.0
        if v > full_v:
            ov = (v - max(node_state.volume_old[i], full_v)) / dt
            node_state.overflow[i] = ov if ov >= FUDGE else 0.0
            if not can_pond:
                v = full_v
        node_state.volume[i] = v
        node_state.depth[i] = 0.0
    for j in range(link_state.flow.shape[0]):
        link_state.depth[j] = 0.0
        link_state.volume[j] = 0.0
        if links.true_conduit[j] == 0:
            if links.kind[j] == KIND_CONDUIT:  # DUMMY: no area, yet SWMM's setNewLinkState
                _raise_node_depth(links.node1[j], links.offset1[j], nodes, node_state)
                _raise_node_depth(links.node2[j], links.offset2[j], nodes, node_state)
            continue
        a1 = link_state.a1[j]
        a2 = link_state.a2[j]
        link_state.volume[j] = 0.5 * (a1 + a2) * links.length[j] * links.barrels[j]
        y1 = depth_at_area(xsects, j, a1)
        y2 = depth_at_area(xsects, j, a2)
        link_state.depth[j] = 0.5 * (y1 + y2)
        _raise_node_depth(links.node1[j], y1 + links.offset1[j], nodes, node_state)
        _raise_node_depth(links.node2[j], y2 + links.offset2[j], nodes, node_state)
    return 1
