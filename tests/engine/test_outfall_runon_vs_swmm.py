"""An outfall whose outflow falls on a subcatchment ([OUTFALLS] RouteTo), against SWMM 5.2.

SWMM keeps the volume an outfall receives during the routing steps and puts it on the
subcatchment as runon over the next runoff step (routing.c ``removeOutflows``, runoff.c
``runoff_getOutfallRunon``).  It was read but never applied: the subcatchment's runoff was
a tenth of SWMM's.  Two cases: the subcatchment drains to a second outfall, and it drains
back into the network (a loop through the surface).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import twin
from tests.agreement import assert_agrees
from twin.validation.swmm_run import run_swmm

#: the runoff agreement of tests/engine/test_runoff_vs_swmm.py, one place per test module
MIN_NSE_RUNOFF = 0.99
MAX_CONTINUITY_DIFF_PCT = 0.1

NETWORK = """[TITLE]
outfall routed onto a subcatchment
[OPTIONS]
FLOW_UNITS CMS
INFILTRATION HORTON
FLOW_ROUTING DYNWAVE
START_DATE 01/01/2020
START_TIME 00:00:00
END_DATE 01/01/2020
END_TIME 03:00:00
REPORT_STEP 00:01:00
WET_STEP 00:05:00
DRY_STEP 00:05:00
ROUTING_STEP 20
[RAINGAGES]
G1 INTENSITY 0:05 1.0 TIMESERIES TS1
[SUBCATCHMENTS]
S1 G1 J1 2 60 200 1 0
S2 G1 J2 3 40 250 1 0
S3 G1 S1 4 30 300 1 0
S6 G1 DRAIN 4 20 300 1 0
[SUBAREAS]
S1 0.013 0.1 2 5 25 PERVIOUS 60
S2 0.013 0.1 2 5 25 IMPERVIOUS 80
S3 0.013 0.1 2 5 25 OUTLET
S6 0.013 0.1 2 5 25 PERVIOUS 50
[INFILTRATION]
S1 50 5 4 7 0
S2 50 5 4 7 0
S3 50 5 4 7 0
S6 50 5 4 7 0
[JUNCTIONS]
J1 10 3 0 0 0
J2 9.5 3 0 0 0
J3 9.0 3 0 0 0
[OUTFALLS]
O1 8.5 FREE NO S6
O2 5.0 FREE NO
[CONDUITS]
C1 J1 J2 100 0.013 0 0 0 0
C2 J2 J3 100 0.013 0 0 0 0
C3 J3 O1 100 0.013 0 0 0 0
[XSECTIONS]
C1 CIRCULAR 0.6 0 0 0 1
C2 CIRCULAR 0.8 0 0 0 1
C3 CIRCULAR 0.8 0 0 0 1
[TIMESERIES]
TS1 0:00 0
TS1 0:30 40
TS1 1:00 80
TS1 1:07 10
TS1 1:12 90
TS1 1:30 20
TS1 2:00 0
"""


def nse(sim, obs):
    return 1.0 - np.sum((sim - obs) ** 2) / np.sum((obs - obs.mean()) ** 2)


@pytest.mark.swmm
@pytest.mark.parametrize("drain", ["O2", "J2"], ids=["to_another_outfall", "back_into_network"])
def test_outfall_runon_agrees_with_swmm(tmp_path, drain):
    inp = tmp_path / f"runon_{drain}.inp"
    inp.write_text(NETWORK.replace("DRAIN", drain))
    ours, ref = twin.simulate(twin.load_network(inp)), run_swmm(inp)
    a, b = xr.align(ours["subcatchment_runoff"], ref["subcatchment_runoff"], join="inner")
    alone = tmp_path / "alone.inp"  # the same without RouteTo, in SWMM
    alone.write_text(inp.read_text().replace("O1 8.5 FREE NO S6", "O1 8.5 FREE NO"))
    s6_alone = run_swmm(alone)["subcatchment_runoff"].sel(subcatchment="S6").values
    s6_ref = b.sel(subcatchment="S6").values
    assert s6_ref.sum() > 2.0 * s6_alone.sum()  # most of S6's runoff is the outfall's water
    for name in a.subcatchment.values:
        x, y = a.sel(subcatchment=name).values, b.sel(subcatchment=name).values
        assert nse(x, y) >= MIN_NSE_RUNOFF, name
    runoff_c = ours.attrs["runoff_continuity_error_percent"]
    assert abs(runoff_c - ref.attrs["runoff_continuity_error_percent"]) <= MAX_CONTINUITY_DIFF_PCT
    assert_agrees(ours, ref)
