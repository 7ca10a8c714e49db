"""SWMM's groundwater tables of a result Dataset: the "Groundwater Continuity" volumes and
the per-subcatchment "Groundwater Summary" (runs with [AQUIFERS]/[GROUNDWATER] only;
``None`` otherwise).  Values SI: m3, mm over the subcatchments, m3/s, m."""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.report.table_data import NAME, Column, Table, cell, check_one_run, values_of

_CONTINUITY_ROWS = (
    ("Initial Storage", "initial_storage"),
    ("Infiltration", "infiltration"),
    ("Upper Zone ET", "upper_evaporation"),
    ("Lower Zone ET", "lower_evaporation"),
    ("Deep Percolation", "deep_percolation"),
    ("Groundwater Flow", "lateral_outflow"),
    ("Final Storage", "final_storage"),
)
_SUMMARY_COLS = (
    (Column("Total Infil", "mm", ".2f"), "infiltration"),
    (Column("Total Evap", "mm", ".2f"), "evaporation"),
    (Column("Total Lower Seepage", "mm", ".2f"), "deep_percolation"),
    (Column("Total Lateral Outflow", "mm", ".2f"), "lateral_outflow"),
    (Column("Maximum Lateral Outflow", "m3/s", ".4f"), "max_flow"),
    (Column("Average Upper Moist.", "", ".2f"), "avg_moisture"),
    (Column("Average Water Table", "m", ".2f"), "avg_table"),
    (Column("Final Upper Moist.", "", ".2f"), "final_moisture"),
    (Column("Final Water Table", "m", ".2f"), "final_table"),
)


def groundwater_continuity(ds: xr.Dataset) -> Table | None:
    """Groundwater continuity: volumes [m3], depths over the aquifers' area [mm], error."""
    check_one_run(ds)
    err = ds.attrs.get("groundwater_continuity_error_percent")
    if err is None:
        return None
    area = _groundwater_area_m2(ds)
    rows = []
    for label, key in _CONTINUITY_ROWS:
        v = ds.attrs.get(f"groundwater_{key}_m3")
        if v is not None:
            rows.append((label, float(v), float(v) / area * 1000.0 if area > 0 else None))
    rows.append(("Continuity Error (%)", float(err), None))
    cols = (Column("Groundwater", "", "s"), Column("Volume", "m3", ".3f"),
            Column("Depth", "mm", ".3f"))  # fmt: skip
    return Table("groundwater_continuity", "Groundwater Continuity", cols, rows, ranked=False)


def _groundwater_area_m2(ds) -> float:
    area = values_of(ds, "subcatchment_area")
    has = values_of(ds, "subcatchment_groundwater_final_table")
    if area is None or has is None:
        return 0.0
    return float(np.sum(area[np.isfinite(has)]))


def groundwater_summary(ds: xr.Dataset) -> Table | None:
    """Per subcatchment with an aquifer, in subcatchment order: SWMM's columns."""
    check_one_run(ds)
    cols = [(c, values_of(ds, f"subcatchment_groundwater_{k}")) for c, k in _SUMMARY_COLS]
    if cols[-1][1] is None:
        return None
    names = ds["subcatchment"].values
    rows = [
        (str(names[i]), *(cell(v[i]) for _, v in cols))
        for i in np.flatnonzero(np.isfinite(cols[-1][1]))
    ]
    columns = (NAME, *(c for c, _ in cols))
    return Table("groundwater_summary", "Groundwater Summary", columns, rows, ranked=False)
