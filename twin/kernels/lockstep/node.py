"""Node continuity and outfall depths of every member at once, members innermost.

The arithmetic of :func:`twin.kernels.routing.node.set_node_depth` and
:func:`twin.kernels.routing.boundary.set_outfall_depths` on member ``m``'s column of
the ``[node][member]`` state (:mod:`twin.kernels.lockstep.bundles`), for the members
with ``live[m]`` 1.  Units ft, ft2, ft3, cfs, s.
"""

import numpy as np

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.boundary import outfall_depth
from twin.kernels.routing.conduit_geometry import link_critical_depth, link_normal_depth
from twin.kernels.routing.constants import FUDGE, OMEGA, SURCHARGE_EXTRAN
from twin.kernels.routing.storage import node_volume


@kernel(**JIT)
def set_node_depth_members(i, steps, dt, live, nodes, curves, options, ns):
    """New depth of non-outfall node ``i`` of every live member for one Picard pass,
    and its convergence flag (``ns.converged``: 1 when the head moved by at most
    ``options.head_tol``)."""
    can_pond = options.ponding and nodes.ponded_area[i] > 0.0
    full_depth = nodes.full_depth[i]
    y_crown = nodes.crown_depth[i]
    extran = options.surcharge == SURCHARGE_EXTRAN
    storage = nodes.kind[i] == NODE_STORAGE
    surcharge_depth = nodes.surcharge_depth[i]
    corr = 0.6 if nodes.degree[i] < 0 else 1.0
    y_max = full_depth if can_pond else full_depth + surcharge_depth
    full_volume = nodes.full_volume[i]
    for m in range(live.shape[0]):
        if live[m] == 0:
            continue
        y_last = ns.depth[i, m]
        is_ponded = can_pond and y_last > full_depth
        is_surcharged = False
        y_old = ns.depth_old[i, m]
        ns.overflow[i, m] = 0.0
        surf_area = max(ns.surf_area[i, m], options.min_surfarea)
        dq = ns.inflow[i, m] - ns.outflow[i, m]
        dv = 0.5 * (ns.net_inflow_old[i, m] + dq) * dt
        if extran:
            if is_ponded:
                is_surcharged = False
            elif storage:
                is_surcharged = surcharge_depth > 0.0 and y_last > full_depth
            else:
                is_surcharged = y_crown > 0.0 and y_last > y_crown
        if not is_surcharged:
            y_new = y_old + dv / surf_area
            if not is_ponded:
                ns.surf_area_old[i, m] = surf_area
            if steps > 0:
                y_new = (1.0 - OMEGA) * y_last + OMEGA * y_new
            if is_ponded and y_new < full_depth:
                y_new = full_depth - FUDGE
        else:
            denom = ns.sum_dqdh[i, m]
            if y_last < 1.25 * y_crown:
                f = (y_last - y_crown) / y_crown
                denom += (ns.surf_area_old[i, m] / dt - ns.sum_dqdh[i, m]) * np.exp(-15.0 * f)
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
        if y_new > y_max:
            if not can_pond:
                ns.overflow[i, m] = dv / dt
                ns.volume[i, m] = full_volume
                y_new = y_max
            else:
                v_new = max(ns.volume_old[i, m] + dv, full_volume)
                ns.volume[i, m] = v_new
                ns.overflow[i, m] = (v_new - max(ns.volume_old[i, m], full_volume)) / dt
            if ns.overflow[i, m] < FUDGE:
                ns.overflow[i, m] = 0.0
        else:
            ns.volume[i, m] = node_volume(i, y_new, nodes, curves)
        ns.dydt[i, m] = abs(y_new - y_old) / dt
        ns.depth[i, m] = y_new
        if abs(y_last - y_new) > options.head_tol:
            ns.converged[i, m] = 0.0
        else:
            ns.converged[i, m] = 1.0


@kernel(**JIT)
def set_outfall_depths_members(live, nodes, links, xsects, ns, ls):
    """SWMM's ``link_setOutfallDepth`` for every link and live member: the depth of
    outfall end nodes from their stage and the connecting link's flow."""
    for j in range(links.kind.shape[0]):
        n2 = links.node2[j]
        n1 = links.node1[j]
        if nodes.kind[n2] == NODE_OUTFALL:
            n = n2
            z = links.offset2[j]
        elif nodes.kind[n1] == NODE_OUTFALL:
            n = n1
            z = links.offset1[j]
        else:
            continue
        kind = nodes.outfall_kind[n]
        invert = nodes.invert[n]
        conduit = links.true_conduit[j] == 1
        barrels = links.barrels[j]
        for m in range(live.shape[0]):
            if live[m] == 0:
                continue
            yn = 0.0
            yc = 0.0
            if conduit:
                q = abs(ls.flow[j, m] / barrels)
                yn = link_normal_depth(j, q, links, xsects)
                yc = link_critical_depth(j, q, xsects)
            ns.depth[n, m] = outfall_depth(kind, invert, ns.stage[n, m], yn, yc, z)
