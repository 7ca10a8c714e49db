"""SWMM-style summary tables of a result Dataset, as plain rows (no pandas).

Each function takes a result Dataset (one run; select a member of an ensemble
first) and returns a :class:`Table`, or ``None`` when the Dataset lacks what the
table needs. Summaries over every routing step (``node_max_depth`` ...) are used
when present; otherwise a column is derived from the report-step series, where
each sample stands for one report step (hours = samples x step, volume =
sum of rates x step). A column whose variables are all missing is left out.
Per-element tables are ranked by their main quantity, largest first.
Values are SI: m, m3, m3/s, m/s, hours, percent; times are ``datetime64``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr

from twin.errors import TwinError

__all__ = [
    "Column",
    "Table",
    "report_tables",
    "run_summary",
    "runoff_continuity",
    "flow_routing_continuity",
    "time_step_critical_elements",
    "node_depth_summary",
    "node_inflow_summary",
    "node_flow_balance",
    "node_surcharge_summary",
    "node_flooding_summary",
    "link_flow_summary",
    "conduit_surcharge_summary",
]


class Column(NamedTuple):
    """A column: header, SI unit ("" for none) and format (``"s"``, ``"time"``, ``".3f"``)."""

    name: str
    unit: str
    fmt: str


class Table(NamedTuple):
    """One summary table: ``rows`` are tuples matching ``columns``; ``None`` is no value.

    ``ranked`` tables list elements worst first and may be cut to the top rows.
    """

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple]
    note: str = ""
    ranked: bool = True


NAME, KIND = Column("Name", "", "s"), Column("Type", "", "s")


# -- helpers --------------------------------------------------------------------------


def _arr(ds: xr.Dataset, name: str):
    return np.asarray(ds[name].values) if name in ds.variables else None


def _report_step_s(ds: xr.Dataset) -> float:
    if "report_step_s" in ds.attrs:
        return float(ds.attrs["report_step_s"])
    t = ds["time"].values
    if len(t) < 2:
        return 0.0
    return float(np.median(np.diff(t)) / np.timedelta64(1, "s"))


def _first(*candidates):
    return next((c for c in candidates if c is not None), None)


def _series_max(ds, name, absolute=False):
    a = _arr(ds, name)
    if a is None or a.shape[0] == 0:
        return None
    return np.max(np.abs(a) if absolute else a, axis=0)


def _series_time_of_max(ds, name, absolute=False):
    a = _arr(ds, name)
    if a is None or a.shape[0] == 0:
        return None
    return ds["time"].values[np.argmax(np.abs(a) if absolute else a, axis=0)]


def _series_volume(ds, name):
    a = _arr(ds, name)
    return None if a is None else a.sum(axis=0) * _report_step_s(ds)


def _series_hours(ds, name):
    a = _arr(ds, name)
    return None if a is None else (a > 0).sum(axis=0) * _report_step_s(ds) / 3600.0


def _max_head(ds, max_depth):
    """Maximum head: the summary, else invert + maximum depth, else the series maximum."""
    invert = _arr(ds, "node_invert")
    return _first(
        _arr(ds, "node_max_head"),
        None if invert is None or max_depth is None else max_depth + invert,
        _series_max(ds, "node_head"),
    )


def _kinds(ds, dim):
    k = _arr(ds, f"{dim}_kind")
    return k if k is not None else np.full(ds.sizes.get(dim, 0), "", dtype=object)


def _cell(v):
    """A numpy value as a plain Python value (None for NaN/NaT)."""
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else v
    if isinstance(v, np.floating | float):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _element_table(ds, key, title, dim, cols, order_by, keep=None, note="", empty_note=""):
    """Rows of name, kind and each present column; ``keep`` selects, ``order_by`` ranks."""
    names = ds[dim].values
    kinds = _kinds(ds, dim)
    present = [(c, v) for c, v in cols if v is not None]
    idx = np.arange(len(names)) if keep is None else np.flatnonzero(keep)
    if order_by is not None:
        idx = idx[np.argsort(-np.nan_to_num(order_by[idx], nan=-np.inf), kind="stable")]
    rows = [(str(names[i]), str(kinds[i]), *(_cell(v[i]) for _, v in present)) for i in idx]
    columns = (NAME, KIND, *(c for c, _ in present))
    return Table(key, title, columns, rows, note if rows else (empty_note or note))


def _check(ds: xr.Dataset) -> None:
    if "member" in ds.dims:
        raise TwinError("a report covers one run: select a member first, ds.isel(member=i)")


# -- run and continuity -------------------------------------------------------------------

_RUN_ATTRS = (
    ("title", "Title"),
    ("source", "Input file"),
    ("scenario", "Scenario"),
    ("engine", "Engine"),
    ("flow_routing", "Flow routing"),
    ("surcharge_method", "Surcharge method"),
    ("inertial_damping", "Inertial damping"),
    ("normal_flow_limited", "Normal flow limited"),
    ("allow_ponding", "Ponding allowed (1 = yes)"),
    ("start", "Start"),
    ("end", "End"),
    ("routing_step_s", "Routing step (s)"),
    ("variable_step", "Variable step (Courant factor)"),
    ("report_step_s", "Report step (s)"),
    ("routing_steps", "Routing steps"),
    ("min_step_s", "Minimum step (s)"),
    ("max_step_s", "Maximum step (s)"),
    ("mean_iterations", "Average iterations per step"),
)


def run_summary(ds: xr.Dataset) -> Table:
    """Settings and step statistics from the attributes, and the size of the run."""
    _check(ds)
    rows = [(label, _cell(ds.attrs[k])) for k, label in _RUN_ATTRS if ds.attrs.get(k, "") != ""]
    start, end = ds.attrs.get("start"), ds.attrs.get("end")
    steps = ds.attrs.get("routing_steps")
    if start is not None and end is not None and steps:
        span = (np.datetime64(end) - np.datetime64(start)) / np.timedelta64(1, "s")
        rows.append(("Average step (s)", float(span) / float(steps)))
    for dim in ("node", "link", "subcatchment"):
        if dim in ds.dims:
            rows.append((f"{dim.capitalize()}s", int(ds.sizes[dim])))
    t = ds["time"].values
    rows.append(("Report times", int(len(t))))
    if len(t):
        rows += [("First report time", t[0]), ("Last report time", t[-1])]
    cols = (Column("Setting", "", "s"), Column("Value", "", "v"))
    return Table("run", "Run Summary", cols, rows, ranked=False)


def _volume_attr(ds, prefix, *parts):
    """Sum of the volume attributes named by ``parts`` ("a|b": a, else b); None if none."""
    total, found = 0.0, False
    for part in parts:
        names = [f"{prefix}_{k}{suffix}" for k in part.split("|") for suffix in ("_m3", "")]
        name = next((n for n in names if n in ds.attrs), None)
        if name is not None:
            total, found = total + float(ds.attrs[name]), True
    return total if found else None


_RUNOFF_ROWS = (
    ("Initial Storage", ("initial_storage",)),
    ("Total Precipitation", ("rainfall|precipitation",)),
    ("Evaporation Loss", ("evaporation",)),
    ("Infiltration Loss", ("infiltration",)),
    ("Surface Runoff", ("runoff",)),
    ("Final Storage", ("final_storage",)),
)
_ROUTING_ROWS = (
    ("Dry Weather Inflow", ("dry_weather_inflow",)),
    ("Wet Weather Inflow", ("wet_weather_inflow",)),
    ("External Inflow", ("external_inflow",)),
    # SWMM's External Outflow: outfalls plus negative external inflows
    ("External Outflow", ("outfall_outflow|outfall", "external_outflow")),
    ("Flooding Loss", ("flooding",)),
    ("Evaporation Loss", ("evaporation",)),
    ("Exfiltration Loss", ("seepage",)),
    ("Initial Stored Volume", ("initial_storage",)),
    ("Final Stored Volume", ("final_storage",)),
)


def runoff_continuity(ds: xr.Dataset) -> Table | None:
    """Runoff quantity continuity: volumes [m3], depths over the subcatchment area [mm]."""
    _check(ds)
    area = _arr(ds, "subcatchment_area")
    total_area = float(area.sum()) if area is not None else 0.0
    rows = []
    for label, keys in _RUNOFF_ROWS:
        v = _volume_attr(ds, "runoff", *keys)
        if v is not None:
            rows.append((label, v, v / total_area * 1000.0 if total_area > 0 else None))
    err = ds.attrs.get("runoff_continuity_error_percent")
    if not rows and err is None:
        return None
    if err is not None:
        rows.append(("Continuity Error (%)", float(err), None))
    cols = (Column("Runoff Quantity", "", "s"), Column("Volume", "m3", ".3f"))
    cols += (Column("Depth", "mm", ".3f"),)
    return Table("runoff_continuity", "Runoff Quantity Continuity", cols, rows, ranked=False)


def flow_routing_continuity(ds: xr.Dataset) -> Table | None:
    """Flow routing continuity: system volumes [m3] and the continuity error [%]."""
    _check(ds)
    rows = []
    for label, keys in _ROUTING_ROWS:
        v = _volume_attr(ds, "routing", *keys)
        if v is not None:
            rows.append((label, v))
    err = ds.attrs.get("flow_routing_continuity_error_percent")
    if not rows and err is None:
        return None
    if err is not None:
        rows.append(("Continuity Error (%)", float(err)))
    cols = (Column("Flow Routing", "", "s"), Column("Volume", "m3", ".3f"))
    return Table("flow_routing_continuity", "Flow Routing Continuity", cols, rows, ranked=False)


def time_step_critical_elements(ds: xr.Dataset) -> Table | None:
    """Nodes and links that most often limited the variable step, most often first."""
    _check(ds)
    steps = ds.attrs.get("routing_steps")
    found = []
    for dim in ("node", "link"):
        counts = _arr(ds, f"{dim}_critical_steps")
        if counts is None:
            continue
        for i in np.flatnonzero(counts > 0):
            pct = 100.0 * float(counts[i]) / float(steps) if steps else None
            found.append((dim.capitalize(), str(ds[dim].values[i]), int(counts[i]), pct))
    if not found and "node_critical_steps" not in ds and "link_critical_steps" not in ds:
        return None
    found.sort(key=lambda r: -r[2])
    cols = (KIND, NAME, Column("Critical Steps", "", "d"), Column("Of All Steps", "%", ".2f"))
    note = "" if found else "None"
    return Table("time_step_critical", "Time-Step Critical Elements", cols, found, note)


# -- nodes --------------------------------------------------------------------------------


def node_depth_summary(ds: xr.Dataset) -> Table | None:
    """Average and maximum depth, maximum head (HGL), time of maximum, reported maximum."""
    _check(ds)
    max_depth = _first(_arr(ds, "node_max_depth"), _series_max(ds, "node_depth"))
    if max_depth is None:
        return None
    depth = _arr(ds, "node_depth")
    max_head = _max_head(ds, max_depth)
    cols = [
        (Column("Average Depth", "m", ".3f"), None if depth is None else depth.mean(axis=0)),
        (Column("Maximum Depth", "m", ".3f"), max_depth),
        (Column("Maximum HGL", "m", ".3f"), max_head),
        (
            Column("Time of Max", "", "time"),
            _first(_arr(ds, "node_max_depth_time"), _series_time_of_max(ds, "node_depth")),
        ),
        (Column("Reported Max Depth", "m", ".3f"), _series_max(ds, "node_depth")),
    ]
    return _element_table(ds, "node_depth", "Node Depth Summary", "node", cols, max_depth)


def node_inflow_summary(ds: xr.Dataset) -> Table | None:
    """Maximum lateral and total inflow, time of maximum, lateral and total volumes."""
    _check(ds)
    max_total = _first(_arr(ds, "node_max_inflow"), _series_max(ds, "node_inflow"))
    max_lat = _first(_arr(ds, "node_max_lateral_inflow"), _series_max(ds, "node_lateral_inflow"))
    if max_total is None and max_lat is None:
        return None
    cols = [
        (Column("Max Lateral Inflow", "m3/s", ".4f"), max_lat),
        (Column("Max Total Inflow", "m3/s", ".4f"), max_total),
        (Column("Time of Max", "", "time"), _series_time_of_max(ds, "node_inflow")),
        (
            Column("Lateral Inflow Volume", "m3", ".3f"),
            _first(_arr(ds, "node_lateral_volume"), _series_volume(ds, "node_lateral_inflow")),
        ),
        (
            Column("Total Inflow Volume", "m3", ".3f"),
            _first(_arr(ds, "node_inflow_volume"), _series_volume(ds, "node_inflow")),
        ),
        (Column("Flow Balance Error", "%", ".3f"), _arr(ds, "node_continuity_error_percent")),
    ]
    rank = _first(max_total, max_lat)
    return _element_table(ds, "node_inflow", "Node Inflow Summary", "node", cols, rank)


def node_flow_balance(ds: xr.Dataset) -> Table | None:
    """Every node's flow balance error, largest magnitude first."""
    _check(ds)
    err = _arr(ds, "node_continuity_error_percent")
    if err is None:
        return None
    cols = [
        (Column("Total Inflow Volume", "m3", ".3f"), _arr(ds, "node_inflow_volume")),
        (Column("Flow Balance Error", "%", ".3f"), err),
    ]
    return _element_table(
        ds, "node_flow_balance", "Node Flow Balance Error", "node", cols, np.abs(err)
    )


