"""The page over the folder a real `twin watch` writes while it runs.

A short replay: the bundled ``small`` district under Seoul's 100 mm/h storm is the
twin's network; the plant it watches is EPA SWMM 5.2 on the same district with 30 %
more rain and rougher, partly blocked pipes (`twin.validation.twin_experiment`), read
by four depth sensors with 1 cm noise for 40 minutes. `twin watch --replay --surface`
(4 members on the 2D street surface, a cycle every 10 min, 30 min ahead) replays the
first 20 minutes; `twin serve` shows the folder in headless Chromium; then `twin watch`
is started again with all 40 minutes (it resumes from its folder) and the page follows
the cycles it writes. What the page shows is checked against the files, read here
with xarray and json.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import urllib.request

import numpy as np
import pytest
import xarray as xr
from PIL import Image

import twin
from twin.serve.raster import DRY

pytestmark = [pytest.mark.swmm, pytest.mark.slow]

MINUTES = 40


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    """The network (.inp), sensors.toml and the observations of the first 20 min and
    of all 40 min (two CSV files) of a short replay."""
    from twin.scenarios import Scenario
    from twin.validation import twin_experiment as E

    folder = tmp_path_factory.mktemp("replay")
    inp = folder / "storm.inp"
    Scenario.preset("seoul-100mmh").apply(twin.load_network("small")).to_inp(inp)
    net = twin.load_network(inp)
    ex = E.experiment(net, 4, seed=1, workdir=folder)
    sensors = ex.sensors
    toml = folder / "sensors.toml"
    toml.write_text("".join(f'[[sensor]]\nid = "{s.id}"\nnode = "{s.element}"\n'
                            'quantity = "depth"\nsd = 0.01\n\n' for s in sensors))  # fmt: skip
    csvs = []
    for minutes in (MINUTES // 2, MINUTES):
        csvs.append(folder / f"obs-{minutes}min.csv")
        csvs[-1].write_text("time,sensor,value\n" + "".join(
            f"{np.datetime64(ti, 's')},{s},{v:.4f}\n"
            for ti, s, v in ex.rows(minutes)))  # fmt: skip
    return net, inp, toml, csvs


def _in_force(path) -> dict:
    """(kind, element) -> the last message of each warning not cancelled."""
    active = {}
    for line in path.read_text().splitlines():
        m = json.loads(line)
        key = (m["kind"], m.get("node") or m.get("gauge") or m.get("cell"))
        if m["status"] == "cancel":
            active.pop(key, None)
        else:
            active[key] = m
    return active


def _mark_time(folder, start) -> np.datetime64:
    t_s = json.loads((folder / "watch.json").read_text())["t_s"]
    return np.datetime64(start, "s") + np.timedelta64(int(round(t_s)), "s")


def _watch(inp, toml, csv, out):
    return [sys.executable, "-m", "twin.cli", "watch", str(inp), "--sensors", str(toml),
            "--observations", str(csv), "--replay", "--members", "4", "--cycle-min", "10",
            "--horizon-min", "30", "--surface", "-o", str(out)]  # fmt: skip


def test_page_follows_a_running_twin_watch(replay, serve, open_page, tmp_path):
    net, inp, toml, (first, whole) = replay
    out = tmp_path / "watch"
    r = subprocess.run(_watch(inp, toml, first, out), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    s = serve(out, "--network", inp, "--sensors", toml, "--poll", "0.2")
    page = open_page(s.url)
    before = page.js("document.body.dataset.now")
    page.js("window.__sameDocument = true")
    page.js("""() => { window.__nows = [];
               new MutationObserver(() => window.__nows.push(document.body.dataset.now))
                 .observe(document.body, {attributes: true, attributeFilter: ['data-now']}); }""")
    r = subprocess.run(_watch(inp, toml, whole, out), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    # twin watch is done: its last cycle is on the page within 10 s, without a reload
    with xr.open_dataset(out / "analysis.nc") as an:
        start = an.attrs["start"]
        flagged = an["sensor_qc_flag"].isel(time=-1).values.astype(bool)
        sensor_ids = [str(x) for x in an["sensor"].values]
    last = _mark_time(out, start)
    page.page.wait_for_function(f"() => document.body.dataset.now === '{last}'", timeout=10_000)
    assert page.js("window.__sameDocument === true")
    with xr.open_dataset(out / "forecasts.nc") as fc:
        cycles = fc["cycle"].values.astype("datetime64[s]")
        prob = fc["node_flood_probability"].isel(cycle=-1).values
        p90 = fc["node_depth_quantile"].isel(cycle=-1).sel(quantile=0.9).max("lead").values
        names = [str(x) for x in fc["node"].values]
    assert cycles[-1] == last
    seen = list(dict.fromkeys(page.js("window.__nows")))
    assert before < seen[0] and seen[-1] == str(last), (before, seen)  # arrived while open
    assert page.js("Number(document.getElementById('slider').max)") == len(cycles) - 1
    assert page.js("Twin.state.map.nodeCount()") == net.n_nodes
    # the top of the risk list: highest flood probability, then P90 peak depth
    top = np.lexsort((-p90, -prob))[0]
    assert prob[top] > 0  # the storm floods: the list is not a tie of zeros
    assert page.js("document.querySelector('#risk tbody tr td').textContent") == names[top]
    # the warnings in force, as warnings.jsonl has them (manholes, rain gauges, street cells)
    active = _in_force(out / "warnings.jsonl")
    assert active, "the storm raised no warning"
    shown = page.js("[...document.querySelectorAll('#warnings .warning')]"
                    ".map(e => e.dataset.element)")  # fmt: skip
    assert sorted(shown) == sorted(e for _, e in active)
    # the sensors of the analysis, with its QC flags at the last time
    rows = page.js(
        "[...document.querySelectorAll('#sensors tbody tr')]"
        ".map(r => [r.cells[0].textContent, r.classList.contains('flagged')])"
    )
    assert rows == [[i, bool(f)] for i, f in zip(sensor_ids, flagged, strict=True)]
    # a sensor's chart: its observations, the analysis and the last cycle's forecast fan
    page.page.click("#sensors tbody tr:first-child")
    page.page.wait_for_function("() => document.getElementById('detail-title').textContent"
                                f".startsWith('sensor {sensor_ids[0]}')")  # fmt: skip
    labels = page.js("Twin.state.chart.plot.series.map(s => s.label)")
    assert {"observed", "analysed"} <= set(labels)
    assert any(x.startswith("forecast median") for x in labels)
    # the street cells' flood probability of the cycle, north up, as forecasts.nc has it
    page.page.wait_for_function("() => Twin.state.map.surface?._image?.complete")
    src = page.js("Twin.state.map.surface._url")
    assert f"/api/surface.png?t={len(cycles) - 1}&" in src
    with urllib.request.urlopen(s.url + src.lstrip("/"), timeout=30) as resp:
        alpha = np.asarray(Image.open(io.BytesIO(resp.read())))[..., 3]
    with xr.open_dataset(out / "forecasts.nc") as fc:
        cell = fc["cell_flood_probability"].isel(cycle=-1).transpose("y", "x")
        cell = cell.sortby("y", ascending=False).sortby("x").values
    assert (cell >= DRY).any()
    np.testing.assert_array_equal(alpha > 0, cell >= DRY)
    page.page.screenshot(path=tmp_path / "twin-watch.png")
    assert page.errors == []
