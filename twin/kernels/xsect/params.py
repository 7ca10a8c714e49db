"""Parameters of one cross section (SWMM 5.2 ``xsect_setParams``), and bundles of them.

:func:`xsect_params` computes, once per link in plain Python, what SWMM derives from
a section's Geom1..Geom4: a dict with a value for every per-section field of
:class:`~twin.kernels.xsect.sections.XSects`.  :func:`section` makes the bundle of one
section (what tests and one-off calls give the geometry kernels).  Lengths are feet,
areas ft2, section factors ft^(8/3).  The ``*_bot`` values follow SWMM's use of
``aBot, yBot, rBot, sBot`` for each shape (see the comments in the code).
"""

import numpy as np

from twin.kernels.codes import Shape
from twin.kernels.xsect.composite import (
    rect_closed_hrad_of_area,
    rect_round_hrad_of_area,
    rect_triang_hrad_of_area,
)
from twin.kernels.xsect.geometry import hrad_at_depth, is_closed, sfactor_at_area
from twin.kernels.xsect.interp import table_lookup
from twin.kernels.xsect.sections import (
    AMAX_RATIO,
    RECT_ALFMAX,
    RECT_ROUND_ALFMAX,
    RECT_TRIANG_ALFMAX,
    XSects,
)
from twin.kernels.xsect.sizes import size_code, standard_size
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

_SECTION_FIELDS = tuple(f.name for f in XSects.fields if f.name != "tables")

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
    """Parameters of a cross section, as SWMM 5.2's ``xsect_setParams``.

    Parameters
    ----------
    shape : int
        A :class:`~twin.kernels.codes.Shape`.
    g1, g2, g3, g4 : float
        [XSECTIONS] Geom1..Geom4, in feet where SWMM takes a length (FORCE_MAIN's
        Geom2 is its C-factor or roughness; RECT_OPEN's Geom3 the number of sides
        to ignore; TRAPEZOIDAL's Geom3, Geom4 and POWER's Geom3 are ratios; an
        ellipse's or arch's standard size code, Geom1 when Geom2 is 0, else Geom3, is
        a number: :mod:`twin.kernels.xsect.sizes`).
    table_index : int
        CUSTOM and IRREGULAR only: index of the shape's table in the ``tables`` stack
        given to the kernels (after the ``N_STD`` standard ones).  Others ignore it.
    shape_table : (5, 51) float64, optional
        CUSTOM (from ``custom_shape_table``) and IRREGULAR (from ``transect_table``,
        Geom1 the transect's full depth) only, required.

    Returns
    -------
    dict
        A value for every per-section field of ``XSects`` (``shape_code`` ...
        ``a_max``).

    Raises
    ------
    ValueError
        For parameters SWMM rejects, and for standard size codes outside SWMM's tables.
    """
    shape = Shape(int(shape))
    g = [float(g1), float(g2), float(g3), float(g4)]
    par = dict.fromkeys(_SECTION_FIELDS, 0.0)
    par["shape_code"] = int(shape)
    par["closed"] = int(bool(is_closed(int(shape))))
    par["table"] = int(TABLE_OF_SHAPE[shape])
    if par["table"] >= 0:
        sizes = TABLE_SIZES[par["table"]]
        for k, name in enumerate(("n_a", "n_r", "n_w", "n_y", "n_s")):
            par[name] = int(sizes[k])
    if shape != Shape.DUMMY and g[0] <= 0.0:
        raise ValueError(f"{shape.name}: Geom1 must be > 0")
    builder = _BUILDERS.get(shape)
    if builder is None:
        raise ValueError(f"cross-section shape {shape.name} is not supported")
    if shape == Shape.CUSTOM or shape == Shape.IRREGULAR:
        if shape_table is None or table_index < 0:
            raise ValueError(f"{shape.name} shape needs table_index and shape_table")
        par["table"] = int(table_index)
        par["n_a"] = par["n_r"] = par["n_w"] = N_TBL
        builder(par, g, np.asarray(shape_table, dtype=float))
    else:
        builder(par, g)
    par["a_max"] = AMAX_RATIO[shape] * par["a_full"]
    if shape == Shape.CUSTOM or shape == Shape.IRREGULAR:
        par["a_max"] = par["a_bot"]
    par["y_inv"] = 1.0 / par["y_full"]
    return par


