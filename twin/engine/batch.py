"""Ensemble members stepped together: one compiled call routes every member's step.

:class:`MemberBatch` builds one :class:`~twin.engine.simulation.Simulation` per member
whose routing state lives in rows of arrays stacked over the members (the member is
the leading axis), keeps one copy of each distinct network (members whose network
bundles are equal share one: :func:`share_networks`), and loops:

1. every unfinished member runs the Python half of its step
   (:meth:`~twin.engine.simulation.Simulation.begin_step`: step size, runoff,
   inflows, control rules);
2. one call of :func:`~twin.kernels.routing.batch.route_members` routes all of them,
   members spread over numba threads (kinematic-wave members: one call each; its
   conduits-only variant where every dynamic-wave member's network has no structure);
3. every member finishes its step (:meth:`~twin.engine.simulation.Simulation.end_step`:
   rules, clock, report samples), and one call of
   :func:`~twin.kernels.stats.update_stats_members` updates every member's statistics.

Members keep their own clocks and steps, so each result equals the member run alone,
bit for bit.  A member that fails (while being set up, or in a step) is recorded with
its error and the others go on.

>>> # results = MemberBatch([(net_a, {"end_hours": 1}), (net_b, {"end_hours": 1})]).run()
>>> # [(status, error, dataset), ...]
"""

from __future__ import annotations

import os
import traceback

import numba
import numpy as np

from twin.engine.simulation import Simulation
from twin.engine.stepping import compiled_steps
from twin.errors import TwinError
from twin.kernels.jit import specialise
from twin.kernels.routing.batch import route_members, route_members_conduits, step_sizes_members
from twin.kernels.routing.run import run_members, run_members_conduits
from twin.kernels.stats import update_stats_members
from twin.kernels.views import Views

__all__ = ["MemberBatch", "describe_failure"]


def _same_bundle(a, b) -> bool:
    if type(a) is not type(b):
        return False
    for name, x in a.arrays().items():
        y = b.arrays()[name]
        if isinstance(x, np.ndarray):
            if x.shape != y.shape or x.dtype != y.dtype or not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return True


def share_networks(routers) -> tuple[list[tuple], np.ndarray]:
    """The distinct network bundle sets of ``routers`` and, per router, its set's index.

    Members of an ensemble usually differ only in their forcing, so their networks are
    equal; a blocked pipe or another option gives a member its own set.  One copy per
    set keeps a batch's working set in the cache: the network is about two thirds of a
    member's routing memory.
    """
    sets: list[tuple] = []
    table_of = np.empty(len(routers), dtype=np.int64)
    for m, r in enumerate(routers):
        mine = r.network_bundles()
        for j, known in enumerate(sets):
            if all(_same_bundle(a, b) for a, b in zip(mine, known, strict=True)):
                table_of[m] = j
                break
        else:
            table_of[m] = len(sets)
            sets.append(mine)
    return sets, table_of


