"""Per-node and per-link summary tables of a result Dataset (SWMM's report sections).

Each function takes a one-run result Dataset and returns a
:class:`~twin.report.table_data.Table` ranked by its main quantity, largest first,
or ``None`` when the Dataset lacks what the table needs. Values are SI: m, m3,
m3/s, m/s, hours, percent; times are ``datetime64``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.report.table_data import (
    Column,
    Table,
    check_one_run,
    element_table,
    first_present,
    hours_positive,
    kinds_of,
    maximum,
    time_of_maximum,
    values_of,
    volume,
)

__all__ = [
    "node_depth_summary",
    "node_inflow_summary",
    "node_flow_balance",
    "node_surcharge_summary",
    "node_flooding_summary",
    "link_flow_summary",
    "conduit_surcharge_summary",
]


# -- nodes --------------------------------------------------------------------------------


def _max_depth(ds):
    return maximum(ds, "node_max_depth", "node_depth")


def _max_head(ds, max_depth):
    """Maximum head: the summary, else invert + maximum depth, else the series maximum."""
    invert = values_of(ds, "node_invert")
    return first_present(
        values_of(ds, "node_max_head"),
        None if invert is None or max_depth is None else max_depth + invert,
        maximum(ds, None, "node_head"),
    )


def _listed_nodes(ds, hours):
    """Nodes other than outfalls with ``hours > 0``."""
    return (hours > 0) & (kinds_of(ds, "node") != "outfall")


def node_depth_summary(ds: xr.Dataset) -> Table | None:
    """Average and maximum depth, maximum head (HGL), time of maximum, reported maximum."""
    check_one_run(ds)
    max_depth = _max_depth(ds)
    if max_depth is None:
        return None
    depth = values_of(ds, "node_depth")
    cols = [
        (Column("Average Depth", "m", ".3f"), None if depth is None else depth.mean(axis=0)),
        (Column("Maximum Depth", "m", ".3f"), max_depth),
        (Column("Maximum HGL", "m", ".3f"), _max_head(ds, max_depth)),
        (
            Column("Time of Max", "", "time"),
            time_of_maximum(ds, "node_max_depth_time", "node_depth"),
        ),
        (Column("Reported Max Depth", "m", ".3f"), maximum(ds, None, "node_depth")),
    ]
    return element_table(ds, "node_depth", "Node Depth Summary", "node", cols, max_depth)


def node_inflow_summary(ds: xr.Dataset) -> Table | None:
    """Maximum lateral and total inflow, time of maximum, lateral and total volumes."""
    check_one_run(ds)
    max_total = maximum(ds, "node_max_inflow", "node_inflow")
    max_lat = maximum(ds, "node_max_lateral_inflow", "node_lateral_inflow")
    if max_total is None and max_lat is None:
        return None
    cols = [
        (Column("Max Lateral Inflow", "m3/s", ".4f"), max_lat),
        (Column("Max Total Inflow", "m3/s", ".4f"), max_total),
        (Column("Time of Max", "", "time"), time_of_maximum(ds, None, "node_inflow")),
        (
            Column("Lateral Inflow Volume", "m3", ".3f"),
            volume(ds, "node_lateral_volume", "node_lateral_inflow"),
        ),
        (
            Column("Total Inflow Volume", "m3", ".3f"),
            volume(ds, "node_inflow_volume", "node_inflow"),
        ),
        (Column("Flow Balance Error", "%", ".3f"), values_of(ds, "node_continuity_error_percent")),
    ]
    rank = first_present(max_total, max_lat)
    return element_table(ds, "node_inflow", "Node Inflow Summary", "node", cols, rank)


def node_flow_balance(ds: xr.Dataset) -> Table | None:
    """Every node's flow balance error, largest magnitude first."""
    check_one_run(ds)
    err = values_of(ds, "node_continuity_error_percent")
    if err is None:
        return None
    cols = [
        (Column("Total Inflow Volume", "m3", ".3f"), values_of(ds, "node_inflow_volume")),
        (Column("Flow Balance Error", "%", ".3f"), err),
    ]
    return element_table(
        ds, "node_flow_balance", "Node Flow Balance Error", "node", cols, np.abs(err)
    )


def node_surcharge_summary(ds: xr.Dataset) -> Table | None:
    """Hours surcharged, maximum height above the crown and minimum depth below the rim.

    The crown comes from a ``node_crown`` variable when the Dataset has one;
    otherwise it is estimated as invert + the largest full depth of the links at
    the node (exact when links have no offsets), and the table says so.
    """
    check_one_run(ds)
    hours = values_of(ds, "node_surcharge_hours")
    if hours is None:
        return None
    max_head = _max_head(ds, _max_depth(ds))
    crown, note = _node_crown(ds)
    rim = values_of(ds, "node_rim")
    above = None if crown is None or max_head is None else np.maximum(max_head - crown, 0.0)
    below = None if rim is None or max_head is None else np.maximum(rim - max_head, 0.0)
    cols = [
        (Column("Hours Surcharged", "h", ".2f"), hours),
        (Column("Max Height Above Crown", "m", ".3f"), above),
        (Column("Min Depth Below Rim", "m", ".3f"), below),
    ]
    return element_table(
        ds, "node_surcharge", "Node Surcharge Summary", "node", cols, hours,
        _listed_nodes(ds, hours),
        note="Surcharging occurs when water rises above the top of the highest conduit."
        + (" " + note if note else ""),
        empty_note="No nodes were surcharged.",
    )  # fmt: skip


