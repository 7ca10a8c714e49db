"""The localised ensemble filter against the exact Kalman filter, and the taper."""

import numpy as np

from twin.ops.enkf import FilterSettings, Observations, enkf_update, nudging_update
from twin.ops.localize import GraphDistance, gaspari_cohn


def test_gaspari_cohn_is_one_at_the_sensor_and_zero_beyond_the_radius():
    d = np.array([0.0, 1.0, 2.0, 3.9, 4.0, 7.0, np.inf])
    w = gaspari_cohn(d, 4.0)
    assert w[0] == 1.0
    assert np.all(np.diff(w) <= 1e-12)
    assert np.all(w[4:] == 0.0) and w[3] > 0.0


def test_graph_distance_counts_links_both_ways():
    # a chain 0-1-2-3 and a branch 4->1
    g = GraphDistance([0, 1, 2, 4], [1, 2, 3, 1], [10.0, 20.0, 30.0, 5.0], unit="links")
    dn, dl = g.from_nodes([2], limit=np.inf)
    assert dn[0].tolist() == [2.0, 1.0, 0.0, 1.0, 2.0]
    assert dl[0].tolist() == [1.5, 0.5, 0.5, 1.5]
    gm = GraphDistance([0, 1, 2, 4], [1, 2, 3, 1], [10.0, 20.0, 30.0, 5.0], unit="m")
    assert gm.from_nodes([0], limit=np.inf)[0][0].tolist() == [0.0, 10.0, 30.0, 60.0, 15.0]


def test_distance_along_the_flow_path_leaves_out_neighbouring_branches():
    # 0->1->2->3 and a branch 4->1: from 0, node 4 is a neighbouring branch (down to 1,
    # up again); from 2 both 0 and 4 are upstream, 3 downstream
    g = GraphDistance([0, 1, 2, 4], [1, 2, 3, 1], [10.0, 20.0, 30.0, 5.0], unit="links")
    dn, dl = g.along_flow_from_nodes([0], limit=np.inf)
    assert dn[0].tolist() == [0.0, 1.0, 2.0, 3.0, np.inf]
    assert dl[0].tolist() == [0.5, 1.5, 2.5, np.inf]
    assert g.along_flow_from_nodes([2], limit=np.inf)[0][0].tolist() == [2.0, 1.0, 0.0, 1.0, 2.0]
    assert g.along_flow_from_nodes([0], limit=2.0)[0][0].tolist() == [0.0, 1.0, 2.0, np.inf, np.inf]
    assert g.from_nodes([0], limit=np.inf)[0][0][4] == 2.0  # both ways: the branch is near


def _linear_gaussian(n_members, seed):
    rng = np.random.default_rng(seed)
    n = 6
    a = rng.normal(size=(n, n))
    P = a @ a.T / n + np.eye(n) * 0.1
    mean = rng.normal(size=n)
    X = rng.multivariate_normal(mean, P, size=n_members)
    X = np.column_stack([X, np.zeros(n_members)])  # the parameter column
    return X, n


def _exact(X, cols, values, sds):
    """The Kalman filter on the ensemble's own mean and covariance (plain numpy)."""
    m = X.mean(axis=0)
    P = np.cov(X.T)
    H = np.zeros((len(cols), X.shape[1]))
    H[np.arange(len(cols)), cols] = 1.0
    R = np.diag(np.asarray(sds) ** 2)
    K = P @ H.T @ np.linalg.inv(H @ P @ H.T + R)
    return m + K @ (values - H @ m), P - K @ H @ P


def _obs(cols, values, sds, n_state):
    k = len(cols)
    idx = [np.arange(n_state)] * k
    w = [np.r_[np.ones(n_state - 1), 1.0]] * k
    return Observations(
        np.array(cols),
        np.ones(k),
        np.zeros(k),
        np.array(values),
        np.array(sds),
        idx,
        w,
        n_nodes=n_state - 1,
    )


def test_square_root_filter_equals_the_kalman_filter_without_localisation():
    X, n = _linear_gaussian(400, 1)
    cols, values, sds = [0, 3], np.array([1.0, -0.5]), [0.3, 0.2]
    m_ref, P_ref = _exact(X, cols, values, sds)
    s = FilterSettings(rtps=0.0, param_min_sd=0.0, gate=1e9)
    enkf_update(X, _obs(cols, values, sds, n + 1), s)
    np.testing.assert_allclose(X.mean(axis=0)[:n], m_ref[:n], atol=1e-10)
    np.testing.assert_allclose(np.cov(X.T)[:n, :n], P_ref[:n, :n], atol=1e-10)


