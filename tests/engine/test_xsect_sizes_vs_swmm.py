"""Elliptical and arch pipes given by SWMM's standard size codes (issue 19).

SWMM 5.2 reads an ARCH, HORIZ_ELLIPSE or VERT_ELLIPSE line's Geom1 as a size code when
Geom2 is 0, else a Geom3 above 0; the code selects the pipe's height, width, full area
and full hydraulic radius from its tables (xsect.dat).  Each conduit's geometry is
compared with SWMM's own Cross Section Summary, and the hydrographs with the agreement
check; a code outside the tables is refused by both, naming the line and field.
"""

from __future__ import annotations

import re

import pytest

import twin
from tests.agreement import assert_agrees
from twin.engine.simulation import Simulation
from twin.errors import InputError
from twin.kernels.codes import Shape
from twin.kernels.xsect.sizes import standard_size
from twin.validation.swmm_run import run_swmm

FT = 0.3048
#: SWMM's report prints the geometry to 0.01 m: equal within its rounding
REPORT_ROUNDING_M = 0.005 + 1e-9

NETWORK = """[TITLE]
standard size codes
[OPTIONS]
FLOW_UNITS           {units}
FLOW_ROUTING         DYNWAVE
START_DATE           01/01/2020
START_TIME           00:00:00
END_DATE             01/01/2020
END_TIME             03:00:00
REPORT_STEP          00:01:00
WET_STEP             00:01:00
DRY_STEP             00:05:00
ROUTING_STEP         5
[RAINGAGES]
G1 INTENSITY 0:05 1.0 TIMESERIES TS1
[SUBCATCHMENTS]
S1 G1 J1 2 60 200 1 0
S2 G1 J2 3 40 250 1 0
[SUBAREAS]
S1 0.013 0.1 2 5 25 OUTLET
S2 0.013 0.1 2 5 25 OUTLET
[INFILTRATION]
S1 50 5 4 7 0
S2 50 5 4 7 0
[JUNCTIONS]
J1 10 3 0 0 0
J2 9.5 3 0 0 0
J3 9.0 3 0 0 0
J4 8.8 3 0 0 0
[OUTFALLS]
O1 8.5 FREE NO
[CONDUITS]
C1 J1 J2 100 0.013 0 0 0 0
C2 J2 J3 100 0.013 0 0 0 0
C3 J3 J4 100 0.013 0 0 0 0
C4 J4 O1 100 0.013 0 0 0 0
[XSECTIONS]
{xsects}
[TIMESERIES]
TS1 0:00 0
TS1 0:30 40
TS1 1:00 80
TS1 1:30 20
TS1 2:00 0
[REPORT]
INPUT YES
"""

CASES = {
    "code_in_geom1": (
        "CMS",
        "C1 ARCH 5 0 0 0 1\nC2 HORIZ_ELLIPSE 1.2 0.6 6 0 1\n"
        "C3 VERT_ELLIPSE 7 0 0 0 1\nC4 ARCH 30 0 0 0 1",
    ),
    "code_in_geom3_us": (
        "CFS",
        "C1 ARCH 1.5 2 20 0 1\nC2 ARCH 2 3 47 0 2\nC3 HORIZ_ELLIPSE 4 6 10 0 1\n"
        "C4 VERT_ELLIPSE 2 1 3 0 1",
    ),
}


def network(units: str, xsects: str) -> str:
    return NETWORK.replace("{units}", units).replace("{xsects}", xsects)


