"""The runoff clock: SWMM 5.2's ``runoff_execute`` driving the runoff kernels.

:class:`Runoff` packs a Network's subcatchments into the kernels' internal units (ft,
ft2, ft/s, cfs), advances them one runoff step at a time (wet or dry step, capped by
the next rainfall change and by the end of the simulation), and hands the routing loop
the runoff of each subcatchment interpolated at a routing time, as SWMM does between
its old and new runoff states.  Aquifers ([AQUIFERS], [GROUNDWATER]) are advanced after
each surface step (:mod:`twin.engine.groundwater`); LID units ([LID_CONTROLS],
[LID_USAGE]) take their area out of the subareas and run after them
(:mod:`twin.engine.lid`).  Snowpacks are ignored (with a warning).  Evaporation:
CONSTANT or MONTHLY rates, DRY_ONLY and a RECOVERY pattern.
"""

from __future__ import annotations

import warnings

import numpy as np

from twin.engine.groundwater import Groundwater, has_groundwater
from twin.engine.lid import LidUnits, has_lids
from twin.engine.massbal import continuity_error_percent
from twin.engine.monthly_factors import infiltration_factors, subarea_factors
from twin.engine.rainfall import GaugeRainfall, month_at
from twin.engine.rdii import rdii_gauges
from twin.errors import InputError, TwinWarning
from twin.kernels.runoff import infiltration as ki
from twin.kernels.runoff import lid as kl
from twin.kernels.runoff import runoff as kr
from twin.networks import units
from twin.networks.units import FT3_TO_M3, FT_TO_M

FT, FT3 = FT_TO_M, FT3_TO_M3
MM_PER_FT = 304.8
MMH_PER_FPS = 1097280.0  # mm/h per ft/s
EVAP_FPS_PER_UNIT = {"US": 1.0 / 1036800.0, "SI": 1.0 / 26334720.0}  # in/day, mm/day -> ft/s
_IGNORED_SECTIONS = ("SNOWPACKS",)


