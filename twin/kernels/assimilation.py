"""Writing an analysed state into a member's routing state (data assimilation).

A state update gives new node depths and conduit flows; the routing state also holds
what follows from them (node volumes, conduit depths, areas and volumes, node inflow
and outflow totals, the "old" copies the next step starts from).  :func:`apply_state`
writes the new values, makes the dependent ones agree with them as SWMM's initial
state does (``routing_init.initial_state``), keeps depths physical (never negative,
never above the rim plus the surcharge depth; a node may stay ponded only as deep as
it already was) and returns the change in stored volume, which the caller books apart
from the routing continuity.

Units are the kernels' (ft, ft3, cfs), flows in the router's internal orientation.
"""

from __future__ import annotations

from numba import njit

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.routing_layout import (
    FUDGE,
    LI_N1,
    LI_N2,
    LI_SHAPE,
    LI_TRUE_CONDUIT,
    LP_BARRELS,
    LP_LENGTH,
    LP_OFFSET1,
    LP_OFFSET2,
    LS_A1,
    LS_A2,
    LS_DEPTH,
    LS_DEPTH_OLD,
    LS_FLOW,
    LS_FLOW_OLD,
    LS_Q1,
    LS_Q2,
    LS_VOLUME,
    LS_VOLUME_OLD,
    ND_DEPTH,
    ND_DEPTH_OLD,
    ND_INFLOW,
    ND_LAT,
    ND_OUTFLOW,
    ND_VOLUME,
    ND_VOLUME_OLD,
    NI_KIND,
    NP_CROWN,
    NP_FULL_DEPTH,
    NP_FULL_VOLUME,
    NP_PONDED_AREA,
    NP_SUR_DEPTH,
)
from twin.kernels.storage import node_volume
from twin.kernels.xsect import P_YFULL, area_at_depth

#: SWMM's minimum nodal surface area [ft2] (a 4-ft manhole): the area a surcharged
#: junction's head moves over.
MIN_SURFAREA_FT2 = 12.566


@njit(**JIT)
def stored_volume(node_state, link_state, link_int):
    """Water stored in nodes and conduits [ft3] (SWMM's routing storage)."""
    total = 0.0
    for i in range(node_state.shape[1]):
        total += node_state[ND_VOLUME, i]
    for j in range(link_state.shape[1]):
        if link_int[j, LI_TRUE_CONDUIT] == 1:
            total += link_state[LS_VOLUME, j]
    return total


@njit(**JIT)
def apply_state(
    depth_at_node,
    flow_at_link,
    node_state,
    link_state,
    node_par,
    node_int,
    link_par,
    link_int,
    xs,
    tables,
    curve_start,
    curve_x,
    curve_y,
    ponding,
    changed_at_node,
):
    """Write analysed node depths [ft] and conduit flows [cfs] into one member's state.

    Parameters
    ----------
    depth_at_node : (n_nodes,) float64, ft
        Analysed depths; clipped in place to ``[0, rim + surcharge depth]`` (a ponded
        node: to its depth before the update).  Outfalls are left alone (their depth
        is the boundary's).
    flow_at_link : (n_links,) float64, cfs
        Analysed flows (internal orientation); only conduits take them.
    node_state, link_state : the member's routing state tables, updated in place.
    ponding : bool
        The run lets water pond above the rim.
    changed_at_node : (n_nodes,) bool, out
        True where the depth changed (conduits between unchanged nodes keep their
        depth and volume).

    Returns
    -------
    float
        Stored volume after minus before [ft3], plus, at junctions whose head moved
        above the crown of their highest pipe (surcharge, where SWMM stores nothing),
        that head change times SWMM's minimum surface area: the water the surcharged
        head pushes out (or draws in) afterwards, booked with the update.
    """
    before = stored_volume(node_state, link_state, link_int)
    surcharge = 0.0  # head moved above the crown of a junction, over its manhole area
    n_nodes = node_state.shape[1]
    for i in range(n_nodes):
        changed_at_node[i] = False
        if node_int[i, NI_KIND] == NODE_OUTFALL:
            continue
        full_d = node_par[i, NP_FULL_DEPTH]
        can_pond = ponding and node_par[i, NP_PONDED_AREA] > 0.0
        y_max = full_d if can_pond else full_d + node_par[i, NP_SUR_DEPTH]
        y_max = max(y_max, node_state[ND_DEPTH, i]) if can_pond else y_max
        d = min(max(depth_at_node[i], 0.0), y_max)
        depth_at_node[i] = d
        if abs(d - node_state[ND_DEPTH, i]) <= 1e-12:
            continue
        changed_at_node[i] = True
        if node_int[i, NI_KIND] != NODE_STORAGE:
            crown = node_par[i, NP_CROWN]
            surcharge += (max(d, crown) - max(node_state[ND_DEPTH, i], crown)) * MIN_SURFAREA_FT2
        if can_pond and d > full_d:
            v = node_par[i, NP_FULL_VOLUME] + (d - full_d) * node_par[i, NP_PONDED_AREA]
        else:
            v = node_volume(i, d, node_par, node_int, curve_start, curve_x, curve_y)
        node_state[ND_DEPTH, i] = d
        node_state[ND_DEPTH_OLD, i] = d
        node_state[ND_VOLUME, i] = v
        node_state[ND_VOLUME_OLD, i] = v
    for j in range(link_state.shape[1]):
        if link_int[j, LI_TRUE_CONDUIT] == 0:
            continue
        barrels = link_par[j, LP_BARRELS]
        q = flow_at_link[j]
        link_state[LS_FLOW, j] = q
        link_state[LS_FLOW_OLD, j] = q
        link_state[LS_Q1, j] = q / barrels
        link_state[LS_Q2, j] = q / barrels
        n1 = link_int[j, LI_N1]
        n2 = link_int[j, LI_N2]
        if not (changed_at_node[n1] or changed_at_node[n2]):
            continue
        y_full = xs[j, P_YFULL]
        y1 = min(max(node_state[ND_DEPTH, n1] - link_par[j, LP_OFFSET1], 0.0), y_full)
        y2 = min(max(node_state[ND_DEPTH, n2] - link_par[j, LP_OFFSET2], 0.0), y_full)
        y = max(0.5 * (y1 + y2), FUDGE)
        a = area_at_depth(link_int[j, LI_SHAPE], xs[j], tables, y)
        link_state[LS_DEPTH, j] = y
        link_state[LS_DEPTH_OLD, j] = y
        link_state[LS_A1, j] = a
        link_state[LS_A2, j] = a
        link_state[LS_VOLUME, j] = a * link_par[j, LP_LENGTH] * barrels
        link_state[LS_VOLUME_OLD, j] = link_state[LS_VOLUME, j]
    for i in range(n_nodes):  # inflow and outflow totals the next step starts from
        node_state[ND_INFLOW, i] = max(node_state[ND_LAT, i], 0.0)
        node_state[ND_OUTFLOW, i] = max(-node_state[ND_LAT, i], 0.0)
    for j in range(link_state.shape[1]):
        q = link_state[LS_FLOW, j]
        n1 = link_int[j, LI_N1]
        n2 = link_int[j, LI_N2]
        if q >= 0.0:
            node_state[ND_OUTFLOW, n1] += q
            node_state[ND_INFLOW, n2] += q
        else:
            node_state[ND_INFLOW, n1] -= q
            node_state[ND_OUTFLOW, n2] -= q
    return stored_volume(node_state, link_state, link_int) - before + surcharge
