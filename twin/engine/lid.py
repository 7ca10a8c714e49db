"""LID units on SWMM's runoff clock: [LID_CONTROLS] and [LID_USAGE] packed for the
kernels (:mod:`twin.kernels.runoff.lid`), with SWMM's own unit factors and checks
(``lid_validate``, ``lid_initState``).

:class:`LidUnits` takes the LIDs' area out of each subcatchment (the subareas run over the
rest), adds the runon the subareas' kernel does not carry before each runoff step, runs
the units after it, gives the routing the drain flow sent to nodes, the output the drain
flow that SWMM adds to a subcatchment's reported runoff, the continuity report its LID
terms, and the report SWMM's LID performance summary.
"""

from __future__ import annotations

import numpy as np

from twin.engine.lid_report import LidReportFiles, report_path
from twin.kernels.runoff import infiltration as ki
from twin.kernels.runoff import lid as kl
from twin.kernels.runoff import lid_layers as ll
from twin.kernels.runoff import runoff as kr
from twin.networks.inp_lid import GR, LID_TYPE_NAMES, PP, RB, RD, VS

UCF_RAINDEPTH = {"US": 12.0, "SI": 304.8}
UCF_RAINFALL = {"US": 43200.0, "SI": 1097280.0}
UCF_LENGTH = {"US": 1.0, "SI": 0.3048}
_GREEN_AMPT = (ki.GREEN_AMPT, ki.MODIFIED_GREEN_AMPT)


def has_lids(net) -> bool:
    """True when some subcatchment has an LID unit."""
    lids = getattr(net, "lids", None)
    return lids is not None and len(lids.usage) > 0


def _curves(net, names):
    """Packed drain curves (x, y) and each control's (k0, k1)."""
    xs, ys, spans = [], [], []
    at = 0
    for name in names:
        c = net.curves.get(name) if name else None
        if c is None:
            spans.append((0, 0))
            continue
        x = np.asarray(c.x, np.float64)
        xs.append(x)
        ys.append(np.asarray(c.y, np.float64))
        spans.append((at, at + len(x)))
        at += len(x)
    cx = np.concatenate(xs) if xs else np.zeros(1)
    cy = np.concatenate(ys) if ys else np.zeros(1)
    return cx, cy, spans


