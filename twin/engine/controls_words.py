"""The vocabulary of SWMM 5.2 control rules and the rule objects the parser builds.

Integer codes for SWMM's object words, attribute words, relational operators and
rule keywords (in SWMM's order: keyword prefix matching depends on it), the
attributes each object may have in a premise, the :class:`Variable`,
:class:`Premise`, :class:`Action` and :class:`Rule` objects, and
:func:`swmm_day_number`, SWMM's day number of a date-time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.kernels.codes import LinkKind

__all__ = ["Variable", "Premise", "Action", "Rule", "swmm_day_number"]

# objects (SWMM's ObjectWords order); premise variables keep GAGE, NODE, LINK or SIM
GAGE, NODE, LINK, CONDUIT, PUMP, ORIFICE, WEIR, OUTLET, SIM = range(9)
OBJECT_WORDS = ("GAGE", "NODE", "LINK", "CONDUIT", "PUMP", "ORIFICE", "WEIR", "OUTLET",
                "SIMULATION")  # fmt: skip
# attributes (SWMM's AttribWords order: prefix matching depends on it)
ATTRIB_WORDS = (
    "DEPTH", "MAXDEPTH", "HEAD", "VOLUME", "INFLOW", "FLOW", "FULLFLOW", "FULLDEPTH",
    "STATUS", "SETTING", "LENGTH", "SLOPE", "VELOCITY", "TIMEOPEN", "TIMECLOSED", "TIME",
    "DATE", "CLOCKTIME", "DAYOFYEAR", "DAY", "MONTH",
)  # fmt: skip
(DEPTH, MAXDEPTH, HEAD, VOLUME, INFLOW, FLOW, FULLFLOW, FULLDEPTH, STATUS, SETTING, LENGTH,
 SLOPE, VELOCITY, TIMEOPEN, TIMECLOSED, TIME, DATE, CLOCKTIME, DAYOFYEAR, DAY,
 MONTH) = range(21)  # fmt: skip
INTENSITY = 100  # gage attribute (rainfall intensity)
RELATIONS = ("=", "<>", "<", "<=", ">", ">=")
EQ, NE, LT, LE, GT, GE = range(6)
KEYWORDS = ("RULE", "IF", "AND", "OR", "THEN", "ELSE", "PRIORITY")
K_RULE, K_IF, K_AND, K_OR, K_THEN, K_ELSE, K_PRIORITY = range(7)
PID = 200  # action attribute of a PID controller

# the attributes each object may have in a premise (links also TIMEOPEN, TIMECLOSED)
PREMISE_ATTRIBUTES = {
    NODE: (DEPTH, MAXDEPTH, HEAD, VOLUME, INFLOW),
    LINK: (STATUS, DEPTH, FULLFLOW, FULLDEPTH, FLOW, LENGTH, SLOPE, VELOCITY),
    CONDUIT: (STATUS, DEPTH, FULLFLOW, FULLDEPTH, FLOW, LENGTH, SLOPE, VELOCITY),
    PUMP: (FLOW, SETTING, STATUS),
    ORIFICE: (FLOW, SETTING),
    WEIR: (FLOW, SETTING),
    OUTLET: (FLOW, SETTING),
    SIM: (TIME, DATE, CLOCKTIME, DAY, MONTH, DAYOFYEAR),
}
# the typed link objects and the link kind each names
LINK_OBJECT_KINDS = {CONDUIT: LinkKind.CONDUIT, PUMP: LinkKind.PUMP, ORIFICE: LinkKind.ORIFICE,
                     WEIR: LinkKind.WEIR, OUTLET: LinkKind.OUTLET}  # fmt: skip
_SWMM_EPOCH = np.datetime64("1899-12-30", "D")


def swmm_day_number(when) -> float:
    """SWMM's DateTime of a datetime64: days (with fraction) since 12/30/1899."""
    t = np.datetime64(when, "ms")
    return float((t - _SWMM_EPOCH.astype("datetime64[ms]")) / np.timedelta64(1, "ms")) / 86400e3


@dataclass
class Variable:
    """A premise variable: ``obj`` GAGE/NODE/LINK/SIM, element id, attribute code."""

    obj: int
    index: int
    attr: int


@dataclass
class Premise:
    """One IF/AND/OR clause: ``lhs`` (or ``expr``) ``relation`` ``rhs`` (or ``value``)."""

    is_or: bool
    lhs: Variable | None
    relation: int
    rhs: Variable | None = None
    value: float | None = None  # file units, or days for times and dates
    expr: object = None  # compiled expression: callable(values_of_named_variables)
    line: int | None = None


@dataclass
class Action:
    """One THEN/ELSE action on link ``link``: STATUS, SETTING or PID."""

    rule: int
    link: int
    attr: int
    value: float = 1.0
    curve: tuple[np.ndarray, np.ndarray] | None = None  # (x, y) file units
    series: str = ""  # time series name (resolved to points by the evaluator)
    kp: float = 0.0
    ki: float = 0.0
    kd: float = 0.0
    e1: float = 0.0
    e2: float = 0.0
    line: int | None = None


@dataclass
class Rule:
    name: str
    priority: float = 0.0
    premises: list[Premise] = field(default_factory=list)
    then_actions: list[Action] = field(default_factory=list)  # in SWMM's (reversed) order
    else_actions: list[Action] = field(default_factory=list)
    line: int | None = None
