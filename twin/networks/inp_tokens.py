"""Lexical layer of the SWMM ``.inp`` reader: lines, tokens, sections, keywords.

Follows SWMM 5.2's rules (input.c): a ``;`` starts a comment, tokens are
separated by blanks, tabs and line ends, text between double quotes is one
token (``""`` is an empty token), a line whose first token starts with ``[``
opens a section, and keywords match when the keyword is a prefix of the token,
case-insensitively.  Names are case-insensitive too.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field

import numpy as np

from twin.errors import InputError

# (SWMM prefix, canonical name), in SWMM's SectWords order
SECTION_WORDS = [
    ("[TITLE", "TITLE"),
    ("[OPTION", "OPTIONS"),
    ("[FILE", "FILES"),
    ("[RAINGAGE", "RAINGAGES"),
    ("[TEMPERATURE", "TEMPERATURE"),
    ("[EVAP", "EVAPORATION"),
    ("[SUBCATCHMENT", "SUBCATCHMENTS"),
    ("[SUBAREA", "SUBAREAS"),
    ("[INFIL", "INFILTRATION"),
    ("[AQUIFER", "AQUIFERS"),
    ("[GROUNDWATER", "GROUNDWATER"),
    ("[SNOWPACK", "SNOWPACKS"),
    ("[JUNC", "JUNCTIONS"),
    ("[OUTFALL", "OUTFALLS"),
    ("[STORAGE", "STORAGE"),
    ("[DIVIDER", "DIVIDERS"),
    ("[CONDUIT", "CONDUITS"),
    ("[PUMP", "PUMPS"),
    ("[ORIFICE", "ORIFICES"),
    ("[WEIR", "WEIRS"),
    ("[OUTLET", "OUTLETS"),
    ("[XSECT", "XSECTIONS"),
    ("[TRANSECT", "TRANSECTS"),
    ("[LOSS", "LOSSES"),
    ("[CONTROL", "CONTROLS"),
    ("[POLLUT", "POLLUTANTS"),
    ("[LANDUSE", "LANDUSES"),
    ("[BUILDUP", "BUILDUP"),
    ("[WASHOFF", "WASHOFF"),
    ("[COVERAGE", "COVERAGES"),
    ("[INFLOW", "INFLOWS"),
    ("[DWF", "DWF"),
    ("[PATTERN", "PATTERNS"),
    ("[RDII", "RDII"),
    ("[HYDROGRAPH", "HYDROGRAPHS"),
    ("[LOADING", "LOADINGS"),
    ("[TREATMENT", "TREATMENT"),
    ("[CURVE", "CURVES"),
    ("[TIMESERIES", "TIMESERIES"),
    ("[REPORT", "REPORT"),
    ("[COORDINATE", "COORDINATES"),
    ("[VERTICES", "VERTICES"),
    ("[POLYGON", "POLYGONS"),
    ("[LABEL", "LABELS"),
    ("[SYMBOL", "SYMBOLS"),
    ("[BACKDROP", "BACKDROP"),
    ("[TAG", "TAGS"),
    ("[PROFILE", "PROFILES"),
    ("[MAP", "MAP"),
    ("[LID_CONTROL", "LID_CONTROLS"),
    ("[LID_USAGE", "LID_USAGE"),
    ("[GWF", "GWF"),
    ("[ADJUSTMENT", "ADJUSTMENTS"),
    ("[EVENT", "EVENTS"),
    ("[STREET", "STREETS"),
    ("[INLET_USAGE", "INLET_USAGE"),
    ("[INLET", "INLETS"),
]

#: SWMM's MAXLINE: it reads at most 1023 characters of a line (error 201 past that)
MAX_LINE = 1024
#: Whitespace that is not one of SWMM's separators " \t\r\n" (str.split would split there).
_OTHER_SPACE = re.compile(r"[^\S \t\r\n]")
_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


@dataclass
class Line:
    """One data line: 1-based number, tokens, and the raw text."""

    no: int
    tokens: list[str]
    raw: str


@dataclass
class Section:
    """All data lines of one section (several blocks of the same name are merged)."""

    name: str
    line: int  # line of the (first) header
    lines: list[Line] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)  # every line after the header(s), verbatim


def tokenize(text: str) -> list[str]:
    """Split one line into tokens as SWMM's ``getTokens`` does."""
    cut = text.find(";")
    if cut >= 0:
        text = text[:cut]
    if '"' not in text and not _OTHER_SPACE.search(text):  # then str.split agrees
        return text.split()
    toks = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 1
            toks.append(text[i + 1 : j])
            i = j + 1
            continue
        j = i
        while j < n and text[j] not in " \t\r\n":
            j += 1
        toks.append(text[i:j])
        i = j
    return toks


