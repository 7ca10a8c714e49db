"""Storage-unit and junction geometry for routing (SWMM 5.2 ``node.c`` / ``table.c``), in ft.

A storage unit's surface area is ``a0 + a1 d^a2`` (FUNCTIONAL), ``a0 + a1 d + a2 d^2``
(CYLINDRICAL, CONICAL, PARABOLOID, PYRAMIDAL, all converted to that polynomial when
packed) or a TABULAR curve of (depth, area) points held in ``curve_x``/``curve_y``
between ``curve_start[k]`` and ``curve_start[k+1]``.  Junctions hold no volume in
SWMM 5.2 (their full volume is 0) except what ponds above their rim.
"""

from numba import njit

from twin.kernels.codes import NODE_STORAGE
from twin.kernels.config import JIT_HOT
from twin.kernels.routing.layout import (
    NI_CURVE,
    NI_KIND,
    NI_STORAGE,
    NP_FULL_DEPTH,
    NP_FULL_VOLUME,
    NP_SA0,
    NP_SA1,
    NP_SA2,
    STORAGE_FUNCTIONAL,
    STORAGE_POLY,
    STORAGE_TABULAR,
)
from twin.kernels.tables import table_lookup


@njit(**JIT_HOT)
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


@njit(**JIT_HOT)
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


@njit(**JIT_HOT)
def storage_area(i, d, node_par, node_int, curve_start, curve_x, curve_y):
    """Surface area [ft2] of storage node ``i`` at depth ``d`` [ft]."""
    kind = node_int[i, NI_STORAGE]
    if kind == STORAGE_TABULAR:
        c = node_int[i, NI_CURVE]
        if c < 0:
            return 0.0
        return curve_lookup_ex(d, curve_x, curve_y, curve_start[c], curve_start[c + 1])
    a0 = node_par[i, NP_SA0]
    a1 = node_par[i, NP_SA1]
    a2 = node_par[i, NP_SA2]
    if kind == STORAGE_FUNCTIONAL:
        return a0 + a1 * d**a2
    if kind == STORAGE_POLY:
        return a0 + d * (a1 + d * a2)
    return 0.0


@njit(**JIT_HOT)
def storage_volume_raw(i, d, node_par, node_int, curve_start, curve_x, curve_y):
    """Volume [ft3] of storage node ``i`` at depth ``d`` without the full-volume cap."""
    if d == 0.0:
        return 0.0
    kind = node_int[i, NI_STORAGE]
    if kind == STORAGE_TABULAR:
        c = node_int[i, NI_CURVE]
        if c < 0:
            return 0.0
        return curve_storage_volume(d, curve_x, curve_y, curve_start[c], curve_start[c + 1])
    a0 = node_par[i, NP_SA0]
    a1 = node_par[i, NP_SA1]
    a2 = node_par[i, NP_SA2]
    if kind == STORAGE_FUNCTIONAL:
        return a0 * d + a1 / (a2 + 1.0) * d ** (a2 + 1.0)
    if kind == STORAGE_POLY:
        return d * (a0 + d * (a1 / 2.0 + d * a2 / 3.0))
    return 0.0


@njit(**JIT_HOT)
def node_volume(i, d, node_par, node_int, curve_start, curve_x, curve_y):
    """SWMM's ``node_getVolume``: stored volume [ft3] at depth ``d`` (0 for junctions)."""
    if node_int[i, NI_KIND] == NODE_STORAGE:
        if d >= node_par[i, NP_FULL_DEPTH] and node_par[i, NP_FULL_VOLUME] > 0.0:
            return node_par[i, NP_FULL_VOLUME]
        return storage_volume_raw(i, d, node_par, node_int, curve_start, curve_x, curve_y)
    if node_par[i, NP_FULL_DEPTH] > 0.0:
        return node_par[i, NP_FULL_VOLUME] * (d / node_par[i, NP_FULL_DEPTH])
    return 0.0


@njit(**JIT_HOT)
def node_surface_area(i, d, node_par, node_int, curve_start, curve_x, curve_y):
    """SWMM's ``node_getSurfArea``: the node's own surface area [ft2] (0 for junctions)."""
    if node_int[i, NI_KIND] == NODE_STORAGE:
        return storage_area(i, d, node_par, node_int, curve_start, curve_x, curve_y)
    return 0.0


@njit(**JIT_HOT)
def storage_depth(i, v, node_par, node_int, curve_start, curve_x, curve_y):
    """Depth [ft] of storage node ``i`` holding volume ``v`` (Newton with bisection)."""
    full_d = node_par[i, NP_FULL_DEPTH]
    full_v = node_par[i, NP_FULL_VOLUME]
    if full_v > 0.0 and v >= full_v:
        return full_d
    if v <= 0.0:
        return 0.0
    lo = 0.0
    hi = full_d if full_d > 0.0 else 1.0
    while storage_volume_raw(i, hi, node_par, node_int, curve_start, curve_x, curve_y) < v:
        hi *= 2.0
        if hi > 1.0e6:
            return hi
    d = 0.5 * (lo + hi)
    for _ in range(100):
        f = storage_volume_raw(i, d, node_par, node_int, curve_start, curve_x, curve_y) - v
        if f > 0.0:
            hi = d
        else:
            lo = d
        a = storage_area(i, d, node_par, node_int, curve_start, curve_x, curve_y)
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
