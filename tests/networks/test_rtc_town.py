"""The control town: reproducible, built as described, and simulated as EPA SWMM does."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.engine.controls import parse_controls
from twin.errors import InputError
from twin.kernels.codes import LinkKind, NodeKind
from twin.networks.catalog import load_network, network_path
from twin.networks.inp_reader import read_inp_text
from twin.networks.rtc_town import rtc_town_text


def test_same_seed_same_bytes_other_seed_other_town():
    assert rtc_town_text(1) == rtc_town_text(1)
    assert rtc_town_text(2) != rtc_town_text(1)
    assert network_path("rtc").read_text() == rtc_town_text(1)
    with pytest.raises(InputError, match="unknown design option"):
        rtc_town_text(1, pumps=3)


def test_the_town_has_what_makes_control_matter():
    net = load_network("rtc")
    kind = {str(n): k for n, k in zip(net.links.name, net.links.kind, strict=True)}
    assert kind["OR_TANK"] == LinkKind.ORIFICE and kind["PUMP1"] == LinkKind.PUMP
    assert kind["W_CSO"] == LinkKind.WEIR
    nodes = net.nodes.index_of()
    assert net.nodes.kind[nodes["TANK_A"]] == NodeKind.STORAGE
    assert net.nodes.kind[nodes["WW_PS"]] == NodeKind.STORAGE
    links = net.links
    pump = links.index_of()["PUMP1"]
    assert links.startup_depth_m[pump] > links.shutoff_depth_m[pump] > 0
    # the trunk below the junction is smaller than what the two branches bring
    ab = [links.index_of()[n] for n in ("C_GA", "C_B5")]
    trunk = links.index_of()["C_JX"]
    assert links.geom[trunk, 0] < max(links.geom[ab, 0])
    # the tank sits well above the junction it protects
    assert net.nodes.invert_m[nodes["TANK_A"]] > net.nodes.invert_m[nodes["JX"]] + 2.0
    rules = parse_controls(net.controls, net=net)
    acted = {str(net.links.name[a.link]) for r in rules.rules for a in r.then_actions}
    assert acted == {"OR_TANK", "PUMP1", "W_CSO"}
    assert len(net.dwf) == net.n_subcatchments  # dry-weather flow at every manhole
    text = rtc_town_text(1, storm_depth_mm=30.0)
    assert read_inp_text(text, source="x").n_links == net.n_links


@pytest.mark.swmm
def test_twin_agrees_with_swmm_on_the_town_with_and_without_its_rules(tmp_path):
    import twin
    from twin.validation.agreement import assert_agrees
    from twin.validation.swmm_run import run_swmm

    net = load_network("rtc")
    for label, n in (("rules", net), ("passive", dataclasses.replace(net, controls=""))):
        path = tmp_path / f"{label}.inp"
        n.to_inp(path)
        ours = twin.simulate(n)
        swmm = run_swmm(path)
        assert_agrees(ours, swmm)
        flood = float(ours.node_flood_volume.sum())
        assert flood > 1000.0, label  # the design storm floods the town either way
    # and the rules change what happens: the gate moves
    settings = ours.link_setting.sel(link="OR_TANK")
    assert np.all(settings == 1.0)  # passive: open throughout