def split_sections(text: str, source: str) -> tuple[dict[str, Section], list[str]]:
    """Cut the file text into sections; returns (sections by name, order of first sight).

    Lines before the first header count as [TITLE] (as in SWMM).  An unknown
    ``[HEADER]`` raises :class:`InputError`.
    """
    sections: dict[str, Section] = {}
    order: list[str] = []
    current = None
    headed = False  # a known [SECTION] header seen
    for no, raw in enumerate(text.splitlines(), start=1):
        raw = raw.rstrip("\r\n")
        toks = tokenize(raw)
        if toks and len(raw.split(";", 1)[0]) >= MAX_LINE:
            raise InputError(
                f"line longer than SWMM's {MAX_LINE - 1} characters",
                file=source,
                line=no,
                section=None if current is None else current.name,
                code=201,
            )
        if toks and toks[0].startswith("["):
            name = find_section(toks[0])
            if name is None and not headed:
                # no section known yet: likely not an input file at all; echo nothing of it
                raise InputError(
                    "not a SWMM input file: no known [SECTION] before this line",
                    file=source,
                    line=no,
                )
            if name is None:
                raise InputError(
                    f"unknown section {toks[0][:40]!r}",
                    file=source,
                    line=no,
                    field="section",
                    code=205,
                )
            headed = True
            if name not in sections:
                sections[name] = Section(name, no)
                order.append(name)
            current = sections[name]
            continue
        if current is None:
            if not toks:
                continue
            current = sections.setdefault("TITLE", Section("TITLE", no))
            if "TITLE" not in order:
                order.append("TITLE")
        current.raw.append(raw)
        if toks and not raw.lstrip().startswith(";"):
            current.lines.append(Line(no, toks, raw))
    for sec in sections.values():
        while sec.raw and not sec.raw[-1].strip():
            sec.raw.pop()
    return sections, order


def find_section(token: str) -> str | None:
    """Canonical section name of a ``[HEADER]`` token, or None."""
    up = token.upper()
    for prefix, name in SECTION_WORDS:
        if up.startswith(prefix):
            return name
    return None


def findmatch(token: str, words) -> int:
    """Index of the first keyword that is a prefix of ``token`` (SWMM ``findmatch``)."""
    up = token.lstrip(" ").upper()
    for i, w in enumerate(words):
        if w and up.startswith(w.upper()):
            return i
    return -1


def is_number(token: str) -> bool:
    return bool(_NUMBER_RE.match(token))


def to_float(token: str) -> float | None:
    """A finite float from a decimal token, or None."""
    try:  # float() takes _NUMBER_RE's forms, and also "_", inf/nan and outer blanks
        v = float(token)
    except ValueError:
        return None
    if not math.isfinite(v) or "_" in token or token != token.strip():
        return None
    return v


def parse_time_h(token: str) -> float | None:
    """Hours from ``H:MM[:SS]`` or decimal hours (SWMM ``datetime_strToTime``)."""
    v = to_float(token)
    if v is not None:
        return v
    m = re.match(r"(-?\d+)(?::(-?\d+))?(?::(-?\d+))?", token)
    if not m:
        return None
    hr, mi, se = (int(g) if g is not None else 0 for g in m.groups())
    if hr < 0 or mi < 0 or se < 0 or hr > 10**7:
        return None
    return hr + mi / 60.0 + se / 3600.0


def parse_date(token: str) -> np.datetime64 | None:
    """A date from M/D/Y or MON/D/Y (``-`` or ``/`` separators), or None."""
    if "-" not in token and "/" not in token:
        return None
    parts = re.split(r"[-/]", token)
    if len(parts) != 3:
        return None
    mon_s, day_s, yr_s = parts
    try:
        day, yr = int(day_s), int(yr_s)
        if mon_s.isdigit():
            mon = int(mon_s)
        else:
            up = mon_s[:3].upper()
            if up not in _MONTHS:
                return None
            mon = _MONTHS.index(up) + 1
        return np.datetime64(_dt.date(yr, mon, day), "D")
    except (ValueError, OverflowError):
        return None


def format_date(d: np.datetime64) -> str:
    """``MM/DD/YYYY`` as SWMM writes it."""
    y, m, dd = str(np.datetime64(d, "D")).split("-")
    return f"{m}/{dd}/{y}"


def format_time_h(hours: float) -> str:
    """``H:MM:SS`` when the time is a whole number of seconds, else decimal hours."""
    secs = round(hours * 3600.0)
    if hours >= 0 and abs(secs / 3600.0 - hours) <= 1e-12 * max(1.0, abs(hours)):
        h, rem = divmod(int(secs), 3600)
        mi, s = divmod(rem, 60)
        if (h + mi / 60.0 + s / 3600.0) == hours:
            return f"{h}:{mi:02d}:{s:02d}"
    return repr(float(hours))
