"""What-if LIDs ([[modify.lids]]): "add 20 % permeable pavement to these subcatchments",
written as SWMM's LID sections, run by both engines on the written file; the pavement
keeps water out of the pipes."""

from __future__ import annotations

import numpy as np
import pytest

import twin
from tests.agreement import run_and_compare
from twin.errors import InputError
from twin.networks.inp_writer import write_inp
from twin.scenarios import Scenario

PAVE = {"control": "permeable_pavement", "area_pct": 20, "from_impervious_pct": 30}


@pytest.fixture(scope="module")
def net():
    return twin.load_network("small-conduits")


def _storm(**kw):
    sc = Scenario.design("alternating_block", return_period=10, duration_min=60, step_min=5)
    return sc.replace(tail_hours=1.0, **kw)


def test_pavement_is_written_as_swmm_sections(net):
    names = [str(n) for n in net.subcatchments.name[:3]]
    out = _storm(lids=[{**PAVE, "subcatchments": names}]).apply(net)
    u = out.lids.usage
    assert len(u) == 3 and out.lids.controls.names == ["permeable_pavement"]
    area = np.asarray(out.subcatchments.area_m2)[u.subcatchment]
    assert np.allclose(u.params[:, 0] * u.number, 0.2 * area)  # SI: m2
    # the pavement replaces impervious ground: the pervious area is kept
    imp0 = np.asarray(net.subcatchments.imperv_pct)[u.subcatchment] / 100.0
    imp1 = np.asarray(out.subcatchments.imperv_pct)[u.subcatchment] / 100.0
    assert np.allclose((1.0 - imp1) * 0.8 * area, (1.0 - imp0) * area)
    assert len(net.lids) == 0  # the input is not changed


def test_bad_entries_name_the_key(net):
    with pytest.raises(InputError, match="neither an LID control") as e:
        _storm(lids=[{"control": "porous_asphalt", "area_pct": 10}]).apply(net)
    assert e.value.field == "modify.lids[0].control"
    with pytest.raises(InputError, match="no subcatchment named") as e:
        _storm(lids=[{**PAVE, "subcatchments": ["NOPE"]}]).apply(net)
    assert e.value.field == "modify.lids[0].subcatchments"
    with pytest.raises(InputError, match="more than its impervious area"):
        _storm(lids=[{**PAVE, "area_pct": 99}]).apply(net)


def test_scenario_file_roundtrip(tmp_path):
    sc = _storm(lids=[{**PAVE, "subcatchments": ["S1"]}])
    back = Scenario.from_file(sc.to_file(tmp_path / "pave.toml"))
    assert back.lids == sc.lids


@pytest.mark.swmm
def test_both_engines_run_the_pavement_scenario(net, tmp_path):
    base = _storm().apply(net)
    out = _storm(lids=[PAVE]).apply(net)  # every subcatchment
    write_inp(out, tmp_path / "pave.inp")
    ours, ref = run_and_compare(tmp_path / "pave.inp")
    assert len(ref.lid_subcatchment) == net.n_subcatchments
    for key in ("total_inflow", "infiltration", "final_storage"):
        a, b = ours[f"lid_{key}"].values, ref[f"lid_{key}"].values
        assert np.abs(a - b).max() <= 0.007, key  # SWMM prints 0.01 mm
    write_inp(base, tmp_path / "base.inp")
    before = twin.simulate(twin.load_network(tmp_path / "base.inp"))
    # less water reaches the outfalls with the pavement
    assert ours.attrs["routing_outfall_m3"] < 0.95 * before.attrs["routing_outfall_m3"]
