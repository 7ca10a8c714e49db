"""How fast the operator's page (`twin serve`) paints and follows a watch folder.

    python benchmarks/serve_page.py                   # medium + a 10k-conduit district
    python benchmarks/serve_page.py --json benchmarks/results/serve-page.json

* **first paint**: `twin serve RESULT.nc` started, then headless Chromium opens the page;
  the time from navigation to the page having drawn every pipe and manhole in their
  colours and the risk list (``performance.now()`` when the page marks itself ready),
  repeated, median; results of the bundled ``medium`` network (1,500 manholes) and of
  a generated district of 10,000 conduits (`twin generate district`), each a short run.
* **cycle update**: a watch folder of ``medium`` (written like `twin watch` does, from
  a real ensemble, see ``tests/serve/watch_folder.py``) gets a new cycle; the time from
  the cycle's ``watch.json`` written to the page having drawn it (map, risk list,
  warnings, sensors), with the default poll of 0.5 s.

Timings vary with the machine's load (reported beside them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.serve helpers

import twin  # noqa: E402
from tests.serve.conftest import CHROMIUM, CHROMIUM_ARGS, Served  # noqa: E402


def first_paint(browser, path, repeats: int) -> dict:
    s = Served(["--port", "0", path], cwd=Path(path).parent)
    try:
        times = []
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1500, "height": 900})
            page.goto(s.url)
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            times.append(page.evaluate("Twin.readyAt") / 1000.0)
            nodes = page.evaluate("Twin.state.map.nodeCount()")
            page.close()
        return {"first_paint_s": statistics.median(times), "runs_s": times, "manholes": nodes}
    finally:
        s.stop()


def cycle_update(browser, folder: Path, repeats: int) -> dict:
    from tests.serve.conftest import SENSORS
    from tests.serve.watch_folder import WatchWriter

    net = twin.load_network("medium")
    storm = twin.Scenario.preset("seoul-100mmh")
    from twin.ensemble import perturbed_forecast, run_ensemble

    members = perturbed_forecast(storm, 2, sigma=0.4, jitter_min=10, seed=3)
    ens = run_ensemble(net, members, scheduler="serial", progress=False, end_hours=1.0)
    truth = twin.simulate(storm.replace(scale=1.3).apply(net), end_hours=1.0)
    names = list(ens["node"].values)
    sensors = {k: names[i] for k, i in zip(SENSORS, (10, 500, 900), strict=True)}
    writer = WatchWriter(folder, ens, truth, sensors, horizon=6)
    writer.write_cycle(0)
    s = Served(["--port", "0", folder, "--network", "medium"], cwd=folder)
    try:
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        page.goto(s.url)
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        times = []
        for k in range(1, repeats + 1):
            writer.write_cycle(k, mark=False)
            t0 = time.perf_counter()
            writer.write_mark(k)
            page.wait_for_function(f"() => document.body.dataset.now === '{writer.cycle_time(k)}'",
                                   timeout=30_000)  # fmt: skip
            times.append(time.perf_counter() - t0)
        page.close()
        return {"cycle_update_s": statistics.median(times), "runs_s": times, "poll_s": 0.5}
    finally:
        s.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--conduits", type=int, default=10_000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
           "load_average_start": os.getloadavg()[0]}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            medium = twin.write_results(twin.simulate("medium", end_hours=0.5), tmp / "m.nc")
            from twin.networks.district import write_district

            inp, _ = write_district(tmp / "district.inp", conduits=args.conduits, seed=1)
            big = twin.write_results(twin.simulate(inp, end_hours=0.25), tmp / "d.nc")
        out["medium"] = first_paint(browser, medium, args.repeats)
        out[f"district-{args.conduits // 1000}k"] = first_paint(browser, big, args.repeats)
        out["watch-medium"] = cycle_update(browser, tmp / "watch", 2 * args.repeats + 1)
        browser.close()
    out["load_average_end"] = os.getloadavg()[0]
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
