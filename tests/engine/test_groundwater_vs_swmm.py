"""Groundwater ([AQUIFERS], [GROUNDWATER]) against EPA SWMM 5.2, element by element.

Two hand-made networks that isolate it (``tests/engine/data``):

- ``groundwater_cms.inp``: SI, Horton; an aquifer draining to a junction (lower zone ET
  reaching the table) and one under a storage node whose water stands above the table,
  so that its lateral flow reverses (the node feeds the aquifer, limited by the node's
  water) until the storage drains; a monthly ETupat pattern; constant evaporation; two
  storms 38 hours apart over three days.
- ``groundwater_us.inp``: US, Green-Ampt; a shallow aquifer whose upper zone fills, so
  that SWMM limits the surface infiltration to the room left (11.9 mm infiltrated instead
  of 15.9 without the aquifer); the A2/A3 terms, a fixed surface water depth, the
  optional node elevation, water table and moisture fields, and a fully impervious
  subcatchment (no pervious area: SWMM leaves its aquifer unchanged).
- ``groundwater_gwf.inp``: the SI network with [GWF] custom expressions: a lateral term
  added to S1's equation (reading HGW, HCB, HSW, K, KS, FU and STEP) and S2's deep flow
  (THETA, HGW, HGS, A, FI, PHI, SQRT): deep percolation 1402 m3 instead of 1086.

Compared: every node's depth and every link's flow (the project's agreement check), each
subcatchment's groundwater flow and water table elevation, the continuity report's
"Groundwater Inflow" and the "Groundwater Continuity" volumes (to SWMM's printed
precision).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import twin
from tests.agreement import run_and_compare

DATA = Path(__file__).parent / "data"
#: SWMM prints the routing volumes to 0.001 10^6 ltr (1 m3) or 10^6 gal (3.8 m3) and
#: the groundwater continuity to 0.001 hectare-m (10 m3) or acre-feet (1.2 m3): half of
#: that, plus our rounding
ROUTING_TOL_M3 = {"cms": 1.0, "us": 2.0, "gwf": 1.0}
TABLE_TOL_M3 = {"cms": 5.5, "us": 1.0, "gwf": 5.5}
#: SWMM's binary output keeps 4-byte floats; relative to the largest value
SERIES_TOL_REL = 1e-3
_GW_TABLE = ("initial_storage", "infiltration", "upper_evaporation", "lower_evaporation",
             "deep_percolation", "lateral_outflow", "final_storage")  # fmt: skip


@pytest.mark.swmm
@pytest.mark.parametrize("case", ["cms", "us", "gwf"])
def test_groundwater_agrees_with_swmm(case):
    ours, ref = run_and_compare(DATA / f"groundwater_{case}.inp")
    for var in ("subcatchment_groundwater_flow", "subcatchment_groundwater_elevation",
                "node_lateral_inflow", "subcatchment_infiltration"):  # fmt: skip
        a, b = xr.align(ours[var], ref[var], join="inner")
        peak = float(np.abs(b).max())
        assert peak > 0.01, var  # there to be checked
        worst = float(np.abs(a - b).max())
        assert worst <= SERIES_TOL_REL * peak, (var, worst, peak)
    flow = ref["subcatchment_groundwater_flow"]
    if case != "us":  # the storage node feeds its aquifer for a while
        assert float(flow.sel(subcatchment="S2").min()) < -0.01
    key = "routing_groundwater_inflow_m3"
    assert ref.attrs[key] > 1000.0
    assert abs(ours.attrs[key] - ref.attrs[key]) <= ROUTING_TOL_M3[case]
    for row in _GW_TABLE:
        key = f"groundwater_{row}_m3"
        assert abs(ours.attrs[key] - ref.attrs[key]) <= TABLE_TOL_M3[case], key
    assert ref.attrs["groundwater_lower_evaporation_m3"] > 50.0  # the lower zone's ET acts
    if case == "gwf":  # the DEEP expression replaced the Seep term (1086 m3 without it)
        assert ref.attrs["groundwater_deep_percolation_m3"] > 1300.0
    err = ours.attrs["groundwater_continuity_error_percent"]
    assert abs(err - ref.attrs["groundwater_continuity_error_percent"]) <= 0.001
    # SWMM prints 3 decimals; within 0.01 point as the RDII tests ask
    for k in ("flow_routing_continuity_error_percent", "runoff_continuity_error_percent"):
        assert abs(ours.attrs[k] - ref.attrs[k]) <= 0.01, k


def test_infiltration_is_limited_by_the_upper_zone():
    """The shallow aquifer fills: less infiltrates than without it (SWMM: 11.87 mm)."""
    net = twin.load_network(DATA / "groundwater_us.inp")
    with_gw = twin.simulate(net)["subcatchment_total_infiltration"].values
    net.options["IGNORE_GROUNDWATER"] = "YES"
    sim = twin.Simulation(net)
    assert sim.runoff.groundwater is None
    without = sim.run()
    assert "subcatchment_groundwater_flow" not in without
    assert "routing_groundwater_inflow_m3" not in without.attrs
    assert with_gw[0] < 0.8 * float(without["subcatchment_total_infiltration"][0])
    assert with_gw[1] == pytest.approx(float(without["subcatchment_total_infiltration"][1]))


def test_hot_start_and_batch_carry_groundwater(tmp_path):
    """A state saved mid-run continues bit for bit (the aquifers' state and totals are
    state), and a batch member with groundwater equals the member run alone."""
    from tests.engine.routing_harness import assert_results_identical
    from twin.engine.batch import MemberBatch

    net = twin.load_network(DATA / "groundwater_cms.inp")
    plain = twin.Simulation(net, end_hours=8.0).run()
    assert abs(plain.attrs["routing_groundwater_inflow_m3"]) > 100.0
    sim = twin.Simulation(net, end_hours=8.0)
    sim.advance_to("2020-05-30T03:00")
    path = sim.save_state(tmp_path / "state.npz")
    resumed = twin.Simulation.from_state(path, net, end_hours=8.0)
    xr.testing.assert_identical(resumed.run(), plain)
    [(status, _, ds)] = MemberBatch([(net, {"end_hours": 8.0})], threads=1).run()
    assert status == 0
    assert_results_identical(ds, plain)


_SUMMARY_KEYS = (
    "infiltration", "evaporation", "deep_percolation", "lateral_outflow", "max_flow",
    "avg_moisture", "avg_table", "final_moisture", "final_table",
)  # fmt: skip


@pytest.mark.swmm
@pytest.mark.parametrize("case", ["cms", "us"])
def test_groundwater_summary_matches_swmms_table(case, tmp_path):
    """Every number of SWMM's "Groundwater Summary" (printed to 0.01 in its units)."""
    from twin.validation.swmm_run import run_swmm

    path = DATA / f"groundwater_{case}.inp"
    run_swmm(path, workdir=tmp_path, keep_files=True)
    text = (tmp_path / f"{path.stem}.rpt").read_text()
    part = text[text.index("Groundwater Summary") :]
    part = part[: part.index("Node Depth Summary")]
    ours = twin.simulate(twin.load_network(path))
    us = case == "us"
    # SWMM's units -> ours: in -> mm, cfs -> m3/s, ft -> m (moistures unchanged)
    factors = (25.4,) * 4 + (0.028316846592,) + (1.0, 0.3048, 1.0, 0.3048) if us else (1.0,) * 9
    rows = 0
    for line in part.splitlines():
        toks = line.split()
        if len(toks) != 10 or toks[0] not in ours["subcatchment"].values:
            continue
        rows += 1
        for key, value, f in zip(_SUMMARY_KEYS, toks[1:], factors, strict=True):
            got = float(ours[f"subcatchment_groundwater_{key}"].sel(subcatchment=toks[0])) / f
            assert abs(got - float(value)) <= 0.0051, (toks[0], key, got, value)
    assert rows == (3 if us else 2)


def test_lockstep_members_with_groundwater_are_their_own_runs():
    """Members stepped together (fixed step) read their own nodes' state: bit-identical."""
    from tests.engine.routing_harness import assert_results_identical
    from twin.engine.lockstep import LockstepBatch
    from twin.scenarios.modify import copy_network, scale_rainfall

    net = twin.load_network(DATA / "groundwater_us.inp")
    kw = {"end_hours": 6.0, "variable_step": 0.0}
    setups = [(net, kw), (scale_rainfall(copy_network(net), 1.5), kw)]
    results = LockstepBatch(setups).run()
    for (n, k), (status, _, ds) in zip(setups, results, strict=True):
        assert status == 0
        assert_results_identical(ds, twin.Simulation(n, **k).run())
