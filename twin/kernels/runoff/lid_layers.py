"""LID layer flux rates: SWMM 5.2's ``lidproc.c``, in ft, ft/s and seconds.

An LID unit's state is the ponded depth on its surface ``x[SURF]`` [ft], the soil
moisture content ``x[SOIL]`` [-], the water level in its storage layer ``x[STOR]`` [ft]
and in its pavement ``x[PAVE]`` [ft].  Each type's flux function fills ``f`` with the
layers' rates of change (dx/dt) and the work vector ``w`` with the fluxes between the
layers (indices ``W_*``: SWMM's module variables SurfaceInflow ... StorageVolume), as
``biocellFluxRates``, ``pavementFluxRates`` ... do.  The process parameters of a
control are one row ``p`` (indices ``P_*``, internal units; built by
:mod:`twin.engine.lid`); ``u`` is the unit's state row (indices ``U_*``).
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.tables import table_lookup

SURF, SOIL, STOR, PAVE = 0, 1, 2, 3
BC, RG, GR, IT, PP, RB, VS, RD = range(8)
ZERO = 1.0e-10

# process parameters (one row per LID control)
(P_TYPE, S_THICK, S_VOID, S_ROUGH, S_SLOPE, S_SIDE, S_ALPHA, S_OVERFLOW,
 P_THICK, P_VOID, P_IMPERV, P_KSAT, P_CLOG, P_REGEN_DAYS, P_REGEN_DEGREE,
 SO_THICK, SO_POR, SO_FC, SO_WP, SO_SUCTION, SO_KSAT, SO_KSLOPE,
 ST_THICK, ST_VOID, ST_KSAT, ST_CLOG, ST_COVERED,
 D_COEFF, D_EXPON, D_OFFSET, D_DELAY, D_HOPEN, D_HCLOSE, D_CURVE0, D_CURVE1,
 M_THICK, M_VOID, M_ROUGH, M_ALPHA, UCF_DEPTH, UCF_RATE, N_PROC) = range(42)  # fmt: skip

# unit state (one row per LID unit)
(U_SURF, U_SOIL, U_STOR, U_PAVE, U_FLUX0, U_FLUX1, U_FLUX2, U_FLUX3, U_DRY_TIME,
 U_OLD_DRAIN, U_NEW_DRAIN, U_VOL_TREATED, U_NEXT_REGEN, U_WB_INFLOW, U_WB_EVAP,
 U_WB_INFIL, U_WB_SURF, U_WB_DRAIN, U_WB_INIT, U_WB_FINAL, N_UNIT_STATE) = range(21)  # fmt: skip

# work vector: the fluxes of one evaluation
(W_SURF_INFLOW, W_SURF_INFIL, W_SURF_EVAP, W_SURF_OUTFLOW, W_SURF_VOL, W_PAVE_EVAP,
 W_PAVE_PERC, W_PAVE_VOL, W_SOIL_EVAP, W_SOIL_PERC, W_SOIL_VOL, W_STOR_INFLOW,
 W_STOR_EXFIL, W_STOR_EVAP, W_STOR_DRAIN, W_STOR_VOL, W_EVAP_RATE, W_MAX_INFIL, W_TSTEP,
 W_OLD_TIME, N_WORK) = range(21)  # fmt: skip


@kernel(**JIT)
def surface_outflow_rate(depth, p, area, width, tstep):
    """Overland outflow [ft/s] above the surface's storage height (getSurfaceOutflowRate)."""
    delta = depth - p[S_THICK]
    if delta < 0.0:
        return 0.0
    q = p[S_ALPHA] * delta ** (5.0 / 3.0) * width / area
    return min(q, delta / tstep)


@kernel(**JIT)
def surface_overflow_rate(x, p, tstep):
    """Overflow [ft/s] of water above the storage height; caps ``x[SURF]`` there."""
    delta = x[SURF] - p[S_THICK]
    if delta <= 0.0:
        return 0.0
    x[SURF] = p[S_THICK]
    return delta * p[S_VOID] / tstep


