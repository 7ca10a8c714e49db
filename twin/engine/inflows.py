"""External inflows ([INFLOWS]) and dry-weather flow ([DWF]) at nodes, as SWMM adds them.

Values are cfs (the kernels' units), evaluated at the start of each routing step
(``routing.c``: ``addExternalInflows`` / ``addDryWeatherInflows``); flows smaller
than SWMM's ``FLOW_TOL`` (1e-5 cfs) count as zero.  SWMM's routing clock runs 1 ms
ahead (``getDateTime`` adds a millisecond to the elapsed time), so a step starting at
``t`` takes its inflows at ``t + 1 ms``: :data:`SWMM_CLOCK_AHEAD_S`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.engine.series import HourClock, pattern_factor, series_points
from twin.errors import InputError
from twin.kernels.routing.constants import SWMM_CLOCK_AHEAD_S
from twin.kernels.tables import scatter_add, series_at
from twin.networks.units import CFS_TO_M3S, flow_to_m3s

FLOW_TOL_CFS = 1e-5


class SystemInflows:
    """Evaluates external and dry-weather inflows per node.

    Parameters
    ----------
    net : Network
    start : numpy.datetime64
        Simulation start (time series and patterns are placed on this clock).
    """

    def __init__(self, net, start: np.datetime64):
        self.n_nodes = net.n_nodes
        self.start = start
        base_dir = Path(net.source).parent if net.source else None
        cfs_per_unit = flow_to_m3s(net.flow_units) / CFS_TO_M3S
        # -- external FLOW inflows
        rows = [
            i for i in range(len(net.inflows)) if str(net.inflows.constituent[i]).upper() == "FLOW"
        ]
        self.ext_node = np.asarray([net.inflows.node[i] for i in rows], dtype=np.int64)
        self.ext_sfactor = np.asarray([net.inflows.sfactor[i] for i in rows], dtype=np.float64)
        self.ext_baseline = np.asarray([net.inflows.baseline[i] for i in rows], dtype=np.float64)
        self.ext_pattern = [net.patterns.get(str(net.inflows.pattern[i])) for i in rows]
        starts, xs, ys = [0], [], []
        for i in rows:
            name = str(net.inflows.series[i])
            if name:
                ts = net.timeseries.get(name)
                if ts is None:
                    raise InputError(f"time series {name!r} not found", section="INFLOWS")
                t, v = series_points(ts, start, base_dir)
                xs.append(t)
                ys.append(v)
                starts.append(starts[-1] + len(t))
            else:
                starts.append(starts[-1])
        self._ts_start = np.asarray(starts, dtype=np.int64)
        self._ts_x = np.concatenate(xs) if xs else np.zeros(0)
        self._ts_y = np.concatenate(ys) if ys else np.zeros(0)
        self._ts_val = np.zeros(len(rows))
        self._cfs = cfs_per_unit
        # -- dry-weather FLOW inflows
        drows = [i for i in range(len(net.dwf)) if str(net.dwf.constituent[i]).upper() == "FLOW"]
        self.dwf_node = np.asarray([net.dwf.node[i] for i in drows], dtype=np.int64)
        self.dwf_avg = np.asarray([net.dwf.average[i] for i in drows], dtype=np.float64)
        self.dwf_patterns = []
        for i in drows:
            pats = {}
            for name in net.dwf.patterns[i]:
                name = str(name)
                if name and name != '""':
                    p = net.patterns.get(name)
                    if p is None:
                        raise InputError(f"pattern {name!r} not found", section="DWF")
                    pats[p.kind.upper()] = p
            self.dwf_patterns.append(pats)
        self._dwf_key = None
        self._dwf_cfs = np.zeros(len(drows))
        self._pat_key = None
        self._base_cfs = self.ext_baseline.copy()
        self._has_ext_patterns = any(p is not None for p in self.ext_pattern)
        self._clock = HourClock(start)

    @property
    def has_external(self) -> bool:
        return len(self.ext_node) > 0

    @property
    def has_dwf(self) -> bool:
        return len(self.dwf_node) > 0

    def external_cfs(self, t_s: float, out: np.ndarray) -> np.ndarray:
        """Fill ``out`` (n_nodes,) with the external inflow [cfs] of a step starting at
        ``t_s`` [s] (read at ``t_s + 1 ms``, as SWMM does)."""
        out[:] = 0.0
        t_s = t_s + SWMM_CLOCK_AHEAD_S
        if not self.has_external:
            return out
        self._refresh_external(t_s)
        series_at(t_s, self._ts_start, self._ts_x, self._ts_y, self._ts_val)
        q = self._cfs * (self._ts_val * self.ext_sfactor + self._base_cfs)
        q[np.abs(q) < FLOW_TOL_CFS] = 0.0
        return scatter_add(q, self.ext_node, out)

    def dwf_cfs(self, t_s: float, out: np.ndarray) -> np.ndarray:
        """Fill ``out`` (n_nodes,) with the dry-weather inflow [cfs] of a step starting at
        ``t_s`` [s] (read at ``t_s + 1 ms``, as SWMM does)."""
        out[:] = 0.0
        t_s = t_s + SWMM_CLOCK_AHEAD_S
        if not self.has_dwf:
            return out
        self._refresh_dwf(t_s)
        return scatter_add(self._dwf_cfs, self.dwf_node, out)

    def _refresh_external(self, t_s: float) -> None:
        """The external inflows' pattern-scaled baselines at ``t_s`` (``_base_cfs``)."""
        key = self._clock.key(t_s) if self._has_ext_patterns else None
        if key != self._pat_key or self._pat_key is None:
            self._pat_key = key
            for k, p in enumerate(self.ext_pattern):
                f = pattern_factor(p, *key) if p is not None else 1.0
                self._base_cfs[k] = self.ext_baseline[k] * f

    def _refresh_dwf(self, t_s: float) -> None:
        """The dry-weather flows [cfs] of the hour of ``t_s`` (``_dwf_cfs``)."""
        key = self._clock.key(t_s)
        month, dow, hour = key
        if key != self._dwf_key:
            self._dwf_key = key
            for k, pats in enumerate(self.dwf_patterns):
                f = 1.0
                for kind in ("MONTHLY", "DAILY"):
                    if kind in pats:
                        f *= pattern_factor(pats[kind], month, dow, hour)
                if "WEEKEND" in pats:
                    if dow in (0, 6):
                        f *= pattern_factor(pats["WEEKEND"], month, dow, hour)
                    elif "HOURLY" in pats:
                        f *= pattern_factor(pats["HOURLY"], month, dow, hour)
                elif "HOURLY" in pats:
                    f *= pattern_factor(pats["HOURLY"], month, dow, hour)
                q = f * self.dwf_avg[k] * self._cfs
                self._dwf_cfs[k] = 0.0 if abs(q) < FLOW_TOL_CFS else q

    def refresh_patterns(self, t_s: float) -> tuple[float, float]:
        """Compute the pattern factors of the external and dry-weather inflows of a step
        starting at ``t_s`` [s] (``base_cfs``, ``dwf_flows_cfs``) as :meth:`external_cfs`
        and :meth:`dwf_cfs` do (at ``t_s + 1 ms``); returns the step starts ``(lo, hi)``
        [s] for which they hold (``lo <= t < hi``: the hour of ``t_s + 1 ms``, or forever
        without patterns)."""
        t_s = t_s + SWMM_CLOCK_AHEAD_S  # as external_cfs and dwf_cfs read them
        if self.has_external:
            self._refresh_external(t_s)
        if self.has_dwf:
            self._refresh_dwf(t_s)
        if self.has_dwf or (self.has_external and self._has_ext_patterns):
            lo, hi = self._clock.interval  # of the clock t + 1 ms: for step starts t
            return lo - SWMM_CLOCK_AHEAD_S, hi - SWMM_CLOCK_AHEAD_S
        return -np.inf, np.inf

    @property
    def base_cfs(self) -> np.ndarray:
        """The external inflows' baselines times their patterns, in flow units (per
        [INFLOWS] line; :meth:`refresh_patterns` updates them)."""
        return self._base_cfs

    @property
    def dwf_flows_cfs(self) -> np.ndarray:
        """The dry-weather flow [cfs] of each [DWF] line in the current hour."""
        return self._dwf_cfs
