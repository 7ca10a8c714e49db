"""The Newton step controller's oscillation record (twin.kernels.newton.control).

A head that oscillates is fed step by step to ``track_oscillation``; the half period it
reports is compared with the analytic one of the sampled sine."""

import numpy as np
import pytest

from twin.kernels.newton.control import track_oscillation
from twin.kernels.newton.system import new_work

TOL_FT = 0.01


def _feed(depth_at, dt, n_steps, work):
    """Step a one-node record through ``depth_at(t)``; the half periods reported."""
    out = []
    y_old = depth_at(0.0)
    for k in range(1, n_steps + 1):
        y = depth_at(k * dt)
        r = (y - y_old) / dt
        out.append(track_oscillation(0, dt, r, y_old, TOL_FT, work))
        work.rate_old[0] = r
        y_old = y
    return np.array(out)


@pytest.mark.parametrize("dt", [1.0, 2.5, 5.0])
def test_half_period_of_a_resolved_sine(dt):
    period = 80.0
    work = new_work(1, 0, 0)
    halves = _feed(lambda t: 1.0 + 0.1 * np.sin(2 * np.pi * t / period), dt, 200, work)
    assert halves[: int(0.5 * period / dt)].max() == 0.0  # no turn measured yet
    measured = halves[-1]
    assert abs(measured - period / 2) <= dt, measured


def test_noise_and_small_swings_are_not_oscillations():
    work = new_work(1, 0, 0)
    alternating = _feed(lambda t: 1.0 + 0.2 * (-1) ** round(t), 1.0, 100, work)
    assert alternating.max() == 0.0  # a turn every step: unresolved, not a period
    work = new_work(1, 0, 0)
    small = _feed(lambda t: 1.0 + 0.1 * TOL_FT * np.sin(2 * np.pi * t / 80.0), 1.0, 400, work)
    assert small.max() == 0.0  # swings below the tolerance


def test_an_oscillation_that_stops_expires():
    period, dt = 60.0, 2.0
    work = new_work(1, 0, 0)

    def depth(t):
        return 1.0 + (
            0.1 * np.sin(2 * np.pi * t / period) if t < 300.0 else 0.1 * np.sin(10 * np.pi)
        )

    halves = _feed(depth, dt, 400, work)
    assert halves[int(290 / dt)] > 0.0
    assert halves[-1] == 0.0  # no turn for more than two half periods
