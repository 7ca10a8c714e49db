"""A simulation's routing steps taken many at a time in compiled code.

:class:`CompiledSteps` drives :func:`~twin.kernels.routing.run.run_steps` for a
:class:`~twin.engine.simulation.Simulation`: one call takes routing steps (step size,
inflows, routing, statistics) until Python must act -- run a runoff step, compute the
inflow patterns of a new hour, save a report sample, raise for a bad step -- does that,
and calls again.  The results are those of the per-step Python loop
(:meth:`~twin.engine.simulation.Simulation.begin_step` / ``end_step``), bit for bit
(``benchmarks/bundles_identical.py``); the Python loop remains for what needs Python at
every step: control rules, couplers (the 2D surface), RDII, groundwater, outfalls
draining onto subcatchments, storage and conduit losses, street inlets, LID drains, report averages,
the Newton solver, kinematic wave and steady flow, and the threaded step.
"""

from __future__ import annotations

import numpy as np
from numba import typeof

from twin.engine.routing_threads import threaded_route_step
from twin.errors import SimulationError
from twin.kernels import ahead
from twin.kernels.routing import run as rk

__all__ = ["CompiledSteps", "compiled_steps", "compiled_steps_apply"]

#: the system inflow volumes the kernel integrates, in its ``volumes`` order [ft3]
_VOLUMES = ("dry_weather_inflow", "wet_weather_inflow", "external_inflow", "external_outflow")


def compiled_steps_apply(sim) -> bool:
    """Whether ``sim``'s steps can all be taken by :func:`~twin.kernels.routing.run.run_steps`."""
    r = sim.router
    return bool(
        not sim._python_loop
        and r.dynwave
        and r.newton is None
        and r.losses is None
        and r.inlets is None  # street inlets: captured flows moved in Python each step
        and sim.controls is None
        and not sim.couplers
        and sim.rdii is None
        and sim._gw_old_cfs is None
        and not sim._outfall_runon
        and not (sim.runoff is not None and sim.runoff.lids is not None)  # LID drains
        and not sim.recorder.averages  # [REPORT] AVERAGES YES: sums at every step
        and not (sim.opts.threads != 1 and threaded_route_step(r) is not None)
    )


