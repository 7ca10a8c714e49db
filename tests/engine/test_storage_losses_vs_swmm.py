"""Storage-unit seepage and evaporation ([STORAGE] seepage and evaporation factor) against
SWMM 5.2.

Three storage units, each fed through a pipe and emptied through a raised outlet pipe,
so water stands in them between two inflow events: a FUNCTIONAL unit with a constant
seepage rate, a TABULAR unit whose area grows to a flat top (bottom, banks, and above
the banks) with Green-Ampt seepage, and a PYRAMIDAL unit with Green-Ampt seepage (its
bottom area SWMM 5.2.4 takes in the file's units).  The second case adds climate
evaporation with an evaporation factor on each unit.  Every node and link is compared
with SWMM, the units' depths at the end (what the losses alone drew down over twenty
hours), and the continuity report's "Evaporation Loss" and "Exfiltration Loss".
"""

from __future__ import annotations

import pytest
import xarray as xr

import twin
from tests.agreement import run_and_compare
from twin.engine.options import SimOptions
from twin.engine.routing import Router

#: SWMM prints its loss volumes to 0.001 10^6 ltr = 1 m3
MAX_LOSS_DIFF_M3 = 1.0
LOSSES = ("routing_seepage_m3", "routing_evaporation_m3")
MAX_END_DEPTH_DIFF_M = 1.0e-3

NETWORK = """[TITLE]
storage seepage: constant rate and Green-Ampt, bottom and banks
[OPTIONS]
FLOW_UNITS CMS
FLOW_ROUTING DYNWAVE
START_DATE 07/01/2020
START_TIME 00:00:00
END_DATE 07/02/2020
END_TIME 00:00:00
REPORT_STEP 00:05:00
ROUTING_STEP 10
[EVAPORATION]
CONSTANT 0.0
[JUNCTIONS]
J1 10 3 0 0 0
J2 10 3 0 0 0
J3 10 3 0 0 0
[OUTFALLS]
O1 0 FREE NO
O2 0 FREE NO
O3 0 FREE NO
[STORAGE]
SU1 8 4 0.5 FUNCTIONAL 0 0 400 0 0 25
SU2 8 4 0 TABULAR BASIN 0 0 40 8 0.3
SU3 8 4 0 PYRAMIDAL 20 15 2 0 0 60 6 0.25
[CONDUITS]
C1 J1 SU1 50 0.013 0 0 0 0
C2 J2 SU2 50 0.013 0 0 0 0
C3 J3 SU3 50 0.013 0 0 0 0
C4 SU1 O1 100 0.013 1.5 0 0 0
C5 SU2 O2 100 0.013 1.5 0 0 0
C6 SU3 O3 100 0.013 1.5 0 0 0
[XSECTIONS]
C1 CIRCULAR 0.5 0 0 0 1
C2 CIRCULAR 0.5 0 0 0 1
C3 CIRCULAR 0.5 0 0 0 1
C4 CIRCULAR 0.3 0 0 0 1
C5 CIRCULAR 0.3 0 0 0 1
C6 CIRCULAR 0.3 0 0 0 1
[CURVES]
BASIN Storage 0 300
BASIN 1 300
BASIN 2 600
BASIN 3 900
BASIN 4 900
[INFLOWS]
J1 FLOW HYD
J2 FLOW HYD
J3 FLOW HYD
[TIMESERIES]
HYD 0:00 0
HYD 1:00 0.3
HYD 3:00 0.3
HYD 4:00 0
HYD 12:00 0
HYD 13:00 0.2
HYD 14:00 0
"""

#: the same units evaporating (factors 1, 0.5, 0.8) under 40 mm/day; SU2 without seepage
EVAPORATING = {
    "CONSTANT 0.0": "CONSTANT 40.0",
    "FUNCTIONAL 0 0 400 0 0 25": "FUNCTIONAL 0 0 400 0 1.0 25",
    "TABULAR BASIN 0 0 40 8 0.3": "TABULAR BASIN 0 0.5",
    "PYRAMIDAL 20 15 2 0 0 60 6 0.25": "PYRAMIDAL 20 15 2 0 0.8 60 6 0.25",
}


