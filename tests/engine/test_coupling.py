"""1D-2D coupling: mass balance of pipes + surface, spill, drain-back, terrain, I/O, CLI."""

from __future__ import annotations

import importlib.util
import re
import warnings

import numpy as np
import pytest
import xarray as xr

import twin
from twin.cli import main as cli_main
from twin.engine.coupling import SurfaceCoupler, read_dem
from twin.engine.simulation import Simulation
from twin.errors import InputError
from twin.kernels.codes import NodeKind
from twin.networks.catalog import load_terrain_for
from twin.networks.inp_writer import write_inp
from twin.networks.terrain import write_terrain
from twin.scenarios.modify import copy_network, scale_rainfall

NETWORK = "small-conduits"
STORM_SCALE = 2.0  # the bundled design storm times 2 floods about half of the manholes
END_H = 3.0  # rain stops at 2:00
AFTER_STORM_H = 2.25
CONTINUITY_TOL_PERCENT = 0.5


def _flooding_net(scale=STORM_SCALE):
    return scale_rainfall(copy_network(twin.load_network(NETWORK)), scale)


@pytest.fixture(scope="module")
def storm():
    """A coupled storm run on the bundled DEM, paused once after the storm."""
    coupler = SurfaceCoupler(load_terrain_for(NETWORK))
    sim = Simulation(_flooding_net(), couplers=[coupler], end_hours=END_H, report_step_s=60.0)
    sim.step_advance(AFTER_STORM_H * 3600.0)
    after_storm = dict(coupler.volumes())
    sim.run()
    return sim, coupler, after_storm, sim.results()


def _system_terms_m3(a: dict) -> tuple[float, float]:
    """Inflow and outflow of the whole system from the Dataset attributes [m3]."""
    total_in = (
        a["runoff_rainfall_m3"] + a["runoff_initial_storage_m3"]
        + a["routing_dry_weather_inflow_m3"] + a["routing_external_inflow_m3"]
        + a["routing_initial_storage_m3"] + a["surface_initial_volume_m3"]
    )  # fmt: skip
    total_out = (
        a["runoff_infiltration_m3"] + a["runoff_evaporation_m3"] + a["runoff_final_storage_m3"]
        + a["routing_outfall_m3"] + a["routing_evaporation_m3"] + a["routing_seepage_m3"]
        + a["routing_external_outflow_m3"] + a["routing_final_storage_m3"]
        + a["surface_final_volume_m3"] + a["surface_boundary_outflow_m3"]
        + a["surface_uncoupled_flooding_m3"] + a["surface_in_transit_m3"]
    )  # fmt: skip
    return total_in, total_out


def test_coupled_storm_closes_the_system_mass_balance(storm):
    sim, coupler, _, ds = storm
    a = ds.attrs
    # the storm floods: a good part of the runoff goes over the rims and some comes back
    assert a["surface_spill_m3"] > 0.05 * a["routing_wet_weather_inflow_m3"]
    assert a["surface_drainage_m3"] > 0.0
    total_in, total_out = _system_terms_m3(a)
    err = 100.0 * (1.0 - total_out / total_in)
    assert abs(err) < CONTINUITY_TOL_PERCENT
    assert a["system_continuity_error_percent"] == pytest.approx(err, abs=1e-9)
    # each part closes on its own: the pipes count the drainage as an inflow ...
    assert abs(a["flow_routing_continuity_error_percent"]) < CONTINUITY_TOL_PERCENT
    assert a["routing_surface_inflow_m3"] == pytest.approx(a["surface_drainage_m3"], rel=0.01)
    # ... the surface receives exactly what the router lost as flooding ...
    assert a["surface_spill_m3"] == pytest.approx(a["routing_flooding_m3"], rel=0.01)
    assert abs(a["surface_mass_balance_error_m3"]) < 1e-9 * a["surface_spill_m3"]
    # ... and the Dataset's depth grid holds the booked surface volume
    cell_m2 = float(ds.x[1] - ds.x[0]) * float(ds.y[1] - ds.y[0])
    grid_m3 = float(ds.surface_depth.isel(time=-1).sum()) * cell_m2
    assert grid_m3 == pytest.approx(a["surface_final_volume_m3"], rel=1e-5)


def test_overflow_appears_as_surface_water_near_the_flooded_manholes(storm):
    _, _, _, ds = storm
    flooded = ds.node_flood_volume.values > 1.0  # m3
    assert 5 <= flooded.sum() < ds.sizes["node"]
    # every manhole that flooded has water standing in its cell
    assert np.all(ds.node_surface_max_depth.values[flooded] > 0.0)
    # where the water first appears, it lies within a few cells of a manhole that spilled
    spilled = ds.node_flood_volume.values > 0.0
    first = int(np.flatnonzero(ds.surface_depth.sum(("y", "x")).values > 0.0)[0])
    wet_y, wet_x = np.nonzero(ds.surface_depth.isel(time=first).values > 0.0)
    px = ds.x.values[wet_x][:, None] - ds.node_x.values[spilled][None, :]
    py = ds.y.values[wet_y][:, None] - ds.node_y.values[spilled][None, :]
    cell_m = float(ds.x[1] - ds.x[0])
    assert 0.0 < np.hypot(px, py).min(axis=1).max() <= 5.0 * cell_m
    # the surface time series: flooded area grows from zero, peaks, recedes
    area = ds.surface_flooded_area.values
    assert area[0] == 0.0 and area.max() > 0.0 and area[-1] < area.max()
    assert ds.surface_max_depth.max() >= ds.surface_depth.max() - 1e-6


