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

from twin.engine.newton_system import node_system
from twin.errors import SimulationError
from twin.kernels.newton.control import LIMIT_NAMES, next_step
from twin.kernels.newton.route import route_step_newton
from twin.kernels.newton.system import (
    STAT_ERROR,
    STAT_ERROR_NODE,
    STAT_LIMIT_ELEMENT,
    STAT_LIMIT_KIND,
    STAT_LINK_EVALS,
    STAT_MAX_DH,
    STAT_MAX_DH_NODE,
    NodeSystem,
    as_int64,
    new_work,
)
from twin.networks.units import FT_TO_M

SOLVERS = ("swmm", "newton")
#: A step that ends with a head still moving by more than this [ft] has diverged.
DIVERGED_FT = 1.0


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
        self.tolerance_ft = opts.newton_tolerance_m / FT_TO_M
        self.max_step_s = float(opts.newton_max_step_s)
        self.min_step_s = min(max(float(opts.min_step_s), 0.001), self.max_step_s)
        self.courant = float(opts.newton_courant)
        self.first_step_s = float(opts.routing_step_s)
        self.last_step_s = 0.0
        self.limit = ("first step", -1)
        self.router = router
        self.unconverged_steps = 0  # since the start

    def step_size(self, router) -> float:
        """The next step [s]: the file's routing step first, then the controller's."""
        if self.last_step_s <= 0.0:
            return min(self.first_step_s, self.max_step_s)
        dt = next_step(
            self.last_step_s, self.min_step_s, self.max_step_s, self.tolerance_ft,
            self.courant, router.nodes, router.links, router.node_state, router.link_state,
            self.work,
        )  # fmt: skip
        st = self.work.stats
        self.limit = (LIMIT_NAMES[int(st[STAT_LIMIT_KIND])], int(st[STAT_LIMIT_ELEMENT]))
        return float(dt)

    def kernel(self, bundles):
        """The step kernel bound to the router's bundles: ``f(t_s, dt, lateral)``."""
        system, work = self.system, self.work

        def route_step_newton_bound(t_s, dt, lateral):
            self.last_step_s = dt
            out = route_step_newton(t_s, dt, lateral, *bundles, system, work)
            if out[0] < 0:
                self._unconverged(t_s + dt, -int(out[0]))
            return out

        route_step_newton_bound.__name__ = "route_step_newton"
        return route_step_newton_bound

    def _unconverged(self, t_end_s: float, iterations: int) -> None:
        """Count a step whose iterations ran out; raise when they diverged or keep failing."""
        self.unconverged_steps += 1
        dh_ft = float(self.work.stats[STAT_MAX_DH])
        node = int(self.work.stats[STAT_MAX_DH_NODE])
        diverged = not dh_ft <= DIVERGED_FT
        # an unconverged step halves the next one (the controller); at the minimum step
        # there is no shorter one to try
        if diverged or self.last_step_s <= self.min_step_s:
            why = "diverged" if diverged else "did not converge at the minimum step"
            name = self.router.node_names[node] if node >= 0 else None
            raise SimulationError(
                f"Newton iterations {why}: head still moving by {dh_ft * FT_TO_M:.3g} m after "
                f"{iterations} iterations (head tolerance {self.router.opts.head_tolerance_m} m)",
                element=name, time=t_end_s, step=self.router.n_steps + 1,
            )  # fmt: skip

    def limiting_element(self) -> str:
        """What limited the last step chosen, e.g. ``"local error at node J12"``."""
        kind, el = self.limit
        if el < 0:
            return kind
        if kind in ("Courant", "pump switch"):
            return f"{kind} in link {self.router.link_names[el]}"
        return f"{kind} at node {self.router.node_names[el]}"

    @property
    def conduit_evaluations(self) -> int:
        """Conduit momentum evaluations since the start (all iterations of all steps)."""
        return int(self.work.stats[STAT_LINK_EVALS])

    @property
    def last_error(self) -> tuple[float, int]:
        """Local error of the last step relative to the tolerance, and its node."""
        return float(self.work.stats[STAT_ERROR]), int(self.work.stats[STAT_ERROR_NODE])
