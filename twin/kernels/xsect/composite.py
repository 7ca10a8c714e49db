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
from numba import njit

from twin.kernels.config import JIT_HOT
from twin.kernels.xsect.interp import circular_y_of_alpha, lookup_row
from twin.kernels.xsect.layout import (
    P_ABOT,
    P_AFULL,
    P_NY,
    P_RBOT,
    P_SBOT,
    P_TABLE,
    P_WMAX,
    P_YBOT,
    P_YFULL,
    RECT_ALFMAX,
    RECT_ROUND_ALFMAX,
    RECT_TRIANG_ALFMAX,
)


@njit(**JIT_HOT)
def rect_closed_hrad_of_area(par, a):
    """Closed rectangle: R(a), the roof counted gradually above 97 % full."""
    if a <= 0.0:
        return 0.0
    w = par[P_WMAX]
    p = w + 2.0 * a / w
    alpha = a / par[P_AFULL]
    if alpha > RECT_ALFMAX:
        p += (alpha - RECT_ALFMAX) / (1.0 - RECT_ALFMAX) * w
    return a / p


@njit(**JIT_HOT)
def rect_triang_depth(par, a):
    """Rectangle over a triangle: depth at area ``a``."""
    if a <= par[P_ABOT]:
        return np.sqrt(a / par[P_SBOT])
    return par[P_YBOT] + (a - par[P_ABOT]) / par[P_WMAX]


@njit(**JIT_HOT)
def rect_triang_hrad_of_area(par, a):
    """Rectangle over a triangle: R(a), the roof counted gradually above 98 % full."""
    if a <= 0.0:
        return 0.0
    y = rect_triang_depth(par, a)
    if y <= par[P_YBOT]:
        return a / (2.0 * y * par[P_RBOT])
    p = 2.0 * par[P_YBOT] * par[P_RBOT] + 2.0 * (y - par[P_YBOT])
    alf = a / par[P_AFULL] - RECT_TRIANG_ALFMAX
    if alf > 0.0:
        p += alf / (1.0 - RECT_TRIANG_ALFMAX) * par[P_WMAX]
    return a / p


@njit(**JIT_HOT)
def rect_round_area(par, y):
    """Rectangle over a circular invert: area at depth ``y``."""
    if y > par[P_YBOT]:
        return par[P_ABOT] + (y - par[P_YBOT]) * par[P_WMAX]
    r = par[P_RBOT]
    theta = 2.0 * np.arccos(1.0 - y / r)
    return 0.5 * r * r * (theta - np.sin(theta))


@njit(**JIT_HOT)
def rect_round_width(par, y):
    """Rectangle over a circular invert: top width at depth ``y``."""
    if y > par[P_YBOT]:
        return par[P_WMAX]
    return 2.0 * np.sqrt(y * (2.0 * par[P_RBOT] - y))


@njit(**JIT_HOT)
def rect_round_depth(par, tables, a):
    """Rectangle over a circular invert: depth at area ``a`` (circle tables inside the arc)."""
    if a > par[P_ABOT]:
        return par[P_YBOT] + (a - par[P_ABOT]) / par[P_WMAX]
    r = par[P_RBOT]
    alpha = a / (np.pi * r * r)
    if alpha < 0.04:
        return 2.0 * r * circular_y_of_alpha(alpha)
    return 2.0 * r * lookup_row(alpha, tables, int(par[P_TABLE]), 3, int(par[P_NY]))


@njit(**JIT_HOT)
def rect_round_hrad_of_area(par, tables, a):
    """Rectangle over a circular invert: R(a), the roof counted gradually above 98 % full."""
    if a <= 0.0:
        return 0.0
    r = par[P_RBOT]
    if a > par[P_ABOT]:
        y1 = (a - par[P_ABOT]) / par[P_WMAX]
        theta = 2.0 * np.arcsin(par[P_WMAX] / 2.0 / r)
        p = r * theta + 2.0 * y1
        arg = a / par[P_AFULL] - RECT_ROUND_ALFMAX
        if arg > 0.0:
            p += arg / (1.0 - RECT_ROUND_ALFMAX) * par[P_WMAX]
        return a / p
    y1 = rect_round_depth(par, tables, a)
    theta = 2.0 * np.arccos(1.0 - y1 / r)
    return a / (r * theta)


