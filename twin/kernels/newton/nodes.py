"""Node continuity for the Newton solver: residuals, Jacobian, head updates, final volumes.

Each non-outfall node ``i`` has one equation ``F(y) = 0`` in its depth ``y`` for the
step, with ``net(y)`` its inflow minus outflow at the current heads, ``dV`` SWMM's
trapezoidal net inflow volume ``dt/2 (net_old + net)`` and ``A`` its surface area
(conduit halves, storage or ponded area, at least MIN_SURFAREA):

* free surface (below the crown, or always with SLOT): ``F = A (y - y_old) - dV``,
  SWMM's ``setNodeDepth``;
* EXTRAN surcharge, a node that starts the step above its crown ``yc`` (a junction's
  highest crown; a storage unit's top when it has a surcharge depth): ``F = -dt/2
  net`` above ``yc`` (the balance SWMM's ``dy = dQ / sum(dq/dh)`` passes aim at) and
  ``A (y - yc) - dt/2 net`` below it;
* a node that starts below ``yc`` and reaches it within the step takes EXTRAN's
  balance above it when that holds it up (``net >= 0`` there), else stays at ``yc``
  while the free-surface equation would lift it: SWMM's passes, switching between its
  two equations, end near the crown in that case too;
* flooding (no ponding, at the top plus surcharge depth, with ``F <= 0`` there): the
  head is held and the excess leaves as overflow.

So each node's equation is a monotone relation of ``y`` for the step (SWMM switches
between its two node equations by the last pass's depth, which chatters around the
crown; an iteration that crosses ``yc`` stops just past it and the next one decides
the side).  ``net``'s derivatives come from the links (``work.dqdh_up``,
``work.dqdh_dn``): the Jacobian is the storage diagonal plus a Laplacian-like
matrix weighted by dQ/dH.  Outfalls are held at the depth their boundary gives.
Units ft, ft2, ft3, cfs, s.
"""

import numpy as np

from twin.kernels.codes import NODE_OUTFALL, NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.newton.system import (
    MODE_FIXED,
    MODE_FLOODED,
    MODE_FREE,
    MODE_SURCHARGED,
)
from twin.kernels.routing.constants import FUDGE, SURCHARGE_EXTRAN
from twin.kernels.routing.node import add_link_flows

#: Jacobian diagonal of a surcharged node, as a fraction of MIN_SURFAREA: EXTRAN gives
#: such a node no storage, so this only keeps the matrix regular where every link
#: flow ignores the node's head (its residual is unchanged).
SURCHARGED_AREA_FRACTION = 1.0e-3
#: SWMM's EXTRAN blends in the last free-surface area up to 1.25 times the crown depth.
SURCHARGE_BAND = 0.25
#: SWMM's correction of the surcharge update at upstream terminal nodes (degree < 0).
TERMINAL_CORRECTION = 0.6


@kernel(**JIT)
def node_top(i, nodes, can_pond):
    """Depth [ft] above which node ``i`` floods (ponds, with ponding)."""
    y_max = nodes.full_depth[i]
    if not can_pond:
        y_max += nodes.surcharge_depth[i]
    return y_max


@kernel(**JIT)
def surcharge_depth(i, extran, can_pond, nodes):
    """Depth [ft] above which node ``i`` is EXTRAN-surcharged, or inf (SLOT, ponding, or a
    storage unit without surcharge depth)."""
    if not extran or can_pond:
        return np.inf
    if nodes.kind[i] == NODE_STORAGE:
        if nodes.surcharge_depth[i] > 0.0:
            return nodes.full_depth[i]
        return np.inf
    y_crown = nodes.crown_depth[i]
    return y_crown if y_crown > 0.0 else np.inf


