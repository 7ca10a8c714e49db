"""Infiltration kernels against the analytic solutions of their models (ft, s units)."""

import math

import numpy as np
import pytest

from twin.kernels.runoff import infiltration as ki

HOUR = 3600.0
IN_H = 1.0 / 43200.0  # ft/s per in/h


def horton_par(f0_inh=3.0, fmin_inh=0.5, decay_h=4.0, dry_days=7.0, fmax_in=0.0):
    regen = -math.log(0.02) / dry_days / 86400.0
    return np.array([f0_inh * IN_H, fmin_inh * IN_H, decay_h / HOUR, regen, fmax_in / 12.0])


def horton_cum(t, par):
    """Cumulative Horton infiltration F(t) = fmin t + (f0 - fmin)/k (1 - exp(-k t))."""
    f0, fmin, k = par[0], par[1], par[2]
    return fmin * t + (f0 - fmin) / k * (1.0 - np.exp(-k * t))


def test_horton_ponded_follows_the_horton_curve():
    par = horton_par()
    st = np.zeros(ki.N_INFIL_STATE)
    ki.init_infil_state(ki.HORTON, par, st)
    dt = 300.0
    total = 0.0
    for k in range(48):
        f = ki.horton_rate(par, st, dt, 10.0 * IN_H, 0.01, 1.0, 1.0)  # supply >> capacity
        total += f * dt
        t0, t1 = k * dt, (k + 1) * dt
        # the step's mean rate lies between the curve's rates f(t1) and f(t0)
        rate = lambda t: par[1] + (par[0] - par[1]) * math.exp(-par[2] * t)  # noqa: E731
        assert rate(t1) - 1e-15 <= f <= rate(t0) + 1e-15
    assert total == pytest.approx(horton_cum(48 * dt, par), rel=1e-12)
    assert st[0] == pytest.approx(48 * dt)


def test_horton_supply_limited_moves_along_the_curve_by_volume():
    par = horton_par()
    st = np.zeros(ki.N_INFIL_STATE)
    dt = 600.0
    supply = 0.4 * IN_H  # below fmin: everything infiltrates
    vol = 0.0
    for _ in range(10):
        f = ki.horton_rate(par, st, dt, supply, 0.0, 1.0, 1.0)
        assert f == pytest.approx(supply)
        vol += f * dt
    # time on the curve is where the curve has taken the same volume (Newton, 0.1% dt)
    assert horton_cum(st[0], par) == pytest.approx(vol, abs=0.001 * dt * par[0])


def test_horton_recovers_98_percent_in_the_drying_time():
    par = horton_par(dry_days=2.0)
    st = np.zeros(ki.N_INFIL_STATE)
    for _ in range(24):  # two wet hours
        ki.horton_rate(par, st, 300.0, 10.0 * IN_H, 0.0, 1.0, 1.0)
    x0 = 1.0 - math.exp(-par[2] * st[0])
    for _ in range(48):  # two dry days, hourly steps
        assert ki.horton_rate(par, st, 3600.0, 0.0, 0.0, 1.0, 1.0) == 0.0
    x1 = 1.0 - math.exp(-par[2] * st[0])
    assert x1 == pytest.approx(0.02 * x0, rel=1e-9)


def test_horton_max_volume_caps_cumulative_infiltration():
    par = horton_par(fmax_in=0.5)
    st = np.zeros(ki.N_INFIL_STATE)
    total = sum(
        ki.horton_rate(par, st, 300.0, 10.0 * IN_H, 0.0, 1.0, 1.0) * 300.0 for _ in range(100)
    )
    assert total == pytest.approx(0.5 / 12.0, rel=1e-12)


def test_modified_horton_rate_decays_with_infiltrated_volume():
    par = horton_par(decay_h=2.0)
    st = np.zeros(ki.N_INFIL_STATE)
    dt = 1.0  # small steps: close to the ODE dFe/dt = (f0 - fmin) - k Fe
    t_end = 2 * HOUR
    for _ in range(int(t_end / dt)):
        f = ki.modified_horton_rate(par, st, dt, 10.0 * IN_H, 0.0, 1.0, 1.0)
    df, k = par[0] - par[1], par[2]
    fe_exact = df / k * (1.0 - math.exp(-k * t_end))
    assert st[1] == pytest.approx(fe_exact, rel=1e-3)
    assert f == pytest.approx(par[0] - k * (st[1] - (f - par[1]) * dt), rel=1e-12)


def ga_par(suction_in=4.0, ks_inh=0.5, imd=0.3):
    ks = ks_inh * IN_H
    lu = 4.0 * math.sqrt(ks * 12.0 * 3600.0) / 12.0
    return np.array([suction_in / 12.0, ks, imd, lu, 0.0])


@pytest.mark.parametrize(
    "f1,c1,ks,ts", [(0.01, 0.1, 1e-5, 600.0), (0.05, 0.2, 3e-6, 3600.0), (0.002, 0.3, 2e-5, 1800.0)]
)
def test_green_ampt_volume_satisfies_its_implicit_equation(f1, c1, ks, ts):
    f2 = ki.green_ampt_volume_after(f1, c1, ks, ts)
    resid = f2 - f1 - c1 * math.log((f2 + c1) / (f1 + c1)) - ks * ts
    assert abs(resid) < 1e-5 * max(f2, 1e-3)


