"""Files the twin reads: regular files only, and no bigger than a limit.

Every file an input names (the ``.inp`` network, a scenario TOML, a ``[TIMESERIES]
FILE``, a rain gauge file, a scenario's ``control_file``, a radar grid, a DEM, a
results or hot-start file) is opened through here: it must be a *regular* file (a
symbolic link to one is followed), so ``/dev/zero``, a FIFO or a folder is refused by
name before anything is read, and it may hold at most :func:`max_input_bytes` (1 GiB
unless the environment variable ``TWIN_MAX_INPUT_MB`` says otherwise).  Series are
read line by line (:func:`input_lines`), never as one string.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from twin.errors import InputError, checked_number
from twin.files.output import file_kind

__all__ = [
    "DEFAULT_MAX_INPUT_MB",
    "ENV_MAX_INPUT_MB",
    "checked_input",
    "input_lines",
    "max_input_bytes",
    "read_input_bytes",
    "read_input_text",
]

ENV_MAX_INPUT_MB = "TWIN_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 1024.0
_MB = 1 << 20


def max_input_bytes() -> int:
    """The most bytes an input file may hold: ``TWIN_MAX_INPUT_MB`` (MiB, > 0), else 1 GiB."""
    raw = os.environ.get(ENV_MAX_INPUT_MB)
    if raw is None or not raw.strip():
        return int(DEFAULT_MAX_INPUT_MB * _MB)
    return int(checked_number(raw.strip(), ENV_MAX_INPUT_MB, 0.0, 1e9, above=True) * _MB)


def _size_text(n: float) -> str:
    return f"{n / _MB:,.1f} MiB" if n >= _MB else f"{n:,.0f} bytes"


def _too_big(what: str, size: int, limit: int, where: dict) -> InputError:
    return InputError(
        f"{what} holds {_size_text(size)}, more than the limit of {_size_text(limit)} "
        f"(set {ENV_MAX_INPUT_MB} to raise it)",
        **where,
    )


def checked_input(path, *, what: str = "input file", limit: int | None = None, **where) -> Path:
    """``path`` as a Path after checking that it is a regular file within the size limit.

    Parameters
    ----------
    path : path-like
    what : str
        What the file is, for messages (``"rain file"``).
    limit : int, optional
        Most bytes; :func:`max_input_bytes` by default.
    **where
        ``section=``, ``field=``, ``line=`` of the reference, for the InputError; the
        file named is ``path`` itself.

    Raises
    ------
    InputError
        Missing, unreadable, not a regular file (``/dev/zero``: "is a character
        device"), or bigger than the limit.
    """
    p = Path(os.fspath(path))
    where = {"file": p, **where}
    try:
        st = os.stat(p)  # a link to a regular file is read
    except FileNotFoundError:
        raise InputError(f"{what} not found", **where) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", **where) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"{what} is {file_kind(st.st_mode)}, not a regular file; only regular files are read",
            **where,
        )
    limit = max_input_bytes() if limit is None else limit
    if st.st_size > limit:
        raise _too_big(what, st.st_size, limit, where)
    return p


def read_input_bytes(path, *, what: str = "input file", **where) -> bytes:
    """The bytes of a checked input file (:func:`checked_input`); a file that grows past
    the limit while it is read is refused too."""
    p = checked_input(path, what=what, **where)
    limit = max_input_bytes()
    try:
        with open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", file=p, **where) from None
    if len(data) > limit:
        raise _too_big(what, len(data), limit, {"file": p, **where})
    return data


def read_input_text(
    path, *, what: str = "input file", encoding: str = "utf-8", errors: str = "strict", **where
) -> str:
    """The text of a checked input file; undecodable bytes per ``errors`` (``strict``:
    an InputError naming the file)."""
    data = read_input_bytes(path, what=what, **where)
    try:
        return data.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} is not {encoding} text (byte {exc.start})", file=Path(path), **where
        ) from None


@contextlib.contextmanager
def input_lines(
    path, *, what: str = "input file", encoding: str = "utf-8", errors: str = "replace",
    newline: str | None = None, **where,
):  # fmt: skip
    """Yields an iterator over the lines of a checked input file, read as they come.

    The characters read are counted: a file that grows past the limit while it is
    read is refused.
    """
    p = checked_input(path, what=what, **where)
    limit = max_input_bytes()
    try:
        fh = open(p, encoding=encoding, errors=errors, newline=newline)  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", file=p, **where) from None

    def lines():
        seen = 0
        for line in fh:
            seen += len(line)
            if seen > limit:
                raise _too_big(what, seen, limit, {"file": p, **where})
            yield line

    with fh:
        yield lines()
