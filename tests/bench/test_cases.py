"""Benchmark cases: the 1 h, one-run 100k district, and a case's repetition cap."""

from __future__ import annotations

import pytest

from twin.bench.cases import CASES, FULL_CASES, Case, inp_counts
from twin.bench.runner import run_case


def test_the_100k_district_is_one_hour_and_one_run():
    case = CASES["district-100k"]
    assert case.conduits == 100_000 and case.network == "district"
    assert case.duration_h == 1.0 and case.max_repeats == 1
    assert "1 h" in case.description  # the README table says what it simulates
    assert "district-100k" in FULL_CASES


@pytest.mark.swmm
def test_a_capped_case_runs_once_and_is_still_checked(tmp_path):
    # the 100k case's settings on the smallest district: 1 h, one (SWMM, twin) pair
    case = Case("capped", "district", 24, duration_h=1.0, max_repeats=1)
    res = run_case(case, tmp_path, repeats=3, timeout_s=300)
    assert res["error"] is None
    assert inp_counts(case.prepare(tmp_path))["duration_s"] == 3600.0
    assert res["duration_h"] == 1.0
    for engine in ("swmm", "twin"):
        assert len(res[engine]["samples_s"]) == 1
    assert res["agreement"]["n_times"] == 12  # 1 h at the 5 min report step
    assert res["agrees"] == res["agreement"]["ok"]
    assert res["agrees"], res["agreement"]["failed"]


def test_the_100k_case_is_no_longer_predicted_too_long():
    from dataclasses import replace

    from twin.bench import _predicted_too_long

    # the 10k district as last measured: 4 h, SWMM 114 s, twin 160 s
    done = [{"case": "district-10k", "conduits": 10_000, "duration_h": 4.0,
             "swmm_s": 114.0, "twin_s": 160.0}]  # fmt: skip
    case = CASES["district-100k"]
    assert _predicted_too_long(case, None, done, timeout_s=900.0) is None  # 400 s
    four_hours = replace(case, duration_h=None)  # what it was: 27 min predicted
    assert "predicted 27 min" in _predicted_too_long(four_hours, None, done, timeout_s=900.0)