@kernel(**JIT)
def surcharge_storage(y, yc, a_old, eps):
    """Storage [ft3] above the surcharge depth ``yc`` at depth ``y >= yc``, and its area.

    SWMM's EXTRAN update ``dy = dQ / (sum dq/dh + (A_old / dt - sum dq/dh) e^(-15 f))``,
    ``f = (y - yc) / yc``, moves a node by about ``dQ dt / (A_old e^(-15 f))`` per pass
    while it is below ``1.25 yc``; with the (at least) two passes a step takes, the node
    behaves as if it had the area ``A_old e^(-15 f) / 2`` there, and none above.  This is
    that storage (``eps`` [ft2] keeps the Jacobian regular above the band).
    """
    if yc <= 0.0:
        return eps * y, eps
    f = min((y - yc) / yc, SURCHARGE_BAND)
    k = 0.5 * a_old * yc / 15.0
    s = k * (1.0 - np.exp(-15.0 * f))
    if f < SURCHARGE_BAND:
        return s + eps * (y - yc), 0.5 * a_old * np.exp(-15.0 * f) + eps
    return s + eps * (y - yc), eps


@kernel(**JIT)
def _add(row, col, value, pos, e, work):
    """Add ``value`` to the Jacobian entry (row, col) of two different nodes on edge ``e``."""
    if pos[row] < pos[col]:
        work.upper[e] += value
    else:
        work.lower[e] += value


@kernel(**JIT)
def assemble(dt, nodes, links, options, node_state, system, work):
    """Residuals (into ``work.rhs``, negated) and Jacobian (``work.diag/upper/lower``).

    Sets ``work.mode`` of every node.  Rows are scaled as volumes [ft3] and
    derivatives as areas [ft2] (``dt/2`` times the flow derivatives).
    """
    pos = system.position_of_node
    extran = options.surcharge == SURCHARGE_EXTRAN
    ponding = options.ponding
    min_area = options.min_surfarea
    half = 0.5 * dt
    for e in range(work.upper.shape[0]):
        work.upper[e] = 0.0
        work.lower[e] = 0.0
    eps = SURCHARGED_AREA_FRACTION * min_area
    for i in range(node_state.depth.shape[0]):
        p = pos[i]
        if nodes.kind[i] == NODE_OUTFALL:
            work.mode[i] = MODE_FIXED
            work.diag[p] = 1.0
            work.rhs[p] = 0.0
            continue
        can_pond = ponding and nodes.ponded_area[i] > 0.0
        y = node_state.depth[i]
        y_old = node_state.depth_old[i]
        net = node_state.inflow[i] - node_state.outflow[i]
        dv = half * (node_state.net_inflow_old[i] + net)
        a = max(node_state.surf_area[i], min_area)
        yc = surcharge_depth(i, extran, can_pond, nodes)
        mode = MODE_FREE
        if y < yc:
            node_state.surf_area_old[i] = a  # the last free-surface area (SWMM's oldSurfArea)
        # SWMM moves an upstream terminal node by 0.6 of its surcharge update per pass:
        # as if the band above the crown stored 1 / 0.6 as much
        a_band = node_state.surf_area_old[i]
        if nodes.degree[i] < 0:
            a_band /= TERMINAL_CORRECTION
        if y_old < yc:  # starts free: the trapezoidal volume, storage up to the crown
            if y < yc:
                f = a * (y - y_old) - dv
                d = a
            else:
                s_band, d = surcharge_storage(y, yc, a_band, eps)
                f = a * (yc - y_old) + s_band - dv
                mode = MODE_SURCHARGED
        else:  # starts surcharged: EXTRAN's balance of the new flows (half the row)
            s_old, d_old = surcharge_storage(y_old, yc, a_band, eps)
            if y >= yc:
                s_band, d = surcharge_storage(y, yc, a_band, eps)
                f = 0.5 * (s_band - s_old) - half * net
                d *= 0.5
                mode = MODE_SURCHARGED
            else:
                f = 0.5 * (a * (y - yc) - s_old) - half * net
                d = 0.5 * a
        if not can_pond and y >= node_top(i, nodes, False) and f <= 0.0:
            mode = MODE_FLOODED  # full, and the flows would overfill it: it floods
        work.mode[i] = mode
        if mode >= MODE_FIXED:
            work.diag[p] = 1.0
            work.rhs[p] = 0.0
        else:
            work.diag[p] = d
            work.rhs[p] = -f
    for j in range(links.kind.shape[0]):
        e = system.edge_of_link[j]
        if e < 0:
            continue
        du = half * work.dqdh_up[j]
        dd = half * work.dqdh_dn[j]
        if du == 0.0 and dd == 0.0:
            continue
        n1 = links.node1[j]
        n2 = links.node2[j]
        if work.mode[n1] < MODE_FIXED:  # row n1: its outflow q
            work.diag[pos[n1]] += du
            _add(n1, n2, dd, pos, e, work)
        if work.mode[n2] < MODE_FIXED:  # row n2: its inflow q
            work.diag[pos[n2]] -= dd
            _add(n2, n1, -du, pos, e, work)


