"""[ADJUSTMENTS] RAINFALL and EVAPORATION against EPA SWMM 5.2.

``adjustments_us.inp`` (``tests/engine/data``): the RDII network of
``test_rdii_vs_swmm.py`` from June 30th 06:30 into July with MONTHLY evaporation, an
open channel, monthly rain factors 1.3 (June) and 0.7 (July) and evaporation
adjustments +0.15 and -0.1 in/day.  SWMM multiplies a rain reading when it reads it
ahead (the month of the reading before it; the first two with the factor its RDII pass
left set) and adds the evaporation adjustment to the month's rate: subcatchment runoff,
RDII, node depths and link flows, and the runoff and routing volumes are compared.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import twin
from tests.agreement import run_and_compare
from twin.networks.check import check_network
from twin.networks.inp_reader import read_inp_text

DATA = Path(__file__).parent / "data"
#: acre-feet printed to 0.001 (1.2 m3) and 10^6 gal to 0.001 (3.8 m3): half, and more
TOL_M3 = {"runoff_evaporation_m3": 1.0, "rdii_produced_m3": 1.0,
          "routing_rdii_inflow_m3": 2.0, "routing_evaporation_m3": 2.0}  # fmt: skip


@pytest.mark.swmm
def test_rain_and_evaporation_adjustments_agree_with_swmm():
    ours, ref = run_and_compare(DATA / "adjustments_us.inp")
    for key, tol in TOL_M3.items():
        assert abs(ours.attrs[key] - ref.attrs[key]) <= tol, (key, ours.attrs[key],
                                                              ref.attrs[key])  # fmt: skip
    a, b = xr.align(ours["subcatchment_runoff"], ref["subcatchment_runoff"], join="inner")
    assert float(np.abs(a - b).max()) <= 1e-5 * float(b.max())
    # the adjustments matter: without them the same volumes are far off
    text = (DATA / "adjustments_us.inp").read_text()
    head, tail = text.split("\n[ADJUSTMENTS]\n")
    plain = twin.simulate(read_inp_text(head + "\n[RAINGAGES]" + tail.split("[RAINGAGES]")[1]))
    assert abs(plain.attrs["rdii_produced_m3"] - ref.attrs["rdii_produced_m3"]) > 100.0
    assert abs(plain.attrs["runoff_evaporation_m3"] - ref.attrs["runoff_evaporation_m3"]) > 10.0


def test_adjustments_read_and_checked():
    text = (DATA / "adjustments_us.inp").read_text()
    net = read_inp_text(text)
    adj = net.adjustments
    assert adj.rainfall[5] == 1.3 and adj.rainfall[6] == 0.7 and adj.evaporation[6] == -0.1
    assert not [f for f in check_network(net) if f.name == "[ADJUSTMENTS]"]
    more = text.replace("TEMPERATURE 0", "CONDUCTIVITY 1 1 1 1 1 0.5 -2 1 1 1 1 1\nTEMPERATURE 0")
    net = read_inp_text(more)
    assert net.adjustments.conductivity[5] == 0.5 and net.adjustments.conductivity[6] == 1.0
    assert not [f for f in check_network(net) if f.name == "[ADJUSTMENTS]"]  # infiltration
    # applied to conduit seepage too (test_storage_losses_vs_swmm.py), and the patterns
    after = (DATA / "conductivity_after.inp").read_text()
    after = after.replace("[JUNCTIONS]", "[LOSSES]\nC1 0 0 0 NO 1.5\n[JUNCTIONS]")
    assert not [f for f in check_network(read_inp_text(after)) if f.name == "[ADJUSTMENTS]"]


@pytest.mark.parametrize(
    "old, new, field, match",
    [
        ("RAINFALL 1 1 1 1 1 1.3", "RAINFALL 1 1 1 1 1 x", "month 6", "expected a number"),
        ("RAINFALL 1 1 1 1 1 1.3 0.7 1 1 1 1 1", "RAINFALL 1 1", "month 3", "missing value"),
        ("TEMPERATURE 0", "WIND 0", "Keyword", "unknown keyword"),
        ("TEMPERATURE 0", "N-PERV S9 P\nTEMPERATURE 0", "Subcatchment", "unknown subcatchment"),
        ("TEMPERATURE 0", "DSTORE S1 P\nTEMPERATURE 0", "Pattern", "unknown pattern"),
    ],
)
def test_bad_adjustments_name_file_line_section_field(old, new, field, match):
    from twin.errors import InputError

    text = (DATA / "adjustments_us.inp").read_text().replace(old, new)
    with pytest.raises(InputError, match=match) as err:
        read_inp_text(text, source="net.inp")
    e = err.value
    assert (e.file, e.section, e.field) == ("net.inp", "ADJUSTMENTS", field)
    assert text.splitlines()[e.line - 1].startswith(new.split("\n")[0][:6])


@pytest.mark.swmm
@pytest.mark.parametrize("order", ["before", "after"])
def test_conductivity_and_subcatchment_patterns_agree_with_swmm(order):
    """CONDUCTIVITY (0.4 in June, 2.5 in July) on Horton, Green-Ampt and modified
    Green-Ampt subcatchments, an INFIL pattern (1.8, 0.3) on the last one, DSTORE and
    N-PERV patterns (2.0, 0.5) on the others: SWMM applies the patterns only when
    [ADJUSTMENTS] comes after [SUBCATCHMENTS], whose lines reset them; the twin reads
    them the same way."""
    path = DATA / f"conductivity_{order}.inp"
    net = read_inp_text(path.read_text())
    assert len(net.adjustments.patterns) == (4 if order == "after" else 0)
    ours, ref = run_and_compare(path)
    a, b = xr.align(ours["subcatchment_infiltration"], ref["subcatchment_infiltration"],
                    join="inner")  # fmt: skip
    assert float(np.abs(a - b).max()) <= 1e-5 * float(b.max())
    err = ours.attrs["runoff_continuity_error_percent"]
    assert abs(err - ref.attrs["runoff_continuity_error_percent"]) <= 0.001
    # the factors matter: SWMM's infiltration is not the unadjusted one
    text = path.read_text().replace("CONDUCTIVITY 1 1 1 1 1 0.4 2.5", "CONDUCTIVITY 1 1 1 1 1 1 1")
    plain = twin.simulate(read_inp_text(text.replace("INFIL S3 SOILS", "")))
    a, b = xr.align(plain["subcatchment_infiltration"], ref["subcatchment_infiltration"],
                    join="inner")  # fmt: skip
    assert float(np.abs(a - b).max()) > 0.1 * float(b.max())


@pytest.mark.parametrize("order, n_patterns", [("before", 0), ("after", 4)])
def test_written_copy_keeps_which_patterns_act(tmp_path, order, n_patterns):
    """The writer puts [ADJUSTMENTS] after [SUBCATCHMENTS] only when its patterns act, so
    SWMM (and the twin) read the written copy as they read the source."""
    from twin.networks.inp_writer import write_inp

    net = read_inp_text((DATA / f"conductivity_{order}.inp").read_text())
    write_inp(net, tmp_path / "copy.inp")
    again = read_inp_text((tmp_path / "copy.inp").read_text())
    assert len(again.adjustments.patterns) == n_patterns
    assert again.adjustments.patterns == net.adjustments.patterns
