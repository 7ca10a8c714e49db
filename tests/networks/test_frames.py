"""The Network as PySWMM and swmmio users look at it: short reprs, DataFrames, a graph."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import twin
from tests.corpus import pyswmm_model
from twin.kernels.codes import LinkKind, NodeKind


@pytest.fixture(scope="module")
def net():
    return twin.load_network("example")


def test_reprs_are_one_short_line():
    net = twin.load_network("medium")  # 1,500 conduits: the dataclass repr was megabytes
    for obj in (net, net.nodes, net.links, net.subcatchments, net.raingages):
        text = repr(obj)
        assert "\n" not in text and len(text) < 200, text
    assert repr(net.nodes).startswith(f"NodeTable({net.n_nodes} nodes: ")
    assert "medium.inp" in repr(net) and f"{net.n_subcatchments} subcatchments" in repr(net)
    n_pumps = int((net.links.kind == LinkKind.PUMP).sum())
    assert f"{n_pumps} pump" in repr(net.links)


def test_node_frame_has_a_row_per_node_with_words_for_kinds(net):
    df = net.nodes.to_dataframe()
    assert list(df.index) == list(net.nodes.name) and df.index.name == "name"
    assert set(df["kind"]) == {k.name.lower() for k in NodeKind}  # example has every kind
    np.testing.assert_array_equal(df["invert_m"].to_numpy(), net.nodes.invert_m)
    assert {"storage_param1", "storage_param3", "x", "y"} <= set(df.columns)
    outfalls = df[df["kind"] == "outfall"]
    others = df[df["kind"] != "outfall"]
    assert (outfalls["outfall_kind"] != "").all() and (others["outfall_kind"] == "").all()


def test_link_frame_names_its_nodes(net):
    df = net.links.to_dataframe()
    j = 3
    row = df.iloc[j]
    assert row.name == net.links.name[j]
    assert row["from_node"] == net.nodes.name[net.links.from_node[j]]
    assert row["to_node"] == net.nodes.name[net.links.to_node[j]]
    assert set(df["kind"]) == {k.name.lower() for k in LinkKind}
    np.testing.assert_array_equal(df["geom1"].to_numpy(), net.links.geom[:, 0])
    assert df["length_m"].dtype == np.float64


def test_subcatchment_frame_names_gauges_and_outlets(net):
    df = net.subcatchments.to_dataframe()
    s = net.subcatchments
    assert list(df["raingage"]) == [net.raingages.name[g] for g in s.raingage]
    assert list(df["outlet"]) == list(s.outlet)
    np.testing.assert_allclose(df["area_m2"], s.area_m2)
    assert "polygon" not in df.columns  # geometry is for to_geodataframe


def test_geodataframes_have_points_lines_and_polygons():
    import geopandas as gpd  # in the test extra

    net = twin.load_network(pyswmm_model("model_lids.inp"))  # drawn, a link with a bend
    nodes = net.nodes.to_geodataframe(crs="EPSG:5186")
    assert isinstance(nodes, gpd.GeoDataFrame) and nodes.crs.to_epsg() == 5186
    j = 0
    assert (nodes.geometry.iloc[j].x, nodes.geometry.iloc[j].y) == (net.nodes.x[j], net.nodes.y[j])
    links = net.links.to_geodataframe()
    assert (links.geom_type == "LineString").all()
    name = next(iter(net.vertices))  # a link drawn with bends runs through them
    assert len(net.vertices) and (links.geometry.loc[list(net.vertices)].length > 0).all()
    line = np.asarray(links.geometry.loc[name].coords)
    assert len(line) == len(net.vertices[name]) + 2
    np.testing.assert_allclose(line[1:-1], net.vertices[name])
    subs = net.subcatchments.to_geodataframe()
    assert (subs.geom_type == "Polygon").all()
    for ring, polygon in zip(subs.geometry, net.subcatchments.polygon, strict=True):
        np.testing.assert_array_equal(np.asarray(ring.exterior.coords)[: len(polygon)], polygon)


def test_networkx_graph_follows_the_links(net):
    import networkx as nx

    g = net.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_nodes() == net.n_nodes and g.number_of_edges() == net.n_links
    for j, name in enumerate(net.links.name):
        a, b = net.nodes.name[net.links.from_node[j]], net.nodes.name[net.links.to_node[j]]
        assert g.edges[a, b, name]["length_m"] == net.links.length_m[j] or np.isnan(
            net.links.length_m[j]
        )
    n0 = net.nodes.name[0]
    assert g.nodes[n0]["invert_m"] == net.nodes.invert_m[0]
    outfalls = [n for n, k in g.nodes(data="kind") if k == "outfall"]
    junction = net.nodes.name[list(net.nodes.kind).index(NodeKind.JUNCTION)]
    assert any(nx.has_path(g, junction, o) for o in outfalls)


def test_a_table_without_its_network_keeps_ids():
    net = twin.load_network("small-conduits")
    links = twin.networks.model.LinkTable(**{f: getattr(net.links, f)
                                             for f in net.links.__dataclass_fields__})  # fmt: skip
    df = links.to_dataframe()
    assert pd.api.types.is_integer_dtype(df["from_node"])
