"""The results file as other tools read it: xugrid (UGRID 1D), cf_xarray (X/Y, grid mapping,
CF-1.8 geometries), plain xarray (short titles, no stray columns); older files still open."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import xugrid
from cf_xarray.geometry import cf_to_shapely

import twin
from twin.engine.dataset import RESULTS_SCHEMA
from twin.engine.results_schema import MAP_COORDS, STATIC


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    inp = folder / "example.inp"
    inp.write_text(open(twin.load_network("example").source).read())
    (folder / "example.prj").write_text("EPSG:5186")  # the network's CRS, as for a shapefile
    ds = twin.simulate(inp, end_hours=1.0)
    return twin.write_results(ds, folder / "example.nc"), ds


def test_xugrid_reads_the_network_and_keeps_the_names(written):
    path, ds = written
    uds = xugrid.open_dataset(path)
    grid = uds.ugrid.grid
    assert isinstance(grid, xugrid.Ugrid1d)
    assert (grid.n_node, grid.n_edge) == (ds.sizes["node"], ds.sizes["link"])
    np.testing.assert_array_equal(grid.edge_node_connectivity, ds["link_nodes"].values)
    np.testing.assert_allclose(grid.node_x, ds["node_x"].values)
    assert grid.crs.to_epsg() == 5186
    assert list(uds["node_name"].values) == list(ds["node"].values)
    assert list(uds["link_name"].values) == list(ds["link"].values)
    assert uds["node_depth"].ugrid.grid.n_node == ds.sizes["node"]


def test_plain_xarray_layout_titles_and_frames(written):
    path, _ = written
    ds = xr.open_dataset(path)
    assert ds.attrs["results_schema"] == RESULTS_SCHEMA
    assert set(ds.coords) == {"time", "node", "link", "subcatchment", *MAP_COORDS}
    for name in ("network", "link_nodes", *(n for n in STATIC if n not in MAP_COORDS)):
        assert name in ds.data_vars, name
    one = ds.node_depth.sel(node="J1")
    title = one._title_for_slice()
    assert title.startswith("node = J1") and not any(s in title for s in ("invert", "rim", "kind"))
    assert set(one.to_dataframe().columns) <= {"node", "node_x", "node_y", "node_depth"}
    assert set(ds.link_flow.sel(link="C1").to_dataframe().columns) == {"link", "link_flow"}


def test_cf_xarray_finds_x_y_the_grid_mapping_and_the_geometries(written):
    path, _ = written
    ds = xr.open_dataset(path)
    assert ds.cf.axes["X"] == ["node_x"] and ds.cf.axes["Y"] == ["node_y"]
    assert ds.cf["X"].name == "node_x"
    assert ds.cf.grid_mapping_names == {"transverse_mercator": ["crs"]}
    assert "Korea" in ds["crs"].attrs["crs_wkt"] or "KGD2002" in ds["crs"].attrs["crs_wkt"]
    assert ds["node_depth"].attrs["grid_mapping"] == "crs"
    lines = cf_to_shapely(ds, container="link_geometry")
    assert lines.dims == ("link",)
    j = list(ds["node"].values).index(str(ds["link_from"].sel(link="C1").values))
    assert lines.sel(link="C1").item().coords[0] == (ds["node_x"].values[j], ds["node_y"].values[j])
    outlines = cf_to_shapely(ds, container="subcatchment_geometry")
    assert outlines.sel(subcatchment="SC1").item().area == pytest.approx(150.0 * 80.0)


def test_a_schema_1_file_opens_in_the_new_layout(written, tmp_path):
    _, ds = written
    old_names = [n for n in STATIC if n in ds and n not in MAP_COORDS] + ["link_nodes", "network"]
    geometry = [n for n in ds.data_vars if "geometry" in n or n.endswith("_name") or n == "crs"]
    old = ds.drop_vars(geometry).set_coords(old_names)
    old.attrs["results_schema"] = "sewer-twin results 1"
    old.to_netcdf(tmp_path / "old.nc", engine="h5netcdf")
    with twin.open_results(tmp_path / "old.nc") as back:
        assert back.attrs["results_schema"] == RESULTS_SCHEMA
        assert set(old_names) <= set(back.data_vars)
        assert back["node_invert"].attrs["location"] == "node"
        np.testing.assert_array_equal(back["node_rim"].values, ds["node_rim"].values)
        from twin.export import export_results

        with pytest.warns(UserWarning, match="straight between their nodes"):
            export_results(back, tmp_path / "old.gpkg", crs="EPSG:5186")
