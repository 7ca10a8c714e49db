"""Outfall boundary depths (SWMM 5.2 ``outfall_setOutletDepth`` / ``link_setOutfallDepth``), ft.

An outfall's depth comes from its kind: FREE takes the smaller of the connecting
conduit's critical and normal depths, NORMAL its normal depth, and FIXED, TIDAL and
TIMESERIES a stage elevation unless the conduit's critical depth stands above it.
Tidal curves hold (hour of day, stage) and are read at the elapsed simulation time
of day; stage time series hold (seconds since the simulation start, stage).
"""

import numpy as np

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.conduit_geometry import link_critical_depth, link_normal_depth
from twin.kernels.routing.storage import curve_interp
from twin.kernels.view import view

OUT_FREE = 0
OUT_NORMAL = 1
OUT_FIXED = 2
OUT_TIDAL = 3
OUT_TIMESERIES = 4


@kernel(**JIT)
def _outfall_stages(t_s, nodes, curves, node_state):
    """Set ``node_state.stage`` [ft elevation] of the outfalls at elapsed time ``t_s`` [s].

    Nodes that are not FIXED/TIDAL/TIMESERIES outfalls get their invert elevation.
    """
    stage_at_node = node_state.stage
    n = nodes.kind.shape[0]
    for i in range(n):
        kind = nodes.outfall_kind[i] if nodes.kind[i] == NODE_OUTFALL else -1
        c = nodes.curve[i]
        if kind == OUT_FIXED:
            stage_at_node[i] = nodes.fixed_stage[i]
        elif kind == OUT_TIDAL and c >= 0:
            k0 = curves.start[c]
            day = t_s / 86400.0
            x = curves.x[k0] + (day - np.floor(day)) * 24.0
            stage_at_node[i] = curve_interp(x, curves.x, curves.y, k0, curves.start[c + 1])
        elif kind == OUT_TIMESERIES and c >= 0:
            stage_at_node[i] = curve_interp(
                t_s, curves.x, curves.y, curves.start[c], curves.start[c + 1]
            )
        else:
            stage_at_node[i] = nodes.invert[i]


@kernel(**JIT)
def outfall_depth(kind, invert, stage, y_norm, y_crit, z):
    """Depth [ft] of an outfall whose conduit sits ``z`` ft above its invert."""
    if kind == OUT_FREE:
        if z > 0.0:
            return 0.0
        return min(y_norm, y_crit)
    if kind == OUT_NORMAL:
        if z > 0.0:
            return 0.0
        return y_norm
    if kind != OUT_FIXED and kind != OUT_TIDAL and kind != OUT_TIMESERIES:
        stage = invert
    y_crit = min(y_crit, y_norm)
    if y_crit + z + invert < stage:
        return stage - invert
    if z > 0.0:
        if stage < invert + z:
            return max(0.0, stage - invert)
        return z + y_crit
    return y_crit


@kernel(**JIT)
def outfall_end(j, nodes, links):
    """The outfall at an end of link ``j`` and the link's offset there [ft]: ``(node,
    offset)``, node -1 when neither end is an outfall (the downstream end first)."""
    n2 = links.node2[j]
    n1 = links.node1[j]
    if nodes.kind[n2] == NODE_OUTFALL:
        return n2, links.offset2[j]
    if nodes.kind[n1] == NODE_OUTFALL:
        return n1, links.offset1[j]
    return -1, 0.0


@kernel(**JIT)
def outfall_link_depth(j, n, z, flow, stage, nodes, links, xsects):
    """Depth [ft] of outfall ``n`` at the end of link ``j`` (offset ``z`` ft there)
    with the link's ``flow`` [cfs, all barrels] and the outfall's ``stage`` [ft
    elevation]: SWMM's ``link_setOutfallDepth``."""
    yn = 0.0
    yc = 0.0
    if links.true_conduit[j] == 1:
        q = abs(flow / links.barrels[j])
        yn = link_normal_depth(j, q, links, xsects)
        yc = link_critical_depth(j, q, xsects)
    return outfall_depth(nodes.outfall_kind[n], nodes.invert[n], stage, yn, yc, z)


@kernel(**JIT)
def set_outfall_depths(nodes, links, xsects, node_state, link_state):
    """SWMM's ``link_setOutfallDepth`` for every link: set the depth of outfall end nodes
    (from ``node_state.stage`` and the connecting link's flow)."""
    for j in range(links.kind.shape[0]):
        n, z = outfall_end(j, nodes, links)
        if n >= 0:
            node_state.depth[n] = outfall_link_depth(j, n, z, link_state.flow[j],
                                                     node_state.stage[n], nodes, links,
                                                     xsects)  # fmt: skip


@kernel(**JIT)
def outfall_stages(t_s, nodes, curves, node_state):
    """:func:`_outfall_stages` on the bundles' views (:mod:`twin.kernels.view`)."""
    _outfall_stages(t_s, view(nodes), view(curves), view(node_state))
