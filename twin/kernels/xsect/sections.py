"""The cross sections of a network as one bundle, and SWMM 5.2's shape constants.

:class:`XSects` holds one entry per link (its shape code and the parameters SWMM's
``xsect_setParams`` derives from Geom1..Geom4) and the stack of shape tables the
tabulated shapes interpolate.  The geometry kernels take it and the link index:
``area_at_depth(xsects, j, y)``.  :func:`section` makes a bundle of one section.
Lengths ft, areas ft2, section factors ft^(8/3).  The ``*_bot`` slots mean what
SWMM's ``aBot, yBot, rBot, sBot`` mean for each shape (see
:mod:`twin.kernels.xsect.params`).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.experimental import structref

from twin.kernels.bundle import Bundle, Field, bind
from twin.kernels.bundle import link_field as _x
from twin.kernels.codes import Shape

__all__ = [
    "AMAX_RATIO",
    "FORMULA_SHAPES",
    "RECT_ALFMAX",
    "RECT_ROUND_ALFMAX",
    "RECT_TRIANG_ALFMAX",
    "TABLE_SHAPES",
    "XSects",
    "absent_shapes",
]

F, I = "float64", "int64"


@structref.register
class XSectsType(types.StructRef):
    pass


class XSects(Bundle):
    """Cross-section parameters, one entry per section (link), and the shape tables."""

    fields = (
        _x("shape_code", I, "code", "Shape of the section"),
        _x("closed", I, "-", "1 for a closed shape (area at maximum flow below full)"),
        _x("table", I, "index", "the shape's block in tables, -1 none", -1),
        _x("n_a", I, "-", "entries of the A/Afull table"),
        _x("n_r", I, "-", "entries of the R/Rfull table"),
        _x("n_w", I, "-", "entries of the W/Wmax table"),
        _x("n_y", I, "-", "entries of the Y/Yfull table"),
        _x("n_s", I, "-", "entries of the S/Sfull table"),
        _x("y_full", F, "ft", "full depth"),
        _x("y_inv", F, "1/ft", "1 / y_full (lookups multiply where SWMM divides)"),
        _x("w_max", F, "ft", "largest top width"),
        _x("a_full", F, "ft2", "full area"),
        _x("r_full", F, "ft", "full hydraulic radius"),
        _x("s_full", F, "ft^(8/3)", "full section factor A R^(2/3)"),
        _x("s_max", F, "ft^(8/3)", "largest section factor"),
        _x("yw_max", F, "ft", "depth at the largest width"),
        _x("a_bot", F, "shape's", "SWMM's aBot"),
        _x("y_bot", F, "shape's", "SWMM's yBot"),
        _x("r_bot", F, "shape's", "SWMM's rBot"),
        _x("s_bot", F, "shape's", "SWMM's sBot"),
        _x("a_max", F, "ft2", "area at the largest section factor"),
        Field("tables", F, "-", "shape tables (n_tables, 5 rows A R W Y S, 51)", "table", 0, 3),
        Field("q_crit", F, "cfs", "critical flow at the depths k y_full / 25, k = 0..25, of "
              "the sections whose critical depth SWMM finds by enumeration (0 elsewhere)",
              "link", 0.0, 2),
    )  # fmt: skip

    @classmethod
    def of_sections(cls, sections: list[dict], tables: np.ndarray) -> XSects:
        """The bundle of ``sections`` (dicts of field values, :func:`xsect_params`), its
        critical flows tabulated (:func:`~twin.kernels.xsect.depths.critical_flow_table`)."""
        from twin.kernels.jit import specialise
        from twin.kernels.xsect.depths import CRITICAL_STEPS, critical_flow_table

        values = {}
        for f in cls.fields[:-2]:
            dtype = np.int64 if f.dtype == I else np.float64
            values[f.name] = np.array([s[f.name] for s in sections], dtype=dtype)
        xs = cls(**values, tables=np.ascontiguousarray(tables, dtype=np.float64),
                 q_crit=np.zeros((len(sections), CRITICAL_STEPS + 1)))  # fmt: skip
        # compiled without the shapes no section has (as the routing step's kernels are)
        specialise(critical_flow_table, **absent_shapes(xs.shape_code))(xs)
        return xs


bind(XSects, XSectsType)

#: Area at maximum flow / full area, per shape (1 for open shapes); SWMM 5.2's values.
AMAX_RATIO = np.ones(len(Shape))
for _s, _v in (
    (Shape.CIRCULAR, 0.9756),
    (Shape.FILLED_CIRCULAR, 0.9756),
    (Shape.RECT_CLOSED, 0.97),
    (Shape.RECT_TRIANGULAR, 0.98),
    (Shape.RECT_ROUND, 0.98),
    (Shape.MODBASKETHANDLE, 0.96),
    (Shape.HORIZ_ELLIPSE, 0.96),
    (Shape.VERT_ELLIPSE, 0.96),
    (Shape.ARCH, 0.92),
    (Shape.EGG, 0.96),
    (Shape.HORSESHOE, 0.96),
    (Shape.GOTHIC, 0.96),
    (Shape.CATENARY, 0.98),
    (Shape.SEMIELLIPTICAL, 0.98),
    (Shape.BASKETHANDLE, 0.96),
    (Shape.SEMICIRCULAR, 0.96),
    (Shape.CUSTOM, 0.96),
    (Shape.FORCE_MAIN, 0.9756),
):
    AMAX_RATIO[_s] = _v

# above these fractions of the full area SWMM blends the section factor linearly
# to its full value (closed rectangle, rectangle-triangle, rectangle-round)
RECT_ALFMAX = 0.97
RECT_TRIANG_ALFMAX = 0.98
RECT_ROUND_ALFMAX = 0.98

#: Optional shapes, each True in the geometry kernels.  Circular (and force main), closed
#: and open rectangular and dummy sections are always compiled; a branch only the other
#: shapes take is written ``if TABLE_SHAPES and ...`` (the tabulated shapes: egg,
#: horseshoe, gothic, catenary, semi-elliptical, basket-handle, semi-circular, the
#: ellipses, arch, custom and irregular) or ``if FORMULA_SHAPES and ...`` (filled
#: circular, trapezoidal, triangular, parabolic, power, rectangular-triangular,
#: rectangular-round, modified basket-handle).  :func:`absent_shapes` says which a
#: network lacks; :func:`twin.kernels.jit.specialise` gives it the kernels that see those
#: False, so numba never compiles the formulas of shapes it does not have.
TABLE_SHAPES = True
FORMULA_SHAPES = True

_TABLE_SHAPES = frozenset(int(s) for s in (
    Shape.EGG, Shape.HORSESHOE, Shape.GOTHIC, Shape.CATENARY, Shape.SEMIELLIPTICAL,
    Shape.BASKETHANDLE, Shape.SEMICIRCULAR, Shape.HORIZ_ELLIPSE, Shape.VERT_ELLIPSE,
    Shape.ARCH, Shape.CUSTOM, Shape.IRREGULAR,
))  # fmt: skip
_FORMULA_SHAPES = frozenset(int(s) for s in (
    Shape.FILLED_CIRCULAR, Shape.TRAPEZOIDAL, Shape.TRIANGULAR, Shape.PARABOLIC, Shape.POWER,
    Shape.RECT_TRIANGULAR, Shape.RECT_ROUND, Shape.MODBASKETHANDLE,
))  # fmt: skip


def absent_shapes(shape_code) -> dict[str, bool]:
    """The optional shape flags (``TABLE_SHAPES``, ``FORMULA_SHAPES``) whose shapes no
    section in ``shape_code`` (codes of :class:`~twin.kernels.codes.Shape`) has, each
    False: what :func:`twin.kernels.jit.specialise` takes."""
    used = {int(c) for c in np.unique(np.asarray(shape_code))}
    has = {"TABLE_SHAPES": bool(used & _TABLE_SHAPES),
           "FORMULA_SHAPES": bool(used & _FORMULA_SHAPES)}  # fmt: skip
    return {flag: False for flag, present in has.items() if not present}
