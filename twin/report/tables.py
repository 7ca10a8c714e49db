"""SWMM-style summary tables of a result Dataset, as plain rows (no pandas).

Each function takes a result Dataset (one run; select a member of an ensemble
first) and returns a :class:`Table`, or ``None`` when the Dataset lacks what the
table needs. Summaries over every routing step (``node_max_depth`` ...) are used
when present; otherwise a column is derived from the report-step series, where
each sample stands for one report step (hours = samples x step, volume =
sum of rates x step). A column whose variables are all missing is left out.
Per-element tables are ranked by their main quantity, largest first.
Values are SI: m, m3, m3/s, m/s, hours, percent; times are ``datetime64``.

This module holds the run and system tables (run summary, continuity, time-step
critical elements) and :func:`report_tables`; the per-node and per-link tables are
in :mod:`twin.report.element_tables`, the table types and column helpers in
:mod:`twin.report.table_data`. Every table function stays importable from here.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.report.element_tables import (
    conduit_surcharge_summary,
    link_flow_summary,
    node_depth_summary,
    node_flooding_summary,
    node_flow_balance,
    node_inflow_summary,
    node_surcharge_summary,
)
from twin.report.groundwater_tables import groundwater_continuity, groundwater_summary
from twin.report.lid_tables import lid_performance_summary
from twin.report.street_tables import street_flow_summary
from twin.report.table_data import KIND, NAME, Column, Table, cell, check_one_run, values_of

__all__ = [
    "Column",
    "Table",
    "report_tables",
    "run_summary",
    "runoff_continuity",
    "flow_routing_continuity",
    "groundwater_continuity",
    "groundwater_summary",
    "lid_performance_summary",
    "street_flow_summary",
    "time_step_critical_elements",
    "node_depth_summary",
    "node_inflow_summary",
    "node_flow_balance",
    "node_surcharge_summary",
    "node_flooding_summary",
    "link_flow_summary",
    "conduit_surcharge_summary",
]


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
    check_one_run(ds)
    rows = [(label, cell(ds.attrs[k])) for k, label in _RUN_ATTRS if ds.attrs.get(k, "") != ""]
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


def _volume_rows(ds, prefix, spec) -> list[tuple[str, float]]:
    """``(label, volume)`` of each row of ``spec`` whose volume attributes are present."""
    found = ((label, _volume_attr(ds, prefix, *keys)) for label, keys in spec)
    return [(label, v) for label, v in found if v is not None]


_RUNOFF_ROWS = (
    ("Initial Storage", ("initial_storage",)),
    ("Total Precipitation", ("rainfall|precipitation",)),
    ("Evaporation Loss", ("evaporation",)),
    ("Infiltration Loss", ("infiltration",)),
    ("Surface Runoff", ("runoff",)),
    ("LID Drainage", ("lid_drains",)),  # runs with LIDs only
    ("Final Storage", ("final_storage",)),
)
_ROUTING_ROWS = (
    ("Dry Weather Inflow", ("dry_weather_inflow",)),
    ("Wet Weather Inflow", ("wet_weather_inflow",)),
    ("Groundwater Inflow", ("groundwater_inflow",)),
    ("RDII Inflow", ("rdii_inflow",)),
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
    check_one_run(ds)
    area = values_of(ds, "subcatchment_area")
    total_area = float(area.sum()) if area is not None else 0.0
    rows = [
        (label, v, v / total_area * 1000.0 if total_area > 0 else None)
        for label, v in _volume_rows(ds, "runoff", _RUNOFF_ROWS)
    ]
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
    check_one_run(ds)
    rows = _volume_rows(ds, "routing", _ROUTING_ROWS)
    err = ds.attrs.get("flow_routing_continuity_error_percent")
    if not rows and err is None:
        return None
    if err is not None:
        rows.append(("Continuity Error (%)", float(err)))
    cols = (Column("Flow Routing", "", "s"), Column("Volume", "m3", ".3f"))
    return Table("flow_routing_continuity", "Flow Routing Continuity", cols, rows, ranked=False)


def time_step_critical_elements(ds: xr.Dataset) -> Table | None:
    """Nodes and links that most often limited the variable step, most often first."""
    check_one_run(ds)
    steps = ds.attrs.get("routing_steps")
    found = []
    for dim in ("node", "link"):
        counts = values_of(ds, f"{dim}_critical_steps")
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


# -- all ----------------------------------------------------------------------------------

TABLES = (
    run_summary,
    runoff_continuity,
    groundwater_continuity,
    flow_routing_continuity,
    time_step_critical_elements,
    node_depth_summary,
    node_inflow_summary,
    node_flow_balance,
    node_surcharge_summary,
    node_flooding_summary,
    link_flow_summary,
    conduit_surcharge_summary,
    groundwater_summary,
    lid_performance_summary,
    street_flow_summary,
)


def report_tables(ds: xr.Dataset) -> list[Table]:
    """Every table the Dataset has the variables for, in report order (an ensemble's
    own tables, :mod:`twin.report.ensemble_tables`, when ``ds`` has a ``member`` dim)."""
    if "member" in ds.dims:
        from twin.report.ensemble_tables import ensemble_tables

        return ensemble_tables(ds)
    return [t for t in (f(ds) for f in TABLES) if t is not None]
