"""The page over a results file and an ensemble file, in headless Chromium."""

from __future__ import annotations

import numpy as np

import twin

NODE_COLOURS = "Twin.state.map.nodeLayers.map(m => m && m.options.fillColor)"
LINK_COLOURS = "Twin.state.map.linkLayers.map(l => l && l.options.color)"


def _top_risk_single(ds) -> str:
    """The manhole with the largest flood volume (outfalls are not manholes)."""
    vol = np.where(ds["node_kind"].values == "outfall", -1.0, ds["node_flood_volume"].values)
    return str(ds["node"].values[int(np.argmax(vol))])


def _move_slider(page, t):
    page.js(
        """t => { const s = document.getElementById('slider'); s.value = t;
                  s.dispatchEvent(new Event('input')); }""",
        t,
    )
    page.page.wait_for_function(f"() => document.getElementById('map').dataset.frame === '{t}'")


def test_results_page(results_file, serve, open_page, tmp_path):
    ds = twin.open_results(results_file).load()
    page = open_page(serve(results_file).url)
    drawn = np.isfinite(ds["node_x"].values) & np.isfinite(ds["node_y"].values)
    assert page.js("Twin.state.map.nodeCount()") == int(drawn.sum()) == ds.sizes["node"]
    # the top-risk manhole heads the risk list
    top = _top_risk_single(ds)
    assert page.js("document.querySelector('#risk tbody tr td').textContent") == top
    # moving the slider recolours manholes and pipes, as the depths at those times differ
    before = page.js(NODE_COLOURS), page.js(LINK_COLOURS)
    _move_slider(page, 0)
    after = page.js(NODE_COLOURS), page.js(LINK_COLOURS)
    assert before[0] != after[0] and before[1] != after[1]
    d0 = ds["node_depth"].isel(time=0).values
    assert len({c for c, d in zip(after[0], d0, strict=True) if d == 0}) <= 1  # dry: one colour
    # the street flooding picture is the one of the slider's time, and it loaded
    src = page.js("Twin.state.map.surface._url")
    assert "/api/surface.png?t=0" in src
    page.page.wait_for_function("() => Twin.state.map.surface._image.complete")
    assert page.js("Twin.state.map.surface._image.naturalWidth") == ds.sizes["x"]
    # a click on the list selects the manhole and draws its hydrograph
    _move_slider(page, int(np.argmax(ds["node_flooding"].sum("node").values)))
    page.page.click("#risk tbody tr")
    page.page.wait_for_function(
        f"() => document.getElementById('detail-title').textContent.includes('{top}')"
    )
    assert page.page.locator("#chart canvas").count() == 1
    # sortable: by flood volume ascending puts the smallest first
    page.page.click("#risk th:nth-child(4)")
    page.page.click("#risk th:nth-child(4)")
    first = page.js("document.querySelector('#risk tbody tr td:nth-child(4)').textContent")
    assert first == "0"
    page.page.screenshot(path=tmp_path / "results.png")
    assert page.errors == []
    assert all(u.startswith(page.page.url.split("/?")[0].rstrip("/")) or u.startswith("data:")
               for u in page.requests), page.requests  # fmt: skip


def _pixel(page, kind, i):
    """Page coordinates of manhole ``i`` or the middle of pipe ``i`` on the map."""
    return page.js(
        """([kind, i]) => {
             const m = Twin.state.map, layer = (kind === 'node' ? m.nodeLayers : m.linkLayers)[i];
             const ll = kind === 'node' ? layer.getLatLng() : layer.getCenter();
             const p = m.map.latLngToContainerPoint(ll);
             const r = document.getElementById('map').getBoundingClientRect();
             return [r.left + p.x, r.top + p.y]; }""",
        [kind, i],
    )


