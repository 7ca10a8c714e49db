"""Borrowed views of the bundles: the same fields, no reference counts."""

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from twin.kernels.routing.bundles import Curves, NodeState, Options
from twin.kernels.view import BundleView, view


@njit(cache=False)
def _scale_depth_by(node_state, options):
    for i in range(node_state.depth.shape[0]):
        node_state.depth[i] *= options.head_tol
    return node_state.depth.sum()


@njit(cache=False)
def _scale_on_views(node_state, options):
    return _scale_depth_by(view(node_state), view(view(options)))


@njit(cache=False)
def _view_type(x):
    return view(x)


@njit(cache=False)
def _flags(options):
    v = view(options)
    return v.ponding, v.si, v.max_trials


@njit(cache=False)
def _read_missing(node_state):
    return view(node_state).no_such_field


def _options(head_tol, ponding=False):
    values = {f.name: f.fill for f in Options.fields}
    values.update(head_tol=head_tol, ponding=ponding, si=False, max_trials=8)
    return Options(**values)


def test_a_kernel_on_views_reads_and_writes_the_bundles_arrays():
    state = NodeState.new({"node": 3})
    depth = state.depth
    depth[:] = [1.0, 2.0, 3.0]
    total = _scale_on_views(state, _options(0.5))
    assert total == 3.0
    assert state.depth is depth
    assert depth.tolist() == [0.5, 1.0, 1.5]
    args = _scale_depth_by.signatures[0]
    assert all(isinstance(a, BundleView) for a in args)  # the body got views


def test_view_of_a_non_bundle_is_the_value_itself():
    a = np.arange(3.0)
    assert _view_type(a) is a
    assert _view_type(2.5) == 2.5


def test_a_view_knows_only_the_declared_fields():
    with pytest.raises(TypingError):
        _read_missing(NodeState.new({"node": 2}))


def test_numbers_of_a_bundle_read_through_a_view():
    curves = Curves(start=np.array([0, 2]), x=np.array([0.0, 1.0]), y=np.array([5.0, 7.0]))

    @njit(cache=False)
    def last_y(c):
        v = view(c)
        return v.y[v.start[1] - 1]

    assert last_y(curves) == 7.0


def test_flags_and_counts_of_the_options_read_through_a_view():
    assert _flags(_options(0.1, ponding=True)) == (True, False, 8)
    assert _flags(_options(0.1, ponding=False)) == (False, False, 8)
