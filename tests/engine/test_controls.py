"""SWMM 5.2 control rules: parsing, evaluation semantics, PID, and agreement with SWMM.

Evaluation tests build a :class:`ControlState` from plain arrays (the same arrays the
Controller reads from the Router) and compare with references written out here:
SWMM's AND/OR grouping (OR binds tighter than AND), its priority rule, and a PID
sequence computed by hand from the recursive formula in SWMM's ``controls.c``.  The
agreement tests run three hand-made networks (``data/controls_{us,si,rain}.inp``)
through ``twin`` and EPA SWMM 5.2.4 and compare hydrographs and every link's setting.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from tests.agreement import assert_agrees
from twin.engine import controls_parse as P
from twin.engine.controls import ControlState, parse_controls
from twin.engine.simulation import Simulation
from twin.errors import InputError
from twin.kernels.codes import LinkKind
from twin.networks.inp_reader import read_inp_text
from twin.networks.model import Network

DATA = Path(__file__).parent / "data"

BASE = """\
[OPTIONS]
FLOW_UNITS CFS
START_DATE 03/15/2021
START_TIME 06:00
END_DATE 03/15/2021
END_TIME 08:00
[RAINGAGES]
G1 INTENSITY 0:05 1.0 TIMESERIES RAIN
[JUNCTIONS]
J1  10  8  0  0  0
J2  9   8  0  0  0
[OUTFALLS]
O1  5  FREE
O2  5  FREE
[STORAGE]
S1  9  10  0  FUNCTIONAL 0 0 100
[CONDUITS]
C1  J1  J2  400  0.013  0  0
C2  J2  O1  400  0.013  0  0
[PUMPS]
P1  S1  J1  PC OFF  0  0
[ORIFICES]
OR1 S1  J2  SIDE 0 0.65
[WEIRS]
W1  S1  J2  TRANSVERSE 1 3.3
[OUTLETS]
L1  S1  O2  0  FUNCTIONAL/DEPTH 2 0.5
[XSECTIONS]
C1  CIRCULAR  1  0  0  0
C2  CIRCULAR  1  0  0  0
OR1 CIRCULAR  1  0  0  0
W1  RECT_OPEN 1  2  0  0
[CURVES]
CC  CONTROL  0  1.0
CC           4  0.2
PC  PUMP2    1  0.5
[TIMESERIES]
RAIN 0:00 0
TS   0:00 0.2
TS   1:00 0.6
"""
N_BASE_LINES = BASE.count("\n")


def net_with(rules: str) -> Network:
    return read_inp_text(BASE + "[CONTROLS]\n" + rules, source="model.inp")


def ruleset(rules: str):
    net = net_with(rules)
    return parse_controls(
        net.controls, net=net, file="model.inp", first_line=net.controls_first_line
    ), net


def state(net: Network, **values) -> ControlState:
    """A state of zeros (settings 1) with ``values`` overriding single arrays."""
    n, m = net.n_nodes, net.n_links
    z = {
        "node_depth_ft": np.zeros(n), "node_full_depth_ft": np.full(n, 8.0),
        "node_invert_ft": np.zeros(n), "node_volume_ft3": np.zeros(n),
        "node_lateral_cfs": np.zeros(n), "link_flow_cfs": np.zeros(m),
        "link_depth_ft": np.zeros(m), "link_setting": np.ones(m),
        "link_target_setting": np.ones(m), "link_full_flow_cfs": np.zeros(m),
        "link_full_depth_ft": np.zeros(m), "link_velocity_fps": np.zeros(m),
        "link_length_ft": np.zeros(m), "link_slope": np.zeros(m),
        "link_time_last_set": np.zeros(m), "gage_rain": np.zeros(1),
    }  # fmt: skip
    z.update(values)
    return ControlState(**z)


# -- parsing -----------------------------------------------------------------------------
def test_every_premise_form_parses_to_its_variable_and_value():
    rs, net = ruleset(
        """RULE R1
