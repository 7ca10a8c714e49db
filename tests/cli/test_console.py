"""The CLI shows the twin's own messages; library warnings and logs only with `twin -v`."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

from twin.cli import cli, main
from twin.errors import TwinWarning


@pytest.fixture
def noisy_command():
    """A command that warns as the libraries under the twin do, and as the twin does."""

    @cli.command("noisy-test-command")
    def noisy():
        with np.errstate(over="warn"):
            np.float64(1e308) * 10  # numpy's RuntimeWarning: overflow
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
        warnings.warn("a library's user warning", UserWarning, stacklevel=1)
        logging.getLogger("distributed.worker").warning("worker restarted")
        warnings.warn("sections kept verbatim: [LID_CONTROLS]", TwinWarning, stacklevel=1)
        logging.getLogger("twin.ops.folder").warning("obs.csv was truncated; read again")
        logging.getLogger("twin.ops.folder").info("3 new observations")

    yield "noisy-test-command"
    del cli.commands["noisy-test-command"]


def test_only_the_twins_own_warnings_are_shown(noisy_command, capsys):
    assert main([noisy_command]) == 0
    err = capsys.readouterr().err
    assert err == (
        "twin: warning: sections kept verbatim: [LID_CONTROLS]\n"
        "twin: warning: obs.csv was truncated; read again\n"
    )


def test_verbose_shows_the_log(noisy_command, capsys):
    assert main(["-v", noisy_command]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "twin: warning: sections kept verbatim: [LID_CONTROLS]" in err
    log = [ln for ln in err if ln.startswith("twin: log: ")]
    assert any("RuntimeWarning" in ln and "overflow" in ln for ln in log)
    assert any("DeprecationWarning" in ln and "old API" in ln for ln in log)
    assert any("UserWarning" in ln and "a library's user warning" in ln for ln in log)
    assert any("distributed.worker: worker restarted" in ln for ln in log)
    assert "twin: log: info twin.ops.folder: 3 new observations" in log
    assert "twin: warning: obs.csv was truncated; read again" in err
    assert len(err) == 7


def test_logging_and_warnings_are_restored_after_main(noisy_command):
    before = (logging.getLogger().level, list(logging.getLogger().handlers), warnings.showwarning)
    main(["-v", noisy_command])
    assert (logging.getLogger().level, list(logging.getLogger().handlers),
            warnings.showwarning) == before  # fmt: skip
