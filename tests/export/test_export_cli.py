"""`twin export` as a user runs it: files written, and bad input as one line with exit 2."""

from __future__ import annotations

import os

import geopandas as gpd
import pytest

from tests.test_cli import run


def _one_error(r):
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and lines[0].startswith("twin: error: "), r.stderr
    return lines[0]


def test_export_gpkg_and_tif(surface_result, tmp_path):
    path, _ = surface_result
    r = run("export", str(path), "-o", str(tmp_path / "out.gpkg"), "--crs", "EPSG:5186")
    assert r.returncode == 0 and "export:" in r.stdout and r.stderr == "", r.stderr
    assert gpd.read_file(tmp_path / "out.gpkg", layer="flood_extent").crs.to_epsg() == 5186
    r = run("export", str(path), "-o", str(tmp_path / "depth.tif"))
    assert r.returncode == 0 and (tmp_path / "depth.tif").is_file(), r.stderr


def test_no_crs_is_one_warning_line(network_result, tmp_path):
    path, _ = network_result
    r = run("export", str(path), "-o", str(tmp_path / "out.gpkg"))
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("twin: warning: ") and "no CRS" in lines[0]


@pytest.mark.parametrize(
    "args, says",
    [
        (["-o", "{d}/x.gpkg", "--layers", "flood_extent"], "needs a result with a 2D surface"),
        (["-o", "{d}/x.tif"], "needs a result with a 2D surface"),
        (["-o", "{d}/x.gpkg", "--crs", "EPSG:99999"], "--crs: not a coordinate reference system"),
        (["-o", "{d}/x.gpkg", "--crs", "not-a-crs"], "'not-a-crs'"),
        (["-o", "{d}/plain/x.gpkg"], "not a folder"),  # a file where a folder would be made
        (["-o", "{d}/x.shp"], ".gpkg"),
        (["-o", "{d}/x.gpkg", "--layers", "nodes,pipes"], "unknown layer 'pipes'"),
        (["-o", "{d}/x.gpkg", "--threshold", "-1", "--layers", "nodes"], None),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(network_result, tmp_path, args, says):
    path, _ = network_result
    out = tmp_path / "out"
    out.mkdir()
    (out / "plain").write_text("a file where a folder would be made")
    r = run("export", str(path), *[a.format(d=out) for a in args])
    if says is None:  # a threshold does not matter to the nodes layer
        assert r.returncode == 0, r.stderr
        return
    assert says in _one_error(r)
    assert os.listdir(out) == ["plain"]


def test_a_file_that_is_not_a_result(tmp_path):
    bad = tmp_path / "x.nc"
    bad.write_text("not netcdf")
    assert "x.nc" in _one_error(run("export", str(bad), "-o", str(tmp_path / "x.gpkg")))
    assert not (tmp_path / "x.gpkg").exists()


def test_threshold_must_be_positive(surface_result, tmp_path):
    path, _ = surface_result
    r = run("export", str(path), "-o", str(tmp_path / "x.gpkg"), "--threshold", "0")
    assert "--threshold" in _one_error(r) and os.listdir(tmp_path) == []
