"""Per-routing-step statistics, as SWMM's ``stats.c`` keeps them (ft, cfs, s).

:class:`StepStats` holds a simulation's running statistics and what they compare
against (inverts, crowns, full volumes, flags); :func:`update_stats` updates them
after one routing step from the routing state bundles, in one compiled call, and
:func:`update_stats_members` does it for every member of an ensemble batch in one
call (each member's own bundles, the same arithmetic in the same order: a member's
statistics are those of its own run, bit for bit).
"""

from numba import types
from numba.experimental import structref

from twin.kernels.bundle import Bundle, bind
from twin.kernels.bundle import link_field as _link
from twin.kernels.bundle import node_field as _node
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.view import view
from twin.kernels.views import Views  # noqa: F401 - registers the Views type with numba

__all__ = ["StepStats", "update_stats", "update_stats_members"]

FUDGE = 0.0001  # ft
F, I, B = "float64", "int64", "bool"


@structref.register
class StepStatsType(types.StructRef):
    pass


class StepStats(Bundle):
    """A simulation's running statistics (SWMM's ``stats.c``), updated after every step."""

    fields = (
        _node("invert_ft", F, "ft", "node invert elevation"),
        _node("crown_elev_ft", F, "ft", "elevation of the node's highest crown"),
        _node("full_volume_ft3", F, "ft3", "node volume when full"),
        _node("is_outfall", B, "-", "node is an outfall"),
        _node("counts_surcharge", B, "-",
              "surcharge time counted (dynamic wave, not a storage unit without surcharge)"),
        _node("can_pond", B, "-", "node may pond (ponding allowed and a ponded area)"),
        _node("lat_old", F, "cfs", "lateral inflow of the previous step"),
        _node("node_max_depth", F, "ft", "highest depth"),
        _node("node_max_depth_t", F, "s", "when the highest depth was reached"),
        _node("flood_time", F, "s", "time flooded"),
        _node("flood_vol", F, "ft3", "volume flooded"),
        _node("max_overflow", F, "cfs", "highest flooding rate"),
        _node("node_surcharge_time", F, "s", "time surcharged"),
        _node("max_ponded", F, "ft3", "highest ponded volume"),
        _node("lat_vol", F, "ft3", "lateral inflow volume"),
        _node("max_lat", F, "cfs", "lateral inflow of the largest magnitude"),
        _node("max_inflow", F, "cfs", "highest total inflow"),
        _node("node_critical", I, "-", "steps this node limited the routing step"),
        _link("from_node", I, "code", "upstream node (file orientation)"),
        _link("to_node", I, "code", "downstream node (file orientation)"),
        _link("crown_up_ft", F, "ft", "crown elevation at the upstream end"),
        _link("crown_dn_ft", F, "ft", "crown elevation at the downstream end"),
        _link("is_conduit", B, "-", "link is a conduit"),
        _link("link_max_flow", F, "cfs", "highest |flow|"),
        _link("link_max_flow_t", F, "s", "when the highest |flow| was reached"),
        _link("link_max_velocity", F, "ft/s", "highest |velocity|"),
        _link("link_max_depth", F, "ft", "highest depth"),
        _link("link_surcharge_time", F, "s", "time full at both ends"),
        _link("link_critical", I, "-", "steps this link limited the routing step"),
    )  # fmt: skip


bind(StepStats, StepStatsType)


@kernel(**JIT)
def _update_stats(dt_s, t_s, lat_new_cfs, st, node_state, link_state, critical_node,
                  critical_link):  # fmt: skip
    """Accumulate the statistics ``st`` after one routing step of ``dt_s`` ending at
    ``t_s`` [s]; ``lat_new_cfs`` (n_nodes,) this step's lateral inflow [cfs].

    ``counts_surcharge`` is False for storage units without surcharge depth and for
    non-dynamic-wave routing (SWMM counts surcharge time only then).  A conduit counts
    as surcharged when the head at both ends is at or above its crown there (SWMM's
    ``ALL_FULL`` state).  ``critical_node``/``critical_link``: the elements that
    limited the step (-1: none).
    """
    depth_ft = node_state.depth
    for j in range(depth_ft.shape[0]):
        y = depth_ft[j]
        if y > st.node_max_depth[j]:
            st.node_max_depth[j] = y
            st.node_max_depth_t[j] = t_s
        overflow = node_state.overflow[j]
        if not st.is_outfall[j]:
            if node_state.volume[j] > st.full_volume_ft3[j] or overflow > 0.0:
                st.flood_time[j] += dt_s
                st.flood_vol[j] += overflow * dt_s
                if st.can_pond[j]:
                    pv = node_state.volume[j] - st.full_volume_ft3[j]
                    if pv > st.max_ponded[j]:
                        st.max_ponded[j] = pv
            if st.counts_surcharge[j] and y + st.invert_ft[j] + FUDGE >= st.crown_elev_ft[j]:
                st.node_surcharge_time[j] += dt_s
        lat = lat_new_cfs[j]
        st.lat_vol[j] += (st.lat_old[j] + lat) * 0.5 * dt_s
        if abs(lat) > abs(st.max_lat[j]):
            st.max_lat[j] = lat
        if node_state.inflow[j] > st.max_inflow[j]:
            st.max_inflow[j] = node_state.inflow[j]
        if overflow > st.max_overflow[j]:
            st.max_overflow[j] = overflow
        st.lat_old[j] = lat
    head = node_state.head
    for j in range(link_state.flow.shape[0]):
        q = abs(link_state.flow[j])
        if q > st.link_max_flow[j]:
            st.link_max_flow[j] = q
            st.link_max_flow_t[j] = t_s
        v = abs(link_state.velocity[j])
        if v > st.link_max_velocity[j]:
            st.link_max_velocity[j] = v
        if link_state.depth[j] > st.link_max_depth[j]:
            st.link_max_depth[j] = link_state.depth[j]
        if (st.is_conduit[j] and head[st.from_node[j]] >= st.crown_up_ft[j]
                and head[st.to_node[j]] >= st.crown_dn_ft[j]):  # fmt: skip
            st.link_surcharge_time[j] += dt_s
    if critical_node >= 0:
        st.node_critical[critical_node] += 1
    if critical_link >= 0:
        st.link_critical[critical_link] += 1


@kernel(**JIT)
def update_stats(dt_s, t_s, lat_new_cfs, st, node_state, link_state, critical_node,
                 critical_link):  # fmt: skip
    """:func:`_update_stats` on the bundles' views."""
    _update_stats(dt_s, t_s, lat_new_cfs, view(st), view(node_state), view(link_state),
                  critical_node, critical_link)  # fmt: skip


@kernel(**JIT)
def update_stats_members(active, dt_s, t_s, lateral_cfs, stats, node_states, link_states,
                         critical):  # fmt: skip
    """:func:`_update_stats` for every member ``m`` in ``active`` (k,) int64: its step
    ``dt_s[m]`` ending at ``t_s[m]`` [s], lateral inflow ``lateral_cfs[m]`` (M, n_nodes)
    [cfs], its statistics ``stats[m]`` and state ``node_states[m]``, ``link_states[m]``
    (:class:`~twin.kernels.views.Views`), ``critical[m] = (node, link)`` (M, 2) int64."""
    for k in range(active.shape[0]):
        m = active[k]
        _update_stats(dt_s[m], t_s[m], lateral_cfs[m], stats[m], node_states[m], link_states[m],
                      critical[m, 0], critical[m, 1])  # fmt: skip
