"""Actuators, sensors and costs: from the network, from TOML, and refused bad input."""

from __future__ import annotations

import numpy as np
import pytest

from twin.control.actuators import actuators_of
from twin.control.config import default_config, load_config
from twin.control.cost import CostModel, cso_outfalls_of, risk_of
from twin.errors import InputError
from twin.kernels.codes import LinkKind
from twin.networks.catalog import load_network


@pytest.fixture(scope="module")
def rtc():
    return load_network("rtc")


def test_every_controllable_link_is_an_actuator_with_its_kind_defaults(rtc):
    acts = actuators_of(rtc)
    kinds = {a.name: a.kind for a in acts}
    assert kinds == {"PUMP1": LinkKind.PUMP, "OR_TANK": LinkKind.ORIFICE, "W_CSO": LinkKind.WEIR}
    pump = acts[acts.names.index("PUMP1")]
    assert pump.levels == (0.0, 1.0)
    assert pump.passive is None  # left to its start-up / shut-off depths
    assert pump.startup_depth_m == pytest.approx(2.2) and pump.shutoff_depth_m == pytest.approx(0.5)
    gate = acts[acts.names.index("OR_TANK")]
    assert gate.passive == 1.0 and min(gate.levels) == 0.0 and max(gate.levels) == 1.0
    passive = acts.passive_settings()
    assert np.isnan(passive[acts.names.index("PUMP1")])


def test_default_config_senses_storage_and_actuator_ends(rtc):
    cfg = default_config(rtc)
    names = {str(rtc.nodes.name[n]) for n in cfg.sensor_nodes}
    assert {"TANK_A", "WW_PS", "GA", "DC", "T2"} <= names
    assert "OF_CSO" not in names  # outfalls are not sensed
    assert [str(rtc.nodes.name[i]) for i in cfg.cost.cso_nodes] == ["OF_CSO"]


def test_cso_outfalls_are_those_a_weir_discharges_into(rtc):
    assert [str(rtc.nodes.name[i]) for i in cso_outfalls_of(rtc)] == ["OF_CSO"]
    assert len(cso_outfalls_of(load_network("small-conduits"))) == 0


def test_risk_measures():
    v = np.array([[0.0, 1.0, 2.0, 9.0], [3.0, 3.0, 3.0, 3.0]])
    np.testing.assert_allclose(risk_of(v, "expected"), [3.0, 3.0])
    np.testing.assert_allclose(risk_of(v, "cvar", 0.75), [9.0, 3.0])
    np.testing.assert_allclose(risk_of(v, "cvar", 0.5), [5.5, 3.0])
    np.testing.assert_allclose(risk_of(v, "cvar", 0.0), [3.0, 3.0])


def test_cost_orders_flood_before_cso_before_energy(rtc):
    cost = CostModel.for_network(rtc)
    # one m3 of flood outweighs 99 m3 of CSO, one m3 of CSO 99 kWh or 99 switches
    flood = cost.total([[1.0]], [[0.0]], [[0.0]], [0])
    cso = cost.total([[0.0]], [[99.0]], [[0.0]], [0])
    assert flood[0] > cso[0]
    cso = cost.total([[0.0]], [[1.0]], [[0.0]], [0])
    energy = cost.total([[0.0]], [[0.0]], [[99.0]], [0])
    switches = cost.total([[0.0]], [[0.0]], [[0.0]], [99])
    assert cso[0] > energy[0] and cso[0] > switches[0]


def test_toml_config(tmp_path, rtc):
    f = tmp_path / "act.toml"
    f.write_text(
        'sensors = ["TANK_A", "JX"]\n\n'
        '[[actuator]]\nlink = "OR_TANK"\nlevels = [0.0, 0.3, 1.0]\nmax_change = 0.5\n\n'
        '[[actuator]]\nlink = "PUMP1"\nmin_on_min = 10\nmin_off_min = 5\n\n'
        '[cost]\nrisk = "cvar"\ncvar_alpha = 0.9\n'
        "[cost.node_weight]\nJX = 3.0\n"
    )
    cfg = load_config(f, rtc)
    assert cfg.actuators.names == ["OR_TANK", "PUMP1"]
    gate, pump = cfg.actuators
    assert gate.levels == (0.0, 0.3, 1.0) and gate.max_change == 0.5
    assert pump.min_on_s == 600.0 and pump.min_off_s == 300.0
    assert [str(rtc.nodes.name[n]) for n in cfg.sensor_nodes] == ["TANK_A", "JX"]
    assert cfg.cost.risk == "cvar" and cfg.cost.cvar_alpha == 0.9
    assert cfg.cost.node_weight[rtc.nodes.index_of()["JX"]] == 3.0
    assert cfg.cost.node_weight[rtc.nodes.index_of()["OF_CSO"]] == 0.0


@pytest.mark.parametrize(
    "body, line, words",
    [
        ('[[actuator]]\nlink = "C_T1"\n', 2, "C_T1 is a conduit: only a pump, orifice, weir"),
        ('[[actuator]]\nlink = "NOPE"\n', 2, "no link named 'NOPE'"),
        ('[[actuator]]\nlink = "OR_TANK"\nlevels = [0.0, 1.5]\n', 3, "outside 0-1"),
        ('[[actuator]]\nlink = "PUMP1"\nlevels = [0.0, 1.2]\n', 3, "outside its curve"),
        ('[[actuator]]\nlink = "W_CSO"\npassive = -0.1\n', 3, "outside 0-1"),
        ('[[actuator]]\nlink = "W_CSO"\nspeed = 1\n', 3, "unknown field"),
        ('[[actuator]]\nlink = "W_CSO"\n[cost]\nrisk = "worst"\n', 4, "risk must be one of"),
        ('sensors = ["X9"]\n[[actuator]]\nlink = "W_CSO"\n', 1, "no node named 'X9'"),
        ("nothing = 1\n", 1, "unknown key"),
    ],
)
def test_bad_actuator_files_name_file_line_and_field(tmp_path, rtc, body, line, words):
    f = tmp_path / "bad.toml"
    f.write_text(body)
    with pytest.raises(InputError) as err:
        load_config(f, rtc)
    msg = str(err.value)
    assert msg.startswith(f"{f}:{line}: ") and words in msg


def test_the_links_the_rules_operate_join_a_files_actuators(rtc, tmp_path):
    """mpc plans every link the rules set: a gate-only file on the control town gets
    the pump and the weir its rules operate (default limits, their ends as sensors)."""
    import dataclasses

    from twin.control.config import with_ruled_actuators

    f = tmp_path / "gate.toml"
    f.write_text('[[actuator]]\nlink = "OR_TANK"\nlevels = [0.25, 1.0]\n')
    cfg = load_config(f, rtc)
    full = with_ruled_actuators(cfg, rtc)
    assert full.actuators.names == ["OR_TANK", "PUMP1", "W_CSO"]
    assert full.actuators[0].levels == (0.25, 1.0)  # the file's limits kept
    assert full.actuators[1].levels == (0.0, 1.0)
    pump = full.actuators[1]
    assert {pump.from_node, pump.to_node} <= set(full.sensor_nodes)  # the wet well read
    assert set(cfg.sensor_nodes) <= set(full.sensor_nodes)
    assert with_ruled_actuators(full, rtc) is full  # nothing missing: the same config
    no_rules = dataclasses.replace(rtc, controls="")
    assert with_ruled_actuators(cfg, no_rules) is cfg
