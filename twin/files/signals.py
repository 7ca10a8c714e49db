"""Stopping signals: SIGTERM and SIGHUP handled like Ctrl-C, and the moments they must wait.

The CLI installs :func:`handling_stop_signals`: SIGINT, SIGTERM and SIGHUP then raise
:class:`~twin.errors.Interrupted` (a ``KeyboardInterrupt``) in the main thread, so every
``finally`` and ``except BaseException`` on the way out runs (temporary files are
removed) and the CLI exits with ``128 + signal``.

:func:`signals_held` marks a short critical section (renaming a finished output onto
its target and recording that it was written): a stop signal that arrives inside it
is delivered when it ends, so what the CLI reports after an interrupt is the truth.
It works whatever handler is installed (also Python's default one, for API users).
"""

from __future__ import annotations

import contextlib
import signal
import threading

from twin.errors import Interrupted

__all__ = ["STOP_SIGNALS", "handling_stop_signals", "signals_handled_by", "signals_held"]

#: Signals that stop the CLI cleanly (SIGHUP: the terminal was closed).
STOP_SIGNALS = tuple(
    s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
    if s is not None
)  # fmt: skip


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_interrupted(signum, frame):
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_handled_by(handler, signals=STOP_SIGNALS):
    """While inside, each of ``signals`` goes to ``handler(signum, frame)``; the previous
    handlers come back on the way out.  A signal that is ignored (nohup'ed) stays
    ignored, and one whose handler was not set from Python is left alone.  Outside the
    main thread (where Python cannot set handlers) this does nothing."""
    if not _in_main_thread():
        yield
        return
    old = {}
    for s in signals:
        current = signal.getsignal(s)
        if current is not signal.SIG_IGN and current is not None:
            old[s] = signal.signal(s, handler)
    try:
        yield
    finally:
        for s, previous in old.items():
            signal.signal(s, previous)


def handling_stop_signals():
    """While inside, SIGINT, SIGTERM and SIGHUP raise :class:`~twin.errors.Interrupted`
    in the main thread; the previous handlers come back on the way out."""
    return signals_handled_by(_raise_interrupted)


@contextlib.contextmanager
def signals_held():
    """Hold stop signals for the duration of a short critical section.

    A signal that arrives inside is recorded and raised again, to the handler that was
    in place, when the section ends (after its last statement or its exception).
    Nested sections pass their held signals outwards.
    """
    held: list[int] = []
    try:
        with signals_handled_by(lambda signum, frame: held.append(signum)):
            yield
    finally:
        if held:
            signal.raise_signal(held[0])
