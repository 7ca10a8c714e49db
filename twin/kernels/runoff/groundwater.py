"""Groundwater: SWMM 5.2's two-zone aquifer under a subcatchment (``gwater.c``), in ft, s.

The aquifer between its bottom and the ground surface (``total`` ft deep) has an upper
unsaturated zone of moisture content ``theta`` and a lower saturated zone of depth
``lower`` ft.  Infiltration from the pervious surface enters the upper zone, percolates
to the lower one (``K(theta) (1 + Tslope 2 (theta - FC) / upper depth)``), evaporates
from both zones (what the surface left of the potential rate), seeps to deep
groundwater (``Seep lower / total``) and flows laterally to a node::

    q = A1 (Hgw - H*)^B1 - A2 (Hsw - H*)^B2 + A3 Hgw Hsw      (file units, per area)

with ``H*`` the node's invert (or the given elevation) and ``Hsw`` its water surface
above the aquifer bottom; ``q`` is negative (the node feeds the aquifer) when the
node's water stands above the table, limited by the node's inflow and volume.  The two
state ODEs ``d theta/dt = (Infil - ETu - Perc) / upper depth`` and ``d lower/dt =
(Perc - Seep - ETl - q) / (porosity - theta)`` are integrated by SWMM's adaptive Cash-Karp
Runge-Kutta (``odesolve.c``, tolerance 1e-4) over each runoff step.

:func:`groundwater_step` advances every subcatchment's aquifer by one runoff step.
Constants per aquifer-subcatchment pair are the rows of ``par`` (``P_*`` columns);
states the rows of ``state`` (``S_*``).
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel

GWTOL = 0.0001  # SWMM's ODE tolerance
XTOL = 0.001  # SWMM's tolerance on moisture and depth
FLOW_TOL = 1.0e-5  # cfs: SWMM's FLOW_TOL (smaller lateral groundwater flow is not added)

# par columns (ft, ft/s, fractions; a*, b* as written, in the file's units)
P_POROSITY, P_WILT, P_FIELD_CAP, P_KSAT, P_KSLOPE, P_TSLOPE = 0, 1, 2, 3, 4, 5
P_UPPER_EVAP_FRAC, P_LOWER_EVAP_DEPTH, P_SEEP, P_BOTTOM, P_SURFACE = 6, 7, 8, 9, 10
P_A1, P_B1, P_A2, P_B2, P_A3, P_FIXED_DEPTH, P_HSTAR, P_NODE_INVERT = 11, 12, 13, 14, 15, 16, 17, 18
P_AREA, P_FRAC_PERV = 19, 20
# [GWF] programs of the pair: start and length in ``ops``/``args`` (length 0: none)
P_LAT_START, P_LAT_LEN, P_DEEP_START, P_DEEP_LEN = 21, 22, 23, 24
N_PAR = 25

# state columns
S_THETA, S_LOWER, S_OLD_FLOW, S_NEW_FLOW, S_EVAP, S_MAX_INFIL_VOL = 0, 1, 2, 3, 4, 5
N_STATE = 6

# totals [ft3]
T_INFIL, T_UPPER_EVAP, T_LOWER_EVAP, T_DEEP, T_LATERAL = 0, 1, 2, 3, 4
N_TOTALS = 5

# per-pair statistics (SWMM's TGWaterStats; depths in ft, integrals in ft s)
G_INFIL, G_EVAP, G_LATERAL, G_DEEP, G_THETA_INT, G_TABLE_INT = 0, 1, 2, 3, 4, 5
G_FINAL_THETA, G_FINAL_TABLE, G_MAX_FLOW = 6, 7, 8
N_STATS = 9

# per-step values (the C code's shared variables) in the work vector ``w``
W_INFIL, W_MAX_EVAP, W_AVAIL_EVAP, W_TOTAL, W_HSTAR, W_HSW = 0, 1, 2, 3, 4, 5
W_MAX_PERC, W_MAX_POS, W_MAX_NEG, W_TSTEP, W_UPPER_FRAC, W_UCF_LEN, W_UCF_GWFLOW = (
    6, 7, 8, 9, 10, 11, 12
)  # fmt: skip
W_UCF_RAIN, W_UCF_AREA, W_HYDCON = 13, 14, 15  # HydCon: SWMM's last computed K(theta)
N_WORK = 16
MAX_STACK = 50

_SAFETY = 0.9
_PGROW = -0.2
_PSHRNK = -0.25
_ERRCON = 1.89e-4
_MAXSTP = 10000


@kernel(**JIT)
def eval_program(ops, args, start, length, vals):
    """Value of a [GWF] program (SWMM's ``mathexpr_eval`` on its postfix opcodes) with the
    groundwater variables ``vals`` (SWMM's GWVarWords order)."""
    stack = np.zeros(MAX_STACK + 1)
    top = 0
    for m in range(start, start + length):
        op = ops[m]
        if op == 7 or op == 8:
            top += 1
            stack[top] = args[m] if op == 7 else vals[int(args[m])]
        elif op == 3 or op == 4 or op == 5 or op == 6 or op == 31:
            r1 = stack[top]
            top -= 1
            r2 = stack[top]
            if op == 3:
                stack[top] = r2 + r1
            elif op == 4:
                stack[top] = r2 - r1
            elif op == 5:
                stack[top] = r2 * r1
            elif op == 6:
                stack[top] = r2 / r1
            else:
                stack[top] = 0.0 if r2 <= 0.0 else r2**r1
        else:
            stack[top] = _unary(op, stack[top])
    return stack[top]


@kernel(**JIT)
def _unary(op, x):
    """SWMM's one-argument functions (mathexpr.c codes 9-28) with its guards."""
    if op == 9:
        return -x
    if op == 10:
        return np.cos(x)
    if op == 11:
        return np.sin(x)
    if op == 12:
        return np.tan(x)
    if op == 13:
        return 0.0 if x == 0.0 else 1.0 / np.tan(x)
    if op == 14:
        return abs(x)
    if op == 15:
        return -1.0 if x < 0.0 else (1.0 if x > 0.0 else 0.0)
    if op == 16:
        return 0.0 if x < 0.0 else np.sqrt(x)
    if op == 17:
        return 0.0 if x <= 0.0 else np.log(x)
    if op == 18:
        return np.exp(x)
    if op == 19:
        return np.arcsin(x)
    if op == 20:
        return np.arccos(x)
    if op == 21:
        return np.arctan(x)
    if op == 22:
        return 1.57079632679489661923 - np.arctan(x)
    if op == 23:
        return (np.exp(x) - np.exp(-x)) / 2.0
    if op == 24:
        return (np.exp(x) + np.exp(-x)) / 2.0
    if op == 25:
        return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    if op == 26:
        return (np.exp(x) + np.exp(-x)) / (np.exp(x) - np.exp(-x))
    if op == 27:
        return 0.0 if x == 0.0 else np.log10(x)
    return 0.0 if x <= 0.0 else 1.0  # 28: step


@kernel(**JIT)
def _gw_variables(lower, theta, perc, p, w):
    """SWMM's getVariableValue: HGW HSW HCB HGS KS K THETA PHI FI FU A in the file's units."""
    ucf, rain = w[W_UCF_LEN], w[W_UCF_RAIN]
    vals = np.empty(11)
    vals[0] = lower * ucf
    vals[1] = w[W_HSW] * ucf
    vals[2] = w[W_HSTAR] * ucf
    vals[3] = w[W_TOTAL] * ucf
    vals[4] = p[P_KSAT] * rain
    vals[5] = w[W_HYDCON] * rain
    vals[6] = theta
    vals[7] = p[P_POROSITY]
    vals[8] = w[W_INFIL] * rain
    vals[9] = perc * rain
    vals[10] = p[P_AREA] * w[W_UCF_AREA]
    return vals


@kernel(**JIT)
def fluxes(theta, lower, p, w, ops, args):
    """SWMM's ``getFluxes``: (upper ET, lower ET, percolation, deep seepage, lateral
    flow) [ft/s over the subcatchment] at moisture ``theta`` and lower depth ``lower``;
    the pair's [GWF] programs in ``ops``/``args`` replace the deep seepage and add to
    the lateral flow."""
    total = w[W_TOTAL]
    lower = min(max(lower, 0.0), total)
    upper_depth = total - lower
    # evaporation (none while infiltration is occurring)
    upper_evap = 0.0
    lower_evap = 0.0
    if not w[W_INFIL] > 0.0:
        frac = w[W_UPPER_FRAC]
        if theta > p[P_WILT]:
            upper_evap = min(frac * w[W_MAX_EVAP], w[W_AVAIL_EVAP])
        ets = p[P_LOWER_EVAP_DEPTH]
        if ets > 0.0:
            lf = min(max((ets - upper_depth) / ets, 0.0), 1.0)
            lower_evap = min(lf * (1.0 - frac) * w[W_MAX_EVAP], w[W_AVAIL_EVAP] - upper_evap)
    # percolation from the upper to the lower zone
    perc = 0.0
    if upper_depth > 0.0 and theta > p[P_FIELD_CAP]:
        hydcon = p[P_KSAT] * np.exp((theta - p[P_POROSITY]) * p[P_KSLOPE])
        dhdz = 1.0 + p[P_TSLOPE] * 2.0 * (theta - p[P_FIELD_CAP]) / upper_depth
        perc = hydcon * dhdz
        w[W_HYDCON] = hydcon
    perc = min(perc, w[W_MAX_PERC])
    # deep seepage ([GWF] DEEP in the file's rain units, else Seep lower / total)
    if p[P_DEEP_LEN] > 0.0:
        vals = _gw_variables(lower, theta, perc, p, w)
        deep = eval_program(ops, args, int(p[P_DEEP_START]), int(p[P_DEEP_LEN]), vals)
        deep = min(deep / w[W_UCF_RAIN], lower / w[W_TSTEP])
    else:
        deep = min(p[P_SEEP] * lower / total, lower / w[W_TSTEP])
    # lateral flow to the node
    q = 0.0
    hstar = w[W_HSTAR]
    if lower > hstar:
        ucf = w[W_UCF_LEN]
        hsw = w[W_HSW]
        t1 = p[P_A1] if p[P_B1] == 0.0 else p[P_A1] * ((lower - hstar) * ucf) ** p[P_B1]
        if p[P_B2] == 0.0:
            t2 = p[P_A2]
        elif hsw > hstar:
            t2 = p[P_A2] * ((hsw - hstar) * ucf) ** p[P_B2]
        else:
            t2 = 0.0
        t3 = p[P_A3] * lower * hsw * ucf * ucf
        q = (t1 - t2 + t3) / w[W_UCF_GWFLOW]
        if q < 0.0 and p[P_A3] != 0.0:
            q = 0.0
    if p[P_LAT_LEN] > 0.0:
        vals = _gw_variables(lower, theta, perc, p, w)
        q += eval_program(ops, args, int(p[P_LAT_START]), int(p[P_LAT_LEN]), vals) / w[W_UCF_GWFLOW]
    if q >= 0.0:
        q = min(q, w[W_MAX_POS])
    else:
        q = max(q, w[W_MAX_NEG])
    return upper_evap, lower_evap, perc, deep, q


@kernel(**JIT)
def _dxdt(theta, lower, p, w, ops, args):
    upper_evap, lower_evap, perc, deep, q = fluxes(theta, lower, p, w, ops, args)
    q_upper = w[W_INFIL] - upper_evap - perc
    q_lower = perc - deep - lower_evap - q
    denom = w[W_TOTAL] - lower
    d_theta = q_upper / denom if denom > 0.0 else 0.0
    denom = p[P_POROSITY] - theta
    d_lower = q_lower / denom if denom > 0.0 else 0.0
    return d_theta, d_lower


@kernel(**JIT)
def integrate_aquifer(theta0, lower0, p, w, ops, args, duration_s):
    """(theta, lower) after ``duration_s`` [s]: SWMM's ``odesolve_integrate`` (adaptive
    Cash-Karp Runge-Kutta, first trial step the whole duration, error scaled by
    ``|y| + |dy/dt h|``); the start values unchanged if the integration fails."""
    x = 0.0
    h = duration_s
    y0 = theta0
    y1 = lower0
    for _ in range(_MAXSTP):
        k10, k11 = _dxdt(y0, y1, p, w, ops, args)
        s0 = abs(y0) + abs(k10 * h) + 1.0e-30
        s1 = abs(y1) + abs(k11 * h) + 1.0e-30
        if (x + h - duration_s) * (x + h) > 0.0:
            h = duration_s - x
        while True:
            k20, k21 = _dxdt(y0 + 0.2 * h * k10, y1 + 0.2 * h * k11, p, w, ops, args)
            k30, k31 = _dxdt(
                y0 + h * (3.0 / 40.0 * k10 + 9.0 / 40.0 * k20),
                y1 + h * (3.0 / 40.0 * k11 + 9.0 / 40.0 * k21),
                p, w, ops, args,
            )  # fmt: skip
            k40, k41 = _dxdt(
                y0 + h * (0.3 * k10 - 0.9 * k20 + 1.2 * k30),
                y1 + h * (0.3 * k11 - 0.9 * k21 + 1.2 * k31),
                p, w, ops, args,
            )  # fmt: skip
            k50, k51 = _dxdt(
                y0 + h * (-11.0 / 54.0 * k10 + 2.5 * k20 - 70.0 / 27.0 * k30 + 35.0 / 27.0 * k40),
                y1 + h * (-11.0 / 54.0 * k11 + 2.5 * k21 - 70.0 / 27.0 * k31 + 35.0 / 27.0 * k41),
                p, w, ops, args,
            )  # fmt: skip
            b61, b62, b63 = 1631.0 / 55296.0, 175.0 / 512.0, 575.0 / 13824.0
            b64, b65 = 44275.0 / 110592.0, 253.0 / 4096.0
            k60, k61 = _dxdt(
                y0 + h * (b61 * k10 + b62 * k20 + b63 * k30 + b64 * k40 + b65 * k50),
                y1 + h * (b61 * k11 + b62 * k21 + b63 * k31 + b64 * k41 + b65 * k51),
                p, w, ops, args,
            )  # fmt: skip
            c1, c3, c4, c6 = 37.0 / 378.0, 250.0 / 621.0, 125.0 / 594.0, 512.0 / 1771.0
            dc1, dc3 = c1 - 2825.0 / 27648.0, c3 - 18575.0 / 48384.0
            dc4, dc5, dc6 = c4 - 13525.0 / 55296.0, -277.0 / 14336.0, c6 - 0.25
            n0 = y0 + h * (c1 * k10 + c3 * k30 + c4 * k40 + c6 * k60)
            n1 = y1 + h * (c1 * k11 + c3 * k31 + c4 * k41 + c6 * k61)
            e0 = h * (dc1 * k10 + dc3 * k30 + dc4 * k40 + dc5 * k50 + dc6 * k60)
            e1 = h * (dc1 * k11 + dc3 * k31 + dc4 * k41 + dc5 * k51 + dc6 * k61)
            errmax = max(abs(e0 / s0), abs(e1 / s1)) / GWTOL
            if errmax > 1.0:
                htemp = _SAFETY * h * errmax**_PSHRNK
                h = htemp if htemp > 0.1 * h else 0.1 * h
                if x + h == x:
                    return theta0, lower0
                continue
            if errmax > _ERRCON:
                hnext = _SAFETY * h * errmax**_PGROW
            else:
                hnext = 5.0 * h
            x += h
            y0 = n0
            y1 = n1
            break
        if x >= duration_s:
            return y0, y1
        if hnext <= 0.0:
            return theta0, lower0
        h = hnext
    return theta0, lower0


@kernel(**JIT)
def groundwater_step(
    dt_s,
    evap_rate_fps,
    ucf,
    subcatch,
    node,
    par,
    state,
    infil_loss_fps,
    evap_loss_fps,
    node_depth_ft,
    node_inflow_cfs,
    node_volume_ft3,
    max_infil_vol_at_subcatch,
    work,
    ops,
    args,
    totals,
    stats,
):
    """Advance every aquifer by one runoff step (SWMM's ``gwater_getGroundwater``, called
    after the subcatchment's surface step).

    Parameters
    ----------
    dt_s : float
        Runoff step [s].
    evap_rate_fps : float
        The climate's potential evaporation [ft/s] (SWMM's ``Evap.rate``).
    ucf : (4,) float64
        SWMM's UCF(LENGTH), UCF(GWFLOW), UCF(RAINFALL) and UCF(LANDAREA) of the file's
        unit system.
    subcatch, node : (k,) int64
        Subcatchment and node of each aquifer-subcatchment pair.
    par : (k, N_PAR) float64
        Constants (``P_*``).
    state : (k, N_STATE) float64
        State (``S_*``), updated in place.
    infil_loss_fps, evap_loss_fps : (n_subcatch,) float64
        The surface step's infiltration and evaporation over the subcatchment [ft/s].
    node_depth_ft, node_inflow_cfs, node_volume_ft3 : (n_nodes,) float64
        The nodes' state at the start of the runoff step.
    max_infil_vol_at_subcatch : (n_subcatch,) float64
        Out: infiltration volume [ft over the pervious area] the upper zone can take
        in the next step.
    work : (k, N_WORK) float64
        Per-pair step values (``W_*``); ``W_UPPER_FRAC`` (ETu times this month's ETupat
        factor) set by the caller.  ``W_HYDCON`` is carried from pair to pair and step to
        step, as SWMM's shared HydCon (the K a [GWF] expression reads).
    ops, args : (m,) int64, float64
        The [GWF] programs (``P_LAT_*``, ``P_DEEP_*`` locate a pair's).
    totals : (N_TOTALS,) float64
        Accumulated volumes [ft3].
    stats : (k, N_STATS) float64
        Accumulated per-pair statistics.
    """
    k = subcatch.shape[0]
    hydcon = work[k - 1, W_HYDCON] if k > 0 else 0.0
    for i in range(k):
        p = par[i]
        s = state[i]
        w = work[i]
        w[W_HYDCON] = hydcon
        frac_perv = p[P_FRAC_PERV]
        area = p[P_AREA]
        if frac_perv <= 0.0 or area == 0.0:
            continue
        j = subcatch[i]
        infil = infil_loss_fps[j]
        evap = evap_loss_fps[j]
        w[W_INFIL] = infil
        w[W_TSTEP] = dt_s
        w[W_MAX_EVAP] = evap_rate_fps * frac_perv
        w[W_AVAIL_EVAP] = max(w[W_MAX_EVAP] - evap, 0.0)
        total = p[P_SURFACE] - p[P_BOTTOM]
        w[W_TOTAL] = total
        if total <= 0.0:
            continue
        n = node[i]
        w[W_HSTAR] = p[P_HSTAR]
        if p[P_FIXED_DEPTH] > 0.0:
            w[W_HSW] = p[P_FIXED_DEPTH] + p[P_NODE_INVERT] - p[P_BOTTOM]
        else:
            w[W_HSW] = node_depth_ft[n] + p[P_NODE_INVERT] - p[P_BOTTOM]
        w[W_UCF_LEN] = ucf[0]
        w[W_UCF_GWFLOW] = ucf[1]
        w[W_UCF_RAIN] = ucf[2]
        w[W_UCF_AREA] = ucf[3]
        theta = s[S_THETA]
        lower = s[S_LOWER]
        w[W_MAX_PERC] = max(0.0, (total - lower) * (theta - p[P_FIELD_CAP])) / dt_s
        w[W_MAX_POS] = lower * p[P_POROSITY] / dt_s
        neg = (total - lower) * (p[P_POROSITY] - theta) / dt_s
        node_flow = (node_inflow_cfs[n] + node_volume_ft3[n] / dt_s) / area
        w[W_MAX_NEG] = -min(neg, node_flow)
        theta, lower = integrate_aquifer(theta, lower, p, w, ops, args, dt_s)
        theta = max(theta, p[P_WILT])
        if theta >= p[P_POROSITY]:
            theta = p[P_POROSITY] - XTOL
            lower = total - XTOL
        lower = max(lower, 0.0)
        if lower >= total:
            lower = total - XTOL
        s[S_THETA] = theta
        s[S_LOWER] = lower
        upper_evap, lower_evap, _, deep, q = fluxes(theta, lower, p, w, ops, args)
        s[S_OLD_FLOW] = s[S_NEW_FLOW]
        s[S_NEW_FLOW] = q
        s[S_EVAP] = upper_evap + lower_evap
        s[S_MAX_INFIL_VOL] = (total - lower) * (p[P_POROSITY] - theta) / frac_perv
        max_infil_vol_at_subcatch[j] = s[S_MAX_INFIL_VOL]
        ft2s = area * dt_s
        totals[T_INFIL] += infil * ft2s
        totals[T_UPPER_EVAP] += upper_evap * ft2s
        totals[T_LOWER_EVAP] += lower_evap * ft2s
        totals[T_DEEP] += deep * ft2s
        totals[T_LATERAL] += 0.5 * (s[S_OLD_FLOW] + s[S_NEW_FLOW]) * ft2s
        g = stats[i]
        g[G_INFIL] += infil * dt_s
        g[G_EVAP] += s[S_EVAP] * dt_s
        g[G_LATERAL] += q * dt_s
        g[G_DEEP] += deep * dt_s
        g[G_THETA_INT] += theta * dt_s
        table = lower + p[P_BOTTOM]
        g[G_TABLE_INT] += table * dt_s
        g[G_FINAL_THETA] = theta
        g[G_FINAL_TABLE] = table
        if abs(q) > abs(g[G_MAX_FLOW]):
            g[G_MAX_FLOW] = q
        hydcon = w[W_HYDCON]


@kernel(**JIT)
def add_groundwater_to_nodes(f, subcatch_area, node, state, out):
    """Add each aquifer's lateral flow [cfs], ``(1 - f) old + f new`` over its
    subcatchment, to its node's inflow (SWMM's ``addGroundwaterInflows``: flows below
    FLOW_TOL are left out); returns the total added [cfs]."""
    total = 0.0
    for i in range(node.shape[0]):
        q = ((1.0 - f) * state[i, S_OLD_FLOW] + f * state[i, S_NEW_FLOW]) * subcatch_area[i]
        if abs(q) < FLOW_TOL:
            continue
        out[node[i]] += q
        total += q
    return total


@kernel(**JIT)
def stored_volume(par, state):
    """Water held in all aquifers [ft3] (SWMM's ``gwater_getVolume`` times the area)."""
    v = 0.0
    for i in range(par.shape[0]):
        p = par[i]
        upper = p[P_SURFACE] - p[P_BOTTOM] - state[i, S_LOWER]
        v += (upper * state[i, S_THETA] + state[i, S_LOWER] * p[P_POROSITY]) * p[P_AREA]
    return v
