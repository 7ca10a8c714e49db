"""A corrupted numba cache is cleared, not fatal (issue 15, item 16).

Numba reads a cached kernel's index file (``*.nbi``) with ``pickle`` and lets any
error through: one truncated index (a full disk, a killed process) made every later
run fail with ``UnpicklingError`` or ``EOFError``.  :func:`check_kernel_cache` reads
every index of the twin's cache folders (one per source folder of the kernels: the
package's own and each subpackage's, :func:`twin.kernels.cache_folders`) as numba
would, and removes each folder with an unreadable index (and nothing else), with one
warning each; those kernels are compiled again on first use and cached anew.
"""

from __future__ import annotations

import pickle
import shutil
import warnings
from pathlib import Path


def kernel_cache_folder() -> Path:
    """The folder of the twin's kernels in numba's cache (:func:`twin.kernels.cache_folder`:
    ``<NUMBA_CACHE_DIR>/kernels_<sha1 of the kernels' folder>``, numba's own rule)."""
    from twin.kernels import cache_folder

    return cache_folder()


def _index_is_readable(path: Path) -> bool:
    """Whether numba can read the index file ``path`` (its own two-step format)."""
    try:
        with open(path, "rb") as fh:
            pickle.load(fh)  # numba's version string
            stamp, overloads = pickle.loads(fh.read())
    except FileNotFoundError:
        return True  # removed meanwhile by another process: numba treats it as a miss
    except Exception:  # noqa: BLE001 - any unpickling failure is corruption
        return False
    return isinstance(overloads, dict)


def check_kernel_cache() -> bool:
    """Remove each of the twin's kernel cache folders that holds an unreadable index;
    returns True when it removed one (after one RuntimeWarning per folder naming the
    file)."""
    from twin.kernels import cache_folders

    cleared = False
    for folder in cache_folders():
        if folder.is_dir():
            cleared = _clear_if_corrupted(folder) or cleared
    return cleared


def _clear_if_corrupted(folder: Path) -> bool:
    for index in sorted(folder.glob("*.nbi")):
        if not _index_is_readable(index):
            warnings.warn(
                f"the numba cache was corrupted ({index.name} unreadable): cleared "
                f"{folder}; the kernels are compiled again",
                RuntimeWarning,
                stacklevel=3,
            )
            shutil.rmtree(folder, ignore_errors=True)
            return True
    return False
