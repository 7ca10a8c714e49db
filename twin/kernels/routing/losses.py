"""Storage-unit evaporation and seepage (SWMM 5.2 ``node.c`` storage_getLosses, ``exfil.c``).

SWMM computes each storage unit's loss rate once per routing step, before it routes
(``addSystemInflows``), from the state the last step left (``newDepth``,
``newVolume``); the rate then starts the node's outflow in every Picard pass
(``node_state.losses``, read by the dynamic- and kinematic-wave steps).

- Evaporation: the climate rate [ft/s] times the unit's evaporation factor, over the
  surface area at the current depth (when the unit holds more than FUDGE ft3; SWMM
  otherwise leaves the rate in ft/s, which the volume cap below then takes to nothing).
- Seepage (exfiltration): through the bottom area at the saturated conductivity, or by
  modified Green-Ampt with the water depth as ponded depth; through the banks (the
  area above the bottom's, up to where the area stops growing) the same, Green-Ampt
  with half the bank's wetted height.  The bottom and the banks each keep their own
  Green-Ampt state.
- Both rates together take at most the stored volume over the step.

Arrays (one row per storage unit with losses, ``loss_node[k]`` its node index):
``evap_factor`` (k,), ``has_exfil`` (k,) 0/1, ``exfil_geom`` (k, 4) = bottom area ft2,
bank minimum depth ft, bank maximum depth ft, bank maximum area ft2; ``ga_par`` (k, 5)
Green-Ampt suction ft, Ks ft/s, IMDmax, Lu ft (:mod:`twin.kernels.runoff.infiltration`);
``ga_bottom``, ``ga_bank`` (k, 6) their states.  Rates in cfs, volumes ft3, time s.
"""

from twin.kernels.codes import NODE_OUTFALL
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import FUDGE
from twin.kernels.routing.storage import storage_area
from twin.kernels.runoff.infiltration import green_ampt_rate
from twin.kernels.view import view
from twin.kernels.xsect.geometry import RECT_CLOSED, width_at_depth


@kernel(**JIT)
def exfiltration_rate(k, dt, depth, area, has_ks_only, exfil_geom, ga_par, ga_bottom, ga_bank,
                      recovery, cond_factor):  # fmt: skip
    """SWMM's ``exfil_getLoss``: seepage [cfs] of storage row ``k`` at ``depth`` ft over
    surface ``area`` ft2 in a step of ``dt`` s; ``cond_factor`` is the month's
    [ADJUSTMENTS] CONDUCTIVITY factor (SWMM's ``Adjust.hydconFactor``)."""
    btm_area = exfil_geom[k, 0]
    bank_min = exfil_geom[k, 1]
    bank_max = exfil_geom[k, 2]
    bank_max_area = exfil_geom[k, 3]
    par = ga_par[k]
    if has_ks_only:
        rate = par[1] * cond_factor
    else:
        rate = green_ampt_rate(par, ga_bottom[k], dt, 0.0, depth, True, recovery, cond_factor)
    rate *= btm_area
    if depth > bank_min:
        bank_area = min(area, bank_max_area) - btm_area
        if bank_area > 0.0:
            if has_ks_only:
                rate += bank_area * par[1] * cond_factor
            else:
                if depth > bank_max:
                    d = depth - bank_max + (bank_max - bank_min) / 2.0
                else:
                    d = (depth - bank_min) / 2.0
                rate += bank_area * green_ampt_rate(
                    par, ga_bank[k], dt, 0.0, d, True, recovery, cond_factor
                )
    return rate


@kernel(**JIT)
def _storage_losses(dt, evap_fps, recovery, cond_factor, loss_node, evap_factor, has_exfil,
                    exfil_geom, ga_par, ga_bottom, ga_bank, nodes, curves, node_state,
                    totals):  # fmt: skip
    """Set ``node_state.losses`` of the storage units with losses for a step of ``dt``
    s and the storage part of the step's loss rates; add half a step of the last
    step's rates to the totals (:func:`finish_losses` adds the other half)."""
    totals.evaporation[0] += 0.5 * dt * totals.rate_evaporation[0]
    totals.seepage[0] += 0.5 * dt * totals.rate_seepage[0]
    q_evap = 0.0
    q_seep = 0.0
    for k in range(loss_node.shape[0]):
        i = loss_node[k]
        evap = evap_fps * evap_factor[k]
        exfil = 0.0
        volume = node_state.volume[i]
        if evap > 0.0 or has_exfil[k]:
            depth = node_state.depth[i]
            area = storage_area(i, depth, nodes, curves)
            if volume > FUDGE:
                evap = area * evap
            if has_exfil[k]:
                exfil = exfiltration_rate(k, dt, depth, area, ga_par[k, 2] == 0.0, exfil_geom,
                                          ga_par, ga_bottom, ga_bank, recovery,
                                          cond_factor)  # fmt: skip
            total = (evap + exfil) * dt
            if total > volume:
                ratio = volume / total
                evap *= ratio
                exfil *= ratio
        node_state.losses[i] = evap + exfil
        q_evap += evap
        q_seep += exfil
    totals.rate_evaporation[0] = q_evap
    totals.rate_seepage[0] = q_seep


