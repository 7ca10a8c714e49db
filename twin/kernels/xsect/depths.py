"""Cross-section geometry: the public kernels (SWMM 5.2 ``xsect.c`` method).

Build a parameter row per link once, in Python, with :func:`xsect_params`; give
the compiled functions the shape code, that row and the table stack
(:func:`standard_tables`, then any :func:`custom_shape_table` rows).  All lengths
are feet, areas ft2, flows cfs, section factors ft^(8/3): SWMM's internal units.

>>> import numpy as np
>>> from twin.kernels.codes import Shape
>>> tables = standard_tables()
>>> par = xsect_params(Shape.CIRCULAR, 2.0, 0.0, 0.0, 0.0)
>>> round(area_at_depth(Shape.CIRCULAR, par, tables, 1.0), 4)  # half full: pi/2
1.5708

The geometry functions are in :mod:`twin.kernels.xsect.geometry`; this module
adds the inverse of the section factor, critical depth and normal depth.
"""

import numpy as np
from numba import njit

from twin.kernels.config import JIT_HOT
from twin.kernels.xsect.geometry import (
    BASKETHANDLE,
    CATENARY,
    CIRCULAR,
    DUMMY,
    EGG,
    FORCE_MAIN,
    GOTHIC,
    HORSESHOE,
    PARABOLIC,
    POWER,
    RECT_CLOSED,
    RECT_OPEN,
    SEMICIRCULAR,
    SEMIELLIPTICAL,
    TRIANGULAR,
    area_at_depth,
    depth_at_area,
    hrad_at_area,
    hrad_at_depth,
    is_closed,
    sfactor_at_area,
    width_at_depth,
)
from twin.kernels.xsect.interp import circular_alpha_of_psi, inverse_row
from twin.kernels.xsect.layout import (
    P_ABOT,
    P_AFULL,
    P_AMAX,
    P_G1,
    P_G2,
    P_G3,
    P_G4,
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
    P_YWMAX,
    XS_NPAR,
)
from twin.kernels.xsect.params import xsect_params
from twin.kernels.xsect.slope import dsfactor_da
from twin.kernels.xsect.tables import N_STD, custom_shape_table, standard_tables

__all__ = [
    "XS_NPAR",
    "P_YFULL",
    "P_YINV",
    "P_WMAX",
    "P_AFULL",
    "P_RFULL",
    "P_SFULL",
    "P_SMAX",
    "P_YWMAX",
    "P_ABOT",
    "P_YBOT",
    "P_RBOT",
    "P_SBOT",
    "P_TABLE",
    "P_G1",
    "P_G2",
    "P_G3",
    "P_G4",
    "P_AMAX",
    "P_NA",
    "P_NR",
    "P_NW",
    "P_NY",
    "P_NS",
    "N_STD",
    "xsect_params",
    "standard_tables",
    "custom_shape_table",
    "area_at_depth",
    "hrad_at_depth",
    "width_at_depth",
    "depth_at_area",
    "hrad_at_area",
    "sfactor_at_area",
    "area_at_sfactor",
    "dsfactor_da",
    "is_closed",
    "critical_depth",
    "normal_depth",
]

GRAVITY = 32.2  # ft/s2
MAX_ITER = 60  # iterations of the root finders


# ---------------------------------------------------------------------------
# section factor -> area
# ---------------------------------------------------------------------------


