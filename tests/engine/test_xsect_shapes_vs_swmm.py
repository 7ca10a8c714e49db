"""The shapes SWMM tabulates by hand, against SWMM 5.2 (issue 19).

Egg, horseshoe, gothic, catenary, semi-elliptical, basket-handle and semi-circular
sections, both ellipses and the arch use SWMM's own geometry tables (xsect.dat,
:mod:`twin.kernels.xsect.swmm_tables`).  Ten conduits in series, one of each, under a
hydrograph that fills them: every node's depth within the depth floor of the agreement
check (1 mm RMSE) of SWMM's, on top of the agreement check itself.  (With tables drawn
from the shapes' outlines the worst depth NSE was 0.991, RMSE 3.2 % of the peak.)
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import twin
from tests.agreement import DEPTH_ABS_FLOOR_M, assert_agrees
from twin.kernels.codes import Shape
from twin.kernels.xsect.swmm_tables import SWMM_TABLES
from twin.validation.swmm_run import run_swmm

SHAPES = [  # (shape, Geom1..Geom4 in m)
    ("EGG", "1.2 0 0 0"),
    ("HORSESHOE", "1.2 0 0 0"),
    ("GOTHIC", "1.2 0 0 0"),
    ("CATENARY", "1.2 0 0 0"),
    ("SEMIELLIPTICAL", "1.2 0 0 0"),
    ("BASKETHANDLE", "1.2 0 0 0"),
    ("SEMICIRCULAR", "0.8 0 0 0"),
    ("HORIZ_ELLIPSE", "0.9 1.4 0 0"),
    ("VERT_ELLIPSE", "1.4 0.9 0 0"),
    ("ARCH", "0.9 1.4 0 0"),
]


def network() -> str:
    n = len(SHAPES)
    lines = [
        "[TITLE]\nhand-tabulated shapes in series\n[OPTIONS]\nFLOW_UNITS CMS\n"
        "FLOW_ROUTING DYNWAVE\nSTART_DATE 01/01/2020\nSTART_TIME 00:00:00\n"
        "END_DATE 01/01/2020\nEND_TIME 04:00:00\nREPORT_STEP 00:01:00\nWET_STEP 00:01:00\n"
        "DRY_STEP 00:05:00\nROUTING_STEP 2\n[JUNCTIONS]"
    ]
    lines += [f"J{i} {20 - 0.2 * i:.2f} 4 0 0 0" for i in range(n)]
    lines.append(f"[OUTFALLS]\nO1 {20 - 0.2 * n:.2f} FREE NO\n[CONDUITS]")
    lines += [f"C{i} J{i} {f'J{i + 1}' if i + 1 < n else 'O1'} 150 0.013 0 0 0 0" for i in range(n)]
    lines.append("[XSECTIONS]")
    lines += [f"C{i} {shape} {geom} 1" for i, (shape, geom) in enumerate(SHAPES)]
    lines.append(
        "[INFLOWS]\nJ0 FLOW TS1 FLOW 1.0 1.0\nJ4 FLOW TS2 FLOW 1.0 1.0\n[TIMESERIES]\n"
        "TS1 0:00 0.01\nTS1 1:00 0.9\nTS1 2:00 0.2\nTS1 3:00 0.01\n"
        "TS2 0:00 0\nTS2 1:30 0.4\nTS2 2:30 0\n"
    )
    return "\n".join(lines)


def test_every_hand_tabulated_shape_is_covered():
    # the circle (SWMM's own tables since fidelity-pid) is stepped beside SWMM in
    # tests/engine/test_xsect_circle_vs_swmm.py
    assert {Shape[s] for s, _ in SHAPES} | {Shape.CIRCULAR} == set(SWMM_TABLES)


@pytest.mark.swmm
def test_hand_tabulated_shapes_agree_with_swmm(tmp_path):
    inp = tmp_path / "shapes.inp"
    inp.write_text(network())
    ours, ref = twin.simulate(twin.load_network(inp)), run_swmm(inp)
    m = assert_agrees(ours, ref)
    a, b = xr.align(ours["node_depth"], ref["node_depth"], join="inner")
    rmse = np.sqrt(((a - b) ** 2).mean("time"))
    assert float(rmse.max()) <= DEPTH_ABS_FLOOR_M, m.summary()
    assert float(b.max()) > 0.5  # the conduits run well filled
