"""LIDs with [ADJUSTMENTS] and with groundwater, against EPA SWMM 5.2.

Two hand-made networks (``tests/engine/data``):

- ``lids_adjust.inp``: US, from June 30th 12:00 into July 1st, a storm on each side of
  midnight; CONDUCTIVITY 0.3 (June) and 3 (July).  SWMM's Green-Ampt routine reads one
  shared factor (``InfilFactor``, set for the subcatchment before its LIDs run), so a
  bio-retention cell's and a green roof's soils take it, and a swale on a Green-Ampt
  subcatchment takes that subcatchment's INFIL pattern (2, then 0.5); a trench covering a
  whole Horton lot infiltrates at the native soil's adjusted rate; the pavement's and the
  storage layers' conductivities stay as written; N-PERV and DSTORE patterns act on the
  pervious subarea beside a pavement.  Without the factor on the LID soils S1's runoff is
  29 % of its peak off SWMM's.
- ``lids_groundwater.inp``: US, Green-Ampt; a trench over a shallow aquifer whose upper
  zone limits its exfiltration, a bio-retention cell on a fully impervious lot (its aquifer
  fed by the LID alone), rain barrels (not pervious: their evaporation is not the
  aquifer's) and a permeable pavement over a deeper aquifer.  SWMM hands the aquifer the
  LIDs' infiltration, the pervious LIDs' evaporation, and counts the pervious LID area in
  the subcatchment's pervious fraction (``subcatch_getFracPerv``); without that the
  aquifers take 559 m3 instead of SWMM's 593.

Compared: every node's depth and link's flow (the project's agreement check), every
subcatchment's runoff and infiltration series, the LID Performance Summary (to SWMM's
printed 0.01 in), and for the aquifers their flow and table series and the Groundwater
Continuity volumes (to SWMM's printed 0.001 acre-ft).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from tests.agreement import run_and_compare

DATA = Path(__file__).parent / "data"
#: SWMM's binary output keeps 4-byte floats; relative to the largest value
SERIES_TOL_REL = 1e-3
#: SWMM prints the LID summary to 0.01 in (0.254 mm): half of that, and ours
PERF_TOL_MM = 0.15
#: the groundwater continuity is printed to 0.001 acre-ft (1.23 m3)
TABLE_TOL_M3 = 1.0
_PERF = ("total_inflow", "evaporation", "infiltration", "surface_outflow", "drain_outflow",
         "initial_storage", "final_storage")  # fmt: skip
_GW_TABLE = ("initial_storage", "infiltration", "upper_evaporation", "lower_evaporation",
             "deep_percolation", "lateral_outflow", "final_storage")  # fmt: skip


@pytest.fixture(scope="module", params=["adjust", "groundwater"])
def runs(request):
    ours, ref = run_and_compare(DATA / f"lids_{request.param}.inp")
    return request.param, ours, ref


def _series_agree(ours, ref, variables, min_peak):
    for var in variables:
        a, b = xr.align(ours[var], ref[var], join="inner")
        peak = float(np.abs(b).max())
        assert peak > min_peak, var  # there to be checked
        worst = float(np.abs(a - b).max())
        assert worst <= SERIES_TOL_REL * peak, (var, worst, peak)


@pytest.mark.swmm
def test_subcatchments_and_lid_units_agree(runs):
    case, ours, ref = runs
    _series_agree(ours, ref, ("subcatchment_runoff", "subcatchment_infiltration"), 0.001)
    assert list(ours.lid_subcatchment.values) == list(ref.lid_subcatchment.values)
    for key in _PERF:
        a, b = ours[f"lid_{key}"].values, ref[f"lid_{key}"].values
        assert np.abs(a - b).max() <= PERF_TOL_MM, (key, a, b)
    assert (ref.lid_infiltration.values[:3] > 40.0).all()  # the soils / native soil act
    for k in ("flow_routing_continuity_error_percent", "runoff_continuity_error_percent"):
        assert abs(ours.attrs[k] - ref.attrs[k]) <= 0.01, (k, ours.attrs[k], ref.attrs[k])
    assert abs(ours.attrs["runoff_lid_drains_m3"] - ref.attrs["runoff_lid_drains_m3"]) <= 0.7


@pytest.mark.swmm
def test_aquifers_under_lids_agree(runs):
    case, ours, ref = runs
    if case != "groundwater":
        pytest.skip("no aquifer in this network")
    _series_agree(ours, ref, ("subcatchment_groundwater_flow", "node_lateral_inflow"), 0.005)
    _series_agree(ours, ref, ("subcatchment_groundwater_elevation",), 1.0)
    for row in _GW_TABLE:
        key = f"groundwater_{row}_m3"
        assert abs(ours.attrs[key] - ref.attrs[key]) <= TABLE_TOL_M3, (key, ours.attrs[key],
                                                                       ref.attrs[key])  # fmt: skip
    assert ref.attrs["groundwater_infiltration_m3"] > 500.0
    # the fully impervious lot's aquifer rises on what its bio-retention cell lets through
    table = ref["subcatchment_groundwater_elevation"].sel(subcatchment="S2")
    assert float(table.max() - table.isel(time=0)) > 0.01
    err = ours.attrs["groundwater_continuity_error_percent"]
    assert abs(err - ref.attrs["groundwater_continuity_error_percent"]) <= 0.001
