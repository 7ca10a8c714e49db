"""Reported link quantities and state checks of the router (SWMM 5.2 ``link_getResults``)."""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import FUDGE
from twin.kernels.view import view
from twin.kernels.xsect.geometry import area_at_depth


@kernel(**JIT)
def _link_results(f, links, xsects, link_state, velocity, capacity):
    """Velocity and capacity (A/Afull) at ``old + f (new - old)`` of depth and flow.

    Fills the (n_links,) ``velocity`` [ft/s] (router orientation) and ``capacity``
    [-] arrays; links that are not conduits get 0.
    """
    g = 1.0 - f
    for j in range(link_state.flow.shape[0]):
        y = g * link_state.depth_old[j] + f * link_state.depth[j]
        q = g * link_state.flow_old[j] + f * link_state.flow[j]
        velocity[j] = 0.0
        capacity[j] = 0.0
        if links.true_conduit[j] == 0:
            continue
        a = area_at_depth(xsects, j, y)
        capacity[j] = a / xsects.a_full[j]
        if y > 0.01 and a > FUDGE:
            velocity[j] = q / links.barrels[j] / a


@kernel(**JIT)
def node_is_bad(nodes, options, node_state):
    """First node with a NaN or negative depth, or one ``options.runaway_depth`` above
    its top; -1 when none."""
    for i in range(node_state.depth.shape[0]):
        y = node_state.depth[i]
        if not np.isfinite(y) or y < 0.0:
            return i
        if y > nodes.full_depth[i] + nodes.surcharge_depth[i] + options.runaway_depth:
            return i
    return -1


@kernel(**JIT)
def link_results(f, links, xsects, link_state, velocity, capacity):
    """:func:`_link_results` on the bundles' views (:mod:`twin.kernels.view`)."""
    _link_results(f, view(links), view(xsects), view(link_state), velocity, capacity)
