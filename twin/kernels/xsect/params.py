"""Parameter rows of the cross-section geometry kernels (SWMM 5.2 ``xsect_setParams``).

A parameter row is a ``(XS_NPAR,)`` float64 array built once per link in plain
Python by :func:`xsect_params`; the geometry kernels read it by the ``P_*``
indices.  Lengths are feet, areas ft2, section factors ft^(8/3).  Slots whose
meaning depends on the shape (``P_ABOT`` .. ``P_SBOT``) follow SWMM's use of
``aBot, yBot, rBot, sBot`` for that shape (see the comments in the code).
"""

import numpy as np

from twin.kernels.codes import Shape
from twin.kernels.xsect.composite import (
    rect_closed_hrad_of_area,
    rect_round_hrad_of_area,
    rect_triang_hrad_of_area,
)
from twin.kernels.xsect.geometry import hrad_at_depth, sfactor_at_area
from twin.kernels.xsect.interp import table_lookup
from twin.kernels.xsect.layout import (
    AMAX_RATIO,
    P_ABOT,
    P_AFULL,
    P_AMAX,
    P_G1,
    P_G4,
    P_NA,
    P_NR,
    P_NS,
    P_NW,
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
    P_YWMAX,
    RECT_ALFMAX,
    RECT_ROUND_ALFMAX,
    RECT_TRIANG_ALFMAX,
    XS_NPAR,
)
from twin.kernels.xsect.tables import (
    N_TBL,
    ROW_A,
    ROW_CUSTOM_SCALARS,
    ROW_R,
    ROW_W,
    TABLE_OF_SHAPE,
    TABLE_SIZES,
    standard_tables,
)

# full area, full hydraulic radius, sMax/sFull, wMax, ywMax per unit full height
# of the tabulated shapes whose size is their height alone (SWMM 5.2's values)
_RATIOS = {
    Shape.EGG: (0.5105, 0.1931, 1.065, 2.0 / 3.0, 0.64),
    Shape.HORSESHOE: (0.8293, 0.2538, 1.077, 1.0, 0.5),
    Shape.GOTHIC: (0.6554, 0.2269, 1.065, 0.84, 0.45),
    Shape.CATENARY: (0.70277, 0.23172, 1.05, 0.9, 0.25),
    Shape.SEMIELLIPTICAL: (0.785, 0.242, 1.045, 1.0, 0.15),
    Shape.BASKETHANDLE: (0.7862, 0.2464, 1.06078, 0.944, 0.2),
    Shape.SEMICIRCULAR: (1.2697, 0.2946, 1.06637, 1.64, 0.15),
}

_TWO3 = 2.0 / 3.0
_STD = standard_tables()


def xsect_params(shape, g1, g2=0.0, g3=0.0, g4=0.0, table_index=-1, shape_table=None):
    """Parameter row of a cross section, as SWMM 5.2's ``xsect_setParams``.

    Parameters
    ----------
    shape : int
        A :class:`~twin.kernels.codes.Shape`.
    g1, g2, g3, g4 : float
        [XSECTIONS] Geom1..Geom4, in feet where SWMM takes a length (FORCE_MAIN's
        Geom2 is its C-factor or roughness; RECT_OPEN's Geom3 the number of sides
        to ignore; TRAPEZOIDAL's Geom3, Geom4 and POWER's Geom3 are ratios).
    table_index : int
        CUSTOM only: row of the shape's table in the ``tables`` stack given to the
        kernels (after the ``N_STD`` standard rows).  Other shapes ignore it.
    shape_table : (5, 51) float64, optional
        CUSTOM only (required): the shape's table from ``custom_shape_table``.

    Returns
    -------
    (XS_NPAR,) float64
        The parameter row.

    Raises
    ------
    ValueError
        For parameters SWMM rejects, and for what is not supported here
        (IRREGULAR transects, standard-size codes of ellipse and arch pipes).
    """
    shape = Shape(int(shape))
    g = [float(g1), float(g2), float(g3), float(g4)]
    par = np.zeros(XS_NPAR)
    par[P_G1 : P_G4 + 1] = g
    par[P_TABLE] = TABLE_OF_SHAPE[shape]
    if par[P_TABLE] >= 0:
        par[P_NA : P_NS + 1] = TABLE_SIZES[int(par[P_TABLE])]
    if shape != Shape.DUMMY and g[0] <= 0.0:
        raise ValueError(f"{shape.name}: Geom1 must be > 0")
    builder = _BUILDERS.get(shape)
    if builder is None:
        raise ValueError(f"cross-section shape {shape.name} is not supported")
    if shape == Shape.CUSTOM:
        if shape_table is None or table_index < 0:
            raise ValueError("CUSTOM shape needs table_index and shape_table")
        par[P_TABLE] = table_index
        par[P_NA] = par[P_NR] = par[P_NW] = N_TBL
        _custom(par, g, np.asarray(shape_table, dtype=float))
    else:
        builder(par, g)
    par[P_AMAX] = AMAX_RATIO[shape] * par[P_AFULL]
    if shape == Shape.CUSTOM:
        par[P_AMAX] = par[P_ABOT]
    par[P_YINV] = 1.0 / par[P_YFULL]
    return par


