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
def node_flow_start(i, d, lateral, losses, nodes, curves, options):
    """A Picard pass's start at node ``i`` of depth ``d`` [ft]: ``(surface area [ft2],
    inflow, outflow [cfs])`` from its own (or ponded) area, its ``lateral`` inflow
    and its conduit ``losses`` [cfs], before the links add theirs."""
    if options.ponding:
        a = ponded_surface_area(i, d, nodes, curves)
    else:
        a = node_surface_area(i, d, nodes, curves)
    inflow, outflow = lateral_flows(lateral, losses)
    return a, inflow, outflow


@kernel(**JIT)
def lateral_flows(lateral, losses):
    """A node's ``(inflow, outflow)`` [cfs] at a pass's start: its ``lateral`` inflow
    (an outflow when negative) and its conduit ``losses``."""
    inflow = 0.0
    outflow = losses
    if lateral >= 0.0:
        inflow += lateral
    else:
        outflow -= lateral
    return inflow, outflow


@kernel(**JIT)
def has_own_area(i, nodes, options):
    """Whether node ``i`` can have a surface area of its own (a storage unit, or a
    node that ponds): else :func:`node_flow_start`'s area is 0 at every depth."""
    return nodes.kind[i] == NODE_STORAGE or (options.ponding and nodes.ponded_area[i] != 0.0)


@kernel(**JIT)
def set_node_depth(i, steps, dt, nodes, curves, options, node_state):
    """New depth of non-outfall node ``i`` for one Picard pass; writes its ``node_state``
    (the arithmetic of :func:`node_depth`)."""
    y_new, volume, overflow, surf_area_old, dydt = node_depth(
        i, steps, dt, node_state.depth[i], node_state.depth_old[i], node_state.surf_area[i],
        node_state.inflow[i], node_state.outflow[i], node_state.net_inflow_old[i],
        node_state.sum_dqdh[i], node_state.surf_area_old[i], node_state.volume_old[i], nodes,
        curves, options,
    )  # fmt: skip
    node_state.overflow[i] = overflow
    node_state.surf_area_old[i] = surf_area_old
    node_state.volume[i] = volume
    node_state.dydt[i] = dydt
    node_state.depth[i] = y_new


@kernel(**JIT, inline="llvm")  # inlined by LLVM, as conduit_momentum
def node_depth(i, steps, dt, y_last, y_old, surf_area, inflow, outflow, net_inflow_old,
               sum_dqdh, surf_area_old, volume_old, nodes, curves, options):  # fmt: skip
    """Node continuity of non-outfall node ``i`` for one Picard pass, as numbers.

    From the node's last-pass depth ``y_last`` and the step's old depth ``y_old``
    [ft], its summed surface area [ft2], inflow and outflow [cfs], the step's old net
    inflow [cfs], the links' summed dq/dh [ft2/s], the last free-surface area [ft2]
    and the step's old volume [ft3].  Returns ``(depth, volume, overflow,
    surf_area_old, dydt)``: the new entries of the node state.  The serial step
    (:func:`set_node_depth`) and the lockstep ensembles
    (:mod:`twin.kernels.lockstep.node`) both call it.
    """
    can_pond = options.ponding and nodes.ponded_area[i] > 0.0
    full_depth = nodes.full_depth[i]
    is_ponded = can_pond and y_last > full_depth
    is_surcharged = False
    y_crown = nodes.crown_depth[i]
    overflow = 0.0
    surf_area = max(surf_area, options.min_surfarea)
    dq = inflow - outflow
    dv = 0.5 * (net_inflow_old + dq) * dt

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
            surf_area_old = surf_area
        if steps > 0:
            y_new = (1.0 - OMEGA) * y_last + OMEGA * y_new
        if is_ponded and y_new < full_depth:
            y_new = full_depth - FUDGE
    else:
        corr = 1.0
        if nodes.degree[i] < 0:
            corr = 0.6
        denom = sum_dqdh
        if y_last < 1.25 * y_crown:
            f = (y_last - y_crown) / y_crown
            denom += (surf_area_old / dt - sum_dqdh) * np.exp(-15.0 * f)
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
            overflow = dv / dt
            volume = full_volume
            y_new = y_max
        else:
            volume = max(volume_old + dv, full_volume)
            overflow = (volume - max(volume_old, full_volume)) / dt
        if overflow < FUDGE:
            overflow = 0.0
    else:
        volume = node_volume(i, y_new, nodes, curves)
    return y_new, volume, overflow, surf_area_old, abs(y_new - y_old) / dt


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
