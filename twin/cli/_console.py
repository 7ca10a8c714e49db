"""What the CLI shows on stderr: the twin's own messages, and the log only with ``-v``.

* Warnings of category :class:`~twin.errors.TwinWarning`, and log records of the
  twin's own loggers (``twin.*``) at WARNING or above, print as one line,
  ``twin: warning: ...``.
* Every other warning (numpy's RuntimeWarnings, library deprecation and user
  warnings, through the ``py.warnings`` logger) and every other log record (at INFO
  or above) go to the log, which ``twin -v`` prints as ``twin: log: ...`` lines and
  which is dropped otherwise.  (A library that gives its loggers handlers of its own
  prints through them, as it was configured.)
* After an interrupt, :func:`interrupted_message` says which outputs were written and
  which was not.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import warnings

import click

from twin.errors import TwinWarning
from twin.files import output_in_progress, outputs_abandoned, outputs_written

__all__ = ["console", "interrupted_message", "set_verbose"]

_WARNINGS_LOG = logging.getLogger("py.warnings")


def _own(record: logging.LogRecord) -> bool:
    return record.name == "twin" or record.name.startswith("twin.")


class _StderrHandler(logging.Handler):
    """The twin's warnings as ``twin: warning: ...``; the rest as ``twin: log: ...``
    when verbose."""

    def emit(self, record):
        try:
            if _own(record) and record.levelno >= logging.WARNING:
                level = "error" if record.levelno >= logging.ERROR else "warning"
                click.echo(f"twin: {level}: {record.getMessage()}", err=True)
            elif _State.verbose:
                click.echo(f"twin: log: {record.levelname.lower()} {record.name}: "
                           f"{record.getMessage()}", err=True)  # fmt: skip
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


class _State:
    verbose = False


def _showwarning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, TwinWarning):
        click.echo(f"twin: warning: {message}", err=True)
    else:
        _WARNINGS_LOG.warning("%s (%s:%s): %s", category.__name__, filename, lineno, message)


def set_verbose(verbose: bool) -> None:
    """Show the log (library warnings and log records at INFO or above) or drop it."""
    _State.verbose = bool(verbose)
    logging.getLogger().setLevel(logging.INFO if verbose else logging.WARNING)


@contextlib.contextmanager
def console():
    """While inside: warnings and logs routed as described above; restored after."""
    handler = _StderrHandler()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _showwarning
        set_verbose(False)
        try:
            yield
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
            _State.verbose = False


def interrupted_message(signum: int) -> str:
    """``twin: interrupted by SIGTERM; out.nc was not written`` and the like: the outputs
    replaced before the signal, and the one being written when it came."""
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    done = outputs_written()
    parts = []
    if done:
        parts.append("wrote " + ", ".join(str(p) for p in done))
    for path in (*outputs_abandoned(), output_in_progress()):
        if path is not None and path not in done:
            parts.append(f"{path} was not written (left as it was)")
    if not parts:
        parts.append("no output was written")
    return f"twin: interrupted by {name}; " + "; ".join(parts)
