"""One dynamic-wave routing step (SWMM 5.2 ``dynwave.c``) and its variable time step, in ft/cfs.

:func:`dynwave_step` does, in one call, what SWMM's ``routeFlow`` +
``dynwave_execute`` do: copy the new state to the old one, start the node flow
balances from the lateral inflows, then run Picard passes (at least two, at most
MAX_TRIALS) of conduit momentum (:mod:`twin.kernels.routing.conduit`), a serial
scatter of link flows, surface areas and dq/dh onto nodes, outfall depths
(:mod:`twin.kernels.routing.boundary`) and node continuity (:mod:`twin.kernels.routing.node`),
skipping links whose end nodes have converged.  Pumps, orifices, weirs, outlets and
DUMMY conduits take their flow after the conduits (:mod:`twin.kernels.structures.flows`).
:func:`variable_step` is ``getVariableStep`` (Courant on conduits, depth change on nodes).
"""

import numpy as np
from numba import njit

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.routing.boundary import outfall_stages, set_outfall_depths
from twin.kernels.routing.conduit import conduit_flow
from twin.kernels.routing.layout import (
    FUDGE,
    KIND_PUMP,
    LI_KIND,
    LI_N1,
    LI_N2,
    LI_SUBTYPE,
    LI_TRUE_CONDUIT,
    LP_BARRELS,
    LP_LENGTH,
    LP_MOD_LENGTH,
    LP_SLOPE,
    LS_A1,
    LS_A2,
    LS_BYPASSED,
    LS_CAP_LIMITED,
    LS_DEPTH,
    LS_DEPTH_OLD,
    LS_DQDH,
    LS_FLOW,
    LS_FLOW_OLD,
    LS_FROUDE,
    LS_SURF1,
    LS_SURF2,
    LS_VOLUME,
    LS_VOLUME_OLD,
    ND_CONVERGED,
    ND_DEPTH,
    ND_DEPTH_OLD,
    ND_DYDT,
    ND_INFLOW,
    ND_INFLOW_OLD,
    ND_LAT,
    ND_LOSSES,
    ND_OLD_NET_INFLOW,
    ND_OUTFLOW,
    ND_OVERFLOW,
    ND_SUMDQDH,
    ND_SURF_NEW,
    ND_VOLUME,
    ND_VOLUME_OLD,
    NI_DEGREE,
    NI_KIND,
    NP_CROWN,
    NP_FULL_VOLUME,
    NP_INVERT,
    OF_COURANT,
    OF_HEAD_TOL,
    OF_MIN_STEP,
    OI_MAX_TRIALS,
    OI_PONDING,
    OMEGA,
    PUMP_TYPE4,
)
from twin.kernels.routing.node import ponded_surface_area, set_node_depth
from twin.kernels.routing.storage import node_surface_area
from twin.kernels.structures.flows import nonconduit_flow
from twin.kernels.xsect import P_AFULL


@njit(**JIT)
def begin_step(dt, node_par, node_int, node_state, link_state):
    """SWMM's routeFlow preamble: new -> old state, node flows start from lateral inflow."""
    for j in range(link_state.shape[1]):
        link_state[LS_FLOW_OLD, j] = link_state[LS_FLOW, j]
        link_state[LS_DEPTH_OLD, j] = link_state[LS_DEPTH, j]
        link_state[LS_VOLUME_OLD, j] = link_state[LS_VOLUME, j]
    for i in range(node_state.shape[1]):
        node_state[ND_DEPTH_OLD, i] = node_state[ND_DEPTH, i]
        node_state[ND_VOLUME_OLD, i] = node_state[ND_VOLUME, i]
        node_state[ND_INFLOW_OLD, i] = node_state[ND_INFLOW, i]
        node_state[ND_OLD_NET_INFLOW, i] = node_state[ND_INFLOW, i] - node_state[ND_OUTFLOW, i]
        node_state[ND_INFLOW, i] = node_state[ND_LAT, i]
        node_state[ND_OUTFLOW, i] = node_state[ND_LOSSES, i]
        full_v = node_par[i, NP_FULL_VOLUME]
        if node_state[ND_VOLUME, i] > full_v:
            node_state[ND_OVERFLOW, i] = (node_state[ND_VOLUME, i] - full_v) / dt
        else:
            node_state[ND_OVERFLOW, i] = 0.0


@njit(**JIT)
def _init_node_states(node_par, node_int, node_state, ponding, curve_start, curve_x, curve_y):
    for i in range(node_state.shape[1]):
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


