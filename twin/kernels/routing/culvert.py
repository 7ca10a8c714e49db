"""Culvert inlet control of SWMM 5.2's dynamic wave (``culvert.c``, after FHWA HDS-5).

A conduit with a culvert code in [XSECTIONS] (1-57) may pass no more than its inlet
admits at the upstream head.  The inlet's flow has three regimes in the head ``y``
above the culvert's upstream invert (``yFull`` its full depth, ``AD = aFull
sqrt(yFull)``, ``K, M, c, Y`` the code's coefficients, ``Ks`` the slope correction:
``-7 S`` for the mitered inlets 5, 37 and 46, ``0.5 S`` for the others):

* unsubmerged, ``y <= 0.95 yFull``; form 1 (``h/yFull + Ks = yc/yFull + yh/(2 yFull)
  + K (Qc/AD)^M`` with ``Qc = Ac sqrt(g yh)`` the critical flow, solved for the
  critical depth ``yc`` by Ridder's method to 0.001 ft) or form 2 (``Q = AD (y / yFull
  / K)^(1/M)``);
* submerged, ``y >= yFull (16 c + Y - Ks)`` (FHWA's ``Q/AD = 4``): ``Q = AD sqrt((y/yFull
  - Y + Ks) / c)``;
* between them, the straight line from the unsubmerged flow at 0.95 yFull to the
  submerged flow at the upper limit.

When that flow is below the conduit's dynamic-wave flow, it replaces it, and its
derivative with respect to the head replaces the conduit's dq/dh (per barrel, as SWMM
does).  Units ft, ft2, cfs.  The coefficients are SWMM's table (``Params``, including
its 5.1.013 corrections), read from its source and typed anew.
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import GRAVITY
from twin.kernels.xsect.geometry import area_at_depth, width_at_depth

MAX_CULVERT_CODE = 57
BIG = 1.0e10  # SWMM's BIG: the submerged flow when its argument is not positive
RIDDER_TOLERANCE = 0.001  # ft, SWMM's accuracy of the form-1 critical depth
RIDDER_MAX_ITERATIONS = 60
# fmt: off
#: FORM, K, M, c, Y of each culvert code (row 0 unused), SWMM 5.2's ``Params``
CULVERT_PARAMS = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.00],
    # circular concrete: square edge w/ headwall, groove end w/ headwall, groove end projecting
    [1.0, 0.0098, 2.00, 0.0398, 0.67], [1.0, 0.0018, 2.00, 0.0292, 0.74],
    [1.0, 0.0045, 2.00, 0.0317, 0.69],
    # circular corrugated metal pipe: headwall, mitered to slope, projecting
    [1.0, 0.0078, 2.00, 0.0379, 0.69], [1.0, 0.0210, 1.33, 0.0463, 0.75],
    [1.0, 0.0340, 1.50, 0.0553, 0.54],
    # circular pipe, beveled ring entrance: 45 deg, 33.7 deg bevels
    [1.0, 0.0018, 2.50, 0.0300, 0.74], [1.0, 0.0018, 2.50, 0.0243, 0.83],
    # rectangular box with flared wingwalls: 30-75 deg, 90 or 15 deg, 0 deg flares
    [1.0, 0.026, 1.0, 0.0347, 0.81], [1.0, 0.061, 0.75, 0.0400, 0.80],
    [1.0, 0.061, 0.75, 0.0423, 0.82],
    # rectangular box, flared wingwalls and top edge bevel: 45 deg, 18-33.7 deg flare
    [2.0, 0.510, 0.667, 0.0309, 0.80], [2.0, 0.486, 0.667, 0.0249, 0.83],
    # rectangular box, 90-deg headwall, chamfered or beveled inlet edges
    [2.0, 0.515, 0.667, 0.0375, 0.79], [2.0, 0.495, 0.667, 0.0314, 0.82],
    [2.0, 0.486, 0.667, 0.0252, 0.865],
    # rectangular box, skewed headwall, chamfered or beveled inlet edges
    [2.0, 0.545, 0.667, 0.04505, 0.73], [2.0, 0.533, 0.667, 0.0425, 0.705],
    [2.0, 0.522, 0.667, 0.0402, 0.68], [2.0, 0.498, 0.667, 0.0327, 0.75],
    # rectangular box, non-offset flared wingwalls, 3/4" chamfer at top of inlet
    [2.0, 0.497, 0.667, 0.0339, 0.803], [2.0, 0.493, 0.667, 0.0361, 0.806],
    [2.0, 0.495, 0.667, 0.0386, 0.71],
    # rectangular box, offset flared wingwalls, beveled edge at inlet top
    [2.0, 0.497, 0.667, 0.0302, 0.835], [2.0, 0.495, 0.667, 0.0252, 0.881],
    [2.0, 0.493, 0.667, 0.0227, 0.887],
    # corrugated metal box: 90 deg headwall, thick wall projecting, thin wall projecting
    [1.0, 0.0083, 2.00, 0.0379, 0.69], [1.0, 0.0145, 1.75, 0.0419, 0.64],
    [1.0, 0.0340, 1.50, 0.0496, 0.57],
    # horizontal ellipse concrete: square edge w/ headwall, grooved end w/ headwall, projecting
    [1.0, 0.0100, 2.00, 0.0398, 0.67], [1.0, 0.0018, 2.50, 0.0292, 0.74],
    [1.0, 0.0045, 2.00, 0.0317, 0.69],
    # vertical ellipse concrete: the same three
    [1.0, 0.0100, 2.00, 0.0398, 0.67], [1.0, 0.0018, 2.50, 0.0292, 0.74],
    [1.0, 0.0095, 2.00, 0.0317, 0.69],
    # pipe arch, 18" corner radius, corrugated metal: 90 deg headwall, mitered, projecting
    [1.0, 0.0083, 2.00, 0.0379, 0.69], [1.0, 0.0300, 1.00, 0.0463, 0.75],
    [1.0, 0.0340, 1.50, 0.0496, 0.57],
    # pipe arch, 18" corner radius: projecting, no bevels, 33.7 deg bevels
    [1.0, 0.0300, 1.50, 0.0496, 0.57], [1.0, 0.0088, 2.00, 0.0368, 0.68],
    [1.0, 0.0030, 2.00, 0.0269, 0.77],
    # pipe arch, 31" corner radius: projecting, no bevels, 33.7 deg bevels
    [1.0, 0.0300, 1.50, 0.0496, 0.57], [1.0, 0.0088, 2.00, 0.0368, 0.68],
    [1.0, 0.0030, 2.00, 0.0269, 0.77],
    # arch, corrugated metal: 90 deg headwall, mitered to slope, thin wall projecting
    [1.0, 0.0083, 2.00, 0.0379, 0.69], [1.0, 0.0300, 1.00, 0.0473, 0.75],
    [1.0, 0.0340, 1.50, 0.0496, 0.57],
    # circular culvert: smooth, rough tapered inlet throat
    [2.0, 0.534, 0.555, 0.0196, 0.90], [2.0, 0.519, 0.640, 0.0210, 0.90],
    # elliptical inlet face: tapered inlet, beveled edges / square edges / thin edge
    [2.0, 0.536, 0.622, 0.0368, 0.83], [2.0, 0.5035, 0.719, 0.0478, 0.80],
    [2.0, 0.547, 0.800, 0.0598, 0.75],
    # rectangular: tapered inlet throat
    [2.0, 0.475, 0.667, 0.0179, 0.97],
    # rectangular concrete, side tapered: less, more favourable edges
    [2.0, 0.560, 0.667, 0.0446, 0.85], [2.0, 0.560, 0.667, 0.0378, 0.87],
    # rectangular concrete, slope tapered: less, more favourable edges
    [2.0, 0.500, 0.667, 0.0446, 0.65], [2.0, 0.500, 0.667, 0.0378, 0.71],
])
# fmt: on
P_FORM, P_K, P_M, P_C, P_Y = 0, 1, 2, 3, 4


@kernel(**JIT)
def _sign_of(a, b):
    """C's ``SIGN(a, b)`` of SWMM's findroot: ``|a|`` with the sign of ``b`` (+ at 0)."""
    return abs(a) if b >= 0.0 else -abs(a)


@kernel(**JIT)
def _form1_residual(yc, h_plus, kk, mm, ad, y_full, xsects, j):
    """Residual of FHWA form 1 at critical depth ``yc`` [ft] -> (residual, critical flow)."""
    ac = area_at_depth(xsects, j, yc)
    wc = width_at_depth(xsects, j, yc)
    yh = ac / wc
    qc = ac * np.sqrt(GRAVITY * yh)
    return h_plus - yc / y_full - yh / 2.0 / y_full - kk * (qc / ad) ** mm, qc


@kernel(**JIT)
def _form1_flow(h, scf, kk, mm, ad, y_full, xsects, j):
    """Unsubmerged form-1 flow [cfs] at inlet depth ``h`` [ft]: the critical flow of the
    last depth SWMM's Ridder search (``findroot_Ridder`` on [0.01 h, h]) evaluated."""
    h_plus = h / y_full + scf
    x1 = 0.01 * h
    x2 = h
    flo, qc = _form1_residual(x1, h_plus, kk, mm, ad, y_full, xsects, j)
    fhi, qc = _form1_residual(x2, h_plus, kk, mm, ad, y_full, xsects, j)
    if flo == 0.0 or fhi == 0.0:
        return qc
    if not ((flo > 0.0 and fhi < 0.0) or (flo < 0.0 and fhi > 0.0)):
        return qc
    ans = 0.5 * (x1 + x2)
    xlo = x1
    xhi = x2
    for _ in range(RIDDER_MAX_ITERATIONS):
        xm = 0.5 * (xlo + xhi)
        fm, qc = _form1_residual(xm, h_plus, kk, mm, ad, y_full, xsects, j)
        s = np.sqrt(fm * fm - flo * fhi)
        if s == 0.0:
            return qc
        xnew = xm + (xm - xlo) * ((1.0 if flo >= fhi else -1.0) * fm / s)
        if abs(xnew - ans) <= RIDDER_TOLERANCE:
            return qc
        ans = xnew
        fnew, qc = _form1_residual(ans, h_plus, kk, mm, ad, y_full, xsects, j)
        if _sign_of(fm, fnew) != fm:
            xlo = xm
            flo = fm
            xhi = ans
            fhi = fnew
        elif _sign_of(flo, fnew) != flo:
            xhi = ans
            fhi = fnew
        elif _sign_of(fhi, fnew) != fhi:
            xlo = ans
            flo = fnew
        else:
            return qc
        if abs(xhi - xlo) <= RIDDER_TOLERANCE:
            return qc
    return qc


