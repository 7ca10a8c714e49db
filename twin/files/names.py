"""File names made from names the user gave (scenario and network names).

A name becomes one safe file-name component: no folder separators, no ``..``, no
leading dot or dash, no control characters, bounded length; so an output named after a
scenario always lands in the folder chosen for it.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from twin.errors import InputError

__all__ = ["MAX_NAME_CHARS", "path_inside", "safe_file_name"]

#: Longest file-name component made from a name (most file systems allow 255 bytes).
MAX_NAME_CHARS = 100
_UNSAFE_RUN = re.compile(r"[^\w.+-]+|\.\.+")  # \w: letters and digits of any script, and _
_UNDERSCORES = re.compile(r"__+")


def safe_file_name(name, *, fallback: str = "output") -> str:
    """``name`` as one file-name component that stays inside its folder.

    Letters and digits of any script, ``_ - + .`` are kept; every other run of
    characters (``/``, ``\\``, spaces, control characters, ``..``) becomes one ``_``;
    leading dots, dashes and underscores go, so ``..`` and hidden names cannot result; the
    result has at most :data:`MAX_NAME_CHARS` characters; an empty result is
    ``fallback``.

    >>> safe_file_name("x/../../../../tmp/ESCAPED")
    'x_tmp_ESCAPED'
    >>> safe_file_name("..")
    'output'
    >>> safe_file_name("서울 100mm/h")
    '서울_100mm_h'
    """
    text = unicodedata.normalize("NFC", str(name))
    text = _UNDERSCORES.sub("_", _UNSAFE_RUN.sub("_", text)).lstrip("._-+")
    text = text[:MAX_NAME_CHARS].rstrip(".")
    return text or fallback


def path_inside(folder, name: str) -> Path:
    """``folder / name`` for a ``name`` that must be one component inside ``folder``.

    Raises
    ------
    InputError
        When ``name`` would leave the folder (a separator, ``..``, an absolute path).
    """
    folder = Path(folder)
    if (
        not name
        or name in (".", "..")
        or os.sep in name
        or (os.altsep and os.altsep in name)
        or Path(name).is_absolute()
    ):
        raise InputError(f"{name!r} is not a file name inside {folder}", file=folder)
    return folder / name
