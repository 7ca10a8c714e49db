"""[LID_CONTROLS] and [LID_USAGE] read as SWMM 5.2 reads them: every field, SWMM's checks
(errors 183-188) at the line they concern; an LID used but not defined names both; bad
fields name file, line, section and field; the writer keeps the sections."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tests.networks.test_inp_errors import expect
from twin.networks.check import check_network
from twin.networks.inp_lid import BC, PP, RB
from twin.networks.inp_reader import read_inp_text
from twin.networks.inp_writer import write_inp

BASE = """[OPTIONS]
FLOW_UNITS CFS
[RAINGAGES]
G1 INTENSITY 0:10 1.0 TIMESERIES TS
[SUBCATCHMENTS]
S1 G1 J1 2 60 300 1.0 0
S2 G1 J1 1 40 200 1.0 0
[SUBAREAS]
S1 0.013 0.1 0.05 0.1 25 OUTLET
S2 0.013 0.1 0.05 0.1 25 OUTLET
[INFILTRATION]
S1 3.0 0.5 4 7 0
S2 3.0 0.5 4 7 0
[LID_CONTROLS]
Cell BC
Cell SURFACE 6 0.1 0.1 1.0 5
Cell SOIL 18 0.5 0.2 0.1 0.5 10 3.5
Cell STORAGE 12 0.75 0.3 0
Cell DRAIN 0.5 0.5 3 0 0 0 DQ
Lot PP
Lot SURFACE 0.5 0 0.012 1 0
Lot PAVEMENT 6 0.15 0 2 10 30 0.5
Lot STORAGE 12 0.75 0.2 0
Tank RB
Tank STORAGE 36 0.75 0 0 YES
Tank DRAIN 1.0 0.5 0 6
[LID_USAGE]
S1 Cell 2 2000 20 10 60 0 * J2 15
S1 Lot 1 8000 80 0 30 0
S2 Tank 0 25 5 0 30 0
S2 Tank 4 25 5 0 30 1 * S1
[JUNCTIONS]
J1 100 6
J2 99 6
[OUTFALLS]
O1 98 FREE
[CONDUITS]
C1 J1 J2 400 0.013 0 0
C2 J2 O1 400 0.013 0 0
[XSECTIONS]
C1 CIRCULAR 2 0 0 0
C2 CIRCULAR 2 0 0 0
[CURVES]
DQ Control 0 0.5
DQ 10 1.0
[TIMESERIES]
TS 0:00 1
"""


def read(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sections are read: no "kept verbatim" warning
        return read_inp_text(text, source="net.inp")


def test_controls_and_usage_are_read():
    lids = read(BASE).lids
    c, u = lids.controls, lids.usage
    assert c.names == ["Cell", "Lot", "Tank"] and c.kind.tolist() == [BC, PP, RB]
    assert c.soil[0].tolist() == [18, 0.5, 0.2, 0.1, 0.5, 10, 3.5]
    assert c.pavement[1].tolist() == [6, 0.15, 0, 2, 10, 30, 0.5]
    assert c.covered.tolist() == [False, False, True]
    assert c.drain[0].tolist() == [0.5, 0.5, 3, 0, 0, 0] and c.drain_curve == ["DQ", "", ""]
    assert c.drain[2].tolist() == [1.0, 0.5, 0, 6, 0, 0]  # optional fields default to 0
    # a line with zero units is skipped, as in SWMM
    assert u.subcatchment.tolist() == [0, 0, 1] and u.lid.tolist() == [0, 1, 2]
    assert u.number.tolist() == [2, 1, 4]
    assert u.params[0].tolist() == [2000, 20, 10, 60, 0, 15]
    assert u.drain_node.tolist() == [1, -1, -1] and u.drain_subcatchment.tolist() == [-1, -1, 0]


def test_check_and_writer(tmp_path):
    net = read(BASE)
    assert not [f for f in check_network(net) if "LID" in f.name]
    path = tmp_path / "copy.inp"
    write_inp(net, path)
    again = read(path.read_text()).lids
    assert np.array_equal(again.usage.params, net.lids.usage.params)
    assert np.array_equal(again.controls.soil, net.lids.controls.soil)


@pytest.mark.parametrize(
    "old, new, section, field, match",
    [
        ("S1 Lot 1 8000", "S1 Lost 1 8000", "LID_USAGE", "LID",
         "LID 'Lost' of subcatchment S1 is not defined in \\[LID_CONTROLS\\]"),
        ("S1 Lot 1 8000", "S9 Lot 1 8000", "LID_USAGE", "Subcatchment",
         "unknown subcatchment 'S9'"),
        ("S1 Lot 1 8000 80", "S1 Lot 1 8000 x", "LID_USAGE", "Width", "expected a number"),
        ("S1 Lot 1 8000 80 0 30 0", "S1 Lot 1 8000 80 0 130 0", "LID_USAGE", "FromImp",
         "must be <= 100"),
        ("S1 Lot 1 8000 80 0 30 0", "S1 Lot 1 8000 80 0 30", "LID_USAGE", "ToPerv", "missing"),
        ("S1 Cell 2 2000 20 10 60 0 * J2", "S1 Cell 2 2000 20 10 60 0 * JX", "LID_USAGE",
         "DrainTo", "neither a subcatchment nor a node"),
        ("S1 Cell 2 2000 20 10 60 0 * J2 15", "S1 Cell 2 2000 20 10 60 0 * J2 115",
         "LID_USAGE", "FromPerv", "must be <= 100"),
        ("Cell SOIL 18 0.5 0.2 0.1 0.5 10 3.5", "Cell SOIL 18 0.5 0.2 0.1 0.5 10",
         "LID_CONTROLS", "Suction", "missing"),
        ("Cell SOIL 18 0.5", "Cell SOIL 18 -0.5", "LID_CONTROLS", "Porosity", "must be >= 0"),
        ("Cell SURFACE 6 0.1", "Cell SURFACE 6 1.0", "LID_CONTROLS", "VegetationFraction",
         "must be < 1"),
        ("Lot PAVEMENT 6 0.15 0 2 10 30 0.5", "Lot PAVEMENT 6 0.15 0 2 10 30 1.5",
         "LID_CONTROLS", "RegenDegree", "must be <= 1"),
        ("Lot PAVEMENT 6 0.15 0 2 10 30 0.5", "Lot PAVEMENT 6 0.15 0 2 10 -30 0.5",
         "LID_CONTROLS", "RegenDays", "must be >= 0"),
        ("Lot PAVEMENT 6 0.15 0 2 10 30 0.5", "Lot PAVEMENT 6 0.15 0 2 10 x 0.5",
         "LID_CONTROLS", "RegenDays", "expected a number"),
        ("Cell DRAIN 0.5 0.5 3 0 0 0 DQ", "Cell DRAIN 0.5 0.5 3 0 0 0 NOQ", "LID_CONTROLS",
         "Curve", "unknown curve 'NOQ'"),
        ("Cell STORAGE 12", "Cell STORIES 12", "LID_CONTROLS", "Type/Layer",
         "unknown LID type or layer 'STORIES'"),
    ],
)  # fmt: skip
def test_bad_fields_name_file_line_section_field(old, new, section, field, match):
    text = BASE.replace(old, new)
    assert text != BASE
    expect(text, line_start=new, section=section, field=field, match=match)


@pytest.mark.parametrize(
    "old, new, field, code, match",
    [
        ("Cell BC\n", "", "Type", 183, "no LID type"),
        ("Lot PAVEMENT 6 0.15 0 2 10 30 0.5\n", "", "PAVEMENT", 184,
         "permeable pavement needs a PAVEMENT layer"),
        ("Cell SOIL 18 0.5 0.2 0.1", "Cell SOIL 18 0.5 0.6 0.1", "SOIL", 185,
         "invalid soil layer"),
        ("Cell DRAIN 0.5 0.5 3 0 0 0", "Cell DRAIN 0.5 0.5 3 0 2 4", "DRAIN", 185,
         "open level must be above its close level"),
    ],
)  # fmt: skip
def test_control_checks_name_the_control(old, new, field, code, match):
    """SWMM's validateLidProc errors at the control's type line (or first line)."""
    text = BASE.replace(old, new)
    e = expect(text, line_start=None, section="LID_CONTROLS", field=field, match=match)
    assert e.code == code and e.line is not None


def test_lid_areas_and_capture_are_checked():
    text = BASE.replace("S1 Lot 1 8000 80", "S1 Lot 11 8000 80")  # 92 000 ft2 > 2 acres
    e = expect(text, line_start="S1 Cell", section="LID_USAGE", field="Area",
               match="cover more than its area")  # fmt: skip
    assert e.code == 187
    text = BASE.replace("S1 Lot 1 8000 80 0 30", "S1 Lot 1 8000 80 0 50")
    e = expect(text, line_start="S1 Cell", section="LID_USAGE", field="FromImp",
               match="treat more than 100 %")  # fmt: skip
    assert e.code == 188
