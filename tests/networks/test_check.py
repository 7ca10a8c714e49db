"""Structural checks on small hand-made networks with known findings."""

from __future__ import annotations

import warnings

import twin
from tests.corpus import pyswmm_model
from twin.networks.check import CheckFinding, check_network
from twin.networks.inp_reader import read_inp, read_inp_text

NET = """[OPTIONS]
FLOW_UNITS CMS
[RAINGAGES]
RG INTENSITY 0:15 1.0 TIMESERIES TS
[SUBCATCHMENTS]
S1 RG J1 1 50 100 1 0
S2 RG S3 1 50 100 1 0
S3 RG S2 1 50 100 1 0
[JUNCTIONS]
J1 10 2
J2 9 2
J3 9.5 2
J4 8 2
J5 8 2
J6 8 2
J7 5 1
J8 5 1
J9 5 1
J10 7.5 1
[OUTFALLS]
O1 7 FREE
[CONDUITS]
C1 J1 J2 100 0.013 0 0
C2 J2 J3 100 0.013 0 0
C3 J3 J4 100 0.013 3 0
C4 J4 J5 100 0.013 0 0
C5 J5 J6 100 0.013 0 0
C6 J6 J4 100 0.013 0 0
C7 J4 J10 100 0.013 0 0
C8 J4 J10 100 0.013 0 0
C10 J10 O1 100 0.013 0 0
C9 J7 J8 100 0.013 0 0
[XSECTIONS]
C1 CIRCULAR 1 0 0 0
C2 CIRCULAR 1 0 0 0
C3 CIRCULAR 1 0 0 0
C4 CIRCULAR 1 0 0 0
C5 CIRCULAR 1 0 0 0
C6 CIRCULAR 1 0 0 0
C7 CIRCULAR 1 0 0 0
C8 CIRCULAR 1 0 0 0
C9 CIRCULAR 1 0 0 0
C10 CIRCULAR 1 0 0 0
[TIMESERIES]
TS 0 1
"""


def findings(net):
    return {
        (f.severity, f.kind, f.name, f.message.split(":")[0].split(" (")[0])
        for f in check_network(net)
    }


def test_known_findings():
    net = read_inp_text(NET)
    got = check_network(net)
    assert all(isinstance(f, CheckFinding) for f in got)
    by = {(f.severity, f.kind, f.name): f.message for f in got}
    assert by[("warning", "link", "C2")] == "adverse slope: invert rises 0.500 m downstream"
    assert "inlet offset 3.000 m is above the rim of 'J3'" in by[("warning", "link", "C3")]
    assert "duplicate parallel link of 'C7'" in by[("warning", "link", "C8")]
    assert by[("warning", "node", "J7")] == "no path to an outfall"
    assert by[("warning", "node", "J8")] == "no path to an outfall"
    assert by[("warning", "node", "J9")] == "node has no links"
    assert by[("warning", "network", "J7")].startswith("disconnected part of 2 nodes")
    # main part: 9 links, 8 nodes -> 2 independent loops (J4-J5-J6 and C7/C8)
    assert by[("info", "network", "J1")].startswith("2 loop(s)")
    assert by[("error", "subcatchment", "S2")].startswith("drains in a circle")
    assert by[("error", "subcatchment", "S3")].startswith("drains in a circle")
    assert len(got) == 10  # nothing else: S1 drains to J1, the rest is sound


def test_zero_length_self_loop_and_outlet_less_subcatchment():
    net = read_inp_text(NET)
    ln = net.links
    j = ln.index_of()["C4"]
    ln.length_m[j] = 0.0
    ln.to_node[ln.index_of()["C9"]] = ln.from_node[ln.index_of()["C9"]]
    net.subcatchments.outlet_node[0] = -1
    got = findings(net)
    assert ("error", "link", "C4", "conduit has zero length") in got
    assert ("error", "link", "C9", "link joins a node to itself") in got
    assert ("error", "subcatchment", "S1", "drains to nothing") in got


def test_sound_network_has_no_warnings():
    path = pyswmm_model("model_full_features.inp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = read_inp(path)
    assert [f for f in check_network(net) if f.severity != "info"] == []


def test_elevation_offsets_use_heights_above_invert():
    text = NET.replace("FLOW_UNITS CMS", "FLOW_UNITS CMS\nLINK_OFFSETS ELEVATION").replace(
        "C3 J3 J4 100 0.013 3 0", "C3 J3 J4 100 0.013 9.6 *"
    )
    got = {f.name: f.message for f in check_network(read_inp_text(text)) if f.kind == "link"}
    assert "C3" not in got  # 9.6 is 0.1 m above J3's invert, below its rim


def test_sections_swmm_would_simulate_are_named():
    text = NET + (
        "[LID_CONTROLS]\nRB1 RB\nRB1 STORAGE 48 0.75 0 0\n[LID_USAGE]\nS1 RB1 1 10 0 0 0 0\n"
        "[TEMPERATURE]\nTIMESERIES T1\n"
        "[POLLUTANTS]\nTSS MG/L 0 0 0 0 0 NO\n[SNOWPACKS]\n"  # an empty section is not used
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = read_inp_text(text)
    got = {(f.severity, f.name) for f in check_network(net) if f.name.startswith("[")}
    # LIDs are simulated since issue 19 (twin.engine.lid): not named; [TEMPERATURE] gives
    # evaporation through its climate FILE (twin.engine.climate) and snowmelt only with
    # [SNOWPACKS] (empty here): not named either
    assert got == {("info", "[POLLUTANTS]")}


def test_check_finds_nothing_twin_run_refuses_since_issue_19():
    """Culvert inlet control, IRREGULAR transects and seepage are routed: no element is an
    error for ``twin check``, and the network runs."""
    text = (
        "[OPTIONS]\nFLOW_UNITS CMS\nEND_TIME 1:00\n[JUNCTIONS]\nJ1 10 2\nJ2 9 2\n"
        "[OUTFALLS]\nO1 8 FREE\n"
        "[STORAGE]\nST 9.5 3 0 FUNCTIONAL 10 0 0 0 0 0.5\n"
        "[CONDUITS]\nC1 J1 J2 100 0.013 0 0\nC2 J2 O1 100 0.013 0 0\nC3 ST J2 50 0.013 0 0\n"
        "C4 J1 J2 100 0.0 0 0\n"
        "[XSECTIONS]\nC1 CIRCULAR 1 0 0 0 1 4\nC2 CIRCULAR 1 0 0 0\nC3 CIRCULAR 0.5 0 0 0\n"
        "C4 IRREGULAR T1\n[LOSSES]\nC2 0 0 0 NO 2.5\n"
        "[TRANSECTS]\nNC 0.019 0.019 0.013\nX1 T1 5 1 3 0 0 0 0 0\nGR 4 0 2 1 0 2 3 3 4 4\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = read_inp_text(text, "routed.inp")
        assert [f for f in check_network(net) if f.severity == "error"] == []
        ds = twin.simulate(net)
    assert set(ds.link.values) == {"C1", "C2", "C3", "C4"}
