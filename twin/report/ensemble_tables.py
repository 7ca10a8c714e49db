"""The summary report of an ensemble: members, the manholes most at risk, links, streets.

An ensemble Dataset (a ``member`` dim, with the statistics of
:func:`twin.ensemble.summary.summarize`) gets these tables instead of one run's:

* **Ensemble Summary**: members run and failed, the flood threshold, and the
  error of every failed member;
* **Manholes at Risk**: nodes that flood in at least one member, ranked by flood
  probability and then expected flood volume, with the P90 volume, max-depth
  quantiles and the earliest first-flood time;
* **Links Near Capacity**: links ranked by the P90 of max depth / full depth;
* **Street Flooding** (coupled runs): cells flooded in any member, their area and
  the largest cell probability.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.report.table_data import Column, Table, element_table, values_of

__all__ = ["ensemble_tables"]


def _quantile_row(ds: xr.Dataset, name: str, q: float):
    """Row ``q`` of a (quantile, element) statistic, or None."""
    if name not in ds or "quantile" not in ds.coords:
        return None
    qs = np.asarray(ds["quantile"].values, dtype=np.float64)
    k = np.flatnonzero(np.isclose(qs, q))
    return np.asarray(ds[name].values[k[0]]) if len(k) else None


def ensemble_summary(ds: xr.Dataset) -> Table:
    n = ds.sizes["member"]
    status = values_of(ds, "member_status")
    status = np.zeros(n, np.int8) if status is None else status  # stacked without a status
    names = [str(m) for m in ds["member"].values]
    rows = [
        ("members", len(status)),
        ("ran", int((status == 0).sum())),
        ("failed", int((status != 0).sum())),
        ("flood threshold (m3)", float(ds.attrs.get("flood_threshold_m3", 0.0))),
    ]
    errors = values_of(ds, "member_error")
    for k in np.flatnonzero(status != 0):
        rows.append((f"failed: {names[k]}", str(errors[k]) if errors is not None else ""))
    cols = (Column("Item", "", "s"), Column("Value", "", "v"))
    return Table("ensemble_summary", "Ensemble Summary", cols, rows, ranked=False)


def manholes_at_risk(ds: xr.Dataset) -> Table | None:
    prob = values_of(ds, "node_flood_probability")
    if prob is None:
        return None
    mean = values_of(ds, "node_flood_volume_mean")
    vol = np.nan_to_num(mean if mean is not None else np.zeros_like(prob), nan=0.0)
    n = max(1, int(ds.sizes.get("member", 1)))
    # probability first (steps of 1/n), then expected volume within one probability
    order = np.nan_to_num(prob, nan=-1.0) * n * (vol.max() + 1.0) + vol
    depth = "node_max_depth_quantile"
    cols = [
        (Column("Prob", "", ".2f"), prob),
        (Column("Mean vol", "m3", ".1f"), mean),
        (Column("P90 vol", "m3", ".1f"), values_of(ds, "node_flood_volume_p90")),
        (Column("Depth P50", "m", ".2f"), _quantile_row(ds, depth, 0.5)),
        (Column("Depth P90", "m", ".2f"), _quantile_row(ds, depth, 0.9)),
        (Column("1st flood", "h", ".2f"), values_of(ds, "node_first_flood_time_min")),
    ]
    return element_table(
        ds, "manholes_at_risk", "Manholes at Risk", "node", cols, order,
        keep=np.nan_to_num(prob, nan=0.0) > 0,
        note="Nodes flooding in at least one member, most probable first; depths are "
        "quantiles of the maximum depth, 1st flood the earliest over the members.",
        empty_note="No node floods in any member.",
    )  # fmt: skip


def links_near_capacity(ds: xr.Dataset) -> Table | None:
    p90 = _quantile_row(ds, "link_max_capacity_quantile", 0.9)
    if p90 is None:
        return None
    cap = "link_max_capacity_quantile"
    cols = [
        (Column("Max/Full depth P10", "", ".2f"), _quantile_row(ds, cap, 0.1)),
        (Column("Max/Full depth P50", "", ".2f"), _quantile_row(ds, cap, 0.5)),
        (Column("Max/Full depth P90", "", ".2f"), p90),
    ]
    return element_table(
        ds, "links_near_capacity", "Links Near Capacity", "link", cols, p90,
        note="Links ranked by the 90th percentile over the members of max depth / full depth.",
    )  # fmt: skip


def street_flooding(ds: xr.Dataset) -> Table | None:
    if "surface_flood_probability" not in ds:
        return None
    p = np.nan_to_num(np.asarray(ds["surface_flood_probability"].values), nan=0.0)
    y, x = ds["y"].values, ds["x"].values
    cell_m2 = abs(float(y[1] - y[0]) * float(x[1] - x[0])) if len(y) > 1 and len(x) > 1 else 0.0
    threshold = float(ds.attrs.get("surface_threshold_m", 0.1))
    rows = [
        ("cells flooded in any member", int((p > 0).sum())),
        ("area flooded in any member (m2)", float((p > 0).sum() * cell_m2)),
        ("cells flooded in half the members or more", int((p >= 0.5).sum())),
        ("largest cell probability", float(p.max())),
    ]
    cols = (Column("Item", "", "s"), Column("Value", "", "v"))
    note = f"A cell floods in a member when its maximum depth exceeds {threshold:g} m."
    return Table("street_flooding", "Street Flooding", cols, rows, note, ranked=False)


def ensemble_tables(ds: xr.Dataset) -> list[Table]:
    """Every ensemble table the Dataset has the variables for, in report order."""
    tables = (ensemble_summary(ds), manholes_at_risk(ds), links_near_capacity(ds),
              street_flooding(ds))  # fmt: skip
    return [t for t in tables if t is not None]
