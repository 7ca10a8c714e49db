"""The bundled network catalog: named ``.inp`` files (and their terrains) shipped as package data.

>>> sorted(e.name for e in list_networks())[:2]
['example', 'medium']
>>> network_path("small").name
'small.inp'

Generated entries are made by :func:`twin.networks.district.write_district` from a
fixed recipe (:data:`RECIPES`); :func:`regenerate` (or the script
``twin/networks/data/make_catalog.py``) rewrites them byte for byte.  ``example`` is
hand-made and has every structure kind SWMM 5.2 offers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from twin.errors import InputError

__all__ = [
    "CatalogEntry",
    "DATA_DIR",
    "DEFAULT",
    "RECIPES",
    "list_networks",
    "network_path",
    "load_network",
    "load_terrain_for",
    "regenerate",
]

DATA_DIR = Path(__file__).parent / "data"
DEFAULT = "small"
_ALIASES = {"default": DEFAULT}


@dataclass(frozen=True)
class Recipe:
    """Arguments of :func:`~twin.networks.district.write_district` for one entry."""

    conduits: int
    seed: int
    structures: bool
    terrain_cell_m: float
    description: str


RECIPES: dict[str, Recipe] = {
    "small": Recipe(
        70, 7, True, 5.0, "small town (~70 conduits) with pumping station, tank, CSO weir"
    ),
    "small-conduits": Recipe(
        70, 7, False, 5.0, "the small town with conduits only (no structures)"
    ),
    "medium": Recipe(
        1500, 7, True, 10.0, "district of ~1,500 conduits with pumping station, tank, CSO weir"
    ),
    "medium-conduits": Recipe(
        1500, 7, False, 10.0, "the medium district with conduits only (no structures)"
    ),
}
HAND_MADE = {
    "example": "hand-made: every pump, orifice, weir, outlet, divider, storage, outfall kind",
}
#: Entries made by other generators: name -> (module, writer, keyword arguments, description).
GENERATED = {
    "rtc": (
        "twin.networks.rtc_town",
        "write_rtc_town",
        {"seed": 1},
        "town where control matters: gated tank and pumped polder above an undersized "
        "trunk, CSO weir, reactive [CONTROLS]",
    ),
}


@dataclass(frozen=True)
class CatalogEntry:
    """One bundled network; counts are read from the ``.inp`` sections."""

    name: str
    description: str
    path: Path
    terrain_path: Path | None
    n_nodes: int
    n_links: int
    n_conduits: int
    n_subcatchments: int


_NODE_SECTIONS = ("JUNCTIONS", "OUTFALLS", "STORAGE", "DIVIDERS")
_LINK_SECTIONS = ("CONDUITS", "PUMPS", "ORIFICES", "WEIRS", "OUTLETS")
_SECTION_RE = re.compile(r"^\s*\[([A-Za-z_]+)\]")


def _section_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    current = None
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = _SECTION_RE.match(line)
            if m:
                current = m.group(1).upper()
                continue
            s = line.strip()
            if current and s and not s.startswith(";"):
                counts[current] = counts.get(current, 0) + 1
    return counts


def _names() -> list[str]:
    return sorted([*RECIPES, *HAND_MADE, *GENERATED])


def _description(name: str) -> str:
    if name in RECIPES:
        return RECIPES[name].description
    return HAND_MADE[name] if name in HAND_MADE else GENERATED[name][3]


def _terrain_beside(inp: Path) -> Path:
    return inp.with_name(inp.stem + ".terrain.nc")


def list_networks() -> list[CatalogEntry]:
    """Every bundled network, sorted by name."""
    out = []
    for name in _names():
        path = DATA_DIR / f"{name}.inp"
        c = _section_counts(path)
        terrain = _terrain_beside(path)
        desc = _description(name)
        out.append(
            CatalogEntry(
                name=name,
                description=desc,
                path=path,
                terrain_path=terrain if terrain.exists() else None,
                n_nodes=sum(c.get(s, 0) for s in _NODE_SECTIONS),
                n_links=sum(c.get(s, 0) for s in _LINK_SECTIONS),
                n_conduits=c.get("CONDUITS", 0),
                n_subcatchments=c.get("SUBCATCHMENTS", 0),
            )
        )
    return out


def network_path(name_or_path) -> Path:
    """The ``.inp`` file of a catalog name (or alias), or the given path if it is a file.

    Raises
    ------
    InputError
        For a path that does not exist or an unknown name (the message lists the names).
    """
    if isinstance(name_or_path, Path) or (
        isinstance(name_or_path, str)
        and (name_or_path.lower().endswith(".inp") or "/" in name_or_path)
    ):
        from twin.files import checked_input

        return checked_input(name_or_path, what="network file")
    name = str(name_or_path)
    key = _ALIASES.get(name.lower(), name.lower())
    if key in RECIPES or key in HAND_MADE or key in GENERATED:
        return DATA_DIR / f"{key}.inp"
    if os.path.lexists(name):
        from twin.files import checked_input

        return checked_input(name, what="network file")
    known = ", ".join(_names() + sorted(_ALIASES))
    raise InputError(f"unknown network {name!r}; bundled networks: {known}")


def load_network(name_or_path):
    """Read a catalog network (by name) or any ``.inp`` file into a Network."""
    from twin.networks.crs import crs_beside
    from twin.networks.inp_reader import read_inp

    path = network_path(name_or_path)
    net = read_inp(path)
    net.crs = crs_beside(path)
    return net


def load_terrain_for(name_or_path):
    """The DEM stored beside the network as ``<stem>.terrain.nc``, or ``None``."""
    from twin.networks.terrain import load_terrain

    terrain = _terrain_beside(network_path(name_or_path))
    return load_terrain(terrain) if terrain.exists() else None


def regenerate(directory=None, names=None) -> list[Path]:
    """Write the generated catalog entries (``.inp`` + ``.terrain.nc``) into ``directory``.

    With the default directory this rewrites the bundled package data; the bytes
    are identical from run to run.
    """
    from importlib import import_module

    from twin.networks.district import write_district

    directory = DATA_DIR if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or sorted([*RECIPES, *GENERATED]):
        if name in GENERATED:
            module, writer, kwargs, _ = GENERATED[name]
            written.append(getattr(import_module(module), writer)(directory / f"{name}.inp",
                                                                  **kwargs))  # fmt: skip
            continue
        r = RECIPES[name]
        written.extend(
            write_district(
                directory / f"{name}.inp",
                conduits=r.conduits,
                seed=r.seed,
                structures=r.structures,
                terrain_cell_m=r.terrain_cell_m,
            )
        )
    return written
