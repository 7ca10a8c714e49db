"""IRREGULAR cross sections from [TRANSECTS] against EPA SWMM 5.2.4 (issue 19).

``data/transects.inp`` routes a flood down four natural channel reaches whose sections are
HEC-2 transects: overbanks rougher than the channel, stations stretched and raised by an
X1 line with a meander factor, an NC line that sets only the channel's n, a vertical bank.
The 51-entry tables built from each transect must be SWMM's (its report prints them to
four decimals with INPUT YES; the Cross Section Summary gives full depth, area, hydraulic
radius and width), and every node's depth and link's flow must agree with SWMM's.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import twin
from tests.agreement import assert_agrees
from twin.errors import InputError
from twin.kernels.xsect.transect import transect_table

DATA = Path(__file__).parent / "data"
FT = 0.3048
#: depths within 2 mm of SWMM's at every report time (the channels run 0.2-3.8 m deep)
DEPTH_TOL_M = 0.002


@pytest.fixture(scope="module")
def swmm_report(tmp_path_factory):
    from swmm.toolkit import solver

    out = tmp_path_factory.mktemp("transects")
    solver.swmm_run(str(DATA / "transects.inp"), str(out / "t.rpt"), str(out / "t.out"))
    return (out / "t.rpt").read_text()


@pytest.mark.swmm
def test_transect_tables_are_swmms(swmm_report):
    net = twin.load_network(DATA / "transects.inp")
    assert sorted(net.transect_geometry) == ["T1", "T2", "T3", "T4"]
    summary = swmm_report[swmm_report.index("Cross Section Summary") :]
    for name, t in net.transect_geometry.items():
        table, y_full, _ = transect_table(t)
        block = swmm_report[swmm_report.index(f"Transect {name}\n") :]
        theirs = np.array([float(v) for v in re.findall(r"\d+\.\d{4}", block)[:150]])
        ours = np.round(table[[0, 1, 2], 1:], 4).ravel()
        assert np.abs(ours - theirs.reshape(3, 50).ravel()).max() <= 1e-4 + 1e-12, name
        row = re.search(rf"\n\s+\S+\s+{name}\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", summary)
        depth, area, radius, width = (float(v) for v in row.groups())
        a_full, r_full, w_max = table[3, :3]
        assert abs(y_full * FT - depth) <= 0.005 + 1e-9
        assert abs(a_full * FT * FT - area) <= 0.005 + 1e-9
        assert abs(r_full * FT - radius) <= 0.005 + 1e-9
        assert abs(w_max * FT - width) <= 0.005 + 1e-9


@pytest.mark.swmm
def test_irregular_channels_agree_with_swmm():
    from twin.validation import run_swmm

    ours = twin.simulate(DATA / "transects.inp")
    swmm = run_swmm(DATA / "transects.inp")
    m = assert_agrees(ours, swmm)
    for v in ("node_depth", "link_flow"):
        assert m.agrees[v].all(), (v, m.summary())
    a, b = xr.align(ours, swmm, join="inner")
    err = np.abs(a.node_depth.values - b.node_depth.transpose(*a.node_depth.dims).values)
    assert err.max() <= DEPTH_TOL_M, err.max()


def test_transect_without_nc_or_section_end_is_refused_as_swmm_refuses_it(tmp_path):
    """SWMM builds a transect's tables at the next NC line or the section's end; one
    followed directly by another X1 line has none, and its conduit no roughness."""
    text = (DATA / "transects.inp").read_text()
    i = text.index("NC 0.08     0.06     0.035\nX1 T2")
    inp = tmp_path / "no_nc.inp"
    inp.write_text(text[:i] + text[i + len("NC 0.08     0.06     0.035\n") :])
    with pytest.raises(InputError, match="transect T1 has no NC line") as err:
        twin.load_network(inp)
    assert (err.value.section, err.value.field, err.value.code) == ("CONDUITS", "Roughness", 113)


GR3 = "GR 6.0      0.0      5.0      "  # the first GR line of T3


@pytest.mark.parametrize(
    ("old", "new", "field", "code"),
    [
        (GR3 + "10.0", GR3 + "-1.0", "Station", 221),
        ("X1 T3              7        10.0", "X1 T3              7        30.0", "Name", 229),
        (GR3 + "10.0", "GR 6.0      0.0      x      10.0", "Elevation", 211),
        ("NC 0        0        0.03", "NC 0        0        -0.03", "ChannelN", 211),
    ],
)
def test_bad_transect_fields_name_line_and_field(tmp_path, old, new, field, code):
    text = (DATA / "transects.inp").read_text()
    assert old in text
    bad = text.replace(old, new, 1)
    inp = tmp_path / "bad.inp"
    inp.write_text(bad)
    with pytest.raises(InputError) as err:
        twin.load_network(inp)
    line = next(k for k, ln in enumerate(bad.splitlines(), 1) if ln.startswith(new))
    assert (err.value.line, err.value.section, err.value.field) == (line, "TRANSECTS", field)
    assert err.value.code == code
