"""Street and channel inlets ([INLETS], [INLET_USAGE], SWMM 5.2's inlet.c) against EPA SWMM 5.2.

``inlets_dual.inp``: a street of three STREET conduits over a sewer (dual drainage): a
P_BAR-50 grate 10 % clogged and two curb openings on grade, a combination inlet (curved
vane grate and curb opening) in the sump at the street's end; the sewer under the curb
openings surcharges, and its overflow goes back up the inlets to the street.
``inlets_kinds.inp``: a drop grate (GENERIC, 20 % clogged) in a trapezoidal channel and a
drop curb in an open rectangular one, a slotted drain with a flow limit, a local
depression and forced ON_GRADE placement, CUSTOM inlets on a diversion curve (three
replicates, clogged, limited) and on a rating curve in the sump of a half street.

Compared element by element with SWMM: every node's depth and every link's flow (the
project's agreement check, flooding included), the flow each capture node receives (its
lateral inflow is what its inlets capture, less nothing), and the routing continuity
error (SWMM counts neither the inlet transfers as inflow nor a capture node's overflow
as flooding).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.agreement import run_and_compare
from tests.networks.test_inp_errors import expect
from twin.networks.check import check_network
from twin.networks.inp_reader import read_inp_text

DATA = Path(__file__).parent / "data"
DUAL = (DATA / "inlets_dual.inp").read_text()
KINDS = (DATA / "inlets_kinds.inp").read_text()
CAPTURE_NODES = {"inlets_dual": ["M2", "M3", "M4"], "inlets_kinds": ["M1", "M2", "M3", "M4"]}


@pytest.mark.swmm
@pytest.mark.parametrize(
    "name, routing",
    [("inlets_dual", "DYNWAVE"), ("inlets_kinds", "DYNWAVE"), ("inlets_dual", "KINWAVE"),
     ("inlets_kinds", "KINWAVE")],
)  # fmt: skip
def test_inlets_agree_with_swmm(name, routing, tmp_path):
    """Under KINWAVE an inlet in a sump takes no more than its node holds and receives.
    (``inlets_kinds`` under KINWAVE: the capture at the rating-curve sump, M4, differed
    from SWMM's by up to 1.6 % of its peak while twin's circular sewers were exact
    circles; 0.18 % with SWMM's own circle tables, 0.10 % with inflows read on SWMM's
    clock too.)"""
    text = DUAL if name == "inlets_dual" else KINDS
    text = text.replace("FLOW_ROUTING DYNWAVE", f"FLOW_ROUTING {routing}")
    ours, ref = run_and_compare(tmp_path / f"{name}.inp", text)
    for node in CAPTURE_NODES[name]:  # what the inlets capture, step by step
        a = ours["node_lateral_inflow"].sel(node=node).values
        b = ref["node_lateral_inflow"].sel(node=node).values
        n = min(len(a), len(b))
        assert b.max() > 0.01, node  # each inlet captures
        assert np.abs(a[:n] - b[:n]).max() <= 0.01 * b.max(), node
    key = "flow_routing_continuity_error_percent"
    assert abs(ours.attrs[key] - ref.attrs[key]) <= 0.005
    if name == "inlets_dual":  # the sewer overflows at M3 and that water returns
        assert ref["node_flooding"].sel(node="M3").max() > 0.1
        assert abs(ours.attrs["routing_flooding_m3"]) < 0.5  # not lost: sent back


def test_inlets_read_as_swmm_reads_them():
    net = read_inp_text(KINDS, source="kinds.inp")
    d = net.inlets.designs
    assert d["DG"].kind == 4 and d["DG"].grate_type == 7 and d["DG"].open_fraction == 0.6
    assert d["DC"].curb_length == 4.0 and d["SL"].slot_width == 0.15
    assert d["CD"].curve == "DIV" and d["CR"].curve == "RAT"
    u = {net.links.name[x.link]: x for x in net.inlets.usages}
    assert u["ST1"].flow_limit == 2.0 and u["ST1"].placement == 1
    assert (u["ST2"].count, u["ST2"].percent_clogged) == (3, 25.0)
    combo = read_inp_text(DUAL, source="dual.inp").inlets.designs["CO"]
    assert combo.kind == 2 and combo.grate_length == 2.0 and combo.curb_length == 6.0


def test_check_no_longer_warns_about_inlets():
    net = read_inp_text(DUAL, source="dual.inp")
    assert not [f for f in check_network(net) if "INLET" in f.name]


def test_inlet_in_a_pipe_is_dropped_with_swmms_warning():
    from twin.engine.options import options_from_raw
    from twin.engine.routing import Router
    from twin.errors import TwinWarning

    text = DUAL.replace("ST1 GR M2 1 10 0 0 0", "P1 GR M2 1 10 0 0 0")
    net = read_inp_text(text, source="pipe.inp")
    with pytest.warns(TwinWarning, match="inlet GR cannot be placed in conduit P1"):
        router = Router(net, options_from_raw(net.options))
    assert router.inlets.design_of_link == {"ST2": "CB", "ST3": "CO"}


@pytest.mark.parametrize(
    "section, old, new, field, match",
    [
        ("INLETS", "GR GRATE 2 2 P_BAR-50", "GR GRATE 2 0 P_BAR-50", "Width", "must be > 0"),
        ("INLETS", "GR GRATE 2 2 P_BAR-50", "GR GRATE 2 2 SQUARE", "GrateType", "unknown grate"),
        ("INLETS", "GR GRATE 2 2 P_BAR-50", "GR GRATE 2 2 GENERIC", "OpenArea", "missing"),
        ("INLETS", "CB CURB 5 0.5 HORIZONTAL", "CB CURB 5 0.5 SLANTED", "ThroatAngle",
         "unknown throat"),
        ("INLETS", "CB CURB 5 0.5 HORIZONTAL", "CB GUTTER 5 0.5", "Type", "unknown inlet type"),
        ("INLET_USAGE", "ST1 GR M2 1 10 0 0 0", "ST1 GR M2 0 10 0 0 0", "Number", "integer"),
        ("INLET_USAGE", "ST1 GR M2 1 10 0 0 0", "ST1 GR M2 1 100 0 0 0", "PercentClogged",
         "must be <= 99"),
        ("INLET_USAGE", "ST1 GR M2 1 10 0 0 0", "ST1 GR M2 1 10 -1 0 0", "Qmax", ">= 0"),
        ("INLET_USAGE", "ST1 GR M2 1 10 0 0 0", "ST1 GR M2 1 10 0 0 0 UPHILL", "Placement",
         "unknown placement"),
        ("INLET_USAGE", "ST1 GR M2 1 10 0 0 0", "ST1 GR NOPE 1 10 0 0 0", "CaptureNode",
         "unknown node"),
        ("INLET_USAGE", "ST1 GR M2 1 10 0 0 0", "ST1 XX M2 1 10 0 0 0", "Inlet",
         "conduit ST1 names inlet 'XX', which is missing"),
    ],
)  # fmt: skip
def test_bad_inlet_fields_name_file_line_section_field(section, old, new, field, match):
    text = DUAL.replace(old, new)
    expect(text, line_start=new[:8], section=section, field=field, match=match)


def test_missing_custom_curve_names_inlet_and_curve():
    text = KINDS.replace("CD CUSTOM DIV", "CD CUSTOM NOCURVE")
    expect(text, line_start="CD CUSTOM", section="INLETS", field="Curve",
           match="inlet CD names curve 'NOCURVE', which is missing")  # fmt: skip


def _swmm_street_rows(rpt: str) -> dict[str, list[str]]:
    """The rows of SWMM's Street Flow Summary by conduit name (tokens)."""
    lines = rpt.splitlines()
    start = next(i for i, ln in enumerate(lines) if "Street Flow Summary" in ln)
    rows, dashes = {}, 0
    for ln in lines[start:]:
        if ln.strip().startswith("-----"):
            dashes += 1
            continue
        if dashes == 2:
            if not ln.strip():
                break
            toks = ln.split()
            rows[toks[0]] = toks[1:]
    return rows


