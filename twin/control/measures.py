"""What a controller counts in a running twin simulation: cumulative flood volume per
node, cumulative inflow volume per node (an outfall's is what it discharged) and the
pumps' hydraulic power, in SI.

These read the running totals the engine keeps for its summary (the recorder's
flood volumes, the router's node inflow volumes), so a horizon's volumes are the
difference of two readings.  Pump energy follows SWMM's ``link_getPower``: the power
is ``rho g |h_from - h_to| q`` (no efficiency), 9.81 kW per m3/s and metre of lift.
"""

from __future__ import annotations

import numpy as np

from twin.errors import TwinError
from twin.networks.units import FT3_TO_M3

__all__ = ["flood_volume_m3", "inflow_volume_m3", "pump_power_kw", "KW_PER_M3S_M"]

KW_PER_M3S_M = 9.80665  # rho g / 1000: kW per (m3/s x m) of lift


def flood_volume_m3(sim) -> np.ndarray:
    """(n_nodes,) flood volume of every node since the start of ``sim`` [m3] (a copy)."""
    acc = getattr(getattr(sim, "recorder", None), "node_acc", None)
    if acc is None or "flood_vol" not in acc:
        raise TwinError("this simulation keeps no flood volumes (engine changed?)")
    return np.asarray(acc["flood_vol"], np.float64) * FT3_TO_M3


def inflow_volume_m3(sim) -> np.ndarray:
    """(n_nodes,) inflow volume of every node since the start of ``sim`` [m3] (a copy)."""
    totals = getattr(sim.router, "totals", None)
    v = getattr(totals, "inflow_volume", None)
    if v is None:
        raise TwinError("this simulation keeps no node inflow volumes (engine changed?)")
    return np.asarray(v, np.float64) * FT3_TO_M3


def pump_power_kw(sim, pumps, from_node, to_node) -> np.ndarray:
    """(k,) hydraulic power of the pump links ``pumps`` now [kW] (rows in ``net.links``;
    ``from_node``/``to_node`` their end nodes)."""
    out = np.zeros(len(pumps))
    for i, (j, a, b) in enumerate(zip(pumps, from_node, to_node, strict=True)):
        q = abs(sim.links[int(j)].flow)
        if q > 0.0:
            out[i] = KW_PER_M3S_M * q * abs(sim.nodes[int(a)].head - sim.nodes[int(b)].head)
    return out
