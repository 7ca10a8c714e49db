"""HEC-22 inlet capture (SWMM 5.2 ``inlet.c``): the flow one inlet takes from a street or channel.

FHWA HEC-22 (3rd ed.) as SWMM 5.2.4 codes it: on grade, Izzard's spread of the
approach flow, then a curb opening's (or slotted drain's) efficiency from its length
for full capture, and a grate's frontal and side flow efficiencies with its splash-over
velocity; in a sump (on sag), weir or orifice flow through the grate, the curb opening
(with the transition between them) or the slotted drain at the bypass node's depth.

The street's numbers are a tuple ``geo`` = (Sx, SL, Sw, a, W, n, Tcrown, Qfactor,
street): cross slope, conduit slope, gutter slope, gutter depression [ft] (with the
inlet's local one), its width [ft], the street's n, curb-to-crown distance [ft],
Izzard's factor (Q = Qfactor T^2.67) and 1 for a STREET section (0: a trapezoidal or
rectangular channel).  Flows cfs, lengths ft.  The bundle of inlets and the step that
applies the captures are in :mod:`twin.kernels.routing.inlets`.
"""

import math

from twin.kernels.codes import Shape
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.xsect import area_at_sfactor, depth_at_area

# inlet kinds (twin.networks.inp_inlets) and grate types
GRATE, CURB, COMBO, SLOTTED, DROP_GRATE, DROP_CURB, CUSTOM = range(7)
GENERIC = 7
TRAPEZOIDAL = int(Shape.TRAPEZOIDAL)
HORIZONTAL_THROAT, INCLINED_THROAT = 0, 1
#: HEC-22 Chart 5B splash-over velocity v. grate length, cubic fits (SWMM's SplashCoeffs)
SPLASH = (
    (2.22, 4.03, 0.65, 0.06), (0.74, 2.44, 0.27, 0.02), (1.76, 3.12, 0.45, 0.03),
    (0.30, 4.85, 1.31, 0.15), (0.99, 2.64, 0.36, 0.03), (0.51, 2.34, 0.2, 0.01),
    (0.28, 2.28, 0.18, 0.01),
)  # fmt: skip
#: HEC-22 Chart 9B grate opening ratios (SWMM's GrateOpeningRatios), GENERIC last
OPENING = (0.90, 0.80, 0.60, 0.35, 0.17, 0.34, 0.80, 1.00)


@kernel(**JIT)
def splash_velocity(grate_type, length):
    """Splash-over velocity [ft/s] of a standard grate of ``length`` ft."""
    c0, c1, c2, c3 = SPLASH[grate_type]
    return c0 + c1 * length - c2 * length * length + c3 * length * length * length


@kernel(**JIT)
def gutter_flow_ratio_eo(sr, ts, w):
    """HEC-22 Eq. (4-4): the gutter's share of the flow, with ``ts`` = T - W [ft]."""
    x = sr / (ts / w)
    x = (1.0 + x) ** 2.67 - 1.0
    x = 1.0 + sr / x
    return 1.0 / x


@kernel(**JIT)
def flow_spread(q, geo):
    """Spread T [ft] of flow ``q`` [cfs] over the street (HEC-22 Eq. 4-2 and 4-6)."""
    sx, _sl, _sw, a, w, _n, tcrown, f, _street = geo
    if a == 0.0:
        ts1 = (q / f) ** 0.375
    else:
        f1 = f * ((a / w) / sx) ** 1.67
        tw = (q / f1) ** 0.375
        if tw <= w:
            ts1 = tw
        else:
            sr = (sx + a / w) / sx
            ts1 = (q / f) ** 0.375 - w
            if ts1 <= 0.0:
                ts1 = tw - w
            ts2 = ts1
            for _ in range(10):
                eo = gutter_flow_ratio_eo(sr, ts1, w)
                ts2 = ((1.0 - eo) * q / f) ** 0.375
                if abs(ts2 - ts1) < 0.01:
                    break
                ts1 = ts2
            ts1 = ts2 + w
    return min(ts1, tcrown)


