"""Reading a watch folder that another process keeps writing.

`twin watch` replaces ``analysis.nc``, ``forecasts.nc`` and ``watch.json`` whole
(temporary name, then rename) and appends whole lines to ``warnings.jsonl`` and
``advice.jsonl``; ``watch.json`` (the mark of the last complete cycle) is written
last.  The page must never show half a cycle, also from a writer less careful than
that, so:

- a NetCDF file is taken only when it opens and has the variables it must have; one
  that does not (caught mid-copy) is ignored and looked at again at the next poll,
  and the page keeps what it had;
- a JSON-lines file is read up to its last newline; a line that is not JSON is
  skipped once, with a warning in the log;
- a cycle later than the one ``watch.json`` marks complete is not shown yet.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC
from pathlib import Path

import numpy as np

log = logging.getLogger("twin.serve")

ANALYSIS = "analysis.nc"
FORECASTS = "forecasts.nc"
WARNINGS = "warnings.jsonl"
ADVICE = "advice.jsonl"
MARK = "watch.json"
STORE = "observations.sqlite"
#: Files any of which makes a folder a watch folder.
WATCH_FILES = (ANALYSIS, FORECASTS, WARNINGS, MARK, STORE, ADVICE)
_NEEDS = {
    ANALYSIS: ("node_depth", "link_flow"),
    FORECASTS: ("node_flood_probability", "node_first_flood_time"),
}


def stamp(path: Path):
    """(inode, size, mtime ns) of a file, or None when it is not there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def open_complete(path: Path):
    """The Dataset in ``path`` when it is whole, else None.

    The file's bytes are read into memory first and the Dataset reads from that copy,
    so that what the page shows never changes under it, whatever the writer does to
    the file afterwards (a rename, or a rewrite in place).
    """
    import io

    import xarray as xr

    try:
        data = io.BytesIO(path.read_bytes())
        # times decoded here: xarray cannot decode a NaT written without a _FillValue
        ds = xr.open_dataset(data, engine="h5netcdf", decode_times=False, decode_timedelta=False)
        ds = ds.assign_coords({c: _coord_time(ds[c]) for c in ("time", "cycle", "lead") if c in ds})
    except Exception as exc:  # noqa: BLE001 - any failure means: not (yet) readable
        log.warning("%s is not readable yet (%s); keeping the last complete cycle", path, exc)
        return None
    missing = [v for v in _NEEDS.get(path.name, ()) if v not in ds]
    if missing:
        ds.close()
        log.warning("%s lacks %s; keeping the last complete cycle", path, ", ".join(missing))
        return None
    try:  # touch the data, so that a file cut short fails here and not on a page request
        for name in _NEEDS.get(path.name, ()):
            da = ds[name]
            np.asarray(da.isel({da.dims[0]: -1}).values)
    except Exception as exc:  # noqa: BLE001
        ds.close()
        log.warning("%s cannot be read (%s); keeping the last complete cycle", path, exc)
        return None
    return ds


def decode_time(da) -> np.ndarray:
    """The CF times of ``da`` (read with ``decode_times=False``) as datetime64[s].

    NaN, the ``_FillValue`` and the int64 minimum (numpy's NaT written as a number,
    as xarray does for a datetime variable with NaT and no fill value) are NaT.
    """
    import xarray as xr

    num = np.asarray(da.values)
    units = da.attrs.get("units", "")
    if np.issubdtype(num.dtype, np.datetime64):
        return num.astype("datetime64[s]")
    if " since " not in units:
        raise ValueError(f"{da.name}: not a CF time (units {units!r})")
    bad = ~np.isfinite(num) if num.dtype.kind == "f" else num == np.iinfo(np.int64).min
    fill = da.attrs.get("_FillValue", da.encoding.get("_FillValue"))
    if fill is not None:
        bad |= num == fill
    safe = np.where(bad, 0, num)
    cal = da.attrs.get("calendar", "standard")
    out = np.asarray(xr.coding.times.decode_cf_datetime(safe.ravel(), units, cal))
    out = out.astype("datetime64[s]").reshape(num.shape)
    out[bad] = np.datetime64("NaT")
    return out


_SECONDS = {"seconds": 1, "second": 1, "s": 1, "minutes": 60, "minute": 60, "min": 60,
            "hours": 3600, "hour": 3600, "h": 3600, "days": 86400, "day": 86400}  # fmt: skip


def _coord_time(da) -> np.ndarray:
    """A time (datetime64[s]) or lead (timedelta64[s]) coordinate from its CF numbers."""
    num = np.asarray(da.values)
    if num.dtype.kind == "M":
        return num.astype("datetime64[s]")
    if num.dtype.kind == "m":
        return num.astype("timedelta64[s]")
    units = da.attrs.get("units", "")
    if " since " in units:
        return decode_time(da)
    factor = _SECONDS.get(units.strip())
    if factor is None:
        raise ValueError(f"{da.name}: units {units!r} are not a time")
    return np.round(num.astype(np.float64) * factor).astype("timedelta64[s]")


def read_mark(folder: Path) -> float | None:
    """Seconds from the start to the last complete cycle, as ``watch.json`` says (None:
    no mark).  Read it before the files it vouches for: they were written before it, so
    files read after it hold at least its cycle."""
    path = folder / MARK
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["t_s"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def complete_until(t_s: float | None, start) -> np.datetime64 | None:
    """The time of the last complete cycle, ``t_s`` from :func:`read_mark` (None: no mark)."""
    if t_s is None or start is None:
        return None
    return np.datetime64(start, "s") + np.timedelta64(int(round(t_s)), "s")


class JsonLines:
    """The whole lines of an append-only JSON-lines file, read as it grows.

    A file that shrinks or is replaced (another inode) is read again from its start.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.items: list[dict] = []
        self._offset = 0
        self._inode = None

    def update(self) -> bool:
        """Read what was appended; True when new items came."""
        st = stamp(self.path)
        if st is None:
            changed = bool(self.items)
            self.items, self._offset, self._inode = [], 0, None
            return changed
        inode, size, _ = st
        if inode != self._inode or size < self._offset:
            self.items, self._offset, self._inode = [], 0, inode
        if size == self._offset:
            return False
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            data = fh.read(size - self._offset)
        end = data.rfind(b"\n")
        if end < 0:
            return False  # a line still being written
        before = len(self.items)
        for k, line in enumerate(data[: end + 1].splitlines()):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                log.warning("%s: skipping a line that is not JSON (%r)", self.path, line[:80])
                continue
            if isinstance(item, dict):
                self.items.append(item)
            else:
                log.warning("%s: skipping a line that is not a JSON object (%d)", self.path, k)
        self._offset += end + 1
        return len(self.items) != before


def parse_time(text) -> np.datetime64:
    """An ISO 8601 time (``Z`` or an offset: converted to UTC) as datetime64[s]; NaT if not."""
    if not isinstance(text, str) or not text:
        return np.datetime64("NaT", "s")
    from datetime import datetime

    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return np.datetime64("NaT", "s")
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(t, "s")
