"""Culvert inlet control against EPA SWMM 5.2.4 (issue 19).

``data/culverts.inp`` holds five road crossings, each a storage pond draining through a
culvert into a channel: EPA's Example6 (two circular concrete pipes, code 4, form 1, with
roadway overtopping), a box (code 12, form 2), a mitered corrugated pipe (code 5, the
slope correction -7 S), a horizontal ellipse (code 31) and a mitered arch (code 46) under
a high tailwater.  Their ponds rise through the unsubmerged, transition and submerged
regimes and fall back; every node's depth and link's flow must agree with SWMM's element
by element, and the continuity error with SWMM's (E's outfall pushes water back in).  The
same network without the culvert codes must not agree with SWMM's run with them (inlet
control is what the comparison sees).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import twin
from tests.agreement import assert_agrees, compare
from twin.kernels.routing.culvert import CULVERT_PARAMS, MAX_CULVERT_CODE
from twin.networks.check import not_modelled_elements

DATA = Path(__file__).parent / "data"
PONDS = ["InA", "InB", "InC", "InD", "InE"]
#: a pond's peak depth within 5 mm of SWMM's (its depth range is 1.2-1.9 m)
PEAK_DEPTH_TOL_M = 0.005


def without_codes(text: str) -> str:
    """The file with the culvert code (the 8th field of an [XSECTIONS] line) removed."""
    head, rest = text.split("[XSECTIONS]")
    body, tail = rest.split("[INFLOWS]")
    body = re.sub(r"^((?:\S+\s+){6}\S+)\s+\d+\s*$", r"\1", body, flags=re.M)
    return head + "[XSECTIONS]" + body + "[INFLOWS]" + tail


@pytest.fixture(scope="module")
def swmm_culverts():
    from twin.validation import run_swmm

    return run_swmm(DATA / "culverts.inp")


@pytest.mark.swmm
def test_culverts_agree_with_swmm_element_by_element(swmm_culverts):
    ours = twin.simulate(DATA / "culverts.inp")
    m = assert_agrees(ours, swmm_culverts)
    for v in ("node_depth", "link_flow"):
        assert m.agrees[v].all(), (v, m.summary())
    culverts = [f"Culvert{c}" for c in "ABCDE"]
    a, b = xr.align(ours, swmm_culverts, join="inner")
    assert (m.nse["link_flow"][[list(a.link.values).index(c) for c in culverts]] >= 0.999).all()
    # crossing E's fixed tailwater pushes water back through its outfall: SWMM counts it
    # as external inflow, and so must the continuity error
    continuity = ours.attrs["flow_routing_continuity_error_percent"]
    assert abs(continuity - swmm_culverts.attrs["flow_routing_continuity_error_percent"]) <= 0.01
    for pond in PONDS:
        peak_ours = float(a.node_depth.sel(node=pond).max())
        peak_swmm = float(b.node_depth.sel(node=pond).max())
        assert abs(peak_ours - peak_swmm) <= PEAK_DEPTH_TOL_M, (pond, peak_ours, peak_swmm)


@pytest.mark.swmm
def test_without_inlet_control_the_ponds_disagree(swmm_culverts, tmp_path):
    inp = tmp_path / "no_codes.inp"
    inp.write_text(without_codes((DATA / "culverts.inp").read_text()))
    assert not twin.load_network(inp).links.culvert.any()
    m = compare(twin.simulate(inp), swmm_culverts)
    ponds = [list(swmm_culverts.node.values).index(p) for p in PONDS[:4]]
    assert (m.nse["node_depth"][ponds] < 0.9).all(), m.nse["node_depth"][ponds]


def test_culverts_are_no_longer_refused():
    net = twin.load_network(DATA / "culverts.inp")
    assert int((net.links.culvert > 0).sum()) == 5
    assert not_modelled_elements(net) == []


def test_coefficient_table_is_swmms():
    """Spot checks of SWMM 5.2's Params (with its 5.1.013 corrections) and its shape."""
    assert CULVERT_PARAMS.shape == (MAX_CULVERT_CODE + 1, 5)
    assert np.array_equal(CULVERT_PARAMS[0], np.zeros(5))
    assert CULVERT_PARAMS[4].tolist() == [1.0, 0.0078, 2.0, 0.0379, 0.69]
    assert CULVERT_PARAMS[37].tolist() == [1.0, 0.0300, 1.00, 0.0463, 0.75]
    assert CULVERT_PARAMS[46].tolist() == [1.0, 0.0300, 1.00, 0.0473, 0.75]
    assert CULVERT_PARAMS[57].tolist() == [2.0, 0.500, 0.667, 0.0378, 0.71]
    forms = CULVERT_PARAMS[1:, 0]
    assert set(forms.tolist()) == {1.0, 2.0} and int((forms == 2.0).sum()) == 25
