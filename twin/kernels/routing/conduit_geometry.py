"""Conduit geometry as the dynamic wave sees it (SWMM 5.2 ``dwflow.c`` / ``link.c`` helpers), ft.

Preissmann slot width, top width frozen above the crown cutoff, area and hydraulic
radius beyond the crown, Froude number, per-barrel normal and critical depth of a
conduit, and the full-pipe friction of force mains (Hazen-Williams or
Darcy-Weisbach with SWMM's friction factor).  Each takes the cross sections
``xsects`` and the link index ``j``; the geometry itself is
:mod:`twin.kernels.xsect.geometry`.
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import FM_HW, FUDGE, GRAVITY, VISCOSITY
from twin.kernels.view import view
from twin.kernels.xsect.depths import critical_depth, normal_depth
from twin.kernels.xsect.geometry import area_at_depth, hrad_at_depth, is_closed, width_at_depth


@kernel(**JIT)
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


@kernel(**JIT)
def force_main_friction(kind, rough, factor, v, hrad):
    """Friction slope term of a full force main per unit time step (SWMM's getFricSlope)."""
    if kind == FM_HW:
        return factor * v**0.852 / hrad**1.1667
    re = 4.0 * hrad * v / VISCOSITY
    return _darcy_factor(rough, hrad, re) * factor * v / hrad


@kernel(**JIT)
def slot_width(xsects, j, y, slot, crown_cutoff):
    """Preissmann slot width [ft] of link ``j`` at depth ``y`` (0 unless SLOT and closed)."""
    y_norm = y / xsects.y_full[j]
    if not slot or xsects.closed[j] == 0 or y_norm < crown_cutoff:
        return 0.0
    if y_norm > 1.78:
        return 0.01 * xsects.w_max[j]
    return xsects.w_max[j] * 0.5423 * np.exp(-(y_norm**2.4))


@kernel(**JIT)
def conduit_width(xsects, j, y, slot, crown_cutoff):
    """Top width [ft] used for node surface area: slot, or frozen above the crown cutoff."""
    w_slot = slot_width(xsects, j, y, slot, crown_cutoff)
    if w_slot > 0.0:
        return w_slot
    if xsects.closed[j] == 1 and y / xsects.y_full[j] >= crown_cutoff:
        y = crown_cutoff * xsects.y_full[j]
    return width_at_depth(xsects, j, y)


@kernel(**JIT)
def conduit_area(xsects, j, y, w_slot):
    """Flow area [ft2] of link ``j``, with the slot's extra area above the crown."""
    if y >= xsects.y_full[j]:
        return xsects.a_full[j] + (y - xsects.y_full[j]) * w_slot
    return area_at_depth(xsects, j, y)


@kernel(**JIT)
def conduit_hrad(xsects, j, y):
    """Hydraulic radius [ft] of link ``j``, the full value above the crown."""
    if y >= xsects.y_full[j]:
        return xsects.r_full[j]
    return hrad_at_depth(xsects, j, y)


@kernel(**JIT)
def froude_number(xsects, j, v, y, a):
    """Froude number at velocity ``v`` and depth ``y`` (0 when dry or a full closed pipe).

    ``a`` is the flow area at ``y`` when the caller has it (``y`` below the crown),
    else a negative number to look it up.
    """
    if y <= FUDGE:
        return 0.0
    if xsects.closed[j] == 1 and xsects.y_full[j] - y <= FUDGE:
        return 0.0
    if a < 0.0:
        a = area_at_depth(xsects, j, y)
    hyd_depth = a / width_at_depth(xsects, j, y)
    return abs(v) / np.sqrt(GRAVITY * hyd_depth)


@kernel(**JIT)
def link_normal_depth(j, q, links, xsects):
    """SWMM's ``link_getYnorm``: normal depth [ft] of per-barrel flow ``q`` (capped at qMax)."""
    q = abs(q)
    if q > links.q_max[j]:
        q = links.q_max[j]
    if q <= 0.0 or links.beta[j] <= 0.0:
        return 0.0
    return normal_depth(xsects, j, q, links.beta[j])


@kernel(**JIT)
def link_critical_depth(j, q, xsects):
    """SWMM's ``link_getYcrit``: critical depth [ft] of per-barrel flow ``q``."""
    if q == 0.0:
        return 0.0
    return critical_depth(xsects, j, abs(q))


@kernel(**JIT)
def link_depths(j, q, links, xsects):
    """``(normal depth, critical depth)`` [ft] of per-barrel flow ``q``."""
    return link_normal_depth(j, q, links, xsects), link_critical_depth(j, q, xsects)


@kernel(**JIT)
def _full_hydraulic_depth(xsects, j):
    y_full = xsects.y_full[j]
    if not is_closed(xsects.shape_code[j]):
        y_full = xsects.a_full[j] / width_at_depth(xsects, j, y_full)
    return y_full


@kernel(**JIT)
def full_hydraulic_depth(xsects, j):
    """Hydraulic depth of conduit ``j`` when full [ft]: its full depth if its shape is
    closed, else its full area over its top width at full depth (SWMM's conduit
    lengthening, ``link.c``); called from Python, on the views."""
    return _full_hydraulic_depth(view(xsects), j)
