"""[AQUIFERS] and [GROUNDWATER] read as SWMM 5.2 reads them; bad fields name file, line,
section and field; ``twin check`` no longer lists them; the writer keeps them; a [GWF]
expression is refused by the engine with its line named."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import twin
from tests.networks.test_inp_errors import expect
from twin.networks.check import check_network
from twin.networks.inp_reader import read_inp_text
from twin.networks.inp_writer import write_inp

BASE = """[OPTIONS]
FLOW_UNITS CMS
START_DATE 01/01/2020
END_DATE 01/01/2020
END_TIME 01:00
[RAINGAGES]
G1 INTENSITY 0:10 1.0 TIMESERIES TS
[SUBCATCHMENTS]
S1 G1 J1 5 30 200 1.0 0
S2 G1 J2 3 10 150 2.0 0
[SUBAREAS]
S1 0.012 0.15 1.5 5 25 OUTLET
S2 0.012 0.15 1.5 5 25 OUTLET
[INFILTRATION]
S1 60 8 4 7 0
S2 60 8 4 7 0
[AQUIFERS]
A1 0.5 0.15 0.30 20 10 15 0.35 4.0 0.5 0 3.0 0.32
A2 0.45 0.12 0.25 12 8 10 0.4 1.5 0.2 1.0 3.2 0.26 ETPAT
[GROUNDWATER]
S2 A2 J2 7.0 0.003 1.0 0.006 1.0 0 0 * * 3.5 *
S1 A1 J1 6.0 0.004 1.5 0 0 0 0 2.5
[JUNCTIONS]
J1 2 3
J2 1.5 3
[OUTFALLS]
O1 1 FREE
[CONDUITS]
C1 J1 J2 100 0.013 0 0
C2 J2 O1 100 0.013 0 0
[XSECTIONS]
C1 CIRCULAR 1 0 0 0
C2 CIRCULAR 1 0 0 0
[PATTERNS]
ETPAT MONTHLY 1 1 1 1 0.6 1.4 1 1 1 1 1 1
[TIMESERIES]
TS 0:00 1
"""


def read(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sections are read: no "kept verbatim" warning
        return read_inp_text(text, source="net.inp")


def test_aquifers_and_groundwater_are_read():
    net = read(BASE)
    aq, gw = net.aquifers, net.groundwater
    assert aq.names == ["A1", "A2"] and aq.evap_pattern == ["", "ETPAT"]
    assert aq.params[1].tolist() == [0.45, 0.12, 0.25, 12, 8, 10, 0.4, 1.5, 0.2, 1.0, 3.2, 0.26]
    # one entry per subcatchment, in subcatchment order
    assert gw.subcatchment.tolist() == [0, 1] and gw.aquifer.tolist() == [0, 1]
    assert gw.node.tolist() == [0, 1]
    assert gw.params[0, :8].tolist() == [6.0, 0.004, 1.5, 0, 0, 0, 0, 2.5]
    assert np.isnan(gw.params[0, 8:]).all()
    assert np.isnan(gw.params[1, [7, 8, 10]]).all() and gw.params[1, 9] == 3.5


def test_check_no_longer_lists_groundwater():
    names = {f.name for f in check_network(read(BASE))}
    assert "[AQUIFERS]" not in names and "[GROUNDWATER]" not in names


def test_writer_keeps_the_sections(tmp_path):
    net = read(BASE)
    path = tmp_path / "copy.inp"
    write_inp(net, path)
    again = read(path.read_text())
    assert np.array_equal(again.aquifers.params, net.aquifers.params)
    assert np.array_equal(again.groundwater.params, net.groundwater.params, equal_nan=True)


@pytest.mark.parametrize(
    "old, new, section, field, match",
    [
        ("S1 A1 J1 6.0", "S9 A1 J1 6.0", "GROUNDWATER", "Subcatchment", "unknown subcatchment"),
        ("S1 A1 J1 6.0", "S1 AX J1 6.0", "GROUNDWATER", "Aquifer", "unknown aquifer 'AX'"),
        ("S1 A1 J1 6.0", "S1 A1 JX 6.0", "GROUNDWATER", "Node", "unknown node 'JX'"),
        ("S1 A1 J1 6.0 0.004", "S1 A1 J1 6.0 x", "GROUNDWATER", "A1", "expected a number"),
        ("S1 A1 J1 6.0 0.004 1.5 0 0 0 0 2.5", "S1 A1 J1 6.0 0.004 1.5 0 0 0 0",
         "GROUNDWATER", "Egwt", "missing value"),  # SWMM's ERR_ITEMS: 11 items at least
        ("S1 A1 J1 6.0", "S1 A1 J1 2.0", "GROUNDWATER", "Esurf", "below the water table"),
        ("A1 0.5 0.15", "A1 0.5 x", "AQUIFERS", "WiltingPoint", "expected a number"),
        ("A1 0.5 0.15 0.30 20 10 15 0.35 4.0 0.5 0 3.0 0.32",
         "A1 0.5 0.15 0.30 20 10 15 0.35 4.0 0.5 0 3.0", "AQUIFERS", "Umc", "missing"),
        ("A2 0.45 0.12 0.25 12 8 10 0.4 1.5 0.2 1.0 3.2 0.26 ETPAT",
         "A2 0.45 0.12 0.25 12 8 10 0.4 1.5 0.2 1.0 3.2 0.26 NOPAT", "AQUIFERS", "ETupat",
         "unknown pattern 'NOPAT'"),
    ],
)  # fmt: skip
def test_bad_fields_name_file_line_section_field(old, new, section, field, match):
    text = BASE.replace(old, new)
    expect(text, line_start=new, section=section, field=field, match=match)


@pytest.mark.parametrize(
    "old, new",
    [
        ("A1 0.5 0.15 0.30", "A1 0.5 0.35 0.30"),  # wilting point above field capacity
        ("A1 0.5 0.15 0.30", "A1 0.25 0.15 0.30"),  # field capacity above porosity
        ("0.5 0 3.0 0.32", "0.5 0 3.0 0.62"),  # moisture above porosity
        ("0.5 0 3.0 0.32", "0.5 4 3.0 0.32"),  # water table below the bottom
        ("A1 0.5 0.15 0.30 20", "A1 0.5 0.15 0.30 0"),  # no conductivity
    ],
)
def test_aquifer_checks_name_its_line(old, new):
    """SWMM's gwater_validateAquifer (error 109) at the aquifer's line."""
    text = BASE.replace(old, new)
    e = expect(text, line_start="A1 ", section="AQUIFERS", field="Porosity",
               match="invalid parameter values for aquifer A1")  # fmt: skip
    assert e.code == 109


def test_etupat_must_be_monthly():
    text = BASE.replace("ETPAT MONTHLY 1 1 1 1 0.6 1.4 1 1 1 1 1 1", "ETPAT DAILY 1 1 1 1 1 1 1")
    expect(text, line_start="A2 ", section="AQUIFERS", field="ETupat", match="MONTHLY")


def test_gwf_expressions_are_read_and_checked():
    text = BASE + "[GWF]\nS1 LATERAL 0.001*(Hgw-Hcb)^1.5 + step(Hsw - Hcb)\nS2 DEEP 0.2*Theta\n"
    net = read(text)
    assert net.groundwater.gwf == [
        (0, "LATERAL", "0.001*(Hgw-Hcb)^1.5 + step(Hsw - Hcb)", len(text.splitlines()) - 1),
        (1, "DEEP", "0.2*Theta", len(text.splitlines())),
    ]
    assert "[GWF]" not in {f.name for f in check_network(net)}
    twin.Simulation(net)  # runs: no refusal
    for line, field, match, code in (
        ("S1 SIDEWAYS 0.1", "Type", "unknown flow type", 205),
        ("S1 LATERAL 0.1*Hxx", "Expression", "unknown variable 'Hxx'", 233),
        ("S1 LATERAL 0.1*foo(Hgw)", "Expression", "invalid math expression", 233),
        ("S1 LATERAL 0.1*(Hgw", "Expression", "invalid math expression", 233),
        ("S9 DEEP 0.1", "Subcatchment", "unknown subcatchment", 209),
    ):
        e = expect(BASE + "[GWF]\n" + line + "\n", line_start=line, section="GWF", field=field,
                   match=match)  # fmt: skip
        assert e.code == code


def test_gwf_programs_follow_swmms_evaluation():
    """mathexpr.c's guards: sqrt and log of <= 0, a power of a base <= 0, cot(0) are 0."""
    from twin.kernels.runoff.groundwater import eval_program
    from twin.networks.inp_gwf import compile_gwf

    vals = np.arange(11, dtype=np.float64) + 1.0  # HGW=1, HSW=2, ... A=11
    for text, want in (
        ("1 + 2*3 - 4/2", 5.0), ("-Hgw + Hsw^2", 3.0),
        ("sqrt(-4) + log(0) + (0-2)^2 + cot(0)", 0.0), ("step(Theta - 7) + sgn(-3)", -1.0),
        ("abs(-Phi) + log10(100) + exp(0)", 11.0), ("A/KS", 11.0 / 5.0),
    ):  # fmt: skip
        ops, args = compile_gwf(text)
        got = eval_program(np.asarray(ops), np.asarray(args, float), 0, len(ops), vals)
        assert got == pytest.approx(want), text
