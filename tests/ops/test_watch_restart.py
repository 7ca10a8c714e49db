"""A restarted `twin watch` is the watch it would have been (round 15, issue 17).

Two cycles, a stop, two more cycles: the four cycles straight, bit for bit (members'
states, withheld ensembles' states, analysis.nc, forecasts.nc, warnings.jsonl,
advice.jsonl, watch.json), for the shipped defaults (EnKF, QC with withheld folds, the
radar's defaults with ``--radar``) and each option that carries state.  The CLI runs as an
operator runs it (tests/cli/test_watch_paths.py's sensor file and CSV helper) on the
`small` district, 3 members, 10 minutes ahead; a burst of rain stops at the restart, so the
rain warnings after it and the nowcast's lifetime and the radar's
gauge bias depend on the rain before it.  The inventory of what a watch carries from one
cycle to the next: benchmarks/results/watch-restart-notes.md."""

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import twin
from tests.cli.test_watch_paths import SENSORS, _csv
from tests.ops.conftest import SENSORS_TOML
from tests.radar_cells import passing_cell_folder
from twin.cli import main

START = np.datetime64("2024-07-15T00:00:00", "s")
#: R1, Q1, L1 of the paths' file and L2 (MH000008, beside Q1's pipe: another withheld fold)
FILE = SENSORS + "\n" + SENSORS_TOML.split("\n\n")[1] + "\n"


def _rain(minute):
    """mm/h: a burst, then light rain from the restart on (the last 15 minutes' depth
    and the rain's lifetime then depend on the rain before the restart)."""
    return 200.0 if minute < 20 else 30.0


def _rows(last, ids=("R1", "Q1", "L1", "L2")):
    value = {"R1": _rain, "Q1": lambda k: 0.02 + 0.001 * k, "L1": lambda k: 0.05 + 0.004 * k,
             "L2": lambda k: 0.08 + 0.005 * k}  # fmt: skip
    return [(str(START + np.timedelta64(k, "m")), i, value[i](k))
            for k in range(1, last + 1) for i in ids]  # fmt: skip


def _watch(tmp_path, out, last, options):
    (tmp_path / "s.toml").write_text(FILE)
    obs = _csv(tmp_path / f"obs-{last}.csv", _rows(last))
    if "--rainfall" in options:  # the gauge R1 given as rainfall too: the radar adjusted to it
        at = options.index("--rainfall") + 1
        rain = _csv(tmp_path / f"rain-{last}.csv", _rows(last, ("R1",)))
        options = [*options[:at], rain, *options[at:]]
    args = ["watch", "small", "--sensors", str(tmp_path / "s.toml"), "--observations", obs,
            "--replay", "--members", "3", "--horizon-min", "10", *options,
            "-o", str(out)]  # fmt: skip
    assert main(args) == 0


def _frames(tmp_path):
    """A radar folder: a rain cell over the town from the start, moving east at 6 m/s
    (60 mm/h at its centre), 5-minute frames for 45 minutes."""
    return passing_cell_folder(tmp_path / "radar", west_m=1500.0)


def assert_same_watch(a, b):
    """Two watch folders hold the same watch: every file, the marked states."""
    for name in ("analysis.nc", "forecasts.nc"):
        with xr.open_dataset(a / name) as x, xr.open_dataset(b / name) as y:
            assert x.load().identical(y.load()), name
    for name in ("warnings.jsonl", "advice.jsonl"):
        if (a / name).exists() or (b / name).exists():
            assert (a / name).read_text() == (b / name).read_text(), name
    ma, mb = (json.loads((f / "watch.json").read_text()) for f in (a, b))
    assert ma.keys() == mb.keys()
    for k in ma:
        assert ma[k] == mb[k], k
    slot_a, slot_b = a / "states" / ma["states"], b / "states" / mb["states"]
    files = sorted(p.relative_to(slot_a) for p in slot_a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(slot_b) for p in slot_b.rglob("*") if p.is_file())
    for f in files:
        assert (slot_a / f).read_bytes() == (slot_b / f).read_bytes(), f
    assert sorted(p.name for p in (a / "alerts").iterdir()) == sorted(
        p.name for p in (b / "alerts").iterdir()
    )


