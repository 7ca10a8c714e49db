"""Policies x members when every member has its own network (a watch loop's members,
each with its own roughness): a row runs its member's network, checked against a
plain simulation of that member; the state files' fingerprint check still holds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.control.actuators import actuators_of
from twin.control.measures import flood_volume_m3, inflow_volume_m3
from twin.control.members import Forecast, PolicyEvaluator, check_same_elements
from twin.control.schedules import passive_schedule
from twin.control.truth import gauge_rain
from twin.engine.simulation import Simulation
from twin.errors import InputError
from twin.networks.catalog import load_network
from twin.ops.members import member_networks
from twin.scenarios.modify import copy_network
from twin.scenarios.scenario import Scenario

NOW_S, HORIZON_S = 1800.0, 1800.0


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    storm = Scenario.design("huff2", depth_mm=60, duration_min=40, step_min=5)
    net = storm.replace(time_shift_min=30, tail_hours=0.75).apply(load_network("rtc"))
    net = dataclasses.replace(net, controls="")
    nets = member_networks(net, 2, 0.3, seed=5)
    folder = tmp_path_factory.mktemp("states")
    states = []
    for k, n in enumerate(nets):
        sim = Simulation(n)
        sim.step_advance(NOW_S)
        states.append(sim.save_state(folder / f"member-{k:03d}.state"))
    times, rates = gauge_rain(net)
    fc = Forecast(times, np.stack([rates, rates]))
    return net, nets, states, fc


def _reference(n, state, fc, m):
    """Member ``m`` alone: a plain Simulation of its network from its state."""
    sim = Simulation(n)
    sim.load_state(state)
    start = sim.opts.start.astype("datetime64[ms]")
    r = fc.rates_mmh[m][:, 0]
    for i in np.flatnonzero(np.r_[True, np.diff(r) != 0.0]):
        when = start + np.timedelta64(int(round(fc.times_s[i] * 1000)), "ms")
        sim.set_rainfall(float(r[i]), gauge=0, start=when)
    f0, q0 = flood_volume_m3(sim), inflow_volume_m3(sim)
    sim.controls = None
    t = sim.t_s
    while t < NOW_S + HORIZON_S - 1e-9:
        t = min(t + 60.0, NOW_S + HORIZON_S)
        sim.step_advance(t - sim.t_s)
    return flood_volume_m3(sim) - f0, inflow_volume_m3(sim) - q0


def test_each_row_runs_its_members_network(members):
    net, nets, states, fc = members
    acts = actuators_of(net)
    ev = PolicyEvaluator(net, acts, member_networks=dict(zip(states, nets, strict=True)),
                         rows=4)  # fmt: skip
    passive = passive_schedule(acts, 3)
    out = ev.evaluate(states, fc, [passive, passive], HORIZON_S, 600.0)
    assert not out.failed.any()
    for m in range(2):
        flood, inflow = _reference(nets[m], states[m], fc, m)
        for p in range(2):
            np.testing.assert_allclose(out.node_inflow_m3[p, m], inflow, rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(out.node_flood_m3[p, m], flood, rtol=1e-6, atol=1e-6)
    # the members' own roughness matters: the two rows differ
    assert not np.allclose(out.node_inflow_m3[0, 0], out.node_inflow_m3[0, 1])


def test_a_state_on_another_members_network_is_refused(members):
    net, nets, states, fc = members
    ev = PolicyEvaluator(net, actuators_of(net), member_networks={states[0]: nets[1]})
    with pytest.raises(InputError, match="fingerprint"):
        ev.evaluate(states[:1], fc.subset([0]), [passive_schedule(ev.actuators, 1)], 600.0,
                    600.0)  # fmt: skip


def test_a_member_network_with_other_elements_is_refused(members):
    net, nets, states, _ = members
    other = copy_network(nets[0])
    other.nodes.name[3] = "SOMEWHERE_ELSE"
    with pytest.raises(InputError, match="node names"):
        check_same_elements(net, other)
    with pytest.raises(InputError, match="node names"):
        PolicyEvaluator(net, actuators_of(net), member_networks={states[0]: other})
