"""Structure kernels against the textbook formulas they implement, written out slowly here.

A small network (CFS, one structure per node pair) is packed by the Router; the
tests set node depths by hand and compare the kernel's flow with the orifice,
weir, pump-curve, outlet and divider equations of the SWMM 5.2 reference manual.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.engine.options import SimOptions
from twin.engine.routing import Router
from twin.kernels.routing import constants as R
from twin.kernels.structures.flows import divider_outflow, link_inflow, update_settings
from twin.kernels.structures.pumps import pump_target_setting, table_interval_lookup, table_lookup
from twin.kernels.structures.weirs import roadway_coeff
from twin.networks.model import Network

G = 32.2
INP = """
[OPTIONS]
FLOW_UNITS CFS
FLOW_ROUTING DYNWAVE
ROUTING_STEP 5
START_DATE 01/01/2020
END_DATE 01/01/2020
END_TIME 01:00:00

[JUNCTIONS]
A1 100 20 0 0 0
B1 100 20 0 0 0
A2 100 20 0 0 0
B2 100 20 0 0 0
A3 100 20 0 0 0
B3 100 20 0 0 0
A4 100 20 0 0 0
B4 100 20 0 0 0
A5 100 20 0 0 0
B5 100 20 0 0 0
A6 100 20 0 0 0
B6 100 20 0 0 0
A7 100 20 0 0 0
B7 100 20 0 0 0
A8 100 20 0 0 0
B8 100 20 0 0 0
A9 100 20 0 0 0
B9 100 20 0 0 0

[DIVIDERS]
D1 100 DA CUTOFF 4.0 10 0 0 0
D2 100 DB OVERFLOW 10 0 0 0
D3 100 DC WEIR 1.0 2.0 3.0 10 0 0 0
D4 100 DD TABULAR DCURVE 10 0 0 0

[OUTFALLS]
O1 90 FREE NO
O2 90 FREE NO
O3 90 FREE NO
O4 90 FREE NO
O5 90 FREE NO
O6 90 FREE NO
O7 90 FREE NO
O8 90 FREE NO

[CONDUITS]
DA D1 O1 100 0.013 0 0 0 0
NA D1 O2 100 0.013 0 0 0 0
DB D2 O3 100 0.013 0 0 0 0
NB D2 O4 100 0.013 0 0 0 0
DC D3 O5 100 0.013 0 0 0 0
NC D3 O6 100 0.013 0 0 0 0
DD D4 O7 100 0.013 0 0 0 0
ND D4 O8 100 0.013 0 0 0 0

[ORIFICES]
SIDE A1 B1 SIDE 1.0 0.65 NO 0
BOT A2 B2 BOTTOM 0 0.6 NO 0
RAMP A9 B9 SIDE 0 0.65 NO 0.1

[WEIRS]
TR A3 B3 TRANSVERSE 1.0 3.33 NO 2 0 YES
SF A4 B4 SIDEFLOW 1.0 3.33 NO 0 0 YES
VN A5 B5 V-NOTCH 1.0 2.5 NO 0 0 YES
TZ A6 B6 TRAPEZOIDAL 1.0 3.33 NO 0 2.5 YES

[OUTLETS]
OF A7 B7 0.5 FUNCTIONAL/DEPTH 2.0 1.5 NO
OT A8 B8 0.5 TABULAR/HEAD RCURVE NO

[PUMPS]
P3 B1 A1 PC3 ON 0 0
P4 B2 A2 PC4 ON 3.0 1.0

[XSECTIONS]
SIDE CIRCULAR 2.0 0 0 0
BOT RECT_CLOSED 1.0 2.0 0 0
RAMP RECT_CLOSED 1.0 1.0 0 0
TR RECT_OPEN 2.0 4.0 0 0
SF RECT_OPEN 2.0 4.0 0 0
VN TRIANGULAR 2.0 3.0 0 0
TZ TRAPEZOIDAL 2.0 3.0 1.0 1.0
DA CIRCULAR 1 0 0 0 1
NA CIRCULAR 1 0 0 0 1
DB CIRCULAR 1 0 0 0 1
NB CIRCULAR 1 0 0 0 1
DC CIRCULAR 1 0 0 0 1
NC CIRCULAR 1 0 0 0 1
DD CIRCULAR 1 0 0 0 1
ND CIRCULAR 1 0 0 0 1

