"""`twin compare` and :mod:`twin.validation.with_swmm`: a model run by twin and by EPA
SWMM 5.2 and judged with the project's agreement criteria.

* A bundled model agrees: exit 0, every criterion met, the JSON on stdout and in the
  file the same, the worst elements listed.
* A twin run on rougher pipes than SWMM's is judged as disagreeing, and the links it
  names first are the rough ones' neighbourhood (a real difference, not a doctored one).
* A file that is not there: one error line, exit 2.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import twin
from tests.cli.test_outputs import one_error_line, twin_cli

pytestmark = pytest.mark.swmm


def test_a_bundled_model_agrees_and_says_so(tmp_path):
    out = tmp_path / "cmp.json"
    r = twin_cli("compare", "small-conduits", "--top", "4", "--json", "-o", out)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep == json.loads(out.read_text())
    assert rep["agrees"] and rep["failed"] == []
    assert rep["swmm_version"].startswith("5.2")
    names = {c["criterion"] for c in rep["criteria"]}
    assert {"nodes whose depth agrees", "links whose flow agrees",
            "flow routing continuity error"} <= names  # fmt: skip
    assert len(rep["worst_nodes"]) == 4 and len(rep["worst_links"]) == 4
    rel = [x["rmse_over_peak"] for x in rep["worst_links"]]
    assert rel == sorted(rel, reverse=True)  # agreeing least first
    assert rep["n_nodes"] > 0 and rep["n_times"] > 0


def test_rougher_pipes_than_swmm_are_judged_as_disagreeing(tmp_path):
    from twin.validation.swmm_run import run_swmm
    from twin.validation.with_swmm import judge

    net = twin.load_network("small-conduits")
    net.options["END_TIME"] = "01:30:00"
    path = tmp_path / "ref.inp"
    net.to_inp(path)
    ref = run_swmm(path)
    rough = twin.load_network(path)
    rough.links.roughness[:] = rough.links.roughness * 3.0  # every pipe three times rougher
    ours = twin.simulate(rough)
    rep = judge(ours.load(), ref.load(), top=5)
    assert not rep["agrees"]
    assert "links whose flow agrees" in rep["failed"] or "nodes whose depth agrees" in rep["failed"]
    worst = rep["worst_nodes"][0]
    assert not worst["agrees"] and worst["peak_twin"] > worst["peak_swmm"]  # deeper: rougher
    same = judge(twin.simulate(twin.load_network(path)).load(), ref.load())
    assert same["agrees"], same["failed"]
    assert np.isfinite([c["value"] for c in same["criteria"] if c["unit"] == "%"]).all()


def test_a_missing_file_is_one_error_line(tmp_path):
    r = twin_cli("compare", tmp_path / "nowhere.inp")
    assert r.returncode == 2
    assert "nowhere.inp" in one_error_line(r)
