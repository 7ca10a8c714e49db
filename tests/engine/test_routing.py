"""The Router: analytic checks, mass balance, API behaviour and error reporting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

from tests.engine.routing_harness import lateral_inflow_cfs, run_router
from twin.engine.options import SimOptions
from twin.engine.routing import Router
from twin.errors import SimulationError
from twin.networks.model import Network

DATA = Path(__file__).parent / "data"
FT = 0.3048


def _long_pipe_inp(tmp_path, q_cfs=6.0, n_pipes=12, length=600.0, slope=0.002, diam=3.0):
    juncs = "\n".join(
        f"J{k}  {100.0 - k * slope * length:.4f}  10  0  0  0" for k in range(n_pipes)
    )
    out_elev = 100.0 - n_pipes * slope * length
    conds = "\n".join(
        f"C{k}  J{k}  {'J' + str(k + 1) if k + 1 < n_pipes else 'O1'}  {length}  0.013  0  0  0  0"
        for k in range(n_pipes)
    )
    xs = "\n".join(f"C{k}  CIRCULAR  {diam}  0  0  0  1" for k in range(n_pipes))
    text = f"""[OPTIONS]
FLOW_UNITS CFS
FLOW_ROUTING DYNWAVE
START_DATE 01/01/2020
START_TIME 00:00:00
END_DATE 01/01/2020
END_TIME 04:00:00
REPORT_STEP 00:15:00
ROUTING_STEP 10
VARIABLE_STEP 0

[JUNCTIONS]
{juncs}

[OUTFALLS]
O1 {out_elev:.4f} FREE NO

[CONDUITS]
{conds}

[XSECTIONS]
{xs}

[INFLOWS]
J0 FLOW "" FLOW 1.0 1.0 {q_cfs}
"""
    p = tmp_path / "long_pipe.inp"
    p.write_text(text)
    return p


def manning_normal_depth_circle(q, diam, n, slope):
    """Normal depth [ft] of a circular pipe from exact segment geometry (plain numpy)."""

    def flow(y):
        theta = 2.0 * np.arccos(1.0 - 2.0 * y / diam)
        area = diam**2 / 8.0 * (theta - np.sin(theta))
        perim = diam * theta / 2.0
        return 1.486 / n * area * (area / perim) ** (2.0 / 3.0) * np.sqrt(slope) - q

    return brentq(flow, 1e-6, 0.93 * diam)


def test_uniform_pipe_reaches_manning_normal_depth(tmp_path):
    inp = _long_pipe_inp(tmp_path)
    ds, router = run_router(inp)
    # slope along the pipe: drop / horizontal length
    slope = 0.002 * 600.0 / np.sqrt(600.0**2 - (0.002 * 600.0) ** 2)
    yn = manning_normal_depth_circle(6.0, 3.0, 0.013, slope)
    mid_links = [f"C{k}" for k in range(3, 8)]
    y = ds["link_depth"].sel(link=mid_links).isel(time=-1).values / FT
    assert np.all(np.abs(y - yn) / yn < 0.01), (y, yn)
    q = ds["link_flow"].sel(link=mid_links).isel(time=-1).values / FT**3
    assert np.allclose(q, 6.0, rtol=1e-3)


@pytest.mark.parametrize(
    "name", ["chain_free.inp", "dendritic_surcharge.inp", "storage_channels.inp"]
)
def test_mass_balance_closes(name):
    ds, router = run_router(DATA / name)
    v = router.volumes
    inflow = v["initial_storage"] + v["lateral_inflow"] + v["outfall_inflow"]
    outflow = v["final_storage"] + v["flooding"] + v["outfall"]
    assert inflow > 0.0
    assert abs(inflow - outflow) / inflow < 0.01
    # node balances: each node's inflow volume is accounted for by its outflow + storage
    assert np.all(router.totals.inflow_volume >= 0.0)


def test_state_views_and_interpolation():
    net = Network.from_inp(DATA / "chain_free.inp")
    router = Router(net, SimOptions.from_network(net))
    depth_view = router.node_state.depth
    lat = lateral_inflow_cfs(net, 0.0) + 3.0
    for k in range(20):
        router.advance(k * 5.0, 5.0, lat)
    assert depth_view is router.node_state.depth  # the kernels write in place
    assert depth_view[0] > 0.0
    with pytest.raises(AttributeError):
        router.node_state.depth = np.zeros(net.n_nodes)  # a field cannot be rebound
    ns, ls = router.node_state, router.link_state
    old = router.interpolated(0.0)
    new = router.interpolated(1.0)
    np.testing.assert_allclose(old["node_depth_ft"], ns.depth_old)
    np.testing.assert_allclose(new["node_depth_ft"], ns.depth)
    np.testing.assert_allclose(new["node_head_ft"], ns.head)
    mid = router.interpolated(0.5)["link_flow_cfs"]
    np.testing.assert_allclose(mid, 0.5 * (ls.flow_old + ls.flow) * router.links.direction)


def test_variable_step_starts_at_minimum_and_respects_bounds():
    net = Network.from_inp(DATA / "chain_free.inp")
    opts = SimOptions.from_network(net, variable_step=0.75, routing_step_s=20.0, min_step_s=0.5)
    router = Router(net, opts)
    assert router.step_size(0.0) == 0.5
    t = 0.0
    for _ in range(200):
        dt = router.step_size(t)
        assert 0.5 <= dt <= 20.0
        assert abs(dt * 1000.0 - round(dt * 1000.0)) < 1e-6  # whole milliseconds
        router.advance(t, dt, lateral_inflow_cfs(net, t) + 5.0)
        t += dt


def test_reversed_conduit_reports_file_direction():
    ds, router = run_router(DATA / "storage_channels.inp")
    j = list(ds["link"].values).index("P5")  # drawn uphill: SWMM reverses it
    assert router.links.direction[j] == -1
    # water runs from J4 (higher) down to J3, i.e. against the drawn direction
    assert float(ds["link_flow"].isel(link=j).min()) < 0.0


def test_nan_inflow_raises_simulation_error_naming_node():
    net = Network.from_inp(DATA / "chain_free.inp")
    router = Router(net, SimOptions.from_network(net))
    lat = np.zeros(net.n_nodes)
    lat[2] = np.nan
    with pytest.raises(SimulationError) as err:
        router.advance(0.0, 5.0, lat)
    # NaN spreads through the Picard passes; the error names a node it reached
    assert err.value.element in ("J2", "J3", "J4")
    assert err.value.step == 1
    assert "NaN" in str(err.value)
