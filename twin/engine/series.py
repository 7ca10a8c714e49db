"""Time series and patterns evaluated on the simulation clock (seconds after the start).

SWMM semantics: a time series is interpolated linearly between its points and is
zero before the first and after the last point (``table_tseriesLookup`` with
``extend = FALSE``); points without a date are hours after the simulation start,
points after a dated point are hours after that date's midnight.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.errors import InputError


def series_points(ts, start: np.datetime64, base_dir: str | Path | None = None):
    """Absolute times [s after ``start``] and values of a :class:`TimeSeries`.

    A series given as ``FILE`` is read from that file (relative to ``base_dir``):
    lines of ``[date] time value`` like the inline form.
    """
    if ts.file:
        return _read_series_file(ts, start, base_dir)
    start_s = start.astype("datetime64[s]")
    t = np.asarray(ts.time_h, dtype=np.float64) * 3600.0
    dates = np.asarray(ts.date, dtype="datetime64[D]")
    has_date = ~np.isnat(dates)
    out = t.copy()
    if has_date.any():
        offs = (dates[has_date].astype("datetime64[s]") - start_s) / np.timedelta64(1, "s")
        out[has_date] = offs.astype(np.float64) + t[has_date]
    return out, np.asarray(ts.value, dtype=np.float64)


def _read_series_file(ts, start, base_dir):
    from twin.files import input_lines

    path = Path(ts.file)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    with input_lines(path, what="time series file", section="TIMESERIES", field=ts.name) as lines:
        return _series_lines(lines, path, start)


def _series_lines(lines, path, start):
    """``(times_s, values)`` of an external time series' lines (``[date] time value``)."""
    from twin.networks.datetimes import parse_date, parse_time

    start_s = start.astype("datetime64[s]")
    times, values = [], []
    last_date = None
    for lineno, raw in enumerate(lines, start=1):
        toks = raw.split(";")[0].split()
        if not toks:
            continue
        d = parse_date(toks[0])
        if d is not None:
            last_date = d
            toks = toks[1:]
        if len(toks) < 2:
            raise InputError("expected [date] time value", file=path, line=lineno)
        t = parse_time(toks[0])
        try:
            v = float(toks[1])
        except ValueError:
            v = None
        if t is None or v is None:
            raise InputError("expected [date] time value", file=path, line=lineno)
        if last_date is not None:
            t += float((last_date.astype("datetime64[s]") - start_s) / np.timedelta64(1, "s"))
        times.append(t)
        values.append(v)
    return np.asarray(times, dtype=np.float64), np.asarray(values, dtype=np.float64)


def interp_series(times_s: np.ndarray, values: np.ndarray, t_s: float) -> float:
    """SWMM's ``table_tseriesLookup(extend=FALSE)``: linear inside, 0 outside."""
    n = len(times_s)
    if n == 0 or t_s < times_s[0] or t_s > times_s[-1]:
        return 0.0
    if n == 1:
        return float(values[0])
    k = int(np.searchsorted(times_s, t_s, side="left"))
    if k == 0:
        return float(values[0])
    t1, t2 = times_s[k - 1], times_s[k]
    if t2 <= t1:
        return float(values[k])
    return float(values[k - 1] + (t_s - t1) / (t2 - t1) * (values[k] - values[k - 1]))


def calendar_at(start: np.datetime64, t_s: float) -> tuple[int, int, int]:
    """(month 0-11, day of week 0=Sunday..6, hour 0-23) at ``t_s`` after ``start``.

    SWMM evaluates patterns on the clock time of the routing step's start.
    """
    now = start.astype("datetime64[s]") + np.timedelta64(int(np.floor(t_s + 1e-6)), "s")
    day = now.astype("datetime64[D]")
    month = int(day.astype("datetime64[M]").astype(np.int64) % 12)
    dow = int((day.astype(np.int64) + 4) % 7)
    hour = int((now - day.astype("datetime64[s]")) / np.timedelta64(1, "h"))
    return month, dow, hour


class HourClock:
    """:func:`calendar_at`, recomputed only when the clock leaves the current hour.

    Patterns change only on the hour, so the (month, day of week, hour) key is cached
    for the hour that contains the last time asked about.
    """

    def __init__(self, start: np.datetime64):
        self.start = start.astype("datetime64[s]")
        self._lo = 1.0
        self._hi = 0.0  # empty interval: the first call computes
        self._key = (0, 0, 0)

    def key(self, t_s: float) -> tuple[int, int, int]:
        if not self._lo <= t_s < self._hi:
            self._key = calendar_at(self.start, t_s)
            now = self.start + np.timedelta64(int(np.floor(t_s + 1e-6)), "s")
            hour_start = now.astype("datetime64[h]").astype("datetime64[s]")
            self._lo = float((hour_start - self.start) / np.timedelta64(1, "s"))
            self._hi = self._lo + 3600.0 - 1e-6
        return self._key

    @property
    def interval(self) -> tuple[float, float]:
        """``(lo, hi)`` [s]: the last :meth:`key` holds for ``lo <= t < hi``."""
        return self._lo, self._hi


def pattern_factor(pattern, month: int, dow: int, hour: int) -> float:
    """SWMM's ``getPatternFactor``: the factor of one pattern (1.0 when not applicable)."""
    f = pattern.factors
    kind = pattern.kind.upper()
    if kind == "MONTHLY" and month < len(f):
        return float(f[month])
    if kind == "DAILY" and dow < len(f):
        return float(f[dow])
    if kind == "HOURLY" and hour < len(f):
        return float(f[hour])
    if kind == "WEEKEND" and dow in (0, 6) and hour < len(f):
        return float(f[hour])
    return 1.0
