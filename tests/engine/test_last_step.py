"""The last step of a run whose clock ends a hair before its end (the runoff has
reached the end, the step's minimum length passes it)."""

import signal

import pytest

import twin
from twin.engine.simulation import MIN_STEP_S, Simulation


def _on_alarm(signum, frame):
    raise TimeoutError("the last step did not return")


def test_a_clock_just_short_of_the_end_takes_its_last_step():
    sim = Simulation(twin.load_network("small"), end_hours=0.5)
    assert sim.runoff is not None
    while sim.t_s < sim.duration_s - 300.0:
        sim.step()
    # route to a millionth of a second before the end: the runoff reaches the end and the
    # next step (at least MIN_STEP_S) would end after it
    t, dt = sim.begin_step(sim.duration_s - 1e-6 - sim.t_s)
    sim.end_step(t, dt, sim.router.advance(t, dt, sim._lat))
    assert not sim.finished and sim.duration_s - sim.t_s < MIN_STEP_S
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(30)
    try:
        sim.step()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert sim.finished
    assert sim.runoff.t_new_s == pytest.approx(sim.duration_s)
