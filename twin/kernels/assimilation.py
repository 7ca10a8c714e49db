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

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import FUDGE
from twin.kernels.routing.node import add_link_flows
from twin.kernels.routing.storage import node_volume
from twin.kernels.view import view
from twin.kernels.xsect.geometry import area_at_depth

#: SWMM's minimum nodal surface area [ft2] (a 4-ft manhole): the area a surcharged
#: junction's head moves over.
MIN_SURFAREA_FT2 = 12.566


@kernel(**JIT)
def stored_volume(node_state, link_state, links):
    """Water stored in nodes and conduits [ft3] (SWMM's routing storage)."""
    total = 0.0
    for i in range(node_state.volume.shape[0]):
        total += node_state.volume[i]
    for j in range(link_state.volume.shape[0]):
        if links.true_conduit[j] == 1:
            total += link_state.volume[j]
    return total


@kernel(**JIT)
def _apply_state(depth_at_node, flow_at_link, nodes, links, xsects, curves, options,
                node_state, link_state, changed_at_node):  # fmt: skip
    """Write analysed node depths [ft] and conduit flows [cfs] into one member's state.

    Parameters
    ----------
    depth_at_node : (n_nodes,) float64, ft
        Analysed depths; clipped in place to ``[0, rim + surcharge depth]`` (a ponded
        node: to its depth before the update).  Outfalls are left alone (their depth
        is the boundary's).
    flow_at_link : (n_links,) float64, cfs
        Analysed flows (internal orientation); only conduits take them.
    nodes, links, xsects, curves, options : the member's network bundles
        (:mod:`twin.kernels.routing.bundles`); ``options.ponding``: water may pond
        above the rim.
    node_state, link_state : the member's state bundles, updated in place.
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
    ns, ls = node_state, link_state
    before = stored_volume(ns, ls, links)
    surcharge = 0.0  # head moved above the crown of a junction, over its manhole area
    n_nodes = ns.depth.shape[0]
    for i in range(n_nodes):
        changed_at_node[i] = False
        if nodes.kind[i] == NODE_OUTFALL:
            continue
        full_d = nodes.full_depth[i]
        can_pond = options.ponding and nodes.ponded_area[i] > 0.0
        y_max = full_d if can_pond else full_d + nodes.surcharge_depth[i]
        y_max = max(y_max, ns.depth[i]) if can_pond else y_max
        d = min(max(depth_at_node[i], 0.0), y_max)
        depth_at_node[i] = d
        if abs(d - ns.depth[i]) <= 1e-12:
            continue
        changed_at_node[i] = True
        if nodes.kind[i] != NODE_STORAGE:
            crown = nodes.crown_depth[i]
            surcharge += (max(d, crown) - max(ns.depth[i], crown)) * MIN_SURFAREA_FT2
        if can_pond and d > full_d:
            v = nodes.full_volume[i] + (d - full_d) * nodes.ponded_area[i]
        else:
            v = node_volume(i, d, nodes, curves)
        ns.depth[i] = d
        ns.depth_old[i] = d
        ns.volume[i] = v
        ns.volume_old[i] = v
    for j in range(ls.flow.shape[0]):
        if links.true_conduit[j] == 0:
            continue
        barrels = links.barrels[j]
        q = flow_at_link[j]
        ls.flow[j] = q
        ls.flow_old[j] = q
        ls.q1[j] = q / barrels
        ls.q2[j] = q / barrels
        n1 = links.node1[j]
        n2 = links.node2[j]
        if not (changed_at_node[n1] or changed_at_node[n2]):
            continue
        y_full = xsects.y_full[j]
        y1 = min(max(ns.depth[n1] - links.offset1[j], 0.0), y_full)
        y2 = min(max(ns.depth[n2] - links.offset2[j], 0.0), y_full)
        y = max(0.5 * (y1 + y2), FUDGE)
        a = area_at_depth(xsects, j, y)
        ls.depth[j] = y
        ls.depth_old[j] = y
        ls.a1[j] = a
        ls.a2[j] = a
        ls.volume[j] = a * links.length[j] * barrels
        ls.volume_old[j] = ls.volume[j]
    for i in range(n_nodes):  # inflow and outflow totals the next step starts from
        ns.inflow[i] = max(ns.lateral[i], 0.0)
        ns.outflow[i] = max(-ns.lateral[i], 0.0)
    add_link_flows(links, ns, ls)
    return stored_volume(ns, ls, links) - before + surcharge


@kernel(**JIT)
def apply_state(
    depth_at_node,
    flow_at_link,
    nodes,
    links,
    xsects,
    curves,
    options,
    node_state,
    link_state,
    changed_at_node,
):
    """:func:`_apply_state` on the bundles' views (:mod:`twin.kernels.view`)."""
    return _apply_state(
        depth_at_node,
        flow_at_link,
        view(nodes),
        view(links),
        view(xsects),
        view(curves),
        view(options),
        view(node_state),
        view(link_state),
        changed_at_node,
    )
