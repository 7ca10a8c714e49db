"""Routing mass balance (SWMM 5.2 ``routing.c`` / ``massbal.c``): what enters and leaves, ft3.

SWMM accumulates its routing totals over half of each step before routing and half
after, with the rates of the moment: outfall outflow, flooding, inflow through
outfalls and lateral inflow of the whole system, and each node's inflow and outflow
(:class:`~twin.kernels.routing.bundles.Totals`).
"""

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel


@kernel(**JIT)
def system_outflow_rates(dynwave, nodes, node_state):
    """SWMM's removeOutflows/node_getSystemOutflow for the step just routed.

    Returns ``(outfall outflow, flooding, inflow entering through outfalls)`` [cfs];
    outfalls that push water into the system get that as their inflow.
    """
    q_out = 0.0
    q_flood = 0.0
    q_in = 0.0
    for i in range(node_state.depth.shape[0]):
        q = 0.0
        flooded = False
        if nodes.kind[i] == NODE_OUTFALL:
            if node_state.outflow[i] == 0.0:
                q = node_state.inflow[i]
            elif node_state.inflow[i] == 0.0:
                q = -node_state.outflow[i]
                node_state.inflow[i] = abs(q)
            node_state.overflow[i] = 0.0
            node_state.volume[i] = 0.0
        elif not dynwave and nodes.degree[i] == 0 and nodes.kind[i] != NODE_STORAGE:
            if node_state.outflow[i] == 0.0:
                q = node_state.inflow[i]
            node_state.overflow[i] = 0.0
            node_state.volume[i] = 0.0
        else:
            if node_state.volume[i] <= nodes.full_volume[i]:
                q = node_state.overflow[i]
            if q > 0.0:
                flooded = True
        if q > 0.0:
            if flooded:
                q_flood += q
            else:
                q_out += q
        else:
            q_in -= q
    return q_out, q_flood, q_in


@kernel(**JIT)
def accumulate(half_dt, nodes, node_state, totals):
    """Add half a step [s] of the current rates to the system and node totals."""
    totals.outfall[0] += totals.rate_outfall[0] * half_dt
    totals.flooding[0] += totals.rate_flooding[0] * half_dt
    totals.outfall_in[0] += totals.rate_outfall_in[0] * half_dt
    lat = 0.0
    for i in range(node_state.depth.shape[0]):
        lat += node_state.lateral[i]
    totals.lateral[0] += lat * half_dt
    inflow_vol = totals.inflow_volume
    outflow_vol = totals.outflow_volume
    for i in range(node_state.depth.shape[0]):
        inflow_vol[i] += node_state.inflow[i] * half_dt
        if nodes.kind[i] == NODE_OUTFALL or (
            nodes.degree[i] == 0 and nodes.kind[i] != NODE_STORAGE
        ):
            outflow_vol[i] += node_state.inflow[i] * half_dt
        else:
            outflow_vol[i] += node_state.outflow[i] * half_dt
            if node_state.volume[i] <= nodes.full_volume[i]:
                outflow_vol[i] += node_state.overflow[i] * half_dt
