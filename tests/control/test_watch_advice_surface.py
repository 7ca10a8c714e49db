"""`Twin(..., surface=True, advise=True)`: advice in a watch coupled to the 2D street surface.

The plan runs on the sewer: every cycle the members' states are also written without
the surface (``states/sewer-{a,b}``), and a simulation built without the surface loads
them with the sewer exactly as the coupled member had it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import twin
from twin.control.watch_advice import read_advice
from twin.engine.simulation import Simulation
from twin.ops.sensors import SensorSet
from twin.ops.watch import Twin

pytestmark = pytest.mark.slow


def test_a_surface_watch_is_advised_on_its_members_sewer(tmp_path):
    net = twin.scenarios.load_scenario("seoul-100mmh").apply(twin.load_network("small"))
    tw = Twin(net, SensorSet([]), tmp_path, members=2, cycle_min=20, horizon_min=20,
              surface=True, assimilation="none", seed=1, advise=True)  # fmt: skip
    tw.step(2400.0)
    recs = read_advice(tmp_path / "advice.jsonl")
    assert recs and {r["issued"] for r in recs} == {r["issued"] for r in recs if r["issued"]}
    now = [r for r in recs if r["when"] == "now"]
    assert now and all(r["expected_flood_m3"] >= 0.0 for r in recs)
    assert all(r["benefit_p10_m3"] <= r["expected_benefit_m3"] <= r["benefit_p90_m3"]
               for r in recs)  # fmt: skip
    # the states the plan started from: the coupled members' sewer, without the streets
    folder = tmp_path / "states" / f"sewer-{tw._states_slot}"
    paths = sorted(folder.glob("member-*.state"))
    assert len(paths) == 2
    for k, path in enumerate(paths):
        coupled = tw.members.sims[k]
        assert coupled.couplers  # the member itself runs with the street surface
        plain = Simulation(coupled.net, **tw.options)
        plain.assimilation_log_rain_factor = plain.assimilation_volume_m3 = 0.0  # a watch's
        plain.load_state(path)
        assert plain.couplers == [] and plain.t_s == coupled.t_s
        np.testing.assert_array_equal(plain.router.node_state.depth,
                                      coupled.router.node_state.depth)  # fmt: skip
        np.testing.assert_array_equal(plain.router.link_state.flow,
                                      coupled.router.link_state.flow)  # fmt: skip
    assert float(tw.members.sims[0].router.node_state.depth.max()) > 0.1  # it rained
    header = json.loads(np.load(paths[0])["__header__"][()])
    assert header["couplers"] == []
