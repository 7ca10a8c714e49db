"""Geometry tables of the rounded cross-section shapes: SWMM 5.2's own numbers.

Every tabulated shape has five relative tables, stacked as rows of a ``(5, 51)``
array (unused tail entries are zero):

====  ===========  ================  ===========
row   quantity     against           name
====  ===========  ================  ===========
0     A / Afull    y / yFull         ``ROW_A``
1     R / Rfull    y / yFull         ``ROW_R``
2     W / Wmax     y / yFull         ``ROW_W``
3     y / yFull    A / Afull         ``ROW_Y``
4     S / Sfull    A / Afull         ``ROW_S``
====  ===========  ================  ===========

The number of equally spaced entries of each table (51, 26 or 21) is that of
SWMM 5.2 for the same shape, so that its interpolation gives the same numbers;
``TABLE_SIZES[k, row]`` holds it (0 when SWMM does not use that table).  Every shape
uses SWMM 5.2's own numbers (:mod:`twin.kernels.xsect.swmm_tables`), so its normal and
critical depths are SWMM's -- the circle too (and the force main, filled circle,
round-bottomed rectangle and modified basket-handle built on it): SWMM's rounded
A_Circ .. S_Circ differ from the exact circle by up to 1.3 % of the area at 2 % full
and 0.01 Rfull at the invert, enough to change a just-wetted pipe's volume by 4 % and
its Courant step (the pump4 NCIMM model's pump went out of step with SWMM's after
50 minutes with exact tables, after 98 with SWMM's).  Plain numpy, run once at import.
"""

import numpy as np

from twin.kernels.codes import Shape
from twin.kernels.xsect.swmm_tables import SWMM_TABLES

N_TBL = 51
ROW_A, ROW_R, ROW_W, ROW_Y, ROW_S = 0, 1, 2, 3, 4
ROW_CUSTOM_SCALARS = 3  # CUSTOM tables: aFull, rFull, wMax, sMax, aMax, ywMax per unit yFull

# (shape, sizes of the A, R, W, Y, S tables) in the order of the standard stack
_STANDARD = (
    (Shape.CIRCULAR, (51, 51, 51, 51, 51)),
    (Shape.EGG, (26, 26, 26, 51, 51)),
    (Shape.HORSESHOE, (26, 26, 26, 51, 51)),
    (Shape.GOTHIC, (0, 0, 21, 51, 51)),
    (Shape.CATENARY, (0, 0, 21, 51, 51)),
    (Shape.SEMIELLIPTICAL, (0, 0, 21, 51, 51)),
    (Shape.BASKETHANDLE, (26, 26, 26, 51, 51)),
    (Shape.SEMICIRCULAR, (0, 0, 21, 51, 51)),
    (Shape.HORIZ_ELLIPSE, (26, 26, 26, 0, 0)),
    (Shape.VERT_ELLIPSE, (26, 26, 26, 0, 0)),
    (Shape.ARCH, (26, 26, 26, 0, 0)),
)
N_STD = len(_STANDARD)
TABLE_SIZES = np.array([sizes for _, sizes in _STANDARD], dtype=np.int64)  # (N_STD, 5)
TABLE_OF_SHAPE = np.full(len(Shape), -1, dtype=np.int64)  # Shape -> row of the stack
for _k, (_shape, _) in enumerate(_STANDARD):
    TABLE_OF_SHAPE[_shape] = _k
for _shape in (Shape.FORCE_MAIN, Shape.FILLED_CIRCULAR, Shape.RECT_ROUND, Shape.MODBASKETHANDLE):
    TABLE_OF_SHAPE[_shape] = TABLE_OF_SHAPE[Shape.CIRCULAR]  # these use the circle's tables


