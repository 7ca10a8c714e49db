"""Ensemble members stepped in lockstep: one step size for all, members innermost.

:class:`LockstepBatch` is a :class:`~twin.engine.batch.MemberBatch` whose members share
one clock.  Each step:

1. every member proposes its next step (:meth:`Simulation.propose_step`: SWMM's
   Courant step, control rules, the end of the run) and all take the smallest;
2. every member runs the Python half of its step with that ``dt``
   (:meth:`~twin.engine.simulation.Simulation.begin_step`: runoff, inflows, rules);
3. one call of :func:`~twin.kernels.lockstep.step.route_lockstep` routes them all,
   the Picard passes on ``[element][member]`` state with convergence per member;
4. every member finishes its step (report samples; the statistics of all in one call).

A member thus takes steps no longer than its own run would (often shorter: the
smallest of the members'), so its result is not its own run's bit for bit, but
agrees with it as a run at a smaller step does (tested with the SWMM agreement
check); with a fixed routing step (``variable_step=0``) it is bit-identical.
Members whose networks differ (a blocked pipe) step in separate lockstep groups, one
per network.  Dynamic wave on networks of conduits only, without conduit evaporation
or seepage or culvert inlet control, and SWMM's solver: anything else is refused with a
:class:`~twin.errors.TwinError` naming the member and the reason.
"""

from __future__ import annotations

import numpy as np

from twin.engine.batch import MemberBatch
from twin.errors import TwinError
from twin.kernels.lockstep.bundles import MembersLinkState, MembersNodeState
from twin.kernels.lockstep.step import route_lockstep

__all__ = ["LockstepBatch", "lockstep_refusal"]


def lockstep_refusal(sim) -> str:
    """Why member ``sim`` cannot be stepped in lockstep ("" when it can)."""
    r = sim.router
    if not r.dynwave:
        return "lockstep routes the dynamic wave only (this member is kinematic wave/steady)"
    if r.newton is not None:
        return "lockstep runs SWMM's Picard scheme; solver='newton' is a member-by-member solver"
    if (r.links.culvert > 0).any():
        return "lockstep does not route culvert inlet control: run without lockstep"
    if not r.conduits_only:
        return ("lockstep routes networks of conduits only (this one has pumps, orifices, "
                "weirs, outlets or DUMMY links): run without lockstep")  # fmt: skip
    if r.options.conduit_losses:
        return "lockstep does not route conduit evaporation or seepage: run without lockstep"
    if getattr(r, "_route", None) is not None and r._route.__name__ != "route_step":
        return "lockstep does not use THREADS within a member"
    return ""


class LockstepBatch(MemberBatch):
    """Several simulations of one network layout, stepped in lockstep.

    Parameters are those of :class:`~twin.engine.batch.MemberBatch` (``threads`` and
    ``groups`` are not used: a lockstep group is one serial call per step).  Raises
    :class:`~twin.errors.TwinError` when a member cannot be stepped in lockstep.
    """

    def __init__(self, setups, threads: int | None = None, groups: int | None = None):
        super().__init__(setups, threads=threads, groups=groups)
        for k, sim in enumerate(self.sims):
            why = "" if sim is None else lockstep_refusal(sim)
            if why:
                raise TwinError(f"member {k}: {why}")
        self.steps = 0

    def advance_until(self, until_s: float) -> None:
        """Step every member that is set up until the clocks reach ``until_s`` [s after
        the start] or their ends; one lockstep group per distinct network."""
        if not any(s is not None for s in self.sims):
            return
        for net in range(len(self.networks)):
            group = [k for k in range(self.n) if self.table_of[k] == net]
            ns, ls = self._columns(net, len(group))
            while True:
                group = [k for k in group if self._going(k, until_s)]
                if not group:
                    break
                self._lockstep(group, net, ns, ls)

    def _going(self, k: int, until_s: float) -> bool:
        sim = self.sims[k]
        return sim is not None and not sim.finished and sim.t_s < until_s - 1e-9

    def _columns(self, net: int, n: int):
        """The ``[element][member]`` state of a group of ``n`` members of network ``net``."""
        n_nodes = self.networks[net][0].invert.shape[0]
        n_links = self.networks[net][1].length.shape[0]
        ns = MembersNodeState.new({"node": (n_nodes, n)})
        ls = MembersLinkState.new({"link": (n_links, n)})
        return ns, ls

    def _lockstep(self, group: list[int], net: int, ns, ls) -> None:
        """One step of the members ``group`` (clocks equal) with the smallest of their
        proposed steps."""
        dts = []
        routing_dt = self._routing_steps(group)
        for k in list(group):
            try:
                dts.append(self.sims[k].propose_step(routing_dt[k]))
            except Exception as exc:  # noqa: BLE001 - a failed member must not sink the others
                self._fail(k, exc)
                group.remove(k)
        if not group:
            return
        dt = float(min(dts))
        t = self.sims[group[0]].t_s
        begun = []
        for k in group:
            try:
                self.sims[k].begin_step(dt)
                begun.append(k)
            except Exception as exc:  # noqa: BLE001
                self._fail(k, exc)
        if not begun:
            return
        for k in begun:  # storage evaporation and seepage, inlets, where there are any
            self.sims[k].router.begin_losses(t, dt)
            self.sims[k].router.begin_inlets(t, dt, self._stack.arrays["lateral"][k])
        res = np.zeros((self.n, 3), dtype=np.int64)
        nodes, links, xsects, curves, options = self.networks[net]
        route_lockstep(
            t, dt, self._stack.arrays["lateral"], np.asarray(begun, dtype=np.int64), nodes, links,
            xsects, curves, options, *self._lists[5:], ns, ls, res,
        )  # fmt: skip
        self.steps += 1
        self._end_steps(begun, np.full(self.n, t), np.full(self.n, dt), res, np.inf)
