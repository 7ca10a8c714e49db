"""Adaptive prior inflation (Anderson 2009): its estimate on a scalar case whose right
inflation is known, and on the network, bounded with depths kept physical."""

import json

import numpy as np
import pytest
import xarray as xr

import twin
from twin.ops.enkf import AdaptiveInflation, FilterSettings, inflation_posterior
from twin.ops.qc import QCSettings
from twin.ops.watch import Twin
from twin.validation import twin_experiment as E


def _estimate(true_inflation, seed, cycles=800, n=20):
    """A scalar state observed directly: the members' spread is ``1 /
    sqrt(true_inflation)`` of the real prior error; returns the mean inflation of the
    last half of the cycles (no damping)."""
    rng = np.random.default_rng(seed)
    s = FilterSettings(inflation_adaptive=True, inflation_damping=1.0, inflation_max=20.0)
    inf = AdaptiveInflation(1)
    r, var = 0.5**2, 1.0
    seen = []
    for _ in range(cycles):
        X = rng.normal(0.0, np.sqrt(var), (n, 1))
        X = (X - X.mean()) / X.std(ddof=1) * np.sqrt(var)  # exactly the stated spread
        truth = rng.normal(0.0, np.sqrt(true_inflation * var))  # the real prior error
        y = truth + rng.normal(0.0, np.sqrt(r))
        inf.observe(X, X[:, 0], y, r, np.array([0]), np.array([1.0]), s)
        seen.append(inf.value[0])
    return float(np.mean(seen[cycles // 2 :]))


@pytest.mark.parametrize("true_inflation", [1.0, 2.0, 4.0])
def test_the_estimate_converges_to_the_inflation_the_spread_needs(true_inflation):
    est = np.mean([_estimate(true_inflation, seed) for seed in (1, 2)])
    # bounded below by 1: with the right spread the estimate stays near 1
    assert abs(est - true_inflation) < 0.2 * true_inflation + 0.15, est


def test_an_element_the_sensor_does_not_reach_keeps_its_inflation():
    s = FilterSettings(inflation_adaptive=True)
    lam = inflation_posterior(np.array([1.5, 1.5]), np.array([0.0, 1.0]), 0.01, 1e-4, 1.0, s)
    assert lam[0] == 1.5 and lam[1] > 1.5
    # a small innovation lowers it, never below 1; a huge one raises it to the bound
    assert 1.0 <= inflation_posterior(np.array([1.5]), np.array([1.0]), 1.0, 0.1, 0.0, s)[0] < 1.5
    assert inflation_posterior(np.array([4.9]), np.array([1.0]), 1e-4, 1e-6, 1e3, s)[0] == 5.0


@pytest.mark.swmm
@pytest.mark.slow
def test_on_the_network_it_is_bounded_keeps_depths_physical_and_restarts(tmp_path):
    net = twin.load_network("small")
    ex = E.experiment(net, 4, seed=1)
    fs = FilterSettings(inflation_adaptive=True, inflation_max=4.0)
    kw = dict(members=4, cycle_min=20, horizon_min=20, seed=1, filter_settings=fs,
              end_hours=40 / 60, qc_settings=QCSettings(withheld=False))  # fmt: skip
    tw = Twin(net, ex.sensors, tmp_path, **kw)
    tw.ingest(ex.rows(40), "test")
    tw.run()
    lam = tw.inflation.value
    assert lam.shape == (tw.members.read().shape[1],)
    assert (lam >= 1.0).all() and (lam <= 4.0).all()
    assert (lam > 1.0 + 1e-6).any()  # the sensors did move it
    with xr.open_dataset(tmp_path / "analysis.nc") as an:
        d = an.node_depth.values
    assert (d >= 0.0).all() and (d <= tw.members.max_depth_m + 1e-6).all()
    # the inflations are kept with the cycle mark and read back on a restart
    mark = json.loads((tmp_path / "watch.json").read_text())
    assert np.allclose(mark["inflation"], lam)
    again = Twin(net, ex.sensors, tmp_path, **kw)
    assert np.allclose(again.inflation.value, lam)


def _factor_case(seed=3, n=30):
    """A depth observed with a rain-factor column (the last) correlated with it."""
    rng = np.random.default_rng(seed)
    f = rng.normal(0.2, 0.2, n)
    X = np.column_stack([1.0 + 2.0 * f + rng.normal(0.0, 0.05, n), rng.normal(0, 1, n), f])
    from twin.ops.enkf import Observations

    obs = Observations(np.array([0]), np.ones(1), np.zeros(1), np.array([2.0]), np.array([0.02]),
                       [np.arange(3)], [np.array([1.0, 0.5, 1.0])], n_nodes=2)  # fmt: skip
    return X, obs


def test_the_rain_factor_weight_follows_the_recent_rain_and_its_own_rtps():
    from dataclasses import replace

    from twin.ops.enkf import enkf_update

    X0, obs = _factor_case()
    s = FilterSettings(rtps=0.7, param_min_sd=0.0)
    X = X0.copy()
    enkf_update(X, replace(obs, param_scale=0.0), s)  # a dry spell: the factor stays
    assert np.allclose(X[:, -1], X0[:, -1], rtol=0, atol=1e-12) and not np.allclose(
        X[:, 0], X0[:, 0]
    )
    X = X0.copy()
    enkf_update(X, obs, s)
    moved = X[:, -1].mean() - X0[:, -1].mean()
    assert moved > 0.1  # the depth reads high: more rain
    sd_relaxed, state = X[:, -1].std(ddof=1), X[:, :-1].copy()
    X = X0.copy()
    enkf_update(X, obs, replace(s, param_rtps=0.0))  # no random walk of the parameter
    assert X[:, -1].mean() - X0[:, -1].mean() == pytest.approx(moved)
    assert X[:, -1].std(ddof=1) < 0.5 * sd_relaxed
    assert np.allclose(X[:, :-1], state)  # the state's RTPS unchanged
