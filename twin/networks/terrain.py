"""Terrain (digital elevation model) for a sewer network: make, write, load, derive.

A terrain is an :class:`xarray.DataArray` named ``elevation`` [m] on dims ``(y, x)``
with 1-D coordinates ``x`` and ``y`` [m] (cell centres, increasing), CF attributes,
stored as NetCDF (classic format, written with xarray's ``scipy`` engine so that no
HDF5 library is needed and the bytes are reproducible).

The synthetic district's ground is an analytic surface, :class:`TerrainSpec`; the
generator evaluates it exactly at the manholes (rims) and samples it on a grid for
the DEM, so that rims and DEM agree to the interpolation error (millimetres).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from twin.errors import InputError, TwinWarning
from twin.kernels.codes import NodeKind

__all__ = [
    "TerrainSpec",
    "elevation_at",
    "slope_at",
    "make_terrain",
    "write_terrain",
    "GEOTIFF_SUFFIXES",
    "load_terrain",
    "terrain_from_nodes",
]


@dataclass(frozen=True)
class TerrainSpec:
    """An analytic ground surface: a tilted plane, gentle waves, a polder, a river valley.

    The town lies on ``y >= 0``; the ground rises away from the river with slope
    ``fall_y`` (m/m) and along it with ``fall_x``.  ``waves`` are ``(amplitude_m,
    wavelength_x_m, wavelength_y_m, phase_rad)`` cosine undulations.  The river runs
    along ``y = river_y_m`` (< 0); between ``bank_y_m`` and the river the ground drops
    by ``valley_depth_m`` along a cosine profile, and nothing changes for
    ``y >= bank_y_m``.  ``polder`` is ``(x_m, y_m, radius_m, depth_m)`` (a Gaussian
    bowl, the low area that a pumping station drains) or ``None``.
    """

    x_min_m: float
    x_max_m: float
    y_max_m: float
    base_m: float
    fall_y: float
    fall_x: float
    waves: tuple = ()
    river_y_m: float = -90.0
    bank_y_m: float = -20.0
    valley_depth_m: float = 8.0
    polder: tuple | None = None


def elevation_at(spec: TerrainSpec, x, y) -> np.ndarray:
    """Ground elevation [m] of ``spec`` at points ``x``, ``y`` [m] (any broadcastable shape)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    z = spec.base_m + spec.fall_y * y + spec.fall_x * x
    for amp, lx, ly, phase in spec.waves:
        z = z + amp * np.cos(2.0 * np.pi * (x / lx + y / ly) + phase)
    if spec.polder is not None:
        px, py, radius, depth = spec.polder
        z = z - depth * np.exp(-((x - px) ** 2 + (y - py) ** 2) / (2.0 * radius**2))
    # river valley: cosine drop from the bank line to the river centre, flat beyond
    span = spec.bank_y_m - spec.river_y_m
    s = np.clip((spec.bank_y_m - y) / span, 0.0, 1.0)
    return z - spec.valley_depth_m * 0.5 * (1.0 - np.cos(np.pi * s))


def slope_at(spec: TerrainSpec, x, y, h_m: float = 1.0) -> np.ndarray:
    """Magnitude of the ground gradient [m/m] at ``x``, ``y`` by central differences."""
    dzdx = (elevation_at(spec, x + h_m, y) - elevation_at(spec, x - h_m, y)) / (2 * h_m)
    dzdy = (elevation_at(spec, x, y + h_m) - elevation_at(spec, x, y - h_m)) / (2 * h_m)
    return np.hypot(dzdx, dzdy)


def _grid(x0: float, x1: float, cell_m: float) -> np.ndarray:
    n = int(np.ceil((x1 - x0) / cell_m)) + 1
    return x0 + cell_m * np.arange(n, dtype=np.float64)


def _as_dataarray(x, y, z, attrs: dict) -> xr.DataArray:
    da = xr.DataArray(
        z,
        dims=("y", "x"),
        coords={"x": ("x", x), "y": ("y", y)},
        name="elevation",
        attrs={
            "units": "m",
            "long_name": "ground surface elevation",
            "standard_name": "surface_altitude",
            **attrs,
        },
    )
    da.x.attrs.update(units="m", long_name="easting", standard_name="projection_x_coordinate")
    da.y.attrs.update(units="m", long_name="northing", standard_name="projection_y_coordinate")
    return da


