"""Dynamic-wave kernels pinned to plain-numpy references written out in this file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from twin.engine.options import SimOptions
from twin.engine.routing_pack import pack_network
from twin.kernels.routing import constants as R
from twin.kernels.routing.boundary import OUT_FIXED, OUT_FREE, OUT_NORMAL, outfall_depth
from twin.kernels.routing.bundles import LinkState, NodeState
from twin.kernels.routing.conduit import conduit_flow
from twin.kernels.routing.node import set_node_depth
from twin.kernels.routing.storage import curve_storage_volume, storage_depth, storage_volume_raw
from twin.kernels.routing.timestep import variable_step
from twin.networks.model import Network

DATA = Path(__file__).parents[1] / "engine" / "data"


def _packed(name="chain_free.inp", **over):
    net = Network.from_inp(DATA / name)
    pack = pack_network(net, SimOptions.from_network(net, **over))
    sizes = {"node": net.n_nodes, "link": net.n_links}
    return pack, NodeState.new(sizes), LinkState.new(sizes)


def test_full_pipe_steady_flow_is_a_fixed_point_of_the_momentum_update():
    """Both ends surcharged: the update keeps the Manning full-pipe flow for the head drop."""
    p, ns, ls = _packed()
    j = 0  # C1: 2 ft circle, 400 ft, n 0.013
    n1, n2 = p.links.node1[j], p.links.node2[j]
    ns.depth[n1] = 4.0
    ns.depth[n2] = 3.5
    h1 = p.nodes.invert[n1] + 4.0
    h2 = p.nodes.invert[n2] + 3.5
    d, length, n = 2.0, 400.0, 0.013
    area, rad = np.pi * d * d / 4.0, d / 4.0
    q_ref = 1.486 / n * area * rad ** (2.0 / 3.0) * np.sqrt((h1 - h2) / length)
    ls.q1[j] = q_ref
    ls.flow_old[j] = q_ref
    ls.a2[j] = area
    ls.flow_class[j] = R.FC_SUBCRITICAL
    conduit_flow(j, 1, 5.0, p.nodes, p.links, p.xsects, p.options, ns, ls)
    assert ls.flow[j] == pytest.approx(q_ref, rel=1e-6)
    # dq/dh of a full pipe: g dt A / (L (1 + dq1))
    dq1 = 5.0 * 32.2 * (n / 1.486) ** 2 / rad**1.33333 * abs(q_ref / area)
    assert ls.dqdh[j] == pytest.approx(32.2 * 5.0 * area / length / (1 + dq1), rel=1e-6)
    assert ls.froude[j] == 0.0  # a full closed conduit has no Froude number


def _node_depth(p, ns, i, steps, dt):
    """One ``set_node_depth`` pass for node ``i`` with SWMM's relaxation 0.5."""
    set_node_depth(i, steps, dt, p.nodes, p.curves, p.options, ns)


def test_node_continuity_first_and_second_pass():
    p, ns, ls = _packed()
    i = 1
    ns.depth_old[i] = 0.5
    ns.depth[i] = 0.5
    ns.inflow[i] = 3.0
    ns.outflow[i] = 1.0
    ns.net_inflow_old[i] = 1.0
    ns.surf_area[i] = 100.0
    dt = 10.0
    _node_depth(p, ns, i, 0, dt)
    y1 = 0.5 + 0.5 * (1.0 + 2.0) * dt / 100.0
    assert ns.depth[i] == pytest.approx(y1)
    assert ns.dydt[i] == pytest.approx((y1 - 0.5) / dt)
    # a second pass is under-relaxed toward the previous iterate
    ns.surf_area[i] = 5.0  # below MIN_SURFAREA: the minimum applies
    _node_depth(p, ns, i, 1, dt)
    y2 = 0.5 * y1 + 0.5 * (0.5 + 0.5 * 3.0 * dt / 12.566)
    assert ns.depth[i] == pytest.approx(y2)


