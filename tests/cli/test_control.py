"""`twin control`: the JSON other tools read, the output folder, and bad input refused
in one line before the loop starts."""

from __future__ import annotations

import json

import pytest

from twin.cli import main
from twin.control.loop import LoopSettings, run_closed_loop
from twin.networks.catalog import load_network
from twin.networks.inp_reader import read_inp

pytestmark = pytest.mark.swmm

JSON_KEYS = {"strategy", "plant", "flood_volume_m3", "cso_volume_m3", "pump_energy_kwh",
             "actions", "per_node_flood_m3"}  # fmt: skip


def _one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("twin: error: "), err
    return err[0]


def test_json_of_the_rules_against_swmm_and_the_output_folder(capsys, tmp_path):
    assert main(["control", "rtc", "--strategy", "rules", "--json", "-o", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == JSON_KEYS
    assert doc["strategy"] == "rules" and doc["plant"] == "swmm"
    assert doc["flood_volume_m3"] == pytest.approx(sum(doc["per_node_flood_m3"].values()))
    assert doc["flood_volume_m3"] > 100.0 and doc["cso_volume_m3"] > 1000.0
    assert doc["pump_energy_kwh"] > 0.0
    acts = doc["actions"]
    assert acts and set(acts[0]) == {"time", "element", "setting"}
    assert {a["element"] for a in acts} <= {"OR_TANK", "PUMP1", "W_CSO"}
    assert acts[0]["time"].startswith("2024-07-15T")
    saved = json.loads((tmp_path / "control.json").read_text())
    assert saved["flood_volume_m3"] == doc["flood_volume_m3"]
    lines = (tmp_path / "actions.csv").read_text().splitlines()
    assert lines[0] == "time,element,setting" and len(lines) == len(acts) + 1


def test_an_actuator_that_is_a_conduit_is_refused(capsys, tmp_path):
    f = tmp_path / "act.toml"
    f.write_text('[[actuator]]\nlink = "C_T1"\n')
    assert main(["control", "rtc", "--actuators", str(f)]) == 2
    line = _one_error_line(capsys)
    assert f"{f}:2:" in line and "field 'link'" in line and "conduit" in line


def test_a_setting_outside_the_pump_curve_is_refused(capsys, tmp_path):
    f = tmp_path / "act.toml"
    f.write_text('[[actuator]]\nlink = "PUMP1"\nlevels = [0.0, 1.5]\n')
    assert main(["control", "rtc", "--actuators", str(f)]) == 2
    assert "outside its curve" in _one_error_line(capsys)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--strategy", "best"], "'best' is not one of"),
        (["--plant", "epanet"], "'epanet' is not one of"),
        (["--interval-min", "100"], "longer than the horizon"),
        (["--members", "0"], "0"),
    ],
)
def test_bad_options(capsys, args, words):
    assert main(["control", "rtc", *args]) == 2
    assert words in _one_error_line(capsys)


def test_a_model_the_plant_cannot_start_is_refused_before_the_loop(capsys, tmp_path):
    net = load_network("rtc")
    rough = net.links.roughness.copy()
    rough[net.links.index_of()["C_T1"]] = 0.0  # SWMM ERROR 113
    net.links.roughness = rough
    path = tmp_path / "bad.inp"
    net.to_inp(path)
    assert main(["control", str(path), "--strategy", "mpc"]) == 2
    assert "113" in _one_error_line(capsys)


def test_a_plant_that_disagrees_with_the_twin_is_refused(tmp_path):
    from twin.errors import InputError

    plant = tmp_path / "plant.inp"
    text = load_network("rtc").source
    plant.write_text(open(text).read().replace("T3", "T3X"))
    read_inp(plant)  # a valid model, just not the twin's
    with pytest.raises(InputError, match="disagree about the network: nodes T3 of the twin"):
        run_closed_loop(load_network("rtc"), settings=LoopSettings(strategy="passive"),
                        plant_inp=plant)  # fmt: skip


def test_an_output_folder_that_is_a_file_is_refused_before_the_loop(capsys, tmp_path):
    (tmp_path / "out").write_text("x")
    assert main(["control", "rtc", "--strategy", "mpc", "-o", str(tmp_path / "out")]) == 2
    assert "out" in _one_error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
