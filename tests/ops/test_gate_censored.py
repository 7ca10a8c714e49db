"""The innovation gate and members pinned at a physical bound (``gate_censored``).

The members below are the eight newton members at MH000028 (1.5 m deep, a sensor) at
5,400 s on small seed 1 (benchmarks/results/watch-gate-tune.json): five at the rim, the
truth reading 0.24 m.  The plain gate trusts their collapsed spread and rejects the
sound reading; the censored gate judges it by the three members off the rim and uses it.
"""

import numpy as np

from twin.ops.enkf import FilterSettings, Observations, censored, enkf_update

PINNED = np.array([1.5, 1.5, 0.89, 1.237, 1.464, 1.5, 1.5, 1.5])


def _case(reading):
    # column 0: the sensor's manhole; column 1: the manhole upstream (a little
    # deeper, also flooding), column 2: the rain factor
    X = np.column_stack([PINNED, np.minimum(PINNED + 0.1, 1.6), np.linspace(0.3, 0.6, 8)])
    obs = Observations(np.array([0]), np.ones(1), np.zeros(1), np.array([reading]),
                       np.array([0.01]), [np.arange(3)], [np.ones(3)], n_nodes=2,
                       depth_max=np.array([1.5, 1.6]))  # fmt: skip
    return X, obs


def test_a_sound_reading_below_members_pinned_at_the_rim_is_used_and_moves_them():
    X, obs = _case(0.24)
    assert censored(X, obs)[:, 0].sum() == 5
    plain = X.copy()
    rep = enkf_update(plain, obs, FilterSettings(param_min_sd=0.0, gate_censored=False))
    assert not rep.used[0] and abs(rep.z[0]) > 5  # the plain gate: spread at the rim
    np.testing.assert_array_equal(plain, X)
    cen = X.copy()
    rep = enkf_update(cen, obs, FilterSettings(param_min_sd=0.0))  # the default
    assert rep.used[0]
    assert abs(cen[:, 0].mean() - 0.24) < 0.05  # drawn to the reading
    assert (cen[:, 0] < 1.0).all()  # every member off the rim
    assert cen[:, 1].mean() < X[:, 1].mean() - 0.5  # the correlated manhole too


def test_the_censored_gate_still_rejects_what_the_members_off_the_bound_refute():
    # a reading far beyond the members off the rim (a faulty sensor reading 5 m)
    X, obs = _case(5.0)
    rep = enkf_update(X.copy(), obs, FilterSettings())
    assert not rep.used[0]
    # all members but one at the rim: one member's spread does not judge (plain z)
    X, obs = _case(0.24)
    X[:, 0] = np.r_[np.full(7, 1.5), 1.318]
    rep = enkf_update(X.copy(), obs, FilterSettings())
    assert not rep.used[0]
