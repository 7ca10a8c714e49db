"""The engine side of the Newton solver (``solver="newton"``): set-up, step size, routing call.

:class:`NewtonRouting` belongs to a :class:`~twin.engine.routing.Router` that routes by
dynamic wave with ``opts.solver == "newton"``.  It computes the node system's
elimination order once (:mod:`twin.engine.newton_system`), keeps the Newton work
bundle, chooses each step with the accuracy controller
(:func:`twin.kernels.newton.control.next_step`) and routes it with
:func:`twin.kernels.newton.route.route_step_newton`.  It also counts what the
benchmarks report as steady measures of cost: steps, Newton iterations and conduit
evaluations.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from twin.engine.newton_system import node_system
from twin.errors import SimulationError
from twin.kernels.newton.control import LIMIT_MIN, LIMIT_NAMES, next_step
from twin.kernels.newton.route import route_step_newton
from twin.kernels.newton.system import (
    STAT_DT_PREV,
    STAT_ERROR,
    STAT_ERROR_NODE,
    STAT_ITERATIONS,
    STAT_LAST_DT,
    STAT_LIMIT_ELEMENT,
    STAT_LIMIT_KIND,
    STAT_LINK_EVALS,
    STAT_MAX_DH,
    STAT_MAX_DH_NODE,
    STAT_MIN_ASKED,
    NodeSystem,
    as_int64,
    new_work,
)
from twin.kernels.routing.step import route_step, route_step_conduits
from twin.kernels.routing.timestep import routing_step_size
from twin.networks.units import FT_TO_M

SOLVERS = ("swmm", "newton")
LOG = logging.getLogger(__name__)
#: How many of the elements that limited the most steps :meth:`NewtonRouting.step_limits` names.
TOP_LIMITS = 5
#: A step that ends with a head still moving by more than this [ft] has diverged.
DIVERGED_FT = 1.0
#: A step whose iterations do not converge is routed again from its start in 2, 4, ...
#: substeps, at most this many (and none shorter than the minimum step over MAX_SUBSTEPS:
#: a step at the minimum step can still be split, as a surcharging manhole whose EXTRAN
#: balance has almost no storage may need; district-10k at 6,111 s converged in 2
#: iterations at 1/8 of the 0.5 s minimum step and did not in 8 at 0.5 s).
MAX_SUBSTEPS = 8
#: A step at the minimum step whose heads still move by more than this many head
#: tolerances did not converge (fewer: a kink holds a head near its solution; kept).
STALL_TOLERANCES = 100.0
#: Fields a report interpolates from (``*_old``) and the field of the step's start they hold.
_OLD_NODE = (("depth_old", "depth"), ("volume_old", "volume"), ("inflow_old", "inflow"),
             ("lateral_old", "lateral"))  # fmt: skip
_OLD_LINK = (("flow_old", "flow"), ("depth_old", "depth"), ("volume_old", "volume"),
             ("a2", "a1"))  # fmt: skip


def _own_arrays(bundle) -> dict:
    """Every array of a bundle, by field name (the bundle's own arrays, not copies)."""
    return {k: v for k, v in bundle.arrays().items() if isinstance(v, np.ndarray)}


def _copy_arrays(bundle) -> dict:
    """Copies of every array of a bundle, by field name."""
    return {k: v.copy() for k, v in bundle.arrays().items() if isinstance(v, np.ndarray)}


def _restore_arrays(bundle, saved: dict) -> None:
    """Write ``saved`` (from :func:`_copy_arrays`) back into the bundle's own arrays."""
    own = bundle.arrays()
    for k, v in saved.items():
        own[k][...] = v


class NewtonRouting:
    """Newton-solver state of one router: the node system, work arrays and step control.

    Parameters
    ----------
    router : Router
        A dynamic-wave router (its bundles and options are read).
    """

    def __init__(self, router):
        opts = router.opts
        sys_ = node_system(router.n_nodes, router.links.node1, router.links.node2)
        self.n_fill = sys_.n_fill
        self.system = NodeSystem(
            position_of_node=as_int64(sys_.position_of_node),
            edge_second=as_int64(sys_.edge_second), pivot_start=as_int64(sys_.pivot_start),
            pivot_edges=as_int64(sys_.pivot_edges), pair_start=as_int64(sys_.pair_start),
            pair_target=as_int64(sys_.pair_target), edge_of_link=as_int64(sys_.edge_of_link),
        )  # fmt: skip
        self.work = new_work(router.n_nodes, router.n_links, sys_.n_edges)
        #: the work bundle's arrays by name, the same arrays: what the solver carries from
        #: step to step (BDF2's step, the step controller's rates and error history, the
        #: oscillation record) is in them, and a hot start or an in-memory snapshot
        #: (twin.engine.hotstart) saves and restores this dict in place, so a restored
        #: simulation continues as the one saved would have
        self.work_arrays = _own_arrays(self.work)
        self.tolerance_ft = opts.newton_tolerance_m / FT_TO_M
        self.max_step_s = float(opts.newton_max_step_s)
        self.min_step_s = min(max(float(opts.min_step_s), 0.001), self.max_step_s)
        self.min_substep_s = self.min_step_s / MAX_SUBSTEPS  # the shortest retried substep
        self.courant = float(opts.newton_courant)
        self.period_steps = float(opts.newton_period_steps)
        self.error_floor_ft = float(opts.newton_error_floor) * float(router.options.head_tol)
        self.error_surcharged = bool(opts.newton_error_surcharged)
        self.skip_jumps = bool(opts.newton_error_skip_jumps)
        # conduits whose ends moved less than this in an iteration are not evaluated again
        still = float(opts.newton_still_fraction)
        self.still_ft = still * float(router.options.head_tol) if still > 0.0 else -1.0
        self.first_step_s = float(opts.routing_step_s)
        self.last_step_s = 0.0
        self.limit = ("first step", -1)
        self.router = router
        self.unconverged_steps = 0  # steps routed again in substeps, since the start
        self.retried_substeps = 0  # substeps those took
        self.cap_next_s = np.inf  # after a retried step: at most twice its substep
        self.settle = False  # the next step is SWMM's solver's (:meth:`restart_history`)
        self.limit_counts: Counter = Counter()  # (kind, element) -> steps it limited
        self.settled_steps = 0  # steps routed by SWMM's solver after updates (_settle)

    def restart_history(self) -> None:
        """Restart the solver after its state was changed from outside (a filter update).

        What the Newton solver carries from step to step and such a change invalidates:
        BDF2 momentum's previous step (its flow and area history would extrapolate
        across the change: the next Newton step integrates every conduit by backward
        Euler, as the first step of a run does) and the step controller's previous step
        (its local error estimate compares the head rates of two successive steps; the
        rates over the last step, ``depth - depth_old`` and ``flow - flow_old``, would
        measure the change).  And the next step is one of SWMM's solver
        (:meth:`_settle`): an analysed state's flows need not agree with its heads, and
        Newton's iterations from such a state can diverge at any step (an EnKF update of
        0.5-1.5 m at the peak of a flood did, at the minimum step); SWMM's under-relaxed
        passes take it, and Newton goes on from their consistent state.
        """
        self.work.stats[STAT_LAST_DT] = 0.0
        self.work.stats[STAT_DT_PREV] = 0.0
        self.settle = True

    def step_size(self, router) -> float:
        """The next step [s]: the file's routing step first, then the controller's (SWMM's
        variable step after :meth:`restart_history`)."""
        if self.settle:
            dt, _, _ = routing_step_size(
                float(router.opts.routing_step_s), False, router.nodes, router.links,
                router.options, router.node_state, router.link_state,
            )  # fmt: skip
            self.limit = ("SWMM's step after an update", -1)
            self.limit_counts[self.limit] += 1
            return float(min(dt, self.max_step_s))
        if self.last_step_s <= 0.0:
            return min(self.first_step_s, self.max_step_s)
        dt = next_step(
            self.last_step_s, self.min_step_s, self.max_step_s, self.tolerance_ft,
            self.error_floor_ft, self.error_surcharged, self.skip_jumps, self.courant,
            self.period_steps,
            router.nodes, router.links, router.node_state, router.link_state, self.work,
        )  # fmt: skip
        st = self.work.stats
        kind, element = int(st[STAT_LIMIT_KIND]), int(st[STAT_LIMIT_ELEMENT])
        name = LIMIT_NAMES[kind]
        if kind == LIMIT_MIN and element >= 0:  # e.g. "minimum step, local error"
            name = f"{name}, {LIMIT_NAMES[int(st[STAT_MIN_ASKED])]}"
        self.limit = (name, element)
        if dt > self.cap_next_s:
            dt = max(self.cap_next_s, self.min_step_s)
            self.limit = ("Newton iterations", int(st[STAT_MAX_DH_NODE]))
        self.cap_next_s = np.inf
        self.limit_counts[self.limit] += 1
        if LOG.isEnabledFor(logging.DEBUG):
            LOG.debug("next step %.3f s: %s", dt, self.limiting_element())
        return float(dt)

    def kernel(self, bundles):
        """The step kernel bound to the router's bundles: ``f(t_s, dt, lateral)``.

        A step whose Newton iterations do not converge is routed again from a copy of
        the state at its start (:meth:`_retry`), so the controller can try long steps.
        """
        system, work = self.system, self.work
        state = bundles[5:]  # node_state, link_state, totals

        def route_step_newton_bound(t_s, dt, lateral):
            self.last_step_s = dt
            if self.settle:
                return self._settle(t_s, dt, lateral, bundles)
            saved = [_copy_arrays(b) for b in (*state, work)]
            out = route_step_newton(t_s, dt, lateral, self.still_ft, *bundles, system, work)
            if out[0] < 0:
                out = self._retry(t_s, dt, lateral, bundles, saved, out)
            return out

        route_step_newton_bound.__name__ = "route_step_newton"
        return route_step_newton_bound

    def _settle(self, t_s, dt, lateral, bundles):
        """Route the step from ``t_s`` with SWMM's solver (see :meth:`restart_history`);
        the Newton steps after it start from backward Euler and without an error estimate,
        their step growing from this one as from a run's first."""
        self.settle = False
        self.settled_steps += 1
        step = getattr(self, "_swmm_step", None)  # never None in vars(): a hot start
        if step is None:  # restores no function, and refuses null over one
            step = self._swmm_step = self.router._serial_kernel(route_step_conduits, route_step)
        out = step(t_s, dt, lateral, *bundles)
        self.work.stats[STAT_ITERATIONS] = abs(out[0])  # converged as far as SWMM's are
        return out

    def _retry(self, t_s, dt, lateral, bundles, saved, out):
        """Route the step from ``t_s`` again in 2, 4, ... substeps until each converges.

        The lateral inflow moves linearly from the last step's to this one's.  When even
        the shortest substeps (MAX_SUBSTEPS, or ``min_substep_s``) leave some unconverged,
        they are kept, as SWMM keeps a step after MAX_TRIALS passes (a kink in a link law
        can hold a head within a few tolerances), unless :meth:`_check` finds them
        diverged.  Afterwards the reported ``*_old`` fields hold the step's start again
        (a report inside the step interpolates over all of it), the BDF2 history spans
        the whole step, and the next step is at most twice the substep.  Returns the
        kernel's ``(iterations, bad_node, bad_link)`` for the whole step.
        """
        system, work = self.system, self.work
        node_state, link_state = bundles[5], bundles[6]
        state = (*bundles[5:], work)
        lat_old = saved[0]["lateral"]
        n, sub, converged, total = 1, dt, False, abs(int(out[0]))
        self._check(t_s + dt, dt, total, not self._can_split(dt, 2))
        while not converged:
            if not self._can_split(dt, 2 * n):
                break  # keep the shortest substeps routed
            n *= 2
            sub = dt / n
            evaluations = work.stats[STAT_LINK_EVALS]  # the cost counts every attempt
            for b, v in zip(state, saved, strict=True):
                _restore_arrays(b, v)
            work.stats[STAT_LINK_EVALS] = evaluations
            converged, total = True, 0
            for k in range(n):
                lat = lat_old + (k + 1) / n * (lateral - lat_old)
                out = route_step_newton(t_s + k * sub, sub, lat, self.still_ft, *bundles, system,
                                        work)  # fmt: skip
                total += abs(int(out[0]))
                if out[1] >= 0 or out[2] >= 0:
                    return out  # a bad depth or flow: the router raises
                if out[0] < 0:
                    final = not self._can_split(dt, 2 * n)
                    self._check(t_s + (k + 1) * sub, sub, -int(out[0]), final)
                    converged = False
                    if not final:
                        break  # shorter substeps come next
        self.unconverged_steps += 1
        self.retried_substeps += n if n > 1 else 0
        LOG.info("step of %.3f s to %.1f s %s in %d substeps (%s)", dt, t_s + dt,
                 "converged" if converged else "kept unconverged", n,
                 self.limiting_element(("", int(work.stats[STAT_MAX_DH_NODE])))[4:])  # fmt: skip
        if n > 1:
            for name, start in _OLD_NODE:
                getattr(node_state, name)[:] = saved[0][start]
            for name, start in _OLD_LINK:
                getattr(link_state, name)[:] = saved[1][start]
            work.stats[STAT_LAST_DT] = dt
        work.stats[STAT_ITERATIONS] = total if converged else -total
        self.cap_next_s = 2.0 * sub if converged else sub
        return (total if converged else -total, out[1], out[2])

    def _can_split(self, dt: float, n: int) -> bool:
        """True when a step of ``dt`` s may be routed as ``n`` substeps."""
        return n <= MAX_SUBSTEPS and dt / n >= self.min_substep_s

    def _check(self, t_end_s: float, dt: float, iterations: int, final: bool) -> None:
        """Raise SimulationError for an unconverged step of ``dt`` s that is ``final`` (no
        shorter substeps follow) and diverged (a head still moving by more than
        DIVERGED_FT), or that cannot be halved (the minimum step) with a head still moving
        by more than STALL_TOLERANCES head tolerances."""
        dh_ft = float(self.work.stats[STAT_MAX_DH])
        node = int(self.work.stats[STAT_MAX_DH_NODE])
        tol_ft = float(self.router.options.head_tol)
        diverged = not dh_ft <= DIVERGED_FT
        stalled = dt / 2 < self.min_substep_s and dh_ft > STALL_TOLERANCES * tol_ft
        if final and (stalled or diverged):
            why = "diverged" if diverged else "did not converge at the minimum step"
            name = self.router.node_names[node] if node >= 0 else None
            raise SimulationError(
                f"Newton iterations {why}: head still moving by {dh_ft * FT_TO_M:.3g} m after "
                f"{iterations} iterations (head tolerance {self.router.opts.head_tolerance_m} m)",
                element=name, time=t_end_s, step=self.router.n_steps + 1,
            )  # fmt: skip

    def limiting_element(self, limit: tuple[str, int] | None = None) -> str:
        """What limited the last step chosen (or ``limit``, a ``(kind, element)`` pair),
        e.g. ``"local error at node J12"``."""
        kind, el = self.limit if limit is None else limit
        if el < 0:
            return kind
        if kind.endswith(("Courant", "pump switch")):
            return f"{kind} in link {self.router.link_names[el]}"
        return f"{kind} at node {self.router.node_names[el]}"

    def step_limits(self, top: int = TOP_LIMITS) -> str:
        """The elements that limited the most steps so far, e.g. ``"local error at node
        J12: 310 steps; maximum step: 120 steps"``; also logged at INFO (``twin -v run``)."""
        text = "; ".join(f"{self.limiting_element(k)}: {n} steps"
                         for k, n in self.limit_counts.most_common(top))  # fmt: skip
        LOG.info("Newton steps limited by %s (%d routed again in substeps)", text or "nothing",
                 self.unconverged_steps)  # fmt: skip
        return text

    @property
    def conduit_evaluations(self) -> int:
        """Conduit momentum evaluations since the start (all iterations of all steps)."""
        return int(self.work.stats[STAT_LINK_EVALS])

    @property
    def last_error(self) -> tuple[float, int]:
        """Local error of the last step relative to the tolerance, and its node."""
        return float(self.work.stats[STAT_ERROR]), int(self.work.stats[STAT_ERROR_NODE])
