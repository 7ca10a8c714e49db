"""Results to export: a coupled run of the bundled ``small`` district on a GeoTIFF DEM in
EPSG:5186 (so the CRS comes from the DEM), and a 1D run of ``example`` without a CRS."""

from __future__ import annotations

import warnings

import pytest
import rioxarray  # noqa: F401  (the .rio accessor)

import twin
from twin.networks.catalog import load_terrain_for
from twin.scenarios import Scenario

EPSG = 5186  # Korea 2000 / Central Belt 2010


@pytest.fixture(scope="session")
def surface_result(tmp_path_factory):
    """(path, Dataset) of ``small`` under Seoul's 100 mm/h storm, 1 h, 2D surface."""
    folder = tmp_path_factory.mktemp("surface")
    dem = load_terrain_for("small").rio.set_spatial_dims(x_dim="x", y_dim="y")
    tif = folder / "small-dem.tif"
    dem.rio.write_crs(f"EPSG:{EPSG}").rio.to_raster(tif)
    net = Scenario.preset("seoul-100mmh").apply(twin.load_network("small"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = twin.simulate(net, surface=tif, end_hours=1.0)
    path = twin.write_results(ds, folder / "small-surface.nc")
    return path, twin.open_results(path).load()


@pytest.fixture(scope="session")
def network_result(tmp_path_factory):
    """(path, Dataset) of the bundled ``example`` (structures, subcatchments), no CRS."""
    folder = tmp_path_factory.mktemp("network")
    ds = twin.simulate("example", end_hours=2.0)
    path = twin.write_results(ds, folder / "example.nc")
    return path, twin.open_results(path).load()
