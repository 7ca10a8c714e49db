"""Kinematic-wave routing (SWMM 5.2 ``kinwave.c`` and the KW part of ``flowrout.c``), ft/cfs.

Links are visited upstream to downstream (``order``).  Each conduit solves the
finite-difference continuity equation for its outlet area,

``beta1 S(a_out) + C1 a_out + C2 = 0``  (normalised by full area and flow,
time and distance weights 0.6), by a safeguarded Newton method; storage nodes are
updated by successive approximation before their outflow links; other nodes take
the volume balance, lose what exceeds their full volume, and get the depth of the
conduit ends they touch.
"""

from numba import njit

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.routing.dynwave import begin_step
from twin.kernels.routing.layout import (
    FUDGE,
    KIND_CONDUIT,
    KIND_PUMP,
    LI_KIND,
    LI_N1,
    LI_N2,
    LI_SHAPE,
    LI_TRUE_CONDUIT,
    LP_BARRELS,
    LP_BETA,
    LP_LENGTH,
    LP_OFFSET1,
    LP_OFFSET2,
    LP_QFULL,
    LP_QLIMIT,
    LS_A1,
    LS_A2,
    LS_DEPTH,
    LS_FLOW,
    LS_Q1,
    LS_Q2,
    LS_SETTING,
    LS_VOLUME,
    ND_DEPTH,
    ND_INFLOW,
    ND_LOSSES,
    ND_OLD_NET_INFLOW,
    ND_OUTFLOW,
    ND_OVERFLOW,
    ND_VOLUME,
    ND_VOLUME_OLD,
    NI_DEGREE,
    NI_KIND,
    NP_FULL_DEPTH,
    NP_FULL_VOLUME,
    NP_PONDED_AREA,
    OMEGA,
)
from twin.kernels.routing.storage import storage_depth
from twin.kernels.structures.flows import link_inflow, node_outflow_to_link
from twin.kernels.structures.pumps import node_max_outflow
from twin.kernels.xsect import (
    P_AFULL,
    P_AMAX,
    P_SMAX,
    P_YFULL,
    area_at_depth,
    area_at_sfactor,
    depth_at_area,
    dsfactor_da,
    sfactor_at_area,
)

WX = 0.6
WT = 0.6
EPSIL = 0.001
TINY = 1.0e-6
MAX_NEWTON = 60
STORAGE_MAX_ITER = 10
STORAGE_STOP_TOL = 0.005


@njit(**JIT)
def _continuity(a, shape, xj, tables, beta1, c1, c2):
    a_full = xj[P_AFULL]
    f = beta1 * sfactor_at_area(shape, xj, tables, a * a_full) + c1 * a + c2
    df = beta1 * a_full * dsfactor_da(shape, xj, tables, a * a_full) + c1
    return f, df


@njit(**JIT)
def _newton(x_lo, x_hi, x, shape, xj, tables, beta1, c1, c2):
    """Safeguarded Newton-bisection (Numerical Recipes' rtsafe form) -> (root, evaluations)."""
    dx_old = abs(x_hi - x_lo)
    dx = dx_old
    f, df = _continuity(x, shape, xj, tables, beta1, c1, c2)
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
        f, df = _continuity(x, shape, xj, tables, beta1, c1, c2)
        n += 1
        if f < 0.0:
            x_lo = x
        else:
            x_hi = x
    return x, n


@njit(**JIT)
def _solve_outlet_area(q_in, a_in, a_out, shape, xj, tables, beta1, c1, c2):
    a_hi = 1.0
    f_hi = 1.0 + c1 + c2
    a_lo = xj[P_AMAX] / xj[P_AFULL]
    if a_lo < a_hi:
        f_lo = beta1 * xj[P_SMAX] + c1 * a_lo + c2
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
        a_out, _ = _newton(a_lo, a_hi, a_out, shape, xj, tables, beta1, c1, c2)
        return a_out
    if f_lo < 0.0:
        return a_in if q_in > 1.0 else 1.0
    return 0.0


