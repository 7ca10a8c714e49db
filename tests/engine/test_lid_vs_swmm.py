"""LID controls ([LID_CONTROLS], [LID_USAGE]) against EPA SWMM 5.2, element by element.

Two hand-made networks that isolate them (``tests/engine/data``) and pyswmm's LID model:

- ``lids_us.inp``: US, Horton; one subcatchment per LID type (bio-retention cell with
  storage and an under-drain, rain garden returning its outflow to the pervious area,
  green roof over a whole roof, infiltration trench draining to another node, permeable
  pavement with soil, clogging and drain open/close levels, covered rain barrels whose
  drain waits 6 dry hours and goes onto another subcatchment, vegetative swale,
  rooftop disconnection) and one subcatchment with two LIDs running onto another one;
  two storms, evaporation between them.
- ``lids_si.inp``: SI, Green-Ampt; a swale on its subcatchment's Green-Ampt soil that
  also treats pervious runoff, a cell without storage layer, a trench whose drain flow a
  curve scales, a pavement covering a whole lot that takes runon from another
  subcatchment, rain barrels draining to a node; DRY_ONLY evaporation.
- pyswmm's ``model_lids.inp`` (permeable pavement and green roof units in one
  subcatchment): the corpus model that disagreed while LIDs were not simulated.

Compared: every node's depth and link's flow (the project's agreement check), every
subcatchment's runoff and infiltration series, SWMM's LID Performance Summary row by row
(to its printed precision), the runoff continuity's LID drainage and both continuity
errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from tests.agreement import run_and_compare
from tests.corpus import pyswmm_model

DATA = Path(__file__).parent / "data"
#: SWMM's binary output keeps 4-byte floats; relative to the largest value
SERIES_TOL_REL = 1e-3
#: SWMM prints the LID summary to 0.01 in (0.254 mm) or 0.01 mm: half of that + ours
PERF_TOL_MM = {"us": 0.15, "si": 0.007, "pyswmm": 0.15}
#: the runoff continuity's LID Drainage, printed to 0.001 acre-ft (1.23 m3) or ha-m (10 m3)
DRAINS_TOL_M3 = {"us": 0.7, "si": 5.5, "pyswmm": 0.7}
_PERF = ("total_inflow", "evaporation", "infiltration", "surface_outflow", "drain_outflow",
         "initial_storage", "final_storage")  # fmt: skip
_CASES = {"us": DATA / "lids_us.inp", "si": DATA / "lids_si.inp"}


@pytest.fixture(scope="module", params=["us", "si", "pyswmm"])
def runs(request):
    path = _CASES.get(request.param) or pyswmm_model("model_lids.inp")
    ours, ref = run_and_compare(path)
    return request.param, ours, ref


def assert_subcatchment_series_agree(ours, ref) -> None:
    """Runoff and infiltration of every subcatchment within SERIES_TOL_REL of SWMM's peak."""
    for var in ("subcatchment_runoff", "subcatchment_infiltration"):
        a, b = xr.align(ours[var], ref[var], join="inner")
        peak = float(np.abs(b).max())
        assert peak > 0.001, var
        worst = float(np.abs(a - b).max())
        assert worst <= SERIES_TOL_REL * peak, (var, worst, peak)


@pytest.mark.swmm
def test_subcatchment_series_agree(runs):
    _, ours, ref = runs
    assert_subcatchment_series_agree(ours, ref)


@pytest.mark.swmm
def test_lid_performance_summary_agrees(runs):
    case, ours, ref = runs
    assert list(ours.lid_subcatchment.values) == list(ref.lid_subcatchment.values)
    assert list(ours.lid_control.values) == list(ref.lid_control.values)
    assert (ref.lid_total_inflow.values > 1.0).all()  # every unit takes water
    for key in _PERF:
        a, b = ours[f"lid_{key}"].values, ref[f"lid_{key}"].values
        assert np.abs(a - b).max() <= PERF_TOL_MM[case], (key, a, b)
    err = ours.lid_continuity_error_percent.values - ref.lid_continuity_error_percent.values
    assert np.abs(err).max() <= 0.006
    if case != "pyswmm":  # there drains, surface outflow and infiltration all act
        for key in ("drain_outflow", "surface_outflow", "infiltration", "evaporation"):
            assert ref[f"lid_{key}"].values.max() > 1.0, key


@pytest.mark.swmm
def test_continuity_agrees(runs):
    case, ours, ref = runs
    key = "runoff_lid_drains_m3"
    if case != "pyswmm":
        assert ref.attrs[key] > 5.0
        assert abs(ours.attrs[key] - ref.attrs[key]) <= DRAINS_TOL_M3[case]
    for k in ("flow_routing_continuity_error_percent", "runoff_continuity_error_percent"):
        tol = 0.03 if (case == "pyswmm" and k.startswith("flow")) else 0.01
        assert abs(ours.attrs[k] - ref.attrs[k]) <= tol, (k, ours.attrs[k], ref.attrs[k])


@pytest.mark.swmm
def test_report_has_swmms_lid_rows(runs):
    """The summary report prints the LID Performance Summary and the LID Drainage line."""
    import io

    from rich.console import Console

    from twin.report import print_report, report_tables

    case, ours, ref = runs
    if case != "us":
        pytest.skip("one network is enough for the report's layout")
    tables = {t.key: t for t in report_tables(ours)}
    lid = tables["lid_performance"]
    assert [r[:2] for r in lid.rows] == list(
        zip(ref.lid_subcatchment.values, ref.lid_control.values, strict=True)
    )
    drains = dict((r[0], r[1]) for r in tables["runoff_continuity"].rows)["LID Drainage"]
    assert abs(drains - ref.attrs["runoff_lid_drains_m3"]) <= DRAINS_TOL_M3[case]
    out = io.StringIO()
    print_report(ours, console=Console(file=out, width=200))
    assert "LID Performance Summary" in out.getvalue() and "BioCell" in out.getvalue()


def test_hot_start_carries_the_lid_state(tmp_path):
    """A state saved mid-storm (LID layers, drains, water balance) resumes bit for bit."""
    import warnings

    import twin
    from twin.engine.simulation import Simulation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = twin.load_network(DATA / "lids_si.inp")
        plain = Simulation(net).run()
        sim = Simulation(net)
        sim.advance_to("2022-09-10T02:00")
        path = sim.save_state(tmp_path / "state.npz")
        resumed = Simulation.from_state(path, net).run()
    xr.testing.assert_identical(resumed, plain)
    assert float(plain.lid_final_storage.max()) > 1.0
