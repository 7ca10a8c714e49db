"""Conduit evaporation (open sections) and seepage ([LOSSES]) against SWMM 5.2.

SWMM's ``conduit_getLossRate``: evaporation from the water surface of open conduits at
the climate rate, seepage over the bed width (a closed rectangle's full width, else the
width at the depth, up to the depth of the largest width), both at the mean of the
step's old and newest depth, together at most the conduit's volume over the step; they
enter the momentum equation (``dq6``) and leave through the end nodes, half each (all
through the one that is not an outfall).  Open channels (trapezoidal, rectangular,
triangular) and closed pipes (circular, closed rectangle), with and without seepage,
under 200 mm/day of evaporation: every node and link compared with SWMM, and the
continuity report's "Evaporation Loss" and "Exfiltration Loss".
"""

from __future__ import annotations

import pytest

import twin
from tests.agreement import run_and_compare
from twin.engine.options import SimOptions
from twin.engine.routing import Router
from twin.errors import TwinError

#: SWMM prints its loss volumes to 0.001 10^6 ltr = 1 m3
MAX_LOSS_DIFF_M3 = 1.0
LOSSES = ("routing_seepage_m3", "routing_evaporation_m3")

NETWORK = """
[TITLE]
conduit evaporation and seepage
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
CONSTANT 200.0
[JUNCTIONS]
J1 10 3 0 0 0
J2 9.8 3 0 0 0
J3 9.6 3 0 0 0
K1 10 3 0 0 0
K2 9.9 3 0 0 0
[OUTFALLS]
O1 9 FREE NO
O2 9 FREE NO
[CONDUITS]
C1 J1 J2 400 0.03 0 0 0 0
C2 J2 J3 400 0.03 0 0 0 0
C3 J3 O1 400 0.03 0 0 0 0
P1 K1 K2 300 0.013 0 0 0 0
P2 K2 O2 300 0.013 0 0 0 0
[XSECTIONS]
C1 TRAPEZOIDAL 1.5 2 1 1 1
C2 RECT_OPEN 1.5 3 0 0 1
C3 TRIANGULAR 1.5 4 0 0 1
P1 CIRCULAR 0.6 0 0 0 1
P2 RECT_CLOSED 0.6 0.8 0 0 1
[LOSSES]
C2 0 0 0 NO 20
P1 0 0 0 NO 30
P2 0 0 0 NO 10
[INFLOWS]
J1 FLOW HYD
K1 FLOW HYD2
[TIMESERIES]
HYD 0:00 0.01
HYD 1:00 0.4
HYD 3:00 0.4
HYD 4:00 0.01
HYD 24:00 0.01
HYD2 0:00 0.005
HYD2 1:00 0.1
HYD2 3:00 0.1
HYD2 4:00 0.005
HYD2 24:00 0.005
"""


@pytest.mark.swmm
def test_conduit_losses_agree_with_swmm(tmp_path):
    _, ref = run_and_compare(tmp_path / "conduit_losses.inp", NETWORK, volumes=LOSSES,
                             tol_m3=MAX_LOSS_DIFF_M3)  # fmt: skip
    assert ref.attrs["routing_evaporation_m3"] > 300.0  # the losses are there to be checked
    assert ref.attrs["routing_seepage_m3"] > 500.0


def test_closed_pipes_without_seepage_take_no_conduit_losses(tmp_path):
    """Evaporation alone does not touch a network of closed pipes: the step is the old one."""
    inp = tmp_path / "pipes.inp"
    text = NETWORK.replace("TRAPEZOIDAL 1.5 2 1 1 1", "CIRCULAR 1.5 0 0 0 1")
    text = text.replace("RECT_OPEN 1.5 3 0 0 1", "CIRCULAR 1.5 0 0 0 1")
    text = text.replace("TRIANGULAR 1.5 4 0 0 1", "CIRCULAR 1.5 0 0 0 1")
    inp.write_text(text.split("[LOSSES]")[0] + "[INFLOWS]" + text.split("[INFLOWS]")[1])
    net = twin.load_network(inp)
    router = Router(net, SimOptions.from_network(net))
    assert not router.options.conduit_losses and router.losses is None
    seeping = tmp_path / "seeping.inp"
    seeping.write_text(NETWORK)
    net = twin.load_network(seeping)
    assert Router(net, SimOptions.from_network(net)).options.conduit_losses


@pytest.mark.swmm
@pytest.mark.parametrize("routing", ["KINWAVE", "STEADY"])
def test_conduit_losses_agree_with_swmm_under_kinematic_wave_and_steady_flow(tmp_path, routing):
    """Kinematic wave takes the losses out along the conduit (SWMM's q3 in its
    continuity equation), steady flow off the conduit's flow; both at most the flow."""
    text = NETWORK.replace("FLOW_ROUTING DYNWAVE", f"FLOW_ROUTING {routing}")
    ours, ref = run_and_compare(tmp_path / f"{routing.lower()}.inp", text, volumes=LOSSES,
                                tol_m3=MAX_LOSS_DIFF_M3)  # fmt: skip
    assert ref.attrs["routing_evaporation_m3"] > 100.0  # the losses are there to be checked
    assert ref.attrs["routing_seepage_m3"] > 300.0


def test_newton_solver_refuses_conduit_losses(tmp_path):
    """solver='newton' has no conduit evaporation or seepage: it says so, naming one."""
    inp = tmp_path / "conduit_losses.inp"
    inp.write_text(NETWORK)
    net = twin.load_network(inp)
    with pytest.raises(TwinError, match=r"solver='newton' does not route seepage .* C2"):
        Router(net, SimOptions.from_network(net, solver="newton"))
    inp.write_text(NETWORK.split("[LOSSES]")[0] + "[INFLOWS]" + NETWORK.split("[INFLOWS]")[1])
    net = twin.load_network(inp)
    with pytest.raises(TwinError, match=r"evaporation from open conduits"):
        Router(net, SimOptions.from_network(net, solver="newton"))
