"""Initial routing state (SWMM 5.2 ``node_initState``, ``link_initState``, ``flowrout_init``), ft.

Node depths start at their initial depth; conduits with an initial flow start at
its normal depth.  Under dynamic wave, nodes without an initial depth take the mean
of the depths (plus upstream offset, as SWMM does) of every connected link,
outfalls take their boundary depth, and conduits without an initial flow take the
mean of their end depths.  Volumes, areas and per-barrel flows follow.
"""

import numpy as np
from numba import njit

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.routing.boundary import set_outfall_depths
from twin.kernels.routing.conduit_geometry import link_normal_depth
from twin.kernels.routing.layout import (
    FUDGE,
    KIND_ORIFICE,
    KIND_WEIR,
    LI_KIND,
    LI_N1,
    LI_N2,
    LI_SHAPE,
    LI_TRUE_CONDUIT,
    LP_BARRELS,
    LP_INIT_SETTING,
    LP_LENGTH,
    LP_OFFSET1,
    LP_OFFSET2,
    LP_Q0,
    LS_A1,
    LS_A2,
    LS_C_SURCHARGE,
    LS_CONTROL,
    LS_DEPTH,
    LS_DEPTH_OLD,
    LS_DQDH,
    LS_FLOW,
    LS_FLOW_OLD,
    LS_Q1,
    LS_Q2,
    LS_SETTING,
    LS_SURF_AREA,
    LS_TARGET,
    LS_VOLUME,
    LS_VOLUME_OLD,
    ND_DEPTH,
    ND_DEPTH_OLD,
    ND_INFLOW,
    ND_INFLOW_OLD,
    ND_LAT,
    ND_OUTFLOW,
    ND_VOLUME,
    ND_VOLUME_OLD,
    NI_KIND,
    NP_FULL_DEPTH,
    NP_FULL_VOLUME,
    NP_INIT_DEPTH,
    NP_PONDED_AREA,
)
from twin.kernels.routing.storage import node_volume, storage_volume_raw
from twin.kernels.structures.orifices import orifice_set_setting
from twin.kernels.structures.weirs import weir_flow
from twin.kernels.xsect import P_YFULL, area_at_depth


@njit(**JIT)
def full_volumes(node_par, node_int, curve_start, curve_x, curve_y):
    """Set ``node_par[:, NP_FULL_VOLUME]``: storage volume at full depth, 0 for other nodes."""
    for i in range(node_par.shape[0]):
        node_par[i, NP_FULL_VOLUME] = 0.0
        if node_int[i, NI_KIND] == NODE_STORAGE:
            node_par[i, NP_FULL_VOLUME] = storage_volume_raw(
                i, node_par[i, NP_FULL_DEPTH], node_par, node_int, curve_start, curve_x, curve_y
            )


@njit(**JIT)
def init_settings(link_par, link_int, xs, tables, link_state, curve_start, curve_x, curve_y,
                  opt_f):  # fmt: skip
    """Initial settings and structure coefficients (SWMM's *_validate and link_initState).

    Orifices get their coefficients at full opening, weirs their surcharge
    coefficient at full height, pumps their initial on/off status.
    """
    for j in range(link_state.shape[1]):
        link_state[LS_SETTING, j] = 1.0
        link_state[LS_TARGET, j] = 1.0
        link_state[LS_SURF_AREA, j] = 0.0
        link_state[LS_CONTROL, j] = np.nan
        kind = link_int[j, LI_KIND]
        if kind == KIND_ORIFICE:
            orifice_set_setting(j, 0.0, link_par, link_int, xs, tables, link_state)
        elif kind == KIND_WEIR:
            q1, q2 = weir_flow(j, xs[j, P_YFULL], 1.0, False, link_par, link_int, xs, tables,
                               link_state, curve_start, curve_x, curve_y, opt_f)  # fmt: skip
            h = 0.5 * xs[j, P_YFULL]
            link_state[LS_C_SURCHARGE, j] = (q1 + q2) / np.sqrt(h) if h > 0.0 else 0.0
            link_state[LS_DQDH, j] = 0.0
        s = link_par[j, LP_INIT_SETTING]
        link_state[LS_SETTING, j] = s
        link_state[LS_TARGET, j] = s