def tables_from_geometry(area, perimeter, width, sizes):
    """Relative tables of a shape of unit height from its area, perimeter and width.

    Parameters
    ----------
    area, perimeter, width : callable
        Vectorised functions of depth ``y`` in [0, 1] (shape of unit height) giving
        the flow area, wetted perimeter and top width.
    sizes : sequence of 5 int
        Entries of the A, R, W, Y, S tables (0 to leave a table empty).

    Returns
    -------
    (5, 51) float64
        The tables, rows ``ROW_A`` .. ``ROW_S``.
    """
    a_full = float(area(np.array([1.0]))[0])
    p_full = float(perimeter(np.array([1.0]))[0])
    r_full = a_full / p_full
    y_fine = np.linspace(0.0, 1.0, 4001)
    w_max = float(np.max(width(y_fine)))

    def hrad(y):
        p = perimeter(y)
        return np.where(p > 0.0, area(y) / np.where(p > 0.0, p, 1.0), 0.0)

    def depth_of_area(alpha):
        # bisection on the monotone area function, to 1e-14 of the height
        lo = np.zeros_like(alpha)
        hi = np.ones_like(alpha)
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            below = area(mid) / a_full < alpha
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return np.where(alpha >= 1.0, 1.0, np.where(alpha <= 0.0, 0.0, 0.5 * (lo + hi)))

    out = np.zeros((5, N_TBL))
    n_a, n_r, n_w, n_y, n_s = sizes
    if n_a:
        y = np.linspace(0.0, 1.0, n_a)
        out[ROW_A, :n_a] = area(y) / a_full
    if n_r:
        y = np.linspace(0.0, 1.0, n_r)
        out[ROW_R, :n_r] = hrad(y) / r_full
    if n_w:
        y = np.linspace(0.0, 1.0, n_w)
        out[ROW_W, :n_w] = width(y) / w_max
    if n_y:
        alpha = np.linspace(0.0, 1.0, n_y)
        out[ROW_Y, :n_y] = depth_of_area(alpha)
    if n_s:
        alpha = np.linspace(0.0, 1.0, n_s)
        y = depth_of_area(alpha)
        out[ROW_S, :n_s] = alpha * (hrad(y) / r_full) ** (2.0 / 3.0)
        out[ROW_S, n_s - 1] = 1.0
    return out


def _build_standard():
    stack = np.zeros((N_STD, 5, N_TBL))
    for k, (shape, sizes) in enumerate(_STANDARD):
        stack[k] = swmm_shape_tables(shape, sizes)
    stack.setflags(write=False)
    return stack


def swmm_shape_tables(shape, sizes) -> np.ndarray:
    """The ``(5, 51)`` tables of a hand-tabulated shape from SWMM 5.2's data
    (:mod:`twin.kernels.xsect.swmm_tables`), rows ``ROW_A`` .. ``ROW_S``.

    The geometry-drawn tables (:func:`tables_from_geometry` on the shape's outline,
    :mod:`twin.kernels.xsect.shapes`) stay available for comparison."""
    out = np.zeros((5, N_TBL))
    data = SWMM_TABLES[shape]
    for row, key in enumerate("ARWYS"):
        n = sizes[row]
        if n:
            if len(data[key]) != n:
                raise ValueError(f"{shape.name}: SWMM's {key} table has {len(data[key])} entries")
            out[row, :n] = data[key]
    return out


_STANDARD_TABLES = _build_standard()


#: SWMM 5.2's tables of R/Rfull against y/yFull start at 0.01, not at the 0 of the geometry:
#: a floor under the hydraulic radius of a nearly empty section (interpolated up to the
#: table's second entry), which keeps friction finite there.  It sets how low a near-dry
#: recession drains: with it a 0.6 m pipe carrying 0.02 L/s out of a manhole over a drop
#: runs at 3.2 mm, as in EPA SWMM, without it at 5.1 mm.  Custom shapes start at 0 in SWMM too.
EMPTY_RADIUS_FRACTION = 0.01


def with_empty_radius_floor(stack: np.ndarray) -> np.ndarray:
    """A copy of a table stack whose standard shapes' R tables start at EMPTY_RADIUS_FRACTION.

    Parameters
    ----------
    stack : (n_tables, 5, 51) float64
        Standard tables first (:func:`standard_tables`), then any custom shapes'.

    Returns
    -------
    (n_tables, 5, 51) float64
        The copy; the custom shapes' rows are unchanged.
    """
    out = np.array(stack, dtype=np.float64, copy=True)
    has_r = TABLE_SIZES[:, ROW_R] > 0
    out[:N_STD][has_r, ROW_R, 0] = EMPTY_RADIUS_FRACTION
    return out


def standard_tables() -> np.ndarray:
    """Tables of the tabulated standard shapes, in the order of ``TABLE_OF_SHAPE``.

    Returns
    -------
    (N_STD, 5, 51) float64
        A fresh, writable copy; custom shape tables go after these rows.
    """
    return _STANDARD_TABLES.copy()