@kernel(**JIT)
def pavement_perm_rate(p, u, w):
    """Pavement permeability [ft/s] reduced by clogging (getPavementPermRate)."""
    reduction = 0.0
    clog = p[P_CLOG]
    if clog > 0.0:
        if p[P_REGEN_DAYS] > 0.0:
            if w[W_OLD_TIME] / 86400.0 >= u[U_NEXT_REGEN]:
                u[U_VOL_TREATED] *= 1.0 - p[P_REGEN_DEGREE]
                u[U_NEXT_REGEN] += p[P_REGEN_DAYS]
        reduction = min(u[U_VOL_TREATED] / clog, 1.0)
    return p[P_KSAT] * (1.0 - reduction)


@kernel(**JIT)
def soil_perc_rate(theta, p):
    """Percolation [ft/s] through the soil layer (getSoilPercRate)."""
    if theta <= p[SO_FC]:
        return 0.0
    return p[SO_KSAT] * np.exp(-(p[SO_POR] - theta) * p[SO_KSLOPE])


@kernel(**JIT)
def storage_exfil_rate(p, u, w):
    """Exfiltration [ft/s] from the storage layer into the native soil."""
    if p[ST_KSAT] == 0.0 or w[W_MAX_INFIL] == 0.0:
        return 0.0
    clog = p[ST_CLOG]
    if clog > 0.0:
        clog = min(u[U_WB_INFLOW] / clog, 1.0)
    return min(p[ST_KSAT] * (1.0 - clog), w[W_MAX_INFIL])


@kernel(**JIT)
def storage_drain_rate(storage_depth, soil_theta, pave_depth, surface_depth, p, u, cx, cy):
    """Under-drain flow [ft/s] (getStorageDrainRate); the drain equation in the file's
    units (head in in or mm, flow in in/h or mm/h)."""
    head = storage_depth
    pave_t = p[P_THICK]
    soil_t = p[SO_THICK]
    if storage_depth >= p[ST_THICK]:
        if soil_t > 0.0:
            if soil_theta > p[SO_FC]:
                head += (soil_theta - p[SO_FC]) / (p[SO_POR] - p[SO_FC]) * soil_t
                if soil_theta >= p[SO_POR]:
                    if pave_t > 0.0:
                        head += pave_depth
                        if pave_depth >= pave_t:
                            head += surface_depth
                    else:
                        head += surface_depth
        elif pave_t > 0.0:
            head += pave_depth
            if pave_depth >= pave_t:
                head += surface_depth
    if u[U_OLD_DRAIN] == 0.0 and head <= p[D_HOPEN]:
        return 0.0
    if u[U_OLD_DRAIN] > 0.0 and head <= p[D_HCLOSE]:
        return 0.0
    head -= p[D_OFFSET]
    q = 0.0
    if head > ZERO:
        head *= p[UCF_DEPTH]
        q = p[D_COEFF] * head ** p[D_EXPON]
        k0 = int(p[D_CURVE0])
        k1 = int(p[D_CURVE1])
        if k1 > k0:
            q *= table_lookup(head, cx, cy, k0, k1)
        q /= p[UCF_RATE]
    return q


@kernel(**JIT)
def evap_rates(surface_vol, pave_vol, soil_vol, storage_vol, perv_frac, w):
    """Surface, pavement, soil and storage evaporation [ft/s] (getEvapRates)."""
    tstep = w[W_TSTEP]
    avail = w[W_EVAP_RATE]
    w[W_SURF_EVAP] = max(0.0, min(avail, surface_vol / tstep))
    avail = max(0.0, avail - w[W_SURF_EVAP]) * perv_frac
    if w[W_SURF_INFIL] > 0.0:
        w[W_PAVE_EVAP] = 0.0
        w[W_SOIL_EVAP] = 0.0
        w[W_STOR_EVAP] = 0.0
    else:
        w[W_PAVE_EVAP] = min(avail, pave_vol / tstep)
        avail = max(0.0, avail - w[W_PAVE_EVAP])
        w[W_SOIL_EVAP] = min(avail, soil_vol / tstep)
        avail = max(0.0, avail - w[W_SOIL_EVAP])
        w[W_STOR_EVAP] = min(avail, storage_vol / tstep)


