"""STREET cross sections ([STREETS], SWMM 5.2's street.c) against EPA SWMM 5.2, and read
as SWMM reads them.

``streets.inp``: three STREET conduits in series under an inflow hydrograph that floods
the first junction: a full street with a backing behind each curb and a depressed
gutter (the backing's n left and right of the curbs), a half street without backing
(SWMM closes it with a wall at the crown), and a full street without gutter depression.
Compared: every node's depth and every link's flow (the project's agreement check,
flooding volume included) and the routing continuity error, under DYNWAVE and KINWAVE.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.agreement import run_and_compare
from tests.networks.test_inp_errors import expect
from twin.kernels.codes import Shape
from twin.kernels.xsect.transect import transect_table
from twin.networks.inp_reader import read_inp_text
from twin.networks.inp_writer import write_inp

DATA = Path(__file__).parent / "data"
TEXT = (DATA / "streets.inp").read_text()


@pytest.mark.swmm
@pytest.mark.parametrize("routing", ["DYNWAVE", "KINWAVE"])
def test_streets_agree_with_swmm(routing, tmp_path):
    """KINWAVE also reads SWMM's Amax of a street (its full area, not an IRREGULAR
    section's area at the maximum section factor)."""
    text = TEXT.replace("FLOW_ROUTING DYNWAVE", f"FLOW_ROUTING {routing}")
    ours, ref = run_and_compare(tmp_path / "streets.inp", text)
    assert ref["node_flooding"].max() > 0.1  # the first street overflows its junction
    err = ours.attrs["flow_routing_continuity_error_percent"]
    assert abs(err - ref.attrs["flow_routing_continuity_error_percent"]) <= 0.002


def test_street_outline_is_swmms():
    """transect_createStreetTransect: backing, curb, gutter, crown, mirrored; the road's n
    in the channel, the backing's beyond the curbs; full depth the backing's top."""
    net = read_inp_text(TEXT, source="streets.inp")
    assert net.streets == ["FULL_BACK", "HALF", "FLAT"]
    assert (net.links.shape == Shape.IRREGULAR).all()
    ft = 0.3048
    t = net.transect_geometry["FULL_BACK"]
    y1, y3 = 0.2 / ft, (0.05 + 0.02 * 0.6) / ft
    y4, ymax = y3 + 0.02 * 5.4 / ft, 0.2 / ft + 0.04 * 3.0 / ft
    np.testing.assert_allclose(t.stations * ft, [0, 3, 3, 3.6, 9, 14.4, 15, 15, 18], atol=1e-12)
    np.testing.assert_allclose(t.elevations, [ymax, y1, 0, y3, y4, y3, 0, y1, ymax], rtol=1e-12)
    assert (t.n_left, t.n_right, t.n_channel) == (0.03, 0.03, 0.016)
    assert t.x_left == t.stations[1] and t.x_right == t.stations[7]
    half = net.transect_geometry["HALF"]
    assert len(half.stations) == 6 and half.stations[5] == half.stations[4]
    assert half.n_left == half.n_channel == 0.014
    tbl, y_full, n = transect_table(t)
    assert y_full == pytest.approx(ymax) and n == 0.016
    assert tbl[0, -1] == 1.0  # relative area, full at the top


def test_writer_keeps_streets(tmp_path):
    net = read_inp_text(TEXT, source="streets.inp")
    path = tmp_path / "copy.inp"
    write_inp(net, path)
    again = read_inp_text(path.read_text(), source="copy.inp")
    assert again.streets == net.streets
    for name in net.streets:
        a, b = again.transect_geometry[name], net.transect_geometry[name]
        np.testing.assert_array_equal(a.stations, b.stations)
        np.testing.assert_array_equal(a.elevations, b.elevations)


@pytest.mark.parametrize(
    "old, new, field, match",
    [
        ("HALF       4.0", "HALF       0", "Tcrown", "must be > 0"),
        ("FLAT       5.0    0.20  2.0 0.016", "FLAT       5.0    0.20  2.0", "nRoad", "missing"),
        ("0.05  0.6  2     3.0", "-0.05  0.6  2     3.0", "a", "must be >= 0"),
        ("0.03  0.5  1", "0.03  0.5  3", "Sides", r"integer in \[1, 2\]"),
        ("3.0   4.0   0.03", "3.0   4.0", "nBack", "missing"),
        ("3.0   4.0   0.03", "3.0   4.0   x", "nBack", "expected a number"),
    ],
)
def test_bad_street_fields_name_file_line_section_field(old, new, field, match):
    text = TEXT.replace(old, new)
    line = next(ln for ln in text.splitlines() if new in ln)
    expect(text, line_start=line[:9], section="STREETS", field=field, match=match)


def test_unknown_street_is_named():
    text = TEXT.replace("R3 STREET FLAT", "R3 STREET NOSUCH")
    expect(text, line_start="R3 STREET", section="XSECTIONS", field="Geom1",
           match="unknown street 'NOSUCH'")  # fmt: skip