@njit(**JIT)
def _update_node_flows(j, link_par, link_int, node_state, link_state, barrels):
    n1 = link_int[j, LI_N1]
    n2 = link_int[j, LI_N2]
    q = link_state[LS_FLOW, j]
    if q >= 0.0:
        node_state[ND_OUTFLOW, n1] += q
        node_state[ND_INFLOW, n2] += q
    else:
        node_state[ND_INFLOW, n1] -= q
        node_state[ND_OUTFLOW, n2] -= q
    node_state[ND_SURF_NEW, n1] += link_state[LS_SURF1, j] * barrels
    node_state[ND_SURF_NEW, n2] += link_state[LS_SURF2, j] * barrels
    node_state[ND_SUMDQDH, n1] += link_state[LS_DQDH, j]
    if link_int[j, LI_KIND] != KIND_PUMP or link_int[j, LI_SUBTYPE] != PUMP_TYPE4:
        node_state[ND_SUMDQDH, n2] += link_state[LS_DQDH, j]


@njit(**JIT)
def dynwave_step(
    dt,
    t_end_s,
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
    stage_at_node,
    opt_f,
    opt_i,
):
    """Route one step of ``dt`` seconds ending at elapsed time ``t_end_s``; returns passes.

    ``node_state[ND_LAT]`` must hold this step's lateral inflow [cfs].  Returns
    ``steps`` (Picard passes) and sets ``node_state[ND_CONVERGED]``; a negative value
    means the passes ran out before every node converged (``-steps``).
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
        _init_node_states(node_par, node_int, node_state, ponding, curve_start, curve_x, curve_y)
        for j in range(n_links):
            if link_int[j, LI_TRUE_CONDUIT] == 1 and link_state[LS_BYPASSED, j] == 0.0:
                conduit_flow(
                    j,
                    steps,
                    OMEGA,
                    dt,
                    node_par,
                    node_int,
                    link_par,
                    link_int,
                    xs,
                    tables,
                    node_state,
                    link_state,
                    opt_f,
                    opt_i,
                )
        for j in range(n_links):
            if link_int[j, LI_TRUE_CONDUIT] == 1:
                _update_node_flows(
                    j, link_par, link_int, node_state, link_state, link_par[j, LP_BARRELS]
                )
        for j in range(n_links):
            if link_int[j, LI_TRUE_CONDUIT] == 0:
                if link_state[LS_BYPASSED, j] == 0.0:
                    nonconduit_flow(
                        j,
                        steps,
                        OMEGA,
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
                _update_node_flows(j, link_par, link_int, node_state, link_state, 1.0)
        # node depths
        set_outfall_depths(
            node_par,
            node_int,
            link_par,
            link_int,
            xs,
            tables,
            link_state,
            node_state,
            stage_at_node,
        )
        converged = True
        for i in range(n_nodes):
            if node_int[i, NI_KIND] == NODE_OUTFALL:
                continue
            y_prev = node_state[ND_DEPTH, i]
            set_node_depth(
                i,
                steps,
                OMEGA,
                dt,
                node_par,
                node_int,
                node_state,
                opt_f,
                opt_i,
                curve_start,
                curve_x,
                curve_y,
            )
            if abs(y_prev - node_state[ND_DEPTH, i]) > head_tol:
                node_state[ND_CONVERGED, i] = 0.0
                converged = False
            else:
                node_state[ND_CONVERGED, i] = 1.0
        steps += 1
        if steps > 1:
            if converged:
                break
            for j in range(n_links):
                n1 = link_int[j, LI_N1]
                n2 = link_int[j, LI_N2]
                if node_state[ND_CONVERGED, n1] == 1.0 and node_state[ND_CONVERGED, n2] == 1.0:
                    link_state[LS_BYPASSED, j] = 1.0
                else:
                    link_state[LS_BYPASSED, j] = 0.0
    mark_capacity_limited(node_par, link_par, link_int, xs, node_state, link_state)
    return steps if converged else -steps


@njit(**JIT)
def mark_capacity_limited(node_par, link_par, link_int, xs, node_state, link_state):
    """Flag full conduits whose head drop exceeds their slope (SWMM's capacity-limited
    conduits, a statistic): ``link_state[LS_CAP_LIMITED]`` 1 or 0."""
    for j in range(link_state.shape[1]):
        link_state[LS_CAP_LIMITED, j] = 0.0
        if link_int[j, LI_TRUE_CONDUIT] == 0:
            continue
        if link_state[LS_A1, j] >= xs[j, P_AFULL]:
            n1 = link_int[j, LI_N1]
            n2 = link_int[j, LI_N2]
            h1 = node_state[ND_DEPTH, n1] + node_par[n1, NP_INVERT]
            h2 = node_state[ND_DEPTH, n2] + node_par[n2, NP_INVERT]
            if h1 - h2 > abs(link_par[j, LP_SLOPE]) * link_par[j, LP_LENGTH]:
                link_state[LS_CAP_LIMITED, j] = 1.0


@njit(**JIT)
def system_outflow_rates(dynwave, node_int, node_par, node_state, rates):
    """SWMM's removeOutflows/node_getSystemOutflow for the step just routed.

    ``rates`` (3,) <- [outfall outflow, flooding, inflow entering through outfalls]
    [cfs]; outfalls that push water into the system get that as their inflow.
    """
    rates[0] = 0.0
    rates[1] = 0.0
    rates[2] = 0.0
    for i in range(node_state.shape[1]):
        q = 0.0
        flooded = False
        if node_int[i, NI_KIND] == NODE_OUTFALL:
            if node_state[ND_OUTFLOW, i] == 0.0:
                q = node_state[ND_INFLOW, i]
            elif node_state[ND_INFLOW, i] == 0.0:
                q = -node_state[ND_OUTFLOW, i]
                node_state[ND_INFLOW, i] = abs(q)
            node_state[ND_OVERFLOW, i] = 0.0
            node_state[ND_VOLUME, i] = 0.0
        elif not dynwave and node_int[i, NI_DEGREE] == 0 and node_int[i, NI_KIND] != NODE_STORAGE:
            if node_state[ND_OUTFLOW, i] == 0.0:
                q = node_state[ND_INFLOW, i]
            node_state[ND_OVERFLOW, i] = 0.0
            node_state[ND_VOLUME, i] = 0.0
        else:
            if node_state[ND_VOLUME, i] <= node_par[i, NP_FULL_VOLUME]:
                q = node_state[ND_OVERFLOW, i]
            if q > 0.0:
                flooded = True
        if q > 0.0:
            if flooded:
                rates[1] += q
            else:
                rates[0] += q
        else:
            rates[2] -= q
    return rates


@njit(**JIT)
def add_node_flow_volumes(half_dt, node_par, node_int, node_state, inflow_vol, outflow_vol):
    """SWMM's per-node flow-balance accumulation over half a step [ft3]."""
    for i in range(node_state.shape[1]):
        inflow_vol[i] += node_state[ND_INFLOW, i] * half_dt
        if node_int[i, NI_KIND] == NODE_OUTFALL or (
            node_int[i, NI_DEGREE] == 0 and node_int[i, NI_KIND] != NODE_STORAGE
        ):
            outflow_vol[i] += node_state[ND_INFLOW, i] * half_dt
        else:
            outflow_vol[i] += node_state[ND_OUTFLOW, i] * half_dt
            if node_state[ND_VOLUME, i] <= node_par[i, NP_FULL_VOLUME]:
                outflow_vol[i] += node_state[ND_OVERFLOW, i] * half_dt


