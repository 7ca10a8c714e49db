"""Subcatchment runoff: SWMM 5.2's nonlinear reservoir per subarea, in ft, ft2, cfs, s.

Every subcatchment has three subareas (column index of the ``*_at_subarea`` arrays):
``IMPERV0`` impervious without depression storage, ``IMPERV1`` impervious with it and
``PERV`` pervious.  Each is a nonlinear reservoir

    dd/dt = i(t) - alpha (d - ds)^(5/3)   for d > ds,   dd/dt = i(t) otherwise,

with ``alpha = 1.49 W sqrt(S) / (n A)``.  The ODE is integrated with an adaptive
Cash-Karp Runge-Kutta scheme (relative tolerance 1e-4) as SWMM does.  Subareas route
part of their outflow to the other surface (``route_at_subarea``), and subcatchments
may drain onto another subcatchment (runon, one step late as in SWMM).

:func:`runoff_step` advances every subcatchment by one runoff step in one call.
"""

import functools

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel, variant
from twin.kernels.runoff import infiltration
from twin.kernels.runoff.infiltration import N_INFIL_STATE, infil_rate

IMPERV0 = 0
IMPERV1 = 1
PERV = 2
TO_OUTLET = 0
TO_IMPERV = 1
TO_PERV = 2

MANNING_COEFF = 1.49  # SWMM's MCOEFF for overland flow
MANNING_EXP = 1.6666667  # SWMM's MEXP
ODE_TOL = 0.0001
ZERO = 1.0e-10
MIN_RUNOFF_FPS = 2.31481e-8  # 0.001 in/h: smaller runoff is reported as zero

# totals accumulated by runoff_step (ft3)
TOT_RAIN = 0
TOT_EVAP = 1
TOT_INFIL = 2
TOT_RUNOFF = 3
TOT_RUNON = 4
N_TOTALS = 5

# per-subcatchment statistics accumulated by runoff_step
ST_RAIN = 0  # ft3
ST_RUNON = 1  # ft3
ST_EVAP = 2  # ft3
ST_INFIL = 3  # ft3
ST_RUNOFF = 4  # ft3 leaving the subcatchment
ST_MAX_RUNOFF = 5  # cfs
N_STATS = 6

_SAFETY = 0.9
_PGROW = -0.2
_PSHRNK = -0.25
_ERRCON = 1.89e-4
_MAXSTP = 10000
#: whether some subcatchment has an aquifer (its infiltration is limited by the upper
#: zone's room); a module constant, so that the variant without groundwater compiles
#: without the limit (:func:`runoff_step_for`)
GROUNDWATER = False


@kernel(**JIT)
def _ddt(d, inflow, alpha, dstore):
    x = d - dstore
    if x < 0.0:
        return inflow
    return inflow - alpha * x**MANNING_EXP


@kernel(**JIT)
def integrate_ponded_depth(d0, inflow_fps, alpha, dstore_ft, duration_s, tol):
    """Ponded depth [ft] after ``duration_s`` of the nonlinear-reservoir ODE.

    Adaptive fifth-order Cash-Karp Runge-Kutta with embedded error estimate, first
    trial step = the whole duration, error scaled by ``|d| + |dd/dt h|``.  Returns
    ``d0`` unchanged if the integration fails (as SWMM's solver does).
    """
    x = 0.0
    h = duration_s
    y = d0
    for _ in range(_MAXSTP):
        k1 = _ddt(y, inflow_fps, alpha, dstore_ft)
        yscal = abs(y) + abs(k1 * h) + 1.0e-30
        if (x + h - duration_s) * (x + h) > 0.0:
            h = duration_s - x
        while True:
            k2 = _ddt(y + 0.2 * h * k1, inflow_fps, alpha, dstore_ft)
            k3 = _ddt(y + h * (3.0 / 40.0 * k1 + 9.0 / 40.0 * k2), inflow_fps, alpha, dstore_ft)
            k4 = _ddt(y + h * (0.3 * k1 - 0.9 * k2 + 1.2 * k3), inflow_fps, alpha, dstore_ft)
            k5 = _ddt(
                y + h * (-11.0 / 54.0 * k1 + 2.5 * k2 - 70.0 / 27.0 * k3 + 35.0 / 27.0 * k4),
                inflow_fps,
                alpha,
                dstore_ft,
            )
            k6 = _ddt(
                y
                + h
                * (
                    1631.0 / 55296.0 * k1
                    + 175.0 / 512.0 * k2
                    + 575.0 / 13824.0 * k3
                    + 44275.0 / 110592.0 * k4
                    + 253.0 / 4096.0 * k5
                ),
                inflow_fps,
                alpha,
                dstore_ft,
            )
            c1, c3, c4, c6 = 37.0 / 378.0, 250.0 / 621.0, 125.0 / 594.0, 512.0 / 1771.0
            y5 = y + h * (c1 * k1 + c3 * k3 + c4 * k4 + c6 * k6)
            err = h * (
                (c1 - 2825.0 / 27648.0) * k1
                + (c3 - 18575.0 / 48384.0) * k3
                + (c4 - 13525.0 / 55296.0) * k4
                - 277.0 / 14336.0 * k5
                + (c6 - 0.25) * k6
            )
            errmax = abs(err / yscal) / tol
            if errmax > 1.0:
                h = max(_SAFETY * h * errmax**_PSHRNK, 0.1 * h)
                if x + h == x:
                    return d0
                continue
            if errmax > _ERRCON:
                hnext = _SAFETY * h * errmax**_PGROW
            else:
                hnext = 5.0 * h
            x += h
            y = y5
            break
        if x >= duration_s:
            return y
        if hnext <= 0.0:
            return d0
        h = hnext
    return d0


