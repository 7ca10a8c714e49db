"""The Newton solver's step controller: local error of the node heads, Courant where flow moves.

After a step of ``dt`` from ``t`` every non-outfall node's head rate ``r = (y - y_old)
/ dt`` is compared with the rate of the step before: the scheme is first order in
time (the momentum equation is implicit Euler), its local error is about
``dt^2 / 2 |y''|``, and ``dt^2 / (dt + dt_prev) |r - r_prev|`` estimates it.  The
next step is ``dt * 0.9 / sqrt(error / tolerance)``, at most twice and at least
half the last one.  Where a conduit's flow changed over the step (a wave passing
through it) the step is also kept below ``courant`` times the conduit's length over
its velocity (the kinematic Courant number: the implicit scheme is stable beyond
it, but a flood wave should not skip a conduit).  A step whose Newton iterations did
not converge halves the next one (named by the node whose head still moved).  The result
is floored to a whole millisecond
as SWMM does, and bounded by the minimum and maximum steps.  Units ft, cfs, s.
"""

import numpy as np

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.newton.system import (
    MODE_FLOODED,
    MODE_SURCHARGED,
    STAT_DT_PREV,
    STAT_ERROR,
    STAT_ERROR_NODE,
    STAT_ITERATIONS,
    STAT_LIMIT_ELEMENT,
    STAT_LIMIT_KIND,
    STAT_MAX_DH_NODE,
    STAT_MIN_ASKED,
)
from twin.kernels.routing.constants import FUDGE, KIND_PUMP

LIMIT_MAX = 0  # the largest step allowed
LIMIT_ERROR = 1  # a node's local error estimate
LIMIT_COURANT = 2  # a conduit's kinematic Courant number
LIMIT_ITERATIONS = 3  # the Newton iterations did not converge
LIMIT_GROWTH = 4  # the step may at most double
LIMIT_MIN = 5  # the smallest step allowed
LIMIT_SWITCH = 6  # a pump's wet well reaching its start-up or shut-off depth
LIMIT_PERIOD = 7  # a node's head oscillating (a surge behind a gate, a sawtooth)
LIMIT_NAMES = ("maximum step", "local error", "Courant", "Newton iterations", "growth",
               "minimum step", "pump switch", "oscillation")  # fmt: skip

SAFETY = 0.9
MAX_GROWTH = 2.0
MAX_SHRINK = 0.5
#: A conduit's flow "changed" when it moved by more than this fraction of itself.
FLOW_CHANGE_FRACTION = 0.01
#: How far past a pump's switching depth a step aims to end [ft].
SWITCH_OVERSHOOT_FT = 0.001
#: A head's turn counts as a half period of oscillation only when at least this many
#: steps passed since its last turn (a head alternating every step is Newton's noise
#: or an unresolved wave, not a period the steps can be fitted to) ...
MIN_STEPS_PER_TURN = 3
#: ... and the head swung by more than this many head tolerances between the two turns.
MIN_SWING_TOLERANCES = 1.0
#: An oscillation has stopped when its head has not turned for this many half periods.
PERIODS_TO_EXPIRE = 2.0


@kernel(**JIT)
def track_oscillation(i, dt, r, y_old, tol_ft, work):
    """Update node ``i``'s record of the turns of its head after a step of ``dt`` s whose
    head rate was ``r`` [ft/s] (``y_old`` [ft]: the depth at the step's start, where the
    head turned if it did: the rate changed sign from the last nonzero one); returns its
    current half period [s] (0: not oscillating).

    A lightly damped surge (a manhole and its outlet pipe behind a flap gate into a
    fixed stage, a period of about 100 s) is a wave the local error estimate cannot see
    once a step spans a good part of its period: the scheme damps it, the heads go
    smooth, and the estimate lets the steps grow.  The turns of the head measure the
    period while the steps still resolve it, and the step is then held to a fraction of
    it for as long as the head keeps turning.
    """
    work.since_turn[i] += dt
    if work.steps_since_turn[i] > 0.0:  # 0 until the head first turns: no period before
        work.steps_since_turn[i] += 1.0
    sign = 1.0 if r > 0.0 else (-1.0 if r < 0.0 else 0.0)
    turned = sign != 0.0 and sign * work.rise[i] < 0.0
    if sign != 0.0:
        work.rise[i] = sign
    if turned:
        swing = abs(y_old - work.turn_depth[i])
        if (work.steps_since_turn[i] > MIN_STEPS_PER_TURN
                and swing > MIN_SWING_TOLERANCES * tol_ft):  # fmt: skip
            work.half_period[i] = work.since_turn[i] - dt  # the turn was at the step's start
        work.turn_depth[i] = y_old
        work.since_turn[i] = dt
        work.steps_since_turn[i] = 1.0
    elif work.since_turn[i] > PERIODS_TO_EXPIRE * work.half_period[i]:
        work.half_period[i] = 0.0
    return work.half_period[i]


@kernel(**JIT)
def _time_to_switch(j, links, node_state, link_state, work):
    """Seconds until pump ``j``'s wet well reaches the depth that switches it, at the
    rate of the last step (a little past it, so the next step starts switched), or inf.

    SWMM switches a pump at the start of the first step that finds its wet well past
    the start-up or shut-off depth; a step ending just past it keeps that timing.
    """
    n1 = links.node1[j]
    y = node_state.depth[n1]
    r = work.rate_old[n1]
    dist = -1.0
    if link_state.setting[j] > 0.0:
        if links.shutoff_depth[j] > 0.0 and r < 0.0:
            dist = y - links.shutoff_depth[j]
    elif links.startup_depth[j] > 0.0 and r > 0.0:
        dist = links.startup_depth[j] - y
    if dist < 0.0:
        return np.inf
    return (dist + SWITCH_OVERSHOOT_FT) / abs(r)


