"""SWMM 5.2's input errors (its error.txt, 101-235): twin refuses the same files with the
same code, naming file, line and field, and SWMM itself (swmm-toolkit) refuses each one
too (issue 15, item 9).

Codes that do not apply: 101-107 (memory, solver failures at run time), 155 (RDII area:
SWMM's parser refuses a negative one first, as 211), 156 (rain files), 161 (treatment),
181-182 (snow: twin keeps the section verbatim and warns), 193 (SWMM 5.2.4
accepts a report start after the end), 219-231 (transects:
tests/engine/test_transects_vs_swmm.py), 112 (not raised by SWMM 5.2).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import pytest

from twin.engine.simulation import Simulation
from twin.errors import InputError
from twin.networks.inp_reader import read_inp_text

BASE = """[TITLE]
error codes
[OPTIONS]
FLOW_UNITS CFS
FLOW_ROUTING DYNWAVE
START_DATE 01/01/2024
START_TIME 00:00
END_DATE 01/01/2024
END_TIME 00:30
REPORT_STEP 00:05:00
ROUTING_STEP 5
[RAINGAGES]
RG INTENSITY 0:15 1.0 TIMESERIES TS1
[SUBCATCHMENTS]
S1 RG J1 1.5 50 100 1 0
[SUBAREAS]
S1 0.01 0.1 0.05 0.05 25 OUTLET
[INFILTRATION]
S1 3.0 0.5 4 7 0
[JUNCTIONS]
J1 10 5
J2 9 5
[OUTFALLS]
O1 7 FREE
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


@dataclass
class Case:
    code: int  # SWMM's error number, in twin's message too
    what: str
    section: str | None
    field: str | None
    edits: list = field(default_factory=list)  # (old, new) replacements of BASE
    swmm: int | None = None  # SWMM's own code when it differs (its parser stops first)

    @property
    def text(self) -> str:
        t = BASE
        for old, new in self.edits:
            assert old in t, old
            t = t.replace(old, new, 1)
        return t


