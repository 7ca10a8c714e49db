"""One whole routing step in one compiled call: flows, mass-balance totals, checks, outputs.

SWMM's ``routing_execute`` accumulates its routing totals over half of the step
before routing and half after, with the rates of the moment (outfall outflow,
flooding, inflow through outfalls, lateral inflow, per-node inflow and outflow).
Link settings move towards their targets first (pump start-up / shut-off depths,
control actions, orifice ramps), as SWMM's ``evaluateControlRules`` does.
:func:`route_step` does that around :func:`~twin.kernels.routing.dynwave.dynwave_step` (or the
kinematic-wave / steady-flow step), then looks for a NaN, negative or runaway node
depth and a NaN link flow, and refreshes heads, ponded volumes, velocities and
capacities.  Units ft, ft3, cfs, s.
"""

import numpy as np
from numba import njit

from twin.kernels.config import JIT
from twin.kernels.routing.dynwave import add_node_flow_volumes, dynwave_step, system_outflow_rates
from twin.kernels.routing.kinwave import kinwave_step
from twin.kernels.routing.layout import (
    LS_FLOW,
    LS_VOLUME,
    ND_DEPTH,
    ND_LAT,
    ND_LAT_OLD,
    ND_VOLUME,
    NP_FULL_VOLUME,
    NP_INVERT,
)
from twin.kernels.routing.results import link_results, node_is_bad
from twin.kernels.structures.flows import update_settings

# accumulators: acc[A_*]
A_LATERAL = 0  # lateral inflow volume (signed)
A_OUTFALL = 1  # volume leaving through outfalls
A_FLOODING = 2  # volume lost to flooding
A_OUTFALL_IN = 3  # volume entering through outfalls
A_STORAGE = 4  # current stored volume (nodes, + links unless steady flow)
A_RATE_OUTFALL = 5  # the last step's rates, for the next half step
A_RATE_FLOODING = 6
A_RATE_OUTFALL_IN = 7
N_ACC = 8

MODE_DYNWAVE = 0
MODE_KINWAVE = 1
MODE_STEADY = 2


@njit(**JIT)
def _accumulate(half, acc, node_par, node_int, node_state, inflow_vol, outflow_vol):
    acc[A_OUTFALL] += acc[A_RATE_OUTFALL] * half
    acc[A_FLOODING] += acc[A_RATE_FLOODING] * half
    acc[A_OUTFALL_IN] += acc[A_RATE_OUTFALL_IN] * half
    lat = 0.0
    for i in range(node_state.shape[1]):
        lat += node_state[ND_LAT, i]
    acc[A_LATERAL] += lat * half
    add_node_flow_volumes(half, node_par, node_int, node_state, inflow_vol, outflow_vol)


@njit(**JIT)
def step_begin(
    dt, lateral, node_par, node_int, link_par, link_int, xs, tables, curve_start, curve_x,
    curve_y, node_state, link_state, opt_f, acc, inflow_vol, outflow_vol,
):  # fmt: skip
    """Before routing: the first half-step totals, link settings, this step's lateral inflow."""
    _accumulate(0.5 * dt, acc, node_par, node_int, node_state, inflow_vol, outflow_vol)
    update_settings(
        dt, link_par, link_int, xs, tables, node_state, link_state, curve_start, curve_x,
        curve_y, opt_f,
    )  # fmt: skip
    for i in range(node_state.shape[1]):
        node_state[ND_LAT_OLD, i] = node_state[ND_LAT, i]
        node_state[ND_LAT, i] = lateral[i]


@njit(**JIT)
def step_finish(
    mode, dt, node_par, node_int, link_par, link_int, xs, tables, node_state, link_state,
    ponding, runaway_ft, acc, rates, inflow_vol, outflow_vol, head_at_node, ponded_at_node,
    velocity, capacity, scratch_flow, scratch_depth,
):  # fmt: skip
    """After routing: outflow rates, the second half-step totals, checks, derived outputs.

    Returns ``(bad_node, bad_link)`` (-1 when none).
    """
    system_outflow_rates(mode == MODE_DYNWAVE, node_int, node_par, node_state, rates)
    acc[A_RATE_OUTFALL] = rates[0]
    acc[A_RATE_FLOODING] = rates[1]
    acc[A_RATE_OUTFALL_IN] = rates[2]
    _accumulate(0.5 * dt, acc, node_par, node_int, node_state, inflow_vol, outflow_vol)
    stored = 0.0
    for i in range(node_state.shape[1]):
        stored += node_state[ND_VOLUME, i]
        head_at_node[i] = node_state[ND_DEPTH, i] + node_par[i, NP_INVERT]
        ponded_at_node[i] = 0.0
        if ponding:
            ponded_at_node[i] = max(node_state[ND_VOLUME, i] - node_par[i, NP_FULL_VOLUME], 0.0)
    bad_link = -1
    for j in range(link_state.shape[1]):
        if mode != MODE_STEADY:
            stored += link_state[LS_VOLUME, j]
        if bad_link < 0 and not np.isfinite(link_state[LS_FLOW, j]):
            bad_link = j
    acc[A_STORAGE] = stored
    bad_node = node_is_bad(node_state, node_par, runaway_ft)
    link_results(
        1.0, link_par, link_int, xs, tables, link_state, velocity, capacity, scratch_flow,
        scratch_depth,
    )  # fmt: skip
    return bad_node, bad_link


@njit(**JIT)
def route_step(
    mode, t_s, dt, lateral, node_par, node_int, link_par, link_int, xs, tables, curve_start,
    curve_x, curve_y, node_state, link_state, stage_at_node, opt_f, opt_i, order, ponding,
    runaway_ft, acc, rates, inflow_vol, outflow_vol, head_at_node, ponded_at_node, velocity,
    capacity, scratch_flow, scratch_depth,
):  # fmt: skip
    """Route one step of ``dt`` s from ``t_s`` with ``lateral`` (n_nodes,) cfs inflow.

    Returns ``(passes, bad_node, bad_link)``: Picard passes (negative when they ran out
    before convergence), and the first node / link whose state is not finite or out
    of range (-1 when none).  :func:`twin.kernels.routing.threads.route_step_threads`
    is the same step with the dynamic-wave passes on several threads.
    """
    step_begin(
        dt, lateral, node_par, node_int, link_par, link_int, xs, tables, curve_start, curve_x,
        curve_y, node_state, link_state, opt_f, acc, inflow_vol, outflow_vol,
    )  # fmt: skip
    if mode == MODE_DYNWAVE:
        steps = dynwave_step(
            dt, t_s + dt, node_par, node_int, link_par, link_int, xs, tables, curve_start,
            curve_x, curve_y, node_state, link_state, stage_at_node, opt_f, opt_i,
        )  # fmt: skip
    else:
        steps = kinwave_step(
            dt, ponding, node_par, node_int, link_par, link_int, xs, tables, curve_start,
            curve_x, curve_y, node_state, link_state, order, mode == MODE_STEADY, opt_f,
        )  # fmt: skip
    bad_node, bad_link = step_finish(
        mode, dt, node_par, node_int, link_par, link_int, xs, tables, node_state, link_state,
        ponding, runaway_ft, acc, rates, inflow_vol, outflow_vol, head_at_node, ponded_at_node,
        velocity, capacity, scratch_flow, scratch_depth,
    )  # fmt: skip
    return steps, bad_node, bad_link
