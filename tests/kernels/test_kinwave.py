"""Kinematic-wave conduit kernel: steady state, mass conservation, attenuation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

from twin.engine.options import SimOptions
from twin.engine.routing_pack import pack_network
from twin.kernels.routing.bundles import LinkState
from twin.kernels.routing.kinwave import kinwave_conduit
from twin.networks.model import Network

DATA = Path(__file__).parents[1] / "engine" / "data"


def _pack():
    net = Network.from_inp(DATA / "chain_free.inp")
    pack = pack_network(net, SimOptions.from_network(net, flow_routing="KINWAVE"))
    return pack, LinkState.new({"link": net.n_links})


def _normal_area_circle(q, diam, beta):
    """Area [ft2] with beta A R^(2/3) = q in a circle, from exact segment geometry."""

    def f(theta):
        a = diam**2 / 8.0 * (theta - np.sin(theta))
        return beta * a * (a / (diam * theta / 2.0)) ** (2.0 / 3.0) - q

    theta = brentq(f, 1e-6, 5.0)
    return diam**2 / 8.0 * (theta - np.sin(theta))


def test_constant_inflow_reaches_normal_flow_area():
    p, ls = _pack()
    j = 0  # 2 ft circle
    for _ in range(400):
        qin, qout = kinwave_conduit(j, 5.0, 10.0, False, p.links, p.xsects, ls)
    assert qin == pytest.approx(5.0)
    assert qout == pytest.approx(5.0, rel=1e-3)
    a_ref = _normal_area_circle(5.0, 2.0, p.links.beta[j])
    assert ls.a2[j] == pytest.approx(a_ref, rel=0.01)  # table geometry vs exact


def test_pulse_is_attenuated_and_conserved():
    p, ls = _pack()
    j = 2  # 2.5 ft circle, 400 ft
    dt = 10.0
    t = np.arange(0.0, 4 * 3600.0, dt)
    inflow = np.interp(t, [0, 600, 1200, 2400, 4e4], [0.0, 0.0, 8.0, 0.0, 0.0])
    out = np.zeros_like(t)
    taken = np.zeros_like(t)
    for k, q in enumerate(inflow):
        taken[k], out[k] = kinwave_conduit(j, q, dt, False, p.links, p.xsects, ls)
    assert out.max() < taken.max()  # attenuated
    assert np.argmax(out) > np.argmax(taken)  # delayed
    v_in, v_out = taken.sum() * dt, out.sum() * dt
    stored = 0.5 * (ls.a1[j] + ls.a2[j]) * p.links.length[j]
    assert abs(v_in - v_out - stored) / v_in < 0.01