CASES = [
    Case(
        108,
        "ambiguous outlet ID name for a subcatchment",
        "SUBCATCHMENTS",
        "Outlet",
        [
            ("S1 RG J1 1.5 50 100 1 0", "S1 RG J2 1.5 50 100 1 0\nJ2 RG J1 1 50 100 1 0"),
            ("S1 0.01", "J2 0.01 0.1 0.05 0.05 25 OUTLET\nS1 0.01"),
            ("S1 3.0", "J2 3.0 0.5 4 7 0\nS1 3.0"),
        ],
    ),
    Case(
        109,
        "invalid aquifer parameters (wilting point above field capacity)",
        "AQUIFERS",
        "Porosity",
        [
            (
                "[JUNCTIONS]",
                "[AQUIFERS]\nA1 0.5 0.35 0.30 1 10 15 0.35 2 0.01 0 5 0.32\n"
                "[GROUNDWATER]\nS1 A1 J1 12 0.001 1 0 0 0 0 *\n[JUNCTIONS]",
            )
        ],
    ),
    Case(
        110,
        "ground elevation below the water table",
        "GROUNDWATER",
        "Esurf",
        [
            (
                "[JUNCTIONS]",
                "[AQUIFERS]\nA1 0.5 0.15 0.30 1 10 15 0.35 2 0.01 0 5 0.32\n"
                "[GROUNDWATER]\nS1 A1 J1 4 0.001 1 0 0 0 0 *\n[JUNCTIONS]",
            )
        ],
    ),
    Case(
        111,
        "invalid length for a conduit",
        "CONDUITS",
        "Length",
        [("C1 J1 J2 100", "C1 J1 J2 0")],
    ),
    Case(
        113,
        "invalid roughness for a conduit",
        "CONDUITS",
        "Roughness",
        [("C1 J1 J2 100 0.013", "C1 J1 J2 100 0")],
    ),
    Case(
        211,
        "barrels 0: SWMM's parser refuses it (211) before its check 114 runs",
        "XSECTIONS",
        "Barrels",
        [("C1 CIRCULAR 1 0 0 0", "C1 CIRCULAR 1 0 0 0 0")],
    ),
    Case(
        115,
        "adverse slope (kinematic wave, steady flow)",
        "CONDUITS",
        "ToNode",
        [("FLOW_ROUTING DYNWAVE", "FLOW_ROUTING KINWAVE"), ("J2 9 5", "J2 11 5")],
    ),
    Case(
        117,
        "no cross section defined for a link",
        "CONDUITS",
        "Name",
        [("C1 CIRCULAR 1 0 0 0\n", "")],
    ),
    Case(
        211,
        "a zero diameter: SWMM's parser refuses it (211) before its check 119 runs",
        "XSECTIONS",
        "Geom1",
        [("C1 CIRCULAR 1 0 0 0", "C1 CIRCULAR 0 0 0 0")],
    ),
    Case(
        121,
        "missing or invalid pump curve",
        "PUMPS",
        "PumpCurve",
        [("P1 ST J2 PC", "P1 ST J2 SC")],
    ),
    Case(
        122,
        "startup depth not higher than shutoff depth",
        "PUMPS",
        "Startup",
        [("P1 ST J2 PC ON 1 0", "P1 ST J2 PC ON 1 2")],
    ),
    Case(
        131,
        "links form cyclic loops (kinematic wave, steady flow)",
        "CONDUITS",
        "Name",
        [
            ("FLOW_ROUTING DYNWAVE", "FLOW_ROUTING KINWAVE"),
            ("C2 J2 O1 100 0.013 0 0", "C2 J3 O1 100 0.013 0 0\nC3 J2 J1 100 0.013 2 0"),
            ("C2 CIRCULAR", "C3 CIRCULAR 1 0 0 0\nC2 CIRCULAR"),
            ("J2 9 5", "J2 9 5\nJ3 8 5"),
        ],
    ),
    Case(
        133,
        "node has more than one outlet link (kinematic wave, steady flow)",
        "JUNCTIONS",
        "Name",
        [
            ("FLOW_ROUTING DYNWAVE", "FLOW_ROUTING KINWAVE"),
            ("O1 7 FREE", "O1 7 FREE\nO2 7 FREE"),
            ("C2 J2 O1 100 0.013 0 0", "C2 J2 O1 100 0.013 0 0\nC3 J2 O2 100 0.013 0 0"),
            ("C2 CIRCULAR", "C3 CIRCULAR 1 0 0 0\nC2 CIRCULAR"),
        ],
    ),
    Case(
        135,
        "divider does not have two outlet links",
        "DIVIDERS",
        "Name",
        [
            ("FLOW_ROUTING DYNWAVE", "FLOW_ROUTING KINWAVE"),
            ("[OUTFALLS]", "[DIVIDERS]\nD1 8 C3 CUTOFF 1\n[OUTFALLS]"),
            ("O1 7 FREE", "O1 7 FREE\nO2 7 FREE\nO3 7 FREE"),
            ("C2 J2 O1", "C2 J2 D1"),
            ("[CONDUITS]", "[CONDUITS]\nC3 D1 O1 100 0.013 0 0\nC4 D1 O2 100 0.013 0 0"),
            ("C2 CIRCULAR", "C3 CIRCULAR 1 0 0 0\nC4 CIRCULAR 1 0 0 0\nC2 CIRCULAR"),
            ("C3 D1 O1", "C5 D1 O3 100 0.013 0 0\nC3 D1 O1"),
            ("C3 CIRCULAR", "C5 CIRCULAR 1 0 0 0\nC3 CIRCULAR"),
        ],
    ),
    Case(
        136,
        "divider has invalid diversion link",
        "DIVIDERS",
        "DivLink",
        [
            ("[OUTFALLS]", "[DIVIDERS]\nD1 8 C1 CUTOFF 1\n[OUTFALLS]"),
            ("O1 7 FREE", "O1 7 FREE\nO2 7 FREE\nO3 7 FREE"),
            ("C2 J2 O1", "C2 J2 D1"),
            ("[CONDUITS]", "[CONDUITS]\nC3 D1 O1 100 0.013 0 0\nC4 D1 O2 100 0.013 0 0"),
            ("C2 CIRCULAR", "C3 CIRCULAR 1 0 0 0\nC4 CIRCULAR 1 0 0 0\nC2 CIRCULAR"),
        ],
    ),
    Case(
        137,
        "weir divider has invalid parameters",
        "DIVIDERS",
        "Param2",
        [
            ("[OUTFALLS]", "[DIVIDERS]\nD1 8 C3 WEIR 0 0 3.3\n[OUTFALLS]"),
            ("O1 7 FREE", "O1 7 FREE\nO2 7 FREE\nO3 7 FREE"),
            ("C2 J2 O1", "C2 J2 D1"),
            ("[CONDUITS]", "[CONDUITS]\nC3 D1 O1 100 0.013 0 0\nC4 D1 O2 100 0.013 0 0"),
            ("C2 CIRCULAR", "C3 CIRCULAR 1 0 0 0\nC4 CIRCULAR 1 0 0 0\nC2 CIRCULAR"),
        ],
    ),
    Case(
        138,
        "initial depth greater than maximum depth",
        "JUNCTIONS",
        "InitDepth",
        [("J1 10 5", "J1 10 5 6")],
    ),
    Case(
        139,
        "regulator is the outlet of a non-storage node",
        "ORIFICES",
        "FromNode",
        [
            ("FLOW_ROUTING DYNWAVE", "FLOW_ROUTING KINWAVE"),
            ("[CONDUITS]", "[ORIFICES]\nOR1 J1 J2 SIDE 0 0.65\n[CONDUITS]"),
            ("C1 J1 J2 100 0.013 0 0\n", ""),
            ("C1 CIRCULAR 1 0 0 0", "OR1 CIRCULAR 1 0 0 0"),
        ],
    ),
    Case(
        140,
        "storage node has negative volume at full depth",
        "STORAGE",
        "Curve",
        [
            ("ST 7 4 0 TABULAR SC", "ST 7 4 0 TABULAR SC2"),
            ("SC Storage 0 10 5 10", "SC Storage 0 10 5 10\nSC2 Storage 0 -10 5 -10"),
        ],
    ),
    Case(
        141,
        "outfall has more than 1 inlet link or an outlet link",
        "OUTFALLS",
        "Name",
        [
            ("C2 J2 O1 100 0.013 0 0", "C2 J2 O1 100 0.013 0 0\nC3 O1 J1 100 0.013 0 0"),
            ("C2 CIRCULAR", "C3 CIRCULAR 1 0 0 0\nC2 CIRCULAR"),
        ],
    ),
    Case(
        143,
        "regulator has invalid cross-section shape",
        "XSECTIONS",
        "Shape",
        [
            ("[CONDUITS]", "[ORIFICES]\nOR1 J1 J2 SIDE 0 0.65\n[CONDUITS]"),
            ("C1 J1 J2 100 0.013 0 0\n", ""),
            ("C1 CIRCULAR 1 0 0 0", "OR1 TRIANGULAR 1 1 0 0"),
        ],
    ),
    Case(
        145,
        "no acceptable outlet nodes",
        "OUTFALLS",
        None,
        [("[OUTFALLS]\nO1 7 FREE\n", ""), ("J2 9 5", "J2 9 5\nO1 7 5")],
    ),
    Case(
        157,
        "inconsistent rainfall format for rain gages sharing a series",
        "RAINGAGES",
        "Format",
        [
            (
                "RG INTENSITY 0:15 1.0 TIMESERIES TS1",
                "RG INTENSITY 0:15 1.0 TIMESERIES TS1\nRG2 VOLUME 0:15 1.0 TIMESERIES TS1",
            ),
            ("S1 RG J1 1.5 50 100 1 0", "S1 RG J1 1.5 50 100 1 0\nS2 RG2 J2 1.5 50 100 1 0"),
            ("S1 0.01", "S2 0.01 0.1 0.05 0.05 25 OUTLET\nS1 0.01"),
            ("S1 3.0", "S2 3.0 0.5 4 7\nS1 3.0"),
        ],
    ),
    Case(
        158,
        "time series for a rain gage is also used by another object",
        "RAINGAGES",
        "Source",
        [("[TIMESERIES]", "[INFLOWS]\nJ1 FLOW TS1\n[TIMESERIES]")],
    ),
    Case(
        159,
        "recording interval greater than time series interval",
        "RAINGAGES",
        "Interval",
        [("RG INTENSITY 0:15", "RG INTENSITY 1:30")],
    ),
    Case(
        171,
        "curve has invalid or out of sequence data",
        "CURVES",
        "X-Value",
        [("SC Storage 0 10 5 10", "SC Storage 5 10 0 10")],
    ),
    Case(
        173,
        "time series has its data out of sequence",
        "TIMESERIES",
        "Time",
        [("TS1 1:00 0.0", "TS1 1:00 0.0\nTS1 0:30 0.2")],
    ),
    Case(
        191,
        "simulation start date comes after ending date",
        "OPTIONS",
        "END_DATE",
        [("END_DATE 01/01/2024", "END_DATE 12/31/2023")],
    ),
    Case(
        195,
        "reporting time step less than routing time step",
        "OPTIONS",
        "REPORT_STEP",
        [("REPORT_STEP 00:05:00", "REPORT_STEP 00:00:02")],
    ),
    Case(
        201,
        "too many characters in input line",
        "JUNCTIONS",
        None,
        [
            (
                "J1 10 5",
                "J1 10 5" + " " * 1100 + "0",
            )
        ],
        swmm=203,
    ),
    Case(
        203,
        "too few items",
        "CONDUITS",
        "InOffset",
        [("C1 J1 J2 100 0.013 0 0", "C1 J1 J2 100 0.013")],
    ),
    Case(
        205,
        "invalid keyword",
        "OUTFALLS",
        "Type",
        [("O1 7 FREE", "O1 7 FRE")],
    ),
    Case(
        207,
        "duplicate ID name",
        "JUNCTIONS",
        "Name",
        [("J2 9 5", "J2 9 5\nJ1 9 5")],
    ),
    Case(
        209,
        "undefined object",
        "CONDUITS",
        "ToNode",
        [("C2 J2 O1", "C2 J2 OX")],
    ),
    Case(
        211,
        "invalid number",
        "JUNCTIONS",
        "Elevation",
        [("J1 10 5", "J1 1x0 5")],
    ),
    Case(
        213,
        "invalid date/time",
        "OPTIONS",
        "START_DATE",
        [("START_DATE 01/01/2024", "START_DATE 13/45/2024")],
    ),
    Case(
        217,
        "control rule clause invalid or out of sequence",
        "CONTROLS",
        "THEN",
        [("[TIMESERIES]", "[CONTROLS]\nRULE R1\nTHEN PUMP P1 STATUS = ON\n[TIMESERIES]")],
    ),
    Case(
        233,
        "invalid math expression",
        "CONTROLS",
        "EXPRESSION",
        [("[TIMESERIES]", "[CONTROLS]\nEXPRESSION E1 = (1 +\n[TIMESERIES]")],
    ),
    Case(
        235,
        "invalid infiltration parameters",
        "INFILTRATION",
        "MaxRate",
        [("S1 3.0 0.5 4 7 0", "S1 0.5 3.0 4 7 0")],
    ),
    Case(
        211,
        "storage seepage with a moisture deficit above 1",
        "STORAGE",
        "IMD",
        [("ST 7 4 0 TABULAR SC", "ST 7 4 0 TABULAR SC 0 0 100 2 1.5")],
    ),
    Case(
        211,
        "negative storage seepage rate",
        "STORAGE",
        "Ksat",
        [("ST 7 4 0 TABULAR SC", "ST 7 4 0 TABULAR SC 0 0 -1")],
    ),
    Case(
        134,
        "an ideal pump that is not the only link leaving its node",
        "PUMPS",
        "FromNode",
        [("P1 ST J2 PC ON 1 0", "P1 J1 J2 * ON 1 0")],
    ),
    Case(
        151,
        "a unit hydrograph with a negative time to peak",
        "HYDROGRAPHS",
        "T",
        [("[CURVES]", "[HYDROGRAPHS]\nUH RG\nUH ALL SHORT 0.1 -1 2\n[RDII]\nJ1 UH 10\n[CURVES]")],
    ),
    Case(
        153,
        "unit hydrograph response ratios summing to more than 1",
        "HYDROGRAPHS",
        "R",
        [
            (
                "[CURVES]",
                "[HYDROGRAPHS]\nUH RG\nUH ALL SHORT 0.6 1 2\nUH ALL LONG 0.6 5 2\n"
                "[RDII]\nJ1 UH 10\n[CURVES]",
            )
        ],
    ),
    Case(
        183,
        "an LID control without a type",
        "LID_CONTROLS",
        "Type",
        [
            (
                "[JUNCTIONS]",
                "[LID_CONTROLS]\nL1 SOIL 12 0.5 0.2 0.1 1 10 3\n"
                "[LID_USAGE]\nS1 L1 1 1000 10 0 0 0\n[JUNCTIONS]",
            )
        ],
    ),
    Case(
        184,
        "a bio-retention cell without a soil layer",
        "LID_CONTROLS",
        "SOIL",
        [
            (
                "[JUNCTIONS]",
                "[LID_CONTROLS]\nL1 BC\nL1 SURFACE 6 0 0 1 0\n"
                "[LID_USAGE]\nS1 L1 1 1000 10 0 0 0\n[JUNCTIONS]",
            )
        ],
    ),
    Case(
        185,
        "an LID soil whose field capacity is above its porosity",
        "LID_CONTROLS",
        "SOIL",
        [
            (
                "[JUNCTIONS]",
                "[LID_CONTROLS]\nL1 BC\nL1 SOIL 12 0.5 0.6 0.1 1 10 3\n"
                "[LID_USAGE]\nS1 L1 1 1000 10 0 0 0\n[JUNCTIONS]",
            )
        ],
    ),
    Case(
        187,
        "LIDs covering more than their subcatchment",
        "LID_USAGE",
        "Area",
        [
            (
                "[JUNCTIONS]",
                "[LID_CONTROLS]\nL1 RB\nL1 STORAGE 36 0.75 0 0\n"
                "[LID_USAGE]\nS1 L1 2 40000 10 0 0 0\n[JUNCTIONS]",
            )
        ],
    ),
    Case(
        188,
        "LIDs treating more than all of the impervious runoff",
        "LID_USAGE",
        "FromImp",
        [
            (
                "[JUNCTIONS]",
                "[LID_CONTROLS]\nL1 RB\nL1 STORAGE 36 0.75 0 0\n"
                "[LID_USAGE]\nS1 L1 1 100 10 0 60 0\nS1 L1 1 100 10 0 60 0\n"
                "[JUNCTIONS]",
            )
        ],
    ),
]
IDS = [f"{c.code}-{i}" for i, c in enumerate(CASES)]


