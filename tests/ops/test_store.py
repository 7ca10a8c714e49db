"""The observation store: idempotent, order-free, gap-keeping, durable across a kill."""

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from twin.errors import InputError
from twin.ops import DB_NAME, ObservationBatch, ObservationStore

T0 = np.datetime64("2026-07-14T00:00:00", "s")


def minutes(*m):
    return [T0 + np.timedelta64(int(k * 60), "s") for k in m]


@pytest.fixture
def store(tmp_path):
    with ObservationStore(tmp_path / "out") as s:
        yield s


def test_folder_or_file_path(tmp_path):
    with ObservationStore(tmp_path / "out") as s:
        assert s.path == tmp_path / "out" / DB_NAME
    with ObservationStore(tmp_path / "x.sqlite") as s:
        assert s.path == tmp_path / "x.sqlite"
    assert (tmp_path / "out" / DB_NAME).is_file()


def test_duplicates_ignored_conflicts_keep_first_out_of_order_accepted(store, caplog):
    t = minutes(0, 1, 2, 3)
    assert store.add([(t[2], "A", 0.30), (t[0], "A", 0.10), (t[1], "B", 2.0)], "csv:a") == 3
    assert store.last_add == (3, 3, 0, 0)
    # the same rows again (a re-read file, a redelivered message): nothing new
    assert store.add([(t[0], "A", 0.10), (t[2], "A", 0.30)], "csv:a") == 0
    assert store.last_add == (2, 0, 2, 0)
    # a later, earlier-in-time row is accepted; a different value for a stored key is not
    with caplog.at_level("WARNING", logger="twin.ops"):
        assert store.add([(t[3], "A", 0.4), (t[1], "B", 9.9), (t[1], "A", 0.2)], "mqtt") == 2
    assert store.last_add == (3, 2, 0, 1)
    assert "conflict" in caplog.text and "stored 2.0, given 9.9" in caplog.text
    assert store.count() == 5
    w = store.window()
    assert w.sensor_ids == ("A", "B")
    np.testing.assert_array_equal(w.time, [t[0], t[1], t[1], t[2], t[3]])
    np.testing.assert_array_equal(w.sensor, [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(w.value, [0.1, 0.2, 2.0, 0.3, 0.4])
    assert w.time.dtype == np.dtype("datetime64[s]")
    src = {d["source"]: d for d in store.sources()}
    assert (src["csv:a"]["batches"], src["csv:a"]["new"]) == (2, 3)
    assert (src["mqtt"]["rows"], src["mqtt"]["new"], src["mqtt"]["conflicts"]) == (3, 2, 1)


def test_window_bounds_sensor_selection_and_gaps(store):
    t = minutes(0, 1, 2, 3, 4)
    rows = [(t[k], "A", float(k)) for k in (0, 1, 3, 4)]  # minute 2 missing: a gap
    rows += [(t[k], "B", 10.0 + k) for k in (1, 2)]
    store.add(rows, "test")
    w = store.window(t[1], t[3])  # [t1, t3)
    np.testing.assert_array_equal(w.time, [t[1], t[1], t[2]])
    np.testing.assert_array_equal(w.value, [1.0, 11.0, 12.0])
    assert len(store.window(t[1], t[3], closed="both")) == 4
    assert len(store.window(t[1], t[3], closed="right")) == 2
    # sensors in the caller's order, unknown ones kept as columns without values
    w = store.window(sensors=["B", "Z", "A"])
    assert w.sensor_ids == ("B", "Z", "A")
    assert set(w.sensor.tolist()) == {0, 2}
    da = store.window_array(sensors=["A", "Z", "B"])
    assert da.dims == ("time", "sensor") and da.shape == (5, 3)
    np.testing.assert_array_equal(da.sel(sensor="A").values, [0, 1, np.nan, 3, 4])
    assert np.isnan(da.sel(sensor="Z").values).all()  # never zero-filled
    grid = np.arange(T0 - np.timedelta64(60, "s"), t[4], np.timedelta64(120, "s"))
    da = store.window_array(sensors="B", times=grid)  # a value only on its exact time
    np.testing.assert_array_equal(da.time.values, grid)
    np.testing.assert_array_equal(da.values[:, 0], [np.nan, 11.0, np.nan])
    assert store.window(t[4], None, sensors=["A"]).value.tolist() == [4.0]
    assert len(store.window(sensors=["Z"])) == 0


def test_latest_earliest_summary(store):
    assert store.latest_time() is None and store.count() == 0
    store.add([(minutes(5)[0], "A", 1.0), (minutes(2)[0], "B", 3.0)], "test")
    assert store.latest_time() == minutes(5)[0]
    assert store.latest_time(["B"]) == store.earliest_time() == minutes(2)[0]
    (a, b) = store.summary()
    assert (a["sensor"], a["count"], a["first"], a["max"]) == ("A", 1, minutes(5)[0], 1.0)
    assert b["last"] == minutes(2)[0]


def test_times_in_any_form_are_utc_seconds(store):
    rows = [
        ("2026-07-14T09:00:00+09:00", "A", 1.0),  # = 00:00 UTC
        ("2026-07-14 00:01:00.9", "A", 2.0),  # no zone: UTC, fraction truncated
        (dt.datetime(2026, 7, 14, 0, 2, tzinfo=dt.UTC), "A", 3.0),
        (np.datetime64("2026-07-14T00:03:00.000", "ms"), "A", 4.0),
        (int(T0.astype(np.int64)) + 240, "A", 5.0),  # POSIX seconds
    ]
    store.add(rows, "test")
    np.testing.assert_array_equal(store.window().time, minutes(0, 1, 2, 3, 4))


def test_batch_of_arrays(store):
    batch = ObservationBatch(
        time=np.array(minutes(0, 1, 0)),
        sensor=np.array(["A", "A", "B"], dtype=object),
        value=np.array([1.0, 2.0, 3.0]),
    )
    assert len(batch) == 3 and store.add(batch, "arrays") == 3
    assert store.add(batch, "arrays") == 0


@pytest.mark.parametrize(
    "row, field",
    [
        (("yesterday", "A", 1.0), "time"),
        (("2026-07-14T00:00", "A", float("nan")), "value"),
        (("2026-07-14T00:00", "A", float("inf")), "value"),
        (("2026-07-14T00:00", "A", "high"), "value"),
        (("2026-07-14T00:00", "", 1.0), "sensor"),
    ],
)
def test_bad_rows_store_nothing(store, row, field):
    good = (minutes(9)[0], "A", 1.0)
    with pytest.raises(InputError) as info:
        store.add([good, row], "test", cursors={"file:x": 99})
    assert info.value.field == field
    assert store.count() == 0 and store.get_cursor("file:x") is None  # all or nothing


def test_cursors_and_rejected_rows_persist(tmp_path):
    with ObservationStore(tmp_path) as s:
        assert s.get_cursor("cycle", "none") == "none"
        s.set_cursor("cycle", "2026-07-14T00:10:00")
        s.set_cursor("cycle", "2026-07-14T00:20:00")
        s.add([(T0, "A", 1.0)], "f", cursors={"file:/a.csv": {"offset": 120, "inode": 7}})
        s.reject(
            "file:/a.csv", "expected a number, got 'x'", "2026-07-14,A,x", line=4, field="value"
        )
        with pytest.raises(InputError):
            s.set_cursor("bad", object())
    with ObservationStore(tmp_path) as s:
        assert s.get_cursor("cycle") == "2026-07-14T00:20:00"
        assert s.cursors("file:") == {"file:/a.csv": {"offset": 120, "inode": 7}}
        (r,) = s.rejected()
        assert (r.source, r.line, r.field, r.text) == ("file:/a.csv", 4, "value", "2026-07-14,A,x")
        assert s.count() == 1


def test_not_a_database(tmp_path):
    bad = tmp_path / "junk.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a usable observation database"):
        ObservationStore(bad)


WRITER = """
import os, signal, sys
import numpy as np
from twin.ops import ObservationStore
s = ObservationStore(sys.argv[1])
t0 = np.datetime64("2026-07-14T00:00:00", "s")
for k in range(int(sys.argv[2])):
    n = s.add([(t0 + np.timedelta64(60 * (10 * k + j), "s"), "A", float(k)) for j in range(10)],
              "writer", cursors={"batch": k})
    print(k, n, flush=True)   # acknowledged
os.kill(os.getpid(), signal.SIGKILL)   # no close, no clean exit
"""


def test_rows_acknowledged_by_add_survive_a_kill(tmp_path):
    """A writer process killed with SIGKILL right after ``add`` returned: every
    acknowledged row is in the database, read back by another process's store."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(tmp_path), "25"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    acked = [line.split() for line in proc.stdout.splitlines()]
    assert len(acked) == 25 and all(int(n) == 10 for _, n in acked)
    assert (tmp_path / (DB_NAME + "-wal")).exists()  # not checkpointed: only the WAL has it
    with ObservationStore(tmp_path) as s:
        assert s.count() == 250
        assert s.get_cursor("batch") == 24
        w = s.window()
        assert len(np.unique(w.time)) == 250


def test_reader_and_writer_processes_share_the_store(tmp_path):
    """A second process writes while this one holds the store open and reads."""
    with ObservationStore(tmp_path) as s:
        s.add([(T0, "A", 1.0)], "here")
        env = dict(os.environ)
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(WRITER), str(tmp_path), "3"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert s.count() == 1 + 30 - 1  # the writer's first row is this one's key: kept first
        assert s.window(T0, T0, closed="both").value.tolist() == [1.0]