@kernel(**JIT)
def _subarea_runoff(d, inflow, alpha, dstore, has_n, dt_s):
    """New depth and runoff [ft/s] of a subarea whose net inflow is ``inflow``."""
    t_run = dt_s
    if d + inflow * t_run <= dstore:
        d += inflow * t_run
    else:
        dx = dstore - d
        if dx > 0.0 and inflow > 0.0:
            t_run -= dx / inflow
            d = dstore
        if alpha > 0.0 and t_run > 0.0:
            d = integrate_ponded_depth(d, inflow, alpha, dstore, t_run, ODE_TOL)
        else:
            if t_run < 0.0:
                t_run = 0.0
            d += inflow * t_run
    if d < 0.0:
        d = 0.0
    q = 0.0
    excess = d - dstore
    if excess > ZERO:
        if has_n:
            q = alpha * excess**MANNING_EXP
        else:
            q = excess / t_run
            d = dstore
    return d, q


@kernel(**JIT)
def runoff_step(
    dt_s,
    rain_at_subcatch,
    evap_fps,
    evap_dry_only,
    recovery,
    area_at_subcatch,
    frac_at_subarea,
    alpha_at_subarea,
    dstore_at_subarea,
    n_at_subarea,
    route_at_subarea,
    f_outlet_at_subarea,
    outlet_subcatch,
    counts_as_runoff,
    infil_model,
    infil_par,
    infil_state,
    max_infil_vol_at_subcatch,
    depth_at_subarea,
    runoff_at_subarea,
    inflow_at_subarea,
    runon_at_subcatch,
    perv_inflow_at_subcatch,
    old_runoff_cfs,
    new_runoff_cfs,
    evap_loss_fps,
    infil_loss_fps,
    totals,
    stats,
):
    """Advance every subcatchment by one runoff step (SWMM's ``runoff_execute`` body).

    Parameters
    ----------
    dt_s : float
        Runoff step [s].
    rain_at_subcatch : (n,) float64
        Rainfall on each subcatchment over the step [ft/s].
    evap_fps : float
        Potential evaporation [ft/s]; zero while raining when ``evap_dry_only``.
    recovery : float
        Infiltration recovery factor (evaporation RECOVERY pattern), normally 1.
    area_at_subcatch : (n,) float64, ft2
    frac_at_subarea, alpha_at_subarea, dstore_at_subarea, n_at_subarea : (n, 3) float64
        Area fraction, reservoir coefficient [1/(ft^(2/3) s)], depression storage [ft]
        and Manning n of IMPERV0, IMPERV1, PERV.
    route_at_subarea : (n, 3) int8
        Where each subarea sends the routed part of its runoff (TO_OUTLET/IMPERV/PERV).
    f_outlet_at_subarea : (n, 3) float64
        Fraction of each subarea's runoff that leaves the subcatchment.
    outlet_subcatch : (n,) int64
        Subcatchment receiving the runoff (runon), or -1.
    counts_as_runoff : (n,) bool
        True when the outlet is a node (its outflow enters the runoff continuity).
    infil_model, infil_par, infil_state : (n,) int8, (n, 5), (n, 6) float64
        See :mod:`twin.kernels.runoff.infiltration`; state updated in place.
    max_infil_vol_at_subcatch : (n,) float64
        Infiltration [ft over the pervious area] the aquifer's upper zone can take this
        step (inf without groundwater; read only in the ``GROUNDWATER`` variant).
    depth_at_subarea, runoff_at_subarea : (n, 3) float64
        State: ponded depth [ft], runoff [ft/s]; updated in place.
    inflow_at_subarea : (n, 3) float64
        Work array (net inflow [ft/s]).
    runon_at_subcatch : (n,) float64
        Runon [ft/s] added from outside (outfall re-routing) before the call; reset to 0.
    perv_inflow_at_subcatch : (n,) float64
        Inflow [ft/s] onto the pervious subarea from outside (LID outflow returned to it).
    old_runoff_cfs, new_runoff_cfs : (n,) float64
        Runoff leaving each subcatchment before and after the step [cfs].
    evap_loss_fps, infil_loss_fps : (n,) float64
        Out: evaporation and infiltration over the step, per unit subcatchment area.
    totals : (N_TOTALS,) float64
        Accumulated rain, evaporation, infiltration, runoff and runon volumes [ft3].
    stats : (n, N_STATS) float64
        Accumulated per-subcatchment volumes [ft3] and maximum runoff [cfs].

    Returns
    -------
    bool
        True when any subcatchment produced runoff (SWMM then keeps the wet step).
    """
    n = area_at_subcatch.shape[0]
    for j in range(n):
        old_runoff_cfs[j] = new_runoff_cfs[j]
        for i in range(3):
            inflow_at_subarea[j, i] = runon_at_subcatch[j]
    # runon from upstream subcatchments and between subareas, from last step's runoff
    for j in range(n):
        if area_at_subcatch[j] == 0.0:
            continue
        k = outlet_subcatch[j]
        if k >= 0 and k != j and area_at_subcatch[k] > 0.0:
            q = old_runoff_cfs[j] / area_at_subcatch[k]
            runon_at_subcatch[k] += q
            for i in range(3):
                inflow_at_subarea[k, i] += q
        fr = frac_at_subarea[j]
        if fr[PERV] > 0.0 and route_at_subarea[j, IMPERV0] == TO_PERV:
            q = runoff_at_subarea[j, IMPERV0] * fr[IMPERV0] + runoff_at_subarea[j, IMPERV1] * fr[1]
            inflow_at_subarea[j, PERV] += q * (1.0 - f_outlet_at_subarea[j, IMPERV0]) / fr[PERV]
        if fr[PERV] < 1.0 and route_at_subarea[j, PERV] == TO_IMPERV and fr[IMPERV1] > 0.0:
            q = runoff_at_subarea[j, PERV]
            inflow_at_subarea[j, IMPERV1] += (
                q * (1.0 - f_outlet_at_subarea[j, PERV]) * fr[PERV] / fr[IMPERV1]
            )
        inflow_at_subarea[j, PERV] += perv_inflow_at_subcatch[j]
    any_runoff = False
    for j in range(n):
        area = area_at_subcatch[j]
        if area == 0.0:
            continue
        rain = rain_at_subcatch[j]
        evap = evap_fps
        if evap_dry_only and rain > 0.0:
            evap = 0.0
        v_runon = runon_at_subcatch[j] * dt_s * area
        v_evap = 0.0
        v_infil = 0.0
        v_out = 0.0
        q_total = 0.0
        for i in range(3):
            a = area * frac_at_subarea[j, i]
            if a == 0.0:
                runoff_at_subarea[j, i] = 0.0
                continue
            d = depth_at_subarea[j, i]
            moisture = d / dt_s
            surf_evap = min(moisture, evap)
            infil = 0.0
            if i == PERV:
                infil = infil_rate(
                    infil_model[j],
                    infil_par[j],
                    infil_state[j],
                    dt_s,
                    rain,
                    inflow_at_subarea[j, i],
                    d,
                    recovery,
                    1.0,
                )
                if GROUNDWATER:  # SWMM's getSubareaInfil: no more than the aquifer takes
                    infil = min(infil, max_infil_vol_at_subcatch[j] / dt_s)
            inflow = inflow_at_subarea[j, i] + rain
            moisture += inflow
            v_evap += surf_evap * a * dt_s
            v_infil += infil * a * dt_s
            dstore = dstore_at_subarea[j, i]
            alpha = alpha_at_subarea[j, i]
            has_n = n_at_subarea[j, i] > 0.0
            if surf_evap + infil >= moisture:
                d = 0.0  # losses take all the water available
                q = 0.0
            else:
                inflow -= surf_evap + infil
                d, q = _subarea_runoff(d, inflow, alpha, dstore, has_n, dt_s)
            inflow_at_subarea[j, i] = inflow
            depth_at_subarea[j, i] = d
            runoff_at_subarea[j, i] = q
            v_out += f_outlet_at_subarea[j, i] * q * a * dt_s
            q_total += q * a
        evap_loss_fps[j] = v_evap / dt_s / area
        infil_loss_fps[j] = v_infil / dt_s / area
        new_runoff_cfs[j] = v_out / dt_s
        v_rain = rain * dt_s * area
        stats[j, ST_RAIN] += v_rain
        stats[j, ST_RUNON] += v_runon
        stats[j, ST_EVAP] += v_evap
        stats[j, ST_INFIL] += v_infil
        stats[j, ST_RUNOFF] += v_out
        stats[j, ST_MAX_RUNOFF] = max(stats[j, ST_MAX_RUNOFF], new_runoff_cfs[j])
        totals[TOT_RAIN] += v_rain
        totals[TOT_EVAP] += v_evap
        totals[TOT_INFIL] += v_infil
        if counts_as_runoff[j]:
            totals[TOT_RUNOFF] += v_out
        if q_total > 0.0:
            any_runoff = True
    for j in range(n):
        runon_at_subcatch[j] = 0.0
    return any_runoff


