"""PID control rules against EPA SWMM 5.2 (issue 19): P, PI and PID pumps.

``data/pid_pumps.inp``: three wet wells, each emptied by a PUMP4-curve pump whose rule
``IF NODE Wk DEPTH > 0.5 THEN PUMP Pk SETTING = PID kp ki kd`` goes false and true again
as two inflow waves pass (P only; PI with ``ELSE SETTING = 0``; full PID).  SWMM's
recursive PID (controls.c ``getPIDSetting``) adds to the pump's target setting, keeps its
previous errors while the rule is false, resets them when the error stalls and takes the
routing step (not RULE_STEP) as its dt; every setting at every report time must be SWMM's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.agreement import run_and_compare

DATA = Path(__file__).parent / "data"
PUMPS = ["P1", "P2", "P3"]


@pytest.mark.swmm
@pytest.mark.parametrize("rule_step", [None, "00:01:00"], ids=["every-step", "rule-step-1min"])
def test_pid_pumps_agree_with_swmm(tmp_path, rule_step):
    text = (DATA / "pid_pumps.inp").read_text()
    if rule_step:
        text = text.replace("ROUTING_STEP ", f"RULE_STEP {rule_step}\nROUTING_STEP ", 1)
    ours, ref = run_and_compare(tmp_path / "pid.inp", text)
    ours_set = ours.link_setting.sel(link=PUMPS).values  # (time, pump)
    swmm_set = ref.link_capacity.sel(link=PUMPS).values  # SWMM reports a pump's setting
    diff = np.abs(ours_set - swmm_set).max(axis=0)
    assert diff.max() < 1e-4, dict(zip(PUMPS, diff, strict=True))
    # the rules really fired, stopped and fired again: each PID moved the setting in
    # both waves, held it in between, and the ELSE closed the PI pump in between
    t_h = (ours.time.values - ours.time.values[0]) / np.timedelta64(1, "h")
    moving = np.abs(np.diff(ours_set, axis=0)) > 1e-6
    first, lull, second = (t_h[1:] < 1.5), (t_h[1:] > 1.7) & (t_h[1:] < 2.0), t_h[1:] > 2.0
    for k in (0, 2):
        assert moving[first, k].any() and moving[second, k].any(), PUMPS[k]
        assert not moving[lull, k].any(), PUMPS[k]
    assert (ours_set[1:][lull, 1] == 0.0).any() and ours_set[1:][second, 1].max() > 0.5