def section(shape, g1, g2=0.0, g3=0.0, g4=0.0, shape_table=None) -> XSects:
    """The bundle of one cross section (index 0), with the standard tables and, for a
    CUSTOM shape, its ``shape_table`` after them.

    >>> from twin.kernels.codes import Shape
    >>> from twin.kernels.xsect.geometry import area_at_depth
    >>> round(area_at_depth(section(Shape.CIRCULAR, 2.0), 0, 1.0), 4)  # half full: pi/2
    1.5708
    """
    tables = _STD
    index = -1
    if shape_table is not None:
        tables = np.concatenate([_STD, np.asarray(shape_table, dtype=float)[None]])
        index = len(_STD)
    par = xsect_params(shape, g1, g2, g3, g4, table_index=index, shape_table=shape_table)
    return XSects.of_sections([par], tables)


def _one(par, tables=None) -> XSects:
    """A partly built section as a bundle, to evaluate its geometry while building."""
    return XSects.of_sections([par], _STD if tables is None else tables)


def _full_s(par, exponent=_TWO3):
    par["s_full"] = par["a_full"] * par["r_full"] ** exponent


def _dummy(par, g):
    tiny = 1e-6
    for k in ("y_full", "w_max", "a_full", "r_full", "s_full", "s_max"):
        par[k] = tiny


def _circular(par, g):
    d = g[0]
    par["y_full"] = par["w_max"] = d
    par["a_full"] = np.pi / 4.0 * d * d
    par["r_full"] = 0.25 * d
    _full_s(par)
    par["s_max"] = 1.08 * par["s_full"]
    par["yw_max"] = 0.5 * d


def _force_main(par, g):
    _circular(par, g)
    _full_s(par, 0.63)  # Hazen-Williams / Darcy section factor exponent
    par["s_max"] = 1.06949 * par["s_full"]
    par["r_bot"] = g[1]  # C-factor or roughness


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
    par["w_max"] = d
    par["y_bot"], par["a_bot"], par["s_bot"], par["r_bot"] = y_bot, a_bot, s_bot, r_bot
    par["a_full"] = a_circ - a_bot
    par["r_full"] = par["a_full"] / (np.pi * d - r_bot + s_bot)
    _full_s(par)
    par["s_max"] = 1.08 * par["s_full"]
    par["y_full"] = d - y_bot
    par["yw_max"] = 0.5 * par["y_full"]


def _tabulated_by_height(shape):
    a_r, r_r, s_r, w_r, yw_r = _RATIOS[shape]

    def build(par, g):
        h = g[0]
        par["y_full"] = h
        par["a_full"] = a_r * h * h
        par["r_full"] = r_r * h
        _full_s(par)
        par["s_max"] = s_r * par["s_full"]
        par["w_max"] = w_r * h
        par["yw_max"] = yw_r * h

    return build


def _ellipse_or_arch(shape):
    def build(par, g):
        code = size_code(shape, g[0], g[1], g[2])
        if g[1] < 0.0:
            raise ValueError(f"{shape.name}: Geom2 must be >= 0")
        if code > 0.0:  # a standard pipe: SWMM's tables give its full area and radius too
            size = standard_size(shape, code)
            par["y_full"], par["w_max"], par["a_full"], par["r_full"] = size
        else:
            par["y_full"], par["w_max"] = g[0], g[1]
            minor = g[1] if shape == Shape.VERT_ELLIPSE else g[0]
            if shape == Shape.ARCH:
                par["a_full"] = 0.7879 * g[0] * g[1]
                par["r_full"] = 0.2991 * g[0]
            else:
                par["a_full"] = 1.2692 * minor * minor
                par["r_full"] = 0.3061 * minor
        _full_s(par)
        par["s_max"] = par["s_full"]
        par["yw_max"] = (0.28 if shape == Shape.ARCH else 0.48) * par["y_full"]

    return build


