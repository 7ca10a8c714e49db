"""SWMM's "LID Performance Summary" of a result Dataset (runs with [LID_USAGE] only;
``None`` otherwise): per LID unit in a subcatchment, its water balance as depths over
the unit's area [mm] and its continuity error [%]."""

from __future__ import annotations

import xarray as xr

from twin.report.table_data import Column, Table, check_one_run

_COLUMNS = (
    ("Total Inflow", "total_inflow"),
    ("Evap Loss", "evaporation"),
    ("Infil Loss", "infiltration"),
    ("Surface Outflow", "surface_outflow"),
    ("Drain Outflow", "drain_outflow"),
    ("Initial Storage", "initial_storage"),
    ("Final Storage", "final_storage"),
)


def lid_performance_summary(ds: xr.Dataset) -> Table | None:
    """One row per LID unit, in SWMM's order (by subcatchment, last [LID_USAGE] line first)."""
    check_one_run(ds)
    if "lid_subcatchment" not in ds:
        return None
    cols = (Column("Subcatchment", "", "s"), Column("LID Control", "", "s"),
            *(Column(label, "mm", ".2f") for label, _ in _COLUMNS),
            Column("Continuity Error", "%", ".2f"))  # fmt: skip
    values = [ds[f"lid_{key}"].values for _, key in _COLUMNS]
    err = ds["lid_continuity_error_percent"].values
    rows = [
        (str(s), str(c), *(float(v[i]) for v in values), float(err[i]))
        for i, (s, c) in enumerate(
            zip(ds.lid_subcatchment.values, ds.lid_control.values, strict=True)
        )  # fmt: skip
    ]
    return Table("lid_performance", "LID Performance Summary", cols, rows, ranked=False)