CASES = {
    "defaults": [],
    "nudging": ["--nudging"],
    "adaptive-inflation": ["--adaptive-inflation"],
    "conduits": ["--conduits"],
    "subcatchments": ["--subcatchments"],
    "surface": ["--surface"],
    "advise": ["--advise", "--horizon-min", "30"],  # three intervals: a plan to move on
    # round 16: the warning book's settings; the burst's manhole warnings are held past
    # the restart (expected at 00:21, held to 00:36), then cancelled at 00:40
    "warning-book": [
        "--warning-hold-expected-min",
        "15",
        "--warning-hysteresis",
        "0.3",
        "--warning-update-probability",
        "0.1",
        "--warning-update-min",
        "5",
    ],
}


SLOW = {"surface", "advise"}  # the 2D street surface, the advice's search: 35-45 s each


@pytest.mark.parametrize(
    "options",
    [pytest.param(v, id=k, marks=[pytest.mark.slow] * (k in SLOW)) for k, v in CASES.items()],
)
def test_two_cycles_a_restart_and_two_more_are_the_four_straight(tmp_path, options):
    _watch(tmp_path, tmp_path / "straight", 40, options)
    _watch(tmp_path, tmp_path / "resumed", 20, options)
    _watch(tmp_path, tmp_path / "resumed", 40, options)
    assert json.loads((tmp_path / "resumed" / "watch.json").read_text())["t_s"] == 2400.0
    assert_same_watch(tmp_path / "resumed", tmp_path / "straight")


RADAR = {
    "radar-defaults": [],
    "radar-gauge-adjusted": ["--rainfall"],
    "radar-subcatchment": ["--rainfall", "--radar-rain", "subcatchment"],
    # the radar as the observed rain (read whole again at a restart): what else a watch
    # carries shows on its own (the withheld folds' own inflations, the advice's last plan)
    "radar-adaptive-inflation": ["--adaptive-inflation"],
    "radar-advise": ["--advise", "--horizon-min", "30"],  # three intervals: a plan to move on
}


@pytest.mark.parametrize("options", list(RADAR.values()), ids=list(RADAR))
def test_with_the_radar_a_restart_is_the_watch_straight(tmp_path, options):
    pytest.importorskip("pysteps")
    folder = _frames(tmp_path)
    extra = ["--radar", str(folder)]
    _watch(tmp_path, tmp_path / "straight", 40, options + extra)
    _watch(tmp_path, tmp_path / "resumed", 20, options + extra)
    _watch(tmp_path, tmp_path / "resumed", 40, options + extra)
    assert_same_watch(tmp_path / "resumed", tmp_path / "straight")


class Killed(BaseException):
    """Stands for SIGKILL at that point: nothing after it runs (no handler catches it)."""


def test_a_watch_killed_between_its_states_and_its_mark_restarts_from_the_mark(
    tmp_path, monkeypatch
):
    """Killed in cycle 4 after its states (the other slot), analysis.nc, forecasts.nc and
    warnings.jsonl were written, before its mark: the restart loads the marked cycle's
    states (slot a, whole: cycle 4 wrote slot b), cuts the files to the mark, redoes cycle
    4 and keeps the warning lines it had written (none lost, none twice): the watch
    straight, bit for bit."""
    import twin.ops.watch as watch_module

    options = []
    _watch(tmp_path, tmp_path / "straight", 40, options)
    out = tmp_path / "resumed"
    real = watch_module.write_atomic

    def write(path, data):
        if Path(path).name == "watch.json" and json.loads(data)["cycle"] == 4:
            raise Killed
        return real(path, data)

    monkeypatch.setattr(watch_module, "write_atomic", write)
    with pytest.raises(Killed):
        _watch(tmp_path, out, 40, options)
    monkeypatch.undo()
    mark = json.loads((out / "watch.json").read_text())
    assert (mark["cycle"], mark["t_s"], mark["states"]) == (3, 1800.0, "a")
    # what the killed cycle had written: its states in slot b, its rows, its warnings
    assert (out / "states" / "b" / "member-000.state").stat().st_mtime > (
        out / "states" / "a" / "member-000.state"
    ).stat().st_mtime
    with xr.open_dataset(out / "analysis.nc") as an:
        assert an.time.values[-1] == np.datetime64("2024-07-15T00:40:00")
    lines = (out / "warnings.jsonl").read_text().splitlines()
    assert any(json.loads(x)["issued"] == "2024-07-15T00:40:00Z" for x in lines)
    _watch(tmp_path, out, 40, options)
    assert_same_watch(out, tmp_path / "straight")


def _given_rain(n_gauges):
    """Rain given whole to the API (read again at a restart): 60 mm/h, 20 from 20 min."""
    from twin.ops.rain import ObservedRain

    rain = ObservedRain(n_gauges)
    rain.set([0.0, 1200.0], [[60.0] * n_gauges, [20.0] * n_gauges])
    return rain


