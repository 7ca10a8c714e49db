"""Samples a running simulation on SWMM's report grid and keeps its summary statistics.

Report times are ``start + k * report_step`` (k = 1, 2, ...) from the report start
on; at most one sample is saved per routing step, interpolated between the old
and new states as SWMM's ``output_saveResults`` does.  Statistics are updated
after every routing step (``stats.c``).  Everything here is in the kernels'
units (ft, cfs) until :meth:`Recorder.dataset` converts to SI.
"""

from __future__ import annotations

import numpy as np

from twin.kernels.codes import LinkKind, NodeKind
from twin.kernels.stats import StepStats, update_stats
from twin.networks.units import CFS_TO_M3S, FT3_TO_M3, FT_TO_M

FT, CFS, FT3 = FT_TO_M, CFS_TO_M3S, FT3_TO_M3

_NODE_SERIES = (
    "node_depth",
    "node_head",
    "node_inflow",
    "node_lateral_inflow",
    "node_flooding",
    "node_ponded_volume",
)
_LINK_SERIES = ("link_flow", "link_depth", "link_velocity", "link_capacity", "link_setting")
#: node statistics whose field in :class:`~twin.kernels.stats.StepStats` is prefixed
_NODE_ACC = {"max_depth": "node_max_depth", "max_depth_t": "node_max_depth_t",
             "surcharge_time": "node_surcharge_time"}  # fmt: skip
_SUB_SERIES = ("subcatchment_rainfall", "subcatchment_runoff", "subcatchment_infiltration")
#: recorded only when some subcatchment has an aquifer
_GW_SERIES = ("subcatchment_groundwater_flow", "subcatchment_groundwater_elevation")
_SERIES_FACTORS = {
    "node_depth": FT, "node_head": FT, "node_inflow": CFS, "node_lateral_inflow": CFS,
    "node_flooding": CFS, "node_ponded_volume": FT3, "link_flow": CFS, "link_depth": FT,
    "link_velocity": FT, "link_capacity": 1.0, "link_setting": 1.0,
}  # fmt: skip
_ROUTER_KEYS = {
    "node_depth": "node_depth_ft", "node_head": "node_head_ft", "node_inflow": "node_inflow_cfs",
    "node_lateral_inflow": "node_lateral_cfs", "node_flooding": "node_overflow_cfs",
    "node_ponded_volume": "node_ponded_ft3", "link_flow": "link_flow_cfs",
    "link_depth": "link_depth_ft", "link_velocity": "link_velocity_fps",
    "link_capacity": "link_capacity", "link_setting": "link_setting",
}  # fmt: skip


