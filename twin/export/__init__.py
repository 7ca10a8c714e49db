"""Results as GIS files: a GeoPackage of the network and the flooding, a GeoTIFF of the depth.

``export_results(ds, "flood.gpkg")`` writes the layers ``nodes`` (points),
``links`` (lines through the ``.inp`` vertices), ``subcatchments`` (the ``[POLYGONS]``
outlines) and ``flood_extent`` (the 2D surface's maximum depth above a threshold, by
depth class; for an ensemble, where the flood probability exceeds 0.5).
``export_results(ds, "depth.tif")`` writes the surface's maximum depth [m] as a
GeoTIFF. Everything comes from the results file: it keeps the link and subcatchment
shapes and the CRS of its map (CF grid mapping ``crs``).

Needs the ``geo`` extra (GeoPandas, pyogrio, shapely, rasterio, rioxarray, cf_xarray).

Examples
--------
>>> import twin  # doctest: +SKIP
>>> twin.export_results("run.nc", "run.gpkg", crs="EPSG:5186")  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from pathlib import Path

import xarray as xr

from twin.errors import InputError, TwinError, TwinWarning
from twin.export.files import check_target, replace_atomically, resolve_crs
from twin.export.flood import check_threshold, flood_extent_layer, max_depth_raster

__all__ = ["LAYERS", "RASTER_SUFFIXES", "VECTOR_SUFFIXES", "export_results"]

LAYERS = ("nodes", "links", "subcatchments", "flood_extent")
VECTOR_SUFFIXES = (".gpkg",)
RASTER_SUFFIXES = (".tif", ".tiff")


def export_results(results, out_path, *, crs=None, threshold_m: float = 0.1, layers=None) -> Path:
    """Write a result (Dataset or results file) as a GeoPackage or a GeoTIFF.

    Parameters
    ----------
    results : xarray.Dataset or path-like
        A result of :func:`twin.simulate` / :func:`twin.run_ensemble`, or its file.
    out_path : path-like
        ``.gpkg`` (vector layers) or ``.tif``/``.tiff`` (surface max depth); written
        whole or not at all.
    crs : str, optional
        "EPSG:5186", WKT, ... When the result has no CRS, the CRS of its coordinates;
        when it has another, the layers are reprojected to this one. Without either,
        the files are written without a CRS and a warning says so.
    threshold_m : float
        ``flood_extent``: the depth [m] above which a cell counts as flooded.
    layers : sequence of str, optional
        GeoPackage layers to write (of :data:`LAYERS`); by default every layer the
        result has data for. Naming ``flood_extent`` for a result without a 2D
        surface is an error.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        An unknown suffix or layer, a CRS that is not one, ``flood_extent`` or a
        GeoTIFF from a result without a surface, or a folder that cannot be written.
    """
    _need_geo()
    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES + RASTER_SUFFIXES:
        raise InputError(
            f"cannot export to {out_path.name}: give a .gpkg (vector layers) "
            "or a .tif (surface max depth) file"
        )
    wanted = _layers(layers) if layers is not None else None
    if suffix in RASTER_SUFFIXES and wanted is not None:
        raise InputError("layers apply to a .gpkg export; a .tif holds the surface max depth")
    check_target(out_path)
    if suffix in VECTOR_SUFFIXES and (wanted is None or "flood_extent" in wanted):
        check_threshold(threshold_m)
    ds = _dataset(results)
    needs_surface = suffix in RASTER_SUFFIXES or (wanted is not None and "flood_extent" in wanted)
    if needs_surface and "surface_max_depth" not in ds:
        what = "layer flood_extent" if suffix in VECTOR_SUFFIXES else f"a {suffix} of the depth"
        raise InputError(
            f"{what} needs a result with a 2D surface; this one has none (run it with --surface)"
        )
    stored, target = resolve_crs(ds, crs)
    if stored is None:
        warnings.warn(
            "the result has no CRS and none was given (--crs EPSG:XXXX): "
            f"{out_path.name} is written without one",
            TwinWarning,
            stacklevel=2,
        )
    if suffix in RASTER_SUFFIXES:
        return _write_raster(ds, out_path, stored, target)
    return _write_layers(ds, out_path, wanted, threshold_m, stored, target)


def _need_geo() -> None:
    import importlib.util

    missing = [m for m in ("geopandas", "pyogrio", "shapely", "rioxarray", "cf_xarray")
               if importlib.util.find_spec(m) is None]  # fmt: skip
    if missing:
        raise TwinError(f"twin export needs {', '.join(missing)}: pip install 'sewer-twin[geo]'")


def _layers(layers) -> tuple[str, ...]:
    names = [layers] if isinstance(layers, str) else list(layers)
    names = [n.strip() for name in names for n in str(name).split(",") if n.strip()]
    unknown = [n for n in names if n not in LAYERS]
    if unknown or not names:
        raise InputError(
            f"unknown layer {unknown[0]!r}; layers: {', '.join(LAYERS)}"
            if unknown
            else f"no layer named; layers: {', '.join(LAYERS)}"
        )
    return tuple(dict.fromkeys(names))


def _dataset(results) -> xr.Dataset:
    if isinstance(results, xr.Dataset):
        return results
    from twin.engine.results_io import open_results

    return open_results(results)


def _write_layers(ds, out_path, wanted, threshold_m, stored, target) -> Path:
    from twin.export.vector import link_layer, node_layer, subcatchment_layer

    builders = {
        "nodes": lambda: node_layer(ds, stored),
        "links": lambda: link_layer(ds, stored),
        "subcatchments": lambda: subcatchment_layer(ds, stored),
        "flood_extent": lambda: (
            flood_extent_layer(ds, threshold_m, stored) if "surface_max_depth" in ds else None
        ),
    }
    frames = {}
    for name in wanted or LAYERS:
        frame = builders[name]()
        if frame is None and wanted is not None:
            raise InputError(f"layer {name}: the result has no {name} with a shape")
        if frame is not None:
            frames[name] = frame.to_crs(target) if target is not None else frame

    def write(tmp: Path) -> None:
        with warnings.catch_warnings():  # "no crs" was said once above, not per layer
            warnings.filterwarnings("ignore", message=".crs. was not provided")
            for i, (name, frame) in enumerate(frames.items()):
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", append=i > 0)

    return replace_atomically(out_path, write)


def _write_raster(ds, out_path, stored, target) -> Path:
    import rioxarray  # noqa: F401  (the .rio accessor)

    depth = max_depth_raster(ds)
    depth = depth.rio.set_spatial_dims(x_dim="x", y_dim="y")
    depth = depth.rio.write_nodata(float("nan"), encoded=False)
    if stored is not None:
        depth = depth.rio.write_crs(stored)
        if target is not None:
            depth = depth.rio.reproject(target)

    from rasterio.io import MemoryFile

    from twin.files import write_bytes

    # encoded in memory, then written whole: GDAL's GeoTIFF writer meeting a full disk
    # prints libtiff errors and leaves an empty file without raising
    with MemoryFile(ext=".tif") as mem:
        depth.rio.to_raster(mem.name, driver="GTiff", compress="DEFLATE")
        mem.seek(0)
        data = mem.read()
    return write_bytes(out_path, data)