def make_terrain(spec: TerrainSpec, cell_m: float = 10.0, margin_m: float = 100.0) -> xr.DataArray:
    """Sample ``spec`` on a regular grid covering the town, its margin and the river.

    Parameters
    ----------
    spec : TerrainSpec
    cell_m : float
        Grid spacing [m] (5-10 m for a district; coarser keeps big files small).
    margin_m : float
        Extra ground around the town and beyond the river [m].

    Returns
    -------
    xarray.DataArray
        ``elevation`` (ny, nx) float32 [m] with coords ``x`` (nx,), ``y`` (ny,) [m].
    """
    if not cell_m > 0:
        raise InputError(f"terrain cell size must be positive, got {cell_m}")
    x = _grid(spec.x_min_m - margin_m, spec.x_max_m + margin_m, cell_m)
    y = _grid(spec.river_y_m - margin_m, spec.y_max_m + margin_m, cell_m)
    z = elevation_at(spec, x[None, :], y[:, None]).astype(np.float32)
    return _as_dataarray(x, y, z, {"source": "synthetic district terrain", "cell_m": cell_m})


def write_terrain(da: xr.DataArray, path) -> Path:
    """Write a terrain to NetCDF-3 whole or not at all (:func:`twin.files.write_bytes`)."""
    from twin.files import netcdf_bytes, write_bytes

    ds = da.to_dataset(name="elevation")
    ds.attrs.update(Conventions="CF-1.8", title="sewer-twin terrain")
    return write_bytes(path, netcdf_bytes(ds, engine="scipy", format="NETCDF3_64BIT"))


GEOTIFF_SUFFIXES = (".tif", ".tiff")


def load_terrain(path) -> xr.DataArray:
    """Read a DEM: NetCDF (variable ``elevation`` [m] on coords ``x``, ``y`` [m]) or GeoTIFF.

    A GeoTIFF (``.tif``/``.tiff``, read with the optional ``rioxarray``, extra
    ``geo``) gives its band 1 as ``elevation`` [m] on ``y``, ``x`` (cell centres of its
    projected CRS, increasing), its nodata cells as NaN.

    Raises
    ------
    InputError
        When the file is missing or unreadable, or lacks the variable or the coords.
    """
    from twin.files import checked_input

    path = checked_input(path, what="terrain file")
    if path.suffix.lower() in GEOTIFF_SUFFIXES:
        return _load_geotiff(path)
    try:
        ds = xr.load_dataset(path, engine=_netcdf_engine(path))
    except Exception as exc:  # the backends raise many types
        raise InputError(f"cannot read terrain NetCDF: {exc}", file=path) from exc
    if "elevation" not in ds.data_vars:
        have = ", ".join(map(str, ds.data_vars)) or "none"
        raise InputError(f"no variable 'elevation' (variables: {have})", file=path)
    da = ds["elevation"]
    missing = [c for c in ("x", "y") if c not in da.coords or c not in da.dims]
    if missing:
        raise InputError(
            f"variable 'elevation' lacks coordinate(s) {', '.join(missing)} (needs dims y, x)",
            file=path,
        )
    if set(da.dims) != {"y", "x"}:
        raise InputError(f"variable 'elevation' must have dims (y, x), has {da.dims}", file=path)
    da = da.transpose("y", "x")
    gm = ds[da.attrs["grid_mapping"]] if da.attrs.get("grid_mapping") in ds.variables else None
    if gm is not None and (gm.attrs.get("crs_wkt") or gm.attrs.get("spatial_ref")):
        da.attrs["crs"] = gm.attrs.get("crs_wkt") or gm.attrs.get("spatial_ref")  # CF CRS
    for c in ("x", "y"):
        if da[c].size > 1 and np.any(np.diff(da[c].values) < 0):
            da = da.sortby(c)
    return checked_elevation(da, path)


def checked_elevation(da: xr.DataArray, source=None) -> xr.DataArray:
    """``da`` as float64 elevations [m], or an InputError: NaN marks a blocked cell, but
    an infinite value is an error, and so is a DEM without one valid cell."""
    try:
        z = da.astype(np.float64)
    except (TypeError, ValueError):
        raise InputError(f"elevations must be numbers, got {da.dtype}", file=source) from None
    if source is not None:
        z.attrs["path"] = str(source)  # named by later errors (e.g. a DEM of elsewhere)
    values = z.values
    if np.any(np.isinf(values)):
        iy, ix = np.argwhere(np.isinf(values))[0]
        raise InputError(
            f"infinite elevation at x={float(z.x[ix]):g}, y={float(z.y[iy]):g}", file=source
        )
    if not np.any(np.isfinite(values)):
        raise InputError("the DEM has no cell with an elevation (all NaN)", file=source)
    return z


