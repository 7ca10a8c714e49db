"""Coordinate reference systems of results: parse one, store it as a CF grid mapping, read it back.

A results file keeps the CRS of its map coordinates (from the DEM or the network) in a
scalar variable ``crs`` with CF grid-mapping attributes (``grid_mapping_name``,
``crs_wkt``, and GDAL's ``spatial_ref``), which cf_xarray, rioxarray, GDAL and QGIS
read; every element and surface variable names it in ``grid_mapping``.
"""

from __future__ import annotations

import xarray as xr

from twin.networks.crs import parse_crs

__all__ = ["GRID_MAPPING", "parse_crs", "crs_attrs", "crs_of", "crs_of_dem", "with_crs"]

GRID_MAPPING = "crs"  # the name of the grid-mapping variable in a results file
_MAPPED_DIMS = {"node", "link", "subcatchment", "x", "y"}


def crs_attrs(crs, source=None) -> dict:
    """CF grid-mapping attributes of ``crs`` (anything :func:`parse_crs` takes)."""
    crs = parse_crs(crs, source)
    attrs = {k: v for k, v in crs.to_cf().items() if v is not None}
    attrs["spatial_ref"] = attrs["crs_wkt"]  # GDAL's name for the same WKT
    epsg = crs.to_epsg()
    if epsg is not None:
        attrs["epsg_code"] = f"EPSG:{epsg}"
    return attrs


def crs_of(ds: xr.Dataset) -> str | None:
    """The WKT of the CRS kept in a results Dataset, or ``None`` when it has none."""
    if GRID_MAPPING not in ds.variables:
        return None
    attrs = ds[GRID_MAPPING].attrs
    return attrs.get("crs_wkt") or attrs.get("spatial_ref") or None


def crs_of_dem(dem) -> str:
    """The CRS text of a DEM DataArray: its ``crs`` attribute, else the WKT of its grid
    mapping coordinate (rioxarray's ``spatial_ref``, or ``crs``); "" when it has none."""
    if dem is None:
        return ""
    if dem.attrs.get("crs"):
        return str(dem.attrs["crs"])
    gm = dem.attrs.get("grid_mapping") or dem.encoding.get("grid_mapping")
    for name in (gm, "spatial_ref", GRID_MAPPING):
        if name and name in dem.coords:
            attrs = dem.coords[name].attrs
            wkt = attrs.get("crs_wkt") or attrs.get("spatial_ref")
            if wkt:
                return str(wkt)
    return ""


def with_crs(ds: xr.Dataset, crs, source=None) -> xr.Dataset:
    """``ds`` with the grid-mapping variable ``crs`` and ``grid_mapping`` on the map variables."""
    import numpy as np

    out = ds.copy().assign({GRID_MAPPING: ((), np.int32(0), crs_attrs(crs, source))})
    # on the coordinates too, as xugrid does: QGIS's MDAL reads it there
    for name, var in out.variables.items():
        if name != GRID_MAPPING and _MAPPED_DIMS & set(var.dims) and var.dtype.kind in "fiu":
            var.attrs["grid_mapping"] = GRID_MAPPING
    return out
