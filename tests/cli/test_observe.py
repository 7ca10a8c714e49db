"""`twin observe` as an operator runs it: a real subprocess, real files, exit codes."""

import subprocess
import sys

from tests.ops.conftest import SENSORS_TOML
from twin.ops import ObservationStore


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "twin.cli", "observe", *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def files(tmp_path):
    sensors = tmp_path / "sensors.toml"
    sensors.write_text(SENSORS_TOML)
    good = tmp_path / "obs.csv"
    good.write_text(
        "time,sensor,value\n"
        "2026-07-14T09:00:00+09:00,L1,0.12\n"
        "2026-07-14T00:01:00Z,L1,0.13\n"
        "2026-07-14T00:00:00Z,Q1,0.02\n"
    )
    return sensors, good


def test_ingest_then_show(tmp_path):
    sensors, good = files(tmp_path)
    db = tmp_path / "out"
    r = run("ingest", str(good), "--sensors", str(sensors), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert f"{good}: 3 rows, 3 new, 0 already stored, 0 conflicting" in r.stdout
    r = run("ingest", str(good), "--sensors", str(sensors), "--db", str(db))
    assert "3 rows, 0 new, 3 already stored" in r.stdout
    r = run("show", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "3 observations" in r.stdout
    assert "L1" in r.stdout and "2026-07-14T00:01:00Z" in r.stdout
    r = run("show", "--db", str(db), "--sensor", "L1", "--from", "2026-07-14T00:00:30")
    assert r.stdout.splitlines() == ["time,sensor,value", "2026-07-14T00:01:00Z,L1,0.13"]


def test_bad_row_is_one_line_exit_2_and_stores_nothing(tmp_path):
    sensors, good = files(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("2026-07-14T00:05:00Z,L1,0.2\n2026-07-14T00:06:00Z,L1,lots\n")
    db = tmp_path / "out"
    r = run("ingest", str(good), str(bad), "--sensors", str(sensors), "--db", str(db))
    assert r.returncode == 2
    assert r.stderr == f"twin: error: {bad}:2: field 'value': expected a number, got 'lots'\n"
    assert not (db / "observations.sqlite").exists()  # the good file was not stored either
    bad.write_text("2026-07-14 25:00,L1,0.2\n")
    r = run("ingest", str(bad), "--sensors", str(sensors), "--db", str(db))
    assert r.returncode == 2 and f"{bad}:1: field 'time': not an ISO 8601 time" in r.stderr


def test_bad_sensor_file_is_one_line_exit_2(tmp_path):
    sensors, good = files(tmp_path)
    sensors.write_text(SENSORS_TOML.replace('"MH000008"', '"MH404"'))
    r = run("ingest", str(good), "--sensors", str(sensors), "--db", str(tmp_path / "out"))
    assert r.returncode == 2
    assert (
        r.stderr == f"twin: error: {sensors}:9: field 'node': unknown node 'MH404' in the network\n"
    )


def test_follow_once_quarantines_and_show_rejected(tmp_path):
    sensors, good = files(tmp_path)
    export = tmp_path / "scada"
    export.mkdir()
    (export / "a.csv").write_text(good.read_text() + "2026-07-14T00:02:00Z,L7,0.1\n")
    db = tmp_path / "out"
    args = ("--sensors", str(sensors), "--db", str(db))
    r = run("follow", str(export), *args, "--once")
    assert r.returncode == 0, r.stderr
    assert "3 new observations" in r.stdout
    assert "rejected folder:" in r.stderr and "unknown sensor 'L7'" in r.stderr
    r = run("show", "--db", str(db), "--rejected")
    assert ":5: field 'sensor': unknown sensor 'L7' | 2026-07-14T00:02:00Z,L7,0.1" in r.stdout
    assert run("follow", str(export), *args, "--once").stdout.startswith("0 new")
    with ObservationStore(db) as store:
        assert store.count() == 3


def test_show_without_database(tmp_path):
    r = run("show", "--db", str(tmp_path / "nothing"))
    assert r.returncode == 2 and "no observation database here" in r.stderr
    assert not (tmp_path / "nothing").exists()
