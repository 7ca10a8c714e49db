"""Meshes of a 3D sewer scene: terrain, pipe tubes, manhole cylinders, water.

Every mesh builder takes *scene units*: horizontal metres relative to the scene
origin and vertical metres relative to the scene datum times the vertical
exaggeration (:class:`SceneUnits` converts).  The only functions that work in map
metres are the ground helpers :func:`ground_from_rims` and :func:`ground_at`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyvista as pv

__all__ = [
    "SceneUnits",
    "ground_from_rims",
    "ground_at",
    "terrain_mesh",
    "tubes",
    "discs",
    "flood_markers",
    "water_surface",
    "north_arrow",
]


@dataclass(frozen=True)
class SceneUnits:
    """Map metres -> scene units: ``X = x - x0``, ``Y = y - y0``, ``Z = (z - z0) * ve``.

    Subtracting an origin keeps projected coordinates (10^5-10^6 m) away from the
    float32 precision limit of the GPU.
    """

    x0: float
    y0: float
    z0: float
    ve: float  # vertical exaggeration

    def xyz(self, x, y, z) -> np.ndarray:
        """(n, 3) scene points of map coordinates ``x, y, z`` [m] (broadcast)."""
        x, y, z = np.broadcast_arrays(
            np.asarray(x, float), np.asarray(y, float), np.asarray(z, float)
        )
        return np.column_stack([x.ravel() - self.x0, y.ravel() - self.y0, self.z(z).ravel()])

    def z(self, z):
        """Scene height of elevation ``z`` [m]."""
        return (np.asarray(z, dtype=np.float64) - self.z0) * self.ve


def ground_from_rims(x, y, rim, margin_m: float, max_cells: int = 120):
    """A smooth ground surface through the node rims (thin-plate spline with a plane trend).

    Parameters
    ----------
    x, y, rim : (n,) float64, m
        Node coordinates and rim elevations; non-finite rows are skipped.
    margin_m : float
        Ground added around the nodes' bounding box [m].
    max_cells : int
        Cells along the longer side.

    Returns
    -------
    gx : (nx,) float64, m
    gy : (ny,) float64, m
    elevation : (ny, nx) float64, m
    """
    from scipy.interpolate import RBFInterpolator

    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(rim)
    px, py, pz = x[ok], y[ok], rim[ok]
    x0, x1 = px.min() - margin_m, px.max() + margin_m
    y0, y1 = py.min() - margin_m, py.max() + margin_m
    cell = max(x1 - x0, y1 - y0) / max_cells
    gx = np.linspace(x0, x1, int(np.ceil((x1 - x0) / cell)) + 1)
    gy = np.linspace(y0, y1, int(np.ceil((y1 - y0) / cell)) + 1)
    mx, my = np.meshgrid(gx, gy)
    # a plane through the rims (least squares) plus a smooth thin-plate residual: no
    # cliffs between nodes, a sensible trend beyond them
    pts = np.column_stack([px, py])
    z = None
    if len(pz) >= 3 and np.linalg.matrix_rank(pts - pts.mean(0)) == 2:
        scale = max(np.ptp(px), np.ptp(py), 1.0)
        try:
            interp = RBFInterpolator(
                (pts - pts.mean(0)) / scale,
                pz,
                kernel="thin_plate_spline",
                degree=1,
                neighbors=min(len(pz), 64),
                smoothing=1e-6 * len(pz),
            )
            q = (np.column_stack([mx.ravel(), my.ravel()]) - pts.mean(0)) / scale
            z = interp(q).reshape(mx.shape)
        except (ValueError, np.linalg.LinAlgError):  # e.g. repeated points
            z = None
    if z is None:  # few nodes, nodes on one line: inverse-distance weights
        d2 = (mx[..., None] - px) ** 2 + (my[..., None] - py) ** 2 + 1e-9
        z = np.sum(pz / d2, axis=-1) / np.sum(1.0 / d2, axis=-1)
    # keep the extrapolated margin from running away from the rims' range
    lo, hi = pz.min(), pz.max()
    return gx, gy, np.clip(z, lo - 0.5 * (hi - lo) - 1.0, hi + 0.5 * (hi - lo) + 1.0)


def ground_at(gx, gy, elevation, px, py) -> np.ndarray:
    """Bilinear ground elevation [m] at points ``px, py`` [m]; nearest edge value outside."""
    from scipy.interpolate import RegularGridInterpolator

    px = np.clip(np.asarray(px, float), gx[0], gx[-1])
    py = np.clip(np.asarray(py, float), gy[0], gy[-1])
    interp = RegularGridInterpolator((gy, gx), elevation, bounds_error=False, fill_value=None)
    return interp(np.column_stack([py.ravel(), px.ravel()])).reshape(px.shape)


def terrain_mesh(gx, gy, elevation, units: SceneUnits) -> pv.StructuredGrid:
    """The ground as a structured surface with point data ``elevation`` [m].

    ``gx`` (nx,), ``gy`` (ny,) [m] and ``elevation`` (ny, nx) [m].
    """
    mx, my = np.meshgrid(gx, gy)
    pts = units.xyz(mx, my, elevation)
    grid = pv.StructuredGrid()
    grid.points = pts
    grid.dimensions = (len(gx), len(gy), 1)
    grid.point_data["elevation"] = np.asarray(elevation, float).ravel()
    return grid


def tubes(start, end, radius, fill, n_sides: int = 16) -> pv.PolyData:
    """Closed tubes from ``start`` to ``end`` (both (n, 3), scene units).

    ``radius`` (n,) scene units; ``fill`` (n,) is attached as cell data ``fill``
    so that each tube takes its own colour.
    """
    n = len(start)
    pts = np.empty((2 * n, 3))
    pts[0::2], pts[1::2] = start, end
    # a zero-length segment gives a degenerate tube: lift its end a hair
    same = np.all(np.isclose(pts[0::2], pts[1::2]), axis=1)
    pts[1::2][same, 2] += 1e-3
    cells = np.column_stack([np.full(n, 2), 2 * np.arange(n), 2 * np.arange(n) + 1]).ravel()
    lines = pv.PolyData(pts, lines=cells)
    lines.point_data["radius"] = np.repeat(np.asarray(radius, float), 2)
    lines.cell_data["fill"] = np.asarray(fill, float)
    return lines.tube(scalars="radius", absolute=True, capping=True, n_sides=n_sides)


def discs(centres, radius, thickness: float) -> pv.PolyData:
    """Flat cylinders (puddles) at ``centres`` (n, 3) with ``radius`` (n,), scene units."""
    parts = [
        pv.Cylinder(center=c, direction=(0, 0, 1), radius=float(r), height=thickness, resolution=48)
        for c, r in zip(centres, radius, strict=True)
    ]
    return _merge(parts)


def flood_markers(tips, size: float) -> pv.PolyData:
    """Downward-pointing cones whose tips sit at ``tips`` (n, 3): a map pin per flooded node."""
    parts = [
        pv.Cone(
            center=(t[0], t[1], t[2] + size),
            direction=(0, 0, -1),
            height=size * 2,
            radius=size * 0.6,
            resolution=24,
        )
        for t in tips
    ]
    return _merge(parts)


def water_surface(gx, gy, ground, depth, units: SceneUnits, min_depth_m: float = 0.01):
    """The water surface ``ground + depth``, cut smoothly along the ``min_depth_m`` line.

    Parameters
    ----------
    gx : (nx,) float64, m
    gy : (ny,) float64, m
    ground, depth : (ny, nx) float64, m
        Ground elevation and water depth at the grid points.
    units : SceneUnits
    min_depth_m : float
        Depth below which a point counts as dry [m].

    Returns
    -------
    pyvista.UnstructuredGrid or None
        Wet cells with point data ``depth`` [m]; ``None`` when nothing is wet.
        The sheet is cut where the depth (interpolated within cells) crosses
        ``min_depth_m``, so the wet edge is smooth rather than stair-stepped.
    """
    depth = np.where(np.isfinite(depth), depth, 0.0)
    if not np.any(depth > min_depth_m):
        return None
    mx, my = np.meshgrid(gx, gy)
    pts = units.xyz(mx, my, ground + depth)
    # lift the sheet just above the ground so that dry edges do not fight the terrain
    pts[:, 2] += 0.02 * units.ve
    grid = pv.StructuredGrid()
    grid.points = pts
    grid.dimensions = (len(gx), len(gy), 1)
    grid.point_data["depth"] = depth.ravel()
    wet = grid.clip_scalar(scalars="depth", value=min_depth_m, invert=False)
    return wet if wet.n_cells else None


def north_arrow(base, length: float) -> pv.PolyData:
    """A flat arrow pointing north (+y) from ``base`` (scene units), ``length`` long."""
    return pv.Arrow(
        start=base,
        direction=(0, 1, 0),
        scale=length,
        tip_length=0.35,
        tip_radius=0.12,
        shaft_radius=0.04,
    )


def _merge(parts) -> pv.PolyData:
    if not parts:
        return pv.PolyData()
    out = parts[0]
    if len(parts) > 1:
        out = out.merge(parts[1:])
    return out.extract_surface() if not isinstance(out, pv.PolyData) else out
