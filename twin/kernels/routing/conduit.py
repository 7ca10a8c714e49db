"""Conduit momentum of SWMM 5.2's dynamic wave (``dwflow.c``), one conduit per call.

Units are ft, ft2, cfs and s; the bundles are those of
:mod:`twin.kernels.routing.bundles` and :class:`twin.kernels.xsect.XSects`.  Method
(read from SWMM's source, written anew): the explicit momentum update

``q = (q_old - dq2 + dq3 + dq4) / (1 + dq1 + dq5)``

with friction ``dq1``, gravity ``dq2``, inertia ``dq3, dq4`` (damped by sigma),
local losses ``dq5``; upstream weighting of area and hydraulic radius; normal-flow
limiting, or a culvert's inlet control (:mod:`twin.kernels.routing.culvert`);
under-relaxation from the second Picard pass; flap gates; and the conduit's half surface
areas assigned to its end nodes by flow class.
"""

import numpy as np

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.conduit_geometry import (
    conduit_area,
    conduit_hrad,
    conduit_width,
    force_main_friction,
    froude_number,
    link_depths,
    slot_width,
)
from twin.kernels.routing.constants import (
    CONDUIT_LOSSES,
    CULVERTS,
    DAMP_FULL,
    DAMP_NONE,
    FC_DN_CRITICAL,
    FC_DN_DRY,
    FC_DRY,
    FC_SUBCRITICAL,
    FC_SUPCRITICAL,
    FC_UP_CRITICAL,
    FC_UP_DRY,
    FUDGE,
    GRAVITY,
    MAX_VELOCITY,
    NFL_BOTH,
    NFL_FROUDE,
    NFL_NEITHER,
    NFL_SLOPE,
    OMEGA,
    SURCHARGE_SLOT,
)
from twin.kernels.routing.culvert import culvert_inflow
from twin.kernels.routing.losses import conduit_loss_rate


@kernel(**JIT)
def _flow_class_needs_depths(q, h1, h2, y1, y2, z1, z2, zu, zd):
    """True when :func:`_flow_class` compares the ends with the normal and critical depths
    (SWMM computes them only then: the critical depth costs a search)."""
    if y1 > FUDGE and y2 > FUDGE:
        if q < 0.0:
            return z1 > 0.0
        return z2 > 0.0
    if y1 <= FUDGE and y2 <= FUDGE:
        return False
    if y2 > FUDGE:
        return not h2 < zu and z1 > 0.0
    return not h1 < zd and z2 > 0.0


@kernel(**JIT)
def _flow_class(q, h1, h2, y1, y2, yc, yn, z1, z2, zu, zd):
    """Flow class of a partly full conduit -> (class, fasnh). SWMM's getFlowClass.

    ``z1``/``z2`` are the end offsets (already based on an outfall's depth), ``zu``/``zd``
    the elevations of the conduit's upstream / downstream inverts; ``yc``/``yn`` the
    critical and normal depths [ft] where :func:`_flow_class_needs_depths` holds.
    """
    fc = FC_SUBCRITICAL
    fasnh = 1.0
    if y1 > FUDGE and y2 > FUDGE:
        if q < 0.0:
            if z1 > 0.0:
                if y1 < min(yc, yn):
                    fc = FC_UP_CRITICAL
        elif z2 > 0.0:
            yc_min = min(yc, yn)
            yc_max = max(yc, yn)
            if y2 < yc_min:
                fc = FC_DN_CRITICAL
            elif y2 < yc_max:
                if yc_max - yc_min < FUDGE:
                    fasnh = 0.0
                else:
                    fasnh = (yc_max - y2) / (yc_max - yc_min)
    elif y1 <= FUDGE and y2 <= FUDGE:
        fc = FC_DRY
    elif y2 > FUDGE:
        if h2 < zu:
            fc = FC_UP_DRY
        elif z1 > 0.0:
            fc = FC_UP_CRITICAL
    else:
        if h1 < zd:
            fc = FC_DN_DRY
        elif z2 > 0.0:
            fc = FC_DN_CRITICAL
    return fc, fasnh


