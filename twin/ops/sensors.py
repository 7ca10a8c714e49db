"""Sensors declared in TOML: which element each one watches, what it measures, how well.

A sensor file is a list of ``[[sensor]]`` tables::

    [[sensor]]
    id = "L12"          # unique
    node = "MH000031"   # or link = "C000008", or gauge = "RG1"
    quantity = "depth"  # depth [m] | head [m] | flow [m3/s] | rainfall [mm/h]
    sd = 0.01           # measurement error standard deviation, in the quantity's unit

``depth`` and ``head`` are read at nodes, ``flow`` in links and ``rainfall`` at rain
gauges.  An optional ``unit`` must be the quantity's unit (values are never converted);
an optional ``description`` is kept.  Element names match the network's as SWMM does
(exactly, else ignoring case).  Anything else is an :class:`~twin.errors.InputError`
naming the file, the line and the field.
"""

from __future__ import annotations

import math
import numbers
import re
import tomllib
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.scenarios.toml_io import line_of

__all__ = ["ElementKind", "Quantity", "Sensor", "SensorSet", "load_sensors", "QUANTITY_UNITS"]


class ElementKind(IntEnum):
    """The kind of network element a sensor watches (``SensorSet.element_kind``)."""

    NODE = 0
    LINK = 1
    GAUGE = 2


class Quantity(IntEnum):
    """What a sensor measures (``SensorSet.quantity``); units in :data:`QUANTITY_UNITS`."""

    DEPTH = 0  # water depth above the node invert, m
    HEAD = 1  # water surface elevation, m
    FLOW = 2  # link flow, m3/s
    RAINFALL = 3  # rainfall intensity, mm/h


#: The unit of each quantity: observations and ``sd`` are in it.
QUANTITY_UNITS = {
    Quantity.DEPTH: "m",
    Quantity.HEAD: "m",
    Quantity.FLOW: "m3/s",
    Quantity.RAINFALL: "mm/h",
}
#: Spellings accepted for each unit in the optional ``unit`` field.
_UNIT_SPELLINGS = {
    "m": {"m"},
    "m3/s": {"m3/s", "m^3/s", "m³/s", "m3 s-1", "cms"},
    "mm/h": {"mm/h", "mm/hr", "mm h-1"},
}
#: The element kind each quantity is read at.
_QUANTITY_ELEMENT = {
    Quantity.DEPTH: ElementKind.NODE,
    Quantity.HEAD: ElementKind.NODE,
    Quantity.FLOW: ElementKind.LINK,
    Quantity.RAINFALL: ElementKind.GAUGE,
}
_ELEMENT_KEYS = {"node": ElementKind.NODE, "link": ElementKind.LINK, "gauge": ElementKind.GAUGE}
_KEYS = {"id", "quantity", "sd", "unit", "description", *_ELEMENT_KEYS}


@dataclass(frozen=True)
class Sensor:
    """One declared sensor.

    Attributes
    ----------
    id : str
        Unique sensor id (the ``sensor`` column of observation files).
    element_kind : ElementKind
    element : str
        Name of the node, link or gauge as the network spells it.
    element_index : int
        Row of that element in ``net.nodes``, ``net.links`` or ``net.raingages``.
    quantity : Quantity
    sd : float
        Measurement error standard deviation, in the quantity's unit (> 0).
    description : str
    line : int or None
        Line of the ``[[sensor]]`` header in its file.
    """

    id: str
    element_kind: ElementKind
    element: str
    element_index: int
    quantity: Quantity
    sd: float
    description: str = ""
    line: int | None = None

    @property
    def unit(self) -> str:
        """The unit of this sensor's values and ``sd``."""
        return QUANTITY_UNITS[self.quantity]


