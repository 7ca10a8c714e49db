"""DUMMY conduits under kinematic wave and steady flow against SWMM 5.2.

A DUMMY conduit carries what enters it and holds no water, yet SWMM's
``setNewLinkState`` still raises its end nodes to the link's offsets (its depth there
is zero): a junction that a DUMMY link enters 0.7 m above the invert reports 0.7 m
while dry.  NCIMM's public ``extran1_dummy`` model showed it (one node at 0.67 m in
SWMM, dry in the twin).  Here: a DUMMY link with an outlet offset feeding a pipe, and
one with an inlet offset leaving a junction, every node and link compared with SWMM.
"""

from __future__ import annotations

import pytest
import xarray as xr

from tests.agreement import run_and_compare

NETWORK = """[TITLE]
dummy links with offsets
[OPTIONS]
FLOW_UNITS CMS
FLOW_ROUTING {routing}
LINK_OFFSETS DEPTH
START_DATE 01/01/2020
START_TIME 00:00:00
END_DATE 01/01/2020
END_TIME 06:00:00
REPORT_STEP 00:05:00
ROUTING_STEP 20
[JUNCTIONS]
J1 20 3 0 0 0
J2 15 5 0 0 0
J3 14 3 0 0 0
J4 12 3 0 0 0
[OUTFALLS]
O1 10 FREE NO
[CONDUITS]
D1 J1 J2 500 0.015 0 0.7 0 0
C1 J2 J3 300 0.013 0 0 0 0
D2 J3 J4 400 0.015 0.4 0 0 0
C2 J4 O1 300 0.013 0 0 0 0
[XSECTIONS]
D1 DUMMY 0 0 0 0 1
C1 CIRCULAR 0.8 0 0 0 1
D2 DUMMY 0 0 0 0 1
C2 CIRCULAR 0.8 0 0 0 1
[INFLOWS]
J1 FLOW HYD
[TIMESERIES]
HYD 0:00 0
HYD 1:00 0.3
HYD 2:00 0.3
HYD 3:00 0
"""


@pytest.mark.swmm
@pytest.mark.parametrize("routing", ["KINWAVE", "STEADY"])
def test_dummy_links_raise_their_end_nodes_to_their_offsets_as_swmm(tmp_path, routing):
    ours, ref = run_and_compare(tmp_path / "dummy.inp", NETWORK.format(routing=routing))
    a, b = xr.align(ours["node_depth"], ref["node_depth"], join="inner")
    # dry at the start and the end: J2 stands at D1's outlet offset, J3 at D2's inlet's
    for node, offset in (("J2", 0.7), ("J3", 0.4)):
        for k in (0, -1):
            assert float(b.sel(node=node)[k]) == pytest.approx(offset, abs=1e-3), (node, k)
            assert float(a.sel(node=node)[k]) == pytest.approx(offset, abs=1e-3), (node, k)
