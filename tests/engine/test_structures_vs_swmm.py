"""Pumps, orifices, weirs, outlets and dividers against EPA SWMM 5.2.4.

Hand-made networks (one per structure family, [INFLOWS] only) are routed by our
Router and by SWMM and compared with the project's thresholds
(``tests/agreement.py``); their [CONTROLS] rules (``IF SIMULATION TIME > t THEN
<kind> <link> SETTING = v``) are replayed through :meth:`Router.set_link_setting`
at every step whose start is past ``t``, as SWMM evaluates them.  The bundled
``example`` (every structure kind) and ``small`` (pump station, tank + orifice, CSO
weir) networks run end to end with runoff through ``twin.simulate``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from tests.agreement import assert_agrees
from tests.engine.routing_harness import CFS, FT, lateral_inflow_cfs
from twin.engine.options import SimOptions
from twin.engine.routing import Router
from twin.networks.model import Network

DATA = Path(__file__).parent / "data"
RULE = re.compile(
    r"IF\s+SIMULATION\s+TIME\s*>\s*([\d.]+)\s+THEN\s+\w+\s+(\S+)\s+SETTING\s*=\s*([\d.]+)",
    re.IGNORECASE,
)


def time_rules(net: Network) -> list[tuple[float, int, float]]:
    """(start [s], link index, setting) of every simple time rule in [CONTROLS]."""
    index = net.links.index_of()
    text = " ".join(net.controls.split())
    return [(float(h) * 3600.0, index[name], float(v)) for h, name, v in RULE.findall(text)]


def route(inp: Path, **overrides) -> tuple[xr.Dataset, Router]:
    """Route ``inp`` with its time rules; report-step node depth and link flow in SI."""
    net = Network.from_inp(inp)
    opts = SimOptions.from_network(net, **overrides)
    router = Router(net, opts)
    rules = time_rules(net)
    t, t_report, duration = 0.0, opts.report_step_s, opts.duration_s
    depth, flow, setting = [], [], []
    while t < duration - 1e-9:
        for t_on, j, value in rules:
            if t > t_on:
                router.set_link_setting(j, value)
        dt = min(router.step_size(t), duration - t)
        router.advance(t, dt, lateral_inflow_cfs(net, t))
        while t_report <= t + dt + 1e-6 and t_report <= duration + 1e-6:
            state = router.interpolated((t_report - t) / dt)
            depth.append(state["node_depth_ft"] * FT)
            flow.append(state["link_flow_cfs"] * CFS)
            setting.append(state["link_setting"])
            t_report += opts.report_step_s
        t += dt
    times = opts.start + (np.arange(1, len(depth) + 1) * opts.report_step_s).astype(
        "timedelta64[s]"
    )
    ds = xr.Dataset(
        {
            "node_depth": (("time", "node"), np.asarray(depth)),
            "link_flow": (("time", "link"), np.asarray(flow)),
            "link_setting": (("time", "link"), np.asarray(setting)),
        },
        coords={"time": times, "node": list(net.nodes.name), "link": list(net.links.name)},
        attrs={"flow_routing_continuity_error_percent": router.continuity_error_percent()},
    )
    return ds, router


CASES = {
    "pumps": ("structures_pumps.inp", {}),
    "orifices": ("structures_orifices.inp", {}),
    "weirs": ("structures_weirs.inp", {}),
    "outlets": ("structures_outlets.inp", {}),
    "dividers_kinwave": ("structures_dividers.inp", {}),
}


@pytest.mark.swmm
@pytest.mark.parametrize("case", list(CASES))
def test_structures_agree_with_swmm(case):
    from twin.validation import run_swmm

    name, overrides = CASES[case]
    inp = DATA / name
    ours, router = route(inp, **overrides)
    swmm = run_swmm(inp.resolve())
    metrics = assert_agrees(ours, swmm)
    print(case, metrics.summary())
    swmm_cont = swmm.attrs["flow_routing_continuity_error_percent"]
    assert abs(router.continuity_error_percent() - swmm_cont) <= 0.1
    # SWMM reports a non-conduit link's setting as its "capacity"
    net = router.net
    structures = [str(n) for n, k in zip(net.links.name, net.links.kind, strict=True) if k]
    a, b = xr.align(ours["link_setting"], swmm["link_capacity"], join="inner")
    diff = np.abs(a.sel(link=structures).values - b.sel(link=structures).values)
    assert diff.max() <= 1e-4, f"settings differ by up to {diff.max():.2e}"


def test_rules_changed_settings():
    """The rule of each hand-made network really moves its link (else it proves little)."""
    for name, link, final in (
        ("structures_pumps.inp", "P5", 0.7),
        ("structures_orifices.inp", "OR5", 0.4),
        ("structures_weirs.inp", "W3", 0.6),
        ("structures_outlets.inp", "L4", 0.5),
    ):
        ours, _ = route(DATA / name)
        s = ours["link_setting"].sel(link=link).values
        assert abs(s[-1] - final) < 1e-12 and np.any(np.abs(s - final) > 0.05), (name, s)
    ours, _ = route(DATA / "structures_orifices.inp")
    s = ours["link_setting"].sel(link="OR5").values
    ramp = s[(s < 1.0) & (s > 0.4)]
    assert ramp.size >= 1  # 0.25 h open/close time: a report falls inside the ramp


@pytest.mark.swmm
@pytest.mark.parametrize("name", ["example", "small"])
def test_bundled_networks_agree_with_swmm(name):
    """Runoff + routing end to end through every structure kind (example) and a district."""
    import twin
    from twin.networks.catalog import network_path
    from twin.validation import run_swmm

    path = network_path(name)
    ours = twin.simulate(str(path))
    swmm = run_swmm(path)
    metrics = assert_agrees(ours, swmm)
    print(name, metrics.summary())
    swmm_cont = swmm.attrs["flow_routing_continuity_error_percent"]
    assert abs(ours.attrs["flow_routing_continuity_error_percent"] - swmm_cont) <= 0.1


def test_bad_structures_are_named(tmp_path):
    from twin.errors import InputError, TwinError

    text = (DATA / "structures_orifices.inp").read_text()
    bad = tmp_path / "bad.inp"
    bad.write_text(text.replace("OR3     CIRCULAR      1.0  0", "OR3     RECT_OPEN     1.0  1"))
    with pytest.raises(InputError, match="orifice must be CIRCULAR or RECT_CLOSED") as err:
        Network.from_inp(bad)  # refused on reading, as SWMM does (ERROR 143)
    assert err.value.code == 143 and err.value.field == "Shape"
    net = Network.from_inp(DATA / "structures_orifices.inp")
    router = Router(net, SimOptions.from_network(net))
    with pytest.raises(TwinError, match="conduit settings not supported yet: C3"):
        router.set_link_setting(net.links.index_of()["C3"], 0.5)
    with pytest.raises(TwinError, match="link setting must be a number >= 0"):
        router.set_link_setting(net.links.index_of()["OR1"], -1.0)
