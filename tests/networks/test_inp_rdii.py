"""[HYDROGRAPHS] and [RDII] read as SWMM 5.2 reads them; bad fields name file, line,
section and field; ``twin check`` no longer lists them; the writer keeps them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tests.networks.test_inp_errors import expect
from twin.networks.check import check_network
from twin.networks.inp_reader import read_inp_text
from twin.networks.inp_writer import write_inp

BASE = """[OPTIONS]
FLOW_UNITS CMS
[RAINGAGES]
G1 INTENSITY 0:10 1.0 TIMESERIES TS
G2 INTENSITY 0:10 1.0 TIMESERIES TS
[JUNCTIONS]
J1 10 3
J2 9 3
[OUTFALLS]
O1 8 FREE
[CONDUITS]
C1 J1 J2 100 0.013 0 0
C2 J2 O1 100 0.013 0 0
[XSECTIONS]
C1 CIRCULAR 1 0 0 0
C2 CIRCULAR 1 0 0 0
[HYDROGRAPHS]
UH1 G2
UH1 ALL SHORT 0.05 0.5 2
UH1 JUL MEDIUM 0.1 3 2 5 0.5 1
UH1 AUGUST 0.01 1 2 0.02 3 3 0.03 10 2 4 0.2
UH2 G1
UH2 ALL LONG 0.2 10 3
[RDII]
J2 UH1 12.5
J1 UH2 3
[TIMESERIES]
TS 0:00 1
"""


def read(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sections are read: no "kept verbatim" warning
        return read_inp_text(text, source="net.inp")


def test_unit_hydrographs_and_rdii_are_read():
    net = read(BASE)
    uh, rd = net.unit_hydrographs, net.rdii
    assert uh.names == ["UH1", "UH2"] and list(uh.gauge) == [1, 0]
    jul, aug, jan = 6, 7, 0
    assert uh.r[0, jan].tolist() == [0.05, 0.0, 0.0]
    assert uh.r[0, jul].tolist() == [0.05, 0.1, 0.0]
    assert uh.t_peak_s[0, jul].tolist() == [1800, 10800, 0]
    assert uh.t_base_s[0, jul].tolist() == [5400, 32400, 0]  # T (1 + K), whole seconds
    assert uh.ia_max[0, jul].tolist() == [0.0, 5.0, 0.0]
    assert uh.ia_recovery[0, jul, 1] == 0.5 and uh.ia_initial[0, jul, 1] == 1.0
    # the older one-line form: three R-T-K triples, one abstraction for all three
    assert uh.r[0, aug].tolist() == [0.01, 0.02, 0.03]
    assert uh.t_base_s[0, aug].tolist() == [10800, 43200, 108000]
    assert uh.ia_max[0, aug].tolist() == [4.0, 4.0, 4.0]
    assert uh.ia_recovery[0, aug].tolist() == [0.2] * 3 and not uh.ia_initial[0, aug].any()
    assert (uh.t_base_s[1, :, 2] == 36000 * 4).all() and not uh.r[1, :, :2].any()
    # one entry per node, in node order; hectares -> m2
    assert rd.node.tolist() == [0, 1] and rd.unit_hydrograph.tolist() == [1, 0]
    np.testing.assert_allclose(rd.area_m2, [30000.0, 125000.0])


def test_check_no_longer_lists_rdii():
    names = {f.name for f in check_network(read(BASE))}
    assert "[RDII]" not in names and "[HYDROGRAPHS]" not in names


def test_writer_keeps_the_sections(tmp_path):
    net = read(BASE)
    path = tmp_path / "copy.inp"
    write_inp(net, path)
    again = read(path.read_text())
    for key in ("r", "t_peak_s", "t_base_s", "ia_max", "ia_recovery", "ia_initial", "gauge"):
        assert np.array_equal(getattr(again.unit_hydrographs, key),
                              getattr(net.unit_hydrographs, key)), key  # fmt: skip
    assert np.array_equal(again.rdii.area_m2, net.rdii.area_m2)


@pytest.mark.parametrize(
    "old, new, section, field, match",
    [
        ("J2 UH1 12.5", "J9 UH1 12.5", "RDII", "Node", "unknown node 'J9'"),
        ("J2 UH1 12.5", "J2 UHX 12.5", "RDII", "UnitHydrograph", "unknown unithyd 'UHX'"),
        ("J2 UH1 12.5", "J2 UH1 -1", "RDII", "SewerArea", "must be >= 0"),
        ("J2 UH1 12.5", "J2 UH1 big", "RDII", "SewerArea", "expected a number"),
        ("J2 UH1 12.5", "J2 UH1", "RDII", "SewerArea", "missing value"),
        ("UH1 G2", "UH1 G9", "HYDROGRAPHS", "Gauge", "unknown raingage 'G9'"),
        ("UH1 ALL SHORT 0.05", "UH1 XYZ SHORT 0.05", "HYDROGRAPHS", "Month", "unknown month"),
        ("UH1 ALL SHORT 0.05 0.5 2", "UH1 ALL SHORT 0.05 x 2", "HYDROGRAPHS", "T", "a number"),
        (
            "UH1 JUL MEDIUM 0.1 3 2 5 0.5 1",
            "UH1 JUL MEDIUM 0.1 3 2 5 0.5 one",
            "HYDROGRAPHS",
            "Dinit",
            "expected a number",
        ),
        (
            "UH1 AUGUST 0.01 1 2 0.02 3 3 0.03 10",
            "UH1 AUGUST 0.01 1 2 0.02 3 3 0.03 1e9",
            "HYDROGRAPHS",
            "T3",
            "outside the physical",
        ),
        ("UH1 ALL SHORT 0.05 0.5 2", "UH1 ALL SHORT 0.05 0.5", "HYDROGRAPHS", "K", "missing"),
    ],
)
def test_bad_fields_name_file_line_section_field(old, new, section, field, match):
    text = BASE.replace(old, new)
    expect(text, line_start=new, section=section, field=field, match=match)


@pytest.mark.parametrize(
    "old, new, field, match",
    [
        ("UH2 G1\n", "", "Gauge", "names no rain gauge"),
        ("UH2 ALL LONG 0.2 10 3", "UH2 ALL LONG 0.2 -10 3", "T", "negative time"),
        ("UH2 ALL LONG 0.2 10 3", "UH2 ALL LONG 1.2 10 3", "R", "summing to more than 1"),
        ("UH2 ALL LONG 0.2 10 3", "UH2 ALL LONG -0.2 10 3", "R", "below 0"),
    ],
)
def test_unit_hydrograph_checks_name_its_first_line(old, new, field, match):
    """SWMM's validateRdii (errors 151 and 153) at the line that declared the set."""
    text = BASE.replace(old, new)
    e = expect(text, line_start=None, section="HYDROGRAPHS", field=field, match=match)
    first = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("UH2"))
    assert e.line == first
