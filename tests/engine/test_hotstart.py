"""Hot start: save the full state mid-run, restore it into a new Simulation, finish.

The finished run must equal the uninterrupted one bit for bit (the whole Dataset:
series, summaries, continuity attributes), with runoff and routing, with live
forcing and generated inflows active, and with the 2D surface coupler.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import twin
from twin.engine.coupling import SurfaceCoupler
from twin.engine.hotstart import network_fingerprint, read_state_header
from twin.engine.simulation import Simulation
from twin.errors import InputError
from twin.networks.catalog import load_terrain_for
from twin.scenarios.modify import copy_network, scale_rainfall

NETWORK = "small-conduits"  # with END_H, read by the `net` and `plain` fixtures (conftest)
END_H = 2.0
SAVE_AT = "2024-07-15T01:00"


def test_hot_start_equals_uninterrupted_run(net, plain, tmp_path):
    sim = Simulation(net, end_hours=END_H)
    sim.advance_to(SAVE_AT)
    path = sim.save_state(tmp_path / "state.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["state.npz"]  # no temporary left
    head = read_state_header(path)
    assert head["network"] == network_fingerprint(net)
    assert head["t_s"] == sim.t_s
    resumed = Simulation.from_state(path, net, end_hours=END_H)
    assert resumed.t_s == sim.t_s and resumed.steps == sim.steps
    assert resumed.current_time == sim.current_time
    for mine, saved in zip(resumed.router.state_bundles(), sim.router.state_bundles(), strict=True):
        for name, value in mine.arrays().items():
            np.testing.assert_array_equal(value, saved.arrays()[name], err_msg=name)
    xr.testing.assert_identical(resumed.run(), plain)
    # the saved simulation goes on to the same end too
    xr.testing.assert_identical(sim.run(), plain)


def test_restore_rewinds_a_simulation_that_went_on(net, plain, tmp_path):
    sim = Simulation(net, end_hours=END_H)
    sim.advance_to("2024-07-15T00:45")
    path = sim.save_state(tmp_path / "at45")
    sim.advance_to("2024-07-15T01:30")
    sim.nodes[0].generated_inflow(1.0)  # a what-if that is then thrown away
    sim.advance_to("2024-07-15T01:40")
    sim.load_state(path)
    assert sim.nodes[0].generated == 0.0
    xr.testing.assert_identical(sim.run(), plain)


def test_hot_start_keeps_live_forcing_and_generated_inflow(net, tmp_path):
    def steered():
        sim = Simulation(net, end_hours=END_H)
        sim.advance_to("2024-07-15T00:40")
        sim.nodes[3].generated_inflow(0.02)
        sim.set_rainfall(12.0, start="2024-07-15T00:50")
        sim.set_rainfall(None, start="2024-07-15T01:20")  # scheduled ahead of the save
        return sim

    ref = steered().run()
    sim = steered()
    sim.advance_to(SAVE_AT)
    path = sim.save_state(tmp_path / "steered.npz")
    resumed = Simulation.from_state(path, net, end_hours=END_H)
    assert resumed.nodes[3].generated == pytest.approx(0.02)
    ds = resumed.run()
    xr.testing.assert_identical(ds, ref)
    rain = ds.subcatchment_rainfall.sel(time="2024-07-15T01:10").values
    np.testing.assert_array_equal(rain, 12.0)


def test_hot_start_with_the_surface_coupler(tmp_path):
    flood = scale_rainfall(copy_network(twin.load_network(NETWORK)), 2.0)
    dem = load_terrain_for(NETWORK)
    kw = {"end_hours": 1.5, "report_step_s": 600.0}
    ref = Simulation(flood, couplers=[SurfaceCoupler(dem)], **kw).run()
    sim = Simulation(flood, couplers=[SurfaceCoupler(dem)], **kw)
    sim.advance_to("2024-07-15T01:22")  # the streets flood from about 1:16
    assert sim.couplers[0].surface.volume_m3() > 0.0  # water on the streets when saved
    path = sim.save_state(tmp_path / "coupled.npz")
    resumed = Simulation.from_state(path, flood, couplers=[SurfaceCoupler(dem)], **kw)
    xr.testing.assert_identical(resumed.run(), ref)
    with pytest.raises(InputError, match="couplers"):
        Simulation.from_state(path, flood, **kw)


def test_state_for_another_network_or_options_is_refused(net, tmp_path):
    sim = Simulation(net, end_hours=0.2)
    sim.step_advance(300.0)
    path = sim.save_state(tmp_path / "s.npz")
    other = scale_rainfall(copy_network(net), 1.5)
    assert network_fingerprint(copy_network(net)) == network_fingerprint(net)
    assert network_fingerprint(other) != network_fingerprint(net)
    with pytest.raises(InputError, match="another network"):
        Simulation.from_state(path, other, end_hours=0.2)
    with pytest.raises(InputError, match="options"):
        Simulation.from_state(path, net, end_hours=0.3)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a state file")
    with pytest.raises(InputError, match="state file"):
        Simulation.from_state(junk, net, end_hours=0.2)
    np.savez(tmp_path / "foreign.npz", x=np.zeros(3))
    with pytest.raises(InputError, match="state file"):
        Simulation.from_state(tmp_path / "foreign.npz", net, end_hours=0.2)


def test_options_that_differ_are_named_one_by_one(net, tmp_path):
    path = Simulation(net, end_hours=0.2, routing_step_s=20.0).save_state(tmp_path / "s.npz")
    with pytest.raises(InputError) as err:
        Simulation.from_state(path, net, end_hours=0.2, routing_step_s=10.0)
    assert str(err.value) == (
        f"{path}: state file was saved with other options: "
        "routing_step_s is 20.0 in the file, 10.0 here"
    )


def test_save_overwrites_whole_and_leaves_no_temporary(net, tmp_path):
    sim = Simulation(net, end_hours=0.2)
    path = sim.save_state(tmp_path / "s.npz")
    sim.step_advance(120.0)
    sim.router.names_of_something = np.array([object()], dtype=object)  # not saveable: skipped
    sim.save_state(path)
    assert read_state_header(path)["t_s"] == sim.t_s
    (tmp_path / "plain").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        sim.save_state(tmp_path / "plain" / "s.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain", "s.npz"]


def test_a_state_saved_before_the_first_step_rewinds_a_simulation_with_dwf(tmp_path):
    """A state saved at the start holds no dry-weather cache key yet (null); loading it
    into a simulation that has run (its key a tuple) rewinds it to the plain run."""
    rtc = twin.load_network("rtc")
    plain = Simulation(rtc, end_hours=0.5).run()
    sim = Simulation(rtc, end_hours=0.5)
    path = sim.save_state(tmp_path / "at0")
    sim.advance_to("2024-07-15T00:20")
    assert isinstance(sim.inflows._dwf_key, tuple)
    sim.load_state(path)
    assert sim.inflows._dwf_key is None
    xr.testing.assert_identical(sim.run(), plain)
