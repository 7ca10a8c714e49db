"""The whole engine (runoff + inflows + routing) against EPA SWMM 5.2 on the same .inp.

Thresholds live in ``tests/agreement.py``; they are never loosened here.  Corpus:
pyswmm's test models (all but the one with LIDs, which we do not model, and the one
that is deliberately malformed),
the bundled conduits-only districts in every routing/surcharge mode, and a synthetic
district rained on hard enough to surcharge and flood.
"""

import numpy as np
import pytest

import twin
from tests.agreement import assert_agrees
from tests.corpus import PYSWMM_DATA
from twin.networks.catalog import network_path
from twin.networks.district import write_district
from twin.validation import run_swmm

pytestmark = pytest.mark.swmm

CORPUS = [
    "model_node_inflows.inp",
    "model_pollutants.inp",
    "model_pollutants_2.inp",
    "model_pollutants_setters.inp",
    "model_rain.inp",
    "model_subcatch_stats.inp",
    "model_toolkit_units.inp",
    # with pumps, orifices, weirs and storage (issue 5)
    "model_constantinflow_constanteffluent.inp",
    "model_delayed_report.inp",
    "model_full_features.inp",
    "model_pump_setting.inp",
    "model_storage_pump.inp",
    "model_storage_pump_MGD.inp",
    "model_weir_setting.inp",
    "model_weir_setting_a.inp",
]


def _both(path):
    ours = twin.simulate(path)
    swmm = run_swmm(path)
    return ours, swmm


def _continuity_ok(ours, swmm):
    """Ours within 1 %, or within 0.1 point of SWMM's own error on the same input."""
    mine = ours.attrs["flow_routing_continuity_error_percent"]
    theirs = swmm.attrs["flow_routing_continuity_error_percent"]
    assert abs(mine) <= 1.0 or abs(mine - theirs) <= 0.1, (mine, theirs)
    r_mine = ours.attrs.get("runoff_continuity_error_percent")
    if r_mine is not None and "runoff_continuity_error_percent" in swmm.attrs:
        assert abs(r_mine - swmm.attrs["runoff_continuity_error_percent"]) <= 0.1


def _runoff_agrees(ours, swmm):
    if ours.sizes.get("subcatchment", 0) == 0:
        return
    q_ours = ours.subcatchment_runoff.sel(subcatchment=swmm.subcatchment.values).values
    q_swmm = swmm.subcatchment_runoff.values
    n = min(len(q_ours), len(q_swmm))
    err = np.abs(q_ours[:n] - q_swmm[:n]).max(axis=0)
    peak = np.abs(q_swmm[:n]).max(axis=0)
    assert (err <= 0.01 * np.maximum(peak, 1e-9) + 1e-7).all()


@pytest.mark.parametrize("name", CORPUS)
def test_pyswmm_corpus_agrees(name):
    ours, swmm = _both(PYSWMM_DATA / name)
    assert ours.sizes["time"] == swmm.sizes["time"]
    np.testing.assert_array_equal(ours.time.values, swmm.time.values)
    if ours.sizes["link"]:
        assert_agrees(ours, swmm, check_continuity=False)
    _continuity_ok(ours, swmm)
    _runoff_agrees(ours, swmm)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"SURCHARGE_METHOD": "SLOT"},
        {"FLOW_ROUTING": "KINWAVE"},
        {"INERTIAL_DAMPING": "FULL", "NORMAL_FLOW_LIMITED": "SLOPE", "VARIABLE_STEP": "0"},
    ],
    ids=["dynwave-extran", "dynwave-slot", "kinwave", "full-damping-slope-fixed-step"],
)
def test_bundled_district_agrees(tmp_path, options):
    net = twin.load_network("small-conduits")
    net.options.update(options)
    path = tmp_path / "district.inp"
    net.to_inp(path)
    ours, swmm = _both(path)
    agreement = assert_agrees(ours, swmm, check_continuity=False)
    _continuity_ok(ours, swmm)
    _runoff_agrees(ours, swmm)
    assert agreement.fraction["node_depth"] >= 0.95


@pytest.mark.parametrize("ponding", ["NO", "YES"])
def test_district_driven_to_flooding_agrees(tmp_path, ponding):
    inp, _ = write_district(
        tmp_path / "storm.inp", conduits=60, seed=11, structures=False, storm_depth_mm=170,
        duration_h=3.0,
    )  # fmt: skip
    net = twin.load_network(inp)
    net.options["ALLOW_PONDING"] = ponding
    net.nodes.ponded_area_m2[:] = 50.0
    net.to_inp(inp)
    ours, swmm = _both(inp)
    flooded_swmm = float(swmm.node_flooding.max())
    assert flooded_swmm > 0.0, "the storm must flood this district"
    assert float(ours.node_flood_volume.sum()) > 0.0
    assert_agrees(ours, swmm, check_continuity=False)
    _continuity_ok(ours, swmm)


def test_default_network_path_is_bundled():
    assert network_path("default").exists()
