"""Conduit momentum of every member at once (SWMM 5.2 ``dwflow.c``), members innermost.

The arithmetic is :func:`twin.kernels.routing.conduit.conduit_flow` without the
Newton solver's branches and without conduit evaporation and seepage (a lockstep
batch refuses networks with those): the same operations in the same order on member
``m``'s column of the ``[link][member]`` state (:mod:`twin.kernels.lockstep.bundles`),
so a member routed in lockstep with the steps of its own run gets its own run's
numbers, bit for bit.  Units ft, ft2, cfs, s.
"""

import numpy as np

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.conduit import (
    _flow_class_needs_depths,
    _normal_flow,
    _normal_flow_tests,
    _surface_area,
    flap_gate_closed,
)
from twin.kernels.routing.conduit_geometry import (
    conduit_area,
    conduit_hrad,
    force_main_friction,
    froude_number,
    link_depths,
    slot_width,
)
from twin.kernels.routing.constants import (
    DAMP_FULL,
    DAMP_NONE,
    FC_DN_DRY,
    FC_DRY,
    FC_SUBCRITICAL,
    FC_SUPCRITICAL,
    FC_UP_DRY,
    FUDGE,
    GRAVITY,
    MAX_VELOCITY,
    NFL_NEITHER,
    OMEGA,
    SURCHARGE_SLOT,
)


