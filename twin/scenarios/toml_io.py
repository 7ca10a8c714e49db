"""Reading and writing the small TOML subset scenario files use (Python has no TOML writer).

Reading uses :mod:`tomllib` and turns its errors into :class:`~twin.errors.InputError`
with the file and line; :func:`line_of` finds the line of a key for later errors.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

from twin.errors import InputError

__all__ = ["dumps", "line_of", "load"]

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_AT_LINE = re.compile(r"line (\d+)")


def load(path) -> tuple[dict, str]:
    """Parse ``path``; returns the table and the text (for :func:`line_of`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("scenario file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read scenario file: {exc}", file=path) from None
    try:
        return tomllib.loads(text), text
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


def _key(k) -> str:
    k = str(k)
    return k if _BARE.match(k) else '"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise InputError(f"cannot write {v} to TOML")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if hasattr(v, "item"):  # numpy scalar
        return _value(v.item())
    raise InputError(f"cannot write a {type(v).__name__} to TOML")


def dumps(table: dict, _prefix: str = "") -> str:
    """TOML text of nested dicts of scalars and lists (``None`` values are left out)."""
    lines, subs = [], []
    for k, v in table.items():
        if v is None:
            continue
        if isinstance(v, dict):
            if v:
                subs.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_value(v)}")
    out = "\n".join(lines)
    for k, v in subs:
        name = f"{_prefix}.{_key(k)}" if _prefix else _key(k)
        body = dumps(v, name)
        out += ("\n\n" if out else "") + f"[{name}]" + ("\n" + body if body else "")
    return out + ("\n" if not _prefix else "")
