"""The network's layers as GeoDataFrames: nodes (points), links (lines), subcatchments (polygons).

Geometry comes from the results file alone: node points from ``node_x``/``node_y``,
link lines and subcatchment outlines from its CF-1.8 geometries (``link_geometry``,
``subcatchment_geometry``), read by cf_xarray. A file written before those existed
(results schema 1) gets straight links between their end nodes and no outlines.

For an ensemble, a member-wise quantity is the members' median (over the members that
ran), the flood volume their mean, and ``flood_probability`` is added.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from twin.errors import TwinWarning

__all__ = ["node_layer", "link_layer", "subcatchment_layer", "is_ensemble"]


def is_ensemble(ds: xr.Dataset) -> bool:
    """Whether ``ds`` holds an ensemble (a ``member`` dimension)."""
    return "member" in ds.dims


def node_layer(ds: xr.Dataset, crs=None):
    """One point per node with its properties and event summaries.

    Columns: ``name``, ``kind``, ``invert_m``, ``rim_m``, ``max_depth_m``,
    ``max_head_m``, ``flood_volume_m3``, ``flood_hours``, ``surcharge_hours``
    (SI units as the names say); an ensemble adds ``flood_probability`` and
    ``flood_volume_p90_m3``, a single run ``max_depth_time``. A node without map
    coordinates has no geometry.
    """
    import geopandas as gpd

    x, y = _floats(ds, "node_x"), _floats(ds, "node_y")
    columns = {
        "name": _words(ds, "node_name", "node"),
        "kind": _words(ds, "node_kind", None),
        "invert_m": _floats(ds, "node_invert"),
        "rim_m": _floats(ds, "node_rim"),
        "max_depth_m": _typical(ds, "node_max_depth"),
        "max_head_m": _typical(ds, "node_max_head"),
        "flood_volume_m3": _flood_volume(ds),
        "flood_hours": _typical(ds, "node_flood_hours"),
        "surcharge_hours": _typical(ds, "node_surcharge_hours"),
    }
    if is_ensemble(ds):
        columns["flood_probability"] = _floats(ds, "node_flood_probability")
        columns["flood_volume_p90_m3"] = _floats(ds, "node_flood_volume_p90")
    elif "node_max_depth_time" in ds:
        columns["max_depth_time"] = ds["node_max_depth_time"].values
    ok = np.isfinite(x) & np.isfinite(y)
    geometry = gpd.points_from_xy(np.where(ok, x, 0.0), np.where(ok, y, 0.0))
    geometry[~ok] = None
    return gpd.GeoDataFrame(_present(columns), geometry=geometry, crs=crs)


def link_layer(ds: xr.Dataset, crs=None):
    """One line per link, through its vertices, with its properties and event peaks.

    Columns: ``name``, ``kind``, ``from_node``, ``to_node``, ``length_m``,
    ``full_depth_m``, ``full_flow_m3s``, ``max_flow_m3s``, ``max_velocity_ms``,
    ``max_capacity`` (maximum depth / full depth), ``surcharge_hours``; an ensemble adds
    ``max_capacity_p90``.
    """
    import geopandas as gpd

    columns = {
        "name": _words(ds, "link_name", "link"),
        "kind": _words(ds, "link_kind", None),
        "from_node": _words(ds, "link_from", None),
        "to_node": _words(ds, "link_to", None),
        "length_m": _floats(ds, "link_length"),
        "full_depth_m": _floats(ds, "link_full_depth"),
        "full_flow_m3s": _floats(ds, "link_full_flow"),
        "max_flow_m3s": _typical(ds, "link_max_flow"),
        "max_velocity_ms": _typical(ds, "link_max_velocity"),
        "max_capacity": _typical(ds, "link_max_capacity"),
        "surcharge_hours": _typical(ds, "link_surcharge_hours"),
    }
    if is_ensemble(ds) and "link_max_capacity_quantile" in ds:
        columns["max_capacity_p90"] = _quantile_of(ds, "link_max_capacity_quantile", 0.9)
    return gpd.GeoDataFrame(_present(columns), geometry=_link_shapes(ds), crs=crs)


def subcatchment_layer(ds: xr.Dataset, crs=None):
    """One polygon per subcatchment drawn in ``[POLYGONS]`` (the others are left out).

    Columns: ``name``, ``outlet``, ``area_m2``, ``rainfall_mm`` (total),
    ``infiltration_mm``, ``runoff_m3`` (total), ``peak_runoff_m3s``. ``None`` when the
    file has no subcatchment outlines.
    """
    import geopandas as gpd

    if "subcatchment_geometry" not in ds or not ds.sizes.get("subcatchment"):
        return None
    shapes = _cf_shapes(ds, "subcatchment_geometry")
    drawn = ~np.asarray([g is None or g.is_empty for g in shapes])
    if not drawn.any():
        return None
    columns = {
        "name": _words(ds, "subcatchment_name", "subcatchment"),
        "outlet": _words(ds, "subcatchment_outlet", None),
        "area_m2": _floats(ds, "subcatchment_area"),
        "rainfall_mm": _typical(ds, "subcatchment_total_rainfall"),
        "infiltration_mm": _typical(ds, "subcatchment_total_infiltration"),
        "runoff_m3": _typical(ds, "subcatchment_total_runoff"),
        "peak_runoff_m3s": _typical(ds, "subcatchment_max_runoff"),
    }
    frame = gpd.GeoDataFrame(_present(columns), geometry=shapes, crs=crs)
    return frame[drawn].reset_index(drop=True)


# -- helpers -----------------------------------------------------------------------------


def _link_shapes(ds):
    import shapely

    if "link_geometry" in ds:
        return _cf_shapes(ds, "link_geometry")
    x, y = _floats(ds, "node_x"), _floats(ds, "node_y")
    if not (np.isfinite(x) & np.isfinite(y)).any():
        warnings.warn(
            "the network has no map coordinates ([COORDINATES] is empty): nodes and links "
            "are exported without geometry",
            TwinWarning,
            stacklevel=3,
        )
        return np.full(ds.sizes.get("link", 0), None, dtype=object)
    warnings.warn(
        "the results file has no link geometry (written before results schema 2): "
        "links are drawn straight between their nodes",
        TwinWarning,
        stacklevel=3,
    )
    index = {n: i for i, n in enumerate(_words(ds, "node_name", "node"))}
    x, y = _floats(ds, "node_x"), _floats(ds, "node_y")
    a = np.array([index[n] for n in _words(ds, "link_from", None)], dtype=np.int64)
    b = np.array([index[n] for n in _words(ds, "link_to", None)], dtype=np.int64)
    coords = np.stack([np.column_stack([x[a], y[a]]), np.column_stack([x[b], y[b]])], axis=1)
    lines = shapely.linestrings(coords)
    lines[~np.isfinite(coords).all(axis=(1, 2))] = None
    return lines


def _cf_shapes(ds, container):
    """Shapely geometries of a CF-1.8 container (``None`` for an empty one)."""
    from cf_xarray.geometry import cf_to_shapely

    shapes = np.asarray(cf_to_shapely(ds, container=container).values, dtype=object)
    return np.array([None if g.is_empty else g for g in shapes], dtype=object)


def _present(columns: dict) -> dict:
    """The columns whose variable the file has."""
    return {k: v for k, v in columns.items() if v is not None}


def _floats(ds, name):
    if name not in ds.variables:
        return None
    if "member" in ds[name].dims:  # e.g. link_full_flow: the same in every member
        return _typical(ds, name)
    return np.asarray(ds[name].values, np.float64)


def _words(ds, name, fallback):
    name = name if name in ds.variables else fallback
    if name is None or name not in ds.variables:
        return None
    return np.array([str(v) for v in ds[name].values], dtype=object)


def _ran(ds) -> np.ndarray:
    status = ds["member_status"].values if "member_status" in ds else np.zeros(ds.sizes["member"])
    return np.asarray(status) == 0


def _typical(ds, name):
    """A per-element summary: the value, or for an ensemble the members' median."""
    if name not in ds:
        return None
    da = ds[name]
    if "member" not in da.dims:
        return np.asarray(da.values, np.float64)
    values = np.asarray(da.transpose("member", ...).values, np.float64)[_ran(ds)]
    with warnings.catch_warnings():  # elements no member reached are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=0) if len(values) else np.full(values.shape[1:], np.nan)


def _flood_volume(ds):
    if is_ensemble(ds) and "node_flood_volume_mean" in ds:
        return _floats(ds, "node_flood_volume_mean")  # the expected volume
    return _typical(ds, "node_flood_volume")


def _quantile_of(ds, name, q):
    return np.asarray(ds[name].sel(quantile=q, method="nearest").values, np.float64)