@kernel(**JIT)
def conduit_flow_members(j, steps, dt, live, nodes, links, xsects, options, ns, ls):
    """New flow in conduit ``j`` of every member with ``live[m]`` 1 and the conduit not
    bypassed, for one Picard pass.  ``ns``/``ls``: the members' node and link state."""
    slot = options.surcharge == SURCHARGE_SLOT
    crown_cutoff = options.crown_cutoff
    closed = xsects.closed[j] == 1
    y_full = xsects.y_full[j]
    barrels = links.barrels[j]
    n1 = links.node1[j]
    n2 = links.node2[j]
    inv1 = nodes.invert[n1]
    inv2 = nodes.invert[n2]
    off1 = links.offset1[j]
    off2 = links.offset2[j]
    z1 = inv1 + off1
    z2 = inv2 + off2
    length = links.mod_length[j]
    true_length = links.length[j]
    out1 = nodes.kind[n1] == NODE_OUTFALL
    out2 = nodes.kind[n2] == NODE_OUTFALL
    fm = links.force_main[j]
    has_losses = links.has_losses[j] == 1
    nfl = options.normal_flow
    damping = options.damping
    q_limit = links.q_limit[j]
    for m in range(live.shape[0]):
        if live[m] == 0 or ls.bypassed[j, m] != 0.0:
            continue
        q_old = ls.flow_old[j, m] / barrels
        q_last = ls.q1[j, m]
        d1 = ns.depth[n1, m]
        d2 = ns.depth[n2, m]
        h1 = max(d1 + inv1, z1)
        h2 = max(d2 + inv2, z2)
        y1 = max(h1 - z1, FUDGE)
        y2 = max(h2 - z2, FUDGE)
        if not slot:
            y1 = min(y1, y_full)
            y2 = min(y2, y_full)
        a_old = max(ls.a2[j, m], FUDGE)
        fz1 = max(0.0, off1 - d1) if out1 else off1
        fz2 = max(0.0, off2 - d2) if out2 else off2
        yn = 0.5 * (y1 + y2)
        yc = yn
        if not (y1 >= y_full and y2 >= y_full) and _flow_class_needs_depths(
            q_last, h1, h2, y1, y2, fz1, fz2, z1, z2
        ):
            yn, yc = link_depths(j, q_last, links, xsects)
        h1, h2, y1, y2, fc, s1, s2, w1, w2, wm = _surface_area(
            j, q_last, length, h1, h2, y1, y2, fz1, fz2, z1, z2, off1, off2, yc, yn, xsects,
            slot, crown_cutoff,
        )  # fmt: skip
        ls.flow_class[j, m] = fc
        ls.surf_area1[j, m] = s1
        ls.surf_area2[j, m] = s2

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
            ls.a1[j, m] = 0.5 * (a1 + a2)
            ls.q1[j, m] = 0.0
            ls.q2[j, m] = 0.0
            ls.dqdh[j, m] = GRAVITY * dt * a_mid / length * barrels
            ls.froude[j, m] = 0.0
            ls.depth[j, m] = min(y_mid, y_full)
            ls.volume[j, m] = ls.a1[j, m] * true_length * barrels
            ls.flow[j, m] = 0.0
            continue

        v = q_last / a_mid
        if abs(v) > MAX_VELOCITY:
            v = MAX_VELOCITY * np.sign(q_last)
        a_fr = a_mid if y_mid < y_full else -1.0
        fr = froude_number(xsects, j, v, y_mid, a_fr)
        ls.froude[j, m] = fr
        if fc == FC_SUBCRITICAL and fr > 1.0:
            fc = FC_SUPCRITICAL
            ls.flow_class[j, m] = fc
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
        if damping == DAMP_NONE:
            sigma = 1.0
        elif damping == DAMP_FULL:
            sigma = 0.0
        if is_full and closed:
            sigma = 0.0

        if fm != 0 and is_full:
            dq1 = dt * force_main_friction(fm, links.fm_rough[j], links.fm_factor[j], abs(v),
                                           r_mid)  # fmt: skip
        else:
            dq1 = dt * links.rough_factor[j] / r_wtd**1.33333 * abs(v)
        dq2 = dt * GRAVITY * a_wtd * (h2 - h1) / length
        dq3 = 0.0
        dq4 = 0.0
        if sigma > 0.0:
            dq3 = 2.0 * v * (a_mid - a_old) * sigma
            dq4 = dt * v * v * (a2 - a1) / length * sigma
        dq5 = 0.0
        if has_losses:
            qa = abs(q_last)
            losses = 0.0
            if a1 > FUDGE:
                losses += links.loss_in[j] * (qa / a1)
            if a2 > FUDGE:
                losses += links.loss_out[j] * (qa / a2)
            if a_mid > FUDGE:
                losses += links.loss_avg[j] * (qa / a_mid)
            dq5 = losses / 2.0 / length * dt
        denom = 1.0 + dq1 + dq5
        q = (q_old - dq2 + dq3 + dq4) / denom
        ls.dqdh[j, m] = 1.0 / denom * GRAVITY * dt * a_wtd / length * barrels

        ls.normal_flow_limited[j, m] = 0.0
        open_flow = fc == FC_SUBCRITICAL or fc == FC_SUPCRITICAL
        if q > 0.0:
            if nfl != NFL_NEITHER and y1 < y_full and open_flow:
                limit, by_froude = _normal_flow_tests(y1, y2, out1 or out2, nfl)
                if by_froude:
                    f1 = froude_number(xsects, j, q / a1, y1, a1)
                    limit = f1 >= 1.0
                if limit:
                    q, limited = _normal_flow(q, a1, r1, links.beta[j])
                    ls.normal_flow_limited[j, m] = limited

        if steps > 0:
            q = (1.0 - OMEGA) * q_last + OMEGA * q
            if q * q_last < 0.0:
                q = 0.001 * np.sign(q)
        if q_limit > 0.0 and abs(q) > q_limit:
            q = np.sign(q) * q_limit
        if flap_gate_closed(j, q, nodes, links):
            q = 0.0
        if q > FUDGE and d1 <= FUDGE:
            q = FUDGE
        if q < -FUDGE and d2 <= FUDGE:
            q = -FUDGE

        ls.a1[j, m] = a_mid
        ls.q1[j, m] = q
        ls.q2[j, m] = q
        ls.depth[j, m] = min(y_mid, y_full)
        ls.volume[j, m] = 0.5 * (a1 + a2) * true_length * barrels
        ls.flow[j, m] = q * barrels
