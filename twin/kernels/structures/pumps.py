"""Pumps (SWMM 5.2 ``pump_getInflow``, ``getModPumpFlow``, ``link_setTargetSetting``), ft/cfs.

A pump's curve is evaluated in the file's units, as SWMM does: TYPE1 gives flow
for the inlet node's stored volume and TYPE2 for its depth (both as steps: the
flow of the first point whose x exceeds the value), TYPE3 and TYPE5 interpolate
flow against the head rise across the pump (TYPE5 scaled by the speed setting
through the affinity laws), TYPE4 interpolates flow against the inlet depth, and
an IDEAL pump passes whatever reaches its inlet node.  Flow is never negative
and is multiplied by the setting.  Curves are packed CSR-wise
(``curve_start``, ``curves.x``, ``curves.y``) in file units; the unit factors
``options[OF_UCF_*]`` are SWMM's own.
"""

from twin.kernels.codes import NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import (
    PUMP_IDEAL,
    PUMP_TYPE1,
    PUMP_TYPE2,
    PUMP_TYPE3,
    PUMP_TYPE4,
    PUMP_TYPE5,
)
from twin.kernels.tables import table_lookup

PUMP_DH = 0.001  # ft, depth step of the TYPE4 curve slope


@kernel(**JIT)
def table_interval_lookup(x, curve_x, curve_y, k0, k1):
    """The y of the first point whose x exceeds ``x`` (the last y beyond the curve)."""
    if k1 <= k0:
        return 0.0
    for k in range(k0, k1):
        if x < curve_x[k]:
            return curve_y[k]
    return curve_y[k1 - 1]


@kernel(**JIT)
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


@kernel(**JIT)
def pump_target_setting(j, links, node_state, link_state):
    """SWMM's link_setTargetSetting for pump ``j``: start-up / shut-off depth switching."""
    n1 = links.node1[j]
    setting = link_state.setting[j]
    target = setting
    y = node_state.depth[n1]
    y_off = links.shutoff_depth[j]
    y_on = links.startup_depth[j]
    if y_off > 0.0 and setting > 0.0 and y < y_off:
        target = 0.0
    if y_on > 0.0 and setting == 0.0 and y > y_on:
        target = 1.0
    link_state.target_setting[j] = target


@kernel(**JIT)
def pump_inflow(j, nodes, links, curves, options, node_state, link_state):
    """Flow [cfs] pumped by link ``j`` for the current node states; sets its dq/dh."""
    n1 = links.node1[j]
    n2 = links.node2[j]
    link_state.setting[j] = link_state.target_setting[j]
    s = link_state.setting[j]
    if s == 0.0:
        return 0.0
    ucf_len = options.ucf_length
    ucf_q = options.ucf_flow
    kind = links.subtype[j]
    c = links.curve[j]
    q = 0.0
    if kind == PUMP_IDEAL:
        q = node_state.inflow[n1] + node_state.overflow[n1]
    elif c >= 0:
        k0 = curves.start[c]
        k1 = curves.start[c + 1]
        if kind == PUMP_TYPE1:
            vol = node_state.volume[n1] * options.ucf_volume
            q = table_interval_lookup(vol, curves.x, curves.y, k0, k1) / ucf_q
        elif kind == PUMP_TYPE2:
            depth = node_state.depth[n1] * ucf_len
            q = table_interval_lookup(depth, curves.x, curves.y, k0, k1) / ucf_q
        elif kind == PUMP_TYPE3 or kind == PUMP_TYPE5:
            speed = s if kind == PUMP_TYPE5 else 1.0
            h1 = node_state.depth[n1] + nodes.invert[n1]
            h2 = node_state.depth[n2] + nodes.invert[n2]
            head = (h2 - h1) / speed / speed
            head = max(head, 0.0) * ucf_len
            q = table_lookup(head, curves.x, curves.y, k0, k1) / ucf_q
            link_state.dqdh[j] = (
                -table_slope(head, curves.x, curves.y, k0, k1) * ucf_len / ucf_q / speed
            )
        elif kind == PUMP_TYPE4:
            depth = node_state.depth[n1]
            q = table_lookup(depth * ucf_len, curves.x, curves.y, k0, k1) / ucf_q
            q_up = table_lookup((depth + PUMP_DH) * ucf_len, curves.x, curves.y, k0, k1) / ucf_q
            link_state.dqdh[j] = (q_up - q) / PUMP_DH
    if q < 0.0:
        q = 0.0
    return q * s


@kernel(**JIT)
def node_max_outflow(i, q, dt, nodes, node_state):
    """SWMM's node_getMaxOutflow: outflow limited by what a node with volume can give."""
    if nodes.full_volume[i] > 0.0:
        q_max = node_state.inflow[i] + node_state.volume_old[i] / dt
        if q > q_max:
            q = q_max
    return max(0.0, q)


@kernel(**JIT)
def limit_pump_flow(j, q, dt, nodes, links, node_state):
    """SWMM's getModPumpFlow (dynamic wave): keep the inlet node from going dry."""
    if q == 0.0:
        return q
    n1 = links.node1[j]
    if nodes.kind[n1] == NODE_STORAGE:
        return node_max_outflow(n1, q, dt, nodes, node_state)
    kind = links.subtype[j]
    if kind == PUMP_TYPE1:
        return node_max_outflow(n1, q, dt, nodes, node_state)
    if kind == PUMP_TYPE2 or kind == PUMP_TYPE3 or kind == PUMP_TYPE4:
        net_new = node_state.inflow[n1] - node_state.outflow[n1] - q
        dv = 0.5 * (node_state.net_inflow_old[n1] + net_new) * dt
        y = node_state.depth_old[n1] + dv / node_state.surf_area[n1]
        if y <= 0.0:
            return node_state.inflow[n1]
    return q
