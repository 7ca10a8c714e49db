"""Element shapes as CF-1.8 geometries: link polylines and subcatchment outlines.

A geometry container ``<dim>_geometry`` (``geometry_type`` line or polygon) names the
per-element point count ``<dim>_geometry_node_count`` and the map points
``<dim>_geometry_x``, ``<dim>_geometry_y`` [m] on the dimension ``<dim>_geometry_point``.
An element without a shape has a count of 0 (an empty geometry). cf_xarray reads them
back as shapely objects (``cf_xarray.geometry.cf_to_shapely``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["GEOMETRY_TYPE", "geometry_variables", "link_polylines"]

GEOMETRY_TYPE = {"link": "line", "subcatchment": "polygon"}
_MIN_POINTS = {"line": 2, "polygon": 3}


def geometry_variables(dim: str, shapes) -> dict:
    """The CF-1.8 geometry variables of one element dimension (``link`` or ``subcatchment``).

    Parameters
    ----------
    dim : str
        ``"link"`` (lines) or ``"subcatchment"`` (polygons).
    shapes : sequence of (k, 2) array or None
        Map points [m] per element; a shape with a non-finite point, or fewer points than
        its type needs (2 for a line, 3 for a polygon), is stored empty.

    Returns
    -------
    dict of name -> (dims, values, attrs)
    """
    kind = GEOMETRY_TYPE[dim]
    name = f"{dim}_geometry"
    counts = np.zeros(len(shapes), dtype=np.int32)
    parts = []
    for i, pts in enumerate(shapes):
        pts = np.zeros((0, 2)) if pts is None else np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        if len(pts) < _MIN_POINTS[kind] or not np.isfinite(pts).all():
            continue
        counts[i] = len(pts)
        parts.append(pts)
    xy = np.concatenate(parts) if parts else np.zeros((0, 2))
    point = f"{name}_point"
    what = "link polyline" if kind == "line" else "subcatchment outline"
    return {
        name: (
            (),
            np.int32(0),
            {
                "geometry_type": kind,
                "node_count": f"{name}_node_count",
                "node_coordinates": f"{name}_x {name}_y",
                "long_name": f"{what}s (CF-1.8 geometry)",
            },
        ),
        f"{name}_node_count": (
            (dim,),
            counts,
            {"long_name": f"points in each {what}", "units": "1"},
        ),
        f"{name}_x": (
            (point,),
            xy[:, 0].copy(),
            {"axis": "X", "units": "m", "long_name": f"{what} map x coordinate"},
        ),
        f"{name}_y": (
            (point,),
            xy[:, 1].copy(),
            {"axis": "Y", "units": "m", "long_name": f"{what} map y coordinate"},
        ),
    }


def link_polylines(node_x, node_y, from_node, to_node, link_names, vertices: dict) -> list:
    """One (k, 2) polyline [m] per link: its from-node, its ``[VERTICES]``, its to-node.

    Parameters
    ----------
    node_x, node_y : (n_nodes,) float64
        Node map coordinates (NaN where a node has none: its links get no shape).
    from_node, to_node : (n_links,) int
        Node ids at each link's ends.
    link_names : (n_links,) str
    vertices : dict of link name -> (k, 2) float64
        Interior points, in order from the from-node.
    """
    x, y = np.asarray(node_x, np.float64), np.asarray(node_y, np.float64)
    out = []
    for j, name in enumerate(link_names):
        a, b = int(from_node[j]), int(to_node[j])
        inner = np.asarray(vertices.get(str(name), np.zeros((0, 2))), np.float64).reshape(-1, 2)
        out.append(np.vstack([[x[a], y[a]], inner, [x[b], y[b]]]))
    return out
