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

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import (
    FC_DN_CRITICAL,
    FC_DRY,
    FC_SUBCRITICAL,
    FC_UP_CRITICAL,
    FUDGE,
    GRAVITY,
    ORIFICE_BOTTOM,
    OUTLET_HEAD,
)
from twin.kernels.tables import table_lookup
from twin.kernels.xsect import area_at_depth, width_at_depth

SHAPE_CIRCULAR = 1
SHARP_WEIR_COEFF = 0.414  # sharp-crested weir coefficient / sqrt(2g)


@kernel(**JIT)
def flap_gate_closed(j, n1, n2, q, nodes, links):
    """SWMM's link_setFlapGate: reverse flow through the link's gate or an outfall's gate."""
    if links.flap_gate[j] == 1 and q < 0.0:
        return True
    n = -1
    if q < 0.0:
        n = n2
    if q > 0.0:
        n = n1
    return n >= 0 and nodes.kind[n] == NODE_OUTFALL and nodes.flap_gate[n] == 1


@kernel(**JIT)
def end_heads(j, dynwave, nodes, links, node_state):
    """(h1, h2) [ft]: upstream and downstream heads (kinematic wave: h2 = upstream invert)."""
    n1 = links.node1[j]
    n2 = links.node2[j]
    h1 = node_state.depth[n1] + nodes.invert[n1]
    if dynwave:
        h2 = node_state.depth[n2] + nodes.invert[n2]
    else:
        h2 = nodes.invert[n1]
    return h1, h2


@kernel(**JIT)
def oriented_heads(j, dynwave, nodes, links, node_state):
    """(h1, h2, y1, direction): the higher end head first [ft], the depth [ft] of the
    node it is at, and +1.0 when that is the inlet node (equal heads too), else -1.0."""
    h1, h2 = end_heads(j, dynwave, nodes, links, node_state)
    direction = 1.0 if h1 >= h2 else -1.0
    y1 = node_state.depth[links.node1[j]]
    if direction < 0.0:
        h1, h2 = h2, h1
        y1 = node_state.depth[links.node2[j]]
    return h1, h2, y1, direction


@kernel(**JIT)
def mark_dry(j, link_state):
    """Set link ``j`` dry (depth 0, flow class DRY); returns its flow, 0."""
    link_state.depth[j] = 0.0
    link_state.flow_class[j] = FC_DRY
    return 0.0


@kernel(**JIT)
def set_wet_flow_class(j, hcrest, h2, direction, link_state):
    """Flow class of a flowing structure: critical at its crest when the downstream
    head ``h2`` [ft] is below the crest ``hcrest`` [ft], subcritical otherwise."""
    link_state.flow_class[j] = FC_SUBCRITICAL
    if hcrest > h2:
        link_state.flow_class[j] = FC_DN_CRITICAL if direction == 1.0 else FC_UP_CRITICAL


@kernel(**JIT)
def flap_head_loss(veloc, head):
    """ARMCO flap-gate head loss [ft] at velocity ``veloc`` [ft/s] under ``head`` [ft]."""
    return (4.0 / GRAVITY) * veloc * veloc * np.exp(-1.15 * veloc / np.sqrt(head))


@kernel(**JIT)
def orifice_set_setting(j, tstep, links, xsects, link_state):
    """SWMM's orifice_setSetting: move towards the target over ``tstep`` s, refresh coefficients."""
    orate = links.open_close_time[j]
    target = link_state.target_setting[j]
    if orate == 0.0 or tstep == 0.0:
        link_state.setting[j] = target
    else:
        delta = target - link_state.setting[j]
        step = tstep / orate
        if step + 0.001 >= abs(delta):
            link_state.setting[j] = target
        else:
            link_state.setting[j] += np.sign(delta) * step
    shape = xsects.shape_code[j]
    cd = links.c_disch[j]
    h = link_state.setting[j] * xsects.y_full[j]
    f = area_at_depth(xsects, j, h) * np.sqrt(2.0 * GRAVITY)
    link_state.c_orifice[j] = cd * f
    if links.subtype[j] == ORIFICE_BOTTOM:
        if shape == SHAPE_CIRCULAR:
            a_over_l = h / 4.0
        else:
            w = xsects.w_max[j]
            a_over_l = (h * w) / (2.0 * (h + w))
        h_crit = cd / SHARP_WEIR_COEFF * a_over_l
        h_weir = h_crit
    else:
        h_crit = h
        h_weir = h / 2.0
    link_state.h_crit[j] = h_crit
    link_state.c_weir[j] = cd * np.sqrt(h_weir) * f


