"""Gridded rainfall (radar or forecast) mapped onto subcatchments.

A grid is an ``xarray.DataArray`` with dims ``(time, y, x)`` or
``(time, y, x, member)``, cell-centre coordinates ``x``, ``y`` in the network's map
units (metres), uniform ``time`` steps, and ``units`` of an intensity (``mm h-1``,
``mm/h``) or of a depth per step (``mm``).  Each time labels the *start* of its
interval.

Each subcatchment receives the area-weighted average of the cells its polygon
overlaps: ``w[s, c] = area(polygon_s & cell_c) / area(polygon_s & grid)``.  The
overlay is exact (shapely intersects each polygon with the cell rectangles its
X
the same footprint.  A subcatchment without a polygon takes the cell that contains
its centroid (the outlet node's coordinates when it has no polygon at all).
"""

from __future__ import annotations

import numpy as np
import shapely

from twin.errors import InputError

__all__ = [
    "cell_edges",
    "centroid_weights",
    "overlay_weights",
    "polygon_area",
    "read_grid",
    "subcatchment_weights",
]

_RATE_UNITS = ("mm h-1", "mm/h", "mm hr-1", "mm/hr", "mm h**-1", "mmh-1")


def _shape(xy):
    """A valid shapely polygon of a (k, 2) ring (closed or not); None when it has no area."""
    xy = np.asarray(xy, np.float64).reshape(-1, 2)
    if len(xy) < 3:
        return None
    poly = shapely.make_valid(shapely.Polygon(xy))  # a self-touching ring: its pieces
    return poly if poly.area > 0 else None


def polygon_area(xy) -> float:
    """Area of a (k, 2) polygon (closed or not) in map units squared."""
    poly = _shape(xy)
    return 0.0 if poly is None else float(poly.area)


def cell_edges(centres) -> np.ndarray:
    """(n+1,) edges of cells with the given (n,) uniformly spaced centres (either order)."""
    c = np.asarray(centres, np.float64)
    if c.ndim != 1 or len(c) < 1:
        raise InputError("grid coordinates must be 1-D and non-empty", field="x/y")
    if len(c) == 1:
        raise InputError("a grid needs at least two cells along x and y", field="x/y")
    d = np.diff(c)
    if np.any(d == 0) or not (np.all(d > 0) or np.all(d < 0)):
        raise InputError("grid coordinates must be strictly monotonic", field="x/y")
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate(([c[0] - 0.5 * d[0]], mid, [c[-1] + 0.5 * d[-1]]))


def overlay_weights(polygons, x, y) -> np.ndarray:
    """Overlap areas of polygons with grid cells (shapely intersections).

    Parameters
    ----------
    polygons : list of (k, 2) arrays
    x, y : (nx,), (ny,) cell-centre coordinates

    Returns
    -------
    (n_polygons, ny, nx) float64
        Area of ``polygon & cell`` in map units squared.
    """
    xe, ye = cell_edges(x), cell_edges(y)
    xlo, ylo = np.meshgrid(np.minimum(xe[:-1], xe[1:]), np.minimum(ye[:-1], ye[1:]))
    xhi, yhi = np.meshgrid(np.maximum(xe[:-1], xe[1:]), np.maximum(ye[:-1], ye[1:]))
    cells = shapely.box(xlo.ravel(), ylo.ravel(), xhi.ravel(), yhi.ravel())
    out = np.zeros((len(polygons), len(y) * len(x)))
    shapes = [_shape(p) for p in polygons]
    have = np.array([k for k, p in enumerate(shapes) if p is not None], dtype=np.int64)
    if len(have):
        polys = np.array([shapes[k] for k in have], dtype=object)
        poly_at, cell_at = shapely.STRtree(cells).query(polys, predicate="intersects")
        overlap = shapely.intersection(polys[poly_at], cells[cell_at])
        out[have[poly_at], cell_at] = shapely.area(overlap)
    return out.reshape(len(polygons), len(y), len(x))


def centroid_weights(points, x, y) -> np.ndarray:
    """(n_points, ny, nx) one-hot weights: the cell that contains each point."""
    xe, ye = cell_edges(x), cell_edges(y)
    out = np.zeros((len(points), len(y), len(x)))
    for s, (px, py) in enumerate(np.asarray(points, np.float64).reshape(-1, 2)):
        i = _cell_index(xe, px)
        j = _cell_index(ye, py)
        if i < 0 or j < 0:
            raise InputError(
                f"point ({px:g}, {py:g}) of subcatchment #{s} is outside the grid",
                field="rainfall.radar",
            )
        out[s, j, i] = 1.0
    return out


def _cell_index(edges, v) -> int:
    lo, hi = min(edges[0], edges[-1]), max(edges[0], edges[-1])
    if not lo <= v <= hi:
        return -1
    if edges[0] < edges[-1]:
        return int(min(np.searchsorted(edges, v, side="right") - 1, len(edges) - 2))
    return int(min(np.searchsorted(-edges, -v, side="right") - 1, len(edges) - 2))


