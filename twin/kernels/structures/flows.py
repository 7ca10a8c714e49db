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

from twin.kernels.codes import NODE_DIVIDER, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel, variant
from twin.kernels.routing.constants import (
    DIV_CUTOFF,
    DIV_OVERFLOW,
    DIV_TABULAR,
    DIV_WEIR,
    DIVIDERS,
    FC_DN_CRITICAL,
    FC_UP_CRITICAL,
    FLOW_TOL,
    KIND_CONDUIT,
    KIND_ORIFICE,
    KIND_OUTLET,
    KIND_PUMP,
    KIND_WEIR,
    OMEGA,
    ORIFICES,
    OUTLETS,
    PUMPS,
    STRUCTURES,
    WEIRS,
)
from twin.kernels.structures.orifices import orifice_inflow, orifice_set_setting, outlet_inflow
from twin.kernels.structures.pumps import limit_pump_flow, pump_inflow, pump_target_setting
from twin.kernels.structures.weirs import weir_inflow, weir_set_setting
from twin.kernels.tables import table_lookup


@kernel(**JIT)
def divider_outflow(i, j, nodes, curves, options, node_state):
    """Flow [cfs] divider node ``i`` sends into link ``j`` (SWMM's divider_getOutflow)."""
    q_in = node_state.inflow[i] + node_state.overflow[i]
    kind = nodes.divider_kind[i]
    div_link = nodes.divider_link[i]
    ucf_q = options.ucf_flow
    q_out = 0.0
    if kind == DIV_OVERFLOW:
        if j != div_link:
            q_out = q_in
        else:
            q_out = q_in - node_state.outflow[i]
        return 0.0 if q_out < FLOW_TOL else q_out
    if kind == DIV_CUTOFF:
        q_min = nodes.divider_q_min[i]
        q_out = 0.0 if q_in <= q_min else q_in - q_min
    elif kind == DIV_WEIR:
        q_min = nodes.divider_q_min[i]
        q_max = nodes.divider_q_max[i]
        if q_in > q_min:
            f = (q_in - q_min) / (q_max - q_min)
            if f > 1.0:
                q_out = q_max * np.sqrt(f)
            else:
                dh = f * nodes.divider_dh_max[i]
                q_out = nodes.divider_c_weir[i] * dh**1.5 / ucf_q
    elif kind == DIV_TABULAR:
        c = nodes.curve[i]
        if c >= 0:
            q_out = (
                table_lookup(q_in * ucf_q, curves.x, curves.y, curves.start[c], curves.start[c + 1])
                / ucf_q
            )
    if q_out > q_in:
        q_out = q_in
    if j != div_link:
        q_out = q_in - q_out
    return q_out


@kernel(**JIT)
def node_outflow_to_link(i, j, nodes, curves, options, node_state):
    """Flow node ``i`` offers a DUMMY conduit ``j`` (dividers divide, others pass it all)."""
    if DIVIDERS and nodes.kind[i] == NODE_DIVIDER and nodes.divider_kind[i] >= 0:
        return divider_outflow(i, j, nodes, curves, options, node_state)
    return node_state.inflow[i] + node_state.overflow[i]


@kernel(**JIT)
def link_inflow(
    j,
    dynwave,
    nodes,
    links,
    xsects,
    curves,
    options,
    node_state,
    link_state,
):
    """Flow [cfs] entering non-conduit (or DUMMY conduit) ``j`` (SWMM's link_getInflow)."""
    if link_state.setting[j] == 0.0:
        return 0.0
    kind = links.kind[j]
    if PUMPS and kind == KIND_PUMP:
        return pump_inflow(
            j,
            nodes,
            links,
            curves,
            options,
            node_state,
            link_state,
        )
    if ORIFICES and kind == KIND_ORIFICE:
        return orifice_inflow(j, dynwave, nodes, links, xsects, node_state, link_state)
    if WEIRS and kind == KIND_WEIR:
        return weir_inflow(
            j,
            dynwave,
            nodes,
            links,
            xsects,
            curves,
            options,
            node_state,
            link_state,
        )
    if OUTLETS and kind == KIND_OUTLET:
        return outlet_inflow(
            j,
            dynwave,
            nodes,
            links,
            curves,
            options,
            node_state,
            link_state,
        )
    q = node_outflow_to_link(links.node1[j], j, nodes, curves, options, node_state)
    q_limit = links.q_limit[j]
    if q_limit > 0.0:
        q = min(q, q_limit)
    return q


@kernel(**JIT)
def nonconduit_flow(j, steps, dt, nodes, links, xsects, curves, options, node_state, link_state):
    """SWMM's findNonConduitFlow: new flow and end-node surface areas of link ``j``."""
    q_last = link_state.flow[j]
    link_state.dqdh[j] = 0.0
    q = link_inflow(j, True, nodes, links, xsects, curves, options, node_state, link_state)
    kind = links.kind[j]
    if PUMPS and kind == KIND_PUMP:
        q = limit_pump_flow(j, q, dt, nodes, links, node_state)
    a = 0.5 * link_state.orifice_area[j] if kind == KIND_ORIFICE else 0.0
    a1 = a
    a2 = a
    fc = link_state.flow_class[j]
    if fc == FC_UP_CRITICAL or nodes.kind[links.node1[j]] == NODE_STORAGE:
        a1 = 0.0
    if fc == FC_DN_CRITICAL or nodes.kind[links.node2[j]] == NODE_STORAGE:
        a2 = 0.0
    link_state.surf_area1[j] = a1
    link_state.surf_area2[j] = a2
    if steps > 0 and kind != KIND_PUMP:
        q = (1.0 - OMEGA) * q_last + OMEGA * q
        if q * q_last < 0.0:
            q = 0.001 * np.sign(q)
    link_state.flow[j] = q


@kernel(**JIT)
def set_link_setting(j, tstep, links, xsects, curves, options, link_state):
    """SWMM's link_setSetting: move link ``j`` to its target setting over ``tstep`` s."""
    kind = links.kind[j]
    if ORIFICES and kind == KIND_ORIFICE:
        orifice_set_setting(j, tstep, links, xsects, link_state)
    elif WEIRS and kind == KIND_WEIR:
        weir_set_setting(j, links, xsects, curves, options, link_state)
    else:
        link_state.setting[j] = link_state.target_setting[j]


@kernel(**JIT)
def update_settings(dt, links, xsects, curves, options, node_state, link_state):
    """Pump start-up / shut-off targets and control actions, then every link moved.

    A control action (``link_state.control_setting[j]`` not NaN) overrides the pump's
    depth switching for this step, as SWMM evaluates rules after it.

    Returns the number of links whose setting changed (SWMM's action count).
    """
    n = 0
    for j in range(link_state.flow.shape[0]):
        if STRUCTURES and PUMPS and links.kind[j] == KIND_PUMP:
            pump_target_setting(j, links, node_state, link_state)
        c = link_state.control_setting[j]
        if not np.isnan(c):
            link_state.target_setting[j] = c
            link_state.control_setting[j] = np.nan
    for j in range(link_state.flow.shape[0]):
        if links.kind[j] == KIND_CONDUIT and link_state.target_setting[j] == 1.0:
            continue
        if link_state.target_setting[j] != link_state.setting[j]:
            if STRUCTURES:
                set_link_setting(j, dt, links, xsects, curves, options, link_state)
            else:  # what set_link_setting does for a conduit
                link_state.setting[j] = link_state.target_setting[j]
            n += 1
    return n


#: :func:`update_settings` for networks of conduits only (no structure kernel compiled).
update_settings_conduits = variant(update_settings, "conduits", STRUCTURES=False)
