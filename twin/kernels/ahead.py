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
itself, as it would have.  The helper starts only when a core is idle
(:func:`enabled`; ``TWIN_COMPILE_AHEAD=1`` always, ``0`` never).
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

__all__ = ["compile_ahead", "compile_here", "enabled", "prestart", "wait_for", "while_waiting"]

_helper: subprocess.Popen | None = None
_lock = threading.Lock()
#: (dispatcher, argument types) -> job number, while the helper has not answered
_pending: dict[tuple, int] = {}
#: job number -> True (compiled and cached) or False (failed), once answered
_answers: dict[int, bool] = {}
#: work this process does instead of idling at its first wait (:func:`while_waiting`)
_idle_work: list = []


def enabled() -> bool:
    """Whether kernels may be compiled ahead in a helper process: ``TWIN_COMPILE_AHEAD``
    is ``1`` (always), ``0`` (never) or ``auto`` (the default: when a core is idle, the
    one-minute load average below the core count less a half, and this process is not
    a worker that a process pool or a Dask cluster started; a helper on a busy machine
    takes CPU from others and shortens nothing).  Never where numba's JIT is disabled."""
    from numba.core import config

    setting = os.environ.get("TWIN_COMPILE_AHEAD", "auto").strip().lower()
    if setting in ("0", "false", "no", "off") or config.DISABLE_JIT:
        return False
    if setting == "auto":
        import multiprocessing

        if multiprocessing.parent_process() is not None:
            return False  # a pool's or a Dask cluster's worker: its siblings use the cores
        return os.getloadavg()[0] < (os.cpu_count() or 1) - 0.5
    return True


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
    :class:`~twin.kernels.jit.KernelDispatcher` bound to a module-level name, or
    :func:`~twin.kernels.jit.specialise` of one) for the numba types ``argtypes`` into
    the disk cache.  Returns whether it was sent (not when
    disabled, already cached or compiled here, or already sent)."""
    from numba.core.caching import FunctionCache

    argtypes = tuple(argtypes)
    if not enabled() or not isinstance(disp._cache, FunctionCache):
        return False
    if argtypes in disp.overloads or (disp, argtypes) in _pending:
        return False
    base, flags = getattr(disp, "specialised_from", (disp, {}))
    name = _name_in_module(base)
    if name is None or _is_cached(disp, argtypes):
        return False
    job = pickle.dumps((base.py_func.__module__, name, flags, argtypes))
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


def prestart() -> None:
    """Start the helper process now, if compiling ahead is :func:`enabled` and numba's
    cache of the kernels is cold: it imports numba and the kernels (about 1 s) while
    this process reads the network, so it starts compiling as soon as
    :func:`compile_ahead` sends it a kernel."""
    from twin.kernels import cache_is_cold

    if enabled() and cache_is_cold():
        with _lock:
            _start_helper()


def while_waiting(work) -> None:
    """Have this process call ``work()`` (no arguments) when it first waits for the
    helper, instead of idling: imports or compiles it needs later in the run.  Nothing
    is done if it never waits; an exception in ``work`` is ignored (the same call fails
    again where the run needs it, with its own message).  Taken only while a wait may
    still come (the helper runs, and has a kernel to compile or has not answered yet)."""
    if _helper is not None and _helper.poll() is None and (_pending or not _answers):
        _idle_work.append(work)


def compile_here(disp, *args) -> None:
    """Compile kernel ``disp`` in this process for the types of ``args`` (the types a call
    with them dispatches on), without calling it: what a cold first run can do while it
    waits for the helper (:func:`while_waiting`) instead of after."""
    disp.compile(tuple(disp.typeof_pyval(a) for a in args))


def _helper_answered() -> bool:
    """Whether the helper has written an answer not read yet (or is gone)."""
    import select

    if _helper is None or _helper.stdout is None:
        return True
    try:
        return bool(select.select([_helper.stdout], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _do_idle_work() -> None:
    while _idle_work and not _helper_answered():
        work = _idle_work.pop(0)
        try:
            work()
        except Exception:  # noqa: BLE001 - done again, and reported, where it is needed
            pass


def wait_for(disp, argtypes: tuple) -> None:
    """If the helper is compiling ``disp`` for ``argtypes``, wait until it is done (then
    numba finds the kernel in its cache; if the helper failed, numba compiles it here).
    Before the first wait, the work given to :func:`while_waiting` is done."""
    key = (disp, tuple(argtypes))
    if key not in _pending:
        return
    number = _pending[key]
    _do_idle_work()
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
    """The helper: one job per input line (``number base64(pickle((module, name, flags,
    argtypes)))``: the kernel bound to ``name`` in ``module``, specialised by ``flags``,
    :func:`twin.kernels.jit.specialise`), compiled into the cache; answers ``number ok``
    or ``number failed``."""
    import importlib

    from twin.kernels.jit import specialise

    importlib.import_module("twin.kernels.routing.step")  # while the asking process reads
    # its network (prestart): the routing kernels and everything they import
    for line in sys.stdin:
        number, job = line.split()
        ok = "failed"
        try:
            module, name, flags, argtypes = pickle.loads(base64.b64decode(job))
            fn = getattr(importlib.import_module(module), name)
            specialise(fn, **flags).compile(argtypes)
            ok = "ok"
        except Exception:  # noqa: BLE001 - the asking process compiles it itself
            pass
        print(number, ok, flush=True)


if __name__ == "__main__":
    _serve()
