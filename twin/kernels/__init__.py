"""Numba kernels: pure functions over arrays and scalars (numpy and numba only).

Kernels compute in SWMM's internal units (ft, ft2, cfs, s) so that SWMM's cutoffs
(FUDGE = 1e-4 ft, head tolerance 0.005 ft, minimum surface area 12.566 ft2) apply
verbatim; the engine converts to and from SI at its boundary.

Compiled kernels are cached on disk.  Numba keys a cached function on its own file
only, so a kernel whose callee in another file changed would run stale code; the
cache therefore lives in a folder named by a hash of every kernel source file, in
this folder and its subpackages (``~/.cache/sewer-twin/numba/<hash>``), unless
``NUMBA_CACHE_DIR`` is set.
:func:`cache_is_cold` tells, without compiling anything, whether this copy of the
kernels still has to be compiled (the command line says so before it starts).
A corrupted cache (an unreadable index file) is cleared on import, with one warning, and
the kernels compiled again (:mod:`twin.kernels.cache_check`).
"""

import hashlib
import os
from pathlib import Path


def _cache_dir() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha1()
    for path in sorted(here.rglob("*.py")):
        digest.update(path.relative_to(here).as_posix().encode())
        digest.update(path.read_bytes())
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return str(root / "sewer-twin" / "numba" / digest.hexdigest()[:16])


def cache_folder() -> Path:
    """The folder numba caches this copy of the kernels in: one sub-folder of
    ``NUMBA_CACHE_DIR`` per source folder, named after its path (numba's own rule)."""
    here = str(Path(__file__).parent.resolve())
    try:
        from numba.core.caching import _CacheLocator

        sub = _CacheLocator.get_suitable_cache_subpath(str(Path(here) / "config.py"))
    except (ImportError, AttributeError):  # numba moved its rule: the rule of numba 0.68
        sub = f"kernels_{hashlib.sha1(here.encode()).hexdigest()}"
    return Path(os.environ.get("NUMBA_CACHE_DIR") or _cache_dir()) / sub


def cache_is_cold() -> bool:
    """True when no kernel of this source and path is cached yet, so the first simulation
    compiles them all (about 20 s; numba's index files ``*.nbi`` are looked for, no
    kernel is loaded)."""
    folder = cache_folder()
    return not folder.is_dir() or next(folder.glob("*.nbi"), None) is None


if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = _cache_dir()
    import numba.core.config

    numba.core.config.reload_config()

from twin.kernels.cache_check import check_kernel_cache  # noqa: E402 - after the cache dir

check_kernel_cache()