@njit(**JIT)
def kinwave_conduit(j, q_inflow, dt, link_par, link_int, xs, tables, link_state):
    """Route inflow ``q_inflow`` [cfs] through conduit ``j`` -> (inflow taken, outflow)."""
    if link_int[j, LI_TRUE_CONDUIT] == 0:
        return q_inflow, q_inflow
    shape = link_int[j, LI_SHAPE]
    xj = xs[j]
    q_full = link_par[j, LP_QFULL]
    a_full = xj[P_AFULL]
    barrels = link_par[j, LP_BARRELS]
    beta1 = link_par[j, LP_BETA] / q_full
    q1 = link_state[LS_Q1, j] / q_full
    q2 = link_state[LS_Q2, j] / q_full
    q_in = q_inflow / barrels / q_full
    a1 = link_state[LS_A1, j] / a_full
    a2 = link_state[LS_A2, j] / a_full
    if q_in >= 1.0:
        a_in = 1.0
    else:
        a_in = area_at_sfactor(shape, xj, tables, q_in / beta1) / a_full
    if q_in <= TINY and q2 <= TINY:
        q_out = 0.0
        a_out = 0.0
    else:
        dxdt = link_par[j, LP_LENGTH] / dt * a_full / q_full
        dq = q2 - q1
        c1 = dxdt * WT / WX
        c2 = ((1.0 - WT) * (a_in - a1) - WT * a2) * dxdt / WX
        c2 = c2 + (1.0 - WX) / WX * dq - q_in
        a_out = _solve_outlet_area(q_in, a_in, a2, shape, xj, tables, beta1, c1, c2)
        q_out = beta1 * sfactor_at_area(shape, xj, tables, a_out * a_full)
        if q_in > 1.0:
            q_in = 1.0
    link_state[LS_Q1, j] = q_in * q_full
    link_state[LS_A1, j] = a_in * a_full
    link_state[LS_Q2, j] = q_out * q_full
    link_state[LS_A2, j] = a_out * a_full
    return link_state[LS_Q1, j] * barrels, link_state[LS_Q2, j] * barrels


@njit(**JIT)
def steady_conduit(j, q_inflow, link_par, link_int, xs, tables, link_state):
    """Steady-flow routing of conduit ``j``: outflow = inflow, capped at full flow."""
    if link_int[j, LI_TRUE_CONDUIT] == 0:
        link_state[LS_A1, j] = 0.0
        link_state[LS_A2, j] = 0.0
        return q_inflow, q_inflow
    barrels = link_par[j, LP_BARRELS]
    q = q_inflow / barrels
    if q > link_par[j, LP_QFULL]:
        q = link_par[j, LP_QFULL]
        a = xs[j, P_AFULL]
        q_inflow = q * barrels
    else:
        a = area_at_sfactor(link_int[j, LI_SHAPE], xs[j], tables, q / link_par[j, LP_BETA])
    link_state[LS_A1, j] = a
    link_state[LS_A2, j] = a
    link_state[LS_Q1, j] = q
    link_state[LS_Q2, j] = q
    return q_inflow, q * barrels


@njit(**JIT)
def _link_inflow(
    j,
    dt,
    node_par,
    node_int,
    link_par,
    link_int,
    xs,
    tables,
    node_state,
    link_state,
    curve_start,
    curve_x,
    curve_y,
    opt_f,
):
    """Flow offered to link ``j`` by its upstream node, limited by what the node holds.

    SWMM's getLinkInflow: conduits and pumps take their inflow, regulators only
    from storage units (elsewhere they pass nothing under kinematic wave).
    """
    n1 = link_int[j, LI_N1]
    kind = link_int[j, LI_KIND]
    q = 0.0
    if node_int[n1, NI_KIND] == NODE_STORAGE and kind == KIND_CONDUIT:
        if link_state[LS_SETTING, j] != 0.0 and link_int[j, LI_TRUE_CONDUIT] == 1:
            y = node_state[ND_DEPTH, n1] - link_par[j, LP_OFFSET1]
            if y >= xs[j, P_YFULL]:
                q = link_par[j, LP_QFULL]
            elif y > 0.0:
                a = area_at_depth(link_int[j, LI_SHAPE], xs[j], tables, y)
                q = link_par[j, LP_BETA] * sfactor_at_area(link_int[j, LI_SHAPE], xs[j], tables, a)
        if link_par[j, LP_QLIMIT] > 0.0:
            q = min(q, link_par[j, LP_QLIMIT])
    elif kind == KIND_CONDUIT:
        if link_state[LS_SETTING, j] != 0.0:
            q = node_outflow_to_link(
                n1, j, node_par, node_int, node_state, curve_start, curve_x, curve_y, opt_f
            )
        if link_par[j, LP_QLIMIT] > 0.0:
            q = min(q, link_par[j, LP_QLIMIT])
    elif kind == KIND_PUMP or node_int[n1, NI_KIND] == NODE_STORAGE:
        q = link_inflow(
            j,
            False,
            node_par,
            node_int,
            link_par,
            link_int,
            xs,
            tables,
            node_state,
            link_state,
            curve_start,
            curve_x,
            curve_y,
            opt_f,
        )
    return node_max_outflow(n1, q, dt, node_par, node_state)


