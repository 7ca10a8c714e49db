"""`twin watch --latency-min` (round 16, readings that arrive late): a bad value is one
line naming the option, exit 2, nothing written; a replay's event is whole, so the option
is refused there; a CSV watch run again as the feed grows (an operator's cron) waits for
the late sensor and counts nothing lost."""

import json

import numpy as np
import pytest
import xarray as xr

from tests.cli.test_watch_paths import SENSORS, _csv, refused_in_one_line
from twin.cli import main


@pytest.mark.parametrize(
    "options",
    [
        ["--latency-min", "-1"],
        ["--latency-min", "nan"],
        ["--latency-min", "inf"],
        ["--latency-min", "1441"],
        ["--latency-min", "5", "--replay"],
    ],
)
def test_a_bad_latency_is_one_line_naming_the_option(tmp_path, capsys, options):
    refused_in_one_line(tmp_path, capsys, options, "--latency-min")


def _rows(minutes, ids):
    value = {"R1": 30.0, "Q1": 0.02, "L1": 0.06}
    return [(f"2024-07-15T00:{k:02d}:00", i, value[i]) for k in minutes for i in ids]


def test_a_csv_watch_run_as_the_feed_grows_waits_for_the_late_gauge(tmp_path):
    """The gauge R1 reports 10 minutes behind the level and flow sensors: the first run
    cycles to its 10 minutes, not the others' 20; the next, with the gauge's rain to 20,
    reads it (before: the rain of 10-20 min was never read, the watch held 30 mm/h)."""
    (tmp_path / "s.toml").write_text(SENSORS)
    out = tmp_path / "out"
    args = ["watch", "small", "--sensors", str(tmp_path / "s.toml"), "--members", "2",
            "--horizon-min", "10", "--latency-min", "15", "-o", str(out)]  # fmt: skip
    obs = _csv(tmp_path / "a.csv", _rows(range(1, 21), ["Q1", "L1"]) + _rows(range(1, 11), ["R1"]))
    assert main([*args, "--observations", obs]) == 0
    mark = json.loads((out / "watch.json").read_text())
    assert mark["t_s"] == 600.0 and mark["late"]["waited_for"] == {"R1": 1}
    later = [(t, s, 90.0 if s == "R1" else v) for t, s, v in _rows(range(11, 21), ["R1"])]
    obs = _csv(tmp_path / "b.csv", later)
    assert main([*args, "--observations", obs]) == 0
    mark = json.loads((out / "watch.json").read_text())
    assert mark["t_s"] == 1200.0 and mark["late"]["missed"] == 0
    with xr.open_dataset(out / "analysis.nc") as ds:
        r1 = ds.sensor_observed.sel(sensor="R1", time=np.datetime64("2024-07-15T00:15", "ns"))
        assert float(r1) == 90.0