def _netcdf_engine(path: Path) -> str | None:
    """The xarray engine for a NetCDF file by its signature (HDF5: ``h5netcdf``; classic
    NetCDF: ``scipy``), None to let xarray guess.  Naming it skips xarray's scan of every
    installed backend, which imports rioxarray and dask (about 1 s of a ``twin run``,
    before its routing step can start compiling)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return None
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "h5netcdf"
    if head.startswith(b"CDF"):
        return "scipy"
    return None


def _load_geotiff(path: Path) -> xr.DataArray:
    """Band 1 of a GeoTIFF as ``elevation`` (y, x) float64 [m]; nodata -> NaN."""
    try:
        import rioxarray
    except ImportError as exc:
        raise InputError(
            "reading a GeoTIFF DEM needs rioxarray (pip install 'sewer-twin[geo]')", file=path
        ) from exc
    try:
        da = rioxarray.open_rasterio(path, masked=True)
        if "band" in da.dims:
            da = da.isel(band=0, drop=True)
        da = da.squeeze(drop=True).load()
    except Exception as exc:  # rasterio raises many types
        raise InputError(f"cannot read GeoTIFF terrain: {exc}", file=path) from exc
    if set(da.dims) != {"y", "x"}:
        raise InputError(f"GeoTIFF band 1 has dims {da.dims}, expected (y, x)", file=path)
    crs = da.rio.crs
    da = da.astype(np.float64).transpose("y", "x").sortby("x").sortby("y")
    x, y = (np.asarray(da[c].values, np.float64) for c in ("x", "y"))
    attrs = {"source": f"GeoTIFF {path.name}"}
    if crs is not None:
        attrs["crs"] = crs.to_string()
    return checked_elevation(_as_dataarray(x, y, da.values, attrs), path)


def terrain_from_nodes(net, cell_m: float = 10.0, margin_m: float = 50.0) -> xr.DataArray:
    """Derive a ground surface from node rims (invert + max depth) and coordinates.

    Outfalls and nodes with a zero max depth (SWMM's "unknown") are left out.

    Linear interpolation between nodes (Delaunay), nearest node outside their hull.
    Emits a :class:`~twin.errors.TwinWarning` saying that the surface was derived, not measured.

    Parameters
    ----------
    net : Network
        Nodes need finite ``x``, ``y`` (from [COORDINATES]).
    cell_m : float
        Grid spacing [m].

    Returns
    -------
    xarray.DataArray
        ``elevation`` (ny, nx) float32 [m].
    """
    from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator

    nodes = net.nodes
    x = np.asarray(nodes.x, dtype=np.float64)
    y = np.asarray(nodes.y, dtype=np.float64)
    rim = np.asarray(nodes.invert_m, dtype=np.float64) + np.asarray(
        nodes.max_depth_m, dtype=np.float64
    )
    # outfalls have no rim, and a max depth of 0 means "unknown" in SWMM
    has_rim = (np.asarray(nodes.kind) != NodeKind.OUTFALL) & (np.asarray(nodes.max_depth_m) > 0)
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(rim) & has_rim
    if ok.sum() < 3:
        raise InputError(
            "no DEM beside the network, and no terrain can be derived for the 2D surface: "
            "fewer than 3 nodes have map coordinates and a rim above the invert "
            f"({int(ok.sum())} do)",
            file=net.source or None,
        )
    pts = np.column_stack([x[ok], y[ok]])
    gx = _grid(pts[:, 0].min() - margin_m, pts[:, 0].max() + margin_m, cell_m)
    gy = _grid(pts[:, 1].min() - margin_m, pts[:, 1].max() + margin_m, cell_m)
    mx, my = np.meshgrid(gx, gy)
    z = np.full(mx.shape, np.nan)
    try:
        z = LinearNDInterpolator(pts, rim[ok])(mx, my)
    except Exception:  # collinear nodes: Qhull cannot triangulate
        pass
    holes = ~np.isfinite(z)
    if holes.any():
        z[holes] = NearestNDInterpolator(pts, rim[ok])(mx[holes], my[holes])
    warnings.warn(
        f"terrain derived from {int(ok.sum())} node rim elevations by interpolation "
        f"(no DEM given){' for ' + net.source if net.source else ''}",
        TwinWarning,
        stacklevel=2,
    )
    return _as_dataarray(
        gx,
        gy,
        z.astype(np.float32),
        {"source": "derived from node rim elevations", "cell_m": cell_m},
    )
