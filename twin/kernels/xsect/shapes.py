"""Geometry of the rounded cross-section shapes, as outlines of unit height.

Each shape is drawn as the right half of its outline: a polyline of points
``(x, y)`` from the invert (``y = 0``, on the axis or at the end of a flat invert)
up to the crown (``y = 1``), with ``y`` never decreasing, made of finely sampled
circular arcs, ellipse quarters, a catenary or straight walls.
:func:`outline_geometry` turns an outline into area, wetted perimeter and top
width as functions of depth, which :mod:`twin.kernels.xsect.tables` samples into
SWMM-style relative tables.  Plain numpy, used once at import.

The definitions (H the height):

* circle: exact closed forms (:func:`circle_geometry`; the engine uses SWMM's circle
  tables, this is for comparison);
* egg: the standard egg, crown radius H/3, invert radius H/6, side radius H;
* horseshoe: the standard horseshoe, crown semicircle H/2, sides and invert H;
* horizontal / vertical ellipse: a true ellipse of span/rise 1.616 (or 1/1.616),
  the ratio of SWMM's full area 1.2692 rise^2;
* arch (pipe arch): two half ellipses meeting at the widest point 0.28 H, span/rise 1.6;
* gothic, catenary, semi-elliptical, baskethandle, semicircular: an invert arc up
  to SWMM's height of the widest point, vertical walls, and a pointed-arch,
  catenary or elliptical crown (a semicircle for the semicircular shape).  The one
  free dimension (springing height, or invert height for the semicircular shape)
  is set so that the full area equals SWMM 5.2's published value; the full
  hydraulic radius then comes out within 0.8 % of SWMM's (test_xsect checks it).

SWMM 5.2's own tables for the historic shapes are hand-digitised: ours differ
from them by up to ~2.5 % of the height in Y(A) (about 0.2 % for the circle and
horseshoe), which is the size of the difference to expect against SWMM there.
"""

import numpy as np

from twin.kernels.codes import Shape

_N_ARC = 4000  # points per arc: area and perimeter errors ~1e-8 of the full values


def circle_geometry():
    """Area, wetted perimeter and top width of a circle of unit diameter, exact.

    Returns
    -------
    tuple of 3 callables
        Vectorised functions of depth ``y`` in [0, 1].
    """

    def theta(y):
        return 2.0 * np.arccos(np.clip(1.0 - 2.0 * y, -1.0, 1.0))

    def area(y):
        t = theta(y)
        return 0.125 * (t - np.sin(t))

    def perimeter(y):
        return 0.5 * theta(y)

    def width(y):
        return 2.0 * np.sqrt(np.clip(y * (1.0 - y), 0.0, None))

    return area, perimeter, width


def outline_geometry(outline):
    """Area, wetted perimeter and top width as functions of depth for a half outline.

    Parameters
    ----------
    outline : tuple of two (n,) float64
        ``x`` (half width, >= 0) and ``y`` (height, non-decreasing from 0 to 1).

    Returns
    -------
    tuple of 3 callables
        Vectorised functions of depth ``y`` in [0, 1]: area (both halves), wetted
        perimeter (both halves, including a flat invert) and top width.
    """
    x, y = (np.asarray(v, dtype=float) for v in outline)
    dy = np.diff(y)
    seg_area = (x[1:] + x[:-1]) * dy  # both halves, trapezoids
    seg_len = 2.0 * np.hypot(np.diff(x), dy)  # both halves
    cum_area = np.concatenate(([0.0], np.cumsum(seg_area)))
    cum_perim = 2.0 * x[0] + np.concatenate(([0.0], np.cumsum(seg_len)))

    def _segment(yq):
        yq = np.clip(np.asarray(yq, dtype=float), 0.0, y[-1])
        i = np.clip(np.searchsorted(y, yq, side="right") - 1, 0, len(y) - 2)
        span = np.where(dy[i] > 0.0, dy[i], 1.0)
        f = np.where(dy[i] > 0.0, (yq - y[i]) / span, 0.0)
        return i, f, yq

    def area(yq):
        i, f, yq = _segment(yq)
        xq = x[i] + f * (x[i + 1] - x[i])
        return cum_area[i] + (x[i] + xq) * (yq - y[i])

    def perimeter(yq):
        i, f, _ = _segment(yq)
        return cum_perim[i] + f * seg_len[i]

    def width(yq):
        i, f, _ = _segment(yq)
        return 2.0 * (x[i] + f * (x[i + 1] - x[i]))

    return area, perimeter, width


def _arc(cx, cy, r, a0, a1, n=_N_ARC):
    """Points of a circular arc of radius ``r`` about ``(cx, cy)`` from angle a0 to a1."""
    a = np.linspace(a0, a1, n)
    return cx + r * np.cos(a), cy + r * np.sin(a)


