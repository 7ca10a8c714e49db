"""read -> write -> read gives equal tables, and SWMM gives the same results on our copy."""

from __future__ import annotations

import glob
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.corpus import PYSWMM_DATA
from twin.networks.inp_reader import read_inp, read_inp_text
from twin.networks.inp_writer import inp_text, write_inp

HERE = Path(__file__).parent / "data"
BUNDLED = Path(__file__).parents[2] / "twin" / "networks" / "data"
CORPUS = sorted(
    [p for p in PYSWMM_DATA.glob("*.inp") if p.name != "model_bad_input_1.inp"]
    + [Path(p) for p in glob.glob(str(BUNDLED / "*.inp"))]
    + [HERE / "features_si.inp"]
)
TABLES = ("nodes", "links", "subcatchments", "raingages", "inflows", "dwf")


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _abs(net, f):
    """A FILE reference resolved as SWMM does (against the .inp file's folder)."""
    return str(Path(net.source).parent / f) if f and net.source else f


def assert_same_network(a, b):
    for t in TABLES:
        assert getattr(a, t).equals(getattr(b, t)), t
    assert (a.unit_system, a.flow_units, a.options) == (b.unit_system, b.flow_units, b.options)
    assert a.curves.keys() == b.curves.keys()
    for k, c in a.curves.items():
        d = b.curves[k]
        assert c.kind == d.kind and np.allclose(c.x, d.x, rtol=1e-9)
        assert np.allclose(c.y, d.y, rtol=1e-9)
    assert a.timeseries.keys() == b.timeseries.keys()
    for k, s in a.timeseries.items():
        u = b.timeseries[k]
        assert _abs(a, s.file) == _abs(b, u.file) and np.array_equal(s.date, u.date, equal_nan=True)
        assert np.allclose(s.time_h, u.time_h, rtol=1e-9) and np.allclose(s.value, u.value)
    assert {k: p.kind for k, p in a.patterns.items()} == {k: p.kind for k, p in b.patterns.items()}
    for k, p in a.patterns.items():
        assert np.allclose(p.factors, b.patterns[k].factors, rtol=1e-9)
    assert a.evaporation == b.evaporation and a.title == b.title
    assert a.controls.strip() == b.controls.strip() and a.report == b.report
    assert a.tags == b.tags and a.map == b.map and a.transects == b.transects
    assert a.sections == b.sections
    assert a.vertices.keys() == b.vertices.keys()


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_read_write_read_equal(path, tmp_path):
    a = quiet(read_inp, path)
    out = tmp_path / path.name
    write_inp(a, out)
    b = quiet(read_inp, out)
    assert_same_network(a, b)
    # the writer is stable: writing the re-read network gives the same text
    assert inp_text(b, base_dir=tmp_path) == out.read_text()


def test_crlf_and_lf_give_the_same_network():
    text = (HERE / "features_si.inp").read_text()
    a = quiet(read_inp_text, text)
    b = quiet(read_inp_text, text.replace("\n", "\r\n"))
    assert_same_network(a, b)


def test_write_is_atomic_and_replaces(tmp_path):
    net = quiet(read_inp, HERE / "features_si.inp")
    out = tmp_path / "net.inp"
    out.write_text("old content")
    net.to_inp(out)
    assert out.read_text().startswith("[TITLE]")
    assert os.listdir(tmp_path) == ["net.inp"]  # no temporary file left behind


def test_relative_file_reference_made_absolute_elsewhere(tmp_path):
    net = quiet(read_inp, HERE / "features_si.inp")
    text_here = inp_text(net, base_dir=HERE)
    text_there = inp_text(net, base_dir=tmp_path)
    assert "TideTS           FILE             tide.dat" in text_here
    assert str((HERE / "tide.dat").resolve()) in text_there


def _shortened(path: Path, dest: Path, hours: float) -> Path:
    """A copy of ``path`` whose simulation ends ``hours`` after it starts (same day)."""
    lines = path.read_text().splitlines()
    start = {
        ln.split()[0].upper(): ln.split()[1]
        for ln in lines
        if ln.split() and ln.split()[0].upper() in ("START_DATE", "START_TIME")
    }
    out = []
    for ln in lines:
        key = ln.split()[0].upper() if ln.split() else ""
        if key == "END_DATE":
            ln = f"END_DATE {start['START_DATE']}"
        elif key == "END_TIME":
            h, m = (int(v) for v in start.get("START_TIME", "0:00").split(":")[:2])
            end = min(h * 60 + m + int(hours * 60), 23 * 60 + 59)
            ln = f"END_TIME {end // 60}:{end % 60:02d}:00"
        out.append(ln)
    dest.write_text("\n".join(out) + "\n")
    return dest


@pytest.mark.swmm
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_swmm_same_results_on_written_copy(path, tmp_path):
    from twin.validation.swmm_run import run_swmm

    if path.parent != HERE:  # keep the suite fast: simulate the first hours only
        hours = 0.25 if path.stat().st_size > 100_000 else 3
        path = _shortened(path, tmp_path / ("short-" + path.name), hours)
    reference = path
    if path.parent == HERE:
        # run_swmm runs a copy of its input in a work folder, so the reference run
        # needs the data file's full path; our copy is read from the original (which
        # says "tide.dat") and written elsewhere, so the writer must make it absolute
        text = path.read_text().replace('"tide.dat"', f'"{(HERE / "tide.dat").resolve()}"')
        reference = tmp_path / ("ref-" + path.name)
        reference.write_text(text)
    net = quiet(read_inp, path)
    out = tmp_path / path.name.replace("short-", "copy-")
    write_inp(net, out)
    a = run_swmm(reference.resolve())
    b = run_swmm(out.resolve())
    # our ids are SWMM's ids
    assert list(a.node.values) == list(b.node.values) == list(net.nodes.name)
    assert list(a.link.values) == list(b.link.values) == list(net.links.name)
    assert list(a.subcatchment.values) == list(b.subcatchment.values)
    assert a.sizes["time"] == b.sizes["time"]
    for var in ("node_depth", "link_flow"):
        diff = np.abs(a[var].values - b[var].values)
        assert diff.size == 0 or diff.max() <= 1e-6, var
