"""The page over a watch folder that is being written: new cycles, half-written files,
sensors, warnings and advice, in headless Chromium."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.serve.conftest import SENSORS
from tests.serve.watch_folder import WatchWriter

NODE_COLOURS = "Twin.state.map.nodeLayers.map(m => m && m.options.fillColor)"


@pytest.fixture
def writer(tmp_path, ensemble, truth):
    return WatchWriter(tmp_path / "watch", ensemble, truth, SENSORS, horizon=6)


def _now(page) -> str:
    return page.js("document.getElementById('now').dataset.iso")


def _wait_now(page, when, timeout_s=10.0) -> float:
    """Seconds until the page has drawn cycle ``when`` as now (fails after ``timeout_s``)."""
    t0 = time.perf_counter()
    page.page.wait_for_function(
        f"() => document.body.dataset.now === '{when}'",
        timeout=timeout_s * 1000,
    )
    return time.perf_counter() - t0


def _expected_top(writer, k) -> str:
    f = writer.forecast(k)
    p90 = f["quantiles"][..., -1].max(axis=0)
    manhole = np.array([not n.startswith("OF") for n in writer.nodes])
    prob = np.where(manhole, f["probability"], -1.0)
    best = np.flatnonzero(prob == prob.max())
    return writer.nodes[best[np.argmax(p90[best])]]


def _forecast_rain_line(writer, k) -> dict:
    """A forecast rainfall warning of cycle ``k`` (as `twin watch` writes it since round 15),
    its rain expected three cycles after it."""
    when = writer.cycle_time(k)
    return {"issued": f"{when}Z", "kind": "rainfall", "node": None, "probability": None,
            "expected_time": f"{when + 3 * writer.step}Z", "status": "new",
            "gauge": "RG1", "value": 61.5, "source": "forecast"}  # fmt: skip


def test_watch_page_follows_the_folder(writer, serve, open_page, sensors_toml, tmp_path):
    import json

    for k in range(3):
        writer.write_cycle(k)
    with open(writer.folder / "warnings.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(_forecast_rain_line(writer, 2)) + "\n")
    s = serve(writer.folder, "--network", "small", "--sensors", sensors_toml, "--poll", "0.2")
    page = open_page(s.url)
    assert _now(page) == str(writer.cycle_time(2))
    assert page.js("Twin.state.map.nodeCount()") == len(writer.nodes)
    assert page.js("document.querySelector('#risk tbody tr td').textContent") == (
        _expected_top(writer, 2)
    )
    page.js("window.__sameDocument = true")
    # a new cycle shows within 10 s, without a reload
    when = writer.write_cycle(3)
    _wait_now(page, str(when))
    assert page.js("window.__sameDocument === true")
    assert page.js("Number(document.getElementById('slider').max)") == 3
    assert page.js("document.querySelector('#risk tbody tr td').textContent") == (
        _expected_top(writer, 3)
    )
    # warnings in force: the writer's active set, with their lead times
    shown = page.js(
        "[...document.querySelectorAll('#warnings .warning')].map(e => e.dataset.element)"
    )
    assert sorted(shown) == sorted([*writer.active, "RG1"])
    # the rain warning says its rain is forecast, and when it comes (two cycles after now)
    rain = page.js("document.querySelector('#warnings .warning.kind-rainfall').textContent")
    lead = round(2 * writer.step / np.timedelta64(1, "m"))
    assert "forecast" in rain and f"in {lead} min" in rain and "61.5" in rain, rain
    # advice: the latest cycle's line
    assert "PS1" in page.js("document.getElementById('advice').textContent")
    # sensors at the cycle: the stuck one is flagged
    flagged = page.js("[...document.querySelectorAll('#sensors tr.flagged td:first-child')]"
                      ".map(e => e.textContent)")  # fmt: skip
    assert flagged == [list(SENSORS)[-1]]
    # the slider over the cycles recolours the manholes (probabilities differ)
    before = page.js(NODE_COLOURS)
    page.js("""() => { const s = document.getElementById('slider'); s.value = 0;
                       s.dispatchEvent(new Event('input')); }""")
    page.page.wait_for_function("() => document.getElementById('map').dataset.frame === '0'")
    p0, p3 = writer.forecast(0)["probability"], writer.forecast(3)["probability"]
    assert np.any(p0 != p3) and page.js(NODE_COLOURS) != before
    assert page.js("Twin.state.follow") is False  # looking back: the page stays there
    page.page.wait_for_function("() => document.getElementById('sensors').dataset.t === '0'")
    assert page.js("[...document.querySelectorAll('#sensors tr.flagged')].length") == 0
    # a sensor's chart: observed, analysed and the forecast fan
    page.page.click("#sensors tbody tr:first-child")
    page.page.wait_for_function("() => document.getElementById('detail-title').textContent"
                                ".startsWith('sensor L01')")  # fmt: skip
    labels = page.js("Twin.state.chart.plot.series.map(s => s.label)")
    assert {"observed", "analysed"} <= set(labels)
    assert any(x.startswith("forecast median") for x in labels)
    page.page.screenshot(path=tmp_path / "watch.png")
    assert page.errors == []


def test_half_written_cycle_is_not_shown(writer, serve, open_page, tmp_path):
    for k in range(2):
        writer.write_cycle(k)
    s = serve(writer.folder, "--network", "small", "--poll", "0.1")
    page = open_page(s.url)
    last = str(writer.cycle_time(1))
    assert _now(page) == last
    # a forecasts.nc cut short, as a careless copy leaves it: the page keeps cycle 1
    writer.cycles.append((writer.cycle_time(2), writer.forecast(2)))
    from tests.serve.watch_folder import nc_bytes

    whole = nc_bytes(writer.forecasts_dataset())
    (writer.folder / "forecasts.nc").write_bytes(whole[: len(whole) // 2])
    time.sleep(1.0)
    assert _now(page) == last
    # the whole file, but watch.json not yet saying the cycle is complete: still cycle 1
    (writer.folder / "forecasts.nc").write_bytes(whole)
    time.sleep(1.0)
    assert _now(page) == last
    assert page.js("Number(document.getElementById('slider').max)") == 1
    # the mark: now it shows
    writer.write_mark(2)
    _wait_now(page, str(writer.cycle_time(2)))
    assert page.errors == []
