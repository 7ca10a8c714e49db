"""Orifices and outlets (SWMM 5.2 ``orifice_*`` and ``outlet_*`` of ``link.c``), ft/cfs.

An orifice (SIDE or BOTTOM, CIRCULAR or RECT_CLOSED opening) flows as a weir
while the water has not reached its critical height (``f < 1``:
``q = C_weir f^1.5``) and as an orifice above (``q = C_orif sqrt(head)``); a
partly-submerged side orifice takes Villemonte's correction and a flap gate the
ARMCO head loss.  Its setting (fraction open) ramps over the open/close time.
An outlet passes ``setting * rating(head)`` where the rating is a power law or a
curve of depth above the crest (``/DEPTH``) or head difference (``/HEAD``).
Weirs are in :mod:`twin.kernels.structures.weirs`.  Every flow function returns the signed
flow and sets the link's depth, flow class and dq/dh in ``link_state``.
"""

import numpy as np
from numba import njit

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.routing.layout import (
    FC_DN_CRITICAL,
    FC_DRY,
    FC_SUBCRITICAL,
    FC_UP_CRITICAL,
    FUDGE,
    GRAVITY,
    LI_CURVE,
    LI_FLAP,
    LI_N1,
    LI_N2,
    LI_SHAPE,
    LI_SUBTYPE,
    LP_CDISCH,
    LP_EQ_LENGTH,
    LP_OFFSET1,
    LP_ORATE,
    LP_QEXPON,
    LS_C_ORIF,
    LS_C_WEIR,
    LS_DEPTH,
    LS_DQDH,
    LS_FLOW_CLASS,
    LS_H_CRIT,
    LS_SETTING,
    LS_SURF_AREA,
    LS_TARGET,
    ND_DEPTH,
    NI_FLAP,
    NI_KIND,
    NP_INVERT,
    OF_UCF_FLOW,
    OF_UCF_LENGTH,
    ORIFICE_BOTTOM,
    OUTLET_HEAD,
)
from twin.kernels.tables import table_lookup
from twin.kernels.xsect import P_WMAX, P_YFULL, area_at_depth, width_at_depth

SHAPE_CIRCULAR = 1
SHARP_WEIR_COEFF = 0.414  # sharp-crested weir coefficient / sqrt(2g)


@njit(**JIT)
def flap_gate_closed(j, n1, n2, q, node_int, link_int):
    """SWMM's link_setFlapGate: reverse flow through the link's gate or an outfall's gate."""
    if link_int[j, LI_FLAP] == 1 and q < 0.0:
        return True
    n = -1
    if q < 0.0:
        n = n2
    if q > 0.0:
        n = n1
    return n >= 0 and node_int[n, NI_KIND] == NODE_OUTFALL and node_int[n, NI_FLAP] == 1


@njit(**JIT)
def end_heads(j, dynwave, node_par, link_int, node_state):
    """(h1, h2) [ft]: upstream and downstream heads (kinematic wave: h2 = upstream invert)."""
    n1 = link_int[j, LI_N1]
    n2 = link_int[j, LI_N2]
    h1 = node_state[ND_DEPTH, n1] + node_par[n1, NP_INVERT]
    if dynwave:
        h2 = node_state[ND_DEPTH, n2] + node_par[n2, NP_INVERT]
    else:
        h2 = node_par[n1, NP_INVERT]
    return h1, h2


@njit(**JIT)
def oriented_heads(j, dynwave, node_par, link_int, node_state):
    """(h1, h2, y1, direction): the higher end head first [ft], the depth [ft] of the
    node it is at, and +1.0 when that is the inlet node (equal heads too), else -1.0."""
    h1, h2 = end_heads(j, dynwave, node_par, link_int, node_state)
    direction = 1.0 if h1 >= h2 else -1.0
    y1 = node_state[ND_DEPTH, link_int[j, LI_N1]]
    if direction < 0.0:
        h1, h2 = h2, h1
        y1 = node_state[ND_DEPTH, link_int[j, LI_N2]]
    return h1, h2, y1, direction


