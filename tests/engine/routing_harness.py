"""Drive the Router over a whole run for tests, as SWMM's main loop would.

Only [INFLOWS] FLOW entries (baseline plus a time series, no patterns) are
supported: enough for hand-made validation networks without subcatchments.
Lateral inflow of a step is taken at the step's start time (SWMM's
``addExternalInflows``); results are sampled at each report time by
interpolating between the routing steps around it, as SWMM's output does.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.engine.options import SimOptions
from twin.engine.routing import Router
from twin.networks import units
from twin.networks.model import Network

FT = 0.3048
CFS = FT**3


def lateral_inflow_cfs(net: Network, t_s: float) -> np.ndarray:
    """Lateral inflow [cfs] per node at ``t_s`` seconds after the start."""
    qf = units.flow_to_m3s(net.flow_units) / CFS
    q = np.zeros(net.n_nodes)
    inf = net.inflows
    for k in range(len(inf)):
        if str(inf.constituent[k]).upper() != "FLOW":
            continue
        v = float(inf.baseline[k])
        name = str(inf.series[k])
        if name:
            ts = net.timeseries[name]
            v += float(inf.sfactor[k]) * float(
                np.interp(t_s / 3600.0, ts.time_h, ts.value, left=ts.value[0], right=ts.value[-1])
            )
        q[int(inf.node[k])] += float(inf.mfactor[k]) * v * qf
    return q


def run_router(inp, **overrides) -> tuple[xr.Dataset, Router]:
    """Route ``inp`` with our Router; report-step results in SI like ``run_swmm``."""
    net = Network.from_inp(inp)
    opts = SimOptions.from_network(net, **overrides)
    router = Router(net, opts)
    duration = opts.duration_s
    report_step = opts.report_step_s
    t_report = report_step
    t = 0.0
    rows: dict[str, list] = {}
    steps = 0
    while t < duration - 1e-9:
        dt = router.step_size(t)
        if t + dt > duration:
            dt = max(duration - t, 0.001)
        router.advance(t, dt, lateral_inflow_cfs(net, t))
        steps += 1
        t_new = t + dt
        while t_report <= t_new + 1e-6 and t_report <= duration + 1e-6:
            f = (t_report - t) / dt
            for key, val in router.interpolated(f).items():
                rows.setdefault(key, []).append(val)
            t_report += report_step
        t = t_new
    times = opts.start + (np.arange(1, len(rows["node_depth_ft"]) + 1) * report_step).astype(
        "timedelta64[s]"
    )
    nodes = [str(s) for s in net.nodes.name]
    links = [str(s) for s in net.links.name]

    def arr(key, f):
        return np.asarray(rows[key]) * f

    ds = xr.Dataset(
        {
            "node_depth": (("time", "node"), arr("node_depth_ft", FT)),
            "node_head": (("time", "node"), arr("node_head_ft", FT)),
            "node_inflow": (("time", "node"), arr("node_inflow_cfs", CFS)),
            "node_flooding": (("time", "node"), arr("node_overflow_cfs", CFS)),
            "node_ponded_volume": (("time", "node"), arr("node_ponded_ft3", CFS)),
            "link_flow": (("time", "link"), arr("link_flow_cfs", CFS)),
            "link_depth": (("time", "link"), arr("link_depth_ft", FT)),
            "link_velocity": (("time", "link"), arr("link_velocity_fps", FT)),
            "link_capacity": (("time", "link"), arr("link_capacity", 1.0)),
        },
        coords={"time": times, "node": nodes, "link": links},
        attrs={
            "flow_routing_continuity_error_percent": router.continuity_error_percent(),
            "flooding_volume_m3": router.volumes["flooding"] * CFS,
            "routing_steps": steps,
        },
    )
    return ds, router


def assert_results_identical(a: xr.Dataset, b: xr.Dataset) -> None:
    """Two results datasets hold the same variables and attributes, bit for bit (NaN equal)."""
    assert set(a.data_vars) == set(b.data_vars)
    for v in a.data_vars:
        x, y = a[v].values, b[v].values
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), v
        else:
            assert np.array_equal(x, y), v
    assert a.attrs == b.attrs


def serial_lockstep(setups, steps=None) -> tuple[list, list[float]]:
    """Members stepped in lockstep the slow, obvious way: one serial
    :class:`~twin.engine.simulation.Simulation` per ``(network, kwargs)`` of ``setups``,
    each step every member proposes its step (``propose_step``: its own router's
    SWMM step) and all take the smallest (or ``steps[k]`` [s] at step ``k``, when
    given), then each routes it alone (``begin_step``, ``Router.advance``,
    ``end_step``).  Returns the members' Simulations, run to their ends, and the
    steps taken [s]."""
    from twin.engine.simulation import Simulation

    sims = [Simulation(net, **kw) for net, kw in setups]
    taken: list[float] = []
    while not all(s.finished for s in sims):
        going = [s for s in sims if not s.finished]
        if len({s.t_s for s in going}) != 1:
            raise AssertionError("members' clocks parted")
        proposed = min(s.propose_step() for s in going)
        dt = proposed if steps is None else float(steps[len(taken)])
        for s in going:
            t, d = s.begin_step(dt)
            s.end_step(t, d, s.router.advance(t, d, s._lat))
        taken.append(dt)
    return sims, taken


def assert_states_identical(a, b) -> None:
    """The routing state (node and link state, totals) of Simulations ``a`` and ``b``,
    every field bit for bit (NaN equal)."""
    for x, y in zip(a.router.state_bundles(), b.router.state_bundles(), strict=True):
        theirs = y.arrays()
        for name, mine in x.arrays().items():
            if isinstance(mine, np.ndarray):
                assert np.array_equal(mine, theirs[name], equal_nan=True), name
            else:
                assert mine == theirs[name], name
