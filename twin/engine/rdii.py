"""Rainfall-dependent infiltration/inflow (RDII) at nodes, computed as SWMM 5.2's ``rdii.c``.

Before the run SWMM writes every RDII node's inflow for each RDII step (the runoff wet
step) to an interface file (``createRdiiFile``); routing reads the inflow in effect at the
start of each routing step (``addRdiiInflows``).  :class:`RdiiInflows` does the same in
memory, per unit hydrograph set:

- the set's rain gauge is sampled on the set's rain interval (the wet step, or the
  shortest rising or falling limb of its hydrographs if shorter); the gauge's rate is
  read once per RDII step at the first interval's start (SWMM's ``Gage[].isCurrent``);
- each of the three hydrographs takes the rain less its initial abstraction (used up by
  rain, recovered in dry intervals at ``Drecov`` per day), keeps the past excess depths of
  one hydrograph base, and starts a new event after a dry period of a whole base;
- its inflow is the convolution of those depths with the triangular unit hydrograph
  (peak ``2 / tBase``, ordinates at the middle of each interval) times the response ratio
  R of the month the depth fell in; the set's inflow times a node's sewershed area is the
  node's inflow [cfs], kept as a 4-byte float and zero below 1e-4 cfs (``ZERO_RDII``).

SWMM's calendar arithmetic (days as doubles, whole seconds added) is reproduced, so the
rain intervals fall exactly where SWMM's do.  Units: rain in/h or mm/h and depths in or
mm (the file's), times seconds, flows cfs.
"""

from __future__ import annotations

import math

import numpy as np

from twin.engine.rainfall import GaugeRainfall
from twin.errors import InputError
from twin.networks import units

MAX_PERIODS = 10**6  # past rain intervals one hydrograph may remember (memory, time)
ZERO_RDII_CFS = 1.0e-4  # rdii.c's ZERO_RDII
FLOW_TOL_CFS = 1.0e-5  # routing.c's FLOW_TOL
_EPOCH = np.datetime64("1899-12-30", "D")  # SWMM's DateTime 0
_RAIN_PER_FPS = {"US": 43200.0, "SI": 1097280.0}  # UCF(RAINFALL): in/h or mm/h per ft/s
_DEPTH_PER_FT = {"US": 12.0, "SI": 304.8}  # UCF(RAINDEPTH)


def rdii_gauges(net) -> np.ndarray:
    """(n_gages,) bool: gauges a unit hydrograph set names (SWMM marks them used)."""
    used = np.zeros(len(net.raingages), bool)
    g = np.asarray(net.unit_hydrographs.gauge, np.int64)
    used[g[g >= 0]] = True
    return used


def has_rdii(net) -> bool:
    """True when the network's [RDII] gives some node inflow and IGNORE_RDII is off."""
    ignore = str(net.options.get("IGNORE_RDII", "NO")).upper().startswith("Y")
    return len(net.rdii) > 0 and not ignore


def _add_seconds(date: float, seconds: float) -> float:
    """SWMM's ``datetime_addSeconds``: the day, plus its time rounded to whole seconds."""
    d = math.floor(date)
    secs = min(int(math.floor((date - d) * 86400.0 + 0.5)), 86399)
    return d + (secs + seconds) / 86400.0


