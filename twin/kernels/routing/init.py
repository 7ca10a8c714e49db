"""Initial routing state (SWMM 5.2 ``node_initState``, ``link_initState``, ``flowrout_init``), ft.

Node depths start at their initial depth; conduits with an initial flow start at
its normal depth.  Under dynamic wave, nodes without an initial depth take the mean
of the depths (plus upstream offset, as SWMM does) of every connected link,
outfalls take their boundary depth, and conduits without an initial flow take the
mean of their end depths.  Volumes, areas and per-barrel flows follow.
"""

import numpy as np

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel, variant
from twin.kernels.routing.boundary import set_outfall_depths
from twin.kernels.routing.conduit_geometry import link_normal_depth
from twin.kernels.routing.constants import (
    FUDGE,
    KIND_ORIFICE,
    KIND_WEIR,
    MODE_DYNWAVE,
    ORIFICES,
    STORAGE,
    STRUCTURES,
    WEIRS,
)
from twin.kernels.routing.node import add_link_flows
from twin.kernels.routing.storage import node_volume, storage_volume_raw
from twin.kernels.structures.orifices import orifice_set_setting
from twin.kernels.structures.weirs import weir_flow
from twin.kernels.view import view
from twin.kernels.xsect.geometry import area_at_depth


@kernel(**JIT)
def _full_volumes(nodes, curves):
    """Set ``nodes.full_volume[:]``: storage volume at full depth, 0 for other nodes."""
    for i in range(nodes.kind.shape[0]):
        nodes.full_volume[i] = 0.0
        if STORAGE and nodes.kind[i] == NODE_STORAGE:
            nodes.full_volume[i] = storage_volume_raw(i, nodes.full_depth[i], nodes, curves)


@kernel(**JIT)
def init_settings(links, xsects, curves, options, link_state):
    """Initial settings and structure coefficients (SWMM's *_validate and link_initState).

    Orifices get their coefficients at full opening, weirs their surcharge
    coefficient at full height, pumps their initial on/off status.
    """
    for j in range(link_state.flow.shape[0]):
        link_state.setting[j] = 1.0
        link_state.target_setting[j] = 1.0
        link_state.orifice_area[j] = 0.0
        link_state.control_setting[j] = np.nan
        kind = links.kind[j]
        if STRUCTURES and ORIFICES and kind == KIND_ORIFICE:
            orifice_set_setting(j, 0.0, links, xsects, link_state)
        elif STRUCTURES and WEIRS and kind == KIND_WEIR:
            q1, q2 = weir_flow(
                j, xsects.y_full[j], 1.0, False, links, xsects, curves, options, link_state
            )
            h = 0.5 * xsects.y_full[j]
            link_state.c_surcharge[j] = (q1 + q2) / np.sqrt(h) if h > 0.0 else 0.0
            link_state.dqdh[j] = 0.0
        s = links.init_setting[j]
        link_state.setting[j] = s
        link_state.target_setting[j] = s


@kernel(**JIT)
def _initial_state(nodes, links, xsects, curves, options, node_state, link_state):
    """Fill ``node_state`` and ``link_state`` with SWMM's initial conditions (outfall
    stages in ``node_state.stage`` already set for time 0)."""
    dynwave = options.mode == MODE_DYNWAVE
    n_nodes = node_state.depth.shape[0]
    n_links = link_state.flow.shape[0]
    for i in range(n_nodes):
        d = nodes.init_depth[i]
        node_state.depth[i] = d
        node_state.depth_old[i] = d
    init_settings(links, xsects, curves, options, link_state)
    for j in range(n_links):
        q0 = links.q_init[j]
        link_state.flow[j] = q0
        link_state.flow_old[j] = q0
        link_state.depth[j] = 0.0
        if links.true_conduit[j] == 1:
            link_state.depth[j] = link_normal_depth(j, q0 / links.barrels[j], links, xsects)
    if dynwave:
        work_sum = np.zeros(n_nodes)
        work_count = np.zeros(n_nodes)
        for j in range(n_links):
            y = 0.0
            if link_state.depth[j] > FUDGE:
                y = link_state.depth[j] + links.offset1[j]
            for n in (links.node1[j], links.node2[j]):
                work_sum[n] += y
                work_count[n] += 1.0
        for i in range(n_nodes):
            kind = nodes.kind[i]
            if kind == NODE_OUTFALL or kind == NODE_STORAGE:
                continue
            if nodes.init_depth[i] > 0.0:
                continue
            if work_count[i] > 0.0:
                node_state.depth[i] = work_sum[i] / work_count[i]
        set_outfall_depths(nodes, links, xsects, node_state, link_state)
        for j in range(n_links):
            if links.true_conduit[j] == 0 or links.q_init[j] != 0.0:
                continue
            y_full = xsects.y_full[j]
            y1 = node_state.depth[links.node1[j]] - links.offset1[j]
            y1 = min(max(y1, 0.0), y_full)
            y2 = node_state.depth[links.node2[j]] - links.offset2[j]
            y2 = min(max(y2, 0.0), y_full)
            link_state.depth[j] = max(0.5 * (y1 + y2), FUDGE)
    for i in range(n_nodes):
        node_state.inflow[i] = node_state.lateral[i]
        node_state.outflow[i] = 0.0
        d = node_state.depth[i]
        full_d = nodes.full_depth[i]
        if options.ponding and nodes.ponded_area[i] > 0.0 and d > full_d:
            v = nodes.full_volume[i] + (d - full_d) * nodes.ponded_area[i]
        else:
            v = node_volume(i, d, nodes, curves)
        node_state.volume[i] = v
        node_state.volume_old[i] = v
        node_state.depth_old[i] = d
    add_link_flows(links, node_state, link_state)
    for i in range(n_nodes):
        node_state.inflow_old[i] = node_state.inflow[i]
    for j in range(n_links):
        if links.true_conduit[j] == 0:
            continue
        barrels = links.barrels[j]
        link_state.q1[j] = link_state.flow[j] / barrels
        link_state.q2[j] = link_state.q1[j]
        a = area_at_depth(xsects, j, link_state.depth[j])
        link_state.a1[j] = a
        link_state.a2[j] = a
        link_state.volume[j] = a * links.length[j] * barrels
        link_state.volume_old[j] = link_state.volume[j]
        link_state.depth_old[j] = link_state.depth[j]


@kernel(**JIT)
def full_volumes(nodes, curves):
    """:func:`_full_volumes` on the bundles' views (:mod:`twin.kernels.view`)."""
    _full_volumes(view(nodes), view(curves))


@kernel(**JIT)
def initial_state(nodes, links, xsects, curves, options, node_state, link_state):
    """:func:`_initial_state` on the bundles' views (:mod:`twin.kernels.view`)."""
    _initial_state(
        view(nodes),
        view(links),
        view(xsects),
        view(curves),
        view(options),
        view(node_state),
        view(link_state),
    )


#: :func:`initial_state` for networks of conduits only (no structure kernel compiled).
initial_state_conduits = variant(
    initial_state,
    "conduits",
    _initial_state=variant(
        _initial_state,
        "conduits",
        init_settings=variant(init_settings, "conduits", STRUCTURES=False),
    ),
)