def _full_s(par, exponent=_TWO3):
    par[P_SFULL] = par[P_AFULL] * par[P_RFULL] ** exponent


def _dummy(par, g):
    tiny = 1e-6
    for k in (P_YFULL, P_WMAX, P_AFULL, P_RFULL, P_SFULL, P_SMAX):
        par[k] = tiny


def _circular(par, g):
    d = g[0]
    par[P_YFULL] = par[P_WMAX] = d
    par[P_AFULL] = np.pi / 4.0 * d * d
    par[P_RFULL] = 0.25 * d
    _full_s(par)
    par[P_SMAX] = 1.08 * par[P_SFULL]
    par[P_YWMAX] = 0.5 * d


def _force_main(par, g):
    _circular(par, g)
    _full_s(par, 0.63)  # Hazen-Williams / Darcy section factor exponent
    par[P_SMAX] = 1.06949 * par[P_SFULL]
    par[P_RBOT] = g[1]  # C-factor or roughness


def _filled_circular(par, g):
    if g[1] >= g[0]:
        raise ValueError("FILLED_CIRCULAR: filled depth must be below the diameter")
    circ = _STD[int(TABLE_OF_SHAPE[Shape.CIRCULAR])]
    d, y_bot = g[0], g[1]
    a_circ, r_circ = np.pi / 4.0 * d * d, 0.25 * d
    # aBot: filled area; sBot: its top width; rBot: its wetted perimeter
    a_bot = a_circ * table_lookup(y_bot / d, circ[ROW_A], N_TBL)
    # SWMM evaluates this width with the filled depth counted twice, (2 yBot)/(D + yBot)
    s_bot = d * table_lookup((2.0 * y_bot) / (d + y_bot), circ[ROW_W], N_TBL)
    r_bot = a_bot / (r_circ * table_lookup(y_bot / d, circ[ROW_R], N_TBL)) if y_bot > 0 else 0.0
    par[P_WMAX] = d
    par[P_YBOT], par[P_ABOT], par[P_SBOT], par[P_RBOT] = y_bot, a_bot, s_bot, r_bot
    par[P_AFULL] = a_circ - a_bot
    par[P_RFULL] = par[P_AFULL] / (np.pi * d - r_bot + s_bot)
    _full_s(par)
    par[P_SMAX] = 1.08 * par[P_SFULL]
    par[P_YFULL] = d - y_bot
    par[P_YWMAX] = 0.5 * par[P_YFULL]


def _tabulated_by_height(shape):
    a_r, r_r, s_r, w_r, yw_r = _RATIOS[shape]

    def build(par, g):
        h = g[0]
        par[P_YFULL] = h
        par[P_AFULL] = a_r * h * h
        par[P_RFULL] = r_r * h
        _full_s(par)
        par[P_SMAX] = s_r * par[P_SFULL]
        par[P_WMAX] = w_r * h
        par[P_YWMAX] = yw_r * h

    return build


def _ellipse_or_arch(shape):
    def build(par, g):
        if g[2] > 0.0 or g[1] == 0.0:
            raise ValueError(f"{shape.name}: standard size codes are not supported")
        if g[1] < 0.0:
            raise ValueError(f"{shape.name}: Geom2 must be >= 0")
        par[P_YFULL], par[P_WMAX] = g[0], g[1]
        if shape == Shape.HORIZ_ELLIPSE:
            par[P_AFULL] = 1.2692 * g[0] * g[0]
            par[P_RFULL] = 0.3061 * g[0]
        elif shape == Shape.VERT_ELLIPSE:
            par[P_AFULL] = 1.2692 * g[1] * g[1]
            par[P_RFULL] = 0.3061 * g[1]
        else:
            par[P_AFULL] = 0.7879 * g[0] * g[1]
            par[P_RFULL] = 0.2991 * g[0]
        _full_s(par)
        par[P_SMAX] = par[P_SFULL]
        par[P_YWMAX] = (0.28 if shape == Shape.ARCH else 0.48) * g[0]

    return build