def test_surface_water_drains_back_into_the_pipes_after_the_storm(storm):
    _, coupler, mid, _ = storm
    end = coupler.volumes()
    assert end["spill"] == mid["spill"]  # the pipes have room again: no more overflow
    drained_after = end["drainage"] - mid["drainage"]
    assert drained_after > 0.0
    assert end["final_volume"] < mid["final_volume"]
    # the surface lost what drained plus what ran off the map, nothing else
    left_map = end["boundary_outflow"] - mid["boundary_outflow"]
    assert mid["final_volume"] - end["final_volume"] == pytest.approx(
        drained_after + left_map, rel=1e-9
    )


def test_pond_over_a_manhole_drains_through_the_pipes_to_the_outfall():
    net = twin.load_network(NETWORK)
    dem0 = load_terrain_for(NETWORK)
    kind = np.asarray(net.nodes.kind)
    k = int(np.flatnonzero(kind == NodeKind.JUNCTION)[0])
    rim = float(net.nodes.invert_m[k] + net.nodes.max_depth_m[k])
    r = np.hypot(dem0.x - net.nodes.x[k], dem0.y - net.nodes.y[k])
    dem = (rim + 0.01 * r).transpose("y", "x")  # a cone with the manhole at its bottom
    pond = np.maximum(0.2 - 0.01 * r, 0.0).transpose("y", "x").values  # level rim + 0.2 m
    coupler = SurfaceCoupler(dem, boundary={}, initial_depth_m=pond)  # closed edges
    sim = Simulation(net, couplers=[coupler], ignore_rainfall=True, end_hours=1.0,
                     report_step_s=60.0)  # fmt: skip
    ds = sim.run()
    a = ds.attrs
    v0 = a["surface_initial_volume_m3"]
    cell_m2 = float(ds.x[1] - ds.x[0]) * float(ds.y[1] - ds.y[0])
    volume = ds.surface_depth.sum(("y", "x")).values * cell_m2
    assert v0 == pytest.approx(pond.sum() * cell_m2, rel=1e-12)
    assert a["surface_spill_m3"] == 0.0  # the pipes take it all
    assert np.all(np.diff(volume) <= 1e-4 * v0)  # the pond only shrinks
    assert volume[-1] < 0.05 * v0  # films thinner than the surface's 1 mm stay behind
    # what left the surface reached the pipes and, through them, the outfall
    assert a["routing_surface_inflow_m3"] == pytest.approx(a["surface_drainage_m3"], rel=0.01)
    assert a["routing_outfall_m3"] == pytest.approx(v0 - volume[-1], rel=0.02)


def _swmm_flooding_by_node_m3(rpt_text: str) -> dict[str, float]:
    """Total flood volume per node from SWMM's Node Flooding Summary (10^6 ltr)."""
    start = rpt_text.index("Node Flooding Summary")
    end = rpt_text.index("Outfall Loading Summary", start)
    out = {}
    for line in rpt_text[start:end].splitlines():
        m = re.match(r"\s+(\S+)\s+[\d.]+\s+[\d.]+\s+\d+\s+\d+:\d+\s+([\d.]+)", line)
        if m:
            out[m.group(1)] = float(m.group(2)) * 1000.0
    return out


@pytest.mark.swmm
def test_spill_onto_the_surface_is_what_swmm_floods(tmp_path):
    from twin.validation.swmm_run import run_swmm

    net = _flooding_net()
    dem = load_terrain_for(NETWORK) - 10.0  # ground far below the rims: nothing drains back
    coupler = SurfaceCoupler(dem)
    ds = Simulation(net, couplers=[coupler], end_hours=END_H).run()
    assert ds.attrs["surface_drainage_m3"] == 0.0
    write_inp(net, tmp_path / "storm.inp")
    run_swmm(tmp_path / "storm.inp", workdir=tmp_path, keep_files=True)
    swmm = _swmm_flooding_by_node_m3((tmp_path / "storm.rpt").read_text())
    names = np.asarray(net.nodes.name)[coupler.coupled]
    ours = dict(zip(names, coupler.spill_at_node_m3, strict=True))
    total_swmm = sum(swmm.values())
    assert total_swmm > 100.0
    assert sum(ours.values()) == pytest.approx(total_swmm, rel=0.02)
    big = [n for n, v in swmm.items() if v > 0.05 * total_swmm / len(swmm)]
    for name in big:  # per manhole, the volumes SWMM prints to 1 m3
        assert ours[name] == pytest.approx(swmm[name], rel=0.1, abs=2.0), name


