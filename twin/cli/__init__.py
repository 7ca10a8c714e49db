"""The ``twin`` command: a thin layer that parses arguments, calls the API and prints.

Every failure the user can cause prints one line ``twin: error: ...`` and exits
non-zero (2 for bad input, 1 for a failed simulation or a failed write), never a
traceback.  SIGINT (Ctrl-C), SIGTERM and SIGHUP stop a command cleanly: temporary
files are removed, one line says which outputs were written, and the exit status is
``128 + signal`` (130 for Ctrl-C, 143 for SIGTERM).  Only the twin's own warnings are
shown; library warnings and logs go to the log, shown with ``twin -v``.

Each module of this package holds one command or a family of them and registers it
on :data:`cli` when imported; every module here is imported below, so a new command
is a new file.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import re
import signal
import sys

import click

import twin
from twin.cli._console import console, interrupted_message, set_verbose
from twin.errors import InputError, Interrupted, TwinError
from twin.files import handling_stop_signals, reset_output_log


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(twin.__version__, prog_name="twin")
@click.option(
    "-v", "--verbose", is_flag=True,
    help="Also show the log: library warnings (numpy, dask, ...) and their messages.",
)  # fmt: skip
def cli(verbose):
    """sewer-twin: a digital twin of municipal sewer systems for preemptive flood prevention.

    Run `twin run` to simulate, report and render the bundled default network.
    """
    set_verbose(verbose)


_LONG_TOKEN = re.compile(r"\S{121,}")


def _clip(message: str) -> str:
    """``message`` with every run of more than 120 non-blank characters cut (a huge
    value the user gave is named, never echoed whole)."""
    return _LONG_TOKEN.sub(lambda m: f"{m.group()[:60]}…[{len(m.group())} characters]", message)


def main(argv=None) -> int:
    """Entry point of the ``twin`` console script."""
    reset_output_log()
    with console(), handling_stop_signals():
        try:
            return _run(argv)
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP
            signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
            click.echo(interrupted_message(signum), err=True)
            return 128 + signum


def _run(argv) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        # not cli.main(): it turns Ctrl-C into Abort after printing a blank line
        with cli.make_context("twin", args) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"twin: error: {_clip(exc.format_message())}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("twin: error: aborted", err=True)
        return 1
    except BrokenPipeError:  # `twin report x.nc | head`: the reader left, nothing to say
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - no flush error at exit
        return 1
    except InputError as exc:
        click.echo(f"twin: error: {_clip(str(exc))}", err=True)
        return 2
    except TwinError as exc:  # a failed simulation, a failed write (OutputError)
        click.echo(f"twin: error: {_clip(str(exc))}", err=True)
        return 1
    except OSError as exc:
        click.echo(f"twin: error: {_clip(str(exc))}", err=True)
        return 2
    return 0


#: What a cold compile makes a first run wait on the reference machine (2-core AMD EPYC,
#: numba 0.68, a quiet machine, 2026-12-07, ``benchmarks/cold_compile.py --ahead``,
#: ``benchmarks/results/cold-compile-s10-quiet.json``: ``twin run`` 12.9-13.3 s wall,
#: 21 s CPU of both processes; ``twin run medium-conduits`` 12.8-13.2 s wall, 19 s CPU).
#: numba compiles on one core; with a second core idle, the routing step compiles in a
#: helper process meanwhile (:mod:`twin.kernels.ahead`), which shortens the wait, not the
#: CPU time: on a busy machine the wait is closer to the CPU time.
COMPILE_ESTIMATE = "about 15 s"


def announce_compile() -> None:
    """Say so on standard error, in one line, when the numba kernels are not cached yet
    (the next simulation compiles them first).  Cheap: looks at the cache folder only."""
    from twin.kernels import cache_folder, cache_is_cold

    if cache_is_cold():
        click.echo(
            f"twin: compiling the numba kernels once ({COMPILE_ESTIMATE}; cached in "
            f"{cache_folder().parent} for later runs)",
            err=True,
        )


def _register_commands() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_register_commands()