def infil_params_internal(
    model: np.ndarray, params_si: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Network infiltration parameters (SI) -> kernel parameters (ft, s) and model codes.

    Parameters
    ----------
    model : (n,) int
        ``InfilModel`` codes.
    params_si : (n, 5) float64
        As in :class:`~twin.networks.model.SubcatchmentTable` (mm/h, mm, 1/h, days).

    Returns
    -------
    model : (n,) int8
        Codes, ``NO_INFIL`` where the parameters give no infiltration.
    par : (n, 5) float64
        Kernel parameters (see :mod:`twin.kernels.runoff.infiltration`).
    """
    n = len(model)
    par = np.zeros((n, ki.N_INFIL_PARAMS))
    codes = np.asarray(model, np.int8).copy()
    p = np.nan_to_num(np.asarray(params_si, np.float64), nan=0.0)
    for j in range(n):
        m = int(codes[j])
        if m in (ki.HORTON, ki.MODIFIED_HORTON):
            dry_days = p[j, 3] if p[j, 3] != 0.0 else 1.0e-6
            par[j] = (
                p[j, 0] / MMH_PER_FPS,
                p[j, 1] / MMH_PER_FPS,
                p[j, 2] / 3600.0,
                -np.log(1.0 - 0.98) / dry_days / 86400.0,
                p[j, 4] / MM_PER_FT,
            )
        elif m in (ki.GREEN_AMPT, ki.MODIFIED_GREEN_AMPT):
            ks = p[j, 1] / MMH_PER_FPS
            if ks <= 0.0:
                codes[j] = ki.NO_INFIL
                continue
            lu = 4.0 * np.sqrt(ks * 12.0 * 3600.0) / 12.0  # Mein's upper zone depth, ft
            par[j, :4] = (p[j, 0] / MM_PER_FT, ks, p[j, 2], lu)
        elif m == ki.CURVE_NUMBER:
            if p[j, 2] <= 0.0:
                codes[j] = ki.NO_INFIL
                continue
            cn = min(max(p[j, 0], 10.0), 99.0)
            regen = 1.0 / (p[j, 2] * 86400.0)
            par[j, :3] = ((1000.0 / cn - 10.0) / 12.0, regen, 0.06 / regen)
        else:
            codes[j] = ki.NO_INFIL
    return codes, par


def _subareas(s, area_ft2):
    """Per-subarea fractions, alpha, depression storage, n, routing, outlet fractions."""
    n = len(area_ft2)
    fimp = np.minimum(np.asarray(s.imperv_pct, np.float64), 100.0) / 100.0
    zero = np.asarray(s.zero_imperv_pct, np.float64) / 100.0
    frac = np.column_stack([fimp * zero, fimp * (1.0 - zero), 1.0 - fimp])
    n_sub = np.column_stack([s.n_imperv, s.n_imperv, s.n_perv]).astype(np.float64)
    dstore = (
        np.column_stack([np.zeros(n), np.asarray(s.dstore_imperv_mm), np.asarray(s.dstore_perv_mm)])
        / MM_PER_FT
    )
    width_ft = np.asarray(s.width_m, np.float64) / FT
    slope = np.asarray(s.slope_pct, np.float64) / 100.0
    alpha = np.zeros((n, 3))
    for i, f in enumerate((fimp, fimp, 1.0 - fimp)):
        a = f * area_ft2
        ok = (a > 0.0) & (n_sub[:, i] > 0.0)
        alpha[ok, i] = kr.MANNING_COEFF * width_ft[ok] / a[ok] * np.sqrt(slope[ok]) / n_sub[ok, i]
    route = np.zeros((n, 3), np.int8)
    f_out = np.ones((n, 3))
    pct = np.asarray(s.routed_pct, np.float64) / 100.0
    k = np.asarray(s.route_to, np.int8).copy()
    k[(fimp == 0.0) | (fimp == 1.0)] = kr.TO_OUTLET
    to_imp = k == kr.TO_IMPERV
    route[to_imp, kr.PERV] = kr.TO_IMPERV
    f_out[to_imp, kr.PERV] = 1.0 - pct[to_imp]
    to_perv = k == kr.TO_PERV
    for i in (kr.IMPERV0, kr.IMPERV1):
        route[to_perv, i] = kr.TO_PERV
        f_out[to_perv, i] = 1.0 - pct[to_perv]
    return frac, alpha, dstore, n_sub, route, f_out


class Evaporation:
    """SWMM's climate evaporation: CONSTANT, MONTHLY or TIMESERIES rates [ft/s],
    DRY_ONLY, RECOVERY.

    A TIMESERIES rate holds each entry's value from its time to the next entry's
    (SWMM's climate.c setEvap / setNextEvapDate); before the first entry at or after the
    start, that entry's value.  Entries after the end of the run are not used.
    """

    def __init__(self, net, opts):
        raw = {k.upper(): v for k, v in (net.evaporation or {}).items()}
        self.start = opts.start
        self.monthly = np.zeros(12)
        self.recovery = np.ones(12)
        self.dry_only = False
        self.kind = "CONSTANT"
        self.series_s = np.zeros(0)  # TIMESERIES: entry times [s after the start]
        self.series_fps = np.zeros(0)  # and rates [ft/s]
        f = EVAP_FPS_PER_UNIT["US" if net.unit_system == "US" else "SI"]
        for key, vals in raw.items():
            vals = [str(v) for v in vals]
            try:
                if key == "CONSTANT":
                    self.monthly[:] = float(vals[0]) * f
                elif key == "MONTHLY":
                    self.kind = "MONTHLY"
                    self.monthly[:] = np.array([float(v) for v in vals[:12]]) * f
                elif key == "TIMESERIES":
                    self._read_series(net, opts, vals[0], f)
                elif key == "DRY_ONLY":
                    self.dry_only = vals[0].upper() == "YES"
                elif key in ("FILE", "TEMPERATURE"):  # daily, from the climate file
                    self._read_daily(net, opts, key, vals, f)
                elif key == "RECOVERY":
                    pat = net.patterns.get(vals[0])
                    if pat is not None and pat.kind.upper() == "MONTHLY":
                        self.recovery[:] = np.asarray(pat.factors, np.float64)[:12]
                else:
                    warnings.warn(
                        f"[EVAPORATION] {key} is not supported by the runoff engine; "
                        "evaporation is taken as zero",
                        TwinWarning,
                        stacklevel=3,
                    )
            except InputError:
                raise
            except (ValueError, IndexError):
                raise InputError(f"bad {key} values", section="EVAPORATION", field=key) from None
        self._adjust(net, f)

    def _adjust(self, net, f: float) -> None:
        """[ADJUSTMENTS] EVAPORATION: added to the month's rate (climate.c's setEvap)."""
        adj = getattr(net, "adjustments", None)
        if adj is None or not adj.evaporation.any():
            return
        if self.kind in ("FILE", "TEMPERATURE"):  # added day by day (twin.engine.climate)
            return
        if self.kind == "TIMESERIES":  # SWMM adds it again at every step between entries
            warnings.warn("[ADJUSTMENTS] EVAPORATION is not applied to TIMESERIES evaporation",
                          TwinWarning, stacklevel=4)  # fmt: skip
            return
        self.monthly = self.monthly + np.asarray(adj.evaporation, np.float64) * f

    def _read_series(self, net, opts, name: str, f: float) -> None:
        from pathlib import Path

        from twin.engine.series import series_points

        ts = net.timeseries.get(name)
        if ts is None:
            raise InputError(
                f"evaporation time series {name!r} is not in [TIMESERIES]",
                section="EVAPORATION", field="TIMESERIES",
            )  # fmt: skip
        base = Path(net.source).parent if net.source else None
        t, v = series_points(ts, self.start, base)
        end_s = (opts.end - opts.start) / np.timedelta64(1, "s")
        keep = t <= end_s
        self.kind = "TIMESERIES"
        self.series_s = np.asarray(t[keep], dtype=np.float64)
        self.series_fps = np.asarray(v[keep], dtype=np.float64) * f
        self.monthly[:] = 0.0

    def _read_daily(self, net, opts, key: str, vals, f: float) -> None:
        """[EVAPORATION] FILE (pan coefficients) or TEMPERATURE: a rate per simulated day
        from the climate file (:mod:`twin.engine.climate`), held like a time series."""
        from twin.engine.climate import daily_evaporation

        pan = np.ones(12)
        if key == "FILE" and vals:
            pan = np.array([float(v) for v in vals[:12]])
            if pan.size < 12:
                raise IndexError
        self.kind = key
        self.series_s, self.series_fps = daily_evaporation(net, opts, key, pan)
        self.monthly[:] = 0.0

    def any_rate(self) -> bool:
        """Whether the climate ever evaporates in this run."""
        if self.kind in ("TIMESERIES", "FILE", "TEMPERATURE"):
            return bool(np.any(self.series_fps > 0.0))
        return bool(self.monthly.max() > 0.0)

    def month_at(self, t_s: float) -> int:
        """Month index 0..11 of the date ``t_s`` seconds after the start."""
        return month_at(self.start, t_s)

    def rate_fps(self, t_s: float) -> float:
        """The climate evaporation rate [ft/s] at ``t_s`` s after the start."""
        if self.kind in ("TIMESERIES", "FILE", "TEMPERATURE"):
            return self._series_rate(t_s)
        return float(self.monthly[self.month_at(t_s)])

    def _series_rate(self, t_s: float) -> float:
        times = self.series_s
        if times.size == 0:
            return 0.0
        k = int(np.searchsorted(times, t_s, side="right")) - 1
        if k >= 0 and times[k] >= 0.0:
            return float(self.series_fps[k])
        # no entry yet in the run: the first one at or after the start (else the first)
        ahead = np.flatnonzero(times >= 0.0)
        return float(self.series_fps[ahead[0] if ahead.size else 0])

    def next_change_s(self, t_s: float) -> float:
        """Start of the next month for MONTHLY rates (SWMM caps the step there)."""
        if self.kind in ("TIMESERIES", "FILE"):  # TEMPERATURE: SWMM never caps the step
            later = self.series_s[self.series_s > t_s]
            return float(later[0]) if later.size else np.inf
        if self.kind != "MONTHLY":
            return np.inf
        d = self.start + np.timedelta64(int(round(t_s)), "s")
        nxt = (d.astype("datetime64[M]") + 1).astype("datetime64[s]")
        return float((nxt - self.start) / np.timedelta64(1, "s"))


class Runoff:
    """Surface runoff of every subcatchment on SWMM's runoff clock.

    Parameters
    ----------
    net : Network
    opts : SimOptions
    init_rain_factor : float
        [ADJUSTMENTS] RAINFALL factor on the gauges' first readings (see
        :func:`twin.engine.rainfall.rain_factors`).

    Attributes
    ----------
    n_subcatchments : int
    t_old_s, t_new_s : float
        Runoff times [s after the start] before and after the latest step.
    rainfall_inph, runoff_cfs, infil_inph, evap_inph : (n_subcatchments,) float64
        State after the latest step: rainfall and losses per unit area [in/h] and
        runoff leaving each subcatchment [cfs].
    wet_step_s, dry_step_s : float
        Steps used (the wet step is lowered to the shortest rain-series interval).
    """

    def __init__(self, net, opts, init_rain_factor: float = 1.0):
        s = net.subcatchments
        n = len(s)
        self.n_subcatchments = n
        self.opts = opts
        self.unit_system = "US" if net.unit_system == "US" else "SI"
        _warn_ignored(net)
        # SWMM's own acre/hectare -> ft2 factor, so that areas agree to the last digit
        self.area_ft2 = (
            np.asarray(s.area_m2, np.float64)
            / units.land_area_to_m2(self.unit_system)
            / units.SWMM_AREA_PER_FT2[self.unit_system]
        )
        if np.isnan(self.area_ft2).any():
            raise InputError("a subcatchment has no area", section="SUBCATCHMENTS")
        self.infil_model, self.infil_par = infil_params_internal(s.infil_model, s.infil_params)
        #: the LID units in the subcatchments, if any; the subareas run over the area
        #: outside them (``surface_area_ft2``, the same array as ``area_ft2`` without LIDs)
        self.lids = None
        self.surface_area_ft2 = self.area_ft2
        if has_lids(net):
            fimp = np.minimum(np.asarray(s.imperv_pct, np.float64), 100.0) / 100.0
            self.lids = LidUnits(net, self.area_ft2, fimp, self.infil_model, self.infil_par,
                                 self.unit_system, opts.start_dry_days, opts.start)  # fmt: skip
            self.surface_area_ft2 = self.lids.surface_area_ft2
        (self.frac, self.alpha, self.dstore, self.n_manning, self.route, self.f_outlet) = _subareas(
            s, self.surface_area_ft2
        )
        self.outlet_node = np.asarray(s.outlet_node, np.int64)
        self.outlet_subcatch = np.asarray(s.outlet_subcatchment, np.int64)
        self.counts_as_runoff = (self.outlet_node >= 0) | (self.outlet_subcatch == np.arange(n))
        self.gage_at_subcatch = np.asarray(s.raingage, np.int64)
        used = np.zeros(len(net.raingages), bool)
        used[self.gage_at_subcatch[self.gage_at_subcatch >= 0]] = True
        used |= rdii_gauges(net)  # SWMM marks a unit hydrograph's gauge used too
        self.rain = GaugeRainfall(net, opts, used, init_rain_factor)
        self.wet_step_s = float(min(opts.wet_step_s, self.rain.min_series_interval_s))
        self.dry_step_s = float(opts.dry_step_s)
        self.duration_s = opts.duration_s
        self.evap = Evaporation(net, opts)
        #: the aquifers under the subcatchments ([GROUNDWATER]), if any
        self.groundwater = None
        if has_groundwater(net):
            frac_perv = self.frac[:, kr.PERV] if self.lids is None else self.lids.frac_perv
            self.groundwater = Groundwater(net, self.area_ft2, frac_perv, opts.start)
        # only the infiltration models used are compiled (and the aquifers' limit if any)
        self._runoff_step = kr.runoff_step_for(self.infil_model, self.groundwater is not None)
        self._infil_factors = infiltration_factors(net)  # [ADJUSTMENTS] monthly factors
        self._subarea_factors = subarea_factors(net)
        self._cond_factor = np.ones(n)  # the LIDs' Green-Ampt soils' factor
        st = kr.new_state_arrays(n)
        self._st = st
        for j in range(n):
            ki.init_infil_state(self.infil_model[j], self.infil_par[j], st["infil_state"][j])
        if self.groundwater is not None:
            self.groundwater.set_infiltration_room(st["max_infil_vol_at_subcatch"])
        #: the nodes' (depth [ft], inflow [cfs], volume [ft3]) that the aquifers exchange
        #: water with (the router's state, set by the simulation: :meth:`attach_nodes`)
        self._nodes = None
        self._gage_rate = np.zeros(self.rain.n_gages)
        self._rain_fps = np.zeros(n)
        self._pending_runon_ft3 = np.zeros(n)
        self._has_runoff = self.lids is not None and self.lids.initially_wet
        self._out = np.zeros(n)
        self.t_old_s = 0.0
        self.t_new_s = 0.0
        self.initial_storage_ft3 = self._stored_ft3()

    # -- stepping ----------------------------------------------------------
    def _step_length(self, t: float, raining: bool) -> float:
        max_step = self.dry_step_s
        for t_next in (self.evap.next_change_s(t), self.rain.next_change_s(t)):
            gap = t_next - t
            if 0.0 < gap < max_step:
                max_step = gap
        step = self.wet_step_s if (raining or self._has_runoff) else self.dry_step_s
        return min(step, max_step)

    def advance(self) -> None:
        """One runoff step (SWMM's runoff_execute: wet/dry step choice, limited by the next
        rainfall change and the end of the simulation)."""
        t = self.t_new_s
        if t >= self.duration_s:
            return
        old_step = self.t_new_s - self.t_old_s
        rates = self.rain.rate_at(t, self._gage_rate)
        step = self._step_length(t, bool((rates > 0.0).any()))
        if step <= 0.0:
            raise InputError("runoff time step is not positive", section="OPTIONS")
        self.t_old_s = t
        self.t_new_s = min(t + step, self.duration_s)
        dt = self.t_new_s - t
        g = self.gage_at_subcatch
        self._rain_fps[:] = 0.0
        has = g >= 0
        self._rain_fps[has] = rates[g[has]] * self.rain.to_fps
        st = self._st
        if old_step > 0.0 and self._pending_runon_ft3.any():
            v = self._pending_runon_ft3
            a = self.surface_area_ft2
            ok = a > 0.0
            st["runon_at_subcatch"][ok] += v[ok] / old_step / a[ok]
            st["totals"][kr.TOT_RUNON] += v[ok].sum()
            if self.lids is not None:  # onto a subcatchment that its LIDs cover
                full = (a <= 0.0) & (self.area_ft2 > 0.0)
                self.lids.full_lid_runon[full] += v[full] / old_step / self.area_ft2[full]
                st["totals"][kr.TOT_RUNON] += v[full].sum()
            v[:] = 0.0
        month = self.evap.month_at(t)
        if self._infil_factors is not None:  # [ADJUSTMENTS] CONDUCTIVITY, INFIL patterns
            self._infil_factors.apply(month, self.infil_model, self.infil_par)
        if self._subarea_factors is not None:  # [ADJUSTMENTS] DSTORE, N-PERV patterns
            self._subarea_factors.apply(month, self.alpha, self.dstore)
        if self.lids is not None:
            self.lids.before_step(self, st)
        self._has_runoff = self._runoff_step(*self._step_args(dt, t, month))
        if self.lids is not None:  # SWMM's lid_getRunoff, after the subareas
            f = self._infil_factors
            cond = self._cond_factor
            if f is not None:
                cond[:] = f.by_month[:, month]
            wet = self.lids.after_step(self, st, dt, t, self._rain_fps, self.evap.rate_fps(t),
                                       float(self.evap.recovery[month]), cond)  # fmt: skip
            self._has_runoff = self._has_runoff or wet
        if self.groundwater is not None:  # SWMM's gwater_getGroundwater, after the surface
            evap = st["evap_loss_fps"] if self.lids is None else self.lids.perv_evap_fps
            self.groundwater.step(
                dt, self.t_new_s, self.evap.rate_fps(t), st["infil_loss_fps"],
                evap, self._node_state(), st["max_infil_vol_at_subcatch"],
            )  # fmt: skip

    def _step_args(self, dt: float, t: float, month: int) -> tuple:
        """The runoff step kernel's arguments for a step of ``dt`` [s] from ``t`` [s]."""
        st = self._st
        return (
            dt,
            self._rain_fps,
            self.evap.rate_fps(t),
            self.evap.dry_only,
            float(self.evap.recovery[month]),
            self.surface_area_ft2,
            self.frac,
            self.alpha,
            self.dstore,
            self.n_manning,
            self.route,
            self.f_outlet,
            self.outlet_subcatch,
            self.counts_as_runoff,
            self.infil_model,
            self.infil_par,
            st["infil_state"],
            st["max_infil_vol_at_subcatch"],
            st["depth_at_subarea"],
            st["runoff_at_subarea"],
            st["inflow_at_subarea"],
            st["runon_at_subcatch"],
            st["perv_inflow_at_subcatch"],
            st["old_runoff_cfs"],
            st["new_runoff_cfs"],
            st["evap_loss_fps"],
            st["infil_loss_fps"],
            st["totals"],
            st["stats"],
        )

    def compile_step(self) -> None:
        """Compile the runoff step's kernel for the arguments :meth:`advance` gives it,
        without taking a step (what a cold first run does while it waits for the
        compile-ahead helper, :func:`twin.kernels.ahead.while_waiting`)."""
        from twin.kernels.ahead import compile_here

        t = self.t_new_s
        compile_here(self._runoff_step, *self._step_args(self.wet_step_s, t, self.evap.month_at(t)))

    def compile_report(self) -> None:
        """Compile :meth:`interpolated`'s kernel for its arguments, without reporting."""
        from twin.kernels.ahead import compile_here

        old, new = self._st["old_runoff_cfs"], self._st["new_runoff_cfs"]
        compile_here(kr.reported_runoff, 0.5, old, new, self.area_ft2, self._out)

    def attach_nodes(self, node_state) -> None:
        """The routing's node state (``depth``, ``inflow``, ``volume`` arrays, in ft, cfs,
        ft3) the aquifers read at each runoff step."""
        self._nodes = node_state

    def _node_state(self):
        ns = self._nodes
        if ns is None:  # no routing attached: nodes empty
            n = int(self.groundwater.node.max()) + 1 if len(self.groundwater.node) else 0
            z = np.zeros(n)
            return z, z, z
        return ns.depth, ns.inflow, ns.volume

    def groundwater_inflow_cfs(self, t_s: float, out: np.ndarray) -> float:
        """ADD the aquifers' lateral flow [cfs] at routing time ``t_s`` (interpolated between
        the old and new runoff states, as SWMM's ``addGroundwaterInflows``) to ``out``;
        returns the total added [cfs]."""
        f = min(max(self._weight(t_s), 0.0), 1.0)
        return self.groundwater.node_inflow_cfs(f, out)

    def advance_until(self, t_s: float) -> None:
        """Take runoff steps until the runoff time reaches ``t_s`` (or the end)."""
        while self.t_new_s < t_s and self.t_new_s < self.duration_s:
            self.advance()

    def add_outfall_runon(self, subcatch: int, volume_ft3: float) -> None:
        """Queue water [ft3] sent by an outfall onto a subcatchment during the last
        routing steps; it becomes runon over the next runoff step (as SWMM does)."""
        self._pending_runon_ft3[subcatch] += volume_ft3

    # -- what the routing and the output read ------------------------------
    def _weight(self, t_s: float) -> float:
        span = self.t_new_s - self.t_old_s
        return 1.0 if span <= 0.0 else (t_s - self.t_old_s) / span

    def node_inflow_cfs(self, t_s: float, out: np.ndarray) -> np.ndarray:
        """ADD to out (n_nodes,) the runoff [cfs] of every subcatchment that drains to a node,
        interpolated at routing time t_s between the old and new runoff states as SWMM does."""
        f = min(max(self._weight(t_s), 0.0), 1.0)
        kr.add_runoff_to_nodes(
            f, self._st["old_runoff_cfs"], self._st["new_runoff_cfs"], self.outlet_node, out
        )
        if self.lids is not None:  # SWMM's addLidDrainInflows (wet weather inflow)
            self.lids.add_drain_to_nodes(f, out)
        return out

    def interpolated(self, t_s: float) -> dict[str, np.ndarray]:
        """Results for output at ``t_s`` as SWMM reports them.

        Returns ``rainfall`` [mm/h] (the gauge's rate just after ``t_s``), ``runoff``
        [m3/s] (interpolated between the old and new states with SWMM's unclipped
        weight, below 0.001 in/h over the area reported as 0), ``infiltration`` and
        ``evaporation`` [mm/h] (losses of the latest step).
        """
        f = self._weight(t_s)
        old, new = self._st["old_runoff_cfs"], self._st["new_runoff_cfs"]
        if self.lids is not None:  # SWMM reports the LIDs' drain flow with the runoff
            drains = self.lids.group
            old = old + drains[:, kl.L_OLD_DRAIN]
            new = new + drains[:, kl.L_NEW_DRAIN]
        q = kr.reported_runoff(f, old, new, self.area_ft2, self._out)
        gauge = self.rain.rate_at(t_s) * (25.4 if self.unit_system == "US" else 1.0)
        g = self.gage_at_subcatch
        rain = np.where(g >= 0, gauge[np.maximum(g, 0)], 0.0)
        out = {
            "rainfall": rain,
            "runoff": q * FT3,
            "infiltration": self._st["infil_loss_fps"] * MMH_PER_FPS,
            "evaporation": self._st["evap_loss_fps"] * MMH_PER_FPS,
        }
        gw = self.groundwater
        if gw is not None:  # SWMM's subcatch_getResults: the unclipped weight
            flow = np.zeros(self.n_subcatchments)
            flow[gw.subcatch] = gw.flow_cfs(f) * FT3
            table = np.zeros(self.n_subcatchments)
            table[gw.subcatch] = gw.table_elevation_ft() * FT
            out["groundwater_flow"] = flow
            out["groundwater_elevation"] = table
        return out

    @property
    def rainfall_inph(self) -> np.ndarray:
        return self._rain_fps * 43200.0

    @property
    def runoff_cfs(self) -> np.ndarray:
        return self._st["new_runoff_cfs"]

    @property
    def infil_inph(self) -> np.ndarray:
        return self._st["infil_loss_fps"] * 43200.0

    @property
    def evap_inph(self) -> np.ndarray:
        return self._st["evap_loss_fps"] * 43200.0

    @property
    def depth_ft(self) -> np.ndarray:
        """(n, 3) ponded depth on IMPERV0, IMPERV1, PERV [ft]."""
        return self._st["depth_at_subarea"]

    # -- continuity and totals ---------------------------------------------
    @property
    def volumes(self) -> dict[str, float]:
        tot = self._st["totals"]
        return {
            "rainfall": float(tot[kr.TOT_RAIN]),
            "runon": float(tot[kr.TOT_RUNON]),
            "evaporation": float(tot[kr.TOT_EVAP]),
            "infiltration": float(tot[kr.TOT_INFIL]),
            "runoff": float(tot[kr.TOT_RUNOFF]),
            "initial_storage": float(self.initial_storage_ft3),
            "final_storage": self._stored_ft3(),
            **({"lid_drains": float(self.lids.totals[0])} if self.lids is not None else {}),
        }

    def _stored_ft3(self) -> float:
        """Water on the subareas and in the LIDs [ft3] (SWMM's subcatch_getStorage)."""
        v = float(kr.stored_volume(self.surface_area_ft2, self.frac, self._st["depth_at_subarea"]))
        return v + (self.lids.stored_volume_ft3() if self.lids is not None else 0.0)

    def continuity_error_percent(self) -> float:
        """Runoff continuity error [%] as SWMM's Runoff Quantity Continuity."""
        v = self.volumes
        inflow = v["rainfall"] + v["runon"] + v["initial_storage"]
        outflow = v["evaporation"] + v["infiltration"] + v["runoff"] + v["final_storage"]
        outflow += v.get("lid_drains", 0.0)
        return continuity_error_percent(inflow, outflow)

    def _per_area_in(self, col: int) -> np.ndarray:
        a = self.area_ft2
        v = self._st["stats"][:, col]
        return np.divide(v * 12.0, a, out=np.zeros_like(v), where=a > 0)

    @property
    def total_rain_in(self) -> np.ndarray:
        return self._per_area_in(kr.ST_RAIN)

    @property
    def total_infil_in(self) -> np.ndarray:
        return self._per_area_in(kr.ST_INFIL)

    @property
    def total_evap_in(self) -> np.ndarray:
        return self._per_area_in(kr.ST_EVAP)

    @property
    def total_runoff_ft3(self) -> np.ndarray:
        return self._st["stats"][:, kr.ST_RUNOFF].copy()

    @property
    def max_runoff_cfs(self) -> np.ndarray:
        return self._st["stats"][:, kr.ST_MAX_RUNOFF].copy()


def _warn_ignored(net) -> None:
    """One warning per ignored section (snowmelt, LIDs, groundwater) that the network uses."""
    found = []
    snow = getattr(net.subcatchments, "snowpack", None)
    if snow is not None and any(str(x) for x in snow):
        found.append("SNOWPACKS")
    for sec in _IGNORED_SECTIONS:
        if sec in (net.sections or {}) and sec not in found and net.sections[sec]:
            found.append(sec)
    for sec in found:
        warnings.warn(
            f"[{sec}] is ignored by the runoff engine (SWMM would simulate it)",
            TwinWarning,
            stacklevel=3,
        )
