"""Infiltration on the pervious subarea: SWMM 5.2's five models, in ft and seconds.

Each model keeps its parameters in one row of ``par`` (``N_INFIL_PARAMS`` columns) and
its state in one row of ``state`` (``N_INFIL_STATE`` columns); the engine converts the
Network's SI parameters into these internal units (see ``twin.engine.runoff``).

- HORTON, MODIFIED_HORTON: par = f0 ft/s, fmin ft/s, decay 1/s, regen 1/s, Fmax ft
  (0 = unlimited); state = tp s (time on the curve), Fe ft (cumulative infiltration).
- GREEN_AMPT, MODIFIED_GREEN_AMPT: par = suction ft, Ks ft/s, IMDmax, Lu ft (upper zone
  depth); state = IMD, F ft, Fu ft, Sat (0/1), T s (time left before a new event).
- CURVE_NUMBER: par = Smax ft, regen 1/s, Tmax s; state = S ft, P ft, F ft, T s, Se ft,
  f ft/s.

``NO_INFIL`` (-1) marks a subcatchment without infiltration.  Every function returns the
infiltration rate [ft/s] over the step and updates the state row in place, including
the dry-period recovery (regeneration) of the capacity exactly as SWMM does it.
"""

import numpy as np

from twin.kernels.codes import InfilModel
from twin.kernels.config import JIT
from twin.kernels.jit import kernel

NO_INFIL = -1
HORTON = int(InfilModel.HORTON)
MODIFIED_HORTON = int(InfilModel.MODIFIED_HORTON)
GREEN_AMPT = int(InfilModel.GREEN_AMPT)
MODIFIED_GREEN_AMPT = int(InfilModel.MODIFIED_GREEN_AMPT)
CURVE_NUMBER = int(InfilModel.CURVE_NUMBER)
#: The models :func:`infil_rate` handles.  True here; a variant for the models a network
#: uses (:func:`twin.kernels.runoff.runoff.runoff_step_for`) sees the others False and
#: never compiles them.
USE_HORTON = USE_MODIFIED_HORTON = USE_GREEN_AMPT = USE_MODIFIED_GREEN_AMPT = True
USE_CURVE_NUMBER = True

N_INFIL_PARAMS = 5
N_INFIL_STATE = 6

ZERO = 1.0e-10  # SWMM's effective zero
MIN_TOTAL_DEPTH_FT = 0.004167  # 0.05 in: ponded depth that keeps CN infiltration going
GA_RECOVERY_S_FT = 90000.0  # Lu / 90000 = upper-zone drainage constant (1/s per ft)
GA_EVENT_GAP_S_FT = 5400.0  # 5400 / Lu = time [s] to drain the upper zone between events


@kernel(**JIT)
def init_infil_state(model, par, state):
    """Reset one subcatchment's infiltration state to the start of a simulation."""
    for k in range(state.shape[0]):
        state[k] = 0.0
    if model == GREEN_AMPT or model == MODIFIED_GREEN_AMPT:
        state[0] = par[2]  # IMD = IMDmax
    elif model == CURVE_NUMBER:
        state[0] = par[0]  # S = Smax
        state[4] = par[0]  # Se = Smax


@kernel(**JIT)
def horton_rate(par, state, dt_s, supply_fps, depth_ft, recovery, cond_factor):
    """Horton infiltration over a step; ``supply_fps`` is rainfall + runon [ft/s].

    The state is the time ``tp`` [s] on the Horton curve and the cumulative
    infiltration ``Fe`` [ft] (kept only when a maximum volume ``Fmax`` is given).
    """
    f0 = par[0] * cond_factor
    fmin = par[1] * cond_factor
    kd = par[2]
    kr = par[3] * recovery
    fmax_vol = par[4]
    tp = state[0]
    df = f0 - fmin
    fp = 0.0
    if df < 0.0 or kd < 0.0 or kr < 0.0:
        return 0.0
    avail = supply_fps + depth_ft / dt_s
    if df == 0.0 or kd == 0.0:
        fp = min(f0, avail)
        return max(0.0, fp)
    if avail > ZERO:
        t1 = tp + dt_s
        tlim = 16.0 / kd
        if tp >= tlim:
            cum_p = fmin * tp + df / kd
            cum_1 = cum_p + fmin * dt_s
        else:
            cum_p = fmin * tp + df / kd * (1.0 - np.exp(-kd * tp))
            cum_1 = fmin * t1 + df / kd * (1.0 - np.exp(-kd * t1))
        fp = max((cum_1 - cum_p) / dt_s, fmin)
        if fp > avail:
            fp = avail
        if t1 > tlim or fp < avail:
            tp = t1
        else:
            # supply-limited: find tp where the curve's cumulative equals the volume taken
            target = cum_p + fp * dt_s
            tp = tp + dt_s / 2.0
            for _ in range(20):
                ex = np.exp(-min(60.0, kd * tp))
                resid = fmin * tp + df / kd * (1.0 - ex) - target
                step = resid / (fmin + df * ex)
                tp -= step
                if abs(step) <= 0.001 * dt_s:
                    break
        if fmax_vol > 0.0:
            if state[1] + fp * dt_s > fmax_vol:
                fp = (fmax_vol - state[1]) / dt_s
            fp = max(fp, 0.0)
            state[1] += fp * dt_s
    elif kr > 0.0:
        # dry: the capacity recovers along an exponential drying curve
        r = np.exp(-kr * dt_s)
        x = 1.0 - np.exp(-kd * tp)
        tp = -np.log(1.0 - r * x) / kd
        if fmax_vol > 0.0:
            state[1] = fmin * tp + (df / kd) * (1.0 - np.exp(-kd * tp))
    state[0] = tp
    return fp


