"""SWMM 5.2 control rules evaluated on the simulation's state (``controls.c``, ``routing.c``).

:func:`parse_controls` turns a network's [CONTROLS] text into a :class:`RuleSet`;
:meth:`RuleSet.evaluate` evaluates every rule on a :class:`ControlState` (the state
at the START of a routing step) and returns the settings to apply, exactly as
SWMM's ``controls_evaluate`` does:

* premises are read in order; an AND premise is evaluated only while the result so
  far is true (a false result ends the rule: it is false), an OR premise only while
  it is false -- so OR binds tighter than AND: ``A AND B OR C`` means
  ``A AND (B OR C)`` and ``A OR B AND C OR D`` means ``(A OR B) AND (C OR D)``;
* a true rule queues its THEN actions, a false one its ELSE actions; one action per
  link is kept: a later action replaces a queued one only with a strictly higher
  PRIORITY (equal priority: the earlier rule wins; within one rule the action
  written last wins, as SWMM stores actions last-first);
* CURVE settings read the control curve at the value of the last premise
  evaluated (SWMM's ``ControlValue``), TIMESERIES settings the series at the
  step's start (held at its end values), PID settings follow SWMM's recursive PID
  on the relative error of the last premise (``SetPoint - ControlValue``);
* TIME, CLOCKTIME, TIMEOPEN and TIMECLOSED ``=`` / ``<>`` hold within half a step;
* the rules' clock is SWMM's ``currentDate``: the step's start plus 1 ms (``getDateTime``),
  so ``SIMULATION TIME > 1`` holds on the step that starts at exactly 1 h.

:class:`Controller` drives this from a :class:`~twin.engine.simulation.Simulation`:
it honours RULE_STEP, applies settings with ``Router.set_link_setting`` and keeps
each link's time of last open/close switch for TIMEOPEN / TIMECLOSED.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twin.engine import controls_parse as P
from twin.engine.controls_parse import Rule, Variable, parse_rules, swmm_day_number
from twin.engine.inflows import SWMM_CLOCK_AHEAD_S
from twin.engine.series import series_points
from twin.errors import InputError
from twin.kernels.codes import LinkKind
from twin.networks import units

__all__ = ["parse_controls", "RuleSet", "ControlState", "Controller"]

MISSING = None
TINY = 1e-6
PID_TOLERANCE = 1e-4
SWMM_VOLUME_PER_FT3_SI = 0.02832  # SWMM's UCF(VOLUME) for SI files


@dataclass
class ControlState:
    """What the rules read, in SWMM's internal units (ft, ft3, cfs), one row per element.

    Node arrays are (n_nodes,), link arrays (n_links,) float64; ``link_flow_cfs`` is in
    file orientation, ``link_velocity_fps`` in the router's (as SWMM's premises).
    ``link_setting`` is the current setting, ``link_target_setting`` the target
    after pump start-up/shut-off switching; ``link_time_last_set`` is SWMM's
    ``timeLastSet`` [day number]; ``gage_rain`` the gauges' rainfall intensity in
    file units (in/h or mm/h).
    """

    node_depth_ft: np.ndarray
    node_full_depth_ft: np.ndarray
    node_invert_ft: np.ndarray
    node_volume_ft3: np.ndarray
    node_lateral_cfs: np.ndarray
    link_flow_cfs: np.ndarray
    link_depth_ft: np.ndarray
    link_setting: np.ndarray
    link_target_setting: np.ndarray
    link_full_flow_cfs: np.ndarray
    link_full_depth_ft: np.ndarray
    link_velocity_fps: np.ndarray
    link_length_ft: np.ndarray
    link_slope: np.ndarray
    link_time_last_set: np.ndarray
    gage_rain: np.ndarray


def parse_controls(text: str, *, net, file=None, first_line=None, start=None) -> RuleSet:
    """Parse [CONTROLS] text of ``net`` into a :class:`RuleSet`.

    Parameters
    ----------
    text : str
        The section's lines (``net.controls``).
    net : Network
        Resolves element, curve and time-series names to ids.
    file, first_line : optional
        Name the file and the file line of ``text``'s first line in errors.
    start : datetime64, optional
        Simulation start (defaults to the network's START_DATE/START_TIME).

    Raises
    ------
    InputError
        Naming ``file:line`` for syntax errors, unknown elements, unsupported forms.
    """
    rules, variables, expressions = parse_rules(text, net, file=file, first_line=first_line)
    if start is None:
        from twin.engine.options import SimOptions

        start = SimOptions.from_network(net).start
    return RuleSet(rules, net, start, variables, file=file)


class RuleSet:
    """Parsed rules and their evaluation state (SWMM's ControlValue, SetPoint, PID errors).

    Attributes
    ----------
    rules : list of Rule
    start_day : float
        SWMM day number of the simulation start.
    """

    def __init__(self, rules: list[Rule], net, start, variables=None, file=None):
        self.rules = rules
        self.file = file
        self.variables = variables or {}
        self.start = np.datetime64(start, "s")
        self.start_day = swmm_day_number(self.start)
        us = units.unit_system_of(net.flow_units)
        self.ucf_length = 1.0 if us == "US" else units.FT_TO_M
        self.ucf_volume = 1.0 if us == "US" else SWMM_VOLUME_PER_FT3_SI
        self.ucf_flow = units.swmm_flow_per_cfs(net.flow_units)
        kind = np.asarray(net.links.kind)
        self.is_pump = kind == LinkKind.PUMP
        self.has_status = (kind == LinkKind.CONDUIT) | self.is_pump
        self.has_setting = self.is_pump | (kind == LinkKind.ORIFICE) | (kind == LinkKind.WEIR)
        self.control_value = 0.0
        self.set_point = 0.0
        # the clock of the last evaluation (SWMM day number, fraction of day, days run):
        # declared here so that a hot-start file has them whatever the time of saving
        self._date = float(np.floor(self.start_day))
        self._clock = self.start_day - self._date
        self._elapsed = 0.0
        base = Path(net.source).parent if net.source else None
        self._series = {}
        for r in rules:
            for a in r.then_actions + r.else_actions:
                if a.series and a.series not in self._series:
                    self._series[a.series] = series_points(net.timeseries[a.series], start, base)

    def __len__(self) -> int:
        return len(self.rules)

    # -- premise values --------------------------------------------------------------------
    def value_of(self, v: Variable, s: ControlState):
        """SWMM's getVariableValue: the variable in file units (days for times), or None."""
        a, i = v.attr, v.index
        if v.obj == P.GAGE:
            return float(s.gage_rain[i])
        if a == P.TIME:
            return self._elapsed
        if a == P.DATE:
            return self._date
        if a == P.CLOCKTIME:
            return self._clock
        if a in (P.DAY, P.MONTH, P.DAYOFYEAR):
            d = _SWMM_EPOCH + np.timedelta64(int(self._date), "D")
            if a == P.DAY:
                return float((int(self._date) + 693594) % 7 + 1)
            if a == P.MONTH:
                return float(d.astype("datetime64[M]").astype(int) % 12 + 1)
            return float((d - d.astype("datetime64[Y]")).astype(int) + 1)
        node = v.obj == P.NODE
        if a == P.STATUS:
            return float(s.link_setting[i]) if not node and self.has_status[i] else MISSING
        if a == P.SETTING:
            return float(s.link_setting[i]) if not node and self.has_setting[i] else MISSING
        if a == P.FLOW:
            return float(s.link_flow_cfs[i]) * self.ucf_flow
        if a in (P.FULLFLOW, P.FULLDEPTH, P.VELOCITY, P.LENGTH, P.SLOPE):
            if self.has_status[i] and not self.is_pump[i]:
                return {
                    P.FULLFLOW: s.link_full_flow_cfs[i] * self.ucf_flow,
                    P.FULLDEPTH: s.link_full_depth_ft[i] * self.ucf_length,
                    P.VELOCITY: s.link_velocity_fps[i] * self.ucf_length,
                    P.LENGTH: s.link_length_ft[i] * self.ucf_length,
                    P.SLOPE: s.link_slope[i],
                }[a]
            return MISSING
        if a == P.DEPTH:
            arr = s.node_depth_ft if node else s.link_depth_ft
            return float(arr[i]) * self.ucf_length
        if a == P.MAXDEPTH:
            return float(s.node_full_depth_ft[i]) * self.ucf_length
        if a == P.HEAD:
            return float(s.node_depth_ft[i] + s.node_invert_ft[i]) * self.ucf_length
        if a == P.VOLUME:
            return float(s.node_volume_ft3[i]) * self.ucf_volume
        if a == P.INFLOW:
            return float(s.node_lateral_cfs[i]) * self.ucf_flow
        if a in (P.TIMEOPEN, P.TIMECLOSED):
            is_open = s.link_setting[i] > 0.0
            if is_open != (a == P.TIMEOPEN):
                return MISSING
            return self._date + self._clock - float(s.link_time_last_set[i])
        return MISSING

    def _compare(self, lhs, rel, rhs) -> bool:
        self.set_point, self.control_value = rhs, lhs
        return (lhs == rhs, lhs != rhs, lhs < rhs, lhs <= rhs, lhs > rhs, lhs >= rhs)[rel]

    def premise_true(self, p, s: ControlState, dt_days: float) -> bool:
        """SWMM's evaluatePremise (updates ``control_value`` / ``set_point``)."""
        if p.expr is not None:
            try:
                lhs = p.expr(lambda var: _number(self.value_of(var, s)))
            except (ArithmeticError, ValueError, TypeError):
                lhs = MISSING
        else:
            lhs = self.value_of(p.lhs, s)
        rhs = self.value_of(p.rhs, s) if p.value is None else p.value
        if lhs is MISSING or rhs is MISSING:
            return False
        attr = -1 if p.lhs is None else p.lhs.attr
        if attr in (P.TIME, P.CLOCKTIME, P.TIMEOPEN, P.TIMECLOSED):
            half = dt_days / 2.0
            if p.relation == P.EQ:
                result = rhs - half <= lhs < rhs + half
            elif p.relation == P.NE:
                result = lhs < rhs - half or lhs >= rhs + half
            else:
                result = self._compare(lhs, p.relation, rhs)
            if attr in (P.TIMEOPEN, P.TIMECLOSED):
                self.control_value = lhs * 24.0
            return result
        return self._compare(lhs, p.relation, rhs)

    def rule_true(self, rule: Rule, s: ControlState, dt_days: float) -> bool:
        result = True
        for p in rule.premises:
            if p.is_or:
                if not result:
                    result = self.premise_true(p, s, dt_days)
            else:
                if not result:
                    break
                result = self.premise_true(p, s, dt_days)
        return result

    # -- actions ---------------------------------------------------------------------------
    def _update_value(self, a, s: ControlState, t_s: float, dt_s: float) -> None:
        if a.curve is not None:
            a.value = _table_lookup(a.curve[0], a.curve[1], self.control_value)
        elif a.series:
            times, values = self._series[a.series]
            a.value = _series_extended(times, values, t_s)
        elif a.attr == P.PID:
            a.value = self._pid(a, s, dt_s)

    def _pid(self, a, s: ControlState, dt_s: float) -> float:
        dt_min = dt_s / 60.0
        e0 = self.set_point - self.control_value
        if abs(e0) > TINY:
            e0 = e0 / self.set_point if self.set_point != 0.0 else e0 / self.control_value
        if abs(e0 - a.e1) < PID_TOLERANCE:
            a.e1 = a.e2 = 0.0
        p = e0 - a.e1
        i = 0.0 if a.ki == 0.0 else e0 * dt_min / a.ki
        d = a.kd * (e0 - 2.0 * a.e1 + a.e2) / dt_min
        update = a.kp * (p + i + d)
        if abs(update) < PID_TOLERANCE:
            update = 0.0
        setting = float(s.link_target_setting[a.link]) + update
        a.e2, a.e1 = a.e1, e0
        setting = max(setting, 0.0)
        if not self.is_pump[a.link]:
            setting = min(setting, 1.0)
        return setting

    def evaluate(self, state: ControlState, t_s: float, dt_s: float) -> list[tuple[int, float]]:
        """Evaluate every rule at ``t_s`` [s after start] for a step of ``dt_s`` [s].

        Returns
        -------
        list of (link id, setting)
            One entry per link acted on, in the order SWMM queues them.
        """
        t_s = t_s + SWMM_CLOCK_AHEAD_S  # SWMM's currentDate: the routing clock + 1 ms
        now = self.start_day + t_s / 86400.0
        self._date = float(np.floor(now))
        self._clock = now - self._date
        self._elapsed = t_s / 86400.0
        dt_days = dt_s / 86400.0
        queued: dict[int, object] = {}
        for rule in self.rules:
            actions = (
                rule.then_actions if self.rule_true(rule, state, dt_days) else rule.else_actions
            )
            for a in actions:
                self._update_value(a, state, t_s, dt_s)
                old = queued.get(a.link)
                if old is None or rule.priority > self.rules[old.rule].priority:
                    queued[a.link] = a
        return [(link, float(a.value)) for link, a in queued.items()]


_SWMM_EPOCH = np.datetime64("1899-12-30", "D")


def _number(v):
    if v is None:
        raise ValueError("missing value")
    return float(v)


def _table_lookup(x: np.ndarray, y: np.ndarray, v: float) -> float:
    """SWMM's table_lookup: linear inside, end values outside."""
    if len(x) == 0:
        return 0.0
    if v <= x[0]:
        return float(y[0])
    for k in range(1, len(x)):
        if v <= x[k]:
            dx = x[k] - x[k - 1]
            if abs(dx) < 1e-20:
                return float(0.5 * (y[k - 1] + y[k]))
            return float(y[k - 1] + (v - x[k - 1]) * (y[k] - y[k - 1]) / dx)
    return float(y[-1])


def _series_extended(times: np.ndarray, values: np.ndarray, t: float) -> float:
    """SWMM's table_tseriesLookup(extend=TRUE): linear inside, end values outside."""
    if len(times) == 0:
        return 0.0
    if t <= times[0]:
        return float(values[0])
    if t >= times[-1]:
        return float(values[-1])
    return _table_lookup(times, values, t)


class Controller:
    """Runs a :class:`RuleSet` inside a simulation: RULE_STEP timing, actions, timeLastSet.

    Parameters
    ----------
    rules : RuleSet
    router : Router
        Read for the state, written through ``set_link_setting``.
    rule_step_s : float
        SWMM's RULE_STEP (0: evaluate every routing step).
    rain : callable, optional
        ``rain(t_s) -> (n_gages,)`` rainfall intensity in file units.
    """

    def __init__(self, rules: RuleSet, router, net, rule_step_s: float = 0.0, rain=None):
        self.rules = rules
        self.router = router
        _check_supported(rules, net)
        self.rule_step_s = float(rule_step_s)
        self.next_rule_s = 0.0
        self._rain = rain
        n_links = router.n_links
        start_date = np.floor(rules.start_day)  # SWMM sets timeLastSet = StartDate
        self.link_time_last_set = np.full(n_links, start_date)
        kind = np.asarray(net.links.kind)
        self._pump = np.flatnonzero(kind == LinkKind.PUMP)
        self._setting_before = np.zeros(n_links)
        self._flow = np.zeros(n_links)
        self._target = np.zeros(n_links)
        self._from = np.asarray(net.links.from_node, dtype=np.int64)
        links = router.links
        self._length_ft = links.length.copy()
        self._slope = links.slope.copy()
        self._full_flow = links.q_full.copy()  # per barrel, as SWMM's qFull
        self._yon = links.startup_depth.copy()
        self._yoff = links.shutoff_depth.copy()
        self._gage = np.zeros(len(net.raingages))

    def limit_step(self, t_s: float, dt_s: float) -> float:
        """Shorten a routing step so that it ends on the next rule time (RULE_STEP > 0)."""
        if self.rule_step_s > 0.0:
            nxt = self.next_rule_s + self.rule_step_s
            if t_s + dt_s >= nxt - 1e-3:
                dt_s = nxt - t_s
        return dt_s

    def state(self, t_s: float) -> ControlState:
        r = self.router
        ns, ls, nodes = r.node_state, r.link_state, r.nodes
        np.multiply(ls.flow, r.links.direction, out=self._flow)
        tgt = self._target
        tgt[:] = ls.target_setting
        for j in self._pump:  # SWMM's link_setTargetSetting for pumps
            s = ls.setting[j]
            y = ns.depth[self._from[j]]
            tgt[j] = s
            if self._yoff[j] > 0.0 and s > 0.0 and y < self._yoff[j]:
                tgt[j] = 0.0
            if self._yon[j] > 0.0 and s == 0.0 and y > self._yon[j]:
                tgt[j] = 1.0
        if self._rain is not None:
            self._gage[:] = self._rain(t_s)
        return ControlState(
            ns.depth, nodes.full_depth, nodes.invert, ns.volume, ns.lateral, self._flow,
            ls.depth, ls.setting, tgt, self._full_flow, r.xsects.y_full, ls.velocity,
            self._length_ft, self._slope, self.link_time_last_set, self._gage,
        )  # fmt: skip

    def before_step(self, t_s: float, dt_s: float) -> list[tuple[int, float]]:
        """Evaluate the rules (when a rule time is reached) and ask for their settings."""
        r = self.router
        self._setting_before[:] = r.link_state.setting
        actions = []
        if self.rule_step_s <= 0.0 or abs(t_s - self.next_rule_s) < 1e-3:
            actions = self.rules.evaluate(self.state(t_s), t_s, dt_s)
            for j, v in actions:
                r.set_link_setting(j, max(v, 0.0))
        return actions

    def after_step(self, t_s: float, dt_s: float) -> None:
        """Record switch times (SWMM's timeLastSet) and advance the rule clock."""
        tgt, old = self.router.link_state.target_setting, self._setting_before
        switched = (tgt != old) & (tgt * old == 0.0)
        if np.any(switched):
            t_set = t_s + SWMM_CLOCK_AHEAD_S  # SWMM's currentDate of the step
            self.link_time_last_set[switched] = self.rules.start_day + t_set / 86400.0
        if (
            self.rule_step_s > 0.0
            and abs(t_s + dt_s - (self.next_rule_s + self.rule_step_s)) < 1e-3
        ):
            self.next_rule_s += self.rule_step_s


def _check_supported(rules: RuleSet, net) -> None:
    """InputError for actions the router cannot take yet (conduit STATUS)."""
    kind = np.asarray(net.links.kind)
    for r in rules.rules:
        for a in r.then_actions + r.else_actions:
            if kind[a.link] == LinkKind.CONDUIT:
                raise InputError(
                    f"CONDUIT {net.links.name[a.link]} STATUS: opening and closing conduits "
                    "is not supported by the router yet",
                    file=rules.file,
                    line=a.line,
                    section="CONTROLS",
                )
