"""Live views of a running simulation's nodes, links and subcatchments (PySWMM style).

``sim.nodes["J1"].depth`` reads the router's state array at the moment it is asked
(no copies are kept), converted to SI: m, m3, m3/s, mm/h.  Between steps a view can
steer the run: ``sim.nodes["J1"].generated_inflow(0.2)`` adds 0.2 m3/s of lateral
inflow to every following step (booked as external inflow in the routing
continuity), ``sim.links["P1"].target_setting = 0.5`` asks a pump, orifice, weir or
outlet for a new setting, applied at the start of the next step.

Flows and velocities of links are in the file's orientation (positive from the
``from`` node to the ``to`` node).
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError, TwinError
from twin.networks.units import CFS_TO_M3S, FT3_TO_M3, FT_TO_M

FT, FT3, CFS = FT_TO_M, FT3_TO_M3, CFS_TO_M3S
MMH_PER_FPS = 1097280.0  # mm/h per ft/s


class _View:
    __slots__ = ("_sim", "index", "name")
    _hotstart_ignore = True

    def __init__(self, sim, index: int, name: str):
        self._sim = sim
        self.index = index
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class NodeView(_View):
    """One node: ``depth`` [m], ``head`` [m], ``volume`` [m3], ``inflow``,
    ``lateral_inflow``, ``flooding``, ``generated`` [m3/s]."""

    __slots__ = ()

    @property
    def depth(self) -> float:
        return float(self._sim.router.node_state.depth[self.index]) * FT

    @property
    def head(self) -> float:
        return float(self._sim.router.node_state.head[self.index]) * FT

    @property
    def volume(self) -> float:
        return float(self._sim.router.node_state.volume[self.index]) * FT3

    @property
    def inflow(self) -> float:
        """Total inflow (lateral + from links) of the last step [m3/s]."""
        return float(self._sim.router.node_state.inflow[self.index]) * CFS

    @property
    def lateral_inflow(self) -> float:
        return float(self._sim.router.node_state.lateral[self.index]) * CFS

    @property
    def flooding(self) -> float:
        """Overflow rate (lost or ponded) of the last step [m3/s]."""
        return float(self._sim.router.node_state.overflow[self.index]) * CFS

    @property
    def generated(self) -> float:
        """The extra inflow set by :meth:`generated_inflow` [m3/s]."""
        return float(self._sim._generated_cfs[self.index]) * CFS

    def generated_inflow(self, q_m3s: float) -> None:
        """Add ``q_m3s`` [m3/s] of lateral inflow to this node in every following step
        (until changed; 0 removes it; a negative rate withdraws water)."""
        try:
            q = float(q_m3s)
        except (TypeError, ValueError):
            raise InputError(f"inflow must be a number, got {q_m3s!r}") from None
        if not np.isfinite(q):
            raise InputError(f"inflow must be finite, got {q_m3s!r}")
        self._sim._generated_cfs[self.index] = q / CFS


class LinkView(_View):
    """One link: ``flow`` [m3/s], ``depth`` [m], ``velocity`` [m/s], ``capacity`` [-],
    ``setting`` and ``target_setting`` (0-1; a pump's speed may exceed 1)."""

    __slots__ = ()

    @property
    def flow(self) -> float:
        r = self._sim.router
        return float(r.link_state.flow[self.index] * r.links.direction[self.index]) * CFS

    @property
    def depth(self) -> float:
        return float(self._sim.router.link_state.depth[self.index]) * FT

    @property
    def velocity(self) -> float:
        r = self._sim.router
        return float(r.link_state.velocity[self.index] * r.links.direction[self.index]) * FT

    @property
    def capacity(self) -> float:
        """Conduits: flow area over full area of the last step."""
        return float(self._sim.router.link_state.capacity[self.index])

    @property
    def setting(self) -> float:
        """The current setting (pump on/off or speed, fraction open)."""
        return float(self._sim.router.link_state.setting[self.index])

    @setting.setter
    def setting(self, value: float) -> None:
        self._set(value)

    @property
    def target_setting(self) -> float:
        """The setting asked for (applied at the next step), else the router's target."""
        state = self._sim.router.link_state
        asked = state.control_setting[self.index]
        if asked == asked:
            return float(asked)
        return float(state.target_setting[self.index])

    @target_setting.setter
    def target_setting(self, value: float) -> None:
        self._set(value)

    def _set(self, value: float) -> None:
        self._sim.router.set_link_setting(self.index, value)


class SubcatchmentView(_View):
    """One subcatchment: ``rainfall`` and ``infiltration`` [mm/h] of the latest runoff
    step, ``runoff`` [m3/s] at the end of it."""

    __slots__ = ()

    def _runoff(self):
        ro = self._sim.runoff
        if ro is None:
            raise TwinError("this simulation computes no runoff")
        return ro

    @property
    def rainfall(self) -> float:
        return float(self._runoff()._rain_fps[self.index]) * MMH_PER_FPS

    @property
    def runoff(self) -> float:
        return float(self._runoff().runoff_cfs[self.index]) * CFS

    @property
    def infiltration(self) -> float:
        return float(self._runoff()._st["infil_loss_fps"][self.index]) * MMH_PER_FPS


class ElementViews:
    """Name -> view mapping of one element kind: ``len``, iteration (views in file
    order), ``in`` (by name) and ``[name]`` (or integer index)."""

    _hotstart_ignore = True

    def __init__(self, sim, names, view_cls, kind: str):
        self._sim = sim
        self._names = [str(n) for n in names]
        self._index = {n: i for i, n in enumerate(self._names)}
        self._cls = view_cls
        self._kind = kind

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        n = len(self._names)
        shown = ", ".join(self._names[:3]) + (", ..." if n > 3 else "")
        return f"{type(self).__name__}({n} {self._kind}{'s' if n != 1 else ''}: {shown})"

    def __iter__(self):
        return (self._cls(self._sim, i, n) for i, n in enumerate(self._names))

    def __contains__(self, name) -> bool:
        return str(name) in self._index

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if 0 <= int(key) < len(self._names):
                return self._cls(self._sim, int(key), self._names[int(key)])
        else:
            i = self._index.get(str(key))
            if i is not None:
                return self._cls(self._sim, i, self._names[i])
        raise InputError(f"no {self._kind} named {key!r} in the network", field=self._kind)

    def names(self) -> list[str]:
        return list(self._names)


def node_views(sim) -> ElementViews:
    return ElementViews(sim, sim.net.nodes.name, NodeView, "node")


def link_views(sim) -> ElementViews:
    return ElementViews(sim, sim.net.links.name, LinkView, "link")


def subcatchment_views(sim) -> ElementViews:
    return ElementViews(sim, sim.net.subcatchments.name, SubcatchmentView, "subcatchment")
