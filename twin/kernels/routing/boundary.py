"""Outfall boundary depths (SWMM 5.2 ``outfall_setOutletDepth`` / ``link_setOutfallDepth``), ft.

An outfall's depth comes from its kind: FREE takes the smaller of the connecting
conduit's critical and normal depths, NORMAL its normal depth, and FIXED, TIDAL and
TIMESERIES a stage elevation unless the conduit's critical depth stands above it.
Tidal curves hold (hour of day, stage) and are read at the elapsed simulation time
of day; stage time series hold (seconds since the simulation start, stage).
"""

import numpy as np
from numba import njit

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT, JIT_HOT
from twin.kernels.routing.conduit_geometry import link_critical_depth, link_normal_depth
from twin.kernels.routing.layout import (
    LI_N1,
    LI_N2,
    LI_TRUE_CONDUIT,
    LP_BARRELS,
    LP_OFFSET1,
    LP_OFFSET2,
    LS_FLOW,
    ND_DEPTH,
    NI_CURVE,
    NI_KIND,
    NI_OUTFALL,
    NP_INVERT,
    NP_STAGE,
)
from twin.kernels.routing.storage import curve_interp

OUT_FREE = 0
OUT_NORMAL = 1
OUT_FIXED = 2
OUT_TIDAL = 3
OUT_TIMESERIES = 4


@njit(**JIT)  # returns an array: keeps reference counting
def outfall_stages(t_s, node_par, node_int, curve_start, curve_x, curve_y, stage_at_node):
    """Fill ``stage_at_node`` [ft elevation] for the outfalls at elapsed time ``t_s`` [s].

    Nodes that are not FIXED/TIDAL/TIMESERIES outfalls get their invert elevation.
    """
    n = node_int.shape[0]
    for i in range(n):
        kind = node_int[i, NI_OUTFALL] if node_int[i, NI_KIND] == NODE_OUTFALL else -1
        c = node_int[i, NI_CURVE]
        if kind == OUT_FIXED:
            stage_at_node[i] = node_par[i, NP_STAGE]
        elif kind == OUT_TIDAL and c >= 0:
            k0 = curve_start[c]
            day = t_s / 86400.0
            x = curve_x[k0] + (day - np.floor(day)) * 24.0
            stage_at_node[i] = curve_interp(x, curve_x, curve_y, k0, curve_start[c + 1])
        elif kind == OUT_TIMESERIES and c >= 0:
            stage_at_node[i] = curve_interp(
                t_s, curve_x, curve_y, curve_start[c], curve_start[c + 1]
            )
        else:
            stage_at_node[i] = node_par[i, NP_INVERT]
    return stage_at_node


@njit(**JIT_HOT)
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


@njit(**JIT_HOT)
def set_outfall_depths(
    node_par, node_int, link_par, link_int, xs, tables, link_state, node_state, stage_at_node
):
    """SWMM's ``link_setOutfallDepth`` for every link: set the depth of outfall end nodes."""
    depth = node_state[ND_DEPTH]
    for j in range(link_int.shape[0]):
        n2 = link_int[j, LI_N2]
        n1 = link_int[j, LI_N1]
        if node_int[n2, NI_KIND] == NODE_OUTFALL:
            n = n2
            z = link_par[j, LP_OFFSET2]
        elif node_int[n1, NI_KIND] == NODE_OUTFALL:
            n = n1
            z = link_par[j, LP_OFFSET1]
        else:
            continue
        yn = 0.0
        yc = 0.0
        if link_int[j, LI_TRUE_CONDUIT] == 1:
            q = abs(link_state[LS_FLOW, j] / link_par[j, LP_BARRELS])
            yn = link_normal_depth(j, q, link_par, link_int, xs, tables)
            yc = link_critical_depth(j, q, link_int, xs, tables)
        depth[n] = outfall_depth(
            node_int[n, NI_OUTFALL], node_par[n, NP_INVERT], stage_at_node[n], yn, yc, z
        )
