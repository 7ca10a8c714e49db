"""One dynamic-wave routing step solved by Newton's method on all node heads at once.

Same physics and link equations as :func:`twin.kernels.routing.dynwave.dynwave_step` (SWMM
5.2): each iteration evaluates every conduit's momentum equation at the current
heads (:func:`~twin.kernels.routing.conduit.conduit_flow` with ``newton=True``, which
also returns dQ/dH at both ends), scatters flows and surface areas onto the nodes,
evaluates pumps, orifices, weirs and outlets after the conduits as SWMM does
(lagged: their flows at the current heads, with their dq/dh where SWMM has one),
sets outfall depths from the flows, then solves the node continuity equations
(:mod:`twin.kernels.newton.nodes`) for the head changes of all nodes together
(:mod:`twin.kernels.newton.sparse_lu`) and moves every link's flow to first order
with them.  It stops when the largest head change is below HEAD_TOLERANCE and no
node changed mode (free surface, EXTRAN surcharge, flooding), or after MAX_TRIALS
iterations.  Units ft, ft2, ft3, cfs, s.
"""

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.newton.nodes import assemble, node_flow_sums, node_top, update_heads
from twin.kernels.newton.sparse_lu import lu_factor, lu_solve
from twin.kernels.newton.system import (
    MODE_FLOODED,
    MODE_SURCHARGED,
    STAT_ITERATIONS,
    STAT_LAST_DT,
    STAT_LINK_EVALS,
    STAT_MAX_DH,
    STAT_MAX_DH_NODE,
)
from twin.kernels.routing.boundary import set_outfall_depths
from twin.kernels.routing.conduit import conduit_flow
from twin.kernels.routing.constants import (
    FC_DN_CRITICAL,
    FC_SUBCRITICAL,
    FC_UP_CRITICAL,
    FUDGE,
    KIND_ORIFICE,
    KIND_PUMP,
    KIND_WEIR,
    PUMP_TYPE4,
    WEIR_ROADWAY,
)
from twin.kernels.routing.dynwave import _update_node_flows, mark_capacity_limited, start_step
from twin.kernels.routing.node import ponded_surface_area
from twin.kernels.routing.storage import node_surface_area, node_volume
from twin.kernels.structures.flows import nonconduit_flow

#: Newton iterations at most per step (or MAX_TRIALS if more): a step that has not
#: converged by then is kept, as SWMM keeps one after MAX_TRIALS passes (the step
#: controller shortens the next one).  16, not SWMM's 8: in the first half a node stopped
#: at its crown does not end the step (``update_heads``' ``strict``), and one that fell
#: through the crown climbs back through the surcharge band's storage in several
#: iterations (OWA_EXTRAN/extran7's junction 82309 took up to 10).
MIN_NEWTON_TRIALS = 16
#: Iterations at least: the first one moves the heads from the last step's state, the
#: second evaluates the links where they arrived (as SWMM takes two passes at least).
MIN_ITERATIONS = 2
#: From this iteration on, pumps keep the flows the last one gave them: a pump curve's
#: steps (TYPE1/TYPE2) or an on/off depth make a lagged pump's flow jump with its wet
#: well's head, and at a node with no storage (EXTRAN above the surcharge band) the heads
#: would cycle across the jump for good (OWA_EXTRAN/extran7, junction 82309 between 10 and
#: 20 cfs at 25 ft); held, the other links balance the pump's flow of that head.
HOLD_PUMPS_AFTER = 4
#: BDF2 is zero-stable for step ratios below 1 + sqrt(2); larger jumps restart from BE.
MAX_BDF2_RATIO = 2.0


@kernel(**JIT)
def structure_derivatives(j, links, xsects, link_state):
    """(dQ/dH upstream, dQ/dH downstream) [cfs/ft] of non-conduit ``j`` at its last flow.

    Orifices and weirs: SWMM's dq/dh at the ends whose head they see (both when
    submerged, the inlet only when the outlet is below the crest).  TYPE4 pumps:
    dq/dh on the wet well.  Other pumps, outlets and dummy links are lagged (0), and so
    is a weir that cannot surcharge once the water passes its top: SWMM holds its head
    at the opening's height there (its flow no longer rises with the node's head) but
    still gives the dq/dh at that head, which newton would take for a real response.
    """
    kind = links.kind[j]
    dqdh = link_state.dqdh[j]
    if kind == KIND_PUMP:
        if links.subtype[j] == PUMP_TYPE4 and link_state.flow[j] > 0.0:
            return dqdh * link_state.setting[j], 0.0
        return 0.0, 0.0
    if (kind != KIND_ORIFICE and kind != KIND_WEIR) or link_state.flow[j] == 0.0:
        return 0.0, 0.0
    if (kind == KIND_WEIR and links.subtype[j] != WEIR_ROADWAY and links.can_surcharge[j] == 0
            and link_state.depth[j] >= link_state.setting[j] * xsects.y_full[j]):  # fmt: skip
        return 0.0, 0.0  # above its top: the head is held at the opening's height
    fc = link_state.flow_class[j]
    if fc == FC_SUBCRITICAL:
        return dqdh, -dqdh
    if fc == FC_DN_CRITICAL:
        return dqdh, 0.0
    if fc == FC_UP_CRITICAL:
        return 0.0, -dqdh
    return 0.0, 0.0


