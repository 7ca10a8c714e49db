"""Pumps (SWMM 5.2 ``pump_getInflow``, ``getModPumpFlow``, ``link_setTargetSetting``), ft/cfs.

A pump's curve is evaluated in the file's units, as SWMM does: TYPE1 gives flow
for the inlet node's stored volume and TYPE2 for its depth (both as steps: the
flow of the first point whose x exceeds the value), TYPE3 and TYPE5 interpolate
flow against the head rise across the pump (TYPE5 scaled by the speed setting
through the affinity laws), TYPE4 interpolates flow against the inlet depth, and
an IDEAL pump passes whatever reaches its inlet node.  Flow is never negative
and is multiplied by the setting.  Curves are packed CSR-wise
(``curve_start``, ``curve_x``, ``curve_y``) in file units; the unit factors
``opt_f[OF_UCF_*]`` are SWMM's own.
"""

from numba import njit

from twin.kernels.codes import NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.routing.layout import (
    LI_CURVE,
    LI_N1,
    LI_N2,
    LI_SUBTYPE,
    LP_YOFF,
    LP_YON,
    LS_DQDH,
    LS_SETTING,
    LS_TARGET,
    ND_DEPTH,
    ND_DEPTH_OLD,
    ND_INFLOW,
    ND_OLD_NET_INFLOW,
    ND_OUTFLOW,
    ND_OVERFLOW,
    ND_SURF_NEW,
    ND_VOLUME,
    ND_VOLUME_OLD,
    NI_KIND,
    NP_FULL_VOLUME,
    NP_INVERT,
    OF_UCF_FLOW,
    OF_UCF_LENGTH,
    OF_UCF_VOLUME,
    PUMP_IDEAL,
    PUMP_TYPE1,
    PUMP_TYPE2,
    PUMP_TYPE3,
    PUMP_TYPE4,
    PUMP_TYPE5,
)
from twin.kernels.tables import table_lookup

PUMP_DH = 0.001  # ft, depth step of the TYPE4 curve slope


@njit(**JIT)
def table_interval_lookup(x, curve_x, curve_y, k0, k1):
    """The y of the first point whose x exceeds ``x`` (the last y beyond the curve)."""
    if k1 <= k0:
        return 0.0
    for k in range(k0, k1):
        if x < curve_x[k]:
            return curve_y[k]
    return curve_y[k1 - 1]


@njit(**JIT)
def table_slope(x, curve_x, curve_y, k0, k1):
    """Slope of the curve segment holding ``x`` (0 beyond the last point)."""
    if k1 <= k0:
        return 0.0
    x1 = curve_x[k0]
    y1 = curve_y[k0]
    x2 = x1
    y2 = y1
    for k in range(k0 + 1, k1):
        x2 = curve_x[k]
        y2 = curve_y[k]
        if x <= x2:
            break
        x1 = x2
        y1 = y2
    dx = x2 - x1
    if dx == 0.0:
        return 0.0
    return (y2 - y1) / dx


@njit(**JIT)
def pump_target_setting(j, link_par, link_int, node_state, link_state):
    """SWMM's link_setTargetSetting for pump ``j``: start-up / shut-off depth switching."""
    n1 = link_int[j, LI_N1]
    setting = link_state[LS_SETTING, j]
    target = setting
    y = node_state[ND_DEPTH, n1]
    y_off = link_par[j, LP_YOFF]
    y_on = link_par[j, LP_YON]
    if y_off > 0.0 and setting > 0.0 and y < y_off:
        target = 0.0
    if y_on > 0.0 and setting == 0.0 and y > y_on:
        target = 1.0
    link_state[LS_TARGET, j] = target