def test_network_without_terrain_gets_a_derived_one_with_a_warning():
    net = copy_network(twin.load_network(NETWORK))
    net.source = ""  # nothing to find a DEM beside
    with pytest.warns(UserWarning, match="derived"):
        ds = twin.simulate(net, surface=True, end_hours=0.25)
    assert ds.attrs["surface_terrain_source"].startswith("derived")
    assert ds.surface_depth.dims == ("time", "y", "x")
    kind = np.asarray(net.nodes.kind)
    assert ds.attrs["surface_coupled_nodes"] == int((kind != NodeKind.OUTFALL).sum())
    on_grid = np.isfinite(ds.node_surface_max_depth.values)
    assert np.array_equal(on_grid, kind != NodeKind.OUTFALL)


def test_an_inp_file_finds_the_terrain_beside_it_and_a_broken_one_is_an_error(tmp_path):
    net = twin.load_network(NETWORK)
    inp = tmp_path / "town.inp"
    write_inp(net, inp)
    dem = load_terrain_for(NETWORK).isel(x=slice(0, -3))  # recognisably not derived
    write_terrain(dem, tmp_path / "town.terrain.nc")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = twin.simulate(inp, surface=True, end_hours=0.1)
    assert ds.sizes["x"] == dem.sizes["x"]
    (tmp_path / "town.terrain.nc").write_bytes(b"not a netcdf file")
    with pytest.raises(InputError, match="terrain"):
        twin.simulate(inp, surface=True, end_hours=0.1)


def test_simulate_takes_a_dem_and_refuses_ponding():
    net = copy_network(twin.load_network(NETWORK))
    dem = load_terrain_for(NETWORK)
    ds = twin.simulate(net, surface=dem, end_hours=0.1)
    assert ds.sizes["x"] == dem.sizes["x"] and ds.sizes["y"] == dem.sizes["y"]
    assert "surface_depth" not in twin.simulate(net, surface=False, end_hours=0.1)
    net.nodes.ponded_area_m2[:] = 10.0
    with pytest.raises(InputError, match="ponding"):
        Simulation(net, couplers=[SurfaceCoupler(dem)], allow_ponding=True)
    with pytest.raises(InputError):
        SurfaceCoupler(dem.rename({"x": "east"}))


def test_a_dem_of_somewhere_else_is_an_input_error_naming_it(tmp_path):
    net = twin.load_network(NETWORK)
    dem = load_terrain_for(NETWORK)
    path = write_terrain(dem.assign_coords(x=dem.x + 1e6), tmp_path / "elsewhere.nc")
    with pytest.raises(InputError, match="no node of the network lies") as err:
        twin.simulate(net, surface=str(path), end_hours=0.1)
    assert err.value.file == str(path)


@pytest.mark.skipif(importlib.util.find_spec("rioxarray") is not None, reason="has rioxarray")
def test_geotiff_without_rioxarray_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="rioxarray"):
        read_dem(tmp_path / "dem.tif")


def test_results_round_trip_through_netcdf(storm, tmp_path):
    _, _, _, ds = storm
    back = twin.open_results(twin.write_results(ds, tmp_path / "storm.nc"))
    for name in ("surface_depth", "surface_max_depth", "surface_flooded_area",
                 "node_surface_max_depth"):  # fmt: skip
        xr.testing.assert_identical(back[name].load(), ds[name])
    for key in ("system_continuity_error_percent", "surface_spill_m3", "surface_drainage_m3"):
        assert back.attrs[key] == ds.attrs[key]


def test_cli_run_surface_writes_the_surface(tmp_path, capsys):
    out = tmp_path / "run.nc"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the bundled network has its own DEM: no warning
        code = cli_main(["run", NETWORK, "--surface", "--end-hours", "0.25", "--no-render",
                         "--quiet", "-o", str(out)])  # fmt: skip
    assert code == 0
    assert "surface: max flooded area" in capsys.readouterr().out
    ds = twin.open_results(out)
    assert {"surface_depth", "surface_flooded_area"} <= set(ds.data_vars)
    assert "system_continuity_error_percent" in ds.attrs


def test_buildings_stay_dry_through_simulate():
    from twin.scenarios import load_scenario

    dem = load_terrain_for("small-conduits")
    blocked = np.zeros(dem.shape, dtype=bool)
    blocked[: dem.shape[0] // 3, : dem.shape[1] // 3] = True  # a block of buildings
    net = load_scenario("seoul-100mmh").apply(twin.load_network("small-conduits"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = twin.simulate(net, surface=dem, buildings=blocked, end_hours=1.0)
    depth = ds.surface_max_depth.values
    assert np.nanmax(depth[~blocked]) > 0.01  # the storm floods streets elsewhere
    assert np.nan_to_num(depth[blocked]).max() == 0.0
    assert abs(ds.attrs["system_continuity_error_percent"]) < 0.5
