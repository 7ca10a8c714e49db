"""The controller's configuration: actuators, sensors and costs, from the network or a
small TOML file (``twin control --actuators FILE.toml``)::

    [[actuator]]
    link = "OR_TANK"          # a pump, orifice, weir or outlet of the network
    levels = [0.0, 0.3, 1.0]  # settings the search chooses from (0-1)
    passive = 1.0             # setting of passive operation (pumps: their depths)
    max_change = 0.5          # per control interval (a gate's travel)

    [[actuator]]
    link = "PUMP1"
    levels = [0.0, 1.0]       # a pump's: fractions of its curve's rated speed
    min_on_min = 10           # minimum run and rest after a switch, minutes
    min_off_min = 10

    sensors = ["TANK_A", "WW_PS", "JX"]   # node depths the controller sees

    [cost]
    flood_weight = 100.0      # per m3 flooded (times the node's weight)
    cso_weight = 1.0          # per m3 of combined sewer overflow
    energy_weight = 0.01      # per kWh pumped
    switch_weight = 0.01      # per setting change
    risk = "expected"         # or "cvar": mean of the worst (1 - cvar_alpha) members
    cvar_alpha = 0.8
    cso_outfalls = ["OF_CSO"] # default: outfalls a weir discharges into
    excess_weight = 1.0       # per m3 carried above a flow limit
    storage_weight = 0.001    # per m3 left in the regulated storage at the horizon's end
    [cost.node_weight]
    JX = 3.0                  # e.g. a manhole on a main road
    [cost.flow_limit]
    C_INT = 0.15              # m3/s: a link's flow limit (a plant intake, a stream)

Without a file every pump, orifice, weir and outlet is an actuator with the defaults
of :mod:`twin.control.actuators`, the sensors are the storage nodes and the ends of the
actuators, and the costs are :class:`~twin.control.cost.CostModel`'s defaults.
Errors name the file, the line and the field.
"""

from __future__ import annotations

import math
import numbers
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twin.control.actuators import ActuatorSet, actuators_of, default_sensors, make_actuator
from twin.control.cost import RISKS, CostModel
from twin.errors import InputError
from twin.scenarios.toml_io import line_of

__all__ = ["ControlConfig", "default_config", "flow_limits_of", "load_config",
           "with_ruled_actuators"]  # fmt: skip

_ACTUATOR_KEYS = {"link", "levels", "passive", "max_change", "min_on_min", "min_off_min"}
_COST_KEYS = {"flood_weight", "cso_weight", "energy_weight", "switch_weight", "risk",
              "cvar_alpha", "cso_outfalls", "node_weight", "excess_weight", "storage_weight",
              "flow_limit"}  # fmt: skip


@dataclass
class ControlConfig:
    """Actuators, the sensors the controller reads (node rows) and the cost model."""

    actuators: ActuatorSet
    sensor_nodes: tuple
    cost: CostModel
    source: str = ""


def flow_limits_of(config: ControlConfig) -> tuple:
    """``(links, limits_m3s)`` of the cost model's flow limits (for the evaluators)."""
    return (list(config.cost.limit_links), list(config.cost.limit_m3s))


def default_config(net, risk: str | None = None) -> ControlConfig:
    """Every controllable link, default sensors and default costs."""
    acts = actuators_of(net)
    cost = CostModel.for_network(net, **({"risk": risk} if risk else {}))
    return ControlConfig(acts, default_sensors(net, acts.actuators), cost)


def with_ruled_actuators(config: ControlConfig, net) -> ControlConfig:
    """``config`` with every link ``net``'s [CONTROLS] operate among its actuators.

    A controller that plans only some of the links the rules operate leaves the others
    passive, so it competes with the rules on unequal terms (issue 21: under a sharp
    storm the gate-only controller flooded 4 % more than the rules, which also ran the
    pump and the weir).  The links the rules set that the file did not declare are
    added with their default limits (and their ends as sensors); the search may leave
    each to the rules, set it, or hand everything to the rules, so under the same
    members it never plans worse than the rules.  ``config`` itself when nothing is
    missing (or the network has no rules).
    """
    import dataclasses

    from twin.engine.controls import parse_controls

    if not net.controls.strip():
        return config
    rules = parse_controls(net.controls, net=net, file=net.source or None,
                           first_line=net.controls_first_line)  # fmt: skip
    acted = sorted({a.link for r in rules.rules for a in r.then_actions + r.else_actions})
    have = {a.index for a in config.actuators}
    extra = [make_actuator(net, j) for j in acted if j not in have]
    if not extra:
        return config
    acts = ActuatorSet(tuple(config.actuators) + tuple(extra), config.actuators.source)
    sensors = set(config.sensor_nodes) | set(default_sensors(net, extra))
    return dataclasses.replace(config, actuators=acts, sensor_nodes=tuple(sorted(sensors)))


