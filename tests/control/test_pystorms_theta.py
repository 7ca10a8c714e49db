"""A third-party network with storage and controllable orifices: pystorms' ``theta``
(two basins with bottom orifices, a downstream flow threshold of 0.5 m3/s), run in
closed loop against EPA SWMM 5.2.

Passive operation (orifices open) sends the storm straight on; the controller may hold
water in the basins to keep the downstream link under its threshold, but not so much
that the basins overflow.  With the true rain (foresight) it must carry less water
above the threshold than passive operation, and flood no more.
"""

from __future__ import annotations

import pytest

from twin.control.config import load_config
from twin.control.loop import LoopSettings, run_closed_loop
from twin.networks.catalog import load_network
from twin.scenarios.scenario import Scenario

pytestmark = [pytest.mark.swmm, pytest.mark.slow]

THETA_TOML = """[[actuator]]
link = "1"
levels = [0.0, 0.1, 0.25, 1.0]
[[actuator]]
link = "2"
levels = [0.0, 0.1, 0.25, 1.0]
[cost.flow_limit]
"8" = 0.5
"""


def test_theta_foresight_keeps_the_threshold_better_than_passive(tmp_path):
    from pystorms.networks import load_network as storms_network

    storm = Scenario.design("huff2", depth_mm=20, duration_min=60, step_min=10)
    truth = storm.replace(time_shift_min=30, tail_hours=1.0).apply(
        load_network(storms_network("theta"))
    )
    f = tmp_path / "theta.toml"
    f.write_text(THETA_TOML)
    cfg = load_config(f, truth)
    assert cfg.actuators.names == ["1", "2"]
    assert sorted(str(truth.nodes.name[n]) for n in cfg.cost.storage_nodes) == ["P1", "P2"]

    def run(strategy):
        s = LoopSettings(strategy=strategy, plant="swmm", cycle_s=900.0, horizon_s=3600.0,
                         interval_s=900.0)  # fmt: skip
        return run_closed_loop(truth, None, s, cfg)

    passive, foresight = run("passive"), run("foresight")
    assert passive.flow_excess_m3 > 1000.0  # the storm runs over the threshold
    assert foresight.flow_excess_m3 < 0.8 * passive.flow_excess_m3
    assert foresight.flood_volume_m3 <= passive.flood_volume_m3 + 1.0
    assert {a["element"] for a in foresight.actions} <= {"1", "2"} and foresight.actions
