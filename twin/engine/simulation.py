"""The time loop: runoff, system inflows and flow routing, stepped as SWMM 5.2 steps them.

One routing step (``swmm5.c`` ``execRouting``): find the routing step, run runoff
steps until the runoff clock passes the end of this routing step, add the system
inflows (external and dry-weather at the step's start time, runoff interpolated
between the old and new runoff states), evaluate the [CONTROLS] rules on the state
at the step's start (every step, or every RULE_STEP: steps are then shortened to end
on rule times) and ask the router for their settings, route, update the statistics,
and save a report sample (interpolated between the old and new routing states) when
the clock passes the next report time.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from twin.engine.inflows import SystemInflows
from twin.engine.options import SimOptions
from twin.engine.rdii import RdiiInflows, has_rdii
from twin.engine.recorder import Recorder
from twin.engine.routing import Router
from twin.engine.stepping import CompiledSteps, compiled_steps, compiled_steps_apply
from twin.engine.workload import check_work, estimate_work
from twin.errors import InputError, SimulationError, checked_number
from twin.kernels import ahead
from twin.kernels.tables import combine_inflows
from twin.limits import OPTION_RANGES

MIN_STEP_S = 0.001


def run_options(network, options: SimOptions | None = None, **overrides) -> SimOptions:
    """The options a :class:`Simulation` of ``network`` runs with: ``options`` (default:
    the network's [OPTIONS]) with ``overrides`` (SimOptions fields, and ``end_hours``:
    the run's length [h]), checked."""
    end_hours = overrides.pop("end_hours", None)
    opts = options or SimOptions.from_network(network)
    if overrides:
        opts = opts.with_(**overrides)
    if end_hours is not None:
        hours = checked_number(
            end_hours, "end_hours", 0.0, OPTION_RANGES["end_hours"][1], above=True
        )
        opts = opts.with_(end=opts.start + np.timedelta64(int(round(hours * 3600)), "s"))
    if not opts.duration_s > 0:
        raise InputError(f"the simulation ends ({opts.end}) before it starts ({opts.start})",
                         field="end")  # fmt: skip
    return opts


def _as_datetime(t) -> datetime:
    return np.datetime64(t, "ms").astype(datetime)


class Simulation:
    """A simulation you can step through, or run to the end.

    Parameters
    ----------
    network : Network, str or path
        A Network, a bundled network name (``"small"``) or a SWMM ``.inp`` file, as for
        :func:`twin.simulate`.
    options : SimOptions, optional
        Defaults to the network's own [OPTIONS]; keyword ``overrides`` change single
        settings (e.g. ``routing_step_s=5``).
    alloc : callable, optional
        ``alloc(name, shape) -> float64 array`` gives the arrays the routing state
        lives in (default: fresh zeros); :class:`~twin.engine.batch.MemberBatch`
        passes rows of arrays stacked over ensemble members.

    The clock reads as PySWMM's does: :attr:`start_time`, :attr:`end_time` and
    :attr:`current_time` are ``datetime.datetime``, :attr:`percent_complete` the
    fraction (0-1) of the run done.

    Examples
    --------
    >>> import twin
    >>> sim = twin.Simulation("small-conduits", end_hours=0.5)
    >>> sim
    Simulation('small-conduits.inp', 2024-07-15 00:00:00 to 2024-07-15 00:30:00, at 0.0 %)
    >>> with sim:                                            # doctest: +SKIP
    ...     for t in sim:
    ...         pass
    >>> ds = sim.results()                                   # doctest: +SKIP
    """

    #: True: every step by the per-step Python loop, even where the compiled step loop
    #: applies (:func:`~twin.engine.stepping.compiled_steps`; the tests compare the two)
    _python_loop = False

    def __init__(
        self,
        network,
        options: SimOptions | None = None,
        *,
        progress=None,
        couplers=(),
        alloc=None,
        **overrides,
    ):
        from twin.engine.runoff import Runoff
        from twin.networks.catalog import load_network
        from twin.networks.model import Network

        if not isinstance(network, Network):
            network = load_network(network)
        opts = run_options(network, options, **overrides)
        self.rdii = None  # RDII inflows at nodes ([RDII], twin.engine.rdii), if any
        if has_rdii(network):
            self.rdii = RdiiInflows(network, opts)
        has_runoff = network.n_subcatchments > 0 and not opts.ignore_rainfall
        self.runoff = None
        if has_runoff:
            factor = 1.0 if self.rdii is None else self.rdii.final_rain_factor
            self.runoff = Runoff(network, opts, init_rain_factor=factor)
        if self.runoff is not None and opts.routing_step_s > self.runoff.wet_step_s:
            # SWMM lowers the wet step to the shortest gauge interval, then caps the
            # routing step at the wet step (project_validate)
            opts = opts.with_(routing_step_s=float(self.runoff.wet_step_s))
        if self.rdii is not None and opts.routing_step_s > self.rdii.step_s:
            opts = opts.with_(routing_step_s=float(self.rdii.step_s))
        check_work(estimate_work(network, opts, surface_cells=_surface_cells(couplers)))
        self.net = network
        self.opts = opts
        self.duration_s = opts.duration_s
        # the initial state (a few seconds of compiling on a cold cache) after the kernel
        # of the steps is sent to be compiled ahead, at the end; the Newton solver's set-up
        # needs it, and its steps are not compiled ahead
        defer_state = alloc is None and opts.solver.lower() == "swmm"
        self.router = Router(network, opts, alloc=alloc, compile_ahead=False,
                             defer_state=defer_state)  # fmt: skip
        step_sent = alloc is None and bool(couplers or network.controls.strip())
        if step_sent:
            # its steps are Python's (compiled_steps_apply): the serial step goes to the
            # helper now, before what the couplers send it (the 2D surface's kernels)
            self.router.compile_step_ahead()
        self._gw_old_cfs = None  # groundwater to nodes (twin.engine.groundwater), if any
        if self.runoff is not None and self.runoff.groundwater is not None:
            self.runoff.attach_nodes(self.router.node_state)
            self._gw_old_cfs = 0.0
        self.inflows = SystemInflows(network, opts.start)
        self.controls = self._make_controls(network, opts)
        n = network.n_nodes
        self._ext = np.zeros(n)
        self._dwf = np.zeros(n)
        self._ww = np.zeros(n)
        self._lat = alloc("lateral", (n,)) if alloc is not None else np.zeros(n)
        self._generated_cfs = np.zeros(n)  # extra inflows set through sim.nodes[...] [cfs]
        self._views = {}
        self.t_s = 0.0
        self.steps = 0
        self.iterations = 0
        self.min_step_s = np.inf
        self.max_step_s = 0.0
        self.recorder = Recorder(self)
        self._progress = progress
        # couplers exchange water with the pipes (e.g. the 2D surface); each has
        # add_lateral_cfs(t_s, dt_s, out), after_step(t_s, dt_s), on_report(t_s),
        # dataset_vars() -> dict and volumes() -> dict (m3)
        self.couplers = [c.attach(self) if hasattr(c, "attach") else c for c in couplers]
        self.volumes = {  # routing inflow volumes [ft3], trapezoidal like SWMM's massbal
            "dry_weather_inflow": 0.0,
            "wet_weather_inflow": 0.0,
            "external_inflow": 0.0,
            "external_outflow": 0.0,
        }
        self._rates_old = np.zeros(4)
        if self.rdii is not None:
            self.volumes["rdii_inflow"] = 0.0
            self._rdii_old_cfs = 0.0
        if self._gw_old_cfs is not None:
            self.volumes["groundwater_inflow"] = 0.0
        self._outfall_runon = _outfalls_onto_subcatchments(network) if has_runoff else []
        #: the driver of the steps taken in compiled calls (twin.engine.stepping), where
        #: nothing needs Python at every step; None: the Python loop (begin_step,
        #: end_step).  ``compiled_steps(self)`` decides again at every call.
        self._compiled = CompiledSteps(self) if compiled_steps_apply(self) else None
        if alloc is None:  # a batch member is routed by the batch's kernels
            if self._compiled is not None:
                self._compiled.compile_ahead()
            elif not step_sent:
                self.router.compile_step_ahead()
            self._compile_later_while_waiting()
        if defer_state:
            self.router.init_state()

    def _compile_later_while_waiting(self) -> None:
        """On a cold numba cache, have this process compile what the run calls only after
        its first routing step (the runoff step, its report; the statistics of the Python
        loop) while it waits for the compile-ahead helper's step, not after
        (:func:`twin.kernels.ahead.while_waiting`: nothing when there is no wait)."""
        if self.runoff is not None:
            ahead.while_waiting(self.runoff.compile_step)
            ahead.while_waiting(self.runoff.compile_report)
        if self._compiled is None:
            ahead.while_waiting(self.recorder.compile_stats)

    # -- context manager and iteration (PySWMM style) ---------------------------
    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __iter__(self):
        while not self.finished:
            yield self.step()

    @property
    def finished(self) -> bool:
        return self.t_s >= self.duration_s - 1e-9

    @property
    def start_time(self) -> datetime:
        """When the simulation starts (``datetime.datetime``)."""
        return _as_datetime(self.opts.start)

    @property
    def end_time(self) -> datetime:
        """When the simulation ends (``datetime.datetime``)."""
        return _as_datetime(self.opts.end)

    @property
    def current_time(self) -> datetime:
        """The simulation clock (``datetime.datetime``, to the millisecond)."""
        return _as_datetime(self.opts.start + np.timedelta64(int(round(self.t_s * 1000)), "ms"))

    @property
    def percent_complete(self) -> float:
        """The fraction of the run simulated so far, 0-1 (PySWMM's meaning of the name)."""
        return min(self.t_s / self.duration_s, 1.0)

    def __repr__(self) -> str:
        source = Path(self.net.source).name if self.net.source else "generated network"
        return (f"{type(self).__name__}({source!r}, {self.start_time} to {self.end_time}, "
                f"at {100.0 * self.percent_complete:.1f} %)")  # fmt: skip

    # -- stepping -----------------------------------------------------------------
    def step(self, max_step_s: float | None = None) -> float:
        """Advance one routing step; returns the new time [s after the start].

        ``max_step_s`` [s]: a step at most this long (the one :meth:`propose_step` would
        take, cut), e.g. to end exactly at an observation's time; routed in Python."""
        if self.finished:
            return self.t_s
        steps = compiled_steps(self) if max_step_s is None else None
        if steps is not None:
            return steps.advance(self.duration_s, max_steps=1)
        t, dt = self.begin_step(None if max_step_s is None
                                else min(self.propose_step(), max_step_s))  # fmt: skip
        iters = self.router.advance(t, dt, self._lat)
        return self.end_step(t, dt, iters)

    def propose_step(self, routing_dt: float | None = None) -> float:
        """The next routing step [s] this simulation would take (variable or fixed,
        limited by control rules and the end of the run); see :meth:`begin_step`.
        ``routing_dt`` [s]: the router's step, already taken by the caller
        (:meth:`~twin.engine.routing.Router.take_step_size`), instead of asking it."""
        t = self.t_s
        dt = self.router.step_size(t) if routing_dt is None else routing_dt
        if self.controls is not None:
            dt = self.controls.limit_step(t, dt)
        if not dt > 0.0:
            raise SimulationError("routing step is not positive", time=self.current_time)
        if t + dt > self.duration_s:
            dt = max(self.duration_s - t, MIN_STEP_S)
        return dt

    def begin_step(self, dt: float | None = None) -> tuple[float, float]:
        """The first half of :meth:`step`, up to the routing: choose the step, run runoff,
        gather this step's inflows into ``self._lat`` and apply the control rules.

        ``dt`` [s]: take this step instead of :meth:`propose_step`'s (a lockstep batch
        gives all its members the smallest of their proposals).  Returns ``(t, dt)``
        [s]; route with ``self.router`` and then call :meth:`end_step`
        (:class:`~twin.engine.batch.MemberBatch` routes many members in between).
        """
        t = self.t_s
        if dt is None:
            dt = self.propose_step()
        elif t + dt > self.duration_s:
            dt = max(self.duration_s - t, MIN_STEP_S)
        t_next = t + dt
        if self.runoff is not None:
            # the runoff stops at the end: a last step that passes it (by at most
            # MIN_STEP_S, from a clock a hair short of the end) must not wait for it
            while self.runoff.t_new_s < min(t_next, self.runoff.duration_s):
                self.runoff.advance()
        # SWMM takes a step's inflows at its start; the Newton solver's longer steps take
        # them at the end, so that node continuity integrates them by the trapezoid rule
        self._add_inflows(t + dt if self.router.newton is not None else t, dt)
        for c in self.couplers:
            c.add_lateral_cfs(t, dt, self._lat)
        if self.controls is not None:  # SWMM evaluates rules on the state at the step start
            self.controls.before_step(t, dt)
        return t, dt

    def end_step(self, t: float, dt: float, iters: int, stats: bool = True) -> float:
        """The second half of :meth:`step` after routing from ``t`` by ``dt`` [s] with
        ``iters`` Picard passes: rules, couplers, clock, statistics and report samples.
        ``stats=False``: the caller updates the statistics (``recorder.stats``) itself,
        after this (a batch does it for all its members in one call).
        Returns the new time [s]."""
        if self.controls is not None:
            self.controls.after_step(t, dt)
        for c in self.couplers:
            c.after_step(t, dt)
        if self._outfall_runon:  # SWMM's removeOutflows: an outfall's inflow kept as runon
            inflow = self.router.node_state.inflow  # [cfs], this step's new state
            for i, k in self._outfall_runon:
                if inflow[i] > 0.0:
                    self.runoff.add_outfall_runon(k, float(inflow[i]) * dt)
        self.t_s = t + dt
        self.steps += 1
        self.iterations += iters
        self.min_step_s = min(self.min_step_s, dt) if t > 0 else self.min_step_s
        self.max_step_s = max(self.max_step_s, dt)
        self.recorder.after_step(t, dt, stats)
        if self._progress is not None:
            self._progress(self.t_s, self.duration_s)
        return self.t_s

    def step_advance(self, seconds: float) -> float:
        """Advance until at least ``seconds`` (>= 0) more of simulated time have passed."""
        target = min(self.t_s + checked_number(seconds, "seconds", 0.0), self.duration_s)
        return self._step_until(target)

    def _step_until(self, target: float) -> float:
        """Step until the clock reaches ``target`` [s] or the end; returns the clock."""
        steps = compiled_steps(self)
        if steps is not None:
            return steps.advance(target)
        while self.t_s < target - 1e-9 and not self.finished:
            self.step()
        return self.t_s

    def run(self):
        """Run to the end and return the results Dataset."""
        self._step_until(self.duration_s)
        return self.results()

    def results(self):
        """The xarray Dataset of what has been simulated so far."""
        return self.recorder.dataset()

    def advance_to(self, when) -> float:
        """Step until the clock reaches ``when`` (datetime64 or ISO text such as
        ``"2024-07-15T01:00"``; the end of the run at most); returns the time [s]."""
        from twin.engine.forcing import seconds_after_start

        target = min(seconds_after_start(self, when), self.duration_s)
        return self._step_until(target)

    # -- live views and steering (twin.engine.views, twin.engine.forcing) ---------------
    def _element_views(self, kind: str):
        from twin.engine import views

        if kind not in self._views:
            self._views[kind] = getattr(views, f"{kind}_views")(self)
        return self._views[kind]

    @property
    def nodes(self):
        """``sim.nodes["J1"]`` -> :class:`~twin.engine.views.NodeView` (live, SI)."""
        return self._element_views("node")

    @property
    def links(self):
        """``sim.links["C1"]`` -> :class:`~twin.engine.views.LinkView` (live, SI)."""
        return self._element_views("link")

    @property
    def subcatchments(self):
        """``sim.subcatchments["S1"]`` -> :class:`~twin.engine.views.SubcatchmentView`."""
        return self._element_views("subcatchment")

    def set_rainfall(self, intensity_mmh, gauge=None, start=None):
        """Override a gauge's (or every gauge's) rainfall [mm/h] from now on; ``None``
        clears it.  See :func:`twin.engine.forcing.set_rainfall`."""
        from twin.engine.forcing import set_rainfall

        return set_rainfall(self, intensity_mmh, gauge, start)

    # -- hot start (twin.engine.hotstart) --------------------------------------------------
    def save_state(self, path, *, sewer_only: bool = False):
        """Write the full state (router, runoff, inflows, recorder, couplers, clock) to
        ``path`` atomically; returns the path. ``sewer_only``: without the couplers (a
        state for the same simulation built without the 2D surface)."""
        from twin.engine.hotstart import save_state

        return save_state(self, path, sewer_only=sewer_only)

    def load_state(self, path) -> None:
        """Restore a state written by :meth:`save_state` for the same network, options
        and couplers; raises InputError otherwise."""
        from twin.engine.hotstart import load_state

        load_state(self, path)

    @classmethod
    def from_state(cls, path, network, options: SimOptions | None = None, **kwargs):
        """A Simulation built like the saved one (same network, ``options``, couplers and
        overrides) that continues from the state in ``path``."""
        sim = cls(network, options, **kwargs)
        sim.load_state(path)
        return sim

    # -- control rules ----------------------------------------------------------------
    def _make_controls(self, network, opts):
        """A :class:`~twin.engine.controls.Controller` for the network's [CONTROLS], or None."""
        if not network.controls.strip():
            return None
        from twin.engine.controls import Controller, parse_controls

        rules = parse_controls(
            network.controls,
            net=network,
            file=network.source or None,
            first_line=network.controls_first_line,
            start=opts.start,
        )
        if len(rules) == 0:
            return None
        rain = None
        if self.runoff is not None:
            gauges, used = self.runoff.rain, np.asarray(self.runoff.rain.used)

            def rain(t_s):  # SWMM's Gage[].rainfall: set at the last runoff step's start
                return np.where(used, gauges.rate_at(self.runoff.t_old_s), 0.0)

        return Controller(rules, self.router, network, opts.rule_step_s, rain=rain)

    # -- inflows --------------------------------------------------------------------
    def _add_inflows(self, t: float, dt: float) -> None:
        ext, dwf, ww = self._ext, self._dwf, self._ww
        if self.inflows.has_external or self._generated_cfs.any():
            self.inflows.external_cfs(t, ext)
            ext += self._generated_cfs
        else:
            ext[:] = 0.0  # a generated inflow may have been switched off
        if self.inflows.has_dwf:
            self.inflows.dwf_cfs(t, dwf)
        if self.runoff is not None:
            ww[:] = 0.0
            self.runoff.node_inflow_cfs(t, ww)
        rates = combine_inflows(ext, dwf, ww, self._lat)
        if self._gw_old_cfs is not None:  # SWMM's addGroundwaterInflows (may be negative)
            q = self.runoff.groundwater_inflow_cfs(t, self._lat)
            self.volumes["groundwater_inflow"] += 0.5 * dt * (self._gw_old_cfs + q)
            self._gw_old_cfs = q
        if self.rdii is not None:  # SWMM's addRdiiInflows, RDII_INFLOW in the mass balance
            q = self.rdii.node_cfs(t, self._lat)
            self.volumes["rdii_inflow"] += 0.5 * dt * (self._rdii_old_cfs + q)
            self._rdii_old_cfs = q
        # SWMM adds half a step of the previous rates and half of the new ones
        old = self._rates_old
        v = self.volumes
        v["dry_weather_inflow"] += 0.5 * dt * (old[0] + rates[0])
        v["wet_weather_inflow"] += 0.5 * dt * (old[1] + rates[1])
        v["external_inflow"] += 0.5 * dt * (old[2] + rates[2])
        v["external_outflow"] += 0.5 * dt * (old[3] + rates[3])
        old[:] = rates


def _outfalls_onto_subcatchments(net) -> list[tuple[int, int]]:
    """``(outfall node, subcatchment)`` pairs of [OUTFALLS] lines with a RouteTo
    subcatchment: what flows out there falls on that subcatchment as runon over the next
    runoff step (SWMM 5.2's ``removeOutflows`` and ``runoff_getOutfallRunon``)."""
    from twin.kernels.codes import NodeKind

    index = {str(n).upper(): k for k, n in enumerate(net.subcatchments.name)}
    pairs = []
    for i in np.flatnonzero(net.nodes.kind == NodeKind.OUTFALL):
        target = str(net.nodes.route_to[i] or "")
        if target and target.upper() in index:
            pairs.append((int(i), index[target.upper()]))
    return pairs


def _surface_cells(couplers) -> int:
    """Cells of the couplers' 2D grids (their depth is sampled at every report time)."""
    cells = 0
    for c in couplers:
        dem = getattr(c, "dem", None)
        if dem is not None and hasattr(dem, "size"):
            cells += int(dem.size)
    return cells
