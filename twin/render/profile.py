"""Long sections: the hydraulic grade line along a path of the network.

As swmmio's profiler and InfoWorks ICM's long section do, :func:`profile_table`
walks from one node to another (the shortest path downstream, along the links'
orientation; else the shortest path either way) and lists, node by node, the
distance along the path, invert, rim (ground), the crown of the highest pipe, the
maximum water level and the level at a chosen time, and whether the node was
surcharged (water above that crown) or flooded; the link to the next node comes
with its invert at both ends and its full depth.  :mod:`twin.render.profile_plot`
draws it.

Link offsets are not in a results file: they come from the network (``network=``,
else the ``.inp`` the results name in their ``source`` attribute); without it the
pipes are drawn at the node inverts, with a warning.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from twin.errors import InputError, TwinWarning

__all__ = ["path_between", "profile_table", "static_table", "at_time", "time_index",
           "NOMINAL_LENGTH_FRACTION"]  # fmt: skip

#: A pump, orifice, weir or outlet has no length: it is drawn this fraction of the
#: median conduit length of the path long (10 m on a path without conduits).
NOMINAL_LENGTH_FRACTION = 0.25


def _strings(values) -> list[str]:
    return [str(v) for v in np.asarray(values)]


def _graph(ds: xr.Dataset):
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_nodes_from(_strings(ds["node"].values))
    length = np.nan_to_num(np.asarray(ds["link_length"].values, np.float64), nan=0.0)
    for j, (a, b) in enumerate(zip(_strings(ds["link_from"].values),
                                   _strings(ds["link_to"].values), strict=True)):  # fmt: skip
        g.add_edge(a, b, key=j, length=max(length[j], 0.0))
    return g


def _shortest_path(graph, a: str, b: str) -> list[str] | None:
    import networkx as nx

    try:
        return nx.shortest_path(graph, a, b, weight="length")
    except nx.NetworkXNoPath:
        return None


def path_between(ds: xr.Dataset, from_node: str, to_node: str) -> tuple[list[str], list[int]]:
    """The nodes and links (indices, in walking order) from ``from_node`` to ``to_node``:
    the shortest path by length along the links' orientation, else either way.

    Raises
    ------
    InputError
        An unknown node, or no path between the two.
    """
    names = set(_strings(ds["node"].values))
    for node, option in ((from_node, "--from"), (to_node, "--to")):
        if str(node) not in names:
            raise InputError(f"no node named {str(node)!r} in the results", field=option)
    g = _graph(ds)
    a, b = str(from_node), str(to_node)
    if a == b:
        raise InputError(f"--from and --to are the same node {a!r}", field="--to")
    nodes = _shortest_path(g, a, b)
    downstream = nodes is not None
    if not downstream:
        nodes = _shortest_path(g.to_undirected(as_view=True), a, b)
    if nodes is None:
        raise InputError(f"no path between {a!r} and {b!r} in the network", field="--to")
    links = []
    for u, v in zip(nodes[:-1], nodes[1:], strict=True):
        edges = dict(g.get_edge_data(u, v) or {})
        if not downstream:
            edges |= g.get_edge_data(v, u) or {}
        # of parallel links, the shortest conduit (a pump or weir beside it: only if alone)
        links.append(min(edges, key=lambda j: (edges[j]["length"] <= 0, edges[j]["length"])))
    return nodes, links


def time_index(ds: xr.Dataset, when) -> int | None:
    """``None`` for ``"max"``; else the report time nearest ``when`` (ISO text or
    datetime64) within the run, as an index."""
    if when is None or str(when).lower() == "max":
        return None
    try:
        t = np.datetime64(str(when).replace(" ", "T"), "s")
    except ValueError:
        raise InputError(f"expected 'max' or a time such as 2024-07-15T01:30, got {when!r}",
                         field="--time") from None  # fmt: skip
    times = ds["time"].values.astype("datetime64[s]")
    if not len(times) or t < times[0] - np.timedelta64(1, "D") or t > times[-1]:
        span = f"{times[0]} to {times[-1]}" if len(times) else "no report times"
        raise InputError(f"time {t} is not in the run ({span})", field="--time")
    return int(np.argmin(np.abs(times - t)))


def _offsets(ds, network):
    """(in, out) offsets above the node inverts [m] per results link, or zeros."""
    n = ds.sizes["link"]
    net = _network_for(ds, network)
    if net is None:
        return np.zeros(n), np.zeros(n)
    index = net.links.index_of()
    rows = [index.get(name) for name in _strings(ds["link"].values)]
    if any(r is None for r in rows):
        warnings.warn("the network does not match the results; pipes drawn at the node "
                      "inverts", TwinWarning, stacklevel=3)  # fmt: skip
        return np.zeros(n), np.zeros(n)
    a, b = net.offsets_above_invert()
    return a[rows], b[rows]


def _network_for(ds, network):
    from twin.networks.model import Network

    if isinstance(network, Network):
        return network
    source = network or ds.attrs.get("source")
    if source and (not str(source).endswith(".inp") or Path(str(source)).is_file()):
        from twin.networks.catalog import load_network

        return load_network(source)
    warnings.warn("the network of these results is not found (give network=/--network): "
                  "link offsets unknown, pipes drawn at the node inverts",
                  TwinWarning, stacklevel=4)  # fmt: skip
    return None


def _values(ds, name, fallback=None):
    if name in ds.variables:
        return np.asarray(ds[name].values, np.float64)
    return fallback


def profile_table(ds: xr.Dataset, from_node, to_node, *, time="max", network=None):
    """The long section from ``from_node`` to ``to_node`` as a ``pandas.DataFrame``.

    Parameters
    ----------
    ds : xarray.Dataset
        One run's results (an ensemble: select a member first).
    from_node, to_node : str
        Node names.
    time : "max", str or numpy.datetime64
        The time of ``head_m`` (the nearest report time); ``"max"``: the maximum.
    network : Network, str or path, optional
        For the link offsets; by default the ``.inp`` named by ``ds.attrs["source"]``.

    Returns
    -------
    pandas.DataFrame
        One row per node along the path: ``node``, ``kind``, ``distance_m`` (along the
        path, 0 at ``from_node``), ``invert_m``, ``rim_m``, ``crown_m``,
        ``max_head_m``, ``head_m``, ``surcharged``, ``flooded``, ``flood_volume_m3``;
        and the link to the next node (empty on the last row): ``link``,
        ``link_kind``, ``reversed`` (walked against its orientation),
        ``link_length_m``, ``link_start_invert_m``, ``link_end_invert_m``,
        ``link_full_depth_m``.  ``attrs["time"]``: "max" or the report time.
    """
    return at_time(static_table(ds, from_node, to_node, network=network), ds,
                   time_index(ds, time))  # fmt: skip


def static_table(ds: xr.Dataset, from_node, to_node, *, network=None) -> pd.DataFrame:
    """:func:`profile_table` without the columns of a chosen time (``head_m``,
    ``surcharged``, ``flooded``); :func:`at_time` adds them."""
    if "member" in ds.dims:
        raise InputError("an ensemble: select a member first, ds.isel(member=i)")
    nodes, links = path_between(ds, from_node, to_node)
    node_at = {n: i for i, n in enumerate(_strings(ds["node"].values))}
    idx = np.array([node_at[n] for n in nodes])
    n_nodes = ds.sizes["node"]
    max_head = _values(ds, "node_max_head", None)
    if max_head is None:
        head_series = _values(ds, "node_head")
        max_head = np.nanmax(head_series, axis=0) if head_series.shape[0] else ds["node_invert"]
    kinds = _strings(ds["node_kind"].values) if "node_kind" in ds.variables else [""] * n_nodes
    table = pd.DataFrame({
        "node": nodes,
        "kind": [kinds[i] for i in idx],
        "invert_m": _values(ds, "node_invert")[idx],
        "rim_m": _values(ds, "node_rim")[idx],
        "crown_m": _values(ds, "node_crown", np.full(n_nodes, np.nan))[idx],
        "max_head_m": np.asarray(max_head, np.float64)[idx],
        "flood_volume_m3": _values(ds, "node_flood_volume", np.zeros(n_nodes))[idx],
    })  # fmt: skip
    _add_links(table, ds, nodes, links, network)
    table.attrs["node_index"] = idx
    return table


def at_time(static: pd.DataFrame, ds: xr.Dataset, k: int | None) -> pd.DataFrame:
    """``static`` with ``head_m``, ``surcharged`` and ``flooded`` at report time index
    ``k`` (``None``: the maxima and whether the node ever flooded)."""
    idx = static.attrs["node_index"]
    table = static.copy()
    if k is None:
        head = table["max_head_m"].to_numpy()
        flooded = table["flood_volume_m3"].to_numpy() > 0
    else:
        head = np.asarray(ds["node_head"].values[k], np.float64)[idx]
        flooding = ds["node_flooding"].values[k][idx] if "node_flooding" in ds else 0.0 * head
        flooded = np.asarray(flooding) > 0
    crown = table["crown_m"].to_numpy()
    pos = list(table.columns).index("max_head_m") + 1
    table.insert(pos, "head_m", head)
    table.insert(pos + 1, "surcharged", np.nan_to_num(head - crown, nan=-1.0) > 1e-6)
    table.insert(pos + 2, "flooded", flooded)
    table.attrs["time"] = "max" if k is None else str(ds["time"].values[k].astype("datetime64[s]"))
    return table


def _add_links(table, ds, nodes, links, network):
    n = len(nodes)
    link_names = _strings(ds["link"].values)
    kinds = (
        _strings(ds["link_kind"].values) if "link_kind" in ds.variables else [""] * len(link_names)
    )
    length = _values(ds, "link_length", np.zeros(len(link_names)))
    full = _values(ds, "link_full_depth", np.zeros(len(link_names)))
    from_names = _strings(ds["link_from"].values)
    off_in, off_out = _offsets(ds, network)
    conduit_lengths = [length[j] for j in links if kinds[j] == "conduit" and length[j] > 0]
    nominal = (
        NOMINAL_LENGTH_FRACTION * float(np.median(conduit_lengths)) if conduit_lengths else 10.0
    )
    cols = {c: [None] * n for c in ("link", "link_kind")}
    cols |= {c: np.full(n, np.nan) for c in ("link_length_m", "link_start_invert_m",
                                            "link_end_invert_m", "link_full_depth_m")}  # fmt: skip
    cols["reversed"] = np.zeros(n, bool)
    distance = np.zeros(n)
    inv = table["invert_m"].to_numpy()
    for i, j in enumerate(links):
        rev = from_names[j] != nodes[i]
        start, end = (off_out[j], off_in[j]) if rev else (off_in[j], off_out[j])
        drawn = length[j] if kinds[j] == "conduit" and length[j] > 0 else nominal
        cols["link"][i], cols["link_kind"][i], cols["reversed"][i] = link_names[j], kinds[j], rev
        cols["link_length_m"][i] = drawn
        cols["link_start_invert_m"][i] = inv[i] + start
        cols["link_end_invert_m"][i] = inv[i + 1] + end
        cols["link_full_depth_m"][i] = full[j]
        distance[i + 1] = distance[i] + drawn
    table.insert(2, "distance_m", distance)
    for c, v in cols.items():
        table[c] = v