def test_node_floods_its_excess_volume():
    p, ns, ls = _packed()
    i = 1
    full = p.nodes.full_depth[i]
    ns.depth_old[i] = full - 0.01
    ns.depth[i] = full - 0.01  # below the crown: free-surface branch
    p.nodes.crown_depth[i] = full  # make the crown the rim
    ns.inflow[i] = 50.0
    ns.surf_area[i] = 20.0
    dt = 2.0
    _node_depth(p, ns, i, 0, dt)
    assert ns.depth[i] == pytest.approx(full)
    assert ns.overflow[i] == pytest.approx(0.5 * 50.0 * dt / dt)


@pytest.mark.parametrize(
    "kind, stage, yn, yc, z, expected",
    [
        (OUT_FREE, 0.0, 1.2, 0.8, 0.0, 0.8),
        (OUT_FREE, 0.0, 1.2, 0.8, 0.5, 0.0),
        (OUT_NORMAL, 0.0, 1.2, 0.8, 0.0, 1.2),
        (OUT_FIXED, 12.0, 1.2, 0.8, 0.0, 2.0),  # stage above critical: stage rules
        (OUT_FIXED, 10.3, 1.2, 0.8, 0.0, 0.8),  # stage below critical depth
        (OUT_FIXED, 10.2, 1.2, 0.8, 0.5, 0.2),  # stage below the offset conduit
        (OUT_FIXED, 10.7, 1.2, 0.8, 0.5, 1.3),  # between: offset + critical depth
    ],
)
def test_outfall_depth_cases(kind, stage, yn, yc, z, expected):
    assert outfall_depth(kind, 10.0, stage, yn, yc, z) == pytest.approx(expected)


def test_courant_step_of_one_conduit():
    p, ns, ls = _packed()
    j = 2
    ls.flow[:] = 0.0
    ls.flow[j] = 4.0
    ls.a1[j] = 2.0
    ls.volume[j] = 2.0 * 400.0
    ls.froude[j] = 0.6
    dt, lk, nd = variable_step(300.0, 0.75, p.nodes, p.links, ns, ls)
    # V/Q * Fr/(1+Fr) * CF  ==  CF * L / (v + sqrt(g D))
    assert dt == pytest.approx(800.0 / 4.0 * 0.6 / 1.6 * 0.75)
    assert lk == j and nd == -1
    # a smaller user maximum step wins, and then no link is critical
    dt, lk, nd = variable_step(30.0, 0.75, p.nodes, p.links, ns, ls)
    assert dt == 30.0 and lk == -1


def test_storage_geometry_against_integrals():
    p, ns, ls = _packed("storage_channels.inp")
    names = list(Network.from_inp(DATA / "storage_channels.inp").nodes.name)
    su1 = names.index("SU1")  # FUNCTIONAL: A = 400 + 100 d^0.5 [ft2]
    for d in (0.3, 1.0, 4.0):
        v_ref = quad(lambda y: 400.0 + 100.0 * y**0.5, 0.0, d)[0]
        v = storage_volume_raw(su1, d, p.nodes, p.curves)
        assert v == pytest.approx(v_ref, rel=1e-9)
        back = storage_depth(su1, v, p.nodes, p.curves)
        assert back == pytest.approx(d, rel=1e-6)
    su4 = names.index("SU4")  # PYRAMIDAL 20 x 30 base, side slope 1.5
    d = 2.0
    v_ref = quad(lambda y: (20 + 3.0 * y) * (30 + 3.0 * y), 0.0, d)[0]
    v = storage_volume_raw(su4, d, p.nodes, p.curves)
    assert v == pytest.approx(v_ref, rel=1e-9)
    # tabular: trapezoidal rule over (0,500) (2,800) (4,1500) (6,2000)
    xs = np.array([0.0, 2.0, 4.0, 6.0])
    ys = np.array([500.0, 800.0, 1500.0, 2000.0])
    x = 3.0
    ref = np.trapezoid(np.interp(np.linspace(0, x, 3001), xs, ys), np.linspace(0, x, 3001))
    assert curve_storage_volume(x, xs, ys, 0, 4) == pytest.approx(ref, rel=1e-6)