def _hover(page, x, y, name: str) -> str:
    """Move the mouse onto (x, y) as a hand does, a pixel at a time, until the tooltip
    names ``name`` (Leaflet's canvas looks at most every 32 ms for what is under the
    pointer and drops the moves in between); returns the tooltip's text."""
    tip = "document.querySelector('.leaflet-tooltip')?.textContent || ''"
    for attempt in range(40):
        page.page.mouse.move(x, y - (attempt % 3))
        page.page.wait_for_timeout(80)
        text = page.js(tip)
        if text.startswith(name):
            return text
    raise AssertionError(f"no tooltip for {name} at {x:.0f},{y:.0f}: {text!r}")


def test_map_hover_click_and_zoom(results_file, serve, open_page):
    """The real mouse on the canvas: a tooltip with the name and value, a click for the
    element's hydrograph (a manhole's depth, a pipe's flow), the wheel zooms."""
    ds = twin.open_results(results_file).load()
    page = open_page(serve(results_file).url)
    nodes, links = list(ds["node"].values), list(ds["link"].values)
    # the longest conduit, so that its middle is far from every manhole
    j = int(np.argmax(np.where(ds["link_kind"].values == "conduit", ds["link_length"].values, 0)))
    x, y = _pixel(page, "link", j)
    assert "capacity" in _hover(page, x, y, str(links[j]))
    page.page.mouse.click(x, y)
    page.page.wait_for_function(
        f"() => document.getElementById('detail-title').textContent.includes('{links[j]}')"
    )
    title = page.js("document.getElementById('detail-title').textContent")
    assert "flow" in title
    labels = page.js("Twin.state.chart.plot.series.map(s => s.label)")
    assert "flow" in labels and "full flow" in labels
    # a manhole: its depth with the rim
    i = nodes.index(_top_risk_single(ds))
    x, y = _pixel(page, "node", i)
    assert "water depth" in _hover(page, x, y, str(nodes[i]))
    page.page.mouse.click(x, y)
    page.page.wait_for_function(
        f"() => document.getElementById('detail-title').textContent.includes('{nodes[i]}')"
    )
    labels = page.js("Twin.state.chart.plot.series.map(s => s.label)")
    assert "depth" in labels and "rim" in labels
    # the wheel over the map zooms in
    zoom = page.js("Twin.state.map.map.getZoom()")
    page.page.mouse.move(x, y)
    page.page.mouse.wheel(0, -600)
    page.page.wait_for_function(f"() => Twin.state.map.map.getZoom() > {zoom}")
    assert page.errors == []


def test_ensemble_page(ensemble_file, serve, open_page, tmp_path):
    ds = twin.open_results(ensemble_file).load()
    page = open_page(serve(ensemble_file).url)
    assert page.js("Twin.state.map.nodeCount()") == ds.sizes["node"]
    assert page.js("document.getElementById('node-field').value") == "flood_probability"
    prob = ds["node_flood_probability"].values
    p90 = ds["node_flood_volume_p90"].values
    mean = ds["node_flood_volume_mean"].values
    top = str(ds["node"].values[np.lexsort((-mean, -p90, -prob))[0]])
    assert page.js("document.querySelector('#risk tbody tr td').textContent") == top
    # the map's colours are the flood probabilities on the palette
    colours = page.js(NODE_COLOURS)
    i_top = list(ds["node"].values).index(top)
    i_dry = int(np.argmin(prob))
    assert colours[i_top] != colours[i_dry]
    # pipes by the members' median capacity change with time
    before = page.js(LINK_COLOURS)
    _move_slider(page, 0)
    assert page.js(LINK_COLOURS) != before
    # a manhole's hydrograph has the members' band
    page.page.click("#risk tbody tr")
    page.page.wait_for_function("() => Twin.state.chart.plot !== null")
    labels = page.js("Twin.state.chart.plot.series.map(s => s.label)")
    assert "members 10-90 %" in labels and "median depth" in labels
    page.page.screenshot(path=tmp_path / "ensemble.png")
    assert page.errors == []