@pytest.mark.swmm
def test_street_flow_summary_is_swmms(tmp_path):
    """The report's Street Flow Summary: peak flow, spread, depth, the inlet's design,
    placement, count and capture statistics as SWMM 5.2.4 writes them (US file: cfs, ft)."""
    from swmm.toolkit import solver

    import twin
    from twin.report.street_tables import street_flow_summary

    path = tmp_path / "dual.inp"
    path.write_text(DUAL)
    solver.swmm_run(str(path), str(tmp_path / "dual.rpt"), str(tmp_path / "dual.out"))
    ref = _swmm_street_rows((tmp_path / "dual.rpt").read_text())
    table = street_flow_summary(twin.simulate(twin.load_network(path)))
    cfs, ft = 0.3048**3, 0.3048
    assert [r[0] for r in table.rows] == list(ref)
    for row in table.rows:
        s = ref[row[0]]
        assert row[4:7] == (s[3], s[4], float(s[5]))  # design, placement, count
        np.testing.assert_allclose(row[1:4], [float(s[0]) * cfs, float(s[1]) * ft,
                                              float(s[2]) * ft], rtol=2e-3)  # fmt: skip
        np.testing.assert_allclose(row[7:11], [float(x) for x in s[6:10]], atol=0.1)
        np.testing.assert_allclose(row[11:13], [float(s[10]) * cfs, float(s[11]) * cfs],
                                   atol=0.006 * cfs)  # fmt: skip
