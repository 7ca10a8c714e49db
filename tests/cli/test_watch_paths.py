"""Paths of `twin watch` as an operator runs them (round 14's audit,
benchmarks/results/watch-paths-notes.md).

Found there: the radar per subcatchment (``--radar-rain subcatchment``) crashed at the
first forecast with the nowcast's round-14 default spread (``rate``: the catchments' share
of rain was the original gauges', the rain the subcatchment gauges'); options that need
another option or exclude one were taken silently (``--nowcast`` without ``--radar``,
``--topic`` without ``--mqtt``, the filter's own options with ``--nudging`` or
``--no-assimilation``, both of those), a bad ``--mqtt`` port was a traceback after the
folder was written, and a ``--scheduler`` that is no address wrote the folder and hung
60 s on exit."""

import json
import sqlite3

import numpy as np
import pytest
import xarray as xr

from tests.radar_cells import passing_cell_folder
from twin.cli import main

SENSORS = """\
[[sensor]]
id = "R1"
gauge = "RG1"
quantity = "rainfall"
sd = 0.5

[[sensor]]
id = "Q1"
link = "C000008"
quantity = "flow"
sd = 0.005

[[sensor]]
id = "L1"
node = "MH000031"
quantity = "depth"
sd = 0.01
"""


def _csv(path, rows):
    path.write_text("time,sensor,value\n" + "".join(f"{t},{s},{v}\n" for t, s, v in rows))
    return str(path)


def _rows(minutes, ids):
    value = {"R1": 30.0, "Q1": 0.02, "L1": 0.06}
    return [(f"2024-07-15T00:{k:02d}:00", i, value[i]) for k in minutes for i in ids]


def test_the_radar_per_subcatchment_runs_and_resumes(tmp_path):
    pytest.importorskip("pysteps")
    folder = passing_cell_folder(tmp_path / "radar")
    (tmp_path / "s.toml").write_text(SENSORS)
    out = tmp_path / "out"
    args = ["watch", "small", "--sensors", str(tmp_path / "s.toml"), "--radar", str(folder),
            "--radar-rain", "subcatchment", "--replay", "--members", "2", "--horizon-min",
            "10", "-o", str(out)]  # fmt: skip
    obs = _csv(tmp_path / "a.csv", _rows(range(1, 11), ["Q1", "L1"]))
    rain = _csv(tmp_path / "r.csv", _rows(range(1, 11), ["R1"]))
    assert main([*args, "--observations", obs, "--rainfall", rain]) == 0
    assert json.loads((out / "watch.json").read_text())["radar_rain"] == "subcatchment"
    # again with ten minutes more: it resumes, and nothing is stored or analysed twice
    obs = _csv(tmp_path / "b.csv", _rows(range(1, 21), ["Q1", "L1"]))
    rain = _csv(tmp_path / "r2.csv", _rows(range(1, 21), ["R1"]))
    assert main([*args, "--observations", obs, "--rainfall", rain]) == 0
    assert json.loads((out / "watch.json").read_text())["t_s"] == 1200.0
    with sqlite3.connect(out / "observations.sqlite") as db:
        assert db.execute("select count(*) from observation").fetchone()[0] == 60
    with xr.open_dataset(out / "analysis.nc") as ds:
        t = ds["time"].values
        assert len(np.unique(t)) == len(t) and (np.diff(t) > np.timedelta64(0)).all()
        assert np.isfinite(ds["sensor_observed"].values).all()
    with xr.open_dataset(out / "forecasts.nc") as ds:
        assert ds.sizes["cycle"] == 2


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (["--nowcast", "steps"], "--nowcast"),
        (["--topic", "city/obs"], "--topic"),
        (["--mqtt", "localhost:notaport"], "mqtt"),
        (["--nudging", "--no-assimilation"], "--nudging"),
        (["--adaptive-inflation", "--nudging"], "--adaptive-inflation"),
        (["--plain-gate", "--no-assimilation"], "--plain-gate"),
        (["--factor-bound", "2", "--no-assimilation"], "--factor-bound"),
        (["--factor-independent", "--nudging"], "--factor-independent"),
        (["--scheduler", "notanaddress"], "scheduler"),
    ],
)
def test_options_that_need_or_exclude_another_are_one_line(tmp_path, capsys, options, field):
    refused_in_one_line(tmp_path, capsys, options, field)


