"""The variable routing step of the dynamic wave (SWMM 5.2 ``dynwave_getRoutingStep``), s.

A conduit limits the step to the Courant time of its wave, ``courant * L / (|v| + c)``
(with the lengthened length, and never when full, dry or with Froude <= 0.01); a node
below its crown to the time in which its depth would change by a quarter of its crown
height.  The smaller wins, floored to the minimum step and to a whole millisecond.
"""

import numpy as np

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import FUDGE
from twin.kernels.view import view


@kernel(**JIT)
def variable_step(max_step, courant, nodes, links, node_state, link_state):
    """SWMM's getVariableStep before the MINIMUM_STEP floor -> (dt, min_link, min_node)."""
    t_link = max_step
    min_link = -1
    for j in range(link_state.flow.shape[0]):
        if links.true_conduit[j] == 0:
            continue
        barrels = links.barrels[j]
        q = abs(link_state.flow[j]) / barrels
        fr = link_state.froude[j]
        if q <= FUDGE or link_state.a1[j] <= FUDGE or fr <= 0.01:
            continue
        t = link_state.volume[j] / barrels / q
        t = t * links.mod_length[j] / links.length[j]
        t = t * fr / (1.0 + fr) * courant
        if t < t_link:
            t_link = t
            min_link = j
    t_node = t_link
    min_node = -1
    for i in range(node_state.depth.shape[0]):
        if nodes.kind[i] == NODE_OUTFALL:
            continue
        y = node_state.depth[i]
        y_crown = nodes.crown_depth[i]
        if y <= FUDGE or y + FUDGE >= y_crown:
            continue
        max_depth = y_crown * 0.25
        if max_depth < FUDGE:
            continue
        dydt = node_state.dydt[i]
        if dydt < FUDGE:
            continue
        t1 = max_depth / dydt
        if t1 < t_node:
            t_node = t1
            min_node = i
    t_min = t_link
    if t_node < t_min:
        t_min = t_node
        min_link = -1
    return t_min, min_link, min_node


@kernel(**JIT)
def routing_step_size(fixed_step, first, nodes, links, options, node_state, link_state):
    """SWMM's dynwave_getRoutingStep -> (dt [s], critical link, critical node)."""
    courant = options.courant
    if courant == 0.0 or fixed_step < 0.001:
        return fixed_step, -1, -1
    if first:
        dt = options.min_step
        min_link = -1
        min_node = -1
    else:
        dt, min_link, min_node = variable_step(
            fixed_step, courant, view(nodes), view(links), view(node_state), view(link_state)
        )
        if dt < options.min_step:
            dt = options.min_step
    dt = np.floor(1000.0 * dt) / 1000.0
    return dt, min_link, min_node