class CompiledSteps:
    """Takes the routing steps of ``sim`` (for which :func:`compiled_steps_apply`) in
    compiled calls; :meth:`advance` is what ``Simulation.step`` / ``run`` call.

    It holds no state of its own between calls (the clock, counters and volumes are
    loaded from the simulation at each :meth:`advance`; the arrays are the simulation's
    and its inflows'), so a hot start does not save it."""

    _hotstart_ignore = True

    def __init__(self, sim):
        self.sim = sim
        r = sim.router
        kernel = rk.run_steps_conduits if r.conduits_only else rk.run_steps
        self.kernel = _specialised(r, kernel)
        inflows, runoff = sim.inflows, sim.runoff
        shared = _shared_arrays(sim)
        if runoff is None:
            shared.update(runoff_old_cfs=np.zeros(0), runoff_new_cfs=np.zeros(0))
        outlet = runoff.outlet_node if runoff is not None else np.zeros(0, dtype=np.int64)
        #: the kernel's clock, counters, inflow tables and work arrays (the simulation's
        #: own arrays where it has them: both loops read and write the same memory)
        self.inputs = rk.StepInputs(
            clock=np.zeros(rk.N_CLOCK),
            ints=np.zeros(rk.N_INTS, dtype=np.int64),
            outlet_node=np.ascontiguousarray(outlet, dtype=np.int64),
            volumes=np.zeros(4),
            **shared,
        )
        self._sources = _sources(sim)
        inp = self.inputs
        self.clock, self.ints, self.volumes = inp.clock, inp.ints, inp.volumes
        self.clock[rk.C_DURATION] = sim.duration_s
        self.clock[rk.C_FIXED] = float(sim.opts.routing_step_s)
        self.clock[rk.C_CFS] = inflows._cfs
        self.ints[rk.I_EXTERNAL] = int(inflows.has_external)
        self.ints[rk.I_RUNOFF] = int(runoff is not None)
        if runoff is not None:
            self.clock[rk.C_RUNOFF_END] = runoff.duration_s
        self.args = (inp, sim.recorder.stats, *r.network_bundles(), *r.state_bundles())

    def current(self) -> bool:
        """Whether the arrays this driver hands the kernel are still the simulation's
        (a state restored from a file or a snapshot may have replaced some)."""
        return all(a is b for a, b in zip(self._sources, _sources(self.sim), strict=True))

    def compile_ahead(self) -> bool:
        """On a cold numba cache, have a helper process compile the kernel
        (:mod:`twin.kernels.ahead`) while this one compiles the rest."""
        if not ahead.enabled():
            return False
        return ahead.compile_ahead(self.kernel, tuple(typeof(a) for a in self.args))

    # -- the loop ----------------------------------------------------------------------
    def _load(self, until_s: float, max_steps: int) -> None:
        sim, r, c, n = self.sim, self.sim.router, self.clock, self.ints
        c[rk.C_T] = sim.t_s
        c[rk.C_UNTIL] = until_s
        c[rk.C_MIN_STEP] = sim.min_step_s
        c[rk.C_MAX_STEP] = sim.max_step_s
        c[rk.C_NEXT_REPORT] = sim.recorder.next_report_s
        c[rk.C_PATTERN_LO], c[rk.C_PATTERN_HI] = 1.0, 0.0  # computed at the first step
        n[rk.I_STEPS] = sim.steps
        n[rk.I_ITERS] = sim.iterations
        n[rk.I_FIRST] = int(r.first_step)
        n[rk.I_CRITICAL_LINK] = r.critical_link
        n[rk.I_CRITICAL_NODE] = r.critical_node
        n[rk.I_PENDING] = 0
        n[rk.I_ROUTED] = 0
        n[rk.I_MAX_STEPS] = max_steps
        n[rk.I_GENERATED] = int(sim._generated_cfs.any())
        self.volumes[:] = [sim.volumes[key] for key in _VOLUMES]
        self._runoff_clock()

    def _runoff_clock(self) -> None:
        runoff = self.sim.runoff
        if runoff is not None:
            self.clock[rk.C_RUNOFF_OLD] = runoff.t_old_s
            self.clock[rk.C_RUNOFF_NEW] = runoff.t_new_s

    def _store(self) -> None:
        """Copy the kernel's clock, counters and volumes back to the simulation."""
        sim, r, c, n = self.sim, self.sim.router, self.clock, self.ints
        sim.t_s = float(c[rk.C_T])
        sim.steps = int(n[rk.I_STEPS])
        sim.iterations = int(n[rk.I_ITERS])
        sim.min_step_s = float(c[rk.C_MIN_STEP])
        sim.max_step_s = float(c[rk.C_MAX_STEP])
        if not n[rk.I_FIRST]:  # a step was sized: not the first any more
            r.take_step_size(0.0, n[rk.I_CRITICAL_LINK], n[rk.I_CRITICAL_NODE])
        r.n_steps += int(n[rk.I_ROUTED])
        n[rk.I_MAX_STEPS] -= n[rk.I_ROUTED]  # a call after a stop takes only what is left
        n[rk.I_ROUTED] = 0
        for i, key in enumerate(_VOLUMES):  # numpy floats, as the Python loop leaves them
            sim.volumes[key] = self.volumes[i]

    def load(self, until_s: float, max_steps: int = 2**62) -> None:
        """Set the kernel's clock and counters from the simulation, to take steps until
        the clock reaches ``until_s`` [s] (or the end), at most ``max_steps``."""
        self._load(until_s, max_steps)

    def handle(self, reason: int) -> bool:
        """Copy back what the kernel did and act on why it stopped (``reason``, STOP_*):
        run runoff steps, compute the new hour's pattern factors, save report samples,
        raise for a bad step; returns whether the kernel is to be called again."""
        sim = self.sim
        c, n = self.clock, self.ints
        self._store()
        if reason == rk.STOP_RUNOFF:
            runoff = sim.runoff
            t_next = c[rk.C_T] + c[rk.C_PENDING_DT]
            while runoff.t_new_s < min(t_next, runoff.duration_s):
                runoff.advance()
            self._runoff_clock()
        elif reason == rk.STOP_PATTERN:
            t = float(c[rk.C_T])
            lo, hi = sim.inflows.refresh_patterns(t)
            c[rk.C_PATTERN_LO], c[rk.C_PATTERN_HI] = min(lo, t), hi
        elif reason == rk.STOP_REPORT:
            sim.recorder.after_step(float(c[rk.C_LAST_T]), float(c[rk.C_LAST_DT]), False)
            c[rk.C_NEXT_REPORT] = sim.recorder.next_report_s
            if sim._progress is not None:
                sim._progress(sim.t_s, sim.duration_s)
        elif reason == rk.STOP_BAD:
            bad = n[rk.I_PASSES], n[rk.I_BAD_NODE], n[rk.I_BAD_LINK]
            sim.router.after_route(float(c[rk.C_LAST_T]), float(c[rk.C_LAST_DT]), *bad)
        elif reason == rk.STOP_NOT_POSITIVE:
            raise SimulationError("routing step is not positive", time=sim.current_time)
        else:  # done; a step that passed no report time still moved the clock
            if sim._progress is not None:
                sim._progress(sim.t_s, sim.duration_s)
            return False
        return True

    def advance(self, until_s: float, max_steps: int = 2**62) -> float:
        """Take routing steps until the clock reaches ``until_s`` [s] (or the end), at
        most ``max_steps`` of them; returns the clock [s]."""
        self._load(until_s, max_steps)
        while self.handle(self.kernel(*self.args)):
            pass
        return self.sim.t_s