@kernel(**JIT)
def soil_column_rates(x, p, w):
    """What a bio-retention cell and a green roof share (the first lines of lidproc.c's
    biocellFluxRates and greenRoofFluxRates): the surface, soil and storage volumes and
    evaporations into ``w``, and the soil's percolation rate [ft/s], limited by the water
    above field capacity and by the soil's evaporation."""
    tstep = w[W_TSTEP]
    soil_t, por, fc, wp = p[SO_THICK], p[SO_POR], p[SO_FC], p[SO_WP]
    theta = x[SOIL]
    w[W_SURF_VOL] = x[SURF] * p[S_VOID]
    w[W_SOIL_VOL] = theta * soil_t
    w[W_STOR_VOL] = x[STOR] * p[ST_VOID]
    evap_rates(w[W_SURF_VOL], 0.0, w[W_SOIL_VOL] - wp * soil_t, w[W_STOR_VOL], 1.0, w)
    if theta >= por:
        w[W_STOR_EVAP] = 0.0
    perc = soil_perc_rate(theta, p)
    return max(min(perc, max((theta - fc) * soil_t, 0.0) / tstep - w[W_SOIL_EVAP]), 0.0)


@kernel(**JIT)
def biocell_flux_rates(x, f, p, u, w, area, width, cx, cy):
    """Bio-retention cell and rain garden (biocellFluxRates)."""
    tstep = w[W_TSTEP]
    soil_t, por = p[SO_THICK], p[SO_POR]
    stor_t, stor_v = p[ST_THICK], p[ST_VOID]
    surface_depth, theta, storage_depth = x[SURF], x[SOIL], x[STOR]
    perc = soil_column_rates(x, p, w)
    exfil = storage_exfil_rate(p, u, w)
    drain = 0.0
    if p[D_COEFF] > 0.0:
        drain = storage_drain_rate(storage_depth, theta, 0.0, surface_depth, p, u, cx, cy)
    infil = w[W_SURF_INFIL]
    if stor_t == 0.0:
        w[W_STOR_EVAP] = 0.0
        r = min(perc, exfil)
        perc = r
        exfil = r
        infil = min(infil, (por - theta) * soil_t / tstep + perc + w[W_SOIL_EVAP])
    elif theta >= por and storage_depth >= stor_t:
        r = exfil + drain
        if perc < r:
            r = perc
            if r > exfil:
                drain = r - exfil
            else:
                exfil = r
                drain = 0.0
        else:
            perc = r
        infil = min(infil, r)
    else:
        r = perc - w[W_STOR_EVAP] + storage_depth * stor_v / tstep
        exfil = max(min(exfil, r), 0.0)
        if drain > 0.0:
            r = -exfil - w[W_STOR_EVAP]
            if storage_depth >= stor_t:
                r += perc
            if p[D_OFFSET] <= storage_depth:
                r += (storage_depth - p[D_OFFSET]) * stor_v / tstep
            drain = min(drain, max(r, 0.0))
        r = exfil + drain + w[W_STOR_EVAP] + (stor_t - storage_depth) * stor_v / tstep
        perc = min(perc, r)
        infil = min(infil, (por - theta) * soil_t / tstep + perc + w[W_SOIL_EVAP])
    w[W_SOIL_PERC] = perc
    w[W_STOR_EXFIL] = exfil
    w[W_STOR_DRAIN] = drain
    w[W_SURF_INFIL] = infil
    out = surface_outflow_rate(surface_depth, p, area, width, tstep)
    w[W_SURF_OUTFLOW] = out
    f[SURF] = (w[W_SURF_INFLOW] - w[W_SURF_EVAP] - infil - out) / p[S_VOID]
    f[SOIL] = (infil - w[W_SOIL_EVAP] - perc) / soil_t
    if stor_t == 0.0:
        f[STOR] = 0.0
    else:
        f[STOR] = (perc - w[W_STOR_EVAP] - exfil - drain) / stor_v


