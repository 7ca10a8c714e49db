"""Bad input raises InputError naming file, line, section and field (and nothing else)."""

from __future__ import annotations

import pytest

from twin.errors import InputError
from twin.networks.inp_reader import read_inp, read_inp_text

BASE = """[OPTIONS]
FLOW_UNITS CFS
[RAINGAGES]
RG INTENSITY 0:15 1.0 TIMESERIES TS1
[SUBCATCHMENTS]
S1 RG J1 1.5 50 100 1 0
[JUNCTIONS]
J1 10 5
J2 9 5
[OUTFALLS]
O1 8 FREE
[STORAGE]
ST 7 4 0 TABULAR SC
[CONDUITS]
C1 J1 J2 100 0.013 0 0
C2 J2 O1 100 0.013 0 0
[PUMPS]
P1 ST J2 PC ON 1 0
[XSECTIONS]
C1 CIRCULAR 1 0 0 0
C2 CIRCULAR 1 0 0 0
[CURVES]
SC Storage 0 10 5 10
PC Pump2 0 0 5 1
[TIMESERIES]
TS1 0:00 0.5
TS1 1:00 0.0
"""


def line_no(text, startswith):
    return next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(startswith))


def expect(text, *, line_start, section, field, match):
    with pytest.raises(InputError, match=match) as err:
        read_inp_text(text, source="net.inp")
    e = err.value
    assert e.file == "net.inp"
    assert e.section == section and e.field == field
    if line_start is not None:
        assert e.line == line_no(text, line_start)
        assert str(e).startswith(f"net.inp:{e.line}: [{section}] field '{field}': ")
    return e


def test_base_is_valid():
    net = read_inp_text(BASE)
    assert net.n_nodes == 4 and net.n_links == 3


def test_unknown_node_named_by_link():
    bad = BASE.replace("C2 J2 O1", "C2 J2 OX")
    expect(
        bad, line_start="C2 J2 OX", section="CONDUITS", field="ToNode", match="unknown node 'OX'"
    )


def test_unknown_outlet_of_subcatchment():
    bad = BASE.replace("S1 RG J1", "S1 RG J9")
    expect(
        bad,
        line_start="S1 RG J9",
        section="SUBCATCHMENTS",
        field="Outlet",
        match="unknown node or subcatchment 'J9'",
    )


@pytest.mark.parametrize("dup", ["J2 9 5\nj1 3 3", "C2 J2 O1 100 0.013 0 0\nC1 J2 O1 1 0.01 0 0"])
def test_duplicate_names(dup):
    first = dup.split("\n")[0]
    bad = BASE.replace(first, dup)
    second = dup.split("\n")[1]
    e = expect(
        bad,
        line_start=second,
        section="JUNCTIONS" if "j1" in dup else "CONDUITS",
        field="Name",
        match="duplicate",
    )
    assert e.line == line_no(bad, second)


def test_duplicate_across_node_sections():
    bad = BASE.replace("O1 8 FREE", "O1 8 FREE\nJ2 8 FREE")
    expect(
        bad,
        line_start="J2 8 FREE",
        section="OUTFALLS",
        field="Name",
        match="duplicate node name 'J2'",
    )


def test_link_missing_its_xsection():
    bad = BASE.replace("C2 CIRCULAR 1 0 0 0\n", "")
    e = expect(
        bad,
        line_start=None,
        section="CONDUITS",
        field="Name",
        match="conduit 'C2' has no \\[XSECTIONS\\] entry",
    )
    assert "C2" in str(e)


def test_non_number_where_number_needed():
    bad = BASE.replace("C1 J1 J2 100", "C1 J1 J2 abc")
    e = expect(
        bad,
        line_start="C1 J1 J2 abc",
        section="CONDUITS",
        field="Length",
        match="expected a number, got 'abc'",
    )
    assert str(e) == (
        f"net.inp:{e.line}: [CONDUITS] field 'Length': expected a number, got 'abc'"
        " (SWMM ERROR 211)"
    )


@pytest.mark.parametrize(
    "old, new, section, field",
    [
        ("C1 J1 J2 100 0.013", "C1 J1 J2 -100 0.013", "CONDUITS", "Length"),
        ("C1 J1 J2 100 0.013", "C1 J1 J2 100 -0.013", "CONDUITS", "Roughness"),
        ("S1 RG J1 1.5", "S1 RG J1 -1.5", "SUBCATCHMENTS", "Area"),
        ("J1 10 5", "J1 10 -5", "JUNCTIONS", "MaxDepth"),
    ],
)
def test_negative_values(old, new, section, field):
    expect(BASE.replace(old, new), line_start=new, section=section, field=field, match="must be")


@pytest.mark.parametrize(
    "old, new, section, field, what",
    [
        ("C1 CIRCULAR", "C1 ROUNDISH", "XSECTIONS", "Shape", "cross-section shape"),
        ("FLOW_UNITS CFS", "FLOW_UNITS GALLONS", "OPTIONS", "FLOW_UNITS", "FLOW_UNITS value"),
        ("FLOW_UNITS CFS", "FLOW_UNIT CFS", "OPTIONS", "Option", "option"),
        ("O1 8 FREE", "O1 8 LOOSE", "OUTFALLS", "Type", "outfall type"),
        ("P1 ST J2 PC ON", "P1 ST J2 PC MAYBE", "PUMPS", "Status", "pump status"),
        ("SC Storage", "SC Storagex", "CURVES", "Type", None),
        ("SC Storage", "SC Volume", "CURVES", "Type", "curve type"),
    ],
)
def test_unknown_keywords(old, new, section, field, what):
    bad = BASE.replace(old, new)
    if what is None:  # SWMM matches keywords by prefix: 'Storagex' is STORAGE
        assert read_inp_text(bad).curves["SC"].kind == "STORAGE"
        return
    expect(bad, line_start=new, section=section, field=field, match=f"unknown {what}")


@pytest.mark.parametrize(
    "old, new, section, field, what",
    [
        ("ST 7 4 0 TABULAR SC", "ST 7 4 0 TABULAR NOCURVE", "STORAGE", "Param1", "curve"),
        ("P1 ST J2 PC", "P1 ST J2 NOPC", "PUMPS", "PumpCurve", "curve"),
        (
            "RG INTENSITY 0:15 1.0 TIMESERIES TS1",
            "RG INTENSITY 0:15 1.0 TIMESERIES TS9",
            "RAINGAGES",
            "Series/File",
            "timeseries",
        ),
    ],
)
def test_missing_curve_or_timeseries(old, new, section, field, what):
    expect(
        BASE.replace(old, new),
        line_start=new,
        section=section,
        field=field,
        match=f"unknown {what}",
    )


def test_unknown_section_and_missing_items():
    with pytest.raises(InputError, match=r"net.inp:3: .*unknown section '\[NOPE\]'"):
        read_inp_text("[TITLE]\nx\n[NOPE]\n", source="net.inp")
    expect(
        BASE.replace("C1 J1 J2 100 0.013 0 0", "C1 J1 J2 100"),
        line_start="C1 J1 J2 100",
        section="CONDUITS",
        field="Roughness",
        match="missing value",
    )


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="network file not found"):
        read_inp(tmp_path / "nothere.inp")