def process_params(net, unit_system: str) -> np.ndarray:
    """(n_controls, N_PROC) kernel parameters of the LID controls (SWMM's
    ``read*Data`` conversions and ``validateLidProc`` adjustments)."""
    c = net.lids.controls
    ucf_d, ucf_r = UCF_RAINDEPTH[unit_system], UCF_RAINFALL[unit_system]
    _, _, spans = _curves(net, c.drain_curve)
    p = np.zeros((len(c), ll.N_PROC))
    for j in range(len(c)):
        kind = int(c.kind[j])
        row = p[j]
        row[ll.P_TYPE] = kind
        s = c.surface[j]
        row[ll.S_THICK] = s[0] / ucf_d
        row[ll.S_VOID] = 1.0 - (s[1] if s[0] != 0.0 else 0.0)
        row[ll.S_ROUGH], row[ll.S_SLOPE], row[ll.S_SIDE] = s[2], s[3] / 100.0, s[4]
        pv = c.pavement[j]
        row[ll.P_THICK] = pv[0] / ucf_d
        row[ll.P_VOID] = pv[1] / (pv[1] + 1.0)
        row[ll.P_IMPERV], row[ll.P_KSAT], row[ll.P_CLOG] = pv[2], pv[3] / ucf_r, pv[4]
        row[ll.P_REGEN_DAYS], row[ll.P_REGEN_DEGREE] = pv[5], pv[6]
        so = c.soil[j]
        row[ll.SO_THICK] = so[0] / ucf_d
        row[ll.SO_POR], row[ll.SO_FC], row[ll.SO_WP] = so[1], so[2], so[3]
        row[ll.SO_KSAT], row[ll.SO_KSLOPE], row[ll.SO_SUCTION] = so[4] / ucf_r, so[5], so[6] / ucf_d
        st = c.storage[j]
        row[ll.ST_THICK] = st[0] / ucf_d
        row[ll.ST_VOID] = st[1] / (st[1] + 1.0)
        row[ll.ST_KSAT], row[ll.ST_CLOG] = st[2] / ucf_r, st[3]
        row[ll.ST_COVERED] = float(c.covered[j])
        d = c.drain[j]
        row[ll.D_COEFF], row[ll.D_EXPON] = d[0], d[1]
        row[ll.D_OFFSET], row[ll.D_DELAY] = d[2] / ucf_d, d[3] * 3600.0
        row[ll.D_HOPEN], row[ll.D_HCLOSE] = d[4] / ucf_d, d[5] / ucf_d
        row[ll.D_CURVE0], row[ll.D_CURVE1] = spans[j]
        dm = c.drainmat[j]
        row[ll.M_THICK], row[ll.M_VOID], row[ll.M_ROUGH] = dm[0] / ucf_d, dm[1], dm[2]
        row[ll.UCF_DEPTH], row[ll.UCF_RATE] = ucf_d, ucf_r
        # validateLidProc
        if row[ll.ST_THICK] <= 0.0:
            row[ll.ST_VOID] = 1.0
            row[ll.D_OFFSET] = 0.0
        if kind == VS:
            row[ll.S_ALPHA] = 1.49 * np.sqrt(row[ll.S_SLOPE]) / row[ll.S_ROUGH]
        elif row[ll.S_ROUGH] > 0.0:
            row[ll.S_ALPHA] = 1.49 / row[ll.S_ROUGH] * np.sqrt(row[ll.S_SLOPE])
        if row[ll.M_ROUGH] > 0.0:
            row[ll.M_ALPHA] = 1.49 / row[ll.M_ROUGH] * np.sqrt(row[ll.S_SLOPE])
        if row[ll.P_THICK] > 0.0:
            row[ll.P_CLOG] *= row[ll.P_THICK] * row[ll.P_VOID] * (1.0 - row[ll.P_IMPERV])
        if row[ll.ST_THICK] > 0.0:
            row[ll.ST_CLOG] *= row[ll.ST_THICK] * row[ll.ST_VOID]
        else:
            row[ll.ST_CLOG] = 0.0
        overflow = True
        if kind == RD or (kind not in (RB, VS) and row[ll.S_ALPHA] > 0.0):
            overflow = False
        row[ll.S_OVERFLOW] = float(overflow)
        if kind == RB:
            row[ll.ST_VOID], row[ll.ST_KSAT] = 1.0, 0.0
        if kind == GR:
            row[ll.ST_THICK], row[ll.ST_VOID] = row[ll.M_THICK], row[ll.M_VOID]
            row[ll.ST_CLOG], row[ll.ST_KSAT] = 0.0, 0.0
    return p