@kernel(**JIT)
def green_roof_flux_rates(x, f, p, u, w, area, width):
    """Green roof: soil over a drainage mat (greenRoofFluxRates)."""
    tstep = w[W_TSTEP]
    soil_t, por = p[SO_THICK], p[SO_POR]
    stor_t, stor_v = p[ST_THICK], p[ST_VOID]
    surface_depth, theta, storage_depth = x[SURF], x[SOIL], x[STOR]
    perc = soil_column_rates(x, p, w)
    drain = perc
    if p[M_ALPHA] > 0.0:
        drain = p[M_ALPHA] * storage_depth ** (5.0 / 3.0) * width / area * p[M_VOID]
    infil = w[W_SURF_INFIL]
    if theta >= por and storage_depth >= stor_t:
        r = min(perc, drain)
        perc = r
        drain = r
        infil = min(infil, r)
    else:
        r = storage_depth * stor_v / tstep - w[W_STOR_EVAP]
        if storage_depth >= stor_t:
            r += perc
        drain = min(drain, max(r, 0.0))
        r = (stor_t - storage_depth) * stor_v / tstep + drain + w[W_STOR_EVAP]
        perc = min(perc, r)
        infil = min(infil, (por - theta) * soil_t / tstep + perc + w[W_SOIL_EVAP])
    w[W_SOIL_PERC] = perc
    w[W_STOR_EXFIL] = 0.0
    w[W_STOR_DRAIN] = drain
    w[W_SURF_INFIL] = infil
    out = surface_outflow_rate(surface_depth, p, area, width, tstep)
    w[W_SURF_OUTFLOW] = out
    f[SURF] = (w[W_SURF_INFLOW] - w[W_SURF_EVAP] - infil - out) / p[S_VOID]
    f[SOIL] = (infil - w[W_SOIL_EVAP] - perc) / soil_t
    f[STOR] = (perc - w[W_STOR_EVAP] - drain) / stor_v


@kernel(**JIT)
def trench_flux_rates(x, f, p, u, w, area, width, cx, cy):
    """Infiltration trench (trenchFluxRates)."""
    tstep = w[W_TSTEP]
    stor_t, stor_v = p[ST_THICK], p[ST_VOID]
    surface_depth, storage_depth = x[SURF], x[STOR]
    w[W_SURF_VOL] = surface_depth * p[S_VOID]
    w[W_SOIL_VOL] = 0.0
    w[W_STOR_VOL] = storage_depth * stor_v
    evap_rates(w[W_SURF_VOL], 0.0, 0.0, w[W_STOR_VOL], 1.0, w)
    if surface_depth > 0.0:
        w[W_STOR_EVAP] = 0.0
    inflow = w[W_SURF_INFLOW] + w[W_SURF_VOL] / tstep
    exfil = storage_exfil_rate(p, u, w)
    drain = 0.0
    if p[D_COEFF] > 0.0:
        drain = storage_drain_rate(storage_depth, 0.0, 0.0, surface_depth, p, u, cx, cy)
    r = inflow - w[W_STOR_EVAP] + storage_depth * stor_v / tstep
    exfil = max(min(exfil, r), 0.0)
    if drain > 0.0:
        r = -exfil - w[W_STOR_EVAP]
        if storage_depth >= stor_t:
            r += inflow
        if p[D_OFFSET] <= storage_depth:
            r += (storage_depth - p[D_OFFSET]) * stor_v / tstep
        drain = min(drain, max(r, 0.0))
    r = (stor_t - storage_depth) * stor_v / tstep + exfil + w[W_STOR_EVAP] + drain
    inflow = min(inflow, r)
    w[W_STOR_INFLOW] = inflow
    w[W_SURF_INFIL] = inflow
    w[W_STOR_EXFIL] = exfil
    w[W_STOR_DRAIN] = drain
    out = surface_outflow_rate(surface_depth, p, area, width, tstep)
    w[W_SURF_OUTFLOW] = out
    f[SURF] = (w[W_SURF_INFLOW] - w[W_SURF_EVAP] - inflow - out) / p[S_VOID]
    f[STOR] = (inflow - w[W_STOR_EVAP] - exfil - drain) / stor_v
    f[SOIL] = 0.0


@kernel(**JIT)
def barrel_flux_rates(x, f, p, u, w, cx, cy):
    """Rain barrel / cistern (barrelFluxRates)."""
    tstep = w[W_TSTEP]
    storage_depth = x[STOR]
    w[W_SURF_VOL] = 0.0
    w[W_SOIL_VOL] = 0.0
    w[W_STOR_VOL] = storage_depth
    w[W_SURF_INFIL] = 0.0
    w[W_SURF_OUTFLOW] = 0.0
    drain = 0.0
    if p[D_DELAY] == 0.0 or u[U_DRY_TIME] >= p[D_DELAY]:
        head = storage_depth - p[D_OFFSET]
        if head > 0.0:
            drain = storage_drain_rate(storage_depth, 0.0, 0.0, 0.0, p, u, cx, cy)
            drain = min(drain, head / tstep)
    inflow = min(w[W_SURF_INFLOW], (p[ST_THICK] - storage_depth) / tstep + drain)
    w[W_STOR_DRAIN] = drain
    w[W_STOR_INFLOW] = inflow
    w[W_SURF_INFIL] = inflow
    f[SURF] = w[W_SURF_INFLOW] - inflow
    f[STOR] = inflow - drain
    f[SOIL] = 0.0


