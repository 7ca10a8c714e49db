"""Advice from member states and forecast rain (what ``twin watch --advise`` calls),
checked against EPA SWMM: the advised gate schedule, applied in SWMM from the time of
the advice with the rain that really falls, floods less than leaving the gate open."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.control.advice import advise
from twin.control.config import load_config
from twin.control.plants import SwmmPlant
from twin.control.truth import gauge_rain, perturbed_forecast
from twin.engine.simulation import Simulation
from twin.networks.catalog import load_network
from twin.scenarios.scenario import Scenario

pytestmark = [pytest.mark.swmm, pytest.mark.slow]

NOW_S, HORIZON_S, INTERVAL_S = 1800.0, 3600.0, 600.0


@pytest.fixture(scope="module")
def advice(tmp_path_factory):
    storm = Scenario.design("huff2", depth_mm=60, duration_min=40, step_min=5)
    truth = storm.replace(time_shift_min=30, tail_hours=0.75).apply(load_network("rtc"))
    net = dataclasses.replace(truth, controls="")  # a city without rules
    folder = tmp_path_factory.mktemp("members")
    cfg_file = folder / "gate.toml"
    cfg_file.write_text('[[actuator]]\nlink = "OR_TANK"\nlevels = [0.0, 0.25, 0.5, 1.0]\n')
    cfg = load_config(cfg_file, net)
    states = []
    for k in range(2):  # two analysis members (here: the same history)
        sim = Simulation(net)
        sim.step_advance(NOW_S)
        states.append(sim.save_state(folder / f"member-{k:03d}.state"))
    times, rates = gauge_rain(truth)
    fc = perturbed_forecast(times, rates, NOW_S, HORIZON_S, 4, seed=11)
    adv = advise(net, [states[0], states[1], states[0], states[1]], fc.times_s, fc.rates_mmh,
                 config=cfg, horizon_s=HORIZON_S, interval_s=INTERVAL_S)  # fmt: skip
    return net, cfg, adv


def test_records_say_what_to_do_now_and_next_with_benefit_and_spread(advice):
    net, cfg, adv = advice
    recs = adv.records()
    # "now" is the members' clock: the first routing step (at most 5 s) ending at or after 00:30
    now = np.datetime64(recs[0]["time"])
    assert np.datetime64("2024-07-15T00:30:00") <= now <= np.datetime64("2024-07-15T00:30:05")
    assert recs[0]["when"] == "now"
    assert {r["element"] for r in recs} == {"OR_TANK"}
    assert all(r["when"] == "next" for r in recs[1:])
    assert [r["time"] for r in recs] == sorted(r["time"] for r in recs)
    r = recs[0]
    for key in ("setting", "expected_benefit_m3", "benefit_p10_m3", "benefit_p90_m3",
                "expected_flood_m3", "expected_cso_benefit_m3"):  # fmt: skip
        assert key in r
    assert r["benefit_p10_m3"] <= r["expected_benefit_m3"] <= r["benefit_p90_m3"]
    assert r["benefit_vs_rules_m3"] is None  # this city has no rules
    assert r["expected_benefit_m3"] > 100.0  # the storm floods JX; the tank can hold it back
    assert all(v["mode"] == "set" for v in recs)  # no rules in this city: settings
    assert min(v["setting"] for v in recs) < 1.0  # the advice throttles the gate


def test_the_advised_schedule_floods_less_in_swmm_than_passive(advice):
    net, cfg, adv = advice
    schedule = adv.plan.schedule[0]

    def swmm_flood(settings):
        plant = SwmmPlant(net)
        try:
            plant.advance_to(NOW_S)
            before = sum(plant.results()["node_flood_m3"].values())
            for i, v in enumerate(settings):
                plant.set_setting("OR_TANK", float(v))
                plant.advance_to(NOW_S + (i + 1) * INTERVAL_S)
            return sum(plant.results()["node_flood_m3"].values()) - before
        finally:
            plant.close()

    passive = swmm_flood(np.ones_like(schedule))
    advised = swmm_flood(schedule)
    assert passive > 500.0
    assert advised < 0.8 * passive


def test_states_with_a_watch_loops_attributes_need_before_load(advice, tmp_path):
    """A watch member's state carries attributes a plain simulation lacks (its rain
    factor, the volume its filter booked): the closed hot-start format refuses them
    unless ``before_load`` gives the rows those attributes first."""
    from twin.errors import InputError

    net, cfg, _ = advice
    sim = Simulation(net)
    sim.step_advance(NOW_S)
    sim.assimilation_log_rain_factor = 0.1
    sim.assimilation_volume_m3 = 2.0
    state = sim.save_state(tmp_path / "member-000.state")
    times = np.array([0.0, NOW_S + 1200.0])
    rates = np.full((2, 2, gauge_rain(net)[1].shape[1]), 20.0)

    def ask(**kw):
        return advise(net, [state], times, rates, config=cfg, horizon_s=1200.0,
                      interval_s=INTERVAL_S, **kw)  # fmt: skip

    with pytest.raises(InputError, match="assimilation_"):
        ask()

    def before_load(s):
        s.assimilation_log_rain_factor = 0.0
        s.assimilation_volume_m3 = 0.0

    recs = ask(before_load=before_load).records()
    assert recs[0]["time"] == str(np.datetime64(sim.current_time, "s"))  # the state's clock
    assert recs[0]["element"] == "OR_TANK"
