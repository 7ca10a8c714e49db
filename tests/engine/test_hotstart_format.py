"""The hot-start file is a closed format: a tampered, truncated or random file is an
InputError, and nothing in it can call numpy by name or add attributes (issue 15)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import twin
from twin.engine.simulation import Simulation
from twin.errors import InputError

NETWORK = "small-conduits"
END_H = 0.2


@pytest.fixture(scope="module")
def net():
    return twin.load_network(NETWORK)


@pytest.fixture(scope="module")
def saved(net, tmp_path_factory):
    sim = Simulation(net, end_hours=END_H)
    sim.step_advance(300.0)
    return sim.save_state(tmp_path_factory.mktemp("state") / "s.npz")


def _parts(path):
    with np.load(path, allow_pickle=False) as f:
        header = json.loads(str(f["__header__"]))
        arrays = {k: f[k] for k in f.files if k != "__header__"}
    return header, arrays


def _write(path, header, arrays):
    np.savez(path, __header__=np.array(json.dumps(header)), **arrays)
    return path


def _load(net, path):
    return Simulation.from_state(path, net, end_hours=END_H)


def _first(tree, test):
    """The first dict in ``tree`` (depth first) for which ``test`` holds."""
    if isinstance(tree, dict):
        if test(tree):
            return tree
        children = tree.values()
    elif isinstance(tree, list):
        children = tree
    else:
        return None
    for child in children:
        found = _first(child, test)
        if found is not None:
            return found
    return None


def test_the_saved_file_loads(net, saved):
    sim = _load(net, saved)
    assert sim.t_s >= 300.0 and sim.router.node_state.depth.any()


def test_a_numpy_name_in_the_header_is_not_called(net, saved, tmp_path):
    header, arrays = _parts(saved)
    target = tmp_path / "victim.bin"
    scalar = _first(header["state"], lambda d: "__np__" in d)
    assert scalar is not None  # the file holds numpy scalars: the attack has a place
    for name in ("fromfile", "memmap", "load"):
        scalar["__np__"] = name
        scalar["value"] = str(target)
        with pytest.raises(InputError, match="unknown numpy scalar type"):
            _load(net, _write(tmp_path / f"{name}.npz", header, arrays))
    assert not target.exists()


def test_an_unknown_attribute_is_refused_and_not_set(net, saved, tmp_path):
    header, arrays = _parts(saved)
    header["state"]["attrs"]["injected"] = 42
    with pytest.raises(InputError, match="unknown attribute 'injected'"):
        _load(net, _write(tmp_path / "extra.npz", header, arrays))
    header, arrays = _parts(saved)
    router = header["state"]["attrs"]["router"]["attrs"]
    router["step_size"] = 1.0  # a method name: setting it would shadow the method
    with pytest.raises(InputError, match="unknown attribute 'step_size'"):
        _load(net, _write(tmp_path / "method.npz", header, arrays))


def test_arrays_of_another_dtype_or_shape_are_refused(net, saved, tmp_path):
    header, arrays = _parts(saved)
    bundle = header["state"]["attrs"]["router"]["attrs"]["node_state"]
    key = bundle["fields"]["depth"]["__array__"]
    good = arrays[key]
    for bad, match in [
        (good.astype(np.float32), "dtype float32"),
        (good[:-1], "shape"),
        (good[None], "shape"),
        (np.array(["x"] * good.shape[0]), "dtype"),
    ]:
        arrays[key] = bad
        with pytest.raises(InputError, match=match):
            _load(net, _write(tmp_path / "arr.npz", header, arrays))


def test_a_state_bundle_is_restored_in_place_with_exactly_its_fields(net, saved, tmp_path):
    """The kernels hold the router's state bundles: loading writes into their arrays, and
    a file whose bundle lacks a declared field, has another or is of another type is
    refused."""
    sim = Simulation(net, end_hours=END_H)
    depth = sim.router.node_state.depth
    sim.load_state(saved)
    assert sim.router.node_state.depth is depth and depth.any()
    header, arrays = _parts(saved)
    router = header["state"]["attrs"]["router"]["attrs"]
    del router["node_state"]["fields"]["surf_area"]
    with pytest.raises(InputError, match="lacks the field 'surf_area'"):
        _load(net, _write(tmp_path / "field.npz", header, arrays))
    header, arrays = _parts(saved)
    router = header["state"]["attrs"]["router"]["attrs"]
    router["node_state"]["fields"]["evil"] = router["node_state"]["fields"].pop("depth")
    with pytest.raises(InputError, match="unknown field 'evil'"):
        _load(net, _write(tmp_path / "evil.npz", header, arrays))
    header, arrays = _parts(saved)
    router = header["state"]["attrs"]["router"]["attrs"]
    router["node_state"]["__bundle__"] = "LinkState"
    with pytest.raises(InputError, match="holds a LinkState where the simulation has NodeState"):
        _load(net, _write(tmp_path / "swap.npz", header, arrays))


def test_a_missing_array_or_an_unused_entry_is_refused(net, saved, tmp_path):
    header, arrays = _parts(saved)
    del header["state"]["attrs"]["router"]["attrs"]["node_state"]
    with pytest.raises(InputError, match="lacks the attribute 'node_state'"):
        _load(net, _write(tmp_path / "lacks.npz", header, arrays))
    header, arrays = _parts(saved)
    arrays["a999999"] = np.zeros(3)
    with pytest.raises(InputError, match="belongs to no attribute"):
        _load(net, _write(tmp_path / "unused.npz", header, arrays))
    header, arrays = _parts(saved)
    header["extra"] = "x"
    with pytest.raises(InputError, match="unknown header entry 'extra'"):
        _load(net, _write(tmp_path / "head.npz", header, arrays))
    header, arrays = _parts(saved)
    arrays["evil"] = np.zeros(3)
    with pytest.raises(InputError, match="unknown entry 'evil'"):
        _load(net, _write(tmp_path / "name.npz", header, arrays))


def test_unknown_tags_and_kinds_are_refused(net, saved, tmp_path):
    header, arrays = _parts(saved)
    header["state"]["attrs"]["t_s"] = {"__class__": "os.system"}
    with pytest.raises(InputError, match="unknown entry"):
        _load(net, _write(tmp_path / "tag.npz", header, arrays))
    header, arrays = _parts(saved)
    header["state"]["attrs"]["t_s"] = "now"
    with pytest.raises(InputError, match="t_s"):
        _load(net, _write(tmp_path / "kind.npz", header, arrays))


@pytest.mark.parametrize("cut", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_truncated_files_are_input_errors(net, saved, tmp_path, cut):
    data = saved.read_bytes()
    bad = tmp_path / "cut.npz"
    bad.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(InputError, match="state file"):
        _load(net, bad)


@pytest.mark.parametrize("seed", range(4))
def test_random_bytes_are_input_errors(net, tmp_path, seed):
    rng = np.random.default_rng(seed)
    bad = tmp_path / "random.npz"
    payload = rng.bytes(2000)
    if seed % 2:  # a zip signature followed by garbage
        payload = b"PK\x03\x04" + payload
    bad.write_bytes(payload)
    with pytest.raises(InputError, match="state file"):
        _load(net, bad)


def test_a_deeply_nested_header_is_an_input_error(net, tmp_path):
    deep = "[" * 100000 + "]" * 100000
    header = np.array(deep)
    path = tmp_path / "deep.npz"
    np.savez(path, __header__=header)
    with pytest.raises(InputError, match="state file"):
        _load(net, path)
    assert os.path.getsize(path) > 0


def test_a_bundle_of_state_arrays_is_restored_in_place():
    """State arrays kept as a NamedTuple bundle (as the router's may be) are written back
    into the live arrays: the bundle stays the same object, its arrays the same views."""
    from typing import NamedTuple

    from twin.engine.hotstart import _Encoder
    from twin.engine.hotstart_restore import Restorer

    class NodeBundle(NamedTuple):
        depth_ft: np.ndarray
        volume_ft3: np.ndarray

    class Holder:
        pass

    saved = Holder()
    saved.nodes = NodeBundle(np.arange(3.0), np.full(2, 7.0))
    enc = _Encoder()
    tree = enc.obj(saved)
    live = Holder()
    table = np.zeros((2, 3))
    live.nodes = NodeBundle(table[0], table[1, :2])  # views of one state table
    bundle = live.nodes
    Restorer(dict(enc.arrays), "state.npz").attrs(live, tree["attrs"], "Holder")
    assert live.nodes is bundle
    assert table[0].tolist() == [0.0, 1.0, 2.0] and table[1, :2].tolist() == [7.0, 7.0]
    wrong = Holder()
    wrong.nodes = NodeBundle(np.zeros(3, dtype=np.float32), np.zeros(2))
    with pytest.raises(InputError, match="dtype"):
        Restorer(dict(enc.arrays), "state.npz").attrs(wrong, tree["attrs"], "Holder")
