"""What a reading may teach the rain factor (:mod:`twin.ops.rainfactor`).

The network-wide log rain factor (the state's last column) is moved by every used depth
reading in the default filter, also by readings whose members cannot explain a depth
by rain: members pinned at the rim, members whose depth does not respond to their rain
factors, one sensor backing up while the others read what the members predict.  Each
rule takes such a reading's increment of the factor away and leaves the state's update
alone; the relaxation pulls the factor's mean toward its prior with a stated time.
"""

import math

import numpy as np
import pytest

from twin.ops.enkf import FilterSettings, Observations, enkf_update
from twin.ops.rainfactor import relax_log_factor, response_threshold

RIM_M = 1.0  # the nodes' greatest depth


def _obs(values, cols, n_state, since_s=0.0):
    """Depth readings of the node columns ``cols`` with 1 cm error, each localised over
    its own column and the log factor (the last column) with full weight."""
    k = len(cols)
    idx = [np.array([c, n_state - 1]) for c in cols]
    return Observations(np.array(cols), np.ones(k), np.zeros(k), np.array(values, float),
                        np.full(k, 0.01), idx, [np.ones(2)] * k, n_nodes=n_state - 1,
                        depth_max=np.full(n_state - 1, RIM_M), since_s=since_s)  # fmt: skip


def _update(X, obs, **kw):
    """``X`` after the update with ``kw``; without them, every reading informing the
    factor with its full weight (the filter before 2026-12-07)."""
    Y = X.copy()
    enkf_update(Y, obs, FilterSettings(**{"rtps": 0.0, "param_min_sd": 0.0,
                                          "param_shared": False, **kw}))  # fmt: skip
    return Y


def test_members_at_the_rim_do_not_teach_the_factor():
    # five of eight members at the rim (censored: "at least 1 m"), correlated with the
    # factor only through the censoring; the reading 0.9 m is within the gate off the rim
    f = np.linspace(-0.3, 0.5, 8)
    depth = np.array([0.80, 0.85, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0])
    X = np.column_stack([depth, f])
    obs = _obs([0.85], [0], 2)
    default = _update(X, obs)
    rule = _update(X, obs, param_censored=True)
    assert abs(default[:, 1].mean() - f.mean()) > 0.05  # the default moves the factor
    np.testing.assert_allclose(rule[:, 1], f, rtol=0, atol=1e-15)  # the rule: no increment at all
    np.testing.assert_array_equal(rule[:, 0], default[:, 0])  # the state as before
    # three of eight at the rim: under half, the reading still informs the factor
    X[3:5, 0] = [0.95, 0.97]
    np.testing.assert_array_equal(_update(X, obs, param_censored=True), _update(X, obs))


