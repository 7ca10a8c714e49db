"""`twin watch`'s warning thresholds (round 15, watch-rainwarn): issue 17 says they are
configurable, and only ``--warning-hold`` was.  A threshold out of its range
(:data:`twin.limits.WATCH_RANGES`) is one line naming the option; the thresholds are kept
in ``watch.json``, and a restart with others re-judges the warnings in force by them."""

import json

import pytest

from tests.cli.test_watch_paths import SENSORS, _csv, _rows, refused_in_one_line
from twin.cli import main


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--rain-mmh", "0"),
        ("--rain-mmh", "nan"),
        ("--rain-15min-mm", "-1"),
        ("--rain-forecast-min", "3000"),
        ("--road-depth-m", "0"),
        ("--warning-probability", "1.5"),
        # round 16 (watch-inforce): the book's hysteresis, update steps and hold
        ("--warning-hysteresis", "-0.1"),
        ("--warning-hysteresis", "1.5"),
        ("--warning-update-probability", "0"),
        ("--warning-update-min", "0"),
        ("--warning-hold-expected-min", "-5"),
        ("--warning-hold-expected-min", "2000"),
        ("--warning-hold-expected-min", "soon"),
    ],
)
def test_a_threshold_out_of_range_is_one_line(tmp_path, capsys, option, value):
    line = refused_in_one_line(tmp_path, capsys, [option, value], option)
    # a range (or a number), not an unknown option
    assert "must be" in line or "finite" in line or "a number" in line, line


def test_the_twin_checks_its_thresholds_too(tmp_path):
    from twin.errors import InputError
    from twin.ops.warnings import WarningSettings
    from twin.ops.watch import Twin

    with pytest.raises(InputError, match="rain_15min_mm"):
        Twin("small", None, tmp_path / "w", warning_settings=WarningSettings(rain_15min_mm=0))
    assert not (tmp_path / "w").exists()


def test_the_thresholds_are_kept_and_a_restart_rejudges_by_its_own(tmp_path, caplog):
    (tmp_path / "s.toml").write_text(SENSORS)
    out = tmp_path / "out"
    args = ["watch", "small", "--sensors", str(tmp_path / "s.toml"), "--replay", "--members",
            "2", "--horizon-min", "10", "-o", str(out)]  # fmt: skip
    obs = _csv(tmp_path / "a.csv", _rows(range(1, 11), ["Q1", "L1"]))
    rain = _csv(tmp_path / "r.csv", _rows(range(1, 11), ["R1"]))  # 30 mm/h at RG1
    assert main([*args, "--observations", obs, "--rainfall", rain, "--rain-mmh", "25",
                 "--rain-forecast-min", "0", "--warning-probability", "0.7"]) == 0  # fmt: skip
    mark = json.loads((out / "watch.json").read_text())
    assert mark["warning_settings"] == {"rain_mmh": 25.0, "rain_15min_mm": 20.0,
                                        "rain_forecast_min": 0.0, "road_depth_m": 0.15,
                                        "probability": 0.7, "hysteresis": 0.2,
                                        "probability_step": 0.2, "time_step_min": 10.0,
                                        "hold_expected_min": 10.0}  # fmt: skip
    lines = [json.loads(x) for x in (out / "warnings.jsonl").read_text().splitlines()]
    rain_lines = [(m["status"], m["source"]) for m in lines if m["kind"] == "rainfall"]
    assert rain_lines == [("new", "observed")]  # 30 mm/h passes 25
    # restarted with the default 55 mm/h, the rain as before: cancelled at its first cycle
    obs = _csv(tmp_path / "b.csv", _rows(range(1, 21), ["Q1", "L1"]))
    rain = _csv(tmp_path / "r2.csv", _rows(range(1, 21), ["R1"]))
    with caplog.at_level("WARNING", logger="twin.ops"):
        assert main([*args, "--observations", obs, "--rainfall", rain,
                     "--rain-forecast-min", "0", "--warning-probability", "0.7"]) == 0  # fmt: skip
    assert "rain_mmh 25 -> 55" in caplog.text
    lines = [json.loads(x) for x in (out / "warnings.jsonl").read_text().splitlines()]
    rain_lines = [(m["status"], m["issued"]) for m in lines if m["kind"] == "rainfall"]
    assert [s for s, _ in rain_lines] == ["new", "cancel"]
    assert rain_lines[1][1] == "2024-07-15T00:20:00Z"  # the restart's first cycle
    assert json.loads((out / "watch.json").read_text())["warning_settings"]["rain_mmh"] == 55.0


def test_the_book_s_settings_are_kept_and_a_restart_logs_their_change(tmp_path, caplog):
    """Round 16 (watch-inforce): the hysteresis, the update steps and the hold past the
    expected flood are kept in ``watch.json`` like the thresholds; a restart with others
    logs each change and judges by the new ones."""
    (tmp_path / "s.toml").write_text(SENSORS)
    out = tmp_path / "out"
    args = ["watch", "small", "--sensors", str(tmp_path / "s.toml"), "--replay", "--members",
            "2", "--horizon-min", "10", "-o", str(out)]  # fmt: skip
    obs = _csv(tmp_path / "a.csv", _rows(range(1, 11), ["Q1", "L1"]))
    book = ["--warning-hysteresis", "0.3", "--warning-update-probability", "0.1",
            "--warning-update-min", "5", "--warning-hold-expected-min", "15"]  # fmt: skip
    assert main([*args, "--observations", obs, *book]) == 0
    kept = json.loads((out / "watch.json").read_text())["warning_settings"]
    assert {k: kept[k] for k in ("hysteresis", "probability_step", "time_step_min",
                                 "hold_expected_min")} == {
        "hysteresis": 0.3, "probability_step": 0.1, "time_step_min": 5.0,
        "hold_expected_min": 15.0}  # fmt: skip
    obs = _csv(tmp_path / "b.csv", _rows(range(1, 21), ["Q1", "L1"]))
    with caplog.at_level("WARNING", logger="twin.ops"):
        assert main([*args, "--observations", obs]) == 0  # the defaults again
    for change in ("hysteresis 0.3 -> 0.2", "probability_step 0.1 -> 0.2",
                   "time_step_min 5 -> 10", "hold_expected_min 15 -> 10"):  # fmt: skip
        assert change in caplog.text, change
    kept = json.loads((out / "watch.json").read_text())["warning_settings"]
    assert kept["hold_expected_min"] == 10.0 and kept["hysteresis"] == 0.2  # the defaults
    # off: the book as before round 16, kept as null
    obs = _csv(tmp_path / "c.csv", _rows(range(1, 31), ["Q1", "L1"]))
    with caplog.at_level("WARNING", logger="twin.ops"):
        assert main([*args, "--observations", obs, "--warning-hold-expected-min", "off"]) == 0
    assert "hold_expected_min 10 -> off" in caplog.text
    assert (
        json.loads((out / "watch.json").read_text())["warning_settings"]["hold_expected_min"]
        is None
    )