@kernel(**JIT)
def storage_losses(dt, evap_fps, recovery, cond_factor, loss_node, evap_factor, has_exfil,
                   exfil_geom, ga_par, ga_bottom, ga_bank, nodes, curves, node_state,
                   totals):  # fmt: skip
    """:func:`_storage_losses` on the bundles' views (called from Python once a step);
    ``cond_factor`` scales the seepage conductivity ([ADJUSTMENTS] CONDUCTIVITY)."""
    _storage_losses(dt, evap_fps, recovery, cond_factor, loss_node, evap_factor, has_exfil,
                    exfil_geom, ga_par, ga_bottom, ga_bank, view(nodes), view(curves),
                    view(node_state), view(totals))  # fmt: skip


@kernel(**JIT)
def conduit_loss_rate(j, dt, links, xsects, link_state):
    """SWMM's ``conduit_getLossRate`` under dynamic wave: evaporation from an open
    conduit's surface and seepage ([LOSSES]) over its bed, per barrel [cfs], at the
    mean of the step's old and the last pass's depth, together at most the conduit's
    volume over the step; kept in ``link_state.evap_loss`` / ``seep_loss``.  The
    climate rate is ``link_state.evap_rate[j]`` [ft/s], the seepage's conductivity
    factor ``link_state.seep_factor[j]``."""
    return _conduit_losses_capped(j, link_state.volume[j] / dt, links, xsects, link_state)


@kernel(**JIT)
def conduit_loss_rate_at_flow(j, q_cfs, links, xsects, link_state):
    """SWMM's ``conduit_getLossRate`` under kinematic wave and steady flow: as
    :func:`conduit_loss_rate`, the total at most the conduit's flow ``|q_cfs|`` per
    barrel [cfs] instead of its volume over the step."""
    return _conduit_losses_capped(j, abs(q_cfs), links, xsects, link_state)


@kernel(**JIT)
def _conduit_losses_capped(j, q_cap, links, xsects, link_state):
    """Conduit ``j``'s evaporation and seepage per barrel [cfs], together at most
    ``q_cap`` cfs (see :func:`conduit_loss_rate`)."""
    evap_fps = link_state.evap_rate[j]
    depth = 0.5 * (link_state.depth_old[j] + link_state.depth[j])
    evap = 0.0
    seep = 0.0
    total = 0.0
    if depth > FUDGE:
        length = links.length[j]
        if xsects.closed[j] == 0 and evap_fps > 0.0:
            evap = width_at_depth(xsects, j, depth) * length * evap_fps
        if links.seep_rate[j] > 0.0:
            if xsects.shape_code[j] == RECT_CLOSED:
                width = xsects.w_max[j]
            else:
                width = width_at_depth(xsects, j, min(depth, xsects.yw_max[j]))
            seep = links.seep_rate[j] * width * length
            seep *= link_state.seep_factor[j]  # [ADJUSTMENTS] CONDUCTIVITY, as link.c
        total = evap + seep
        q = q_cap
        if total > q:
            evap = evap * q / total
            seep = seep * q / total
            total = q
    link_state.evap_loss[j] = evap
    link_state.seep_loss[j] = seep
    return total


@kernel(**JIT)
def add_conduit_losses(j, nodes, links, node_state, link_state):
    """SWMM's updateNodeFlows: conduit ``j``'s losses (all barrels) leave through its end
    nodes, half each, or all through the one that is not an outfall."""
    rate = (link_state.evap_loss[j] + link_state.seep_loss[j]) * links.barrels[j]
    if rate > 0.0:
        n1 = links.node1[j]
        n2 = links.node2[j]
        out1 = nodes.kind[n1] == NODE_OUTFALL
        out2 = nodes.kind[n2] == NODE_OUTFALL
        if not out1 and not out2:
            rate /= 2.0
        if not out1:
            node_state.outflow[n1] += rate
        if not out2:
            node_state.outflow[n2] += rate


@kernel(**JIT)
def _finish_losses(dt, links, link_state, totals):
    """After routing: add the conduits' losses of the step to the loss rates and half a
    step of those rates to the totals (SWMM's removeConduitLosses)."""
    q_evap = totals.rate_evaporation[0]
    q_seep = totals.rate_seepage[0]
    for j in range(link_state.flow.shape[0]):
        if links.true_conduit[j] == 1:
            q_evap += link_state.evap_loss[j] * links.barrels[j]
            q_seep += link_state.seep_loss[j] * links.barrels[j]
    totals.rate_evaporation[0] = q_evap
    totals.rate_seepage[0] = q_seep
    totals.evaporation[0] += 0.5 * dt * q_evap
    totals.seepage[0] += 0.5 * dt * q_seep


@kernel(**JIT)
def finish_losses(dt, links, link_state, totals):
    """:func:`_finish_losses` on the bundles' views (called from Python after a step)."""
    _finish_losses(dt, view(links), view(link_state), view(totals))
