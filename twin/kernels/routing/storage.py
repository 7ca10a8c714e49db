"""Storage-unit and junction geometry for routing (SWMM 5.2 ``node.c`` / ``table.c``), in ft.

A storage unit's surface area is ``a0 + a1 d^a2`` (FUNCTIONAL), ``a0 + a1 d + a2 d^2``
(CYLINDRICAL, CONICAL, PARABOLOID, PYRAMIDAL, all converted to that polynomial when
packed) or a TABULAR curve of (depth, area) points held in ``curves.x``/``curves.y``
between ``curves.start[k]`` and ``curves.start[k+1]``.  Junctions hold no volume in
SWMM 5.2 (their full volume is 0) except what ponds above their rim.
"""

from twin.kernels.codes import NODE_STORAGE
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import (
    STORAGE,
    STORAGE_FUNCTIONAL,
    STORAGE_POLY,
    STORAGE_TABULAR,
)
from twin.kernels.tables import table_lookup


@kernel(**JIT)
def curve_lookup_ex(x, xs, ys, k0, k1):
    """SWMM's ``table_lookupEx``: linear interpolation, extrapolated past the last point."""
    if k1 <= k0:
        return 0.0
    x1 = xs[k0]
    y1 = ys[k0]
    if x <= x1:
        if x1 > 0.0:
            return x / x1 * y1
        return y1
    s = 0.0
    for k in range(k0 + 1, k1):
        x2 = xs[k]
        y2 = ys[k]
        if x2 != x1:
            s = (y2 - y1) / (x2 - x1)
        if x <= x2:
            if x2 == x1:
                return y2
            return y1 + (x - x1) * (y2 - y1) / (x2 - x1)
        x1 = x2
        y1 = y2
    if s < 0.0:
        s = 0.0
    return y1 + s * (x - x1)


@kernel(**JIT)
def curve_storage_volume(x, xs, ys, k0, k1):
    """Volume under an area-depth curve up to depth ``x`` (end-area rule, extrapolated)."""
    if k1 <= k0:
        return 0.0
    x1 = xs[k0]
    a1 = ys[k0]
    if x <= x1:
        if x1 < 1.0e-6:
            return 0.0
        return (a1 / x1) * x * x / 2.0
    v = 0.0
    dx = 0.0
    dy = 0.0
    for k in range(k0 + 1, k1):
        if xs[k] >= x:
            if xs[k] == x1:
                a = ys[k]
            else:
                a = a1 + (x - x1) * (ys[k] - a1) / (xs[k] - x1)
            return v + (a1 + a) / 2.0 * (x - x1)
        dx = xs[k] - x1
        dy = ys[k] - a1
        v += (a1 + ys[k]) / 2.0 * dx
        x1 = xs[k]
        a1 = ys[k]
    if dx > 1.0e-6:
        s = dy / dx
        a = a1 + s * (x - x1)
        if a < 0.0:
            v -= a1 * a1 / s / 2.0
        else:
            v += (a1 + a) / 2.0 * (x - x1)
    return v


@kernel(**JIT)
def storage_area(i, d, nodes, curves):
    """Surface area [ft2] of storage node ``i`` at depth ``d`` [ft]."""
    kind = nodes.storage_kind[i]
    if kind == STORAGE_TABULAR:
        c = nodes.curve[i]
        if c < 0:
            return 0.0
        return curve_lookup_ex(d, curves.x, curves.y, curves.start[c], curves.start[c + 1])
    a0 = nodes.storage_a0[i]
    a1 = nodes.storage_a1[i]
    a2 = nodes.storage_a2[i]
    if kind == STORAGE_FUNCTIONAL:
        return a0 + a1 * d**a2
    if kind == STORAGE_POLY:
        return a0 + d * (a1 + d * a2)
    return 0.0


@kernel(**JIT)
def storage_volume_raw(i, d, nodes, curves):
    """Volume [ft3] of storage node ``i`` at depth ``d`` without the full-volume cap."""
    if d == 0.0:
        return 0.0
    kind = nodes.storage_kind[i]
    if kind == STORAGE_TABULAR:
        c = nodes.curve[i]
        if c < 0:
            return 0.0
        return curve_storage_volume(d, curves.x, curves.y, curves.start[c], curves.start[c + 1])
    a0 = nodes.storage_a0[i]
    a1 = nodes.storage_a1[i]
    a2 = nodes.storage_a2[i]
    if kind == STORAGE_FUNCTIONAL:
        return a0 * d + a1 / (a2 + 1.0) * d ** (a2 + 1.0)
    if kind == STORAGE_POLY:
        return d * (a0 + d * (a1 / 2.0 + d * a2 / 3.0))
    return 0.0


@kernel(**JIT)
def node_volume(i, d, nodes, curves):
    """SWMM's ``node_getVolume``: stored volume [ft3] at depth ``d`` (0 for junctions)."""
    if STORAGE and nodes.kind[i] == NODE_STORAGE:
        if d >= nodes.full_depth[i] and nodes.full_volume[i] > 0.0:
            return nodes.full_volume[i]
        return storage_volume_raw(i, d, nodes, curves)
    if nodes.full_depth[i] > 0.0:
        return nodes.full_volume[i] * (d / nodes.full_depth[i])
    return 0.0


@kernel(**JIT)
def node_surface_area(i, d, nodes, curves):
    """SWMM's ``node_getSurfArea``: the node's own surface area [ft2] (0 for junctions)."""
    if STORAGE and nodes.kind[i] == NODE_STORAGE:
        return storage_area(i, d, nodes, curves)
    return 0.0


@kernel(**JIT)
def storage_depth(i, v, nodes, curves):
    """Depth [ft] of storage node ``i`` holding volume ``v`` (Newton with bisection)."""
    full_d = nodes.full_depth[i]
    full_v = nodes.full_volume[i]
    if full_v > 0.0 and v >= full_v:
        return full_d
    if v <= 0.0:
        return 0.0
    lo = 0.0
    hi = full_d if full_d > 0.0 else 1.0
    while storage_volume_raw(i, hi, nodes, curves) < v:
        hi *= 2.0
        if hi > 1.0e6:
            return hi
    d = 0.5 * (lo + hi)
    for _ in range(100):
        f = storage_volume_raw(i, d, nodes, curves) - v
        if f > 0.0:
            hi = d
        else:
            lo = d
        a = storage_area(i, d, nodes, curves)
        dn = d - f / a if a > 0.0 else -1.0
        if dn <= lo or dn >= hi:
            dn = 0.5 * (lo + hi)
        if abs(dn - d) < 1.0e-8:
            d = dn
            break
        d = dn
    return min(d, full_d) if full_d > 0.0 else d


#: Plain linear interpolation held flat beyond the ends (tidal curves): the one
#: curve lookup, :func:`twin.kernels.tables.table_lookup`, under its old name.
curve_interp = table_lookup
