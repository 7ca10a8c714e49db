"""The advice panel over the folder a real `twin watch --advise` wrote (the control
town's replay of :mod:`tests.control.advise_replay`): the page shows the last cycle's
lines of ``advice.jsonl``, every field as the file has it."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.control import advise_replay as R

pytestmark = [pytest.mark.swmm, pytest.mark.slow]


def test_the_page_shows_the_last_cycles_advice(serve, open_page, tmp_path):
    inp, toml, csv, gate = R.write_replay(tmp_path)
    out = tmp_path / "watch"
    r = subprocess.run(R.watch_command(inp, toml, csv, gate, out), capture_output=True,
                       text=True, timeout=900)  # fmt: skip
    assert r.returncode == 0, r.stderr
    recs = [json.loads(x) for x in (out / "advice.jsonl").read_text().splitlines()]
    last = [x for x in recs if x["issued"] == recs[-1]["issued"]]
    assert len({x["issued"] for x in recs}) > 1  # earlier cycles are in the file too
    s = serve(out, "--network", inp, "--sensors", toml, "--poll", "0.2")
    page = open_page(s.url)
    page.page.wait_for_function("() => document.querySelectorAll('#advice tbody tr').length > 0")
    heads = page.js("[...document.querySelectorAll('#advice th')].map(e => e.textContent)")
    assert heads == [k.replace("_", " ") for k in last[0]]
    rows = page.js("[...document.querySelectorAll('#advice tbody tr')]"
                   ".map(r => [...r.cells].map(c => c.textContent))")  # fmt: skip
    assert len(rows) == len(last)
    col = list(last[0])
    for row, rec in zip(rows, last, strict=True):
        assert row[col.index("element")] == rec["element"] == "OR_TANK"
        assert row[col.index("mode")] == rec["mode"] and row[col.index("when")] == rec["when"]
        assert float(row[col.index("setting")]) == rec["setting"]
