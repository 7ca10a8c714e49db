"""Section factor to area, critical depth and normal depth (SWMM 5.2 ``xsect.c``), ft.

Each function takes the cross sections ``xs`` (:class:`~twin.kernels.xsect.XSects`),
a section's index ``j`` and one number; the geometry it inverts is in
:mod:`twin.kernels.xsect.geometry`.  Flows cfs, section factors ft^(8/3).

>>> from twin.kernels.codes import Shape
>>> from twin.kernels.xsect.params import section
>>> xs = section(Shape.CIRCULAR, 2.0)
>>> round(normal_depth(xs, 0, 3.0, 20.0), 4)
0.372
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.view import view
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
    sfactor_at_area,
    width_at_depth,
)
from twin.kernels.xsect.interp import circular_alpha_of_psi, inverse_row
from twin.kernels.xsect.sections import FORMULA_SHAPES, TABLE_SHAPES
from twin.kernels.xsect.slope import dsfactor_da

GRAVITY = 32.2  # ft/s2
MAX_ITER = 60  # iterations of the root finders


# ---------------------------------------------------------------------------
# section factor -> area
# ---------------------------------------------------------------------------


@kernel(**JIT)
def _area_at_sfactor_newton(xs, j, s):
    """Area with S(A) = s by safeguarded Newton iterations (tolerance 1e-4 Afull)."""
    a_full = xs.a_full[j]
    if xs.s_full[j] <= s <= xs.s_max[j] and xs.s_max[j] != xs.s_full[j]:
        x1 = a_full  # S passes sFull on its way up to sMax below Afull
    else:
        x1 = 0.0
    x2 = xs.a_max[j]
    x = 0.5 * (x1 + x2)
    tol = 0.0001 * a_full
    xlo, xhi = x1, x2
    dxold = abs(x2 - x1)
    dx = dxold
    f = sfactor_at_area(xs, j, x) - s
    df = dsfactor_da(xs, j, x)
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
        f = sfactor_at_area(xs, j, x) - s
        df = dsfactor_da(xs, j, x)
        if f < 0.0:
            xlo = x
        else:
            xhi = x
    return x


@kernel(**JIT)
def area_at_sfactor(xs, j, s):
    """Flow area [ft2] whose section factor is ``s`` [ft^(8/3)] (``s`` capped at sMax)."""
    shape = xs.shape_code[j]
    if s <= 0.0:
        return 0.0
    psi = s / xs.s_full[j]  # before the cap, as SWMM does for the tabulated shapes
    s = min(s, xs.s_max[j])
    if shape == DUMMY:
        return 0.0
    if shape == CIRCULAR or shape == FORCE_MAIN:
        psi = s / xs.s_full[j]
        if psi >= 1.0:
            return xs.a_full[j]
        if psi <= 0.015:
            return xs.a_full[j] * circular_alpha_of_psi(psi)
        return xs.a_full[j] * inverse_row(psi, xs.tables, xs.table[j], 4, xs.n_s[j])
    if TABLE_SHAPES and (
        shape == EGG
        or shape == HORSESHOE
        or shape == GOTHIC
        or shape == CATENARY
        or shape == SEMIELLIPTICAL
        or shape == BASKETHANDLE
        or shape == SEMICIRCULAR
    ):
        return xs.a_full[j] * inverse_row(psi, xs.tables, xs.table[j], 4, xs.n_s[j])
    return _area_at_sfactor_newton(xs, j, s)


# ---------------------------------------------------------------------------
# critical depth
# ---------------------------------------------------------------------------


@kernel(**JIT)
def _critical_flow(xs, j, y):
    """Flow [cfs] for which depth ``y`` is critical: A sqrt(g A / W)."""
    a = area_at_depth(xs, j, y)
    w = width_at_depth(xs, j, y)
    if w > 0.0:
        return a * np.sqrt(GRAVITY * a / w)
    return 0.0


#: depth increments of SWMM's critical-depth enumeration (getYcritEnum)
CRITICAL_STEPS = 25


@kernel(**JIT)
def _tabulated_critical_flow(xs, j, i, dy):
    """``_critical_flow(xs, j, i * dy)`` from ``xs.q_crit`` (the same number), computed
    where ``i`` is off the table (a depth estimate that is not a number)."""
    if 0 <= i <= CRITICAL_STEPS:
        return xs.q_crit[j, i]
    return _critical_flow(xs, j, i * dy)


@kernel(**JIT)
def _critical_depth_enum(xs, j, q, y0):
    """Critical depth by stepping through 25 depth increments from ``y0``, then linear.

    The critical flows at the increments come from ``xs.q_crit`` (:func:`critical_flow_table`:
    the numbers SWMM's getYcritEnum computes at each call, computed once)."""
    dy = xs.y_full[j] / 25.0
    i1 = int(y0 / dy)
    q0 = _tabulated_critical_flow(xs, j, i1, dy)
    if q0 < q:
        yc = xs.y_full[j]
        for i in range(i1 + 1, 26):
            qc = _tabulated_critical_flow(xs, j, i, dy)
            if qc >= q:
                return ((q - q0) / (qc - q0) + (i - 1.0)) * dy
            q0 = qc
        return yc
    for i in range(i1 - 1, -1, -1):
        qc = _tabulated_critical_flow(xs, j, i, dy)
        if qc < q:
            return ((q - qc) / (q0 - qc) + i) * dy
        q0 = qc
    return 0.0


@kernel(**JIT)
def _by_enumeration(xs, j):
    """Whether :func:`critical_depth` searches section ``j`` by enumeration."""
    shape = xs.shape_code[j]
    if (shape == DUMMY or shape == RECT_OPEN or shape == RECT_CLOSED or shape == TRIANGULAR
            or shape == PARABOLIC or shape == POWER):  # fmt: skip
        return False
    y_full = xs.y_full[j]
    ratio = xs.a_full[j] / (np.pi / 4.0 * y_full * y_full)
    return 0.5 <= ratio <= 2.0


@kernel(**JIT)
def _critical_flow_table(xs):
    dy_steps = xs.q_crit.shape[1]
    for j in range(xs.shape_code.shape[0]):
        if _by_enumeration(xs, j):
            dy = xs.y_full[j] / 25.0
            for i in range(dy_steps):
                xs.q_crit[j, i] = _critical_flow(xs, j, i * dy)


@kernel(**JIT)
def critical_flow_table(xs):
    """Fill ``xs.q_crit`` [cfs]: the critical flow at depths ``k y_full / 25`` (k = 0..25)
    of every section whose critical depth is found by enumeration, with the arithmetic
    the enumeration used at each call (so its results are the same, bit for bit); the
    geometry is fixed once the bundle is made.  Called from Python, on the view."""
    _critical_flow_table(view(xs))


@kernel(**JIT)
def _critical_depth_ridder(xs, j, q, y0):
    """Critical depth by Ridder's method to 0.001 ft, bracketed around ``y0``."""
    y_full = xs.y_full[j]
    y1 = 0.0
    y2 = 0.99 * y_full
    if _critical_flow(xs, j, y2) < q:
        return y_full
    q0 = _critical_flow(xs, j, y0)
    qh = _critical_flow(xs, j, 0.5 * y_full)
    if q0 > q:
        y2 = y0
        if qh < q:
            y1 = 0.5 * y_full
    else:
        y1 = y0
        if qh > q:
            y2 = 0.5 * y_full
    return _ridder(xs, j, q, y1, y2, 0.001)


@kernel(**JIT)
def _sign_differs(a, b):
    """True when ``b`` (zero counted positive) and ``a`` have different signs."""
    return (b >= 0.0 and a < 0.0) or (b < 0.0 and a > 0.0)


@kernel(**JIT)
def _ridder(xs, j, q, x1, x2, xacc):
    flo = _critical_flow(xs, j, x1) - q
    fhi = _critical_flow(xs, j, x2) - q
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
        fm = _critical_flow(xs, j, xm) - q
        s = np.sqrt(fm * fm - flo * fhi)
        if s == 0.0:
            return ans
        sign = 1.0 if flo >= fhi else -1.0
        xnew = xm + (xm - xlo) * sign * fm / s
        if abs(xnew - ans) <= xacc:
            break
        ans = xnew
        fnew = _critical_flow(xs, j, ans) - q
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


@kernel(**JIT)
def critical_depth(xs, j, q):
    """Critical depth [ft] for flow ``q`` [cfs], never above the full depth (``link_getYcrit``)."""
    shape = xs.shape_code[j]
    q2g = q * q / GRAVITY
    if q2g == 0.0 or shape == DUMMY:
        return 0.0
    y_full = xs.y_full[j]
    if shape == RECT_OPEN or shape == RECT_CLOSED:
        y = (q2g / (xs.w_max[j] * xs.w_max[j])) ** (1.0 / 3.0)
    elif FORMULA_SHAPES and shape == TRIANGULAR:
        y = (2.0 * q2g / (xs.s_bot[j] * xs.s_bot[j])) ** (1.0 / 5.0)
    elif FORMULA_SHAPES and shape == PARABOLIC:
        y = (27.0 / 32.0 * q2g / (xs.r_bot[j] * xs.r_bot[j])) ** 0.25
    elif FORMULA_SHAPES and shape == POWER:
        e = 1.0 / (2.0 * xs.s_bot[j] + 3.0)
        y = (q2g * (xs.s_bot[j] + 1.0) / (xs.r_bot[j] * xs.r_bot[j])) ** e
    else:
        # start from the critical depth of a circular pipe of the same height
        y = 1.01 * np.sqrt(np.sqrt(q2g / y_full))  # (q2g/yFull)^(1/4), no pow call
        if y >= y_full:
            y = 0.97 * y_full
        ratio = xs.a_full[j] / (np.pi / 4.0 * y_full * y_full)
        if 0.5 <= ratio <= 2.0:
            y = _critical_depth_enum(xs, j, q, y)
        else:
            y = _critical_depth_ridder(xs, j, q, y)
    return min(y, y_full)


@kernel(**JIT)
def normal_depth(xs, j, q, beta):
    """Normal depth [ft] for flow ``q`` [cfs] (``link_getYnorm``).

    Parameters
    ----------
    beta : float
        ``PHI * sqrt(|slope|) / n`` of the conduit, so that Q = beta A R^(2/3).

    The flow is capped at the conduit's maximum, ``beta * sMax``.
    """
    shape = xs.shape_code[j]
    q = abs(q)
    if shape == DUMMY or beta <= 0.0:
        return 0.0
    q = min(q, xs.s_max[j] * beta)
    if q <= 0.0:
        return 0.0
    a = area_at_sfactor(xs, j, q / beta)
    return depth_at_area(xs, j, a)
