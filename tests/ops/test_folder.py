"""A followed SCADA export folder: appended lines and new files are read once, partial
lines wait, bad rows are quarantined, a restart resumes from the stored offsets."""

import os
import time

import numpy as np

from twin.ops import ObservationStore
from twin.ops.folder import FolderFeed

T0 = np.datetime64("2026-07-14T00:00:00", "s")


def line(minute, sensor="L1", value=None):
    t = T0 + np.timedelta64(60 * minute, "s")
    return f"{t}Z,{sensor},{minute / 100 if value is None else value}\n"


def test_follow_appends_partial_lines_bad_rows_and_restart(tmp_path, sensors):
    export = tmp_path / "scada"
    export.mkdir()
    a = export / "2026-07-14.csv"
    a.write_text("time,sensor,value\n" + line(0) + line(1))
    db = tmp_path / "out"
    with ObservationStore(db) as store:
        feed = FolderFeed(export, store, sensors, settle_s=3600)
        assert feed.poll() == 2
        assert feed.poll() == 0  # nothing new
        # the exporter appends a line and a half
        with open(a, "a") as f:
            f.write(line(2) + line(3)[:12])
        assert feed.poll() == 1
        # ... finishes the line, writes a bad row, and a second file appears
        with open(a, "a") as f:
            f.write(line(3)[12:] + "2026-07-14T00:04:00Z,L1,n/a\n" + line(5))
        (export / "2026-07-15.csv").write_text(line(0, "L2") + line(1, "Q1", 0.5))
        (export / "notes.txt").write_text("not followed\n")
        assert feed.poll() == 4
        assert store.count() == 7
        (bad,) = store.rejected()
        assert (bad.source, bad.line, bad.field) == (f"folder:{a.resolve()}", 6, "value")
        assert bad.text == "2026-07-14T00:04:00Z,L1,n/a"
        cur = store.get_cursor(f"file:{a.resolve()}")
        assert cur["offset"] == a.stat().st_size and cur["line"] == 7
    # a restarted follower (a new store object, as after a killed process) repeats nothing
    with open(a, "a") as f:
        f.write(line(6))
    with ObservationStore(db) as store:
        feed = FolderFeed(export, store, sensors, settle_s=3600)
        assert feed.poll() == 1
        assert store.count() == 8 and len(store.rejected()) == 1
        w = store.window(sensors=["L1"])
        np.testing.assert_array_equal(
            w.time, T0 + np.array([0, 1, 2, 3, 5, 6]) * np.timedelta64(60, "s")
        )  # minute 4 was the bad row: a gap, not a zero
        assert sum(d["new"] for d in store.sources()) == 8


def test_unterminated_last_line_is_read_once_the_file_settles(tmp_path, sensors):
    export = tmp_path / "scada"
    export.mkdir()
    a = export / "a.csv"
    a.write_text(line(0) + line(1).rstrip("\n"))
    with ObservationStore(tmp_path / "out") as store:
        feed = FolderFeed(export, store, sensors, settle_s=30)
        assert feed.poll() == 1
        old = time.time() - 60
        os.utime(a, (old, old))
        assert feed.poll() == 1
        assert feed.poll() == 0 and store.count() == 2


def test_replaced_file_is_read_again_without_duplicates(tmp_path, sensors):
    export = tmp_path / "scada"
    export.mkdir()
    a = export / "a.csv"
    a.write_text(line(0) + line(1) + line(2))
    with ObservationStore(tmp_path / "out") as store:
        feed = FolderFeed(export, store, sensors)
        assert feed.poll() == 3
        a.write_text(line(2) + line(3))  # rotated: shorter, starts again
        assert feed.poll() == 1
        assert store.count() == 4


def test_a_fifo_in_the_folder_is_skipped_not_waited_on(tmp_path, sensors):
    """An exporter's named pipe matching the pattern would block the follower for good."""
    export = tmp_path / "scada"
    export.mkdir()
    os.mkfifo(export / "live.csv")
    (export / "a.csv").write_text(line(0) + line(1))
    with ObservationStore(tmp_path / "out") as store:
        feed = FolderFeed(export, store, sensors)
        assert feed.poll() == 2 and feed.poll() == 0
