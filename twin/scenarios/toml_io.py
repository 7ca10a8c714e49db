"""Reading and writing scenario TOML files.

Reading uses :mod:`tomllib` and turns its errors into :class:`~twin.errors.InputError`
with the file and line; :func:`line_of` finds the line of a key for later errors
(neither tomllib nor tomlkit keeps the positions of what it parsed).  Writing uses
tomli-w.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import numpy as np
import tomli_w

from twin.errors import InputError

__all__ = ["dumps", "line_of", "load"]

_AT_LINE = re.compile(r"line (\d+)")


def load(path) -> tuple[dict, str]:
    """Parse ``path``; returns the table and the text (for :func:`line_of`)."""
    from twin.files import read_input_text

    path = Path(path)
    text = read_input_text(path, what="scenario file")
    try:
        return tomllib.loads(text), text
    except RecursionError:
        raise InputError("not valid TOML: nested too deeply", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        m = _AT_LINE.search(str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise InputError(
            f"not valid TOML: {msg}", file=path, line=int(m.group(1)) if m else None
        ) from None


def line_of(text: str, dotted_key: str) -> int | None:
    """1-based line where the last part of ``dotted_key`` is assigned (best effort).

    A key inside an inline table (``"OF02" = {a = 1}``) is found on the line of the
    nearest enclosing key that has one.
    """
    if not text:
        return None
    parts = dotted_key.split(".")
    while parts:
        n = _line_of_key(text, parts)
        if n is not None:
            return n
        parts = parts[:-1]
    return None


def _line_of_key(text: str, parts: list[str]) -> int | None:
    """Line of ``parts[-1]`` in the table ``parts[:-1]``; an entry of an array of tables
    is named with its index, ``modify.pump_failure[1]``."""
    key = re.sub(r"\[\d+\]$", "", parts[-1])  # an inline array's entry: its array's line
    table = ".".join(parts[:-1])
    dotted_key = ".".join(parts)
    current = ""
    seen: dict[str, int] = {}  # entries of each array of tables so far
    pat = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=')
    header = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]+")
    fallback = None
    for n, line in enumerate(text.splitlines(), 1):
        h = header.match(line)
        if h:
            current = base = h.group(2).replace('"', "")
            if h.group(1) == "[[":
                seen[base] = seen.get(base, -1) + 1
                current = f"{base}[{seen[base]}]"
            if dotted_key in (current, base):
                return n
            continue
        if pat.match(line):
            if current == table:
                return n
            fallback = fallback or n
    return fallback


def _plain(value, where: str):
    """``value`` with numpy scalars as Python ones, ``None`` entries and empty sub-tables
    of tables left out (a sub-table of ``None`` entries only stays, empty), and non-finite
    numbers refused (TOML has them, scenarios do not)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if v is None or (isinstance(v, dict) and not v):
                continue
            out[str(k)] = _plain(v, f"{where}.{k}" if where else str(k))
        return out
    if isinstance(value, list | tuple):
        return [_plain(v, where) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"cannot write {value} to TOML", field=where or None)
    if not isinstance(value, bool | int | float | str | dict | list):
        raise InputError(f"cannot write a {type(value).__name__} to TOML", field=where or None)
    return value


def dumps(table: dict) -> str:
    """TOML text (written by tomli-w) of nested dicts of scalars and lists; ``None`` values
    and empty sub-tables are left out."""
    return tomli_w.dumps(_plain(table, ""))
