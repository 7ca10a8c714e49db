"""Write and read result Datasets: NetCDF-4 through h5netcdf, or Zarr when installed.

Files are written whole or not at all, through :func:`twin.files.atomic_output`
(a temporary name in the target's folder, flushed, then renamed; only regular files
are replaced).  A NetCDF file is encoded in memory first and then written with plain
file writes: HDF5 that meets a full disk while it writes a file crashes the process
(a segmentation fault after hundreds of error lines), while a plain write fails with
one clean ``No space left on device``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import xarray as xr

from twin.engine.dataset import READABLE_SCHEMAS, RESULTS_SCHEMA, cf_attr_value
from twin.engine.results_schema import MAP_COORDS, STATIC
from twin.errors import InputError, TwinError
from twin.files import atomic_output, check_output, checked_input, fill_file, netcdf_bytes

__all__ = ["write_results", "open_results", "COMPRESS_MIN_SIZE"]

COMPRESS_MIN_SIZE = 65_536  # arrays with at least this many values are compressed
_KEEP_ENCODING = ("units", "calendar")  # kept from a Dataset that was read from a file


def write_results(ds: xr.Dataset, path, *, complevel: int = 1) -> Path:
    """Write a result Dataset atomically to NetCDF-4 (h5netcdf) or ``.zarr``.

    Parameters
    ----------
    ds : xarray.Dataset
        Usually from :func:`~twin.engine.dataset.build_dataset`; dask-backed
        arrays are computed while writing.
    path : path-like
        Target file; a name ending in ``.zarr`` writes a Zarr store (needs the
        ``zarr`` package), anything else NetCDF-4. An existing regular file (or Zarr
        store) is replaced; anything else there (a link, a device, a FIFO) is refused.
        Missing folders are created.
    complevel : int
        zlib level (1-9) for numeric arrays of at least :data:`COMPRESS_MIN_SIZE`
        values (with byte shuffling); 0 writes them uncompressed.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    InputError
        When the target cannot be replaced (not a regular file) or its folder cannot
        be created or written.
    OutputError
        When writing fails (``out.nc: No space left on device``).
    TwinError
        When ``zarr`` is missing for a ``.zarr`` path, or the Dataset cannot be
        encoded.  In every case the target is left as it was and no temporary file
        remains.
    """
    path = Path(path)
    zarr = path.suffix.lower() == ".zarr"
    check_output(path, store=zarr)
    if zarr and importlib.util.find_spec("zarr") is None:
        raise TwinError(
            f"cannot write {path}: .zarr output needs the 'zarr' package "
            "(pip install zarr), or write a .nc file instead"
        )
    try:
        ds = _prepared(ds)
    except TypeError as exc:
        raise TwinError(f"cannot write {path}: {exc}") from exc
    encoding = _encoding(ds, complevel, zarr)
    try:
        with atomic_output(path, store=zarr) as tmp:  # the temporary file exists meanwhile
            if zarr:
                ds.to_zarr(tmp, mode="w", encoding=encoding, consolidated=True)
            else:
                fill_file(tmp, netcdf_bytes(ds, encoding=encoding))
    except (TwinError, KeyboardInterrupt):
        raise
    except MemoryError:
        raise TwinError(f"cannot write {path}: not enough memory to encode the results") from None
    except Exception as exc:
        raise TwinError(f"cannot write {path}: {exc}") from exc
    return path


def open_results(path, *, chunks=None) -> xr.Dataset:
    """Open a result file written by :func:`write_results` (lazily; close it when done).

    Parameters
    ----------
    path : path-like
        A NetCDF file or a ``.zarr`` store.
    chunks : optional
        Passed to xarray to get dask-backed variables (e.g. ``{"member": 1}``).

    Returns
    -------
    xarray.Dataset
        In the current layout: a file of the first results schema (static element
        properties and the topology as coordinates) comes back with them as data
        variables, as a new file has them.

    Raises
    ------
    InputError
        Naming the file, when it is missing, unreadable, or not a sewer-twin result.
    """
    path = Path(path)
    zarr = path.suffix.lower() == ".zarr"
    if not zarr:
        checked_input(path, what="results file", limit=_unlimited())
    elif not path.is_dir():
        raise InputError("results store not found (a .zarr folder)", file=path)
    if zarr and importlib.util.find_spec("zarr") is None:
        raise InputError("reading a .zarr store needs the 'zarr' package", file=path)
    try:
        if zarr:
            ds = xr.open_zarr(path, chunks=chunks)
        else:
            ds = xr.open_dataset(path, engine="h5netcdf", chunks=chunks)
    except Exception as exc:
        raise InputError(f"not a readable NetCDF/Zarr results file ({exc})", file=path) from exc
    schema = ds.attrs.get("results_schema")
    if _newer_schema(schema):
        ds.close()
        raise InputError(
            f"written by a newer sewer-twin ({schema!r}; this one reads {READABLE_SCHEMAS[-1]!r} "
            "and older): upgrade sewer-twin to open it",
            file=path,
        )
    if schema not in READABLE_SCHEMAS or "network" not in ds.variables:
        ds.close()
        raise InputError(
            f"not a sewer-twin results file (no results_schema = {RESULTS_SCHEMA!r})", file=path
        )
    return _current_layout(ds)


def _newer_schema(schema) -> bool:
    """True for ``sewer-twin results N`` with N above the newest schema this version reads."""
    prefix = RESULTS_SCHEMA.rsplit(" ", 1)[0] + " "
    if not isinstance(schema, str) or not schema.startswith(prefix):
        return False
    number = schema[len(prefix) :]
    return number.isdigit() and int(number) > int(RESULTS_SCHEMA.rsplit(" ", 1)[1])


def _current_layout(ds: xr.Dataset) -> xr.Dataset:
    """Static properties and the UGRID topology as data variables (schema 1 had coords)."""
    old = [
        name
        for name in ds.coords
        if (name in STATIC and name not in MAP_COORDS) or name in ("network", "link_nodes")
    ]
    if not old:
        return ds
    out = ds.reset_coords(old)
    for name in old:
        var = STATIC.get(name)
        dim = var.dims[0] if var is not None else None
        if dim in ("node", "link"):
            out[name].attrs.update(mesh="network", location="node" if dim == "node" else "edge")
    out.attrs["results_schema"] = RESULTS_SCHEMA
    out.set_close(ds.close)
    return out


def _prepared(ds: xr.Dataset) -> xr.Dataset:
    """A shallow copy with storable attributes and no stale on-disk encodings."""
    out = ds.copy(deep=False)
    out.attrs = _storable(out.attrs)
    for name in out.variables:
        var = out.variables[name]
        var.attrs = _storable(var.attrs)
        var.encoding = {k: v for k, v in var.encoding.items() if k in _KEEP_ENCODING}
    return out


def _storable(attrs: dict) -> dict:
    out = {}
    for key, value in attrs.items():
        value = cf_attr_value(key, value)
        if value is not None:
            out[key] = value
    return out


def _encoding(ds: xr.Dataset, complevel: int, zarr: bool) -> dict:
    """NetCDF encodings: zlib + shuffle for big numeric arrays, strings as char arrays."""
    if zarr:
        return {}
    enc = {}
    for name, var in ds.variables.items():
        if var.dtype.kind in "OU":
            # names as UTF-8 character arrays: a fraction of HDF5 variable-length strings
            width = max((len(str(v).encode()) for v in var.values.ravel()), default=0)
            if not width:
                enc[name] = {"dtype": str}  # empty: variable-length, so it reads back as text
            if width:
                chunks = (*_chunks(var.shape, width, 1 << 18), width)
                enc[name] = {"dtype": "S1", "chunksizes": chunks}
                if complevel > 0:
                    enc[name].update(zlib=True, complevel=int(complevel))
        elif complevel > 0 and var.dtype.kind in "iuf" and var.size >= COMPRESS_MIN_SIZE:
            enc[name] = {"zlib": True, "complevel": int(complevel), "shuffle": True}
            enc[name]["chunksizes"] = _chunks(var.shape, var.dtype.itemsize)
    return enc


def _chunks(shape, itemsize, target_bytes=1 << 20) -> tuple[int, ...]:
    """Chunks of about ``target_bytes``: whole trailing (element) axes, split leading ones."""
    chunks = list(shape)
    i = 0
    while int(np.prod(chunks)) * itemsize > target_bytes and i < len(chunks):
        rest = int(np.prod(chunks[i + 1 :])) * itemsize
        chunks[i] = max(1, min(chunks[i], target_bytes // max(rest, 1)))
        if rest > target_bytes:
            chunks[i] = 1
        i += 1
    return tuple(max(1, int(c)) for c in chunks)


def _unlimited() -> int:
    """Results files are opened lazily (not read whole): no size limit."""
    return 1 << 62
