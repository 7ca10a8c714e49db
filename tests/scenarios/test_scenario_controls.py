"""What-if operations as SWMM control rules: pump failures, settings, rule overrides.

The rules a scenario writes are read back by the engine's rule parser, the engine runs
them (its pump and orifice settings follow the windows), and SWMM runs the same
``.inp``: a failed pump floods more than the base case and both engines agree.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

import twin
from twin.engine.controls import parse_controls
from twin.errors import InputError
from twin.networks.inp_writer import write_inp
from twin.scenarios import Scenario
from twin.scenarios.modify import SCENARIO_PRIORITY, hours_to_hms

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from agreement import assert_agrees  # noqa: E402

BASE_RULE = "RULE KEEP\nIF NODE WW_PS DEPTH > 0.5\nTHEN PUMP PS1 STATUS = ON\n"


@pytest.fixture(scope="module")
def net():
    return twin.load_network("small")


@pytest.fixture(scope="module")
def storm():
    return Scenario.preset("seoul-100mmh").replace(tail_hours=0.5)


def test_hours_to_hms():
    assert hours_to_hms(0.0) == "0:00:00"
    assert hours_to_hms(1.5) == "1:30:00"
    assert hours_to_hms(25.0 + 1 / 3600) == "25:00:01"


def test_failures_and_settings_become_rules_the_engine_parses(net):
    sc = Scenario(
        pump_failure=[{"pump": "PS1", "from_h": 1.0, "to_h": 2.0}],
        settings=[{"link": "OR_TANK", "setting": 0.3, "from_h": 0.5}],
    )
    out = sc.apply(net)
    assert net.controls == ""  # the input is not changed
    rules = parse_controls(out.controls, net=out)
    assert len(rules) == 2  # PS1 has a start-up depth: its own switch restarts it
    fail, gate = rules.rules
    assert fail.priority == gate.priority == SCENARIO_PRIORITY
    assert [p.value * 24 for p in fail.premises] == pytest.approx([1.0, 2.0])
    (a,) = fail.then_actions
    assert out.links.name[a.link] == "PS1" and a.value == 0.0  # OFF
    (g,) = gate.then_actions
    assert out.links.name[g.link] == "OR_TANK" and g.value == pytest.approx(0.3)
    assert [p.value * 24 for p in gate.premises] == pytest.approx([0.5])


def test_setting_window_restores_fully_open_and_pumps_without_switch_restart(net):
    out = Scenario(settings=[{"link": "W_CSO", "setting": 0.0, "from_h": 0, "to_h": 1}]).apply(net)
    names = [r.name for r in parse_controls(out.controls, net=out).rules]
    assert names == ["SCN_SETTING_1_W_CSO", "SCN_SETTING_1_W_CSO_RESTORE"]
    assert "WEIR W_CSO SETTING = 1" in out.controls
    net2 = Scenario().apply(net)
    net2.links.startup_depth_m[net2.links.index_of()["PS1"]] = 0.0
    out2 = Scenario(pump_failure=[{"pump": "PS1", "from_h": 0.2, "to_h": 0.4}]).apply(net2)
    restore = parse_controls(out2.controls, net=out2).rules[1]
    assert restore.priority < SCENARIO_PRIORITY
    assert restore.then_actions[0].value == 0.0  # PS1 starts OFF in the file


def test_controls_replace_and_append(net, tmp_path):
    with_rule = Scenario(rules=BASE_RULE).apply(net)
    assert with_rule.controls.count("RULE") == 1
    both = Scenario(rules="RULE R2\nIF SIMULATION TIME > 1\nTHEN WEIR W_CSO SETTING = 0.5").apply(
        with_rule
    )
    assert [r.name for r in parse_controls(both.controls, net=both).rules] == ["KEEP", "R2"]
    (tmp_path / "rules.txt").write_text("RULE R3\nIF SIMULATION TIME > 0.5\n"
                                        "THEN ORIFICE OR_TANK SETTING = 0.2\n")  # fmt: skip
    sc = Scenario(controls="replace", control_file="rules.txt")
    sc.source_file = str(tmp_path / "s.toml")
    out = sc.apply(both)
    assert [r.name for r in parse_controls(out.controls, net=out).rules] == ["R3"]
    assert Scenario(controls="replace").apply(both).controls == ""


@pytest.mark.parametrize(
    ("kw", "field", "match"),
    [
        ({"pump_failure": [{"pump": "NOPE"}]}, "modify.pump_failure[0].pump", "no link"),
        ({"pump_failure": [{"pump": "OR_TANK"}]}, "modify.pump_failure[0].pump", "not a pump"),
        (
            {"pump_failure": [{"pump": "PS1", "from_h": 2, "to_h": 1}]},
            "modify.pump_failure[0]",
            "from_h < to_h",
        ),
        ({"settings": [{"link": "C000001", "setting": 0.5}]}, "modify.settings[0].link", "conduit"),
        ({"settings": [{"link": "OR_TANK", "setting": 1.5}]}, "modify.settings[0]", r"\[0, 1\]"),
        ({"settings": [{"link": "OR_TANK"}]}, "modify.settings[0].setting", "setting"),
        ({"controls": "merge"}, "modify.controls", "append"),
    ],
)
def test_bad_names_and_values_name_the_file_and_key(net, tmp_path, kw, field, match):
    p = Scenario(**kw).to_file(tmp_path / "what-if.toml")
    with pytest.raises(InputError, match=match) as err:
        Scenario.from_file(p).apply(net)
    assert err.value.file == str(p)
    assert err.value.field == field
    key = field.split("[")[0].split(".")[-1]
    lines = p.read_text().splitlines()
    assert lines[err.value.line - 1].startswith(f"{key} =")


def test_bad_rule_text_names_the_control_file_and_line(net, tmp_path):
    (tmp_path / "r.txt").write_text("RULE A\nIF NODE ZZZ DEPTH > 1\nTHEN PUMP PS1 STATUS = ON\n")
    p = Scenario(control_file="r.txt").to_file(tmp_path / "s.toml")
    with pytest.raises(InputError, match="ZZZ") as err:
        Scenario.from_file(p).apply(net)
    assert err.value.file == str(tmp_path / "r.txt") and err.value.line == 2
    with pytest.raises(InputError) as err:
        Scenario.from_file(
            Scenario(control_file="missing.txt").to_file(tmp_path / "s2.toml")
        ).apply(net)
    assert err.value.field == "modify.control_file"


def test_a_control_file_that_is_not_rules_is_not_echoed(net, tmp_path):
    """A file of another kind named as control_file (an account list, say) is refused
    without its contents in the message."""
    (tmp_path / "accounts").write_text("root:x:0:0:root:/root:/bin/bash\nbin:x:1:1::/:\n")
    p = Scenario(control_file="accounts").to_file(tmp_path / "s.toml")
    with pytest.raises(InputError, match="not SWMM control rules") as err:
        Scenario.from_file(p).apply(net)
    assert err.value.file == str(tmp_path / "accounts") and err.value.line == 1
    assert "root" not in str(err.value).replace(str(tmp_path), "")


def test_toml_round_trip(tmp_path):
    sc = Scenario.preset("seoul-100mmh").replace(
        pump_failure=[{"pump": "PS1", "from_h": 1.0}, {"pump": "PS2", "from_h": 0, "to_h": 2.5}],
        settings=[{"link": "OR1", "setting": 0.3, "from_h": 0.5}],
        controls="replace",
        rules=BASE_RULE + '; a "quoted" comment\n',
        control_file="more rules.txt",
    )
    back = Scenario.from_file(sc.to_file(tmp_path / "s.toml"))
    assert back == sc
    text = (tmp_path / "s.toml").read_text()
    assert "pump_failure" in text and "[modify]" in text
    bad = tmp_path / "bad.toml"
    bad.write_text("[modify]\npump_failure = [{ from_h = 1 }]\n")
    with pytest.raises(InputError) as err:
        Scenario.from_file(bad)
    assert err.value.line == 2 and err.value.field == "modify.pump_failure"


def test_engine_follows_the_failure_and_setting_windows(net, storm):
    sc = storm.replace(
        pump_failure=[{"pump": "PS1", "from_h": 0.5}],
        settings=[{"link": "OR_TANK", "setting": 0.3, "from_h": 0.25, "to_h": 0.75}],
    )
    base = twin.simulate(storm.apply(net), end_hours=1.25, report_step_s=300)
    ds = twin.simulate(sc.apply(net), end_hours=1.25, report_step_s=300)
    t = (ds["time"].values - ds["time"].values[0]) / np.timedelta64(1, "h")
    ps = ds["link_setting"].sel(link="PS1").values
    assert base["link_setting"].sel(link="PS1").values.max() == 1.0  # it runs in the base case
    assert np.all(ps[t > 0.5 + 1e-6] == 0.0)
    gate = ds["link_setting"].sel(link="OR_TANK").values
    inside = (t > 0.25 + 1e-6) & (t < 0.75 - 1e-6)
    assert np.allclose(gate[inside], 0.3) and np.allclose(gate[t > 0.75 + 1e-6], 1.0)
    assert np.allclose(gate[t < 0.25 - 1e-6], 1.0)


@pytest.mark.swmm
def test_swmm_pump_failure_floods_more_and_engines_agree(net, storm, tmp_path):
    from twin.validation.swmm_run import run_swmm

    vols = {}
    for name, sc in (
        ("base", storm),
        ("failed", storm.replace(pump_failure=[{"pump": "PS1", "from_h": 0.25}])),
    ):
        out = sc.apply(net)
        write_inp(out, tmp_path / f"{name}.inp")
        ref = run_swmm(tmp_path / f"{name}.inp")
        ours = twin.simulate(out)
        m = assert_agrees(ours, ref, variables=("node_depth", "link_flow", "node_flooding"))
        vols[name] = m.flood_volume
        ps = ref["link_flow"].sel(link="PS1").values
        t = (ref["time"].values - ref["time"].values[0]) / np.timedelta64(1, "h")
        if name == "failed":  # SWMM ran the rule: no pumping after the failure
            assert np.all(ps[t > 0.25 + 1 / 60] == 0.0)
        else:
            assert ps.max() > 0.0
    for k in (0, 1):  # ours and SWMM's: the failure floods more (the wet well overflows)
        assert vols["failed"][k] > vols["base"][k] + 100.0
