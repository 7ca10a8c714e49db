"""``solver="newton"``'s matched accuracy (issue 16): as close to SWMM at an 8x shorter
step as EPA SWMM at the file's step is, on a small branched network with a storm
hydrograph, a drop manhole and a near-dry recession (two inflow hydrographs over a
baseflow of 0.02 L/s)."""

import pytest

import twin
from twin.validation import run_swmm
from twin.validation.matched import accuracy_against, converged_reference, matched_accuracy

pytestmark = pytest.mark.swmm

NETWORK = """[OPTIONS]
FLOW_UNITS  CMS
FLOW_ROUTING  DYNWAVE
LINK_OFFSETS  DEPTH
START_DATE  07/15/2024
START_TIME  00:00:00
REPORT_START_DATE  07/15/2024
REPORT_START_TIME  00:00:00
END_DATE  07/15/2024
END_TIME  03:00:00
REPORT_STEP  00:01:00
ROUTING_STEP  5
INERTIAL_DAMPING  PARTIAL
NORMAL_FLOW_LIMITED  BOTH
VARIABLE_STEP  0.75
MIN_SURFAREA  0
HEAD_TOLERANCE  0.0015
MINIMUM_STEP  0.5

[JUNCTIONS]
J0  18.20  1.800  0  0  0
J1  17.449  1.800  0  0  0
J2  16.622  2.200  0  0  0
J3  16.40  2.200  0  0  0

[OUTFALLS]
OUT  16.0  FREE  NO

[CONDUITS]
C0  J0  J1  70  0.013  0  0  0  0
C1  J1  J2  61.756  0.013  0  0.4  0  0
C2  J2  J3  50  0.013  0  0  0  0
C3  J3  OUT  50  0.013  0  0  0  0

[XSECTIONS]
C0  CIRCULAR  0.4  0  0  0  1
C1  CIRCULAR  0.6  0  0  0  1
C2  CIRCULAR  0.8  0  0  0  1
C3  CIRCULAR  0.8  0  0  0  1

[INFLOWS]
J0  FLOW  H0  FLOW  1.0  1.0  0.00002
J2  FLOW  H2  FLOW  1.0  1.0  0.00001

[TIMESERIES]
H0  0:00  0
H0  0:20  0.15
H0  0:40  0.05
H0  1:20  0.002
H0  2:00  0
H2  0:00  0
H2  0:30  0.3
H2  1:00  0.05
H2  1:40  0

[COORDINATES]
J0 -70 0
J1 0 0
J2 60 0
J3 110 0
OUT 160 0
"""

#: The head tolerance [m] of the step controller at which the match is claimed.
TOLERANCE_M = 0.0003


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    path = tmp_path_factory.mktemp("matched") / "branch.inp"
    path.write_text(NETWORK)
    newton = twin.simulate(path, solver="newton", newton_tolerance_m=TOLERANCE_M)
    return converged_reference(path), run_swmm(path), newton


def test_newton_meets_matched_accuracy_with_fewer_steps(runs):
    ref, swmm, newton = runs
    theirs = accuracy_against(swmm, ref)
    ours = accuracy_against(newton, ref)
    assert matched_accuracy(ours, theirs), (ours, theirs)
    assert newton.attrs["routing_steps"] < 3 * 3600 / 5 / 2  # SWMM takes 2160 steps


def test_newton_drains_a_near_dry_manhole_as_swmm_does(runs):
    """Baseflow 0.02 L/s out of J1 over a 0.4 m drop: EPA SWMM holds 3.2 mm (its
    hydraulic radius tables start at 0.01 of the full radius); without that floor the
    friction of the near-empty pipe holds 5.1 mm."""
    ref, swmm, newton = runs
    theirs = float(swmm.node_depth.sel(node="J1")[-1])
    ours = float(newton.node_depth.sel(node="J1")[-1])
    assert 0.002 < theirs < 0.0045
    assert abs(ours - theirs) < 0.0001, (ours, theirs)


def test_reports_shorter_than_a_newton_step_are_all_sampled(tmp_path):
    path = tmp_path / "branch.inp"
    path.write_text(NETWORK)
    every_10s = twin.simulate(path, solver="newton", end_hours=0.5, report_step_s=10.0)
    every_min = twin.simulate(path, solver="newton", end_hours=0.5)
    assert every_10s.attrs["max_step_s"] > 10.0  # steps pass several report times
    assert every_10s.sizes["time"] == 180
    common = every_10s.sel(time=every_min.time)
    assert float(abs(common.node_depth - every_min.node_depth).max()) < 1e-12
    assert float(abs(common.link_flow - every_min.link_flow).max()) < 1e-12
