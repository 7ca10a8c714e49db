"""What the CLI shows on stderr: the twin's own messages, and the log only with ``-v``.

* Warnings of category :class:`~twin.errors.TwinWarning` print as one line,
  ``twin: warning: ...``.
* Every other warning (numpy's RuntimeWarnings, library deprecation and user
  warnings) and the libraries' log records (dask.distributed, numba, ...) go to the
  log, which ``twin -v`` prints as ``twin: log: ...`` lines and which is dropped
  otherwise.
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

__all__ = ["LOG", "console", "interrupted_message", "set_verbose"]

LOG = logging.getLogger("twin")


class _StderrHandler(logging.Handler):
    """Log records as ``twin: log: LEVEL name: message`` on stderr (when verbose)."""

    def emit(self, record):
        try:
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
        LOG.getChild("warnings").warning("%s (%s:%s): %s", category.__name__, filename, lineno,
                                         message)  # fmt: skip


def set_verbose(verbose: bool) -> None:
    """Show the log (library warnings and every logger's records) on stderr, or drop it."""
    _State.verbose = bool(verbose)
    logging.disable(logging.NOTSET if verbose else logging.CRITICAL)


@contextlib.contextmanager
def console():
    """While inside: warnings and logs routed as described above; restored after."""
    handler = _StderrHandler()
    root = logging.getLogger()
    old_level, old_disable = root.level, logging.root.manager.disable
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _showwarning
        set_verbose(False)
        try:
            yield
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
            logging.disable(old_disable)


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