def node_surcharge_summary(ds: xr.Dataset) -> Table | None:
    """Hours surcharged, maximum height above the crown and minimum depth below the rim.

    The crown comes from a ``node_crown`` variable when the Dataset has one;
    otherwise it is estimated as invert + the largest full depth of the links at
    the node (exact when links have no offsets), and the table says so.
    """
    _check(ds)
    hours = _arr(ds, "node_surcharge_hours")
    if hours is None:
        return None
    max_depth = _first(_arr(ds, "node_max_depth"), _series_max(ds, "node_depth"))
    max_head = _max_head(ds, max_depth)
    crown, note = _node_crown(ds)
    rim = _arr(ds, "node_rim")
    above = None if crown is None or max_head is None else np.maximum(max_head - crown, 0.0)
    below = None if rim is None or max_head is None else np.maximum(rim - max_head, 0.0)
    cols = [
        (Column("Hours Surcharged", "h", ".2f"), hours),
        (Column("Max Height Above Crown", "m", ".3f"), above),
        (Column("Min Depth Below Rim", "m", ".3f"), below),
    ]
    keep = (hours > 0) & (_kinds(ds, "node") != "outfall")
    return _element_table(
        ds, "node_surcharge", "Node Surcharge Summary", "node", cols, hours, keep,
        note="Surcharging occurs when water rises above the top of the highest conduit."
        + (" " + note if note else ""),
        empty_note="No nodes were surcharged.",
    )  # fmt: skip