def _join(*pieces):
    """Concatenate polyline pieces, dropping repeated joint points, and scale to unit height."""
    xs = np.concatenate([p[0] for p in pieces])
    ys = np.concatenate([p[1] for p in pieces])
    ys = ys - ys[0]
    h = ys[-1]
    x, y = xs / h, ys / h
    y = np.maximum.accumulate(np.clip(y, 0.0, 1.0))  # rounding noise only
    x = np.where(np.abs(x) < 1e-12, 0.0, np.abs(x))  # cos(pi/2) rounding on the axis
    return x, y


def _intersect_circles(c1, r1, c2, r2, pick):
    """Intersection point of two circles; ``pick`` chooses one by a key function."""
    (x1, y1), (x2, y2) = c1, c2
    d = np.hypot(x2 - x1, y2 - y1)
    a = (r1 * r1 - r2 * r2 + d * d) / (2.0 * d)
    h = np.sqrt(max(r1 * r1 - a * a, 0.0))
    xm, ym = x1 + a * (x2 - x1) / d, y1 + a * (y2 - y1) / d
    p1 = (xm + h * (y2 - y1) / d, ym - h * (x2 - x1) / d)
    p2 = (xm - h * (y2 - y1) / d, ym + h * (x2 - x1) / d)
    return max((p1, p2), key=pick)


def egg_outline():
    """Standard egg: height 3r, crown semicircle r, invert arc r/2, side arcs 3r.

    Width 2r = 2/3 of the height; the side arcs are tangent to the crown circle at
    the springing line (2r above the invert) and to the invert circle.
    """
    r = 1.0
    top_c, bot_c, side_c = (0.0, 2.0 * r), (0.0, 0.5 * r), (-2.0 * r, 2.0 * r)
    # tangency of the side arc (radius 3r) with the invert circle (radius r/2)
    ang = np.arctan2(bot_c[1] - side_c[1], bot_c[0] - side_c[0])
    t_bot = (side_c[0] + 3.0 * r * np.cos(ang), side_c[1] + 3.0 * r * np.sin(ang))
    a_bot = np.arctan2(t_bot[1] - bot_c[1], t_bot[0] - bot_c[0])
    return _join(
        _arc(*bot_c, 0.5 * r, -0.5 * np.pi, a_bot),
        _arc(*side_c, 3.0 * r, ang, 0.0),
        _arc(*top_c, r, 0.0, 0.5 * np.pi),
    )


def horseshoe_outline():
    """Standard horseshoe: width = height = 2r, crown semicircle r, sides and invert 2r.

    The side arcs (radius 2r) have their centres on the springing line at the
    opposite side; the invert arc (radius 2r) has its centre at the crown.
    """
    r = 1.0
    top_c, side_c, inv_c = (0.0, r), (-r, r), (0.0, 2.0 * r)
    p = _intersect_circles(side_c, 2.0 * r, inv_c, 2.0 * r, pick=lambda q: -q[1])
    a_side = np.arctan2(p[1] - side_c[1], p[0] - side_c[0])
    a_inv = np.arctan2(p[1] - inv_c[1], p[0] - inv_c[0])
    return _join(
        _arc(*inv_c, 2.0 * r, -0.5 * np.pi, a_inv),
        _arc(*side_c, 2.0 * r, a_side, 0.0),
        _arc(*top_c, r, 0.0, 0.5 * np.pi),
    )


def _invert_walls_crown(b, h_inv, y_spring, crown):
    """Outline of unit height: invert arc, vertical walls, crown.

    The invert is a circular arc through the invert point and ``(b, h_inv)`` (flat
    when ``h_inv`` is 0); vertical walls of half-spacing ``b`` rise from ``h_inv``
    to the springing line ``y_spring``; the crown closes the section at height 1:
    ``"ellipse"`` a half ellipse of semi-axes ``b`` and ``1 - y_spring``,
    ``"pointed"`` two circular arcs centred on the springing line meeting at the
    crown, ``"catenary"`` an inverted catenary through the springings and the crown.
    """
    pieces = []
    if h_inv > 0.0:
        r = (b * b + h_inv * h_inv) / (2.0 * h_inv)
        a_end = np.arctan2(h_inv - r, b)
        pieces.append(_arc(0.0, r, r, -0.5 * np.pi, a_end))
    else:
        pieces.append((np.array([0.0, b]), np.array([0.0, 0.0])))
    if y_spring > h_inv:
        pieces.append((np.array([b, b]), np.array([h_inv, y_spring])))
    k = 1.0 - y_spring
    if crown == "ellipse":
        t = np.linspace(0.0, 0.5 * np.pi, _N_ARC)
        pieces.append((b * np.cos(t), y_spring + k * np.sin(t)))
    elif crown == "pointed":
        rc = (b * b + k * k) / (2.0 * b)
        cx = b - rc
        pieces.append(_arc(cx, y_spring, rc, 0.0, np.arctan2(k, -cx)))
    else:  # catenary y = 1 - c (cosh(x / c) - 1) through (b, y_spring)
        lo, hi = 1e-3, 1e3
        for _ in range(200):
            c = np.sqrt(lo * hi)
            if c * (np.cosh(b / c) - 1.0) > k:
                lo = c
            else:
                hi = c
        x = np.linspace(b, 0.0, _N_ARC)
        pieces.append((x, 1.0 - c * (np.cosh(x / c) - 1.0)))
    return _join(*pieces)


