"""THREADS: the threaded dynamic-wave kernel gives the serial kernel's numbers bit for bit.

The networks here are small, so the threshold ``MIN_CONDUITS`` is lowered to force
them through :func:`twin.kernels.routing.dynwave.dynwave_step_threads` with two
threads; every step's node depths, volumes, link flows and the routing totals must
equal the serial run's exactly.  (The threaded kernel is compiled, not cached, once
per process: the first test pays some seconds for it.)
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import twin
from tests.corpus import PYSWMM_DATA
from twin.engine import routing_threads
from twin.engine.options import options_from_raw
from twin.engine.simulation import Simulation


def _run(net, hours, **options):
    """Step a Simulation; return the router and every step's states stacked."""
    sim = Simulation(net, end_hours=hours, **options)
    rows = []
    while not sim.finished:
        sim.step()
        r = sim.router
        rows.append(
            np.concatenate(
                [
                    r.node_state.depth,
                    r.node_state.volume,
                    r.node_state.overflow,
                    r.link_state.flow,
                    r.link_state.depth,
                    r.link_state.volume,
                ]
            )  # fmt: skip
        )
    return sim.router, np.asarray(rows), sim


@pytest.mark.parametrize(
    ("network", "hours"),
    [
        ("small", 1.0),  # pumps, tank, CSO weir: the serial non-conduit loop in between
        (f"{PYSWMM_DATA}/model_full_features.inp", 3.0),
    ],
)
def test_threaded_kernel_equals_serial_bit_for_bit(monkeypatch, network, hours):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has one thread only")
    net = twin.load_network(network)
    serial, y_serial, serial_sim = _run(net, hours)
    assert serial_sim._compiled is not None  # one thread: the compiled step loop
    monkeypatch.setattr(routing_threads, "MIN_CONDUITS", 0)
    threaded, y_threaded, threaded_sim = _run(net, hours, threads=2)
    assert threaded_sim._compiled is None  # the threaded step is called from Python
    assert threaded._route.__name__ == "route_step_on_threads"  # the threaded kernel ran
    assert y_threaded.shape == y_serial.shape
    assert len(y_serial) > 50
    assert np.array_equal(y_threaded, y_serial)  # bit for bit, every step
    assert threaded.volumes == serial.volumes
    assert np.array_equal(threaded.totals.inflow_volume, serial.totals.inflow_volume)
    assert np.array_equal(threaded.link_state.velocity, serial.link_state.velocity)
    assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS  # restored


def test_small_networks_and_kinematic_wave_stay_serial():
    net = twin.load_network("small-conduits")
    assert net.n_links < routing_threads.MIN_CONDUITS
    sim = Simulation(net, end_hours=0.01, threads=2)
    sim.step()
    assert sim._compiled is not None  # serial: the compiled step loop
    kw = Simulation(net, end_hours=0.01, threads=0, flow_routing="KINWAVE")
    assert routing_threads.threaded_route_step(kw.router) is None


def test_thread_count_follows_swmm_threads_option():
    most = numba.config.NUMBA_NUM_THREADS
    assert routing_threads.thread_count(0) == most
    assert routing_threads.thread_count(1) == 1
    assert routing_threads.thread_count(2) == min(2, most)
    assert routing_threads.thread_count(10_000) == most
    end = {"END_TIME": "01:00:00"}
    assert options_from_raw({"THREADS": "0", **end}).threads == 0  # all cores, as in SWMM
    assert options_from_raw({"THREADS": "3", **end}).threads == 3