@njit(**JIT)
def _update_storage(
    i,
    pos,
    dt,
    ponding,
    node_par,
    node_int,
    link_par,
    link_int,
    xs,
    tables,
    curve_start,
    curve_x,
    curve_y,
    node_state,
    order,
    link_state,
    opt_f,
):
    v_fixed = (
        node_state[ND_VOLUME_OLD, i]
        + 0.5
        * (node_state[ND_OLD_NET_INFLOW, i] + node_state[ND_INFLOW, i] - node_state[ND_OUTFLOW, i])
        * dt
    )
    d1 = node_state[ND_DEPTH, i]
    full_v = node_par[i, NP_FULL_VOLUME]
    for _ in range(1, STORAGE_MAX_ITER):
        out = 0.0
        for k in range(pos, order.shape[0]):
            m = order[k]
            if link_int[m, LI_N1] != i:
                break
            out += _link_inflow(
                m,
                dt,
                node_par,
                node_int,
                link_par,
                link_int,
                xs,
                tables,
                node_state,
                link_state,
                curve_start,
                curve_x,
                curve_y,
                opt_f,
            )
        v2 = max(0.0, v_fixed - 0.5 * out * dt)
        node_state[ND_OVERFLOW, i] = 0.0
        if v2 > full_v:
            ov = (v2 - max(node_state[ND_VOLUME_OLD, i], full_v)) / dt
            node_state[ND_OVERFLOW, i] = ov if ov >= FUDGE else 0.0
            if not ponding or node_par[i, NP_PONDED_AREA] == 0.0:
                v2 = full_v
        node_state[ND_VOLUME, i] = v2
        d2 = storage_depth(i, v2, node_par, node_int, curve_start, curve_x, curve_y)
        node_state[ND_DEPTH, i] = d2
        d2 = (1.0 - OMEGA) * d1 + OMEGA * d2
        stop = abs(d2 - d1) <= STORAGE_STOP_TOL
        d1 = d2
        if stop:
            break


@njit(**JIT)
def _raise_node_depth(i, y, node_par, node_int, node_state):
    if node_int[i, NI_KIND] == NODE_STORAGE:
        return
    if (
        node_int[i, NI_KIND] != NODE_OUTFALL
        and node_int[i, NI_DEGREE] > 0
        and node_state[ND_OVERFLOW, i] > 0.0
    ):
        y = node_par[i, NP_FULL_DEPTH]
    if node_state[ND_DEPTH, i] < y:
        node_state[ND_DEPTH, i] = y
        if node_par[i, NP_FULL_DEPTH] > 0.0 and y > node_par[i, NP_FULL_DEPTH]:
            node_state[ND_DEPTH, i] = node_par[i, NP_FULL_DEPTH]