def _custom(par, g, table):
    a_f, r_f, w_m, s_m, a_m, yw = table[ROW_CUSTOM_SCALARS, :6]
    h = g[0]
    par["y_full"] = h
    par["w_max"] = w_m * h
    par["a_full"] = a_f * h * h
    par["r_full"] = r_f * h
    _full_s(par)
    par["s_max"] = s_m * h ** (8.0 / 3.0)
    par["a_bot"] = a_m * h * h  # area at maximum section factor
    par["yw_max"] = yw * h
    if not (np.all(np.isfinite(table[(ROW_A, ROW_R, ROW_W), :])) and a_f > 0.0):
        raise ValueError("CUSTOM: invalid shape table")


def _irregular(par, g, table):
    """A transect's section (:func:`twin.kernels.xsect.transect.transect_table`): its
    scalars are absolute, Geom1 is its full depth [ft] (SWMM's getTransectParams)."""
    a_f, r_f, w_m, s_m, a_m, yw = table[ROW_CUSTOM_SCALARS, :6]
    par["y_full"] = g[0]
    par["w_max"] = w_m
    par["a_full"] = a_f
    par["r_full"] = r_f
    _full_s(par)
    par["s_max"] = s_m
    par["a_bot"] = a_m
    par["yw_max"] = yw * g[0]
    if not (np.all(np.isfinite(table[(ROW_A, ROW_R, ROW_W), :])) and a_f > 0.0):
        raise ValueError("IRREGULAR: invalid transect table")


def _need(cond, message):
    if not cond:
        raise ValueError(message)


def _rect_closed(par, g):
    _need(g[1] > 0.0, "RECT_CLOSED: Geom2 (width) must be > 0")
    y, w = g[0], g[1]
    par["y_full"], par["w_max"], par["yw_max"] = y, w, y
    par["a_full"] = y * w
    par["r_full"] = par["a_full"] / (2.0 * (y + w))
    _full_s(par)
    a_max = RECT_ALFMAX * par["a_full"]
    par["s_max"] = a_max * rect_closed_hrad_of_area(_one(par), 0, a_max) ** _TWO3


def _rect_open(par, g):
    _need(g[1] > 0.0, "RECT_OPEN: Geom2 (width) must be > 0")
    _need(0.0 <= g[2] <= 2.0, "RECT_OPEN: Geom3 (sides to ignore) must be 0, 1 or 2")
    y, w = g[0], g[1]
    par["y_full"], par["w_max"], par["yw_max"] = y, w, y
    par["s_bot"] = g[2]  # number of side walls left out of the wetted perimeter
    par["a_full"] = y * w
    par["r_full"] = par["a_full"] / ((2.0 - par["s_bot"]) * y + w)
    _full_s(par)
    par["s_max"] = par["s_full"]


def _rect_triangular(par, g):
    _need(g[1] > 0.0 and g[2] > 0.0, "RECT_TRIANGULAR: Geom2 and Geom3 must be > 0")
    y, w, yb = g[0], g[1], g[2]
    par["y_full"], par["w_max"], par["y_bot"], par["yw_max"] = y, w, yb, y
    par["a_bot"] = yb * w / 2.0
    par["s_bot"] = w / yb / 2.0  # side slope, run per rise
    par["r_bot"] = np.sqrt(1.0 + par["s_bot"] ** 2)  # side length per unit depth
    par["a_full"] = w * (y - yb / 2.0)
    par["r_full"] = par["a_full"] / (2.0 * yb * par["r_bot"] + 2.0 * (y - yb) + w)
    _full_s(par)
    a_max = RECT_TRIANG_ALFMAX * par["a_full"]
    par["s_max"] = a_max * rect_triang_hrad_of_area(_one(par), 0, a_max) ** _TWO3


def _arc_of_width(par, g):
    """Circular arc of radius Geom3 (at least half the width) spanning the width Geom2."""
    y, w = g[0], g[1]
    r = max(g[2], w / 2.0)
    theta = 2.0 * np.arcsin(w / 2.0 / r)
    par["y_full"], par["w_max"], par["r_bot"] = y, w, r
    par["y_bot"] = r * (1.0 - np.cos(theta / 2.0))  # height of the arc
    par["a_bot"] = r * r / 2.0 * (theta - np.sin(theta))  # area of the arc segment
    _need(par["y_bot"] <= y, "arc of radius Geom3 is higher than the section")
    par["a_full"] = w * (y - par["y_bot"]) + par["a_bot"]
    par["r_full"] = par["a_full"] / (r * theta + 2.0 * (y - par["y_bot"]) + w)
    _full_s(par)
    return theta


