"""SWMM date and time strings -> numpy values (M/D/Y dates, as SWMM reads .inp files)."""

from __future__ import annotations

import re

import numpy as np

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}
_NUM_DATE = re.compile(r"^\s*(\d{1,4})\s*[-/]\s*(\d{1,2})\s*[-/]\s*(\d{1,4})\s*$")
_NAME_DATE = re.compile(r"^\s*([A-Za-z]{3})[A-Za-z]*\s*[-/]\s*(\d{1,2})\s*[-/]\s*(\d{1,4})\s*$")


def parse_date(text: str) -> np.datetime64 | None:
    """A SWMM date (``MM/DD/YYYY``, ``MMM-DD-YYYY`` or ``YYYY-MM-DD``) -> datetime64[D].

    Returns None when ``text`` is not a date.
    """
    m = _NUM_DATE.match(text)
    if m:
        a, b, c = (int(g) for g in m.groups())
        if len(m.group(1)) == 4:  # YYYY-MM-DD
            yr, mon, day = a, b, c
        else:  # MM/DD/YYYY
            mon, day, yr = a, b, c
    else:
        m = _NAME_DATE.match(text)
        if not m:
            return None
        mon = _MONTHS.get(m.group(1).upper())
        if mon is None:
            return None
        day, yr = int(m.group(2)), int(m.group(3))
    if yr < 100:
        yr += 1900 if yr >= 50 else 2000
    try:
        return np.datetime64(f"{yr:04d}-{mon:02d}-{day:02d}", "D")
    except ValueError:
        return None


def parse_time(text: str) -> float | None:
    """A SWMM clock time or duration (``H:M[:S]`` or decimal hours) -> seconds.

    Hours may exceed 24 (``30:00`` is 30 hours). Returns None when not a time.
    """
    s = text.strip()
    try:
        return float(s) * 3600.0
    except ValueError:
        pass
    parts = s.split(":")
    if not 1 <= len(parts) <= 3:
        return None
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        return None
    if any(n < 0 for n in nums):
        return None
    nums += [0] * (3 - len(nums))
    return float(nums[0] * 3600 + nums[1] * 60 + nums[2])


def parse_seconds(text: str) -> float | None:
    """A routing-step style value: plain seconds, or ``H:M:S``. None when invalid."""
    s = text.strip()
    try:
        return float(s)
    except ValueError:
        return parse_time(s) if ":" in s else None