@njit(**JIT)
def variable_step(
    max_step, courant, link_par, link_int, node_par, node_int, node_state, link_state, xs
):
    """SWMM's getVariableStep before the MINIMUM_STEP floor -> (dt, min_link, min_node)."""
    t_link = max_step
    min_link = -1
    for j in range(link_state.shape[1]):
        if link_int[j, LI_TRUE_CONDUIT] == 0:
            continue
        barrels = link_par[j, LP_BARRELS]
        q = abs(link_state[LS_FLOW, j]) / barrels
        fr = link_state[LS_FROUDE, j]
        if q <= FUDGE or link_state[LS_A1, j] <= FUDGE or fr <= 0.01:
            continue
        t = link_state[LS_VOLUME, j] / barrels / q
        t = t * link_par[j, LP_MOD_LENGTH] / link_par[j, LP_LENGTH]
        t = t * fr / (1.0 + fr) * courant
        if t < t_link:
            t_link = t
            min_link = j
    t_node = t_link
    min_node = -1
    for i in range(node_state.shape[1]):
        if node_int[i, NI_KIND] == NODE_OUTFALL:
            continue
        y = node_state[ND_DEPTH, i]
        y_crown = node_par[i, NP_CROWN]
        if y <= FUDGE or y + FUDGE >= y_crown:
            continue
        max_depth = y_crown * 0.25
        if max_depth < FUDGE:
            continue
        dydt = node_state[ND_DYDT, i]
        if dydt < FUDGE:
            continue
        t1 = max_depth / dydt
        if t1 < t_node:
            t_node = t1
            min_node = i
    t_min = t_link
    if t_node < t_min:
        t_min = t_node
        min_link = -1
    return t_min, min_link, min_node


@njit(**JIT)
def routing_step_size(
    fixed_step, first, link_par, link_int, node_par, node_int, node_state, link_state, xs, opt_f
):
    """SWMM's dynwave_getRoutingStep -> (dt [s], critical link, critical node)."""
    courant = opt_f[OF_COURANT]
    if courant == 0.0 or fixed_step < 0.001:
        return fixed_step, -1, -1
    if first:
        dt = opt_f[OF_MIN_STEP]
        min_link = -1
        min_node = -1
    else:
        dt, min_link, min_node = variable_step(
            fixed_step, courant, link_par, link_int, node_par, node_int, node_state, link_state, xs
        )
        if dt < opt_f[OF_MIN_STEP]:
            dt = opt_f[OF_MIN_STEP]
    dt = np.floor(1000.0 * dt) / 1000.0
    return dt, min_link, min_node
