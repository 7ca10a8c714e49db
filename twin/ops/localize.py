"""Localisation along the sewer graph: how far each state element is from a sensor.

A sensor informs the water near it: upstream (what flows towards it) and downstream
(what it feeds).  Distance is measured along the network's links, both ways, either
in links (hops) or in metres of pipe; the Gaspari-Cohn taper turns a distance into a
weight in ``[0, 1]`` that falls to zero at the localisation radius, so each sensor
updates only the elements within that radius: the cost of an update grows with the
number of elements near the sensors, not with the whole network.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from twin.errors import InputError


def gaspari_cohn(distance, radius: float) -> np.ndarray:
    """Gaspari-Cohn (1999) fifth-order taper, 1 at distance 0 and 0 from ``radius`` on.

    Parameters
    ----------
    distance : array of float (same unit as ``radius``; inf allowed)
    radius : float, > 0
    """
    c = 0.5 * float(radius)
    r = np.asarray(distance, dtype=np.float64) / c
    out = np.zeros_like(r)
    a = r <= 1.0
    b = (r > 1.0) & (r < 2.0)
    ra = r[a]
    out[a] = -0.25 * ra**5 + 0.5 * ra**4 + 0.625 * ra**3 - 5.0 / 3.0 * ra**2 + 1.0
    rb = r[b]
    out[b] = (
        rb**5 / 12.0 - 0.5 * rb**4 + 0.625 * rb**3 + 5.0 / 3.0 * rb**2 - 5.0 * rb + 4.0
        - 2.0 / (3.0 * rb)
    )  # fmt: skip
    return np.clip(out, 0.0, 1.0)


class GraphDistance:
    """Distances from chosen nodes to every node and link of a network, along its links.

    Parameters
    ----------
    from_node, to_node : (n_links,) int
        The links' end nodes.
    length_m : (n_links,) float
        Link lengths (structures count as given; use 1 for hops).
    unit : {"links", "m"}
    """

    def __init__(self, from_node, to_node, length_m, unit: str = "links"):
        if unit not in ("links", "m"):
            raise InputError(f"localisation unit must be 'links' or 'm', got {unit!r}",
                             field="localization_unit")  # fmt: skip
        self.from_node = np.asarray(from_node, np.int64)
        self.to_node = np.asarray(to_node, np.int64)
        self.n_nodes = int(max(self.from_node.max(), self.to_node.max()) + 1)
        w = np.ones(len(self.from_node)) if unit == "links" else np.asarray(length_m, float)
        self.weight = np.maximum(w, 1e-6)
        self.graph = coo_matrix(
            (self.weight, (self.from_node, self.to_node)), shape=(self.n_nodes, self.n_nodes)
        ).tocsr()

    @classmethod
    def of_network(cls, net, unit: str = "links") -> GraphDistance:
        lengths = np.asarray(net.links.length_m, dtype=np.float64)
        lengths = np.where(np.isfinite(lengths) & (lengths > 0), lengths, 1.0)
        return cls(net.links.from_node, net.links.to_node, lengths, unit)

    def from_nodes(self, nodes, limit: float) -> tuple[np.ndarray, np.ndarray]:
        """``(node distance (k, n_nodes), link distance (k, n_links))`` from each of
        ``nodes``, inf beyond ``limit``; a link's distance is that of its nearer end
        plus half its own weight."""
        nodes = np.asarray(nodes, np.int64)
        if len(nodes) == 0:
            return np.zeros((0, self.n_nodes)), np.zeros((0, len(self.from_node)))
        dn = np.atleast_2d(dijkstra(self.graph, directed=False, indices=nodes, limit=limit))
        dl = np.minimum(dn[:, self.from_node], dn[:, self.to_node]) + 0.5 * self.weight
        return dn, dl

    def downstream_from_nodes(self, nodes, limit: float) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`from_nodes`, but only downstream of ``nodes`` (links followed from
        their from-node to their to-node): a link is at its from-node's distance plus half
        its own weight; a node or link upstream of, or beside, every one of ``nodes`` is
        at infinity.  What a depth sensor sees of a pipe's conveyance is its backwater,
        so a pipe is seen from above it."""
        nodes = np.asarray(nodes, np.int64)
        if len(nodes) == 0:
            return np.zeros((0, self.n_nodes)), np.zeros((0, len(self.from_node)))
        down = np.atleast_2d(dijkstra(self.graph, directed=True, indices=nodes, limit=limit))
        return down, down[:, self.from_node] + 0.5 * self.weight

    def along_flow_from_nodes(self, nodes, limit: float) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`from_nodes`, but only along the flow path: the distance downstream
        (links followed from their from-node to their to-node) or upstream (against
        them), whichever is shorter; a node reached only by going down and up again (a
        neighbouring branch, which does not drain to the sensor nor receive from it) is
        at infinity, and so is its pipe."""
        nodes = np.asarray(nodes, np.int64)
        if len(nodes) == 0:
            return np.zeros((0, self.n_nodes)), np.zeros((0, len(self.from_node)))
        down, down_l = self.downstream_from_nodes(nodes, limit)
        up = np.atleast_2d(dijkstra(self.graph.T.tocsr(), directed=True, indices=nodes,
                                    limit=limit))  # fmt: skip
        # a link is downstream when its from-node is, upstream when its to-node is
        dl = np.minimum(down_l, up[:, self.to_node] + 0.5 * self.weight)
        return np.minimum(down, up), dl