class Recorder:
    """Report samples and statistics of a :class:`~twin.engine.simulation.Simulation`."""

    def __init__(self, sim):
        self.sim = sim
        opts = sim.opts
        r = sim.router
        net = sim.net
        self.report_step_s = float(opts.report_step_s)
        self.report_start_s = opts.report_start_s
        self.next_report_s = self.report_step_s
        self.times_s: list[float] = []
        self.samples: dict[str, list[np.ndarray]] = {
            k: [] for k in _NODE_SERIES + _LINK_SERIES + ("link_status",) + _SUB_SERIES
        }
        runoff = sim.runoff
        self._sub_series = _SUB_SERIES
        if runoff is not None and runoff.groundwater is not None:
            self._sub_series = _SUB_SERIES + _GW_SERIES
            self.samples.update({k: [] for k in _GW_SERIES})
        n, m = r.n_nodes, r.n_links
        kind = np.asarray(net.nodes.kind)
        has_sur = np.asarray(net.nodes.surcharge_depth_m) > 0
        dyn = opts.flow_routing == "DYNWAVE"
        invert_ft = np.asarray(net.nodes.invert_m, dtype=np.float64) / FT
        from_node = np.asarray(net.links.from_node, dtype=np.int64)
        to_node = np.asarray(net.links.to_node, dtype=np.int64)
        # crown elevations at each end, in file orientation (for the surcharge hours)
        links = r.links
        yfull = r.xsects.y_full
        rev = links.direction < 0
        off_a = np.where(rev, links.offset2, links.offset1)
        off_b = np.where(rev, links.offset1, links.offset2)
        #: the running statistics (:class:`~twin.kernels.stats.StepStats`), updated
        #: after every step by :meth:`after_step` (or, in a batch, for all members at
        #: once: :func:`~twin.kernels.stats.update_stats_members`)
        self.stats = StepStats.new(
            {"node": n, "link": m},
            invert_ft=np.ascontiguousarray(invert_ft),
            crown_elev_ft=invert_ft + r.nodes.crown_depth,
            full_volume_ft3=r.nodes.full_volume.copy(),
            is_outfall=np.ascontiguousarray(kind == NodeKind.OUTFALL),
            counts_surcharge=np.ascontiguousarray(dyn & ((kind != NodeKind.STORAGE) | has_sur)),
            can_pond=np.ascontiguousarray(
                opts.allow_ponding & (np.asarray(net.nodes.ponded_area_m2) > 0)
            ),
            from_node=from_node,
            to_node=to_node,
            crown_up_ft=invert_ft[from_node] + off_a + yfull,
            crown_dn_ft=invert_ft[to_node] + off_b + yfull,
            is_conduit=np.ascontiguousarray(np.asarray(net.links.kind) == LinkKind.CONDUIT),
        )
        st = self.stats
        self.invert_ft = st.invert_ft
        self.node_acc = {k: getattr(st, _NODE_ACC.get(k, k)) for k in (
            "max_depth", "max_depth_t", "flood_time", "flood_vol", "max_overflow",
            "surcharge_time", "max_ponded", "lat_vol", "max_lat", "max_inflow")}  # fmt: skip
        self.link_acc = {k: getattr(st, "link_" + k) for k in (
            "max_flow", "max_flow_t", "max_velocity", "max_depth", "surcharge_time")}  # fmt: skip
        self.node_critical = st.node_critical
        self._lat_old = st.lat_old  # the statistics' arrays as attributes: a hot start saves them
        self.link_critical = st.link_critical
        #: [REPORT] AVERAGES YES: the sums of every node and link series over the report
        #: period's routing steps and how many steps they hold (SWMM's AvgNodeResults,
        #: AvgLinkResults and Nsteps)
        self.averages = bool(getattr(opts, "report_averages", False))
        self.average_sums = (
            {k: np.zeros(n if k.startswith("node") else m) for k in _NODE_SERIES + _LINK_SERIES}
            if self.averages else {}
        )  # fmt: skip
        self.average_steps = 0

    # -- per step -------------------------------------------------------------------
    def compile_stats(self) -> None:
        """Compile the statistics kernel :meth:`after_step` calls, for its arguments,
        without updating anything (a cold first run, while it waits for the
        compile-ahead helper: :func:`twin.kernels.ahead.while_waiting`)."""
        from twin.kernels.ahead import compile_here

        r = self.sim.router
        compile_here(update_stats, 1.0, 1.0, self.sim._lat, self.stats, r.node_state,
                     r.link_state, r.critical_node, r.critical_link)  # fmt: skip

    def after_step(self, t_old: float, dt: float, stats: bool = True) -> None:
        """After the step from ``t_old`` by ``dt`` [s]: the statistics (unless
        ``stats`` is False: a batch updates them for all its members in one call) and
        the report samples whose times the step reached."""
        t_new = t_old + dt
        if stats:
            r = self.sim.router
            update_stats(dt, t_new, self.sim._lat, self.stats, r.node_state, r.link_state,
                         r.critical_node, r.critical_link)  # fmt: skip
        if self.averages:
            self._after_step_averaged(t_new)
            return
        while t_new >= self.next_report_s - 1e-6:  # a step longer than the report step
            rt = self.next_report_s  # (the Newton solver's) passes several report times
            if rt >= self.report_start_s - 1e-6:
                self._save(rt, t_old, dt)
            self.next_report_s += self.report_step_s

    def _after_step_averaged(self, t_new: float) -> None:
        """SWMM's ``saveResults`` with AVERAGES YES: the step's new state is added to the
        period's sums; a step ending on a report time closes that period with itself in
        it, a step ending past it starts the next period; a period before the report
        start is not saved and its sums carry on (as in SWMM)."""
        if t_new < self.next_report_s - 1e-6:
            self._accumulate()
            return
        on_time = t_new <= self.next_report_s + 1e-6
        if on_time:
            self._accumulate()
        while t_new >= self.next_report_s - 1e-6:
            rt = self.next_report_s
            if rt >= self.report_start_s - 1e-6:
                self._save_averages(rt)
            self.next_report_s += self.report_step_s
        if not on_time:
            self._accumulate()

    def _accumulate(self) -> None:
        state = self.sim.router.interpolated(1.0)
        last = self.average_steps + 1  # a sum of value x steps: its mean is the last value
        for k, total in self.average_sums.items():
            value = np.asarray(state[_ROUTER_KEYS[k]], dtype=np.float64)
            if k == "link_setting":
                total[:] = value * last
            elif k == "link_capacity":  # conduits' fraction full averaged, the other
                total[:] = np.where(self.stats.is_conduit, total + value, value * last)  # links'
            else:  # setting kept, as SWMM's output_updateAvgResults does
                total += value
        self.average_steps = last

    def _save_averages(self, rt: float) -> None:
        n = self.average_steps
        state = self.sim.router.interpolated(1.0) if n == 0 else None
        for k, total in self.average_sums.items():
            value = total / n if n else np.asarray(state[_ROUTER_KEYS[k]], dtype=np.float64)
            self.samples[k].append(value * _SERIES_FACTORS[k])
            total[:] = 0.0
        self.average_steps = 0
        self._save_rest(rt)

    def _save(self, rt: float, t_old: float, dt: float) -> None:
        f = min(max((rt - t_old) / dt, 0.0), 1.0) if dt > 0 else 1.0
        state = self.sim.router.interpolated(f)
        for k in _NODE_SERIES + _LINK_SERIES:
            value = state[_ROUTER_KEYS[k]]
            self.samples[k].append(np.asarray(value, dtype=np.float64) * _SERIES_FACTORS[k])
        self._save_rest(rt)

    def _save_rest(self, rt: float) -> None:
        """The link status, the subcatchments (interpolated at ``rt``, averaged or not,
        as SWMM's output_saveSubcatchResults), the time and the couplers' report."""
        self.samples["link_status"].append((self.samples["link_setting"][-1] > 0.0) * 1.0)
        runoff = self.sim.runoff
        if runoff is not None:
            sub = runoff.interpolated(rt)
            for k in self._sub_series:  # already SI (mm/h, m3/s, m)
                key = k.removeprefix("subcatchment_")
                self.samples[k].append(np.asarray(sub[key], dtype=np.float64))
        self.times_s.append(rt)
        for c in self.sim.couplers:
            c.on_report(rt)

    # -- output -----------------------------------------------------------------------
    def dataset(self):
        from twin.engine.results import results_dataset

        return results_dataset(self.sim, self)
