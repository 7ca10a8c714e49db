"""One dynamic-wave routing step (SWMM 5.2 ``dynwave.c``), in ft/cfs: one loop, two compilations.

:func:`dynwave_step` does, in one call, what SWMM's ``routeFlow`` +
``dynwave_execute`` do: copy the new state to the old one, start the node flow
balances from the lateral inflows, then run Picard passes (at least two, at most
``options.max_trials``) of conduit momentum (:mod:`twin.kernels.routing.conduit`), a
serial scatter of link flows, surface areas and dq/dh onto nodes, outfall depths
(:mod:`twin.kernels.routing.boundary`) and node continuity
(:mod:`twin.kernels.routing.node`), skipping links whose end nodes have converged.
Pumps, orifices, weirs, outlets and DUMMY conduits take their flow after the conduits
(:mod:`twin.kernels.structures.flows`).

:func:`dynwave_step_threads` is the same Python function compiled with numba's
``parallel=True``: its per-element loops (node surface areas, conduit momentum, node
continuity with a convergence flag per node, link bypass flags) are ``prange`` loops,
which the serial compilation runs as plain ``range``.  Each iteration writes only its
own element's entries; what gathers from many elements (the scatter onto nodes, the
non-conduit links, the outfall depths, the convergence reduction) stays serial and in
element order.  So every floating-point operation is the one the serial kernel does,
and the results are identical whatever the number of threads.  The threaded
compilation is not cached (numba issue 8578; see :mod:`twin.kernels.config`) and no
cached kernel calls it: :class:`twin.engine.routing.Router` calls it from Python.
"""

from numba import prange

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT, JIT_THREADS
from twin.kernels.jit import kernel, variant
from twin.kernels.routing.boundary import _outfall_stages, set_outfall_depths
from twin.kernels.routing.conduit import conduit_flow
from twin.kernels.routing.constants import CONDUIT_LOSSES, KIND_PUMP, PUMP_TYPE4, STRUCTURES
from twin.kernels.routing.losses import add_conduit_losses
from twin.kernels.routing.node import node_flow_start, set_node_depth
from twin.kernels.structures.flows import nonconduit_flow
from twin.kernels.view import view


@kernel(**JIT)
def begin_step(dt, nodes, node_state, link_state):
    """SWMM's routeFlow preamble: new -> old state, node flows start from lateral inflow."""
    for j in range(link_state.flow.shape[0]):
        link_state.flow_old[j] = link_state.flow[j]
        link_state.depth_old[j] = link_state.depth[j]
        link_state.volume_old[j] = link_state.volume[j]
    for i in range(node_state.depth.shape[0]):
        node_state.depth_old[i] = node_state.depth[i]
        node_state.volume_old[i] = node_state.volume[i]
        node_state.inflow_old[i] = node_state.inflow[i]
        node_state.net_inflow_old[i] = node_state.inflow[i] - node_state.outflow[i]
        node_state.inflow[i] = node_state.lateral[i]
        node_state.outflow[i] = node_state.losses[i]
        full_v = nodes.full_volume[i]
        if node_state.volume[i] > full_v:
            node_state.overflow[i] = (node_state.volume[i] - full_v) / dt
        else:
            node_state.overflow[i] = 0.0


@kernel(**JIT)
def start_step(dt, t_end_s, nodes, curves, node_state, link_state):
    """What every dynamic-wave step does before its first pass (SWMM's ``routeFlow``
    preamble and ``dynwave_execute``'s initialisation), for the SWMM solver and the
    Newton solver alike: :func:`begin_step`, the outfall stages at ``t_end_s`` [s],
    no node converged yet, no link bypassed, the links' end surface areas cleared and
    their upstream area ``a2`` starting from ``a1``."""
    begin_step(dt, nodes, node_state, link_state)
    _outfall_stages(t_end_s, nodes, curves, node_state)
    for i in range(node_state.depth.shape[0]):
        node_state.converged[i] = 0.0
        node_state.dydt[i] = 0.0
    for j in range(link_state.flow.shape[0]):
        link_state.bypassed[j] = 0.0
        link_state.surf_area1[j] = 0.0
        link_state.surf_area2[j] = 0.0
        link_state.a2[j] = link_state.a1[j]


@kernel(**JIT)
def _update_node_flows(j, links, node_state, link_state, barrels):
    """Add link ``j``'s flow, surface areas (times ``barrels``) and dq/dh to its end nodes."""
    n1 = links.node1[j]
    n2 = links.node2[j]
    q = link_state.flow[j]
    if q >= 0.0:
        node_state.outflow[n1] += q
        node_state.inflow[n2] += q
    else:
        node_state.inflow[n1] -= q
        node_state.outflow[n2] -= q
    node_state.surf_area[n1] += link_state.surf_area1[j] * barrels
    node_state.surf_area[n2] += link_state.surf_area2[j] * barrels
    node_state.sum_dqdh[n1] += link_state.dqdh[j]
    if links.kind[j] != KIND_PUMP or links.subtype[j] != PUMP_TYPE4:
        node_state.sum_dqdh[n2] += link_state.dqdh[j]


