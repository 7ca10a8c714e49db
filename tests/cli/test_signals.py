"""Stopping `twin`: SIGTERM is handled like Ctrl-C, nothing is left behind, and the last
line tells the truth about what was written.

A real `twin run` subprocess is signalled while it writes its NetCDF file (the
moment its temporary file appears) and while it simulates.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _default_stop_signals():
    """In the child before exec: stop signals at their defaults, whatever the test
    runner's process had (an ignored SIGINT would be inherited and the child never
    interrupted)."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)


@contextlib.contextmanager
def _started(args, cwd):
    """A `twin` subprocess, killed if the test ends before it does."""
    proc = subprocess.Popen([sys.executable, "-m", "twin.cli", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_stop_signals)  # fmt: skip
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _signal_when(proc, ready, signum, timeout=600):
    """Send ``signum`` as soon as ``ready()`` is true; returns whether it was sent."""
    end = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < end:
        if ready():
            proc.send_signal(signum)
            return True
        time.sleep(0.0005)
    return False


def _temporaries(folder):
    return [p for p in os.listdir(folder) if p.endswith(".tmp")]


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_the_results_are_written_leaves_nothing(tmp_path, signum, status):
    out = tmp_path / "out.nc"
    args = ["run", "small", "--surface", "--end-hours", "0.5", "--no-render", "--quiet", "-o", out]
    with _started(args, tmp_path) as proc:
        sent = _signal_when(proc, lambda: _temporaries(tmp_path), signum)
        _, err = proc.communicate(timeout=600)
    assert sent, err  # it was writing (its temporary file existed) when the signal came
    assert proc.returncode == status, err
    name = signal.Signals(signum).name
    assert err.strip() == f"twin: interrupted by {name}; {out} was not written (left as it was)"
    assert os.listdir(tmp_path) == []  # no results, no temporary file


def test_a_large_run_is_announced_and_sigterm_while_simulating_leaves_nothing(tmp_path):
    """A run of 2e9 element-steps prints its estimate before it starts; SIGTERM then
    stops it with no output and not even the default output folder left."""
    with _started(["run", "small", "--routing-step", "0.001", "--no-render"], tmp_path) as proc:
        first = proc.stderr.readline()  # blocks until the estimate is printed
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=600)
    assert first.startswith("twin: large run: at least 14,400,000 routing steps x 146 elements")
    assert proc.returncode == 143, err
    assert err.strip() == "twin: interrupted by SIGTERM; no output was written"
    assert os.listdir(tmp_path) == []


_AFTER_RENAME = """
import os, signal, sys
import twin.files.output as output
from twin.cli import main

real_replace = os.replace
def replace_then_interrupt(src, dst):
    real_replace(src, dst)
    if str(dst).endswith(sys.argv[2]):
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))  # just after the rename
output.os.replace = replace_then_interrupt
sys.exit(main(["generate", "district", "--conduits", "20", "-o", sys.argv[3]]))
"""


@pytest.mark.parametrize(("signame", "after"), [("SIGINT", "terrain.nc"), ("SIGTERM", ".inp")])
def test_a_signal_just_after_a_rename_reports_the_output_as_written(tmp_path, signame, after):
    inp = tmp_path / "town.inp"
    r = subprocess.run([sys.executable, "-c", _AFTER_RENAME, signame, after, str(inp)],
                       cwd=ROOT, capture_output=True, text=True, timeout=600,
                       preexec_fn=_default_stop_signals)  # fmt: skip
    signum = getattr(signal, signame)
    assert r.returncode == 128 + signum, r.stderr
    terrain = tmp_path / "town.terrain.nc"
    if after == "terrain.nc":  # the terrain is written first, then the .inp
        assert r.stderr.strip() == f"twin: interrupted by {signame}; wrote {terrain}"
        assert sorted(os.listdir(tmp_path)) == ["town.terrain.nc"]
    else:
        assert r.stderr.strip() == f"twin: interrupted by {signame}; wrote {terrain}, {inp}"
        assert sorted(os.listdir(tmp_path)) == ["town.inp", "town.terrain.nc"]