@pytest.mark.parametrize("model", [ki.GREEN_AMPT, ki.MODIFIED_GREEN_AMPT])
def test_green_ampt_ponded_cumulative_infiltration(model):
    par = ga_par()
    st = np.zeros(ki.N_INFIL_STATE)
    ki.init_infil_state(model, par, st)
    supply = 5.0 * IN_H
    dt = 60.0
    vol = 0.0
    n = 180
    for _ in range(n):
        vol += (
            ki.green_ampt_rate(par, st, dt, supply, 0.0, model == ki.MODIFIED_GREEN_AMPT, 1.0, 1.0)
            * dt
        )
    ks, c = par[1], par[0] * par[2]
    fp = ks * c / (supply - ks)  # volume at ponding, reached at tp = fp / supply
    tp = fp / supply
    # Green-Ampt after ponding: ks (t - tp) = F - Fp - c ln((F + c)/(Fp + c)); each
    # step's Newton solve stops within 1e-5 ft (SWMM's tolerance), so n steps drift <= n e-5
    resid = vol - fp - c * math.log((vol + c) / (fp + c)) - ks * (n * dt - tp)
    assert abs(resid) < n * 1e-5
    assert vol > 10 * n * 1e-5
    assert st[1] == pytest.approx(vol)


def test_green_ampt_takes_all_rain_below_conductivity_and_drains_when_dry():
    par = ga_par(ks_inh=1.0)
    st = np.zeros(ki.N_INFIL_STATE)
    ki.init_infil_state(ki.GREEN_AMPT, par, st)
    r = 0.5 * IN_H
    assert ki.green_ampt_rate(par, st, 600.0, r, 0.0, False, 1.0, 1.0) == r
    fu = st[2]
    assert fu == pytest.approx(r * 600.0)
    ki.green_ampt_rate(par, st, 3600.0, 0.0, 0.0, False, 1.0, 1.0)
    fu_max = par[2] * par[3]
    assert st[2] == pytest.approx(max(fu - par[3] / 90000.0 * fu_max * 3600.0, 0.0))


def cn_par(cn=80.0, dry_days=5.0):
    regen = 1.0 / (dry_days * 86400.0)
    return np.array([(1000.0 / cn - 10.0) / 12.0, regen, 0.06 / regen, 0.0, 0.0])


@pytest.mark.parametrize("cn", [60.0, 80.0, 95.0])
def test_curve_number_matches_the_scs_relation(cn):
    """SWMM 5.2 applies F = P S/(P + S), i.e. runoff Q = P^2/(P + S): the SCS equation
    with its initial abstraction left to the depression storage."""
    par = cn_par(cn)
    st = np.zeros(ki.N_INFIL_STATE)
    ki.init_infil_state(ki.CURVE_NUMBER, par, st)
    rain = 1.0 * IN_H
    dt = 300.0
    infil = 0.0
    for _ in range(72):  # 6 h of 1 in/h: P = 6 in
        infil += ki.curve_number_rate(par, st, dt, rain, 1.0, 1.0) * dt  # ponded: no cap
    p_ft = 6.0 / 12.0
    s_ft = par[0]
    assert infil == pytest.approx(p_ft * s_ft / (p_ft + s_ft), rel=1e-12)
    q_in = (p_ft - infil) * 12.0
    assert q_in == pytest.approx(6.0**2 / (6.0 + s_ft * 12.0), rel=1e-12)


def test_curve_number_capacity_regenerates_in_dry_weather():
    par = cn_par(dry_days=4.0)
    st = np.zeros(ki.N_INFIL_STATE)
    ki.init_infil_state(ki.CURVE_NUMBER, par, st)
    for _ in range(12):
        ki.curve_number_rate(par, st, 300.0, 1.0 * IN_H, 1.0, 1.0)
    s_wet = st[0]
    assert s_wet < par[0]
    for _ in range(24):
        ki.curve_number_rate(par, st, 3600.0, 0.0, 0.0, 1.0)
    assert st[0] == pytest.approx(min(s_wet + par[1] * par[0] * 24 * 3600.0, par[0]))


def test_dispatch_uses_runon_as_supply_and_no_infil_gives_zero():
    par = horton_par()
    a, b = np.zeros(ki.N_INFIL_STATE), np.zeros(ki.N_INFIL_STATE)
    f1 = ki.infil_rate(ki.HORTON, par, a, 300.0, 0.1 * IN_H, 0.2 * IN_H, 0.0, 1.0, 1.0)
    f2 = ki.horton_rate(par, b, 300.0, 0.1 * IN_H + 0.2 * IN_H, 0.0, 1.0, 1.0)
    assert f1 == f2 == pytest.approx(0.3 * IN_H)
    assert ki.infil_rate(ki.NO_INFIL, par, a, 300.0, 1.0, 1.0, 1.0, 1.0, 1.0) == 0.0
