"""The rain factor's step limit (``FilterSettings.param_step_sd``) and sensor QC.

QC's predictions come from the withheld ensembles alone (:mod:`twin.ops.withheld`: the
analysis members never feed back into them).  A step limit applied to them changed
what QC saw at a faulty sensor (the fault AUC fell 0.941 -> 0.893 and 0.858 -> 0.769 on
the benchmark's small seeds 1 and 3; README, "The rain factor's runaway"), so the
limit acts on the analysis members only and the withheld ensembles keep their factor
free (``shadow_settings``), unless ``param_step_withheld``.  Likewise the shared
increment of the factor (``param_shared``, the default): the withheld ensembles keep
the independent update unless ``param_shared_withheld``.
"""

import tempfile

import numpy as np
import pytest

import twin
from twin.ops.enkf import FACTOR_PRIOR_SD, FilterSettings, Observations, enkf_update
from twin.ops.watch import Twin
from twin.ops.withheld import shadow_settings
from twin.validation import twin_experiment as E


def _watch(net, ex, settings, minutes=35):
    with tempfile.TemporaryDirectory() as outdir:
        tw = Twin(net, ex.sensors, outdir, members=4, seed=1, forecast=False, cycle_min=30,
                  filter_settings=settings)  # fmt: skip
        assert tw.withheld is not None
        tw.ingest(ex.rows(minutes), "test")
        tw.run()
        h, shadows = tw._history, tw.withheld.ensembles
        return {"hx": np.array(h["hx"]), "hsd": np.array(h["hsd"]),
                "score": np.array(tw.record["sensor_qc_score"]),
                "factor": tw.members.log_rain_factor.copy(),
                "shadows": np.array([m.log_rain_factor for m in shadows])}  # fmt: skip


def test_shadow_settings_lift_only_the_step_limit_and_the_shared_increment():
    old = {"param_shared": False}
    s = FilterSettings(**old, param_step_sd=0.5, rtps=0.5)
    assert shadow_settings(s) == FilterSettings(**old, param_step_sd=0.0, rtps=0.5)
    keep = FilterSettings(**old, param_step_sd=0.5, param_step_withheld=True)
    assert shadow_settings(keep) is keep
    assert shadow_settings(FilterSettings(**old)) == FilterSettings(**old)
    # the default's shared increment: the withheld ensembles keep the independent update
    assert shadow_settings(FilterSettings()) == FilterSettings(**old)
    both = FilterSettings(param_shared_withheld=True)
    assert shadow_settings(both) is both


@pytest.mark.swmm
def test_the_shared_increment_leaves_sensor_qc_as_without_it():
    """The default filter (the readings of an update share one increment of the rain
    factor) moves the analysis members' factor otherwise than the independent update,
    and QC's predictions, spreads and scores are the independent update's, bit for bit;
    with ``param_shared_withheld`` they are not."""
    net = twin.load_network("small")
    ex = E.experiment(net, 6, seed=1)
    shared = _watch(net, ex, FilterSettings())
    independent = _watch(net, ex, FilterSettings(param_shared=False))
    assert abs(shared["factor"].mean() - independent["factor"].mean()) > 0.02
    for key in ("hx", "hsd", "score", "shadows"):
        np.testing.assert_array_equal(shared[key], independent[key])
    both = _watch(net, ex, FilterSettings(param_shared_withheld=True))
    np.testing.assert_array_equal(both["factor"], shared["factor"])
    assert np.abs(both["hx"] - independent["hx"]).max() > 0.005


@pytest.mark.swmm
def test_the_step_limit_leaves_sensor_qc_as_without_it():
    """The first 35 minutes of the small network's storm (SWMM truth with 1.3 x the rain,
    rougher and blocked pipes): the limit slows the analysis members' factor, and QC's
    predictions, spreads and scores are those of the filter without the limit, bit for
    bit; with ``param_step_withheld`` the limited shadows predict otherwise."""
    net = twin.load_network("small")
    ex = E.experiment(net, 6, seed=1)
    # the update before the shared increment (param_shared=False): its factor moves
    # fast enough in these 35 minutes for the limit to act
    old = {"param_shared": False}
    free = _watch(net, ex, FilterSettings(**old))
    step = _watch(net, ex, FilterSettings(**old, param_step_sd=0.5))
    assert len(free["hx"]) >= 34
    assert abs(step["factor"].mean() - free["factor"].mean()) > 0.02  # the limit acted
    for key in ("hx", "hsd", "score", "shadows"):
        np.testing.assert_array_equal(step[key], free[key])
    both = _watch(net, ex, FilterSettings(**old, param_step_sd=0.5, param_step_withheld=True))
    np.testing.assert_array_equal(both["factor"], step["factor"])  # the analysis the same
    assert np.abs(both["hx"] - free["hx"]).max() > 0.005  # QC's predictions not


def _one_update(settings, reading):
    f = np.linspace(0.3, 0.7, 8)  # the members' log factors, mean 0.5 (2 prior sd)
    X = np.column_stack([0.3 + f + np.linspace(-0.02, 0.02, 8)[::-1], f])
    obs = Observations(np.array([0]), np.ones(1), np.zeros(1), np.array([reading]),
                       np.array([0.01]), [np.arange(2)], [np.ones(2)], n_nodes=1)  # fmt: skip
    enkf_update(X, obs, settings)
    return X[:, 1].mean()


def test_the_way_back_to_the_prior_is_not_limited_with_param_step_back():
    lim = 0.5 * FACTOR_PRIOR_SD
    down, up = 0.35, 1.4  # readings that pull the factor back toward 0, and away
    free = _one_update(FilterSettings(), down)
    assert free < 0.5 - 2 * lim  # a large step back
    assert _one_update(FilterSettings(param_step_sd=0.5), down) == pytest.approx(0.5 - lim)
    back = FilterSettings(param_step_sd=0.5, param_step_back=True)
    assert _one_update(back, down) == pytest.approx(free)
    assert _one_update(FilterSettings(), up) > 0.5 + lim  # away from the prior: limited
    assert _one_update(back, up) == pytest.approx(0.5 + lim)
