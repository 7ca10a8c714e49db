"""Cross-section geometry of row ``j`` of a parameter table, read in place (the hot path).

The kernels of :mod:`twin.kernels.xsect` take one parameter row ``par``; handing them
``xs[j]`` makes an array view per call and a call through the general shape
dispatch, which inside the routing loop cost several times the lookup itself.
These variants take the whole ``(n_links, XS_NPAR)`` table and the row index.  The
shapes that dominate sewer networks -- circular (and force main), closed and open
rectangular, trapezoidal -- are computed here in place with exactly the operations
of the general kernels, so results are bit-identical; every other shape falls
through to the general kernel.  Units ft, ft2, cfs (SWMM's internal ones).

The circle's functions (``circle_*_at``) take instead a pointer to the row and one
to the shape's tables (:func:`circle_pointers`, :mod:`twin.kernels.pointers`): the
conduit kernel calls them several times per conduit and Picard pass, and two
pointers cost far less to pass than two arrays.
"""

import numpy as np
from numba import njit

from twin.kernels.config import JIT_HOT
from twin.kernels.pointers import row_pointer
from twin.kernels.xsect.depths import critical_depth, normal_depth
from twin.kernels.xsect.geometry import (
    CIRCULAR,
    FORCE_MAIN,
    RECT_CLOSED,
    RECT_OPEN,
    TRAPEZOIDAL,
    area_at_depth,
    hrad_at_depth,
    width_at_depth,
)
from twin.kernels.xsect.interp import (
    circular_alpha_of_psi,
    circular_y_of_alpha,
    inverse_at,
    lookup_at,
)
from twin.kernels.xsect.layout import (
    P_AFULL,
    P_NA,
    P_NR,
    P_NS,
    P_NW,
    P_NY,
    P_RBOT,
    P_RFULL,
    P_SBOT,
    P_SFULL,
    P_SMAX,
    P_TABLE,
    P_WMAX,
    P_YBOT,
    P_YFULL,
    P_YINV,
)
from twin.kernels.xsect.tables import N_TBL, ROW_A, ROW_R, ROW_S, ROW_W, ROW_Y

GRAVITY = 32.2  # ft/s2


@njit(**JIT_HOT)
def circle_area_at(xr, tp, y):
    """Flow area [ft2] at depth ``y`` [ft] of a circular (or force-main) section.

    ``xr`` points at the section's parameter row, ``tp`` at its shape's tables
    (:func:`twin.kernels.pointers.row_pointer`); the circle's functions take no shape
    and no arrays, so they cost one short call, or none once inlined.
    """
    if y <= 0.0:
        return 0.0
    return xr[P_AFULL] * lookup_at(y * xr[P_YINV], tp, ROW_A * N_TBL, int(xr[P_NA]))


@njit(**JIT_HOT)
def circle_width_at(xr, tp, y):
    """Top width [ft] at depth ``y`` [ft] of a circular section (see :func:`circle_area_at`)."""
    return xr[P_WMAX] * lookup_at(y * xr[P_YINV], tp, ROW_W * N_TBL, int(xr[P_NW]))


@njit(**JIT_HOT)
def circle_hrad_at(xr, tp, y):
    """Hydraulic radius [ft] at depth ``y`` [ft] of a circular section (see
    :func:`circle_area_at`)."""
    return xr[P_RFULL] * lookup_at(y * xr[P_YINV], tp, ROW_R * N_TBL, int(xr[P_NR]))


@njit(**JIT_HOT)
def circle_pointers(xs, j, tables):
    """``(xr, tp)``: pointers to circular row ``j`` of ``xs`` and to its shape's tables."""
    return row_pointer(xs, j), row_pointer(tables, int(xs[j, P_TABLE]))


@njit(**JIT_HOT)
def area_in(shape, xs, j, tables, y):
    """Flow area [ft2] of row ``j`` at depth ``y`` [ft] (as :func:`area_at_depth`)."""
    if shape == CIRCULAR or shape == FORCE_MAIN:
        xr, tp = circle_pointers(xs, j, tables)
        return circle_area_at(xr, tp, y)
    if shape == RECT_CLOSED or shape == RECT_OPEN:
        if y <= 0.0:
            return 0.0
        return y * xs[j, P_WMAX]
    if shape == TRAPEZOIDAL:
        if y <= 0.0:
            return 0.0
        return (xs[j, P_YBOT] + xs[j, P_SBOT] * y) * y
    return area_at_depth(shape, xs[j], tables, y)


@njit(**JIT_HOT)
def width_in(shape, xs, j, tables, y):
    """Top width [ft] of row ``j`` at depth ``y`` [ft] (as :func:`width_at_depth`)."""
    if shape == CIRCULAR or shape == FORCE_MAIN:
        xr, tp = circle_pointers(xs, j, tables)
        return circle_width_at(xr, tp, y)
    if shape == RECT_CLOSED:
        return 0.0 if y / xs[j, P_YFULL] == 1.0 else xs[j, P_WMAX]
    if shape == RECT_OPEN:
        return xs[j, P_WMAX]
    if shape == TRAPEZOIDAL:
        return xs[j, P_YBOT] + 2.0 * y * xs[j, P_SBOT]
    return width_at_depth(shape, xs[j], tables, y)


