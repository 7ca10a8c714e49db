"""Observation times: ISO 8601 text, datetimes and numpy values -> whole UTC seconds.

The observation store keeps every time as integer seconds since 1970-01-01 UTC
(``datetime64[s]`` when it hands them back).  A time without a zone is in ``tz``
(UTC unless a feed is told otherwise); fractions of a second are truncated.
"""

from __future__ import annotations

import datetime as dt
import numbers
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from twin.errors import InputError

__all__ = ["epoch_seconds", "parse_iso_time", "timezone", "to_datetime64"]

_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)


def timezone(name) -> dt.tzinfo:
    """A zone by IANA name (``"Asia/Seoul"``), ``"UTC"``, a fixed offset (``"+09:00"``),
    or a ``tzinfo``; None is UTC.  An unknown name is an :class:`InputError`."""
    if name is None:
        return _UTC
    if isinstance(name, dt.tzinfo):
        return name
    text = str(name).strip()
    if text.upper() in ("UTC", "Z"):
        return _UTC
    if text[:1] in "+-":
        try:
            offset = dt.datetime.fromisoformat("2000-01-01T00:00:00" + text).utcoffset()
        except ValueError:
            offset = None
        if offset is not None:
            return dt.timezone(offset)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {text!r}", field="timezone") from None


def parse_iso_time(text: str, tz=None) -> int:
    """Seconds since 1970 UTC of an ISO 8601 time (``2026-07-14T09:30:00+09:00``,
    ``2026-07-14 00:30Z``, ``2026-07-14T00:30``); without a zone it is in ``tz``.

    Raises ValueError (without file context) when ``text`` is not such a time.

    >>> parse_iso_time("1970-01-01T09:00:01+09:00")
    1
    """
    s = text.strip()
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone(tz)) if tz is not None else t.replace(tzinfo=_UTC)
    return _seconds(t)


def _seconds(t: dt.datetime) -> int:
    delta = t - _EPOCH
    return delta.days * 86400 + delta.seconds


def epoch_seconds(value, tz=None) -> int:
    """Whole seconds since 1970 UTC of a time given as ISO text, a ``datetime`` (naive:
    in ``tz``, else UTC), a ``numpy.datetime64`` (UTC), or a number of POSIX seconds."""
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError("a time is NaT")
        return int(value.astype("datetime64[s]").astype(np.int64))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone(tz))
        return _seconds(value)
    if isinstance(value, dt.date):
        return _seconds(dt.datetime(value.year, value.month, value.day, tzinfo=timezone(tz)))
    if isinstance(value, str):
        return parse_iso_time(value, tz)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not np.isfinite(value):
            raise ValueError(f"a time is not finite: {value!r}")
        return int(np.floor(value))
    raise ValueError(f"not a time: {value!r}")


def to_datetime64(seconds) -> np.ndarray:
    """Integer seconds since 1970 UTC -> ``datetime64[s]`` (array or scalar)."""
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