@njit(**JIT)
def mark_dry(j, link_state):
    """Set link ``j`` dry (depth 0, flow class DRY); returns its flow, 0."""
    link_state[LS_DEPTH, j] = 0.0
    link_state[LS_FLOW_CLASS, j] = FC_DRY
    return 0.0


@njit(**JIT)
def set_wet_flow_class(j, hcrest, h2, direction, link_state):
    """Flow class of a flowing structure: critical at its crest when the downstream
    head ``h2`` [ft] is below the crest ``hcrest`` [ft], subcritical otherwise."""
    link_state[LS_FLOW_CLASS, j] = FC_SUBCRITICAL
    if hcrest > h2:
        link_state[LS_FLOW_CLASS, j] = FC_DN_CRITICAL if direction == 1.0 else FC_UP_CRITICAL


@njit(**JIT)
def flap_head_loss(veloc, head):
    """ARMCO flap-gate head loss [ft] at velocity ``veloc`` [ft/s] under ``head`` [ft]."""
    return (4.0 / GRAVITY) * veloc * veloc * np.exp(-1.15 * veloc / np.sqrt(head))


@njit(**JIT)
def orifice_set_setting(j, tstep, link_par, link_int, xs, tables, link_state):
    """SWMM's orifice_setSetting: move towards the target over ``tstep`` s, refresh coefficients."""
    orate = link_par[j, LP_ORATE]
    target = link_state[LS_TARGET, j]
    if orate == 0.0 or tstep == 0.0:
        link_state[LS_SETTING, j] = target
    else:
        delta = target - link_state[LS_SETTING, j]
        step = tstep / orate
        if step + 0.001 >= abs(delta):
            link_state[LS_SETTING, j] = target
        else:
            link_state[LS_SETTING, j] += np.sign(delta) * step
    shape = link_int[j, LI_SHAPE]
    cd = link_par[j, LP_CDISCH]
    h = link_state[LS_SETTING, j] * xs[j, P_YFULL]
    f = area_at_depth(shape, xs[j], tables, h) * np.sqrt(2.0 * GRAVITY)
    link_state[LS_C_ORIF, j] = cd * f
    if link_int[j, LI_SUBTYPE] == ORIFICE_BOTTOM:
        if shape == SHAPE_CIRCULAR:
            a_over_l = h / 4.0
        else:
            w = xs[j, P_WMAX]
            a_over_l = (h * w) / (2.0 * (h + w))
        h_crit = cd / SHARP_WEIR_COEFF * a_over_l
        h_weir = h_crit
    else:
        h_crit = h
        h_weir = h / 2.0
    link_state[LS_H_CRIT, j] = h_crit
    link_state[LS_C_WEIR, j] = cd * np.sqrt(h_weir) * f


@njit(**JIT)
def _orifice_flow(j, head, f, flap, link_int, xs, tables, link_state):
    """SWMM's orifice_getFlow (unsigned) with the ARMCO flap-gate head loss."""
    for attempt in range(2):
        if head == 0.0 or f <= 0.0:
            link_state[LS_DQDH, j] = 0.0
            return 0.0
        if f < 1.0:
            q = link_state[LS_C_WEIR, j] * f**1.5
            link_state[LS_DQDH, j] = 1.5 * q / (f * link_state[LS_H_CRIT, j])
        else:
            q = link_state[LS_C_ORIF, j] * np.sqrt(head)
            link_state[LS_DQDH, j] = q / (2.0 * head)
        if not flap or attempt == 1:
            return q
        y = link_state[LS_SETTING, j] * xs[j, P_YFULL]
        veloc = q / area_at_depth(link_int[j, LI_SHAPE], xs[j], tables, y)
        h_loss = flap_head_loss(veloc, head)
        if f < 1.0:
            f = max(f - h_loss / link_state[LS_H_CRIT, j], 0.0)
        else:
            head = max(head - h_loss, 0.0)
    return 0.0