def _area_of(outline):
    area = outline_geometry(outline)[0]
    return float(area(np.array([1.0]))[0])


def _fit(make, target_area, lo, hi):
    """Outline from ``make(p)`` whose full area is ``target_area``, by bisection on p."""
    f_lo = _area_of(make(lo)) - target_area
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        f_mid = _area_of(make(mid)) - target_area
        if (f_mid > 0.0) == (f_lo > 0.0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return make(0.5 * (lo + hi))


# Shapes known by their height H alone.  Where only the proportions are
# standard, SWMM 5.2's published full-section ratios (width, height of the widest
# point, full area, all per H) fix the free dimension of a composite outline.


def gothic_outline():
    """Gothic: semicircular-like invert arc to 0.45 H, walls, pointed arch; width 0.84 H."""
    return _fit(lambda ys: _invert_walls_crown(0.42, 0.45, ys, "pointed"), 0.6554, 0.45, 0.95)


def catenary_outline():
    """Catenary: invert arc to 0.25 H, walls, inverted-catenary crown; width 0.9 H."""
    return _fit(lambda ys: _invert_walls_crown(0.45, 0.25, ys, "catenary"), 0.70277, 0.25, 0.9)


def semielliptical_outline():
    """Semi-elliptical: invert arc to 0.15 H, walls, half-ellipse crown; width H."""
    return _fit(lambda ys: _invert_walls_crown(0.5, 0.15, ys, "ellipse"), 0.785, 0.15, 0.6)


def baskethandle_outline():
    """Baskethandle: invert arc to 0.2 H, walls, flattened (elliptical) crown; width 0.944 H."""
    return _fit(lambda ys: _invert_walls_crown(0.472, 0.2, ys, "ellipse"), 0.7862, 0.2, 0.8)


def semicircular_outline():
    """Semicircular: flat invert arc, short walls, semicircular crown of radius 0.82 H."""
    b = 0.82
    return _fit(lambda hi: _invert_walls_crown(b, hi, 1.0 - b, "ellipse"), 1.2697, 0.01, 0.18)


def _ellipse(span_over_rise):
    t = np.linspace(-0.5 * np.pi, 0.5 * np.pi, 2 * _N_ARC)
    return _join((0.5 * span_over_rise * np.cos(t), 0.5 + 0.5 * np.sin(t)))


def horiz_ellipse_outline():
    """Horizontal ellipse, span/rise 1.616 (full area 1.2692 rise^2, as SWMM)."""
    return _ellipse(4.0 * 1.2692 / np.pi)


def vert_ellipse_outline():
    """Vertical ellipse, rise/span 1.616 (full area 1.2692 span^2, as SWMM)."""
    return _ellipse(np.pi / (4.0 * 1.2692))


def arch_outline(span_over_rise=1.6):
    """Pipe arch: half ellipses below and above the widest point at 0.28 H."""
    y_w = 0.28
    b = 0.5 * span_over_rise
    t1 = np.linspace(-0.5 * np.pi, 0.0, _N_ARC)
    t2 = np.linspace(0.0, 0.5 * np.pi, _N_ARC)
    return _join(
        (b * np.cos(t1), y_w + y_w * np.sin(t1)),
        (b * np.cos(t2), y_w + (1.0 - y_w) * np.sin(t2)),
    )


STANDARD_OUTLINES = {
    Shape.EGG: egg_outline,
    Shape.HORSESHOE: horseshoe_outline,
    Shape.GOTHIC: gothic_outline,
    Shape.CATENARY: catenary_outline,
    Shape.SEMIELLIPTICAL: semielliptical_outline,
    Shape.BASKETHANDLE: baskethandle_outline,
    Shape.SEMICIRCULAR: semicircular_outline,
    Shape.HORIZ_ELLIPSE: horiz_ellipse_outline,
    Shape.VERT_ELLIPSE: vert_ellipse_outline,
    Shape.ARCH: arch_outline,
}
