"""The first run says that it compiles the numba kernels, and later runs say nothing.

A cold cache is an empty or missing cache folder for this copy of the kernels.  The CLI
runs in this process with ``NUMBA_CACHE_DIR`` pointing elsewhere: numba keeps loading the
kernels from the cache it was started with (its settings are read at import), so the run
is quick, while the notice looks at the folder the variable names now.
"""

from __future__ import annotations

import re

import pytest

import twin
from twin.cli import COMPILE_ESTIMATE, main
from twin.kernels import cache_folder, cache_folders, cache_is_cold

NOTICE = "twin: compiling the numba kernels once"


def test_cold_is_a_missing_or_empty_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    folder = cache_folder()
    assert folder.parent == tmp_path / "numba" and folder.name.startswith("kernels_")
    assert cache_is_cold()  # missing
    folder.mkdir(parents=True)
    assert cache_is_cold()  # empty
    (folder / "routing_step.step-10.py311.1.nbc").write_bytes(b"")
    assert cache_is_cold()  # data without an index is not a cache numba can load
    (folder / "routing_step.step-10.py311.nbi").write_bytes(b"")
    assert not cache_is_cold()


def test_a_cache_of_the_subpackages_alone_is_warm(tmp_path, monkeypatch):
    """A network of conduits compiles only kernels of subpackages (the compiled step loop
    is in routing/): the package's own folder stays empty, and the cache is warm."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    folders = cache_folders()
    assert cache_folder() in folders
    (routing,) = [f for f in folders if f.name.startswith("routing_")]
    assert cache_is_cold()
    routing.mkdir(parents=True)
    (routing / "run.run_steps-254.py311.nbi").write_bytes(b"")
    assert not cache_is_cold()
    assert not cache_folder().exists()


@pytest.mark.parametrize("cold", [True, False])
def test_run_says_it_compiles_only_on_a_cold_cache(cold, tmp_path, monkeypatch, capsys):
    if cold:
        monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    else:
        twin.simulate("small-conduits", end_hours=0.02)  # compiled and cached, if not yet
        assert not cache_is_cold()
    out = tmp_path / "r.nc"
    argv = [
        "run",
        "small-conduits",
        "--end-hours",
        "0.05",
        "--no-render",
        "--quiet",
        "--max-continuity-error",
        "100",
        "-o",
    ]  # 3 minutes: its balance is not the point here
    assert main([*argv, str(out)]) == 0
    err = capsys.readouterr().err
    if cold:
        (line,) = [ln for ln in err.splitlines() if NOTICE in ln]
        assert f"({COMPILE_ESTIMATE};" in line and str(tmp_path / "numba") in line
        assert re.search(r"\(about \d+ s;", line)  # says how long, in seconds
    else:
        assert NOTICE not in err
    assert out.exists()
