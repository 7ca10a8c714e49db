"""Scenario files and the Network transformation (checked on the Network and by SWMM)."""

import numpy as np
import pytest

import twin
from twin.errors import InputError
from twin.kernels.codes import OutfallKind, Shape
from twin.networks.inp_writer import write_inp
from twin.scenarios import EXAMPLE_IDF, Scenario, design_storm
from twin.scenarios.modify import circle_segment_fraction
from twin.scenarios.scenario import bundled_scenarios, load_scenario


@pytest.fixture(scope="module")
def net():
    return twin.load_network("small-conduits")


def _gauge_total_mm(out, gauge=0):
    g = out.raingages
    ts = out.timeseries[g.series[gauge]]
    return float(np.sum(ts.value) * g.interval_s[gauge] / 3600.0)  # INTENSITY mm/h readings


def test_bundled_scenarios_load_and_roundtrip(tmp_path):
    found = bundled_scenarios()
    assert {"seoul-100mmh", "huff3-30yr-2h", "forecast-ensemble"} <= set(found)
    for name, sc in found.items():
        p = sc.to_file(tmp_path / f"{name}.toml")
        back = twin.Scenario.from_file(p)
        assert back == sc
        assert np.allclose(back.storm().depth_mm, sc.storm().depth_mm)
    assert load_scenario("huff3-30yr-2h").storm().total_mm == pytest.approx(
        EXAMPLE_IDF.depth_mm(120, 30), rel=1e-5
    )


def test_full_scenario_roundtrip(tmp_path):
    sc = Scenario.design(
        "chicago", return_period=50, duration_min=90, step_min=5, peak_ratio=0.3, idf=EXAMPLE_IDF
    ).replace(
        scale=1.1,
        climate_factor=1.2,
        time_shift_min=15,
        blockage={"C000003": 0.4},
        initial_depth_m={"MH000002": 0.1},
        start="2025-08-08T21:00:00",
        outfall_level={"OF01": 15.0, "OF02": {"times_h": [0.0, 2.0], "level_m": [14.8, 15.6]}},
        options={"report_step_s": 60.0},
    )
    back = Scenario.from_file(sc.to_file(tmp_path / "s.toml"))
    assert back == sc


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ('name = "x"\n[rainfall]\nsource = "design\n', 3, None),
        (
            'name = "x"\n[rainfall]\nsource = "preset"\npreset = "seoul-100mmh"\ncolour = 3\n',
            5,
            "rainfall.colour",
        ),
        (
            '[rainfall]\nsource = "design"\npattern = "huff3"\ndepth_mm = 50\nstep_min = 7\n',
            None,
            "rainfall.duration_min",
        ),
        ('[rainfall]\nsource = "preset"\npreset = "nowhere"\n', 3, "rainfall.preset"),
        ('[modify]\nscale = "big"\n', 2, "modify.scale"),
        ("[modify]\nscale = -2\n", 2, "modify.scale"),
        ("[modify]\nclimate_factor = nan\n", 2, "modify.climate_factor"),
        ("[modify]\ntime_shift_min = true\n", 2, "modify.time_shift_min"),
        ('[simulation]\ntail_hours = "two"\n', 2, "simulation.tail_hours"),
        ("[simulation]\ntail_hours = -1\n", 2, "simulation.tail_hours"),
        ("[simulation]\ntail_hours = inf\n", 2, "simulation.tail_hours"),
        ('[simulation]\nstart = "yesterday"\n', 2, "simulation.start"),
        ("[simulation.options]\nwarp_speed = 9\n", 2, "simulation.options.warp_speed"),
    ],
)
def test_bad_files_name_file_line_and_key(tmp_path, text, line, field):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(InputError) as err:
        Scenario.from_file(p)
    assert err.value.file == str(p)
    if line is not None:
        assert err.value.line == line
    if field is not None:
        assert err.value.field == field