def _dynwave_step(dt, t_end_s, nodes, links, xsects, curves, options, node_state, link_state):
    """Route one step of ``dt`` seconds ending at elapsed time ``t_end_s``; returns passes.

    ``node_state.lateral`` must hold this step's lateral inflow [cfs].  Returns
    ``steps`` (Picard passes) and sets ``node_state.converged``; a negative value
    means the passes ran out before every node converged (``-steps``).
    """
    n_nodes = node_state.depth.shape[0]
    n_links = link_state.flow.shape[0]
    start_step(dt, t_end_s, nodes, curves, node_state, link_state)
    steps = 0
    converged = False
    while steps < options.max_trials:
        # node surface areas and flow balances start afresh (per node)
        for i in prange(n_nodes):
            d, lat, loss = node_state.depth[i], node_state.lateral[i], node_state.losses[i]
            a, q_in, q_out = node_flow_start(i, d, lat, loss, nodes, curves, options)
            node_state.surf_area[i] = a
            node_state.inflow[i] = q_in
            node_state.outflow[i] = q_out
            node_state.sum_dqdh[i] = 0.0
        # conduit momentum (per conduit: reads node depths, writes its own entries)
        for j in prange(n_links):
            if links.true_conduit[j] == 1 and link_state.bypassed[j] == 0.0:
                conduit_flow(j, steps, dt, nodes, links, xsects, options, node_state, link_state)
        # serial, in link order: the sums onto nodes, then the other links
        for j in range(n_links):
            if links.true_conduit[j] == 1:
                _update_node_flows(j, links, node_state, link_state, links.barrels[j])
                if CONDUIT_LOSSES and options.conduit_losses:
                    add_conduit_losses(j, nodes, links, node_state, link_state)
        for j in range(n_links):
            if STRUCTURES and links.true_conduit[j] == 0:
                if link_state.bypassed[j] == 0.0:
                    nonconduit_flow(
                        j, steps, dt, nodes, links, xsects, curves, options, node_state,
                        link_state,
                    )  # fmt: skip
                _update_node_flows(j, links, node_state, link_state, 1.0)
        set_outfall_depths(nodes, links, xsects, node_state, link_state)
        # node continuity (per node, with its own convergence flag)
        for i in prange(n_nodes):
            if nodes.kind[i] != NODE_OUTFALL:
                y_prev = node_state.depth[i]
                set_node_depth(i, steps, dt, nodes, curves, options, node_state)
                if abs(y_prev - node_state.depth[i]) > options.head_tol:
                    node_state.converged[i] = 0.0
                else:
                    node_state.converged[i] = 1.0
        converged = True
        for i in range(n_nodes):
            if nodes.kind[i] != NODE_OUTFALL and node_state.converged[i] == 0.0:
                converged = False
                break
        steps += 1
        if steps > 1:
            if converged:
                break
            for j in prange(n_links):
                n1 = links.node1[j]
                n2 = links.node2[j]
                if node_state.converged[n1] == 1.0 and node_state.converged[n2] == 1.0:
                    link_state.bypassed[j] = 1.0
                else:
                    link_state.bypassed[j] = 0.0
    mark_capacity_limited(nodes, links, xsects, node_state, link_state)
    return steps if converged else -steps


#: The step on one thread (``prange`` runs as ``range``); cached.
dynwave_step = kernel(**JIT)(_dynwave_step)
_dynwave_step_on_threads = kernel(**JIT_THREADS)(_dynwave_step)


@kernel(**dict(JIT_THREADS, parallel=False))
def dynwave_step_threads(dt, t_end_s, nodes, links, xsects, curves, options, node_state,
                         link_state):  # fmt: skip
    """The same step with its per-element loops on numba's threads (not cached), on
    the bundles' views (:mod:`twin.kernels.view`); called from Python."""
    return _dynwave_step_on_threads(dt, t_end_s, view(nodes), view(links), view(xsects),
                                    view(curves), view(options), view(node_state),
                                    view(link_state))  # fmt: skip


@kernel(**JIT)
def mark_capacity_limited(nodes, links, xsects, node_state, link_state):
    """Flag full conduits whose head drop exceeds their slope (SWMM's capacity-limited
    conduits, a statistic): ``link_state.capacity_limited`` 1 or 0."""
    for j in range(link_state.flow.shape[0]):
        link_state.capacity_limited[j] = 0.0
        if links.true_conduit[j] == 0:
            continue
        if link_state.a1[j] >= xsects.a_full[j]:
            n1 = links.node1[j]
            n2 = links.node2[j]
            h1 = node_state.depth[n1] + nodes.invert[n1]
            h2 = node_state.depth[n2] + nodes.invert[n2]
            if h1 - h2 > abs(links.slope[j]) * links.length[j]:
                link_state.capacity_limited[j] = 1.0


#: The step for networks of conduits only (``links.true_conduit`` all 1): the
#: structures' kernels are not compiled.
dynwave_step_conduits = variant(_dynwave_step, "conduits", STRUCTURES=False)
#: The threaded step for networks of conduits only (structures not compiled).
dynwave_step_threads_conduits = variant(
    dynwave_step_threads,
    "conduits",
    _dynwave_step_on_threads=variant(_dynwave_step_on_threads, "conduits", STRUCTURES=False),
)
