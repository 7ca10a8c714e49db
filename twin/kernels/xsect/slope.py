"""Derivative of the section factor, dS/dA, per shape (SWMM 5.2 ``xsect_getdSdA``).

Used by the kinematic-wave solver and by the Newton iterations that invert the
section factor.  Circular and tabulated shapes take the slope of their S(A)
table (the exact circular-segment derivative below 4 % full); shapes with a
wetted-perimeter formula use ``dS/dA = (5/3 - 2/3 R dP/dA) R^(2/3)``; the others a
central difference over +-0.1 % of the full area.  Units ft^(2/3).
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.xsect.composite import rect_round_hrad_of_area, rect_triang_hrad_of_area
from twin.kernels.xsect.geometry import (
    MOD_BASKET,
    RECT_CLOSED,
    RECT_OPEN,
    RECT_ROUND,
    RECT_TRIANG,
    TRAPEZOIDAL,
    TRIANGULAR,
    _has_s_table,
    _is_circ,
    hrad_at_area,
    sfactor_at_area,
)
from twin.kernels.xsect.interp import slope_row, theta_of_alpha
from twin.kernels.xsect.sections import (
    FORMULA_SHAPES,
    RECT_ALFMAX,
    RECT_ROUND_ALFMAX,
    RECT_TRIANG_ALFMAX,
    TABLE_SHAPES,
)

TWO3 = 2.0 / 3.0


@kernel(**JIT)
def _dsda_generic(xs, j, a):
    a_full = xs.a_full[j]
    alpha1 = max(a / a_full - 0.001, 0.0)
    a1 = alpha1 * a_full
    a2 = (a / a_full + 0.001) * a_full
    s1 = sfactor_at_area(xs, j, a1)
    s2 = sfactor_at_area(xs, j, a2)
    return (s2 - s1) / (a2 - a1)


@kernel(**JIT)
def _dsda_of_perimeter(r, dp_da):
    """dS/dA = (5/3 - 2/3 dP/dA R) R^(2/3)."""
    return (5.0 / 3.0 - TWO3 * dp_da * r) * r**TWO3


@kernel(**JIT)
def dsfactor_da(xs, j, a):
    """Derivative dS/dA [ft^(2/3)] of the section factor at flow area ``a`` [ft2]."""
    shape = xs.shape_code[j]
    a_full = xs.a_full[j]
    alpha = a / a_full
    if _is_circ(shape):
        if alpha <= 1.0e-30:
            return 1.0e-30
        if alpha < 0.04:
            theta = theta_of_alpha(alpha)
            r = a / (theta * xs.y_full[j] / 2.0)
            dp_da = 4.0 / xs.y_full[j] / (1.0 - np.cos(theta))
            return _dsda_of_perimeter(r, dp_da)
        slope = slope_row(alpha, xs.tables, xs.table[j], 4, xs.n_s[j])
        return slope * xs.s_full[j] / a_full
    if TABLE_SHAPES and _has_s_table(shape):
        slope = slope_row(alpha, xs.tables, xs.table[j], 4, xs.n_s[j])
        return slope * xs.s_full[j] / a_full
    if shape == RECT_CLOSED or (FORMULA_SHAPES and (shape == RECT_TRIANG or shape == RECT_ROUND)):
        alf_max = RECT_ALFMAX
        if FORMULA_SHAPES and shape == RECT_TRIANG:
            alf_max = RECT_TRIANG_ALFMAX
        elif FORMULA_SHAPES and shape == RECT_ROUND:
            alf_max = RECT_ROUND_ALFMAX
        if alpha > alf_max:
            return (xs.s_full[j] - xs.s_max[j]) / ((1.0 - alf_max) * a_full)
        if shape == RECT_CLOSED or not FORMULA_SHAPES:
            if alpha <= 1.0e-30:
                return _dsda_generic(xs, j, a)
            r = hrad_at_area(xs, j, a)
            return _dsda_of_perimeter(r, 2.0 / xs.w_max[j])
        if shape == RECT_TRIANG:
            if alpha <= 1.0e-30:
                return _dsda_generic(xs, j, a)
            if a > xs.a_bot[j]:
                dp_da = 2.0 / xs.w_max[j]
            else:
                dp_da = xs.r_bot[j] / np.sqrt(a * xs.s_bot[j])
            return _dsda_of_perimeter(rect_triang_hrad_of_area(xs, j, a), dp_da)
        if a > xs.a_bot[j]:
            r = rect_round_hrad_of_area(xs, j, a)
            return _dsda_of_perimeter(r, 2.0 / xs.w_max[j])
        return _dsda_generic(xs, j, a)
    if shape == RECT_OPEN:
        if alpha <= 1.0e-30:
            return _dsda_generic(xs, j, a)
        r = hrad_at_area(xs, j, a)
        return _dsda_of_perimeter(r, (2.0 - xs.s_bot[j]) / xs.w_max[j])
    if not FORMULA_SHAPES:
        return _dsda_generic(xs, j, a)
    if shape == MOD_BASKET:
        if a <= a_full - xs.a_bot[j] and alpha > 1.0e-30:
            w = xs.w_max[j]
            return _dsda_of_perimeter(a / (w + 2.0 * a / w), 2.0 / w)
        return _dsda_generic(xs, j, a)
    if shape == TRAPEZOIDAL:
        if alpha <= 1.0e-30:
            return _dsda_generic(xs, j, a)
        yb, sb = xs.y_bot[j], xs.s_bot[j]
        r = hrad_at_area(xs, j, a)
        return _dsda_of_perimeter(r, xs.r_bot[j] / np.sqrt(yb * yb + 4.0 * sb * a))
    if shape == TRIANGULAR:
        if alpha <= 1.0e-30:
            return _dsda_generic(xs, j, a)
        r = hrad_at_area(xs, j, a)
        return _dsda_of_perimeter(r, xs.r_bot[j] / np.sqrt(a * xs.s_bot[j]))
    return _dsda_generic(xs, j, a)