def test_apply_design_storm_returns_modified_copy(net):
    before = net.raingages.name.copy(), net.timeseries.copy()
    sc = Scenario.preset("seoul-100mmh").replace(tail_hours=1.5)
    out = sc.apply(net)
    assert (
        np.array_equal(net.raingages.name, before[0]) and net.timeseries.keys() == before[1].keys()
    )
    assert _gauge_total_mm(out) == pytest.approx(100.0)
    assert np.all(out.subcatchments.raingage == 0)
    opts = twin.SimOptions.from_network(out)
    assert opts.duration_s == pytest.approx((1.0 + 1.5) * 3600)
    assert opts.start == twin.SimOptions.from_network(net).start


def test_scale_climate_and_shift(net):
    sc = Scenario.design("huff2", depth_mm=40, duration_min=60, step_min=10)
    out = sc.replace(scale=1.5, climate_factor=1.2, time_shift_min=30).apply(net)
    assert _gauge_total_mm(out) == pytest.approx(40 * 1.5 * 1.2)
    ts = out.timeseries[out.raingages.series[0]]
    assert ts.time_h[0] == pytest.approx(0.5)
    opts = twin.SimOptions.from_network(out)
    assert opts.duration_s == pytest.approx((0.5 + 1.0 + 2.0) * 3600)  # shift + storm + tail


def test_blockage_reduces_flow_area(net):
    out = Scenario(blockage={"C000001": 0.3, "C000002": 0.0}).apply(net)
    j = out.links.index_of()["C000001"]
    assert out.links.shape[j] == Shape.FILLED_CIRCULAR
    d, ys = out.links.geom[j, 0], out.links.geom[j, 1]
    assert d == net.links.geom[j, 0]
    assert circle_segment_fraction(ys / d) == pytest.approx(0.3, abs=1e-9)
    # a second blockage of the remaining area: open 0.7 -> 0.7 * 0.5
    out2 = Scenario(blockage={"C000001": 0.5}).apply(out)
    assert 1 - circle_segment_fraction(out2.links.geom[j, 1] / d) == pytest.approx(0.35)
    with pytest.raises(InputError, match="blockage"):
        Scenario(blockage={"C000001": 1.0}).apply(net)


def test_blockage_of_rectangular_and_egg_scales_area(net):
    from twin.networks.model import Network  # noqa: F401 - same type

    net2 = Scenario().apply(net)
    net2.links.shape[0], net2.links.geom[0] = Shape.RECT_CLOSED, [1.2, 0.8, 0, 0]
    net2.links.shape[1], net2.links.geom[1] = Shape.EGG, [1.5, 0, 0, 0]
    out = Scenario(blockage={str(net2.links.name[0]): 0.36, str(net2.links.name[1]): 0.19}).apply(
        net2
    )
    h, w = out.links.geom[0, :2]
    assert h * w == pytest.approx(0.64 * 1.2 * 0.8) and h / w == pytest.approx(1.5)
    assert out.links.geom[1, 0] ** 2 == pytest.approx(0.81 * 1.5**2)  # egg area ~ height^2


def test_initial_depths_and_outfall_levels(net):
    sc = Scenario(
        initial_depth_m={"MH000002": 0.25},
        outfall_level={"OF01": 15.5, "OF02": {"times_h": [0, 1, 2], "level_m": [14.8, 15.9, 15.0]}},
    )
    out = sc.apply(net)
    idx = out.nodes.index_of()
    assert out.nodes.init_depth_m[idx["MH000002"]] == 0.25
    assert out.nodes.outfall_kind[idx["OF01"]] == OutfallKind.FIXED
    assert out.nodes.outfall_stage_m[idx["OF01"]] == 15.5
    k = idx["OF02"]
    assert out.nodes.outfall_kind[k] == OutfallKind.TIMESERIES
    assert np.allclose(out.timeseries[out.nodes.outfall_series[k]].value, [14.8, 15.9, 15.0])
    with pytest.raises(InputError, match="not an outfall"):
        Scenario(outfall_level={"MH000002": 1.0}).apply(net)
    with pytest.raises(InputError, match="no node"):
        Scenario(initial_depth_m={"ZZZ": 1.0}).apply(net)