@kernel(**JIT)
def next_step(dt, dt_min, dt_max, tol_ft, floor_ft, surcharged, skip_jumps, courant,
              period_steps, nodes, links, node_state, link_state, work):  # fmt: skip
    """The step [s] to take after a step of ``dt`` s; records the error and the limit.

    ``floor_ft``: the part of each node's estimate [ft] that the iterations' convergence
    explains (heads converged to within a head tolerance make the rate differences of
    three successive heads up to about two tolerances, whatever the step: a step size
    chosen on that would shrink to the minimum without lowering it); subtracted.
    ``surcharged``: whether nodes in EXTRAN surcharge at the step's end count (their head
    is an algebraic balance of the flows, not a stored volume's).  ``skip_jumps``: the end
    nodes of a conduit whose normal-flow limit started or stopped cutting its flow in the
    step (``work.restart``, set at the step's start, against the flag now) are not
    estimated for this step and the next (their head rate jumped with the flow: a
    discontinuity of the link law, which a shorter step does not remove).
    Call once after every routed step.  ``work.stats[STAT_LIMIT_KIND]`` and
    ``[STAT_LIMIT_ELEMENT]`` say what limited it (a node for LIMIT_ERROR, a link for
    LIMIT_COURANT, else -1).
    """
    dt_prev = work.stats[STAT_DT_PREV]
    if skip_jumps:
        for j in range(link_state.flow.shape[0]):
            if links.true_conduit[j] == 1 and (
                (work.restart[j] == 1.0) != (link_state.normal_flow_limited[j] == 1.0)
            ):
                work.jumped[links.node1[j]] = 2.0
                work.jumped[links.node2[j]] = 2.0
    worst_e = 0.0
    worst = -1
    period_dt = np.inf
    period_node = -1
    for i in range(node_state.depth.shape[0]):
        if nodes.kind[i] == NODE_OUTFALL:
            continue
        r = (node_state.depth[i] - node_state.depth_old[i]) / dt
        counted = work.mode[i] != MODE_FLOODED and (surcharged or work.mode[i] != MODE_SURCHARGED)
        if work.jumped[i] > 0.0:
            work.jumped[i] -= 1.0
            counted = False
        if dt_prev > 0.0 and counted:
            e = (dt * dt / (dt + dt_prev) * abs(r - work.rate_old[i]) - floor_ft) / tol_ft
            if e > worst_e:
                worst_e = e
                worst = i
            if period_steps > 0.0:
                half = track_oscillation(i, dt, r, node_state.depth_old[i], tol_ft, work)
                if half > 0.0 and half / period_steps < period_dt:
                    period_dt = half / period_steps
                    period_node = i
        work.rate_old[i] = r
    ratio = worst_e  # the largest over the nodes (an RMS would loosen as networks grow)
    work.stats[STAT_DT_PREV] = dt
    work.stats[STAT_ERROR] = ratio
    work.stats[STAT_ERROR_NODE] = worst
    kind = LIMIT_GROWTH
    element = -1
    factor = MAX_GROWTH
    if ratio > 0.0:
        f = SAFETY / np.sqrt(ratio)
        if f < factor:
            factor = max(f, MAX_SHRINK)
            kind = LIMIT_ERROR
            element = worst
    if work.stats[STAT_ITERATIONS] < 0.0 and factor > MAX_SHRINK:
        factor = MAX_SHRINK  # not converged: a shorter step moves the heads less
        kind = LIMIT_ITERATIONS
        element = int(work.stats[STAT_MAX_DH_NODE])
    new = dt * factor
    if period_dt < new:
        new = max(period_dt, MAX_SHRINK * dt)
        kind = LIMIT_PERIOD
        element = period_node
    if courant > 0.0:
        for j in range(link_state.flow.shape[0]):
            if links.true_conduit[j] == 0:
                continue
            q = link_state.flow[j]
            if abs(q - link_state.flow_old[j]) <= FLOW_CHANGE_FRACTION * abs(q) + FUDGE:
                continue
            a = link_state.a1[j]
            if a <= FUDGE:
                continue
            v = abs(q) / links.barrels[j] / a
            if v <= FUDGE:
                continue
            t = courant * links.mod_length[j] / v
            if t < new:
                new = t
                kind = LIMIT_COURANT
                element = j
    for j in range(link_state.flow.shape[0]):
        if links.kind[j] != KIND_PUMP:
            continue
        t = _time_to_switch(j, links, node_state, link_state, work)
        if t < new:
            new = t
            kind = LIMIT_SWITCH
            element = j
    if new >= dt_max:
        new = dt_max
        kind = LIMIT_MAX
        element = -1
    if new <= dt_min:  # the element that asked for less stays named (STAT_MIN_ASKED)
        new = dt_min
        work.stats[STAT_MIN_ASKED] = kind
        kind = LIMIT_MIN
    new = np.floor(1000.0 * new) / 1000.0
    work.stats[STAT_LIMIT_KIND] = kind
    work.stats[STAT_LIMIT_ELEMENT] = element
    return new
