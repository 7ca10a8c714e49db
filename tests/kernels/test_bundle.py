"""Named bundles: typed, shared with the kernels, declared once with their units."""

import pickle

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from twin.errors import TwinError
from twin.kernels.routing.bundles import (
    STATE_BUNDLES,
    Curves,
    Links,
    LinkState,
    Nodes,
    NodeState,
    Options,
)
from twin.kernels.routing.timestep import variable_step


@njit(cache=False)
def _double_depth(node_state):
    for i in range(node_state.depth.shape[0]):
        node_state.depth[i] *= 2.0


def _curves():
    return Curves(start=np.array([0, 2]), x=np.array([0.0, 1.0]), y=np.array([5.0, 7.0]))


def test_kernels_write_into_the_arrays_python_holds():
    state = NodeState.new({"node": 3})
    depth = state.depth
    depth[:] = [1.0, 2.0, 3.0]
    _double_depth(state)
    assert state.depth is depth
    assert depth.tolist() == [2.0, 4.0, 6.0]


def test_new_fills_each_field_and_takes_arrays_from_alloc():
    nodes = Nodes.new({"node": 4})
    assert nodes.outfall_kind.tolist() == [-1] * 4 and nodes.invert.tolist() == [0.0] * 4
    assert nodes.kind.dtype == np.int64
    rows = np.zeros((2, 5))
    state = NodeState.new({"node": 5}, alloc=lambda name, shape: rows[len(name) % 2])
    state.depth[0] = 1.5
    assert 1.5 in rows


def test_bad_arrays_are_refused_by_name():
    good = {"start": np.array([0, 2]), "x": np.zeros(2), "y": np.zeros(2)}
    with pytest.raises(TwinError, match="Curves.x must be 1-D float64"):
        Curves(**{**good, "x": np.zeros(2, dtype=np.float32)})
    with pytest.raises(TwinError, match="C-contiguous"):
        Curves(**{**good, "y": np.zeros(4)[::2]})
    with pytest.raises(TwinError, match=r"missing fields \['y'\]"):
        Curves(start=good["start"], x=good["x"])
    with pytest.raises(TwinError, match=r"unknown fields \['z'\]"):
        Curves(**good, z=np.zeros(2))


def test_fields_cannot_be_rebound():
    c = _curves()
    with pytest.raises(AttributeError, match="cannot be rebound"):
        c.x = np.zeros(2)


def test_passing_the_wrong_bundle_is_a_typing_error():
    sizes = {"node": 2, "link": 1}
    nodes, links = Nodes.new(sizes), Links.new(sizes)
    state = NodeState.new(sizes)
    link_state = LinkState.new(sizes)
    assert variable_step(10.0, 0.75, nodes, links, state, link_state)[0] == 10.0
    with pytest.raises(TypingError):
        variable_step(10.0, 0.75, links, nodes, state, link_state)  # nodes and links swapped


def test_options_hold_numbers():
    opts = Options.new({}, ponding=True, max_trials=8, head_tol=0.005)
    assert opts.ponding is True and opts.max_trials == 8 and opts.courant == 0.0


def test_a_bundle_pickles_with_its_arrays():
    c = pickle.loads(pickle.dumps(_curves()))
    assert c.y.tolist() == [5.0, 7.0] and isinstance(c, Curves)


def test_every_field_is_declared_with_a_unit_and_a_meaning():
    for cls in (Nodes, Links, Curves, Options, *STATE_BUNDLES):
        table = cls.table()
        for f in cls.fields:
            assert f.unit and f.meaning, (cls.__name__, f.name)
            assert f"| {f.name} | {f.dtype} | {f.unit} |" in table
