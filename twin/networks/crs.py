"""Coordinate reference systems of network maps: parse one, find the one beside an ``.inp``.

SWMM's ``.inp`` has no CRS; as for a shapefile, a ``<stem>.prj`` file beside it (WKT, or
any text pyproj reads, e.g. ``EPSG:5186``) gives the CRS of its [COORDINATES],
[VERTICES] and [POLYGONS].
"""

from __future__ import annotations

from pathlib import Path

from twin.errors import InputError

__all__ = ["parse_crs", "crs_beside"]


def parse_crs(text, source=None):
    """``text`` ("EPSG:5186", WKT, a PROJ string, or a ``pyproj.CRS``) as a ``pyproj.CRS``.

    Raises
    ------
    InputError
        When ``text`` is not a coordinate reference system (``source`` names where it
        came from: a file, or an option such as ``"--crs"``).
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(text)
    except (CRSError, TypeError, ValueError) as exc:
        shown = str(text) if len(str(text)) <= 60 else str(text)[:57] + "..."
        reason = str(exc).split(": (")[0]
        message = f"not a coordinate reference system: {shown!r} ({reason})"
        if isinstance(source, Path):
            raise InputError(message, file=source) from None
        raise InputError(f"{source}: {message}" if source else message) from None


def crs_beside(inp) -> str:
    """The CRS in ``<stem>.prj`` beside the ``.inp`` file ``inp`` ("" when there is none).

    Raises
    ------
    InputError
        When the ``.prj`` file holds no CRS.
    """
    prj = Path(inp).with_suffix(".prj")
    if not prj.is_file():
        return ""
    text = prj.read_text(errors="replace").strip()
    parse_crs(text, source=prj)
    return text
