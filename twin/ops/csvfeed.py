"""Observation CSV: ``time,sensor,value`` rows, read strictly (a file given by name) or
leniently (a feed, whose bad rows are quarantined).

Format
------
- One observation a line: ``time,sensor,value``; an optional header line
  ``time,sensor,value`` first; blank lines and lines starting with ``#`` are skipped;
  fields may be quoted; UTF-8 (a byte-order mark is allowed).
- ``time``: ISO 8601 (``2026-07-14T09:30:00+09:00``, ``2026-07-14 00:30:00Z``,
  ``2026-07-14T00:30``); without a zone it is UTC unless the reader is given a zone.
- ``sensor``: an id of the sensor file; ``value``: a finite number in the sensor's unit
  (m, m3/s or mm/h).  An empty value is not a gap marker: leave the row out.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.ops.store import ObservationBatch
from twin.ops.times import parse_iso_time, timezone

__all__ = ["BadRow", "ingest_csv", "parse_rows", "read_observations_csv"]

HEADER = ("time", "sensor", "value")


class BadRow(InputError):
    """A row that cannot be read; ``text`` is the row as written."""

    def __init__(self, message, *, text="", **where):
        self.text = text
        super().__init__(message, **where)


def parse_rows(
    lines: Iterable[tuple[int, str]],
    sensors,
    *,
    file=None,
    tz=None,
    on_error: Callable[[BadRow], None] | None = None,
    default_sensor: str | None = None,
) -> ObservationBatch:
    """Observations of numbered text lines.

    Parameters
    ----------
    lines : iterable of (line number, text)
        Line 1 may be the header.
    sensors : SensorSet
        Rows of other sensors are bad rows.
    file : str, optional
        Named in errors.
    tz : str or tzinfo, optional
        The zone of times written without one (default UTC).
    on_error : callable, optional
        Called with each :class:`BadRow`; without it the first bad row is raised.
    default_sensor : str, optional
        Rows of two fields (``time,value``) are of this sensor (an MQTT topic's).
    """
    zone = timezone(tz)
    times, ids, values, numbers = [], [], [], []
    for n, text in lines:
        row = _parse_line(n, text, sensors, file, zone, default_sensor)
        if row is None:
            continue
        if isinstance(row, BadRow):
            if on_error is None:
                raise row
            on_error(row)
            continue
        times.append(row[0])
        ids.append(row[1])
        values.append(row[2])
        numbers.append(n)
    return ObservationBatch(
        time=np.array(times, dtype=np.int64).astype("datetime64[s]"),
        sensor=np.array(ids, dtype=object),
        value=np.array(values, dtype=np.float64),
        line=np.array(numbers, dtype=np.int64),
    )


def _parse_line(n, text, sensors, file, zone, default_sensor):
    """(seconds, sensor id, value), None for a line to skip, or a BadRow."""
    stripped = text.strip().lstrip("\ufeff")
    if not stripped or stripped.startswith("#"):
        return None
    try:
        fields = [f.strip() for f in next(csv.reader([stripped]))]
    except csv.Error as exc:
        return BadRow(f"not a CSV row: {exc}", text=text, file=file, line=n)
    if n == 1 and tuple(f.lower() for f in fields) == HEADER:
        return None
    if len(fields) == 2 and default_sensor is not None:
        fields = [fields[0], default_sensor, fields[1]]
    if len(fields) != 3:
        return BadRow(
            f"expected 3 fields time,sensor,value, got {len(fields)}", text=text, file=file, line=n
        )
    t_text, sid, v_text = fields
    try:
        t = parse_iso_time(t_text, zone)
    except ValueError:
        return BadRow(
            f"not an ISO 8601 time: {t_text!r}", text=text, file=file, line=n, field="time"
        )
    if sid not in sensors:
        return BadRow(f"unknown sensor {sid!r}", text=text, file=file, line=n, field="sensor")
    try:
        v = float(v_text)
    except ValueError:
        if not v_text:
            why = "missing (an empty value is no observation: leave the row out)"
            return BadRow(why, text=text, file=file, line=n, field="value")
        return BadRow(
            f"expected a number, got {v_text!r}", text=text, file=file, line=n, field="value"
        )
    if not math.isfinite(v):
        return BadRow(
            f"expected a finite number, got {v_text!r}", text=text, file=file, line=n, field="value"
        )
    return t, sid, v


def read_observations_csv(path, sensors, *, tz=None) -> ObservationBatch:
    """Every row of an observation CSV file; the first bad row is an :class:`InputError`
    naming the file, line and field."""
    from twin.files import read_input_text

    path = Path(path)
    text = read_input_text(path, what="observation file", encoding="utf-8-sig")
    return parse_rows(enumerate(text.splitlines(), 1), sensors, file=str(path), tz=tz)


def ingest_csv(path, store, sensors, *, tz=None) -> int:
    """Read an observation file whole and store it (all of it, or nothing when a row is
    bad); returns the number of new rows (``store.last_add`` has the rest)."""
    batch = read_observations_csv(path, sensors, tz=tz)
    return store.add(batch, f"csv:{Path(path).resolve()}")
