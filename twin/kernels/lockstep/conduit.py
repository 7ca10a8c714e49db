"""Conduit momentum of every member at once (SWMM 5.2 ``dwflow.c``), members innermost.

Each member's conduit is :func:`twin.kernels.routing.conduit.conduit_momentum`, the
function the serial step calls, on member ``m``'s column of the ``[link][member]``
state (:mod:`twin.kernels.lockstep.bundles`): the same operations in the same order,
so a member routed in lockstep with the steps of its own run gets its own run's
numbers, bit for bit.  No conduit evaporation and seepage (a lockstep batch refuses
networks with those).  Units ft, ft2, cfs, s.
"""

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.conduit import conduit_momentum


@kernel(**JIT)
def conduit_flow_members(j, steps, dt, live, nodes, links, xsects, options, ns, ls):
    """New flow in conduit ``j`` of every member with ``live[m]`` 1 and the conduit not
    bypassed, for one Picard pass.  ``ns``/``ls``: the members' node and link state."""
    n1 = links.node1[j]
    n2 = links.node2[j]
    for m in range(live.shape[0]):
        if live[m] == 0 or ls.bypassed[j, m] != 0.0:
            continue
        (fc, s1, s2, a_mid, q, flow, dqdh, froude, depth, volume, limited, _, _,
         _) = conduit_momentum(
            j, steps, dt, ls.flow_old[j, m], ls.q1[j, m], ls.a2[j, m], ns.depth[n1, m],
            ns.depth[n2, m], ls.normal_flow_limited[j, m], 0.0, nodes, links, xsects, options,
        )  # fmt: skip
        ls.flow_class[j, m] = fc
        ls.surf_area1[j, m] = s1
        ls.surf_area2[j, m] = s2
        ls.a1[j, m] = a_mid
        ls.q1[j, m] = q
        ls.q2[j, m] = q
        ls.dqdh[j, m] = dqdh
        ls.froude[j, m] = froude
        ls.depth[j, m] = depth
        ls.volume[j, m] = volume
        ls.flow[j, m] = flow
        ls.normal_flow_limited[j, m] = limited
