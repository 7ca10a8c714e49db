"""SWMM 5.2's "Street Flow Summary" of a result Dataset (``inlet.c``'s writeStreetStats):
each STREET conduit's peak flow, largest spread and depth, and its inlet's design,
placement, count and capture statistics (runs with [STREETS] only; ``None`` otherwise).
Values SI: m3/s, m, %."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from twin.report.table_data import NAME, Column, Table, cell, check_one_run, values_of

_COLUMNS = (
    (Column("Peak Flow", "m3/s", ".4f"), "link_max_flow"),
    (Column("Maximum Spread", "m", ".3f"), "link_street_max_spread"),
    (Column("Maximum Depth", "m", ".3f"), "link_street_max_depth"),
)
_INLET_COLUMNS = (
    (Column("Inlet Count", "", ".0f"), "link_inlet_count"),
    (Column("Peak Flow Capture", "%", ".2f"), "link_inlet_peak_capture"),
    (Column("Avg. Flow Capture", "%", ".2f"), "link_inlet_avg_capture"),
    (Column("Bypass Flow Freq", "%", ".2f"), "link_inlet_bypass_frequency"),
    (Column("Back Flow Freq", "%", ".2f"), "link_inlet_backflow_frequency"),
    (Column("Peak Capture / Inlet", "m3/s", ".4f"), "link_inlet_peak_capture_flow"),
    (Column("Peak Bypass Flow", "m3/s", ".4f"), "link_inlet_peak_bypass_flow"),
)


def street_flow_summary(ds: xr.Dataset) -> Table | None:
    """Per STREET conduit, in link order: SWMM's columns."""
    check_one_run(ds)
    spread = values_of(ds, "link_street_max_spread")
    if spread is None or not np.isfinite(spread).any():
        return None
    designs = json.loads(ds.attrs.get("inlet_designs", "{}"))
    cols = [(c, values_of(ds, k)) for c, k in (*_COLUMNS, *_INLET_COLUMNS)]
    sag = values_of(ds, "link_inlet_on_sag")
    names = ds["link"].values
    rows = []
    for j in np.flatnonzero(np.isfinite(spread)):
        name = str(names[j])
        where = None
        if sag is not None and np.isfinite(sag[j]):
            where = "ON-SAG" if sag[j] > 0 else "ON-GRADE"
        vals = [cell(v[j]) if v is not None else None for _, v in cols]
        rows.append((name, *vals[:3], designs.get(name), where, *vals[3:]))
    columns = (NAME, *(c for c, _ in _COLUMNS), Column("Inlet Design", "", "s"),
               Column("Inlet Location", "", "s"), *(c for c, _ in _INLET_COLUMNS))  # fmt: skip
    return Table("street_flow_summary", "Street Flow Summary", columns, rows, ranked=False)
