"""Non-conduit links and flow dividers in the router (SWMM 5.2 ``link_getInflow``, ``dynwave.c``
``findNonConduitFlow``, ``node.c`` ``divider_getOutflow``, ``routing.c`` settings), ft/cfs.

:func:`link_inflow` dispatches to the pump, orifice, weir and outlet flow
functions (a closed link, setting 0, passes nothing); a DUMMY conduit takes what
its upstream node offers (:func:`node_outflow_to_link`: the divider rules, or
inflow plus overflow).  :func:`nonconduit_flow` is the dynamic-wave step for one
such link: its flow, the pump's limit on emptying its wet well, the equivalent
surface area an orifice lends its end nodes, and under-relaxation.
:func:`update_settings` applies start-up / shut-off depths and moves every link
whose target setting differs from its setting (orifices ramp over their
open/close time), as SWMM does at the start of each routing step.
"""

import numpy as np
from numba import njit

from twin.kernels.codes import NODE_DIVIDER, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.routing.layout import (
    DIV_CUTOFF,
    DIV_OVERFLOW,
    DIV_TABULAR,
    DIV_WEIR,
    FC_DN_CRITICAL,
    FC_UP_CRITICAL,
    FLOW_TOL,
    KIND_CONDUIT,
    KIND_ORIFICE,
    KIND_OUTLET,
    KIND_PUMP,
    KIND_WEIR,
    LI_KIND,
    LI_N1,
    LI_N2,
    LP_QLIMIT,
    LS_CONTROL,
    LS_DQDH,
    LS_FLOW,
    LS_FLOW_CLASS,
    LS_SETTING,
    LS_SURF1,
    LS_SURF2,
    LS_SURF_AREA,
    LS_TARGET,
    ND_INFLOW,
    ND_OUTFLOW,
    ND_OVERFLOW,
    NI_CURVE,
    NI_DIV_KIND,
    NI_DIV_LINK,
    NI_KIND,
    NP_DIV_CWEIR,
    NP_DIV_DHMAX,
    NP_DIV_QMAX,
    NP_DIV_QMIN,
    OF_UCF_FLOW,
)
from twin.kernels.structures.orifices import orifice_inflow, orifice_set_setting, outlet_inflow
from twin.kernels.structures.pumps import limit_pump_flow, pump_inflow, pump_target_setting
from twin.kernels.structures.weirs import weir_inflow, weir_set_setting
from twin.kernels.tables import table_lookup


@njit(**JIT)
def divider_outflow(i, j, node_par, node_int, node_state, curve_start, curve_x, curve_y, opt_f):
    """Flow [cfs] divider node ``i`` sends into link ``j`` (SWMM's divider_getOutflow)."""
    q_in = node_state[ND_INFLOW, i] + node_state[ND_OVERFLOW, i]
    kind = node_int[i, NI_DIV_KIND]
    div_link = node_int[i, NI_DIV_LINK]
    ucf_q = opt_f[OF_UCF_FLOW]
    q_out = 0.0
    if kind == DIV_OVERFLOW:
        if j != div_link:
            q_out = q_in
        else:
            q_out = q_in - node_state[ND_OUTFLOW, i]
        return 0.0 if q_out < FLOW_TOL else q_out
    if kind == DIV_CUTOFF:
        q_min = node_par[i, NP_DIV_QMIN]
        q_out = 0.0 if q_in <= q_min else q_in - q_min
    elif kind == DIV_WEIR:
        q_min = node_par[i, NP_DIV_QMIN]
        q_max = node_par[i, NP_DIV_QMAX]
        if q_in > q_min:
            f = (q_in - q_min) / (q_max - q_min)
            if f > 1.0:
                q_out = q_max * np.sqrt(f)
            else:
                dh = f * node_par[i, NP_DIV_DHMAX]
                q_out = node_par[i, NP_DIV_CWEIR] * dh**1.5 / ucf_q
    elif kind == DIV_TABULAR:
        c = node_int[i, NI_CURVE]
        if c >= 0:
            q_out = (
                table_lookup(q_in * ucf_q, curve_x, curve_y, curve_start[c], curve_start[c + 1])
                / ucf_q
            )
    if q_out > q_in:
        q_out = q_in
    if j != div_link:
        q_out = q_in - q_out
    return q_out


@njit(**JIT)
def node_outflow_to_link(
    i, j, node_par, node_int, node_state, curve_start, curve_x, curve_y, opt_f
):
    """Flow node ``i`` offers a DUMMY conduit ``j`` (dividers divide, others pass it all)."""
    if node_int[i, NI_KIND] == NODE_DIVIDER and node_int[i, NI_DIV_KIND] >= 0:
        return divider_outflow(
            i, j, node_par, node_int, node_state, curve_start, curve_x, curve_y, opt_f
        )
    return node_state[ND_INFLOW, i] + node_state[ND_OVERFLOW, i]


