"""Keeping the twin on the plant's track between control cycles: nudging by sensors.

The controller's twin runs the same network as the plant with the rain its gauges
measured and the settings it applied, so it drifts only as far as the plant's truth
differs from its model (rain the gauges missed, pipes rougher than drawn).  Every
``step_s`` the depths of the sensor nodes are read from the plant, and at storage
sensors (tanks, wet wells: where the controller's decisions live) the difference is
fed back as an inflow (Newtonian relaxation, the classical form of nudging)::

    q = area(depth_twin) * (depth_observed - depth_twin) / tau

for the next step (``sim.nodes[...].generated_inflow``), so the twin's level relaxes
towards the observed one with time scale ``tau``.  The water so added or removed is
counted in :attr:`Nudger.volume_m3`.  Junction sensors are read but not nudged (their
depth is not a store of water the twin could correct that way).
"""

from __future__ import annotations

import numpy as np

from twin.kernels.codes import NodeKind

__all__ = ["Nudger", "storage_area_m2"]

FT_PER_M = 1.0 / 0.3048


def storage_area_m2(net, node: int, depth_m: float) -> float:
    """Plan area of a storage node at ``depth_m`` [m2] from its FUNCTIONAL parameters
    or TABULAR curve (other shapes: their area at mid-depth of a prism of the same
    volume is not known here, so 0: not nudged)."""
    shape = str(net.nodes.storage_shape[node]).upper()
    d = max(float(depth_m), 0.0)
    if shape == "FUNCTIONAL":
        a1, a2, a0 = (float(v) for v in net.nodes.storage_params[node])
        return a0 + a1 * d**a2 if d > 0 or a2 == 0 else a0
    if shape == "TABULAR":
        curve = net.curves.get(str(net.nodes.storage_curve[node]))
        if curve is None:
            return 0.0
        x, y = np.asarray(curve.x, float), np.asarray(curve.y, float)
        if net.unit_system == "US":
            return float(np.interp(d * FT_PER_M, x, y)) / FT_PER_M**2
        return float(np.interp(d, x, y))
    return 0.0


class Nudger:
    """Relaxes the storage levels of a twin simulation towards sensor readings.

    Parameters
    ----------
    net : Network
    sensor_nodes : sequence of int
        Rows of the sensor nodes.
    tau_s : float
        Relaxation time scale [s].
    """

    def __init__(self, net, sensor_nodes, tau_s: float = 120.0):
        self.net = net
        kind = np.asarray(net.nodes.kind)
        self.nodes = [int(n) for n in sensor_nodes]
        self.names = [str(net.nodes.name[n]) for n in self.nodes]
        self.storage = [n for n in self.nodes if kind[n] == NodeKind.STORAGE]
        self.tau_s = float(tau_s)
        self.volume_m3 = 0.0
        self._q = {n: 0.0 for n in self.storage}

    def suspend(self, sim) -> None:
        """Take the corrective inflows out of ``sim`` (before its state is saved for the
        forecast members: they must not carry the correction over the horizon)."""
        for n in self._q:
            sim.nodes[n].generated_inflow(0.0)

    def resume(self, sim) -> None:
        """Put the corrective inflows back."""
        for n, q in self._q.items():
            sim.nodes[n].generated_inflow(q)

    def read(self, plant) -> np.ndarray:
        """(k,) depths of the sensor nodes in the plant [m]."""
        return np.array([plant.depth_at(n) for n in self.names])

    def update(self, sim, observed: np.ndarray, step_s: float) -> None:
        """Book the last step's correction and set the next one from ``observed``."""
        for n in self.storage:
            self.volume_m3 += self._q[n] * step_s
        for n, d_obs in zip(self.nodes, observed, strict=True):
            if n not in self._q:
                continue
            view = sim.nodes[n]
            d = view.depth
            q = storage_area_m2(self.net, n, d) * (float(d_obs) - d) / self.tau_s
            if q < 0.0:  # never take more than the twin holds above the observed level
                q = max(q, -max(view.volume, 0.0) / max(step_s, 1.0))
            self._q[n] = q
            view.generated_inflow(q)
