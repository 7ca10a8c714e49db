"""Live rainfall fed through the stepping API (``Simulation.set_rainfall``).

The reference is the same rain given as the gauge's time series: fed reading by
reading while the run is under way, it must drive the run to the same results, and
the runoff continuity must still close.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import twin
from twin.engine.simulation import Simulation
from twin.errors import InputError, TwinError
from twin.networks.model import Network
from twin.scenarios.modify import copy_network

NETWORK = "small-conduits"
END_H = 2.5
RUNOFF_CONTINUITY_TOL_PERCENT = 0.5
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def net():
    return twin.load_network(NETWORK)


@pytest.fixture(scope="module")
def dry_net(net):
    """The same network whose gauge series reads zero all along (the rain comes live)."""
    dry = copy_network(net)
    for name in set(str(s) for s in dry.raingages.series):
        ts = dry.timeseries[name]
        ts.value = np.zeros_like(ts.value)
    return dry


@pytest.fixture(scope="module")
def series_run(net):
    sim = Simulation(net, end_hours=END_H)
    ds = sim.run()
    return sim, ds


def test_rain_fed_step_by_step_equals_the_time_series(net, dry_net, series_run):
    ref_sim, ref = series_run
    rain = ref_sim.runoff.rain
    gauge = str(net.raingages.name[0])
    times, rates = rain.times_s[0], rain.rates[0]  # the gauge's step function, mm/h
    assert rates.max() > 0.0
    start = np.datetime64(ref_sim.opts.start, "s")
    sim = Simulation(dry_net, end_hours=END_H)
    # each reading is sent one interval ahead of its time (a nowcast feed)
    for k in range(len(times)):
        when = start + np.timedelta64(int(times[k]), "s")
        eff = sim.set_rainfall(float(rates[k]), gauge=gauge, start=when)
        assert eff == when  # the runoff clock has not passed it yet: taken as asked
        if k > 0:
            sim.advance_to(start + np.timedelta64(int(times[k - 1]), "s"))
    ds = sim.run()
    # a dry network without the feed is dry: the feed did all the rain
    assert ds.attrs["runoff_rainfall_m3"] == pytest.approx(ref.attrs["runoff_rainfall_m3"])
    # same rates at the same runoff step boundaries: the same run, bit for bit
    xr.testing.assert_identical(ds, ref)
    assert abs(ds.attrs["runoff_continuity_error_percent"]) < RUNOFF_CONTINUITY_TOL_PERCENT


def test_dry_network_without_feed_has_no_rain(dry_net):
    ds = Simulation(dry_net, end_hours=0.5).run()
    assert ds.attrs["runoff_rainfall_m3"] == 0.0


def test_override_now_then_clear(net, series_run):
    _, ref = series_run
    sim = Simulation(net, end_hours=END_H)
    sim.advance_to("2024-07-15T00:30")
    eff = sim.set_rainfall(7.5)  # every gauge, from now on
    # it applies from the runoff clock, at most one runoff step after the routing clock
    lag_s = (eff - sim.current_time) / np.timedelta64(1, "ms") / 1e3
    assert 0.0 <= lag_s <= sim.runoff.wet_step_s
    sim.advance_to("2024-07-15T01:00")
    sub = sim.subcatchments[0]
    assert sub.rainfall == pytest.approx(7.5, rel=1e-12)
    eff_clear = sim.set_rainfall(None)
    sim.run()
    ds = sim.results()
    t = ds.time.values
    on = (t > eff + np.timedelta64(1, "s")) & (t < eff_clear)
    after = t > eff_clear + np.timedelta64(1, "s")
    assert on.sum() >= 5 and after.sum() >= 5
    np.testing.assert_array_equal(ds.subcatchment_rainfall.values[on], 7.5)
    np.testing.assert_array_equal(
        ds.subcatchment_rainfall.values[after], ref.subcatchment_rainfall.values[after]
    )
    assert abs(ds.attrs["runoff_continuity_error_percent"]) < RUNOFF_CONTINUITY_TOL_PERCENT
    # the extra (or missing) rain is the override's depth minus the record's on that span
    area = float(ds.subcatchment_area.sum())
    span_h = (eff_clear - eff) / np.timedelta64(1, "s") / 3600.0
    rec = ref_series_depth_mm(sim, eff, eff_clear)
    extra = ds.attrs["runoff_rainfall_m3"] - ref.attrs["runoff_rainfall_m3"]
    # (rel 1e-5: the runoff uses SWMM's own hectare -> ft2 factor, not the exact one)
    assert extra == pytest.approx((7.5 * span_h - rec) / 1000.0 * area, rel=1e-5)


def ref_series_depth_mm(sim, t0, t1) -> float:
    """Rain depth [mm] the gauge record gives between t0 and t1 (its step function)."""
    rain = sim.runoff.rain
    start = np.datetime64(sim.opts.start, "ms")
    a = (t0 - start) / np.timedelta64(1, "ms") / 1e3
    b = (t1 - start) / np.timedelta64(1, "ms") / 1e3
    times, rates = rain.times_s[0], rain.rates[0]
    edges = np.clip(np.append(times, np.inf), a, b)
    return float(np.sum(rates * np.diff(edges)) / 3600.0)


def test_us_units_gauge_takes_mm_per_hour():
    us = Network.from_inp(DATA / "runoff_us.inp")
    sim = Simulation(us, end_hours=0.5)
    sim.set_rainfall(25.4)
    sim.step_advance(600.0)
    rates = [s.rainfall for s in sim.subcatchments if us.subcatchments.raingage[s.index] >= 0]
    np.testing.assert_allclose(rates, 25.4, rtol=1e-12)
    assert sim.runoff.rain.rate_at(sim.runoff.t_new_s)[0] == pytest.approx(1.0)  # in/h


def test_bad_rainfall_requests(net):
    sim = Simulation(net, end_hours=0.1)
    with pytest.raises(InputError, match="gauge"):
        sim.set_rainfall(1.0, gauge="no-such-gauge")
    with pytest.raises(InputError):
        sim.set_rainfall(-1.0)
    with pytest.raises(InputError):
        sim.set_rainfall(float("nan"))
    with pytest.raises(InputError):
        sim.set_rainfall(1.0, start="not a time")
    no_runoff = Simulation(net, end_hours=0.1, ignore_rainfall=True)
    with pytest.raises(TwinError):
        no_runoff.set_rainfall(1.0)
