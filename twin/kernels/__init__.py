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


def _cache_subpath(source_dir: Path) -> str:
    """numba's sub-folder of ``NUMBA_CACHE_DIR`` for the kernels of ``source_dir``."""
    try:
        from numba.core.caching import _CacheLocator

        return _CacheLocator.get_suitable_cache_subpath(str(source_dir / "config.py"))
    except (ImportError, AttributeError):  # numba moved its rule: the rule of numba 0.68
        return f"{source_dir.name}_{hashlib.sha1(str(source_dir).encode()).hexdigest()}"


def _cache_root() -> Path:
    return Path(os.environ.get("NUMBA_CACHE_DIR") or _cache_dir())


def cache_folder() -> Path:
    """The folder numba caches the kernels of this package's own modules in (those of
    its subpackages go to folders of their own, :func:`cache_folders`): one sub-folder
    of ``NUMBA_CACHE_DIR`` per source folder, named after its path (numba's own rule)."""
    return _cache_root() / _cache_subpath(Path(__file__).parent.resolve())


def cache_folders() -> list[Path]:
    """Every folder numba caches this copy of the kernels in: one per source folder
    (this package and each subpackage: ``kernels_<sha1>``, ``routing_<sha1>``, ...)."""
    here = Path(__file__).parent.resolve()
    sources = sorted({p.parent for p in here.rglob("*.py")})
    return [_cache_root() / _cache_subpath(d) for d in sources]


def cache_is_cold() -> bool:
    """True when no kernel of this source and path is cached yet, so the first simulation
    compiles them all (about 13 s on a quiet 2-core machine, 20 s of CPU; numba's index
    files ``*.nbi`` are looked for in every source folder's cache folder, no kernel is
    loaded).  A run of a network of conduits compiles only kernels of the subpackages
    (the compiled step loop is in ``routing/``), so the package's own folder alone is no
    sign: it stayed empty, and every later run said it was compiling again."""
    return not any(
        folder.is_dir() and next(folder.glob("*.nbi"), None) is not None
        for folder in cache_folders()
    )


if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = _cache_dir()
    import numba.core.config

    numba.core.config.reload_config()

from twin.kernels.cache_check import check_kernel_cache  # noqa: E402 - after the cache dir

check_kernel_cache()
