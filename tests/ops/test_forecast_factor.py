"""The pooled forecast rain factor (``FilterSettings(forecast_factor="pooled")``).

The filter's rain factor is a random walk that follows the rising and falling limbs;
on the issue-17 oracle case a factor of 1.77 learnt from the storm's first 14 mm/h (the
truth's is 1.3) rained on a whole 2-h forecast and cost the 60-minute forecast more
than the updates won (README, "Why the forecast gain is spent").  The pooled factor
takes the event's factor as constant and each cycle's analysed factor as a measurement
of it, weighted by the cycle's rain, shrunk to the members' prior by the cycles'
scatter.
"""

from __future__ import annotations

import numpy as np
import pytest

from twin.errors import InputError
from twin.ops.enkf import FilterSettings, pooled_log_factor


def test_no_rain_gives_the_prior_and_one_wet_cycle_its_own_value():
    assert pooled_log_factor([0.5, 0.7], [0.0, 0.0], 0.25) == 0.0
    assert pooled_log_factor([], [], 0.25) == 0.0
    assert pooled_log_factor([0.3, 0.9], [0.0, 2.0], 0.25) == pytest.approx(0.9)


def test_agreeing_cycles_give_their_value_dry_cycles_count_for_nothing():
    x = np.log([1.3, 1.3, 1.3, 2.5])
    w = [2.0, 5.0, 9.0, 0.0]  # the last cycle dry: its factor is not evidence
    assert pooled_log_factor(x, w, 0.25) == pytest.approx(np.log(1.3))


def test_a_jump_on_little_rain_is_shrunk_to_the_prior():
    """The oracle case's first two cycles: 0.99 on 1.9 mm, 1.77 on 2.4 mm."""
    x, w = np.log([0.99, 1.77]), np.array([1.9, 2.4])
    xbar = (w * x).sum() / w.sum()
    c = (w * (x - xbar) ** 2).sum()  # n - 1 = 1
    expected = (w * x).sum() / (c / 0.25**2 + w.sum())
    got = pooled_log_factor(x, w, 0.25)
    assert got == pytest.approx(expected)
    assert 0.0 < got < 0.5 * xbar  # shrunk by more than half towards the prior
    assert np.exp(got) < 1.3 < 1.77
    # the weights count relative to each other (the scatter is per mm of rain): ten
    # times the rain with the same scatter shrinks alike
    assert pooled_log_factor(x, 10 * w, 0.25) == pytest.approx(got)
    # later cycles that agree on 1.3 carry it there
    later = pooled_log_factor(np.r_[x, np.log([1.3] * 4)], np.r_[w, [3.0, 6.0, 13.0, 16.0]], 0.25)
    assert got < later and abs(np.exp(later) - 1.3) < 0.1
    # a wider prior shrinks less
    assert got < pooled_log_factor(x, w, 1.0) < xbar


def test_the_setting_is_checked():
    assert FilterSettings(forecast_factor="pooled").checked().forecast_factor == "pooled"
    assert FilterSettings().forecast_factor == "member"
    with pytest.raises(InputError, match="forecast_factor"):
        FilterSettings(forecast_factor="mean").checked()


@pytest.mark.parametrize("option", ["member", "pooled"])
def test_the_forecast_members_get_the_pooled_factor_the_analysis_keeps_its_own(option, tmp_path):
    from twin.networks.catalog import load_network
    from twin.ops.watch import FACTOR_PRIOR_SD, Twin
    from twin.validation.twin_experiment import sensor_set

    net = load_network("small")
    junctions = np.flatnonzero(np.asarray(net.nodes.kind) == 0)[:2]
    tw = Twin(net, sensor_set(net, junctions), tmp_path, members=4, seed=1, end_hours=1,
              filter_settings=FilterSettings(forecast_factor=option))  # fmt: skip
    tw.t_s = 600.0  # the cycle's rain: the gauge's first 10 minutes, 11.2 mm/h
    tw._note_factor()
    assert tw._factor_history[-1][1] == pytest.approx(11.2 / 6, rel=0.01)
    tw._factor_history = [(np.log(0.99), 1.9), (np.log(1.77), 2.4)]
    dev = np.array([-0.1, 0.0, 0.05, 0.05])
    tw.members.log_rain_factor[:] = np.log(1.77) + dev
    own = tw.members.log_rain_factor.copy()
    got = np.array([s[1] for s in tw._forecast_snapshots()])
    np.testing.assert_array_equal(tw.members.log_rain_factor, own)
    if option == "member":
        np.testing.assert_allclose(got, own)
    else:
        pooled = pooled_log_factor(*np.array(tw._factor_history).T, FACTOR_PRIOR_SD)
        np.testing.assert_allclose(got, pooled + dev)
        assert np.exp(got.mean()) < 1.3
