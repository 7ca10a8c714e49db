"""The `twin` command as a user runs it: a real subprocess, real files, exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import twin

DATA = Path(__file__).parent / "networks" / "data"


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "twin.cli", *args], capture_output=True, text=True, cwd=cwd,
        timeout=600,
    )  # fmt: skip


def test_version_and_help():
    r = run("--version")
    assert r.returncode == 0 and twin.__version__ in r.stdout
    r = run("--help")
    assert r.returncode == 0 and "run" in r.stdout and "generate" in r.stdout


def test_networks_lists_the_catalog():
    r = run("networks")
    assert r.returncode == 0
    for name in ("small", "small-conduits", "medium", "example"):
        assert name in r.stdout


def test_info_json_counts_by_plural_kind():
    r = run("info", "example", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    kinds = ("junctions", "outfalls", "storages", "dividers", "conduits", "pumps", "orifices",
             "weirs", "outlets", "subcatchments", "raingages")  # fmt: skip
    assert set(kinds) <= set(info["counts"])
    net = twin.load_network("example")
    assert sum(info["counts"][k] for k in kinds[:4]) == net.n_nodes


def test_malformed_inp_gives_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.inp"
    bad.write_text("[JUNCTIONS]\nJ1 abc 5\n[OUTFALLS]\nO1 0 FREE\n")
    r = run("info", str(bad))
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("twin: error: ")
    assert f"{bad}:2" in lines[0] and "Traceback" not in r.stderr


def test_missing_file_and_unknown_name_exit_2(tmp_path):
    for arg in (str(tmp_path / "nope.inp"), "no-such-network"):
        r = run("info", arg)
        assert r.returncode == 2 and r.stderr.startswith("twin: error:")


def test_generate_is_deterministic(tmp_path):
    a, b = tmp_path / "a.inp", tmp_path / "b.inp"
    for p in (a, b):
        r = run("generate", "district", "--conduits", "60", "--seed", "4", "-o", str(p))
        assert r.returncode == 0, r.stderr
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a.terrain.nc").exists()


def test_check_reports_findings():
    r = run("check", "small-conduits")
    assert r.returncode == 0 and "finding(s)" in r.stdout


def test_run_report_render_round_trip(tmp_path):
    out = tmp_path / "r.nc"
    r = run("run", "small-conduits", "--end-hours", "1", "-o", str(out), "--no-render", "--quiet")
    assert r.returncode == 0, r.stderr
    assert out.exists()
    r = run("report", str(out), "--top", "3")
    assert r.returncode == 0 and "Continuity" in r.stdout
    png = tmp_path / "r.png"
    r = run("render", str(out), "-o", str(png), "--network", "small-conduits")
    assert r.returncode == 0, r.stderr
    assert png.stat().st_size > 10_000
    for bad in (("report", str(out), "--top", "0"), ("render", str(out), "--time", "abc")):
        bad_png = tmp_path / "bad.png"
        r = run(*bad, *(("-o", str(bad_png)) if bad[0] == "render" else ()))
        assert r.returncode == 2 and "twin: error:" in r.stderr, (bad, r.stderr)
        assert not bad_png.exists()


def test_report_of_a_non_result_is_an_input_error(tmp_path):
    junk = tmp_path / "x.nc"
    junk.write_text("not netcdf")
    r = run("report", str(junk))
    assert r.returncode == 2 and "x.nc" in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--routing-step", "abc"),
        ("generate", "district"),
        ("run", "small-conduits", "--end-hours", "0"),  # 0 is a value, not "not given"
        ("run", "small-conduits", "--report-step", "0"),
        ("run", "small-conduits", "--routing-step", "-1"),
    ],
)
def test_bad_arguments_exit_2(args, tmp_path):
    r = run(*args, "-o", str(tmp_path / "r.nc")) if args[0] == "run" else run(*args)
    assert r.returncode == 2 and "twin: error:" in r.stderr
    assert not (tmp_path / "r.nc").exists()


def test_main_job_defaults_to_scenario_and_surface(tmp_path):
    r = run("run", "--end-hours", "0.5", "--no-render", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (out,) = (tmp_path / "twin-output").glob("*.nc")
    ds = twin.open_results(out)
    assert ds.attrs["scenario"] == "seoul-100mmh"
    assert "surface_max_depth" in ds and "system_continuity_error_percent" in ds.attrs


def test_run_with_the_newton_solver_records_it(tmp_path):
    import xarray as xr

    out = tmp_path / "n.nc"
    r = run("run", "small-conduits", "--end-hours", "1", "--solver", "newton", "-o", str(out),
            "--no-render", "--quiet")  # fmt: skip
    assert r.returncode == 0, r.stderr
    with xr.open_dataset(out) as ds:
        assert ds.attrs["solver"] == "newton"
    r = run("run", "small-conduits", "--solver", "picard", "--quiet", "--no-render")
    assert r.returncode == 2 and "picard" in r.stderr


def test_run_verbose_names_what_limited_the_newton_steps(tmp_path):
    import re

    import twin

    out = tmp_path / "n.nc"
    r = run("run", "small-conduits", "-v", "--end-hours", "0.5", "--solver", "newton", "-o",
            str(out), "--no-render", "--quiet")  # fmt: skip
    assert r.returncode == 0, r.stderr
    m = re.search(r"Newton steps limited by (.*)", r.stderr)
    assert m, r.stderr
    names = set(twin.load_network("small-conduits").nodes.name)
    named = re.findall(r"at node (\w+): (\d+) steps", m.group(1))
    assert named and all(n in names and int(k) > 0 for n, k in named)