def refused_in_one_line(tmp_path, capsys, options, field) -> str:
    """``twin watch small`` with ``options`` refused: exit 2, one line naming ``field``,
    no output folder; returns the line."""
    sensors = tmp_path / "s.toml"
    sensors.write_text(SENSORS)
    out = tmp_path / "out"
    code = main(["watch", "small", "--sensors", str(sensors), *options, "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("twin: error:") and f"'{field}'" in err[0], err
    assert not out.exists()
    return err[0]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (["--members", "3"], "--members"),  # before: started the watch over
        (["--nudging"], "--no-assimilation/--nudging"),
    ],
)
def test_a_restart_with_other_members_or_assimilation_is_one_line(tmp_path, capsys, options,
                                                                  field):  # fmt: skip
    (tmp_path / "s.toml").write_text(SENSORS)
    (tmp_path / "t.toml").write_text(SENSORS)
    out = tmp_path / "out"
    obs = _csv(tmp_path / "a.csv", _rows(range(1, 11), ["Q1", "L1"]))
    args = ["watch", "small", "--replay", "--horizon-min", "10", "-o", str(out)]
    assert main([*args, "--sensors", str(tmp_path / "s.toml"), "--members", "2",
                 "--observations", obs]) == 0  # fmt: skip
    mark = (out / "watch.json").read_text()
    capsys.readouterr()
    code = main([*args, "--sensors", str(tmp_path / "t.toml"), *options])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("twin: error:") and f"'{field}'" in err[0], err
    assert (out / "watch.json").read_text() == mark


def test_a_restart_with_a_changed_sensor_file_continues(tmp_path, capsys):
    """Round 15: a restart with a sensor removed (Q1) and one added (L2) continues the
    watch (round 14 refused it, exit 2): the log names both, watch.json lists the new
    sensors, analysis.nc keeps every sensor the watch had (NaN and flag -1 where one was
    not in the file), the removed sensor's readings stay in the database, and `twin
    serve`'s board reads the folder."""
    from twin.serve import open_board

    (tmp_path / "s.toml").write_text(SENSORS)
    r1, _, l1 = SENSORS.split("\n\n")
    l2 = l1.replace('"L1"', '"L2"').replace("MH000031", "MH000008")
    (tmp_path / "t.toml").write_text("\n\n".join([r1, l1, l2]))
    out = tmp_path / "out"
    args = ["watch", "small", "--replay", "--members", "2", "--horizon-min", "10", "-o", str(out)]
    obs = _csv(tmp_path / "a.csv", _rows(range(1, 11), ["Q1", "L1"]))
    assert main([*args, "--sensors", str(tmp_path / "s.toml"), "--observations", obs]) == 0
    capsys.readouterr()
    rows = _rows(range(1, 21), ["L1"]) + [(t, "L2", v) for t, _, v in _rows(range(11, 21), ["L1"])]
    obs = _csv(tmp_path / "b.csv", rows)
    assert main([*args, "--sensors", str(tmp_path / "t.toml"), "--observations", obs]) == 0
    err = capsys.readouterr().err
    assert "added L2 (depth at node MH000008); removed Q1 (flow at link C000008)" in err, err
    mark = json.loads((out / "watch.json").read_text())
    assert mark["t_s"] == 1200.0 and [k.split()[0] for k in mark["sensors"]] == ["R1", "L1", "L2"]
    with xr.open_dataset(out / "analysis.nc") as an:
        assert list(an.sensor.values) == ["R1", "Q1", "L1", "L2"]
        after = an.time.values > np.datetime64("2024-07-15T00:10:00")
        q1, l2 = an.sel(sensor="Q1"), an.sel(sensor="L2")
        assert np.isfinite(q1.sensor_observed.values[~after]).any()
        assert np.isnan(q1.sensor_observed.values[after]).all()
        assert (q1.sensor_qc_flag.values[after] == -1).all()
        assert (l2.sensor_qc_flag.values[~after] == -1).all()
        assert np.isfinite(l2.sensor_observed.values[after]).all()
    with sqlite3.connect(out / "observations.sqlite") as db:
        n = db.execute("select count(*) from observation o join sensor s on s.id = o.sensor "
                       "where s.name = 'Q1'").fetchone()[0]  # fmt: skip
    assert n == 10
    board = open_board(out, network="small", sensors=tmp_path / "t.toml")
    last = len(board.times()) - 1
    assert [r["id"] for r in board.sensors(last)] == ["R1", "Q1", "L1", "L2"]
    assert board.sensor_series("Q1", last) is not None
    assert board.sensor_series("L2", last) is not None


def test_the_interrupt_message_names_a_file_replaced_every_cycle_once(tmp_path):
    """An MQTT watch stopped with SIGINT listed every file once per cycle (one line of
    every state file, analysis.nc and watch.json, again and again)."""
    import signal

    from twin.cli._console import interrupted_message
    from twin.files import reset_output_log
    from twin.ops.warnings import write_atomic

    reset_output_log()
    for cycle in range(3):
        write_atomic(tmp_path / "watch.json", f"{cycle}".encode())
        write_atomic(tmp_path / "analysis.nc", b"x")
    message = interrupted_message(signal.SIGINT)
    assert message.count("watch.json") == 1 and message.count("analysis.nc") == 1, message
    reset_output_log()
