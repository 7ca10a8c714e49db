"""twin.files.inputs: files referenced by inputs are regular files within a size limit.

A device that never ends (what ``/dev/zero`` is, made here in ``tmp_path``), a FIFO
(whose open would block) or a huge file named by an input used to be read whole
until the memory ran out; each is now refused by name before anything is read.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import twin
from tests.filesystems import device_node
from twin.engine.simulation import Simulation
from twin.errors import InputError
from twin.files import ENV_MAX_INPUT_MB, checked_input, input_lines, max_input_bytes
from twin.scenarios.scenario import Scenario

ENGINE_DATA = Path(__file__).parents[1] / "engine" / "data"


def _not_regular(tmp_path):
    """A device like /dev/zero (root) or a FIFO, and a FIFO, to refer to."""
    dev = tmp_path / "zero"
    device_node(dev)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    return dev, fifo


def _chain_with_series_file(tmp_path, target) -> Path:
    """chain_free.inp whose inflow hydrograph HYDRO is a [TIMESERIES] FILE."""
    lines = (ENGINE_DATA / "chain_free.inp").read_text().splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("HYDRO "))
    lines = [ln for ln in lines if not ln.startswith("HYDRO ")]
    lines.insert(first, f'HYDRO FILE "{target}"')
    p = tmp_path / "chain.inp"
    p.write_text("\n".join(lines) + "\n")
    return p


def _runoff_with_rain_file(tmp_path, target) -> Path:
    """runoff_si.inp whose gauge RGA reads ``target`` (a FILE gauge)."""
    text = (ENGINE_DATA / "runoff_si.inp").read_text()
    p = tmp_path / "runoff.inp"
    p.write_text(text.replace('"runoff_rain_si.dat"', f'"{target}"'))
    return p


def _references(tmp_path, target):
    """Each way an input names a file, as a call that reads it."""
    net = twin.load_network("small-conduits")
    return {
        "[TIMESERIES] FILE": lambda: twin.simulate(
            _chain_with_series_file(tmp_path, target), end_hours=0.1
        ),  # fmt: skip
        "gauge FILE": lambda: twin.simulate(
            _runoff_with_rain_file(tmp_path, target), end_hours=0.1
        ),  # fmt: skip
        "control_file": lambda: Scenario(control_file=str(target)).apply(net),
        "observed gauge": lambda: Scenario(rainfall={"source": "gauge", "path": str(target)}).apply(
            net
        ),  # fmt: skip
        "radar grid": lambda: Scenario(rainfall={"source": "radar", "path": str(target)}).apply(
            net
        ),  # fmt: skip
        "network": lambda: twin.load_network(target),
        "scenario file": lambda: Scenario.from_file(target),
        "DEM": lambda: twin.simulate(net, surface=target, end_hours=0.05),
        "results": lambda: twin.open_results(target),
        "hot start": lambda: Simulation.from_state(target, net, end_hours=0.1),
    }


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_every_referenced_file_must_be_a_regular_file(tmp_path, kind):
    dev, fifo = _not_regular(tmp_path)
    target = dev if kind == "device" else fifo
    for name, read in _references(tmp_path, target).items():
        with pytest.raises(InputError, match="not a regular file") as err:
            read()
        assert str(target) in str(err.value), name


def test_a_huge_referenced_file_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "huge.dat"
    with open(huge, "wb") as fh:  # sparse: 2 GiB long, no disk used
        fh.truncate(2 << 30)
    assert max_input_bytes() == 1 << 30  # the default limit, 1 GiB
    readers = _references(tmp_path, huge)
    del readers["results"]  # opened lazily, read a variable at a time: any size
    for name, read in readers.items():
        with pytest.raises(InputError, match=ENV_MAX_INPUT_MB) as err:
            read()
        assert str(huge) in str(err.value) and "2,048.0 MiB" in str(err.value), name


def test_the_limit_is_set_by_the_environment(tmp_path, monkeypatch):
    series = tmp_path / "hydro.dat"
    series.write_text("".join(f"{h}:00 {h * 0.5}\n" for h in range(7)))
    net = Path(_chain_with_series_file(tmp_path, series))
    assert twin.simulate(net, end_hours=0.5).sizes["time"] == 6  # 5-min reports
    monkeypatch.setenv(ENV_MAX_INPUT_MB, str(50 / 2**20))  # 50 bytes
    with pytest.raises(InputError, match=f"more than the limit of 50 bytes.*{ENV_MAX_INPUT_MB}"):
        twin.simulate(net, end_hours=0.5)
    monkeypatch.setenv(ENV_MAX_INPUT_MB, "lots")
    with pytest.raises(InputError, match=ENV_MAX_INPUT_MB):
        checked_input(series)


def test_a_series_is_streamed_and_a_file_growing_past_the_limit_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_MAX_INPUT_MB, str(1000 / 2**20))  # 1000 bytes
    path = tmp_path / "growing.dat"
    path.write_text("0:00 1\n" * 10)
    with input_lines(path, what="time series file") as lines:
        assert next(lines) == "0:00 1\n"  # one line read, the rest not yet
        with open(path, "a") as fh:  # the writer goes on while it is read
            fh.write("0:00 1\n" * 1000)
        with pytest.raises(InputError, match="more than the limit"):
            for _ in lines:
                pass


def test_a_link_to_a_regular_file_is_read(tmp_path):
    real = tmp_path / "real.inp"
    real.write_text((ENGINE_DATA / "chain_free.inp").read_text())
    link = tmp_path / "link.inp"
    link.symlink_to(real)
    assert twin.load_network(link).n_nodes == 6
    assert np.isfinite(twin.simulate(link, end_hours=0.1).node_max_depth.values).all()