@kernel(**JIT)
def _gutter_flow_ratio(width, t, geo):
    sx, _sl, sw, a, _w, _n, _tc, _f, _street = geo
    if t <= width:
        return 1.0
    if a > 0.0:
        return gutter_flow_ratio_eo(sw / sx, t - width, width)
    return 1.0 - (1.0 - width / t) ** 2.67


@kernel(**JIT)
def _gutter_area_ratio(wg, area, t, geo):
    sx, _sl, sw, a, w, _n, _tc, _f, _street = geo
    if wg >= w or t <= wg:
        return 1.0
    if t <= w:
        return wg / t
    a_s = 0.5 * (t - w) * (t - w) * sx
    a_g = wg * ((t * sx) + a - (wg * sw / 2.0))
    return a_g / (area - a_s)


@kernel(**JIT)
def grate_capture_on_grade(inlets, i, q, t, geo, xsects, link, beta):
    """Flow [cfs] an on-grade grate takes from approach flow ``q`` with spread ``t``."""
    sx, _sl, sw, a, w, _n, tcrown, qfactor, street = geo
    lg = inlets.grate_length[i]
    wg = inlets.grate_width[i]
    qo = q
    if street == 0:  # a drop grate in a trapezoidal or rectangular channel
        area = area_at_sfactor(xsects, link, q / beta)
        y = depth_at_area(xsects, link, area)
        eo = beta * (y * wg) ** 1.67 / (wg + 2.0 * y) ** 0.67 / q
        # a grate as wide as a trapezoid's bottom: its side slope is the cross slope
        if (wg > 0.99 * xsects.y_bot[link] and xsects.shape_code[link] == TRAPEZOIDAL
                and xsects.s_bot[link] > 0.0):  # fmt: skip
            sx = 1.0 / xsects.s_bot[link]
    elif a == 0.0:
        area = t * t * sx / 2.0
        eo = _gutter_flow_ratio(wg, t, geo)
        if t >= tcrown:
            qo = qfactor * tcrown**2.67
    else:
        if t <= w:
            area = t * t * sw / 2.0
        else:
            area = (t * t * sx + a * w) / 2.0
        eo = _gutter_flow_ratio(w, t, geo)
        if eo < 1.0:
            if t >= tcrown:
                qo = qfactor * tcrown**2.67 / (1.0 - eo)
            eo = eo * _gutter_area_ratio(wg, area, t, geo)
    v = qo / area
    gt = inlets.grate_type[i]
    if gt < 0 or gt == GENERIC:
        vo = inlets.splash_velocity[i]
    else:
        vo = splash_velocity(gt, lg)
    rf = 1.0
    if v > vo:
        rf = 1.0 - 0.09 * (v - vo)
    rs = 0.0
    if eo < 1.0:
        rs = 1.0 / (1.0 + (0.15 * v**1.8 / sx / lg**2.3))
    return q * (rf * eo + rs * (1.0 - eo))


@kernel(**JIT)
def curb_capture_on_grade(q, length, t, geo):
    """Flow [cfs] an on-grade curb opening of ``length`` ft takes (HEC-22 4-22a, 4-23)."""
    sx, sl, sw, a, w, n, _tc, _f, _street = geo
    se = sx
    if a > 0.0:
        eo = gutter_flow_ratio_eo(sw / sx, t - w, w)
        se = sx + (a / w) * eo
    lt = 0.6 * q**0.42 * sl**0.3 * (1.0 / (n * se)) ** 0.6
    e = 1.0
    if length < lt:
        e = 1.0 - (1.0 - length / lt) ** 1.8
    e = min(e, 1.0)
    e = max(e, 0.0)
    return e * q


@kernel(**JIT)
def on_grade_capture(inlets, i, q, d, geo, xsects, link, beta):
    """Flow [cfs] one on-grade inlet takes from approach flow ``q`` at depth ``d``."""
    kind = inlets.kind[i]
    if kind == DROP_CURB:
        return min(on_sag_capture(inlets, i, d, geo), q)
    if kind == DROP_GRATE:
        return min(grate_capture_on_grade(inlets, i, q, 0.0, geo, xsects, link, beta), q)
    t = flow_spread(q, geo)
    if kind == SLOTTED:
        return min(curb_capture_on_grade(q, inlets.slot_length[i], t, geo), q)
    lcurb = inlets.curb_length[i]
    lgrate = inlets.grate_length[i]
    q1 = q
    qc = 0.0
    if lcurb > 0.0:
        lsweep = lcurb - lgrate
        if lsweep > 0.0:
            qc = curb_capture_on_grade(q1, lsweep, t, geo)
            q1 -= qc
    if lgrate > 0.0 and q1 > 0.0:
        if q1 != q:
            t = flow_spread(q1, geo)
        qc += grate_capture_on_grade(inlets, i, q1, t, geo, xsects, link, beta)
    return qc