@kernel(**JIT)
def modified_horton_rate(par, state, dt_s, supply_fps, depth_ft, recovery, cond_factor):
    """Modified Horton infiltration: capacity decays with infiltrated volume ``Fe``.

    As in SWMM 5.2.4, once a maximum volume is set ``Fe`` is raised to at least
    ``Fmax`` after a wet step (so infiltration stops on the following wet steps).
    """
    f0 = par[0] * cond_factor
    fmin = par[1] * cond_factor
    kd = par[2]
    kr = par[3] * recovery
    fmax_vol = par[4]
    df = f0 - fmin
    f = 0.0
    if df < 0.0 or kd < 0.0 or kr < 0.0:
        return 0.0
    avail = supply_fps + depth_ft / dt_s
    if df == 0.0 or kd == 0.0:
        return max(0.0, min(f0, avail))
    if avail > ZERO:
        if fmax_vol > 0.0 and state[1] >= fmax_vol:
            return 0.0
        fp = max(f0 - kd * state[1], fmin)
        f = min(avail, fp)
        state[1] += max(f - fmin, 0.0) * dt_s
        if fmax_vol > 0.0:
            state[1] = max(state[1], fmax_vol)
    elif kr > 0.0:
        state[1] = max(state[1] * np.exp(-kr * dt_s), 0.0)
    return f


@kernel(**JIT)
def green_ampt_volume_after(f1, c1, ks, ts):
    """Cumulative Green-Ampt infiltration [ft] after ``ts`` s of ponded infiltration.

    Solves ``F2 - F1 - c1 ln((F2 + c1)/(F1 + c1)) = ks ts`` (``c1`` = suction x
    moisture deficit [ft]) by Newton's method, or its explicit form for short steps.
    """
    f2min = f1 + ks * ts
    if c1 == 0.0:
        return f2min
    if ts < 10.0 and f1 > 0.01 * c1:
        return max(f1 + ks * (1.0 + c1 / f1) * ts, f2min)
    c2 = c1 * np.log(f1 + c1) - ks * ts
    f2 = f1
    for _ in range(20):
        d = (f2 - f1 - c1 * np.log(f2 + c1) + c2) / (1.0 - c1 / (f2 + c1))
        if abs(d) < 0.00001:
            return max(f2, f2min)
        f2 -= d
    return f2min


@kernel(**JIT)
def _ga_saturated(par, state, dt_s, supply_fps, depth_ft, recovery, ks, lu, fu_max):
    avail = supply_fps + depth_ft / dt_s
    if avail < ZERO:
        return 0.0
    state[4] = GA_EVENT_GAP_S_FT / lu / recovery
    c1 = (par[0] + depth_ft) * state[0]
    f2 = green_ampt_volume_after(state[1], c1, ks, dt_s)
    dvol = f2 - state[1]
    if dvol > avail * dt_s:
        dvol = avail * dt_s
        state[3] = 0.0
    state[1] += dvol
    state[2] = min(state[2] + dvol, fu_max)
    return dvol / dt_s