def _twin_error(text: str) -> InputError:
    with pytest.raises(InputError) as err:
        net = read_inp_text(text, source="net.inp")
        Simulation(net)  # [CONTROLS] are compiled here
    return err.value


def test_the_base_file_runs_in_both():
    read_inp_text(BASE, source="net.inp")


def test_one_case_per_code():
    assert len({c.code for c in CASES}) == len(CASES) - 4  # 211 five times


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_twin_refuses_with_swmms_code(case):
    e = _twin_error(case.text)
    assert e.code == case.code, str(e)
    assert f"(SWMM ERROR {case.code})" in str(e)
    assert e.file == "net.inp"
    assert e.section == case.section and e.field == case.field, str(e)
    if case.code != 145:  # "no outlet" has no line of its own
        assert e.line is not None
        line = case.text.splitlines()[e.line - 1]
        assert line.strip() and not line.startswith("["), line


def _swmm_codes(text: str, folder) -> set[int]:
    from swmm.toolkit import solver

    inp, rpt, out = (str(folder / f"m.{x}") for x in ("inp", "rpt", "out"))
    (folder / "m.inp").write_text(text)
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # SWMM prints its progress on file descriptor 1
    try:
        solver.swmm_run(inp, rpt, out)
    except Exception:  # swmm-toolkit raises on input errors; the report names them
        pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return {int(c) for c in re.findall(r"ERROR (\d+)", (folder / "m.rpt").read_text())}


def test_swmm_runs_the_base_file(tmp_path):
    assert _swmm_codes(BASE, tmp_path) == set()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_swmm_refuses_the_same_file(case, tmp_path):
    codes = _swmm_codes(case.text, tmp_path)
    assert (case.swmm or case.code) in codes, codes
