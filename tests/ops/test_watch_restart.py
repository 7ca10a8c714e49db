"""A restarted `twin watch` is the watch it would have been (round 15, issue 17).

Two cycles, a stop, two more cycles: the four cycles straight, bit for bit (members'
states, withheld ensembles' states, analysis.nc, forecasts.nc, warnings.jsonl,
advice.jsonl, watch.json), for the shipped defaults (EnKF, QC with withheld folds, the
radar's defaults with ``--radar``) and each option that carries state.  The CLI runs as an
operator runs it (tests/cli/test_watch_paths.py's sensor file and CSV helper) on the
`small` district, 3 members, 10 minutes ahead; a burst of rain stops at the restart, so the
rain warnings after it and the nowcast's lifetime and the radar's
gauge bias depend on the rain before it.  The inventory of what a watch carries from one
cycle to the next: notes/watch-restart.md (moved on merge to
benchmarks/results/watch-restart-notes.md)."""

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import twin
from tests.cli.test_watch_paths import SENSORS, _csv
from tests.ops.conftest import SENSORS_TOML
from twin.cli import main
from twin.engine.options import SimOptions

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
    from twin.validation.radar_storm import RainCell, moving_cells, network_grid

    net = twin.load_network("small")
    x, y = network_grid(net, 32, 500.0)
    cells = [RainCell(x.mean() - 1500.0, y.mean(), 6.0, 0.0, 60.0, 2500.0, 0.2)]
    folder = tmp_path / "radar"
    folder.mkdir(exist_ok=True)
    start = SimOptions.from_network(net).start
    moving_cells(cells, x, y, start, 10, 300.0).to_dataset().to_netcdf(folder / "a.nc")
    return folder


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
    "advise": ["--advise"],
}


@pytest.mark.parametrize("options", list(CASES.values()), ids=list(CASES))
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
    "radar-advise": ["--advise"],
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
