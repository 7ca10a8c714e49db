"""build_dataset: dims, CF attributes and UGRID topology from the results schema."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import twin.engine.dataset as dataset_module
from twin.engine.dataset import RESULTS_SCHEMA, build_dataset, cf_attr_value
from twin.engine.results_schema import COORDS, VARIABLES
from twin.kernels.codes import LinkKind, NodeKind

NODES = ["J1", "J2", "J3", "OUT"]
LINKS = ["C1", "C2", "C3"]
SUBS = ["S1", "S2"]
N_T = 6
TIMES = np.datetime64("2024-05-01T00:05:00") + np.arange(N_T) * np.timedelta64(5, "m")
SIZES = {"time": N_T, "node": len(NODES), "link": len(LINKS), "subcatchment": len(SUBS)}
# surface-grid variables (y, x) are built by the 2D coupler, not by build_dataset
ELEMENT_VARIABLES = {n: v for n, v in VARIABLES.items() if set(v.dims) <= set(SIZES)}


def _values(name, var, rng):
    shape = tuple(SIZES[d] for d in var.dims)
    if name.endswith("_time"):
        return TIMES[rng.integers(0, N_T, size=shape)]
    return rng.random(shape)


def full_arrays(seed=0):
    """Every declared variable, split into series and summaries, with random values."""
    rng = np.random.default_rng(seed)
    series = {n: _values(n, v, rng) for n, v in ELEMENT_VARIABLES.items() if "time" in v.dims}
    summaries = {
        n: _values(n, v, rng) for n, v in ELEMENT_VARIABLES.items() if "time" not in v.dims
    }
    coords = {
        "node_x": rng.random(4) * 100,
        "node_y": rng.random(4) * 100,
        "node_invert": np.array([3.0, 2.0, 1.0, 0.0]),
        "node_rim": np.array([6.0, 5.0, 4.0, 2.0]),
        "node_crown": np.array([4.0, 3.0, 2.0, 1.0]),
        "node_kind": np.array([0, 0, 2, 1]),
        "link_from": np.array([0, 1, 2]),
        "link_to": np.array([1, 2, 3]),
        "link_kind": np.array([0, 0, 1]),
        "link_length": np.array([50.0, 60.0, 0.0]),
        "link_full_depth": np.array([0.6, 0.8, 0.0]),
        "subcatchment_area": np.array([1e4, 2e4]),
        "subcatchment_outlet": np.array(["J1", "J2"]),
    }
    names = {"node": NODES, "link": LINKS, "subcatchment": SUBS}
    return series, summaries, coords, names


def test_every_declared_variable_gets_its_dims_and_cf_attributes():
    series, summaries, coords, names = full_arrays()
    ds = build_dataset(TIMES, series, summaries, coords, names, {"title": "t"})
    for name, var in {**ELEMENT_VARIABLES, **COORDS}.items():
        assert ds[name].dims == var.dims, name
        assert ds[name].attrs["long_name"] == var.long_name
        if var.units:
            assert ds[name].attrs["units"] == var.units
        else:
            assert "units" not in ds[name].attrs
        assert ds[name].attrs.get("standard_name") == var.standard_name
    np.testing.assert_array_equal(ds["node_depth"].values, series["node_depth"])
    assert ds["node_max_depth_time"].dtype.kind == "M"
    assert list(ds["node"].values) == NODES and list(ds["time"].values) == list(TIMES)
    assert ds.attrs["results_schema"] == RESULTS_SCHEMA
    assert "UGRID" in ds.attrs["Conventions"] and "CF" in ds.attrs["Conventions"]


def test_ugrid_topology_and_connectivity():
    series, summaries, coords, names = full_arrays()
    ds = build_dataset(TIMES, series, summaries, coords, names)
    topo = ds["network"].attrs
    assert topo["cf_role"] == "mesh_topology" and topo["topology_dimension"] == 1
    assert topo["node_coordinates"] == "node_x node_y"
    assert topo["edge_node_connectivity"] == "link_nodes"
    ln = ds["link_nodes"]
    assert ln.dims == ("link", "two") and ln.dtype == np.int32 and ln.attrs["start_index"] == 0
    # the connectivity points at the nodes named by link_from / link_to
    node_names = ds["node"].values
    assert list(node_names[ln.values[:, 0]]) == ["J1", "J2", "J3"]
    assert list(ds["link_to"].values) == list(node_names[ln.values[:, 1]])
    assert ds["node_depth"].attrs["mesh"] == "network"
    assert ds["node_depth"].attrs["location"] == "node"
    assert ds["link_flow"].attrs["location"] == "edge"
    assert "mesh" not in ds["subcatchment_runoff"].attrs


def test_codes_and_ids_become_words_and_names():
    _, _, coords, names = full_arrays()
    ds = build_dataset(TIMES, coords=coords, names=names)
    expect = [NodeKind(k).name.lower() for k in coords["node_kind"]]
    assert list(ds["node_kind"].values) == expect == ["junction", "junction", "storage", "outfall"]
    assert list(ds["link_kind"].values) == [LinkKind(k).name.lower() for k in coords["link_kind"]]
    by_name = dict(coords, link_from=["J1", "J2", "J3"], link_to=["J2", "J3", "OUT"])
    ds2 = build_dataset(TIMES, coords=by_name, names=names)
    np.testing.assert_array_equal(ds["link_nodes"].values, ds2["link_nodes"].values)
    assert list(ds["link_from"].values) == list(ds2["link_from"].values)


def test_member_axis_leads():
    names = {"node": NODES, "member": [0, 1, 2]}
    depth = np.arange(3 * N_T * 4, dtype=float).reshape(3, N_T, 4)
    ds = build_dataset(TIMES, {"node_depth": depth}, {"node_max_depth": depth.max(1)}, {}, names)
    assert ds["node_depth"].dims == ("member", "time", "node")
    assert ds["node_max_depth"].dims == ("member", "node")
    np.testing.assert_array_equal(ds["node_depth"].sel(member=1).values, depth[1])


def test_unknown_names_are_programming_errors():
    names = {"node": NODES}
    with pytest.raises(KeyError):
        build_dataset(TIMES, {"node_dept": np.zeros((N_T, 4))}, names=names)
    with pytest.raises(KeyError):
        build_dataset(TIMES, summaries={"node_maxdepth": np.zeros(4)}, names=names)
    with pytest.raises(KeyError):
        build_dataset(TIMES, coords={"node_z": np.zeros(4)}, names=names)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"series": {"node_depth": np.zeros((N_T, 3))}}, "shape"),
        ({"series": {"node_max_depth": np.zeros(4)}}, "not one of series"),
        ({"summaries": {"node_depth": np.zeros((N_T, 4))}}, "not one of summaries"),
        ({"summaries": {"node_max_depth_time": np.zeros(4)}}, "datetime64"),
        ({"summaries": {"link_max_flow": np.zeros(3)}}, "names\\['link'\\]"),
        ({"coords": {"node_x": np.zeros(5)}}, "shape"),
        ({"names": {"node": ["A", "B", "A", "C"]}}, "'A' is repeated"),
    ],
)
def test_inconsistent_arrays_are_rejected(kwargs, match):
    kwargs.setdefault("names", {"node": NODES})
    with pytest.raises(ValueError, match=match):
        build_dataset(TIMES, **kwargs)


def test_link_ends_must_be_known_nodes():
    coords = {"link_from": ["J1"], "link_to": ["NOWHERE"]}
    with pytest.raises(ValueError, match="NOWHERE"):
        build_dataset(TIMES, coords=coords, names={"node": NODES, "link": ["C1"]})
    with pytest.raises(ValueError, match="datetime64"):
        build_dataset(np.arange(N_T), names={"node": NODES})


def test_attributes_are_made_storable():
    attrs = {
        "allow_ponding": True,
        "scenario": None,
        "start": np.datetime64("2024-05-01T00:00"),
        "routing_steps": np.int64(720),
        "kind": NodeKind.OUTFALL,
        "steps": [1.0, 2.5],
    }
    ds = build_dataset(TIMES, attrs=attrs)
    assert ds.attrs["allow_ponding"] == 1 and "scenario" not in ds.attrs
    assert ds.attrs["start"] == "2024-05-01T00:00:00"
    assert ds.attrs["routing_steps"] == 720 and type(ds.attrs["routing_steps"]) is int
    assert ds.attrs["kind"] == "OUTFALL"
    np.testing.assert_array_equal(ds.attrs["steps"], [1.0, 2.5])
    with pytest.raises(TypeError, match="options"):
        cf_attr_value("options", {"a": 1})


def test_docstring_example_runs():
    result = doctest.testmod(dataset_module, verbose=False)
    assert result.attempted > 0 and result.failed == 0
