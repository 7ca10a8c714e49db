"""The flow router: SWMM 5.2 dynamic-wave (or kinematic-wave) routing, one step at a time.

:class:`Router` packs a Network once (:mod:`twin.engine.routing_pack`) into the
network bundles the kernels read (``nodes``, ``links``, ``xsects``, ``curves``,
``options``), keeps the live state in the state bundles (``node_state``,
``link_state``, ``totals``; fields, units and meanings declared in
:mod:`twin.kernels.routing.bundles`) and advances it with one compiled call per
routing step.  The caller (the simulation loop) gives each step's lateral inflow per
node, asks :meth:`Router.step_size` for the next step, and samples results with
:meth:`Router.interpolated` between the old and the new state, as SWMM's output does.

>>> # router = Router(net, opts); dt = router.step_size(0.0)
>>> # router.advance(0.0, dt, lateral_cfs)
>>> # router.node_state.depth   # ft, updated in place
"""

from __future__ import annotations

import numpy as np
from numba import typeof, types

from twin.engine.routing_losses import RoutingLosses
from twin.engine.routing_pack import pack_network
from twin.engine.routing_threads import threaded_route_step
from twin.engine.runoff import Evaporation
from twin.errors import InputError, SimulationError, TwinError
from twin.kernels import ahead
from twin.kernels.codes import NODE_DIVIDER, NODE_STORAGE
from twin.kernels.jit import specialise
from twin.kernels.routing.boundary import outfall_stages
from twin.kernels.routing.bundles import LinkState, NodeState, Totals
from twin.kernels.routing.constants import (
    KIND_CONDUIT,
    KIND_ORIFICE,
    KIND_OUTLET,
    KIND_PUMP,
    KIND_WEIR,
)
from twin.kernels.routing.init import initial_state, initial_state_conduits
from twin.kernels.routing.results import link_results
from twin.kernels.routing.step import route_step, route_step_conduits, route_step_kinwave
from twin.kernels.routing.timestep import routing_step_size
from twin.kernels.xsect.sections import absent_shapes
from twin.networks.units import FT_TO_M


