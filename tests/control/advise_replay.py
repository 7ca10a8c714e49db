"""The short replay of the control town that `twin watch --advise` tests run (here and in
tests/serve): EPA SWMM 5.2 on the ``rtc`` town under a 60 mm Huff storm with 30 % more
rain than the gauge saw and rougher, partly blocked pipes is the plant
(:func:`twin.validation.twin_experiment.make_truth_network`), read by four depth
sensors for 70 minutes; the town has no rules (a city that runs its gate by hand) and
the tank gate ``OR_TANK`` (open a quarter or fully) is the actuator."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from twin.networks.catalog import load_network
from twin.scenarios.scenario import Scenario
from twin.validation import twin_experiment as E

MINUTES = 70
SEED = 1
RAIN_FACTOR = 1.3
GATE_TOML = '[[actuator]]\nlink = "OR_TANK"\nlevels = [0.25, 1.0]\n'


def town():
    """The twin's network: the town with the gauge's rain, without its rules."""
    storm = Scenario.design("huff2", depth_mm=60, duration_min=40, step_min=5)
    net = storm.replace(time_shift_min=30, tail_hours=0.75).apply(load_network("rtc"))
    return dataclasses.replace(net, controls="")


def truth():
    """The plant's network (the experiment's truth)."""
    return E.make_truth_network(town(), RAIN_FACTOR, seed=SEED)


def write_replay(folder):
    """``(inp, sensors.toml, obs.csv, gate.toml)`` of the replay, written in ``folder``."""
    net = town()
    inp = folder / "rtc.inp"
    net.to_inp(inp)
    ex = E.experiment(net, 4, seed=SEED, rain_factor=RAIN_FACTOR, workdir=folder)
    pairs = zip(ex.sensors.ids, ex.sensor_nodes, strict=True)
    toml = folder / "sensors.toml"
    toml.write_text("".join(f'[[sensor]]\nid = "{s}"\nnode = "{net.nodes.name[n]}"\n'
                            'quantity = "depth"\nsd = 0.01\n\n' for s, n in pairs))  # fmt: skip
    csv = folder / "obs.csv"
    csv.write_text("time,sensor,value\n" + "".join(
        f"{np.datetime64(t, 's')},{s},{v:.4f}\n" for t, s, v in ex.rows(MINUTES)))  # fmt: skip
    gate = folder / "gate.toml"
    gate.write_text(GATE_TOML)
    return inp, toml, csv, gate


def watch_command(inp, toml, csv, gate, out, *extra) -> list:
    """`twin watch --replay --advise`: 4 members, 10-minute cycles, 40 minutes ahead."""
    return [sys.executable, "-m", "twin.cli", "watch", str(inp), "--sensors", str(toml),
            "--observations", str(csv), "--replay", "--members", "4", "--cycle-min", "10",
            "--horizon-min", "40", "--advise", "--actuators", str(gate), "-o", str(out),
            *extra]  # fmt: skip