@kernel(**JIT)
def update_heads(nodes, links, options, node_state, link_state, system, work, strict):
    """Apply the solved head changes with SWMM's limits, then correct the link flows.

    A node crossing its surcharge depth stops just past it (the residual has a kink
    there), a ponded node falling below its top stays just under it (as SWMM's), depths
    stay >= 0 and, without ponding, <= the flooding depth.  Every link's flow moves by its
    derivatives times the head changes applied (first order), so the node balances
    hold for the new heads.  Returns ``(largest |change|, its node)`` [ft].

    ``strict``: a node stopped at its surcharge depth reports the change it was asked
    for, not the FUDGE it made, so the step is not taken as converged there (a node that
    fell through the crown and is pushed back up would otherwise "converge" at it with
    its band's balance unmet, and the band's storage lost).  The caller relaxes this in
    the later iterations, where a node chattering at a kink of its residual at the
    crown has to be accepted there.
    """
    pos = system.position_of_node
    worst = 0.0
    worst_node = -1
    extran = options.surcharge == SURCHARGE_EXTRAN
    ponding = options.ponding
    for i in range(node_state.depth.shape[0]):
        mode = work.mode[i]
        if mode >= MODE_FIXED:
            work.dh[i] = 0.0
            continue
        y = node_state.depth[i]
        step = work.rhs[pos[i]]
        back = work.dh[i]
        if step * back < 0.0 and abs(step) > 0.1 * abs(back):
            # the change reverses the last one: a kink or jump in a link law (the
            # normal-flow limit, a flow class) between the two depths.  Aitken's
            # estimate of the fixed point: damp by 1 / (1 + |step / back|)
            step /= 1.0 + abs(step / back)
        y_new = y + step
        can_pond = ponding and nodes.ponded_area[i] > 0.0
        full_depth = nodes.full_depth[i]
        yc = surcharge_depth(i, extran, can_pond, nodes)
        asked = 0.0
        if y <= yc < y_new:  # crossing the crown: stop just past it, take the new slope next
            asked = y_new - y
            y_new = yc + FUDGE
        elif y_new < yc <= y:
            asked = y_new - y
            y_new = yc - FUDGE
        if can_pond and y > full_depth and y_new < full_depth:
            y_new = full_depth - FUDGE
        if y_new < 0.0:
            y_new = 0.0
        y_max = node_top(i, nodes, can_pond)
        if not can_pond and y_new > y_max:
            y_new = y_max
        d = y_new - y
        work.dh[i] = d
        node_state.depth[i] = y_new
        moved = abs(d)
        if strict and abs(asked) > moved:
            moved = abs(asked)
        if moved > worst:
            worst = moved
            worst_node = i
    for j in range(links.kind.shape[0]):
        du = work.dqdh_up[j]
        dd = work.dqdh_dn[j]
        if du != 0.0 or dd != 0.0:
            q = du * work.dh[links.node1[j]] + dd * work.dh[links.node2[j]]
            link_state.flow[j] += q
    return worst, worst_node


@kernel(**JIT)
def node_flow_sums(links, node_state, link_state):
    """Inflow and outflow of every node from the final link flows and lateral flows."""
    for i in range(node_state.depth.shape[0]):
        lat = node_state.lateral[i]
        node_state.inflow[i] = 0.0
        node_state.outflow[i] = node_state.losses[i]
        if lat >= 0.0:
            node_state.inflow[i] += lat
        else:
            node_state.outflow[i] -= lat
    add_link_flows(links, node_state, link_state)