def _centroid(poly) -> tuple[float, float]:
    """Centroid of a polygon; the mean of its vertices when it has no area."""
    shape = _shape(poly)
    if shape is None:
        p = np.asarray(poly, np.float64).reshape(-1, 2)
        return float(p[:, 0].mean()), float(p[:, 1].mean())
    c = shape.centroid
    return float(c.x), float(c.y)


def subcatchment_weights(net, x, y) -> np.ndarray:
    """Normalised weights (n_subcatchments, ny, nx), each subcatchment's summing to 1."""
    s = net.subcatchments
    polys = list(s.polygon) if len(s.polygon) == len(s) else [None] * len(s)
    w = np.zeros((len(s), len(y), len(x)))
    have = [k for k, p in enumerate(polys) if p is not None and len(p) >= 3]
    if have:
        w[have] = overlay_weights([polys[k] for k in have], x, y)
    for k in range(len(s)):
        total = w[k].sum()
        if total > 0:
            w[k] /= total
            continue
        if polys[k] is not None and len(polys[k]) >= 3:
            pt = _centroid(polys[k])
        else:
            node = int(s.outlet_node[k])
            if node < 0 or np.isnan(net.nodes.x[node]):
                raise InputError(
                    f"subcatchment {s.name[k]} has no polygon and no located "
                    "outlet node to place it on the grid",
                    field="rainfall.radar",
                )
            pt = (net.nodes.x[node], net.nodes.y[node])
        w[k] = centroid_weights([pt], x, y)[0]
    return w


def read_grid(path, variable: str | None = None):
    """Open a NetCDF rainfall grid as an ``(time, y, x[, member])`` DataArray in mm/h."""
    import xarray as xr

    from twin.files import checked_input, max_input_bytes

    path = checked_input(path, what="rainfall grid file", field="rainfall.path")
    try:
        ds = xr.open_dataset(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is bad input
        raise InputError(f"cannot read NetCDF: {exc}", file=path, field="rainfall.path") from None
    names = (
        [variable]
        if variable
        else [v for v in ds.data_vars if {"time", "y", "x"} <= set(ds[v].dims)]
    )
    if not names or names[0] not in ds:
        raise InputError(
            f"no (time, y, x) rainfall variable {variable or ''}".strip(),
            file=path,
            field="rainfall.variable",
        )
    limit = max_input_bytes()
    if ds[names[0]].nbytes > limit:  # compressed on disk, it may unpack to any size
        size = ds[names[0]].nbytes
        ds.close()
        raise InputError(
            f"rainfall grid {names[0]!r} unpacks to {size / 2**20:,.1f} MiB, more than the limit "
            f"of {limit / 2**20:,.1f} MiB (set TWIN_MAX_INPUT_MB to raise it)",
            file=path, field="rainfall.path",
        )  # fmt: skip
    da = ds[names[0]].load()
    ds.close()
    return as_rate(da, source=path)


def as_rate(da, source=None):
    """``da`` transposed to (time, y, x[, member]) and converted to mm/h."""
    extra = set(da.dims) - {"time", "y", "x", "member"}
    if extra or not {"time", "y", "x"} <= set(da.dims):
        raise InputError(
            f"rainfall grid dims must be (time, y, x[, member]), got {da.dims}",
            file=source,
            field="rainfall",
        )
    order = ["time", "y", "x"] + (["member"] if "member" in da.dims else [])
    da = da.transpose(*order)
    if da.sizes["time"] < 1:
        raise InputError("rainfall grid has no time steps", file=source, field="rainfall")
    step_s = grid_step_s(da, source)
    unit = str(da.attrs.get("units", "mm h-1")).strip()
    if unit in _RATE_UNITS:
        rate = da
    elif unit == "mm":
        rate = da * (3600.0 / step_s)
    else:
        raise InputError(
            f"rainfall grid units must be mm h-1 or mm, got {unit!r}", file=source, field="units"
        )
    rate = rate.fillna(0.0).astype(np.float64)
    if not np.all(np.isfinite(rate.values)):
        raise InputError("rainfall grid has infinite values", file=source, field="rainfall")
    if float(rate.min()) < 0:
        raise InputError("rainfall grid has negative values", file=source, field="rainfall")
    rate.attrs = {"units": "mm h-1", "step_s": step_s}
    return rate


def grid_step_s(da, source=None) -> float:
    """The uniform time step [s] of a grid (3600 s for a single step)."""
    t = da["time"].values
    if len(t) < 2:
        return 3600.0
    d = np.diff(t).astype("timedelta64[s]").astype(np.float64)
    if np.any(d <= 0) or np.ptp(d) > 0:
        raise InputError(
            "rainfall grid times must be uniformly spaced and increasing", file=source, field="time"
        )
    return float(d[0])
