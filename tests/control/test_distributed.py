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
