"""Integer codes shared by the kernels and the network model.

The numbering of :class:`Shape` follows SWMM 5.2's cross-section types so that a
reader of both codes can place them; the other enums are our own.
"""

from enum import IntEnum


class NodeKind(IntEnum):
    JUNCTION = 0
    OUTFALL = 1
    STORAGE = 2
    DIVIDER = 3


class LinkKind(IntEnum):
    CONDUIT = 0
    PUMP = 1
    ORIFICE = 2
    WEIR = 3
    OUTLET = 4


class OutfallKind(IntEnum):
    FREE = 0
    NORMAL = 1
    FIXED = 2
    TIDAL = 3
    TIMESERIES = 4


class Shape(IntEnum):
    """Cross-section shapes (same numbers as SWMM's ``XsectType``)."""

    DUMMY = 0
    CIRCULAR = 1
    FILLED_CIRCULAR = 2
    RECT_CLOSED = 3
    RECT_OPEN = 4
    TRAPEZOIDAL = 5
    TRIANGULAR = 6
    PARABOLIC = 7
    POWER = 8
    RECT_TRIANGULAR = 9
    RECT_ROUND = 10
    MODBASKETHANDLE = 11
    HORIZ_ELLIPSE = 12
    VERT_ELLIPSE = 13
    ARCH = 14
    EGG = 15
    HORSESHOE = 16
    GOTHIC = 17
    CATENARY = 18
    SEMIELLIPTICAL = 19
    BASKETHANDLE = 20
    SEMICIRCULAR = 21
    IRREGULAR = 22
    CUSTOM = 23
    FORCE_MAIN = 24


class InfilModel(IntEnum):
    """Infiltration models; parameters per model in SI (see ``SubcatchmentTable``)."""

    HORTON = 0
    MODIFIED_HORTON = 1
    GREEN_AMPT = 2
    MODIFIED_GREEN_AMPT = 3
    CURVE_NUMBER = 4


class RouteTo(IntEnum):
    """Subarea routing of a subcatchment ([SUBAREAS] RouteTo)."""

    OUTLET = 0
    IMPERVIOUS = 1
    PERVIOUS = 2


# The node kinds as plain ints, for the kernels' comparisons (compile-time constants)
NODE_JUNCTION = int(NodeKind.JUNCTION)
NODE_OUTFALL = int(NodeKind.OUTFALL)
NODE_STORAGE = int(NodeKind.STORAGE)
NODE_DIVIDER = int(NodeKind.DIVIDER)