@kernel(**JIT)
def _unsubmerged_flow(code, h, scf, ad, y_full, xsects, j):
    """Unsubmerged inlet flow [cfs] at depth ``h`` [ft] and its dq/dh [cfs/ft]."""
    kk = CULVERT_PARAMS[code, P_K]
    mm = CULVERT_PARAMS[code, P_M]
    if CULVERT_PARAMS[code, P_FORM] == 1.0:
        q = _form1_flow(h, scf, kk, mm, ad, y_full, xsects, j)
    else:
        q = ad * (h / y_full / kk) ** (1.0 / mm)
    return q, q / h / mm


@kernel(**JIT)
def _submerged_flow(code, h, scf, ad, y_full):
    """Submerged inlet flow [cfs] at head ``h`` [ft] and its dq/dh [cfs/ft]."""
    cc = CULVERT_PARAMS[code, P_C]
    arg = (h / y_full - CULVERT_PARAMS[code, P_Y] + scf) / cc
    if arg <= 0.0:
        return BIG, 0.0
    q = np.sqrt(arg) * ad
    return q, 0.5 * q / arg / y_full / cc


@kernel(**JIT)
def culvert_inflow(code, q0, y, slope, xsects, j):
    """The inlet-controlled flow of culvert ``j`` (SWMM's culvert_getInflow).

    Parameters
    ----------
    code : int
        The culvert code, 1-57 (others leave ``q0`` unchanged).
    q0 : float
        The conduit's dynamic-wave flow per barrel [cfs], positive.
    y : float
        Upstream head above the culvert's inlet invert [ft] (may exceed the full depth).
    slope : float
        The conduit's slope before lengthening [-].

    Returns
    -------
    (q, dqdh, controlled)
        The flow per barrel [cfs], the inlet's dq/dh [cfs/ft] when it controls, and
        whether it does (``q < q0``); otherwise ``(q0, 0.0, False)``.
    """
    if code <= 0 or code > MAX_CULVERT_CODE or y <= 0.0:
        return q0, 0.0, False
    y_full = xsects.y_full[j]
    ad = xsects.a_full[j] * np.sqrt(y_full)
    if code == 5 or code == 37 or code == 46:  # mitered inlets
        scf = -7.0 * slope
    else:
        scf = 0.5 * slope
    y2 = y_full * (16.0 * CULVERT_PARAMS[code, P_C] + CULVERT_PARAMS[code, P_Y] - scf)
    y1 = 0.95 * y_full
    if y >= y2:
        q, dqdh = _submerged_flow(code, y, scf, ad, y_full)
    elif y <= y1:
        q, dqdh = _unsubmerged_flow(code, y, scf, ad, y_full, xsects, j)
    else:  # transition: a straight line between the two limits
        q1, _ = _unsubmerged_flow(code, y1, scf, ad, y_full, xsects, j)
        q2, _ = _submerged_flow(code, y2, scf, ad, y_full)
        q = q1 + (q2 - q1) * (y - y1) / (y2 - y1)
        dqdh = (q2 - q1) / (y2 - y1)
    if q < q0:
        return q, dqdh, True
    return q0, 0.0, False