def load_config(path, net) -> ControlConfig:
    """Read an actuator TOML file for ``net`` (see the module docstring)."""
    from twin.files import read_input_text

    path = Path(path)
    if not path.exists():
        raise InputError("actuator file not found", file=path)
    text = read_input_text(path, what="the actuator file")  # a regular file within the limit
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=path) from None

    def fail(message, key, field=None):
        raise InputError(message, file=path, line=line_of(text, key), field=field or key)

    for key in table:
        if key not in ("actuator", "sensors", "cost"):
            fail("unknown key (expected [[actuator]], sensors, [cost])", key)
    entries = table.get("actuator", [])
    if not isinstance(entries, list) or not entries:
        fail("declares no [[actuator]]", "actuator")
    index = net.links.index_of()
    acts, seen = [], set()
    for i, e in enumerate(entries):
        where = f"actuator[{i}]"
        if not isinstance(e, dict):
            fail("each actuator must be an [[actuator]] table", where, "actuator")
        for k in e:
            if k not in _ACTUATOR_KEYS:
                fail(f"unknown field (expected one of {', '.join(sorted(_ACTUATOR_KEYS))})",
                     f"{where}.{k}", k)  # fmt: skip
        link = e.get("link")
        if not isinstance(link, str) or link not in index:
            fail(f"no link named {link!r} in the network", f"{where}.link", "link")
        if link in seen:
            fail(f"{link} is declared twice", f"{where}.link", "link")
        seen.add(link)
        kw = {}
        try:
            if "levels" in e:
                if not isinstance(e["levels"], list):
                    raise InputError(f"{link}: levels must be a list of settings",
                                     field="levels")  # fmt: skip
                kw["levels"] = e["levels"]
            if "passive" in e:
                kw["passive"] = _number(e["passive"], "passive", link)
            if "max_change" in e:
                kw["max_change"] = _number(e["max_change"], "max_change", link)
            for k in ("min_on_min", "min_off_min"):
                if k in e:
                    kw[k.replace("_min", "_s")] = 60.0 * _number(e[k], k, link, low=0.0)
            acts.append(make_actuator(net, index[link], **kw))
        except InputError as exc:
            field = exc.field or "link"
            fail(exc.message, f"{where}.{field}", field)
    actuators = ActuatorSet(tuple(acts), source=str(path))
    sensors = default_sensors(net, actuators.actuators)
    if "sensors" in table:
        names = table["sensors"]
        nodes = net.nodes.index_of()
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            fail("sensors must be a list of node names", "sensors")
        for n in names:
            if n not in nodes:
                fail(f"no node named {n!r} in the network", "sensors")
        sensors = tuple(nodes[n] for n in names)
    cost = _cost(table.get("cost", {}), net, fail)
    return ControlConfig(actuators, sensors, cost, source=str(path))


def _number(v, field, link, low=-math.inf):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v < low:
        raise InputError(f"{link}: expected a number >= {low:g}, got {v!r}" if low > -math.inf
                         else f"{link}: expected a number, got {v!r}", field=field)  # fmt: skip
    return float(v)


def _cost(t, net, fail) -> CostModel:
    if not isinstance(t, dict):
        fail("[cost] must be a table", "cost")
    for k in t:
        if k not in _COST_KEYS:
            fail(f"unknown field (expected one of {', '.join(sorted(_COST_KEYS))})",
                 f"cost.{k}", k)  # fmt: skip
    kw = {}
    for k in ("flood_weight", "cso_weight", "energy_weight", "switch_weight", "cvar_alpha",
              "excess_weight", "storage_weight"):  # fmt: skip
        if k in t:
            v = t[k]
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v >= 0:
                fail(f"expected a number >= 0, got {v!r}", f"cost.{k}", k)
            kw[k] = float(v)
    if "risk" in t:
        if t["risk"] not in RISKS:
            fail(f"risk must be one of {', '.join(RISKS)}, got {t['risk']!r}", "cost.risk", "risk")
        kw["risk"] = t["risk"]
    nodes = net.nodes.index_of()
    if "cso_outfalls" in t:
        names = t["cso_outfalls"]
        if not isinstance(names, list) or any(n not in nodes for n in names):
            fail(f"cso_outfalls must name nodes of the network, got {names!r}",
                 "cost.cso_outfalls", "cso_outfalls")  # fmt: skip
        kw["cso_nodes"] = np.array([nodes[n] for n in names], dtype=np.int64)
    limits = t.get("flow_limit") or {}
    if not isinstance(limits, dict):
        fail("[cost.flow_limit] must be a table of link = m3/s", "cost.flow_limit", "flow_limit")
    links = net.links.index_of()
    for n, q in limits.items():
        where = f"cost.flow_limit.{n}"
        if n not in links:
            fail(f"no link named {n!r} in the network", where, "flow_limit")
        if isinstance(q, bool) or not isinstance(q, numbers.Real) or not q >= 0:
            fail(f"expected a flow >= 0 m3/s, got {q!r}", where, "flow_limit")
    if limits:
        kw["limit_links"] = np.array([links[n] for n in limits], dtype=np.int64)
        kw["limit_m3s"] = np.array([float(q) for q in limits.values()])
    try:
        cost = CostModel.for_network(net, **kw)
    except InputError as exc:
        fail(exc.message, f"cost.{exc.field}", exc.field)
    for n, w in (t.get("node_weight") or {}).items():
        if n not in nodes:
            fail(f"no node named {n!r} in the network", f"cost.node_weight.{n}", "node_weight")
        if isinstance(w, bool) or not isinstance(w, numbers.Real) or not w >= 0:
            fail(f"expected a weight >= 0, got {w!r}", f"cost.node_weight.{n}", "node_weight")
        cost.node_weight[nodes[n]] = float(w)
    return cost
