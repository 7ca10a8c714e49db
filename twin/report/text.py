"""The SWMM-style summary report of a result Dataset as fixed-width text (as SWMM's ``.rpt``)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.report.tables import Column, Table, report_tables

__all__ = ["format_report", "format_cell", "is_numeric"]

_INDENT = "  "


def format_cell(value, fmt: str) -> str:
    """One table value as text: ``-`` for no value, times as ``YYYY-MM-DD HH:MM:SS``.

    Parameters
    ----------
    value : str, int, float, numpy.datetime64 or None
    fmt : str
        ``"s"`` (text), ``"time"``, ``"d"`` (integer), ``"v"`` (any value) or a
        float format such as ``".3f"``.

    Examples
    --------
    >>> format_cell(0.12345, ".3f"), format_cell(None, ".3f")
    ('0.123', '-')
    """
    if value is None:
        return "-"
    if isinstance(value, np.datetime64):
        return "-" if np.isnat(value) else str(value.astype("datetime64[s]")).replace("T", " ")
    if fmt in ("s", "v") and isinstance(value, str):
        return value
    if fmt == "d" or (fmt == "v" and isinstance(value, int | np.integer)):
        return str(int(value))
    if fmt in ("s", "time"):
        return str(value)
    if fmt == "v":
        return f"{float(value):.6g}"
    return format(float(value), fmt)


def is_numeric(col: Column) -> bool:
    """True for a column of numbers (right-aligned)."""
    return col.fmt not in ("s", "time", "v")


def _text_table(table: Table, top: int | None) -> list[str]:
    bar = "*" * len(table.title)
    out = ["", _INDENT + bar, _INDENT + table.title, _INDENT + bar]
    rows = table.rows
    hidden = 0
    if top is not None and table.ranked and len(rows) > top:
        rows, hidden = rows[:top], len(rows) - top
    if table.note:
        out.append(_INDENT + table.note)
    if not rows:
        return out
    cells = [[format_cell(v, c.fmt) for v, c in zip(r, table.columns, strict=True)] for r in rows]
    widths = [
        max(len(c.name), len(c.unit), *(len(r[j]) for r in cells))
        for j, c in enumerate(table.columns)
    ]

    def line(values, numeric_right=True):
        parts = []
        for v, w, c in zip(values, widths, table.columns, strict=True):
            right = numeric_right and is_numeric(c)
            parts.append(v.rjust(w) if right else v.ljust(w))
        return (_INDENT + "  ".join(parts)).rstrip()

    rule = _INDENT + "-" * (sum(widths) + 2 * (len(widths) - 1))
    out += [rule, line([c.name for c in table.columns])]
    if any(c.unit for c in table.columns):
        out.append(line([c.unit for c in table.columns]))
    out.append(rule)
    out += [line(r) for r in cells]
    if hidden:
        out.append(f"{_INDENT}... {hidden} more rows")
    return out


def format_report(ds: xr.Dataset, *, top: int | None = None) -> str:
    """The summary report as plain fixed-width text, like SWMM's ``.rpt`` summary.

    Parameters
    ----------
    ds : xarray.Dataset
        One run's results (select a member of an ensemble first).
    top : int, optional
        Show at most this many rows of each per-element (ranked) table.

    Returns
    -------
    str
    """
    lines = []
    for table in report_tables(ds):
        lines += _text_table(table, top)
    return "\n".join(lines).lstrip("\n") + "\n"
