"""Street flooding as GIS data: flood-extent polygons by depth class, the max-depth raster.

The 2D surface's maximum depth ``surface_max_depth`` (y, x) [m] is classed
(:data:`DEPTH_CLASSES_M`, from the threshold up) and each connected patch of one class
(4-connected cells, as GDAL's polygonize) becomes one polygon. For an ensemble the
extent is where the flood probability exceeds 0.5 (the fraction of the members that ran
whose maximum depth exceeds the threshold, as ``surface_flood_probability`` is computed
at the run's own threshold), and its depths are the members' median maximum depth.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from twin.errors import InputError

__all__ = [
    "DEPTH_CLASSES_M",
    "ENSEMBLE_PROBABILITY",
    "check_threshold",
    "flood_extent_layer",
    "max_depth_raster",
]

DEPTH_CLASSES_M = (0.3, 0.5, 1.0, 2.0)  # class edges above the threshold [m]
ENSEMBLE_PROBABILITY = 0.5  # an ensemble's extent: cells flooded in more members than this


def check_threshold(threshold_m) -> None:
    """An InputError unless ``threshold_m`` is a positive, finite depth [m]."""
    if not (np.isfinite(threshold_m) and threshold_m > 0):
        raise InputError(f"--threshold must be a positive depth in metres, got {threshold_m}")


def max_depth_raster(ds: xr.Dataset) -> xr.DataArray:
    """The surface's maximum depth [m] on (y, x), north up (y decreasing), NaN off the map.

    For an ensemble, the members' median.

    Raises
    ------
    InputError
        When the result has no 2D surface.
    """
    if "surface_max_depth" not in ds:
        raise InputError(
            "the result has no 2D surface (no surface_max_depth): "
            "run it with --surface to export street flooding"
        )
    da = ds["surface_max_depth"]
    if "member" in da.dims:
        ok = ds["member_status"].values == 0 if "member_status" in ds else slice(None)
        with warnings.catch_warnings():  # cells no member reached
            warnings.simplefilter("ignore", RuntimeWarning)
            da = da.isel(member=ok).median("member")
    out = da.transpose("y", "x").astype(np.float32).sortby("x").sortby("y", ascending=False)
    out.name = "max_depth"
    out.attrs = {"units": "m", "long_name": "maximum surface water depth"}
    return out


def flood_extent_layer(ds: xr.Dataset, threshold_m: float = 0.1, crs=None):
    """Polygons where the maximum surface depth exceeds ``threshold_m``, by depth class.

    Columns: ``depth_class`` ("0.1-0.3 m", ..., ">2 m"), ``depth_from_m``,
    ``depth_to_m`` (the class bounds; ``inf`` for the last), ``max_depth_m`` (deepest
    cell of the polygon), ``area_m2``; an ensemble adds ``flood_probability`` (the
    polygon's mean).

    Raises
    ------
    InputError
        When the result has no 2D surface, or the threshold is not positive.
    """
    import geopandas as gpd
    import shapely
    from rasterio.features import shapes
    from scipy import ndimage

    check_threshold(threshold_m)
    depth_da = max_depth_raster(ds)
    depth = np.nan_to_num(depth_da.values.astype(np.float64), nan=0.0)
    wet = depth > threshold_m
    prob = _probability(ds, threshold_m)
    if prob is not None:
        wet = prob > ENSEMBLE_PROBABILITY
    edges = np.array([threshold_m, *[e for e in DEPTH_CLASSES_M if e > threshold_m], np.inf])
    klass = np.clip(np.searchsorted(edges, depth, side="right"), 1, len(edges) - 1)
    klass = np.where(wet, klass, 0)
    patches = np.zeros(depth.shape, np.int32)
    n = 0
    for k in range(1, len(edges)):
        lab, count = ndimage.label(klass == k)
        patches[lab > 0] = lab[lab > 0] + n
        n += count
    columns = {"depth_class": [], "depth_from_m": [], "depth_to_m": [], "max_depth_m": []}
    if prob is not None:
        columns["flood_probability"] = []
    geoms = []
    if n:
        ids = np.arange(1, n + 1)
        deepest = ndimage.maximum(depth, patches, ids)
        mean_p = ndimage.mean(prob, patches, ids) if prob is not None else None
        first = ndimage.minimum(klass, patches, ids).astype(int)
        transform = _transform(depth_da)
        for geom, value in shapes(patches, mask=patches > 0, connectivity=4, transform=transform):
            i = int(value) - 1
            k = first[i]
            geoms.append(shapely.geometry.shape(geom))
            columns["depth_class"].append(_label(edges[k - 1], edges[k]))
            columns["depth_from_m"].append(float(edges[k - 1]))
            columns["depth_to_m"].append(float(edges[k]))
            columns["max_depth_m"].append(float(deepest[i]))
            if mean_p is not None:
                columns["flood_probability"].append(float(mean_p[i]))
    frame = gpd.GeoDataFrame(columns, geometry=geoms, crs=crs)
    frame["area_m2"] = frame.geometry.area
    return frame


def _probability(ds: xr.Dataset, threshold_m: float) -> np.ndarray | None:
    """(y, x) north up: the fraction of the members that ran whose max depth > threshold."""
    hmax = ds["surface_max_depth"]
    if "member" not in hmax.dims:
        return None
    hmax = hmax.transpose("member", "y", "x").sortby("x").sortby("y", ascending=False)
    ok = ds["member_status"].values == 0 if "member_status" in ds else np.ones(len(hmax), bool)
    h = np.asarray(hmax.values, np.float64)[ok]
    return (h > threshold_m).mean(axis=0) if len(h) else np.zeros(h.shape[1:])


def _transform(da: xr.DataArray):
    """The affine transform of a north-up grid of cell centres ``x``, ``y`` [m]."""
    from affine import Affine

    x, y = da["x"].values.astype(np.float64), da["y"].values.astype(np.float64)
    dx = float(x[1] - x[0]) if len(x) > 1 else 1.0
    dy = float(y[0] - y[1]) if len(y) > 1 else dx
    return Affine(dx, 0.0, float(x[0]) - dx / 2, 0.0, -dy, float(y[0]) + dy / 2)


def _label(lo: float, hi: float) -> str:
    return f">{lo:g} m" if not np.isfinite(hi) else f"{lo:g}-{hi:g} m"
