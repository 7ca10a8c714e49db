"""Policies x members on a real dask.distributed cluster (two worker processes on
loopback) give the same outcomes, bit for bit, as in this process."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.control.config import default_config
from twin.control.distributed import DaskPolicyEvaluator
from twin.control.members import RULES, PolicyEvaluator
from twin.control.schedules import passive_schedule
from twin.control.truth import gauge_rain, perturbed_forecast
from twin.engine.simulation import Simulation
from twin.networks.catalog import load_network
from twin.scenarios.scenario import Scenario

pytestmark = pytest.mark.slow


def test_dask_evaluation_equals_local_evaluation(tmp_path):
    from dask.distributed import Client, LocalCluster

    storm = Scenario.design("huff2", depth_mm=50, duration_min=30, step_min=5)
    truth = storm.replace(time_shift_min=10, tail_hours=0.3).apply(load_network("rtc"))
    model = dataclasses.replace(truth, controls="")
    sim = Simulation(model)
    sim.step_advance(900.0)
    state = sim.save_state(tmp_path / "now.state")
    cfg = default_config(truth)
    times, rates = gauge_rain(truth)
    fc = perturbed_forecast(times, rates, sim.t_s, 1200.0, 2, seed=5)
    gate = passive_schedule(cfg.actuators, 2)
    gate[cfg.actuators.names.index("OR_TANK")] = 0.25
    policies = [passive_schedule(cfg.actuators, 2), RULES, gate]
    kw = dict(rules_network=truth, rows=2, storage_nodes=cfg.cost.storage_nodes)
    local = PolicyEvaluator(model, cfg.actuators, **kw).evaluate(
        [state, state], fc, policies, 1200.0, 600.0
    )
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        ev = DaskPolicyEvaluator(client, model, cfg.actuators, **kw)
        remote = ev.evaluate([state, state], fc, policies, 1200.0, 600.0)
        assert len(client.scheduler_info()["workers"]) == 2
    for name in ("node_flood_m3", "node_inflow_m3", "energy_kwh", "stored_m3", "excess_m3",
                 "settings", "failed"):  # fmt: skip
        np.testing.assert_array_equal(getattr(remote, name), getattr(local, name), err_msg=name)


def test_dask_evaluation_with_member_networks_equals_local(tmp_path):
    """Each member on its own network (a watch loop's members): on the cluster every
    row runs its member's network, as in this process, bit for bit; a watch adviser
    given the client plans the same advice as one planning in this process."""
    from dask.distributed import Client, LocalCluster

    from twin.control.watch_advice import WatchAdviser
    from twin.ops.members import member_networks

    storm = Scenario.design("huff2", depth_mm=60, duration_min=40, step_min=5)
    truth = storm.replace(time_shift_min=30, tail_hours=0.75).apply(load_network("rtc"))
    model = dataclasses.replace(truth, controls="")
    nets = member_networks(model, 2, 0.3, seed=5)
    states = []
    for k, n in enumerate(nets):
        sim = Simulation(n)
        sim.step_advance(1800.0)
        states.append(sim.save_state(tmp_path / f"member-{k:03d}.state"))
    cfg = default_config(truth)
    times, rates = gauge_rain(truth)
    fc = perturbed_forecast(times, rates, 1800.0, 1200.0, 2, seed=5)
    gate = passive_schedule(cfg.actuators, 2)
    gate[cfg.actuators.names.index("OR_TANK")] = 0.25
    policies = [passive_schedule(cfg.actuators, 2), RULES, gate]
    kw = dict(rules_network=truth, rows=2, storage_nodes=cfg.cost.storage_nodes,
              member_networks=dict(zip(states, nets, strict=True)))  # fmt: skip
    local = PolicyEvaluator(model, cfg.actuators, **kw).evaluate(
        states, fc, policies, 1200.0, 600.0
    )
    assert not np.allclose(local.node_inflow_m3[0, 0], local.node_inflow_m3[0, 1])

    gate_toml = tmp_path / "gate.toml"
    gate_toml.write_text('[[actuator]]\nlink = "OR_TANK"\nlevels = [0.25, 1.0]\n')

    def advice(client, folder):
        folder.mkdir()
        adv = WatchAdviser(model, nets, {}, folder, actuators=gate_toml, horizon_s=1200.0,
                           interval_s=600.0, client=client)  # fmt: skip
        with pytest.MonkeyPatch.context() as mp:  # the states are plain runs'
            mp.setattr("twin.control.watch_advice._watch_member_attributes", lambda sim: None)
            recs = adv.cycle(np.datetime64("2024-07-15T00:30:00"), states, fc.times_s,
                             fc.rates_mmh, np.zeros(2))  # fmt: skip
        return recs, type(adv._evaluator).__name__

    here, kind_here = advice(None, tmp_path / "here")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        ev = DaskPolicyEvaluator(client, model, cfg.actuators, **kw)
        remote = ev.evaluate(states, fc, policies, 1200.0, 600.0)
        again = ev.evaluate(states, fc, policies, 1200.0, 600.0)  # the workers' batches kept
        there, kind_there = advice(client, tmp_path / "there")
        assert len(client.scheduler_info()["workers"]) == 2
    for name in ("node_flood_m3", "node_inflow_m3", "energy_kwh", "stored_m3", "excess_m3",
                 "settings", "failed"):  # fmt: skip
        np.testing.assert_array_equal(getattr(remote, name), getattr(local, name), err_msg=name)
        np.testing.assert_array_equal(getattr(again, name), getattr(local, name), err_msg=name)
    assert (kind_here, kind_there) == ("PolicyEvaluator", "DaskPolicyEvaluator")
    assert there == here and len(here) >= 1