@kernel(**JIT)
def _surface_area(
    j,
    q,
    length,
    h1,
    h2,
    y1,
    y2,
    z1,
    z2,
    zu,
    zd,
    off1,
    off2,
    yc,
    yn,
    xsects,
    slot,
    crown_cutoff,
):
    """Flow class and half-conduit surface areas (SWMM's findSurfArea).

    ``yc``/``yn`` are the critical and normal depths [ft] when the flow class needs
    them (:func:`_flow_class_needs_depths`), else any number.  Returns
    ``(h1, h2, y1, y2, class, s1, s2, w1, w2, wm)``: the heads and depths adjusted for
    critical / dry ends, the surface areas [ft2] given to the end nodes, and the top
    widths [ft] at both ends and mid-depth (0 when dry).
    """
    y_full = xsects.y_full[j]
    fasnh = 1.0
    if y1 >= y_full and y2 >= y_full:
        fc = FC_SUBCRITICAL
    else:
        fc, fasnh = _flow_class(q, h1, h2, y1, y2, yc, yn, z1, z2, zu, zd)
    # critical or dry ends: the depth and head the end takes
    if fc == FC_UP_CRITICAL:
        y1 = yc
        if yn < yc:
            y1 = yn
        y1 = max(y1, FUDGE)
        h1 = zu + y1
    elif fc == FC_DN_CRITICAL:
        y2 = yc
        if yn < yc:
            y2 = yn
        y2 = max(y2, FUDGE)
        h2 = zd + y2
    elif fc == FC_UP_DRY:
        y1 = FUDGE
    elif fc == FC_DN_DRY:
        y2 = FUDGE
    if fc == FC_DRY:
        s1 = FUDGE * length / 2.0
        return h1, h2, y1, y2, fc, s1, s1, 0.0, 0.0, 0.0
    # top widths at both ends and the mean depth (a class may leave one unused)
    ym = max(0.5 * (y1 + y2), FUDGE)
    w1 = conduit_width(xsects, j, y1, slot, crown_cutoff)
    w2 = conduit_width(xsects, j, y2, slot, crown_cutoff)
    wm = conduit_width(xsects, j, ym, slot, crown_cutoff)
    s1 = 0.0
    s2 = 0.0
    if fc == FC_SUBCRITICAL or fc == FC_SUPCRITICAL:
        s1 = (w1 + wm) * length / 4.0
        s2 = (wm + w2) * length / 4.0 * fasnh
    elif fc == FC_UP_CRITICAL:
        s2 = (wm + w2) * length * 0.5
    elif fc == FC_DN_CRITICAL:
        s1 = (w1 + wm) * length * 0.5
    elif fc == FC_UP_DRY:
        s2 = (wm + w2) * length / 4.0
        if off1 <= 0.0:
            s1 = (w1 + wm) * length / 4.0
    else:  # FC_DN_DRY
        s1 = (wm + w1) * length / 4.0
        if off2 <= 0.0:
            s2 = (w2 + wm) * length / 4.0
    return h1, h2, y1, y2, fc, s1, s2, w1, w2, wm


@kernel(**JIT)
def _normal_flow_tests(y1, y2, has_outfall, nfl):
    """``(limit by slope, test the Froude number)`` of the normal-flow limit (SLOPE /
    FROUDE / BOTH; an end at an outfall always uses the slope test)."""
    by_slope = (nfl == NFL_SLOPE or nfl == NFL_BOTH or has_outfall) and y1 < y2
    by_froude = (
        not by_slope
        and (nfl == NFL_FROUDE or nfl == NFL_BOTH)
        and not has_outfall
        and y1 > FUDGE
        and y2 > FUDGE
    )
    return by_slope, by_froude


@kernel(**JIT)
def _normal_flow(q, a1, r1, beta):
    """The normal-flow limit on ``q`` [cfs]: Manning's flow at the upstream area ``a1``
    [ft2] and hydraulic radius ``r1`` [ft] when smaller; returns ``(q, limited)``."""
    q_norm = beta * a1 * r1 ** (2.0 / 3.0)
    if q_norm < q:
        return q_norm, 1
    return q, 0