class Router:
    """Routes flow through a network's links (conduits, pumps, orifices, weirs, outlets)
    and nodes (junctions, dividers, storage units, outfalls).

    Parameters
    ----------
    net : Network
    opts : SimOptions
        ``flow_routing`` DYNWAVE, KINWAVE or STEADY.
    alloc : callable, optional
        ``alloc(name, shape)`` returns the zeroed float64 array a state field lives
        in (default: a new one); a batch of ensemble members gives rows of arrays
        with a leading member axis, so one kernel call can route every member.
    compile_ahead : bool
        Have a helper process compile the serial step on a cold cache
        (:meth:`compile_step_ahead`; default True, not for a batch member).  A
        :class:`~twin.engine.simulation.Simulation` that runs its steps in
        :func:`~twin.kernels.routing.run.run_steps` says False and sends that instead.
    defer_state : bool
        Leave the initial state (and the Newton solver's set-up) to :meth:`init_state`,
        which the caller calls later (default False: now).  A Simulation decides which
        kernel to compile ahead only once it is built, and the initial state's kernels
        take seconds to compile on a cold cache: it sends that kernel first.

    Attributes
    ----------
    nodes, links, xsects, curves, options
        The network as the kernels read it (:mod:`twin.kernels.routing.bundles`,
        :class:`twin.kernels.xsect.XSects`), in SWMM's internal units (ft, cfs, s).
    node_state, link_state, totals
        The live state, updated in place by every step.  Link flows are in the
        router's orientation: a conduit SWMM reverses (adverse slope under dynamic
        wave) has ``links.direction == -1`` and positive flow running from its file
        ``to_node`` to ``from_node``; :meth:`interpolated` gives flows and velocities
        in file orientation.  ``link_state.setting`` holds each link's current
        setting (0-1: pump off/on or speed, fraction open of an orifice, weir or
        outlet) and ``link_state.target_setting`` the one it is moving to;
        :meth:`set_link_setting` changes a setting as a control action does.
    node_names, link_names : list of str
    """

    def __init__(self, net, opts, *, alloc=None, compile_ahead=True, defer_state=False):
        self.net = net
        self.opts = opts
        mode = opts.flow_routing.upper()
        if mode not in ("DYNWAVE", "KINWAVE", "STEADY"):
            raise TwinError(f"flow routing {mode} not supported yet")
        self.dynwave = mode == "DYNWAVE"
        self.steady = mode == "STEADY"
        pack = pack_network(net, opts)
        self.nodes, self.links, self.xsects = pack.nodes, pack.links, pack.xsects
        self.curves, self.options = pack.curves, pack.options
        self.node_names, self.link_names = pack.node_names, pack.link_names
        self.n_nodes = net.n_nodes
        self.n_links = net.n_links
        sizes = {"node": self.n_nodes, "link": self.n_links, "one": 1}
        self.node_state = NodeState.new(sizes, alloc, "node_state.")
        self.link_state = LinkState.new(sizes, alloc, "link_state.")
        self.totals = Totals.new(sizes, alloc, "totals.")
        self._first_step = True
        self.critical_node = -1
        self.critical_link = -1
        self.n_steps = 0
        self.losses = None  # evaporation and seepage, where there is any
        if RoutingLosses.needed(net, self.options):
            losses = RoutingLosses(
                net, self.nodes, self.curves, self.options, Evaporation(net, opts)
            )
            self.losses = losses if losses.n or losses.conduits else None
        self.inlets = None  # street and channel inlets (twin.engine.inlets), where any
        if len(net.inlets):
            from twin.engine.inlets import InletRouting

            inlets = InletRouting(net, opts, self.nodes, self.links, self.xsects, self.options)
            self.inlets = inlets if inlets.n else None
        if alloc is None and compile_ahead:  # a batch member is routed by the batch's kernel
            self.compile_step_ahead()
        self.newton = None
        if not defer_state:
            self.init_state()

    def init_state(self) -> None:
        """The initial state (and, with ``solver="newton"``, that solver's set-up); done
        by the constructor unless ``defer_state``."""
        self._init_state()
        # solver="newton": node heads by Newton's method (dynamic wave only; kinematic
        # wave and steady flow have no node system to solve)
        if self.dynwave and self.opts.solver.lower() == "newton":
            from twin.engine.newton import NewtonRouting

            self.refuse_what_newton_cannot_route()

            self.newton = NewtonRouting(self)

    def refuse_what_newton_cannot_route(self) -> None:
        """The Newton solver has no conduit evaporation or seepage (SWMM's dq6 and the
        losses' share of the end nodes' outflow): refuse rather than leave them out, as
        an :class:`~twin.errors.InputError` (the CLI's exit 2: the input asks for what
        the solver does not do).  Storage-unit losses it takes (they are node outflows)
        and agrees with SWMM.  Cheap: a caller that runs many members (an ensemble) asks
        a Router built with ``defer_state=True`` before any member runs."""
        if not self.options.conduit_losses:
            return
        seeps = self.links.seep_rate > 0.0
        first = int(np.flatnonzero(seeps)[0]) if seeps.any() else -1
        what = (f"seepage ([LOSSES]) of conduit {self.link_names[first]}" if first >= 0
                else "evaporation from open conduits")  # fmt: skip
        raise InputError(
            f"solver='newton' does not route {what} yet: use solver='swmm' "
            "(--solver swmm), which does as SWMM 5.2"
        )

    def network_bundles(self) -> tuple:
        """``(nodes, links, xsects, curves, options)``: what every routing kernel reads."""
        return self.nodes, self.links, self.xsects, self.curves, self.options

    def state_bundles(self) -> tuple:
        """``(node_state, link_state, totals)``: what a routing step writes."""
        return self.node_state, self.link_state, self.totals

    @property
    def conduits_only(self) -> bool:
        """True when every link is a true conduit (no pump, orifice, weir, outlet or
        DUMMY conduit): the step then runs the ``*_conduits`` kernels, the same
        arithmetic compiled without the structures' kernels (a shorter first compile)."""
        return bool(
            np.all(self.links.true_conduit == 1) and np.all(self.links.kind == KIND_CONDUIT)
        )

    # -- set-up ------------------------------------------------------------------------
    def absent_physics(self) -> dict[str, bool]:
        """The optional physics this network lacks, as the flags of
        :mod:`twin.kernels.routing.constants` (``{"WEIRS": False, ...}``) and the
        cross-section shapes it has none of (:func:`~twin.kernels.xsect.sections.absent_shapes`)
        that its kernels see False (:func:`twin.kernels.jit.specialise`)."""
        kinds = set(np.unique(self.links.kind).tolist())
        has = {
            "PUMPS": KIND_PUMP in kinds,
            "ORIFICES": KIND_ORIFICE in kinds,
            "WEIRS": KIND_WEIR in kinds,
            "OUTLETS": KIND_OUTLET in kinds,
            "DIVIDERS": bool(np.any(self.nodes.kind == NODE_DIVIDER)),
            "CULVERTS": bool(np.any(self.links.culvert > 0)),
            "CONDUIT_LOSSES": bool(self.options.conduit_losses),
            "STORAGE": bool(np.any(self.nodes.kind == NODE_STORAGE)),
        }
        absent = {flag: False for flag, present in has.items() if not present}
        return absent | absent_shapes(self.xsects.shape_code)

    def _serial_kernel(self, conduits_only, general):
        """The serial kernel for this network: ``conduits_only`` (no structure kernel
        compiled) or ``general``, compiled without the physics it lacks."""
        return specialise(conduits_only if self.conduits_only else general,
                          **self.absent_physics())  # fmt: skip

    def compile_step_ahead(self) -> None:
        """On a cold numba cache, have a helper process compile the serial routing step
        while this one compiles the rest (:mod:`twin.kernels.ahead`)."""
        opts = self.opts
        if not self.dynwave or opts.solver.lower() != "swmm" or not ahead.enabled():
            return
        if threaded_route_step(self) is not None:
            return
        step = self._serial_kernel(route_step_conduits, route_step)
        bundles = (*self.network_bundles(), *self.state_bundles())
        argtypes = (types.float64, types.float64, typeof(np.zeros(0)))
        ahead.compile_ahead(step, argtypes + tuple(typeof(b) for b in bundles))

    def _init_state(self) -> None:
        outfall_stages(0.0, self.nodes, self.curves, self.node_state)
        init = self._serial_kernel(initial_state_conduits, initial_state)
        init(*self.network_bundles(), self.node_state, self.link_state)
        stored = float(self.node_state.volume.sum())
        if not self.steady:
            stored += float(self.link_state.volume.sum())
        self._initial_storage = stored
        self.totals.storage[0] = stored
        self.totals.inflow_volume[:] = self.node_state.volume
        self._derived()

    # -- the time step ---------------------------------------------------------------------
    def step_size(self, t_s: float) -> float:
        """SWMM's routing_getRoutingStep: the next routing step [s] (variable or fixed)."""
        fixed = float(self.opts.routing_step_s)
        if not self.dynwave:
            return fixed
        if self.newton is not None:
            self._first_step = False
            return self.newton.step_size(self)
        dt, lk, nd = routing_step_size(
            fixed, self._first_step, self.nodes, self.links, self.options, self.node_state,
            self.link_state,
        )  # fmt: skip
        return self.take_step_size(dt, lk, nd)

    @property
    def first_step(self) -> bool:
        """True until the first step is taken (SWMM's first step is its minimum one)."""
        return self._first_step

    def take_step_size(self, dt: float, critical_link: int, critical_node: int) -> float:
        """Take ``dt`` [s] and the elements that limited it from ``routing_step_size``
        (a batch computes them for all its members in one call); returns ``dt``."""
        self._first_step = False
        self.critical_link, self.critical_node = int(critical_link), int(critical_node)
        return float(dt)

    def advance(self, t_s: float, dt_s: float, lateral_cfs: np.ndarray) -> int:
        """One routing step from ``t_s`` to ``t_s + dt_s`` with this step's lateral inflow.

        ``lateral_cfs`` is (n_nodes,) float64 [cfs].  Returns the number of Picard
        iterations (1 under kinematic wave).  Raises SimulationError on NaN, a
        negative depth or a runaway head (``options.runaway_depth`` above the node's
        top).
        """
        steps, bad_node, bad_link = self.route(t_s, dt_s, lateral_cfs)
        return self.after_route(t_s, dt_s, steps, bad_node, bad_link)

    def route(self, t_s: float, dt_s: float, lateral_cfs: np.ndarray) -> tuple[int, int, int]:
        """The compiled step alone: ``(passes, bad_node, bad_link)`` as the kernel gives
        them (see :meth:`advance`, which also counts the step and raises for bad ones)."""
        self._first_step = False
        lateral = np.ascontiguousarray(lateral_cfs, dtype=np.float64)
        if not hasattr(self, "_route"):  # made at the first step (a hot start skips it)
            self._route = self._kernel()
        self.begin_losses(t_s, dt_s)
        if self.inlets is not None:
            lateral = lateral.copy()
            self.begin_inlets(t_s, dt_s, lateral)
        return self._route(t_s, dt_s, lateral)

    def begin_inlets(self, t_s: float, dt_s: float, lateral) -> None:
        """Move the flows the inlets capture in the step from ``t_s`` between the entries
        of ``lateral`` [cfs] (SWMM's inlet_findCapturedFlows, before routing); nothing on
        a network without inlets.  A caller that runs the step kernel itself (a batch)
        calls this on its lateral row; :meth:`after_route` closes the totals."""
        if self.inlets is not None:
            self.inlets.begin(t_s, dt_s, lateral, self.node_state, self.link_state,
                              self.links, self.xsects)  # fmt: skip

    def begin_losses(self, t_s: float, dt_s: float) -> None:
        """Evaporation and seepage for the step from ``t_s`` (SWMM's node_getLosses,
        before routing); nothing on a network without them.  A caller that runs the
        step kernel itself (a batch) calls this first; :meth:`after_route` closes them."""
        if self.losses is not None:
            self.losses.begin(t_s, dt_s, self.nodes, self.curves, self.node_state,
                              self.link_state, self.totals)  # fmt: skip

    def _kernel(self):
        """The step kernel for this network, bound to its bundles: ``f(t_s, dt, lateral)``."""
        bundles = (*self.network_bundles(), *self.state_bundles())
        if self.newton is not None:
            return self.newton.kernel(bundles)
        if not self.dynwave:
            kinwave = specialise(route_step_kinwave, **self.absent_physics())

            def route_step_kinwave_bound(t_s, dt, lateral):
                return kinwave(dt, lateral, *bundles)

            return route_step_kinwave_bound
        threaded = self.opts.threads != 1 and threaded_route_step(self)
        if threaded:  # THREADS: the threaded kernel on big networks
            return threaded

        step = self._serial_kernel(route_step_conduits, route_step)

        def route_step_bound(t_s, dt, lateral):
            return step(t_s, dt, lateral, *bundles)

        route_step_bound.__name__ = "route_step"  # what profilers and tests name it
        return route_step_bound

    def after_route(self, t_s: float, dt_s: float, steps, bad_node, bad_link) -> int:
        """Count the step routed from ``t_s`` and raise SimulationError for the bad node
        or link the kernel found (-1: none); returns the Picard passes."""
        self._first_step = False
        self.n_steps += 1
        if self.losses is not None:
            self.losses.finish(dt_s, self.links, self.link_state, self.totals)
        if self.inlets is not None:
            self.inlets.finish(dt_s, self.node_state, self.totals)
        if bad_node >= 0:
            raise SimulationError(self._bad_depth(bad_node), element=self.node_names[bad_node],
                                  time=t_s + dt_s, step=self.n_steps)  # fmt: skip
        if bad_link >= 0:
            raise SimulationError("NaN flow", element=self.link_names[bad_link],
                                  time=t_s + dt_s, step=self.n_steps)  # fmt: skip
        return abs(int(steps))

    def _bad_depth(self, i: int) -> str:
        """What is wrong with node ``i``'s depth, in metres (the kernel's feet stay inside)."""
        y = float(self.node_state.depth[i])
        if not np.isfinite(y):
            return "NaN depth"
        if y < 0.0:
            return f"negative depth {y * FT_TO_M:.4g} m"
        top = float(self.nodes.full_depth[i] + self.nodes.surcharge_depth[i])
        runaway = float(self.options.runaway_depth)
        return (
            f"depth {y * FT_TO_M:.6g} m, more than {runaway * FT_TO_M:.1f} m above the "
            f"node's top ({top * FT_TO_M:.4g} m deep): the head ran away"
        )

    @property
    def volumes(self) -> dict[str, float]:
        """Routing totals since the start [ft3] (SWMM's flow routing continuity terms)."""
        t = self.totals
        return {
            "lateral_inflow": float(t.lateral[0]),
            "outfall_inflow": float(t.outfall_in[0]),
            "flooding": float(t.flooding[0]),
            "outfall": float(t.outfall[0]),
            "evaporation": float(t.evaporation[0]),
            "seepage": float(t.seepage[0]),
            "initial_storage": self._initial_storage,
            "final_storage": float(t.storage[0]),
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
        kind = int(self.links.kind[j])
        if kind == KIND_CONDUIT:
            raise TwinError(f"conduit settings not supported yet: {self.link_names[j]}")
        if kind != KIND_PUMP:
            v = min(v, 1.0)
        self.link_state.control_setting[j] = v

    # -- results ---------------------------------------------------------------------------
    def _results_kernel(self):
        """:func:`~twin.kernels.routing.results.link_results` without the shapes the
        network lacks (the geometry it shares with the step, compiled once)."""
        got = self.__dict__.get("_link_results")
        if got is None:
            got = self._link_results = specialise(link_results, **self.absent_physics())
        return got

    def _derived(self) -> None:
        """Heads, ponded volumes, velocities and capacities of the new state."""
        ns, ls = self.node_state, self.link_state
        ns.head[:] = ns.depth + self.nodes.invert
        np.maximum(ns.volume - self.nodes.full_volume, 0.0, out=ns.ponded_volume)
        if not self.options.ponding:
            ns.ponded_volume[:] = 0.0
        self._results_kernel()(1.0, self.links, self.xsects, ls, ls.velocity, ls.capacity)

    def interpolated(self, f: float) -> dict[str, np.ndarray]:
        """Every reported state at ``old + f (new - old)``, as SWMM's report does.

        Flows and velocities are in file orientation (positive from ``from_node`` to
        ``to_node``).  Keys: node_depth_ft, node_head_ft, node_volume_ft3,
        node_lateral_cfs, node_inflow_cfs, node_overflow_cfs (new value),
        node_ponded_ft3, link_flow_cfs, link_depth_ft, link_velocity_fps, link_capacity
        (A/Afull of conduits, the setting of other links, as SWMM reports it),
        link_volume_ft3, link_setting (current value).
        """
        ns, ls = self.node_state, self.link_state
        g = 1.0 - f
        depth = g * ns.depth_old + f * ns.depth
        vol = g * ns.volume_old + f * ns.volume
        ponded = np.maximum(vol - self.nodes.full_volume, 0.0)
        if not self.options.ponding:
            ponded[:] = 0.0
        flow = g * ls.flow_old + f * ls.flow
        vel = np.zeros(self.n_links)
        cap = np.zeros(self.n_links)
        self._results_kernel()(f, self.links, self.xsects, ls, vel, cap)
        direction = self.links.direction
        out = {
            "node_depth_ft": depth,
            "node_head_ft": depth + self.nodes.invert,
            "node_volume_ft3": vol,
            "node_lateral_cfs": g * ns.lateral_old + f * ns.lateral,
            "node_inflow_cfs": g * ns.inflow_old + f * ns.inflow,
            "node_overflow_cfs": ns.overflow.copy(),
            "node_ponded_ft3": ponded,
            "link_flow_cfs": flow * direction,
            "link_depth_ft": g * ls.depth_old + f * ls.depth,
            "link_velocity_fps": vel * direction,
            "link_capacity": cap,
            "link_volume_ft3": g * ls.volume_old + f * ls.volume,
            "link_setting": ls.setting.copy(),
        }
        kind = self.links.kind
        structure = kind != KIND_CONDUIT
        cap[structure] = ls.setting[structure]
        # a pump switching on or off: the nearer state's flow, not a blend (SWMM)
        pump = (kind == KIND_PUMP) & (ls.flow_old * ls.flow == 0.0)
        if np.any(pump):
            pick = ls.flow if f >= g else ls.flow_old
            flow[pump] = pick[pump]
            out["link_flow_cfs"] = flow * direction
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
