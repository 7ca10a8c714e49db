"""export_results: GeoPackage layers and the GeoTIFF, read back by GeoPandas and rioxarray."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rioxarray
import shapely
from pyproj import Transformer

import twin
from tests.export.conftest import EPSG
from twin.ensemble import identical, run_ensemble
from twin.export import export_results
from twin.scenarios import Scenario

NODE_COLUMNS = {"name", "kind", "invert_m", "rim_m", "max_depth_m", "flood_volume_m3",
                "flood_hours"}  # fmt: skip
LINK_COLUMNS = {"name", "kind", "max_flow_m3s", "max_capacity"}


def test_geopackage_layers_columns_and_the_dem_crs(surface_result, tmp_path):
    path, ds = surface_result
    out = export_results(path, tmp_path / "small.gpkg")
    assert sorted(pyogrio.list_layers(out)[:, 0]) == sorted(
        ["nodes", "links", "subcatchments", "flood_extent"]
    )
    nodes = gpd.read_file(out, layer="nodes")
    links = gpd.read_file(out, layer="links")
    subs = gpd.read_file(out, layer="subcatchments")
    for layer in (nodes, links, subs):
        assert layer.crs.to_epsg() == EPSG  # kept in the results file from the GeoTIFF DEM
    assert NODE_COLUMNS <= set(nodes.columns) and LINK_COLUMNS <= set(links.columns)
    assert "peak_runoff_m3s" in subs.columns
    assert list(nodes["name"]) == [str(n) for n in ds["node"].values]
    np.testing.assert_allclose(nodes.geometry.x, ds["node_x"].values)
    np.testing.assert_allclose(nodes.flood_volume_m3, ds["node_flood_volume"].values)
    np.testing.assert_allclose(links.max_capacity, ds["link_max_capacity"].values)
    # each link runs from its from-node to its to-node
    xy = {n: (x, y) for n, x, y in zip(nodes.name, nodes.geometry.x, nodes.geometry.y, strict=True)}
    for line, a, b in zip(links.geometry, links.from_node, links.to_node, strict=True):
        np.testing.assert_allclose(line.coords[0], xy[a])
        np.testing.assert_allclose(line.coords[-1], xy[b])
    # the generated district draws each subcatchment with its own area
    np.testing.assert_allclose(subs.geometry.area, subs.area_m2, rtol=1e-3)


def test_flood_extent_covers_the_cells_above_the_threshold(surface_result, tmp_path):
    path, ds = surface_result
    threshold = 0.02
    out = export_results(path, tmp_path / "f.gpkg", threshold_m=threshold, layers="flood_extent")
    flood = gpd.read_file(out, layer="flood_extent")
    depth = ds["surface_max_depth"].values
    cell_m2 = float(np.diff(ds["x"].values[:2])[0] * np.diff(ds["y"].values[:2])[0])
    wet = int((np.nan_to_num(depth) > threshold).sum())
    assert wet > 20 and len(flood) > 1
    assert flood.geometry.area.sum() == pytest.approx(wet * cell_m2)
    np.testing.assert_allclose(flood.area_m2, flood.geometry.area)
    assert (flood.max_depth_m > flood.depth_from_m).all()
    assert (flood.max_depth_m <= flood.depth_to_m).all()
    assert flood.depth_class.iloc[0].endswith(" m")
    # the deepest cell lies inside a polygon of its class
    iy, ix = np.unravel_index(np.nanargmax(depth), depth.shape)
    deepest = shapely.Point(ds["x"].values[ix], ds["y"].values[iy])
    hit = flood[flood.contains(deepest)]
    assert len(hit) == 1 and hit.max_depth_m.iloc[0] == pytest.approx(np.nanmax(depth))


def test_geotiff_holds_the_max_depth_with_the_crs(surface_result, tmp_path):
    path, ds = surface_result
    out = export_results(path, tmp_path / "depth.tif")
    tif = rioxarray.open_rasterio(out, masked=True).squeeze("band", drop=True)
    assert tif.rio.crs.to_epsg() == EPSG
    back = tif.sortby("y").values
    np.testing.assert_allclose(back, ds["surface_max_depth"].values, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tif["x"].values, ds["x"].values)
    assert tif.rio.transform().e < 0  # north up


def test_crs_option_reprojects_to_korea_unified(surface_result, tmp_path):
    path, ds = surface_result
    out = export_results(path, tmp_path / "5179.gpkg", crs="EPSG:5179", layers=["nodes"])
    nodes = gpd.read_file(out, layer="nodes")
    assert nodes.crs.to_epsg() == 5179
    to = Transformer.from_crs(f"EPSG:{EPSG}", "EPSG:5179", always_xy=True)
    x, y = to.transform(ds["node_x"].values, ds["node_y"].values)
    np.testing.assert_allclose(nodes.geometry.x, x, rtol=0, atol=1e-3)
    np.testing.assert_allclose(nodes.geometry.y, y, rtol=0, atol=1e-3)


def test_without_a_crs_the_layers_have_none_and_one_warning(network_result, tmp_path):
    path, ds = network_result
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = export_results(path, tmp_path / "example.gpkg")
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(said) == 1 and "no CRS" in said[0]
    assert sorted(pyogrio.list_layers(out)[:, 0]) == ["links", "nodes", "subcatchments"]
    assert gpd.read_file(out, layer="nodes").crs is None
    # --crs names the CRS of coordinates that have none: no reprojection
    out = export_results(path, tmp_path / "named.gpkg", crs="EPSG:5186")
    nodes = gpd.read_file(out, layer="nodes")
    assert nodes.crs.to_epsg() == 5186
    np.testing.assert_allclose(nodes.geometry.x, ds["node_x"].values)
    links = gpd.read_file(out, layer="links")
    pumps = links[links.kind == "pump"]
    assert len(pumps) == 6 and pumps.max_flow_m3s.notna().all()


def test_vertices_polygons_and_the_prj_beside_the_inp(tmp_path):
    source = twin.load_network("example").source
    text = open(source).read()
    net = twin.load_network("example")
    i, j = net.nodes.index_of()["J1"], net.nodes.index_of()["J2"]
    bend = [(net.nodes.x[i] + 10.0, net.nodes.y[i] + 35.0), (net.nodes.x[j] - 5.0, 60.0)]
    text += "\n[VERTICES]\n" + "".join(f"C1 {x} {y}\n" for x, y in bend)
    inp = tmp_path / "bent.inp"
    inp.write_text(text)
    (tmp_path / "bent.prj").write_text("EPSG:5186")
    ds = twin.simulate(inp, end_hours=0.5)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    path = twin.write_results(ds, moved / "bent.nc")
    inp.unlink()  # the results file alone is enough
    out = export_results(path, moved / "bent.gpkg")
    links = gpd.read_file(out, layer="links").set_index("name")
    assert links.crs.to_epsg() == 5186
    line = links.geometry["C1"]
    assert len(line.coords) == 4
    np.testing.assert_allclose(line.coords[1:3], bend)
    subs = gpd.read_file(out, layer="subcatchments").set_index("name")
    np.testing.assert_allclose(subs.geometry["SC1"].area, 150.0 * 80.0)


def test_ensemble_adds_flood_probability(tmp_path):
    net = twin.load_network("small")
    storm = Scenario.preset("seoul-100mmh")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ens = run_ensemble(
            net, identical(storm, 2), scheduler="serial", progress=False, surface=True,
            end_hours=1.0,
        )  # fmt: skip
    path = twin.write_results(ens, tmp_path / "ens.nc")
    out = export_results(path, tmp_path / "ens.gpkg", crs="EPSG:5186", threshold_m=0.02)
    nodes = gpd.read_file(out, layer="nodes")
    np.testing.assert_allclose(nodes.flood_probability, ens["node_flood_probability"].values)
    assert set(np.unique(nodes.flood_probability)) <= {0.0, 1.0}  # identical members
    flood = gpd.read_file(out, layer="flood_extent")
    wet = (ens["surface_max_depth"].isel(member=0).values > 0.02).sum()
    cell_m2 = float(np.diff(ens["x"].values[:2])[0] * np.diff(ens["y"].values[:2])[0])
    assert wet > 0 and flood.geometry.area.sum() == pytest.approx(wet * cell_m2)
    np.testing.assert_allclose(flood.flood_probability, 1.0)
    links = gpd.read_file(out, layer="links")
    assert "max_capacity_p90" in links.columns


def test_a_network_without_map_coordinates_exports_its_attributes(tmp_path):
    """No [COORDINATES]: the run works, and the layers carry every element's attributes
    without geometry, with one warning that says why (not a schema complaint)."""
    text = (
        "[OPTIONS]\nFLOW_UNITS CMS\nEND_TIME 1:00\n[JUNCTIONS]\nJ1 10 0\nJ2 9 0\n"
        "[OUTFALLS]\nO1 8 FREE\n[CONDUITS]\nC1 J1 J2 100 0.013 0 0\nC2 J2 O1 100 0.013 0 0\n"
        "[XSECTIONS]\nC1 CIRCULAR 0.5 0 0 0\nC2 CIRCULAR 0.5 0 0 0\n"
        '[INFLOWS]\nJ1 FLOW "" FLOW 1 1 0.1\n'
    )
    inp = tmp_path / "nomap.inp"
    inp.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = twin.write_results(twin.simulate(twin.load_network(inp)), tmp_path / "r.nc")
    with pytest.warns(twin.TwinWarning, match="no map coordinates") as record:
        out = export_results(path, tmp_path / "nomap.gpkg", layers=["nodes", "links"])
    assert not any("schema" in str(w.message) for w in record)
    nodes, links = gpd.read_file(out, layer="nodes"), gpd.read_file(out, layer="links")
    assert list(nodes["name"]) == ["J1", "J2", "O1"] and list(links["name"]) == ["C1", "C2"]
    assert nodes.geometry.isna().all() and links.geometry.isna().all()
    assert (links["max_flow_m3s"] > 0.09).all()
