"""The bundled catalog: names, paths, loading, terrains, regeneration, SWMM runs."""

from __future__ import annotations

import filecmp

import numpy as np
import pytest
import xarray as xr

from twin.errors import InputError
from twin.kernels.codes import LinkKind, NodeKind, OutfallKind, Shape
from twin.networks import catalog
from twin.networks.catalog import (
    DATA_DIR,
    list_networks,
    load_network,
    load_terrain_for,
    network_path,
    regenerate,
)


def test_list_networks_names_counts_and_files():
    entries = {e.name: e for e in list_networks()}
    assert set(entries) == {"small", "small-conduits", "medium", "medium-conduits", "example",
                            "rtc"}  # fmt: skip
    for e in entries.values():
        assert e.path.is_file() and e.description
    assert 60 <= entries["small"].n_conduits <= 80
    assert 60 <= entries["small-conduits"].n_conduits <= 80
    assert 1000 <= entries["medium"].n_conduits <= 2000
    assert 1000 <= entries["medium-conduits"].n_conduits <= 2000
    small, bare = entries["small"], entries["small-conduits"]
    assert small.n_links > small.n_conduits  # pump, orifice, weir
    assert bare.n_links == bare.n_conduits
    assert small.n_subcatchments == bare.n_subcatchments
    for name in ("small", "small-conduits", "medium", "medium-conduits"):
        assert entries[name].terrain_path == DATA_DIR / f"{name}.terrain.nc"
    assert entries["example"].terrain_path is None
    total = sum(p.stat().st_size for p in DATA_DIR.iterdir())
    assert total < 5_000_000  # package data stays small


def test_network_path_resolves_names_aliases_and_paths(tmp_path):
    assert network_path("default") == network_path(catalog.DEFAULT)
    assert network_path("small") == DATA_DIR / "small.inp"
    assert network_path("Example") == DATA_DIR / "example.inp"
    assert network_path(DATA_DIR / "medium.inp") == DATA_DIR / "medium.inp"
    assert network_path(str(DATA_DIR / "medium.inp")) == DATA_DIR / "medium.inp"
    with pytest.raises(InputError, match="unknown network 'nowhere'.*small-conduits"):
        network_path("nowhere")
    with pytest.raises(InputError, match="missing.inp"):
        network_path(tmp_path / "missing.inp")


def test_load_network_matches_the_entry_counts():
    entries = {e.name: e for e in list_networks()}
    for name in ("small", "small-conduits", "example"):
        net = load_network(name)
        e = entries[name]
        assert net.n_nodes == e.n_nodes
        assert net.n_links == e.n_links
        assert int((net.links.kind == LinkKind.CONDUIT).sum()) == e.n_conduits
        assert net.n_subcatchments == e.n_subcatchments
    via_path = load_network(DATA_DIR / "small.inp")
    assert via_path.n_links == entries["small"].n_links


def test_load_terrain_for_the_bundled_networks():
    dem = load_terrain_for("default")
    assert isinstance(dem, xr.DataArray) and dem.dims == ("y", "x")
    assert 5.0 <= float(dem.x[1] - dem.x[0]) <= 10.0
    net = load_network("small")
    j = net.nodes.kind == NodeKind.JUNCTION
    at = dem.interp(x=("n", net.nodes.x[j]), y=("n", net.nodes.y[j])).values
    np.testing.assert_allclose(at, net.nodes.invert_m[j] + net.nodes.max_depth_m[j], atol=0.03)
    assert load_terrain_for("example") is None


def test_regenerating_gives_identical_bytes(tmp_path):
    written = regenerate(tmp_path)
    assert len(written) == 9  # four districts with their terrains, the control town
    for path in written:
        assert filecmp.cmp(path, DATA_DIR / path.name, shallow=False), path.name


def test_example_has_every_structure_kind():
    net = load_network("example")
    links, nodes = net.links, net.nodes
    pumps = links.kind == LinkKind.PUMP
    kinds = {net.curves[c].kind for c in links.pump_curve[pumps] if c != "*"}
    assert kinds == {"PUMP1", "PUMP2", "PUMP3", "PUMP4", "PUMP5"}
    assert "*" in set(links.pump_curve[pumps])  # ideal pump
    orifices = links.kind == LinkKind.ORIFICE
    assert set(links.regulator_kind[orifices]) == {"SIDE", "BOTTOM"}
    assert {int(s) for s in links.shape[orifices]} == {Shape.CIRCULAR, Shape.RECT_CLOSED}
    weirs = links.kind == LinkKind.WEIR
    assert set(links.regulator_kind[weirs]) == {
        "TRANSVERSE", "SIDEFLOW", "V-NOTCH", "TRAPEZOIDAL", "ROADWAY"
    }  # fmt: skip
    outlets = links.kind == LinkKind.OUTLET
    assert set(links.regulator_kind[outlets]) == {"FUNCTIONAL/HEAD", "TABULAR/DEPTH"}
    assert (nodes.kind == NodeKind.DIVIDER).sum() == 1
    storage = nodes.kind == NodeKind.STORAGE
    assert set(nodes.storage_shape[storage]) == {"FUNCTIONAL", "TABULAR"}
    outfalls = nodes.kind == NodeKind.OUTFALL
    assert {int(k) for k in nodes.outfall_kind[outfalls]} == set(map(int, OutfallKind))
    assert nodes.flap_gate[outfalls].any() and links.flap_gate.any()
    assert 10 <= net.n_nodes + net.n_links <= 45


@pytest.mark.swmm
@pytest.mark.parametrize("name", ["small", "small-conduits", "example", "rtc"])
def test_swmm_runs_the_bundled_networks_cleanly(name):
    from twin.validation.swmm_run import run_swmm

    ds = run_swmm(network_path(name).resolve())
    assert abs(ds.attrs["flow_routing_continuity_error_percent"]) < 1.0
    assert abs(ds.attrs["runoff_continuity_error_percent"]) < 1.0
    peak = np.abs(ds.link_flow).max("time")
    if name == "example":  # every structure passes water in the example storm
        assert (peak > 1e-3).all(), list(ds.link.values[(peak <= 1e-3).values])
    else:
        assert (ds.link_capacity.max("time") >= 0.999).any()  # the storm surcharges some pipes