def _rect_round(par, g):
    _need(g[1] > 0.0, "RECT_ROUND: Geom2 (width) must be > 0")
    _arc_of_width(par, g)
    r = par["r_bot"]
    par["s_bot"] = np.pi * r * r * (r / 2.0) ** _TWO3  # section factor of the full circle
    par["yw_max"] = par["y_full"]
    a_max = RECT_ROUND_ALFMAX * par["a_full"]
    par["s_max"] = a_max * rect_round_hrad_of_area(_one(par), 0, a_max) ** _TWO3


def _mod_basket(par, g):
    _need(g[1] > 0.0, "MODBASKETHANDLE: Geom2 (width) must be > 0")
    par["s_bot"] = _arc_of_width(par, g)  # central angle of the crown arc
    par["yw_max"] = par["y_full"] - par["y_bot"]
    a_max = AMAX_RATIO[Shape.MODBASKETHANDLE] * par["a_full"]
    par["s_max"] = sfactor_at_area(_one(par), 0, a_max)


def _trapezoidal(par, g):
    _need(min(g[1], g[2], g[3]) >= 0.0, "TRAPEZOIDAL: Geom2..Geom4 must be >= 0")
    _need(g[1] > 0.0 or g[2] + g[3] > 0.0, "TRAPEZOIDAL: no bottom width and no side slope")
    y = g[0]
    par["y_full"], par["yw_max"] = y, y
    par["y_bot"] = g[1]  # bottom width
    par["s_bot"] = (g[2] + g[3]) / 2.0  # mean side slope, run per rise
    par["r_bot"] = np.sqrt(1.0 + g[2] ** 2) + np.sqrt(1.0 + g[3] ** 2)  # sides per unit depth
    par["w_max"] = g[1] + y * (g[2] + g[3])
    par["a_full"] = (g[1] + par["s_bot"] * y) * y
    par["r_full"] = par["a_full"] / (g[1] + y * par["r_bot"])
    _full_s(par)
    par["s_max"] = par["s_full"]


def _triangular(par, g):
    _need(g[1] > 0.0, "TRIANGULAR: Geom2 (top width) must be > 0")
    y, w = g[0], g[1]
    par["y_full"], par["w_max"], par["yw_max"] = y, w, y
    par["s_bot"] = w / y / 2.0  # side slope, run per rise
    par["r_bot"] = np.sqrt(1.0 + par["s_bot"] ** 2)  # side length per unit depth
    par["a_full"] = y * y * par["s_bot"]
    par["r_full"] = par["a_full"] / (2.0 * y * par["r_bot"])
    _full_s(par)
    par["s_max"] = par["s_full"]


def _parabolic(par, g):
    _need(g[1] > 0.0, "PARABOLIC: Geom2 (top width) must be > 0")
    y, w = g[0], g[1]
    par["y_full"], par["w_max"], par["yw_max"] = y, w, y
    par["r_bot"] = w / 2.0 / np.sqrt(y)  # 1/sqrt(c) of y = c x^2
    par["a_full"] = 2.0 / 3.0 * y * w
    par["r_full"] = hrad_at_depth(_one(par), 0, y)
    _full_s(par)
    par["s_max"] = par["s_full"]


def _power(par, g):
    _need(g[1] > 0.0 and g[2] > 0.0, "POWER: Geom2 and Geom3 must be > 0")
    y, w = g[0], g[1]
    par["y_full"], par["w_max"], par["yw_max"] = y, w, y
    par["s_bot"] = 1.0 / g[2]  # exponent m of the width, w ~ y^m
    par["r_bot"] = w / (par["s_bot"] + 1.0) / y ** par["s_bot"]  # A = rBot y^(m+1)
    par["a_full"] = y * w / (par["s_bot"] + 1.0)
    par["r_full"] = hrad_at_depth(_one(par), 0, y)
    _full_s(par)
    par["s_max"] = par["s_full"]


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
    Shape.IRREGULAR: _irregular,
    **{s: _tabulated_by_height(s) for s in _RATIOS},
}
