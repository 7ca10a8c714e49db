"""The report as JSON, CSV and Markdown: the same tables, full precision, every row.

Checked against the report tables themselves (which tests/report/test_report.py checks
against known answers and SWMM's own report), on a real flooding run and a real
ensemble, through the ``twin report`` command (in this process; tests/test_cli.py runs
``twin report`` as a subprocess).
"""

from __future__ import annotations

import csv
import json
from typing import NamedTuple

import numpy as np
import pytest

import twin
from twin.cli import main
from twin.ensemble import perturbed_forecast, run_ensemble
from twin.errors import InputError
from twin.report import report_tables
from twin.report.formats import (
    csv_texts,
    field_name,
    format_markdown,
    report_records,
    write_csv_tables,
)
from twin.report.table_data import Column
from twin.scenarios import Scenario


class Ran(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def twin_cli(capsys):
    """``twin ARGS`` in this process (the kernels are loaded once): exit code and output."""

    def run(*args):
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)

    return run


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    storm = Scenario.preset("gangnam-110mmh")
    ds = twin.simulate(storm.apply(twin.load_network("small-conduits")), end_hours=1.0)
    return twin.write_results(ds, tmp_path_factory.mktemp("run") / "run.nc")


@pytest.fixture(scope="module")
def ensemble_file(tmp_path_factory):
    net = twin.load_network("small-conduits")
    members = perturbed_forecast(Scenario.preset("gangnam-110mmh"), 2, sigma=0.4, seed=2)
    ens = run_ensemble(net, members, scheduler="serial", progress=False, end_hours=0.5)
    return twin.write_results(ens, tmp_path_factory.mktemp("ens") / "ens.nc")


def _as_json_value(v):
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else str(v.astype("datetime64[s]"))
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v)
    return v


def test_field_names_carry_the_unit():
    assert field_name(Column("Max Height Above Crown", "m", ".3f")) == "max_height_above_crown_m"
    assert field_name(Column("Maximum |Flow|", "m3/s", ".4f")) == "maximum_flow_m3s"
    assert field_name(Column("Of All Steps", "%", ".2f")) == "of_all_steps_percent"
    assert field_name(Column("Time of Max", "", "time")) == "time_of_max"


@pytest.mark.parametrize("which", ["run_file", "ensemble_file"])
def test_json_is_one_object_with_every_row_at_full_precision(which, request, twin_cli):
    path = request.getfixturevalue(which)
    r = twin_cli("report", str(path), "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    ds = twin.open_results(path)
    tables = report_tables(ds)
    assert doc["ensemble"] == (which == "ensemble_file")
    assert list(doc["tables"]) == [t.key for t in tables]
    for t in tables:
        records = doc["tables"][t.key]
        assert len(records) == len(t.rows)  # json lists every row unless --top is given
        about = doc["about"][t.key]
        assert about["title"] == t.title and [c["unit"] for c in about["columns"]] == [
            c.unit for c in t.columns
        ]
        for record, row in zip(records, t.rows, strict=True):
            assert list(record.values()) == [_as_json_value(v) for v in row]
    assert doc == report_records(ds, file=str(path))


def test_json_top_and_file_output(run_file, tmp_path, twin_cli):
    out = tmp_path / "r.json"
    r = twin_cli("report", str(run_file), "--format", "json", "--top", "2", "-o", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert len(doc["tables"]["node_depth"]) == 2 and len(doc["tables"]["run"]) > 2


@pytest.mark.parametrize("which", ["run_file", "ensemble_file"])
def test_csv_writes_one_file_per_table(which, request, tmp_path, twin_cli):
    path = request.getfixturevalue(which)
    folder = tmp_path / "tables"
    r = twin_cli("report", str(path), "--format", "csv", "-o", str(folder))
    assert r.returncode == 0, r.stderr
    ds = twin.open_results(path)
    tables = report_tables(ds)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t.key}.csv" for t in tables)
    records = report_records(ds)["tables"]
    for t in tables:
        with open(folder / f"{t.key}.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == len(t.rows)
        for got, want in zip(rows, records[t.key], strict=True):
            for k, v in want.items():
                if isinstance(v, float):
                    assert float(got[k]) == v  # full precision, read back exactly
                else:
                    assert got[k] == ("" if v is None else str(v))


def test_csv_replaces_whole_files_and_refuses_a_file_as_folder(run_file, tmp_path):
    ds = twin.open_results(run_file)
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "node_depth.csv").write_text("stale\n")
    written = write_csv_tables(ds, folder)
    assert (folder / "node_depth.csv").read_text() == csv_texts(ds)["node_depth.csv"]
    assert not [p for p in folder.iterdir() if p not in written]  # no temporary left
    target = tmp_path / "a-file"
    target.write_text("keep")
    with pytest.raises(InputError, match="folder"):
        write_csv_tables(ds, target)
    assert target.read_text() == "keep"


def test_markdown_has_a_heading_and_a_pipe_table_per_table(run_file):
    ds = twin.open_results(run_file)
    text = format_markdown(ds, top=3)
    for t in report_tables(ds):
        assert f"### {t.title}" in text
    section = text[text.index("### Node Depth Summary") :].split("### ")[1]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    assert lines[0].startswith("| Name | Type | Average Depth [m] |")
    assert set(lines[1].replace("|", "").split()) <= {":---", "---:"}
    assert len(lines) == 2 + 3 and "more rows" in section


def test_bad_report_requests_are_one_line_and_exit_2(run_file, tmp_path, twin_cli):
    (tmp_path / "plain").write_text("a file where a folder would be made")
    cases = [
        ("report", str(run_file), "--format", "csv"),  # csv needs a folder
        ("report", str(run_file), "--format", "xml"),
        ("report", str(run_file), "--format", "json", "-o", str(tmp_path / "plain" / "r.json")),
    ]
    for args in cases:
        r = twin_cli(*args)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2 and len(lines) == 1, (args, r.stderr)
        assert lines[0].startswith("twin: error:")
    assert (tmp_path / "plain").is_file() and not list(tmp_path.glob("*.json"))
