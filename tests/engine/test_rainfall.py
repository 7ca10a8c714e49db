"""Rain gauges: SWMM's step-function rainfall from time series and rain files."""

import numpy as np
import pytest

from twin.engine.options import SimOptions
from twin.engine.rainfall import GaugeRainfall
from twin.engine.runoff import Runoff
from twin.errors import InputError
from twin.networks.model import Network

HEAD = """[OPTIONS]
FLOW_UNITS {units}
FLOW_ROUTING KINWAVE
START_DATE 01/01/2021
START_TIME 00:00:00
END_DATE 01/01/2021
END_TIME 12:00:00
WET_STEP 00:05:00
DRY_STEP 01:00:00
ROUTING_STEP 0:01:00
{extra}
[RAINGAGES]
{gages}
[SUBCATCHMENTS]
{subs}
[SUBAREAS]
{subareas}
[OUTFALLS]
O1 0 FREE

[TIMESERIES]
{series}
"""


def network(tmp_path, gages, series, used=None, units="CFS", extra=""):
    names = [g.split()[0] for g in gages]
    used = names if used is None else used
    subs = "\n".join(f"S{k} {g} O1 1 50 100 1 0" for k, g in enumerate(used))
    subareas = "\n".join(f"S{k} 0.01 0.1 0.05 0.1 25 OUTLET" for k in range(len(used)))
    text = HEAD.format(units=units, extra=extra, gages="\n".join(gages), subs=subs,
                       subareas=subareas, series="\n".join(series))  # fmt: skip
    path = tmp_path / "gages.inp"
    path.write_text(text)
    net = Network.from_inp(path)
    return net, SimOptions.from_network(net)


def test_intensity_is_a_step_function_that_skips_zero_readings(tmp_path):
    net, opts = network(
        tmp_path,
        ["G1 INTENSITY 0:10 1.0 TIMESERIES T1"],
        ["T1 1:00 2.0", "T1 1:10 3.0", "T1 1:20 0.0", "T1 2:00 1.0"],
    )
    g = GaugeRainfall(net, opts)
    at = lambda t: g.rate_at(t)[0]  # noqa: E731
    assert at(0.0) == 0.0 and at(3599.0) == 0.0
    assert at(3600.0) == 2.0 and at(4199.0) == 2.0
    assert at(4200.0) == 3.0 and at(4799.0) == 3.0
    assert at(4800.0) == 0.0 and at(7199.0) == 0.0  # interval over; zero reading skipped
    assert at(7200.0) == 1.0 and at(7800.0) == 0.0
    assert g.next_change_s(0.0) == 3600.0
    assert g.next_change_s(3600.0) == 4200.0
    assert g.next_change_s(4800.0) == 7200.0  # the zero reading at 1:20 is no change
    assert g.next_change_s(7800.0) == np.inf
    assert g.rate_fps_at(3600.0)[0] == pytest.approx(2.0 / 12.0 / 3600.0)


def test_volume_and_cumulative_readings_become_intensities(tmp_path):
    net, opts = network(
        tmp_path,
        ["GV VOLUME 0:10 1.0 TIMESERIES TV", "GC CUMULATIVE 0:15 1.0 TIMESERIES TC"],
        ["TV 0:00 0.1", "TV 0:10 0.25"]
        + ["TC 0:00 0.1", "TC 0:15 0.3", "TC 0:30 0.3", "TC 0:45 0.05", "TC 1:00 0.25"],
    )
    g = GaugeRainfall(net, opts)
    assert g.rate_at(0.0)[0] == pytest.approx(0.6)  # 0.1 in in 10 min
    assert g.rate_at(600.0)[0] == pytest.approx(1.5)
    cum = [g.rate_at(t)[1] for t in (0.0, 900.0, 1800.0, 2700.0, 3600.0)]
    # increments 0.1, 0.2, 0 (skipped), a drop restarts the total (0.05), then 0.2
    assert cum == pytest.approx([0.4, 0.8, 0.0, 0.2, 0.8])


def test_dated_series_starting_later_and_co_gauges(tmp_path):
    net, opts = network(
        tmp_path,
        ["G1 INTENSITY 1:00 1.0 TIMESERIES T1", "G2 INTENSITY 1:00 1.0 TIMESERIES T1"],
        ["T1 01/01/2021 03:00 5.0", "T1 01/01/2021 04:00 7.0"],
    )
    g = GaugeRainfall(net, opts)
    assert g.rate_at(0.0).tolist() == [0.0, 0.0]
    assert g.next_change_s(0.0) == 3 * 3600.0
    assert g.rate_at(4 * 3600.0 + 10).tolist() == [7.0, 7.0]
    assert g.rate_at(5 * 3600.0).tolist() == [0.0, 0.0]