@kernel(**JIT)
def stored_volume(area_at_subcatch, frac_at_subarea, depth_at_subarea):
    """Water ponded on all subcatchments [ft3]."""
    v = 0.0
    for j in range(area_at_subcatch.shape[0]):
        s = 0.0
        for i in range(3):
            s += depth_at_subarea[j, i] * frac_at_subarea[j, i]
        v += s * area_at_subcatch[j]
    return v


@kernel(**JIT)
def add_runoff_to_nodes(f, old_runoff_cfs, new_runoff_cfs, outlet_node, out):
    """Add ``(1 - f) old + f new`` runoff [cfs] of each subcatchment to its outlet node."""
    for j in range(outlet_node.shape[0]):
        k = outlet_node[j]
        if k >= 0:
            out[k] += (1.0 - f) * old_runoff_cfs[j] + f * new_runoff_cfs[j]
    return out


@kernel(**JIT)
def reported_runoff(f, old_runoff_cfs, new_runoff_cfs, area_at_subcatch, out):
    """Runoff [cfs] interpolated at weight ``f``; below 0.001 in/h over the area -> 0."""
    for j in range(out.shape[0]):
        q = (1.0 - f) * old_runoff_cfs[j] + f * new_runoff_cfs[j]
        if q < MIN_RUNOFF_FPS * area_at_subcatch[j]:
            q = 0.0
        out[j] = q
    return out


