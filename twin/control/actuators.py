"""The controllable elements of a network and the limits the advice must respect.

An :class:`Actuator` is a pump (on/off or a speed setting), an orifice or gate
(opening), a weir (crest setting: the fraction of its opening that is open) or an
outlet (flow setting), with:

* ``levels``: the settings the search may choose from (pumps ``0, 1``; orifices and
  outlets ``0, 0.25, 0.5, 1``; weirs ``0, 0.5, 1`` unless declared);
* ``passive``: the setting of passive operation (``None`` for a pump: it switches on
  and off by its own start-up and shut-off depths; regulators fully open, 1);
* ``max_change``: the largest change of setting from one control interval to the
  next (a gate's travel speed; ``inf``: none);
* ``min_on_s`` / ``min_off_s``: pumps stay on (off) at least that long after a switch;
* a pump's start-up and shut-off depths (from the network) always apply: as in SWMM,
  a pump asked to stop restarts when its wet well passes the start-up depth, and one
  asked to run stops at the shut-off depth.

Settings are fractions 0-1 (for a pump: of its curve's rated speed; SWMM's speed
setting).  :func:`actuators_of` takes every pump, orifice, weir and outlet of a
network; :func:`load_actuators` reads a TOML file (see :mod:`twin.control.config`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.errors import InputError
from twin.kernels.codes import LinkKind

__all__ = ["Actuator", "ActuatorSet", "CONTROLLABLE", "actuators_of"]

#: Link kinds a controller can set, with the word used in messages and files.
CONTROLLABLE = {
    LinkKind.PUMP: "pump",
    LinkKind.ORIFICE: "orifice",
    LinkKind.WEIR: "weir",
    LinkKind.OUTLET: "outlet",
}
_DEFAULT_LEVELS = {
    LinkKind.PUMP: (0.0, 1.0),
    LinkKind.ORIFICE: (0.0, 0.25, 0.5, 1.0),
    LinkKind.WEIR: (0.0, 0.5, 1.0),
    LinkKind.OUTLET: (0.0, 0.25, 0.5, 1.0),
}


@dataclass(frozen=True)
class Actuator:
    """One controllable link and its limits (settings are fractions 0-1).

    Attributes
    ----------
    name : str
    index : int
        Row in ``net.links``.
    kind : LinkKind
    levels : tuple of float
        Settings the search chooses from, ascending.
    passive : float or None
        Setting of passive operation (None: a pump left to its start/stop depths).
    max_change : float
        Largest change between consecutive control intervals (inf: no limit).
    min_on_s, min_off_s : float
        Pumps: shortest run and rest after a switch [s].
    startup_depth_m, shutoff_depth_m : float
        Pumps: the network's start-up and shut-off depths at the wet well [m] (0: none).
    from_node, to_node : int
        Rows in ``net.nodes``.
    """

    name: str
    index: int
    kind: LinkKind
    levels: tuple = ()
    passive: float | None = 1.0
    max_change: float = math.inf
    min_on_s: float = 0.0
    min_off_s: float = 0.0
    startup_depth_m: float = 0.0
    shutoff_depth_m: float = 0.0
    from_node: int = -1
    to_node: int = -1

    @property
    def kind_name(self) -> str:
        return CONTROLLABLE[self.kind]

    @property
    def is_pump(self) -> bool:
        return self.kind == LinkKind.PUMP


@dataclass
class ActuatorSet:
    """The actuators of one network, in a fixed order (the rows of every schedule).

    Attributes
    ----------
    actuators : tuple of Actuator
    source : str
        The file they came from ("" when taken from the network).
    """

    actuators: tuple
    source: str = ""

    def __len__(self) -> int:
        return len(self.actuators)

    def __iter__(self):
        return iter(self.actuators)

    def __getitem__(self, k) -> Actuator:
        return self.actuators[k]

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.actuators]

    @property
    def link_index(self) -> np.ndarray:
        """(n_actuators,) int64 rows in ``net.links``."""
        return np.array([a.index for a in self.actuators], dtype=np.int64)

    def passive_settings(self) -> np.ndarray:
        """(n_actuators,) float64, NaN where passive means "leave it to the pump"."""
        return np.array([np.nan if a.passive is None else a.passive for a in self.actuators])


def _pump_passive(net, j: int) -> float | None:
    """A pump with start-up or shut-off depths runs by them; one without keeps its
    initial status (on: 1, off: 0)."""
    L = net.links
    if L.startup_depth_m[j] > 0 or L.shutoff_depth_m[j] > 0:
        return None
    return 1.0 if bool(L.init_on[j]) else 0.0


def make_actuator(net, j: int, **limits) -> Actuator:
    """The :class:`Actuator` of link row ``j`` with the given limits (defaults per kind).

    Raises
    ------
    InputError
        The link is not a pump, orifice, weir or outlet, or a limit is out of range.
    """
    L = net.links
    kind = LinkKind(int(L.kind[j]))
    name = str(L.name[j])
    if kind not in CONTROLLABLE:
        raise InputError(
            f"{name} is a {kind.name.lower()}: only a pump, orifice, weir or outlet can be "
            "an actuator",
            field="link",
        )
    levels = tuple(sorted({float(v) for v in limits.pop("levels", _DEFAULT_LEVELS[kind])}))
    check_settings(name, kind, levels, field="levels")
    passive = limits.pop("passive", "network")
    if passive == "network":
        passive = _pump_passive(net, j) if kind == LinkKind.PUMP else 1.0
    if passive is not None:
        check_settings(name, kind, (passive,), field="passive")
    out = Actuator(
        name=name,
        index=int(j),
        kind=kind,
        levels=levels,
        passive=None if passive is None else float(passive),
        startup_depth_m=float(L.startup_depth_m[j]) if kind == LinkKind.PUMP else 0.0,
        shutoff_depth_m=float(L.shutoff_depth_m[j]) if kind == LinkKind.PUMP else 0.0,
        from_node=int(L.from_node[j]),
        to_node=int(L.to_node[j]),
        **limits,
    )
    if not out.max_change > 0:
        raise InputError(f"{name}: max_change must be > 0, got {out.max_change!r}",
                         field="max_change")  # fmt: skip
    return out


def check_settings(name: str, kind: LinkKind, values, field: str = "levels") -> None:
    """InputError unless every value is a finite setting in 0-1 (a pump's: 0-1 of the
    rated speed of its curve)."""
    if len(values) == 0:
        raise InputError(f"{name}: at least one setting is needed", field=field)
    for v in values:
        if not (isinstance(v, float | int) and math.isfinite(v)) or isinstance(v, bool):
            raise InputError(f"{name}: setting {v!r} is not a number", field=field)
        if not 0.0 <= v <= 1.0:
            what = (
                "outside its curve (0-1 of the curve's rated speed)"
                if kind == LinkKind.PUMP
                else "outside 0-1 (the fraction open)"
            )
            raise InputError(f"{name}: setting {v:g} is {what}", field=field)


def actuators_of(net, names=None) -> ActuatorSet:
    """Every pump, orifice, weir and outlet of ``net`` (or those named) with default limits."""
    kind = np.asarray(net.links.kind)
    if names is None:
        rows = [j for j in range(net.n_links) if LinkKind(int(kind[j])) in CONTROLLABLE]
    else:
        index = net.links.index_of()
        rows = []
        for n in names:
            if n not in index:
                raise InputError(f"no link named {n!r} in the network", field="link")
            rows.append(index[n])
    acts = tuple(make_actuator(net, j) for j in rows)
    return ActuatorSet(acts)


def default_sensors(net, acts) -> tuple:
    """Storage nodes and the ends of the actuators: the levels a utility measures."""
    from twin.kernels.codes import NodeKind

    kind = np.asarray(net.nodes.kind)
    nodes = set(np.flatnonzero(kind == NodeKind.STORAGE).tolist())
    for a in acts:
        nodes.update((a.from_node, a.to_node))
    return tuple(sorted(n for n in nodes if kind[n] != NodeKind.OUTFALL))
