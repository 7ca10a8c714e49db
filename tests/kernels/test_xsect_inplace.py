"""The routing hot path's in-place geometry equals the general cross-section kernels exactly.

:mod:`twin.kernels.xsect.inplace` re-implements the common shapes without array
views for speed; the general kernels of :mod:`twin.kernels.xsect` (pinned to analytic
geometry and to SWMM in ``test_xsect.py``) are the reference.  Equality is asked
bit for bit: the routing must not change by a single ulp when it takes the fast path.
"""

import numpy as np
import pytest

from twin.kernels import xsect as X
from twin.kernels.codes import Shape
from twin.kernels.routing.conduit_geometry import link_critical_depth, link_normal_depth
from twin.kernels.routing.layout import LI_SHAPE, LP_BETA, LP_QMAX, N_LI, N_LP
from twin.kernels.xsect import inplace as F
from twin.kernels.xsect.interp import inverse_row, lookup_row, table_inverse, table_lookup

from .test_xsect import CASES

TABLES = X.standard_tables()
# the fast shapes in several sizes, then every other shape (general fallback)
ROWS = [
    (Shape.CIRCULAR, (0.25, 0, 0, 0)),
    (Shape.CIRCULAR, (1.5, 0, 0, 0)),
    (Shape.CIRCULAR, (12.0, 0, 0, 0)),
    (Shape.FORCE_MAIN, (2.0, 120.0, 0, 0)),
    (Shape.RECT_CLOSED, (2.0, 7.0, 0, 0)),
    (Shape.RECT_OPEN, (1.0, 0.5, 2, 0)),
    (Shape.TRAPEZOIDAL, (2.0, 0.0, 1.5, 0.5)),
] + list(CASES)
XS = np.array([X.xsect_params(s, *g) for s, g in ROWS])
SHAPES = np.array([int(s) for s, _ in ROWS])
IDS = [f"{s.name}-{j}" for j, (s, _) in enumerate(ROWS)]
FRACTIONS = np.concatenate(
    [[0.0, 1e-9, 1e-4, 0.001, 0.01, 0.0199, 0.02, 0.0401], np.linspace(0.05, 0.95, 37)]
    + [[0.96, 0.985257, 0.999, 1.0, 1.0 + 1e-12, 1.2]]
)


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("j", range(len(ROWS)), ids=IDS)
def test_area_width_hrad_equal_the_general_kernels(j):
    shape, par = SHAPES[j], XS[j]
    ys = FRACTIONS * par[X.P_YFULL]
    for name, fast, ref in (
        ("area", F.area_in, X.area_at_depth),
        ("width", F.width_in, X.width_at_depth),
        ("hrad", F.hrad_in, X.hrad_at_depth),
    ):
        got = [fast(shape, XS, j, TABLES, y) for y in ys]
        want = [ref(shape, par, TABLES, y) for y in ys]
        assert _same(got, want), f"{name}: {np.asarray(got) - np.asarray(want)}"


@pytest.mark.parametrize("j", range(len(ROWS)), ids=IDS)
def test_critical_and_normal_depth_equal_the_general_kernels(j):
    shape, par = SHAPES[j], XS[j]
    q_full = par[X.P_AFULL] * np.sqrt(32.2 * par[X.P_YFULL])
    flows = q_full * np.concatenate([[0.0, 1e-8, 1e-5], np.geomspace(1e-4, 3.0, 40)])
    got = [F.critical_depth_in(shape, XS, j, TABLES, q) for q in flows]
    want = [X.critical_depth(shape, par, TABLES, q) for q in flows]
    assert _same(got, want), np.asarray(got) - np.asarray(want)
    for beta in (0.5, 4.0, 40.0):
        q_max = beta * par[X.P_SMAX]
        qs = q_max * np.concatenate([[0.0, 1e-7], np.geomspace(1e-4, 1.5, 40), [-0.3]])
        got = [F.normal_depth_in(shape, XS, j, TABLES, q, beta) for q in qs]
        want = [X.normal_depth(shape, par, TABLES, q, beta) for q in qs]
        assert _same(got, want), np.asarray(got) - np.asarray(want)


def test_link_depths_cap_the_flow_and_ignore_its_sign():
    """link_getYnorm / link_getYcrit: |q|, capped at qMax for the normal depth."""
    j = 1  # 1.5 ft circle
    link_int = np.zeros((len(ROWS), N_LI), dtype=np.int64)
    link_int[:, LI_SHAPE] = SHAPES
    link_par = np.zeros((len(ROWS), N_LP))
    link_par[:, LP_BETA] = 3.0
    link_par[:, LP_QMAX] = 2.0
    par = XS[j]
    for q in (-1.5, 0.7, 5.0):
        yn = link_normal_depth(j, q, link_par, link_int, XS, TABLES)
        assert yn == X.normal_depth(int(Shape.CIRCULAR), par, TABLES, min(abs(q), 2.0), 3.0)
        yc = link_critical_depth(j, q, link_int, XS, TABLES)
        assert yc == X.critical_depth(int(Shape.CIRCULAR), par, TABLES, abs(q))
    assert link_normal_depth(j, 0.0, link_par, link_int, XS, TABLES) == 0.0
    assert link_critical_depth(j, 0.0, link_int, XS, TABLES) == 0.0


def test_row_lookups_equal_the_table_lookups():
    """lookup_row / inverse_row read tables[t, row] in place exactly as the 1-D versions."""
    sizes = X.xsect_params(Shape.EGG, 3.0)  # any row: only the table sizes are used
    n = int(sizes[X.P_NA])
    xs = np.concatenate([[-0.1, 0.0, 1e-6], np.linspace(0.001, 1.0, 97), [1.0 + 1e-9, 1.3]])
    for t in range(TABLES.shape[0]):
        for row in range(5):
            tbl = np.ascontiguousarray(TABLES[t, row])
            got = [lookup_row(x, TABLES, t, row, n) for x in xs]
            want = [table_lookup(x, tbl, n) for x in xs]
            assert _same(got, want)
            ys = np.concatenate([[-1.0], np.linspace(tbl.min(), tbl.max(), 61), [tbl.max() + 1]])
            got = [inverse_row(y, TABLES, t, row, n) for y in ys]
            want = [table_inverse(y, tbl, n) for y in ys]
            assert _same(got, want)
