"""Candidate schedules: blocks, enumeration, limits, switches, the rules rows."""

from __future__ import annotations

import numpy as np
import pytest

from twin.control.actuators import ActuatorSet, actuators_of
from twin.control.members import ruled_rows
from twin.control.rules import rules_on
from twin.control.schedules import (
    blocks_for,
    enumerate_candidates,
    feasible,
    shifted,
    switch_count,
)
from twin.networks.catalog import load_network


@pytest.fixture(scope="module")
def rtc():
    return load_network("rtc")


def test_blocks_cover_the_horizon_and_start_with_one_interval():
    for n in range(1, 13):
        for k in (1, 2, 3, 4):
            b = blocks_for(n, k)
            assert sum(b) == n and min(b) >= 1 and len(b) <= k
            assert b[0] == (1 if k > 1 and n > 1 else n)


def test_enumeration_is_every_combination_within_the_budget(rtc):
    gate = actuators_of(rtc, ["OR_TANK"])  # 4 levels
    cands, blocks = enumerate_candidates(gate, 9, 81)
    assert blocks == [1, 2, 6] and len(cands) == 64
    assert len({c.tobytes() for c in cands}) == 64
    cands, blocks = enumerate_candidates(gate, 9, 81, ruleable=[True])
    assert len(cands) == 65 and ruled_rows(cands[-1]).all()
    two = actuators_of(rtc, ["OR_TANK", "PUMP1"])  # 4 x 2 levels: three blocks are too many
    cands, blocks = enumerate_candidates(two, 9, 81)
    assert blocks == [1, 8] and len(cands) == 16 * 4


def test_feasible_limits_the_rate_of_change_and_keeps_pumps_on_and_off(rtc):
    from dataclasses import replace

    base = actuators_of(rtc, ["OR_TANK", "PUMP1"])
    gate = replace(base[0], max_change=0.25)
    pump = replace(base[1], min_on_s=1200.0, min_off_s=0.0)
    acts = ActuatorSet((gate, pump))
    s = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 0.0]])
    f = feasible(s, acts, current=np.array([1.0, 1.0]), since_switch_s=np.array([0.0, 600.0]),
                 interval_s=600.0)  # fmt: skip
    np.testing.assert_allclose(f[0], [0.75, 0.5, 0.75, 1.0])
    # on for 10 min only: it must run 10 more; the switch back on then off again waits
    np.testing.assert_allclose(f[1], [1.0, 1.0, 0.0, 0.0])
    ruled = np.array([[np.inf] * 4, [0.0, 1.0, 0.0, 0.0]])
    assert np.isinf(feasible(ruled, acts, np.array([1.0, 0.0]), np.zeros(2), 600.0)[0]).all()


def test_switches_and_the_incumbent():
    s = np.array([[1.0, 0.5, 0.5, 1.0], [np.nan, np.nan, 1.0, 1.0], [np.inf] * 4])
    assert switch_count(s, np.array([1.0, 0.0, 1.0])) == 3.0
    np.testing.assert_allclose(shifted(s, 4)[0], [0.5, 0.5, 1.0, 1.0])


def test_rules_of_a_subset_of_actuators(rtc):
    idx = rtc.links.index_of()
    gate_only = rules_on(rtc, [idx["OR_TANK"]])
    assert "GATE_THROTTLE" in gate_only.controls and "PUMP_HOLD" not in gate_only.controls
    assert rules_on(rtc, [idx["OR_TANK"], idx["PUMP1"], idx["W_CSO"]]) is rtc
    assert rules_on(rtc, [idx["C_T1"]]) is None
