"""Cross-section geometry kernels: area, hydraulic radius, width, depth, section factor.

Every function is ``@njit``, takes the cross sections ``xs``
(:class:`~twin.kernels.xsect.sections.XSects`), the index ``j`` of one section and
one scalar, and follows SWMM 5.2's ``xsect.c`` method for that section's shape: the
same tables or formulas, the same interpolation and the same special cases.  This is
the one geometry path: the routing kernels call these functions for every shape
(circular first in each dispatch, as most sewers are).  Units are SWMM's internal
ones: ft, ft2, ft^(8/3).
"""

import numpy as np

from twin.kernels.codes import Shape
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.xsect.composite import (
    mod_basket_area,
    mod_basket_depth,
    mod_basket_hrad_of_area,
    mod_basket_width,
    parabolic_perimeter,
    power_perimeter,
    rect_closed_hrad_of_area,
    rect_round_area,
    rect_round_depth,
    rect_round_hrad_of_area,
    rect_round_hrad_of_depth,
    rect_round_width,
    rect_triang_depth,
    rect_triang_hrad_of_area,
)
from twin.kernels.xsect.interp import (
    circular_s_of_alpha,
    circular_y_of_alpha,
    inverse_row,
    lookup_row,
)
from twin.kernels.xsect.sections import (
    AMAX_RATIO,
    FORMULA_SHAPES,
    RECT_ALFMAX,
    RECT_ROUND_ALFMAX,
    RECT_TRIANG_ALFMAX,
    TABLE_SHAPES,
)

TINY = 1e-6
TWO3 = 2.0 / 3.0
# shape codes as plain ints for the compiled dispatch
DUMMY, CIRCULAR, FILLED_CIRCULAR = int(Shape.DUMMY), int(Shape.CIRCULAR), int(Shape.FILLED_CIRCULAR)
RECT_CLOSED, RECT_OPEN = int(Shape.RECT_CLOSED), int(Shape.RECT_OPEN)
TRAPEZOIDAL = int(Shape.TRAPEZOIDAL)
TRIANGULAR, PARABOLIC, POWER = int(Shape.TRIANGULAR), int(Shape.PARABOLIC), int(Shape.POWER)
RECT_TRIANG, RECT_ROUND = int(Shape.RECT_TRIANGULAR), int(Shape.RECT_ROUND)
MOD_BASKET = int(Shape.MODBASKETHANDLE)
H_ELLIPSE, V_ELLIPSE, ARCH = int(Shape.HORIZ_ELLIPSE), int(Shape.VERT_ELLIPSE), int(Shape.ARCH)
EGG, HORSESHOE, GOTHIC = int(Shape.EGG), int(Shape.HORSESHOE), int(Shape.GOTHIC)
CATENARY, SEMIELLIPTICAL = int(Shape.CATENARY), int(Shape.SEMIELLIPTICAL)
BASKETHANDLE, SEMICIRCULAR = int(Shape.BASKETHANDLE), int(Shape.SEMICIRCULAR)
CUSTOM, FORCE_MAIN = int(Shape.CUSTOM), int(Shape.FORCE_MAIN)
IRREGULAR = int(Shape.IRREGULAR)  # a transect's tables, used as a CUSTOM shape's (open)


@kernel(**JIT)
def is_closed(shape):
    """True for closed shapes (area at maximum flow below the full area)."""
    return AMAX_RATIO[shape] < 1.0


@kernel(**JIT)
def _is_circ(shape):
    return shape == CIRCULAR or shape == FORCE_MAIN


@kernel(**JIT)
def _has_a_table(shape):
    """Shapes whose area, hydraulic radius and width come from A(y), R(y), W(y) tables."""
    return (
        shape == EGG
        or shape == HORSESHOE
        or shape == BASKETHANDLE
        or shape == H_ELLIPSE
        or shape == V_ELLIPSE
        or shape == ARCH
        or _custom_like(shape)
    )


