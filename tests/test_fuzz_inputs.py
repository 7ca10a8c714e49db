"""Extreme values for every CLI number and every scenario key (issue 15, closing item):
the only outcomes are a result (exit 0) or one line `twin: error: ...` with exit 2.

In-process (`twin.cli.main`), on a one-pipe network with one catchment, a few examples
per command, derandomized so that CI sees the same cases each run.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin.cli import main

NET = """[OPTIONS]
FLOW_UNITS CMS
START_DATE 01/01/2024
END_DATE 01/01/2024
END_TIME 00:30
REPORT_STEP 00:05:00
[RAINGAGES]
RG INTENSITY 0:05 1.0 TIMESERIES TS
[SUBCATCHMENTS]
S1 RG J1 1 50 100 1 0
[SUBAREAS]
S1 0.01 0.1 0.05 0.05 25 OUTLET
[INFILTRATION]
S1 3.0 0.5 4 7 0
[JUNCTIONS]
J1 10 2
[OUTFALLS]
O1 9 FREE
[CONDUITS]
C1 J1 O1 100 0.013 0 0
[XSECTIONS]
C1 CIRCULAR 1 0 0 0
[TIMESERIES]
TS 0:00 10
TS 0:15 0
"""

#: the extremes, as a user would type them
EXTREMES = [
    "0", "-1", "-0.5", "1e-300", "-1e-300", "1e300", "-1e300", "inf", "-inf", "nan",
    "1e12", "1000000000000", "0.5", "2", "x", "", "1" * 400, "x" * 5000,
]  # fmt: skip
TOML_EXTREMES = [
    "0", "-1", "1e-300", "-1e-300", "1e300", "-1e300", "inf", "-inf", "nan", "1e12", "0.5",
    '"x"', '""', '"' + "x" * 5000 + '"', "true", "[1, 2]", "{a = 1}",
]  # fmt: skip
FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def inp(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "tiny.inp"
    path.write_text(NET)
    return path


def _outcome(capsys, argv) -> int:
    rc = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert rc in (0, 2), (argv[:12], rc, err[-400:])
    if rc == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("twin: error: "), err[-400:]
        assert len(lines[0]) < 1000, "an error echoes a huge value"
    return rc


def _out(tmp_path, name: str):
    out = tmp_path / name
    out.unlink(missing_ok=True)
    return str(out)


RUN_OPTIONS = ["--report-step", "--routing-step", "--end-hours", "--threads"]


@FUZZ
@given(option=st.sampled_from(RUN_OPTIONS), value=st.sampled_from(EXTREMES))
def test_run_numbers(inp, tmp_path, capsys, option, value):
    argv = ["run", str(inp), "--no-render", "--quiet", "-o", _out(tmp_path, "r.nc")]
    _outcome(capsys, [*argv, option, value])


ENSEMBLE_OPTIONS = [
    "-n", "--max-failed", "--blocked-links", "--surface-threshold", "--seed", "--batch",
    "--end-hours", "--threshold",
]  # fmt: skip


@FUZZ
@given(option=st.sampled_from(ENSEMBLE_OPTIONS), value=st.sampled_from(EXTREMES))
def test_ensemble_numbers(inp, tmp_path, capsys, option, value):
    if option == "-n" and value.isdigit() and int(value) > 8:
        value = "1e12"  # a real count of a trillion members is work, not a bad input
    argv = ["ensemble", str(inp), "-n", "2", "--scheduler", "serial", "--quiet"]
    argv += ["-o", _out(tmp_path, "e.nc"), option, value]
    _outcome(capsys, argv)


@FUZZ
@given(option=st.sampled_from(["--conduits", "--seed"]), value=st.sampled_from(EXTREMES))
def test_generate_numbers(tmp_path, capsys, option, value):
    out = _out(tmp_path, "d.inp")
    argv = ["generate", "district", "--conduits", "20", "-o", out, option, value]
    if option == "--conduits" and value.isdigit() and 20 <= int(value) <= 1_000_000:
        return  # a valid size: generating it is work, not a bad input
    _outcome(capsys, argv)


SCENARIO_KEYS = [
    "modify.scale", "modify.climate_factor", "modify.time_shift_min", "modify.blockage.C1",
    "modify.initial_depth_m.J1", "modify.outfall_level.O1", "simulation.tail_hours",
    "simulation.start", "name", "description",
    "rainfall.depth_mm", "rainfall.duration_min", "rainfall.step_min", "rainfall.peak_ratio",
    "rainfall.peak_fraction", "rainfall.intensity_mmh", "rainfall.return_period",
    "rainfall.pattern", "rainfall.source",
    "simulation.options.routing_step_s", "simulation.options.report_step_s",
    "simulation.options.head_tolerance_m", "simulation.options.max_trials",
    "simulation.options.min_surfarea_m2", "simulation.options.variable_step",
    "simulation.options.end_hours",
]  # fmt: skip
RAIN = {"source": '"design"', "pattern": '"huff3"', "depth_mm": "20", "duration_min": "10"}


def _toml(key: str, value: str) -> str:
    """A scenario on the design-storm base with ``key`` set to ``value``."""
    tables: dict[str, dict[str, str]] = {"": {"name": '"fuzz"'}, "rainfall": dict(RAIN)}
    parts = key.split(".")
    table, leaf = ".".join(parts[:-1]), parts[-1]
    if table == "rainfall" and leaf in ("intensity_mmh", "return_period"):
        tables["rainfall"].pop("depth_mm")  # exactly one of them
    tables.setdefault(table, {})[leaf] = value
    text = "".join(f"{k} = {v}\n" for k, v in tables.pop("").items())
    for name, entries in tables.items():
        text += f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items())
    return text


@settings(FUZZ, max_examples=50)
@given(key=st.sampled_from(SCENARIO_KEYS), value=st.sampled_from(TOML_EXTREMES))
def test_scenario_keys(inp, tmp_path, capsys, key, value):
    path = tmp_path / "s.toml"
    path.write_text(_toml(key, value))
    argv = ["run", str(inp), "--scenario", str(path), "--no-render", "--quiet"]
    _outcome(capsys, [*argv, "-o", _out(tmp_path, "s.nc")])


def test_the_base_cases_run(inp, tmp_path, capsys):
    assert (
        _outcome(capsys, ["run", str(inp), "--no-render", "--quiet", "-o", _out(tmp_path, "a.nc")])
        == 0
    )
    path = tmp_path / "s.toml"
    path.write_text(_toml("modify.scale", "1.5"))
    argv = ["run", str(inp), "--scenario", str(path), "--no-render", "--quiet"]
    assert _outcome(capsys, [*argv, "-o", _out(tmp_path, "b.nc")]) == 0