@kernel(**JIT)
def roof_flux_rates(x, f, p, u, w, area, width):
    """Rooftop disconnection (roofFluxRates)."""
    tstep = w[W_TSTEP]
    surface_depth = x[SURF]
    evap_rates(surface_depth, 0.0, 0.0, 0.0, 1.0, w)
    w[W_SURF_VOL] = surface_depth
    w[W_SURF_INFIL] = 0.0
    out = w[W_SURF_OUTFLOW]
    if p[S_ALPHA] > 0.0:
        out = surface_outflow_rate(surface_depth, p, area, width, tstep)
    drain = min(p[D_COEFF] / p[UCF_RATE], out)
    out -= drain
    w[W_SURF_OUTFLOW] = out
    w[W_STOR_DRAIN] = drain
    f[SURF] = w[W_SURF_INFLOW] - w[W_SURF_EVAP] - drain - out


@kernel(**JIT)
def pavement_flux_rates(x, f, p, u, w, area, width, cx, cy):
    """Permeable pavement (pavementFluxRates)."""
    tstep = w[W_TSTEP]
    perv_frac = 1.0 - p[P_IMPERV]
    pave_v = p[P_VOID] * perv_frac
    pave_t = p[P_THICK]
    soil_t, por, fc, wp = p[SO_THICK], p[SO_POR], p[SO_FC], p[SO_WP]
    stor_t, stor_v = p[ST_THICK], p[ST_VOID]
    surface_depth, pave_depth, theta, storage_depth = x[SURF], x[PAVE], x[SOIL], x[STOR]
    w[W_SURF_VOL] = surface_depth * p[S_VOID]
    w[W_PAVE_VOL] = pave_depth * pave_v
    w[W_SOIL_VOL] = theta * soil_t
    w[W_STOR_VOL] = storage_depth * stor_v
    evap_rates(w[W_SURF_VOL], w[W_PAVE_VOL], w[W_SOIL_VOL] - wp * soil_t, w[W_STOR_VOL],
               perv_frac, w)  # fmt: skip
    if pave_depth >= pave_t or (soil_t > 0.0 and theta >= por):
        w[W_STOR_EVAP] = 0.0
    s_evap, p_evap = w[W_SURF_EVAP], w[W_PAVE_EVAP]
    so_evap, st_evap = w[W_SOIL_EVAP], w[W_STOR_EVAP]
    infil = w[W_SURF_INFLOW] + w[W_SURF_VOL] / tstep
    pave_perc = pavement_perm_rate(p, u, w) * perv_frac
    infil = min(infil, pave_perc)
    pave_perc = min(pave_perc, max(w[W_PAVE_VOL] / tstep + infil - p_evap, 0.0))
    if soil_t > 0.0:
        soil_perc = soil_perc_rate(theta, p)
        soil_perc = min(soil_perc, max((theta - fc) * soil_t, 0.0) / tstep - so_evap)
        soil_perc = max(soil_perc, 0.0)
    else:
        soil_perc = pave_perc
    exfil = storage_exfil_rate(p, u, w)
    drain = 0.0
    if p[D_COEFF] > 0.0:
        drain = storage_drain_rate(storage_depth, theta, pave_depth, surface_depth, p, u, cx, cy)
    if soil_t == 0.0 and storage_depth >= stor_t and pave_depth >= pave_t:
        r = st_evap + drain + exfil
        if pave_perc > r:
            pave_perc = r
        else:
            exfil = min(exfil, pave_perc)
            drain = pave_perc - exfil
        soil_perc = pave_perc
        infil = min(infil, pave_perc)
    elif soil_t > 0 and storage_depth >= stor_t and theta >= por and pave_depth >= pave_t:
        r = exfil + drain
        if soil_perc < r:
            r = soil_perc
        else:
            r = min(r, pave_perc)
        if r > exfil:
            drain = r - exfil
        else:
            exfil = r
            drain = 0.0
        soil_perc = r
        pave_perc = r
        infil = min(infil, pave_perc)
    elif soil_t > 0.0 and storage_depth >= stor_t and theta >= por:
        r = drain + exfil
        if soil_perc > r:
            soil_perc = r
        else:
            exfil = min(exfil, soil_perc)
            drain = soil_perc - exfil
        pave_perc = min(pave_perc, soil_perc)
        infil = min(infil, (pave_t - pave_depth) * pave_v / tstep + pave_perc + p_evap)
    elif soil_t > 0.0 and pave_depth >= pave_t and theta >= por:
        pave_perc = min(pave_perc, soil_perc)
        soil_perc = pave_perc
        infil = min(infil, pave_perc)
        r = max(w[W_STOR_VOL] / tstep + soil_perc - st_evap, 0.0)
        exfil = min(exfil, r)
    else:
        r = max(0.0, soil_perc - st_evap + w[W_STOR_VOL] / tstep)
        exfil = min(exfil, r)
        if drain > 0.0:
            r = -exfil - st_evap
            if storage_depth >= stor_t:
                r += soil_perc
            if p[D_OFFSET] <= storage_depth:
                r += (storage_depth - p[D_OFFSET]) * stor_v / tstep
            drain = min(drain, max(r, 0.0))
        r = (stor_t - storage_depth) * stor_v / tstep + st_evap + drain + exfil
        r = max(r, 0.0)
        if soil_t > 0.0:
            soil_perc = min(soil_perc, r)
            r = (por - theta) * soil_t / tstep + soil_perc
        pave_perc = min(pave_perc, r)
        infil = min(infil, (pave_t - pave_depth) * pave_v / tstep + pave_perc + p_evap)
    out = surface_outflow_rate(surface_depth, p, area, width, tstep)
    f[SURF] = w[W_SURF_INFLOW] - s_evap - infil - out
    f[PAVE] = (infil - p_evap - pave_perc) / pave_v
    if soil_t > 0.0:
        f[SOIL] = (pave_perc - so_evap - soil_perc) / soil_t
        storage_inflow = soil_perc
    else:
        f[SOIL] = 0.0
        storage_inflow = pave_perc
        soil_perc = 0.0
    f[STOR] = (storage_inflow - st_evap - exfil - drain) / stor_v
    w[W_SURF_INFIL] = infil
    w[W_SURF_OUTFLOW] = out
    w[W_PAVE_PERC] = pave_perc
    w[W_SOIL_PERC] = soil_perc
    w[W_STOR_EXFIL] = exfil
    w[W_STOR_DRAIN] = drain


