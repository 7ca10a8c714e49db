"""Rain that starts after a dry spell longer than a cycle reaches the watch's members.

In dry weather the runoff takes SWMM's dry step (an hour on the control town) when it
sees no change of rain ahead; the watch gives its members the gauges' rain one cycle
at a time, and rain cannot start before the runoff's clock, so a storm an hour after
the start was lost whole (the members stayed dry while the town flooded).  The watch
now marks its persistence of the last rate every wet step: an open-loop single member
(no assimilation, no perturbation) must follow a plain simulation of the network with
the gauge's record.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.engine.simulation import Simulation
from twin.networks.catalog import load_network
from twin.ops.sensors import load_sensors
from twin.ops.watch import Twin
from twin.scenarios.scenario import Scenario


def test_a_storm_after_a_dry_hour_reaches_the_members(tmp_path):
    storm = Scenario.design("huff2", depth_mm=60, duration_min=40, step_min=5)
    net = storm.replace(time_shift_min=60, tail_hours=0.5).apply(load_network("rtc"))
    net = dataclasses.replace(net, controls="")
    toml = tmp_path / "s.toml"
    toml.write_text('[[sensor]]\nid = "L1"\nnode = "JX"\nquantity = "depth"\nsd = 0.01\n')
    tw = Twin(net, load_sensors(toml, net), tmp_path / "w", members=1, assimilation="none",
              forecast=False)  # fmt: skip
    tw.run(until=tw._time(6000.0))
    jx = list(net.nodes.name).index("JX")
    twin_depth = np.array(tw.record["node_depth"])[:, jx]
    times = np.array([(t - tw.start) / np.timedelta64(1, "s") for t in tw.record["time"]])
    sim = Simulation(net, report_step_s=86400.0)
    plain = []
    for t in times:
        sim.step_advance(t - sim.t_s)
        plain.append(sim.nodes[jx].depth)
    plain = np.array(plain)
    assert plain.max() > 1.0  # the storm fills the junction
    # the same up to the minute by which live rain may start late (one wet step)
    assert abs(twin_depth.max() - plain.max()) < 0.1 * plain.max()
    assert np.abs(twin_depth - plain).max() < 0.5
