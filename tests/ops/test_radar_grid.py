"""The radar's rain per subcatchment (round 14, issue 17; twin.ops.radar_grid): one rain
gauge per subcatchment, the radar mapped to each, gauge-adjusted by the network's own
gauges, which keep their readings and the rainfall warnings."""

import json
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import twin
from twin.engine.options import SimOptions
from twin.errors import InputError
from twin.ops.nowcast import RadarRain
from twin.ops.radar_grid import SubcatchmentRadar, subcatchment_gauges
from twin.ops.rain import ObservedRain
from twin.ops.watch import Twin
from twin.scenarios.radar import subcatchment_weights
from twin.validation.radar_storm import network_grid


@pytest.fixture(scope="module")
def small():
    return twin.load_network("small")


@pytest.fixture(scope="module")
def frames(small):
    """Two hours of 5-minute frames on 50-m cells over the small network: a steady rain
    growing toward +x (40-100 mm/h across the town), so its subcatchments differ."""
    x, y = network_grid(small, 32, 50.0)
    rate = 40.0 + 60.0 * (x - x.min()) / (x.max() - x.min())
    start = np.datetime64(SimOptions.from_network(small).start, "s")
    times = start + np.arange(24) * np.timedelta64(300, "s")
    return xr.DataArray(
        np.broadcast_to(rate[None, None, :], (24, len(y), len(x))).copy(),
        dims=("time", "y", "x"),
        coords={"time": times.astype("datetime64[ns]"), "x": x, "y": y},
        attrs={"units": "mm h-1", "step_s": 300.0},
    )


def test_one_gauge_per_subcatchment_rains_as_the_original(small):
    net, parent = subcatchment_gauges(small)
    n_sub = len(small.subcatchments)
    assert len(small.raingages) == 1  # the original is untouched
    assert len(net.raingages) == 1 + n_sub
    assert list(net.raingages.name[:1]) == list(small.raingages.name)
    assert net.raingages.name[1] == f"RADAR_{small.subcatchments.name[0]}"
    np.testing.assert_array_equal(parent, np.zeros(1 + n_sub, np.int64))
    np.testing.assert_array_equal(net.subcatchments.raingage, 1 + np.arange(n_sub))
    assert set(net.raingages.series) == set(small.raingages.series)  # the same record
    a = twin.simulate(small, end_hours=1.5)
    b = twin.simulate(net, end_hours=1.5)
    for v in ("node_depth", "link_flow", "subcatchment_runoff"):
        np.testing.assert_array_equal(a[v].values, b[v].values)
    assert float(a["node_depth"].max()) > 0.05  # it rained


def test_frames_and_nowcast_reach_every_subcatchment_merged_with_the_gauge(small, frames):
    net, parent = subcatchment_gauges(small)
    start = SimOptions.from_network(small).start
    r = SubcatchmentRadar.of(RadarRain(frames, small, start, gauge_adjusted=True), net, parent)
    at = r.to_gauges(frames.values[0])
    catchment = RadarRain(frames, small, start).to_gauges(frames.values[0])
    assert at[0] == pytest.approx(catchment[0])  # the gauge: its catchment's mean
    w = subcatchment_weights(small, frames.x.values, frames.y.values).reshape(len(at) - 1, -1)
    np.testing.assert_allclose(at[1:], w @ frames.values[0].ravel(), rtol=1e-12)
    assert at[1:].max() - at[1:].min() > 20.0  # the subcatchments differ

    # the gauge reads twice the radar's catchment mean for an hour, then three times
    def gauge_rain():
        rain = ObservedRain(len(at))
        rain.set([0.0, 3600.0], np.outer([2.0, 3.0], np.full(len(at), catchment[0])))
        return rain

    rain = gauge_rain()
    np.testing.assert_allclose(r.gauge_bias(rain, 3600.0), 2.0)  # the last hour's
    r.set_observed(rain, 3600.0, 4200.0)
    got = rain.mean_rate(3600.0, 4200.0)
    assert got[0] == pytest.approx(3.0 * catchment[0])  # the gauge's reading stays
    np.testing.assert_allclose(got[1:], 3.0 * at[1:], rtol=1e-12)  # times the pattern
    np.testing.assert_allclose(rain.mean_rate(0.0, 3600.0), 2.0 * catchment[0])  # not before
    by_bias = gauge_rain()  # the variant: the radar times the last hour's bias
    b = SubcatchmentRadar.of(RadarRain(frames, small, start, gauge_adjusted=True), net, parent,
                             observed_rain="bias")  # fmt: skip
    b.set_observed(by_bias, 3600.0, 4200.0)
    bias = (2.0 * 3000.0 + 3.0 * 600.0) / 3600.0  # the hour before 4200 s
    np.testing.assert_allclose(by_bias.mean_rate(3600.0, 4200.0)[1:], bias * at[1:], rtol=1e-9)
    pytest.importorskip("pysteps")
    raw = SubcatchmentRadar.of(RadarRain(frames, small, start), net, parent)
    t, adj = r.nowcast(rain, 3600.0, 1800.0, 2, seed=3)
    _, plain = raw.nowcast(rain, 3600.0, 1800.0, 2, seed=3)
    assert adj.shape == (2, 6, len(at))
    np.testing.assert_allclose(adj, 2.0 * plain, rtol=1e-12)
    assert np.ptp(plain[0, 0, 1:]) > 20.0  # each subcatchment its own rain


