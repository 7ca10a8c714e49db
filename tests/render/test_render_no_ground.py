"""A network with no terrain and no usable rims (pyswmm's model_subcatch_stats.inp: one
outfall and two subcatchments) runs in SWMM mode, and its picture has no ground; without
map coordinates there is no picture, and the run still finishes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import twin
from tests.corpus import pyswmm_model
from tests.test_cli import run
from twin.render.frames import prepare

MODEL = "model_subcatch_stats.inp"


@pytest.fixture(scope="module")
def result():
    return twin.simulate(pyswmm_model(MODEL))


def test_layout_without_ground(result):
    assert not (result["node_rim"].values > result["node_invert"].values).any()
    with pytest.warns(UserWarning, match="drawn without ground"):
        layout, _ = prepare(result)
    assert layout.ground is None and layout.surface_ground is None
    assert np.all(layout.rim > layout.invert)  # shafts still have a height to fill


def test_run_renders_the_network_without_ground(tmp_path):
    png = tmp_path / "m.png"
    r = run("run", str(pyswmm_model(MODEL)), "-o", str(tmp_path / "m.nc"), "--image", str(png),
            "--quiet")  # fmt: skip
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [
        "twin: warning: no terrain given and no node has a rim above its invert: "
        "the network is drawn without ground"
    ]
    assert png.stat().st_size > 10_000 and (tmp_path / "m.nc").is_file()


def test_run_without_coordinates_skips_the_render_with_one_warning(tmp_path):
    text = pyswmm_model(MODEL).read_text()
    start = text.index("[COORDINATES]")
    end = text.index("[", start + 1)
    inp = tmp_path / "nomap.inp"
    inp.write_text(text[:start] + text[end:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not np.isfinite(twin.load_network(inp).nodes.x).any()
    r = run("run", str(inp), "-o", str(tmp_path / "n.nc"), "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [
        "twin: warning: render skipped: no node has map coordinates ([COORDINATES] is empty)"
    ]
    assert (tmp_path / "n.nc").is_file() and not list(tmp_path.glob("*.png"))


def test_explicit_surface_stays_an_error_naming_why(tmp_path):
    r = run("run", str(pyswmm_model(MODEL)), "--surface", "-o", str(tmp_path / "s.nc"), "--quiet")
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("twin: error: ")
    assert MODEL in lines[0] and "no DEM" in lines[0] and "fewer than 3" in lines[0]
    assert not (tmp_path / "s.nc").exists()
