"""network_summary on a hand-made US network whose totals are worked out by hand."""

from __future__ import annotations

import math

import pytest

from twin.kernels.codes import Shape
from twin.networks.inp_reader import read_inp_text
from twin.networks.summary import full_area_m2, network_summary

FT = 0.3048
ACRE_HA = 0.40468564224

NET = """[OPTIONS]
FLOW_UNITS CFS
[RAINGAGES]
RG INTENSITY 0:15 1.0 TIMESERIES TS
[SUBCATCHMENTS]
S1 RG J1 10 50 100 1 0
S2 RG J2 30 10 100 1 0
[JUNCTIONS]
J1 100 10
J2 95 8
J3 90 6
[OUTFALLS]
O1 80 FREE
O2 80 FREE
O3 80 FREE
[STORAGE]
T1 85 12 0 FUNCTIONAL 0 0 100
[DIVIDERS]
D1 88 C4 OVERFLOW 5
[CONDUITS]
C1 J1 J2 100 0.013 0 0
C2 J2 J3 50 0.013 0 0
C3 J3 D1 40 0.013 0 0
C4 D1 T1 60 0.013 0 0
C5 D1 O1 70 0.013 0 0
[PUMPS]
P1 T1 O2 * ON 0 0
[WEIRS]
W1 J3 O3 TRANSVERSE 1 3.33
[XSECTIONS]
C1 CIRCULAR 2 0 0 0 2
C2 RECT_CLOSED 2 3 0 0
C3 EGG 3 0 0 0
C4 TRAPEZOIDAL 2 3 1 1
C5 POWER 2 3 2 0
W1 RECT_OPEN 1 4 0 0
[TIMESERIES]
TS 0 1
"""


def test_counts_lengths_volumes_areas_ranges():
    s = network_summary(read_inp_text(NET))
    assert s["counts"] == {
        "junctions": 3,
        "outfalls": 3,
        "storages": 1,
        "dividers": 1,
        "conduits": 5,
        "pumps": 1,
        "orifices": 0,
        "weirs": 1,
        "outlets": 0,
        "subcatchments": 2,
        "raingages": 1,
    }
    assert s["conduit_length_m"] == pytest.approx((100 + 50 + 40 + 60 + 70) * FT)
    # ft3 by hand: circle pi*2^2/4*100*2 barrels, rect 2*3*50, trapezoid 2*(3+2)*60,
    # power 2*3/(1/2+1)*70; the egg (C3) is not computed and is listed
    ft3 = math.pi * 100 * 2 + 6 * 50 + 10 * 60 + 4 * 70
    assert s["conduit_full_volume_m3"] == pytest.approx(ft3 * FT**3)
    assert s["volume_missing_conduits"] == ["C3"]
    assert s["catchment_area_ha"] == pytest.approx(40 * ACRE_HA)
    assert s["imperviousness_pct"] == pytest.approx((10 * 50 + 30 * 10) / 40)
    assert s["invert_range_m"] == pytest.approx((80 * FT, 100 * FT))
    assert s["rim_range_m"] == pytest.approx((80 * FT, 110 * FT))
    assert (s["flow_units"], s["unit_system"]) == ("CFS", "US")


@pytest.mark.parametrize(
    "shape, geom, area",
    [
        (Shape.CIRCULAR, (2, 0, 0, 0), math.pi),
        (Shape.FILLED_CIRCULAR, (2, 1, 0, 0), math.pi / 2),  # half filled with sediment
        (Shape.RECT_OPEN, (2, 3, 0, 0), 6),
        (Shape.TRIANGULAR, (2, 3, 0, 0), 3),
        (Shape.PARABOLIC, (3, 2, 0, 0), 4),
        (Shape.RECT_TRIANGULAR, (3, 2, 1, 0), 5),
        (Shape.RECT_ROUND, (3, 2, 1, 0), 4 + math.pi / 2),  # half circle of radius 1 below
        (Shape.HORIZ_ELLIPSE, (2, 4, 0, 0), 2 * math.pi),
        (Shape.DUMMY, (0, 0, 0, 0), 0),
    ],
)
def test_full_area_of_simple_shapes(shape, geom, area):
    assert full_area_m2(shape, geom) == pytest.approx(area)


def test_custom_shape_integrates_its_curve():
    # relative width 1 at every relative depth: a square of side 2
    assert full_area_m2(Shape.CUSTOM, (2, 0, 0, 0), ([0, 0.5, 1], [1, 1, 1])) == pytest.approx(4)
    assert math.isnan(full_area_m2(Shape.IRREGULAR, (0, 0, 0, 0)))


def test_empty_network():
    s = network_summary(read_inp_text("[JUNCTIONS]\nJ1 3\n"))
    assert s["conduit_length_m"] == 0 and s["catchment_area_ha"] == 0
    assert math.isnan(s["imperviousness_pct"]) and s["invert_range_m"] == (3 * FT, 3 * FT)