@kernel(**JIT)
def green_ampt_rate(par, state, dt_s, supply_fps, depth_ft, modified, recovery, cond_factor):
    """Green-Ampt (``modified`` False) or modified Green-Ampt infiltration over a step.

    State: initial moisture deficit ``IMD``, event cumulative infiltration ``F`` [ft],
    upper-zone volume ``Fu`` [ft], saturation flag ``Sat`` and the time ``T`` [s]
    left before a new event starts.  The upper zone drains in dry weather.
    """
    ks = par[1] * cond_factor
    lu = par[3] * np.sqrt(cond_factor)
    fu_max = par[2] * par[3] * np.sqrt(cond_factor)
    state[4] -= dt_s
    if state[3] != 0.0:
        return _ga_saturated(par, state, dt_s, supply_fps, depth_ft, recovery, ks, lu, fu_max)
    avail = supply_fps + depth_ft / dt_s
    if avail < ZERO:
        avail = 0.0
    if avail == 0.0:
        # dry: drain the upper zone; a new event resets the deficit
        if state[2] <= 0.0:
            return 0.0
        dvol = lu / GA_RECOVERY_S_FT * recovery * fu_max * dt_s
        state[1] -= dvol
        state[2] -= dvol
        if state[2] <= 0.0:
            state[2] = 0.0
            state[1] = 0.0
            state[0] = par[2]
            return 0.0
        if state[4] <= 0.0:
            state[0] = (fu_max - state[2]) / lu
            state[1] = 0.0
        return 0.0
    if avail <= ks:
        dvol = avail * dt_s
        state[1] += dvol
        state[2] = min(state[2] + dvol, fu_max)
        if not modified and state[4] <= 0.0:
            state[0] = (fu_max - state[2]) / lu
            state[1] = 0.0
        return avail
    state[4] = GA_EVENT_GAP_S_FT / lu / recovery
    f_sat = ks * (par[0] + depth_ft) * state[0] / (avail - ks)
    if state[1] > f_sat:
        state[3] = 1.0
        return _ga_saturated(par, state, dt_s, supply_fps, depth_ft, recovery, ks, lu, fu_max)
    if state[1] + avail * dt_s < f_sat:
        dvol = avail * dt_s
        state[1] += dvol
        state[2] = min(state[2] + dvol, fu_max)
        return avail
    # the surface saturates during the step
    ts = dt_s - (f_sat - state[1]) / avail
    if ts <= 0.0:
        ts = 0.0
    c1 = (par[0] + depth_ft) * state[0]
    f2 = green_ampt_volume_after(f_sat, c1, ks, ts)
    if f2 > f_sat + avail * ts:
        f2 = f_sat + avail * ts
    dvol = f2 - state[1]
    state[1] = f2
    state[2] = min(state[2] + dvol, fu_max)
    state[3] = 1.0
    return dvol / dt_s


@kernel(**JIT)
def curve_number_rate(par, state, dt_s, rain_fps, depth_ft, recovery):
    """SCS Curve Number infiltration; ``depth_ft`` includes runon volume over the step.

    Cumulative infiltration follows ``F = P (1 - P/(P + Se))`` within an event; the
    capacity ``S`` is used up by infiltration and regenerates in dry weather.
    """
    smax = par[0]
    regen = par[1]
    tmax = par[2]
    f1 = 0.0
    avail = rain_fps + depth_ft / dt_s
    if rain_fps > ZERO:
        if state[3] >= tmax:  # new event
            state[1] = 0.0
            state[2] = 0.0
            state[5] = 0.0
            state[4] = state[0]
        state[3] = 0.0
        state[1] += rain_fps * dt_s
        cum = state[1] * (1.0 - state[1] / (state[1] + state[4]))
        f1 = (cum - state[2]) / dt_s
        if f1 < 0.0 or state[0] <= 0.0:
            f1 = 0.0
    else:
        if depth_ft > MIN_TOTAL_DEPTH_FT and state[0] > 0.0:
            f1 = state[5]
            if f1 * dt_s > state[0]:
                f1 = state[0] / dt_s
        else:
            state[3] += dt_s
    if f1 > 0.0:
        f1 = max(min(f1, avail), 0.0)
        state[2] += f1 * dt_s
        if regen > 0.0:
            state[0] = max(state[0] - f1 * dt_s, 0.0)
    else:
        state[0] = min(state[0] + regen * smax * dt_s * recovery, smax)
    state[5] = f1
    return f1


@kernel(**JIT)
def infil_rate(model, par, state, dt_s, rain_fps, runon_fps, depth_ft, recovery, cond_factor):
    """Infiltration rate [ft/s] of one pervious subarea over a step of ``dt_s`` seconds.

    Parameters
    ----------
    model : int
        ``InfilModel`` code or ``NO_INFIL``.
    par, state : (N_INFIL_PARAMS,), (N_INFIL_STATE,) float64
        This subcatchment's parameter and state rows (state updated in place).
    rain_fps, runon_fps : float
        Rainfall and runon (from other subareas or subcatchments) [ft/s].
    depth_ft : float
        Ponded depth at the start of the step [ft].
    recovery : float
        Evaporation recovery factor (1 unless a RECOVERY pattern is given).
    cond_factor : float
        Hydraulic conductivity adjustment (1 unless adjusted).
    """
    if USE_HORTON and model == HORTON:
        return horton_rate(par, state, dt_s, rain_fps + runon_fps, depth_ft, recovery, cond_factor)
    if USE_MODIFIED_HORTON and model == MODIFIED_HORTON:
        return modified_horton_rate(
            par, state, dt_s, rain_fps + runon_fps, depth_ft, recovery, cond_factor
        )
    if USE_GREEN_AMPT and model == GREEN_AMPT:
        return green_ampt_rate(
            par, state, dt_s, rain_fps + runon_fps, depth_ft, False, recovery, cond_factor
        )
    if USE_MODIFIED_GREEN_AMPT and model == MODIFIED_GREEN_AMPT:
        return green_ampt_rate(
            par, state, dt_s, rain_fps + runon_fps, depth_ft, True, recovery, cond_factor
        )
    if USE_CURVE_NUMBER and model == CURVE_NUMBER:
        return curve_number_rate(par, state, dt_s, rain_fps, depth_ft + runon_fps * dt_s, recovery)
    return 0.0
