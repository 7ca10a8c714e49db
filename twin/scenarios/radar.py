"""Gridded rainfall (radar or forecast) mapped onto subcatchments.

A grid is an ``xarray.DataArray`` with dims ``(time, y, x)`` or
``(time, y, x, member)``, cell-centre coordinates ``x``, ``y`` in the network's map
units (metres), uniform ``time`` steps, and ``units`` of an intensity (``mm h-1``,
``mm/h``) or of a depth per step (``mm``).  Each time labels the *start* of its
interval.

Each subcatchment receives the area-weighted average of the cells its polygon
overlaps: ``w[s, c] = area(polygon_s & cell_c) / area(polygon_s & grid)``.  The
overlay is exact (polygons are clipped against each cell rectangle), so the rain
volume that falls on the subcatchment polygons equals the grid's rain volume over
the same footprint.  A subcatchment without a polygon takes the cell that contains
its centroid (the outlet node's coordinates when it has no polygon at all).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.errors import InputError

__all__ = [
    "cell_edges",
    "centroid_weights",
    "clip_polygon_to_box",
    "overlay_weights",
    "polygon_area",
    "read_grid",
    "subcatchment_weights",
]

_RATE_UNITS = ("mm h-1", "mm/h", "mm hr-1", "mm/hr", "mm h**-1", "mmh-1")


def polygon_area(xy) -> float:
    """Absolute shoelace area of a (k, 2) polygon (closed or not)."""
    xy = np.asarray(xy, np.float64)
    if len(xy) < 3:
        return 0.0
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def clip_polygon_to_box(xy, x0, x1, y0, y1) -> np.ndarray:
    """Sutherland-Hodgman clip of a polygon to the rectangle ``[x0, x1] x [y0, y1]``."""
    pts = [tuple(p) for p in np.asarray(xy, np.float64)]
    for axis, bound, keep_less in ((0, x0, False), (0, x1, True), (1, y0, False), (1, y1, True)):
        if not pts:
            break
        out = []
        prev = pts[-1]
        for cur in pts:
            cin = cur[axis] <= bound if keep_less else cur[axis] >= bound
            pin = prev[axis] <= bound if keep_less else prev[axis] >= bound
            if cin != pin:
                t = (bound - prev[axis]) / (cur[axis] - prev[axis])
                q = (prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1]))
                out.append(q)
            if cin:
                out.append(cur)
            prev = cur
        pts = out
    return np.array(pts, np.float64).reshape(-1, 2)


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
    """Overlap areas of polygons with grid cells.

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
    xlo, xhi = np.minimum(xe[:-1], xe[1:]), np.maximum(xe[:-1], xe[1:])
    ylo, yhi = np.minimum(ye[:-1], ye[1:]), np.maximum(ye[:-1], ye[1:])
    out = np.zeros((len(polygons), len(y), len(x)))
    for s, poly in enumerate(polygons):
        p = np.asarray(poly, np.float64)
        cols = np.nonzero((xhi > p[:, 0].min()) & (xlo < p[:, 0].max()))[0]
        rows = np.nonzero((yhi > p[:, 1].min()) & (ylo < p[:, 1].max()))[0]
        for i in cols:
            strip = clip_polygon_to_box(p, xlo[i], xhi[i], -np.inf, np.inf)
            if len(strip) < 3:
                continue
            for j in rows:
                out[s, j, i] = polygon_area(
                    clip_polygon_to_box(strip, -np.inf, np.inf, ylo[j], yhi[j])
                )
    return out


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
    p = np.asarray(poly, np.float64)
    x, y = p[:, 0], p[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    a = 0.5 * cross.sum()
    if abs(a) < 1e-12:
        return float(x.mean()), float(y.mean())
    return (
        float(((x + np.roll(x, -1)) * cross).sum() / (6 * a)),
        float(((y + np.roll(y, -1)) * cross).sum() / (6 * a)),
    )


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

    path = Path(path)
    if not path.exists():
        raise InputError("rainfall grid file not found", file=path, field="rainfall.path")
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
