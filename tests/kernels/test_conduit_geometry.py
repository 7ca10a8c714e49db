"""The circle's pointer-taking conduit helpers equal the general ones bit for bit.

The dynamic wave calls :func:`circle_conduit_width` and friends for circular
conduits (two pointers instead of two tables: numba's calls are cheaper) and
:func:`conduit_width` and friends for every other shape.  Both must give the same
numbers to the last bit, with and without the Preissmann slot, below and above the
crown cutoff and beyond the crown.
"""

import numpy as np
import pytest
from numba import njit

from twin.kernels import xsect as X
from twin.kernels.codes import Shape
from twin.kernels.routing import conduit_geometry as G
from twin.kernels.routing.layout import LI_SHAPE, LP_BETA, LP_QMAX, N_LI, N_LP
from twin.kernels.xsect.inplace import circle_pointers

TABLES = X.standard_tables()
CIRCLE = int(Shape.CIRCULAR)
XS = np.array(
    [X.xsect_params(Shape.CIRCULAR, d) for d in (0.25, 1.5, 12.0)]
    + [X.xsect_params(Shape.FORCE_MAIN, 2.0, 120.0)]
)
FRACTIONS = np.concatenate(
    [[0.0, 1e-9, 0.001, 0.0199, 0.02, 0.0401], np.linspace(0.05, 0.95, 19)]
    + [[0.96, 0.98, 0.985257, 0.999, 1.0, 1.0 + 1e-12, 1.2, 1.78, 2.5]]
)


@njit
def _circle(xs, j, tables, y, v, slot, cutoff, a_given):
    xr, tp = circle_pointers(xs, j, tables)
    w_slot = G.slot_width_at(True, xr, y, slot, cutoff)
    return (
        w_slot,
        G.circle_conduit_width(True, xr, tp, y, slot, cutoff),
        G.circle_conduit_area(xr, tp, y, w_slot),
        G.circle_conduit_hrad(xr, tp, y),
        G.circle_froude_number(True, xr, tp, v, y, a_given),
    )


@njit
def _general(xs, j, tables, y, v, slot, cutoff, a_given):
    shape = CIRCLE
    w_slot = G.slot_width(True, xs, j, y, slot, cutoff)
    return (
        w_slot,
        G.conduit_width(shape, True, xs, j, tables, y, slot, cutoff),
        G.conduit_area(shape, xs, j, tables, y, w_slot),
        G.conduit_hrad(shape, xs, j, tables, y),
        G.froude_number(shape, True, xs, j, tables, v, y, a_given),
    )


@pytest.mark.parametrize("slot", [False, True], ids=["extran", "slot"])
@pytest.mark.parametrize("j", range(len(XS)))
def test_circle_helpers_equal_the_general_ones(j, slot):
    y_full = XS[j, X.P_YFULL]
    for cutoff in (0.98, 1.0):
        for y in FRACTIONS * y_full:
            for a_given in (-1.0, 0.37 * XS[j, X.P_AFULL]):
                got = _circle(XS, j, TABLES, y, 1.3, slot, cutoff, a_given)
                want = _general(XS, j, TABLES, y, 1.3, slot, cutoff, a_given)
                assert np.array_equal(got, want, equal_nan=True), (y, cutoff, got, want)


def test_link_depths_equal_the_separate_calls():
    """link_depths (one call, a circle's on pointers) = link_normal_depth, link_critical_depth."""
    rows = [(Shape.CIRCULAR, (1.5,)), (Shape.FORCE_MAIN, (2.0, 120.0)), (Shape.EGG, (3.0,))]
    rows += [(Shape.RECT_OPEN, (1.0, 2.0))]
    xs = np.array([X.xsect_params(s, *g) for s, g in rows])
    link_int = np.zeros((len(rows), N_LI), dtype=np.int64)
    link_int[:, LI_SHAPE] = [int(s) for s, _ in rows]
    link_par = np.zeros((len(rows), N_LP))
    link_par[:, LP_BETA] = 2.5
    link_par[:, LP_QMAX] = 2.5 * xs[:, X.P_SMAX]
    for j in range(len(rows)):
        q_full = xs[j, X.P_AFULL] * np.sqrt(32.2 * xs[j, X.P_YFULL])
        for q in q_full * np.array([0.0, 1e-6, 0.01, 0.3, -0.7, 1.0, 4.0]):
            got = G.link_depths(j, q, link_par, link_int, xs, TABLES)
            want = (
                G.link_normal_depth(j, q, link_par, link_int, xs, TABLES),
                G.link_critical_depth(j, q, link_int, xs, TABLES),
            )
            assert got == want, (rows[j][0].name, q, got, want)
