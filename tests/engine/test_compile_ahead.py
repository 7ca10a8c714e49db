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