@kernel(**JIT)
def _custom_like(shape):
    """CUSTOM shapes and IRREGULAR transects: tables built for the section."""
    return shape == CUSTOM or shape == IRREGULAR


@kernel(**JIT)
def _has_s_table(shape):
    """Shapes whose section factor and depth come from S(A), Y(A) tables."""
    return (
        shape == EGG
        or shape == HORSESHOE
        or shape == GOTHIC
        or shape == CATENARY
        or shape == SEMIELLIPTICAL
        or shape == BASKETHANDLE
        or shape == SEMICIRCULAR
    )


# ---------------------------------------------------------------------------
# depth -> area, width
# ---------------------------------------------------------------------------


@kernel(**JIT)
def area_at_depth(xs, j, y):
    """Flow area [ft2] at depth ``y`` [ft] (0 for ``y <= 0``)."""
    shape = xs.shape_code[j]
    if y <= 0.0:
        return 0.0
    y_full = xs.y_full[j]
    y_norm = y * xs.y_inv[j]
    if _is_circ(shape):
        return xs.a_full[j] * lookup_row(y_norm, xs.tables, xs.table[j], 0, xs.n_a[j])
    if FORMULA_SHAPES and shape == FILLED_CIRCULAR:
        a_circ = xs.a_full[j] + xs.a_bot[j]
        y_circ = y_full + xs.y_bot[j]
        y_rel = (y + xs.y_bot[j]) / y_circ
        a_rel = lookup_row(y_rel, xs.tables, xs.table[j], 0, xs.n_a[j])
        return a_circ * a_rel - xs.a_bot[j]
    if TABLE_SHAPES and _has_a_table(shape):
        return xs.a_full[j] * lookup_row(y_norm, xs.tables, xs.table[j], 0, xs.n_a[j])
    if TABLE_SHAPES and (
        shape == GOTHIC or shape == CATENARY or shape == SEMIELLIPTICAL or shape == SEMICIRCULAR
    ):
        return xs.a_full[j] * inverse_row(y_norm, xs.tables, xs.table[j], 3, xs.n_y[j])
    if shape == RECT_CLOSED or shape == RECT_OPEN:
        return y * xs.w_max[j]
    if not FORMULA_SHAPES:
        return 0.0
    if shape == RECT_TRIANG:
        if y <= xs.y_bot[j]:
            return y * y * xs.s_bot[j]
        return xs.a_bot[j] + (y - xs.y_bot[j]) * xs.w_max[j]
    if shape == RECT_ROUND:
        return rect_round_area(xs, j, y)
    if shape == MOD_BASKET:
        return mod_basket_area(xs, j, y)
    if shape == TRAPEZOIDAL:
        return (xs.y_bot[j] + xs.s_bot[j] * y) * y
    if shape == TRIANGULAR:
        return y * y * xs.s_bot[j]
    if shape == PARABOLIC:
        return 4.0 / 3.0 * xs.r_bot[j] * y * np.sqrt(y)
    if shape == POWER:
        return xs.r_bot[j] * y ** (xs.s_bot[j] + 1.0)
    return 0.0