@njit(**JIT_HOT)
def _area_at_sfactor_newton(shape, par, tables, s):
    """Area with S(A) = s by safeguarded Newton iterations (tolerance 1e-4 Afull)."""
    a_full = par[P_AFULL]
    if par[P_SFULL] <= s <= par[P_SMAX] and par[P_SMAX] != par[P_SFULL]:
        x1 = a_full  # S passes sFull on its way up to sMax below Afull
    else:
        x1 = 0.0
    x2 = par[P_AMAX]
    x = 0.5 * (x1 + x2)
    tol = 0.0001 * a_full
    xlo, xhi = x1, x2
    dxold = abs(x2 - x1)
    dx = dxold
    f = sfactor_at_area(shape, par, tables, x) - s
    df = dsfactor_da(shape, par, tables, x)
    for _ in range(MAX_ITER):
        if ((x - xhi) * df - f) * ((x - xlo) * df - f) >= 0.0 or abs(2.0 * f) > abs(dxold * df):
            dxold = dx
            dx = 0.5 * (xhi - xlo)
            x = xlo + dx
            if xlo == x:
                break
        else:
            dxold = dx
            dx = f / df
            temp = x
            x -= dx
            if temp == x:
                break
        if abs(dx) < tol:
            break
        f = sfactor_at_area(shape, par, tables, x) - s
        df = dsfactor_da(shape, par, tables, x)
        if f < 0.0:
            xlo = x
        else:
            xhi = x
    return x


@njit(**JIT_HOT)
def area_at_sfactor(shape, par, tables, s):
    """Flow area [ft2] whose section factor is ``s`` [ft^(8/3)] (``s`` capped at sMax)."""
    if s <= 0.0:
        return 0.0
    psi = s / par[P_SFULL]  # before the cap, as SWMM does for the tabulated shapes
    s = min(s, par[P_SMAX])
    if shape == DUMMY:
        return 0.0
    if shape == CIRCULAR or shape == FORCE_MAIN:
        psi = s / par[P_SFULL]
        if psi >= 1.0:
            return par[P_AFULL]
        if psi <= 0.015:
            return par[P_AFULL] * circular_alpha_of_psi(psi)
        return par[P_AFULL] * inverse_row(psi, tables, int(par[P_TABLE]), 4, int(par[P_NS]))
    if (
        shape == EGG
        or shape == HORSESHOE
        or shape == GOTHIC
        or shape == CATENARY
        or shape == SEMIELLIPTICAL
        or shape == BASKETHANDLE
        or shape == SEMICIRCULAR
    ):
        return par[P_AFULL] * inverse_row(psi, tables, int(par[P_TABLE]), 4, int(par[P_NS]))
    return _area_at_sfactor_newton(shape, par, tables, s)


# ---------------------------------------------------------------------------
# critical depth
# ---------------------------------------------------------------------------


@njit(**JIT_HOT)
def _critical_flow(shape, par, tables, y):
    """Flow [cfs] for which depth ``y`` is critical: A sqrt(g A / W)."""
    a = area_at_depth(shape, par, tables, y)
    w = width_at_depth(shape, par, tables, y)
    if w > 0.0:
        return a * np.sqrt(GRAVITY * a / w)
    return 0.0


@njit(**JIT_HOT)
def _critical_depth_enum(shape, par, tables, q, y0):
    """Critical depth by stepping through 25 depth increments from ``y0``, then linear."""
    dy = par[P_YFULL] / 25.0
    i1 = int(y0 / dy)
    q0 = _critical_flow(shape, par, tables, i1 * dy)
    if q0 < q:
        yc = par[P_YFULL]
        for i in range(i1 + 1, 26):
            qc = _critical_flow(shape, par, tables, i * dy)
            if qc >= q:
                return ((q - q0) / (qc - q0) + (i - 1.0)) * dy
            q0 = qc
        return yc
    for i in range(i1 - 1, -1, -1):
        qc = _critical_flow(shape, par, tables, i * dy)
        if qc < q:
            return ((q - qc) / (q0 - qc) + i) * dy
        q0 = qc
    return 0.0


@njit(**JIT_HOT)
def _critical_depth_ridder(shape, par, tables, q, y0):
    """Critical depth by Ridder's method to 0.001 ft, bracketed around ``y0``."""
    y_full = par[P_YFULL]
    y1 = 0.0
    y2 = 0.99 * y_full
    if _critical_flow(shape, par, tables, y2) < q:
        return y_full
    q0 = _critical_flow(shape, par, tables, y0)
    qh = _critical_flow(shape, par, tables, 0.5 * y_full)
    if q0 > q:
        y2 = y0
        if qh < q:
            y1 = 0.5 * y_full
    else:
        y1 = y0
        if qh > q:
            y2 = 0.5 * y_full
    return _ridder(shape, par, tables, q, y1, y2, 0.001)