@pytest.fixture(scope="module")
def api_case(tmp_path_factory):
    """``(net, sensor file, rows)``: L1, L2, Q1 (``sd`` 0.03 m and m3/s: QC keeps them, the
    folds' inflations move) reading 30 % above the open loop of 6 members under
    :func:`_given_rain`, every minute for 40 minutes."""
    from twin.ops import load_sensors
    from twin.ops.watch import Twin

    net = twin.load_network("small")
    root = tmp_path_factory.mktemp("api")
    text = "\n\n".join(SENSORS_TOML.split("\n\n")[:3]) + "\n"
    path = root / "s.toml"
    path.write_text(text.replace("sd = 0.01", "sd = 0.03").replace("sd = 0.005", "sd = 0.03"))
    sensors = load_sensors(path, net)
    ol = Twin(net, sensors, root / "open", members=6, seed=1, rain=_given_rain(1),
              forecast=False, assimilation="none")  # fmt: skip
    ol.run(until=str(START + np.timedelta64(40, "m")))
    with xr.open_dataset(root / "open" / "analysis.nc") as ds:
        t = np.r_[0.0, (ds.time.values - START) / np.timedelta64(60, "s")]
        pred = np.vstack([np.zeros((1, len(sensors))), ds.sensor_analysed.values])
    rows = [(str(START + np.timedelta64(k, "m")), sid,
             float(np.interp(k, t, pred[:, j])) * 1.3 + 0.002 * (-1) ** k)
            for k in range(1, 41) for j, sid in enumerate(sensors.ids)]  # fmt: skip
    return net, path, rows


@pytest.mark.parametrize(
    "setting",
    [{"forecast_factor": "pooled"}, {"inflation_adaptive": True}],
    ids=["pooled", "adaptive"],
)
def test_the_api_s_stateful_settings_continue_over_a_restart(tmp_path, api_case, setting):
    """``FilterSettings(forecast_factor="pooled")`` (the API's; no CLI option): the forecast
    members' rain factor pooled over the event's cycles, its history empty at a restart
    before round 15; ``inflation_adaptive``: the withheld folds' own inflations started
    from 1 at a restart before round 15 (the rain is given whole here, so that these show
    on their own)."""
    from twin.ops import load_sensors
    from twin.ops.enkf import FilterSettings
    from twin.ops.watch import Twin

    net, path, rows = api_case

    def watch(out, last):
        tw = Twin(net, load_sensors(path, net), out, members=6, horizon_min=10, seed=1,
                  rain=_given_rain(1), filter_settings=FilterSettings(**setting))  # fmt: skip
        tw.ingest([r for r in rows if r[0] <= str(START + np.timedelta64(last, "m"))], "test")
        tw.run()
        tw.close()
        return json.loads((out / "watch.json").read_text())

    mark = watch(tmp_path / "resumed", 20)
    watch(tmp_path / "resumed", 40)
    watch(tmp_path / "straight", 40)
    assert_same_watch(tmp_path / "resumed", tmp_path / "straight")
    if "forecast_factor" in setting:  # the analysed factor moved before the restart
        history = np.array(mark["factor_history"])
        assert len(history) == 2 and np.ptp(history[:, 0]) > 0.0
    else:  # a fold's inflation had moved before the restart
        assert max(max(v) for v in mark["withheld_inflation"] if v is not None) > 1.0


def test_a_folder_of_an_earlier_round_restarts_as_before_and_says_so(tmp_path, caplog):
    """A folder written before round 15 (no rain.npz beside the states, none of the new
    keys in watch.json) restarts: what it lacks starts anew, as before, and the log says
    so."""
    import logging

    out = tmp_path / "old"
    _watch(tmp_path, out, 20, ["--adaptive-inflation"])
    mark = json.loads((out / "watch.json").read_text())
    for key in ("withheld_inflation", "factor_history"):
        del mark[key]
    del mark["qc"]["reason"]
    (out / "watch.json").write_text(json.dumps(mark))
    for f in (out / "states").rglob("rain.npz"):
        f.unlink()
    caplog.set_level(logging.INFO, logger="twin.ops")
    _watch(tmp_path, out, 40, ["--adaptive-inflation"])
    assert json.loads((out / "watch.json").read_text())["t_s"] == 2400.0
    text = caplog.text
    assert "no observed rain saved with the marked states" in text, text
    assert "the withheld folds' adaptive inflations not in watch.json" in text, text