def custom_shape_table(depth_ratio, width_ratio) -> np.ndarray:
    """Tables of a CUSTOM shape from its SHAPE curve, as SWMM 5.2 builds them.

    The curve gives width / full height against depth / full height.  Width is
    interpolated linearly between curve points (constant above the last one), area
    and perimeter are summed interval by interval on 51 equal steps; the bottom
    width counts in the perimeter, and so does the top width at full height.

    Parameters
    ----------
    depth_ratio, width_ratio : (n,) array_like
        The curve: y/yFull (increasing, first in [0, 1)) and w/yFull (>= 0).

    Returns
    -------
    (5, 51) float64
        Rows ``ROW_A``, ``ROW_R``, ``ROW_W`` normalised by their full values; row
        ``ROW_CUSTOM_SCALARS`` holds ``[aFull, rFull, wMax, sMax, aMax, ywMax]`` of
        the shape at unit full height; row ``ROW_S`` is zero.

    Raises
    ------
    ValueError
        When the curve is not a valid shape (SWMM's checks).
    """
    yc = np.asarray(depth_ratio, dtype=float).ravel()
    wc = np.asarray(width_ratio, dtype=float).ravel()
    if yc.size == 0 or yc.size != wc.size:
        raise ValueError("shape curve needs matching, non-empty depth and width columns")
    if yc[0] < 0.0 or yc[0] >= 1.0 or wc[0] < 0.0:
        raise ValueError("shape curve must start at a depth ratio in [0, 1) with width >= 0")
    if np.any(np.diff(yc) < 0.0) or np.any(wc < 0.0):
        raise ValueError("shape curve depths must not decrease and widths must be >= 0")
    # the piecewise-linear width profile over [0, 1], cut where it first reaches 1
    if yc[0] != 0.0:
        yc, wc = np.concatenate(([0.0], yc)), np.concatenate(([0.0], wc))
    top = np.nonzero(yc >= 1.0)[0]
    if top.size:
        yc, wc = yc[: top[0] + 1].copy(), wc[: top[0] + 1]
        yc[-1] = 1.0  # SWMM keeps the width of the point beyond full height
    else:
        yc, wc = np.concatenate((yc, [1.0])), np.concatenate((wc, [wc[-1]]))
    w_max = float(np.max(wc))
    w_top = float(wc[-1])
    # accumulate area and perimeter over curve vertices and table levels, in order
    levels = np.linspace(0.0, 1.0, N_TBL)
    w_levels = _width_on_curve(levels, yc, wc)
    pts = np.concatenate((yc, levels))
    w_pts = np.concatenate((wc, w_levels))
    order = np.argsort(pts, kind="stable")
    pts, w_pts = pts[order], w_pts[order]
    is_level = order >= len(yc)
    dy = np.diff(pts)
    d_area = 0.5 * (w_pts[1:] + w_pts[:-1]) * dy
    # SWMM counts no horizontal step of the curve in the perimeter
    d_perim = np.where(dy > 0.0, 2.0 * np.hypot(dy, 0.5 * np.abs(np.diff(w_pts))), 0.0)
    cum_a = np.concatenate(([0.0], np.cumsum(d_area)))
    cum_p = wc[0] + np.concatenate(([0.0], np.cumsum(d_perim)))
    area = cum_a[is_level]
    perim = cum_p[is_level]
    perim[-1] += w_top
    width = _width_on_curve(levels, yc, wc)
    hrad = np.where(perim > 0.0, area / np.where(perim > 0.0, perim, 1.0), 0.0)
    hrad[0] = 0.0
    a_full, r_full = area[-1], hrad[-1]
    if a_full <= 0.0 or r_full <= 0.0 or w_max <= 0.0:
        raise ValueError("shape curve encloses no area")
    sf = area[1:] * hrad[1:] ** (2.0 / 3.0)
    k = int(np.argmax(sf)) + 1
    s_max, a_max = float(sf[k - 1]), float(area[k])
    w_rel = width / w_max
    i_max = 0
    for i in range(1, N_TBL):
        if w_rel[i] < w_rel[i_max]:
            break
        i_max = i
    out = np.zeros((5, N_TBL))
    out[ROW_A] = area / a_full
    out[ROW_R] = hrad / r_full
    out[ROW_W] = w_rel
    out[ROW_CUSTOM_SCALARS, :6] = [a_full, r_full, w_max, s_max, a_max, i_max / (N_TBL - 1)]
    return out


def _width_on_curve(y, yc, wc):
    """Width at levels ``y`` of the piecewise-linear curve (lower value at a step)."""
    i = np.clip(np.searchsorted(yc, y, side="left") - 1, 0, len(yc) - 2)
    y1, y2, w1, w2 = yc[i], yc[i + 1], wc[i], wc[i + 1]
    span = np.where(y2 > y1, y2 - y1, 1.0)
    return np.where(y2 > y1, w1 + (y - y1) / span * (w2 - w1), w2)