@kernel(**JIT)
def bdf2_coefficients(dt, dt_prev):
    """``(alpha1, alpha2, beta)`` of variable-step BDF2, ``y+ - alpha1 y + alpha2 y- =
    beta dt f(y+)``, for a step of ``dt`` after one of ``dt_prev`` [s]; backward Euler
    ``(1, 0, 1)`` on the first step or after a step more than twice as long."""
    if dt_prev <= 0.0 or dt > MAX_BDF2_RATIO * dt_prev:
        return 1.0, 0.0, 1.0
    w = dt / dt_prev
    d = 1.0 + 2.0 * w
    return (1.0 + w) ** 2 / d, w * w / d, (1.0 + w) / d


@kernel(**JIT)
def evaluate_links(alpha1, alpha2, beta, dt, first, still_ft, hold_pumps, nodes, links, xsects,
                   curves, options, node_state, link_state, work):  # fmt: skip
    """Every link's flow and dQ/dH at the current heads; node inflow, outflow and area.

    Conduits integrate their momentum by BDF2 with the coefficients ``(alpha1,
    alpha2, beta)`` of this step (:func:`bdf2_coefficients`), those with
    ``work.restart`` by backward Euler.  ``first``: the step's first iteration, which
    decides where the normal-flow limit is tested for the others.  After it, a conduit
    whose two end heads both moved by at most ``still_ft`` [ft] in the last iteration
    (``work.dh``) keeps its flow (moved by its derivatives times those head changes) and
    derivatives instead of being evaluated again (``still_ft`` < 0: every conduit is).
    ``hold_pumps``: pumps keep their flows (and derivatives) instead (see HOLD_PUMPS_AFTER).
    Returns the conduits evaluated.
    """
    for i in range(node_state.depth.shape[0]):  # areas and flow balances start afresh
        d = node_state.depth[i]
        if options.ponding:
            node_state.surf_area[i] = ponded_surface_area(i, d, nodes, curves)
        else:
            node_state.surf_area[i] = node_surface_area(i, d, nodes, curves)
        node_state.inflow[i] = 0.0
        node_state.outflow[i] = node_state.losses[i]
        lat = node_state.lateral[i]
        if lat >= 0.0:
            node_state.inflow[i] += lat
        else:
            node_state.outflow[i] -= lat
        node_state.sum_dqdh[i] = 0.0
    n_links = links.kind.shape[0]
    evaluated = 0
    for j in range(n_links):
        if links.true_conduit[j] == 1:
            if (not first and abs(work.dh[links.node1[j]]) <= still_ft
                    and abs(work.dh[links.node2[j]]) <= still_ft):  # fmt: skip
                continue
            evaluated += 1
            barrels = links.barrels[j]
            if work.restart[j] != 0.0:  # backward Euler from the step's start
                q_hist = link_state.flow_old[j] / barrels
                a_hist = link_state.a2[j]
                b = 1.0
            else:
                q_hist = (alpha1 * link_state.flow_old[j] - alpha2 * work.q_prev[j]) / barrels
                a_hist = alpha1 * link_state.a2[j] - alpha2 * work.a_prev[j]
                b = beta
            test = -1  # the first iteration decides where the normal-flow limit applies
            if not first:
                test = 1 if link_state.normal_flow_limited[j] > 0.0 else 0
            up, dn = conduit_flow(
                j, 0, dt, nodes, links, xsects, options, node_state, link_state, True, q_hist,
                a_hist, b, test,
            )  # fmt: skip
            work.dqdh_up[j] = up
            work.dqdh_dn[j] = dn
    for j in range(n_links):
        if links.true_conduit[j] == 1:
            barrels = links.barrels[j]
            _update_node_flows(j, links, node_state, link_state, barrels)
    for j in range(n_links):
        if links.true_conduit[j] == 0:
            if not (hold_pumps and links.kind[j] == KIND_PUMP):
                nonconduit_flow(j, 0, dt, nodes, links, xsects, curves, options, node_state,
                                link_state)  # fmt: skip
                up, dn = structure_derivatives(j, links, xsects, link_state)
                work.dqdh_up[j] = up
                work.dqdh_dn[j] = dn
            _update_node_flows(j, links, node_state, link_state, 1.0)
    return evaluated