#: [ADJUSTMENTS] CONDUCTIVITY of July (the run's month) on the units' seepage and on
#: the seepage of the inflow pipes ([LOSSES], 400 mm/h over their beds)
CONDUCTIVITY = """[ADJUSTMENTS]
CONDUCTIVITY 1 1 1 1 1 1 {july} 1 1 1 1 1
[LOSSES]
C1 0 0 0 NO 400
C2 0 0 0 NO 400
C3 0 0 0 NO 400
"""


def _network(case: str, july: float = 0.4) -> str:
    text = NETWORK
    if case == "evaporation":
        for old, new in EVAPORATING.items():
            text = text.replace(old, new)
    if case == "conductivity":
        text = text.replace("[INFLOWS]", CONDUCTIVITY.format(july=july) + "[INFLOWS]")
    return text


@pytest.mark.swmm
@pytest.mark.parametrize("case", ["seepage", "evaporation"])
def test_storage_losses_agree_with_swmm(tmp_path, case):
    ours, ref = run_and_compare(tmp_path / f"storage_{case}.inp", _network(case),
                                volumes=LOSSES, tol_m3=MAX_LOSS_DIFF_M3)  # fmt: skip
    assert ref.attrs["routing_seepage_m3"] > 300.0  # the losses are there to be checked
    if case == "evaporation":
        assert ref.attrs["routing_evaporation_m3"] > 30.0
    a, b = xr.align(ours["node_depth"], ref["node_depth"], join="inner")
    for name in ("SU1", "SU2", "SU3"):
        end_ours, end_ref = float(a.sel(node=name)[-1]), float(b.sel(node=name)[-1])
        assert abs(end_ours - end_ref) <= MAX_END_DEPTH_DIFF_M, name
        assert end_ref < 1.5  # drawn down below the outlet pipe by the losses


@pytest.mark.swmm
def test_conductivity_adjustment_scales_storage_and_conduit_seepage_as_swmm(tmp_path):
    """SWMM multiplies a constant seepage rate by the month's CONDUCTIVITY factor, and
    Green-Ampt's conductivity (its upper zone by the factor's square root); the conduits'
    [LOSSES] seepage too."""
    ours, ref = run_and_compare(tmp_path / "conductivity.inp", _network("conductivity"),
                                volumes=LOSSES, tol_m3=MAX_LOSS_DIFF_M3)  # fmt: skip
    plain = twin.simulate(_write(tmp_path / "plain.inp", _network("conductivity", july=1.0)))
    # the factor matters: the seepage without it is far from SWMM's
    assert plain.attrs["routing_seepage_m3"] - ref.attrs["routing_seepage_m3"] > 50.0
    a, b = xr.align(ours["node_depth"], ref["node_depth"], join="inner")
    for name in ("SU1", "SU2", "SU3"):
        assert abs(float(a.sel(node=name)[-1]) - float(b.sel(node=name)[-1])) <= 1e-3, name


def _write(path, text):
    path.write_text(text)
    return path


def test_storage_losses_cost_nothing_without_them(tmp_path):
    """A network whose storage units neither seep nor evaporate routes as before."""
    text = NETWORK.replace("0 0 400 0 0 25", "0 0 400 0 0").replace("0 0 40 8 0.3", "0 0")
    inp = _write(tmp_path / "plain.inp", text.replace("2 0 0 60 6 0.25", "2 0 0"))
    net = twin.load_network(inp)
    assert Router(net, SimOptions.from_network(net)).losses is None
    seeping = twin.load_network(_write(tmp_path / "seeping.inp", NETWORK))
    assert Router(seeping, SimOptions.from_network(seeping)).losses.n == 3


@pytest.mark.swmm
def test_newton_solver_takes_storage_losses(tmp_path):
    """The Newton solver's node balance starts from the storage units' losses too."""
    run_and_compare(tmp_path / "newton.inp", _network("evaporation"), volumes=LOSSES,
                    tol_m3=MAX_LOSS_DIFF_M3, solver="newton")  # fmt: skip