def new_state_arrays(n):
    """Zeroed state and work arrays for ``n`` subcatchments (a dict of ndarrays)."""
    z3 = (n, 3)
    return {
        "depth_at_subarea": np.zeros(z3),
        "runoff_at_subarea": np.zeros(z3),
        "inflow_at_subarea": np.zeros(z3),
        "runon_at_subcatch": np.zeros(n),
        "perv_inflow_at_subcatch": np.zeros(n),
        "old_runoff_cfs": np.zeros(n),
        "new_runoff_cfs": np.zeros(n),
        "evap_loss_fps": np.zeros(n),
        "infil_loss_fps": np.zeros(n),
        "infil_state": np.zeros((n, N_INFIL_STATE)),
        "max_infil_vol_at_subcatch": np.full(n, np.inf),
        "totals": np.zeros(N_TOTALS),
        "stats": np.zeros((n, N_STATS)),
    }


__all__ = [
    "IMPERV0",
    "IMPERV1",
    "PERV",
    "TO_OUTLET",
    "TO_IMPERV",
    "TO_PERV",
    "MANNING_COEFF",
    "MANNING_EXP",
    "integrate_ponded_depth",
    "runoff_step",
    "stored_volume",
    "add_runoff_to_nodes",
    "reported_runoff",
    "new_state_arrays",
]


_MODEL_FLAGS = {
    infiltration.HORTON: ("USE_HORTON", "h"),
    infiltration.MODIFIED_HORTON: ("USE_MODIFIED_HORTON", "mh"),
    infiltration.GREEN_AMPT: ("USE_GREEN_AMPT", "ga"),
    infiltration.MODIFIED_GREEN_AMPT: ("USE_MODIFIED_GREEN_AMPT", "mga"),
    infiltration.CURVE_NUMBER: ("USE_CURVE_NUMBER", "cn"),
}


@functools.cache
def _runoff_step_for(models: frozenset, groundwater: bool = False):
    gw = "_gw" if groundwater else ""
    if models >= set(_MODEL_FLAGS):
        return variant(runoff_step, "gw", GROUNDWATER=True) if groundwater else runoff_step
    suffix = "infil_" + "_".join(_MODEL_FLAGS[m][1] for m in sorted(models)) if models else "dry"
    flags = {name: m in models for m, (name, _) in _MODEL_FLAGS.items()}
    rate = variant(infil_rate, suffix, **flags)
    return variant(runoff_step, suffix + gw, infil_rate=rate, GROUNDWATER=groundwater)


def runoff_step_for(infil_model: np.ndarray, groundwater: bool = False):
    """:func:`runoff_step` compiled for the infiltration models in ``infil_model`` (codes
    per subcatchment) only: the other models' kernels are not compiled.  The same
    arithmetic; one variant per set of models, made on first use and cached.
    ``groundwater``: with the aquifers' limit on infiltration (``GROUNDWATER``)."""
    used = frozenset(int(m) for m in np.unique(infil_model) if int(m) in _MODEL_FLAGS)
    return _runoff_step_for(used, bool(groundwater))