def swmm_sections(rpt: str) -> dict[str, tuple[float, float, float, float]]:
    """Full depth, full area, hydraulic radius, max width of each conduit (SWMM's
    Cross Section Summary, converted to m)."""
    block = re.split(r"\n\s*\n", rpt[rpt.index("Cross Section Summary") :])[0]
    si = "Flow Units ............... CMS" in rpt
    out = {}
    for line in block.splitlines():
        m = re.match(r"\s+(C\d)\s+\S+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            vals = [float(v) for v in m.groups()[1:]]
            if not si:
                vals = [vals[0] * FT, vals[1] * FT * FT, vals[2] * FT, vals[3] * FT]
            out[m.group(1)] = tuple(vals)
    return out


@pytest.mark.swmm
@pytest.mark.parametrize("case", sorted(CASES))
def test_standard_sizes_agree_with_swmm(tmp_path, case):
    from swmm.toolkit import solver

    inp = tmp_path / f"{case}.inp"
    inp.write_text(network(*CASES[case]))
    rpt = tmp_path / f"{case}.rpt"
    solver.swmm_run(str(inp), str(rpt), str(tmp_path / f"{case}.out"))
    text = rpt.read_text()
    theirs = swmm_sections(text)
    si = "CMS" in CASES[case][0]
    assert len(theirs) == 4
    sim = Simulation(twin.load_network(inp))
    xs = sim.router.xsects
    for j, name in enumerate(sim.net.links.name):
        ours = (xs.y_full[j], xs.a_full[j] * FT, xs.r_full[j], xs.w_max[j])
        ours = tuple(v * FT for v in ours)  # ft, ft2 -> m, m2
        quantities = ("depth", "area", "radius", "width")
        for what, a, b in zip(quantities, ours, theirs[name], strict=True):
            scale = 1.0 if si else 1.0 / FT ** (2 if what == "area" else 1)
            assert abs(a - b) * scale <= REPORT_ROUNDING_M, (name, what, a, b)
    assert_agrees(sim.run(), run_swmm(inp))


def test_size_codes_follow_swmm_tables():
    assert standard_size(Shape.ARCH, 1) == (11 / 12, 18 / 12, 1.1, 0.25)
    assert standard_size(Shape.ARCH, 102.7) == (158 / 12, 247 / 12, 211.0, 3.938)
    assert standard_size(Shape.HORIZ_ELLIPSE, 1) == (14 / 12, 23 / 12, 1.8, 0.367)
    assert standard_size(Shape.VERT_ELLIPSE, 23) == (180 / 12, 116 / 12, 118.6, 2.968)


@pytest.mark.swmm
@pytest.mark.parametrize(
    ("xsects", "field", "message"),
    [
        ("C1 ARCH 103 0 0 0 1", "Geom1", "1-102, got 103"),
        ("C1 ARCH 0.5 0 0 0 1", "Geom1", "1-102, got 0.5"),
        ("C1 HORIZ_ELLIPSE 1 2 24 0 1", "Geom3", "1-23, got 24"),
    ],
)
def test_a_code_outside_the_tables_is_refused_as_swmm_refuses_it(tmp_path, xsects, field, message):
    text = network("CMS", xsects + "\nC2 ARCH 5 0 0 0 1\nC3 ARCH 5 0 0 0 1\nC4 ARCH 5 0 0 0 1")
    inp = tmp_path / "bad.inp"
    inp.write_text(text)
    with pytest.raises(InputError, match=message) as err:
        twin.load_network(inp)
    line = text.splitlines().index(xsects) + 1
    assert (err.value.line, err.value.section, err.value.field) == (line, "XSECTIONS", field)
    assert err.value.code == 211
    with pytest.raises(Exception, match="ERROR 211"):
        run_swmm(inp)


def test_written_copy_keeps_the_code(tmp_path):
    inp = tmp_path / "w.inp"
    inp.write_text(network(*CASES["code_in_geom1"]))
    net = twin.load_network(inp)
    again = tmp_path / "again.inp"
    net.to_inp(again)
    back = twin.load_network(again)
    assert (back.links.geom == net.links.geom).all()
    a, b = Simulation(net).router.xsects, Simulation(back).router.xsects
    for field in ("y_full", "w_max", "a_full", "r_full", "s_full", "s_max", "yw_max"):
        assert (getattr(a, field) == getattr(b, field)).all(), field
