"""The Newton solver's retry and its options for the large networks (issue 16, round 9).

A step at the minimum step may still be routed again in substeps; the options (all off by
default) change what the step controller counts and which conduits an iteration evaluates
again, and keep the agreement with EPA SWMM.  Small networks, about a second each.
"""

import numpy as np
import pytest

from tests.agreement import assert_agrees
from twin.engine.simulation import Simulation
from twin.networks.catalog import network_path
from twin.validation import run_swmm

LARGE = {
    "newton_error_floor": 2.0,
    "newton_error_surcharged": False,
    "newton_error_skip_jumps": True,
    "newton_still_fraction": 0.1,
}


def _run(hours=1.0, **options):
    sim = Simulation("small-conduits", solver="newton", end_hours=hours, **options)
    return sim, sim.run()


def test_a_step_at_the_minimum_step_may_still_be_split():
    nw = Simulation("small-conduits", solver="newton", end_hours=0.1).router.newton
    assert nw.min_substep_s == pytest.approx(nw.min_step_s / 8)
    assert nw._can_split(nw.min_step_s, 8)
    assert not nw._can_split(nw.min_step_s, 16)
    assert not nw._can_split(nw.min_step_s / 4, 4)


def test_conduits_whose_ends_did_not_move_are_not_evaluated_again():
    base_sim, base = _run()
    sim, ds = _run(newton_still_fraction=0.1)
    n = int(sim.router.links.true_conduit.sum())
    assert base_sim.router.newton.conduit_evaluations >= base_sim.iterations * n
    assert sim.router.newton.conduit_evaluations < 0.9 * sim.iterations * n
    # the heads they keep moved by less than a tenth of a head tolerance per iteration
    assert float(np.abs(ds.node_depth - base.node_depth).max()) < 0.01


def test_leaving_out_the_jumps_of_the_normal_flow_limit_takes_fewer_steps():
    base_sim, _ = _run()
    sim, _ = _run(newton_error_skip_jumps=True)
    assert sim.steps < base_sim.steps


def test_the_minimum_step_names_what_asked_for_less():
    sim, _ = _run(hours=0.3, newton_tolerance_m=1e-5)
    kinds = {kind for kind, _ in sim.router.newton.limit_counts}
    assert "minimum step, local error" in kinds
    assert "minimum step, local error at node" in sim.router.newton.step_limits(top=20)


@pytest.mark.swmm
def test_the_large_network_options_agree_with_swmm():
    path = network_path("small-conduits")
    sim = Simulation(path, solver="newton", **LARGE)
    ours = sim.run()
    assert_agrees(ours, run_swmm(path), check_continuity=False)
    assert abs(ours.attrs["flow_routing_continuity_error_percent"]) <= 1.0