@kernel(**JIT)
def width_at_depth(xs, j, y):
    """Top width [ft] of the water surface at depth ``y`` [ft]."""
    shape = xs.shape_code[j]
    y_full = xs.y_full[j]
    y_norm = y * xs.y_inv[j]
    if _is_circ(shape):
        return xs.w_max[j] * lookup_row(y_norm, xs.tables, xs.table[j], 2, xs.n_w[j])
    if FORMULA_SHAPES and shape == FILLED_CIRCULAR:
        y_norm = (y + xs.y_bot[j]) / (y_full + xs.y_bot[j])
        return xs.w_max[j] * lookup_row(y_norm, xs.tables, xs.table[j], 2, xs.n_w[j])
    if TABLE_SHAPES and (_has_a_table(shape) or _has_s_table(shape)):
        return xs.w_max[j] * lookup_row(y_norm, xs.tables, xs.table[j], 2, xs.n_w[j])
    if shape == RECT_CLOSED:
        return 0.0 if y / y_full == 1.0 else xs.w_max[j]
    if shape == RECT_OPEN:
        return xs.w_max[j]
    if not FORMULA_SHAPES:
        return 0.0
    if shape == RECT_TRIANG:
        return 2.0 * xs.s_bot[j] * y if y <= xs.y_bot[j] else xs.w_max[j]
    if shape == RECT_ROUND:
        return rect_round_width(xs, j, y)
    if shape == MOD_BASKET:
        return mod_basket_width(xs, j, y)
    if shape == TRAPEZOIDAL:
        return xs.y_bot[j] + 2.0 * y * xs.s_bot[j]
    if shape == TRIANGULAR:
        return 2.0 * xs.s_bot[j] * y
    if shape == PARABOLIC:
        return 2.0 * xs.r_bot[j] * np.sqrt(y)
    if shape == POWER:
        return (xs.s_bot[j] + 1.0) * xs.r_bot[j] * y ** xs.s_bot[j]
    return 0.0


# ---------------------------------------------------------------------------
# area -> depth
# ---------------------------------------------------------------------------


@kernel(**JIT)
def _circ_depth(xs, j, a, a_full, y_full):
    alpha = a / a_full
    if alpha < 0.04:
        return y_full * circular_y_of_alpha(alpha)
    return y_full * lookup_row(alpha, xs.tables, xs.table[j], 3, xs.n_y[j])


@kernel(**JIT)
def depth_at_area(xs, j, a):
    """Flow depth [ft] at flow area ``a`` [ft2]."""
    shape = xs.shape_code[j]
    a_full = xs.a_full[j]
    alpha = a / a_full
    if _is_circ(shape):
        return _circ_depth(xs, j, a, a_full, xs.y_full[j])
    if FORMULA_SHAPES and shape == FILLED_CIRCULAR:
        a_circ = a_full + xs.a_bot[j]
        y_circ = xs.y_full[j] + xs.y_bot[j]
        return _circ_depth(xs, j, a + xs.a_bot[j], a_circ, y_circ) - xs.y_bot[j]
    if TABLE_SHAPES and _has_s_table(shape):
        return xs.y_full[j] * lookup_row(alpha, xs.tables, xs.table[j], 3, xs.n_y[j])
    if TABLE_SHAPES and (
        shape == H_ELLIPSE or shape == V_ELLIPSE or shape == ARCH or _custom_like(shape)
    ):
        return xs.y_full[j] * inverse_row(alpha, xs.tables, xs.table[j], 0, xs.n_a[j])
    if shape == RECT_CLOSED or shape == RECT_OPEN:
        return a / xs.w_max[j]
    if not FORMULA_SHAPES:
        return 0.0
    if shape == RECT_TRIANG:
        return rect_triang_depth(xs, j, a)
    if shape == RECT_ROUND:
        return rect_round_depth(xs, j, a)
    if shape == MOD_BASKET:
        return mod_basket_depth(xs, j, a)
    if shape == TRAPEZOIDAL:
        if xs.s_bot[j] == 0.0:
            return a / xs.y_bot[j]
        yb, sb = xs.y_bot[j], xs.s_bot[j]
        return (np.sqrt(yb * yb + 4.0 * sb * a) - yb) / (2.0 * sb)
    if shape == TRIANGULAR:
        return np.sqrt(a / xs.s_bot[j])
    if shape == PARABOLIC:
        return (0.75 * a / xs.r_bot[j]) ** TWO3
    if shape == POWER:
        return (a / xs.r_bot[j]) ** (1.0 / (xs.s_bot[j] + 1.0))
    return 0.0


# ---------------------------------------------------------------------------
# hydraulic radius and section factor
# ---------------------------------------------------------------------------


