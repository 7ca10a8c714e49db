"""A truncated numba cache index is detected, the twin's cache folder cleared and the
kernel compiled again with one warning (issue 15, item 16).  Each step is a fresh
process with NUMBA_CACHE_DIR in tmp_path, as later runs of `twin` would be."""

from __future__ import annotations

import os
import subprocess
import sys

CALL = """
import warnings
warnings.simplefilter("default")
import numpy as np
from twin.kernels.cache_check import kernel_cache_folder
from twin.kernels.tables import scatter_add
out = scatter_add(np.array([1.0, 2.0, 3.0]), np.array([0, 1, 0]), np.zeros(2))
assert out.tolist() == [4.0, 2.0], out
print("FOLDER", kernel_cache_folder())
"""


def _run(cache):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", CALL], env=env, capture_output=True, text=True, timeout=300
    )


def test_a_truncated_index_is_cleared_and_compiled_again(tmp_path):
    first = _run(tmp_path)
    assert first.returncode == 0, first.stderr
    folder = first.stdout.split("FOLDER ", 1)[1].strip()
    indexes = sorted(p for p in os.listdir(folder) if p.endswith(".nbi"))
    assert any(p.startswith("tables.scatter_add") for p in indexes), indexes
    for name in indexes:  # truncate every index, as a full disk would
        path = os.path.join(folder, name)
        with open(path, "r+b") as fh:
            fh.truncate(os.path.getsize(path) // 2)
    second = _run(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Unpickling" not in second.stderr and "Traceback" not in second.stderr
    warned = [ln for ln in second.stderr.splitlines() if "numba cache was corrupted" in ln]
    assert len(warned) == 1, second.stderr
    third = _run(tmp_path)  # compiled and cached again: no warning now
    assert third.returncode == 0 and "corrupted" not in third.stderr, third.stderr
    assert any(p.endswith(".nbi") for p in os.listdir(folder))


def test_a_subpackage_s_corrupted_index_is_cleared_too(tmp_path, monkeypatch):
    """Most kernels live in subpackages (routing/, xsect/, ...), each cached in a folder
    of its own: an unreadable index there is cleared as well, the others kept."""
    from twin.kernels import cache_folder, cache_folders

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    (routing,) = [f for f in cache_folders() if f.name.startswith("routing_")]
    (xsect,) = [f for f in cache_folders() if f.name.startswith("xsect_")]
    for folder in (routing, xsect, cache_folder()):
        folder.mkdir(parents=True)
    (routing / "run.run_steps-254.py311.nbi").write_bytes(b"\x80\x04trunc")  # cut short
    (xsect / "keep.me-1.py311.nbc").write_bytes(b"")
    run = subprocess.run([sys.executable, "-W", "default", "-c", "import twin.kernels"],
                         env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)},
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    warned = [ln for ln in run.stderr.splitlines() if "numba cache was corrupted" in ln]
    assert len(warned) == 1 and "run.run_steps" in warned[0], run.stderr
    assert not routing.exists() and (xsect / "keep.me-1.py311.nbc").exists()


def test_numba_alone_fails_on_a_truncated_index(tmp_path):
    """The failure the check prevents: numba itself lets a truncated index through."""
    (tmp_path / "mod.py").write_text(
        "from numba import njit\n\n@njit(cache=True)\ndef twice(x):\n    return 2 * x\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(tmp_path)}
    run = [sys.executable, "-c", "from mod import twice; print(twice(2))"]
    first = subprocess.run(run, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0 and first.stdout.strip() == "4", first.stderr
    (index,) = (tmp_path / "cache").rglob("*.nbi")
    with open(index, "r+b") as fh:
        fh.truncate(index.stat().st_size // 2)
    second = subprocess.run(run, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode != 0
    assert "UnpicklingError" in second.stderr or "EOFError" in second.stderr, second.stderr