def _node_crown(ds):
    crown = values_of(ds, "node_crown")
    if crown is not None:
        return crown, ""
    invert, full = values_of(ds, "node_invert"), values_of(ds, "link_full_depth")
    if invert is None or full is None or "link_from" not in ds.variables:
        return None, ""
    index = {str(n): i for i, n in enumerate(ds["node"].values)}
    deepest = np.zeros(len(invert))
    for end in ("link_from", "link_to"):
        ids = np.array([index[str(n)] for n in ds[end].values], dtype=np.int64)
        np.maximum.at(deepest, ids, np.nan_to_num(full))
    return invert + deepest, "(Crown estimated as invert + largest link full depth.)"


def node_flooding_summary(ds: xr.Dataset) -> Table | None:
    """Hours flooded, peak rate and its time, total flood volume, maximum ponded volume."""
    check_one_run(ds)
    hours = hours_positive(ds, "node_flood_hours", "node_flooding")
    if hours is None:
        return None
    flooded = volume(ds, "node_flood_volume", "node_flooding")
    cols = [
        (Column("Hours Flooded", "h", ".2f"), hours),
        (Column("Maximum Rate", "m3/s", ".4f"), maximum(ds, "node_max_flooding", "node_flooding")),
        (Column("Time of Max", "", "time"), time_of_maximum(ds, None, "node_flooding")),
        (Column("Total Flood Volume", "m3", ".3f"), flooded),
        (
            Column("Maximum Ponded Volume", "m3", ".3f"),
            maximum(ds, "node_max_ponded_volume", "node_ponded_volume"),
        ),
    ]
    rank = flooded if flooded is not None else hours
    return element_table(
        ds, "node_flooding", "Node Flooding Summary", "node", cols, rank,
        _listed_nodes(ds, hours),
        note="Flooding refers to all water that overflows a node, whether it ponds or not.",
        empty_note="No nodes were flooded.",
    )  # fmt: skip


# -- links --------------------------------------------------------------------------------


def _link_maxima(ds):
    """Max |flow|, max/full flow (conduits and pumps) and max/full depth, or None each."""
    max_flow = maximum(ds, "link_max_flow", "link_flow", absolute=True)
    full = values_of(ds, "link_full_flow")
    ratio = None
    if full is not None and max_flow is not None:
        ok = np.isfinite(full) & (full > 0) & np.isin(kinds_of(ds, "link"), ("conduit", "pump", ""))
        ratio = np.where(ok, max_flow / np.where(ok, full, 1.0), np.nan)
    depth = maximum(ds, "link_max_capacity", "link_capacity")
    return max_flow, ratio, depth


def link_flow_summary(ds: xr.Dataset) -> Table | None:
    """Maximum |flow| and its time, maximum |velocity|, max/full flow and max/full depth."""
    check_one_run(ds)
    max_flow, flow_ratio, depth_ratio = _link_maxima(ds)
    if max_flow is None:
        return None
    cols = [
        (Column("Maximum |Flow|", "m3/s", ".4f"), max_flow),
        (
            Column("Time of Max", "", "time"),
            time_of_maximum(ds, "link_max_flow_time", "link_flow", absolute=True),
        ),
        (
            Column("Maximum |Velocity|", "m/s", ".3f"),
            maximum(ds, "link_max_velocity", "link_velocity", absolute=True),
        ),
        (Column("Max/Full Flow", "", ".3f"), flow_ratio),
        (Column("Max/Full Depth", "", ".3f"), depth_ratio),
    ]
    return element_table(ds, "link_flow", "Link Flow Summary", "link", cols, max_flow)


def conduit_surcharge_summary(ds: xr.Dataset) -> Table | None:
    """Conduits with both ends full: hours, and their max/full flow and depth."""
    check_one_run(ds)
    hours = values_of(ds, "link_surcharge_hours")
    if hours is None:
        return None
    _, flow_ratio, depth_ratio = _link_maxima(ds)
    cols = [
        (Column("Hours Both Ends Full", "h", ".2f"), hours),
        (Column("Max/Full Flow", "", ".3f"), flow_ratio),
        (Column("Max/Full Depth", "", ".3f"), depth_ratio),
    ]
    keep = (hours > 0) & np.isin(kinds_of(ds, "link"), ("conduit", ""))
    return element_table(
        ds, "conduit_surcharge", "Conduit Surcharge Summary", "link", cols, hours, keep,
        empty_note="No conduits were surcharged.",
    )  # fmt: skip