def test_stochastic_filter_agrees_with_the_kalman_filter_in_the_mean():
    X, n = _linear_gaussian(4000, 2)
    cols, values, sds = [1], np.array([0.7]), [0.25]
    m_ref, _ = _exact(X, cols, values, sds)
    s = FilterSettings(variant="stochastic", rtps=0.0, param_min_sd=0.0, gate=1e9, seed=3)
    enkf_update(X, _obs(cols, values, sds, n + 1), s)
    np.testing.assert_allclose(X.mean(axis=0)[:n], m_ref[:n], atol=0.02)


def test_localisation_leaves_elements_beyond_the_radius_alone():
    X, n = _linear_gaussian(50, 4)
    before = X.copy()
    obs = _obs([0], np.array([3.0]), [0.1], n + 1)
    obs.local_index = [np.array([0, 1])]
    obs.local_weight = [np.array([1.0, 0.5])]
    enkf_update(X, obs, FilterSettings(rtps=0.0, param_min_sd=0.0, gate=1e9))
    assert not np.allclose(X[:, :2], before[:, :2])
    np.testing.assert_array_equal(X[:, 2:], before[:, 2:])


def test_the_gate_and_the_qc_mask_keep_readings_out():
    X, n = _linear_gaussian(50, 5)
    before = X.copy()
    rep = enkf_update(X, _obs([0], np.array([1e3]), [0.1], n + 1), FilterSettings(gate=5.0))
    assert not rep.used[0]
    np.testing.assert_array_equal(X[:, :n], before[:, :n])
    rep = enkf_update(
        X, _obs([0], np.array([0.0]), [0.1], n + 1), FilterSettings(), use=np.array([False])
    )
    assert not rep.used[0]


def test_nudging_moves_the_run_towards_the_reading_at_the_sensor():
    X = np.array([[0.2, 0.2, 0.2, 0.0]])
    obs = _obs([0], np.array([0.4]), [0.01], 4)
    obs.local_index = [np.array([0, 1])]
    obs.local_weight = [np.array([1.0, 0.5])]
    obs.n_nodes = 3
    nudging_update(X, obs, FilterSettings(method="nudging", nudging_gain=0.5))
    np.testing.assert_allclose(X[0], [0.3, 0.25, 0.2, 0.0])


def test_the_bounded_update_is_the_linear_one_far_below_the_rim():
    X, n = _linear_gaussian(60, 6)
    X[:, :n] = np.abs(X[:, :n])  # depths
    lin, bnd = X.copy(), X.copy()
    cols, values, sds = [0, 3], np.array([1.0, 0.5]), [0.3, 0.2]
    s = FilterSettings(rtps=0.5, param_min_sd=0.0, gate=1e9, bounded_depth=True)
    enkf_update(lin, _obs(cols, values, sds, n + 1), s)
    obs = _obs(cols, values, sds, n + 1)
    obs.depth_max = np.full(n, 1e6)
    enkf_update(bnd, obs, s)
    np.testing.assert_allclose(bnd, lin, atol=1e-5)


def test_the_bounded_update_raises_no_member_to_the_rim():
    # two manholes 1.7 m deep, their depths correlated; the reading at the first is
    # far above the members: the linear update pushes several members of the second
    # past its rim (clipped there, a pile-up), the bounded one keeps them below it
    rng = np.random.default_rng(7)
    a = rng.uniform(0.5, 1.3, 16)
    X = np.column_stack([a, a + 0.15 + rng.normal(0.0, 0.1, 16), np.zeros(16)])
    obs = _obs([0], np.array([1.6]), [0.02], 3)
    obs.depth_max = np.array([1.7, 1.7])
    s = FilterSettings(rtps=0.0, param_min_sd=0.0, gate=1e9, bounded_depth=True)
    lin, bnd = X.copy(), X.copy()
    enkf_update(lin, obs, FilterSettings(rtps=0.0, param_min_sd=0.0, gate=1e9, bounded_depth=False))
    enkf_update(bnd, obs, s)
    assert (lin[:, 1] >= 1.7).sum() >= 3
    assert (bnd[:, :2] < 1.7).all()
    assert abs(bnd[:, 0].mean() - 1.6) < 0.1  # still drawn to the reading
    assert bnd[:, 1].std() > 0.5 * lin[:, 1].clip(max=1.7).std()


def _kalman_mean_increment(X, col, value, r):
    """The scalar Kalman increment of every element's mean (plain numpy)."""
    hx = X[:, col]
    var_h = hx.var(ddof=1)
    cov = ((X - X.mean(axis=0)) * (hx - hx.mean())[:, None]).sum(axis=0) / (len(hx) - 1)
    return cov / (var_h + r) * (value - hx.mean())