def _custom(par, g, table):
    a_f, r_f, w_m, s_m, a_m, yw = table[ROW_CUSTOM_SCALARS, :6]
    h = g[0]
    par[P_YFULL] = h
    par[P_WMAX] = w_m * h
    par[P_AFULL] = a_f * h * h
    par[P_RFULL] = r_f * h
    _full_s(par)
    par[P_SMAX] = s_m * h ** (8.0 / 3.0)
    par[P_ABOT] = a_m * h * h  # area at maximum section factor
    par[P_YWMAX] = yw * h
    if not (np.all(np.isfinite(table[(ROW_A, ROW_R, ROW_W), :])) and a_f > 0.0):
        raise ValueError("CUSTOM: invalid shape table")


def _need(cond, message):
    if not cond:
        raise ValueError(message)


def _rect_closed(par, g):
    _need(g[1] > 0.0, "RECT_CLOSED: Geom2 (width) must be > 0")
    y, w = g[0], g[1]
    par[P_YFULL], par[P_WMAX], par[P_YWMAX] = y, w, y
    par[P_AFULL] = y * w
    par[P_RFULL] = par[P_AFULL] / (2.0 * (y + w))
    _full_s(par)
    a_max = RECT_ALFMAX * par[P_AFULL]
    par[P_SMAX] = a_max * rect_closed_hrad_of_area(par, a_max) ** _TWO3


def _rect_open(par, g):
    _need(g[1] > 0.0, "RECT_OPEN: Geom2 (width) must be > 0")
    _need(0.0 <= g[2] <= 2.0, "RECT_OPEN: Geom3 (sides to ignore) must be 0, 1 or 2")
    y, w = g[0], g[1]
    par[P_YFULL], par[P_WMAX], par[P_YWMAX] = y, w, y
    par[P_SBOT] = g[2]  # number of side walls left out of the wetted perimeter
    par[P_AFULL] = y * w
    par[P_RFULL] = par[P_AFULL] / ((2.0 - par[P_SBOT]) * y + w)
    _full_s(par)
    par[P_SMAX] = par[P_SFULL]


def _rect_triangular(par, g):
    _need(g[1] > 0.0 and g[2] > 0.0, "RECT_TRIANGULAR: Geom2 and Geom3 must be > 0")
    y, w, yb = g[0], g[1], g[2]
    par[P_YFULL], par[P_WMAX], par[P_YBOT], par[P_YWMAX] = y, w, yb, y
    par[P_ABOT] = yb * w / 2.0
    par[P_SBOT] = w / yb / 2.0  # side slope, run per rise
    par[P_RBOT] = np.sqrt(1.0 + par[P_SBOT] ** 2)  # side length per unit depth
    par[P_AFULL] = w * (y - yb / 2.0)
    par[P_RFULL] = par[P_AFULL] / (2.0 * yb * par[P_RBOT] + 2.0 * (y - yb) + w)
    _full_s(par)
    a_max = RECT_TRIANG_ALFMAX * par[P_AFULL]
    par[P_SMAX] = a_max * rect_triang_hrad_of_area(par, a_max) ** _TWO3


def _arc_of_width(par, g):
    """Circular arc of radius Geom3 (at least half the width) spanning the width Geom2."""
    y, w = g[0], g[1]
    r = max(g[2], w / 2.0)
    theta = 2.0 * np.arcsin(w / 2.0 / r)
    par[P_YFULL], par[P_WMAX], par[P_RBOT] = y, w, r
    par[P_YBOT] = r * (1.0 - np.cos(theta / 2.0))  # height of the arc
    par[P_ABOT] = r * r / 2.0 * (theta - np.sin(theta))  # area of the arc segment
    _need(par[P_YBOT] <= y, "arc of radius Geom3 is higher than the section")
    par[P_AFULL] = w * (y - par[P_YBOT]) + par[P_ABOT]
    par[P_RFULL] = par[P_AFULL] / (r * theta + 2.0 * (y - par[P_YBOT]) + w)
    _full_s(par)
    return theta


def _rect_round(par, g):
    _need(g[1] > 0.0, "RECT_ROUND: Geom2 (width) must be > 0")
    _arc_of_width(par, g)
    r = par[P_RBOT]
    par[P_SBOT] = np.pi * r * r * (r / 2.0) ** _TWO3  # section factor of the full circle
    par[P_YWMAX] = par[P_YFULL]
    a_max = RECT_ROUND_ALFMAX * par[P_AFULL]
    par[P_SMAX] = a_max * rect_round_hrad_of_area(par, _STD, a_max) ** _TWO3


