"""The observation store: every ingested observation, kept safe in SQLite in the output folder.

One file, ``observations.sqlite``, in write-ahead-log mode with ``synchronous=FULL``:
a row that :meth:`ObservationStore.add` has returned for is on disk and survives a
killed process (and a power cut).  Several processes may use one store at once
(``twin watch`` reading while a feed writes, ``twin observe show`` beside both).

Rules
-----
- An observation is keyed by (sensor, time), the time in whole UTC seconds.  The first
  value stored for a key is kept: the same row again is a duplicate (ignored); a
  different value for a stored key is a *conflict*, not applied, counted and logged.
  So whatever the twin has already assimilated stays what the store says.
- Rows may come in any order; a gap stays a gap (nothing is filled in).
- Every ``add`` is one transaction, recorded as a batch (source, wall-clock time of
  receipt, rows, new rows, conflicts) that each of its new rows points to.
- ``cursors`` (the watch loop's bookkeeping, the byte offsets of followed files) are
  a key -> JSON value table, written in the same transaction as the rows they cover.
- Rows a feed could not read are kept in a ``rejected`` table with their source, line,
  field and reason.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time as _time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.ops.times import epoch_seconds, to_datetime64

__all__ = ["DB_NAME", "ObservationBatch", "ObservationStore", "ObservationWindow", "Rejected"]

log = logging.getLogger("twin.ops")

#: File name of the database inside an output folder.
DB_NAME = "observations.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sensor (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS source (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS batch (
    id INTEGER PRIMARY KEY, source INTEGER NOT NULL REFERENCES source(id),
    received_s INTEGER NOT NULL, rows INTEGER NOT NULL, new INTEGER NOT NULL,
    conflicts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS observation (
    time_s INTEGER NOT NULL, sensor INTEGER NOT NULL, value REAL NOT NULL,
    batch INTEGER NOT NULL, PRIMARY KEY (time_s, sensor)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS observation_batch ON observation (batch);
CREATE TABLE IF NOT EXISTS cursor (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rejected (
    id INTEGER PRIMARY KEY, received_s INTEGER NOT NULL, source TEXT NOT NULL,
    line INTEGER, field TEXT, reason TEXT NOT NULL, text TEXT NOT NULL);
"""


@dataclass
class ObservationBatch:
    """Observations as parallel arrays (what the feeds read and :meth:`~ObservationStore.add`
    takes fastest).

    time : (n,) datetime64[s], UTC
    sensor : (n,) object, sensor ids
    value : (n,) float64, in each sensor's unit
    line : (n,) int64, line of each row in its file (0 when not from a file)
    """

    time: np.ndarray
    sensor: np.ndarray
    value: np.ndarray
    line: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.time)


@dataclass
class ObservationWindow:
    """Observations of a time window, sorted by time then sensor.

    time : (n,) datetime64[s], UTC
    sensor : (n,) int64, position of each row's sensor in ``sensor_ids``
    value : (n,) float64, in the sensor's unit
    sensor_ids : tuple of str, the sensors asked for (or every sensor in the store)
    """

    time: np.ndarray
    sensor: np.ndarray
    value: np.ndarray
    sensor_ids: tuple

    def __len__(self) -> int:
        return len(self.time)

    def to_dataarray(self, times=None):
        """An ``xarray.DataArray`` (time, sensor) with NaN where a sensor has no value.

        ``times`` (datetime64 array) picks the time axis, e.g. a regular grid: a value
        is placed only on its exact time, never interpolated.  By default the axis is
        every time at which some sensor has a value.
        """
        import xarray as xr

        axis = np.unique(self.time) if times is None else np.asarray(times, "datetime64[s]")
        data = np.full((len(axis), len(self.sensor_ids)), np.nan)
        row = np.searchsorted(axis, self.time)
        ok = row < len(axis)
        ok[ok] = axis[row[ok]] == self.time[ok]
        data[row[ok], self.sensor[ok]] = self.value[ok]
        return xr.DataArray(
            data,
            dims=("time", "sensor"),
            coords={"time": axis, "sensor": np.array(self.sensor_ids, dtype=object)},
            name="observation",
            attrs={"long_name": "observed value (in each sensor's unit); NaN: no value"},
        )


