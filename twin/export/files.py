"""Export files written whole or not at all, and the CRS they are written in."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import xarray as xr

from twin.errors import OutputError, TwinError

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
    """``path`` checked before the work (:func:`twin.files.check_output`: a regular file
    or none, in a folder that exists or can be made), else an InputError."""
    from twin.files import check_output

    return check_output(path)


def replace_atomically(path: Path, write) -> Path:
    """Call ``write(tmp)`` for a temporary path beside ``path``, then rename it onto ``path``
    (:func:`twin.files.atomic_output` for a writer that creates its file itself).

    The temporary name keeps ``path``'s suffix (GDAL's drivers check it). On any
    failure the temporary file (and GDAL's side files) are removed and ``path`` is left
    as it was; a failure of GDAL itself (a full disk) is an OutputError naming ``path``.
    """
    from twin.files import atomic_output

    path = check_target(path)
    try:
        with atomic_output(path, writer_creates=True) as tmp:
            write(tmp)
            if _disk_full(path, margin=0):  # GDAL may fail quietly when the disk fills
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    except (TwinError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - GDAL's errors come in many types
        if _disk_full(path):
            raise OutputError(path, os.strerror(errno.ENOSPC)) from None
        text = str(exc)
        raise OutputError(path, f"{type(exc).__name__}: {text[:200]}"
                          + ("..." if len(text) > 200 else "")) from None  # fmt: skip
    return path


def _disk_full(path: Path, margin: int = 65536) -> bool:
    """Whether the file system ``path`` is on has no more than ``margin`` bytes free."""
    try:
        st = os.statvfs(path.parent if str(path.parent) else ".")
    except OSError:
        return False
    return st.f_bavail * st.f_frsize <= margin
