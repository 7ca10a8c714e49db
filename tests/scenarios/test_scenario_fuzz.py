"""Scenario files with a bad value anywhere: an InputError naming the file, the line and
the field, or a scenario that applies; never another exception."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import twin
from twin.errors import InputError, TwinError
from twin.kernels.codes import LinkKind, NodeKind
from twin.scenarios import Scenario

NET = twin.load_network("small")
LINK = str(NET.links.name[list(NET.links.kind).index(LinkKind.CONDUIT)])
PUMP = str(NET.links.name[list(NET.links.kind).index(LinkKind.PUMP)])
NODE = str(NET.nodes.name[0])
OUTFALL = str(NET.nodes.name[list(NET.nodes.kind).index(NodeKind.OUTFALL)])

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
        "simulation.start": "[simulation]\nstart = {v}\n",
        "rainfall.path": '[rainfall]\nsource = "gauge"\npath = {v}\n',
        "rainfall.member": '[rainfall]\nsource = "radar"\npath = "r.nc"\nmember = {v}\n',
        "rainfall.interval_min": (
            '[rainfall]\nsource = "gauge"\npath = "g.csv"\ninterval_min = {v}\n'
        ),
        "rainfall.depths_mm.60": (
            '[rainfall]\nsource = "design"\n[rainfall.depths_mm]\n"180" = 212\n"60" = {v}\n'
        ),
        "rainfall.idf.params.10": (
            '[rainfall]\nsource = "design"\nreturn_period = 10\n[rainfall.idf]\nform = "talbot"\n'
            '[rainfall.idf.params]\n"10" = {v}\n'
        ),
        "modify.pump_failure[0].from_h": (
            f'[[modify.pump_failure]]\npump = "{PUMP}"\nfrom_h = {{v}}\n'
        ),
    }
)
#: Other fields an error may name instead, with the line it names: a bad IDF shape is
#: the ``[rainfall.idf]`` table's fault.
ALSO = {"rainfall.idf.params.10": {"rainfall.idf": 4}}
BAD = [
    '"x"', '""', "-1", "-1e9", "1e309", "nan", "inf", "-inf", "true", "[1]", "[]", "{a = 1}",
    "1.5", "[1, -5, 1]", '[1, "x", 1]', "[0, 0, 0]",
]  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(TEMPLATES)), value=st.sampled_from(BAD))
def test_bad_value_is_an_input_error_naming_file_line_and_field(tmp_path_factory, field, value):
    text = TEMPLATES[field].format(v=value)
    tomllib.loads(text)  # the file itself is valid TOML: only the value is wrong
    path = tmp_path_factory.mktemp("sc") / "bad.toml"
    path.write_text(text)
    try:
        Scenario.from_file(path).apply(NET)
    except InputError as exc:
        assert exc.file is not None, str(exc)
        if exc.field in ALSO.get(field, {}):
            assert (exc.file, exc.line) == (str(path), ALSO[field][exc.field]), str(exc)
        elif "not found" in exc.message:  # a good path to a file that is not here
            assert exc.field == "rainfall.path" and exc.file != str(path), str(exc)
        elif exc.field == field or exc.field.startswith(f"{field}."):
            assert exc.file == str(path), str(exc)
            assert exc.line == text.count("\n"), str(exc)  # the value is on the last line
        else:  # the value was good for its field; the file fails for another reason,
            # e.g. a 1.5 min storm shorter than its 5 min step, or a data file not here
            assert exc.field is not None and exc.file == str(path), str(exc)
    except TwinError as exc:  # a TwinError, but not an InputError
        pytest.fail(f"{type(exc).__name__} instead of an InputError: {exc}")


GOOD = {
    "rainfall.duration_min": "60",
    "rainfall.peak_ratio": "0.4",
    "rainfall.depths_mm.60": "110",
    "rainfall.idf.params.10": "[1200, 8, 0.7]",
    "simulation.start": '"2024-07-15T00:00:00"',
    "rainfall.member": "1",
}
#: Templates whose files are not here: a good value gets as far as opening them.
NEEDS_FILE = {"rainfall.path", "rainfall.member", "rainfall.interval_min"}


@pytest.mark.parametrize("field", sorted(TEMPLATES))
def test_templates_are_valid_with_a_good_value(tmp_path, field):
    good = GOOD.get(field, '"missing.csv"' if field == "rainfall.path" else "0.5")
    path = tmp_path / "good.toml"
    path.write_text(TEMPLATES[field].format(v=good))
    if field in NEEDS_FILE:  # the value passes; the missing file is what is refused
        with pytest.raises(InputError, match="not found|no such|does not exist|cannot"):
            Scenario.from_file(path).apply(NET)
    else:
        Scenario.from_file(path).apply(NET)  # no error: the fuzzed failures are the values'