class RdiiInflows:
    """RDII inflow of every node with an [RDII] line, per RDII step.

    Parameters
    ----------
    net : Network
    opts : SimOptions

    Attributes
    ----------
    step_s : int
        The RDII step [s] (SWMM's ``RdiiStep``: the wet step, lowered to the shortest
        interval of the rain gauges in use).
    node : (k,) int64
        Nodes that receive RDII.
    flow_cfs : (n_steps, k) float64
        Inflow of each node from the start of each RDII step [cfs].
    rain_ft3, rdii_ft3 : float
        Rain on the sewersheds and RDII produced (SWMM's "Rainfall Dependent I/I" table).
    """

    def __init__(self, net, opts):
        uh, rd = net.unit_hydrographs, net.rdii
        system = "US" if net.unit_system == "US" else "SI"
        used = rdii_gauges(net)
        if net.n_subcatchments > 0:
            sg = np.asarray(net.subcatchments.raingage, np.int64)
            used[sg[sg >= 0]] = True
        self.rain = GaugeRainfall(net, opts, used)
        self.step_s = int(min(opts.wet_step_s, self.rain.min_series_interval_s))
        self.node = np.asarray(rd.node, np.int64)
        area_ft2 = (np.asarray(rd.area_m2, np.float64) / units.land_area_to_m2(system)
                    / units.SWMM_AREA_PER_FT2[system])  # fmt: skip
        n_uh = len(uh)
        group_area = np.zeros(n_uh)
        np.add.at(group_area, rd.unit_hydrograph, area_ft2)
        is_used = np.zeros(n_uh, bool)
        is_used[rd.unit_hydrograph] = True
        start_days = (opts.start.astype("datetime64[s]") - _EPOCH).astype(np.int64) / 86400.0
        d0 = math.floor(start_days)
        start = d0 + round((start_days - d0) * 86400.0) / 86400.0
        n_steps = int(opts.duration_s // self.step_s) + 1
        group_rdii = _unit_hydrograph_rdii(uh, self.rain, start, self.step_s, n_steps,
                                           is_used, group_area, _DEPTH_PER_FT[system])  # fmt: skip
        rdii, self.rain_ft3, last_month = group_rdii
        # the [ADJUSTMENTS] RAINFALL factor this pass leaves set: SWMM's runoff gauges
        # read their first values with it (rain_open runs before project_init)
        adjust = getattr(net, "adjustments", None)
        self.final_rain_factor = 1.0
        if adjust is not None and last_month >= 0:
            self.final_rain_factor = float(adjust.rainfall[last_month])
        q = rdii[:, rd.unit_hydrograph] * area_ft2 / _RAIN_PER_FPS[system]
        q = q.astype(np.float32).astype(np.float64)  # SWMM's RDII file holds 4-byte floats
        q[q < ZERO_RDII_CFS] = 0.0
        self.flow_cfs = q
        self.rdii_ft3 = float(q.sum()) * self.step_s

    def node_cfs(self, t_s: float, out: np.ndarray) -> np.ndarray:
        """Add each node's RDII inflow at ``t_s`` [s after the start] to ``out`` [cfs];
        returns the system's RDII inflow [cfs]."""
        # SWMM's routing clock runs 1 ms ahead (getDateTime); a step's inflow starts at it
        k = int((t_s + 0.001) // self.step_s)
        if k < 0 or k >= len(self.flow_cfs):
            return 0.0
        q = self.flow_cfs[k]
        q = np.where(np.abs(q) < FLOW_TOL_CFS, 0.0, q)
        np.add.at(out, self.node, q)
        return float(q.sum())


def _unit_hydrograph_rdii(uh, rain, start, step_s, n_steps, is_used, group_area, depth_per_ft):
    """RDII of each unit hydrograph set per unit sewershed area at each RDII step (SWMM's
    ``UHGroup[].rdii``, rain units), the rain volume on the sewersheds [ft3] and the
    month (0-11) of the last rain interval read (-1: none)."""
    n_uh = len(uh)
    wet = step_s
    ri = np.full(n_uh, wet, np.int64)  # getRainInterval
    for j in range(n_uh):
        for m in range(12):
            for k in range(3):
                tp = int(uh.t_peak_s[j, m, k])
                if tp > 0:
                    ri[j] = min(ri[j], tp)
                    limb = int(uh.t_base_s[j, m, k]) - tp
                    if limb > 0:
                        ri[j] = min(ri[j], limb)
    max_p = np.zeros((n_uh, 3), np.int64)  # getMaxPeriods
    for j in range(n_uh):
        for k in range(3):
            max_p[j, k] = max(int(uh.t_base_s[j, m, k]) // int(ri[j]) + 1 for m in range(12))
    for j in np.flatnonzero(max_p.max(axis=1) > MAX_PERIODS):
        raise InputError(
            f"unit hydrograph {uh.names[j]}: its base time spans more than "
            f"{MAX_PERIODS} rain intervals of {ri[j]} s",
            section="HYDROGRAPHS",
        )
    month0 = _month(start)
    past = [[np.zeros(max_p[j, k]) for k in range(3)] for j in range(n_uh)]
    past_month = [[np.zeros(max_p[j, k], np.int64) for k in range(3)] for j in range(n_uh)]
    dry = (max_p * ri[:, None] + 1).astype(np.int64)
    period = max_p + 1
    has_past = np.zeros((n_uh, 3), bool)
    ia_used = np.array([[uh.ia_initial[j, month0, k] for k in range(3)] for j in range(n_uh)])
    gage_date = np.full(n_uh, start)
    last_date = np.full(n_uh, start)
    rdii_now = np.zeros(n_uh)
    out = np.zeros((n_steps, n_uh))
    rain_ft3 = 0.0
    last_month = -1
    rate = np.zeros(rain.n_gages)
    for step in range(n_steps):
        current = start + step * step_s / 86400.0
        month = _month(current)
        current_gauge = np.zeros(rain.n_gages, bool)
        for j in range(n_uh):  # getRainfall
            g, dt = int(uh.gauge[j]), int(ri[j])
            while gage_date[j] < current:
                gd = gage_date[j]
                if not current_gauge[g]:
                    t_s = round((gd - start) * 86400.0, 3)
                    rate[g] = rain.rate_at(t_s)[g]
                    current_gauge[g] = True
                depth = rate[g] * dt / 3600.0
                rain_ft3 += depth / depth_per_ft * group_area[j]
                m_gd = _month(gd)
                last_month = m_gd
                for k in range(3):
                    excess = _apply_ia(uh, j, k, m_gd, dt, depth, ia_used)
                    _update_dry(j, k, excess, dt, dry, period, has_past, past, max_p)
                    i = period[j, k]
                    if i >= max_p[j, k]:
                        i = 0
                    past[j][k][i] = excess
                    past_month[j][k][i] = month
                    period[j, k] = i + 1
                gage_date[j] = _add_seconds(gd, dt)
        for j in range(n_uh):  # getUnitHydRdii
            if not is_used[j] or current < last_date[j]:
                continue
            last_date[j] = gage_date[j]
            total = 0.0
            for k in range(3):
                if has_past[j, k]:
                    total += _convolution(uh, j, k, int(ri[j]), past[j][k], past_month[j][k],
                                          int(period[j, k]))  # fmt: skip
            rdii_now[j] = total
        out[step] = rdii_now
    return out, rain_ft3, last_month


def _month(date: float) -> int:
    """Month index (0-11) of a SWMM DateTime."""
    day = _EPOCH + np.timedelta64(int(math.floor(date)), "D")
    return int(day.astype("datetime64[M]").astype(np.int64) % 12)


def _apply_ia(uh, j, k, m, dt, depth, ia_used) -> float:
    """Rain depth left after the initial abstraction (``applyIA``)."""
    ia = max(uh.ia_max[j, m, k] - ia_used[j, k], 0.0)
    if depth > 0.0:
        net = max(depth - ia, 0.0)
        ia_used[j, k] += depth - net
        return net
    ia_used[j, k] = max(ia_used[j, k] - dt / 86400.0 * uh.ia_recovery[j, m, k], 0.0)
    return 0.0


def _update_dry(j, k, depth, dt, dry, period, has_past, past, max_p) -> None:
    """``updateDryPeriod``: a new event after a whole hydrograph base without rain."""
    if depth > 0.0:
        if dry[j, k] >= dt * max_p[j, k]:
            past[j][k][:] = 0.0
            period[j, k] = 0
        dry[j, k] = 0
        has_past[j, k] = True
    else:
        dry[j, k] += dt
        has_past[j, k] = dry[j, k] < dt * max_p[j, k]


def _convolution(uh, j, k, dt, past, past_month, period) -> float:
    """``getUnitHydConvol``: past excess depths times the hydrograph's ordinates."""
    n = len(past)
    i = period - 1 if period - 1 >= 0 else n - 1
    total = 0.0
    for p in range(1, n):
        v = past[i]
        if v > 0.0:
            m = past_month[i]
            t = (p - 0.5) * dt
            total += _ordinate(uh, j, m, k, t) * uh.r[j, m, k] * v
        i = i - 1 if i > 0 else n - 1
    return total


def _ordinate(uh, j, m, k, t) -> float:
    """``getUnitHydOrd``: the triangular unit hydrograph at ``t`` [s], per hour."""
    t_base = float(uh.t_base_s[j, m, k])
    if t >= t_base:
        return 0.0
    q_peak = 2.0 / t_base * 3600.0
    t1 = float(uh.t_peak_s[j, m, k])
    f = t / t1 if t <= t1 else 1.0 - (t - t1) / (t_base - t1)
    return max(f, 0.0) * q_peak
