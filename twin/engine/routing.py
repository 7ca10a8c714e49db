"""The flow router: SWMM 5.2 dynamic-wave (or kinematic-wave) routing, one step at a time.

:class:`Router` packs a Network once (:mod:`twin.engine.routing_pack`), keeps the
live state in ft/cfs arrays (rows of two state tables, so each named attribute is
a view updated in place by the kernels) and advances it with one compiled call per
routing step.  The caller (the simulation loop) gives each step's lateral inflow
per node, asks :meth:`Router.step_size` for the next step, and samples results with
:meth:`Router.interpolated` between the old and the new state, as SWMM's output does.

>>> # router = Router(net, opts); dt = router.step_size(0.0)
>>> # router.advance(0.0, dt, lateral_cfs)
"""

from __future__ import annotations

import numpy as np

from twin.engine.routing_pack import RoutingPack, pack_network
from twin.engine.routing_threads import threaded_route_step
from twin.errors import SimulationError, TwinError
from twin.kernels.codes import NodeKind
from twin.kernels.routing import layout as R
from twin.kernels.routing.boundary import outfall_stages
from twin.kernels.routing.dynwave import routing_step_size
from twin.kernels.routing.init import initial_state
from twin.kernels.routing.results import link_results
from twin.kernels.routing.step import (
    A_FLOODING,
    A_LATERAL,
    A_OUTFALL,
    A_OUTFALL_IN,
    A_STORAGE,
    MODE_DYNWAVE,
    MODE_KINWAVE,
    MODE_STEADY,
    N_ACC,
    route_step,
)
from twin.networks.units import FT_TO_M

RUNAWAY_HEAD_FT = 1000.0


def _zeros(name: str, shape: tuple) -> np.ndarray:
    """The default state allocator: a fresh zeroed float64 array (``name`` unused)."""
    return np.zeros(shape)


def upstream_first_order(pack: RoutingPack) -> np.ndarray:
    """Links sorted so that every link comes after the links flowing into its upstream node.

    Raises TwinError when the network has a cycle (kinematic wave needs a tree).
    """
    n1 = pack.link_int[:, R.LI_N1]
    n2 = pack.link_int[:, R.LI_N2]
    n_nodes = pack.node_int.shape[0]
    n_out = np.bincount(n1, minlength=n_nodes)
    kind = pack.node_int[:, R.NI_KIND]
    divider = kind == NodeKind.DIVIDER
    multi = (n_out > 1) & (kind != NodeKind.STORAGE) & ~divider
    if np.any(multi):
        i = int(np.flatnonzero(multi)[0])
        raise TwinError(
            f"kinematic wave routing allows one outlet link per node: {pack.node_names[i]} "
            f"has {int(n_out[i])}"
        )
    bad = divider & (n_out != 2)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise TwinError(f"divider {pack.node_names[i]} needs two outlet links, has {n_out[i]}")
    indeg = np.bincount(n2, minlength=n_nodes)
    out_start = np.zeros(n_nodes + 1, dtype=np.int64)
    np.add.at(out_start, n1 + 1, 1)
    out_start = np.cumsum(out_start)
    out_links = np.argsort(n1, kind="stable")
    for i in np.flatnonzero(divider):  # non-diversion link first (SWMM's adjustAdjList)
        a = out_start[i]
        if out_links[a] == pack.node_int[i, R.NI_DIV_LINK]:
            out_links[a], out_links[a + 1] = out_links[a + 1], out_links[a]
    queue = [i for i in range(n_nodes) if indeg[i] == 0]
    order = []
    while queue:
        i = queue.pop(0)
        for j in out_links[out_start[i] : out_start[i + 1]]:
            order.append(int(j))
            indeg[n2[j]] -= 1
            if indeg[n2[j]] == 0:
                queue.append(int(n2[j]))
    if len(order) != len(n1):
        raise TwinError("kinematic wave routing needs a network without loops")
    return np.asarray(order, dtype=np.int64)


