"""The server's memory over 100 cycle updates of a watch folder, with a page following."""

from __future__ import annotations

import pytest

from tests.serve.conftest import SENSORS
from tests.serve.watch_folder import WatchWriter

CYCLES = 100
WARM_UP = 20
SLACK_KIB = 8 * 1024  # allocator noise; beyond it, growth must come from the files' growth


@pytest.mark.slow
def test_memory_does_not_grow_over_100_cycles(tmp_path, ensemble, truth, serve, open_page):
    writer = WatchWriter(tmp_path / "watch", ensemble, truth, SENSORS, horizon=6)
    writer.write_cycle(0)
    s = serve(writer.folder, "--network", "small", "--poll", "0.05")
    page = open_page(s.url)
    rss, files = {}, {}
    for k in range(1, CYCLES + 1):
        when = writer.write_cycle(k)
        page.page.wait_for_function(f"() => document.body.dataset.now === '{when}'",
                                    timeout=10_000)  # fmt: skip
        if k in (WARM_UP, CYCLES):
            rss[k] = s.rss_kib()
            files[k] = sum(p.stat().st_size for p in writer.folder.iterdir()) // 1024
    grown = rss[CYCLES] - rss[WARM_UP]
    content = files[CYCLES] - files[WARM_UP]
    print(f"server RSS after {WARM_UP} cycles {rss[WARM_UP]} KiB, after {CYCLES} "
          f"{rss[CYCLES]} KiB (+{grown} KiB); watch files +{content} KiB")  # fmt: skip
    # the server holds the current files (read whole, so a rewrite cannot change what
    # the page shows); besides them, nothing may pile up
    assert grown < SLACK_KIB + 2 * content
    assert page.js("Number(document.getElementById('slider').max)") == CYCLES
    assert page.errors == []