[CURVES]
RCURVE RATING 0 0
RCURVE 1 2
RCURVE 3 10
DCURVE DIVERSION 0 0
DCURVE 10 2
DCURVE 30 12
PC3 PUMP3 0 10
PC3 10 6
PC3 20 0
PC4 PUMP4 0 0
PC4 4 8
PC4 8 10
"""


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    path = tmp_path_factory.mktemp("structures") / "structures.inp"
    path.write_text(INP)
    net = Network.from_inp(path)
    return Router(net, SimOptions.from_network(net))


def _flow(router, link, up, dn):
    """Kernel flow [cfs] of ``link`` with depths ``up`` / ``dn`` [ft] at its end nodes."""
    p = router
    j = p.link_names.index(link)
    n1, n2 = p.links.node1[j], p.links.node2[j]
    router.node_state.depth[n1] = up
    router.node_state.depth[n2] = dn
    q = link_inflow(j, True, *p.network_bundles(), *p.state_bundles()[:2])
    return q, j


def test_side_orifice_submerged_inlet_is_the_orifice_equation(router):
    # crest 1 ft, 2 ft circle: inlet submerged when h1 > 3 ft; free outlet below mid-height
    q, j = _flow(router, "SIDE", 6.0, 0.0)
    area = math.pi / 4.0 * 2.0**2
    assert q == pytest.approx(0.65 * area * math.sqrt(2.0 * G * (6.0 - 2.0)), rel=1e-12)
    # downstream above mid-height: head is the difference of heads
    q2, _ = _flow(router, "SIDE", 6.0, 4.0)
    assert q2 == pytest.approx(0.65 * area * math.sqrt(2.0 * G * 2.0), rel=1e-12)
    # reverse head: same law, negative flow
    q3, _ = _flow(router, "SIDE", 4.0, 6.0)
    assert q3 == pytest.approx(-q2, rel=1e-12)


def test_side_orifice_partly_full_flows_as_a_weir(router):
    # water 0.5 ft above the crest of a 2 ft opening: f = 0.25 of the opening
    q, j = _flow(router, "SIDE", 1.5, 0.0)
    area = math.pi / 4.0 * 2.0**2
    c_weir = 0.65 * math.sqrt(2.0 / 2.0) * area * math.sqrt(2.0 * G)
    assert q == pytest.approx(c_weir * 0.25**1.5, rel=1e-12)
    assert router.link_state.dqdh[j] == pytest.approx(1.5 * q / (0.25 * 2.0), rel=1e-12)


def test_bottom_orifice_critical_height_and_orifice_flow(router):
    # rectangle 1 x 2 ft: area / perimeter = 2 / 6, critical height = Cd / 0.414 * 1/3
    h_crit = 0.6 / 0.414 * (1.0 * 2.0) / (2.0 * 3.0)
    q, j = _flow(router, "BOT", 3.0, 0.0)
    assert router.link_state.h_crit[j] == pytest.approx(h_crit, rel=1e-12)
    assert q == pytest.approx(0.6 * 2.0 * math.sqrt(2.0 * G * 3.0), rel=1e-12)
    # below the critical height: weir flow on the fraction f
    h = 0.5 * h_crit
    q_low, _ = _flow(router, "BOT", h, 0.0)
    c_weir = 0.6 * math.sqrt(h_crit) * 2.0 * math.sqrt(2.0 * G)
    assert q_low == pytest.approx(c_weir * 0.5**1.5, rel=1e-12)


def _weir_reference(kind, c1, c2, length, slope, end_con, h, reverse=False):
    if kind == "TRANSVERSE":
        return c1 * (length - 0.1 * end_con * h) * h**1.5
    if kind == "SIDEFLOW":
        return c1 * length * h**1.5 if reverse else c1 * length**0.83 * h**1.67
    if kind == "V-NOTCH":
        return c1 * slope * h**2.5
    return c1 * length * h**1.5 + c2 * slope * h**2.5


@pytest.mark.parametrize(
    "link, kind, c2, length, slope, end_con",
    [
        ("TR", "TRANSVERSE", 0.0, 4.0, 0.0, 2.0),
        ("SF", "SIDEFLOW", 0.0, 4.0, 0.0, 0.0),
        ("VN", "V-NOTCH", 0.0, 0.0, 0.75, 0.0),
        ("TZ", "TRAPEZOIDAL", 2.5, 3.0, 1.0, 0.0),
    ],
)
def test_free_weirs_follow_their_formulas(router, link, kind, c2, length, slope, end_con):
    c1 = 3.33 if kind != "V-NOTCH" else 2.5
    q, j = _flow(router, link, 1.0 + 1.2, 0.0)  # 1.2 ft over a crest at 1 ft
    assert q == pytest.approx(_weir_reference(kind, c1, c2, length, slope, end_con, 1.2))
    assert router.link_state.depth[j] == pytest.approx(1.2)


def test_submerged_weir_takes_villemonte_and_reverse_sideflow_is_transverse(router):
    h1, h2 = 2.2, 1.6  # heads above the crest 1.2 and 0.6
    q, _ = _flow(router, "TR", h1, h2)
    free = _weir_reference("TRANSVERSE", 3.33, 0, 4.0, 0, 2.0, 1.2)
    assert q == pytest.approx(free * (1.0 - 0.5**1.5) ** 0.385)
    q_rev, _ = _flow(router, "SF", 1.0, 2.2)
    # reverse: the crest is measured from the upstream (file from-node) invert
    assert q_rev == pytest.approx(-_weir_reference("SIDEFLOW", 3.33, 0, 4.0, 0, 0, 1.2, True))


def test_surcharged_weir_is_an_equivalent_orifice(router):
    p = router
    j = p.link_names.index("TR")
    q_full = _weir_reference("TRANSVERSE", 3.33, 0, 4.0, 0, 2.0, 2.0)  # head = height 2 ft
    c_orif = q_full / math.sqrt(1.0)
    assert router.link_state.c_surcharge[j] == pytest.approx(c_orif)
    q, _ = _flow(router, "TR", 5.0, 0.0)  # above the 3 ft top: orifice on mid-height (2 ft)
    assert q == pytest.approx(c_orif * math.sqrt(5.0 - 2.0))


def test_outlets_functional_on_depth_and_tabular_on_head(router):
    q, _ = _flow(router, "OF", 2.5, 1.0)
    assert q == pytest.approx(2.0 * 2.0**1.5)  # depth above the 0.5 ft offset
    q, _ = _flow(router, "OT", 2.5, 1.0)  # head difference 1.5 ft on the rating
    assert q == pytest.approx(2.0 + 0.5 * (10.0 - 2.0) / 2.0)


def test_pump_curves_type3_and_type4(router):
    p = router
    # TYPE3 from B1 to A1: head rise 5 ft on a falling curve
    q, j = _flow(router, "P3", 1.0, 6.0)
    assert q == pytest.approx(10.0 - 5.0 * 4.0 / 10.0)
    assert router.link_state.dqdh[j] == pytest.approx(0.4)
    # TYPE4 on inlet depth, with its slope by a 0.001 ft difference
    q, j = _flow(router, "P4", 6.0, 0.0)
    assert q == pytest.approx(8.0 + 2.0 * 2.0 / 4.0)
    assert router.link_state.dqdh[j] == pytest.approx(0.5, rel=1e-6)
    assert p.links.subtype[j] == R.PUMP_TYPE4


def test_pump_switches_on_startup_and_off_at_shutoff_depth(router):
    p = router
    j = p.link_names.index("P4")
    n1 = p.links.node1[j]
    ls = router.link_state
    ls.setting[j] = 1.0
    router.node_state.depth[n1] = 0.5  # below the 1 ft shut-off
    pump_target_setting(j, p.links, router.node_state, ls)
    assert ls.target_setting[j] == 0.0
    ls.setting[j] = 0.0
    router.node_state.depth[n1] = 2.0  # between shut-off and start-up: stays off
    pump_target_setting(j, p.links, router.node_state, ls)
    assert ls.target_setting[j] == 0.0
    router.node_state.depth[n1] = 3.5
    pump_target_setting(j, p.links, router.node_state, ls)
    assert ls.target_setting[j] == 1.0


def test_curve_lookups_hold_the_ends_and_step():
    x = np.array([1.0, 2.0, 4.0])
    y = np.array([10.0, 20.0, 0.0])
    assert table_lookup(0.0, x, y, 0, 3) == 10.0
    assert table_lookup(3.0, x, y, 0, 3) == pytest.approx(10.0)
    assert table_lookup(9.0, x, y, 0, 3) == 0.0
    # step curve: the y of the first point whose x exceeds the value
    assert table_interval_lookup(0.5, x, y, 0, 3) == 10.0
    assert table_interval_lookup(1.0, x, y, 0, 3) == 20.0
    assert table_interval_lookup(5.0, x, y, 0, 3) == 0.0


@pytest.mark.parametrize(
    "divider, q_in, diverted",
    [
        ("D1", 10.0, 6.0),  # CUTOFF 4 cfs
        ("D1", 3.0, 0.0),
        ("D3", 2.0, 3.0 * (2.0 * (2.0 - 1.0) / (3.0 * 2.0**1.5 - 1.0)) ** 1.5),  # WEIR f < 1
        ("D3", 9.0, 3.0 * 2.0**1.5 * math.sqrt((9.0 - 1.0) / (3.0 * 2.0**1.5 - 1.0))),
        ("D4", 20.0, 7.0),  # TABULAR
    ],
)
def test_dividers_split_their_inflow(router, divider, q_in, diverted):
    p = router
    i = p.node_names.index(divider)
    div_link = p.nodes.divider_link[i]
    other = [j for j in range(len(p.link_names)) if p.links.node1[j] == i and j != div_link]
    ns = router.node_state
    ns.inflow[i] = q_in
    ns.overflow[i] = 0.0
    args = (p.nodes, p.curves, p.options, ns)
    d = divider_outflow(i, div_link, *args)
    rest = divider_outflow(i, other[0], *args)
    assert d == pytest.approx(diverted)
    assert d + rest == pytest.approx(q_in)


def test_overflow_divider_diverts_what_the_main_link_did_not_take(router):
    p = router
    i = p.node_names.index("D2")
    div_link = p.nodes.divider_link[i]
    ns = router.node_state
    ns.inflow[i], ns.overflow[i], ns.outflow[i] = 8.0, 0.0, 5.0
    d = divider_outflow(i, div_link, p.nodes, p.curves, p.options, ns)
    assert d == pytest.approx(3.0)


def test_roadway_coefficients_paved_and_gravel():
    assert roadway_coeff(0.2, 0.0, 20.0, True) == pytest.approx(2.95)
    # high head on a narrow road: coefficient on head / width
    assert roadway_coeff(4.0, 0.0, 20.0, True) == pytest.approx(3.05 + 0.05 * 0.5)
    # submerged gravel road: coefficient times the submergence factor
    assert roadway_coeff(1.0, 0.95, 40.0, False) == pytest.approx(2.8 * 0.65)


def test_orifice_setting_ramps_over_its_open_close_time(router):
    p = router
    j = p.link_names.index("RAMP")
    ls = router.link_state
    ls.setting[j] = 1.0
    ls.target_setting[j] = 1.0
    router.set_link_setting(j, 0.0)
    args = (p.links, p.xsects, p.curves, p.options, router.node_state, ls)
    update_settings(36.0, *args)  # 0.1 h = 360 s: a 36 s step closes it by 0.1
    assert ls.setting[j] == pytest.approx(0.9)
    area = 0.9 * 1.0  # 0.9 ft open of a 1 ft square
    assert ls.c_orifice[j] == pytest.approx(0.65 * area * math.sqrt(2.0 * G))
    for _ in range(9):
        update_settings(36.0, *args)
    assert ls.setting[j] == 0.0
    q, _ = _flow(router, "RAMP", 3.0, 0.0)
    assert q == 0.0
