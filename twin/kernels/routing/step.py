"""One whole routing step in one compiled call: flows, mass-balance totals, checks, outputs.

SWMM's ``routing_execute`` accumulates its routing totals over half of the step
before routing and half after (:mod:`twin.kernels.routing.totals`).  Link settings
move towards their targets first (pump start-up / shut-off depths, control actions,
orifice ramps), as SWMM's ``evaluateControlRules`` does.  :func:`route_step` does that
around :func:`~twin.kernels.routing.dynwave.dynwave_step`, and
:func:`route_step_kinwave` around the kinematic-wave / steady-flow step (a kernel of
its own, compiled only for networks that use it); both then look for a NaN, negative
or runaway node depth and a NaN link flow, and refresh heads, ponded volumes,
velocities and capacities.  Units ft, ft3, cfs, s.
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel, variant
from twin.kernels.routing.constants import MODE_DYNWAVE, MODE_STEADY
from twin.kernels.routing.dynwave import dynwave_step, dynwave_step_conduits
from twin.kernels.routing.kinwave import kinwave_step
from twin.kernels.routing.results import _link_results, node_is_bad
from twin.kernels.routing.totals import accumulate, system_outflow_rates
from twin.kernels.structures.flows import update_settings, update_settings_conduits
from twin.kernels.view import view


@kernel(**JIT)
def _step_begin(dt, lateral, nodes, links, xsects, curves, options, node_state, link_state, totals):
    """Before routing: the first half-step totals, link settings, and this step's
    lateral inflow ``lateral`` (n_nodes,) [cfs]."""
    accumulate(0.5 * dt, nodes, node_state, totals)
    update_settings(dt, links, xsects, curves, options, node_state, link_state)
    for i in range(node_state.depth.shape[0]):
        node_state.lateral_old[i] = node_state.lateral[i]
        node_state.lateral[i] = lateral[i]


@kernel(**JIT)
def _step_finish(dt, nodes, links, xsects, options, node_state, link_state, totals):
    """After routing: outflow rates, the second half-step totals, checks, derived outputs.

    Returns ``(bad_node, bad_link)`` (-1 when none).
    """
    q_out, q_flood, q_in = system_outflow_rates(options.mode == MODE_DYNWAVE, nodes, node_state)
    totals.rate_outfall[0] = q_out
    totals.rate_flooding[0] = q_flood
    totals.rate_outfall_in[0] = q_in
    accumulate(0.5 * dt, nodes, node_state, totals)
    stored = 0.0
    for i in range(node_state.depth.shape[0]):
        stored += node_state.volume[i]
        node_state.head[i] = node_state.depth[i] + nodes.invert[i]
        node_state.ponded_volume[i] = 0.0
        if options.ponding:
            node_state.ponded_volume[i] = max(node_state.volume[i] - nodes.full_volume[i], 0.0)
    bad_link = -1
    for j in range(link_state.flow.shape[0]):
        if options.mode != MODE_STEADY:
            stored += link_state.volume[j]
        if bad_link < 0 and not np.isfinite(link_state.flow[j]):
            bad_link = j
    totals.storage[0] = stored
    bad_node = node_is_bad(nodes, options, node_state)
    _link_results(1.0, links, xsects, link_state, link_state.velocity, link_state.capacity)
    return bad_node, bad_link


@kernel(**JIT)
def _route_step(t_s, dt, lateral, nodes, links, xsects, curves, options, node_state,
                link_state, totals):  # fmt: skip
    """Route one dynamic-wave step of ``dt`` s from ``t_s`` with ``lateral`` (n_nodes,)
    cfs inflow.

    Returns ``(passes, bad_node, bad_link)``: Picard passes (negative when they ran out
    before convergence), and the first node / link whose state is not finite or out
    of range (-1 when none).  The Router runs the same step on threads as
    ``step_begin``, :func:`~twin.kernels.routing.dynwave.dynwave_step_threads` and
    ``step_finish``.
    """
    _step_begin(dt, lateral, nodes, links, xsects, curves, options, node_state, link_state,
                totals)  # fmt: skip
    steps = dynwave_step(dt, t_s + dt, nodes, links, xsects, curves, options, node_state,
                         link_state)  # fmt: skip
    bad_node, bad_link = _step_finish(dt, nodes, links, xsects, options, node_state, link_state,
                                      totals)  # fmt: skip
    return steps, bad_node, bad_link


@kernel(**JIT)
def _route_step_kinwave(dt, lateral, nodes, links, xsects, curves, options, node_state,
                        link_state, totals):  # fmt: skip
    """:func:`route_step` under kinematic wave or steady flow (``options.mode``); one pass."""
    _step_begin(dt, lateral, nodes, links, xsects, curves, options, node_state, link_state,
                totals)  # fmt: skip
    steps = kinwave_step(dt, nodes, links, xsects, curves, options, node_state, link_state)
    bad_node, bad_link = _step_finish(dt, nodes, links, xsects, options, node_state, link_state,
                                      totals)  # fmt: skip
    return steps, bad_node, bad_link


# -- entries called from Python or the batch: each takes the bundles' borrowed views
# once (twin.kernels.view) and runs its body on them, so no reference count is taken
# inside the step.


@kernel(**JIT)
def step_begin(dt, lateral, nodes, links, xsects, curves, options, node_state, link_state, totals):
    """:func:`_step_begin` on the bundles' views."""
    _step_begin(dt, lateral, view(nodes), view(links), view(xsects), view(curves),
                view(options), view(node_state), view(link_state), view(totals))  # fmt: skip


@kernel(**JIT)
def step_finish(dt, nodes, links, xsects, options, node_state, link_state, totals):
    """:func:`_step_finish` on the bundles' views."""
    return _step_finish(dt, view(nodes), view(links), view(xsects), view(options),
                        view(node_state), view(link_state), view(totals))  # fmt: skip


@kernel(**JIT)
def route_step(t_s, dt, lateral, nodes, links, xsects, curves, options, node_state, link_state,
               totals):  # fmt: skip
    """:func:`_route_step` on the bundles' views."""
    return _route_step(t_s, dt, lateral, view(nodes), view(links), view(xsects), view(curves),
                       view(options), view(node_state), view(link_state), view(totals))  # fmt: skip


@kernel(**JIT)
def route_step_kinwave(dt, lateral, nodes, links, xsects, curves, options, node_state,
                       link_state, totals):  # fmt: skip
    """:func:`_route_step_kinwave` on the bundles' views."""
    return _route_step_kinwave(dt, lateral, view(nodes), view(links), view(xsects),
                               view(curves), view(options), view(node_state),
                               view(link_state), view(totals))  # fmt: skip


_step_begin_conduits = variant(_step_begin, "conduits", update_settings=update_settings_conduits)
#: :func:`step_begin` for networks of conduits only (structures not compiled).
step_begin_conduits = variant(step_begin, "conduits", _step_begin=_step_begin_conduits)

#: :func:`route_step` for networks of conduits only (``links.true_conduit`` all 1 and
#: no other link kind): the same step, without compiling the structures' kernels.
route_step_conduits = variant(
    route_step,
    "conduits",
    _route_step=variant(
        _route_step,
        "conduits",
        _step_begin=_step_begin_conduits,
        dynwave_step=dynwave_step_conduits,
    ),
)