_NODE_ROWS = {
    "node_depth_ft": R.ND_DEPTH,
    "node_depth_old_ft": R.ND_DEPTH_OLD,
    "node_volume_ft3": R.ND_VOLUME,
    "node_volume_old_ft3": R.ND_VOLUME_OLD,
    "node_inflow_cfs": R.ND_INFLOW,
    "node_inflow_old_cfs": R.ND_INFLOW_OLD,
    "node_outflow_cfs": R.ND_OUTFLOW,
    "node_overflow_cfs": R.ND_OVERFLOW,
    "node_lateral_cfs": R.ND_LAT,
    "node_lateral_old_cfs": R.ND_LAT_OLD,
}
_LINK_ROWS = {
    "link_flow_cfs": R.LS_FLOW,
    "link_flow_old_cfs": R.LS_FLOW_OLD,
    "link_depth_ft": R.LS_DEPTH,
    "link_depth_old_ft": R.LS_DEPTH_OLD,
    "link_volume_ft3": R.LS_VOLUME,
    "link_volume_old_ft3": R.LS_VOLUME_OLD,
    "link_froude": R.LS_FROUDE,
    "link_setting": R.LS_SETTING,
    "link_target_setting": R.LS_TARGET,
}


class Router:
    """Routes flow through a network's links (conduits, pumps, orifices, weirs, outlets)
    and nodes (junctions, dividers, storage units, outfalls).

    Parameters
    ----------
    net : Network
    opts : SimOptions
        ``flow_routing`` DYNWAVE or KINWAVE.
    alloc : callable, optional
        ``alloc(name, shape)`` returns the zeroed float64 array a state table lives
        in (default: a new one); a batch of ensemble members gives rows of arrays
        with a leading member axis, so one kernel call can route every member.

    Notes
    -----
    State attributes are (n,) float64 views in SWMM's internal units (ft, ft3, cfs),
    updated in place.  Link flows are in the router's internal orientation: a conduit
    SWMM reverses (adverse slope under dynamic wave) has ``link_direction == -1`` and
    positive flow running from its file ``to_node`` to ``from_node``;
    :meth:`interpolated` gives flows and velocities in file orientation.
    ``link_setting`` (n_links,) holds each link's current setting (0-1: pump off/on
    or speed, fraction open of an orifice, weir or outlet) and
    ``link_target_setting`` the one it is moving to; :meth:`set_link_setting`
    changes a setting as a control action does.
    """

    def __init__(self, net, opts, *, alloc=None):
        self.net = net
        self.opts = opts
        mode = opts.flow_routing.upper()
        if mode not in ("DYNWAVE", "KINWAVE", "STEADY"):
            raise TwinError(f"flow routing {mode} not supported yet")
        self.dynwave = mode == "DYNWAVE"
        self.steady = mode == "STEADY"
        self.pack: RoutingPack = pack_network(net, opts)
        p = self.pack
        self._kw_order = np.arange(net.n_links, dtype=np.int64)
        if not self.dynwave:
            p.node_int[:, R.NI_DEGREE] = np.abs(p.node_int[:, R.NI_DEGREE])
            self._kw_order = upstream_first_order(p)
        self.n_nodes = net.n_nodes
        self.n_links = net.n_links
        z = alloc or _zeros  # where the state lives (a batch gives rows of member-stacked arrays)
        self.node_state = z("node_state", (R.N_ND, self.n_nodes))
        self.link_state = z("link_state", (R.N_LS, self.n_links))
        for name, row in _NODE_ROWS.items():
            setattr(self, name, self.node_state[row])
        for name, row in _LINK_ROWS.items():
            setattr(self, name, self.link_state[row])
        self.node_invert_ft = p.node_par[:, R.NP_INVERT].copy()
        self.node_full_depth_ft = p.node_par[:, R.NP_FULL_DEPTH].copy()
        self.node_crown_ft = p.node_par[:, R.NP_CROWN].copy()
        self.link_full_depth_ft = p.xs[:, 0].copy()
        self.link_full_flow_cfs = p.link_par[:, R.LP_QFULL] * p.link_par[:, R.LP_BARRELS]
        self.link_direction = p.link_int[:, R.LI_DIRECTION].copy()
        self.node_ponded_ft3 = z("node_ponded_ft3", (self.n_nodes,))
        self.node_head_ft = z("node_head_ft", (self.n_nodes,))
        self.link_velocity_fps = z("link_velocity_fps", (self.n_links,))
        self.link_capacity = z("link_capacity", (self.n_links,))
        self._stage = z("stage", (self.n_nodes,))
        self._rates = z("rates", (3,))
        self._acc = z("acc", (N_ACC,))
        self._scratch_q = z("scratch_q", (self.n_links,))
        self._scratch_y = z("scratch_y", (self.n_links,))
        self._ponding = bool(p.opt_i[R.OI_PONDING])
        self._mode = (
            MODE_DYNWAVE if self.dynwave else (MODE_STEADY if self.steady else MODE_KINWAVE)
        )
        self._first_step = True
        self.critical_node = -1
        self.critical_link = -1
        self.n_steps = 0
        self.node_inflow_volume_ft3 = z("node_inflow_volume_ft3", (self.n_nodes,))
        self.node_outflow_volume_ft3 = z("node_outflow_volume_ft3", (self.n_nodes,))
        self._init_state()

    # -- set-up ------------------------------------------------------------------------
    def _init_state(self) -> None:
        p = self.pack
        outfall_stages(
            0.0, p.node_par, p.node_int, p.curve_start, p.curve_x, p.curve_y, self._stage
        )
        initial_state(
            self.dynwave,
            bool(p.opt_i[R.OI_PONDING]),
            p.node_par,
            p.node_int,
            p.link_par,
            p.link_int,
            p.xs,
            p.tables,
            p.curve_start,
            p.curve_x,
            p.curve_y,
            self.node_state,
            self.link_state,
            self._stage,
            np.zeros(self.n_nodes),
            np.zeros(self.n_nodes),
            p.opt_f,
        )
        stored = float(self.node_volume_ft3.sum())
        if not self.steady:
            stored += float(self.link_volume_ft3.sum())
        self._initial_storage = stored
        self._acc[A_STORAGE] = stored
        self.node_inflow_volume_ft3[:] = self.node_volume_ft3
        self._derived()

    # -- the time step ---------------------------------------------------------------------
    def step_size(self, t_s: float) -> float:
        """SWMM's routing_getRoutingStep: the next routing step [s] (variable or fixed)."""
        p = self.pack
        fixed = float(self.opts.routing_step_s)
        if not self.dynwave:
            return fixed
        dt, lk, nd = routing_step_size(
            fixed,
            self._first_step,
            p.link_par,
            p.link_int,
            p.node_par,
            p.node_int,
            self.node_state,
            self.link_state,
            p.xs,
            p.opt_f,
        )
        self._first_step = False
        self.critical_link, self.critical_node = int(lk), int(nd)
        return float(dt)

    def advance(self, t_s: float, dt_s: float, lateral_cfs: np.ndarray) -> int:
        """One routing step from ``t_s`` to ``t_s + dt_s`` with this step's lateral inflow.

        ``lateral_cfs`` is (n_nodes,) float64 [cfs].  Returns the number of Picard
        iterations (1 under kinematic wave).  Raises SimulationError on NaN, a
        negative depth or a runaway head (``RUNAWAY_HEAD_FT`` above the node's top).
        """
        self._first_step = False
        lateral = np.ascontiguousarray(lateral_cfs, dtype=np.float64)
        if not hasattr(self, "_route"):  # THREADS: the threaded kernel on big networks
            self._route = (self.opts.threads != 1 and threaded_route_step(self)) or route_step
        steps, bad_node, bad_link = self._route(self._mode, t_s, dt_s, lateral, *self.kernel_args())
        return self.after_route(t_s, dt_s, steps, bad_node, bad_link)

    def kernel_args(self) -> tuple:
        """The arguments of :func:`~twin.kernels.routing.step.route_step` after
        ``(mode, t_s, dt, lateral)``, in its order (network tables, then live state)."""
        p = self.pack
        return (
            p.node_par, p.node_int, p.link_par, p.link_int, p.xs, p.tables, p.curve_start,
            p.curve_x, p.curve_y, self.node_state, self.link_state, self._stage, p.opt_f,
            p.opt_i, self._kw_order, self._ponding, RUNAWAY_HEAD_FT, self._acc, self._rates,
            self.node_inflow_volume_ft3, self.node_outflow_volume_ft3, self.node_head_ft,
            self.node_ponded_ft3, self.link_velocity_fps, self.link_capacity, self._scratch_q,
            self._scratch_y,
        )  # fmt: skip

    def after_route(self, t_s: float, dt_s: float, steps, bad_node, bad_link) -> int:
        """Count the step routed from ``t_s`` and raise SimulationError for the bad node
        or link the kernel found (-1: none); returns the Picard passes."""
        p = self.pack
        self._first_step = False
        self.n_steps += 1
        if bad_node >= 0:
            raise SimulationError(self._bad_depth(bad_node), element=p.node_names[bad_node],
                                  time=t_s + dt_s, step=self.n_steps)  # fmt: skip
        if bad_link >= 0:
            raise SimulationError("NaN flow", element=p.link_names[bad_link], time=t_s + dt_s,
                                  step=self.n_steps)  # fmt: skip
        return abs(int(steps))

    def _bad_depth(self, i: int) -> str:
        """What is wrong with node ``i``'s depth, in metres (the kernel's feet stay inside)."""
        y = float(self.node_depth_ft[i])
        if not np.isfinite(y):
            return "NaN depth"
        if y < 0.0:
            return f"negative depth {y * FT_TO_M:.4g} m"
        top = float(self.pack.node_par[i, R.NP_FULL_DEPTH] + self.pack.node_par[i, R.NP_SUR_DEPTH])
        return (
            f"depth {y * FT_TO_M:.6g} m, more than {RUNAWAY_HEAD_FT * FT_TO_M:.1f} m above the "
            f"node's top ({top * FT_TO_M:.4g} m deep): the head ran away"
        )

    @property
    def volumes(self) -> dict[str, float]:
        """Routing totals since the start [ft3] (SWMM's flow routing continuity terms)."""
        acc = self._acc
        return {
            "lateral_inflow": float(acc[A_LATERAL]),
            "outfall_inflow": float(acc[A_OUTFALL_IN]),
            "flooding": float(acc[A_FLOODING]),
            "outfall": float(acc[A_OUTFALL]),
            "evaporation": 0.0,
            "seepage": 0.0,
            "initial_storage": self._initial_storage,
            "final_storage": float(acc[A_STORAGE]),
        }

    def set_link_setting(self, index: int, value: float) -> None:
        """Ask link ``index`` for a new setting (0-1), as a control action does.

        The change is made at the start of the next :meth:`advance`, as SWMM's
        ``link_setSetting`` does after its rules are evaluated: pumps and outlets
        take it at once (it overrides a pump's start-up / shut-off switching for that
        step), weirs too (with a new surcharge coefficient), and orifices with an
        open/close time move towards it by ``dt / open_close_time`` per step.
        """
        j = int(index)
        if not 0 <= j < self.n_links:
            raise TwinError(f"no link with index {index} (network has {self.n_links} links)")
        v = float(value)
        if not np.isfinite(v) or v < 0.0:
            raise TwinError(f"link setting must be a number >= 0, got {value!r}")
        kind = int(self.pack.link_int[j, R.LI_KIND])
        if kind == R.KIND_CONDUIT:
            raise TwinError(f"conduit settings not supported yet: {self.pack.link_names[j]}")
        if kind != R.KIND_PUMP:
            v = min(v, 1.0)
        self.link_state[R.LS_CONTROL, j] = v

    # -- results ---------------------------------------------------------------------------
    def _derived(self) -> None:
        """Heads, ponded volumes, velocities and capacities of the new state."""
        p = self.pack
        self.node_head_ft[:] = self.node_depth_ft + self.node_invert_ft
        full_v = p.node_par[:, R.NP_FULL_VOLUME]
        np.maximum(self.node_volume_ft3 - full_v, 0.0, out=self.node_ponded_ft3)
        if not p.opt_i[R.OI_PONDING]:
            self.node_ponded_ft3[:] = 0.0
        link_results(
            1.0,
            p.link_par,
            p.link_int,
            p.xs,
            p.tables,
            self.link_state,
            self.link_velocity_fps,
            self.link_capacity,
            self._scratch_q,
            self._scratch_y,
        )

    @property
    def node_head_old_ft(self) -> np.ndarray:
        """Head [ft] at the start of the last step."""
        return self.node_depth_old_ft + self.node_invert_ft

    def interpolated(self, f: float) -> dict[str, np.ndarray]:
        """Every reported state at ``old + f (new - old)``, as SWMM's report does.

        Flows and velocities are in file orientation (positive from ``from_node`` to
        ``to_node``).  Keys: node_depth_ft, node_head_ft, node_volume_ft3,
        node_lateral_cfs, node_inflow_cfs, node_overflow_cfs (new value),
        node_ponded_ft3, link_flow_cfs, link_depth_ft, link_velocity_fps, link_capacity
        (A/Afull of conduits, the setting of other links, as SWMM reports it),
        link_volume_ft3, link_setting (current value).
        """
        p = self.pack
        ns, ls = self.node_state, self.link_state
        g = 1.0 - f
        depth = g * ns[R.ND_DEPTH_OLD] + f * ns[R.ND_DEPTH]
        vol = g * ns[R.ND_VOLUME_OLD] + f * ns[R.ND_VOLUME]
        ponded = np.maximum(vol - p.node_par[:, R.NP_FULL_VOLUME], 0.0)
        if not p.opt_i[R.OI_PONDING]:
            ponded[:] = 0.0
        flow = np.zeros(self.n_links)
        vel = np.zeros(self.n_links)
        cap = np.zeros(self.n_links)
        ldepth = np.zeros(self.n_links)
        link_results(f, p.link_par, p.link_int, p.xs, p.tables, ls, vel, cap, flow, ldepth)
        out = {
            "node_depth_ft": depth,
            "node_head_ft": depth + self.node_invert_ft,
            "node_volume_ft3": vol,
            "node_lateral_cfs": g * ns[R.ND_LAT_OLD] + f * ns[R.ND_LAT],
            "node_inflow_cfs": g * ns[R.ND_INFLOW_OLD] + f * ns[R.ND_INFLOW],
            "node_overflow_cfs": ns[R.ND_OVERFLOW].copy(),
            "node_ponded_ft3": ponded,
            "link_flow_cfs": flow * self.link_direction,
            "link_depth_ft": ldepth,
            "link_velocity_fps": vel * self.link_direction,
            "link_capacity": cap,
            "link_volume_ft3": g * ls[R.LS_VOLUME_OLD] + f * ls[R.LS_VOLUME],
            "link_setting": ls[R.LS_SETTING].copy(),
        }
        kind = p.link_int[:, R.LI_KIND]
        structure = kind != R.KIND_CONDUIT
        cap[structure] = ls[R.LS_SETTING, structure]
        # a pump switching on or off: the nearer state's flow, not a blend (SWMM)
        pump = (kind == R.KIND_PUMP) & (ls[R.LS_FLOW_OLD] * ls[R.LS_FLOW] == 0.0)
        if np.any(pump):
            pick = ls[R.LS_FLOW] if f >= g else ls[R.LS_FLOW_OLD]
            flow[pump] = pick[pump]
            out["link_flow_cfs"] = flow * self.link_direction
        return out

    def continuity_error_percent(self) -> float:
        """SWMM's flow routing continuity error [%] of the volumes so far."""
        v = self.volumes
        total_in = v["initial_storage"]
        total_out = v["final_storage"] + v["flooding"] + v["evaporation"] + v["seepage"]
        if v["lateral_inflow"] >= 0.0:
            total_in += v["lateral_inflow"]
        else:
            total_out -= v["lateral_inflow"]
        total_in += v["outfall_inflow"]
        total_out += v["outfall"]
        if abs(total_in - total_out) < 1.0:
            return 0.0
        if abs(total_in) > 0.0:
            return 100.0 * (1.0 - total_out / total_in)
        return 100.0 * (total_in / total_out - 1.0)