@njit(**JIT_HOT)
def rect_round_hrad_of_depth(par, tables, y):
    """Rectangle over a circular invert: R(y).

    Inside the arc this is SWMM 5.2's expression ``0.5 r (1 - sin(theta)) / theta``
    (the exact segment value is ``0.5 r (theta - sin(theta)) / theta``); kept so
    that results match SWMM.
    """
    if y <= 0.0:
        return 0.0
    if y > par[P_YBOT]:
        return rect_round_hrad_of_area(par, tables, rect_round_area(par, y))
    r = par[P_RBOT]
    theta = 2.0 * np.arccos(1.0 - y / r)
    return 0.5 * r * (1.0 - np.sin(theta)) / theta


@njit(**JIT_HOT)
def mod_basket_area(par, y):
    """Modified baskethandle: area at depth ``y`` (full area less the empty crown segment)."""
    if y <= par[P_YFULL] - par[P_YBOT]:
        return y * par[P_WMAX]
    r = par[P_RBOT]
    y1 = par[P_YFULL] - y
    theta = 2.0 * np.arccos(1.0 - y1 / r)
    return par[P_AFULL] - 0.5 * r * r * (theta - np.sin(theta))


@njit(**JIT_HOT)
def mod_basket_width(par, y):
    """Modified baskethandle: top width at depth ``y``."""
    if y <= 0.0:
        return 0.0
    if y <= par[P_YFULL] - par[P_YBOT]:
        return par[P_WMAX]
    y1 = par[P_YFULL] - y
    return 2.0 * np.sqrt(y1 * (2.0 * par[P_RBOT] - y1))


@njit(**JIT_HOT)
def mod_basket_depth(par, tables, a):
    """Modified baskethandle: depth at area ``a``."""
    if a <= par[P_AFULL] - par[P_ABOT]:
        return a / par[P_WMAX]
    r = par[P_RBOT]
    alpha = (par[P_AFULL] - a) / (np.pi * r * r)
    if alpha < 0.04:
        y1 = circular_y_of_alpha(alpha)
    else:
        y1 = lookup_row(alpha, tables, int(par[P_TABLE]), 3, int(par[P_NY]))
    return par[P_YFULL] - 2.0 * r * y1


@njit(**JIT_HOT)
def mod_basket_hrad_of_area(par, tables, a):
    """Modified baskethandle: R(a)."""
    w = par[P_WMAX]
    if a <= par[P_AFULL] - par[P_ABOT]:
        return a / (w + 2.0 * a / w)
    r = par[P_RBOT]
    y1 = par[P_YFULL] - mod_basket_depth(par, tables, a)
    theta = 2.0 * np.arccos(1.0 - y1 / r)
    p = (par[P_SBOT] - theta) * r + 2.0 * (par[P_YFULL] - par[P_YBOT]) + w
    return a / p


@njit(**JIT_HOT)
def parabolic_perimeter(par, y):
    """Parabolic channel: wetted perimeter at depth ``y`` (``rBot`` = 1/sqrt(c), y = c x^2)."""
    rb = par[P_RBOT]
    x = 2.0 * np.sqrt(y) / rb
    t = np.sqrt(1.0 + x * x)
    return 0.5 * rb * rb * (x * t + np.log(x + t))


@njit(**JIT_HOT)
def power_perimeter(par, y):
    """Power-function channel: wetted perimeter at depth ``y``, summed in steps of yFull/50.

    The half width is ``h y^m`` with ``m = sBot`` and ``h = (m + 1) rBot / 2``.
    """
    dy1 = 0.02 * par[P_YFULL]
    m = par[P_SBOT]
    h = (m + 1.0) * par[P_RBOT] / 2.0
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
