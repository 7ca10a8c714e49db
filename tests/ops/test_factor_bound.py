"""The rain factor's runaway and its bound (``FilterSettings.param_bound_sd``).

A sensor downstream of a partly blocked pipe reads more than rain alone would give,
its backwater growing by 7 cm a cycle (20 min) with the storm's rise to 0.7 m; the
members carry no blockage, so every cycle the only state that explains the excess is
the network-wide log rain factor (state augmentation, full weight, RTPS and
``param_min_sd`` keep its spread and so its gain): it climbs cycle after cycle far
beyond its prior (README, "The rain factor's runaway").  The bound keeps the analysed
mean within ``param_bound_sd`` prior standard deviations.
"""

import numpy as np
import pytest

from twin.errors import InputError
from twin.ops.enkf import FACTOR_PRIOR_SD, FilterSettings, Observations, enkf_update

TRUE_LOG_FACTOR = np.log(1.3)
BACKWATER_M = 0.07  # more per cycle, up to 0.7 m


def _depth(log_factor):
    return 0.3 + 1.0 * log_factor  # the sensor's depth as the rain makes it


def _run(settings, cycles=12, members=8, seed=0):
    rng = np.random.default_rng(seed)
    f = rng.normal(0.0, FACTOR_PRIOR_SD, members)  # the members' log rain factors
    means = []
    for k in range(cycles):
        # each cycle the members run with their own factors (and a little noise)
        X = np.column_stack([_depth(f) + rng.normal(0.0, 0.02, members), f])
        reading = _depth(TRUE_LOG_FACTOR) + BACKWATER_M * min(k + 1, 10) + rng.normal(0.0, 0.01)
        obs = Observations(np.array([0]), np.ones(1), np.zeros(1), np.array([reading]),
                           np.array([0.01]), [np.arange(2)], [np.ones(2)], n_nodes=1)  # fmt: skip
        enkf_update(X, obs, settings)
        f = X[:, 1].copy()
        means.append(f.mean())
    return np.array(means), f


def test_without_a_bound_the_factor_runs_away_with_the_backwater():
    means, f = _run(FilterSettings())
    assert np.exp(means[-1]) > 2.5  # the 2.6-3.2 (truth 1.3)
    assert np.exp(means).max() > 2.5


def test_the_bound_holds_the_mean_within_its_prior_sds_and_keeps_the_spread():
    s = FilterSettings(param_bound_sd=2.0)
    means, f = _run(s)
    lim = 2.0 * FACTOR_PRIOR_SD
    assert np.all(means <= lim + 1e-12)
    assert means[-1] == pytest.approx(lim)  # the runaway is held at the bound
    assert f.std(ddof=1) >= s.param_min_sd - 1e-12  # still a spread: still a gain
    # below the bound nothing changes: a factor that does not run away is untouched
    X = np.column_stack([np.linspace(0.2, 0.5, 8), np.linspace(-0.2, 0.4, 8)])
    obs = Observations(np.array([0]), np.ones(1), np.zeros(1), np.array([0.36]),
                       np.array([0.01]), [np.arange(2)], [np.ones(2)], n_nodes=1)  # fmt: skip
    a, b = X.copy(), X.copy()
    enkf_update(a, obs, FilterSettings())
    enkf_update(b, obs, s)
    np.testing.assert_array_equal(a, b)


def test_the_bound_in_the_update_scales_the_state_with_the_factor():
    # the observation's whole increment is scaled: the factor lands on the bound and
    # the read depth moves by the same fraction of its own increment
    s = FilterSettings(param_bound_sd=2.0, param_bound_in_update=True, rtps=0.0)
    means, _ = _run(s)
    assert np.all(means <= 2.0 * FACTOR_PRIOR_SD + 1e-12)
    X = np.column_stack([_depth(np.linspace(0.2, 0.6, 8)), np.linspace(0.2, 0.6, 8)])
    obs = Observations(np.array([0]), np.ones(1), np.zeros(1), np.array([1.2]),
                       np.array([0.01]), [np.arange(2)], [np.ones(2)], n_nodes=1)  # fmt: skip
    full, part = X.copy(), X.copy()
    enkf_update(full, obs, FilterSettings(rtps=0.0, param_min_sd=0.0))
    enkf_update(part, obs, FilterSettings(rtps=0.0, param_min_sd=0.0, param_bound_sd=2.0,
                                          param_bound_in_update=True))  # fmt: skip
    assert part[:, 1].mean() == pytest.approx(0.5)
    a = (0.5 - X[:, 1].mean()) / (full[:, 1].mean() - X[:, 1].mean())
    assert 0.0 < a < 1.0
    np.testing.assert_allclose(part, X + a * (full - X))


def test_the_step_limit_slows_the_runaway_to_its_pace():
    s = FilterSettings(param_step_sd=0.5)
    means, f = _run(s, cycles=4)
    steps = np.diff(np.r_[0.0, means])
    free, _ = _run(FilterSettings(), cycles=4)
    assert np.abs(np.diff(np.r_[0.0, free])).max() > 0.5 * FACTOR_PRIOR_SD  # unlimited
    assert np.all(np.abs(steps[1:]) <= 0.5 * FACTOR_PRIOR_SD + 1e-12)
    assert f.std(ddof=1) >= s.param_min_sd - 1e-12


def test_the_bound_is_checked():
    with pytest.raises(InputError):
        FilterSettings(param_bound_sd=-1.0).checked()
    with pytest.raises(InputError):
        FilterSettings(param_step_sd=-1.0).checked()
