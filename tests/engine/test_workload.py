"""The work and memory of a run, counted before it starts (twin.engine.workload)."""

from __future__ import annotations

import pytest

import twin
from twin.engine.simulation import Simulation, run_options
from twin.engine.workload import (
    MAX_ROUTING_STEPS,
    check_work,
    estimate_work,
    physical_memory_bytes,
)
from twin.errors import InputError


@pytest.mark.parametrize("opts", [{"end_hours": 0.5}, {"end_hours": 0.75, "report_step_s": 420}])
def test_the_estimate_counts_what_the_run_then_does(opts):
    net = twin.load_network("small-conduits")
    work = estimate_work(net, run_options(net, **opts))
    ds = twin.simulate(net, **opts)
    assert work.report_times == ds.sizes["time"]  # the report grid exactly
    assert work.routing_steps <= ds.attrs["routing_steps"]  # a lower bound
    assert work.elements == net.n_nodes + net.n_links
    assert work.result_bytes >= sum(v.nbytes for v in ds.data_vars.values() if "time" in v.dims)
    assert not work.is_large()


def test_runs_beyond_the_bounds_are_refused_before_they_start():
    net = twin.load_network("small-conduits")
    with pytest.raises(InputError, match="must be >= 0.001") as err:  # the step's own range
        Simulation(net, routing_step_s=1e-12)
    assert err.value.field == "routing_step_s"
    with pytest.raises(InputError, match="routing steps: use a longer routing step") as err:
        Simulation(net, routing_step_s=0.001, end_hours=24 * 3650)  # each in range, too long
    assert err.value.field == "routing_step_s" and "315,360,000,000 routing steps" in str(err.value)
    with pytest.raises(InputError, match="more memory than this machine has") as err:
        Simulation(net, report_step_s=1, end_hours=24 * 3650)
    assert err.value.field == "report_step_s"
    ten_years = run_options(net, end_hours=24 * 3650, routing_step_s=0.1)
    with pytest.raises(InputError, match="routing steps"):
        check_work(estimate_work(net, ten_years))
    assert estimate_work(net, ten_years).routing_steps > MAX_ROUTING_STEPS


def test_members_multiply_the_work_and_the_memory():
    net = twin.load_network("small-conduits")
    opts = run_options(net, end_hours=1)
    one = estimate_work(net, opts)
    many = estimate_work(net, opts, members=100_000_000)
    assert many.element_steps == one.element_steps * 1e8
    assert many.result_bytes == one.result_bytes * 1e8 > physical_memory_bytes()
    with pytest.raises(InputError, match="fewer members") as err:
        check_work(many, members_field="-n")
    assert err.value.field == "-n" and "x 100,000,000 members" in str(err.value)
    assert estimate_work(net, opts, members=20_000).is_large()
