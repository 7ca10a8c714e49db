"""Export files written whole or not at all, and the CRS they are written in."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import xarray as xr

from twin.errors import InputError

__all__ = ["check_target", "replace_atomically", "resolve_crs"]


def resolve_crs(ds: xr.Dataset, crs=None):
    """The CRS of the result's map coordinates and the one to reproject to.

    Returns
    -------
    coords_crs : pyproj.CRS or None
        The CRS kept in the results file, else ``crs``; ``None`` when neither is known.
    target : pyproj.CRS or None
        ``crs`` when the file keeps another CRS (the layers are reprojected), else None.

    Raises
    ------
    InputError
        When ``crs`` (or the file's) is not a coordinate reference system.
    """
    from twin.engine.crs import crs_of
    from twin.networks.crs import parse_crs

    given = parse_crs(crs, source="--crs") if crs is not None else None
    kept = crs_of(ds)
    kept = parse_crs(kept, source="the results file's crs") if kept else None
    if kept is None:
        return given, None
    if given is None or given == kept:
        return kept, None
    return kept, given


def check_target(path) -> Path:
    """``path`` if its folder exists and it is not a folder itself, else an InputError."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: folder {folder} does not exist")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder")
    return path


def replace_atomically(path: Path, write) -> Path:
    """Call ``write(tmp)`` for a temporary path beside ``path``, then rename it onto ``path``.

    The temporary name keeps ``path``'s suffix (GDAL's drivers check it). On any
    failure the temporary file (and GDAL's side files) are removed and ``path`` is left
    as it was.

    Raises
    ------
    InputError
        When the folder does not exist or cannot be written.
    """
    path = check_target(path)
    folder = path.parent
    tmp = folder / f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}"
    try:
        with open(tmp, "x"):
            pass
        tmp.unlink()  # GDAL creates the file itself; this only proved the folder writable
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        for side in folder.glob(tmp.name + "*"):
            with contextlib.suppress(OSError):
                side.unlink()
        raise
    return path