@kernel(**JIT)
def _area_derivatives(q, q_last, dt, length, h1, h2, a_mid, a_old, f_fric, rho, sigma, v, w1, w2,
                      wm, full1, full2):  # fmt: skip
    """How the Newton update's numerator moves with the end depths through the areas.

    Gravity acts on the weighted area, friction and inertia on the mid area, convection
    on the end areas; ``dA/dy`` is the top width.  ``full1``/``full2``: that end's node
    stands at or above the crown and its depth is held at the full depth (no slot), so
    no area moves with its head.  Returns ``(d/dy1, d/dy2)`` [cfs/ft per barrel, before
    dividing by the denominator].
    """
    c_grav = dt * GRAVITY * (h2 - h1) / length  # dq2 per unit of weighted area
    d_mid = 0.0  # d numerator / d a_mid
    if a_mid > FUDGE:
        d_mid = q * f_fric / a_mid + q_last * sigma * a_old / (a_mid * a_mid)
    c_conv = dt * v * v * sigma / length  # dq4 per unit of (a2 - a1)
    half_mid1 = 0.0 if full1 else 0.5 * wm  # d a_mid / d y1
    half_mid2 = 0.0 if full2 else 0.5 * wm
    if full1:
        w1 = 0.0
    if full2:
        w2 = 0.0
    g1 = -c_grav * ((1.0 - rho) * w1 + rho * half_mid1) + d_mid * half_mid1 - c_conv * w1
    g2 = -c_grav * rho * half_mid2 + d_mid * half_mid2 + c_conv * w2
    return g1, g2


@kernel(**JIT)
def flap_gate_closed(j, q, nodes, links):
    """True when flow ``q`` would run backwards through the link's or an outfall's flap gate."""
    if links.flap_gate[j] == 1 and q * links.direction[j] < 0.0:
        return True
    n = -1
    if q < 0.0:
        n = links.node2[j]
    if q > 0.0:
        n = links.node1[j]
    if n >= 0 and nodes.kind[n] == NODE_OUTFALL and nodes.flap_gate[n] == 1:
        return True
    return False


@kernel(**JIT)
def conduit_flow(
    j,
    steps,
    dt,
    nodes,
    links,
    xsects,
    options,
    node_state,
    link_state,
    newton=None,
    q_hist=0.0,
    a_hist=0.0,
    beta=1.0,
    limit_test=-1,
):
    """New flow in conduit ``j`` for one Picard pass (SWMM's dwflow_findConduitFlow).

    Reads node depths from ``node_state.depth`` and the conduit's last-pass flow
    from ``link_state.q1[j]``; writes flow, depth, volume, areas, dq/dh, Froude
    number, flow class and surface areas into entry ``j`` of ``link_state``: the
    arithmetic is :func:`conduit_momentum`'s (shared with the lockstep ensembles,
    :mod:`twin.kernels.lockstep.conduit`).  With ``newton=True`` the derivatives of
    the flow with respect to the upstream and downstream heads [cfs/ft, all barrels] are
    returned (see :func:`conduit_momentum`); left out, ``(0.0, 0.0)``.  ``newton`` is
    tested as ``is not None``: numba drops a branch on an argument left at a default of
    ``None`` before typing it (not one left at ``False``), so the SWMM path never types
    the Newton call of :func:`conduit_momentum` (a second compile of it, 0.7 s).
    """
    loss_rate = 0.0
    if newton is not None:  # the Newton solver does not update evaporation and seepage
        pass
    elif CONDUIT_LOSSES and options.conduit_losses:
        loss_rate = conduit_loss_rate(j, dt, links, xsects, link_state)
    flow_old, q_last, a_old = link_state.flow_old[j], link_state.q1[j], link_state.a2[j]
    d1, d2 = node_state.depth[links.node1[j]], node_state.depth[links.node2[j]]
    last = link_state.normal_flow_limited[j]
    if newton is not None:
        got = conduit_momentum(j, steps, dt, flow_old, q_last, a_old, d1, d2, last, loss_rate,
                               nodes, links, xsects, options, newton, q_hist, a_hist, beta,
                               limit_test)  # fmt: skip
    else:  # newton left out: numba drops its branches from the compilation
        got = conduit_momentum(j, steps, dt, flow_old, q_last, a_old, d1, d2, last, loss_rate,
                               nodes, links, xsects, options)  # fmt: skip
    fc, s1, s2, a_mid, q, flow, dqdh, froude, depth, volume, limited, up, dn, dry = got
    link_state.flow_class[j] = fc
    link_state.surf_area1[j] = s1
    link_state.surf_area2[j] = s2
    link_state.a1[j] = a_mid
    link_state.q1[j] = q
    link_state.q2[j] = q
    link_state.dqdh[j] = dqdh
    link_state.froude[j] = froude
    link_state.depth[j] = depth
    link_state.volume[j] = volume
    link_state.flow[j] = flow
    link_state.normal_flow_limited[j] = limited
    if CONDUIT_LOSSES and dry and options.conduit_losses:
        link_state.evap_loss[j] = 0.0
        link_state.seep_loss[j] = 0.0
    return up, dn


