"""Policies x members from hot-start states: equal to plain runs, rows copied bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.control.config import default_config
from twin.control.measures import flood_volume_m3
from twin.control.members import RULES, PolicyEvaluator
from twin.control.schedules import passive_schedule
from twin.control.truth import gauge_rain, perturbed_forecast, true_forecast
from twin.engine.simulation import Simulation
from twin.networks.catalog import load_network
from twin.scenarios.scenario import Scenario

HORIZON_S, INTERVAL_S = 1800.0, 600.0


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    storm = Scenario.design("huff2", depth_mm=60, duration_min=40, step_min=5)
    truth = storm.replace(time_shift_min=20, tail_hours=0.5).apply(load_network("rtc"))
    model = dataclasses.replace(truth, controls="")
    sim = Simulation(model)
    sim.step_advance(1800.0)
    path = tmp_path_factory.mktemp("states") / "now.state"
    sim.save_state(path)
    cfg = default_config(truth)
    ev = PolicyEvaluator(model, cfg.actuators, rules_network=truth, rows=4,
                         storage_nodes=cfg.cost.storage_nodes)  # fmt: skip
    return truth, model, sim.t_s, path, cfg, ev


def test_a_member_with_the_true_rain_equals_the_plain_run(setup):
    truth, model, t0, path, cfg, ev = setup
    times, rates = gauge_rain(truth)
    out = ev.evaluate([path], true_forecast(times, rates, t0, HORIZON_S), [
        passive_schedule(cfg.actuators, 3)], HORIZON_S, INTERVAL_S)  # fmt: skip
    plain = Simulation(model)
    plain.step_advance(t0)
    before = flood_volume_m3(plain)
    plain.step_advance(HORIZON_S)
    expected = flood_volume_m3(plain) - before
    assert expected.sum() > 50.0  # the storm floods within the horizon
    np.testing.assert_allclose(out.node_flood_m3[0, 0], expected, rtol=2e-3, atol=0.5)


def test_rows_copied_in_memory_run_bit_for_bit_like_rows_read_from_the_file(setup):
    truth, model, t0, path, cfg, ev = setup
    times, rates = gauge_rain(truth)
    fc = perturbed_forecast(times, rates, t0, HORIZON_S, 3, seed=4)
    gate = passive_schedule(cfg.actuators, 3)
    gate[cfg.actuators.names.index("OR_TANK"), 1:] = 0.25
    policies = [passive_schedule(cfg.actuators, 3), RULES, gate]
    copied = ev.evaluate([path] * 3, fc, policies, HORIZON_S, INTERVAL_S)  # 4 rows a chunk
    one_by_one = PolicyEvaluator(model, cfg.actuators, rules_network=truth, rows=1,
                                 storage_nodes=cfg.cost.storage_nodes)  # fmt: skip
    loaded = one_by_one.evaluate([path] * 3, fc, policies, HORIZON_S, INTERVAL_S)
    for name in ("node_flood_m3", "node_inflow_m3", "energy_kwh", "stored_m3", "settings"):
        np.testing.assert_array_equal(getattr(copied, name), getattr(loaded, name), err_msg=name)
    # the gate closed to a quarter holds water back: less flood than passive
    flood = copied.node_flood_m3.sum(axis=2)
    assert flood[2].mean() < flood[0].mean()
    # the rules rows record what the rules did to the gate
    g = cfg.actuators.names.index("OR_TANK")
    assert np.nanmin(copied.settings[1, :, g, :]) < 1.0