@njit(**JIT)
def pump_inflow(
    j, node_par, link_par, link_int, node_state, link_state, curve_start, curve_x, curve_y, opt_f
):
    """Flow [cfs] pumped by link ``j`` for the current node states; sets its dq/dh."""
    n1 = link_int[j, LI_N1]
    n2 = link_int[j, LI_N2]
    link_state[LS_SETTING, j] = link_state[LS_TARGET, j]
    s = link_state[LS_SETTING, j]
    if s == 0.0:
        return 0.0
    ucf_len = opt_f[OF_UCF_LENGTH]
    ucf_q = opt_f[OF_UCF_FLOW]
    kind = link_int[j, LI_SUBTYPE]
    c = link_int[j, LI_CURVE]
    q = 0.0
    if kind == PUMP_IDEAL:
        q = node_state[ND_INFLOW, n1] + node_state[ND_OVERFLOW, n1]
    elif c >= 0:
        k0 = curve_start[c]
        k1 = curve_start[c + 1]
        if kind == PUMP_TYPE1:
            vol = node_state[ND_VOLUME, n1] * opt_f[OF_UCF_VOLUME]
            q = table_interval_lookup(vol, curve_x, curve_y, k0, k1) / ucf_q
        elif kind == PUMP_TYPE2:
            depth = node_state[ND_DEPTH, n1] * ucf_len
            q = table_interval_lookup(depth, curve_x, curve_y, k0, k1) / ucf_q
        elif kind == PUMP_TYPE3 or kind == PUMP_TYPE5:
            speed = s if kind == PUMP_TYPE5 else 1.0
            h1 = node_state[ND_DEPTH, n1] + node_par[n1, NP_INVERT]
            h2 = node_state[ND_DEPTH, n2] + node_par[n2, NP_INVERT]
            head = (h2 - h1) / speed / speed
            head = max(head, 0.0) * ucf_len
            q = table_lookup(head, curve_x, curve_y, k0, k1) / ucf_q
            link_state[LS_DQDH, j] = (
                -table_slope(head, curve_x, curve_y, k0, k1) * ucf_len / ucf_q / speed
            )
        elif kind == PUMP_TYPE4:
            depth = node_state[ND_DEPTH, n1]
            q = table_lookup(depth * ucf_len, curve_x, curve_y, k0, k1) / ucf_q
            q_up = table_lookup((depth + PUMP_DH) * ucf_len, curve_x, curve_y, k0, k1) / ucf_q
            link_state[LS_DQDH, j] = (q_up - q) / PUMP_DH
    if q < 0.0:
        q = 0.0
    return q * s


@njit(**JIT)
def node_max_outflow(i, q, dt, node_par, node_state):
    """SWMM's node_getMaxOutflow: outflow limited by what a node with volume can give."""
    if node_par[i, NP_FULL_VOLUME] > 0.0:
        q_max = node_state[ND_INFLOW, i] + node_state[ND_VOLUME_OLD, i] / dt
        if q > q_max:
            q = q_max
    return max(0.0, q)


@njit(**JIT)
def limit_pump_flow(j, q, dt, node_par, node_int, link_int, node_state):
    """SWMM's getModPumpFlow (dynamic wave): keep the inlet node from going dry."""
    if q == 0.0:
        return q
    n1 = link_int[j, LI_N1]
    if node_int[n1, NI_KIND] == NODE_STORAGE:
        return node_max_outflow(n1, q, dt, node_par, node_state)
    kind = link_int[j, LI_SUBTYPE]
    if kind == PUMP_TYPE1:
        return node_max_outflow(n1, q, dt, node_par, node_state)
    if kind == PUMP_TYPE2 or kind == PUMP_TYPE3 or kind == PUMP_TYPE4:
        net_new = node_state[ND_INFLOW, n1] - node_state[ND_OUTFLOW, n1] - q
        dv = 0.5 * (node_state[ND_OLD_NET_INFLOW, n1] + net_new) * dt
        y = node_state[ND_DEPTH_OLD, n1] + dv / node_state[ND_SURF_NEW, n1]
        if y <= 0.0:
            return node_state[ND_INFLOW, n1]
    return q
