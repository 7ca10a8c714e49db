"""Stepping API: live views, advance_to, generated inflows, link settings.

A stepped run that reads views between steps must equal a plain run bit for bit;
views must show the same state the results sample; a generated inflow is external
inflow that the routing continuity books.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from twin.engine.simulation import Simulation
from twin.errors import InputError, TwinError
from twin.kernels.codes import LinkKind, NodeKind
from twin.networks.model import Network

DATA = Path(__file__).parent / "data"

NETWORK = "small-conduits"  # with END_H, read by the `net` and `plain` fixtures (conftest)
END_H = 1.0
CONTINUITY_SHIFT_PERCENT = 0.05


def _read_everything(sim) -> float:
    total = 0.0
    for n in sim.nodes:
        total += n.depth + n.head + n.volume + n.inflow + n.lateral_inflow + n.flooding
    for lk in sim.links:
        total += lk.flow + lk.depth + lk.velocity + lk.capacity
    for s in sim.subcatchments:
        total += s.rainfall + s.runoff + s.infiltration
    return total


def test_stepped_run_with_view_reads_equals_plain_run(net, plain):
    sim = Simulation(net, end_hours=END_H)
    j1, c1 = sim.nodes[0], sim.links[len(sim.links) - 1]
    seen = []
    with sim:
        for k, t in enumerate(sim):
            seen.append((t, j1.depth, c1.flow))
            if k % 200 == 0:
                assert np.isfinite(_read_everything(sim))
    assert seen[-1][0] == pytest.approx(END_H * 3600.0)
    assert max(d for _, d, _ in seen) > 0.0  # the views followed a changing state
    xr.testing.assert_identical(sim.results(), plain)


def test_step_advance_and_advance_to_equal_plain_run(net, plain):
    sim = Simulation(net, end_hours=END_H)
    sim.step_advance(600.0)
    assert 600.0 <= sim.t_s < 600.0 + 60.0
    t = sim.advance_to("2024-07-15T00:20")
    assert t >= 1200.0
    before = sim.t_s
    sim.advance_to(np.datetime64("2024-07-15T00:10"))  # in the past: no step
    assert sim.t_s == before
    sim.advance_to(np.datetime64("2024-07-15T00:30:30"))
    assert sim.current_time >= np.datetime64("2024-07-15T00:30:30")
    sim.advance_to("2030-01-01")  # past the end: stops at the end
    assert sim.finished
    xr.testing.assert_identical(sim.results(), plain)


def test_views_show_the_state_the_results_sample(net, plain):
    """At the end the last report sample is the final state (interpolation weight 1)."""
    sim = Simulation(net, end_hours=END_H)
    sim.run()
    last = plain.isel(time=-1)
    depth = np.array([n.depth for n in sim.nodes])
    head = np.array([n.head for n in sim.nodes])
    lat = np.array([n.lateral_inflow for n in sim.nodes])
    np.testing.assert_allclose(depth, last.node_depth.values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(head, last.node_head.values, rtol=1e-12)
    np.testing.assert_allclose(lat, last.node_lateral_inflow.values, rtol=1e-12, atol=1e-15)
    flow = np.array([lk.flow for lk in sim.links])
    vel = np.array([lk.velocity for lk in sim.links])
    ldepth = np.array([lk.depth for lk in sim.links])
    np.testing.assert_allclose(flow, last.link_flow.values, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(vel, last.link_velocity.values, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ldepth, last.link_depth.values, rtol=1e-12, atol=1e-15)
    # volume [m3] of a node is its depth times the plan area for a prismatic manhole
    assert all(n.volume >= 0.0 for n in sim.nodes)
    assert sim.nodes[0].head == pytest.approx(sim.nodes[0].depth + float(plain.node_invert[0]))


def test_element_collections(net):
    sim = Simulation(net, end_hours=0.1)
    assert len(sim.nodes) == net.n_nodes
    assert len(sim.links) == net.n_links
    assert len(sim.subcatchments) == net.n_subcatchments
    first = str(net.nodes.name[0])
    assert first in sim.nodes and "no-such-node" not in sim.nodes
    assert sim.nodes[first].index == 0 and sim.nodes[first].name == first
    assert [v.name for v in sim.links] == [str(x) for x in net.links.name]
    for coll, kind in ((sim.nodes, "node"), (sim.links, "link"), (sim.subcatchments, "sub")):
        with pytest.raises(InputError, match=kind):
            coll["no-such-element"]
    with pytest.raises(InputError):
        sim.nodes[net.n_nodes]
    with pytest.raises(InputError):
        sim.nodes[first].generated_inflow("a lot")


def _upstream_path(net) -> tuple[int, int]:
    """A junction with no incoming link and the node its outgoing link reaches."""
    to_node = np.asarray(net.links.to_node)
    from_node = np.asarray(net.links.from_node)
    kind = np.asarray(net.nodes.kind)
    for j in range(net.n_links):
        a = int(from_node[j])
        if kind[a] == NodeKind.JUNCTION and a not in to_node:
            return a, int(to_node[j])
    raise AssertionError("no upstream junction")


def test_generated_inflow_raises_downstream_depth_and_is_booked(net, plain):
    q = 0.05  # m3/s
    t_on = 0.25 * 3600.0
    top, below = _upstream_path(net)
    sim = Simulation(net, end_hours=END_H)
    sim.step_advance(t_on)
    t_set = sim.t_s
    sim.nodes[top].generated_inflow(q)
    assert sim.nodes[top].generated == pytest.approx(q)
    sim.run()
    ds = sim.results()
    after = ds.time > plain.time[0] + np.timedelta64(int(t_set), "s")
    rise = (ds.node_depth - plain.node_depth).isel(node=below)[after]
    assert float(rise.min()) > 0.0  # every sample after the switch-on is deeper
    lat = (
        ds.node_lateral_inflow.isel(node=top)[after]
        - plain.node_lateral_inflow.isel(node=top)[after]
    )
    np.testing.assert_allclose(lat.values, q, rtol=1e-9)
    # booked as external inflow: q times the time it was on (trapezoid of the first step)
    booked = ds.attrs["routing_external_inflow_m3"] - plain.attrs["routing_external_inflow_m3"]
    assert booked == pytest.approx(q * (END_H * 3600.0 - t_set), abs=q * 60.0)
    # the router took in exactly what the continuity books as inflow
    v = sim.volumes
    booked_in = sum(v[k] for k in ("dry_weather_inflow", "wet_weather_inflow", "external_inflow"))
    assert booked_in - v["external_outflow"] == pytest.approx(
        sim.router.volumes["lateral_inflow"], rel=1e-12
    )
    # and the continuity error (mid-storm it is not zero for the plain run either) holds
    err, err_plain = (d.attrs["flow_routing_continuity_error_percent"] for d in (ds, plain))
    assert abs(err - err_plain) < CONTINUITY_SHIFT_PERCENT
    # switched off: no more extra inflow
    sim2 = Simulation(net, end_hours=END_H)
    sim2.nodes[top].generated_inflow(q)
    sim2.nodes[top].generated_inflow(0.0)
    xr.testing.assert_identical(sim2.run(), plain)


def test_pump_switched_off_and_on_through_its_view():
    """A pump (P4: always on, no start-up / shut-off depths) stopped by the stepping API
    carries no flow while off; switched on again it pumps, and a run that never
    touched it is unchanged."""
    pumps = Network.from_inp(DATA / "structures_pumps.inp")
    sim = Simulation(pumps, end_hours=1.5)
    if not hasattr(sim.router, "set_link_setting"):
        pytest.skip("router without link settings")
    p = sim.links["P4"]
    sim.advance_to("2020-01-01T00:30")
    assert p.setting == 1.0 and p.flow > 0.0
    p.target_setting = 0.0
    assert p.target_setting == 0.0  # asked for, applied at the next step
    sim.step()
    assert p.setting == 0.0 and p.flow == 0.0
    sim.advance_to("2020-01-01T01:00")
    assert p.flow == 0.0
    p.setting = 1.0
    sim.step()
    assert p.setting == 1.0 and p.flow > 0.0
    ds = sim.run()
    t = ds.time.values
    off = (t > np.datetime64("2020-01-01T00:31")) & (t < np.datetime64("2020-01-01T01:00"))
    assert off.sum() >= 5
    assert float(abs(ds.link_flow.sel(link="P4")[off]).max()) == 0.0
    with pytest.raises(TwinError):
        p.target_setting = -1.0


def test_link_setting_of_a_conduit_network_is_reported(net):
    sim = Simulation(net, end_hours=0.1)
    sim.step_advance(60.0)
    c = sim.links[0]
    assert int(net.links.kind[0]) == LinkKind.CONDUIT
    assert c.setting == pytest.approx(1.0)  # an open conduit


@pytest.mark.parametrize(
    ("overrides", "field", "match"),
    [
        ({"end_hours": 0}, "end_hours", "> 0"),
        ({"end_hours": float("nan")}, "end_hours", "finite"),
        ({"routing_step_s": -1.0}, "routing_step_s", ">= 0.001"),  # twin.limits
        ({"report_step_s": 0.0}, "report_step_s", ">= 1"),
        ({"head_tolerance_m": float("inf")}, "head_tolerance_m", "finite"),
        ({"variable_step": -0.5}, "variable_step", ">= 0"),
        ({"inertial_damping": "SOME"}, "inertial_damping", "one of"),
        ({"warp_speed": 9}, "warp_speed", "unknown option"),
    ],
)
def test_bad_overrides_are_input_errors_naming_the_option(net, overrides, field, match):
    with pytest.raises(InputError, match=match) as err:
        Simulation(net, **overrides)
    assert err.value.field == field


@pytest.mark.parametrize("seconds", [-5.0, float("nan"), "x", None])
def test_step_advance_refuses_a_bad_span(net, seconds):
    sim = Simulation(net, end_hours=0.1)
    with pytest.raises(InputError) as err:
        sim.step_advance(seconds)
    assert err.value.field == "seconds" and sim.t_s == 0.0
