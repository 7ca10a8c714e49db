"""A scenario's ``[simulation.options]`` reach `twin control`'s plant and members (they
were read, checked and then left out), and what SWMM's [OPTIONS] cannot hold is refused."""

from __future__ import annotations

import json
import re

import pytest

from twin.cli import main
from twin.control.loop import scenario_truth
from twin.engine.options import SimOptions
from twin.networks.catalog import load_network
from twin.scenarios.scenario import load_scenario

pytestmark = pytest.mark.swmm

SCENARIO = """name = "short"
[rainfall]
source = "network"

[simulation.options]
end_hours = 1.5
routing_step_s = 10
report_step_s = 120
"""


def _swmm_flood(inp_text: str, tmp_path) -> float:
    """EPA SWMM's total flood volume of an .inp text (pyswmm, the node statistics)."""
    from pyswmm import Nodes, Simulation

    inp = tmp_path / "ref.inp"
    inp.write_text(inp_text)
    with Simulation(str(inp)) as sim:
        for _ in sim:
            pass
        return sum(n.statistics["flooding_volume"] for n in Nodes(sim))


def test_the_plant_runs_the_scenarios_options(capsys, tmp_path):
    f = tmp_path / "short.toml"
    f.write_text(SCENARIO)
    net = load_network("rtc")
    truth = scenario_truth(net, load_scenario(f))
    opts = SimOptions.from_network(truth)  # what the members and the plant read
    assert opts.duration_s == 5400.0 and opts.routing_step_s == 10.0
    assert opts.report_step_s == 120.0

    assert main(["control", "rtc", str(f), "--strategy", "passive", "--json"]) == 0
    short = json.loads(capsys.readouterr().out)["flood_volume_m3"]
    assert main(["control", "rtc", "--strategy", "passive", "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)["flood_volume_m3"]

    # the reference: the network's own .inp with END_TIME and ROUTING_STEP edited as text
    net.to_inp(tmp_path / "net.inp")
    text = (tmp_path / "net.inp").read_text()
    start = SimOptions.from_network(net).start
    end = str(start + 5400)  # the scenario keeps the network's start
    y, m, d = end[:10].split("-")
    text = re.sub(r"(?m)^END_DATE\s+\S+", f"END_DATE {m}/{d}/{y}", text)
    text = re.sub(r"(?m)^END_TIME\s+\S+", f"END_TIME {end[11:19]}", text)
    text = re.sub(r"(?m)^ROUTING_STEP\s+\S+", "ROUTING_STEP 10", text)
    reference = _swmm_flood(text, tmp_path)
    assert short == pytest.approx(reference, rel=1e-9, abs=1e-9)
    assert short < whole  # the window was cut (before, the options were left out)


@pytest.mark.parametrize(
    ("line", "words"),
    [('solver = "newton"', "cannot hold this setting"),
     ("newton_max_step_s = 5", "cannot hold this setting"),
     ("routing_step_s = -1", "routing_step_s")],
)  # fmt: skip
def test_what_the_plant_cannot_run_is_refused_naming_file_line_and_key(capsys, tmp_path, line,
                                                                      words):  # fmt: skip
    f = tmp_path / "bad.toml"
    f.write_text('name = "bad"\n[rainfall]\nsource = "network"\n\n[simulation.options]\n'
                 f"{line}\n")  # fmt: skip
    assert main(["control", "rtc", str(f), "--strategy", "passive"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{f}:6:" in err[0], err
    assert f"simulation.options.{line.split()[0]}" in err[0] and words in err[0]
