"""Node continuity of SWMM 5.2's dynamic wave (``dynwave.c`` setNodeDepth), one node per call.

Units are ft, ft2, ft3, cfs, s.  Below its crown (or always, with the SLOT method)
a node's depth changes by the net inflow volume over its surface area (conduit
halves plus storage or ponded area, at least MIN_SURFAREA), under-relaxed from the
second Picard pass.  Above the crown (EXTRAN) the head moves by ``dQ / sum(dq/dh)``,
blended with the last free-surface area just above the crown.  Water above the rim
plus surcharge depth floods out, or ponds over ``ponded_area`` with ALLOW_PONDING.
"""

import numpy as np

from twin.kernels.codes import NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import (
    FUDGE,
    OMEGA,
    SURCHARGE_EXTRAN,
)
from twin.kernels.routing.storage import node_surface_area, node_volume


@kernel(**JIT)
def ponded_surface_area(i, d, nodes, curves):
    """SWMM's ``node_getPondedArea``: ponded area above the rim, else the node's own area."""
    if d <= nodes.full_depth[i] or nodes.ponded_area[i] == 0.0:
        return node_surface_area(i, d, nodes, curves)
    a = nodes.ponded_area[i]
    if a <= 0.0:
        a = node_surface_area(i, nodes.full_depth[i], nodes, curves)
    return a


@kernel(**JIT)
def set_node_depth(i, steps, dt, nodes, curves, options, node_state):
    """New depth of non-outfall node ``i`` for one Picard pass; writes its ``node_state``."""
    can_pond = options.ponding and nodes.ponded_area[i] > 0.0
    full_depth = nodes.full_depth[i]
    y_last = node_state.depth[i]
    is_ponded = can_pond and y_last > full_depth
    is_surcharged = False
    y_crown = nodes.crown_depth[i]
    y_old = node_state.depth_old[i]
    node_state.overflow[i] = 0.0
    surf_area = max(node_state.surf_area[i], options.min_surfarea)
    dq = node_state.inflow[i] - node_state.outflow[i]
    dv = 0.5 * (node_state.net_inflow_old[i] + dq) * dt

    if options.surcharge == SURCHARGE_EXTRAN:
        if is_ponded:
            is_surcharged = False
        elif nodes.kind[i] == NODE_STORAGE:
            is_surcharged = nodes.surcharge_depth[i] > 0.0 and y_last > full_depth
        else:
            is_surcharged = y_crown > 0.0 and y_last > y_crown

    if not is_surcharged:
        y_new = y_old + dv / surf_area
        if not is_ponded:
            node_state.surf_area_old[i] = surf_area
        if steps > 0:
            y_new = (1.0 - OMEGA) * y_last + OMEGA * y_new
        if is_ponded and y_new < full_depth:
            y_new = full_depth - FUDGE
    else:
        corr = 1.0
        if nodes.degree[i] < 0:
            corr = 0.6
        denom = node_state.sum_dqdh[i]
        if y_last < 1.25 * y_crown:
            f = (y_last - y_crown) / y_crown
            denom += (node_state.surf_area_old[i] / dt - node_state.sum_dqdh[i]) * np.exp(-15.0 * f)
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
        y_max += nodes.surcharge_depth[i]
    if y_new > y_max:
        # flooded: lose the excess, or pond it over the ponded area
        full_volume = nodes.full_volume[i]
        if not can_pond:
            node_state.overflow[i] = dv / dt
            node_state.volume[i] = full_volume
            y_new = y_max
        else:
            v_new = max(node_state.volume_old[i] + dv, full_volume)
            node_state.volume[i] = v_new
            node_state.overflow[i] = (v_new - max(node_state.volume_old[i], full_volume)) / dt
        if node_state.overflow[i] < FUDGE:
            node_state.overflow[i] = 0.0
    else:
        node_state.volume[i] = node_volume(i, y_new, nodes, curves)
    node_state.dydt[i] = abs(y_new - y_old) / dt
    node_state.depth[i] = y_new


@kernel(**JIT)
def add_link_flows(links, node_state, link_state):
    """Add every link's flow [cfs] to the inflow and outflow totals of its end nodes
    (``node_state.inflow``/``outflow``): a positive flow leaves ``node1`` and enters
    ``node2``, a negative one the other way."""
    for j in range(links.kind.shape[0]):
        q = link_state.flow[j]
        n1 = links.node1[j]
        n2 = links.node2[j]
        if q >= 0.0:
            node_state.outflow[n1] += q
            node_state.inflow[n2] += q
        else:
            node_state.inflow[n1] -= q
            node_state.outflow[n2] -= q
