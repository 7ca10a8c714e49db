"""Scenario files with a bad value anywhere: an InputError naming the file, the line and
the field, or a scenario that applies; never another exception."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import twin
from twin.errors import InputError, TwinError
from twin.scenarios import Scenario

NET = twin.load_network("small-conduits")
LINK = str(NET.links.name[0])
NODE = str(NET.nodes.name[0])
OUTFALL = str(NET.nodes.name[-1])

#: Valid files, each with a ``{v}`` where the bad value goes.
TEMPLATES = {
    f"rainfall.{k}": (
        '[rainfall]\nsource = "design"\npattern = "chicago"\n'
        + "".join(f"{key} = {val}\n" for key, val in base.items() if key != k)
        + f"{k} = {{v}}\n"
    )
    for base in [{"depth_mm": 50, "duration_min": 60, "step_min": 5, "peak_ratio": 0.4}]
    for k in ("depth_mm", "duration_min", "step_min", "peak_ratio")
}
TEMPLATES.update(
    {
        "modify.scale": "[modify]\nscale = {v}\n",
        "modify.climate_factor": "[modify]\nclimate_factor = {v}\n",
        "modify.time_shift_min": "[modify]\ntime_shift_min = {v}\n",
        f"modify.blockage.{LINK}": f'[modify.blockage]\n"{LINK}" = {{v}}\n',
        f"modify.initial_depth_m.{NODE}": f'[modify.initial_depth_m]\n"{NODE}" = {{v}}\n',
        f"modify.outfall_level.{OUTFALL}": f'[modify.outfall_level]\n"{OUTFALL}" = {{v}}\n',
        "simulation.tail_hours": "[simulation]\ntail_hours = {v}\n",
    }
)
BAD = ['"x"', '""', "-1", "-1e9", "1e309", "nan", "inf", "-inf", "true", "[1]", "[]", "{a = 1}"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(TEMPLATES)), value=st.sampled_from(BAD))
def test_bad_value_is_an_input_error_naming_file_line_and_field(tmp_path_factory, field, value):
    text = TEMPLATES[field].format(v=value)
    tomllib.loads(text)  # the file itself is valid TOML: only the value is wrong
    path = tmp_path_factory.mktemp("sc") / "bad.toml"
    path.write_text(text)
    try:
        Scenario.from_file(path).apply(NET)
    except InputError as exc:
        assert exc.file == str(path), str(exc)
        assert exc.line == text.count("\n"), str(exc)  # the value is on the last line
        assert exc.field == field or exc.field.startswith(f"{field}."), str(exc)
    except TwinError as exc:  # a TwinError, but not an InputError
        pytest.fail(f"{type(exc).__name__} instead of an InputError: {exc}")


@pytest.mark.parametrize("field", sorted(TEMPLATES))
def test_templates_are_valid_with_a_good_value(tmp_path, field):
    good = {"rainfall.duration_min": "60", "rainfall.peak_ratio": "0.4"}.get(field, "0.5")
    path = tmp_path / "good.toml"
    path.write_text(TEMPLATES[field].format(v=good))
    Scenario.from_file(path).apply(NET)  # no error: the fuzzed failures are the values'
