"""EPA SWMM 5.2 routed on a given sequence of steps (``run_swmm(routing_steps=...)``).

Given the steps SWMM's own variable-step run took (read from the elapsed times its
``swmm_step`` returns), SWMM's results are its own run's, bit for bit: setting each
step through ``swmm_setValue(swmm_ROUTESTEP)`` changes nothing but the step.  A sequence
that ends before the run, or runs past its end, is refused.
"""

from __future__ import annotations

import numpy as np
import pytest

import twin
from twin.engine.simulation import run_options
from twin.errors import TwinError
from twin.scenarios.modify import set_window
from twin.scenarios.scenario import Scenario
from twin.validation.swmm_run import run_swmm

pytestmark = pytest.mark.swmm


def _own_steps(inp, tmp_path) -> list[float]:
    """The routing steps [s] of SWMM's own run of ``inp``: differences of the elapsed
    times (days) ``swmm_step`` returns, to SWMM's millisecond (its variable steps are
    whole milliseconds); the last one is where the run ended."""
    from swmm.toolkit import solver

    solver.swmm_open(str(inp), str(tmp_path / "own.rpt"), str(tmp_path / "own.out"))
    try:
        solver.swmm_start(False)
        t_prev, steps = 0.0, []
        while True:
            t = solver.swmm_step() * 86400.0
            if t <= 0.0:
                steps.append(2.0)  # the last step: SWMM cuts it at the end of the run
                break
            steps.append(round((t - t_prev) * 1000.0) / 1000.0)
            t_prev = t
        solver.swmm_end()
    finally:
        solver.swmm_close()
    return steps


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    # Seoul's 100 mm/h storm surcharges the small town: SWMM's Courant step varies
    net = Scenario.preset("seoul-100mmh").apply(twin.load_network("small-conduits"))
    start = run_options(net).start
    set_window(net, start, start + np.timedelta64(3600, "s"))
    path = tmp_path_factory.mktemp("steps") / "small.inp"
    net.to_inp(path)
    return path


def test_swmm_on_its_own_steps_is_its_own_run(small, tmp_path):
    steps = _own_steps(small, tmp_path)
    assert len(set(steps[1:-1])) > 10  # a variable step: SWMM's Courant steps vary here
    own, replayed = run_swmm(small), run_swmm(small, routing_steps=steps)
    for v in ("node_depth", "link_flow", "node_flooding"):
        assert np.array_equal(own[v].values, replayed[v].values), v
    # other steps give other numbers: the steps given are the ones taken
    fixed = run_swmm(small, routing_steps=[1.0] * 3600)  # an hour of 1 s steps
    assert not np.array_equal(own.node_depth.values, fixed.node_depth.values)


def test_steps_that_do_not_span_the_run_are_refused(small, tmp_path):
    steps = _own_steps(small, tmp_path)
    with pytest.raises(TwinError, match="given and did not end"):
        run_swmm(small, routing_steps=steps[:-5])
    with pytest.raises(TwinError, match="given and ended"):
        run_swmm(small, routing_steps=[*steps, 1.0])
