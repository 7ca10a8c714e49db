"""Subcatchment runoff against EPA SWMM 5.2 on the same input.

The networks in ``data/runoff_*.inp`` have one outfall node and no links
(KINWAVE), so SWMM runs while only runoff is compared: every infiltration model,
imperviousness 0/50/100 %, each RouteTo kind, a subcatchment draining onto another,
INTENSITY/VOLUME/CUMULATIVE time-series gauges (US file) and a FILE gauge in mm with
monthly, dry-only evaporation across a month end (SI file); subcatchments draining onto
subcatchments (chains of three, two onto one, onto a pervious-only one, onto one under a
dry gauge) and subareas routed to each other (PERVIOUS/IMPERVIOUS 30-100 %, PctZero 0, 50
and 100, a fully impervious one routed to PERVIOUS) in the SI routing file (issue 19).
"""

import warnings
from pathlib import Path

import numpy as np
import pytest

from twin.engine.options import SimOptions
from twin.engine.runoff import Runoff
from twin.networks.model import Network
from twin.validation.swmm_run import run_swmm

DATA = Path(__file__).parent / "data"
CASES = ["runoff_us.inp", "runoff_si.inp", "runoff_routing_si.inp"]

# agreement thresholds: one place, never loosened to pass
MIN_NSE_RUNOFF = 0.99
MIN_NSE_INFILTRATION = 0.99
MAX_CONTINUITY_DIFF_PCT = 0.1
MAX_RAINFALL_DIFF_MMH = 1e-3
MAX_PEAK_RUNOFF_REL_DIFF = 0.01


def nse(sim, obs):
    return 1.0 - np.sum((sim - obs) ** 2) / np.sum((obs - obs.mean()) ** 2)


def seconds_since_start(ds, opts):
    return (ds.time.values - opts.start.astype("datetime64[ns]")) / np.timedelta64(1, "s")


@pytest.fixture(scope="module", params=CASES)
def case(request):
    path = (DATA / request.param).resolve()
    net = Network.from_inp(path)
    opts = SimOptions.from_network(net)
    ds = run_swmm(path)
    r = Runoff(net, opts)
    times = seconds_since_start(ds, opts)
    ours = {k: np.zeros((len(times), r.n_subcatchments)) for k in ("runoff", "infiltration")}
    ours["rainfall"] = np.zeros_like(ours["runoff"])
    for k, t in enumerate(times):
        r.advance_until(t)
        for key, val in r.interpolated(t).items():
            if key in ours:
                ours[key][k] = val
    return ds, r, ours


@pytest.mark.swmm
def test_runoff_hydrographs_agree(case):
    ds, _, ours = case
    swmm = ds.subcatchment_runoff.values
    for j, name in enumerate(ds.subcatchment.values):
        assert swmm[:, j].max() > 0.0, name
        assert nse(ours["runoff"][:, j], swmm[:, j]) >= MIN_NSE_RUNOFF, name
        peak = ours["runoff"][:, j].max()
        assert peak == pytest.approx(swmm[:, j].max(), rel=MAX_PEAK_RUNOFF_REL_DIFF), name


@pytest.mark.swmm
def test_infiltration_and_rainfall_agree(case):
    ds, _, ours = case
    swmm = ds.subcatchment_infiltration.values
    for j, name in enumerate(ds.subcatchment.values):
        if swmm[:, j].std() > 0.0:  # fully impervious subcatchments infiltrate nothing
            assert nse(ours["infiltration"][:, j], swmm[:, j]) >= MIN_NSE_INFILTRATION, name
        else:
            assert np.all(ours["infiltration"][:, j] == 0.0), name
    rain = ds.subcatchment_rainfall.values
    assert rain.max() > 0.0
    assert np.abs(ours["rainfall"] - rain).max() <= MAX_RAINFALL_DIFF_MMH


@pytest.mark.swmm
def test_runoff_continuity_error_agrees(case):
    ds, r, _ = case
    ours = r.continuity_error_percent()
    assert abs(ours - ds.attrs["runoff_continuity_error_percent"]) <= MAX_CONTINUITY_DIFF_PCT
    v = r.volumes
    assert v["rainfall"] > 0.0 and v["runoff"] > 0.0 and v["infiltration"] > 0.0
    assert r.total_rain_in.max() > 0.0
    assert np.all(r.max_runoff_cfs >= r.runoff_cfs)


@pytest.mark.swmm
def test_node_inflow_follows_swmm_routing_clock():
    """SWMM adds to a routing step [t_n, t_n+1] the runoff interpolated at the step's
    start t_n (``addWetWeatherInflows(OldRoutingTime)``, called once the control-rule pass
    has moved the routing clock on); the outfall's lateral inflow reported at t_n+1 is
    then ``node_inflow_cfs(t_n)`` with the runoff advanced past t_n+1."""
    path = (DATA / "runoff_us.inp").resolve()
    net = Network.from_inp(path)
    opts = SimOptions.from_network(net)
    ds = run_swmm(path)
    r = Runoff(net, opts)
    dt = opts.routing_step_s
    report = seconds_since_start(ds, opts)
    lateral = {}
    t = 0.0
    while t < opts.duration_s:
        r.advance_until(t + dt)
        out = r.node_inflow_cfs(t, np.zeros(net.n_nodes))
        t += dt
        lateral[round(t)] = out[0] * 0.3048**3
    ours = np.array([lateral[round(t)] for t in report])
    swmm = ds.node_lateral_inflow.values[:, 0]
    assert nse(ours, swmm) >= MIN_NSE_RUNOFF
    assert np.abs(ours - swmm).max() <= 1e-4 * swmm.max()


def test_ignored_components_are_warned_about_once_each():
    net = Network.from_inp(DATA / "runoff_us.inp")
    net.sections["SNOWPACKS"] = ["SP1 PLOWABLE 0.001 0.001 32 0.1 0 0 0"]
    net.subcatchments.snowpack[0] = "SP1"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Runoff(net, SimOptions.from_network(net))
    text = [str(w.message) for w in caught]
    assert sum("[SNOWPACKS]" in m for m in text) == 1
    assert not any("GROUNDWATER" in m or "LID" in m for m in text)  # simulated (issue 19)


def test_outfall_runon_enters_over_the_next_step_and_the_balance():
    net = Network.from_inp(DATA / "runoff_us.inp")
    r = Runoff(net, SimOptions.from_network(net).with_(ignore_rainfall=True))
    r.advance()
    r.add_outfall_runon(1, 1000.0)  # ft3 routed onto S2 during the last step
    r.advance()
    v = r.volumes
    assert v["runon"] == 1000.0
    assert r.infil_inph[1] > 0.0  # the runon infiltrates on the pervious S2
    stored = v["final_storage"] + v["infiltration"] + v["evaporation"] + v["runoff"]
    assert stored == pytest.approx(1000.0, rel=1e-9)