@njit(**JIT)
def initial_state(
    dynwave,
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
    stage_at_node,
    work_sum,
    work_count,
    opt_f,
):
    """Fill ``node_state`` and ``link_state`` with SWMM's initial conditions.

    ``work_sum`` and ``work_count`` are (n_nodes,) scratch arrays.
    """
    n_nodes = node_state.shape[1]
    n_links = link_state.shape[1]
    for i in range(n_nodes):
        d = node_par[i, NP_INIT_DEPTH]
        node_state[ND_DEPTH, i] = d
        node_state[ND_DEPTH_OLD, i] = d
    init_settings(link_par, link_int, xs, tables, link_state, curve_start, curve_x, curve_y, opt_f)
    for j in range(n_links):
        q0 = link_par[j, LP_Q0]
        link_state[LS_FLOW, j] = q0
        link_state[LS_FLOW_OLD, j] = q0
        link_state[LS_DEPTH, j] = 0.0
        if link_int[j, LI_TRUE_CONDUIT] == 1:
            link_state[LS_DEPTH, j] = link_normal_depth(
                j, q0 / link_par[j, LP_BARRELS], link_par, link_int, xs, tables
            )
    if dynwave:
        for i in range(n_nodes):
            work_sum[i] = 0.0
            work_count[i] = 0.0
        for j in range(n_links):
            y = 0.0
            if link_state[LS_DEPTH, j] > FUDGE:
                y = link_state[LS_DEPTH, j] + link_par[j, LP_OFFSET1]
            for n in (link_int[j, LI_N1], link_int[j, LI_N2]):
                work_sum[n] += y
                work_count[n] += 1.0
        for i in range(n_nodes):
            kind = node_int[i, NI_KIND]
            if kind == NODE_OUTFALL or kind == NODE_STORAGE:
                continue
            if node_par[i, NP_INIT_DEPTH] > 0.0:
                continue
            if work_count[i] > 0.0:
                node_state[ND_DEPTH, i] = work_sum[i] / work_count[i]
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
        for j in range(n_links):
            if link_int[j, LI_TRUE_CONDUIT] == 0 or link_par[j, LP_Q0] != 0.0:
                continue
            y_full = xs[j, P_YFULL]
            y1 = node_state[ND_DEPTH, link_int[j, LI_N1]] - link_par[j, LP_OFFSET1]
            y1 = min(max(y1, 0.0), y_full)
            y2 = node_state[ND_DEPTH, link_int[j, LI_N2]] - link_par[j, LP_OFFSET2]
            y2 = min(max(y2, 0.0), y_full)
            link_state[LS_DEPTH, j] = max(0.5 * (y1 + y2), FUDGE)
    for i in range(n_nodes):
        node_state[ND_INFLOW, i] = node_state[ND_LAT, i]
        node_state[ND_OUTFLOW, i] = 0.0
        d = node_state[ND_DEPTH, i]
        full_d = node_par[i, NP_FULL_DEPTH]
        if ponding and node_par[i, NP_PONDED_AREA] > 0.0 and d > full_d:
            v = node_par[i, NP_FULL_VOLUME] + (d - full_d) * node_par[i, NP_PONDED_AREA]
        else:
            v = node_volume(i, d, node_par, node_int, curve_start, curve_x, curve_y)
        node_state[ND_VOLUME, i] = v
        node_state[ND_VOLUME_OLD, i] = v
        node_state[ND_DEPTH_OLD, i] = d
    for j in range(n_links):
        q = link_state[LS_FLOW, j]
        n1 = link_int[j, LI_N1]
        n2 = link_int[j, LI_N2]
        if q >= 0.0:
            node_state[ND_OUTFLOW, n1] += q
            node_state[ND_INFLOW, n2] += q
        else:
            node_state[ND_INFLOW, n1] -= q
            node_state[ND_OUTFLOW, n2] -= q
    for i in range(n_nodes):
        node_state[ND_INFLOW_OLD, i] = node_state[ND_INFLOW, i]
    for j in range(n_links):
        if link_int[j, LI_TRUE_CONDUIT] == 0:
            continue
        barrels = link_par[j, LP_BARRELS]
        link_state[LS_Q1, j] = link_state[LS_FLOW, j] / barrels
        link_state[LS_Q2, j] = link_state[LS_Q1, j]
        a = area_at_depth(link_int[j, LI_SHAPE], xs[j], tables, link_state[LS_DEPTH, j])
        link_state[LS_A1, j] = a
        link_state[LS_A2, j] = a
        link_state[LS_VOLUME, j] = a * link_par[j, LP_LENGTH] * barrels
        link_state[LS_VOLUME_OLD, j] = link_state[LS_VOLUME, j]
        link_state[LS_DEPTH_OLD, j] = link_state[LS_DEPTH, j]
