"""Observed rain-gauge series from a CSV file or a SWMM user-prepared rainfall file.

Both return ``(times, rate_mmh, interval_s)``: ``(k,) datetime64[s]`` reading
times, ``(k,)`` rates [mm/h] that hold for ``interval_s`` from each time.

CSV: a header line, then ``time,value`` rows; ``time`` is an ISO date-time
(``2024-07-15T10:20``), ``value`` an intensity [mm/h] (``form="intensity"``) or the
depth [mm] of the interval (``form="volume"``).  SWMM format: ``STA YYYY MM DD HH MM
value`` (values depths per interval in mm, or intensities with ``form="intensity"``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.files import checked_input, input_lines

__all__ = ["read_gauge"]


def read_gauge(path, form="volume", interval_min=None, station="", fmt=None):
    """Read an observed rainfall record.

    Parameters
    ----------
    path : path-like
        ``.csv`` or a SWMM rainfall file (``.dat``, ``.txt``, anything else).
    form : {"intensity", "volume"}
        What the values are: mm/h, or mm per interval.
    interval_min : float, optional
        Recording interval; the smallest spacing of the readings by default.
    station : str
        SWMM files: the station to read (the first one by default).
    """
    path = checked_input(path, what="rainfall file", field="rainfall.path")
    form = str(form).lower()
    if form not in ("intensity", "volume"):
        raise InputError(
            f"form must be 'intensity' or 'volume', got {form!r}", file=path, field="rainfall.form"
        )
    is_csv = (fmt or path.suffix.lower().lstrip(".")) == "csv"
    times, vals = _read_csv(path) if is_csv else _read_swmm(path, station)
    if len(times) == 0:
        raise InputError("no rainfall readings", file=path, field="rainfall.path")
    order = np.argsort(times, kind="stable")
    times, vals = times[order], vals[order]
    if np.any(np.diff(times) <= np.timedelta64(0, "s")):
        raise InputError("rainfall readings have repeated times", file=path)
    if interval_min is None:
        d = np.diff(times).astype(np.float64)
        interval_s = float(d.min()) if len(d) else 3600.0
    else:
        interval_s = float(interval_min) * 60.0
    if interval_s <= 0:
        raise InputError("rainfall interval must be positive", file=path, field="interval_min")
    if np.any(vals < 0):
        raise InputError("negative rainfall reading", file=path)
    rate = vals if form == "intensity" else vals * (3600.0 / interval_s)
    return times, rate, interval_s


def _read_csv(path: Path):
    times, vals = [], []
    with input_lines(path, what="rainfall file", newline="") as fh:
        for n, row in enumerate(csv.reader(fh), 1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if len(row) < 2:
                raise InputError("expected 'time,value'", file=path, line=n)
            try:
                t = np.datetime64(row[0].strip().replace(" ", "T"), "s")
                v = float(row[1])
            except ValueError:
                if n == 1 or not times:  # header
                    continue
                raise InputError(f"bad reading {row[:2]}", file=path, line=n) from None
            _check_reading(v, row[1], path, n)
            times.append(t)
            vals.append(v)
    return np.array(times, "datetime64[s]"), np.array(vals, np.float64)


def _check_reading(v: float, token: str, path: Path, n: int) -> None:
    """A rainfall reading must be a finite number >= 0 (else an error naming its line)."""
    if not np.isfinite(v):
        raise InputError(f"rainfall reading {token.strip()!r} is not a finite number",
                         file=path, line=n)  # fmt: skip
    if v < 0:
        raise InputError(f"negative rainfall reading {token.strip()!r}", file=path, line=n)


def _read_swmm(path: Path, station: str):
    times, vals = [], []
    with input_lines(path, what="rainfall file") as fh:
        for n, line in enumerate(fh, 1):
            tok = line.split()
            if len(tok) < 7 or tok[0].startswith(";"):
                continue
            try:
                y, mo, d, h, mi = (int(x) for x in tok[1:6])
            except ValueError:
                continue  # header lines
            if not station:
                station = tok[0]
            if tok[0] != station:
                continue
            try:
                v = float(tok[6])
            except ValueError:
                raise InputError(f"bad reading {tok[6]!r} in {line.strip()!r}",
                                 file=path, line=n) from None  # fmt: skip
            _check_reading(v, tok[6], path, n)
            try:
                t = np.datetime64(f"{y:04d}-{mo:02d}-{d:02d}T00:00", "s")
            except ValueError:
                raise InputError(f"bad date in {line.strip()!r}", file=path, line=n) from None
            times.append(t + np.timedelta64(h * 3600 + mi * 60, "s"))
            vals.append(v)
    return np.array(times, "datetime64[s]"), np.array(vals, np.float64)