def test_observed_gauge_csv_and_swmm_file(net, tmp_path):
    csv = tmp_path / "g.csv"
    csv.write_text(
        "time,rain_mm\n2024-07-15T10:00,2.0\n2024-07-15T10:10,5.0\n2024-07-15T10:20,1.0\n"
    )
    sc = Scenario(rainfall={"source": "gauge", "path": str(csv), "form": "volume"}, tail_hours=1)
    out = sc.apply(net)
    assert _gauge_total_mm(out) == pytest.approx(8.0)
    assert out.options["START_TIME"] == "10:00:00" and out.options["END_TIME"] == "11:30:00"
    dat = tmp_path / "g.dat"
    dat.write_text(
        "STA1 2024 07 15 10 00 2.0\nSTA2 2024 07 15 10 00 9.0\nSTA1 2024 07 15 10 10 5.0\n"
    )
    sc = Scenario(rainfall={"source": "gauge", "path": str(dat), "station": "STA1"})
    assert _gauge_total_mm(sc.apply(net)) == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("name", "text", "line", "match"),
    [
        ("g.csv", "time,rain_mm\n2024-07-15T10:00,1\n2024-07-15T10:05,nan\n", 3, "finite"),
        ("g.csv", "time,rain_mm\n2024-07-15T10:00,1e309\n", 2, "finite"),
        ("g.csv", "time,rain_mm\n2024-07-15T10:00,1\n2024-07-15T10:05,-3\n", 3, "negative"),
        ("g.csv", "time,rain_mm\n2024-07-15T10:00,1\n2024-07-15T10:05,x\n", 3, "bad reading"),
        ("g.dat", "S1 2024 07 15 10 00 1.0\nS1 2024 07 15 10 05 x\n", 2, "bad reading"),
        ("g.dat", "S1 2024 07 15 10 00 1.0\nS1 2024 07 15 10 05 inf\n", 2, "finite"),
        ("g.dat", "S1 2024 07 15 10 00 -1\n", 1, "negative"),
    ],
)
def test_bad_gauge_readings_name_file_and_line(net, tmp_path, name, text, line, match):
    path = tmp_path / name
    path.write_text(text)
    sc = Scenario(rainfall={"source": "gauge", "path": str(path)})
    with pytest.raises(InputError, match=match) as err:
        sc.apply(net)
    assert (err.value.file, err.value.line) == (str(path), line)


def test_other_stations_bad_readings_are_not_read(net, tmp_path):
    dat = tmp_path / "g.dat"
    dat.write_text("S1 2024 07 15 10 00 2.0\nS2 2024 07 15 10 00 x\nS1 2024 07 15 10 10 1.0\n")
    sc = Scenario(rainfall={"source": "gauge", "path": str(dat), "station": "S1"})
    assert _gauge_total_mm(sc.apply(net)) == pytest.approx(3.0)


@pytest.mark.swmm
def test_swmm_rains_the_scenario_volume(net, tmp_path):
    from twin.validation.swmm_run import run_swmm

    storm = design_storm("alternating_block", return_period=30, duration_min=60, step_min=5)
    sc = Scenario.design("alternating_block", return_period=30, duration_min=60, step_min=5)
    sc = sc.replace(
        scale=1.2,
        time_shift_min=10,
        tail_hours=0.5,
        blockage={"C000003": 0.5},
        outfall_level={"OF01": {"times_h": [0, 1, 2], "level_m": [14.8, 15.2, 15.0]}},
        initial_depth_m={"MH000002": 0.2},
        options={"report_step_s": 60.0},
    )
    out = sc.apply(net)
    out.options["REPORT_STEP"] = "00:01:00"
    write_inp(out, tmp_path / "scenario.inp")
    ds = run_swmm(tmp_path / "scenario.inp")
    rate = ds["subcatchment_rainfall"].values  # mm/h at each report time (end of its minute)
    swmm_mm = rate.sum(axis=0) * 60.0 / 3600.0
    expected = 1.2 * storm.total_mm
    area = net.subcatchments.area_m2
    assert np.allclose(swmm_mm, expected, rtol=1e-3)
    assert (swmm_mm * area).sum() == pytest.approx(expected * area.sum(), rel=1e-3)
    # the window follows the storm: 10 min shift + 60 min storm + 30 min tail
    assert ds.time.values[-1] == np.datetime64("2024-07-15T01:40")