@kernel(**JIT)
def _hrad_direct(xs, j, y):
    """R(y) for shapes with an R table or an R(y) formula; -1 for the others."""
    shape = xs.shape_code[j]
    y_full = xs.y_full[j]
    y_norm = y * xs.y_inv[j]
    if _is_circ(shape) or (FORMULA_SHAPES and shape == FILLED_CIRCULAR and xs.y_bot[j] == 0.0):
        return xs.r_full[j] * lookup_row(y_norm, xs.tables, xs.table[j], 1, xs.n_r[j])
    if FORMULA_SHAPES and shape == FILLED_CIRCULAR:
        y_bot = xs.y_bot[j]
        y_circ = y_full + y_bot
        yy = y + y_bot
        a = (xs.a_full[j] + xs.a_bot[j]) * lookup_row(
            yy / y_circ, xs.tables, xs.table[j], 0, xs.n_a[j]
        )
        r = 0.25 * y_circ * lookup_row(yy / y_circ, xs.tables, xs.table[j], 1, xs.n_r[j])
        p = a / r - xs.r_bot[j] + xs.s_bot[j]
        return (a - xs.a_bot[j]) / p
    if TABLE_SHAPES and _has_a_table(shape):
        return xs.r_full[j] * lookup_row(y_norm, xs.tables, xs.table[j], 1, xs.n_r[j])
    if not FORMULA_SHAPES:
        return -1.0
    if shape == RECT_TRIANG:
        if y <= xs.y_bot[j]:
            return y * xs.s_bot[j] / (2.0 * xs.r_bot[j])
        a = xs.a_bot[j] + (y - xs.y_bot[j]) * xs.w_max[j]
        p = 2.0 * xs.y_bot[j] * xs.r_bot[j] + 2.0 * (y - xs.y_bot[j])
        alf = a / xs.a_full[j] - RECT_TRIANG_ALFMAX
        if alf > 0.0:
            p += alf / (1.0 - RECT_TRIANG_ALFMAX) * xs.w_max[j]
        return a / p
    if shape == RECT_ROUND:
        return rect_round_hrad_of_depth(xs, j, y)
    if shape == TRAPEZOIDAL:
        if y == 0.0:
            return 0.0
        return (xs.y_bot[j] + xs.s_bot[j] * y) * y / (xs.y_bot[j] + y * xs.r_bot[j])
    if shape == TRIANGULAR:
        return y * xs.s_bot[j] / (2.0 * xs.r_bot[j])
    if shape == PARABOLIC:
        if y <= 0.0:
            return 0.0
        return 4.0 / 3.0 * xs.r_bot[j] * y * np.sqrt(y) / parabolic_perimeter(xs, j, y)
    if shape == POWER:
        if y <= 0.0:
            return 0.0
        return xs.r_bot[j] * y ** (xs.s_bot[j] + 1.0) / power_perimeter(xs, j, y)
    return -1.0


@kernel(**JIT)
def _sfactor_special(xs, j, a):
    """S(a) for the shapes with their own section-factor method."""
    shape = xs.shape_code[j]
    a_full = xs.a_full[j]
    alpha = a / a_full
    if _is_circ(shape):
        if alpha < 0.04:
            return xs.s_full[j] * circular_s_of_alpha(alpha)
        return xs.s_full[j] * lookup_row(alpha, xs.tables, xs.table[j], 4, xs.n_s[j])
    if TABLE_SHAPES and _has_s_table(shape):
        return xs.s_full[j] * lookup_row(alpha, xs.tables, xs.table[j], 4, xs.n_s[j])
    if shape == RECT_OPEN:
        y = a / xs.w_max[j]
        r = a / ((2.0 - xs.s_bot[j]) * y + xs.w_max[j])
        return a * r**TWO3
    # closed rectangle, rectangle-triangle, rectangle-round: linear to sFull at the top
    alf_max = RECT_ALFMAX
    if FORMULA_SHAPES and shape == RECT_TRIANG:
        alf_max = RECT_TRIANG_ALFMAX
    elif FORMULA_SHAPES and shape == RECT_ROUND:
        alf_max = RECT_ROUND_ALFMAX
    if alpha > alf_max:
        return xs.s_max[j] + (xs.s_full[j] - xs.s_max[j]) * (alpha - alf_max) / (1.0 - alf_max)
    if FORMULA_SHAPES and shape == RECT_ROUND and a <= xs.a_bot[j]:
        # circular invert: the circle of radius rBot, whose full section factor is sBot
        alpha_c = a / (np.pi * xs.r_bot[j] * xs.r_bot[j])
        if alpha_c < 0.04:
            return xs.s_bot[j] * circular_s_of_alpha(alpha_c)
        return xs.s_bot[j] * lookup_row(alpha_c, xs.tables, xs.table[j], 4, xs.n_s[j])
    if shape == RECT_CLOSED or not FORMULA_SHAPES:
        r = rect_closed_hrad_of_area(xs, j, a)
    elif shape == RECT_TRIANG:
        r = rect_triang_hrad_of_area(xs, j, a)
    else:
        r = rect_round_hrad_of_area(xs, j, a)
    return a * r**TWO3


