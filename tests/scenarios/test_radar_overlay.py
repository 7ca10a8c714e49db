"""The radar overlay (shapely) against the hand-written polygon clipping it replaced.

The ``reference_*`` functions below are what ``twin/scenarios/radar.py`` computed before
it moved onto shapely, kept verbatim: Sutherland-Hodgman clipping of each polygon to
each cell and shoelace areas.  On real subcatchment polygons (the bundled districts,
the hand-made ``example``, pyswmm's drawn models, concave ones among them) and grids
that cover them, partly cover them, or run with descending ``y``, both give the same
overlap areas and the same normalised weights.  Where they differ (outlines drawn
crossing themselves) the test below shows why the old answer was wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import twin
from tests.corpus import pyswmm_model
from twin.errors import InputError
from twin.scenarios.radar import cell_edges, overlay_weights, polygon_area, subcatchment_weights

# -- the hand-written overlay, as it was --------------------------------------------------


def reference_polygon_area(xy) -> float:
    """Absolute shoelace area of a (k, 2) polygon (closed or not)."""
    xy = np.asarray(xy, np.float64)
    if len(xy) < 3:
        return 0.0
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def reference_clip_polygon_to_box(xy, x0, x1, y0, y1) -> np.ndarray:
    """Sutherland-Hodgman clip of a polygon to the rectangle ``[x0, x1] x [y0, y1]``."""
    pts = [tuple(p) for p in np.asarray(xy, np.float64)]
    for axis, bound, keep_less in ((0, x0, False), (0, x1, True), (1, y0, False), (1, y1, True)):
        if not pts:
            break
        out = []
        prev = pts[-1]
        for cur in pts:
            cin = cur[axis] <= bound if keep_less else cur[axis] >= bound
            pin = prev[axis] <= bound if keep_less else prev[axis] >= bound
            if cin != pin:
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                q = (prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1]))
                out.append(q)
            if cin:
                out.append(cur)
            prev = cur
        pts = out
    return np.array(pts, np.float64).reshape(-1, 2)


def reference_overlay_weights(polygons, x, y) -> np.ndarray:
    xe, ye = cell_edges(x), cell_edges(y)
    xlo, xhi = np.minimum(xe[:-1], xe[1:]), np.maximum(xe[:-1], xe[1:])
    ylo, yhi = np.minimum(ye[:-1], ye[1:]), np.maximum(ye[:-1], ye[1:])
    out = np.zeros((len(polygons), len(y), len(x)))
    for s, poly in enumerate(polygons):
        p = np.asarray(poly, np.float64)
        cols = np.nonzero((xhi > p[:, 0].min()) & (xlo < p[:, 0].max()))[0]
        rows = np.nonzero((yhi > p[:, 1].min()) & (ylo < p[:, 1].max()))[0]
        for i in cols:
            strip = reference_clip_polygon_to_box(p, xlo[i], xhi[i], -np.inf, np.inf)
            if len(strip) < 3:
                continue
            for j in rows:
                out[s, j, i] = reference_polygon_area(
                    reference_clip_polygon_to_box(strip, -np.inf, np.inf, ylo[j], yhi[j])
                )
    return out


# -- real cases ---------------------------------------------------------------------------

NETWORKS = ["small", "example", "model_lids.inp", "model_rain.inp", "model_full_features.inp"]


def _net(name):
    return twin.load_network(pyswmm_model(name) if name.endswith(".inp") else name)


def _polygons(net):
    return [np.asarray(p) for p in net.subcatchments.polygon if p is not None and len(p) >= 3]


def _grids(polys):
    """Grids over the polygons: coarse, fine with descending y, and one that covers the
    lower-left part only (some polygons partly or wholly off the grid)."""
    pts = np.vstack(polys)
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    wx, wy = x1 - x0, y1 - y0
    yield np.linspace(x0 - 0.1 * wx, x1 + 0.1 * wx, 4), np.linspace(y0 - 0.1 * wy, y1, 3)
    yield np.linspace(x0, x1, 23), np.linspace(y1, y0, 17)
    yield np.linspace(x0, x0 + 0.6 * wx, 9), np.linspace(y0, y0 + 0.5 * wy, 7)


def _self_intersecting(polys) -> list[int]:
    return [k for k, p in enumerate(polys) if not shapely.Polygon(p).is_valid]


@pytest.mark.parametrize("name", NETWORKS)
def test_shapely_overlay_equals_the_hand_written_clipping(name):
    polys = _polygons(_net(name))
    assert polys
    valid = [k for k in range(len(polys)) if k not in _self_intersecting(polys)]
    for x, y in _grids(polys):
        cell_m2 = abs((x[1] - x[0]) * (y[1] - y[0]))
        new, old = overlay_weights(polys, x, y), reference_overlay_weights(polys, x, y)
        assert np.allclose(new[valid], old[valid], rtol=1e-9, atol=1e-9 * cell_m2)
    areas = [polygon_area(polys[k]) for k in valid]
    assert np.allclose(areas, [reference_polygon_area(polys[k]) for k in valid], rtol=1e-12)


@pytest.mark.parametrize("name", ["model_lids.inp", "model_rain.inp"])
def test_self_intersecting_drawn_outlines_now_keep_their_area_on_every_grid(name):
    """Two of pyswmm's drawn outlines cross themselves.  The hand-written clipping counted
    the twisted lobe negatively and its total changed with the grid (the rain volume was
    not conserved); shapely splits the ring into its pieces (make_valid) and every grid
    that covers the outline gets its whole area."""
    polys = _polygons(_net(name))
    (k,) = _self_intersecting(polys)
    union_m2 = shapely.make_valid(shapely.Polygon(polys[k])).area
    assert union_m2 > reference_polygon_area(polys[k])
    covering = list(_grids(polys))[:2]
    old = [reference_overlay_weights([polys[k]], x, y)[0].sum() for x, y in covering]
    assert abs(old[0] - old[1]) > 1e-6 * union_m2  # the old total depended on the grid
    for x, y in covering:
        assert overlay_weights([polys[k]], x, y)[0].sum() == pytest.approx(union_m2, rel=1e-12)
    assert polygon_area(polys[k]) == pytest.approx(union_m2, rel=1e-12)


@pytest.mark.parametrize("name", NETWORKS)
def test_subcatchment_weights_are_unchanged(name):
    net = _net(name)
    polys = list(net.subcatchments.polygon)
    valid = [k for k in range(len(polys)) if k not in _self_intersecting(polys)]
    for x, y in list(_grids(_polygons(net)))[:2]:  # grids that cover every polygon
        w = subcatchment_weights(net, x, y)[valid]
        ref = reference_overlay_weights([polys[k] for k in valid], x, y)
        assert np.allclose(w, ref / ref.sum(axis=(1, 2), keepdims=True), rtol=1e-9, atol=1e-12)


def test_concave_polygon_over_a_fine_grid():
    """An L-shape and a comb: a clip of a concave polygon may fall apart into pieces."""
    ell = np.array([[0, 0], [30, 0], [30, 10], [10, 10], [10, 30], [0, 30]], float)
    comb = np.array([[0, 0], [50, 0], [50, 40], [40, 40], [40, 5], [30, 5], [30, 40],
                     [20, 40], [20, 5], [10, 5], [10, 40], [0, 40]], float)  # fmt: skip
    x, y = np.arange(-2.5, 55, 5.0), np.arange(42.5, -5, -5.0)
    new = overlay_weights([ell, comb], x, y)
    assert np.allclose(new, reference_overlay_weights([ell, comb], x, y), atol=1e-9)
    assert new[0].sum() == pytest.approx(500.0) and new[1].sum() == pytest.approx(1300.0)


def test_triangle_has_analytic_overlaps():
    tri = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    a = overlay_weights([tri], x=np.array([1.0, 3.0]), y=np.array([1.0, 3.0]))[0]
    assert a[0, 0] == pytest.approx(4.0)  # lower-left cell wholly inside
    assert a[0, 1] == pytest.approx(2.0) and a[1, 0] == pytest.approx(2.0)  # half each
    assert a[1, 1] == pytest.approx(0.0)
    assert a.sum() == pytest.approx(polygon_area(tri)) == pytest.approx(8.0)


def test_degenerate_polygon_has_no_overlap_and_off_grid_centroid_is_refused():
    line = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    assert polygon_area(line) == 0.0
    assert not overlay_weights([line], np.array([0.5, 1.5]), np.array([0.5, 1.5])).any()
    net = _net("example")
    x = np.linspace(1e6, 1e6 + 100, 4)  # a grid nowhere near the network
    with pytest.raises(InputError, match="outside the grid"):
        subcatchment_weights(net, x, x)
