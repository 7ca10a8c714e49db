"""Formulas of the composite cross sections (SWMM 5.2 ``xsect.c``), scalar ``@njit`` kernels.

RECT_TRIANGULAR: rectangle over a triangular invert (``yBot`` its depth, ``aBot``
its area, ``sBot`` the side slope run/rise, ``rBot`` the side length per unit
depth).  RECT_ROUND: rectangle over a circular-arc invert of radius ``rBot``
(``yBot`` its depth, ``aBot`` its area, ``sBot`` the section factor of the full
circle of that radius).  MODBASKETHANDLE: rectangle under a circular-arc crown of
radius ``rBot`` (``yBot`` the crown's height, ``aBot`` its area, ``sBot`` its
central angle).  PARABOLIC and POWER: wetted perimeters.  Lengths in ft.
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.xsect.interp import circular_y_of_alpha, lookup_row
from twin.kernels.xsect.sections import (
    RECT_ALFMAX,
    RECT_ROUND_ALFMAX,
    RECT_TRIANG_ALFMAX,
)


@kernel(**JIT)
def rect_closed_hrad_of_area(xs, j, a):
    """Closed rectangle: R(a), the roof counted gradually above 97 % full."""
    if a <= 0.0:
        return 0.0
    w = xs.w_max[j]
    p = w + 2.0 * a / w
    alpha = a / xs.a_full[j]
    if alpha > RECT_ALFMAX:
        p += (alpha - RECT_ALFMAX) / (1.0 - RECT_ALFMAX) * w
    return a / p


@kernel(**JIT)
def rect_triang_depth(xs, j, a):
    """Rectangle over a triangle: depth at area ``a``."""
    if a <= xs.a_bot[j]:
        return np.sqrt(a / xs.s_bot[j])
    return xs.y_bot[j] + (a - xs.a_bot[j]) / xs.w_max[j]


@kernel(**JIT)
def rect_triang_hrad_of_area(xs, j, a):
    """Rectangle over a triangle: R(a), the roof counted gradually above 98 % full."""
    if a <= 0.0:
        return 0.0
    y = rect_triang_depth(xs, j, a)
    if y <= xs.y_bot[j]:
        return a / (2.0 * y * xs.r_bot[j])
    p = 2.0 * xs.y_bot[j] * xs.r_bot[j] + 2.0 * (y - xs.y_bot[j])
    alf = a / xs.a_full[j] - RECT_TRIANG_ALFMAX
    if alf > 0.0:
        p += alf / (1.0 - RECT_TRIANG_ALFMAX) * xs.w_max[j]
    return a / p


@kernel(**JIT)
def rect_round_area(xs, j, y):
    """Rectangle over a circular invert: area at depth ``y``."""
    if y > xs.y_bot[j]:
        return xs.a_bot[j] + (y - xs.y_bot[j]) * xs.w_max[j]
    r = xs.r_bot[j]
    theta = 2.0 * np.arccos(1.0 - y / r)
    return 0.5 * r * r * (theta - np.sin(theta))


@kernel(**JIT)
def rect_round_width(xs, j, y):
    """Rectangle over a circular invert: top width at depth ``y``."""
    if y > xs.y_bot[j]:
        return xs.w_max[j]
    return 2.0 * np.sqrt(y * (2.0 * xs.r_bot[j] - y))


@kernel(**JIT)
def rect_round_depth(xs, j, a):
    """Rectangle over a circular invert: depth at area ``a`` (circle tables inside the arc)."""
    if a > xs.a_bot[j]:
        return xs.y_bot[j] + (a - xs.a_bot[j]) / xs.w_max[j]
    r = xs.r_bot[j]
    alpha = a / (np.pi * r * r)
    if alpha < 0.04:
        return 2.0 * r * circular_y_of_alpha(alpha)
    return 2.0 * r * lookup_row(alpha, xs.tables, xs.table[j], 3, xs.n_y[j])


@kernel(**JIT)
def rect_round_hrad_of_area(xs, j, a):
    """Rectangle over a circular invert: R(a), the roof counted gradually above 98 % full."""
    if a <= 0.0:
        return 0.0
    r = xs.r_bot[j]
    if a > xs.a_bot[j]:
        y1 = (a - xs.a_bot[j]) / xs.w_max[j]
        theta = 2.0 * np.arcsin(xs.w_max[j] / 2.0 / r)
        p = r * theta + 2.0 * y1
        arg = a / xs.a_full[j] - RECT_ROUND_ALFMAX
        if arg > 0.0:
            p += arg / (1.0 - RECT_ROUND_ALFMAX) * xs.w_max[j]
        return a / p
    y1 = rect_round_depth(xs, j, a)
    theta = 2.0 * np.arccos(1.0 - y1 / r)
    return a / (r * theta)


@kernel(**JIT)
def rect_round_hrad_of_depth(xs, j, y):
    """Rectangle over a circular invert: R(y).

    Inside the arc this is SWMM 5.2's expression ``0.5 r (1 - sin(theta)) / theta``
    (the exact segment value is ``0.5 r (theta - sin(theta)) / theta``); kept so
    that results match SWMM.
    """
    if y <= 0.0:
        return 0.0
    if y > xs.y_bot[j]:
        return rect_round_hrad_of_area(xs, j, rect_round_area(xs, j, y))
    r = xs.r_bot[j]
    theta = 2.0 * np.arccos(1.0 - y / r)
    return 0.5 * r * (1.0 - np.sin(theta)) / theta


@kernel(**JIT)
def mod_basket_area(xs, j, y):
    """Modified baskethandle: area at depth ``y`` (full area less the empty crown segment)."""
    if y <= xs.y_full[j] - xs.y_bot[j]:
        return y * xs.w_max[j]
    r = xs.r_bot[j]
    y1 = xs.y_full[j] - y
    theta = 2.0 * np.arccos(1.0 - y1 / r)
    return xs.a_full[j] - 0.5 * r * r * (theta - np.sin(theta))


@kernel(**JIT)
def mod_basket_width(xs, j, y):
    """Modified baskethandle: top width at depth ``y``."""
    if y <= 0.0:
        return 0.0
    if y <= xs.y_full[j] - xs.y_bot[j]:
        return xs.w_max[j]
    y1 = xs.y_full[j] - y
    return 2.0 * np.sqrt(y1 * (2.0 * xs.r_bot[j] - y1))


@kernel(**JIT)
def mod_basket_depth(xs, j, a):
    """Modified baskethandle: depth at area ``a``."""
    if a <= xs.a_full[j] - xs.a_bot[j]:
        return a / xs.w_max[j]
    r = xs.r_bot[j]
    alpha = (xs.a_full[j] - a) / (np.pi * r * r)
    if alpha < 0.04:
        y1 = circular_y_of_alpha(alpha)
    else:
        y1 = lookup_row(alpha, xs.tables, xs.table[j], 3, xs.n_y[j])
    return xs.y_full[j] - 2.0 * r * y1


@kernel(**JIT)
def mod_basket_hrad_of_area(xs, j, a):
    """Modified baskethandle: R(a)."""
    w = xs.w_max[j]
    if a <= xs.a_full[j] - xs.a_bot[j]:
        return a / (w + 2.0 * a / w)
    r = xs.r_bot[j]
    y1 = xs.y_full[j] - mod_basket_depth(xs, j, a)
    theta = 2.0 * np.arccos(1.0 - y1 / r)
    p = (xs.s_bot[j] - theta) * r + 2.0 * (xs.y_full[j] - xs.y_bot[j]) + w
    return a / p


@kernel(**JIT)
def parabolic_perimeter(xs, j, y):
    """Parabolic channel: wetted perimeter at depth ``y`` (``rBot`` = 1/sqrt(c), y = c x^2)."""
    rb = xs.r_bot[j]
    x = 2.0 * np.sqrt(y) / rb
    t = np.sqrt(1.0 + x * x)
    return 0.5 * rb * rb * (x * t + np.log(x + t))


@kernel(**JIT)
def power_perimeter(xs, j, y):
    """Power-function channel: wetted perimeter at depth ``y``, summed in steps of yFull/50.

    The half width is ``h y^m`` with ``m = sBot`` and ``h = (m + 1) rBot / 2``.
    """
    dy1 = 0.02 * xs.y_full[j]
    m = xs.s_bot[j]
    h = (m + 1.0) * xs.r_bot[j] / 2.0
    p = 0.0
    y1 = 0.0
    x1 = 0.0
    while True:
        y2 = min(y1 + dy1, y)
        x2 = h * y2**m
        p += np.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2)
        x1, y1 = x2, y2
        if y2 >= y:
            break
    return 2.0 * p