@kernel(**JIT)
def _has_special_sfactor(shape):
    return (
        _is_circ(shape)
        or (TABLE_SHAPES and _has_s_table(shape))
        or shape == RECT_CLOSED
        or shape == RECT_OPEN
        or (FORMULA_SHAPES and (shape == RECT_TRIANG or shape == RECT_ROUND))
    )


@kernel(**JIT)
def hrad_at_area(xs, j, a):
    """Hydraulic radius [ft] at flow area ``a`` [ft2] (0 for ``a <= 0``)."""
    shape = xs.shape_code[j]
    if a <= 0.0:
        return 0.0
    if TABLE_SHAPES and (
        shape == H_ELLIPSE or shape == V_ELLIPSE or shape == ARCH or _custom_like(shape)
    ):
        return _hrad_direct(xs, j, depth_at_area(xs, j, a))
    if FORMULA_SHAPES and shape == FILLED_CIRCULAR:
        return _hrad_direct(xs, j, depth_at_area(xs, j, a))
    if shape == RECT_CLOSED:
        return rect_closed_hrad_of_area(xs, j, a)
    if shape == RECT_OPEN:
        return a / (xs.w_max[j] + (2.0 - xs.s_bot[j]) * a / xs.w_max[j])
    if FORMULA_SHAPES:
        if shape == RECT_TRIANG:
            return rect_triang_hrad_of_area(xs, j, a)
        if shape == RECT_ROUND:
            return rect_round_hrad_of_area(xs, j, a)
        if shape == MOD_BASKET:
            return mod_basket_hrad_of_area(xs, j, a)
        if shape == TRAPEZOIDAL or shape == TRIANGULAR or shape == PARABOLIC or shape == POWER:
            y = depth_at_area(xs, j, a)
            if shape == TRAPEZOIDAL:
                return a / (xs.y_bot[j] + y * xs.r_bot[j])
            if shape == TRIANGULAR:
                return a / (2.0 * y * xs.r_bot[j])
            if shape == PARABOLIC:
                return a / parabolic_perimeter(xs, j, y)
            return a / power_perimeter(xs, j, y)
    # circular and tabulated shapes: from the section factor
    s = _sfactor_special(xs, j, a)
    if s < TINY or a < TINY:
        return 0.0
    return (s / a) ** 1.5


@kernel(**JIT)
def hrad_at_depth(xs, j, y):
    """Hydraulic radius [ft] at depth ``y`` [ft]."""
    r = _hrad_direct(xs, j, y)
    if r >= 0.0:
        return r
    return hrad_at_area(xs, j, area_at_depth(xs, j, y))


@kernel(**JIT)
def sfactor_at_area(xs, j, a):
    """Section factor S = A R^(2/3) [ft^(8/3)] at flow area ``a`` [ft2]."""
    shape = xs.shape_code[j]
    if _has_special_sfactor(shape):
        return _sfactor_special(xs, j, a)
    if a == 0.0:
        return 0.0
    r = hrad_at_area(xs, j, a)
    if r < TINY:
        return 0.0
    return a * r**TWO3