#: Inlined into its callers by LLVM (its 14 results would otherwise go through memory
#: on every conduit and pass: the serial step measured 5-6 % slower per step).
@kernel(**JIT, inline="llvm")
def conduit_momentum(
    j,
    steps,
    dt,
    flow_old,
    q_last,
    a_old,
    d1,
    d2,
    limited_last,
    loss_rate,
    nodes,
    links,
    xsects,
    options,
    newton=False,
    q_hist=0.0,
    a_hist=0.0,
    beta=1.0,
    limit_test=-1,
):
    """One Picard pass of conduit ``j``'s momentum from its state, as numbers.

    Inputs: the step's old flow ``flow_old`` [cfs, all barrels], the last pass's
    flow ``q_last`` [cfs per barrel] and upstream area ``a_old`` (``link_state.a2``,
    ft2), the end nodes' depths ``d1``, ``d2`` [ft], the last normal-flow flag
    ``limited_last`` (kept by a dry conduit), and the evaporation and seepage rate
    ``loss_rate`` [cfs per barrel, used when ``options.conduit_losses``].  Returns
    ``(flow_class, surf_area1, surf_area2, a1, q, flow, dqdh, froude, depth, volume,
    normal_flow_limited, dqdh_up, dqdh_dn, dry)``: the new entries of the link state
    (``q`` per barrel is ``q1`` and ``q2``, ``flow`` all barrels; ``a1`` the mid
    area), the head derivatives (``newton`` only, else 0) and whether the conduit was
    dry.  The serial step (:func:`conduit_flow`) and the lockstep ensembles
    (:mod:`twin.kernels.lockstep.conduit`) both call it, so the two do the same
    operations in the same order.

    With ``newton`` (the Newton solver, :mod:`twin.kernels.newton`) the time
    derivative is taken from the history ``q_hist`` [cfs per barrel] and ``a_hist``
    [ft2] with the step weight ``beta`` (BDF2, or backward Euler when ``beta`` is 1
    and the histories are the step's start), friction and losses are linearised
    about the last flow instead of lagged, so that the flow is one Newton step on
    the conduit's own momentum equation (the solution SWMM's passes converge to),
    and the derivatives of the flow with respect to the upstream and downstream
    heads [cfs/ft, all barrels] are returned: through the head difference and
    through the areas, zero at an end whose head the flow does not see (a critical
    or dry end, the normal-flow limit's downstream end, a closed flap gate, a flow
    cap).  ``limit_test`` (newton only) fixes whether the normal-flow limit is tested
    (1) or not (0) instead of deciding it from the new flow (-1): the Newton iterations
    of a step keep the decision of their first, for the limit makes the flow jump
    (``normal_flow_limited`` is then 1 where it cut the flow, 0.5 where tested but not
    cutting).
    """
    dqdh_up = 0.0
    dqdh_dn = 0.0
    slot = options.surcharge == SURCHARGE_SLOT
    crown_cutoff = options.crown_cutoff
    closed = xsects.closed[j] == 1
    y_full = xsects.y_full[j]
    barrels = links.barrels[j]
    q_old = flow_old / barrels
    n1 = links.node1[j]
    n2 = links.node2[j]
    inv1 = nodes.invert[n1]
    inv2 = nodes.invert[n2]
    off1 = links.offset1[j]
    off2 = links.offset2[j]
    z1 = inv1 + off1
    z2 = inv2 + off2
    h1 = max(d1 + inv1, z1)
    h2 = max(d2 + inv2, z2)
    y1 = max(h1 - z1, FUDGE)
    y2 = max(h2 - z2, FUDGE)
    # an end at or above the crown is held at the full depth (no slot): its areas no
    # longer move with its head (newton's derivatives)
    full1 = not slot and y1 >= y_full
    full2 = not slot and y2 >= y_full
    if not slot:
        y1 = min(y1, y_full)
        y2 = min(y2, y_full)
    a_old = max(a_old, FUDGE)
    length = links.mod_length[j]
    true_length = links.length[j]
    # offsets for the flow class, based on an outfall's depth
    out1 = nodes.kind[n1] == NODE_OUTFALL
    out2 = nodes.kind[n2] == NODE_OUTFALL
    fz1 = max(0.0, off1 - d1) if out1 else off1
    fz2 = max(0.0, off2 - d2) if out2 else off2

    # the normal and critical depths, where the flow class needs them
    yn = 0.5 * (y1 + y2)
    yc = yn
    if not (y1 >= y_full and y2 >= y_full) and _flow_class_needs_depths(
        q_last, h1, h2, y1, y2, fz1, fz2, z1, z2
    ):
        yn, yc = link_depths(j, q_last, links, xsects)
    h1, h2, y1, y2, fc, s1, s2, w1, w2, wm = _surface_area(
        j,
        q_last,
        length,
        h1,
        h2,
        y1,
        y2,
        fz1,
        fz2,
        z1,
        z2,
        off1,
        off2,
        yc,
        yn,
        xsects,
        slot,
        crown_cutoff,
    )

    y_mid = 0.5 * (y1 + y2)
    w_slot = slot_width(xsects, j, y1, slot, crown_cutoff)
    a1 = conduit_area(xsects, j, y1, w_slot)
    r1 = conduit_hrad(xsects, j, y1)
    w_slot = slot_width(xsects, j, y2, slot, crown_cutoff)
    a2 = conduit_area(xsects, j, y2, w_slot)
    w_slot = slot_width(xsects, j, y_mid, slot, crown_cutoff)
    a_mid = conduit_area(xsects, j, y_mid, w_slot)
    r_mid = conduit_hrad(xsects, j, y_mid)
    is_full = y1 >= y_full and y2 >= y_full

    if fc == FC_DRY or fc == FC_UP_DRY or fc == FC_DN_DRY or a_mid <= FUDGE:
        a_dry = 0.5 * (a1 + a2)
        return (fc, s1, s2, a_dry, 0.0, 0.0, GRAVITY * dt * a_mid / length * barrels, 0.0,
                min(y_mid, y_full), a_dry * true_length * barrels, limited_last, dqdh_up,
                dqdh_dn, True)  # fmt: skip

    v = q_last / a_mid
    if abs(v) > MAX_VELOCITY:
        v = MAX_VELOCITY * np.sign(q_last)
    # below the crown a_mid is the plain area at y_mid: the Froude number reuses it
    a_fr = a_mid if y_mid < y_full else -1.0
    fr = froude_number(xsects, j, v, y_mid, a_fr)
    if fc == FC_SUBCRITICAL and fr > 1.0:
        fc = FC_SUPCRITICAL
    if fr <= 0.5:
        sigma = 1.0
    elif fr >= 1.0:
        sigma = 0.0
    else:
        sigma = 2.0 * (1.0 - fr)
    rho = 1.0
    if not is_full and q_last > 0.0 and h1 >= h2:
        rho = sigma
    a_wtd = a1 + (a_mid - a1) * rho
    r_wtd = r1 + (r_mid - r1) * rho
    damping = options.damping
    if damping == DAMP_NONE:
        sigma = 1.0
    elif damping == DAMP_FULL:
        sigma = 0.0
    if is_full and closed:
        sigma = 0.0

    fm = links.force_main[j]
    if fm != 0 and is_full:
        dq1 = dt * force_main_friction(fm, links.fm_rough[j], links.fm_factor[j], abs(v), r_mid)
    else:
        dq1 = dt * links.rough_factor[j] / r_wtd**1.33333 * abs(v)
    dq2 = dt * GRAVITY * a_wtd * (h2 - h1) / length
    dq3 = 0.0
    dq4 = 0.0
    if sigma > 0.0:
        dq3 = 2.0 * v * (a_mid - a_old) * sigma
        dq4 = dt * v * v * (a2 - a1) / length * sigma
    dq5 = 0.0
    if links.has_losses[j] == 1:
        qa = abs(q_last)
        losses = 0.0
        if a1 > FUDGE:
            losses += links.loss_in[j] * (qa / a1)
        if a2 > FUDGE:
            losses += links.loss_out[j] * (qa / a2)
        if a_mid > FUDGE:
            losses += links.loss_avg[j] * (qa / a_mid)
        dq5 = losses / 2.0 / length * dt
    if newton:
        # BDF2 in time (BE when beta = 1): the histories, the step's terms times beta,
        # SWMM's local-acceleration term 2 v dA sigma at the half weight its two passes
        # give it, friction and losses linearised about q_last
        f_fric = beta * (dq1 + dq5)
        denom = 1.0 + 2.0 * f_fric
        q = (q_hist + beta * (dq4 - dq2) + v * (a_mid - a_hist) * sigma + f_fric * q_last) / denom
        dqdh = beta / denom * GRAVITY * dt * a_wtd / length * barrels
        g1, g2 = _area_derivatives(q, q_last, beta * dt, length, h1, h2, a_mid, a_hist, f_fric,
                                   rho, sigma, v, w1, w2, wm, full1, full2)  # fmt: skip
        # signs kept physical (flow rises with the upstream head, falls with the downstream
        # one) so that the node system stays an M-matrix
        dqdh_up = max(dqdh + g1 / denom * barrels, 0.0)
        dqdh_dn = min(-dqdh + g2 / denom * barrels, 0.0)
        if fc == FC_UP_CRITICAL:
            dqdh_up = 0.0
        elif fc == FC_DN_CRITICAL:
            dqdh_dn = 0.0
    else:
        denom = 1.0 + dq1 + dq5
        if CONDUIT_LOSSES and options.conduit_losses:
            # evaporation and seepage along the conduit (SWMM's dq6), from the last pass
            dq6 = loss_rate * 2.5 * dt * v / true_length
            q = (q_old - dq2 + dq3 + dq4 + dq6) / denom
        else:
            q = (q_old - dq2 + dq3 + dq4) / denom
        dqdh = 1.0 / denom * GRAVITY * dt * a_wtd / length * barrels

    limited = 0.0
    nfl = options.normal_flow
    culvert = links.culvert[j]
    if q > 0.0:
        # inlet control instead of the normal-flow limit
        if CULVERTS and culvert > 0 and not is_full:
            q, dqdh_inlet, controlled = culvert_inflow(
                culvert, q, h1 - z1, links.culvert_slope[j], xsects, j
            )
            if controlled:
                dqdh = dqdh_inlet  # per barrel, as SWMM sets it
                if newton:  # the inlet's flow sees the upstream head only
                    dqdh_up = dqdh_inlet * barrels
                    dqdh_dn = 0.0
        elif nfl != NFL_NEITHER and y1 < y_full and (fc == FC_SUBCRITICAL or fc == FC_SUPCRITICAL):
            if newton and limit_test >= 0:
                limit = limit_test == 1
            else:
                limit, by_froude = _normal_flow_tests(y1, y2, out1 or out2, nfl)
                if by_froude:  # a1 is the area at y1 (y1 is below the crown here)
                    f1 = froude_number(xsects, j, q / a1, y1, a1)
                    limit = f1 >= 1.0
            if limit:
                q, limited_now = _normal_flow(q, a1, r1, links.beta[j])
                limited = float(limited_now)
                if newton and limited_now == 1:  # q = beta A1 R1^(2/3): sees y1 only
                    w1 = conduit_width(xsects, j, y1, slot, crown_cutoff)
                    dqdh_up = q * (5.0 / 3.0) * w1 / a1 * barrels
                    dqdh_dn = 0.0
                elif newton:
                    limited = 0.5

    if steps > 0:
        q = (1.0 - OMEGA) * q_last + OMEGA * q
        if q * q_last < 0.0:
            q = 0.001 * np.sign(q)
    q_limit = links.q_limit[j]
    capped = False
    if q_limit > 0.0 and abs(q) > q_limit:
        q = np.sign(q) * q_limit
        capped = True
    if flap_gate_closed(j, q, nodes, links):
        q = 0.0
        capped = True
    if q > FUDGE and d1 <= FUDGE:
        q = FUDGE
        capped = True
    if q < -FUDGE and d2 <= FUDGE:
        q = -FUDGE
        capped = True
    if newton and capped:
        dqdh_up = 0.0
        dqdh_dn = 0.0
    return (fc, s1, s2, a_mid, q, q * barrels, dqdh, fr, min(y_mid, y_full),
            0.5 * (a1 + a2) * true_length * barrels, limited, dqdh_up, dqdh_dn,
            False)  # fmt: skip
