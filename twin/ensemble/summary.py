"""Ensemble statistics: flood probability, expected and quantile flood volumes, depths.

Statistics use the members whose ``member_status`` is 0 (those that ran).

=================================  ===========  ==========================================
variable                           dims         meaning
=================================  ===========  ==========================================
``node_flood_probability``         node         fraction of members whose flood volume
                                                exceeds ``flood_threshold_m3``, in [0, 1]
``node_flood_volume_mean``         node         expected flood volume [m3]
``node_flood_volume_p50/_p90``     node         median and 90th-percentile flood volume
``node_max_depth_quantile``        quantile,    quantiles of the maximum depth [m]
                                   node
``node_first_flood_time``          member,      hours after the start when the node first
                                   node         floods (NaN: never)
``node_first_flood_time_min``      node         earliest of those over the members [h]
``link_max_capacity_quantile``     quantile,    quantiles of max depth / full depth
                                   link
``surface_flood_probability``      y, x         fraction of members whose maximum
                                                surface depth exceeds
                                                ``surface_threshold_m`` (coupled runs)
=================================  ===========  ==========================================
"""

from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["QUANTILES", "SURFACE_THRESHOLD_M", "summarize"]

QUANTILES = (0.1, 0.5, 0.9)
SURFACE_THRESHOLD_M = 0.1


def _quantile(a: np.ndarray, q) -> np.ndarray:
    """Quantiles over axis 0 ignoring NaN; NaN where no member ran."""
    if a.shape[0] == 0:
        return np.full((len(q),) + a.shape[1:], np.nan)
    return np.nanquantile(a, q, axis=0)


def first_flood_hours(flooding: np.ndarray, time: np.ndarray) -> np.ndarray:
    """(member, node) hours after ``time[0]`` of the first sample with flooding > 0."""
    wet = flooding > 0.0
    hours = (time - time[0]).astype("timedelta64[ms]").astype(np.float64) / 3.6e6
    first = np.argmax(wet, axis=1)
    out = hours[first]
    out[~wet.any(axis=1)] = np.nan
    return out


def summarize(
    ens: xr.Dataset,
    flood_threshold_m3: float = 0.0,
    quantiles=QUANTILES,
    surface_threshold_m: float = SURFACE_THRESHOLD_M,
) -> xr.Dataset:
    """Add the ensemble statistics (table above) to a stacked ensemble Dataset.

    Parameters
    ----------
    ens : Dataset
        Per-member results on a leading ``member`` dim, with ``member_status``.
    flood_threshold_m3 : float
        A node "floods" in a member when its total flood volume exceeds this [m3].
    quantiles : sequence of float
    surface_threshold_m : float
        A cell "floods" in a member when its maximum surface depth exceeds this [m].
    """
    ok = ens["member_status"].values == 0
    q = np.asarray(quantiles, np.float64)
    out = ens.copy()
    out = out.assign_coords(quantile=("quantile", q))
    vol = ens["node_flood_volume"].values[ok]
    n_ok = int(ok.sum())
    attrs = {"n_members_ok": n_ok, "flood_threshold_m3": float(flood_threshold_m3)}
    prob = (vol > flood_threshold_m3).mean(axis=0) if n_ok else np.full(vol.shape[1], np.nan)
    out["node_flood_probability"] = (
        "node",
        prob,
        {
            "units": "1",
            "long_name": "probability that the flood volume exceeds the threshold",
            **attrs,
        },
    )
    mean = vol.mean(axis=0) if n_ok else np.full(vol.shape[1], np.nan)
    out["node_flood_volume_mean"] = (
        "node",
        mean,
        {"units": "m3", "long_name": "expected flood volume"},
    )
    vq = _quantile(vol, [0.5, 0.9])
    out["node_flood_volume_p50"] = (
        "node",
        vq[0],
        {"units": "m3", "long_name": "median flood volume"},
    )
    out["node_flood_volume_p90"] = (
        "node",
        vq[1],
        {"units": "m3", "long_name": "90th percentile flood volume"},
    )
    out["node_max_depth_quantile"] = (
        ("quantile", "node"),
        _quantile(ens["node_max_depth"].values[ok], q),
        {"units": "m", "long_name": "quantiles of maximum depth"},
    )
    out["link_max_capacity_quantile"] = (
        ("quantile", "link"),
        _quantile(ens["link_max_capacity"].values[ok], q),
        {"units": "1", "long_name": "quantiles of maximum depth / full depth"},
    )
    if "node_flooding" in ens and "time" in ens.dims:
        fl = ens["node_flooding"].transpose("member", "time", "node").values
        first = np.stack([first_flood_hours(fl[m].T, ens["time"].values) for m in range(len(fl))])
        first[~ok] = np.nan
        out["node_first_flood_time"] = (
            ("member", "node"),
            first,
            {"units": "h", "long_name": "hours after the start when the node first floods"},
        )
        earliest = np.full(first.shape[1], np.nan)
        has = ~np.all(np.isnan(first), axis=0)
        earliest[has] = np.nanmin(first[:, has], axis=0)
        out["node_first_flood_time_min"] = (
            "node",
            earliest,
            {"units": "h", "long_name": "earliest first-flood time over the members"},
        )
    if "surface_max_depth" in ens:
        out["surface_flood_probability"] = _surface_probability(
            ens["surface_max_depth"], ok, surface_threshold_m
        )
        out.attrs["surface_threshold_m"] = float(surface_threshold_m)
    out.attrs.update(attrs)
    return out


def _surface_probability(hmax: xr.DataArray, ok: np.ndarray, threshold_m: float) -> xr.DataArray:
    """(y, x) fraction of the members that ran whose max surface depth exceeds the threshold."""
    from twin.engine.results_schema import VARIABLES

    v = VARIABLES["surface_flood_probability"]
    h = hmax.transpose("member", "y", "x").values[ok]
    prob = (h > threshold_m).mean(axis=0) if len(h) else np.full(h.shape[1:], np.nan)
    return xr.DataArray(
        prob,
        dims=v.dims,
        coords={"y": hmax["y"].values, "x": hmax["x"].values},
        attrs={"units": v.units, "long_name": v.long_name, "threshold_m": float(threshold_m)},
    )
