"""Terrain: analytic surface, DEM sampling, NetCDF round trip and errors, derived surfaces."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

from twin.errors import InputError
from twin.kernels.codes import NodeKind
from twin.networks.catalog import load_network, load_terrain_for
from twin.networks.terrain import (
    TerrainSpec,
    elevation_at,
    load_terrain,
    make_terrain,
    slope_at,
    terrain_from_nodes,
    write_terrain,
)

PLANE = TerrainSpec(
    x_min_m=0.0, x_max_m=600.0, y_max_m=400.0, base_m=10.0, fall_y=0.01, fall_x=0.002
)


def test_plane_with_a_river_valley_matches_its_formula():
    # above the bank: exactly the tilted plane
    x = np.array([0.0, 100.0, 600.0])
    y = np.array([0.0, 250.0, 400.0])
    np.testing.assert_allclose(elevation_at(PLANE, x, y), 10.0 + 0.01 * y + 0.002 * x)
    np.testing.assert_allclose(slope_at(PLANE, x, y), np.hypot(0.01, 0.002), rtol=1e-9)
    # the river centre is valley_depth below the plane, half-way down is half of it
    river = elevation_at(PLANE, 0.0, PLANE.river_y_m)
    assert river == pytest.approx(10.0 + 0.01 * PLANE.river_y_m - PLANE.valley_depth_m)
    mid_y = 0.5 * (PLANE.river_y_m + PLANE.bank_y_m)
    mid = elevation_at(PLANE, 0.0, mid_y)
    assert mid == pytest.approx(10.0 + 0.01 * mid_y - 0.5 * PLANE.valley_depth_m)


def test_polder_is_a_bowl_of_the_given_depth():
    spec = TerrainSpec(0.0, 600.0, 400.0, 10.0, 0.0, 0.0, polder=(300.0, 100.0, 80.0, 2.5))
    assert elevation_at(spec, 300.0, 100.0) == pytest.approx(7.5)
    assert elevation_at(spec, 300.0, 100.0 + 80.0) == pytest.approx(10.0 - 2.5 * np.exp(-0.5))


def test_make_terrain_samples_the_surface_on_a_regular_grid():
    da = make_terrain(PLANE, cell_m=8.0, margin_m=50.0)
    assert da.dims == ("y", "x") and da.name == "elevation"
    assert da.attrs["units"] == "m" and da.x.attrs["units"] == "m"
    assert np.allclose(np.diff(da.x), 8.0) and np.allclose(np.diff(da.y), 8.0)
    assert float(da.x[0]) == -50.0 and float(da.x[-1]) >= 650.0
    assert float(da.y[0]) == PLANE.river_y_m - 50.0 and float(da.y[-1]) >= 450.0
    ref = elevation_at(PLANE, da.x.values[None, :], da.y.values[:, None])
    np.testing.assert_allclose(da.values, ref, atol=1e-4)
    with pytest.raises(InputError):
        make_terrain(PLANE, cell_m=0.0)


def test_write_then_load_round_trip(tmp_path):
    da = make_terrain(PLANE, cell_m=10.0)
    path = write_terrain(da, tmp_path / "t.terrain.nc")
    assert [p.name for p in tmp_path.iterdir()] == ["t.terrain.nc"]  # no temporary left
    back = load_terrain(path)
    xr.testing.assert_allclose(back, da)
    assert back.attrs["standard_name"] == "surface_altitude"


def test_load_terrain_sorts_decreasing_coordinates(tmp_path):
    da = make_terrain(PLANE, cell_m=20.0).isel(y=slice(None, None, -1))
    path = write_terrain(da, tmp_path / "flipped.nc")
    back = load_terrain(path)
    assert np.all(np.diff(back.y.values) > 0)
    assert float(back.interp(x=0.0, y=0.0)) == pytest.approx(10.0, abs=1e-4)


def test_load_terrain_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match="missing.nc"):
        load_terrain(tmp_path / "missing.nc")
    bad = tmp_path / "novar.nc"
    xr.Dataset(
        {"height": (("y", "x"), np.zeros((2, 3)))}, coords={"x": [0, 1, 2], "y": [0, 1]}
    ).to_netcdf(bad, engine="scipy")
    with pytest.raises(InputError, match=r"novar\.nc.*'elevation'"):
        load_terrain(bad)
    nocoord = tmp_path / "nocoord.nc"
    xr.Dataset({"elevation": (("row", "col"), np.zeros((2, 3)))}).to_netcdf(nocoord, engine="scipy")
    with pytest.raises(InputError, match=r"nocoord\.nc.*coordinate"):
        load_terrain(nocoord)
    garbage = tmp_path / "garbage.nc"
    garbage.write_text("not a netcdf file")
    with pytest.raises(InputError, match="garbage.nc"):
        load_terrain(garbage)


@pytest.mark.parametrize(
    ("name", "values", "dims", "match"),
    [
        ("inf.nc", [[1.0, np.inf, 2.0], [1.0, 1.0, 1.0]], ("y", "x"), r"infinite elevation at x=1"),
        ("nan.nc", np.full((2, 3), np.nan), ("y", "x"), "all NaN"),
        ("cube.nc", np.zeros((1, 2, 3)), ("t", "y", "x"), r"dims \(y, x\)"),
    ],
)
def test_load_terrain_refuses_unusable_elevations(tmp_path, name, values, dims, match):
    path = tmp_path / name
    xr.Dataset(
        {"elevation": (dims, np.asarray(values, float))}, coords={"x": [0, 1, 2], "y": [0, 1]}
    ).to_netcdf(path, engine="scipy")
    with pytest.raises(InputError, match=match) as err:
        load_terrain(path)
    assert err.value.file == str(path)


def test_terrain_from_nodes_honours_the_rims_and_approximates_the_dem():
    net = load_network("small")
    with pytest.warns(UserWarning, match="derived"):
        derived = terrain_from_nodes(net, cell_m=5.0)
    rims = net.nodes.invert_m + net.nodes.max_depth_m
    ok = np.isfinite(net.nodes.x) & (net.nodes.kind != NodeKind.OUTFALL)
    # at the nodes the derived surface interpolates the rims (bilinear on a 5 m grid)
    at = derived.interp(x=("n", net.nodes.x[ok]), y=("n", net.nodes.y[ok])).values
    assert np.abs(at - rims[ok]).max() < 0.05
    # inside the town the derived surface is close to the true DEM
    dem = load_terrain_for("small")
    box = dict(
        x=slice(net.nodes.x[ok].min(), net.nodes.x[ok].max()),
        y=slice(0.0, net.nodes.y[ok].max()),
    )
    diff = derived.sel(**box) - dem.interp(x=derived.sel(**box).x, y=derived.sel(**box).y)
    assert float(np.abs(diff).mean()) < 0.15


def test_terrain_from_nodes_needs_coordinates():
    net = load_network("small")
    net.nodes.x = np.full(net.n_nodes, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match="fewer than 3"):
            terrain_from_nodes(net)


# -- GeoTIFF (rioxarray) ------------------------------------------------------------------
def _write_geotiff(da: xr.DataArray, path, nodata=None):
    """A north-up single-band GeoTIFF of ``da`` in a projected CRS (UTM 52N)."""
    pytest.importorskip("rioxarray")
    tif = da.sortby("y", ascending=False).astype(np.float32)
    if nodata is not None:
        tif = tif.where(np.isfinite(tif), nodata).rio.write_nodata(nodata)
    tif = tif.rio.set_spatial_dims(x_dim="x", y_dim="y").rio.write_crs("EPSG:32652")
    tif.rio.to_raster(path)
    return path


def test_geotiff_loads_band_one_on_increasing_coordinates(tmp_path):
    da = make_terrain(PLANE, cell_m=25.0, margin_m=50.0)
    da.values[3, 4] = np.nan  # a hole in the survey
    path = _write_geotiff(da, tmp_path / "dem.tif", nodata=-9999.0)
    got = load_terrain(path)
    assert got.dims == ("y", "x") and got.name == "elevation" and got.attrs["units"] == "m"
    assert "32652" in got.attrs["crs"]
    np.testing.assert_allclose(got.x.values, da.x.values)
    np.testing.assert_allclose(got.y.values, da.y.values)  # north-up file, increasing y here
    assert np.isnan(got.values[3, 4])  # nodata -> NaN
    ok = np.isfinite(da.values)
    np.testing.assert_array_equal(got.values[ok], da.values[ok].astype(np.float32))
    # the same loader is behind the surface coupling's reader
    from twin.engine.coupling import read_dem

    xr.testing.assert_identical(read_dem(path), got)


def test_bad_geotiff_names_the_file(tmp_path):
    pytest.importorskip("rioxarray")
    bad = tmp_path / "broken.tiff"
    bad.write_bytes(b"II*\x00 not really a tiff")
    with pytest.raises(InputError) as err:
        load_terrain(bad)
    assert err.value.file == str(bad) and "GeoTIFF" in err.value.message
    with pytest.raises(InputError, match="not found"):
        load_terrain(tmp_path / "absent.tif")


def test_coupled_run_on_a_geotiff_equals_the_run_on_the_same_netcdf(tmp_path):
    import twin

    net = load_network("small")
    dem = load_terrain_for(net.source)
    tif = _write_geotiff(dem, tmp_path / "small.tif")
    sc = twin.Scenario.preset("seoul-100mmh").replace(pump_failure=[{"pump": "PS1"}])
    from_tif = twin.simulate(sc.apply(net), surface=tif, end_hours=0.75)
    from_nc = twin.simulate(sc.apply(net), surface=dem.astype(np.float32), end_hours=0.75)
    assert from_tif.attrs["surface_coupled_nodes"] > 0
    assert float(from_tif["surface_max_depth"].max()) > 0.1  # the storm reaches the streets
    for v in ("surface_max_depth", "node_flood_volume", "node_depth"):
        np.testing.assert_array_equal(from_tif[v].values, from_nc[v].values)


@pytest.mark.parametrize("engine", ["scipy", "h5netcdf"])
def test_both_netcdf_formats_load_without_scanning_xarrays_backends(tmp_path, engine):
    """Classic and NetCDF-4 DEMs load; in a fresh process neither imports rioxarray
    (xarray's scan of its installed backends would, about 1 s of a cold `twin run`)."""
    import subprocess
    import sys

    da = make_terrain(PLANE, cell_m=10.0)
    path = tmp_path / "t.nc"
    da.to_dataset(name="elevation").to_netcdf(path, engine=engine)
    xr.testing.assert_allclose(load_terrain(path), da)
    code = ("import sys; from twin.networks.terrain import load_terrain; "
            f"load_terrain({str(path)!r}); print('rioxarray' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()  # fmt: skip
    assert out[-1] == "False"
