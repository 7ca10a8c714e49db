"""The sparse structure of the Newton solver's node system, computed once per network.

The node-head Jacobian has a diagonal entry per node and a pair of entries per
node pair joined by one or more links.  :func:`node_system` chooses the
elimination order by minimum degree (exact degrees, ties by node index): on a
dendritic network every node eliminated is a leaf of what is left, so the order
runs leaves to root and creates no fill; around loops it keeps the fill small.
It then records the symbolic factorisation the numeric kernels of
:mod:`twin.kernels.newton.sparse_lu` walk: each pivot's edges to later nodes and,
for every pair of them, the edge whose entry the elimination updates.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

__all__ = ["NodeSystem", "node_system"]


@dataclass(frozen=True)
class NodeSystem:
    """Elimination order and symbolic LU of the node system (arrays int64).

    Attributes
    ----------
    position_of_node : (n_nodes,)
        Position of node ``i`` in the elimination order.
    node_at_position : (n_nodes,)
        The inverse permutation.
    edge_first, edge_second : (n_edges,)
        Positions ``p < q`` joined by edge ``e`` (links and fill).
    pivot_start, pivot_edges : (n_nodes + 1,), (n_edges,)
        CSR of each pivot's edges to later positions.
    pair_start, pair_target : (n_nodes + 1,), (n_pairs,)
        CSR of the edge each pair of a pivot's later edges updates.
    edge_of_link : (n_links,)
        Edge of link ``j`` (-1 for a link whose two ends are one node).
    link_up_first : (n_links,)
        1 when the link's upstream node comes first in the order, else 0.
    n_fill : int
        Edges created by the elimination (0 on a tree).
    """

    position_of_node: np.ndarray
    node_at_position: np.ndarray
    edge_first: np.ndarray
    edge_second: np.ndarray
    pivot_start: np.ndarray
    pivot_edges: np.ndarray
    pair_start: np.ndarray
    pair_target: np.ndarray
    edge_of_link: np.ndarray
    link_up_first: np.ndarray
    n_fill: int

    @property
    def n_edges(self) -> int:
        return int(self.edge_first.shape[0])


def _minimum_degree(n: int, adj: list[set]) -> tuple[list[int], list[list[int]], int]:
    """Elimination order, each pivot's later neighbours (node ids) and the fill count."""
    heap = [(len(adj[i]), i) for i in range(n)]
    heapq.heapify(heap)
    done = [False] * n
    order: list[int] = []
    later: list[list[int]] = []
    fill = 0
    while heap:
        d, i = heapq.heappop(heap)
        if done[i] or d != len(adj[i]):
            continue  # already eliminated, or a stale degree
        done[i] = True
        nb = sorted(adj[i])
        order.append(i)
        later.append(nb)
        for a in nb:
            adj[a].discard(i)
        for x in range(len(nb)):
            for y in range(x + 1, len(nb)):
                a, b = nb[x], nb[y]
                if b not in adj[a]:
                    adj[a].add(b)
                    adj[b].add(a)
                    fill += 1
        for a in nb:
            heapq.heappush(heap, (len(adj[a]), a))
    return order, later, fill


def node_system(n_nodes: int, up_node: np.ndarray, down_node: np.ndarray) -> NodeSystem:
    """The elimination order and symbolic factorisation for links ``up_node -> down_node``.

    Parameters
    ----------
    n_nodes : int
    up_node, down_node : (n_links,) int
        End nodes of every link (any orientation; parallel links share an edge).
    """
    up_node = np.asarray(up_node, dtype=np.int64)
    down_node = np.asarray(down_node, dtype=np.int64)
    adj: list[set] = [set() for _ in range(n_nodes)]
    for a, b in zip(up_node.tolist(), down_node.tolist(), strict=True):
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    order, later, fill = _minimum_degree(n_nodes, adj)
    position = np.empty(n_nodes, dtype=np.int64)
    position[np.asarray(order, dtype=np.int64)] = np.arange(n_nodes)
    edge_id: dict[tuple[int, int], int] = {}
    first: list[int] = []
    second: list[int] = []
    pivot_start = np.zeros(n_nodes + 1, dtype=np.int64)
    pivot_edges: list[int] = []
    for p, nb in enumerate(later):
        qs = sorted(int(position[a]) for a in nb)
        for q in qs:
            edge_id[(p, q)] = len(first)
            pivot_edges.append(len(first))
            first.append(p)
            second.append(q)
        pivot_start[p + 1] = len(pivot_edges)
    pair_start = np.zeros(n_nodes + 1, dtype=np.int64)
    pair_target: list[int] = []
    for p in range(n_nodes):
        edges = pivot_edges[pivot_start[p] : pivot_start[p + 1]]
        for x in range(len(edges)):
            qa = second[edges[x]]
            for y in range(x + 1, len(edges)):
                pair_target.append(edge_id[(qa, second[edges[y]])])
        pair_start[p + 1] = len(pair_target)
    edge_of_link = np.full(up_node.shape[0], -1, dtype=np.int64)
    up_first = np.zeros(up_node.shape[0], dtype=np.int64)
    for j, (a, b) in enumerate(zip(up_node.tolist(), down_node.tolist(), strict=True)):
        if a == b:
            continue
        pa, pb = int(position[a]), int(position[b])
        edge_of_link[j] = edge_id[(min(pa, pb), max(pa, pb))]
        up_first[j] = 1 if pa < pb else 0

    def arr(x):
        return np.asarray(x, dtype=np.int64)

    return NodeSystem(
        position_of_node=position, node_at_position=arr(order), edge_first=arr(first),
        edge_second=arr(second), pivot_start=pivot_start, pivot_edges=arr(pivot_edges),
        pair_start=pair_start, pair_target=arr(pair_target), edge_of_link=edge_of_link,
        link_up_first=up_first, n_fill=int(fill),
    )  # fmt: skip
