"""Many bundles as one argument: ``views[m]`` in compiled code is bundle m's view."""

import numpy as np
import pytest
from numba import njit

from twin.errors import TwinError
from twin.kernels.routing.bundles import Curves, Totals
from twin.kernels.view import view
from twin.kernels.views import Views


def _curves(k: float) -> Curves:
    return Curves(start=np.array([0, 3]), x=np.arange(3.0) * k, y=np.arange(3.0) + k)


@njit(cache=False)
def _sum_and_write(curves, picks):
    total = 0.0
    for m in picks:
        c = curves[m]
        total += c.x[2] + c.y[0]
        c.y[1] = -1.0 - m  # writes reach the bundle's own array
    return total, len(curves)


@njit(cache=False)
def _same_as_view(curves, bundle, m):
    return curves[m].x[1] == view(bundle).x[1]


def test_views_index_the_bundles_in_order():
    bundles = [_curves(k) for k in (1.0, 2.0, 5.0)]
    total, n = _sum_and_write(Views(bundles), np.array([2, 0, 2]))
    # x[2] = 2k, y[0] = k: 3k for each pick
    assert total == 3 * 5.0 + 3 * 1.0 + 3 * 5.0
    assert n == 3
    assert [b.y[1] for b in bundles] == [-1.0, bundles[1].y[1], -3.0]
    assert bundles[1].y[1] == 3.0
    assert _same_as_view(Views(bundles), bundles[1], 1)


def test_views_are_of_one_bundle_class():
    totals = Totals.new({"one": 1, "node": 2})
    with pytest.raises(TwinError, match="one class"):
        Views([_curves(1.0), totals])
    v = Views([totals])
    assert len(v) == 1 and v[0] is totals