def describe_failure(exc: BaseException) -> str:
    """One line for a failed member: ``Type: message (file.py:line)`` where it was raised."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" ({os.path.basename(where.filename)}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


class _MemberStack:
    """Hands member ``k`` rows of ``(n_members, *shape)`` arrays, made on first request."""

    def __init__(self, n_members: int):
        self.n = n_members
        self.arrays: dict[str, np.ndarray] = {}

    def for_member(self, k: int):
        def alloc(name: str, shape: tuple) -> np.ndarray:
            a = self.arrays.get(name)
            if a is None:
                a = self.arrays[name] = np.zeros((self.n, *shape))
            elif a.shape[1:] != tuple(shape):
                raise TwinError(
                    f"{name} of this member has shape {tuple(shape)}, the batch's "
                    f"{a.shape[1:]}: members of one batch need the same network layout"
                )
            return a[k]

        return alloc


class MemberBatch:
    """Several simulations of one network layout, routed together.

    Parameters
    ----------
    setups : sequence of (Network, dict)
        Each member's network (scenario applied) and its
        :class:`~twin.engine.simulation.Simulation` keyword arguments
        (``options``, ``couplers``, overrides such as ``end_hours``).
    threads : int, optional
        Threads to use (default: numba's current setting, the machine's cores).
    groups : int, optional
        Members are shared among ``groups`` Python threads, each stepping its share
        and routing it in one call on ``threads // groups`` numba threads.  Default
        ``threads``: the per-step work outside the routing kernel (step size, runoff,
        statistics; kernels that drop the GIL) then runs in parallel too.  ``1``: one
        loop, every member's step in one ``prange`` call over ``threads``.

    Attributes
    ----------
    table_of : (n,) int64
        The network set each member's step reads (an index into ``networks``).
    networks : list of tuple
        The distinct ``(nodes, links, xsects, curves, options)`` of the members.
    sims : list of Simulation or None
        ``None`` where the member could not be set up.
    errors : list of str
        ``""`` or the member's failure (see :func:`describe_failure`).
    """

    def __init__(self, setups, threads: int | None = None, groups: int | None = None):
        setups = list(setups)
        if not setups:
            raise TwinError("a member batch needs at least one member")
        self.n = len(setups)
        self.threads = threads
        self.groups = groups
        self._stack = _MemberStack(self.n)
        self.sims: list[Simulation | None] = [None] * self.n
        self.errors = [""] * self.n
        for k, (net, kwargs) in enumerate(setups):
            try:
                self.sims[k] = Simulation(net, alloc=self._stack.for_member(k), **kwargs)
            except Exception as exc:  # noqa: BLE001 - a failed member must not sink the others
                self.errors[k] = describe_failure(exc)
        self._stack_tables()

    def _stack_tables(self) -> None:
        ok = [s for s in self.sims if s is not None]
        if not ok:
            return
        routers = [(s or ok[0]).router for s in self.sims]  # a failed member borrows
        self.networks, self.table_of = share_networks(routers)
        self.dynwave = np.array([r.dynwave for r in routers], dtype=np.bool_)
        # every member's bundles as one argument each (not numba typed lists: those
        # compile their methods per bundle type in every process)
        self._lists = tuple(Views([net[k] for net in self.networks]) for k in range(5))
        self._lists += tuple(Views([r.state_bundles()[k] for r in routers]) for k in range(3))
        dyn = [r for r, d in zip(routers, self.dynwave, strict=True) if d]
        conduits = all(r.conduits_only for r in dyn)
        # compiled without the optional physics no member's network has
        lacking = set.intersection(*(set(r.absent_physics()) for r in dyn)) if dyn else set()
        self._route_members = specialise(route_members_conduits if conduits else route_members,
                                         **dict.fromkeys(lacking, False))  # fmt: skip
        self._stats = Views([(s or ok[0]).recorder.stats for s in self.sims])
        # every member's steps in compiled calls (twin.engine.stepping) when none needs
        # Python at every step (control rules, couplers, RDII, losses, Newton, kinwave)
        self._run_members = None
        self._inputs = self._drivers = None  # the members' compiled-step drivers, as Views
        if all(s._compiled is not None for s in ok):
            self._run_members = specialise(run_members_conduits if conduits else run_members,
                                           **dict.fromkeys(lacking, False))  # fmt: skip
        # members whose routing step one call computes for all (SWMM's solver, dynamic wave)
        self._sized = np.array([r.dynwave and r.newton is None for r in routers], dtype=np.bool_)
        self._fixed = np.array([float(r.opts.routing_step_s) for r in routers])
        a = self._stack.arrays
        for k, s in enumerate(self.sims):  # a member that failed half-way: rows unused
            if s is None:
                for arr in a.values():
                    arr[k] = 0.0

    def _run_group(self, active: list[int], threads: int, until_s: float = np.inf) -> None:
        """Step ``active`` members to their ends (or until their clocks reach ``until_s``
        [s after the start]), routing them together on ``threads`` numba threads
        (numba's thread count is per calling thread)."""
        saved_threads = numba.get_num_threads()
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        # members one at a time to whichever thread is free (their steps differ in cost)
        saved_chunk = numba.set_parallel_chunksize(1)
        try:
            if self._compiled_apply():
                self._run_compiled(active, until_s)
            else:
                while active:
                    active = self._step(active, until_s)
        finally:
            numba.set_parallel_chunksize(saved_chunk)
            numba.set_num_threads(saved_threads)

    def _compiled_apply(self) -> bool:
        """Whether every member's steps can be taken by the compiled member kernel now
        (:func:`~twin.engine.stepping.compiled_steps`: control rules may have been given
        to members after the batch was built); the drivers' inputs made current."""
        if self._run_members is None:
            return False
        drivers = tuple(None if s is None else compiled_steps(s) for s in self.sims)
        live = [d for s, d in zip(self.sims, drivers, strict=True) if s is not None]
        if not live or any(d is None for d in live):
            return False
        if drivers != self._drivers:  # a driver rebuilt (or a member failed): new Views
            self._inputs = Views([(d or live[0]).inputs for d in drivers])
            self._drivers = drivers
        return True

    def _run_compiled(self, active: list[int], until_s: float) -> None:
        """Step ``active`` members until their clocks reach ``until_s`` [s] (or their
        ends): each call of the member kernel runs every member to its own next stop
        (runoff step, pattern hour, report time; :mod:`twin.kernels.routing.run`),
        members in parallel; Python then acts on each member's stop, and calls again."""
        from twin.kernels.routing.run import I_REASON

        for k in active:
            self.sims[k]._compiled.load(until_s)
        while active:
            self._run_members(np.asarray(active, dtype=np.int64), self._inputs, self._stats,
                              self.table_of, *self._lists)  # fmt: skip
            still = []
            for k in active:
                steps = self.sims[k]._compiled
                try:
                    if steps.handle(int(steps.ints[I_REASON])):
                        still.append(k)
                except Exception as exc:  # noqa: BLE001 - a failed member must not sink the others
                    self._fail(k, exc)
            active = still

    def _fail(self, k: int, exc: BaseException) -> None:
        self.errors[k] = describe_failure(exc)
        self.sims[k] = None

    def run(self) -> list[tuple[int, str, object]]:
        """Run every member to its end: ``[(status, error, dataset)]`` in member order
        (status 0 ran, 1 failed; dataset None when it failed)."""
        self.advance_until(np.inf)
        out = []
        for k, sim in enumerate(self.sims):
            if sim is None:
                out.append((1, self.errors[k], None))
                continue
            try:
                out.append((0, "", sim.results()))
            except Exception as exc:  # noqa: BLE001
                out.append((1, describe_failure(exc), None))
        return out

    def advance_until(self, until_s: float) -> None:
        """Step every member that is set up until its clock reaches ``until_s`` [s after
        the start] or its end (its last step may pass ``until_s`` by less than a step).

        A member that fails on the way is recorded (``sims[k] = None``, ``errors[k]``)
        and the others go on.  The batch's kernels are SWMM's scheme, so a member of the
        Newton solver is failed here, never routed by them: such members may live in a
        batch's rows (the watch steps them itself, :mod:`twin.ops.members`) or run as their
        own Simulations (:func:`twin.ensemble.runner.run_chunk`).
        """
        for k, s in enumerate(self.sims):
            if s is not None and s.router.newton is not None:
                self._fail(k, TwinError(
                    "a member batch routes SWMM's scheme; solver='newton' members run as "
                    "their own Simulation (twin.ensemble.runner.run_chunk) or step "
                    "themselves in the rows (twin.ops.members)"
                ))  # fmt: skip
        active = [
            k
            for k, s in enumerate(self.sims)
            if s is not None and not s.finished and s.t_s < until_s - 1e-9
        ]
        if not active:
            return
        threads = max(1, min(int(self.threads or numba.get_num_threads()), len(active) or 1))
        groups = threads if self.groups is None else max(1, min(self.groups, threads))
        if groups == 1:
            self._run_group(active, threads, until_s)
        else:  # Python threads, each stepping its share of members (the kernels drop the GIL)
            from concurrent.futures import ThreadPoolExecutor

            shares = [active[g::groups] for g in range(groups)]
            per_group = max(1, threads // groups)
            with ThreadPoolExecutor(groups, thread_name_prefix="twin-members") as pool:
                list(pool.map(lambda share: self._run_group(share, per_group, until_s), shares))

    def _step(self, active: list[int], until_s: float = np.inf) -> list[int]:
        """One routing step of every member in ``active``; returns those not finished
        whose clocks are still before ``until_s`` [s]."""
        t = np.zeros(self.n)
        dt = np.zeros(self.n)
        routing_dt = self._routing_steps(active)
        begun = []
        for k in active:
            try:
                sim = self.sims[k]
                t[k], dt[k] = sim.begin_step(sim.propose_step(routing_dt[k]))
                begun.append(k)
            except Exception as exc:  # noqa: BLE001
                self._fail(k, exc)
        res = np.zeros((self.n, 3), dtype=np.int64)
        together = [k for k in begun if self.dynwave[k]]
        for k in together:  # storage evaporation and seepage, inlets, where there are any
            self.sims[k].router.begin_losses(t[k], dt[k])
            self.sims[k].router.begin_inlets(t[k], dt[k], self._stack.arrays["lateral"][k])
        if together:
            self._route_members(
                np.asarray(together, dtype=np.int64), t, dt, self._stack.arrays["lateral"],
                self.table_of, *self._lists, res,
            )  # fmt: skip
        for k in begun:  # kinematic wave: one member at a time (its own kernel)
            if not self.dynwave[k]:
                sim = self.sims[k]
                res[k] = sim.router.route(t[k], dt[k], self._stack.arrays["lateral"][k])
        return self._end_steps(begun, t, dt, res, until_s)

    def _routing_steps(self, active: list[int]) -> list:
        """The router's next step [s] of each member in ``active`` (by member; None
        where the member's router computes its own: kinematic wave, Newton), from one
        call for all, taken by each router (:meth:`~twin.engine.routing.Router.take_step_size`)."""
        out: list = [None] * self.n
        sized = [k for k in active if self._sized[k]]
        if not sized:
            return out
        first = np.zeros(self.n, dtype=np.bool_)
        for k in sized:
            first[k] = self.sims[k].router.first_step
        dt = np.zeros(self.n)
        critical = np.zeros((self.n, 2), dtype=np.int64)
        step_sizes_members(
            np.asarray(sized, dtype=np.int64), self._fixed, first, self.table_of,
            self._lists[0], self._lists[1], self._lists[4], *self._lists[5:7], dt, critical,
        )  # fmt: skip
        for k in sized:
            out[k] = self.sims[k].router.take_step_size(dt[k], critical[k, 0], critical[k, 1])
        return out

    def _end_steps(self, begun, t, dt, res, until_s: float) -> list[int]:
        """Finish the routed step of every member in ``begun`` (``t``, ``dt``, ``res``
        (M,) (M,) (M, 3) by member), then update their statistics in one call; returns
        those not finished whose clocks are still before ``until_s`` [s]."""
        still, ended = [], []
        critical = np.full((self.n, 2), -1, dtype=np.int64)
        for k in begun:
            sim = self.sims[k]
            try:
                iters = sim.router.after_route(t[k], dt[k], res[k, 0], res[k, 1], res[k, 2])
                sim.end_step(t[k], dt[k], iters, stats=False)
            except Exception as exc:  # noqa: BLE001
                self._fail(k, exc)
                continue
            ended.append(k)
            critical[k] = sim.router.critical_node, sim.router.critical_link
            if not sim.finished and sim.t_s < until_s - 1e-9:
                still.append(k)
        if ended:
            update_stats_members(
                np.asarray(ended, dtype=np.int64), dt, t + dt, self._stack.arrays["lateral"],
                self._stats, *self._lists[5:7], critical,
            )  # fmt: skip
        return still
