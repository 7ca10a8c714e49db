"""The benchmark harness: quick mode's JSON, the agreement verdict, the README table.

No timing is asserted (timings vary run to run); the tests check that what is
reported is consistent and that a wrong result cannot count as agreeing.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from twin.bench.cases import get_case, inp_counts, with_duration
from twin.bench.report import (
    BRIEF_KEYS,
    END,
    START,
    brief_cases,
    ensemble_table,
    markdown_table,
    plot_ensemble,
    plot_scaling,
    plot_throughput,
    to_json,
    update_readme,
)
from twin.cli import main
from twin.validation.agreement import agreement_report


@pytest.fixture(scope="module")
def tiny_inp(tmp_path_factory):
    return get_case("tiny").prepare(tmp_path_factory.mktemp("bench"))


@pytest.mark.swmm
def test_quick_json_on_the_tiny_case(capsys):
    code = main(["bench", "--quick", "--json", "--cases", "tiny", "--cases-only"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["quick"] is True and len(doc["cases"]) == 1
    case = doc["cases"][0]
    for key in BRIEF_KEYS:
        assert key in case
    assert case["case"] == "tiny" and case["error"] is None
    assert case["conduits"] >= 20
    assert case["twin_s"] > 0 and case["swmm_s"] > 0
    assert case["speedup"] == pytest.approx(case["swmm_s"] / case["twin_s"], rel=1e-12)
    # agrees is the verdict of the agreement check that ran on these results
    rep = case["agreement"]
    assert isinstance(case["agrees"], bool) and case["agrees"] == rep["ok"]
    assert rep["n_nodes"] == case["nodes"] and rep["n_times"] == 48  # 4 h, 5 min steps
    assert 0.0 <= rep["node_depth_agree_frac"] <= 1.0
    assert rep["ok"] == (not rep["failed"])
    for engine in ("twin", "swmm"):
        e = case[engine]
        assert e["routing_steps"] > 0 and e["peak_rss_mb"] > 0
        assert e["link_steps_per_s"] == pytest.approx(
            e["routing_steps"] * case["links"] / e["median_s"], rel=1e-12
        )


@pytest.mark.swmm
def test_agreement_report_rejects_wrong_results(tiny_inp):
    from twin.validation import run_swmm

    swmm = run_swmm(tiny_inp)
    same = agreement_report(swmm, swmm)
    assert same["ok"] and same["failed"] == []
    assert same["node_depth_agree_frac"] == 1.0 and same["link_flow_agree_frac"] == 1.0
    assert same["peak_flow_err_p95"] == 0.0
    wrong = swmm.copy(deep=True)
    wrong["link_flow"] = wrong["link_flow"] * 1.3  # 30 % too much everywhere
    rep = agreement_report(wrong, swmm)
    assert not rep["ok"]
    assert "peak_flow_err_p95" in rep["failed"]
    assert rep["peak_flow_err_p95"] == pytest.approx(0.3, rel=1e-9)
    lagged = swmm.copy(deep=True)
    lagged["node_depth"] = lagged["node_depth"].roll(time=2, roll_coords=False) * 0.5
    assert "node_depth_agree_frac" in agreement_report(lagged, swmm)["failed"]
    leaky = swmm.copy()
    leaky.attrs["flow_routing_continuity_error_percent"] = 2.5
    assert agreement_report(leaky, swmm)["failed"] == ["continuity_error"]


def test_case_duration_and_counts(tiny_inp, tmp_path):
    info = inp_counts(tiny_inp)
    assert info["duration_s"] == 4 * 3600.0
    assert info["links"] == info["conduits"] >= 20
    longer = tmp_path / "longer.inp"
    longer.write_text(with_duration(tiny_inp.read_text(), 26.25))
    assert inp_counts(longer)["duration_s"] == 26.25 * 3600.0
    assert re.search(r"^LINKS\s+ALL\s*$", tiny_inp.read_text(), flags=re.M)


def _doc():
    base = {"conduits": 100, "links": 100, "duration_h": 4.0, "error": None}
    return {
        "created": "2026-01-01T00:00:00+00:00", "repeats": 3, "quick": False,
        "machine": {"cpu": "test", "cores": 2, "swmm": "52004", "numba": "x"},
        "cases": [
            {**base, "case": "ok", "twin_s": 1.0, "swmm_s": 3.0, "speedup": 3.0,
             "agrees": True, "twin": {"link_steps_per_s": 2e6, "spread_pct": 5.0},
             "swmm": {"link_steps_per_s": 7e5, "spread_pct": 2.0}},
            {**base, "case": "wrong", "conduits": 1000, "twin_s": 0.5, "swmm_s": 30.0,
             "speedup": 60.0, "agrees": False, "twin": {}, "swmm": {},
             "agreement": {"peak_flow_err_p95": np.float64(np.inf)}},
        ],
    }  # fmt: skip


def test_table_shows_disagreement_and_readme_markers(tmp_path):
    doc = _doc()
    table = markdown_table(doc)
    rows = [ln for ln in table.splitlines() if ln.startswith("| ok") or ln.startswith("| wrong")]
    assert "| yes |" in rows[0] and "3.00x" in rows[0]
    assert "**no**" in rows[1]
    readme = tmp_path / "README.md"
    readme.write_text("# title\n\ntext\n")
    update_readme(readme, table)
    text = readme.read_text()
    assert text.startswith("# title\n\ntext\n\n## Performance\n")
    assert text.count(START) == 1 and text.count(END) == 1
    update_readme(readme, "new table\n")
    again = readme.read_text()
    assert again.startswith("# title\n\ntext\n\n## Performance\n")
    assert "new table" in again and "| ok" not in again and again.count(START) == 1
    assert [r["agrees"] for r in brief_cases(doc)] == [True, False]
    assert json.loads(to_json(doc))["cases"][1]["agreement"]["peak_flow_err_p95"] is None


def _ensemble_doc():
    doc = _doc()
    row = {"members": 64, "failed": 0, "error": None, "start_s": None}
    doc["ensemble"] = {
        "case": "medium-conduits-1h", "conduits": 1496, "duration_h": 1.0, "members": 64,
        "checked_members": ["p000", "p063"], "mode": "twin-cluster", "speedup": 2.5,
        "agrees": True, "worker_peak_rss_mb": 9.0, "swmm_peak_rss_mb": 22.0,
        "modes": [
            {**row, "mode": "swmm-sequential", "label": "SWMM seq", "engine": "swmm",
             "processes": 1, "wall_s": 128.0, "members_per_min": 30.0, "speedup": 1.0,
             "start_s": 0.0, "peak_rss_mb_per_member": 22.0, "agrees": None},
            {**row, "mode": "twin-local", "label": "twin local", "engine": "twin",
             "processes": 3, "wall_s": 32.0, "members_per_min": 120.0, "speedup": 4.0,
             "peak_rss_mb_per_member": 11.0, "agrees": False},
            {**row, "mode": "twin-cluster", "label": "twin cluster", "engine": "twin",
             "processes": 3, "wall_s": 51.2, "members_per_min": 75.0, "speedup": 2.5,
             "start_s": 4.2, "peak_rss_mb_per_member": 9.0, "agrees": True,
             "solver": "swmm", "cpu_s": 100.0, "cpu_speedup": 1.25},
            {**row, "mode": "swmm-processes", "label": "SWMM 2 processes", "engine": "swmm",
             "wall_s": None, "error": "did not finish within 60 s"},
        ],
    }  # fmt: skip
    return doc


def test_ensemble_rows_in_the_table():
    doc = _ensemble_doc()
    table = ensemble_table(doc)
    assert table in markdown_table(doc)
    rows = {ln.split("|")[1].strip(): ln for ln in table.splitlines() if ln.startswith("| ")}
    # (documents of earlier versions: no solver, no CPU time)
    assert "| – | 1 | 128.0 | 30.0 | 1.00x | – | – | 0.0 | 22 | reference |" in rows["SWMM seq"]
    # a fast way that does not agree says so, in bold
    assert "| 120.0 | 4.00x | – | – | in wall | 11 | **no** |" in rows["twin local"]
    assert (
        "| swmm | 3 | 51.2 | 75.0 | 2.50x | 100.0 | 1.25x | 4.2 | 9 | yes |" in rows["twin cluster"]
    )
    assert "did not finish within 60 s" in rows["SWMM 2 processes"]
    assert "ensemble >= 10x SWMM sequential (twin-cluster): 2.50x" in markdown_table(doc)
    assert ensemble_table(_doc()) == ""  # no ensemble: no table


def test_plots_are_written(tmp_path):
    doc = _ensemble_doc()
    doc["cases"].append({**doc["cases"][0], "case": "big-1h", "conduits": 100_000,
                         "duration_h": 1.0})  # fmt: skip
    for plot, name in ((plot_scaling, "scaling.png"), (plot_throughput, "throughput.png"),
                       (plot_ensemble, "ensemble.png")):  # fmt: skip
        path = plot(doc, tmp_path / name)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.swmm
def test_matched_accuracy_row_measures_both_engines_against_the_refined_reference(
    tiny_inp, tmp_path
):
    from twin.bench.runner import run_case
    from twin.validation import run_swmm
    from twin.validation.matched import (
        Distance,
        accuracy_against,
        converged_reference,
        matched_accuracy,
    )

    res = run_case(get_case("tiny"), tmp_path, repeats=1, solver="newton", matched=True)
    acc = res["accuracy"]
    ref = converged_reference(tiny_inp)
    # SWMM at the file's step, measured independently, is the row's yardstick
    swmm = accuracy_against(run_swmm(tiny_inp), ref).as_dict()
    for key, value in swmm.items():
        assert acc["swmm"][key] == pytest.approx(value, rel=1e-9, abs=1e-12)
    assert acc["twin"] != acc["swmm"]  # the twin row is twin's own run
    verdict = matched_accuracy(Distance(**acc["twin"]), Distance(**acc["swmm"]))
    assert res["matched_accuracy"] is verdict
    assert (tmp_path / "tiny.reference.nc").exists()  # kept for the case's other rows
    table = markdown_table({**_doc(), "cases": [{**_doc()["cases"][0], **res}]})
    assert "| tiny | newton |" in table and ("| yes |" if verdict else "| **no** |") in table


def test_option_values_parse_numbers_and_text():
    from twin.bench.engine_child import option_values

    got = option_values(["newton_error_floor=2", "newton_still_fraction=0.1", "solver=newton"])
    assert got == {"newton_error_floor": 2, "newton_still_fraction": 0.1, "solver": "newton"}
    assert isinstance(got["newton_error_floor"], int)


def test_newton_options_reach_the_timed_twin_run(tiny_inp):
    from twin.bench.runner import run_engine

    base = run_engine("twin", tiny_inp, solver="newton")
    still = run_engine("twin", tiny_inp, solver="newton", options={"newton_still_fraction": 0.1})
    assert base["cpu_s"] > 0.0 and still["cpu_s"] > 0.0
    assert still["newton_conduit_evaluations"] < base["newton_conduit_evaluations"]
    assert isinstance(base["newton_step_limits"], str)


def test_source_commit_names_the_checkout_or_nothing():
    """A recorded result names the commit it ran on (``+dirty`` with local changes), or
    nothing outside a git checkout (an installed package)."""
    import re

    from twin.bench.report import source_commit

    assert re.fullmatch(r"([0-9a-f]{7,40}(\+dirty)?)?", source_commit())
