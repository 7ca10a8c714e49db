"""What a control schedule costs over the forecast members: flood first, then CSO, then
pumping energy and wear, with a risk measure over the members.

For candidate ``c`` and member ``m``::

    flood[c, m]  = sum over nodes of node_weight[n] * flood_volume[c, m, n]     [m3]
    cost[c]      = flood_weight * R_m(flood[c, m])
                 + mean_m(cso_weight * cso[c, m] + excess_weight * excess[c, m]
                          + energy_weight * energy[c, m] + storage_weight * stored[c, m])
                 + switch_weight * switches[c]

``R`` is the risk measure: the mean over members (``"expected"``) or the conditional
value at risk (``"cvar"``): the mean of the worst ``1 - cvar_alpha`` share of members
(at least one).  The default weights make one cubic metre of street flooding cost as
much as 100 m3 of combined sewer overflow, and a kWh or a switch almost nothing, so
the order is flood, then CSO, then energy and wear.  ``stored`` is the water left at
the end of the horizon in the storage units the actuators drain; ``excess`` the volume
that links with a flow limit (a downstream capacity, a treatment plant's intake, a
stream's erosion threshold) carry above it (a terminal cost, as
usual in model predictive control: a plan must not end with its tanks full for the
next storm, nor keep a gate shut after the storm for want of a reason to open it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from twin.errors import InputError
from twin.kernels.codes import LinkKind, NodeKind

__all__ = ["CostModel", "RISKS", "controlled_storage_of", "cso_outfalls_of", "risk_of"]

RISKS = ("expected", "cvar")


@dataclass
class CostModel:
    """Weights of a schedule's outcomes (see the module docstring).

    Attributes
    ----------
    node_weight : (n_nodes,) float64
        Weight of a cubic metre flooded at each node (0 at outfalls).
    cso_nodes : (k,) int64
        Outfalls whose inflow counts as combined sewer overflow.
    storage_nodes : (j,) int64
        Storage units whose volume left at the horizon's end costs ``storage_weight``.
    limit_links : (k,) int64
        Links with a flow limit ``limit_m3s`` (k,) float64; the volume above it costs
        ``excess_weight`` per m3.
    flood_weight, cso_weight, energy_weight, switch_weight, storage_weight : float
        Per weighted m3 flooded, per m3 of CSO, per kWh pumped, per setting change,
        per m3 left in storage.
    risk : {"expected", "cvar"}
    cvar_alpha : float
        CVaR level in [0, 1): the worst ``1 - alpha`` share of members.
    """

    node_weight: np.ndarray
    cso_nodes: np.ndarray
    storage_nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    flood_weight: float = 100.0
    cso_weight: float = 1.0
    energy_weight: float = 0.01
    switch_weight: float = 0.01
    storage_weight: float = 0.001
    limit_links: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    limit_m3s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    excess_weight: float = 1.0
    risk: str = "expected"
    cvar_alpha: float = 0.8

    def __post_init__(self):
        if self.risk not in RISKS:
            raise InputError(f"risk must be one of {', '.join(RISKS)}, got {self.risk!r}",
                             field="risk")  # fmt: skip
        if not 0.0 <= self.cvar_alpha < 1.0:
            raise InputError(f"cvar_alpha must be in [0, 1), got {self.cvar_alpha!r}",
                             field="cvar_alpha")  # fmt: skip
        for name in ("flood_weight", "cso_weight", "energy_weight", "switch_weight",
                     "storage_weight", "excess_weight"):  # fmt: skip
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise InputError(f"{name} must be a number >= 0, got {v!r}", field=name)

    @classmethod
    def for_network(cls, net, **kw) -> CostModel:
        """Weight 1 at every node but outfalls; CSO outfalls found by :func:`cso_outfalls_of`;
        stored water counted in the storage units a pump, orifice, weir or outlet drains."""
        weight = np.where(np.asarray(net.nodes.kind) == NodeKind.OUTFALL, 0.0, 1.0)
        kw.setdefault("cso_nodes", cso_outfalls_of(net))
        kw.setdefault("storage_nodes", controlled_storage_of(net))
        return cls(node_weight=weight, **kw)

    def weighted_flood(self, node_flood_m3: np.ndarray) -> np.ndarray:
        """``(..., n_nodes)`` flood volumes [m3] -> ``(...)`` weighted sums [m3]."""
        return node_flood_m3 @ self.node_weight

    def cso(self, node_inflow_m3: np.ndarray) -> np.ndarray:
        """``(..., n_nodes)`` inflow volumes [m3] -> ``(...)`` CSO volume [m3]."""
        return node_inflow_m3[..., self.cso_nodes].sum(axis=-1)

    def total(self, flood_m3, cso_m3, energy_kwh, switches, stored_m3=0.0, excess_m3=0.0):
        """Cost per candidate ``(C,)`` from ``(C, M)`` weighted flood, CSO, energy, water
        left in storage and volume above flow limits, and ``(C,)`` switch counts."""
        flood_m3 = np.atleast_2d(flood_m3)
        rest = (
            self.cso_weight * np.atleast_2d(cso_m3)
            + self.excess_weight * np.atleast_2d(excess_m3)
            + self.energy_weight * np.atleast_2d(energy_kwh)
            + self.storage_weight * np.atleast_2d(stored_m3)
        )
        return (
            self.flood_weight * risk_of(flood_m3, self.risk, self.cvar_alpha)
            + rest.mean(axis=1)
            + self.switch_weight * np.asarray(switches, np.float64)
        )


def risk_of(values: np.ndarray, risk: str = "expected", alpha: float = 0.8) -> np.ndarray:
    """``(C, M)`` -> ``(C,)``: the mean over members, or their CVaR at level ``alpha``
    (the mean of the ``ceil((1 - alpha) M)`` largest values).

    >>> risk_of(np.array([[0.0, 1.0, 2.0, 9.0]]), "cvar", 0.75)
    array([9.])
    """
    values = np.atleast_2d(np.asarray(values, np.float64))
    if risk == "expected":
        return values.mean(axis=1)
    k = max(1, int(math.ceil((1.0 - alpha) * values.shape[1] - 1e-9)))
    worst = np.sort(values, axis=1)[:, -k:]
    return worst.mean(axis=1)


def cso_outfalls_of(net) -> np.ndarray:
    """Outfalls that a weir discharges into directly: a CSO weir's receiving water."""
    L = net.links
    kind = np.asarray(net.nodes.kind)
    weir = np.asarray(L.kind) == LinkKind.WEIR
    to = np.asarray(L.to_node)[weir]
    return np.unique(to[kind[to] == NodeKind.OUTFALL]).astype(np.int64)


def controlled_storage_of(net) -> np.ndarray:
    """Storage units that a pump, orifice, weir or outlet drains."""
    kind = np.asarray(net.links.kind)
    regulated = kind != LinkKind.CONDUIT
    up = np.asarray(net.links.from_node)[regulated]
    node_kind = np.asarray(net.nodes.kind)
    return np.unique(up[node_kind[up] == NodeKind.STORAGE]).astype(np.int64)
