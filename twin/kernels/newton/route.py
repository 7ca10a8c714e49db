"""One whole routing step with the Newton solver, in one compiled call.

:func:`route_step_newton` is :func:`twin.kernels.routing.step.route_step` with
:func:`~twin.kernels.newton.step.newton_step` in place of SWMM's Picard passes: the
same half-step totals, link settings, checks and derived outputs around it, and like
it the entry takes the bundles' borrowed views once (:mod:`twin.kernels.view`), so the
step's per-conduit helpers take no reference count.  Units ft, ft3, cfs, s.
"""

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.newton.step import newton_step
from twin.kernels.routing.step import _step_begin, _step_finish
from twin.kernels.view import view


@kernel(**JIT)
def route_step_newton(t_s, dt, lateral, still_ft, nodes, links, xsects, curves, options,
                      node_state, link_state, totals, system, work):  # fmt: skip
    """Route one step of ``dt`` s from ``t_s`` with ``lateral`` (n_nodes,) cfs inflow; the
    arguments of ``route_step`` plus the node system and the Newton work bundle
    (:mod:`twin.kernels.newton.system`); ``still_ft``: see
    :func:`~twin.kernels.newton.step.newton_step`.

    Returns ``(iterations, bad_node, bad_link)`` (iterations negative when they ran
    out before convergence).
    """
    nodes, links, xsects, curves = view(nodes), view(links), view(xsects), view(curves)
    options, node_state, link_state = view(options), view(node_state), view(link_state)
    totals, system, work = view(totals), view(system), view(work)
    _step_begin(dt, lateral, nodes, links, xsects, curves, options, node_state, link_state,
                totals)  # fmt: skip
    steps = newton_step(dt, t_s + dt, still_ft, nodes, links, xsects, curves, options, node_state,
                        link_state, system, work)  # fmt: skip
    bad_node, bad_link = _step_finish(dt, nodes, links, xsects, options, node_state, link_state,
                                      totals)  # fmt: skip
    return steps, bad_node, bad_link
