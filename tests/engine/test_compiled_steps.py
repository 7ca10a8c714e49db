"""Routing steps taken many at a time in compiled code (twin.engine.stepping).

A run whose steps :func:`~twin.kernels.routing.run.run_steps` takes must equal, bit for
bit, the same run stepped by the Python loop (``begin_step`` / route / ``end_step``),
which stays for what needs Python at every step: results, statistics, clock, counters
and inflow volumes.  The models cover runoff, external inflows from time series,
dry-weather flow with patterns, structures, and a generated inflow switched on
mid-run; both stepping styles (one step at a time, to a time) are compared too, and
members of a batch (each running to its own stops in one parallel call) against their
own runs.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import twin
from tests.corpus import pyswmm_model
from tests.engine.routing_harness import assert_results_identical
from twin.engine.batch import MemberBatch
from twin.engine.hotstart import restore_snapshot, snapshot
from twin.engine.simulation import Simulation
from twin.engine.stepping import compiled_steps, compiled_steps_apply
from twin.kernels import ahead
from twin.kernels.routing.run import run_members_conduits, run_steps_conduits
from twin.kernels.routing.step import route_step
from twin.scenarios.modify import block_links, copy_network, scale_rainfall

END_H = 1.0


def _python_loop(sim: Simulation) -> Simulation:
    """``sim`` stepped by the per-step Python loop instead."""
    sim._python_loop = True
    return sim


def _assert_same_run(a: Simulation, b: Simulation) -> None:
    xr.testing.assert_identical(a.results(), b.results())
    assert (a.t_s, a.steps, a.iterations, a.min_step_s, a.max_step_s) == (
        b.t_s, b.steps, b.iterations, b.min_step_s, b.max_step_s
    )  # fmt: skip
    assert a.volumes == b.volumes
    assert a.router.volumes == b.router.volumes
    assert a.router.n_steps == b.router.n_steps
    for name, value in a.recorder.stats.arrays().items():
        np.testing.assert_array_equal(value, b.recorder.stats.arrays()[name], err_msg=name)


@pytest.mark.parametrize(
    "model",
    ["small-conduits", "model_full_features.inp", "model_storage_pump.inp"],
)
def test_compiled_steps_equal_the_python_loop(model):
    network = str(pyswmm_model(model)) if model.endswith(".inp") else model
    fast = Simulation(network, end_hours=END_H)
    assert compiled_steps_apply(fast) and fast._compiled is not None
    slow = _python_loop(Simulation(network, end_hours=END_H))
    fast.run()
    slow.run()
    assert fast.steps > 100
    _assert_same_run(fast, slow)


def test_model_with_dry_weather_patterns_and_series_inflows_is_covered():
    sim = Simulation(str(pyswmm_model("model_full_features.inp")), end_hours=END_H)
    assert sim.inflows.has_dwf and sim.inflows.has_external and sim.runoff is not None


def test_steps_one_at_a_time_and_a_generated_inflow_equal_the_python_loop():
    fast = Simulation("small-conduits", end_hours=0.5)
    slow = _python_loop(Simulation("small-conduits", end_hours=0.5))
    for sim in (fast, slow):
        for _ in range(25):  # one compiled step per call
            sim.step()
        sim.step_advance(300.0)
        sim.nodes[0].generated_inflow(0.05)  # m3/s from now on
        sim.advance_to("2024-07-15T00:20")
        sim.nodes[0].generated_inflow(0.0)
        sim.run()
    assert fast.volumes["external_inflow"] > 0.0
    _assert_same_run(fast, slow)


def test_each_step_call_takes_one_routing_step_across_runoff_and_report_stops():
    fast = Simulation("small-conduits", end_hours=0.25)  # runoff every minute, reports at 5
    slow = _python_loop(Simulation("small-conduits", end_hours=0.25))
    assert fast._compiled is not None and fast.runoff is not None
    while not slow.finished:
        t_fast, t_slow = fast.step(), slow.step()
        assert (t_fast, fast.steps) == (t_slow, slow.steps)
        np.testing.assert_array_equal(fast.router.node_state.depth, slow.router.node_state.depth)
    assert fast.finished and slow.steps > 100
    _assert_same_run(fast, slow)


def test_rules_given_after_the_simulation_was_built_are_obeyed():
    """Control rules set on a built simulation (the control evaluator does) take the
    steps back to the Python loop, where they are evaluated."""
    net = twin.load_network("rtc")
    bare_net = copy_network(net)
    bare_net.controls = ""
    ruled = Simulation(net, end_hours=1.0)
    bare = Simulation(bare_net, end_hours=1.0)
    late = Simulation(bare_net, end_hours=1.0)
    assert compiled_steps(late) is not None
    late.controls = late._make_controls(net, late.opts)  # the rules, given after the build
    assert late.controls is not None and compiled_steps(late) is None
    for sim in (ruled, bare, late):
        sim.run()
    xr.testing.assert_identical(late.results(), ruled.results())
    assert not late.results().equals(bare.results())


def test_a_restored_state_with_new_arrays_gets_a_new_driver():
    sim = Simulation("small-conduits", end_hours=0.5)
    sim.step_advance(600.0)
    saved = snapshot(sim)
    slow = _python_loop(Simulation("small-conduits", end_hours=0.5))
    restore_snapshot(slow, saved)
    first = compiled_steps(sim)
    sim._lat = sim._lat.copy()  # as a restore that does not write in place would
    assert not first.current() and compiled_steps(sim) is not first
    sim.run()
    slow.run()
    _assert_same_run(sim, slow)


def test_what_needs_python_every_step_keeps_the_python_loop():
    sim = Simulation("small-conduits", end_hours=END_H, flow_routing="KINWAVE")
    assert sim._compiled is None
    sim = Simulation("small-conduits", end_hours=END_H, solver="newton")
    assert sim._compiled is None


@pytest.fixture(scope="module")
def conduit_members():
    """``small-conduits`` members (no rules: every step compiled): as it is, 1.6x rain,
    a blocked trunk pipe, half the rain with SLOT surcharge; 30 simulated minutes."""
    net = twin.load_network("small-conduits")
    trunk = net.links.name[int(np.argmax(net.links.geom[:, 0]))]
    kw = {"end_hours": 0.5}
    return [
        (net, kw),
        (scale_rainfall(copy_network(net), 1.6), kw),
        (block_links(copy_network(net), {trunk: 0.6}), kw),
        (scale_rainfall(copy_network(net), 0.5), {**kw, "surcharge_method": "SLOT"}),
    ]


@pytest.mark.parametrize("threads, groups", [(2, 1), (2, None)])
def test_member_batch_steps_compiled_equal_each_member_alone(conduit_members, threads, groups):
    batch = MemberBatch(conduit_members, threads=threads, groups=groups)
    assert batch._run_members is not None
    assert batch._run_members.specialised_from[0] is run_members_conduits
    results = batch.run()
    assert [r[0] for r in results] == [0, 0, 0, 0]
    for (net, kw), (_, _, ds), sim in zip(conduit_members, results, batch.sims, strict=True):
        alone = _python_loop(Simulation(net, **kw))
        alone.run()
        assert_results_identical(ds, alone.results())
        assert (sim.steps, sim.iterations, sim.volumes) == (
            alone.steps, alone.iterations, alone.volumes
        )  # fmt: skip
    assert len({r[2]["node_depth"].values.tobytes() for r in results}) == 4


def test_member_failing_in_a_compiled_batch_is_recorded_and_the_others_finish(conduit_members):
    net, kw = conduit_members[0]
    bad = copy_network(net)
    bad.links.roughness[int(np.argmax(bad.links.geom[:, 0]))] = np.nan
    batch = MemberBatch([conduit_members[1], (bad, kw)], threads=2, groups=1)
    assert batch._run_members is not None
    results = batch.run()
    assert [r[0] for r in results] == [0, 1]
    assert results[1][1].startswith("SimulationError") and "NaN" in results[1][1]
    alone = Simulation(conduit_members[1][0], **kw)
    assert_results_identical(results[0][2], alone.run())


def test_the_compiled_loop_is_sent_ahead_with_the_types_it_is_called_with(monkeypatch):
    sent = []
    monkeypatch.setattr(ahead, "compile_ahead", lambda disp, types: sent.append((disp, types)))
    monkeypatch.setattr(ahead, "enabled", lambda: True)
    sim = Simulation("small-conduits", end_hours=0.1)
    ((disp, types),) = sent
    assert disp is sim._compiled.kernel
    assert disp.specialised_from == (run_steps_conduits, sim.router.absent_physics())
    assert tuple(disp.typeof_pyval(a) for a in sim._compiled.args) == types
    sent.clear()
    rules = Simulation("rtc", end_hours=0.1)  # control rules: the Python loop's step
    assert rules._compiled is None
    ((disp, _),) = sent
    assert disp.specialised_from[0] is route_step