def test_huber_weight_moves_a_large_innovation_as_far_as_one_at_the_threshold():
    X, n = _linear_gaussian(200, 8)
    sd, c = 0.1, 2.0
    hx = X[:, 0]
    sigma = np.sqrt(hx.var(ddof=1) + sd**2)
    s = FilterSettings(rtps=0.0, param_min_sd=0.0, obs_error="huber", huber_c=c)
    # inside the threshold: the Kalman update itself
    small = X.copy()
    v = hx.mean() + 1.5 * sigma
    rep = enkf_update(small, _obs([0], np.array([v]), [sd], n + 1), s)
    assert rep.used[0] and rep.r_factor[0] == 1.0
    np.testing.assert_allclose(
        small.mean(axis=0), X.mean(axis=0) + _kalman_mean_increment(X, 0, v, sd**2), atol=1e-12
    )
    # 40 standard deviations off: used (the gate rejects it), its error inflated so
    # that the mean moves as an innovation of c standard deviations would
    big = X.copy()
    v = hx.mean() + 40.0 * sigma
    rep = enkf_update(big, _obs([0], np.array([v]), [sd], n + 1), s)
    assert rep.used[0] and rep.r_factor[0] > 1.0
    at_c = _kalman_mean_increment(X, 0, hx.mean() + c * sigma, sd**2)
    np.testing.assert_allclose(big.mean(axis=0), X.mean(axis=0) + at_c, atol=1e-12)
    assert big[:, 0].std() > small[:, 0].std()  # the spread is reduced less
    gated = X.copy()
    rep = enkf_update(gated, _obs([0], np.array([v]), [sd], n + 1), FilterSettings(rtps=0.0))
    assert not rep.used[0]
    np.testing.assert_array_equal(gated, X)


def test_aoei_inflates_the_error_to_the_innovation_squared():
    X, n = _linear_gaussian(200, 9)
    sd = 0.1
    hx = X[:, 0]
    d = 30.0 * np.sqrt(hx.var(ddof=1) + sd**2)
    out = X.copy()
    rep = enkf_update(out, _obs([0], np.array([hx.mean() + d]), [sd], n + 1),
                      FilterSettings(rtps=0.0, param_min_sd=0.0, obs_error="aoei"))  # fmt: skip
    r = d**2 - hx.var(ddof=1)
    np.testing.assert_allclose(rep.r_factor[0], r / sd**2)
    np.testing.assert_allclose(
        out.mean(axis=0),
        X.mean(axis=0) + _kalman_mean_increment(X, 0, hx.mean() + d, r),
        atol=1e-12,
    )


def test_an_unknown_obs_error_is_refused():
    import pytest

    from twin.errors import InputError

    with pytest.raises(InputError, match="obs_error"):
        FilterSettings(obs_error="clip").checked()


def test_a_down_weighted_reading_leaves_the_rain_factor_alone():
    X, n = _linear_gaussian(100, 10)
    X[:, -1] = 0.5 * X[:, 0] + 0.1 * np.random.default_rng(1).normal(size=100)
    sigma = np.sqrt(X[:, 0].var(ddof=1) + 0.01)
    s = FilterSettings(rtps=0.0, param_min_sd=0.0, obs_error="huber")
    for z, moves in ((1.0, True), (30.0, False)):
        out = X.copy()
        enkf_update(out, _obs([0], np.array([X[:, 0].mean() + z * sigma]), [0.1], n + 1), s)
        assert not np.allclose(out[:, 0], X[:, 0])
        assert np.allclose(out[:, -1], X[:, -1]) != moves


def test_a_down_weighted_reading_reaches_only_its_shorter_radius():
    X, n = _linear_gaussian(100, 11)
    sigma = np.sqrt(X[:, 0].var(ddof=1) + 0.01)
    obs = _obs([0], np.array([X[:, 0].mean() + 30.0 * sigma]), [0.1], n + 1)
    obs.local_distance = [np.r_[np.arange(n, dtype=float), np.inf]]  # element j at j links
    s = FilterSettings(rtps=0.0, param_min_sd=0.0, obs_error="huber", radius=10.0,
                       inflated_fraction=0.25)  # fmt: skip
    out = X.copy()
    enkf_update(out, obs, s)
    assert not np.allclose(out[:, :3], X[:, :3])  # within 2.5 links: updated
    np.testing.assert_allclose(out[:, 3:], X[:, 3:], rtol=0, atol=1e-12)  # beyond: left alone
    small = _obs([0], np.array([X[:, 0].mean() + 1.0 * sigma]), [0.1], n + 1)
    small.local_distance = obs.local_distance
    out = X.copy()
    enkf_update(out, small, s)  # a reading inside the threshold keeps the full radius
    assert not np.allclose(out[:, 3:n], X[:, 3:n])
