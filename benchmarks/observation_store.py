"""The observation store's ingest rate and query latency at a city's volume, SQLite
(:class:`twin.ops.ObservationStore`) against the same table in DuckDB.

    python benchmarks/observation_store.py                      # 200 sensors x 1 min x 30 days
    python benchmarks/observation_store.py --sensors 50 --days 2 --json out.json

Both databases get the same rows, the same key (time, sensor) with duplicates ignored,
one transaction per batch, durable commits:

* **backfill**: a day of every sensor per batch (288,000 rows at 200 sensors);
* **live**: one batch per sensor-minute for an hour (200 rows a batch, commit each);
* **re-send**: the last day again (every row a duplicate, nothing new);
* **queries** (median of repeats, warm): the last 10 minutes, hour and day of every
  sensor as arrays (time, sensor, value); one sensor over the whole record; the latest
  time.
* **two processes**: can a second process read while the writer holds the database?

DuckDB is optional (``pip install duckdb``); without it only SQLite is measured.
Timings vary with the machine's load: compare the two in the same run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from twin.ops import ObservationBatch, ObservationStore

T0 = np.datetime64("2026-06-01T00:00:00", "s")


def minute_rows(n_sensors: int, first_min: int, n_min: int, rng) -> ObservationBatch:
    minutes = np.repeat(np.arange(first_min, first_min + n_min), n_sensors)
    sensor = np.tile(np.array([f"S{k:03d}" for k in range(n_sensors)], dtype=object), n_min)
    return ObservationBatch(
        time=T0 + minutes.astype("timedelta64[m]").astype("timedelta64[s]"),
        sensor=sensor,
        value=rng.random(len(minutes)),
    )


class SQLiteCase:
    name = "sqlite"

    def __init__(self, folder):
        self.store = ObservationStore(folder)
        self.path = self.store.path

    def add(self, batch):
        return self.store.add(batch, "bench")

    def window(self, t0, t1):
        w = self.store.window(t0, t1)
        return w.time, w.sensor, w.value

    def one_sensor(self, sensor):
        return self.store.window(sensors=[sensor]).value

    def latest(self):
        return self.store.latest_time()

    def close(self):
        self.store.close()


class DuckDBCase:
    name = "duckdb"

    def __init__(self, folder):
        import duckdb

        self.path = Path(folder) / "observations.duckdb"
        self.db = duckdb.connect(str(self.path))
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS sensor (id INTEGER PRIMARY KEY, name VARCHAR UNIQUE)"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS observation (time_s BIGINT, sensor INTEGER, "
            "value DOUBLE, batch INTEGER, PRIMARY KEY (time_s, sensor))"
        )
        self.ids: dict[str, int] = {}
        self.batch = 0

    def add(self, batch):
        import pandas as pd

        names = list(dict.fromkeys(batch.sensor.tolist()))
        new = [n for n in names if n not in self.ids]
        self.db.execute("BEGIN TRANSACTION").fetchall()
        for n in new:
            self.ids[n] = len(self.ids)
            self.db.execute("INSERT INTO sensor VALUES (?, ?)", (self.ids[n], n)).fetchall()
        self.batch += 1
        frame = pd.DataFrame(
            {
                "time_s": batch.time.astype(np.int64),
                "sensor": np.array([self.ids[s] for s in batch.sensor], dtype=np.int32),
                "value": batch.value,
                "batch": np.full(len(batch), self.batch, dtype=np.int32),
            }
        )
        self.db.register("incoming", frame)
        before = self.db.execute("SELECT count(*) FROM observation").fetchall()[0][0]
        self.db.execute(
            "INSERT INTO observation SELECT * FROM incoming ON CONFLICT DO NOTHING"
        ).fetchall()
        after = self.db.execute("SELECT count(*) FROM observation").fetchall()[0][0]
        self.db.unregister("incoming")
        self.db.execute("COMMIT").fetchall()
        return after - before

    def window(self, t0, t1):
        t = self.db.execute(
            "SELECT time_s, sensor, value FROM observation WHERE time_s >= ? AND time_s < ? "
            "ORDER BY time_s, sensor",
            (int(t0.astype(np.int64)), int(t1.astype(np.int64))),
        ).fetchnumpy()
        return t["time_s"].astype("datetime64[s]"), t["sensor"], t["value"]

    def one_sensor(self, sensor):
        return self.db.execute(
            "SELECT value FROM observation WHERE sensor = ? ORDER BY time_s", (self.ids[sensor],)
        ).fetchnumpy()["value"]

    def latest(self):
        return self.db.execute("SELECT max(time_s) FROM observation").fetchall()[0][0]

    def close(self):
        self.db.close()


def _second_reader(kind: str, path: str, out) -> None:
    """Open the database from another process while the writer holds it."""
    try:
        if kind == "sqlite":
            with ObservationStore(path) as s:
                s.latest_time()
        else:
            import duckdb

            duckdb.connect(path, read_only=True).execute("SELECT 1").fetchall()
        out.put("yes")
    except Exception as exc:  # noqa: BLE001 - the answer is the error's text
        out.put(f"no: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")


def second_process_can_read(case) -> str:
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_second_reader, args=(case.name, str(case.path), q))
    p.start()
    p.join(120)
    return q.get(timeout=5)


def timed(fn, repeats=1):
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def measure(case, n_sensors: int, days: int, live_minutes: int) -> dict:
    rng = np.random.default_rng(1)
    day = 1440
    out: dict = {"engine": case.name}
    t_backfill, rows, last_day = 0.0, 0, None
    for d in range(days):
        batch = minute_rows(n_sensors, d * day, day, rng)
        dt_s, new = timed(lambda b=batch: case.add(b))
        assert new == len(batch), (new, len(batch))
        t_backfill += dt_s
        rows += len(batch)
        last_day = batch
    out["backfill_rows"] = rows
    out["backfill_rows_per_s"] = rows / t_backfill
    lat = []
    for m in range(live_minutes):
        batch = minute_rows(n_sensors, days * day + m, 1, rng)
        dt_s, new = timed(lambda b=batch: case.add(b))
        assert new == n_sensors
        lat.append(dt_s)
    out["live_batch_rows"] = n_sensors
    out["live_commit_ms_median"] = 1e3 * statistics.median(lat)
    out["live_commit_ms_p95"] = 1e3 * float(np.percentile(lat, 95))
    dt_s, new = timed(lambda: case.add(last_day))  # the last day again
    assert new == 0
    out["resend_day_s"] = dt_s
    end = T0 + np.timedelta64((days * day + live_minutes) * 60, "s")
    for label, span in (("10min", 600), ("1h", 3600), ("1day", 86400)):
        t0 = end - np.timedelta64(span, "s")
        dt_s, (t, s, v) = timed(lambda t0=t0: case.window(t0, end), repeats=5)
        out[f"window_{label}_ms"] = 1e3 * dt_s
        out[f"window_{label}_rows"] = len(v)
    dt_s, v = timed(lambda: case.one_sensor("S007"), repeats=3)
    out["one_sensor_all_ms"] = 1e3 * dt_s
    out["one_sensor_rows"] = len(v)
    dt_s, _ = timed(case.latest, repeats=5)
    out["latest_ms"] = 1e3 * dt_s
    out["second_process_reads_while_open"] = second_process_can_read(case)
    case.close()
    out["file_mib"] = sum(p.stat().st_size for p in case.path.parent.iterdir()) / 2**20
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensors", type=int, default=200)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--live-minutes", type=int, default=60)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    cases = [SQLiteCase]
    try:
        import duckdb

        cases.append(DuckDBCase)
        duck_version = duckdb.__version__
    except ImportError:
        duck_version = None
    import sqlite3

    results = {
        "sensors": args.sensors,
        "days": args.days,
        "machine": platform.processor() or platform.machine(),
        "sqlite": sqlite3.sqlite_version,
        "duckdb": duck_version,
        "runs": [],
    }
    for make in cases:
        with tempfile.TemporaryDirectory() as tmp:
            r = measure(make(tmp), args.sensors, args.days, args.live_minutes)
        results["runs"].append(r)
        print(json.dumps(r, indent=1), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
