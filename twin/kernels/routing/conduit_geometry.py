"""Conduit geometry as the dynamic wave sees it (SWMM 5.2 ``dwflow.c`` / ``link.c`` helpers), ft.

Preissmann slot width, top width frozen above the crown cutoff, area and hydraulic
radius beyond the crown, Froude number, per-barrel normal and critical depth of a
conduit, and the full-pipe friction of force mains (Hazen-Williams or
Darcy-Weisbach with SWMM's friction factor).

The conduit functions take the whole cross-section table ``xs`` (n_links, XS_NPAR)
and the link index ``j`` (:mod:`twin.kernels.xsect.inplace`): no array view per call.
"""

import numpy as np
from numba import njit

from twin.kernels.config import JIT_HOT
from twin.kernels.pointers import row_pointer
from twin.kernels.routing.layout import (
    FM_HW,
    FUDGE,
    GRAVITY,
    LI_SHAPE,
    LP_BETA,
    LP_QMAX,
    VISCOSITY,
)
from twin.kernels.xsect import P_AFULL, P_RFULL, P_WMAX, P_YFULL
from twin.kernels.xsect.geometry import CIRCULAR, FORCE_MAIN
from twin.kernels.xsect.inplace import (
    area_in,
    circle_area_at,
    circle_critical_depth_at,
    circle_enumerates_critical_depth,
    circle_hrad_at,
    circle_normal_depth_at,
    circle_pointers,
    circle_width_at,
    critical_depth_in,
    hrad_in,
    normal_depth_in,
    width_in,
)


@njit(**JIT_HOT)
def _darcy_factor(e, hrad, re):
    """Darcy-Weisbach friction factor (laminar, transition blend, Swamee-Jain)."""
    if re < 10.0:
        re = 10.0
    if re <= 2000.0:
        return 64.0 / re
    if re < 4000.0:
        f = _darcy_factor(e, hrad, 4000.0)
        return 0.032 + (f - 0.032) * (re - 2000.0) / 2000.0
    f = e / 3.7 / (4.0 * hrad)
    if re < 1.0e10:
        f += 5.74 / re**0.9
    f = np.log10(f)
    return 0.25 / f / f


@njit(**JIT_HOT)
def force_main_friction(kind, rough, factor, v, hrad):
    """Friction slope term of a full force main per unit time step (SWMM's getFricSlope)."""
    if kind == FM_HW:
        return factor * v**0.852 / hrad**1.1667
    re = 4.0 * hrad * v / VISCOSITY
    return _darcy_factor(rough, hrad, re) * factor * v / hrad


@njit(**JIT_HOT)
def slot_width_at(closed, xr, y, slot, crown_cutoff):
    """Preissmann slot width [ft] at depth ``y`` of the section whose row ``xr`` points
    at (0 unless SLOT and closed)."""
    y_norm = y / xr[P_YFULL]
    if not slot or not closed or y_norm < crown_cutoff:
        return 0.0
    if y_norm > 1.78:
        return 0.01 * xr[P_WMAX]
    return xr[P_WMAX] * 0.5423 * np.exp(-(y_norm**2.4))


@njit(**JIT_HOT)
def slot_width(closed, xs, j, y, slot, crown_cutoff):
    """Preissmann slot width [ft] of link ``j`` at depth ``y`` (0 unless SLOT and closed)."""
    return slot_width_at(closed, row_pointer(xs, j), y, slot, crown_cutoff)


@njit(**JIT_HOT)
def conduit_width(shape, closed, xs, j, tables, y, slot, crown_cutoff):
    """Top width [ft] used for node surface area: slot, or frozen above the crown cutoff."""
    w_slot = slot_width(closed, xs, j, y, slot, crown_cutoff)
    if w_slot > 0.0:
        return w_slot
    if closed and y / xs[j, P_YFULL] >= crown_cutoff:
        y = crown_cutoff * xs[j, P_YFULL]
    return width_in(shape, xs, j, tables, y)


@njit(**JIT_HOT)
def conduit_area(shape, xs, j, tables, y, w_slot):
    """Flow area [ft2] of link ``j``, with the slot's extra area above the crown."""
    if y >= xs[j, P_YFULL]:
        return xs[j, P_AFULL] + (y - xs[j, P_YFULL]) * w_slot
    return area_in(shape, xs, j, tables, y)


@njit(**JIT_HOT)
def conduit_hrad(shape, xs, j, tables, y):
    """Hydraulic radius [ft] of link ``j``, the full value above the crown."""
    if y >= xs[j, P_YFULL]:
        return xs[j, P_RFULL]
    return hrad_in(shape, xs, j, tables, y)


