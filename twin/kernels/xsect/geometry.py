"""Cross-section geometry kernels: area, hydraulic radius, width, depth, section factor.

Every function is ``@njit``, takes the shape code, the shape's parameter row
``par`` (``(XS_NPAR,)``, from :func:`twin.kernels.xsect.params.xsect_params`), the
table stack ``tables`` (``(n, 5, 51)``: the standard tables then any CUSTOM ones)
and one scalar, and follows SWMM 5.2's ``xsect.c`` method for that shape: the same
tables or formulas, the same interpolation and the same special cases.  Units are
SWMM's internal ones: ft, ft2, ft^(8/3).
"""

import numpy as np
from numba import njit

from twin.kernels.codes import Shape
from twin.kernels.config import JIT_HOT
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
from twin.kernels.xsect.layout import (
    AMAX_RATIO,
    P_ABOT,
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
    RECT_ALFMAX,
    RECT_ROUND_ALFMAX,
    RECT_TRIANG_ALFMAX,
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


@njit(**JIT_HOT)
def is_closed(shape):
    """True for closed shapes (area at maximum flow below the full area)."""
    return AMAX_RATIO[shape] < 1.0


@njit(**JIT_HOT)
def _is_circ(shape):
    return shape == CIRCULAR or shape == FORCE_MAIN


@njit(**JIT_HOT)
def _has_a_table(shape):
    """Shapes whose area, hydraulic radius and width come from A(y), R(y), W(y) tables."""
    return (
        shape == EGG
        or shape == HORSESHOE
        or shape == BASKETHANDLE
        or shape == H_ELLIPSE
        or shape == V_ELLIPSE
        or shape == ARCH
        or shape == CUSTOM
    )


@njit(**JIT_HOT)
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


@njit(**JIT_HOT)
def area_at_depth(shape, par, tables, y):
    """Flow area [ft2] at depth ``y`` [ft] (0 for ``y <= 0``)."""
    if y <= 0.0:
        return 0.0
    y_full = par[P_YFULL]
    y_norm = y * par[P_YINV]
    if _is_circ(shape):
        return par[P_AFULL] * lookup_row(y_norm, tables, int(par[P_TABLE]), 0, int(par[P_NA]))
    if shape == FILLED_CIRCULAR:
        a_circ = par[P_AFULL] + par[P_ABOT]
        y_circ = y_full + par[P_YBOT]
        y_rel = (y + par[P_YBOT]) / y_circ
        a_rel = lookup_row(y_rel, tables, int(par[P_TABLE]), 0, int(par[P_NA]))
        return a_circ * a_rel - par[P_ABOT]
    if _has_a_table(shape):
        return par[P_AFULL] * lookup_row(y_norm, tables, int(par[P_TABLE]), 0, int(par[P_NA]))
    if shape == GOTHIC or shape == CATENARY or shape == SEMIELLIPTICAL or shape == SEMICIRCULAR:
        return par[P_AFULL] * inverse_row(y_norm, tables, int(par[P_TABLE]), 3, int(par[P_NY]))
    if shape == RECT_CLOSED or shape == RECT_OPEN:
        return y * par[P_WMAX]
    if shape == RECT_TRIANG:
        if y <= par[P_YBOT]:
            return y * y * par[P_SBOT]
        return par[P_ABOT] + (y - par[P_YBOT]) * par[P_WMAX]
    if shape == RECT_ROUND:
        return rect_round_area(par, y)
    if shape == MOD_BASKET:
        return mod_basket_area(par, y)
    if shape == TRAPEZOIDAL:
        return (par[P_YBOT] + par[P_SBOT] * y) * y
    if shape == TRIANGULAR:
        return y * y * par[P_SBOT]
    if shape == PARABOLIC:
        return 4.0 / 3.0 * par[P_RBOT] * y * np.sqrt(y)
    if shape == POWER:
        return par[P_RBOT] * y ** (par[P_SBOT] + 1.0)
    return 0.0


@njit(**JIT_HOT)
def width_at_depth(shape, par, tables, y):
    """Top width [ft] of the water surface at depth ``y`` [ft]."""
    y_full = par[P_YFULL]
    y_norm = y * par[P_YINV]
    if _is_circ(shape):
        return par[P_WMAX] * lookup_row(y_norm, tables, int(par[P_TABLE]), 2, int(par[P_NW]))
    if shape == FILLED_CIRCULAR:
        y_norm = (y + par[P_YBOT]) / (y_full + par[P_YBOT])
        return par[P_WMAX] * lookup_row(y_norm, tables, int(par[P_TABLE]), 2, int(par[P_NW]))
    if _has_a_table(shape) or _has_s_table(shape):
        return par[P_WMAX] * lookup_row(y_norm, tables, int(par[P_TABLE]), 2, int(par[P_NW]))
    if shape == RECT_CLOSED:
        return 0.0 if y / y_full == 1.0 else par[P_WMAX]
    if shape == RECT_OPEN:
        return par[P_WMAX]
    if shape == RECT_TRIANG:
        return 2.0 * par[P_SBOT] * y if y <= par[P_YBOT] else par[P_WMAX]
    if shape == RECT_ROUND:
        return rect_round_width(par, y)
    if shape == MOD_BASKET:
        return mod_basket_width(par, y)
    if shape == TRAPEZOIDAL:
        return par[P_YBOT] + 2.0 * y * par[P_SBOT]
    if shape == TRIANGULAR:
        return 2.0 * par[P_SBOT] * y
    if shape == PARABOLIC:
        return 2.0 * par[P_RBOT] * np.sqrt(y)
    if shape == POWER:
        return (par[P_SBOT] + 1.0) * par[P_RBOT] * y ** par[P_SBOT]
    return 0.0


# ---------------------------------------------------------------------------
# area -> depth
# ---------------------------------------------------------------------------


@njit(**JIT_HOT)
def _circ_depth(par, tables, a, a_full, y_full):
    alpha = a / a_full
    if alpha < 0.04:
        return y_full * circular_y_of_alpha(alpha)
    return y_full * lookup_row(alpha, tables, int(par[P_TABLE]), 3, int(par[P_NY]))


@njit(**JIT_HOT)
def depth_at_area(shape, par, tables, a):
    """Flow depth [ft] at flow area ``a`` [ft2]."""
    a_full = par[P_AFULL]
    alpha = a / a_full
    if _is_circ(shape):
        return _circ_depth(par, tables, a, a_full, par[P_YFULL])
    if shape == FILLED_CIRCULAR:
        a_circ = a_full + par[P_ABOT]
        y_circ = par[P_YFULL] + par[P_YBOT]
        return _circ_depth(par, tables, a + par[P_ABOT], a_circ, y_circ) - par[P_YBOT]
    if _has_s_table(shape):
        return par[P_YFULL] * lookup_row(alpha, tables, int(par[P_TABLE]), 3, int(par[P_NY]))
    if shape == H_ELLIPSE or shape == V_ELLIPSE or shape == ARCH or shape == CUSTOM:
        return par[P_YFULL] * inverse_row(alpha, tables, int(par[P_TABLE]), 0, int(par[P_NA]))
    if shape == RECT_CLOSED or shape == RECT_OPEN:
        return a / par[P_WMAX]
    if shape == RECT_TRIANG:
        return rect_triang_depth(par, a)
    if shape == RECT_ROUND:
        return rect_round_depth(par, tables, a)
    if shape == MOD_BASKET:
        return mod_basket_depth(par, tables, a)
    if shape == TRAPEZOIDAL:
        if par[P_SBOT] == 0.0:
            return a / par[P_YBOT]
        yb, sb = par[P_YBOT], par[P_SBOT]
        return (np.sqrt(yb * yb + 4.0 * sb * a) - yb) / (2.0 * sb)
    if shape == TRIANGULAR:
        return np.sqrt(a / par[P_SBOT])
    if shape == PARABOLIC:
        return (0.75 * a / par[P_RBOT]) ** TWO3
    if shape == POWER:
        return (a / par[P_RBOT]) ** (1.0 / (par[P_SBOT] + 1.0))
    return 0.0


# ---------------------------------------------------------------------------
# hydraulic radius and section factor
# ---------------------------------------------------------------------------


@njit(**JIT_HOT)
def _hrad_direct(shape, par, tables, y):
    """R(y) for shapes with an R table or an R(y) formula; -1 for the others."""
    y_full = par[P_YFULL]
    y_norm = y * par[P_YINV]
    if _is_circ(shape) or (shape == FILLED_CIRCULAR and par[P_YBOT] == 0.0):
        return par[P_RFULL] * lookup_row(y_norm, tables, int(par[P_TABLE]), 1, int(par[P_NR]))
    if shape == FILLED_CIRCULAR:
        y_bot = par[P_YBOT]
        y_circ = y_full + y_bot
        yy = y + y_bot
        a = (par[P_AFULL] + par[P_ABOT]) * lookup_row(
            yy / y_circ, tables, int(par[P_TABLE]), 0, int(par[P_NA])
        )
        r = 0.25 * y_circ * lookup_row(yy / y_circ, tables, int(par[P_TABLE]), 1, int(par[P_NR]))
        p = a / r - par[P_RBOT] + par[P_SBOT]
        return (a - par[P_ABOT]) / p
    if _has_a_table(shape):
        return par[P_RFULL] * lookup_row(y_norm, tables, int(par[P_TABLE]), 1, int(par[P_NR]))
    if shape == RECT_TRIANG:
        if y <= par[P_YBOT]:
            return y * par[P_SBOT] / (2.0 * par[P_RBOT])
        a = par[P_ABOT] + (y - par[P_YBOT]) * par[P_WMAX]
        p = 2.0 * par[P_YBOT] * par[P_RBOT] + 2.0 * (y - par[P_YBOT])
        alf = a / par[P_AFULL] - RECT_TRIANG_ALFMAX
        if alf > 0.0:
            p += alf / (1.0 - RECT_TRIANG_ALFMAX) * par[P_WMAX]
        return a / p
    if shape == RECT_ROUND:
        return rect_round_hrad_of_depth(par, tables, y)
    if shape == TRAPEZOIDAL:
        if y == 0.0:
            return 0.0
        return (par[P_YBOT] + par[P_SBOT] * y) * y / (par[P_YBOT] + y * par[P_RBOT])
    if shape == TRIANGULAR:
        return y * par[P_SBOT] / (2.0 * par[P_RBOT])
    if shape == PARABOLIC:
        if y <= 0.0:
            return 0.0
        return 4.0 / 3.0 * par[P_RBOT] * y * np.sqrt(y) / parabolic_perimeter(par, y)
    if shape == POWER:
        if y <= 0.0:
            return 0.0
        return par[P_RBOT] * y ** (par[P_SBOT] + 1.0) / power_perimeter(par, y)
    return -1.0


@njit(**JIT_HOT)
def _sfactor_special(shape, par, tables, a):
    """S(a) for the shapes with their own section-factor method."""
    a_full = par[P_AFULL]
    alpha = a / a_full
    if _is_circ(shape):
        if alpha < 0.04:
            return par[P_SFULL] * circular_s_of_alpha(alpha)
        return par[P_SFULL] * lookup_row(alpha, tables, int(par[P_TABLE]), 4, int(par[P_NS]))
    if _has_s_table(shape):
        return par[P_SFULL] * lookup_row(alpha, tables, int(par[P_TABLE]), 4, int(par[P_NS]))
    if shape == RECT_OPEN:
        y = a / par[P_WMAX]
        r = a / ((2.0 - par[P_SBOT]) * y + par[P_WMAX])
        return a * r**TWO3
    # closed rectangle, rectangle-triangle, rectangle-round: linear to sFull at the top
    alf_max = RECT_ALFMAX
    if shape == RECT_TRIANG:
        alf_max = RECT_TRIANG_ALFMAX
    elif shape == RECT_ROUND:
        alf_max = RECT_ROUND_ALFMAX
    if alpha > alf_max:
        return par[P_SMAX] + (par[P_SFULL] - par[P_SMAX]) * (alpha - alf_max) / (1.0 - alf_max)
    if shape == RECT_ROUND and a <= par[P_ABOT]:
        # circular invert: the circle of radius rBot, whose full section factor is sBot
        alpha_c = a / (np.pi * par[P_RBOT] * par[P_RBOT])
        if alpha_c < 0.04:
            return par[P_SBOT] * circular_s_of_alpha(alpha_c)
        return par[P_SBOT] * lookup_row(alpha_c, tables, int(par[P_TABLE]), 4, int(par[P_NS]))
    if shape == RECT_CLOSED:
        r = rect_closed_hrad_of_area(par, a)
    elif shape == RECT_TRIANG:
        r = rect_triang_hrad_of_area(par, a)
    else:
        r = rect_round_hrad_of_area(par, tables, a)
    return a * r**TWO3


@njit(**JIT_HOT)
def _has_special_sfactor(shape):
    return (
        _is_circ(shape)
        or _has_s_table(shape)
        or shape == RECT_CLOSED
        or shape == RECT_OPEN
        or shape == RECT_TRIANG
        or shape == RECT_ROUND
    )


@njit(**JIT_HOT)
def hrad_at_area(shape, par, tables, a):
    """Hydraulic radius [ft] at flow area ``a`` [ft2] (0 for ``a <= 0``)."""
    if a <= 0.0:
        return 0.0
    if shape == H_ELLIPSE or shape == V_ELLIPSE or shape == ARCH or shape == CUSTOM:
        return _hrad_direct(shape, par, tables, depth_at_area(shape, par, tables, a))
    if shape == FILLED_CIRCULAR:
        return _hrad_direct(shape, par, tables, depth_at_area(shape, par, tables, a))
    if shape == RECT_CLOSED:
        return rect_closed_hrad_of_area(par, a)
    if shape == RECT_OPEN:
        return a / (par[P_WMAX] + (2.0 - par[P_SBOT]) * a / par[P_WMAX])
    if shape == RECT_TRIANG:
        return rect_triang_hrad_of_area(par, a)
    if shape == RECT_ROUND:
        return rect_round_hrad_of_area(par, tables, a)
    if shape == MOD_BASKET:
        return mod_basket_hrad_of_area(par, tables, a)
    if shape == TRAPEZOIDAL or shape == TRIANGULAR or shape == PARABOLIC or shape == POWER:
        y = depth_at_area(shape, par, tables, a)
        if shape == TRAPEZOIDAL:
            return a / (par[P_YBOT] + y * par[P_RBOT])
        if shape == TRIANGULAR:
            return a / (2.0 * y * par[P_RBOT])
        if shape == PARABOLIC:
            return a / parabolic_perimeter(par, y)
        return a / power_perimeter(par, y)
    # circular and tabulated shapes: from the section factor
    s = _sfactor_special(shape, par, tables, a)
    if s < TINY or a < TINY:
        return 0.0
    return (s / a) ** 1.5


@njit(**JIT_HOT)
def hrad_at_depth(shape, par, tables, y):
    """Hydraulic radius [ft] at depth ``y`` [ft]."""
    r = _hrad_direct(shape, par, tables, y)
    if r >= 0.0:
        return r
    return hrad_at_area(shape, par, tables, area_at_depth(shape, par, tables, y))


@njit(**JIT_HOT)
def sfactor_at_area(shape, par, tables, a):
    """Section factor S = A R^(2/3) [ft^(8/3)] at flow area ``a`` [ft2]."""
    if _has_special_sfactor(shape):
        return _sfactor_special(shape, par, tables, a)
    if a == 0.0:
        return 0.0
    r = hrad_at_area(shape, par, tables, a)
    if r < TINY:
        return 0.0
    return a * r**TWO3