@kernel(**JIT)
def swale_flux_rates(x, f, p, u, w, area, width):
    """Vegetative swale: a trapezoidal channel on the surface (swaleFluxRates)."""
    tstep = w[W_TSTEP]
    depth = min(x[SURF], p[S_THICK])
    slope = p[S_SIDE]
    top_width = max(width, 0.5)
    bot_width = top_width - 2.0 * slope * p[S_THICK]
    if bot_width < 0.5:
        bot_width = 0.5
        slope = 0.5 * (top_width - 0.5) / p[S_THICK]
    length = area / top_width
    surf_width = bot_width + 2.0 * slope * depth
    surf_area = length * surf_width
    flow_area = depth * (bot_width + slope * depth) * p[S_VOID]
    volume = length * flow_area
    surf_inflow = w[W_SURF_INFLOW] * area
    evap = min(w[W_EVAP_RATE] * surf_area, volume / tstep)
    exfil = w[W_SURF_INFIL] * surf_area
    out = 0.0
    if depth > ZERO and flow_area >= ZERO:
        radius = flow_area / (bot_width + 2.0 * depth * np.sqrt(1.0 + slope * slope))
        out = p[S_ALPHA] * flow_area * radius ** (2.0 / 3.0)
    dvdt = surf_inflow - evap - exfil - out
    if depth == p[S_THICK] and dvdt > 0.0:
        out += dvdt
        dvdt = 0.0
    w[W_SURF_EVAP] = evap / area
    w[W_STOR_EXFIL] = exfil / area
    w[W_SURF_OUTFLOW] = out / area
    f[SURF] = dvdt / surf_area
    f[SOIL] = 0.0
    f[STOR] = 0.0
    w[W_SURF_VOL] = volume / area
    w[W_SOIL_VOL] = 0.0
    w[W_STOR_VOL] = 0.0