@kernel(**JIT)
def _orifice_flow(j, head, f, flap, xsects, link_state):
    """SWMM's orifice_getFlow (unsigned) with the ARMCO flap-gate head loss."""
    for attempt in range(2):
        if head == 0.0 or f <= 0.0:
            link_state.dqdh[j] = 0.0
            return 0.0
        if f < 1.0:
            q = link_state.c_weir[j] * f**1.5
            link_state.dqdh[j] = 1.5 * q / (f * link_state.h_crit[j])
        else:
            q = link_state.c_orifice[j] * np.sqrt(head)
            link_state.dqdh[j] = q / (2.0 * head)
        if not flap or attempt == 1:
            return q
        y = link_state.setting[j] * xsects.y_full[j]
        veloc = q / area_at_depth(xsects, j, y)
        h_loss = flap_head_loss(veloc, head)
        if f < 1.0:
            f = max(f - h_loss / link_state.h_crit[j], 0.0)
        else:
            head = max(head - h_loss, 0.0)
    return 0.0


@kernel(**JIT)
def orifice_inflow(j, dynwave, nodes, links, xsects, node_state, link_state):
    """Signed flow [cfs] through orifice ``j`` (SWMM's orifice_getInflow)."""
    n1 = links.node1[j]
    n2 = links.node2[j]
    h1, h2, y1, direction = oriented_heads(j, dynwave, nodes, links, node_state)
    y_full = xsects.y_full[j]
    setting = link_state.setting[j]
    hcrest = nodes.invert[n1] + links.offset1[j]
    if links.subtype[j] == ORIFICE_BOTTOM:
        if h1 < hcrest:
            head = 0.0
        elif h2 > hcrest:
            head = h1 - h2
        else:
            head = h1 - hcrest
        f = min(head / link_state.h_crit[j], 1.0)
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
    if head <= FUDGE or y1 <= FUDGE or flap_gate_closed(j, n1, n2, direction, nodes, links):
        link_state.orifice_area[j] = FUDGE * links.eq_length[j]
        link_state.dqdh[j] = 0.0
        return mark_dry(j, link_state)
    set_wet_flow_class(j, hcrest, h2, direction, link_state)
    y_open = y_full * setting
    if links.subtype[j] == ORIFICE_BOTTOM:
        link_state.depth[j] = y_open
        link_state.orifice_area[j] = area_at_depth(xsects, j, y_open)
    else:
        link_state.depth[j] = y_open * f
        w = width_at_depth(xsects, j, y_open * f)
        link_state.orifice_area[j] = w * links.eq_length[j]
    q = direction * _orifice_flow(j, head, f, links.flap_gate[j] == 1, xsects, link_state)
    if f < 1.0 and h2 > hcrest:
        ratio = (h2 - hcrest) / (h1 - hcrest)
        q *= (1.0 - ratio**1.5) ** 0.385
    return q


@kernel(**JIT)
def outlet_inflow(
    j,
    dynwave,
    nodes,
    links,
    curves,
    options,
    node_state,
    link_state,
):
    """Signed flow [cfs] through outlet ``j`` (SWMM's outlet_getInflow)."""
    n1 = links.node1[j]
    n2 = links.node2[j]
    h1, h2, y1, direction = oriented_heads(j, dynwave, nodes, links, node_state)
    hcrest = nodes.invert[n1] + links.offset1[j]
    if links.subtype[j] == OUTLET_HEAD and dynwave:
        head = h1 - max(h2, hcrest)
    else:
        head = h1 - hcrest
    if head <= FUDGE or y1 <= FUDGE or flap_gate_closed(j, n1, n2, direction, nodes, links):
        return mark_dry(j, link_state)
    link_state.depth[j] = head
    link_state.flow_class[j] = FC_SUBCRITICAL
    h = head * options.ucf_length
    c = links.curve[j]
    if c >= 0:
        q = table_lookup(h, curves.x, curves.y, curves.start[c], curves.start[c + 1])
    else:
        q = links.c_disch[j] * h ** links.q_expon[j]
    return direction * link_state.setting[j] * q / options.ucf_flow