@njit(**JIT_HOT)
def circle_conduit_width(closed, xr, tp, y, slot, crown_cutoff):
    """:func:`conduit_width` of a circular conduit, given row and table pointers
    (:func:`~twin.kernels.xsect.inplace.circle_pointers`)."""
    w_slot = slot_width_at(closed, xr, y, slot, crown_cutoff)
    if w_slot > 0.0:
        return w_slot
    if closed and y / xr[P_YFULL] >= crown_cutoff:
        y = crown_cutoff * xr[P_YFULL]
    return circle_width_at(xr, tp, y)


@njit(**JIT_HOT)
def circle_conduit_area(xr, tp, y, w_slot):
    """:func:`conduit_area` of a circular conduit, given row and table pointers."""
    if y >= xr[P_YFULL]:
        return xr[P_AFULL] + (y - xr[P_YFULL]) * w_slot
    return circle_area_at(xr, tp, y)


@njit(**JIT_HOT)
def circle_conduit_hrad(xr, tp, y):
    """:func:`conduit_hrad` of a circular conduit, given row and table pointers."""
    if y >= xr[P_YFULL]:
        return xr[P_RFULL]
    return circle_hrad_at(xr, tp, y)


@njit(**JIT_HOT)
def circle_froude_number(closed, xr, tp, v, y, a):
    """:func:`froude_number` of a circular conduit, given row and table pointers."""
    if y <= FUDGE:
        return 0.0
    if closed and xr[P_YFULL] - y <= FUDGE:
        return 0.0
    if a < 0.0:
        a = circle_area_at(xr, tp, y)
    hyd_depth = a / circle_width_at(xr, tp, y)
    return abs(v) / np.sqrt(GRAVITY * hyd_depth)


@njit(**JIT_HOT)
def froude_number(shape, closed, xs, j, tables, v, y, a):
    """Froude number at velocity ``v`` and depth ``y`` (0 when dry or a full closed pipe).

    ``a`` is the flow area at ``y`` when the caller has it (``y`` below the crown),
    else a negative number to look it up.
    """
    if y <= FUDGE:
        return 0.0
    if closed and xs[j, P_YFULL] - y <= FUDGE:
        return 0.0
    if a < 0.0:
        a = area_in(shape, xs, j, tables, y)
    hyd_depth = a / width_in(shape, xs, j, tables, y)
    return abs(v) / np.sqrt(GRAVITY * hyd_depth)


@njit(**JIT_HOT)
def link_normal_depth(j, q, link_par, link_int, xs, tables):
    """SWMM's ``link_getYnorm``: normal depth [ft] of per-barrel flow ``q`` (capped at qMax)."""
    q = abs(q)
    if q > link_par[j, LP_QMAX]:
        q = link_par[j, LP_QMAX]
    if q <= 0.0 or link_par[j, LP_BETA] <= 0.0:
        return 0.0
    return normal_depth_in(link_int[j, LI_SHAPE], xs, j, tables, q, link_par[j, LP_BETA])


@njit(**JIT_HOT)
def link_critical_depth(j, q, link_int, xs, tables):
    """SWMM's ``link_getYcrit``: critical depth [ft] of per-barrel flow ``q``."""
    if q == 0.0:
        return 0.0
    return critical_depth_in(link_int[j, LI_SHAPE], xs, j, tables, abs(q))


@njit(**JIT_HOT)
def circle_link_depths(xr, tp, q, q_max, beta):
    """:func:`link_depths` of a circular conduit, given row and table pointers, its
    ``qMax`` [cfs] and Manning factor ``beta``."""
    qa = abs(q)
    if qa > q_max:
        qa = q_max
    yn = 0.0
    if qa > 0.0 and beta > 0.0:
        yn = circle_normal_depth_at(xr, tp, qa, beta)
    yc = 0.0
    if q != 0.0:
        yc = circle_critical_depth_at(xr, tp, abs(q))
    return yn, yc


@njit(**JIT_HOT)
def link_depths(j, q, link_par, link_int, xs, tables):
    """``(normal depth, critical depth)`` [ft] of per-barrel flow ``q``: what
    :func:`link_normal_depth` and :func:`link_critical_depth` give, in one call (a
    circle's on pointers)."""
    shape = link_int[j, LI_SHAPE]
    if shape == CIRCULAR or shape == FORCE_MAIN:
        xr, tp = circle_pointers(xs, j, tables)
        if circle_enumerates_critical_depth(xr):
            return circle_link_depths(xr, tp, q, link_par[j, LP_QMAX], link_par[j, LP_BETA])
    yn = link_normal_depth(j, q, link_par, link_int, xs, tables)
    return yn, link_critical_depth(j, q, link_int, xs, tables)