@njit(**JIT)
def link_inflow(
    j,
    dynwave,
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
    """Flow [cfs] entering non-conduit (or DUMMY conduit) ``j`` (SWMM's link_getInflow)."""
    if link_state[LS_SETTING, j] == 0.0:
        return 0.0
    kind = link_int[j, LI_KIND]
    if kind == KIND_PUMP:
        return pump_inflow(
            j,
            node_par,
            link_par,
            link_int,
            node_state,
            link_state,
            curve_start,
            curve_x,
            curve_y,
            opt_f,
        )
    if kind == KIND_ORIFICE:
        return orifice_inflow(
            j, dynwave, node_par, node_int, link_par, link_int, xs, tables, node_state, link_state
        )
    if kind == KIND_WEIR:
        return weir_inflow(
            j,
            dynwave,
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
    if kind == KIND_OUTLET:
        return outlet_inflow(
            j,
            dynwave,
            node_par,
            node_int,
            link_par,
            link_int,
            node_state,
            link_state,
            curve_start,
            curve_x,
            curve_y,
            opt_f,
        )
    q = node_outflow_to_link(
        link_int[j, LI_N1], j, node_par, node_int, node_state, curve_start, curve_x, curve_y, opt_f
    )
    q_limit = link_par[j, LP_QLIMIT]
    if q_limit > 0.0:
        q = min(q, q_limit)
    return q


@njit(**JIT)
def nonconduit_flow(
    j,
    steps,
    omega,
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
    """SWMM's findNonConduitFlow: new flow and end-node surface areas of link ``j``."""
    q_last = link_state[LS_FLOW, j]
    link_state[LS_DQDH, j] = 0.0
    q = link_inflow(
        j,
        True,
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
    kind = link_int[j, LI_KIND]
    if kind == KIND_PUMP:
        q = limit_pump_flow(j, q, dt, node_par, node_int, link_int, node_state)
    a = 0.5 * link_state[LS_SURF_AREA, j] if kind == KIND_ORIFICE else 0.0
    a1 = a
    a2 = a
    fc = link_state[LS_FLOW_CLASS, j]
    if fc == FC_UP_CRITICAL or node_int[link_int[j, LI_N1], NI_KIND] == NODE_STORAGE:
        a1 = 0.0
    if fc == FC_DN_CRITICAL or node_int[link_int[j, LI_N2], NI_KIND] == NODE_STORAGE:
        a2 = 0.0
    link_state[LS_SURF1, j] = a1
    link_state[LS_SURF2, j] = a2
    if steps > 0 and kind != KIND_PUMP:
        q = (1.0 - omega) * q_last + omega * q
        if q * q_last < 0.0:
            q = 0.001 * np.sign(q)
    link_state[LS_FLOW, j] = q


@njit(**JIT)
def set_link_setting(
    j, tstep, link_par, link_int, xs, tables, link_state, curve_start, curve_x, curve_y, opt_f
):
    """SWMM's link_setSetting: move link ``j`` to its target setting over ``tstep`` s."""
    kind = link_int[j, LI_KIND]
    if kind == KIND_ORIFICE:
        orifice_set_setting(j, tstep, link_par, link_int, xs, tables, link_state)
    elif kind == KIND_WEIR:
        weir_set_setting(
            j, link_par, link_int, xs, tables, link_state, curve_start, curve_x, curve_y, opt_f
        )
    else:
        link_state[LS_SETTING, j] = link_state[LS_TARGET, j]


@njit(**JIT)
def update_settings(
    dt, link_par, link_int, xs, tables, node_state, link_state, curve_start, curve_x, curve_y, opt_f
):
    """Pump start-up / shut-off targets and control actions, then every link moved.

    A control action (``link_state[LS_CONTROL, j]`` not NaN) overrides the pump's
    depth switching for this step, as SWMM evaluates rules after it.

    Returns the number of links whose setting changed (SWMM's action count).
    """
    n = 0
    for j in range(link_state.shape[1]):
        if link_int[j, LI_KIND] == KIND_PUMP:
            pump_target_setting(j, link_par, link_int, node_state, link_state)
        c = link_state[LS_CONTROL, j]
        if not np.isnan(c):
            link_state[LS_TARGET, j] = c
            link_state[LS_CONTROL, j] = np.nan
    for j in range(link_state.shape[1]):
        if link_int[j, LI_KIND] == KIND_CONDUIT and link_state[LS_TARGET, j] == 1.0:
            continue
        if link_state[LS_TARGET, j] != link_state[LS_SETTING, j]:
            set_link_setting(
                j,
                dt,
                link_par,
                link_int,
                xs,
                tables,
                link_state,
                curve_start,
                curve_x,
                curve_y,
                opt_f,
            )
            n += 1
    return n