IF NODE J1 DEPTH > 4.5
AND NODE S1 MAXDEPTH >= 2
AND NODE J2 HEAD < 12
AND NODE S1 VOLUME <= 100
AND NODE J1 INFLOW <> 0.5
AND LINK C1 FLOW > 1
AND CONDUIT C1 DEPTH > 0.1
AND CONDUIT C1 STATUS = OPEN
AND CONDUIT C2 FULLFLOW > 0
AND CONDUIT C2 FULLDEPTH > 0
AND CONDUIT C2 LENGTH > 0
AND CONDUIT C2 SLOPE > 0
AND CONDUIT C2 VELOCITY > 0
AND PUMP P1 STATUS = ON
AND PUMP P1 SETTING < 0.5
AND ORIFICE OR1 SETTING > 0.2
AND WEIR W1 FLOW > 0
AND OUTLET L1 SETTING > 0
AND ORIFICE OR1 TIMEOPEN > 1:30
AND PUMP P1 TIMECLOSED > 0.25
AND SIMULATION TIME > 2:30:00
AND SIMULATION DATE = 01/01/2020
AND SIMULATION CLOCKTIME < 08:00
AND SIMULATION DAY = 2
AND SIMULATION MONTH = 3
AND SIMULATION DAYOFYEAR = 02/15
AND SIMULATION DAYOFYEAR <> 100
AND GAGE G1 INTENSITY > 0.5
AND NODE J1 DEPTH > NODE J2 DEPTH
THEN PUMP P1 STATUS = ON
"""
    )
    prem = rs.rules[0].premises
    ids = net.nodes.index_of(), net.links.index_of()
    got = [(p.lhs.obj, p.lhs.index, p.lhs.attr, p.relation, p.value) for p in prem]
    expect = [
        (P.NODE, ids[0]["J1"], P.DEPTH, P.GT, 4.5),
        (P.NODE, ids[0]["S1"], P.MAXDEPTH, P.GE, 2.0),
        (P.NODE, ids[0]["J2"], P.HEAD, P.LT, 12.0),
        (P.NODE, ids[0]["S1"], P.VOLUME, P.LE, 100.0),
        (P.NODE, ids[0]["J1"], P.INFLOW, P.NE, 0.5),
        (P.LINK, ids[1]["C1"], P.FLOW, P.GT, 1.0),
        (P.LINK, ids[1]["C1"], P.DEPTH, P.GT, 0.1),
        (P.LINK, ids[1]["C1"], P.STATUS, P.EQ, 1.0),
        (P.LINK, ids[1]["C2"], P.FULLFLOW, P.GT, 0.0),
        (P.LINK, ids[1]["C2"], P.FULLDEPTH, P.GT, 0.0),
        (P.LINK, ids[1]["C2"], P.LENGTH, P.GT, 0.0),
        (P.LINK, ids[1]["C2"], P.SLOPE, P.GT, 0.0),
        (P.LINK, ids[1]["C2"], P.VELOCITY, P.GT, 0.0),
        (P.LINK, ids[1]["P1"], P.STATUS, P.EQ, 1.0),
        (P.LINK, ids[1]["P1"], P.SETTING, P.LT, 0.5),
        (P.LINK, ids[1]["OR1"], P.SETTING, P.GT, 0.2),
        (P.LINK, ids[1]["W1"], P.FLOW, P.GT, 0.0),
        (P.LINK, ids[1]["L1"], P.SETTING, P.GT, 0.0),
        (P.LINK, ids[1]["OR1"], P.TIMEOPEN, P.GT, 1.5 / 24),
        (P.LINK, ids[1]["P1"], P.TIMECLOSED, P.GT, 0.25 / 24),
        (P.SIM, -1, P.TIME, P.GT, 2.5 / 24),
        (P.SIM, -1, P.DATE, P.EQ, 43831.0),  # SWMM's day number of 01/01/2020
        (P.SIM, -1, P.CLOCKTIME, P.LT, 8.0 / 24),
        (P.SIM, -1, P.DAY, P.EQ, 2.0),
        (P.SIM, -1, P.MONTH, P.EQ, 3.0),
        (P.SIM, -1, P.DAYOFYEAR, P.EQ, 46.0),
        (P.SIM, -1, P.DAYOFYEAR, P.NE, 100.0),
        (P.GAGE, 0, P.INTENSITY, P.GT, 0.5),
        (P.NODE, ids[0]["J1"], P.DEPTH, P.GT, None),
    ]
    assert len(got) == len(expect)
    for g, e in zip(got, expect, strict=True):
        assert g[:4] == e[:4]
        assert (g[4] is None and e[4] is None) or g[4] == pytest.approx(e[4], abs=1e-12)
    assert prem[-1].rhs == P.Variable(P.NODE, ids[0]["J2"], P.DEPTH)
    assert rs.rules[0].line == net.controls_first_line


def test_every_action_form_parses():
    rs, net = ruleset(
        """RULE R1
