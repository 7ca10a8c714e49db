"""The ``twin`` command: a thin layer that parses arguments, calls the API and prints.

Every failure the user can cause prints one line ``twin: error: ...`` and exits
non-zero (2 for bad input, 1 for a failed simulation), never a traceback.

Each module of this package holds one command or a family of them and registers it
on :data:`cli` when imported; every module here is imported below, so a new command
is a new file.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import warnings

import click

import twin
from twin.errors import InputError, TwinError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(twin.__version__, prog_name="twin")
def cli():
    """sewer-twin: a digital twin of municipal sewer systems for preemptive flood prevention.

    Run `twin run` to simulate, report and render the bundled default network.
    """


_LONG_TOKEN = re.compile(r"\S{121,}")


def _clip(message: str) -> str:
    """``message`` with every run of more than 120 non-blank characters cut (a huge
    value the user gave is named, never echoed whole)."""
    return _LONG_TOKEN.sub(lambda m: f"{m.group()[:60]}…[{len(m.group())} characters]", message)


def main(argv=None) -> int:
    """Entry point of the ``twin`` console script."""
    warnings.showwarning = _show_warning
    try:
        cli.main(args=argv, prog_name="twin", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"twin: error: {_clip(exc.format_message())}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("twin: error: aborted", err=True)
        return 1
    except InputError as exc:
        click.echo(f"twin: error: {_clip(str(exc))}", err=True)
        return 2
    except TwinError as exc:
        click.echo(f"twin: error: {_clip(str(exc))}", err=True)
        return 1
    except OSError as exc:
        click.echo(f"twin: error: {_clip(str(exc))}", err=True)
        return 2
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line, ``twin: warning: ...`` (not Python's file:line form)."""
    click.echo(f"twin: warning: {message}", err=True)


#: What a cold compile took on the reference machine (2-core AMD EPYC, numba 0.68:
#: 53 s, ``twin bench``); numba compiles on one core, so more cores do not shorten it.
COMPILE_ESTIMATE = "about a minute"


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
