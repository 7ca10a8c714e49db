"""Compile a kernel in a second process while this one compiles the others.

numba compiles on one thread, and a cold first run compiles about 140 kernels one after
the other.  The routing step (its call tree is about half of the compiling) does not
depend on the rest, so :func:`compile_ahead` hands it to a helper process as soon as its
argument types are known: the helper compiles it into numba's disk cache (which is
safe across processes: each index and data file is written whole) while this process
compiles the others; when this process first calls the kernel,
:meth:`twin.kernels.jit.KernelDispatcher.compile` waits for the helper and loads the
kernel from the cache.  On a machine with a free core the user waits for the longer of
the two halves instead of their sum; the CPU time is about the same (the helper also
compiles the small helpers both halves call, and imports numba and the twin).

Only a kernel that is cached on disk and not cached yet for these argument types is
sent, so a warm run never starts the helper.  Anything going wrong in the helper (it
cannot start, a compile fails, it dies) only means this process compiles the kernel
itself, as it would have.  ``TWIN_COMPILE_AHEAD=0`` turns the helper off.
"""

from __future__ import annotations

import atexit
import base64
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["compile_ahead", "enabled", "wait_for"]

_helper: subprocess.Popen | None = None
_lock = threading.Lock()
#: (dispatcher, argument types) -> job number, while the helper has not answered
_pending: dict[tuple, int] = {}
#: job number -> True (compiled and cached) or False (failed), once answered
_answers: dict[int, bool] = {}


def enabled() -> bool:
    """Whether kernels may be compiled ahead in a helper process (``TWIN_COMPILE_AHEAD``,
    default on; off where numba's JIT is disabled)."""
    if os.environ.get("TWIN_COMPILE_AHEAD", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    from numba.core import config

    return not config.DISABLE_JIT


def _is_cached(disp, argtypes: tuple) -> bool:
    """Whether numba's disk cache already holds ``disp`` for ``argtypes`` (its index only
    is read; numba's private cache API, so any surprise counts as cached)."""
    try:
        cache = disp._cache
        key = cache._index_key(argtypes, disp.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:  # noqa: BLE001 - unknown numba internals: do not compile ahead
        return True


def _name_in_module(disp) -> str | None:
    """The module-level name ``disp`` is bound to (a variant's differs from its
    ``__qualname__``), or None."""
    module = sys.modules.get(disp.py_func.__module__)
    for name, value in vars(module or {}).items():
        if value is disp:
            return name
    return None


def compile_ahead(disp, argtypes: tuple) -> bool:
    """Have the helper process compile kernel ``disp`` (a cached
    :class:`~twin.kernels.jit.KernelDispatcher` bound to a module-level name) for the
    numba types ``argtypes`` into the disk cache.  Returns whether it was sent (not when
    disabled, already cached or compiled here, or already sent)."""
    from numba.core.caching import FunctionCache

    argtypes = tuple(argtypes)
    if not enabled() or not isinstance(disp._cache, FunctionCache):
        return False
    if argtypes in disp.overloads or (disp, argtypes) in _pending:
        return False
    name = _name_in_module(disp)
    if name is None or _is_cached(disp, argtypes):
        return False
    job = pickle.dumps((disp.py_func.__module__, name, argtypes))
    with _lock:
        helper = _start_helper()
        if helper is None:
            return False
        number = len(_pending) + len(_answers)
        try:
            helper.stdin.write(f"{number} {base64.b64encode(job).decode()}\n")
            helper.stdin.flush()
        except OSError:
            return False
        _pending[(disp, argtypes)] = number
    return True


def wait_for(disp, argtypes: tuple) -> None:
    """If the helper is compiling ``disp`` for ``argtypes``, wait until it is done (then
    numba finds the kernel in its cache; if the helper failed, numba compiles it here)."""
    key = (disp, tuple(argtypes))
    if key not in _pending:
        return
    number = _pending[key]
    with _lock:
        while number not in _answers:
            line = _helper.stdout.readline() if _helper is not None else ""
            if not line:  # the helper is gone: everything still pending is compiled here
                _answers.update({n: False for n in _pending.values()})
                break
            got, ok = line.split()
            _answers[int(got)] = ok == "ok"
        _pending.pop(key, None)


def _start_helper() -> subprocess.Popen | None:
    global _helper
    if _helper is not None:
        return _helper if _helper.poll() is None else None
    import twin

    root = str(Path(twin.__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    env = dict(os.environ, PYTHONPATH=root if not path else root + os.pathsep + path)
    try:
        _helper = subprocess.Popen(
            [sys.executable, "-m", "twin.kernels.ahead"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
        )  # fmt: skip
    except OSError:
        return None
    atexit.register(_stop_helper)
    return _helper


def _stop_helper() -> None:
    """At exit: close the helper's input, so that it exits; stop it if it is still
    compiling what this process never called (numba replaces cache files whole, so
    nothing half-written is left)."""
    if _helper is None or _helper.poll() is not None:
        return
    try:
        _helper.stdin.close()
    except OSError:
        pass
    if _pending:
        _helper.kill()
    try:
        _helper.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _helper.kill()


def _serve() -> None:
    """The helper: one job per input line (``number base64(pickle((module, name,
    argtypes)))``), compiled into the cache; answers ``number ok`` or ``number failed``."""
    import importlib

    for line in sys.stdin:
        number, job = line.split()
        ok = "failed"
        try:
            module, name, argtypes = pickle.loads(base64.b64decode(job))
            getattr(importlib.import_module(module), name).compile(argtypes)
            ok = "ok"
        except Exception:  # noqa: BLE001 - the asking process compiles it itself
            pass
        print(number, ok, flush=True)


if __name__ == "__main__":
    _serve()