IF SIMULATION TIME > 1
THEN PUMP P1 STATUS = ON
AND ORIFICE OR1 SETTING = 0.25
AND WEIR W1 SETTING = CURVE CC
AND OUTLET L1 SETTING = TIMESERIES TS
AND CONDUIT C1 STATUS = CLOSED
ELSE PUMP P1 SETTING = 1.4
AND ORIFICE OR1 SETTING = PID 0.5 10 0.1
PRIORITY 3.5
"""
    )
    r = rs.rules[0]
    links = net.links.index_of()
    then = {a.link: a for a in r.then_actions}
    assert then[links["P1"]].attr == P.STATUS and then[links["P1"]].value == 1.0
    assert then[links["OR1"]].value == 0.25
    assert then[links["W1"]].curve is not None and list(then[links["W1"]].curve[1]) == [1.0, 0.2]
    assert then[links["L1"]].series == "TS"
    assert then[links["C1"]].attr == P.STATUS and then[links["C1"]].value == 0.0
    # SWMM keeps actions last-first
    assert [a.link for a in r.then_actions] == [links[k] for k in ("C1", "L1", "W1", "OR1", "P1")]
    pid = r.else_actions[0]
    assert pid.attr == P.PID and (pid.kp, pid.ki, pid.kd) == (0.5, 10.0, 0.1)
    assert r.else_actions[1].value == 1.4  # pump speeds may exceed 1
    assert r.priority == 3.5


def test_keywords_match_by_prefix_and_case():
    rs, net = ruleset("rule r1\nif node j1 depths > 1\nthen pump p1 status = on\n")
    assert rs.rules[0].then_actions[0].value == 1.0
    assert rs.rules[0].premises[0].lhs.attr == P.DEPTH


BAD = [
    ("IF NODE J1 DEPTH > 1\n", 1, "before the first RULE"),
    ("RULE R1\nIF NODE JX DEPTH > 1\nTHEN PUMP P1 STATUS = ON\n", 2, "unknown node 'JX'"),
    ("RULE R1\nIF NODE J1 FLOW > 1\nTHEN PUMP P1 STATUS = ON\n", 2, "no attribute FLOW"),
    ("RULE R1\nIF NODE J1 DEPTH >> 1\nTHEN PUMP P1 STATUS = ON\n", 2, "relational operator"),
    ("RULE R1\nIF NODE J1 DEPTH > abc\nTHEN PUMP P1 STATUS = ON\n", 2, "expected a number"),
    ("RULE R1\nIF SIMULATION DAY = 8\nTHEN PUMP P1 STATUS = ON\n", 2, "DAY must be 1-7"),
    ("RULE R1\nIF SIMULATION DATE = 13/45/2020\nTHEN PUMP P1 STATUS = ON\n", 2, "bad date"),
    ("RULE R1\nIF GAGE G1 6HR_PRECIP > 1\nTHEN PUMP P1 STATUS = ON\n", 2, "not supported"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nTHEN PUMP OR1 STATUS = ON\n", 3, "is not a pump"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nTHEN ORIFICE OR1 SETTING = 1.5\n", 3, "0-1"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nTHEN ORIFICE OR1 STATUS = ON\n", 3, "cannot be set"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nTHEN LINK P1 STATUS = ON\n", 3, "not supported"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nTHEN WEIR W1 SETTING = CURVE NOPE\n", 3, "unknown curve"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nTHEN WEIR W1 SETTING = PID 1 2\n", 3, "PID needs"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nTHEN PUMP P1 STATUS = ON\nPRIORITY x\n", 4, "PRIORITY"),
    ("RULE R1\nTHEN PUMP P1 STATUS = ON\n", 2, "out of order"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nELSE PUMP P1 STATUS = ON\n", 3, "out of order"),
    ("RULE R1\nIF NODE J1 DEPTH > 1 THEN PUMP P1 STATUS = ON\n", 2, "unexpected 'THEN'"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\n", 1, "needs an IF premise and a THEN action"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nTHEN PUMP P1 STATUS = ON\nRULE r1\n", 4, "duplicate"),
    ("RULE R1\nIF NODE J1 DEPTH > 1\nTHEN PUMP P1 STATUS = ON\nWHEN x y\n", 4, "keyword"),
    ("EXPRESSION e = 2 * nope\n", 1, "unknown variable"),
    ("VARIABLE v = NODE J1 DEPTH\nEXPRESSION e = __import__('os')\n", 2, "bad expression"),
]


@pytest.mark.parametrize(("text", "rel_line", "msg"), BAD)
def test_errors_name_the_file_line(text, rel_line, msg):
    net = net_with(text)
    with pytest.raises(InputError) as err:
        parse_controls(net.controls, net=net, file="model.inp", first_line=net.controls_first_line)
    assert err.value.line == N_BASE_LINES + 1 + rel_line  # + the [CONTROLS] header
    assert err.value.file == "model.inp"
    assert msg in err.value.message


def test_simulation_reports_bad_rules_at_their_file_line(tmp_path):
    text = (DATA / "controls_us.inp").read_text()
    lines = text.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.startswith("IF NODE T3 DEPTH"))
    lines[k] = "IF NODE T3 DEPTH ?? 0"
    path = tmp_path / "bad.inp"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=rf"bad.inp:{k + 1}: .*relational operator"):
        Simulation(Network.from_inp(path))


# -- evaluation ----------------------------------------------------------------------------
def cnf(ops, truth):
    """SWMM's premise logic: OR binds tighter than AND (``A AND B OR C = A AND (B OR C)``).

    Every AND starts a new group of OR-ed premises; the rule is true when every group is.
    """
    groups = [[truth[0]]]
    for op, t in zip(ops, truth[1:], strict=True):
        if op == "AND":
            groups.append([t])
        else:
            groups[-1].append(t)
    return all(any(g) for g in groups)


@pytest.mark.parametrize("ops", list(itertools.product(("AND", "OR"), repeat=3)))
def test_and_or_truth_tables(ops):
    text = "RULE R\nIF NODE J1 DEPTH > 1\n{} NODE J2 DEPTH > 1\n{} NODE S1 DEPTH > 1\n"
    text += "{} LINK C1 DEPTH > 1\n"
    text = text.format(*ops) + "THEN PUMP P1 STATUS = ON\nELSE PUMP P1 STATUS = OFF\n"
    rs, net = ruleset(text)
    idx = net.nodes.index_of()
    c1 = net.links.index_of()["C1"]
    for truth in itertools.product((False, True), repeat=4):
        depth, link_depth = np.zeros(net.n_nodes), np.zeros(net.n_links)
        for name, t in zip(("J1", "J2", "S1"), truth[:3], strict=True):
            depth[idx[name]] = 2.0 if t else 0.5
        link_depth[c1] = 2.0 if truth[3] else 0.5
        s = state(net, node_depth_ft=depth, link_depth_ft=link_depth)
        (link, value), *_ = rs.evaluate(s, 0.0, 10.0)
        assert value == (1.0 if cnf(ops, truth) else 0.0), (ops, truth)


def test_priority_resolution():
    rs, net = ruleset(
        """RULE A