@njit(**JIT_HOT)
def _sign_differs(a, b):
    """True when ``b`` (zero counted positive) and ``a`` have different signs."""
    return (b >= 0.0 and a < 0.0) or (b < 0.0 and a > 0.0)


@njit(**JIT_HOT)
def _ridder(shape, par, tables, q, x1, x2, xacc):
    flo = _critical_flow(shape, par, tables, x1) - q
    fhi = _critical_flow(shape, par, tables, x2) - q
    if flo == 0.0:
        return x1
    if fhi == 0.0:
        return x2
    ans = 0.5 * (x1 + x2)
    if not ((flo > 0.0 and fhi < 0.0) or (flo < 0.0 and fhi > 0.0)):
        return -1.0e20
    xlo, xhi = x1, x2
    for _ in range(MAX_ITER):
        xm = 0.5 * (xlo + xhi)
        fm = _critical_flow(shape, par, tables, xm) - q
        s = np.sqrt(fm * fm - flo * fhi)
        if s == 0.0:
            return ans
        sign = 1.0 if flo >= fhi else -1.0
        xnew = xm + (xm - xlo) * sign * fm / s
        if abs(xnew - ans) <= xacc:
            break
        ans = xnew
        fnew = _critical_flow(shape, par, tables, ans) - q
        if _sign_differs(fm, fnew):
            xlo, flo = xm, fm
            xhi, fhi = ans, fnew
        elif _sign_differs(flo, fnew):
            xhi, fhi = ans, fnew
        elif _sign_differs(fhi, fnew):
            xlo, flo = ans, fnew
        else:
            return ans
        if abs(xhi - xlo) <= xacc:
            return ans
    return ans


@njit(**JIT_HOT)
def critical_depth(shape, par, tables, q):
    """Critical depth [ft] for flow ``q`` [cfs], never above the full depth (``link_getYcrit``)."""
    q2g = q * q / GRAVITY
    if q2g == 0.0 or shape == DUMMY:
        return 0.0
    y_full = par[P_YFULL]
    if shape == RECT_OPEN or shape == RECT_CLOSED:
        y = (q2g / (par[P_WMAX] * par[P_WMAX])) ** (1.0 / 3.0)
    elif shape == TRIANGULAR:
        y = (2.0 * q2g / (par[P_SBOT] * par[P_SBOT])) ** (1.0 / 5.0)
    elif shape == PARABOLIC:
        y = (27.0 / 32.0 * q2g / (par[P_RBOT] * par[P_RBOT])) ** 0.25
    elif shape == POWER:
        e = 1.0 / (2.0 * par[P_SBOT] + 3.0)
        y = (q2g * (par[P_SBOT] + 1.0) / (par[P_RBOT] * par[P_RBOT])) ** e
    else:
        # start from the critical depth of a circular pipe of the same height
        y = 1.01 * np.sqrt(np.sqrt(q2g / y_full))  # (q2g/yFull)^(1/4), no pow call
        if y >= y_full:
            y = 0.97 * y_full
        ratio = par[P_AFULL] / (np.pi / 4.0 * y_full * y_full)
        if 0.5 <= ratio <= 2.0:
            y = _critical_depth_enum(shape, par, tables, q, y)
        else:
            y = _critical_depth_ridder(shape, par, tables, q, y)
    return min(y, y_full)


@njit(**JIT_HOT)
def normal_depth(shape, par, tables, q, beta):
    """Normal depth [ft] for flow ``q`` [cfs] (``link_getYnorm``).

    Parameters
    ----------
    beta : float
        ``PHI * sqrt(|slope|) / n`` of the conduit, so that Q = beta A R^(2/3).

    The flow is capped at the conduit's maximum, ``beta * sMax``.
    """
    q = abs(q)
    if shape == DUMMY or beta <= 0.0:
        return 0.0
    q = min(q, par[P_SMAX] * beta)
    if q <= 0.0:
        return 0.0
    a = area_at_sfactor(shape, par, tables, q / beta)
    return depth_at_area(shape, par, tables, a)