class SensorSet:
    """The sensors of a twin, as parallel arrays in declaration order.

    Attributes
    ----------
    sensors : tuple of Sensor
    ids : (n,) object, str
    element_kind : (n,) int8, :class:`ElementKind`
    element_index : (n,) int64, row in the network's nodes, links or gauges
    quantity : (n,) int8, :class:`Quantity`
    sd : (n,) float64, measurement error standard deviation in the quantity's unit
    source : str
        The file the sensors came from ("" when built in code).
    """

    def __init__(self, sensors, source=""):
        self.sensors = tuple(sensors)
        self.source = str(source)
        self.ids = np.array([s.id for s in self.sensors], dtype=object)
        self.element_kind = np.array([s.element_kind for s in self.sensors], dtype=np.int8)
        self.element_index = np.array([s.element_index for s in self.sensors], dtype=np.int64)
        self.quantity = np.array([s.quantity for s in self.sensors], dtype=np.int8)
        self.sd = np.array([s.sd for s in self.sensors], dtype=np.float64)
        self._index = {s.id: i for i, s in enumerate(self.sensors)}
        if len(self._index) != len(self.sensors):
            raise InputError("sensor ids are not unique", file=source or None, field="id")

    def __len__(self) -> int:
        return len(self.sensors)

    def __iter__(self):
        return iter(self.sensors)

    def __getitem__(self, key) -> Sensor:
        return self.sensors[self.index_of(key) if isinstance(key, str) else key]

    def __contains__(self, sensor_id) -> bool:
        return sensor_id in self._index

    def __repr__(self) -> str:
        return f"SensorSet({len(self)} sensors{', ' + self.source if self.source else ''})"

    def index_of(self, sensor_id: str) -> int:
        """Position of ``sensor_id`` in this set; :class:`KeyError` when it is not one."""
        try:
            return self._index[sensor_id]
        except KeyError:
            raise KeyError(f"unknown sensor {sensor_id!r}") from None

    def get_index(self, sensor_id: str, default: int = -1) -> int:
        """Position of ``sensor_id``, or ``default`` when it is not one."""
        return self._index.get(sensor_id, default)

    def select(self, *, kind=None, quantity=None) -> np.ndarray:
        """Positions (int64) of the sensors of one element kind and/or quantity."""
        mask = np.ones(len(self), dtype=bool)
        if kind is not None:
            mask &= self.element_kind == int(kind)
        if quantity is not None:
            mask &= self.quantity == int(quantity)
        return np.flatnonzero(mask)


def load_sensors(path, network) -> SensorSet:
    """Read a sensor TOML file and resolve its elements in ``network``.

    Parameters
    ----------
    path : str or Path
        The sensor file (``[[sensor]]`` tables, see the module docstring).
    network : twin.networks.Network

    Returns
    -------
    SensorSet

    Raises
    ------
    InputError
        Naming the file, line and field: unreadable or invalid TOML, no sensor, an
        unknown or missing field, a duplicate id, an unknown node/link/gauge, an unknown
        quantity or unit, a quantity the element cannot have (flow at a node), an ``sd``
        that is not a positive number.
    """
    from twin.files import read_input_text

    path = Path(path)
    text = read_input_text(path, what="sensor file")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"line (\d+)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(at.group(1)) if at else None
        raise InputError(f"not valid TOML: {msg}", file=path, line=line) from None
    for key in table:
        if key != "sensor":
            raise InputError(
                "unknown table or key (a sensor file holds [[sensor]] tables)",
                file=path,
                line=line_of(text, key),
                field=key,
            )
    entries = table.get("sensor", [])
    if not isinstance(entries, list) or not entries:
        raise InputError("declares no [[sensor]]", file=path, line=line_of(text, "sensor"))
    lookup = _ElementLookup(network)
    sensors, seen = [], {}
    for i, entry in enumerate(entries):
        sensor = _parse_sensor(entry, i, text, path, lookup)
        if sensor.id in seen:
            raise InputError(
                f"duplicate sensor id {sensor.id!r} (first declared on line {seen[sensor.id]})",
                file=path,
                line=line_of(text, f"sensor[{i}].id"),
                field="id",
            )
        seen[sensor.id] = line_of(text, f"sensor[{i}].id")
        sensors.append(sensor)
    return SensorSet(sensors, source=path)


