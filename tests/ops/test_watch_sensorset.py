"""A watch folder restarted with a changed sensor file (round 15): a sensor added,
removed, moved to another node, its ``sd`` re-stated, the file reordered.  Until round 14
any other list was refused on restart (README, "Every path of `twin watch`").

One watch of the small network (L1, L2 depth, Q1 flow; 3 members, QC with the CUSUM and
the withheld ensembles) runs 20 minutes; each test restarts a copy of its folder with
another file and checks the kept sensors' record against that run, by id."""

import json
import logging
import shutil

import numpy as np
import pytest
import xarray as xr

import twin
from tests.ops.conftest import SENSORS_TOML
from twin.ops import load_sensors
from twin.ops.qc import QCSettings
from twin.ops.watch import Twin

START = np.datetime64("2024-07-15T00:00:00", "s")
BLOCKS = dict(zip(("L1", "L2", "Q1"), SENSORS_TOML.split("\n\n")[:3], strict=True))
BLOCKS["L3"] = BLOCKS["L1"].replace('"L1"', '"L3"').replace("MH000031", "MH000020")
QC_STATE = ("flagged", "_bad_run", "_good_run", "_large_until", "cusum_state", "cusum_t")


def _value(sensor, minute):
    return 0.02 + 0.0002 * minute if sensor == "Q1" else 0.05 + 0.001 * minute


def _rows(ids, first, last, shift=None):
    shift = shift or {}
    return [(str(START + np.timedelta64(m, "m")), s, _value(s, m) + shift.get(s, 0.0))
            for m in range(first, last + 1) for s in ids]  # fmt: skip


def _file(path, ids, sd=None, moved=None):
    """A sensor file of ``ids`` (their blocks above), ``sd`` re-stated ({id: sd}), a node
    replaced (``moved``: (old, new))."""
    blocks = []
    for i in ids:
        lines = BLOCKS[i].splitlines()
        if sd and i in sd:
            lines = [f"sd = {sd[i]}" if x.startswith("sd = ") else x for x in lines]
        blocks.append("\n".join(lines))
    text = "\n\n".join(blocks) + "\n"
    if moved:
        text = text.replace(*moved)
    path.write_text(text)
    return path


def _watch(net, out, sensor_file, rows):
    tw = Twin(net, load_sensors(sensor_file, net), out, members=3, cycle_min=10,
              forecast=False, seed=1, qc_settings=QCSettings(cusum=True))  # fmt: skip
    tw.ingest(rows, "test")
    return tw


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    """``(net, folder, twin)``: the watch of L1, L2, Q1 stopped after 20 minutes."""
    net = twin.load_network("small")
    root = tmp_path_factory.mktemp("sensorset")
    tw = _watch(net, root / "before", _file(root / "a.toml", ["L1", "L2", "Q1"]),
                _rows(["L1", "L2", "Q1"], 1, 20))  # fmt: skip
    tw.run()
    tw.close()
    return net, root / "before", tw


def _copy(before, tmp_path, name="out"):
    shutil.copytree(before[1], tmp_path / name)
    return tmp_path / name


def _record(tw, sid):
    """QC's record and history of sensor ``sid`` (by id)."""
    pos = int(np.flatnonzero(tw.sensors.ids[tw._obs["sensor"]] == sid)[0])
    out = {k: getattr(tw.qc, k)[pos] for k in QC_STATE}
    for k, v in tw._history.items():
        out["history_" + k] = np.array(v) if k == "t" else np.array(v)[..., pos]
    return out