def _node_crown(ds):
    crown = _arr(ds, "node_crown")
    if crown is not None:
        return crown, ""
    invert, full = _arr(ds, "node_invert"), _arr(ds, "link_full_depth")
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
    _check(ds)
    hours = _first(_arr(ds, "node_flood_hours"), _series_hours(ds, "node_flooding"))
    if hours is None:
        return None
    volume = _first(_arr(ds, "node_flood_volume"), _series_volume(ds, "node_flooding"))
    ponded = _first(_arr(ds, "node_max_ponded_volume"), _series_max(ds, "node_ponded_volume"))
    cols = [
        (Column("Hours Flooded", "h", ".2f"), hours),
        (
            Column("Maximum Rate", "m3/s", ".4f"),
            _first(_arr(ds, "node_max_flooding"), _series_max(ds, "node_flooding")),
        ),
        (Column("Time of Max", "", "time"), _series_time_of_max(ds, "node_flooding")),
        (Column("Total Flood Volume", "m3", ".3f"), volume),
        (Column("Maximum Ponded Volume", "m3", ".3f"), ponded),
    ]
    keep = (hours > 0) & (_kinds(ds, "node") != "outfall")
    rank = volume if volume is not None else hours
    return _element_table(
        ds, "node_flooding", "Node Flooding Summary", "node", cols, rank, keep,
        note="Flooding refers to all water that overflows a node, whether it ponds or not.",
        empty_note="No nodes were flooded.",
    )  # fmt: skip


