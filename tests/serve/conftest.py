"""Real runs to serve, `twin serve` started as a subprocess, and Debian's headless Chromium.

Runs: the bundled ``small`` district under Seoul's 100 mm/h storm (1.5 h, with the
2D street surface), an ensemble of 4 perturbed members of it, and a truth run with
30 % more rain for the watch folder's sensors.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytest

import twin
from twin.scenarios import Scenario

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]  # fmt: skip
END = {"end_hours": 1.5}
SENSORS = {"L01": "MH000046", "L02": "MH000031", "L03": "MH000010"}


@pytest.fixture(scope="session")
def storm():
    return Scenario.preset("seoul-100mmh")


@pytest.fixture(scope="session")
def results_file(tmp_path_factory, storm):
    folder = tmp_path_factory.mktemp("run")
    net = storm.apply(twin.load_network("small"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = twin.simulate(net, surface=True, **END)
    return twin.write_results(ds, folder / "small-storm.nc")


@pytest.fixture(scope="session")
def ensemble(storm):
    from twin.ensemble import perturbed_forecast, run_ensemble

    members = perturbed_forecast(storm, 4, sigma=0.4, jitter_min=10, seed=3)
    net = twin.load_network("small")
    return run_ensemble(net, members, scheduler="serial", progress=False, **END)


@pytest.fixture(scope="session")
def ensemble_file(tmp_path_factory, ensemble):
    return twin.write_results(ensemble, tmp_path_factory.mktemp("ens") / "ens.nc")


@pytest.fixture(scope="session")
def truth(storm):
    return twin.simulate(storm.replace(scale=1.3).apply(twin.load_network("small")), **END)


@pytest.fixture(scope="session")
def sensors_toml(tmp_path_factory):
    path = tmp_path_factory.mktemp("sensors") / "sensors.toml"
    path.write_text("".join(f'[[sensor]]\nid = "{s}"\nnode = "{n}"\nquantity = "depth"\n'
                            "sd = 0.01\n\n" for s, n in SENSORS.items()))  # fmt: skip
    return path


class Served:
    """A running `twin serve` process and its URL."""

    def __init__(self, args, cwd):
        cmd = [sys.executable, "-m", "twin.cli", "serve", *map(str, args)]
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", dir=cwd, delete=False)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                     cwd=cwd)  # fmt: skip
        line = self.proc.stdout.readline()
        m = re.search(r"(http://\S+/)", line)
        if not m:
            self.stop()
            raise AssertionError(f"twin serve did not start: {line!r} {self.stderr()!r}")
        self.url = m.group(1)
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stderr(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(*args):
        s = Served(["--port", "0", *args], tmp_path)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A browser tab on the page, recording console errors and failed requests."""

    def __init__(self, browser, url):
        self.errors = []
        self.page = browser.new_page(viewport={"width": 1500, "height": 900})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed {r.url}"))
        self.requests = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        t0 = time.perf_counter()
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        self.ready_s = time.perf_counter() - t0

    def js(self, expr, *args):
        return self.page.evaluate(expr, *args)

    def close(self):
        self.page.close()


@pytest.fixture
def open_page(browser):
    pages = []

    def open_(url):
        p = Page(browser, url)
        pages.append(p)
        return p

    yield open_
    for p in pages:
        p.close()
