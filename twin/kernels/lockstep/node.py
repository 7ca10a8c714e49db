"""Node continuity and outfall depths of every member at once, members innermost.

Each member's node is :func:`twin.kernels.routing.node.node_depth` and each outfall
:func:`twin.kernels.routing.boundary.outfall_link_depth`, the functions the serial
step calls, on member ``m``'s column of the ``[node][member]`` state
(:mod:`twin.kernels.lockstep.bundles`), for the members with ``live[m]`` 1.  Units
ft, ft2, ft3, cfs, s.
"""

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.boundary import outfall_end, outfall_link_depth
from twin.kernels.routing.node import node_depth


@kernel(**JIT)
def set_node_depth_members(i, steps, dt, live, nodes, curves, options, ns):
    """New depth of non-outfall node ``i`` of every live member for one Picard pass,
    and its convergence flag (``ns.converged``: 1 when the head moved by at most
    ``options.head_tol``)."""
    for m in range(live.shape[0]):
        if live[m] == 0:
            continue
        y_last = ns.depth[i, m]
        y_new, volume, overflow, surf_area_old, dydt = node_depth(
            i, steps, dt, y_last, ns.depth_old[i, m], ns.surf_area[i, m], ns.inflow[i, m],
            ns.outflow[i, m], ns.net_inflow_old[i, m], ns.sum_dqdh[i, m],
            ns.surf_area_old[i, m], ns.volume_old[i, m], nodes, curves, options,
        )  # fmt: skip
        ns.overflow[i, m] = overflow
        ns.surf_area_old[i, m] = surf_area_old
        ns.volume[i, m] = volume
        ns.dydt[i, m] = dydt
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
        n, z = outfall_end(j, nodes, links)
        if n < 0:
            continue
        for m in range(live.shape[0]):
            if live[m] == 1:
                ns.depth[n, m] = outfall_link_depth(j, n, z, ls.flow[j, m], ns.stage[n, m],
                                                    nodes, links, xsects)  # fmt: skip