IF SIMULATION TIME >= 0
THEN ORIFICE OR1 SETTING = 0.1
PRIORITY 1
RULE B
IF SIMULATION TIME >= 0
THEN ORIFICE OR1 SETTING = 0.2
PRIORITY 1
RULE C
IF SIMULATION TIME >= 0
THEN WEIR W1 SETTING = 0.3
AND WEIR W1 SETTING = 0.4
RULE D
IF SIMULATION TIME >= 0
THEN PUMP P1 STATUS = ON
RULE E
IF SIMULATION TIME >= 0
THEN PUMP P1 STATUS = OFF
PRIORITY 2
"""
    )
    links = net.links.index_of()
    got = dict(rs.evaluate(state(net), 0.0, 10.0))
    assert got[links["OR1"]] == 0.1  # equal priority: the earlier rule
    assert got[links["W1"]] == 0.4  # same rule: the action written last
    assert got[links["P1"]] == 0.0  # higher priority later rule
    assert len(got) == 3


def test_time_equality_holds_within_half_a_step():
    rs, net = ruleset(
        "RULE R\nIF SIMULATION TIME = 1:00\nTHEN PUMP P1 STATUS = ON\nELSE PUMP P1 STATUS = OFF\n"
    )
    s = state(net)
    on = [t for t in np.arange(3500.0, 3700.0, 10.0) if rs.evaluate(s, t, 30.0)[0][1] == 1.0]
    assert on == [3590.0, 3600.0, 3610.0]  # [3600 - 15, 3600 + 15)


def test_simulation_calendar_premises():
    # 03/15/2021 06:00 is a Monday (DAY 2), day 74 of the year
    text = """RULE R
