"""Observation CSV files: every row read, every bad row named by file, line and field."""

import numpy as np
import pytest

from twin.errors import InputError
from twin.ops import ObservationStore
from twin.ops.csvfeed import ingest_csv, parse_rows, read_observations_csv

GOOD = """\ufefftime,sensor,value
# exported by SCADA
2026-07-14T09:00:00+09:00,L1,0.12
2026-07-14 00:01:00Z,L1,0.125

"2026-07-14T00:00:00",Q1,1.5e-2
2026-07-14T00:00,R1,12
"""


def test_rows_in_any_iso_form(tmp_path, sensors):
    path = tmp_path / "obs.csv"
    path.write_text(GOOD, encoding="utf-8")
    batch = read_observations_csv(path, sensors)
    t0 = np.datetime64("2026-07-14T00:00:00", "s")
    np.testing.assert_array_equal(batch.time, [t0, t0 + 60, t0, t0])
    assert batch.sensor.tolist() == ["L1", "L1", "Q1", "R1"]
    np.testing.assert_array_equal(batch.value, [0.12, 0.125, 0.015, 12.0])
    np.testing.assert_array_equal(batch.line, [3, 4, 6, 7])


def test_times_without_zone_in_a_given_zone(sensors):
    batch = parse_rows([(1, "2026-07-14T09:00,L1,1")], sensors, tz="Asia/Seoul")
    assert batch.time[0] == np.datetime64("2026-07-14T00:00:00", "s")
    batch = parse_rows([(1, "2026-07-14T09:00,L1,1")], sensors, tz="+09:00")
    assert batch.time[0] == np.datetime64("2026-07-14T00:00:00", "s")
    with pytest.raises(InputError, match="unknown time zone"):
        parse_rows([(1, "2026-07-14T09:00,L1,1")], sensors, tz="Mars/Olympus")


@pytest.mark.parametrize(
    "row, field, message",
    [
        ("14/07/2026 09:00,L1,0.1", "time", "not an ISO 8601 time: '14/07/2026 09:00'"),
        ("2026-07-14T25:00,L1,0.1", "time", "not an ISO 8601 time"),
        ("2026-07-14T00:00,L9,0.1", "sensor", "unknown sensor 'L9'"),
        ("2026-07-14T00:00,L1,high", "value", "expected a number, got 'high'"),
        ("2026-07-14T00:00,L1,nan", "value", "expected a finite number"),
        ("2026-07-14T00:00,L1,", "value", "missing"),
        ("2026-07-14T00:00,L1", None, "expected 3 fields"),
        ("2026-07-14T00:00,L1,0.1,extra", None, "expected 3 fields"),
    ],
)
def test_bad_row_names_file_line_and_field(tmp_path, sensors, row, field, message):
    path = tmp_path / "obs.csv"
    path.write_text(f"time,sensor,value\n2026-07-14T00:00,L2,0.3\n{row}\n")
    with pytest.raises(InputError, match=message) as info:
        read_observations_csv(path, sensors)
    assert (info.value.file, info.value.line, info.value.field) == (str(path), 3, field)
    assert str(info.value).startswith(f"{path}:3: ")
    # a file with a bad row stores nothing
    with ObservationStore(tmp_path / "db") as store:
        with pytest.raises(InputError):
            ingest_csv(path, store, sensors)
        assert store.count() == 0


def test_ingest_is_idempotent(tmp_path, sensors):
    path = tmp_path / "obs.csv"
    path.write_text(GOOD, encoding="utf-8")
    with ObservationStore(tmp_path / "db") as store:
        assert ingest_csv(path, store, sensors) == 4
        assert ingest_csv(path, store, sensors) == 0
        assert store.last_add == (4, 0, 4, 0)
        (src,) = store.sources()
        assert src["source"] == f"csv:{path.resolve()}" and src["batches"] == 2


def test_missing_file(tmp_path, sensors):
    with pytest.raises(InputError, match="observation file not found"):
        read_observations_csv(tmp_path / "none.csv", sensors)


def test_lenient_reading_collects_bad_rows(sensors):
    bad = []
    batch = parse_rows(
        enumerate(["time,sensor,value", "2026-07-14T00:00,L1,1", "x,L1,2", "2026-07-14,L7,3"], 1),
        sensors,
        file="feed",
        on_error=bad.append,
    )
    assert len(batch) == 1
    assert [(b.line, b.field) for b in bad] == [(3, "time"), (4, "sensor")]
    assert bad[0].text == "x,L1,2"