@kernel(**JIT)
def finish_nodes(dt, nodes, curves, options, node_state, work):
    """Volumes, overflows and dy/dt of every non-outfall node at its final head.

    A flooding node (head held at its top, no ponding) keeps its full volume and
    loses what its storage area cannot take: ``(dV - A (y - y_old)) / dt``.  With
    ponding, volume above full is stored over the ponded area, as SWMM does.
    """
    ponding = options.ponding
    min_area = options.min_surfarea
    for i in range(node_state.depth.shape[0]):
        if nodes.kind[i] == NODE_OUTFALL:
            continue
        y = node_state.depth[i]
        y_old = node_state.depth_old[i]
        dv = 0.5 * (node_state.net_inflow_old[i] + node_state.inflow[i]
                    - node_state.outflow[i]) * dt  # fmt: skip
        can_pond = ponding and nodes.ponded_area[i] > 0.0
        full_v = nodes.full_volume[i]
        node_state.overflow[i] = 0.0
        mode = work.mode[i]
        if can_pond and y > nodes.full_depth[i]:
            v_old = node_state.volume_old[i]
            v_new = max(v_old + dv, full_v)
            node_state.volume[i] = v_new
            node_state.overflow[i] = (v_new - max(v_old, full_v)) / dt
        elif mode == MODE_FLOODED or (not can_pond and y >= node_top(i, nodes, False)):
            node_state.volume[i] = full_v
            stored = 0.0
            if mode != MODE_SURCHARGED and mode != MODE_FLOODED:
                stored = max(node_state.surf_area[i], min_area) * (y - y_old)
            node_state.overflow[i] = max(dv - stored, 0.0) / dt
        else:
            node_state.volume[i] = node_volume(i, y, nodes, curves)
        if node_state.overflow[i] < FUDGE:
            node_state.overflow[i] = 0.0
        node_state.dydt[i] = abs(y - y_old) / dt


@kernel(**JIT)
def newton_step(dt, t_end_s, still_ft, nodes, links, xsects, curves, options, node_state,
                link_state, system, work):  # fmt: skip
    """Route one step of ``dt`` s ending at ``t_end_s`` by Newton iterations on the heads.

    ``still_ft``: after the first iteration, conduits whose end heads moved by at most
    this much are not evaluated again (:func:`evaluate_links`; < 0: all are).

    ``node_state.lateral`` must hold this step's lateral inflow [cfs].  Returns the
    iterations (negative when they ran out before convergence) and records them, the
    last head change and its node in ``work.stats``.
    """
    n_nodes = node_state.depth.shape[0]
    n_links = link_state.flow.shape[0]
    head_tol = options.head_tol
    max_iter = max(options.max_trials, MIN_NEWTON_TRIALS)
    for j in range(n_links):  # the state at the previous step's start, for BDF2
        work.q_prev[j] = link_state.flow_old[j]
        work.a_prev[j] = link_state.a2[j]
        # a flow held at the normal-flow limit is not a smooth function of time: BDF2's
        # extrapolation through its jumps would overshoot (a sawtooth), so restart by BE
        work.restart[j] = 1.0 if link_state.normal_flow_limited[j] == 1.0 else 0.0
    alpha1, alpha2, beta = bdf2_coefficients(dt, work.stats[STAT_LAST_DT])
    work.stats[STAT_LAST_DT] = dt
    start_step(dt, t_end_s, nodes, curves, node_state, link_state)
    for i in range(n_nodes):
        work.dh[i] = 0.0
    s = system
    iters = 0
    converged = False
    worst = 0.0
    worst_node = -1
    while iters < max_iter:
        work.stats[STAT_LINK_EVALS] += evaluate_links(
            alpha1, alpha2, beta, dt, iters == 0, still_ft, iters >= HOLD_PUMPS_AFTER, nodes,
            links, xsects, curves, options, node_state, link_state, work,
        )  # fmt: skip
        set_outfall_depths(nodes, links, xsects, node_state, link_state)
        assemble(dt, nodes, links, options, node_state, s, work)
        lu_factor(work.diag, work.upper, work.lower, s.edge_second, s.pivot_start,
                  s.pivot_edges, s.pair_start, s.pair_target)  # fmt: skip
        lu_solve(work.diag, work.upper, work.lower, s.edge_second, s.pivot_start,
                 s.pivot_edges, work.rhs)  # fmt: skip
        strict = 2 * iters < max_iter  # a stop at the crown ends no step in the first half
        worst, worst_node = update_heads(nodes, links, options, node_state, link_state, s, work,
                                         strict)  # fmt: skip
        iters += 1
        if worst <= head_tol and iters >= MIN_ITERATIONS:
            converged = True
            break
    for j in range(n_links):
        if links.true_conduit[j] == 1:
            link_state.q1[j] = link_state.flow[j] / links.barrels[j]
    node_flow_sums(links, node_state, link_state)
    finish_nodes(dt, nodes, curves, options, node_state, work)
    for i in range(n_nodes):
        node_state.converged[i] = 1.0 if converged else 0.0
    mark_capacity_limited(nodes, links, xsects, node_state, link_state)
    work.stats[STAT_ITERATIONS] = iters if converged else -iters
    work.stats[STAT_MAX_DH] = worst
    work.stats[STAT_MAX_DH_NODE] = worst_node
    return iters if converged else -iters