def test_a_watch_per_subcatchment_warns_at_the_gauge_and_restarts(level_sensors, frames,
                                                                    tmp_path):  # fmt: skip
    small, sensors = level_sensors
    start = SimOptions.from_network(small).start
    n_sub = len(small.subcatchments)

    def twin_at(out):
        return Twin(small, sensors, out, members=3, cycle_min=10, forecast=False, seed=1,
                    radar=RadarRain(frames, small, start), radar_rain="subcatchment")  # fmt: skip

    def watch(out, until_s):
        tw = twin_at(out)
        tw.run(tw._time(until_s))
        tw.close()
        return tw

    whole = watch(tmp_path / "a", 2400.0)
    assert whole.rain.n_gauges == 1 + n_sub
    assert whole.members.n_state == Twin(small, sensors, tmp_path / "plain",
                                         members=3, forecast=False).members.n_state  # fmt: skip
    rates = whole.rain.mean_rate(600.0, 1200.0)
    assert np.ptp(rates[1:]) > 20.0 and 55.0 < rates[0] < 100.0
    rainfall = [json.loads(x) for x in (tmp_path / "a" / "warnings.jsonl").read_text().splitlines()]
    rainfall = [m for m in rainfall if m["kind"] == "rainfall"]
    assert rainfall and {m["gauge"] for m in rainfall} == set(small.raingages.name)
    first = watch(tmp_path / "b", 1200.0)
    mark = json.loads((tmp_path / "b" / "watch.json").read_text())
    assert mark["radar_rain"] == "subcatchment" and mark["cycle"] == 2
    again = twin_at(tmp_path / "b")  # a restart: the mark, the states
    assert again.t_s == 1200.0 and again.members.read().shape == first.members.read().shape
    np.testing.assert_array_equal(again.members.read(), first.members.read())
    again.run(again._time(2400.0))
    np.testing.assert_allclose(again.members.read(), whole.members.read(), rtol=1e-9, atol=1e-12)
    with pytest.raises(InputError, match="per subcatchment"):
        Twin(small, sensors, tmp_path / "b", members=3, forecast=False,
             radar=RadarRain(frames, small, start))  # fmt: skip
    with pytest.raises(InputError, match="needs the radar") as e:
        Twin(small, sensors, tmp_path / "c", members=3, radar_rain="subcatchment")
    assert e.value.field == "radar_rain"


def test_the_option_without_radar_is_one_line_and_exit_2(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n')
    r = subprocess.run([sys.executable, "-m", "twin.cli", "watch", "small", "--sensors", str(toml),
                        "--radar-rain", "subcatchment", "-o", str(tmp_path / "w")],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "--radar-rain" in lines[0], r.stderr


def _frames_on(small, n_cells, cell_m, like):
    """``like``'s rain (its first column's rate) on another grid over the town."""
    x, y = network_grid(small, n_cells, cell_m)
    return like.isel(x=[0] * n_cells, y=[0] * n_cells).assign_coords(x=x, y=y)


def test_auto_chooses_by_the_radar_cells_the_town_overlays_and_keeps_its_choice(
        level_sensors, frames, tmp_path):  # fmt: skip
    from twin.ops.radar_grid import AUTO_MIN_CELLS

    small, sensors = level_sensors
    start = SimOptions.from_network(small).start
    coarse = _frames_on(small, 16, 1000.0, frames)  # 1-km cells: the town on 4 of them

    def overlaid(f):  # independent of the radar's overlay: the subcatchments' own weights
        w = subcatchment_weights(small, f.x.values, f.y.values)
        return int((w.sum(axis=0) > 0).sum())

    assert overlaid(coarse) == 4 < AUTO_MIN_CELLS <= overlaid(frames)

    def twin_at(out, f):
        return Twin(small, sensors, out, members=3, cycle_min=10, forecast=False, seed=1,
                    radar=RadarRain(f, small, start), radar_rain="auto")  # fmt: skip

    fine = twin_at(tmp_path / "fine", frames)
    assert fine.radar_rain == "subcatchment"
    assert fine.radar_rain_auto == {"cells": overlaid(frames), "min_cells": AUTO_MIN_CELLS,
                                    "chose": "subcatchment"}  # fmt: skip
    assert fine.rain.n_gauges == 1 + len(small.subcatchments)
    fine.run(fine._time(1200.0))
    fine.close()
    mark = json.loads((tmp_path / "fine" / "watch.json").read_text())
    assert mark["radar_rain"] == "subcatchment"
    assert mark["radar_rain_auto"] == fine.radar_rain_auto
    again = twin_at(tmp_path / "fine", frames)  # a restart with auto: the same choice
    assert again.t_s == 1200.0
    np.testing.assert_array_equal(again.members.read(), fine.members.read())
    gauge = twin_at(tmp_path / "coarse", coarse)
    assert gauge.radar_rain == "gauge" and gauge.radar_rain_auto["cells"] == 4
    assert gauge.rain.n_gauges == 1  # the network's own gauge: the old path
    with pytest.raises(InputError, match="auto's choice on 4 radar cells") as e:
        twin_at(tmp_path / "fine", coarse)  # the folder's states are per subcatchment
    assert e.value.field == "radar_rain"