@njit(**JIT_HOT)
def hrad_in(shape, xs, j, tables, y):
    """Hydraulic radius [ft] of row ``j`` at depth ``y`` [ft] (as :func:`hrad_at_depth`)."""
    if shape == CIRCULAR or shape == FORCE_MAIN:
        xr, tp = circle_pointers(xs, j, tables)
        return circle_hrad_at(xr, tp, y)
    if shape == TRAPEZOIDAL:
        if y == 0.0:
            return 0.0
        r = (xs[j, P_YBOT] + xs[j, P_SBOT] * y) * y / (xs[j, P_YBOT] + y * xs[j, P_RBOT])
        if r >= 0.0:
            return r
    return hrad_at_depth(shape, xs[j], tables, y)


@njit(**JIT_HOT)
def _circle_critical_flow_at(xr, tp, y):
    """Flow [cfs] whose critical depth is ``y`` in a circular section: A sqrt(g A / W)."""
    a = circle_area_at(xr, tp, y)
    w = circle_width_at(xr, tp, y)
    if w > 0.0:
        return a * np.sqrt(GRAVITY * a / w)
    return 0.0


@njit(**JIT_HOT)
def _circle_critical_enum_at(xr, tp, q, y0):
    """``xsect._critical_depth_enum`` for a circular section (25 depth increments, then
    linear)."""
    dy = xr[P_YFULL] / 25.0
    i1 = int(y0 / dy)
    q0 = _circle_critical_flow_at(xr, tp, i1 * dy)
    if q0 < q:
        for i in range(i1 + 1, 26):
            qc = _circle_critical_flow_at(xr, tp, i * dy)
            if qc >= q:
                return ((q - q0) / (qc - q0) + (i - 1.0)) * dy
            q0 = qc
        return xr[P_YFULL]
    for i in range(i1 - 1, -1, -1):
        qc = _circle_critical_flow_at(xr, tp, i * dy)
        if qc < q:
            return ((q - qc) / (q0 - qc) + i) * dy
        q0 = qc
    return 0.0


@njit(**JIT_HOT)
def circle_enumerates_critical_depth(xr):
    """True when SWMM finds a circle's critical depth by enumeration: its full area is
    within a factor 2 of a true circle's (always, unless the row was edited)."""
    y_full = xr[P_YFULL]
    ratio = xr[P_AFULL] / (np.pi / 4.0 * y_full * y_full)
    return 0.5 <= ratio <= 2.0


@njit(**JIT_HOT)
def circle_critical_depth_at(xr, tp, q):
    """Critical depth [ft] of flow ``q`` [cfs] in a circular section for which
    :func:`circle_enumerates_critical_depth` holds (as :func:`critical_depth`)."""
    q2g = q * q / GRAVITY
    if q2g == 0.0:
        return 0.0
    y_full = xr[P_YFULL]
    y = 1.01 * np.sqrt(np.sqrt(q2g / y_full))  # (q2g/yFull)^(1/4), no pow call
    if y >= y_full:
        y = 0.97 * y_full
    return min(_circle_critical_enum_at(xr, tp, q, y), y_full)


@njit(**JIT_HOT)
def circle_normal_depth_at(xr, tp, q, beta):
    """Normal depth [ft] of flow ``q`` [cfs] in a circular section (as
    :func:`normal_depth`); ``beta`` is the conduit's Manning factor."""
    q = abs(q)
    if beta <= 0.0:
        return 0.0
    q = min(q, xr[P_SMAX] * beta)
    if q <= 0.0:
        return 0.0
    # area with section factor q / beta (circle: S/Sfull table, Newton near the invert)
    s = q / beta
    a_full = xr[P_AFULL]
    s = min(s, xr[P_SMAX])
    psi = s / xr[P_SFULL]
    if psi >= 1.0:
        a = a_full
    elif psi <= 0.015:
        a = a_full * circular_alpha_of_psi(psi)
    else:
        a = a_full * inverse_at(psi, tp, ROW_S * N_TBL, int(xr[P_NS]))
    # depth at that area
    alpha = a / a_full
    if alpha < 0.04:
        return xr[P_YFULL] * circular_y_of_alpha(alpha)
    return xr[P_YFULL] * lookup_at(alpha, tp, ROW_Y * N_TBL, int(xr[P_NY]))


@njit(**JIT_HOT)
def critical_depth_in(shape, xs, j, tables, q):
    """Critical depth [ft] of flow ``q`` [cfs] in row ``j`` (as :func:`critical_depth`)."""
    q2g = q * q / GRAVITY
    if q2g == 0.0:
        return 0.0
    y_full = xs[j, P_YFULL]
    if shape == RECT_OPEN or shape == RECT_CLOSED:
        y = (q2g / (xs[j, P_WMAX] * xs[j, P_WMAX])) ** (1.0 / 3.0)
        return min(y, y_full)
    if shape == CIRCULAR or shape == FORCE_MAIN:
        xr, tp = circle_pointers(xs, j, tables)
        if circle_enumerates_critical_depth(xr):
            return circle_critical_depth_at(xr, tp, q)
    return critical_depth(shape, xs[j], tables, q)


@njit(**JIT_HOT)
def normal_depth_in(shape, xs, j, tables, q, beta):
    """Normal depth [ft] of flow ``q`` [cfs] in row ``j`` (as :func:`normal_depth`)."""
    if not (shape == CIRCULAR or shape == FORCE_MAIN):
        return normal_depth(shape, xs[j], tables, q, beta)
    xr, tp = circle_pointers(xs, j, tables)
    return circle_normal_depth_at(xr, tp, q, beta)