# -- links --------------------------------------------------------------------------------


def _link_maxima(ds):
    """Max |flow|, max/full flow (conduits and pumps) and max/full depth, or None each."""
    max_flow = _first(_arr(ds, "link_max_flow"), _series_max(ds, "link_flow", absolute=True))
    full = _arr(ds, "link_full_flow")
    ratio = None
    if full is not None and max_flow is not None:
        ok = np.isfinite(full) & (full > 0) & np.isin(_kinds(ds, "link"), ("conduit", "pump", ""))
        ratio = np.where(ok, max_flow / np.where(ok, full, 1.0), np.nan)
    depth = _first(_arr(ds, "link_max_capacity"), _series_max(ds, "link_capacity"))
    return max_flow, ratio, depth


def link_flow_summary(ds: xr.Dataset) -> Table | None:
    """Maximum |flow| and its time, maximum |velocity|, max/full flow and max/full depth."""
    _check(ds)
    max_flow, flow_ratio, depth_ratio = _link_maxima(ds)
    if max_flow is None:
        return None
    when = _first(
        _arr(ds, "link_max_flow_time"), _series_time_of_max(ds, "link_flow", absolute=True)
    )
    velocity = _first(
        _arr(ds, "link_max_velocity"), _series_max(ds, "link_velocity", absolute=True)
    )
    cols = [
        (Column("Maximum |Flow|", "m3/s", ".4f"), max_flow),
        (Column("Time of Max", "", "time"), when),
        (Column("Maximum |Velocity|", "m/s", ".3f"), velocity),
        (Column("Max/Full Flow", "", ".3f"), flow_ratio),
        (Column("Max/Full Depth", "", ".3f"), depth_ratio),
    ]
    return _element_table(ds, "link_flow", "Link Flow Summary", "link", cols, max_flow)


