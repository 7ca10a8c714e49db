"""LID units on the runoff clock: SWMM 5.2's ``lid_getRunoff`` / ``evalLidUnit`` /
``lidproc_getOutflow``, in ft, ft2, ft/s, cfs and seconds.

The LID units of a subcatchment take rain on their own area, a share of the runoff of
the subcatchment's impervious and pervious subareas (``from_imperv``, ``from_perv``),
and, when the LIDs cover the whole subcatchment, its runon.  Each unit's layers
(:mod:`twin.kernels.runoff.lid_layers`) advance by one explicit Euler step (SWMM's
``modpuls_solve`` with weight 0; a vegetative swale iterates the modified Puls form,
weight 0.5).  A unit's surface outflow leaves the subcatchment with its runoff (or returns
to the pervious subarea, ``to_perv``); its under-drain flow goes to a node, another
subcatchment or back to the pervious subarea.  :func:`lid_step` does every unit of
every subcatchment after the subareas' step (:func:`twin.kernels.runoff.runoff.runoff_step`
run over the non-LID areas) and corrects the subcatchments' runoff, losses, statistics
and the runoff totals as SWMM's ``subcatch_getRunoff`` does.
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.runoff import lid_layers as ll
from twin.kernels.runoff import runoff as kr
from twin.kernels.runoff.infiltration import green_ampt_rate, infil_rate

STOPTOL = 0.00328  # ft: modpuls convergence tolerance (1 mm)
MINFLOW = 2.3e-8  # ft/s: below this a flux is dry (0.001 in/h)
MIN_RUNOFF = 2.31481e-8  # SWMM's MIN_RUNOFF (ft/s): rain above it resets the dry time

# per-unit geometry and routing (one row per unit)
(G_SUBCATCH, G_PROC, G_AREA, G_WIDTH, G_NUMBER, G_FROM_IMPERV, G_FROM_PERV, G_TO_PERV,
 G_DRAIN_SUBCATCH, G_DRAIN_NODE, G_PERVIOUS, N_GEOM) = range(12)  # fmt: skip

# per-unit values of a step for SWMM's detailed LID report (lidproc_saveResults): rates
# [ft/s], depths [ft], the soil's moisture content, and 1 when the unit is dry
(R_INFLOW, R_EVAP, R_INFIL, R_PAVE_PERC, R_SOIL_PERC, R_EXFIL, R_RUNOFF, R_DRAIN, R_SURF_DEPTH,
 R_PAVE_DEPTH, R_SOIL_MOIST, R_STOR_DEPTH, R_DRY, N_RPT) = range(14)  # fmt: skip

# per-subcatchment LID totals of a step (one row per subcatchment), cfs or ft3
(L_FLOW_TO_PERV, L_OLD_DRAIN, L_NEW_DRAIN, L_DRAINS_TO_NODES, L_STORED, N_GROUP) = range(6)


@kernel(**JIT)
def _fluxes(kind, x, f, p, u, w, area, width, cx, cy):
    if kind == ll.BC or kind == ll.RG:
        ll.biocell_flux_rates(x, f, p, u, w, area, width, cx, cy)
    elif kind == ll.GR:
        ll.green_roof_flux_rates(x, f, p, u, w, area, width)
    elif kind == ll.IT:
        ll.trench_flux_rates(x, f, p, u, w, area, width, cx, cy)
    elif kind == ll.PP:
        ll.pavement_flux_rates(x, f, p, u, w, area, width, cx, cy)
    elif kind == ll.RB:
        ll.barrel_flux_rates(x, f, p, u, w, cx, cy)
    elif kind == ll.RD:
        ll.roof_flux_rates(x, f, p, u, w, area, width)
    elif kind == ll.VS:
        ll.swale_flux_rates(x, f, p, u, w, area, width)


@kernel(**JIT)
def unit_outflow(p, u, ga_par, ga_state, inflow, evap, infil, max_infil, tstep, t_old,
                 recovery, cond_factor, area, width, cx, cy, w):  # fmt: skip
    """One LID unit over one step (lidproc_getOutflow); returns its surface outflow
    [ft/s]; ``w`` holds the step's fluxes (evaporation, exfiltration, drain ...).
    ``cond_factor``: the subcatchment's [ADJUSTMENTS] conductivity factor of the month,
    which SWMM's ``grnampt_getInfil`` applies to the unit's Green-Ampt soil too (its
    shared ``InfilFactor``)."""
    kind = int(p[ll.P_TYPE])
    x = np.empty(4)
    x_old = np.empty(4)
    x_prev = np.empty(4)
    x_min = np.zeros(4)
    x_max = np.full(4, 1.0e10)
    f = np.zeros(4)
    x[ll.SURF] = u[ll.U_SURF]
    x[ll.SOIL] = u[ll.U_SOIL]
    x[ll.STOR] = u[ll.U_STOR]
    x[ll.PAVE] = u[ll.U_PAVE]
    for i in range(w.shape[0]):
        w[i] = 0.0
    w[ll.W_SURF_INFLOW] = inflow
    w[ll.W_EVAP_RATE] = evap
    w[ll.W_MAX_INFIL] = max_infil
    w[ll.W_TSTEP] = tstep
    w[ll.W_OLD_TIME] = t_old
    if kind == ll.PP:
        w[ll.W_SURF_INFIL] = 0.0
    elif ga_par[1] > 0.0:
        w[ll.W_SURF_INFIL] = green_ampt_rate(ga_par, ga_state, tstep, inflow, u[ll.U_SURF], True,
                                          recovery, cond_factor)  # fmt: skip
    else:
        w[ll.W_SURF_INFIL] = infil
    if p[ll.SO_THICK] > 0.0:
        x_min[ll.SOIL] = p[ll.SO_WP]
        x_max[ll.SOIL] = p[ll.SO_POR]
    if p[ll.P_THICK] > 0.0:
        x_max[ll.PAVE] = p[ll.P_THICK]
    if p[ll.ST_THICK] > 0.0:
        x_max[ll.STOR] = p[ll.ST_THICK]
    omega = 0.5 if kind == ll.VS else 0.0
    for i in range(4):
        x_old[i] = x[i]
        x_prev[i] = x[i]
    for _ in range(1, 20):  # SWMM's modpuls_solve
        _fluxes(kind, x, f, p, u, w, area, width, cx, cy)
        can_stop = True
        for i in range(4):
            xi = x_old[i] + (omega * u[ll.U_FLUX0 + i] + (1.0 - omega) * f[i]) * tstep
            xi = max(min(xi, x_max[i]), x_min[i])
            if omega > 0.0 and abs(xi - x_prev[i]) > STOPTOL:
                can_stop = False
            x[i] = xi
            x_prev[i] = xi
        if can_stop:
            break
    if p[ll.S_OVERFLOW] > 0.0 or width == 0.0:
        w[ll.W_SURF_OUTFLOW] += ll.surface_overflow_rate(x, p, tstep)
    u[ll.U_SURF] = x[ll.SURF]
    u[ll.U_PAVE] = x[ll.PAVE]
    u[ll.U_SOIL] = x[ll.SOIL]
    u[ll.U_STOR] = x[ll.STOR]
    for i in range(4):
        u[ll.U_FLUX0 + i] = f[i]
    return w[ll.W_SURF_OUTFLOW]


@kernel(**JIT)
def lid_runon(area, surface_area, outlet_subcatch, new_runoff_cfs, geom, unit_state, group,
              runon_at_subcatch, full_lid_runon):  # fmt: skip
    """Before a runoff step (SWMM's ``lid_setOldGroupState`` and the LID parts of
    ``subcatch_getRunon``): the drain flows of the last step become old; drains sent to
    another subcatchment and runoff that the subareas' kernel does not carry (from or to
    a subcatchment whose LIDs cover it all) become runon [ft/s] (``runon_at_subcatch``
    over the non-LID area, ``full_lid_runon`` over a fully covered one)."""
    n = area.shape[0]
    for j in range(n):
        group[j, L_OLD_DRAIN] = group[j, L_NEW_DRAIN]
        group[j, L_NEW_DRAIN] = 0.0
    for m in range(geom.shape[0]):
        unit_state[m, ll.U_OLD_DRAIN] = unit_state[m, ll.U_NEW_DRAIN]
        unit_state[m, ll.U_NEW_DRAIN] = 0.0
    for j in range(n):
        k = outlet_subcatch[j]
        if area[j] == 0.0 or k < 0 or k == j or area[k] <= 0.0:
            continue
        if surface_area[j] > 0.0 and surface_area[k] > 0.0:
            continue  # the subareas' kernel routes it
        _add_runon(k, new_runoff_cfs[j], area, surface_area, runon_at_subcatch, full_lid_runon)
    for m in range(geom.shape[0]):
        j = int(geom[m, G_SUBCATCH])
        k = int(geom[m, G_DRAIN_SUBCATCH])
        if k >= 0 and k != j and area[k] > 0.0:
            q = unit_state[m, ll.U_OLD_DRAIN]
            _add_runon(k, q, area, surface_area, runon_at_subcatch, full_lid_runon)


@kernel(**JIT)
def _add_runon(k, q_cfs, area, surface_area, runon_at_subcatch, full_lid_runon):
    if surface_area[k] > 0.0:
        runon_at_subcatch[k] += q_cfs / surface_area[k]
    else:
        full_lid_runon[k] += q_cfs / area[k]


@kernel(**JIT)
def lid_step(
    dt_s, t_old_s, rain_at_subcatch, evap_fps, evap_dry_only, recovery, cond_factor_at_subcatch,
    area, surface_area, frac_at_subarea, route_at_subarea, f_outlet_at_subarea,
    outlet_node, outlet_subcatch, counts_as_runoff, runoff_at_subarea,
    infil_model, infil_par, infil_state, max_infil_vol_at_subcatch,
    full_lid_runon, runon_before, max_runoff_before,
    geom, proc, unit_state, ga_par, ga_state, curve_x, curve_y, group,
    new_runoff_cfs, evap_loss_fps, infil_loss_fps, perv_evap_fps, totals, stats, lid_totals,
    rpt_at_unit,
):  # fmt: skip
    """The LID units of every subcatchment over one runoff step, after
    :func:`~twin.kernels.runoff.runoff.runoff_step` (SWMM's ``lid_getRunoff``,
    ``evalLidUnit`` and the LID terms of ``subcatch_getRunoff``).

    ``geom`` rows are the units in SWMM's order of evaluation (by subcatchment, the
    last [LID_USAGE] line first); ``group`` (n, N_GROUP) the subcatchments' LID flows
    [cfs] and stored volume [ft3]; ``lid_totals`` accumulates the drain flow sent to
    nodes, the runoff treated and the LIDs' evaporation and infiltration [ft3].
    ``runon_before``, ``max_runoff_before``: the statistics' runon volume and peak
    runoff before the subareas' step.  ``cond_factor_at_subcatch``: each subcatchment's
    [ADJUSTMENTS] conductivity factor of the step (on the units' Green-Ampt soils).
    ``perv_evap_fps`` (n,): out, for subcatchments with LIDs, the evaporation SWMM hands
    their aquifer (its ``Vpevap``: the subareas' evaporation and that of the pervious
    units, over the whole subcatchment) [ft/s].  ``rpt_at_unit`` (units, N_RPT): out,
    each unit's values of the step for SWMM's detailed report (``R_*``).  Returns True
    when some LID is wet.
    """
    n = area.shape[0]
    w = np.zeros(ll.N_WORK)
    wet = False
    m = 0
    n_units = geom.shape[0]
    for j in range(n):
        if m >= n_units or int(geom[m, G_SUBCATCH]) != j:
            continue
        a = area[j]
        non_lid = surface_area[j]
        lid_area = a - non_lid
        rain = rain_at_subcatch[j]
        evap = evap_fps
        if evap_dry_only and rain > 0.0:
            evap = 0.0
        fr = frac_at_subarea[j]
        v_out = 0.0
        v_evap = 0.0
        v_infil = 0.0
        runon = 0.0
        q_imperv = 0.0
        q_perv = 0.0
        if non_lid > 0.0:
            v_out = new_runoff_cfs[j] * dt_s
            v_evap = evap_loss_fps[j] * dt_s * non_lid
            v_infil = infil_loss_fps[j] * dt_s * non_lid
            runon = (stats[j, kr.ST_RUNON] - runon_before[j]) / dt_s / non_lid
            q = runoff_at_subarea[j, kr.IMPERV0] * fr[0] + runoff_at_subarea[j, kr.IMPERV1] * fr[1]
            if route_at_subarea[j, kr.IMPERV0] == kr.TO_PERV and fr[kr.PERV] > 0.0:
                q *= f_outlet_at_subarea[j, kr.IMPERV0]
            q_imperv = q * non_lid
            q = runoff_at_subarea[j, kr.PERV] * fr[kr.PERV]
            if route_at_subarea[j, kr.PERV] == kr.TO_IMPERV and fr[kr.PERV] < 1.0:
                q *= f_outlet_at_subarea[j, kr.PERV]
            q_perv = q * non_lid
        else:
            runon = full_lid_runon[j]
            stats[j, kr.ST_RUNON] += runon * dt_s * a
        # the native soil's infiltration rate under the LIDs (findNativeInfil)
        if non_lid > 0.0 and fr[kr.PERV] > 0.0:
            native = v_infil / non_lid / dt_s
        else:
            depth = 0.0
            mm = m
            while mm < n_units and int(geom[mm, G_SUBCATCH]) == j:
                pr = proc[int(geom[mm, G_PROC])]
                a_unit = geom[mm, G_AREA] * geom[mm, G_NUMBER]
                depth += unit_state[mm, ll.U_SURF] * pr[ll.S_VOID] * a_unit
                mm += 1
            depth /= lid_area
            native = infil_rate(infil_model[j], infil_par[j], infil_state[j], dt_s, rain, runon,
                                depth, recovery, 1.0)  # fmt: skip
        max_native = max_infil_vol_at_subcatch[j] / dt_s
        q_run = 0.0
        q_drain = 0.0
        q_return = 0.0
        v_lid_in = 0.0
        v_lid_evap = 0.0
        v_lid_infil = 0.0
        v_perv_evap = v_evap  # SWMM's Vpevap: all the subareas' evaporation (subcatch.c)
        stored = 0.0
        while m < n_units and int(geom[m, G_SUBCATCH]) == j:
            g = geom[m]
            u = unit_state[m]
            pr = proc[int(g[G_PROC])]
            unit_area = g[G_AREA] * g[G_NUMBER]
            if unit_area > 0.0:
                inflow = (q_imperv * g[G_FROM_IMPERV] + q_perv * g[G_FROM_PERV]) / unit_area
                v_lid_in += inflow * unit_area * dt_s
                if not (int(pr[ll.P_TYPE]) == ll.RB and pr[ll.ST_COVERED] > 0.0):
                    inflow += rain
                if a == lid_area:
                    inflow += runon
                surf = unit_outflow(pr, u, ga_par[m], ga_state[m], inflow, evap, native,
                                    max_native, dt_s, t_old_s, recovery,
                                    cond_factor_at_subcatch[j], g[G_AREA], g[G_WIDTH],
                                    curve_x, curve_y, w)  # fmt: skip
                lid_evap = w[ll.W_SURF_EVAP] + w[ll.W_PAVE_EVAP]
                lid_evap += w[ll.W_SOIL_EVAP] + w[ll.W_STOR_EVAP]
                lid_infil = w[ll.W_STOR_EXFIL]
                lid_run = surf * unit_area
                lid_drain = w[ll.W_STOR_DRAIN] * unit_area
                d_node = int(g[G_DRAIN_NODE])
                if g[G_TO_PERV] > 0.0 and a > lid_area:
                    q_return += lid_run
                    lid_run = 0.0
                    if d_node == outlet_node[j] and int(g[G_DRAIN_SUBCATCH]) == outlet_subcatch[j]:
                        q_return += lid_drain
                        lid_drain = 0.0
                if d_node >= 0:
                    lid_totals[0] += lid_drain * dt_s
                u[ll.U_NEW_DRAIN] = lid_drain
                v_lid_evap += lid_evap * dt_s * unit_area
                if g[G_PERVIOUS] > 0.0:
                    v_perv_evap += lid_evap * dt_s * unit_area
                v_lid_infil += lid_infil * dt_s * unit_area
                if rain > MIN_RUNOFF:
                    u[ll.U_DRY_TIME] = 0.0
                else:
                    u[ll.U_DRY_TIME] += dt_s
                volume = w[ll.W_SURF_VOL] + w[ll.W_PAVE_VOL] + w[ll.W_SOIL_VOL] + w[ll.W_STOR_VOL]
                u[ll.U_VOL_TREATED] += inflow * dt_s
                u[ll.U_WB_INFLOW] += inflow * dt_s
                u[ll.U_WB_EVAP] += lid_evap * dt_s
                u[ll.U_WB_INFIL] += lid_infil * dt_s
                u[ll.U_WB_SURF] += surf * dt_s
                u[ll.U_WB_DRAIN] += w[ll.W_STOR_DRAIN] * dt_s
                u[ll.U_WB_FINAL] = volume
                stored += volume * unit_area
                r = rpt_at_unit[m]
                r[R_INFLOW], r[R_EVAP] = w[ll.W_SURF_INFLOW], lid_evap
                r[R_INFIL] = w[ll.W_SURF_INFIL]
                r[R_PAVE_PERC], r[R_SOIL_PERC] = w[ll.W_PAVE_PERC], w[ll.W_SOIL_PERC]
                r[R_EXFIL], r[R_RUNOFF], r[R_DRAIN] = lid_infil, surf, w[ll.W_STOR_DRAIN]
                r[R_SURF_DEPTH], r[R_PAVE_DEPTH] = u[ll.U_SURF], u[ll.U_PAVE]
                r[R_SOIL_MOIST], r[R_STOR_DEPTH] = u[ll.U_SOIL], u[ll.U_STOR]
                r[R_DRY] = 1.0
                if (w[ll.W_SURF_INFLOW] >= MINFLOW or surf >= MINFLOW
                        or w[ll.W_STOR_DRAIN] >= MINFLOW or lid_infil >= MINFLOW
                        or lid_evap >= MINFLOW):  # fmt: skip
                    wet = True
                    r[R_DRY] = 0.0
                q_run += lid_run
                q_drain += lid_drain
            m += 1
        group[j, L_NEW_DRAIN] = q_drain
        group[j, L_FLOW_TO_PERV] = q_return
        group[j, L_STORED] = stored
        v_lid_out = q_run * dt_s
        v_lid_drain = q_drain * dt_s
        lid_totals[1] += v_lid_in
        v_rain_lid = rain * dt_s * lid_area
        v_evap += v_lid_evap
        v_infil += v_lid_infil
        evap_loss_fps[j] = v_evap / dt_s / a
        perv_evap_fps[j] = v_perv_evap / dt_s / a
        infil_loss_fps[j] = v_infil / dt_s / a
        v_net = v_out - v_lid_in + v_lid_out
        new_runoff_cfs[j] = v_net / dt_s
        stats[j, kr.ST_RAIN] += v_rain_lid
        stats[j, kr.ST_EVAP] += v_lid_evap
        stats[j, kr.ST_INFIL] += v_lid_infil
        stats[j, kr.ST_RUNOFF] += v_net + v_lid_drain - v_out
        stats[j, kr.ST_MAX_RUNOFF] = max(
            max_runoff_before[j], new_runoff_cfs[j] + v_lid_drain / dt_s
        )
        totals[kr.TOT_RAIN] += v_rain_lid
        totals[kr.TOT_EVAP] += v_lid_evap
        totals[kr.TOT_INFIL] += v_lid_infil
        if counts_as_runoff[j]:
            totals[kr.TOT_RUNOFF] += v_net - v_out
        full_lid_runon[j] = 0.0
    return wet


@kernel(**JIT)
def add_drain_to_nodes(f, geom, unit_state, out):
    """ADD the LID drains' flow [cfs] at weight ``f`` between the old and new runoff
    states to their nodes (SWMM's ``lid_addDrainInflow``); returns the total added."""
    total = 0.0
    for m in range(geom.shape[0]):
        k = int(geom[m, G_DRAIN_NODE])
        if k >= 0:
            q = (1.0 - f) * unit_state[m, ll.U_OLD_DRAIN] + f * unit_state[m, ll.U_NEW_DRAIN]
            out[k] += q
            total += q
    return total