class LidUnits:
    """The LID units of a network's subcatchments, as the runoff engine runs them.

    Parameters
    ----------
    net : Network
    area_ft2 : (n,) float64
        Subcatchment areas [ft2].
    frac_imperv : (n,) float64
    infil_model, infil_par : the subcatchments' infiltration (kernel units)
    unit_system : "US" or "SI"
    dry_days : float
        [OPTIONS] DRY_DAYS (the rain barrels' initial dry time).

    Attributes
    ----------
    surface_area_ft2 : (n,) float64
        The subcatchments' area outside their LIDs [ft2].
    geom, unit_state, group : kernel arrays (:mod:`twin.kernels.runoff.lid`)
    """

    def __init__(self, net, area_ft2, frac_imperv, infil_model, infil_par, unit_system,
                 dry_days=0.0, start=None):  # fmt: skip
        u = net.lids.usage
        s = net.subcatchments
        self.net = net
        ucf_l = UCF_LENGTH[unit_system]
        self.unit_system = unit_system
        self.proc = process_params(net, unit_system)
        self.curve_x, self.curve_y, _ = _curves(net, net.lids.controls.drain_curve)
        order = sorted(range(len(u)), key=lambda m: (int(u.subcatchment[m]), -int(u.line[m])))
        self.order = np.asarray(order, np.int64)
        k = len(order)
        g = np.zeros((k, kl.N_GEOM))
        us = np.zeros((k, ll.N_UNIT_STATE))
        ga_par = np.zeros((k, ki.N_INFIL_PARAMS))
        ga_state = np.zeros((k, ki.N_INFIL_STATE))
        n = len(area_ft2)
        lid_area = np.zeros(n)
        perv_area = np.zeros(n)  # SWMM's LID group pervArea (units that exfiltrate)
        out_node = np.asarray(s.outlet_node, np.int64)
        out_sub = np.asarray(s.outlet_subcatchment, np.int64)
        self.initially_wet = False
        for row, m in enumerate(order):
            j = int(u.subcatchment[m])
            lid = int(u.lid[m])
            p = self.proc[lid]
            x = u.params[m]
            g[row, kl.G_SUBCATCH] = j
            g[row, kl.G_PROC] = lid
            g[row, kl.G_AREA] = x[0] / ucf_l**2
            g[row, kl.G_WIDTH] = x[1] / ucf_l
            g[row, kl.G_NUMBER] = u.number[m]
            init_sat = x[2] / 100.0
            g[row, kl.G_FROM_IMPERV] = x[3] / 100.0
            g[row, kl.G_TO_PERV] = float(x[4] > 0.0 and frac_imperv[j] < 0.999)
            g[row, kl.G_FROM_PERV] = x[5] / 100.0
            dn, ds = int(u.drain_node[m]), int(u.drain_subcatchment[m])
            if dn == -1 and ds == -1:
                dn, ds = int(out_node[j]), int(out_sub[j])
            g[row, kl.G_DRAIN_NODE] = dn
            g[row, kl.G_DRAIN_SUBCATCH] = ds
            g[row, kl.G_PERVIOUS] = float(p[ll.ST_THICK] == 0.0 or p[ll.ST_KSAT] > 0.0)
            lid_area[j] += g[row, kl.G_AREA] * u.number[m]
            if g[row, kl.G_PERVIOUS] > 0.0:
                perv_area[j] += g[row, kl.G_AREA] * u.number[m]
            if p[ll.SO_THICK] > 0.0:  # the soil layer's Green-Ampt infiltration
                ks = p[ll.SO_KSAT]
                ga_par[row, :4] = (p[ll.SO_SUCTION], ks,
                                   (p[ll.SO_POR] - p[ll.SO_WP]) * (1.0 - init_sat),
                                   4.0 * np.sqrt(ks * 12.0 * 3600.0) / 12.0)  # fmt: skip
            elif int(p[ll.P_TYPE]) == VS and int(infil_model[j]) in _GREEN_AMPT:
                ga_par[row] = infil_par[j]
            if ga_par[row, 1] > 0.0:
                ki.init_infil_state(ki.GREEN_AMPT, ga_par[row], ga_state[row])
            us[row, ll.U_DRY_TIME] = dry_days * 86400.0
            us[row, ll.U_NEXT_REGEN] = p[ll.P_REGEN_DAYS]
            init_vol = 0.0
            if p[ll.SO_THICK] > 0.0:
                us[row, ll.U_SOIL] = p[ll.SO_WP] + init_sat * (p[ll.SO_POR] - p[ll.SO_WP])
                init_vol += us[row, ll.U_SOIL] * p[ll.SO_THICK]
            if p[ll.ST_THICK] > 0.0:
                us[row, ll.U_STOR] = init_sat * p[ll.ST_THICK]
                init_vol += us[row, ll.U_STOR] * p[ll.ST_VOID]
            us[row, ll.U_WB_INIT] = us[row, ll.U_WB_FINAL] = init_vol
            if init_sat > 0.0:
                self.initially_wet = True
        full = lid_area > 0.999 * area_ft2
        lid_area[full] = area_ft2[full]
        self.lid_area_ft2 = lid_area
        self.pervious_lid_area_ft2 = perv_area
        fimp = np.asarray(frac_imperv, np.float64)
        area = np.asarray(area_ft2, np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            fp = ((1.0 - fimp) * (area - lid_area) + perv_area) / area
        #: SWMM's ``subcatch_getFracPerv``: the pervious share of each subcatchment with
        #: its pervious LID units (what its aquifer's evaporation and room are scaled by)
        self.frac_perv = np.where(area > 0.0, np.minimum(fp, 1.0), 1.0 - fimp)
        #: evaporation [ft/s over the subcatchment] SWMM hands the aquifer (``Vpevap``)
        self.perv_evap_fps = np.zeros(n)
        self.surface_area_ft2 = np.asarray(area_ft2, np.float64) - lid_area
        self.area_ft2 = np.asarray(area_ft2, np.float64)
        self.geom, self.unit_state, self.ga_par, self.ga_state = g, us, ga_par, ga_state
        #: each unit's values of the last step for the detailed report files
        self.rpt_at_unit = np.zeros((k, kl.N_RPT))
        #: the [LID_USAGE] RptFile files (:mod:`twin.engine.lid_report`), if any named
        self.reports = self._report_files(order, unit_system, start)
        self.group = np.zeros((n, kl.N_GROUP))
        self.full_lid_runon = np.zeros(n)
        self.runon_before = np.zeros(n)
        self.max_runoff_before = np.zeros(n)
        self.totals = np.zeros(2)  # drains to nodes, runoff treated [ft3]
        self.initial_storage_ft3 = self.stored_volume_ft3()

    def _report_files(self, order, unit_system, start):
        u = self.net.lids.usage
        rows = []
        for row, m in enumerate(order):
            name = u.report_file[m]
            if name and self.geom[row, kl.G_AREA] * self.geom[row, kl.G_NUMBER] > 0.0:
                path = report_path(name, self.net, int(u.line[m]))
                rows.append((row, path, str(self.net.lids.controls.names[int(u.lid[m])]),
                             str(self.net.subcatchments.name[int(u.subcatchment[m])])))  # fmt: skip
        if not rows:
            return None
        if start is None:
            start = np.datetime64("2000-01-01T00:00")
        return LidReportFiles(self.net, rows, unit_system, np.datetime64(start))

    # -- the runoff step -----------------------------------------------------
    def before_step(self, runoff, st) -> None:
        """Old drain flows, runon, LID flow returned to the pervious subareas [ft/s]."""
        kl.lid_runon(self.area_ft2, self.surface_area_ft2, runoff.outlet_subcatch,
                     st["new_runoff_cfs"], self.geom, self.unit_state, self.group,
                     st["runon_at_subcatch"], self.full_lid_runon)  # fmt: skip
        perv = runoff.frac[:, kr.PERV] * self.surface_area_ft2
        q = self.group[:, kl.L_FLOW_TO_PERV]
        ok = (perv > 0.0) & (self.lid_area_ft2 > 0.0)
        pi = st["perv_inflow_at_subcatch"]
        pi[:] = 0.0
        pi[ok] = q[ok] / perv[ok]
        self.runon_before[:] = st["stats"][:, kr.ST_RUNON]
        self.max_runoff_before[:] = st["stats"][:, kr.ST_MAX_RUNOFF]

    def after_step(self, runoff, st, dt, t_old, rain_fps, evap_fps, recovery,
                   cond_factor) -> bool:  # fmt: skip
        """The LID units over the step just taken by the subareas; True if some is wet.
        ``cond_factor`` (n,): the subcatchments' conductivity factors of the step."""
        self.perv_evap_fps[:] = st["evap_loss_fps"]
        wet = kl.lid_step(
            dt, t_old, rain_fps, evap_fps, runoff.evap.dry_only, recovery, cond_factor,
            self.area_ft2, self.surface_area_ft2, runoff.frac, runoff.route, runoff.f_outlet,
            runoff.outlet_node, runoff.outlet_subcatch, runoff.counts_as_runoff,
            st["runoff_at_subarea"], runoff.infil_model, runoff.infil_par, st["infil_state"],
            st["max_infil_vol_at_subcatch"], self.full_lid_runon, self.runon_before,
            self.max_runoff_before, self.geom, self.proc, self.unit_state, self.ga_par,
            self.ga_state, self.curve_x, self.curve_y, self.group, st["new_runoff_cfs"],
            st["evap_loss_fps"], st["infil_loss_fps"], self.perv_evap_fps, st["totals"],
            st["stats"], self.totals, self.rpt_at_unit,
        )  # fmt: skip
        if self.reports is not None:
            self.reports.record(runoff.t_new_s, self.rpt_at_unit)
            if runoff.t_new_s >= runoff.duration_s:
                self.reports.write()
        return wet

    # -- what the routing and the output read --------------------------------
    def add_drain_to_nodes(self, f: float, out: np.ndarray) -> float:
        return kl.add_drain_to_nodes(f, self.geom, self.unit_state, out)

    def drain_flow_cfs(self, f: float) -> np.ndarray:
        """Each subcatchment's LID drain flow [cfs] at weight ``f`` (reported runoff)."""
        return (1.0 - f) * self.group[:, kl.L_OLD_DRAIN] + f * self.group[:, kl.L_NEW_DRAIN]

    def stored_volume_ft3(self) -> float:
        g, u = self.geom, self.unit_state
        return float((u[:, ll.U_WB_FINAL] * g[:, kl.G_AREA] * g[:, kl.G_NUMBER]).sum())

    def performance(self) -> list[dict]:
        """SWMM's LID Performance Summary rows (depths over the unit's area [mm])."""
        ucf = 304.8  # ft -> mm (SWMM prints in or mm: the Dataset is SI)
        names = self.net.subcatchments.name
        lid_names = self.net.lids.controls.names
        rows = []
        for row in range(len(self.geom)):
            j = int(self.geom[row, kl.G_SUBCATCH])
            if self.lid_area_ft2[j] == 0.0:
                continue
            u = self.unit_state[row]
            vals = [u[ll.U_WB_INFLOW], u[ll.U_WB_EVAP], u[ll.U_WB_INFIL], u[ll.U_WB_SURF],
                    u[ll.U_WB_DRAIN], u[ll.U_WB_INIT], u[ll.U_WB_FINAL]]  # fmt: skip
            inflow = vals[5] + vals[0]
            outflow = vals[6] + vals[1] + vals[2] + vals[3] + vals[4]
            err = (inflow - outflow) / inflow if inflow > 0.0 else 1.0
            keys = PERFORMANCE_KEYS
            rec = {"subcatchment": str(names[j]),
                   "lid": str(lid_names[int(self.geom[row, kl.G_PROC])])}  # fmt: skip
            rec.update({k: float(v * ucf) for k, v in zip(keys, vals, strict=True)})
            rec["continuity_error_percent"] = float(err * 100.0)
            rows.append(rec)
        return rows


#: SWMM's LID Performance Summary columns, as Dataset variables ``lid_<key>`` [mm]
PERFORMANCE_KEYS = ("total_inflow", "evaporation", "infiltration", "surface_outflow",
                    "drain_outflow", "initial_storage", "final_storage")  # fmt: skip


def performance_dataset_vars(rows: list[dict]) -> dict:
    """The LID performance rows as Dataset variables along a ``lid_unit`` dimension:
    ``lid_subcatchment``, ``lid_control``, ``lid_<column>`` [mm over the unit's area]
    and ``lid_continuity_error_percent``."""
    import xarray as xr

    dim = "lid_unit"
    out = {
        "lid_subcatchment": xr.DataArray(np.array([r["subcatchment"] for r in rows], object),
                                         dims=dim),
        "lid_control": xr.DataArray(np.array([r["lid"] for r in rows], object), dims=dim),
    }  # fmt: skip
    for key in (*PERFORMANCE_KEYS, "continuity_error_percent"):
        units = "%" if key.endswith("percent") else "mm"
        what = key.replace("_percent", "").replace("_", " ")
        tail = "" if units == "%" else " over the run, depth over the unit's area"
        attrs = {"units": units, "long_name": f"LID unit's {what}{tail}"}
        out[f"lid_{key}"] = xr.DataArray(np.array([r[key] for r in rows], np.float64), dims=dim,
                                         attrs=attrs)  # fmt: skip
    out["lid_subcatchment"].attrs["long_name"] = "subcatchment of the LID unit"
    out["lid_control"].attrs["long_name"] = "LID control ([LID_CONTROLS] name) of the unit"
    return out


__all__ = ["LidUnits", "has_lids", "process_params", "performance_dataset_vars",
           "PERFORMANCE_KEYS", "LID_TYPE_NAMES", "PP"]  # fmt: skip