def _mod_basket(par, g):
    _need(g[1] > 0.0, "MODBASKETHANDLE: Geom2 (width) must be > 0")
    par[P_SBOT] = _arc_of_width(par, g)  # central angle of the crown arc
    par[P_YWMAX] = par[P_YFULL] - par[P_YBOT]
    a_max = AMAX_RATIO[Shape.MODBASKETHANDLE] * par[P_AFULL]
    par[P_SMAX] = sfactor_at_area(int(Shape.MODBASKETHANDLE), par, _STD, a_max)


def _trapezoidal(par, g):
    _need(min(g[1], g[2], g[3]) >= 0.0, "TRAPEZOIDAL: Geom2..Geom4 must be >= 0")
    _need(g[1] > 0.0 or g[2] + g[3] > 0.0, "TRAPEZOIDAL: no bottom width and no side slope")
    y = g[0]
    par[P_YFULL], par[P_YWMAX] = y, y
    par[P_YBOT] = g[1]  # bottom width
    par[P_SBOT] = (g[2] + g[3]) / 2.0  # mean side slope, run per rise
    par[P_RBOT] = np.sqrt(1.0 + g[2] ** 2) + np.sqrt(1.0 + g[3] ** 2)  # sides per unit depth
    par[P_WMAX] = g[1] + y * (g[2] + g[3])
    par[P_AFULL] = (g[1] + par[P_SBOT] * y) * y
    par[P_RFULL] = par[P_AFULL] / (g[1] + y * par[P_RBOT])
    _full_s(par)
    par[P_SMAX] = par[P_SFULL]


def _triangular(par, g):
    _need(g[1] > 0.0, "TRIANGULAR: Geom2 (top width) must be > 0")
    y, w = g[0], g[1]
    par[P_YFULL], par[P_WMAX], par[P_YWMAX] = y, w, y
    par[P_SBOT] = w / y / 2.0  # side slope, run per rise
    par[P_RBOT] = np.sqrt(1.0 + par[P_SBOT] ** 2)  # side length per unit depth
    par[P_AFULL] = y * y * par[P_SBOT]
    par[P_RFULL] = par[P_AFULL] / (2.0 * y * par[P_RBOT])
    _full_s(par)
    par[P_SMAX] = par[P_SFULL]


def _parabolic(par, g):
    _need(g[1] > 0.0, "PARABOLIC: Geom2 (top width) must be > 0")
    y, w = g[0], g[1]
    par[P_YFULL], par[P_WMAX], par[P_YWMAX] = y, w, y
    par[P_RBOT] = w / 2.0 / np.sqrt(y)  # 1/sqrt(c) of y = c x^2
    par[P_AFULL] = 2.0 / 3.0 * y * w
    par[P_RFULL] = hrad_at_depth(int(Shape.PARABOLIC), par, _STD, y)
    _full_s(par)
    par[P_SMAX] = par[P_SFULL]


def _power(par, g):
    _need(g[1] > 0.0 and g[2] > 0.0, "POWER: Geom2 and Geom3 must be > 0")
    y, w = g[0], g[1]
    par[P_YFULL], par[P_WMAX], par[P_YWMAX] = y, w, y
    par[P_SBOT] = 1.0 / g[2]  # exponent m of the width, w ~ y^m
    par[P_RBOT] = w / (par[P_SBOT] + 1.0) / y ** par[P_SBOT]  # A = rBot y^(m+1)
    par[P_AFULL] = y * w / (par[P_SBOT] + 1.0)
    par[P_RFULL] = hrad_at_depth(int(Shape.POWER), par, _STD, y)
    _full_s(par)
    par[P_SMAX] = par[P_SFULL]


_BUILDERS = {
    Shape.RECT_CLOSED: _rect_closed,
    Shape.RECT_OPEN: _rect_open,
    Shape.RECT_TRIANGULAR: _rect_triangular,
    Shape.RECT_ROUND: _rect_round,
    Shape.MODBASKETHANDLE: _mod_basket,
    Shape.TRAPEZOIDAL: _trapezoidal,
    Shape.TRIANGULAR: _triangular,
    Shape.PARABOLIC: _parabolic,
    Shape.POWER: _power,
    Shape.DUMMY: _dummy,
    Shape.CIRCULAR: _circular,
    Shape.FORCE_MAIN: _force_main,
    Shape.FILLED_CIRCULAR: _filled_circular,
    Shape.HORIZ_ELLIPSE: _ellipse_or_arch(Shape.HORIZ_ELLIPSE),
    Shape.VERT_ELLIPSE: _ellipse_or_arch(Shape.VERT_ELLIPSE),
    Shape.ARCH: _ellipse_or_arch(Shape.ARCH),
    Shape.CUSTOM: _custom,
    **{s: _tabulated_by_height(s) for s in _RATIOS},
}
