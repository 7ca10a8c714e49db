"""The Network's tables as pandas DataFrames, GeoDataFrames and a networkx graph.

For users of swmmio and PySWMM: ``net.nodes.to_dataframe()`` has one row per node,
indexed by name, one column per table column (SI units, names as in
:mod:`twin.networks.model`); element kinds, shapes and infiltration models are words
(``"junction"``, ``"circular"``), node, gauge and subcatchment ids are names, and
``(n, k)`` columns are spread over ``k`` columns (``geom1`` .. ``geom4``).
``to_geodataframe()`` adds the geometry (points at the nodes, lines through the
[VERTICES] of each link, the [POLYGONS] of each subcatchment) and needs GeoPandas;
``net.to_networkx()`` is a ``networkx.MultiDiGraph`` from each link's from-node to
its to-node, keyed by link name, with every column as an attribute.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd

from twin.errors import InputError
from twin.kernels.codes import InfilModel, LinkKind, NodeKind, OutfallKind, RouteTo, Shape

__all__ = ["table_frame", "table_geoframe", "network_graph"]

#: Integer-coded columns shown as lower-case words (-1: "").
_WORDS = {
    "node": {"kind": NodeKind, "outfall_kind": OutfallKind},
    "link": {"kind": LinkKind, "shape": Shape},
    "subcatchment": {"infil_model": InfilModel, "route_to": RouteTo},
}
_NOT_COLUMNS = {"name", "polygon", "outlet_node", "outlet_subcatchment"}


def _words(values, enum) -> np.ndarray:
    names = {int(k): k.name.lower() for k in enum}
    return np.array([names.get(int(v), "") for v in values], dtype=object)


def _names(ids, names) -> np.ndarray:
    names = np.asarray(names, dtype=object)
    ids = np.asarray(ids, dtype=np.int64)
    return np.where(ids >= 0, names[np.clip(ids, 0, max(len(names) - 1, 0))], "")


def table_frame(table, kind: str, net=None) -> pd.DataFrame:
    """One table (``kind``: "node", "link" or "subcatchment") as a DataFrame by name.

    ``net`` (the table's Network) turns node and gauge ids into names; without it
    they stay integer ids.
    """
    columns = {}
    for f in fields(table):
        if f.name in _NOT_COLUMNS:
            continue
        values = getattr(table, f.name)
        if not isinstance(values, np.ndarray):
            continue
        words = _WORDS.get(kind, {})
        if f.name in words:
            values = _words(values, words[f.name])
        elif net is not None and kind == "link" and f.name in ("from_node", "to_node"):
            values = _names(values, net.nodes.name)
        elif net is not None and kind == "subcatchment" and f.name == "raingage":
            values = _names(values, net.raingages.name)
        if values.ndim == 2:
            stem = f.name.removesuffix("s")
            for k in range(values.shape[1]):
                columns[f"{stem}{k + 1}"] = values[:, k]
        else:
            columns[f.name] = values
    index = pd.Index([str(n) for n in table.name], name="name")
    return pd.DataFrame(columns, index=index)


def _geometry(table, kind: str, net):
    import shapely

    if kind == "node":
        x, y = table.x.astype(np.float64), table.y.astype(np.float64)
        points = shapely.points(np.column_stack([x, y]))
        return np.where(np.isfinite(x) & np.isfinite(y), points, None)
    if kind == "link":
        if net is None:
            raise InputError("link lines need the network: use net.links.to_geodataframe()")
        nx_, ny_ = net.nodes.x, net.nodes.y
        lines = []
        for j, name in enumerate(table.name):
            a, b = int(table.from_node[j]), int(table.to_node[j])
            bends = np.asarray(net.vertices.get(str(name), np.empty((0, 2))), np.float64)
            xy = np.vstack([[nx_[a], ny_[a]], bends.reshape(-1, 2), [nx_[b], ny_[b]]])
            lines.append(shapely.LineString(xy) if np.isfinite(xy).all() else None)
        return np.array(lines, dtype=object)
    polys = list(table.polygon) if len(table.polygon) == len(table) else [None] * len(table)
    return np.array(
        [shapely.Polygon(p) if p is not None and len(p) >= 3 else None for p in polys],
        dtype=object,
    )


def table_geoframe(table, kind: str, net=None, crs=None):
    """:func:`table_frame` with a ``geometry`` column (GeoPandas); rows without
    coordinates get an empty geometry.  ``crs``: any CRS GeoPandas accepts (the map
    coordinates of a SWMM file carry none)."""
    try:
        import geopandas as gpd
    except ImportError:
        raise InputError(
            "to_geodataframe needs GeoPandas: pip install geopandas (or '.[test]')"
        ) from None
    frame = table_frame(table, kind, net)
    return gpd.GeoDataFrame(frame, geometry=list(_geometry(table, kind, net)), crs=crs)


def network_graph(net):
    """The network as a ``networkx.MultiDiGraph``: nodes by name, one edge per link from
    its from-node to its to-node (key: the link name), table columns as attributes."""
    import networkx as nx

    graph = nx.MultiDiGraph(name=net.title[0] if net.title else "", source=net.source)
    nodes = table_frame(net.nodes, "node", net)
    graph.add_nodes_from(nodes.to_dict("index").items())
    links = table_frame(net.links, "link", net)
    for name, row in links.to_dict("index").items():
        graph.add_edge(row["from_node"], row["to_node"], key=name, name=name, **row)
    return graph