def test_a_depth_that_does_not_respond_to_rain_does_not_teach_the_factor():
    rng = np.random.default_rng(3)
    f = rng.normal(0.0, 0.25, 8)
    assert response_threshold(8) == pytest.approx(0.621, abs=1e-3)  # t(6), one-sided 5 %
    # node 0 backs up from downstream: its depth does not follow the members' rain
    # (a weak spurious correlation); node 1's does
    fz = (f - f.mean()) / f.std()
    g = rng.normal(size=8)
    g -= g.mean() + (g @ fz) * fz / 8.0
    flat = 0.5 + 0.05 * (0.3 * fz + math.sqrt(1.0 - 0.09) * g / g.std())  # corr 0.3
    follows = 0.3 + 0.8 * f
    X = np.column_stack([flat, follows, f])
    corr = np.corrcoef(f, flat)[0, 1]
    assert 0.1 < corr < response_threshold(8)
    obs = _obs([0.6], [0], 3)
    default = _update(X, obs)
    rule = _update(X, obs, param_responsive=True)
    assert default[:, 2].mean() - f.mean() > 0.02  # the backwater read as rain
    np.testing.assert_allclose(rule[:, 2], f, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(rule[:, 0], default[:, 0])
    # a depth that follows the rain still teaches it, exactly as before
    obs = _obs([0.45], [1], 3)
    np.testing.assert_array_equal(_update(X, obs, param_responsive=True), _update(X, obs))


def test_one_backwater_against_the_others_counts_little():
    rng = np.random.default_rng(5)
    f = rng.normal(0.0, 0.25, 8)
    X = np.column_stack([0.3 + 0.5 * f[:, None] + 0.01 * rng.normal(size=(8, 4)), f])
    mean = X[:, :4].mean(axis=0)
    # sensor 0 reads 5 cm more than the members (a backwater), the other three 1 cm less
    obs = _obs(mean + np.array([0.05, -0.01, -0.01, -0.01]), [0, 1, 2, 3], 5)
    one = _update(X, _obs(mean[:1] + 0.05, [0], 5))
    one_rule = _update(X, _obs(mean[:1] + 0.05, [0], 5), param_consensus=True)
    np.testing.assert_array_equal(one, one_rule)  # alone, a sensor keeps its weight
    default = _update(X, obs)
    rule = _update(X, obs, param_consensus=True)
    up, up_rule = default[:, 4].mean() - f.mean(), rule[:, 4].mean() - f.mean()
    assert up > 0.05  # the backwater wins the default
    assert up_rule < 0.25 * up  # weighted 1/4 against the others' 3/4, much less
    np.testing.assert_array_equal(rule[:, :4], default[:, :4])  # the state as before
    # all four reading more (rain under-caught): the same as the default
    obs = _obs(mean + 0.03, [0, 1, 2, 3], 5)
    np.testing.assert_array_equal(_update(X, obs, param_consensus=True), _update(X, obs))


def test_the_factor_relaxes_toward_its_prior_with_the_stated_time():
    X = np.column_stack([np.full(4, 0.3), np.array([0.5, 0.6, 0.7, 0.8])])
    Y = X.copy()
    relax_log_factor(Y, 300.0, 60.0)
    a = math.exp(-5.0 / 60.0)
    assert Y[:, 1].mean() == pytest.approx(0.65 * a)
    assert Y[:, 1].std() == pytest.approx(X[:, 1].std())  # the spread kept
    np.testing.assert_array_equal(Y[:, 0], X[:, 0])
    # in the update, before it (no reading used: only the relaxation)
    assert FilterSettings().param_shared  # the default since 2026-12-07
    Z = X.copy()
    enkf_update(Z, _obs([np.nan], [0], 2, since_s=300.0), FilterSettings(param_tau_min=60.0))
    np.testing.assert_allclose(Z, Y)
    Z = X.copy()  # off by default
    enkf_update(Z, _obs([np.nan], [0], 2, since_s=300.0), FilterSettings())
    np.testing.assert_array_equal(Z, X)


def test_agreeing_sensors_share_one_increment_of_the_factor():
    # six sensors all 10 cm above the members (the storm's rise), their depths correlated
    # with the factor about 0.8 (each has its own other errors): the default counts six
    # readings of one shared excess as six pieces of evidence, the shared rule as one
    rng = np.random.default_rng(7)
    f = rng.normal(0.0, 0.25, 8)
    X = np.column_stack([0.3 + 0.5 * f[:, None] + 0.1 * rng.normal(size=(8, 6)), f])
    mean = X[:, :6].mean(axis=0)
    six = _obs(mean + 0.1, list(range(6)), 7)
    one = _update(X, _obs(mean[:1] + 0.1, [0], 7))[:, 6].mean() - f.mean()
    default = _update(X, six)
    shared = _update(X, six, param_shared=True)
    both = default[:, 6].mean() - f.mean()
    assert both > 1.5 * one  # each reading counted as independent evidence
    assert shared[:, 6].mean() - f.mean() == pytest.approx(one, rel=0.25)  # about one
    np.testing.assert_array_equal(shared[:, :6], default[:, :6])  # the state as before
