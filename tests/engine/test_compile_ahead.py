"""The Router sends its routing step to the compile-ahead helper (twin.kernels.ahead)
with the argument types its first step really calls it with."""

import numpy as np
import pytest

import twin
from twin.engine.routing import Router
from twin.engine.simulation import run_options
from twin.kernels import ahead
from twin.kernels.routing import step as S


@pytest.mark.parametrize(
    ("network", "kernel"), [("small-conduits", S.route_step_conduits), ("small", S.route_step)]
)
def test_the_step_sent_ahead_is_the_one_the_first_step_calls(monkeypatch, network, kernel):
    sent = []
    monkeypatch.setattr(ahead, "compile_ahead", lambda disp, types: sent.append((disp, types)))
    monkeypatch.setattr(ahead, "enabled", lambda: True)
    net = twin.load_network(network)
    router = Router(net, run_options(net, end_hours=0.1))
    ((disp, types),) = sent
    assert any(c.cell_contents is disp for c in router._kernel().__closure__)  # what it runs
    base, flags = disp.specialised_from  # the step without the physics the network lacks
    assert base is kernel and flags == router.absent_physics() and "CULVERTS" in flags
    assert flags["TABLE_SHAPES"] is False and flags["FORMULA_SHAPES"] is False  # circles, boxes
    lateral = np.zeros(net.n_nodes)
    args = (0.0, 1.0, lateral, *router.network_bundles(), *router.state_bundles())
    assert tuple(kernel.typeof_pyval(a) for a in args) == types


def test_no_step_is_sent_for_a_batch_member_or_the_newton_solver(monkeypatch):
    sent = []
    monkeypatch.setattr(ahead, "compile_ahead", lambda disp, types: sent.append(disp))
    monkeypatch.setattr(ahead, "enabled", lambda: True)
    net = twin.load_network("small-conduits")
    Router(net, run_options(net, end_hours=0.1), alloc=lambda name, shape: np.zeros(shape))
    Router(net, run_options(net, end_hours=0.1, solver="newton"))
    assert sent == []


@pytest.mark.parametrize("network", ["small-conduits", "rtc"])  # compiled steps; Python loop
def test_what_is_compiled_while_waiting_is_what_the_run_calls(monkeypatch, network):
    """The kernels a cold run compiles while it waits for the helper (the runoff step and
    report, the Python loop's statistics) are compiled for the very types the run then
    calls them with: the run adds no signature."""
    from twin.engine.simulation import Simulation
    from twin.kernels.runoff import runoff as kr
    from twin.kernels.stats import update_stats

    works = []
    monkeypatch.setattr(ahead, "enabled", lambda: True)
    monkeypatch.setattr(ahead, "compile_ahead", lambda disp, types: True)
    monkeypatch.setattr(ahead, "while_waiting", works.append)
    sim = Simulation(network, end_hours=0.05)
    names = [w.__name__ for w in works]
    assert names[:2] == ["compile_step", "compile_report"]
    assert ("compile_stats" in names) == (sim._compiled is None)  # the Python loop's
    for work in works:
        work()
    kernels = [sim.runoff._runoff_step, kr.reported_runoff, update_stats]
    before = [len(k.signatures) for k in kernels]
    sim.run()
    assert [len(k.signatures) for k in kernels] == before