def test_interval_longer_than_the_series_spacing_is_an_error(tmp_path):
    with pytest.raises(InputError, match="recording interval") as err:  # refused on reading
        network(tmp_path, ["G1 INTENSITY 0:15 1.0 TIMESERIES T1"], ["T1 0:00 1.0", "T1 0:05 2.0"])
    assert err.value.code == 159  # as SWMM


def test_short_interval_lowers_the_wet_step_and_ignore_rainfall(tmp_path):
    net, opts = network(
        tmp_path, ["G1 INTENSITY 0:02 1.0 TIMESERIES T1"], ["T1 0:00 1.0", "T1 0:02 2.0"]
    )
    assert Runoff(net, opts).wet_step_s == 120.0
    g = GaugeRainfall(net, opts.with_(ignore_rainfall=True))
    assert g.rate_at(0.0)[0] == 0.0 and g.next_change_s(0.0) == np.inf


def test_unused_gauge_keeps_its_first_reading_and_never_caps_the_step(tmp_path):
    net, opts = network(
        tmp_path,
        ["G1 INTENSITY 1:00 1.0 TIMESERIES T1", "G2 INTENSITY 1:00 1.0 TIMESERIES T2"],
        ["T1 2:00 1.0", "T2 0:00 3.0", "T2 1:00 4.0"],
        used=["G1"],
    )
    r = Runoff(net, opts)
    assert r.rain.rate_at(5 * 3600.0)[1] == 3.0
    assert r.rain.next_change_s(0.0) == 2 * 3600.0


def test_standard_rain_file_in_mm_with_two_stations(tmp_path):
    (tmp_path / "rain.dat").write_text(
        "; header line\nSTA YYYY MM DD HH MM mm\n"
        "A 2021 01 01 01 00 2.5\nB 2021 01 01 01 00 9.0\n"
        "A 2021 01 01 01 15 0.0\nA 2021 01 01 02 00 1.3\n"
    )
    net, opts = network(tmp_path, ['G1 VOLUME 0:15 1.0 FILE "rain.dat" A MM'], [], units="CMS")
    g = GaugeRainfall(net, opts)
    # depths go through single-precision inches, as SWMM's binary rain file does
    d = np.float32(np.float32(2.5) * np.float32(1 / 25.4))
    assert g.rate_at(3600.0)[0] == pytest.approx(float(d) * 25.4 * 4, rel=1e-12)
    assert g.rate_at(3600.0)[0] == pytest.approx(10.0, rel=1e-6)
    assert g.rate_at(4500.0)[0] == 0.0
    assert g.rate_at(7200.0)[0] == pytest.approx(5.2, rel=1e-6)
    assert g.next_change_s(4500.0) == 7200.0


def test_rain_file_in_inches_with_intensity_readings_us_units(tmp_path):
    (tmp_path / "rain.dat").write_text("X 2021 01 01 00 30 1.2\nX 2021 01 01 00 40 0.6\n")
    net, opts = network(tmp_path, ['G1 INTENSITY 0:10 1.0 FILE "rain.dat" X IN'], [])
    g = GaugeRainfall(net, opts)
    assert g.rate_at(1800.0)[0] == pytest.approx(1.2, rel=1e-6)
    assert g.rate_at(2400.0)[0] == pytest.approx(0.6, rel=1e-6)
    assert g.rate_at(3000.0)[0] == 0.0


def test_rain_file_without_standard_records_is_an_error(tmp_path):
    (tmp_path / "rain.dat").write_text("this is not a rain file\n")
    net, opts = network(tmp_path, ['G1 INTENSITY 0:10 1.0 FILE "rain.dat" X IN'], [])
    with pytest.raises(InputError, match="standard format"):
        GaugeRainfall(net, opts)


def test_runoff_steps_are_dry_until_rain_then_wet_and_stop_at_rain_changes(tmp_path):
    net, opts = network(
        tmp_path,
        ["G1 INTENSITY 0:10 1.0 TIMESERIES T1"],
        ["T1 1:30 1.0", "T1 1:40 2.0"],
    )
    r = Runoff(net, opts)
    ends, rain = [], []
    while r.t_new_s < 2 * 3600.0:
        r.advance()
        ends.append(r.t_new_s)
        rain.append(r.rainfall_inph[0])
    # dry steps of 1 h, cut at the rain start (1:30); wet 5 min steps while it rains
    # or runs off
    assert ends[:6] == [3600.0, 5400.0, 5700.0, 6000.0, 6300.0, 6600.0]
    assert rain[:6] == pytest.approx([0.0, 0.0, 1.0, 1.0, 2.0, 2.0])
    assert all(b - a == 300.0 for a, b in zip(ends[1:], ends[2:], strict=False))
