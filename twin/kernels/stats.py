"""Per-routing-step statistics, as SWMM's ``stats.c`` keeps them (ft, cfs, s)."""

from twin.kernels.config import JIT
from twin.kernels.jit import kernel

FUDGE = 0.0001  # ft


@kernel(**JIT)
def update_node_stats(
    dt_s,
    t_s,
    depth_ft,
    invert_ft,
    crown_elev_ft,
    volume_ft3,
    full_volume_ft3,
    inflow_cfs,
    overflow_cfs,
    lat_old_cfs,
    lat_new_cfs,
    is_outfall,
    counts_surcharge,
    can_pond,
    max_depth_ft,
    max_depth_t_s,
    flood_time_s,
    flood_vol_ft3,
    max_overflow_cfs,
    surcharge_time_s,
    max_ponded_ft3,
    lat_vol_ft3,
    max_lat_cfs,
    max_inflow_cfs,
):
    """Accumulate node statistics after one routing step of ``dt_s`` ending at ``t_s``.

    ``counts_surcharge`` is False for storage units without surcharge depth and for
    non-dynamic-wave routing (SWMM counts surcharge time only then). Accumulators
    (the arguments after ``can_pond``) are updated in place.
    """
    for j in range(depth_ft.shape[0]):
        y = depth_ft[j]
        if y > max_depth_ft[j]:
            max_depth_ft[j] = y
            max_depth_t_s[j] = t_s
        if not is_outfall[j]:
            if volume_ft3[j] > full_volume_ft3[j] or overflow_cfs[j] > 0.0:
                flood_time_s[j] += dt_s
                flood_vol_ft3[j] += overflow_cfs[j] * dt_s
                if can_pond[j]:
                    pv = volume_ft3[j] - full_volume_ft3[j]
                    if pv > max_ponded_ft3[j]:
                        max_ponded_ft3[j] = pv
            if counts_surcharge[j] and y + invert_ft[j] + FUDGE >= crown_elev_ft[j]:
                surcharge_time_s[j] += dt_s
        lat_vol_ft3[j] += (lat_old_cfs[j] + lat_new_cfs[j]) * 0.5 * dt_s
        if abs(lat_new_cfs[j]) > abs(max_lat_cfs[j]):
            max_lat_cfs[j] = lat_new_cfs[j]
        if inflow_cfs[j] > max_inflow_cfs[j]:
            max_inflow_cfs[j] = inflow_cfs[j]
        if overflow_cfs[j] > max_overflow_cfs[j]:
            max_overflow_cfs[j] = overflow_cfs[j]


@kernel(**JIT)
def update_link_stats(
    dt_s,
    t_s,
    flow_cfs,
    velocity_fps,
    depth_ft,
    head_up_ft,
    head_dn_ft,
    crown_up_ft,
    crown_dn_ft,
    is_conduit,
    max_flow_cfs,
    max_flow_t_s,
    max_velocity_fps,
    max_depth_ft,
    surcharge_time_s,
):
    """Accumulate link statistics after one routing step (in place).

    A conduit counts as surcharged when the head at both ends is at or above its
    crown there (SWMM's ``ALL_FULL`` state).
    """
    for j in range(flow_cfs.shape[0]):
        q = abs(flow_cfs[j])
        if q > max_flow_cfs[j]:
            max_flow_cfs[j] = q
            max_flow_t_s[j] = t_s
        v = abs(velocity_fps[j])
        if v > max_velocity_fps[j]:
            max_velocity_fps[j] = v
        if depth_ft[j] > max_depth_ft[j]:
            max_depth_ft[j] = depth_ft[j]
        if is_conduit[j] and head_up_ft[j] >= crown_up_ft[j] and head_dn_ft[j] >= crown_dn_ft[j]:
            surcharge_time_s[j] += dt_s
