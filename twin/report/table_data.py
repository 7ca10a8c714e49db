"""The table types of the summary report and how a column's values are found in a Dataset.

:class:`Column` and :class:`Table` are what every table function returns. The
helpers read one variable of a result Dataset (``None`` when it is missing) and
derive a per-element column either from a summary over every routing step
(``node_max_depth`` ...) or, without one, from the report-step series, where each
sample stands for one report step (hours = samples x step, volume = sum of rates
x step). :func:`element_table` turns such columns into the ranked rows of a
per-element table.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr

from twin.errors import TwinError

__all__ = [
    "Column",
    "Table",
    "NAME",
    "KIND",
    "check_one_run",
    "values_of",
    "first_present",
    "kinds_of",
    "maximum",
    "time_of_maximum",
    "volume",
    "hours_positive",
    "cell",
    "element_table",
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


def check_one_run(ds: xr.Dataset) -> None:
    """Raise :class:`~twin.errors.TwinError` for an ensemble Dataset (a ``member`` dim)."""
    if "member" in ds.dims:
        raise TwinError("a report covers one run: select a member first, ds.isel(member=i)")


def values_of(ds: xr.Dataset, name: str):
    """The values of variable ``name`` as an ndarray, or None when ``ds`` lacks it."""
    return np.asarray(ds[name].values) if name in ds.variables else None


def first_present(*candidates):
    """The first candidate that is not None (None if all are)."""
    return next((c for c in candidates if c is not None), None)


def kinds_of(ds: xr.Dataset, dim: str):
    """``(n,)`` element kinds of ``dim`` ("node", "link"), "" each when not recorded."""
    k = values_of(ds, f"{dim}_kind")
    return k if k is not None else np.full(ds.sizes.get(dim, 0), "", dtype=object)


def _report_step_s(ds: xr.Dataset) -> float:
    if "report_step_s" in ds.attrs:
        return float(ds.attrs["report_step_s"])
    t = ds["time"].values
    if len(t) < 2:
        return 0.0
    return float(np.median(np.diff(t)) / np.timedelta64(1, "s"))


def _series_max(ds, name, absolute=False):
    a = values_of(ds, name)
    if a is None or a.shape[0] == 0:
        return None
    return np.max(np.abs(a) if absolute else a, axis=0)


def _series_time_of_max(ds, name, absolute=False):
    a = values_of(ds, name)
    if a is None or a.shape[0] == 0:
        return None
    return ds["time"].values[np.argmax(np.abs(a) if absolute else a, axis=0)]


def maximum(ds: xr.Dataset, summary: str | None, series: str, absolute: bool = False):
    """Per-element maximum: variable ``summary``, else the maximum of report series ``series``.

    ``summary`` None uses the series only; ``absolute`` takes the maximum of ``|series|``.
    """
    found = values_of(ds, summary) if summary else None
    return first_present(found, _series_max(ds, series, absolute))


def time_of_maximum(ds: xr.Dataset, summary: str | None, series: str, absolute: bool = False):
    """Per-element time of the maximum: ``summary``, else the report time of the series maximum."""
    found = values_of(ds, summary) if summary else None
    return first_present(found, _series_time_of_max(ds, series, absolute))


def volume(ds: xr.Dataset, summary: str | None, series: str):
    """Per-element volume [m3]: ``summary``, else the rate series summed times the report step."""
    found = values_of(ds, summary) if summary else None
    if found is not None:
        return found
    a = values_of(ds, series)
    return None if a is None else a.sum(axis=0) * _report_step_s(ds)


def hours_positive(ds: xr.Dataset, summary: str | None, series: str):
    """Per-element hours [h]: ``summary``, else report steps with ``series > 0`` times the step."""
    found = values_of(ds, summary) if summary else None
    if found is not None:
        return found
    a = values_of(ds, series)
    return None if a is None else (a > 0).sum(axis=0) * _report_step_s(ds) / 3600.0


def cell(v):
    """A numpy value as a plain Python value (None for NaN/NaT)."""
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else v
    if isinstance(v, np.floating | float):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def element_table(ds, key, title, dim, cols, order_by, keep=None, note="", empty_note=""):
    """A per-element :class:`Table`: name, kind and each column whose values are present.

    Parameters
    ----------
    ds : xarray.Dataset
    key, title : str
    dim : {"node", "link"}
    cols : list of (Column, (n,) array or None)
        Columns whose values are None are left out.
    order_by : (n,) array or None
        Rows are ranked by it, largest first (NaN last); None keeps the element order.
    keep : (n,) bool array, optional
        The elements to list (default: all).
    note, empty_note : str
        The table's note; ``empty_note`` instead when no element is listed.
    """
    names = ds[dim].values
    kinds = kinds_of(ds, dim)
    present = [(c, v) for c, v in cols if v is not None]
    idx = np.arange(len(names)) if keep is None else np.flatnonzero(keep)
    if order_by is not None:
        idx = idx[np.argsort(-np.nan_to_num(order_by[idx], nan=-np.inf), kind="stable")]
    rows = [(str(names[i]), str(kinds[i]), *(cell(v[i]) for _, v in present)) for i in idx]
    columns = (NAME, KIND, *(c for c, _ in present))
    return Table(key, title, columns, rows, note if rows else (empty_note or note))
