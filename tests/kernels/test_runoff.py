"""Runoff kernels: the nonlinear reservoir against analytic and scipy solutions (ft, s)."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from twin.kernels.runoff import infiltration as ki
from twin.kernels.runoff import runoff as kr

IN_H = 1.0 / 43200.0  # ft/s per in/h


def alpha_of(width_ft, area_ft2, slope, n):
    return kr.MANNING_COEFF * width_ft / area_ft2 * math.sqrt(slope) / n


def reference_depth(d0, inflow, alpha, dstore, t):
    """The reservoir ODE solved by scipy at tight tolerance."""

    def rhs(_, y):
        x = max(y[0] - dstore, 0.0)
        return [inflow - alpha * x**kr.MANNING_EXP]

    sol = solve_ivp(rhs, (0.0, t), [d0], rtol=1e-11, atol=1e-14, method="DOP853")
    return sol.y[0, -1]


@pytest.mark.parametrize("duration", [30.0, 300.0, 1800.0, 7200.0])
@pytest.mark.parametrize("d0", [0.0, 0.02])
def test_integrated_depth_matches_a_fine_reference(duration, d0):
    alpha = alpha_of(400.0, 5 * 43560.0, 0.01, 0.015)
    inflow = 2.0 * IN_H
    got = kr.integrate_ponded_depth(d0, inflow, alpha, 0.0, duration, kr.ODE_TOL)
    want = reference_depth(d0, inflow, alpha, 0.0, duration)
    assert got == pytest.approx(want, rel=2e-4)


def one_subcatch(imperv=1.0, zero=0.0, n_imp=0.015, n_perv=0.2, ds_imp=0.0, ds_perv=0.0,
                 area_ft2=5 * 43560.0, width=400.0, slope=0.01, route=0, pct=1.0,
                 infil_model=ki.NO_INFIL, infil_par=None, n=1):  # fmt: skip
    """Kernel arrays for ``n`` identical subcatchments, built the slow obvious way."""
    frac = np.array([[imperv * zero, imperv * (1 - zero), 1 - imperv]] * n)
    nn = np.array([[n_imp, n_imp, n_perv]] * n)
    alpha = np.zeros((n, 3))
    for i, f in enumerate((imperv, imperv, 1 - imperv)):
        if f > 0 and nn[0, i] > 0:
            alpha[:, i] = alpha_of(width, f * area_ft2, slope, nn[0, i])
    routes = np.zeros((n, 3), np.int8)
    f_out = np.ones((n, 3))
    if route == kr.TO_PERV:
        routes[:, :2] = kr.TO_PERV
        f_out[:, :2] = 1 - pct
    elif route == kr.TO_IMPERV:
        routes[:, 2] = kr.TO_IMPERV
        f_out[:, 2] = 1 - pct
    par = np.zeros((n, ki.N_INFIL_PARAMS)) if infil_par is None else np.array([infil_par] * n)
    model = np.full(n, infil_model, np.int8)
    arrays = dict(
        area=np.full(n, area_ft2),
        frac=frac,
        alpha=alpha,
        dstore=np.array([[0.0, ds_imp, ds_perv]] * n),
        n=nn,
        route=routes,
        f_out=f_out,
        out_sub=np.full(n, -1, np.int64),
        counts=np.ones(n, bool),
        model=model,
        par=par,
    )
    st = kr.new_state_arrays(n)
    for j in range(n):
        ki.init_infil_state(model[j], par[j], st["infil_state"][j])
    return arrays, st


def step(a, st, dt, rain_fps, evap=0.0):
    rain = np.full(len(a["area"]), rain_fps) if np.isscalar(rain_fps) else rain_fps
    return kr.runoff_step(
        dt, rain, evap, False, 1.0, a["area"], a["frac"], a["alpha"], a["dstore"], a["n"],
        a["route"], a["f_out"], a["out_sub"], a["counts"], a["model"], a["par"],
        st["infil_state"], st["max_infil_vol_at_subcatch"], st["depth_at_subarea"],
        st["runoff_at_subarea"],
        st["inflow_at_subarea"], st["runon_at_subcatch"], st["perv_inflow_at_subcatch"],
        st["old_runoff_cfs"],
        st["new_runoff_cfs"], st["evap_loss_fps"], st["infil_loss_fps"], st["totals"],
        st["stats"],
    )  # fmt: skip


def test_impervious_plane_reaches_equilibrium_runoff():
    a, st = one_subcatch()
    rain = 1.5 * IN_H
    for _ in range(200):
        step(a, st, 300.0, rain)
    assert st["new_runoff_cfs"][0] == pytest.approx(rain * a["area"][0], rel=1e-9)


def test_step_rainfall_hydrograph_matches_the_reservoir_ode():
    ds = 0.05 / 12.0
    a, st = one_subcatch(ds_imp=ds)
    rain = 2.0 * IN_H
    alpha = a["alpha"][0, 1]
    t_fill = ds / rain  # depression storage fills first
    for k in range(1, 25):
        step(a, st, 300.0, rain)
        t = 300.0 * k
        d_ref = ds if t <= t_fill else reference_depth(ds, rain, alpha, ds, t - t_fill)
        q_ref = alpha * max(d_ref - ds, 0.0) ** kr.MANNING_EXP * a["area"][0]
        assert st["new_runoff_cfs"][0] == pytest.approx(q_ref, rel=1e-3, abs=1e-12)


def test_volume_balance_is_exact_without_routing_delay():
    """With Manning n = 0 and no depression storage the excess leaves within the step:
    rain = runoff + infiltration exactly.  (When depression storage fills part-way
    through a step SWMM spreads the excess over the remaining time but books it over
    the whole step, which overstates runoff; the SWMM comparison covers that case.)"""
    horton = [3 * IN_H, 0.5 * IN_H, 4 / 3600.0, -math.log(0.02) / 7 / 86400.0, 0.0]
    a, st = one_subcatch(imperv=0.4, zero=0.25, n_imp=0.0, n_perv=0.0,
                         infil_model=ki.HORTON, infil_par=horton)  # fmt: skip
    for k in range(60):
        step(a, st, 300.0, (2.0 if k < 30 else 0.0) * IN_H)
    tot = st["totals"]
    storage = kr.stored_volume(a["area"], a["frac"], st["depth_at_subarea"])
    assert tot[kr.TOT_RUNOFF] > 0.1 * tot[kr.TOT_RAIN]
    balance = tot[kr.TOT_RAIN] - tot[kr.TOT_RUNOFF] - tot[kr.TOT_INFIL] - storage
    assert abs(balance) < 1e-9 * tot[kr.TOT_RAIN]


@pytest.mark.parametrize("route", [kr.TO_OUTLET, kr.TO_PERV, kr.TO_IMPERV])
def test_volume_balance_with_reservoirs_and_subarea_routing(route):
    """rain = runoff + infiltration + evaporation + storage, to the reservoir's
    discretisation error (runoff over a step is its end-of-step rate, as in SWMM)."""
    horton = [3 * IN_H, 0.5 * IN_H, 4 / 3600.0, -math.log(0.02) / 7 / 86400.0, 0.0]
    a, st = one_subcatch(imperv=0.5, zero=0.25, ds_imp=0.005, ds_perv=0.01, route=route,
                         pct=0.7, infil_model=ki.HORTON, infil_par=horton)  # fmt: skip
    for k in range(240):
        step(a, st, 60.0, (3.0 if k < 90 else 0.0) * IN_H, evap=0.1 / 12 / 86400)
    tot = st["totals"]
    storage = kr.stored_volume(a["area"], a["frac"], st["depth_at_subarea"])
    out = tot[kr.TOT_RUNOFF] + tot[kr.TOT_INFIL] + tot[kr.TOT_EVAP] + storage
    assert tot[kr.TOT_RUNOFF] > 0.1 * tot[kr.TOT_RAIN]
    assert out == pytest.approx(tot[kr.TOT_RAIN], rel=1e-3)


def test_impervious_runoff_routed_to_pervious_leaves_only_from_pervious():
    a, st = one_subcatch(imperv=0.5, route=kr.TO_PERV, pct=1.0)
    for _ in range(30):
        step(a, st, 300.0, 1.0 * IN_H)
    q_perv = st["runoff_at_subarea"][0, kr.PERV] * a["area"][0] * a["frac"][0, kr.PERV]
    assert st["runoff_at_subarea"][0, kr.IMPERV1] > 0.0
    assert st["new_runoff_cfs"][0] == pytest.approx(q_perv, rel=1e-12)


def test_runon_arrives_one_step_late_and_is_not_counted_as_runoff():
    a, st = one_subcatch(n=2)
    a["out_sub"][0] = 1
    a["counts"][0] = False
    q_up = []
    for k in range(20):
        step(a, st, 300.0, (1.0 if k < 10 else 0.0) * IN_H)
        q_up.append(st["new_runoff_cfs"][0])
    stats = st["stats"]
    assert stats[1, kr.ST_RUNON] == pytest.approx(sum(q_up[:-1]) * 300.0, rel=1e-12)
    assert st["totals"][kr.TOT_RUNOFF] == pytest.approx(stats[1, kr.ST_RUNOFF], rel=1e-12)


def test_interpolated_runoff_to_nodes_and_reported_runoff():
    old, new = np.array([1.0, 2.0, 0.0]), np.array([3.0, 2.0, 1e-9])
    out = np.zeros(2)
    kr.add_runoff_to_nodes(0.25, old, new, np.array([1, 1, -1]), out)
    assert out.tolist() == [0.0, 1.5 + 2.0]
    rep = kr.reported_runoff(1.0, old, new, np.array([1.0, 1.0, 1.0]), np.zeros(3))
    assert rep.tolist() == [3.0, 2.0, 0.0]  # below 0.001 in/h over the area -> 0
