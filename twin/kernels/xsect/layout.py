"""Layout of a cross-section parameter row and SWMM 5.2's shape constants.

A parameter row is a ``(XS_NPAR,)`` float64 array; the ``P_*`` names index it.
"""

import numpy as np

from twin.kernels.codes import Shape

P_YFULL, P_WMAX, P_AFULL, P_RFULL, P_SFULL, P_SMAX, P_YWMAX = 0, 1, 2, 3, 4, 5, 6
P_ABOT, P_YBOT, P_RBOT, P_SBOT = 7, 8, 9, 10
P_TABLE = 11  # row of the shape's tables in the ``tables`` stack (-1: none)
P_G1, P_G2, P_G3, P_G4 = 12, 13, 14, 15
P_AMAX = 16  # area at maximum flow [ft2]
P_NA, P_NR, P_NW, P_NY, P_NS = 17, 18, 19, 20, 21  # entries of the A, R, W, Y, S tables
#: 1 / yFull [1/ft]: table lookups take y * (1/yFull), a multiplication where SWMM
#: divides (equal to rounding; a division costs several multiplications in the hot loop)
P_YINV = 22
XS_NPAR = 23

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