class _ElementLookup:
    """Name -> row of the network's nodes, links and gauges: exact, else ignoring case."""

    def __init__(self, network):
        tables = {
            ElementKind.NODE: network.nodes,
            ElementKind.LINK: network.links,
            ElementKind.GAUGE: network.raingages,
        }
        self.exact = {k: t.index_of() for k, t in tables.items()}
        self.folded = {k: {n.upper(): i for n, i in m.items()} for k, m in self.exact.items()}
        self.names = {k: t.name for k, t in tables.items()}

    def find(self, kind: ElementKind, name: str) -> int:
        i = self.exact[kind].get(name)
        return self.folded[kind].get(name.upper(), -1) if i is None else i


def _parse_sensor(entry, i: int, text: str, path: Path, lookup: _ElementLookup) -> Sensor:
    header = line_of(text, f"sensor[{i}]")

    def fail(message, field):
        line = line_of(text, f"sensor[{i}].{field}") if field else None
        raise InputError(message, file=path, line=line or header, field=field)

    if not isinstance(entry, dict):
        fail("each sensor must be a [[sensor]] table", None)
    for key in entry:
        if key not in _KEYS:
            fail(f"unknown field (expected one of {', '.join(sorted(_KEYS))})", key)
    sid = entry.get("id")
    if sid is None:
        fail("missing (every sensor needs an id)", "id")
    if not isinstance(sid, str) or not sid.strip() or sid != sid.strip() or "," in sid:
        fail(f"expected a non-empty name without commas or outer spaces, got {sid!r}", "id")
    given = [k for k in _ELEMENT_KEYS if k in entry]
    if len(given) != 1:
        what = "none" if not given else " and ".join(given)
        fail(f"a sensor watches exactly one of node, link or gauge (got {what})", "id")
    key = given[0]
    kind = _ELEMENT_KEYS[key]
    element = entry[key]
    if not isinstance(element, str):
        fail(f"expected a {key} name, got {element!r}", key)
    index = lookup.find(kind, element)
    if index < 0:
        fail(f"unknown {key} {element!r} in the network", key)
    quantity = _parse_quantity(entry.get("quantity"), fail)
    if _QUANTITY_ELEMENT[quantity] != kind:
        where = {ElementKind.NODE: "a node", ElementKind.LINK: "a link"}
        where[ElementKind.GAUGE] = "a rain gauge"
        fail(
            f"{quantity.name.lower()} is measured at {where[_QUANTITY_ELEMENT[quantity]]}, "
            f"not at {where[kind]} ({key} = {element!r})",
            "quantity",
        )
    unit = entry.get("unit")
    if unit is not None:
        expected = QUANTITY_UNITS[quantity]
        if not isinstance(unit, str) or unit.strip().lower() not in _UNIT_SPELLINGS[expected]:
            fail(
                f"unit {unit!r} is not {quantity.name.lower()}'s unit; values are in "
                f"{expected} (SI, never converted)",
                "unit",
            )
    sd = entry.get("sd")
    if sd is None:
        fail(
            f"missing (the measurement error standard deviation, {QUANTITY_UNITS[quantity]})", "sd"
        )
    if isinstance(sd, bool) or not isinstance(sd, numbers.Real) or not math.isfinite(sd):
        fail(f"expected a number, got {sd!r}", "sd")
    if sd <= 0:
        fail(f"must be > 0, got {sd!r}", "sd")
    description = entry.get("description", "")
    if not isinstance(description, str):
        fail(f"expected text, got {description!r}", "description")
    return Sensor(
        id=sid,
        element_kind=kind,
        element=str(lookup.names[kind][index]),
        element_index=int(index),
        quantity=quantity,
        sd=float(sd),
        description=description,
        line=header,
    )


def _parse_quantity(value, fail) -> Quantity:
    names = ", ".join(f"{q.name.lower()} [{u}]" for q, u in QUANTITY_UNITS.items())
    if value is None:
        fail(f"missing (one of {names})", "quantity")
    if not isinstance(value, str) or value.strip().upper() not in Quantity.__members__:
        fail(f"{value!r} is not a quantity (one of {names})", "quantity")
    return Quantity[value.strip().upper()]