def _assert_same_record(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_a_reordered_file_continues_bit_for_bit(before, tmp_path):
    """Two cycles, a restart with the sensors listed in another order, two more: the four
    cycles straight (QC, members, withheld ensembles, analysis.nc)."""
    net, _, _ = before
    rows = _rows(["L1", "L2", "Q1"], 1, 40)
    whole = _watch(net, tmp_path / "whole", _file(tmp_path / "a.toml", ["L1", "L2", "Q1"]), rows)
    whole.run()
    out = _copy(before, tmp_path)
    again = _watch(net, out, _file(tmp_path / "b.toml", ["Q1", "L1", "L2"]), rows)
    assert list(again.sensors.ids) == ["L1", "L2", "Q1"]  # the watch keeps its order
    again.run()
    for sid in ("L1", "L2", "Q1"):
        _assert_same_record(_record(again, sid), _record(whole, sid))
    np.testing.assert_array_equal(again.members.read(), whole.members.read())
    for a, b in zip(again.withheld.ensembles, whole.withheld.ensembles, strict=True):
        np.testing.assert_array_equal(a.read(), b.read())
    with (
        xr.open_dataset(out / "analysis.nc") as a,
        xr.open_dataset(whole.outdir / "analysis.nc") as b,
    ):
        assert a.load().identical(b.load())


def test_a_removed_sensor_keeps_its_past_and_is_no_longer_assimilated(before, tmp_path):
    net, _, ran = before
    members = []
    for name, shift in (("a", 0.0), ("b", 0.5)):  # L2 reads 0.5 m higher after the restart
        out = _copy(before, tmp_path, name)
        rows = _rows(["L1", "L2", "Q1"], 1, 40, {"L2": shift} if shift else None)
        rows = [r for r in rows if r[0] > str(START + np.timedelta64(20, "m")) or not shift]
        tw = _watch(net, out, _file(tmp_path / "c.toml", ["L1", "Q1"]), rows)
        assert list(tw.sensors.ids) == ["L1", "Q1"] and tw.t_s == 1200.0
        for sid in ("L1", "Q1"):  # the kept sensors' record, by id, as the run left it
            _assert_same_record(_record(tw, sid), _record(ran, sid))
        # the withheld ensembles: L1's fold and Q1's continue theirs
        state = [tw._keys[i] for i in tw._obs["sensor"]]
        old = json.loads((ran.outdir / "watch.json").read_text())["folds"]
        assert tw._fold_sources == [old[k] for k in state]
        for f, m in zip(tw._fold_sources, tw.withheld.ensembles, strict=True):
            np.testing.assert_array_equal(m.read(), ran.withheld.ensembles[f].read())
        tw.run()
        members.append(tw.members.read())
        tw.close()
    np.testing.assert_array_equal(members[0], members[1])  # L2's readings unused
    with (
        xr.open_dataset(tmp_path / "b" / "analysis.nc") as an,
        xr.open_dataset(ran.outdir / "analysis.nc") as was,
    ):
        assert list(an.sensor.values) == ["L1", "L2", "Q1"]  # the union
        n = was.sizes["time"]
        np.testing.assert_array_equal(an.sensor_observed.values[:n], was.sensor_observed.values)
        l2 = an.sel(sensor="L2").isel(time=slice(n, None))
        assert l2.sizes["time"] > 0 and np.isnan(l2.sensor_observed.values).all()
        assert (l2.sensor_qc_flag.values == -1).all() and np.isnan(l2.sensor_analysed).all()
        assert np.isfinite(an.sel(sensor="L1").sensor_observed.values[n:]).all()
    # its readings stay in the database; a later restart with the same file keeps the
    # column (watch.json lists analysis.nc's sensors)
    again = _watch(net, tmp_path / "b", tmp_path / "c.toml", [])
    assert len(again.store.window(None, None, ["L2"])) == 40
    assert (
        json.loads((tmp_path / "b" / "watch.json").read_text())["analysis_sensors"][1]
        == (again._columns[1])
    )
    again.write()
    with xr.open_dataset(tmp_path / "b" / "analysis.nc") as an:
        assert list(an.sensor.values) == ["L1", "L2", "Q1"]


def test_an_added_sensor_starts_fresh_and_is_assimilated(before, tmp_path, caplog):
    net, _, ran = before
    members = []
    for name, shift in (("a", 0.0), ("b", 0.3)):
        out = _copy(before, tmp_path, name)
        with caplog.at_level(logging.INFO, logger="twin.ops"):
            tw = _watch(net, out, _file(tmp_path / "d.toml", ["L1", "L3", "L2", "Q1"]),
                        _rows(["L1", "L2", "Q1", "L3"], 21, 40, {"L3": shift}))  # fmt: skip
        assert "added L3 (depth at node MH000020); removed none" in caplog.text
        assert list(tw.sensors.ids) == ["L1", "L2", "Q1", "L3"]  # a new sensor joins last
        for sid in ("L1", "L2", "Q1"):
            _assert_same_record(_record(tw, sid), _record(ran, sid))
        new = _record(tw, "L3")  # as a sensor at the watch's start, no readings before
        assert not new["flagged"] and new["_bad_run"] == 0 and new["_good_run"] == 0
        assert new["_large_until"] == -np.inf and new["cusum_t"] == -np.inf
        assert (new["cusum_state"] == 0.0).all() and np.isnan(new["history_y"]).all()
        assert len(tw.withheld.folds) == 4 and tw._fold_sources[: ran.withheld.n_folds] == [0, 1]
        tw.run()
        rec = _record(tw, "L3")
        assert np.isfinite(rec["history_y"][rec["history_t"] > 1200.0]).all()
        members.append(tw.members.read())
        tw.close()
    assert not np.array_equal(members[0], members[1])  # L3's readings moved the members
    with xr.open_dataset(tmp_path / "a" / "analysis.nc") as an:
        assert list(an.sensor.values) == ["L1", "L2", "Q1", "L3"]
        l3 = an.sel(sensor="L3")
        early = an.time.values <= START + np.timedelta64(20, "m")
        assert (l3.sensor_qc_flag.values[early] == -1).all()
        assert np.isnan(l3.sensor_observed.values[early]).all()
        assert np.isfinite(l3.sensor_observed.values[~early]).all()


def test_a_restated_sd_applies_from_the_restart_and_is_logged(before, tmp_path, caplog):
    net, _, ran = before
    out = _copy(before, tmp_path)
    with caplog.at_level(logging.WARNING, logger="twin.ops"):
        tw = _watch(net, out, _file(tmp_path / "e.toml", ["L1", "L2", "Q1"], sd={"L1": 0.03}),
                    _rows(["L1", "L2", "Q1"], 21, 30))  # fmt: skip
    assert "sensor L1 (depth at node MH000031): sd 0.01 -> 0.03 m from 2024-07-15T00:20:00Z" in (
        caplog.text
    )
    for sid in ("L1", "L2", "Q1"):
        _assert_same_record(_record(tw, sid), _record(ran, sid))
    assert tw.qc.sd[0] == 0.03 and tw.qc.sd[1] == 0.01
    assert json.loads((out / "watch.json").read_text())["sensor_sd"] == [0.01, 0.01, 0.005]
    tw.run()
    assert json.loads((out / "watch.json").read_text())["sensor_sd"] == [0.03, 0.01, 0.005]


def test_an_id_on_another_node_is_another_sensor(before, tmp_path, caplog):
    net, _, ran = before
    out = _copy(before, tmp_path)
    with caplog.at_level(logging.WARNING, logger="twin.ops"):
        tw = _watch(net, out, _file(tmp_path / "f.toml", ["L1", "L2", "Q1"],
                                    moved=("MH000008", "MH000020")),
                    _rows(["L1", "L2", "Q1"], 21, 30))  # fmt: skip
    assert ("sensor L2 (depth at node MH000008) is now L2 (depth at node MH000020): another "
            "sensor") in caplog.text  # fmt: skip
    for sid in ("L1", "Q1"):
        _assert_same_record(_record(tw, sid), _record(ran, sid))
    moved = _record(tw, "L2")
    assert moved["_good_run"] == 0 and np.isnan(moved["history_y"]).all()
    assert ran.qc._good_run[1] > 0  # the sensor at MH000008 had a record
    tw.run()
    with (
        xr.open_dataset(out / "analysis.nc") as an,
        xr.open_dataset(ran.outdir / "analysis.nc") as was,
    ):
        assert list(an.sensor.values) == ["L1", "L2 (depth at node MH000008)", "Q1", "L2"]
        n = was.sizes["time"]
        old = an.sel(sensor="L2 (depth at node MH000008)").sensor_observed.values
        np.testing.assert_array_equal(old[:n], was.sel(sensor="L2").sensor_observed.values)
        assert np.isnan(old[n:]).all() and np.isnan(an.sel(sensor="L2").sensor_observed[:n]).all()


def test_a_road_gauge_added_at_a_restart_warns_from_its_own_column(before, tmp_path):
    """The road-depth warning reads each depth sensor's last sample by its analysis.nc
    column, which after a change is not its place in the file: the moved L2 (now last in
    the watch, its column after the old L2's) reading above its manhole's rim warns."""
    from twin.ops.warnings import WarningSettings

    net, _, _ = before
    out = _copy(before, tmp_path)
    sensors = load_sensors(
        _file(tmp_path / "g.toml", ["L1", "L2", "Q1"], moved=("MH000008", "MH000020")), net
    )
    tw = Twin(net, sensors, out, members=3, cycle_min=10, forecast=False, seed=1,
              qc_settings=QCSettings(persist=10**6))  # fmt: skip
    assert list(tw.sensors.ids) == ["L1", "Q1", "L2"]
    e = int(net.nodes.index_of()["MH000020"])
    flood = float(tw.members.rim_depth_m[e]) + 2.0 * WarningSettings().road_depth_m
    tw.ingest(_rows(["L1", "Q1"], 21, 30) + [(t, "L2", flood) for t, _, _ in _rows(["L1"], 21, 30)],
              "test")  # fmt: skip
    tw.run()
    kinds = {(m.kind, m.node) for m in tw.last_messages}
    assert ("road_depth", "MH000020") in kinds, kinds