@dataclass
class Rejected:
    """A row a feed could not read."""

    received: np.datetime64
    source: str
    line: int | None
    field: str | None
    reason: str
    text: str


class ObservationStore:
    """The observation database of a twin.

    Parameters
    ----------
    path : str or Path
        An output folder (created if needed; the database is ``path/observations.sqlite``)
        or a file ending in ``.sqlite`` or ``.db``.
    timeout_s : float
        How long to wait for another process's write lock before failing.

    Notes
    -----
    The store is safe to share between threads (one connection behind a lock) and
    between processes (SQLite's locks).  Use it as a context manager or call
    :meth:`close`.
    """

    def __init__(self, path, *, timeout_s: float = 60.0):
        path = Path(path)
        if path.suffix.lower() not in (".sqlite", ".db"):
            path = path / DB_NAME
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, timeout=timeout_s, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA temp_store=MEMORY")
            self._db.executescript(_SCHEMA)  # idempotent; executescript commits by itself
            with self._transaction():
                self._check_version(path)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"not a usable observation database: {exc}", file=path) from None
        self.path = path
        self._lock = threading.RLock()
        self._sensor_ids: dict[str, int] = {}
        self._source_ids: dict[str, int] = {}
        #: (rows, new, duplicates, conflicts) of the last :meth:`add`.
        self.last_add = (0, 0, 0, 0)

    # -- plumbing --------------------------------------------------------------------
    def _transaction(self):
        return _Transaction(self._db)

    def _check_version(self, path):
        row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise InputError(
                f"observation database of a newer sewer-twin (schema {row[0]})", file=path
            )

    def close(self) -> None:
        """Close the database (everything added is already on disk)."""
        with self._lock:
            self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"ObservationStore({str(self.path)!r})"

    def _ids_for(self, table: str, cache: dict, names) -> np.ndarray:
        """Integer ids of sensor or source names, adding the new ones (in a transaction)."""
        missing = [n for n in dict.fromkeys(names) if n not in cache]
        if missing:
            self._db.executemany(
                f"INSERT OR IGNORE INTO {table}(name) VALUES (?)", [(n,) for n in missing]
            )
            for name in missing:
                (cache[name],) = self._db.execute(
                    f"SELECT id FROM {table} WHERE name=?", (name,)
                ).fetchone()
        return np.array([cache[n] for n in names], dtype=np.int64)

    # -- writing ---------------------------------------------------------------------
    def add(self, rows, source: str, *, cursors: dict | None = None, rejected=None) -> int:
        """Store observations; returns how many were new.

        Parameters
        ----------
        rows : ObservationBatch or iterable of (time, sensor, value)
            ``time`` as ISO text (no zone: UTC), ``datetime``, ``datetime64`` or POSIX
            seconds; ``sensor`` a sensor id; ``value`` a finite number in the sensor's unit.
        source : str
            Where the rows came from (``csv:FILE``, ``mqtt:HOST:PORT/TOPIC``, ...).
        cursors : dict, optional
            Cursor values (:meth:`set_cursor`) committed in the same transaction.
        rejected : iterable of dict, optional
            Rows of the same source that could not be read (keys ``reason``, ``text``,
            ``line``, ``field``), kept in the same transaction (see :meth:`reject`).

        Returns
        -------
        int
            Rows that were not in the store before.  ``last_add`` holds
            (rows, new, duplicates, conflicts); conflicts keep the stored value.

        Raises
        ------
        InputError
            A time that is not one, an empty sensor id or a value that is not finite;
            nothing of the call is stored then.
        """
        t, sensor, value = _as_arrays(rows)
        n = len(t)
        with self._lock, self._transaction():
            sids = self._ids_for("sensor", self._sensor_ids, sensor.tolist())
            (src,) = self._ids_for("source", self._source_ids, [str(source)])
            cur = self._db.execute(
                "INSERT INTO batch(source, received_s, rows, new, conflicts) VALUES (?,?,?,0,0)",
                (int(src), int(_time.time()), n),
            )
            batch = cur.lastrowid
            new = conflicts = 0
            if n:
                self._db.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS incoming "
                    "(time_s INTEGER, sensor INTEGER, value REAL)"
                )
                self._db.executemany(
                    "INSERT INTO incoming VALUES (?,?,?)",
                    zip(t.tolist(), sids.tolist(), value.tolist(), strict=True),
                )
                before = self._db.total_changes
                self._db.execute(
                    "INSERT INTO observation SELECT time_s, sensor, value, ? FROM incoming "
                    "WHERE true ON CONFLICT (time_s, sensor) DO NOTHING",
                    (batch,),
                )
                new = self._db.total_changes - before
                if new < n:
                    conflicts = self._conflicts(batch)
                self._db.execute("DELETE FROM incoming")
                self._db.execute(
                    "UPDATE batch SET new=?, conflicts=? WHERE id=?", (new, conflicts, batch)
                )
            for key, val in (cursors or {}).items():
                self._put_cursor(key, val)
            for r in rejected or ():
                self._put_rejected(source, **r)
        self.last_add = (n, new, n - new - conflicts, conflicts)
        return new

    def _conflicts(self, batch: int) -> int:
        rows = self._db.execute(
            "SELECT i.time_s, s.name, o.value, i.value FROM incoming i "
            "JOIN observation o ON o.time_s = i.time_s AND o.sensor = i.sensor "
            "JOIN sensor s ON s.id = i.sensor WHERE o.value != i.value"
        ).fetchall()
        if rows:
            t, name, kept, given = rows[0]
            log.warning(
                "%d observation(s) conflict with stored values and were not applied "
                "(first kept), e.g. sensor %s at %s: stored %r, given %r",
                len(rows),
                name,
                to_datetime64(t),
                kept,
                given,
            )
        return len(rows)

    def reject(self, source: str, reason: str, text: str = "", *, line=None, field=None):
        """Keep a row a feed could not read (and log it as a warning)."""
        with self._lock, self._transaction():
            self._put_rejected(source, reason, text, line=line, field=field)

    def _put_rejected(self, source, reason, text="", *, line=None, field=None):
        where = f"{source}:{line}" if line is not None else source
        log.warning("rejected %s: %s%s", where, f"field '{field}': " if field else "", reason)
        self._db.execute(
            "INSERT INTO rejected(received_s, source, line, field, reason, text) "
            "VALUES (?,?,?,?,?,?)",
            (int(_time.time()), str(source), line, field, str(reason), str(text)[:2000]),
        )

    # -- cursors ---------------------------------------------------------------------
    def _put_cursor(self, key: str, value) -> None:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            raise InputError(f"a cursor must be JSON data, got {value!r}", field=key) from None
        self._db.execute(
            "INSERT INTO cursor VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value=excluded.value",
            (str(key), text),
        )

    def set_cursor(self, key: str, value) -> None:
        """Remember ``value`` (str, number, bool, None, or lists and dicts of them) under
        ``key``, durably."""
        with self._lock, self._transaction():
            self._put_cursor(key, value)

    def get_cursor(self, key: str, default=None):
        """The value last set for ``key``, or ``default``."""
        with self._lock:
            row = self._db.execute("SELECT value FROM cursor WHERE key=?", (str(key),)).fetchone()
        return default if row is None else json.loads(row[0])

    def cursors(self, prefix: str = "") -> dict:
        """Every cursor whose key starts with ``prefix``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value FROM cursor WHERE substr(key, 1, ?) = ? ORDER BY key",
                (len(prefix), prefix),
            ).fetchall()
        return {k: json.loads(v) for k, v in rows}

    # -- reading ---------------------------------------------------------------------
    def sensor_ids(self) -> tuple:
        """Every sensor id that has ever had a row, in the order first seen."""
        with self._lock:
            rows = self._db.execute("SELECT name FROM sensor ORDER BY id").fetchall()
        return tuple(r[0] for r in rows)

    def window(self, t0=None, t1=None, sensors=None, *, closed="left") -> ObservationWindow:
        """Observations with ``t0 <= time < t1`` (``closed``: "left", "right" = (t0, t1],
        "both"), of ``sensors`` (a SensorSet, a list of ids, or None for all), sorted by
        time then sensor.  None for ``t0`` or ``t1`` leaves that side open."""
        if closed not in ("left", "right", "both"):
            raise ValueError(f"closed must be 'left', 'right' or 'both', got {closed!r}")
        where, args = [], []
        if t0 is not None:
            where.append("o.time_s >= ?" if closed in ("left", "both") else "o.time_s > ?")
            args.append(epoch_seconds(t0))
        if t1 is not None:
            where.append("o.time_s <= ?" if closed in ("right", "both") else "o.time_s < ?")
            args.append(epoch_seconds(t1))
        with self._lock:
            stored = self._db.execute("SELECT id, name FROM sensor").fetchall()
            if sensors is None:
                ids = tuple(name for _, name in sorted(stored))
            else:
                ids = _names(sensors)
            position = {name: ids.index(name) for _, name in stored if name in ids}
            if sensors is not None:
                keep = [i for i, name in stored if name in position]
                if not keep:
                    return _empty_window(ids)
                where.append(f"o.sensor IN ({','.join(map(str, keep))})")
            sql = "SELECT o.time_s, o.sensor, o.value FROM observation o"
            if where:
                sql += " WHERE " + " AND ".join(where)
            rows = self._db.execute(sql + " ORDER BY o.time_s", args).fetchall()
        if not rows:
            return _empty_window(ids)
        arr = np.array(rows, dtype=np.float64)
        lut = np.full(max(i for i, _ in stored) + 1, -1, dtype=np.int64)
        for i, name in stored:
            if name in position:
                lut[i] = position[name]
        t = arr[:, 0].astype(np.int64)
        pos = lut[arr[:, 1].astype(np.int64)]
        order = np.lexsort((pos, t))
        return ObservationWindow(to_datetime64(t[order]), pos[order], arr[order, 2], ids)

    def window_array(self, t0=None, t1=None, sensors=None, *, times=None, closed="left"):
        """:meth:`window` as an ``xarray.DataArray`` (time, sensor), NaN for gaps; see
        :meth:`ObservationWindow.to_dataarray` for ``times``."""
        return self.window(t0, t1, sensors, closed=closed).to_dataarray(times)

    def latest_time(self, sensors=None):
        """The latest observation time (``datetime64[s]``), of ``sensors`` if given, or
        None when there is none."""
        return self._extreme("MAX", sensors)

    def latest_times(self, sensors, since) -> dict:
        """Each of ``sensors``' latest observation time (``datetime64[s]``) at or after
        ``since``, by id; a sensor without one is not in it (``twin watch
        --latency-min``; the primary key's range, so as fast on a year of readings)."""
        names = list(_names(sensors))
        if not names:
            return {}
        sql = ("SELECT s.name, MAX(o.time_s) FROM observation o JOIN sensor s ON s.id = "
               f"o.sensor WHERE o.time_s >= ? AND s.name IN ({_marks(names)}) "
               "GROUP BY s.name")  # fmt: skip
        with self._lock:
            rows = self._db.execute(sql, [epoch_seconds(since), *names]).fetchall()
        return {name: to_datetime64(t) for name, t in rows}

    def last_batch(self) -> int:
        """The id of the last batch stored (0: none); later batches have larger ids."""
        with self._lock:
            (b,) = self._db.execute("SELECT MAX(id) FROM batch").fetchone()
        return int(b or 0)

    def counts_stored_after(self, batch: int, upto: int, t1, sensors) -> dict:
        """How many observations of ``sensors`` at or before ``t1`` came in the batches
        after ``batch`` up to ``upto``, by id (the readings that arrived after the cycle
        that read to ``t1``; by the batch index: the new batches' rows only)."""
        names = list(_names(sensors))
        if not names:
            return {}
        sql = ("SELECT s.name, count(*) FROM observation o JOIN sensor s ON s.id = o.sensor "
               f"WHERE o.batch > ? AND o.batch <= ? AND o.time_s <= ? AND s.name IN "
               f"({_marks(names)}) GROUP BY s.name")  # fmt: skip
        args = [int(batch), int(upto), epoch_seconds(t1), *names]
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return {name: int(n) for name, n in rows}

    def earliest_time(self, sensors=None):
        """The earliest observation time (``datetime64[s]``), or None."""
        return self._extreme("MIN", sensors)

    def _extreme(self, fn: str, sensors):
        sql, args = f"SELECT {fn}(time_s) FROM observation", []
        if sensors is not None:
            names = list(_names(sensors))
            sql += f" WHERE sensor IN (SELECT id FROM sensor WHERE name IN ({_marks(names)}))"
            args = names
        with self._lock:
            (t,) = self._db.execute(sql, args).fetchone()
        return None if t is None else to_datetime64(t)

    def count(self) -> int:
        """How many observations the store holds."""
        with self._lock:
            return self._db.execute("SELECT count(*) FROM observation").fetchone()[0]

    def summary(self) -> list[dict]:
        """Per sensor: ``sensor``, ``count``, ``first``, ``last`` (datetime64[s]),
        ``min``, ``max``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT s.name, count(o.value), min(o.time_s), max(o.time_s), min(o.value), "
                "max(o.value) FROM sensor s LEFT JOIN observation o ON o.sensor = s.id "
                "GROUP BY s.id ORDER BY s.id"
            ).fetchall()
        keys = ("sensor", "count", "first", "last", "min", "max")
        out = [dict(zip(keys, r, strict=True)) for r in rows]
        for d in out:
            for k in ("first", "last"):
                d[k] = None if d[k] is None else to_datetime64(d[k])
        return out

    def sources(self) -> list[dict]:
        """Per source: ``source``, ``batches``, ``rows``, ``new``, ``conflicts``, ``last``
        (wall-clock time of its last batch, datetime64[s])."""
        with self._lock:
            rows = self._db.execute(
                "SELECT s.name, count(b.id), sum(b.rows), sum(b.new), sum(b.conflicts), "
                "max(b.received_s) FROM source s JOIN batch b ON b.source = s.id "
                "GROUP BY s.id ORDER BY s.id"
            ).fetchall()
        keys = ("source", "batches", "rows", "new", "conflicts", "last")
        out = [dict(zip(keys, r, strict=True)) for r in rows]
        for d in out:
            d["last"] = to_datetime64(d["last"])
        return out

    def rejected(self, limit: int | None = None) -> list[Rejected]:
        """Rows the feeds could not read, oldest first."""
        sql = "SELECT received_s, source, line, field, reason, text FROM rejected ORDER BY id"
        with self._lock:
            rows = self._db.execute(sql + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
        return [Rejected(to_datetime64(r[0]), *r[1:]) for r in rows]


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on an exception)."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, exc, tb):
        self.db.execute("ROLLBACK" if kind else "COMMIT")


def _names(sensors) -> tuple:
    """Sensor ids of a SensorSet, a list of ids or one id."""
    if isinstance(sensors, str):
        return (sensors,)
    return tuple(str(s) for s in getattr(sensors, "ids", sensors))


def _marks(items) -> str:
    return ",".join("?" * len(items))


def _empty_window(ids) -> ObservationWindow:
    return ObservationWindow(
        np.empty(0, "datetime64[s]"), np.empty(0, np.int64), np.empty(0, np.float64), ids
    )


def _as_arrays(rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time int64 s, sensor object, value float64) of ``rows``; InputError when bad."""
    if isinstance(rows, ObservationBatch):
        t = np.asarray(rows.time)
        if t.dtype.kind != "M":
            raise InputError("ObservationBatch.time must be datetime64", field="time")
        if np.isnat(t).any():
            raise InputError("a time is NaT", field="time")
        t = t.astype("datetime64[s]").astype(np.int64)
        sensor = np.asarray(rows.sensor, dtype=object)
        value = np.asarray(rows.value, dtype=np.float64)
        if not (len(t) == len(sensor) == len(value)):
            raise InputError("ObservationBatch arrays differ in length")
    else:
        ts, ss, vs = [], [], []
        for k, row in enumerate(rows):
            try:
                tt, s, v = row
                ts.append(epoch_seconds(tt))
            except (TypeError, ValueError) as exc:
                raise InputError(f"row {k}: {exc}", field="time") from None
            ss.append(s)
            vs.append(v)
        t = np.array(ts, dtype=np.int64)
        sensor = np.array(ss, dtype=object)
        try:
            value = np.array(vs, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("a value is not a number", field="value") from None
    bad = ~np.isfinite(value)
    if bad.any():
        k = int(np.argmax(bad))
        raise InputError(f"row {k}: value {value[k]!r} is not finite", field="value")
    for k, s in enumerate(sensor):
        if not isinstance(s, str) or not s:
            raise InputError(f"row {k}: sensor {s!r} is not an id", field="sensor")
    return t, sensor, value
