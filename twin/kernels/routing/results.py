"""Reported link quantities and state checks of the router (SWMM 5.2 ``link_getResults``)."""

import numpy as np
from numba import njit

from twin.kernels.config import JIT_HOT
from twin.kernels.routing.layout import (
    FUDGE,
    LI_SHAPE,
    LI_TRUE_CONDUIT,
    LP_BARRELS,
    LS_DEPTH,
    LS_DEPTH_OLD,
    LS_FLOW,
    LS_FLOW_OLD,
    ND_DEPTH,
    NP_FULL_DEPTH,
    NP_SUR_DEPTH,
)
from twin.kernels.xsect import P_AFULL, area_at_depth


@njit(**JIT_HOT)
def link_results(f, link_par, link_int, xs, tables, link_state, velocity, capacity, flow, depth):
    """Depth, flow, velocity and capacity (A/Afull) at ``old + f (new - old)``.

    Fills the (n_links,) ``velocity`` [ft/s], ``capacity`` [-], ``flow`` [cfs] and
    ``depth`` [ft] arrays in the router's internal orientation.
    """
    g = 1.0 - f
    for j in range(link_state.shape[1]):
        y = g * link_state[LS_DEPTH_OLD, j] + f * link_state[LS_DEPTH, j]
        q = g * link_state[LS_FLOW_OLD, j] + f * link_state[LS_FLOW, j]
        flow[j] = q
        depth[j] = y
        velocity[j] = 0.0
        capacity[j] = 0.0
        if link_int[j, LI_TRUE_CONDUIT] == 0:
            continue
        a = area_at_depth(link_int[j, LI_SHAPE], xs[j], tables, y)
        capacity[j] = a / xs[j, P_AFULL]
        if y > 0.01 and a > FUDGE:
            velocity[j] = q / link_par[j, LP_BARRELS] / a


@njit(**JIT_HOT)
def node_is_bad(node_state, node_par, runaway_ft):
    """First node with a NaN or negative depth or a depth ``runaway_ft`` above its top, or -1."""
    for i in range(node_state.shape[1]):
        y = node_state[ND_DEPTH, i]
        if not np.isfinite(y) or y < 0.0:
            return i
        if y > node_par[i, NP_FULL_DEPTH] + node_par[i, NP_SUR_DEPTH] + runaway_ft:
            return i
    return -1
