"""The summary report as JSON, CSV and Markdown, for scripts, spreadsheets and documents.

Every table of :func:`~twin.report.tables.report_tables` (a run's or an ensemble's)
becomes a list of records.  A record's fields are the column names in snake case
with the unit at the end (``"Max Height Above Crown"`` in m ->
``max_height_above_crown_m``; ``%`` -> ``percent``), the way the rest of sewer-twin
names quantities; values are full-precision numbers, ISO 8601 times and ``null``
(JSON) or an empty cell (CSV) for no value.

* JSON: one object, ``{"file", "ensemble", "tables": {key: [record, ...]},
  "about": {key: {"title", "note", "columns": [{"field", "label", "unit"}]}}}``;
* CSV: one file per table, ``<key>.csv``, header = the fields;
* Markdown: a ``###`` heading and a pipe table per table, values as the text report
  shows them.

Files are written whole or not at all (:mod:`twin.files`: a temporary name in the same
folder, then a rename; only regular files are replaced).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import xarray as xr

from twin.errors import InputError
from twin.report.table_data import Column, Table
from twin.report.tables import report_tables
from twin.report.text import format_cell, is_numeric

__all__ = [
    "FORMATS",
    "field_name",
    "report_records",
    "format_json",
    "format_markdown",
    "csv_texts",
    "write_text",
    "write_csv_tables",
]

FORMATS = ("text", "csv", "markdown", "json")


def field_name(col: Column) -> str:
    """``"Max Height Above Crown"`` [m] -> ``"max_height_above_crown_m"``."""
    stem = re.sub(r"[^0-9a-z]+", "_", col.name.lower()).strip("_")
    unit = col.unit.replace("%", "percent").replace("/", "")
    unit = re.sub(r"[^0-9A-Za-z]+", "", unit)
    return f"{stem}_{unit}" if unit else stem


def _plain(value):
    """A table value as JSON/CSV wants it: floats, ints, text, ISO times, None."""
    if value is None:
        return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value.astype("datetime64[s]"))
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value) if np.isfinite(value) else None
    return str(value)


def _rows(table: Table, top: int | None) -> list[tuple]:
    if top is not None and table.ranked:
        return table.rows[:top]
    return table.rows


def report_records(ds: xr.Dataset, *, top: int | None = None, file=None) -> dict:
    """The report as one JSON-ready object (see the module docstring)."""
    tables, about = {}, {}
    for table in report_tables(ds):
        fields = [field_name(c) for c in table.columns]
        tables[table.key] = [
            dict(zip(fields, (_plain(v) for v in row), strict=True)) for row in _rows(table, top)
        ]
        about[table.key] = {
            "title": table.title,
            "note": table.note,
            "columns": [
                {"field": f, "label": c.name, "unit": c.unit}
                for f, c in zip(fields, table.columns, strict=True)
            ],  # fmt: skip
        }
    return {
        "file": None if file is None else str(file),
        "ensemble": "member" in ds.dims,
        "tables": tables,
        "about": about,
    }


def format_json(ds: xr.Dataset, *, top: int | None = None, file=None) -> str:
    """:func:`report_records` as indented JSON text."""
    return json.dumps(report_records(ds, top=top, file=file), indent=2, ensure_ascii=False) + "\n"


def csv_texts(ds: xr.Dataset, *, top: int | None = None) -> dict[str, str]:
    """``{"<key>.csv": text}``: one CSV per table, header = the record fields."""
    out = {}
    for table in report_tables(ds):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([field_name(c) for c in table.columns])
        for row in _rows(table, top):
            writer.writerow(["" if v is None else v for v in map(_plain, row)])
        out[f"{table.key}.csv"] = buf.getvalue()
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def format_markdown(ds: xr.Dataset, *, top: int | None = None) -> str:
    """The report as Markdown: a heading, a note and a pipe table per table."""
    parts = []
    for table in report_tables(ds):
        parts.append(f"### {table.title}\n")
        rows = _rows(table, top)
        if not rows:
            parts.append(f"{table.note or 'Nothing to report.'}\n")
            continue
        heads = [f"{c.name} [{c.unit}]" if c.unit else c.name for c in table.columns]
        align = ["---:" if is_numeric(c) else ":---" for c in table.columns]
        lines = ["| " + " | ".join(_md_cell(h) for h in heads) + " |",
                 "| " + " | ".join(align) + " |"]  # fmt: skip
        for row in rows:
            cells = (format_cell(v, c.fmt) for v, c in zip(row, table.columns, strict=True))
            lines.append("| " + " | ".join(_md_cell(v) for v in cells) + " |")
        parts.append("\n".join(lines) + "\n")
        hidden = len(table.rows) - len(rows)
        note = " ".join(p for p in (table.note, f"({hidden} more rows)" if hidden else "") if p)
        if note:
            parts.append(f"{note}\n")
    return "\n".join(parts)


def write_text(text: str, path) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (:mod:`twin.files`: only a
    regular file is replaced, missing folders are made); returns the path."""
    from twin.files import check_output
    from twin.files import write_text as write_whole

    return write_whole(check_output(path), text)


def write_csv_tables(ds: xr.Dataset, folder, *, top: int | None = None) -> list[Path]:
    """One CSV file per table in ``folder`` (made if missing); each file is written
    whole or not at all, and none is renamed into place before all are written."""
    from twin.files import atomic_output, check_output, fill_file

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError("is a file; csv needs a folder (-o DIR)", file=folder)
    texts = csv_texts(ds, top=top)
    paths = [check_output(folder / name) for name in texts]
    with contextlib.ExitStack() as stack:  # renamed one after the other when all are written
        for path, text in zip(paths, texts.values(), strict=True):
            fill_file(stack.enter_context(atomic_output(path)), text.encode("utf-8"))
    return paths