def conduit_surcharge_summary(ds: xr.Dataset) -> Table | None:
    """Conduits with both ends full: hours, and their max/full flow and depth."""
    _check(ds)
    hours = _arr(ds, "link_surcharge_hours")
    if hours is None:
        return None
    _, flow_ratio, depth_ratio = _link_maxima(ds)
    cols = [
        (Column("Hours Both Ends Full", "h", ".2f"), hours),
        (Column("Max/Full Flow", "", ".3f"), flow_ratio),
        (Column("Max/Full Depth", "", ".3f"), depth_ratio),
    ]
    keep = (hours > 0) & np.isin(_kinds(ds, "link"), ("conduit", ""))
    return _element_table(
        ds, "conduit_surcharge", "Conduit Surcharge Summary", "link", cols, hours, keep,
        empty_note="No conduits were surcharged.",
    )  # fmt: skip


# -- all ----------------------------------------------------------------------------------

TABLES = (
    run_summary,
    runoff_continuity,
    flow_routing_continuity,
    time_step_critical_elements,
    node_depth_summary,
    node_inflow_summary,
    node_flow_balance,
    node_surcharge_summary,
    node_flooding_summary,
    link_flow_summary,
    conduit_surcharge_summary,
)


def report_tables(ds: xr.Dataset) -> list[Table]:
    """Every table the Dataset has the variables for, in report order."""
    _check(ds)
    return [t for t in (f(ds) for f in TABLES) if t is not None]