IF SIMULATION DAY = 2
AND SIMULATION MONTH = 3
AND SIMULATION DAYOFYEAR = 74
AND SIMULATION DATE = 03/15/2021
AND SIMULATION CLOCKTIME >= 07:00
THEN PUMP P1 STATUS = ON
ELSE PUMP P1 STATUS = OFF
"""
    rs, net = ruleset(text)
    s = state(net)
    assert rs.evaluate(s, 3599.0, 1.0)[0][1] == 0.0  # 06:59:59
    assert rs.evaluate(s, 3601.0, 1.0)[0][1] == 1.0  # 07:00:01
    assert rs.evaluate(s, 26 * 3600.0, 1.0)[0][1] == 0.0  # Tuesday 08:00


def test_values_compare_in_file_units():
    # SI file: depth in m, flow in CMS (SWMM's 0.02832 m3/s per cfs), volume in m3
    si = BASE.replace("FLOW_UNITS CFS", "FLOW_UNITS CMS")
    net = read_inp_text(
        si + "[CONTROLS]\nRULE R\nIF NODE J1 DEPTH > 1.0\nAND LINK C1 FLOW > 0.5\n"
        "AND NODE S1 VOLUME > 2.8\nTHEN PUMP P1 STATUS = ON\nELSE PUMP P1 STATUS = OFF\n"
    )
    rs = parse_controls(net.controls, net=net)
    idx = net.nodes.index_of()
    depth, vol, flow = np.zeros(net.n_nodes), np.zeros(net.n_nodes), np.zeros(net.n_links)
    vol[idx["S1"]] = 100.0  # ft3 -> 2.832 m3
    flow[net.links.index_of()["C1"]] = 0.5 / 0.02832 + 1e-6
    depth[idx["J1"]] = 1.0 / 0.3048 + 1e-9
    s = state(net, node_depth_ft=depth, node_volume_ft3=vol, link_flow_cfs=flow)
    assert rs.evaluate(s, 0.0, 1.0)[0][1] == 1.0
    depth[idx["J1"]] = 1.0 / 0.3048 - 1e-9
    assert rs.evaluate(s, 0.0, 1.0)[0][1] == 0.0


def test_status_of_regulators_and_setting_of_outlets_are_missing():
    # SWMM: STATUS only for conduits and pumps, SETTING only for pumps, orifices, weirs
    rs, net = ruleset(
        "RULE R\nIF OUTLET L1 SETTING >= 0\nOR LINK OR1 STATUS = OFF\n"
        "THEN PUMP P1 STATUS = ON\nELSE PUMP P1 STATUS = OFF\n"
    )
    assert rs.evaluate(state(net), 0.0, 1.0)[0][1] == 0.0


def test_timeopen_and_timeclosed_count_from_the_last_switch():
    rs, net = ruleset(
        "RULE R\nIF ORIFICE OR1 TIMEOPEN >= 0:30\nOR PUMP P1 TIMECLOSED >= 2\n"
        "THEN WEIR W1 SETTING = CURVE CC\n"
    )
    links = net.links.index_of()
    setting, last = np.ones(net.n_links), np.full(net.n_links, rs.start_day)
    setting[links["P1"]] = 0.0
    s = state(net, link_setting=setting, link_time_last_set=last)
    w1 = links["W1"]
    assert w1 not in dict(rs.evaluate(s, 1799.0, 1.0))
    got = dict(rs.evaluate(s, 1801.0, 1.0))
    # the curve reads the last premise evaluated: TIMEOPEN in hours (0 -> 1.0, 4 -> 0.2)
    assert got[w1] == pytest.approx(1.0 - 0.2 * 1801.0 / 3600.0)
    setting[links["OR1"]] = 0.0  # closed: TIMEOPEN is missing, TIMECLOSED of P1 decides
    assert w1 not in dict(rs.evaluate(s, 7199.0, 1.0))
    assert dict(rs.evaluate(s, 7201.0, 1.0))[w1] == pytest.approx(1.0 - 0.2 * 7201.0 / 3600.0)


def test_curve_and_series_settings():
    rs, net = ruleset(
        "RULE R\nIF NODE S1 DEPTH > -100\nTHEN WEIR W1 SETTING = CURVE CC\n"
        "AND OUTLET L1 SETTING = TIMESERIES TS\n"
    )
    links, s1 = net.links.index_of(), net.nodes.index_of()["S1"]
    for depth, t, w, out in [(1.0, 0.0, 0.8, 0.2), (5.0, 1800.0, 0.2, 0.4), (-1, 9e3, 1.0, 0.6)]:
        d = np.zeros(net.n_nodes)
        d[s1] = depth
        got = dict(rs.evaluate(state(net, node_depth_ft=d), t, 1.0))
        assert got[links["W1"]] == pytest.approx(w)  # control curve, end values held
        assert got[links["L1"]] == pytest.approx(out)  # series held after its end


def test_named_variables_and_expressions():
    rs, net = ruleset(
        "VARIABLE a = NODE J1 DEPTH\nVARIABLE b = NODE J2 DEPTH\n"
        "EXPRESSION m = sqrt(a^2 + b^2) - 2 * step(a - b)\n"
        "RULE R\nIF m > 4.5\nAND a > b\nTHEN PUMP P1 STATUS = ON\nELSE PUMP P1 STATUS = OFF\n"
    )
    idx = net.nodes.index_of()
    d = np.zeros(net.n_nodes)
    for a, b in [(6.0, 3.0), (5.0, 3.0), (3.0, 6.0), (6.5, 0.5)]:
        d[idx["J1"]], d[idx["J2"]] = a, b
        expect = (np.hypot(a, b) - 2.0 * (a > b)) > 4.5 and a > b
        assert rs.evaluate(state(net, node_depth_ft=d), 0.0, 1.0)[0][1] == float(expect)


def test_pid_follows_the_hand_computed_sequence():
    # setpoint 2 ft; kp 0.5, ki 10 min, kd 0.1 min; 1-minute steps; start target 0.5
    rs, net = ruleset("RULE R\nIF NODE S1 DEPTH <> 2\nTHEN ORIFICE OR1 SETTING = PID 0.5 10 0.1\n")
    s1, or1 = net.nodes.index_of()["S1"], net.links.index_of()["OR1"]
    target = np.full(net.n_links, 0.5)
    depth = np.zeros(net.n_nodes)
    got = []
    for y in (1.0, 1.5, 2.5, 2.5):
        depth[s1] = y
        value = dict(
            rs.evaluate(state(net, node_depth_ft=depth, link_target_setting=target), 0, 60)
        )
        got.append(value[or1])
        target[or1] = value[or1]
    # e = (2 - y)/2: 0.5, 0.25, -0.25, -0.25 (the last equals the previous: errors reset)
    # 1: 0.5 + 0.5 * ((0.5 - 0) + 0.5/10 + 0.1 * (0.5 - 0 + 0))        = 0.8
    # 2: 0.8 + 0.5 * ((0.25 - 0.5) + 0.25/10 + 0.1 * (0.25 - 1.0 + 0)) = 0.65
    # 3: 0.65 + 0.5 * ((-0.25 - 0.25) - 0.25/10 + 0.1 * (-0.25 - 0.5 + 0.5)) = 0.375
    # 4: e0 == e1: e1 = e2 = 0; 0.375 + 0.5 * (-0.25 - 0.025 + 0.1 * -0.25) = 0.225
    assert got == pytest.approx([0.8, 0.65, 0.375, 0.225])


# -- in the simulation ---------------------------------------------------------------------
def test_rule_step_puts_a_step_end_on_every_rule_time():
    net = Network.from_inp(DATA / "controls_si.inp")
    sim = Simulation(net, end_hours=0.5)
    ends = []
    while not sim.finished:
        ends.append(sim.step())
    assert sim.controls.rule_step_s == 60.0
    for k in range(1, 30):
        assert np.min(np.abs(np.asarray(ends) - 60.0 * k)) < 1e-3, k


def test_results_hold_link_setting_and_status():
    ds = Simulation(Network.from_inp(DATA / "controls_us.inp"), end_hours=1.5).run()
    for name in ("link_setting", "link_status"):
        assert ds[name].dims == ("time", "link") and ds[name].attrs["units"] == "1"
    p1 = ds.link_setting.sel(link="P1").values
    assert set(np.unique(p1)) == {0.0, 1.0}  # held off for 30 min, then switched by depth
    assert np.array_equal(ds.link_status.values, (ds.link_setting.values > 0) * 1.0)


@pytest.mark.swmm
@pytest.mark.parametrize("name", ["controls_us.inp", "controls_si.inp", "controls_rain.inp"])
def test_agrees_with_swmm(name):
    from twin.validation.swmm_run import run_swmm

    net = Network.from_inp(DATA / name)
    ours = Simulation(net).run()
    ref = run_swmm(DATA / name)
    assert_agrees(ours, ref)
    # every setting at every report time: SWMM reports a non-conduit's setting as capacity
    kinds = np.asarray(net.links.kind)
    links = [str(n) for n, k in zip(net.links.name, kinds, strict=True) if k != LinkKind.CONDUIT]
    diff = np.abs(
        ours.link_setting.sel(link=links).values - ref.link_capacity.sel(link=links).values
    )
    assert diff.max() < 1e-3, dict(zip(links, diff.max(axis=0), strict=True))
    switched = ours.link_setting.sel(link=links).std("time").values
    assert np.all(switched > 0.0)  # every controlled link really moved


def test_conduit_status_actions_are_refused_until_the_router_closes_conduits(tmp_path):
    text = (DATA / "controls_si.inp").read_text()
    lines = text.splitlines()
    k = lines.index("RULE THROTTLE_OR4")
    lines[k:k] = ["RULE CLOSE_C4", "IF SIMULATION TIME > 1", "THEN CONDUIT C4 STATUS = CLOSED", ""]
    path = tmp_path / "conduit.inp"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=rf"conduit.inp:{k + 3}: .*CONDUIT C4 STATUS"):
        Simulation(Network.from_inp(path))


def test_hot_start_keeps_the_rule_state(tmp_path):
    # PID errors, the last premise value, RULE_STEP clock and switch times are saved
    net = Network.from_inp(DATA / "controls_si.inp")
    full = Simulation(net).run()
    first = Simulation(net)
    first.step_advance(5400.0)
    first.save_state(tmp_path / "state.npz")
    rest = Simulation.from_state(tmp_path / "state.npz", net).run()
    for v in ("link_setting", "link_flow", "node_depth"):
        assert np.array_equal(rest[v].values, full[v].values), v