@njit(**JIT)
def kinwave_step(
    dt,
    ponding,
    node_par,
    node_int,
    link_par,
    link_int,
    xs,
    tables,
    curve_start,
    curve_x,
    curve_y,
    node_state,
    link_state,
    order,
    steady,
    opt_f,
):
    """Route one kinematic-wave (``steady``: steady-flow) step of ``dt`` seconds.

    Links are visited in the upstream-first ``order``.
    """
    n_nodes = node_state.shape[1]
    begin_step(dt, node_par, node_int, node_state, link_state)
    updated = node_state[ND_LOSSES] * 0.0  # scratch flags, one small array per step
    for i in range(n_nodes):
        node_state[ND_OVERFLOW, i] = 0.0
        if (
            node_int[i, NI_KIND] != NODE_STORAGE
            and node_state[ND_VOLUME, i] > node_par[i, NP_FULL_VOLUME]
        ):
            node_state[ND_OVERFLOW, i] = (
                node_state[ND_VOLUME, i] - node_par[i, NP_FULL_VOLUME]
            ) / dt
    for pos in range(order.shape[0]):
        j = order[pos]
        n1 = link_int[j, LI_N1]
        if node_int[n1, NI_KIND] == NODE_STORAGE and updated[n1] == 0.0:
            _update_storage(
                n1,
                pos,
                dt,
                ponding,
                node_par,
                node_int,
                link_par,
                link_int,
                xs,
                tables,
                curve_start,
                curve_x,
                curve_y,
                node_state,
                order,
                link_state,
                opt_f,
            )
            updated[n1] = 1.0
        q_in = _link_inflow(
            j,
            dt,
            node_par,
            node_int,
            link_par,
            link_int,
            xs,
            tables,
            node_state,
            link_state,
            curve_start,
            curve_x,
            curve_y,
            opt_f,
        )
        if steady:
            q_in, q_out = steady_conduit(j, q_in, link_par, link_int, xs, tables, link_state)
        else:
            q_in, q_out = kinwave_conduit(j, q_in, dt, link_par, link_int, xs, tables, link_state)
        link_state[LS_FLOW, j] = q_out
        node_state[ND_OUTFLOW, n1] += q_in
        node_state[ND_INFLOW, link_int[j, LI_N2]] += q_out
    for i in range(n_nodes):
        if node_int[i, NI_KIND] == NODE_STORAGE:
            if updated[i] == 0.0:
                _update_storage(
                    i,
                    order.shape[0],
                    dt,
                    ponding,
                    node_par,
                    node_int,
                    link_par,
                    link_int,
                    xs,
                    tables,
                    curve_start,
                    curve_x,
                    curve_y,
                    node_state,
                    order,
                    link_state,
                    opt_f,
                )
            continue
        net = node_state[ND_INFLOW, i] - node_state[ND_OUTFLOW, i] - node_state[ND_LOSSES, i]
        v = node_state[ND_VOLUME_OLD, i] + net * dt
        if v < FUDGE:
            v = 0.0
        node_state[ND_OVERFLOW, i] = 0.0
        full_v = node_par[i, NP_FULL_VOLUME]
        can_pond = ponding and node_par[i, NP_PONDED_AREA] > 0.0
        if v > full_v:
            ov = (v - max(node_state[ND_VOLUME_OLD, i], full_v)) / dt
            node_state[ND_OVERFLOW, i] = ov if ov >= FUDGE else 0.0
            if not can_pond:
                v = full_v
        node_state[ND_VOLUME, i] = v
        node_state[ND_DEPTH, i] = 0.0
    for j in range(link_state.shape[1]):
        link_state[LS_DEPTH, j] = 0.0
        link_state[LS_VOLUME, j] = 0.0
        if link_int[j, LI_TRUE_CONDUIT] == 0:
            continue
        shape = link_int[j, LI_SHAPE]
        a1 = link_state[LS_A1, j]
        a2 = link_state[LS_A2, j]
        link_state[LS_VOLUME, j] = (
            0.5 * (a1 + a2) * link_par[j, LP_LENGTH] * link_par[j, LP_BARRELS]
        )
        y1 = depth_at_area(shape, xs[j], tables, a1)
        y2 = depth_at_area(shape, xs[j], tables, a2)
        link_state[LS_DEPTH, j] = 0.5 * (y1 + y2)
        _raise_node_depth(
            link_int[j, LI_N1], y1 + link_par[j, LP_OFFSET1], node_par, node_int, node_state
        )
        _raise_node_depth(
            link_int[j, LI_N2], y2 + link_par[j, LP_OFFSET2], node_par, node_int, node_state
        )
    return 1