@njit(**JIT)
def orifice_inflow(
    j, dynwave, node_par, node_int, link_par, link_int, xs, tables, node_state, link_state
):
    """Signed flow [cfs] through orifice ``j`` (SWMM's orifice_getInflow)."""
    n1 = link_int[j, LI_N1]
    n2 = link_int[j, LI_N2]
    h1, h2, y1, direction = oriented_heads(j, dynwave, node_par, link_int, node_state)
    y_full = xs[j, P_YFULL]
    setting = link_state[LS_SETTING, j]
    hcrest = node_par[n1, NP_INVERT] + link_par[j, LP_OFFSET1]
    if link_int[j, LI_SUBTYPE] == ORIFICE_BOTTOM:
        if h1 < hcrest:
            head = 0.0
        elif h2 > hcrest:
            head = h1 - h2
        else:
            head = h1 - hcrest
        f = min(head / link_state[LS_H_CRIT, j], 1.0)
    else:
        hcrown = hcrest + y_full * setting
        hmid = 0.5 * (hcrest + hcrown)
        if h1 < hcrown and hcrown > hcrest:
            f = (h1 - hcrest) / (hcrown - hcrest)
        else:
            f = 1.0
        if f < 1.0:
            head = h1 - hcrest
        elif h2 < hmid:
            head = h1 - hmid
        else:
            head = h1 - h2
    if head <= FUDGE or y1 <= FUDGE or flap_gate_closed(j, n1, n2, direction, node_int, link_int):
        link_state[LS_SURF_AREA, j] = FUDGE * link_par[j, LP_EQ_LENGTH]
        link_state[LS_DQDH, j] = 0.0
        return mark_dry(j, link_state)
    set_wet_flow_class(j, hcrest, h2, direction, link_state)
    y_open = y_full * setting
    shape = link_int[j, LI_SHAPE]
    if link_int[j, LI_SUBTYPE] == ORIFICE_BOTTOM:
        link_state[LS_DEPTH, j] = y_open
        link_state[LS_SURF_AREA, j] = area_at_depth(shape, xs[j], tables, y_open)
    else:
        link_state[LS_DEPTH, j] = y_open * f
        w = width_at_depth(shape, xs[j], tables, y_open * f)
        link_state[LS_SURF_AREA, j] = w * link_par[j, LP_EQ_LENGTH]
    q = direction * _orifice_flow(
        j, head, f, link_int[j, LI_FLAP] == 1, link_int, xs, tables, link_state
    )
    if f < 1.0 and h2 > hcrest:
        ratio = (h2 - hcrest) / (h1 - hcrest)
        q *= (1.0 - ratio**1.5) ** 0.385
    return q


@njit(**JIT)
def outlet_inflow(
    j,
    dynwave,
    node_par,
    node_int,
    link_par,
    link_int,
    node_state,
    link_state,
    curve_start,
    curve_x,
    curve_y,
    opt_f,
):
    """Signed flow [cfs] through outlet ``j`` (SWMM's outlet_getInflow)."""
    n1 = link_int[j, LI_N1]
    n2 = link_int[j, LI_N2]
    h1, h2, y1, direction = oriented_heads(j, dynwave, node_par, link_int, node_state)
    hcrest = node_par[n1, NP_INVERT] + link_par[j, LP_OFFSET1]
    if link_int[j, LI_SUBTYPE] == OUTLET_HEAD and dynwave:
        head = h1 - max(h2, hcrest)
    else:
        head = h1 - hcrest
    if head <= FUDGE or y1 <= FUDGE or flap_gate_closed(j, n1, n2, direction, node_int, link_int):
        return mark_dry(j, link_state)
    link_state[LS_DEPTH, j] = head
    link_state[LS_FLOW_CLASS, j] = FC_SUBCRITICAL
    h = head * opt_f[OF_UCF_LENGTH]
    c = link_int[j, LI_CURVE]
    if c >= 0:
        q = table_lookup(h, curve_x, curve_y, curve_start[c], curve_start[c + 1])
    else:
        q = link_par[j, LP_CDISCH] * h ** link_par[j, LP_QEXPON]
    return direction * link_state[LS_SETTING, j] * q / opt_f[OF_UCF_FLOW]
