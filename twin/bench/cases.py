"""Benchmark cases: which ``.inp`` both engines read, and how it is made.

A :class:`Case` names a bundled network or a synthetic district and optionally
shortens its simulated time.  :meth:`Case.prepare` writes the one ``.inp`` file that
SWMM and twin both read in a benchmark, so their options (DYNWAVE, routing step,
variable step, tolerances) are identical by construction.

>>> CASES["district-10k"].conduits
10000
>>> "default" in QUICK_CASES
True
>>> CASES["district-100k"].duration_h, CASES["district-100k"].max_repeats
(1.0, 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from twin.errors import InputError

__all__ = [
    "CASES", "FULL_CASES", "QUICK_CASES", "Case", "get_case", "inp_counts", "with_duration",
]  # fmt: skip

_REPORT_ALL = "\n[REPORT]\nSUBCATCHMENTS ALL\nNODES ALL\nLINKS ALL\n"


@dataclass(frozen=True)
class Case:
    """One benchmark input.

    Attributes
    ----------
    name : str
        Key of the case in the results (``"default"``, ``"district-10k"``...).
    network : str
        A bundled network name (``twin networks``), or ``"district"`` for a synthetic
        district generated with :func:`~twin.networks.district.district_inp_text`.
    conduits : int
        Target number of conduits of a district (the generator lands within 10 %);
        for a bundled network, the number it has (filled in by :meth:`prepare`).
    seed : int
        District seed.
    structures : bool
        District with pumping station, tank and CSO weir (``False``: conduits only).
    duration_h : float or None
        Simulated hours; ``None`` keeps the file's own END_DATE/END_TIME.
    description : str
        One line for the README.
    max_repeats : int or None
        At most this many (SWMM, twin) pairs, whatever the suite asks (for cases
        whose single run takes minutes).
    """

    name: str
    network: str
    conduits: int = 0
    seed: int = 7
    structures: bool = False
    duration_h: float | None = None
    description: str = ""
    max_repeats: int | None = None

    def prepare(self, workdir) -> Path:
        """Write this case's ``.inp`` into ``workdir`` (reused when already there).

        The file asks SWMM to save every element (``[REPORT] ... ALL``) so that the
        agreement check sees all of them and both engines record the same amount.
        """
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / f"{self.name}.inp"
        if path.exists():
            return path
        text = self._text()
        if self.duration_h is not None:
            text = with_duration(text, self.duration_h)
        if not re.search(r"^\s*LINKS\s+ALL\s*$", text, flags=re.M | re.I):
            text += _REPORT_ALL
        from twin.files import write_text

        return write_text(path, text, encoding="ascii")

    def _text(self) -> str:
        if self.network == "district":
            from twin.networks.district import district_inp_text

            return district_inp_text(
                conduits=self.conduits, seed=self.seed, structures=self.structures
            )
        from twin.networks.catalog import network_path

        return Path(network_path(self.network)).read_text(errors="replace")


def with_duration(text: str, hours: float) -> str:
    """``text`` of an ``.inp`` with END_DATE/END_TIME set ``hours`` after the start.

    Raises
    ------
    InputError
        When [OPTIONS] lacks START_DATE.
    """
    opts = dict(
        (m.group(1).upper(), m.group(2))
        for m in re.finditer(r"^\s*(START_DATE|START_TIME)\s+(\S+)", text, flags=re.M | re.I)
    )
    if "START_DATE" not in opts:
        raise InputError("cannot shorten a run without START_DATE in [OPTIONS]")
    start = _when(opts["START_DATE"], opts.get("START_TIME"))
    end = start + timedelta(hours=float(hours))
    text = re.sub(
        r"^(\s*END_DATE\s+)\S+", rf"\g<1>{end:%m/%d/%Y}", text, count=1, flags=re.M | re.I
    )
    return re.sub(
        r"^(\s*END_TIME\s+)\S+", rf"\g<1>{end:%H:%M:%S}", text, count=1, flags=re.M | re.I
    )


def _when(date: str, clock: str | None) -> datetime:
    """SWMM's ``MM/DD/YYYY`` and ``HH:MM[:SS]`` as a datetime."""
    parts = (clock or "0:0:0").split(":") + ["0", "0"]
    h, m, sec = (int(float(x)) for x in parts[:3])
    return datetime.strptime(date, "%m/%d/%Y") + timedelta(hours=h, minutes=m, seconds=sec)


def _district(name, conduits, duration_h=None, description="", max_repeats=None):
    return Case(name, "district", conduits, duration_h=duration_h, description=description,
                max_repeats=max_repeats)  # fmt: skip


CASES: dict[str, Case] = {
    "default": Case("default", "default", description="bundled default town (`twin run`)"),
    "default-conduits": Case(
        "default-conduits", "small-conduits", description="bundled default town, conduits only"
    ),
    "medium": Case("medium", "medium", description="bundled medium district (with structures)"),
    "medium-conduits": Case(
        "medium-conduits", "medium-conduits", description="bundled medium district, conduits only"
    ),
    "medium-1h": Case(
        "medium-1h",
        "medium-conduits",
        duration_h=1.0,
        description="bundled medium district, conduits only, first simulated hour",
    ),  # fmt: skip
    "district-1k": _district("district-1k", 1_000, description="synthetic district, 4 h storm"),
    "district-10k": _district("district-10k", 10_000, description="synthetic district, 4 h storm"),
    "district-100k": _district(
        "district-100k",
        100_000,
        duration_h=1.0,
        max_repeats=1,
        description="synthetic district, first 1 h of the 4 h storm, one run per engine",
    ),  # fmt: skip
    "district-500": _district("district-500", 500, description="synthetic district, 4 h storm"),
    "tiny": _district("tiny", 24, description="smallest district, 4 h storm"),
}

FULL_CASES = (
    "default",
    "medium",
    "medium-conduits",
    "district-1k",
    "district-10k",
    "district-100k",
)
QUICK_CASES = ("default", "district-500")


def get_case(name: str) -> Case:
    """The case called ``name``; :class:`~twin.errors.InputError` lists the known ones."""
    try:
        return CASES[name]
    except KeyError:
        raise InputError(f"unknown benchmark case '{name}' (known: {', '.join(CASES)})") from None


_NODE_SECTIONS = ("JUNCTIONS", "OUTFALLS", "STORAGE", "DIVIDERS")
_LINK_SECTIONS = ("CONDUITS", "PUMPS", "ORIFICES", "WEIRS", "OUTLETS")


def inp_counts(path) -> dict:
    """``conduits``, ``links``, ``nodes`` of an ``.inp`` file, and its ``duration_s``."""
    counts: dict[str, int] = {}
    opts: dict[str, str] = {}
    section = None
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            s = line.split(";", 1)[0].strip()
            if not s:
                continue
            if s.startswith("["):
                section = s.strip("[]").upper()
                continue
            counts[section] = counts.get(section, 0) + 1
            if section == "OPTIONS":
                key, _, value = s.partition(" ")
                opts[key.upper()] = value.strip()
    start = _when(opts["START_DATE"], opts.get("START_TIME"))
    end = _when(opts.get("END_DATE", opts["START_DATE"]), opts.get("END_TIME"))
    return {
        "conduits": counts.get("CONDUITS", 0),
        "links": sum(counts.get(k, 0) for k in _LINK_SECTIONS),
        "nodes": sum(counts.get(k, 0) for k in _NODE_SECTIONS),
        "duration_s": (end - start).total_seconds(),
    }