def compiled_steps(sim):
    """The :class:`CompiledSteps` driver of ``sim`` when :func:`compiled_steps_apply`
    now, else None (the Python loop).  Decided at each call, not once: control rules or
    couplers may be given to a simulation after it was built, and a restored state may
    bring new arrays, for which the driver is rebuilt."""
    if not compiled_steps_apply(sim):
        return None
    steps = sim._compiled
    if steps is None or not steps.current():
        steps = sim._compiled = CompiledSteps(sim)
    return steps


def _shared_arrays(sim) -> dict:
    """The simulation's own arrays that :class:`~twin.kernels.routing.run.StepInputs`
    holds, by field name (the runoff's only where there is runoff)."""
    inflows, runoff = sim.inflows, sim.runoff
    shared = dict(
        series_start=inflows._ts_start, series_x=inflows._ts_x, series_y=inflows._ts_y,
        series_value=inflows._ts_val, sfactor=inflows.ext_sfactor,
        base_cfs=inflows.base_cfs, ext_node=inflows.ext_node,
        dwf_cfs=inflows.dwf_flows_cfs, dwf_node=inflows.dwf_node,
        generated_cfs=sim._generated_cfs, ext=sim._ext, dwf=sim._dwf, ww=sim._ww,
        lateral=sim._lat, rates_old=sim._rates_old,
    )  # fmt: skip
    if runoff is not None:
        shared.update(runoff_old_cfs=runoff._st["old_runoff_cfs"],
                      runoff_new_cfs=runoff._st["new_runoff_cfs"])  # fmt: skip
    return shared


def _sources(sim) -> tuple:
    """The simulation's objects a :class:`CompiledSteps` hands the kernel."""
    return (*_shared_arrays(sim).values(), sim.recorder.stats,
            *sim.router.network_bundles(), *sim.router.state_bundles())  # fmt: skip


def _specialised(router, kernel):
    """``kernel`` compiled without the optional physics the router's network lacks."""
    from twin.kernels.jit import specialise

    return specialise(kernel, **router.absent_physics())
