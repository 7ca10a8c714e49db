"""Reading a watch folder while it is written, without a browser: only complete cycles."""

from __future__ import annotations

import numpy as np

from tests.serve.conftest import SENSORS
from tests.serve.watch_folder import WatchWriter, nc_bytes
from twin.serve import open_board
from twin.serve.watch_files import JsonLines


def test_only_complete_cycles(tmp_path, ensemble, truth):
    w = WatchWriter(tmp_path / "watch", ensemble, truth, SENSORS, horizon=6)
    for k in range(2):
        w.write_cycle(k)
    board = open_board(w.folder, network="small")
    assert list(board.times()) == [w.cycle_time(0), w.cycle_time(1)]
    version = board.version
    # cut short in place: not taken, and what was read before stays readable
    w.cycles.append((w.cycle_time(2), w.forecast(2)))
    whole = nc_bytes(w.forecasts_dataset())
    (w.folder / "forecasts.nc").write_bytes(whole[: len(whole) // 3])
    assert board.refresh() is False and board.version == version
    prob = board.values("flood_probability", 1)
    i = board.view.order_of(w.nodes, "node")
    assert np.allclose(prob[i], w.forecast(1)["probability"])
    # whole, but past the mark: still two cycles
    (w.folder / "forecasts.nc").write_bytes(whole)
    assert board.refresh() is False and len(board.times()) == 2
    # the mark: three
    w.write_mark(2)
    assert board.refresh() is True and len(board.times()) == 3
    assert np.allclose(board.values("flood_probability", 2)[i], w.forecast(2)["probability"])
    # the risk list of a cycle: most likely first, its expected first flood from the file
    risk = board.risk(2)
    keys = [c["key"] for c in risk["columns"]]
    probs = [r[keys.index("probability")] for r in risk["rows"]]
    # each node says what it is to an operator (a junction is a manhole, a storage a tank)
    kinds = dict(zip(board.view.node_name, board.view.node_kind, strict=True))
    for r in risk["rows"]:
        want = {"junction": "manhole", "storage": "tank"}.get(kinds[r[0]], kinds[r[0]])
        assert r[keys.index("type")] == want
    assert probs == sorted(probs, reverse=True)
    assert probs[0] == round(float(w.forecast(2)["probability"].max()), 3)


def test_json_lines_are_read_whole(tmp_path):
    path = tmp_path / "warnings.jsonl"
    lines = JsonLines(path)
    assert lines.update() is False and lines.items == []
    path.write_text('{"kind": "rainfall", "status": "new"}\n{"kind": "road_')
    assert lines.update() is True and len(lines.items) == 1
    with open(path, "a") as fh:
        fh.write('depth", "status": "new"}\nnot json\n')
    assert lines.update() is True
    assert [x["kind"] for x in lines.items] == ["rainfall", "road_depth"]
    path.write_text('{"kind": "manhole_overflow"}\n')  # replaced, shorter: read again
    assert lines.update() is True and [x["kind"] for x in lines.items] == ["manhole_overflow"]


def test_a_cycle_finished_while_the_folder_is_read(tmp_path, ensemble, truth, monkeypatch):
    """`twin watch` writes forecasts.nc, analysis.nc, then the mark. If it finishes the
    cycle while the server is reading forecasts.nc, the new mark must not make the
    server show the new cycle with the analysis of the one before."""
    import twin.serve.watch_board as wb

    w = WatchWriter(tmp_path / "watch", ensemble, truth, SENSORS, horizon=6)
    for k in range(3):
        w.write_cycle(k)
    board = open_board(w.folder, network="small", sensors=None)
    real = wb.open_complete

    def slow_read(path):
        ds = real(path)
        if path.name == "forecasts.nc":  # the writer goes on meanwhile
            w._write_analysis(3)
            w.write_mark(3)
        return ds

    w.cycles.append((w.cycle_time(3), w.forecast(3)))
    w._write_forecasts()
    monkeypatch.setattr(wb, "open_complete", slow_read)
    board.refresh()
    monkeypatch.setattr(wb, "open_complete", real)
    # whatever cycle is shown, its analysis is there
    assert board.times()[-1] <= board._an_times[-1]
    board.refresh()
    assert board.times()[-1] == board._an_times[-1] == w.cycle_time(3)
    flagged = [s["flagged"] for s in board.sensors(3)]
    assert flagged == [False, False, True]  # the stuck sensor, flagged from the 4th time
