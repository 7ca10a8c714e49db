"""The plant: what stands for the real city in a closed-loop test of the controller.

A plant is stepped in lockstep with the controller; the controller reads only its
sensors (:meth:`depth_at` of declared nodes) and writes only its actuators
(:meth:`set_setting`).  What the plant did (flood per node, CSO, pump energy) is read
after the run for the score, never by the controller.

* :class:`SwmmPlant`: the network in EPA SWMM 5.2 through pyswmm, stepped routing
  step by routing step (so that the CSO volume is integrated on SWMM's own steps);
  flood volumes and pump energy are SWMM's own statistics.
* :class:`TwinPlant`: a separate twin :class:`~twin.engine.simulation.Simulation` of
  a perturbed truth (see :func:`twin.control.truth.perturbed_truth`).

:func:`check_same_network` refuses a plant whose elements differ from the twin's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from twin.control.measures import flood_volume_m3, inflow_volume_m3, pump_power_kw
from twin.errors import InputError
from twin.kernels.codes import LinkKind

__all__ = ["SwmmPlant", "TwinPlant", "check_same_network"]


class _Plant:
    """Common bookkeeping: cumulative CSO and pump energy, applied actions."""

    kind = ""

    def __init__(self, network, cso_nodes, flow_limits=((), ())):
        self.net = network
        self.cso_nodes = [str(network.nodes.name[i]) for i in cso_nodes]
        self.cso_m3 = 0.0
        self.limits = [(str(network.links.name[j]), float(q))
                       for j, q in zip(*flow_limits, strict=True)]  # fmt: skip
        self.excess_m3 = 0.0
        kind = np.asarray(network.links.kind)
        self.pumps = [str(n) for n in np.asarray(network.links.name)[kind == LinkKind.PUMP]]

    @property
    def t_s(self) -> float:
        raise NotImplementedError

    def advance_to(self, t_s: float) -> float:
        """Step until the clock reaches ``t_s`` [s after the start] (or the end)."""
        raise NotImplementedError


class SwmmPlant(_Plant):
    """The network run by EPA SWMM 5.2 (pyswmm), stepped by the controller.

    Parameters
    ----------
    network : Network
        The plant's network (written to an ``.inp`` in a temporary folder), or
    inp : path, optional
        An ``.inp`` file to run instead (it must hold the same elements).
    cso_nodes : sequence of int
        Outfall rows whose inflow is CSO.

    Raises
    ------
    InputError
        SWMM cannot open or start the model (one line, with SWMM's message).
    """

    kind = "swmm"

    def __init__(self, network, cso_nodes=(), inp=None, flow_limits=((), ())):
        super().__init__(network, cso_nodes, flow_limits)
        try:
            from pyswmm import Links, Nodes, Simulation
        except ImportError:
            raise InputError("the SWMM plant needs pyswmm: pip install pyswmm") from None
        self._tmp = tempfile.TemporaryDirectory(prefix="twin-plant-")
        if inp is None:
            inp = Path(self._tmp.name) / "plant.inp"
            network.to_inp(inp)
        self.inp = Path(inp)
        try:
            self.sim = Simulation(str(self.inp), str(Path(self._tmp.name) / "plant.rpt"),
                                  str(Path(self._tmp.name) / "plant.out"))  # fmt: skip
            self.sim.__enter__()  # as `with Simulation(...)` does: no context warning
            self.sim.start()
        except Exception as exc:  # noqa: BLE001 - pyswmm raises bare Exceptions
            self._tmp.cleanup()
            msg = " ".join(str(exc).split()) or type(exc).__name__
            raise InputError(f"the plant (EPA SWMM 5.2) failed to start: {msg}") from None
        self.nodes = Nodes(self.sim)
        self.links = Links(self.sim)
        # pyswmm's collections iterate once (their cursor is not reset): list them now
        self._node_names = [n.nodeid for n in Nodes(self.sim)]
        self._link_names = [lk.linkid for lk in Links(self.sim)]
        self.start = np.datetime64(self.sim.start_time, "s")
        self.end_s = (self.sim.end_time - self.sim.start_time).total_seconds()
        self._t = 0.0
        self._done = False

    def names(self) -> tuple[list[str], list[str]]:
        return list(self._node_names), list(self._link_names)

    @property
    def t_s(self) -> float:
        return self._t

    @property
    def finished(self) -> bool:
        return self._done or self._t >= self.end_s - 1e-6

    def advance_to(self, t_s: float) -> float:
        model = self.sim._model
        while not self.finished and self._t < t_s - 1e-6:
            elapsed_days = model.swmm_step()
            if elapsed_days <= 0.0:
                self._done = True
                break
            t_new = elapsed_days * 86400.0
            dt = t_new - self._t
            self.cso_m3 += dt * sum(self.nodes[n].total_inflow for n in self.cso_nodes)
            for link, q in self.limits:
                self.excess_m3 += dt * max(abs(self.links[link].flow) - q, 0.0)
            self._t = t_new
        return self._t

    def depth_at(self, node: str) -> float:
        return float(self.nodes[node].depth)

    def setting_of(self, link: str) -> float:
        return float(self.links[link].current_setting)

    def set_setting(self, link: str, value: float) -> None:
        self.links[link].target_setting = float(value)

    def results(self) -> dict:
        """Flood per node [m3], CSO [m3], pump energy [kWh] so far (SWMM's statistics)."""
        flood = {n: float(self.nodes[n].statistics["flooding_volume"]) for n in self._node_names}
        energy = sum(float(self.links[p].pump_statistics["energy_consumed"]) for p in self.pumps)
        return {"node_flood_m3": flood, "cso_m3": self.cso_m3, "pump_energy_kwh": energy,
                "flow_excess_m3": self.excess_m3}  # fmt: skip

    def close(self) -> None:
        try:
            self.sim.__exit__()
        finally:
            self._tmp.cleanup()


class TwinPlant(_Plant):
    """A separate twin simulation of ``network`` (the plant's own truth).

    Parameters
    ----------
    network : Network
        The plant's network: the truth, perturbed if wanted.
    cso_nodes : sequence of int
    sample_s : float
        Pump power sampling step for the energy [s].
    """

    kind = "twin"

    def __init__(self, network, cso_nodes=(), sample_s=60.0, flow_limits=((), ())):
        super().__init__(network, cso_nodes, flow_limits)
        from twin.engine.simulation import Simulation

        try:
            self.sim = Simulation(network)
        except InputError as exc:
            raise InputError(f"the plant (a twin simulation) failed to start: {exc}") from None
        self.start = self.sim.opts.start
        self.end_s = self.sim.duration_s
        self.sample_s = float(sample_s)
        kind = np.asarray(network.links.kind)
        self._pump_rows = np.flatnonzero(kind == LinkKind.PUMP)
        self._from = np.asarray(network.links.from_node)[self._pump_rows]
        self._to = np.asarray(network.links.to_node)[self._pump_rows]
        self._cso_rows = np.asarray(cso_nodes, dtype=np.int64)
        self.energy_kwh = 0.0

    def names(self) -> tuple[list[str], list[str]]:
        return [str(n) for n in self.net.nodes.name], [str(n) for n in self.net.links.name]

    @property
    def t_s(self) -> float:
        return self.sim.t_s

    @property
    def finished(self) -> bool:
        return self.sim.finished

    def advance_to(self, t_s: float) -> float:
        while not self.sim.finished and self.sim.t_s < t_s - 1e-6:
            t0 = self.sim.t_s
            self.sim.step_advance(min(self.sample_s, t_s - t0))
            p = pump_power_kw(self.sim, self._pump_rows, self._from, self._to)
            self.energy_kwh += p.sum() * (self.sim.t_s - t0) / 3600.0
            for link, q in self.limits:
                flow = abs(self.sim.links[link].flow)
                self.excess_m3 += (self.sim.t_s - t0) * max(flow - q, 0.0)
        return self.sim.t_s

    def depth_at(self, node: str) -> float:
        return self.sim.nodes[node].depth

    def setting_of(self, link: str) -> float:
        return self.sim.links[link].setting

    def set_setting(self, link: str, value: float) -> None:
        self.sim.links[link].target_setting = float(value)

    def results(self) -> dict:
        flood = flood_volume_m3(self.sim)
        names = [str(n) for n in self.net.nodes.name]
        cso = float(inflow_volume_m3(self.sim)[self._cso_rows].sum())
        return {
            "node_flood_m3": dict(zip(names, flood.tolist(), strict=True)),
            "cso_m3": cso,
            "pump_energy_kwh": self.energy_kwh,
            "flow_excess_m3": self.excess_m3,
        }

    def close(self) -> None:
        return None


def check_same_network(plant, network) -> None:
    """InputError unless the plant has the twin's nodes and links (names and counts)."""
    nodes, links = plant.names()
    own_nodes = [str(n) for n in network.nodes.name]
    own_links = [str(n) for n in network.links.name]
    for what, theirs, ours in (("nodes", nodes, own_nodes), ("links", links, own_links)):
        if len(theirs) != len(ours):
            raise InputError(
                f"the plant and the twin disagree about the network: the plant has "
                f"{len(theirs)} {what}, the twin {len(ours)}"
            )
        missing = sorted(set(ours) - set(theirs))
        if missing:
            raise InputError(
                f"the plant and the twin disagree about the network: {what} "
                f"{', '.join(missing[:3])} of the twin are not in the plant"
            )
