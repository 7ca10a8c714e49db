"""Node continuity of SWMM 5.2's dynamic wave (``dynwave.c`` setNodeDepth), one node per call.

Units are ft, ft2, ft3, cfs, s.  Below its crown (or always, with the SLOT method)
a node's depth changes by the net inflow volume over its surface area (conduit
halves plus storage or ponded area, at least MIN_SURFAREA), under-relaxed from the
second Picard pass.  Above the crown (EXTRAN) the head moves by ``dQ / sum(dq/dh)``,
blended with the last free-surface area just above the crown.  Water above the rim
plus surcharge depth floods out, or ponds over ``ponded_area`` with ALLOW_PONDING.
"""

import numpy as np
from numba import njit

from twin.kernels.codes import NODE_STORAGE
from twin.kernels.config import JIT_HOT
from twin.kernels.routing.layout import (
    FUDGE,
    ND_DEPTH,
    ND_DEPTH_OLD,
    ND_DYDT,
    ND_INFLOW,
    ND_OLD_NET_INFLOW,
    ND_OUTFLOW,
    ND_OVERFLOW,
    ND_SUMDQDH,
    ND_SURF_NEW,
    ND_SURF_OLD,
    ND_VOLUME,
    ND_VOLUME_OLD,
    NI_DEGREE,
    NI_KIND,
    NP_CROWN,
    NP_FULL_DEPTH,
    NP_FULL_VOLUME,
    NP_PONDED_AREA,
    NP_SUR_DEPTH,
    OF_MIN_SURFAREA,
    OI_PONDING,
    OI_SURCHARGE,
    SURCHARGE_EXTRAN,
)
from twin.kernels.routing.storage import node_surface_area, node_volume


@njit(**JIT_HOT)
def ponded_surface_area(i, d, node_par, node_int, curve_start, curve_x, curve_y):
    """SWMM's ``node_getPondedArea``: ponded area above the rim, else the node's own area."""
    if d <= node_par[i, NP_FULL_DEPTH] or node_par[i, NP_PONDED_AREA] == 0.0:
        return node_surface_area(i, d, node_par, node_int, curve_start, curve_x, curve_y)
    a = node_par[i, NP_PONDED_AREA]
    if a <= 0.0:
        a = node_surface_area(
            i, node_par[i, NP_FULL_DEPTH], node_par, node_int, curve_start, curve_x, curve_y
        )
    return a


@njit(**JIT_HOT)
def set_node_depth(
    i, steps, omega, dt, node_par, node_int, node_state, opt_f, opt_i, curve_start, curve_x, curve_y
):
    """New depth of non-outfall node ``i`` for one Picard pass; writes ``node_state[:, i]``."""
    can_pond = opt_i[OI_PONDING] == 1 and node_par[i, NP_PONDED_AREA] > 0.0
    full_depth = node_par[i, NP_FULL_DEPTH]
    y_last = node_state[ND_DEPTH, i]
    is_ponded = can_pond and y_last > full_depth
    is_surcharged = False
    y_crown = node_par[i, NP_CROWN]
    y_old = node_state[ND_DEPTH_OLD, i]
    node_state[ND_OVERFLOW, i] = 0.0
    surf_area = max(node_state[ND_SURF_NEW, i], opt_f[OF_MIN_SURFAREA])
    dq = node_state[ND_INFLOW, i] - node_state[ND_OUTFLOW, i]
    dv = 0.5 * (node_state[ND_OLD_NET_INFLOW, i] + dq) * dt

    if opt_i[OI_SURCHARGE] == SURCHARGE_EXTRAN:
        if is_ponded:
            is_surcharged = False
        elif node_int[i, NI_KIND] == NODE_STORAGE:
            is_surcharged = node_par[i, NP_SUR_DEPTH] > 0.0 and y_last > full_depth
        else:
            is_surcharged = y_crown > 0.0 and y_last > y_crown

    if not is_surcharged:
        y_new = y_old + dv / surf_area
        if not is_ponded:
            node_state[ND_SURF_OLD, i] = surf_area
        if steps > 0:
            y_new = (1.0 - omega) * y_last + omega * y_new
        if is_ponded and y_new < full_depth:
            y_new = full_depth - FUDGE
    else:
        corr = 1.0
        if node_int[i, NI_DEGREE] < 0:
            corr = 0.6
        denom = node_state[ND_SUMDQDH, i]
        if y_last < 1.25 * y_crown:
            f = (y_last - y_crown) / y_crown
            denom += (node_state[ND_SURF_OLD, i] / dt - node_state[ND_SUMDQDH, i]) * np.exp(
                -15.0 * f
            )
        if denom == 0.0:
            dy = 0.0
        else:
            dy = corr * dq / denom
        y_new = y_last + dy
        if y_new < y_crown:
            y_new = y_crown - FUDGE
        if can_pond and y_new > full_depth:
            y_new = full_depth + FUDGE

    if y_new < 0.0:
        y_new = 0.0
    y_max = full_depth
    if not can_pond:
        y_max += node_par[i, NP_SUR_DEPTH]
    if y_new > y_max:
        # flooded: lose the excess, or pond it over the ponded area
        full_volume = node_par[i, NP_FULL_VOLUME]
        if not can_pond:
            node_state[ND_OVERFLOW, i] = dv / dt
            node_state[ND_VOLUME, i] = full_volume
            y_new = y_max
        else:
            v_new = max(node_state[ND_VOLUME_OLD, i] + dv, full_volume)
            node_state[ND_VOLUME, i] = v_new
            node_state[ND_OVERFLOW, i] = (
                v_new - max(node_state[ND_VOLUME_OLD, i], full_volume)
            ) / dt
        if node_state[ND_OVERFLOW, i] < FUDGE:
            node_state[ND_OVERFLOW, i] = 0.0
    else:
        node_state[ND_VOLUME, i] = node_volume(
            i, y_new, node_par, node_int, curve_start, curve_x, curve_y
        )
    node_state[ND_DYDT, i] = abs(y_new - y_old) / dt
    node_state[ND_DEPTH, i] = y_new
