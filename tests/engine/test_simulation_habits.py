"""A Simulation as PySWMM users hold one: by name or file, a datetime clock, short reprs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import xarray as xr

import twin
from tests.corpus import pyswmm_model
from twin.errors import InputError

NETWORK = "small-conduits"
END_H = 0.25


def test_a_name_runs_like_simulate(plain):
    xr.testing.assert_identical(twin.Simulation(NETWORK, end_hours=END_H).run(), plain)
    xr.testing.assert_identical(twin.simulate(NETWORK, end_hours=END_H), plain)


def test_an_inp_path_runs_like_simulate():
    inp = pyswmm_model("model_weir_setting.inp")
    ran = twin.Simulation(inp, end_hours=1.0).run()
    xr.testing.assert_identical(ran, twin.simulate(inp, end_hours=1.0))
    with pytest.raises(InputError):
        twin.Simulation("no-such-network")


def test_clock_is_datetimes_and_percent_complete_a_fraction(net):
    sim = twin.Simulation(net, end_hours=END_H)
    assert isinstance(sim.start_time, datetime) and isinstance(sim.end_time, datetime)
    assert sim.end_time - sim.start_time == timedelta(hours=END_H)
    assert sim.current_time == sim.start_time and sim.percent_complete == 0.0
    sim.step_advance(450.0)
    assert isinstance(sim.current_time, datetime)
    assert sim.current_time - sim.start_time == timedelta(seconds=sim.t_s)
    assert sim.percent_complete == pytest.approx(sim.t_s / (END_H * 3600.0))
    assert 0.5 <= sim.percent_complete < 0.6
    sim.run()
    assert sim.current_time == sim.end_time and sim.percent_complete == 1.0


def test_reprs_are_short(net):
    sim = twin.Simulation("medium-conduits", end_hours=0.1)  # 1,496 conduits
    for obj in (sim, sim.nodes, sim.links, sim.subcatchments, sim.nodes[0], sim.net):
        text = repr(obj)
        assert "\n" not in text and len(text) < 200, text
    assert repr(sim).startswith("Simulation('medium-conduits.inp', ")
    assert repr(sim).endswith("at 0.0 %)")
    assert repr(sim.nodes).startswith(f"ElementViews({len(sim.nodes)} nodes: ")
    assert repr(sim.links[1]) == f"LinkView({sim.net.links.name[1]!r})"
