"""One routing step of many ensemble members in one compiled call, members in parallel.

Every state array carries a leading member axis ``m``.  The network tables carry a
leading axis of table sets: member ``m`` reads set ``table_of[m]``, so members with
equal tables share one copy (members may differ, e.g. a blocked pipe changes its
cross-section row; ragged tables are padded at the end, which no index reaches).  Each
member keeps its own clock and step: ``t_s[m]`` and ``dt[m]`` [s].  The members
listed in ``active`` each take one :func:`~twin.kernels.routing.step.route_step`,
spread over the threads with ``prange``; a member's step touches only its own rows,
so the result is the same, bit for bit, as routing the members one after another.
Units ft, ft3, cfs, s.
"""

from numba import njit, prange

from twin.kernels.config import JIT_MEMBERS
from twin.kernels.routing.step import route_step


@njit(**JIT_MEMBERS)
def route_members(
    active,
    mode,
    t_s,
    dt,
    lateral,
    table_of,
    node_par,
    node_int,
    link_par,
    link_int,
    xs,
    tables,
    curve_start,
    curve_x,
    curve_y,
    node_state,
    link_state,
    stage_at_node,
    opt_f,
    opt_i,
    order,
    ponding,
    runaway_ft,
    acc,
    rates,
    inflow_vol,
    outflow_vol,
    head_at_node,
    ponded_at_node,
    velocity,
    capacity,
    scratch_flow,
    scratch_depth,
    out,
):
    """Route one step of every member in ``active`` (k,) int64.

    ``mode`` (M,) int64, ``t_s``/``dt`` (M,) s, ``lateral`` (M, n_nodes) cfs,
    ``ponding`` (M,) bool; ``table_of`` (M,) int64 is the table set of each member:
    ``node_par`` to ``curve_y``, ``opt_f``, ``opt_i`` and ``order`` have a leading
    axis of sets; the live state, as :func:`route_step`, a leading member axis.
    Writes ``out[m] = (passes, bad_node, bad_link)`` (M, 3) int64.
    """
    for k in prange(active.shape[0]):
        m = active[k]
        j = table_of[m]
        steps, bad_node, bad_link = route_step(
            mode[m],
            t_s[m],
            dt[m],
            lateral[m],
            node_par[j],
            node_int[j],
            link_par[j],
            link_int[j],
            xs[j],
            tables[j],
            curve_start[j],
            curve_x[j],
            curve_y[j],
            node_state[m],
            link_state[m],
            stage_at_node[m],
            opt_f[j],
            opt_i[j],
            order[j],
            ponding[m],
            runaway_ft,
            acc[m],
            rates[m],
            inflow_vol[m],
            outflow_vol[m],
            head_at_node[m],
            ponded_at_node[m],
            velocity[m],
            capacity[m],
            scratch_flow[m],
            scratch_depth[m],
        )
        out[m, 0] = steps
        out[m, 1] = bad_node
        out[m, 2] = bad_link
