"""RDII ([HYDROGRAPHS], [RDII]) against EPA SWMM 5.2, element by element.

Two hand-made networks that isolate it (``tests/engine/data``):

- ``rdii_cms.inp``: no subcatchments (the gauge is used by the unit hydrographs alone),
  two unit hydrograph sets (one for ALL months, one for JUL with initial abstraction) on
  three nodes, two storms nine hours apart (the slow set's long-term hydrograph is still
  running when the second one falls);
- ``rdii_us.inp``: US units, a subcatchment on the same gauge, a start at 06:30 on June
  30th so that the run crosses into July (JUN and JUL parameters, the older one-line
  form for JUL), a short-term hydrograph whose rising limb (180 s) is shorter than the
  wet step (300 s), so that the rain interval does not divide the RDII step.

Compared: every node's depth and lateral inflow and every link's flow (the project's
agreement check), the continuity report's "RDII Inflow" and the "Rainfall Dependent
I/I" table (to SWMM's printed precision).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import twin
from tests.agreement import run_and_compare
from twin.validation.swmm_run import run_swmm

DATA = Path(__file__).parent / "data"
#: SWMM prints the continuity volumes to 0.001 10^6 ltr (1 m3) or 10^6 gal (3.8 m3), and
#: its "Rainfall Dependent I/I" table to 0.001 hectare-m (10 m3) or acre-feet (1.2 m3):
#: half of that, plus our rounding
ROUTING_TOL_M3 = {"rdii_cms": 1.0, "rdii_us": 2.0}
TABLE_TOL_M3 = {"rdii_cms": 5.5, "rdii_us": 1.0}
#: node lateral inflows: SWMM's binary output keeps 4-byte floats
LATERAL_TOL_REL = 1e-3


@pytest.mark.swmm
@pytest.mark.parametrize("case", ["rdii_cms", "rdii_us"])
def test_rdii_agrees_with_swmm(case):
    ours, ref = run_and_compare(DATA / f"{case}.inp")
    a, b = xr.align(ours["node_lateral_inflow"], ref["node_lateral_inflow"], join="inner")
    peak = float(np.abs(b).max())
    assert peak > 0.01  # m3/s: the inflow is there to be checked
    worst = float(np.abs(a - b).max())
    assert worst <= LATERAL_TOL_REL * peak, (worst, peak)
    tolerances = {
        "routing_rdii_inflow_m3": ROUTING_TOL_M3[case],
        "rdii_produced_m3": TABLE_TOL_M3[case],
        "rdii_rainfall_m3": TABLE_TOL_M3[case],
    }
    for key, tol in tolerances.items():
        assert ref.attrs[key] > 1000.0, key  # the volumes are there to be checked
        assert abs(ours.attrs[key] - ref.attrs[key]) <= tol, key
    err_ours = ours.attrs["flow_routing_continuity_error_percent"]
    assert abs(err_ours - ref.attrs["flow_routing_continuity_error_percent"]) <= 0.01


@pytest.mark.swmm
def test_ignore_rdii_leaves_it_out_as_swmm_does(tmp_path):
    text = (DATA / "rdii_cms.inp").read_text()
    inp = tmp_path / "ignored.inp"
    inp.write_text(text.replace("ROUTING_STEP 10", "ROUTING_STEP 10\nIGNORE_RDII YES"))
    sim = twin.Simulation(twin.load_network(inp))
    assert sim.rdii is None
    ours, ref = sim.run(), run_swmm(inp, workdir=tmp_path)
    assert "routing_rdii_inflow_m3" not in ours.attrs
    assert float(ref["link_flow"].max()) < 1e-6 and float(ours["link_flow"].max()) < 1e-6


def test_rdii_inflow_is_held_over_each_rdii_step():
    """The inflow read at a routing step's start is the one of the RDII step that holds
    it, SWMM's clock 1 ms ahead: a step starting on an RDII step's boundary takes the
    new value."""
    sim = twin.Simulation(twin.load_network(DATA / "rdii_cms.inp"))
    rdii = sim.rdii
    assert rdii.step_s == 300 and list(rdii.node) == [0, 2, 3]  # J1, J3, K1 in node order
    k = int(np.argmax(rdii.flow_cfs[:, 0]))
    out = np.zeros(sim.net.n_nodes)
    rdii.node_cfs(k * 300.0, out)
    assert out[0] == rdii.flow_cfs[k, 0]
    out[:] = 0.0
    rdii.node_cfs(k * 300.0 - 0.01, out)
    assert out[0] == rdii.flow_cfs[k - 1, 0]
    # before the first rain nothing flows; flows below SWMM's ZERO_RDII are zero
    assert not rdii.flow_cfs[:12].any()
    assert ((rdii.flow_cfs == 0.0) | (rdii.flow_cfs >= 1e-4)).all()


def test_hot_start_and_batch_carry_rdii(tmp_path):
    """A state saved mid-storm continues bit for bit (the RDII series and its volume
    are state), and a batch member with RDII equals the member run alone."""
    from tests.engine.routing_harness import assert_results_identical
    from twin.engine.batch import MemberBatch

    net = twin.load_network(DATA / "rdii_cms.inp")
    plain = twin.Simulation(net, end_hours=6.0).run()
    assert plain.attrs["routing_rdii_inflow_m3"] > 100.0
    sim = twin.Simulation(net, end_hours=6.0)
    sim.advance_to("2020-07-01T02:00")
    path = sim.save_state(tmp_path / "state.npz")
    resumed = twin.Simulation.from_state(path, net, end_hours=6.0)
    xr.testing.assert_identical(resumed.run(), plain)
    [(status, _, ds)] = MemberBatch([(net, {"end_hours": 6.0})], threads=1).run()
    assert status == 0
    assert_results_identical(ds, plain)
