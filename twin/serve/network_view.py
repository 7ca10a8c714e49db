"""The plan of a network as the page draws it: node points and link polylines [m].

Built from a results file (``node_x``/``node_y`` and the CF-1.8 ``link_geometry``
polylines it stores) or from a :class:`~twin.networks.model.Network` (a watch folder
does not carry the map).  Elements without map coordinates are kept in the tables
(their values still show in lists) but not drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.kernels.codes import LinkKind, NodeKind


@dataclass
class NetworkView:
    """Static tables of the drawn network, in the file's (or network's) element order.

    Attributes
    ----------
    node_name : (n_nodes,) object
    node_x, node_y : (n_nodes,) float64, m; NaN where a node has no map coordinates
    node_kind : (n_nodes,) object, ``junction``, ``outfall``, ``storage``, ``divider``
    node_invert, node_rim : (n_nodes,) float64, m (elevations)
    link_name, link_kind : (n_links,) object
    link_start : (n_links + 1,) int64
        Link ``j``'s polyline is ``link_xy[link_start[j]:link_start[j + 1]]``.
    link_xy : (n_points, 2) float64, m
    """

    node_name: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    node_kind: np.ndarray
    node_invert: np.ndarray
    node_rim: np.ndarray
    link_name: np.ndarray
    link_kind: np.ndarray
    link_start: np.ndarray
    link_xy: np.ndarray

    def __post_init__(self):
        self.node_index = {str(n): i for i, n in enumerate(self.node_name)}
        self.link_index = {str(n): j for j, n in enumerate(self.link_name)}

    @property
    def n_nodes(self) -> int:
        return len(self.node_name)

    @property
    def n_links(self) -> int:
        return len(self.link_name)

    @classmethod
    def from_dataset(cls, ds) -> NetworkView:
        """From a results Dataset (schema 1 or 2, single run or ensemble)."""
        nx = np.asarray(ds["node_x"].values, np.float64)
        ny = np.asarray(ds["node_y"].values, np.float64)
        invert = _values(ds, "node_invert", len(nx))
        rim = _values(ds, "node_rim", len(nx))
        n_links = ds.sizes.get("link", 0)
        if "link_geometry_node_count" in ds and int(ds["link_geometry_node_count"].sum()) > 0:
            counts = np.asarray(ds["link_geometry_node_count"].values, np.int64)
            xy = np.column_stack(
                [ds["link_geometry_x"].values, ds["link_geometry_y"].values]
            ).astype(np.float64)
        else:  # no stored polylines: straight from node to node
            ends = np.asarray(ds["link_nodes"].values, np.int64).reshape(n_links, 2)
            counts = np.full(n_links, 2, np.int64)
            xy = np.column_stack([nx[ends].ravel(), ny[ends].ravel()])
        return cls(
            node_name=np.asarray(ds["node"].values, dtype=object),
            node_x=nx,
            node_y=ny,
            node_kind=_words(ds, "node_kind", len(nx), "junction"),
            node_invert=invert,
            node_rim=rim,
            link_name=np.asarray(ds["link"].values, dtype=object),
            link_kind=_words(ds, "link_kind", n_links, "conduit"),
            link_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            link_xy=xy,
        )

    @classmethod
    def from_network(cls, net) -> NetworkView:
        """From a :class:`~twin.networks.model.Network` (through its ``[VERTICES]``)."""
        from twin.engine.dataset_geometry import link_polylines

        nodes, links = net.nodes, net.links
        x = np.asarray(nodes.x, np.float64)
        y = np.asarray(nodes.y, np.float64)
        lines = link_polylines(x, y, links.from_node, links.to_node, links.name, net.vertices)
        counts = np.array([len(p) for p in lines], np.int64)
        invert = np.asarray(nodes.invert_m, np.float64)
        return cls(
            node_name=np.asarray(nodes.name, dtype=object),
            node_x=x,
            node_y=y,
            node_kind=np.array([NodeKind(int(k)).name.lower() for k in nodes.kind], dtype=object),
            node_invert=invert,
            node_rim=invert + np.asarray(nodes.max_depth_m, np.float64),
            link_name=np.asarray(links.name, dtype=object),
            link_kind=np.array([LinkKind(int(k)).name.lower() for k in links.kind], dtype=object),
            link_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            link_xy=np.concatenate(lines) if lines else np.zeros((0, 2)),
        )

    def node_type(self, i: int) -> str:
        """What node ``i`` is to an operator: ``manhole`` (a junction), ``tank`` (a storage
        unit), ``divider`` or ``outfall``."""
        kind = str(self.node_kind[i])
        return _NODE_TYPE.get(kind, kind)

    def order_of(self, names, dim: str) -> np.ndarray:
        """Row in this view of each name in ``names`` (-1 where the view has none)."""
        index = self.node_index if dim == "node" else self.link_index
        return np.array([index.get(str(n), -1) for n in names], np.int64)

    def to_json(self) -> dict:
        """What the page draws: names, kinds, points and polylines (cm resolution)."""
        drawn = np.isfinite(self.node_x) & np.isfinite(self.node_y)
        paths = []
        for j in range(self.n_links):
            pts = self.link_xy[self.link_start[j] : self.link_start[j + 1]]
            ok = len(pts) >= 2 and np.isfinite(pts).all()
            paths.append(np.round(pts, 2).ravel().tolist() if ok else [])
        xs = np.concatenate([self.node_x[drawn], self.link_xy[:, 0]])
        ys = np.concatenate([self.node_y[drawn], self.link_xy[:, 1]])
        xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
        bounds = (
            [float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())]
            if xs.size
            else [0.0, 0.0, 1.0, 1.0]
        )
        return {
            "nodes": {
                "name": [str(n) for n in self.node_name],
                "kind": [str(k) for k in self.node_kind],
                "x": _json_floats(self.node_x, 2),
                "y": _json_floats(self.node_y, 2),
            },
            "links": {
                "name": [str(n) for n in self.link_name],
                "kind": [str(k) for k in self.link_kind],
                "path": paths,
            },
            "bounds": bounds,
        }


_NODE_TYPE = {"junction": "manhole", "storage": "tank"}


def _values(ds, name: str, n: int) -> np.ndarray:
    if name in ds:
        return np.asarray(ds[name].values, np.float64)
    return np.full(n, np.nan)


def _words(ds, name: str, n: int, default: str) -> np.ndarray:
    if name not in ds:
        return np.full(n, default, dtype=object)
    return np.array([str(v) for v in ds[name].values], dtype=object)


def _json_floats(values, digits: int) -> list:
    """Values rounded to ``digits`` decimals, NaN as ``None`` (JSON ``null``)."""
    a = np.round(np.asarray(values, np.float64), digits)
    return [None if v != v else v for v in a.tolist()]
