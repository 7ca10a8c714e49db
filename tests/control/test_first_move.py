"""The plan's first move, the only one the plant gets in a receding horizon, is compared
with every other level of each actuator over the best continuation found (issue 21's
Chicago case: a sampled search paired the wet well's draw-down before the rain only
with poor continuations and kept the pump off)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.control.config import default_config, with_ruled_actuators
from twin.control.members import PolicyEvaluator
from twin.control.rules import rules_on
from twin.control.schedules import feasible
from twin.control.search import SearchSettings, _first_moves, _guarded, _scores, plan
from twin.control.truth import gauge_rain, perturbed_forecast
from twin.engine.simulation import Simulation
from twin.networks.catalog import load_network
from twin.scenarios.scenario import Scenario


def test_first_moves_change_only_the_first_interval_of_set_actuators():
    rtc = load_network("rtc")
    cfg = with_ruled_actuators(default_config(rtc), rtc)
    acts = cfg.actuators  # PUMP1 (0, 1), OR_TANK (0, .25, .5, 1), W_CSO (0, .5, 1)
    s = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 0.25], [np.inf] * 3])
    cur = np.array([0.0, 1.0, 1.0])

    def fix(x):
        return feasible(x, acts, cur, np.full(3, 1e9), 600.0)

    moves = _first_moves(s, acts, fix, set())
    # the pump's other level, the gate's three others; the weir is left to the rules
    assert len(moves) == 1 + 3
    for m in moves:
        assert np.array_equal(m[:, 1:], s[:, 1:])
        assert np.isinf(m[2]).all()
        assert np.sum(m[:, 0] != s[:, 0]) == 1
    assert {m[0, 0] for m in moves} == {0.0, 1.0} and {m[1, 0] for m in moves} >= {0.0, 0.5}
    assert _first_moves(s, acts, fix, {m.tobytes() for m in moves}) == []


@pytest.mark.slow
def test_no_other_first_move_makes_the_plan_cheaper_on_the_members(tmp_path):
    storm = Scenario.design("chicago", depth_mm=50, duration_min=30, step_min=5,
                            peak_ratio=0.4)  # fmt: skip
    truth = storm.replace(time_shift_min=20, tail_hours=0.5).apply(load_network("rtc"))
    model = dataclasses.replace(truth, controls="")
    cfg = with_ruled_actuators(default_config(truth), truth)
    acts = cfg.actuators
    sim = Simulation(model)  # before the rain: the wet well could be drawn down
    state = sim.save_state(tmp_path / "now.state")
    times, rates = gauge_rain(truth)
    fc = perturbed_forecast(times, rates, 0.0, 3600.0, 3, seed=1, observed=True)
    ev = PolicyEvaluator(model, acts, rules_network=rules_on(truth, acts.link_index),
                         storage_nodes=cfg.cost.storage_nodes, rows=12)  # fmt: skip
    current = np.array([sim.links[a.index].setting for a in acts])
    st = SearchSettings(ce_population=8, ce_rounds=1, finalists=2)
    p = plan(ev, [state] * 3, fc, cfg.cost, acts, 3600.0, 600.0, current, settings=st)
    assert p.flood_rules_m3.max() > 50.0  # members flood: there is something to plan
    assert p.kind not in ("passive", "rules")

    def fix(x):
        return feasible(x, acts, current, np.full(len(acts), 1e9), 600.0)

    moves = _first_moves(p.schedule, acts, fix, set())
    assert moves
    out = ev.evaluate([state] * 3, fc, moves, 3600.0, 600.0)
    total, flood = _scores(out, cfg.cost, moves, current)[:2]
    guarded = _guarded(total, flood, p.flood_rules_m3, st)
    assert np.all(guarded >= p.cost - 1e-6 * abs(p.cost))