@kernel(**JIT)
def _curb_orifice(di, h, length, throat):
    """HEC-22 Eq. (4-31a): a curb opening as an orifice [cfs]."""
    d = di
    if throat == HORIZONTAL_THROAT:
        d = di - h / 2.0
    elif throat == INCLINED_THROAT:
        d = di - (h / 2.0) * 0.7071
    return 0.67 * h * length * math.sqrt(2.0 * 32.16 * d)


@kernel(**JIT)
def _curb_on_sag(inlets, i, d, length, geo):
    """(weir, orifice) flow [cfs] of an on-sag curb opening of ``length`` ft at depth d."""
    _sx, _sl, _sw, a, w, _n, _tc, _f, _street = geo
    throat = inlets.throat[i]
    h = inlets.curb_height[i]
    if length <= 0.0:
        return 0.0, 0.0
    if inlets.kind[i] == DROP_CURB:
        length = length * 4.0
    dorif = 1.4 * h
    if d > dorif:
        return 0.0, _curb_orifice(d, h, length, throat)
    if a == 0.0 or length > 12.0:
        dweir = h
        if d < dweir:
            return 3.0 * length * d**1.5, 0.0
        qweir = 3.0 * length * dweir**1.5
    else:
        p = length + 1.8 * w
        dweir = h + a
        if d < dweir:
            return 2.3 * p * d**1.5, 0.0
        qweir = 2.3 * p * dweir**1.5
    qorif = _curb_orifice(dorif, h, length, throat)
    r = (d - dweir) / (dorif - dweir)
    return (1.0 - r) * qweir, r * qorif


@kernel(**JIT)
def _grate_on_sag(inlets, i, d, geo):
    """(weir, orifice) flow [cfs] of an on-sag grate at depth ``d`` (HEC-22 4-26, 4-27)."""
    _sx, _sl, sw, _a, _w, _n, _tc, _f, _street = geo
    gt = inlets.grate_type[i]
    lg = inlets.grate_length[i]
    wg = inlets.grate_width[i]
    if inlets.kind[i] == DROP_GRATE:
        di = d
        p = 2.0 * (lg + wg)
    else:
        if d <= wg * sw:
            wg = d / sw
        di = d - (wg / 2.0) * sw
        p = lg + 2.0 * wg
    if gt == GENERIC:
        ao = lg * wg * inlets.open_fraction[i]
    else:
        ao = lg * wg * OPENING[gt]
    if d <= 1.79 * ao / p:
        return 3.0 * p * di**1.5, 0.0
    return 0.0, 0.67 * ao * math.sqrt(2.0 * 32.16 * di)


@kernel(**JIT)
def on_sag_capture(inlets, i, d, geo):
    """Flow [cfs] one on-sag inlet takes at water depth ``d`` [ft]."""
    if inlets.slot_length[i] > 0.0:
        ls = inlets.slot_length[i]
        ws = inlets.slot_width[i]
        if d <= 2.587 * ws:
            return 2.48 * ls * d**1.5
        return 0.8 * ls * ws * math.sqrt(64.32 * d)
    qgw = qgo = qsw = qso = qco = 0.0
    lgrate = inlets.grate_length[i]
    if lgrate > 0.0:
        qgw, qgo = _grate_on_sag(inlets, i, d, geo)
    lcurb = inlets.curb_length[i]
    if lcurb > 0.0:
        lsweep = lcurb - lgrate
        if lsweep > 0.0:
            qsw, qso = _curb_on_sag(inlets, i, d, lsweep, geo)
        if qgo > 0.0:
            _qcw, qco = _curb_on_sag(inlets, i, d, lgrate, geo)
    return qgw + qgo + qsw + qso + qco