def test_network_own_gauges_scaled_and_shifted(net):
    out = Scenario(climate_factor=1.25, time_shift_min=30).apply(net)
    base, new = net.timeseries["DESIGN"], out.timeseries["DESIGN"]
    assert np.allclose(new.value, 1.25 * base.value)
    assert np.allclose(new.time_h, base.time_h + 0.5)
    assert out.options["END_TIME"] == net.options["END_TIME"]  # window kept


def test_shift_of_dated_series_keeps_time_of_day_in_range():
    from twin.networks.model import TimeSeries
    from twin.scenarios.modify import shift_rainfall

    net = twin.load_network("small-conduits")
    d = np.array(["2024-07-15", "2024-07-15"], dtype="datetime64[D]")
    net.timeseries["DESIGN"] = TimeSeries("DESIGN", d, np.array([23.0, 23.5]), np.ones(2))
    ts = shift_rainfall(net, 90).timeseries["DESIGN"]
    assert list(ts.date.astype(str)) == ["2024-07-16", "2024-07-16"]
    assert np.allclose(ts.time_h, [0.5, 1.0])


def test_blocked_trunk_floods_more(net):
    sc = Scenario.preset("seoul-100mmh")
    free = twin.simulate(sc.apply(net), end_hours=1)
    blocked = twin.simulate(sc.replace(blockage={"C000003": 0.6}).apply(net), end_hours=1)
    j = list(net.links.name).index("C000003")
    assert blocked["link_full_flow"].values[j] < 0.5 * free["link_full_flow"].values[j]
    assert blocked["node_flood_volume"].sum() > free["node_flood_volume"].sum()


def test_line_of_finds_keys_in_arrays_of_tables_and_inline_tables():
    from twin.scenarios.toml_io import line_of

    text = (
        '[[modify.pump_failure]]\npump = "A"\nfrom_h = 1\n'  # lines 1-3
        '[[modify.pump_failure]]\npump = "B"\nfrom_h = 2\n'  # lines 4-6
        '[modify]\nsettings = [{link = "W1", setting = 0.5}]\n'  # lines 7-8
        '[modify.outfall_level]\n"OF1" = {times_h = [0, 1], level_m = [1, "x"]}\n'  # 9-10
    )
    assert line_of(text, "modify.pump_failure[1].from_h") == 6
    assert line_of(text, "modify.pump_failure[0].pump") == 2
    assert line_of(text, "modify.pump_failure[1]") == 4
    assert line_of(text, "modify.pump_failure") == 1
    assert line_of(text, "modify.settings[0].setting") == 8  # inside an inline array
    assert line_of(text, "modify.outfall_level.OF1.level_m") == 10  # inside an inline table


@pytest.mark.parametrize("value", ["2024-07-15T06:00:00", '"2024-07-15T06:00"'])
def test_start_may_be_a_toml_date_time_or_a_string(net, tmp_path, value):
    path = tmp_path / "s.toml"
    path.write_text(f"[simulation]\nstart = {value}\n")
    out = Scenario.from_file(path).apply(net)
    assert (out.options["START_DATE"], out.options["START_TIME"]) == ("07/15/2024", "06:00:00")
