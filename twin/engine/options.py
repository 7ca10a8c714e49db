"""Simulation options: SWMM's [OPTIONS] with SWMM 5.2's defaults, resolved to SI and seconds."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from twin.errors import InputError, checked_number
from twin.kernels.codes import InfilModel
from twin.limits import OPTION_RANGES
from twin.networks.datetimes import parse_date, parse_seconds, parse_time
from twin.networks.inp_data import OPTION_VALUES, option_choice
from twin.networks.inp_tokens import findmatch
from twin.networks.units import FT_TO_M

FT = FT_TO_M
DEFAULT_MIN_SURFAREA_FT2 = 12.566  # SWMM's MIN_SURFAREA (a 4 ft diameter manhole)
DEFAULT_HEAD_TOL_FT = 0.005
DEFAULT_MAX_TRIALS = 8

_CHOICES = {
    "FLOW_ROUTING": ("STEADY", "KINWAVE", "XKINWAVE", "DYNWAVE", "NONE"),
    "INERTIAL_DAMPING": ("NONE", "PARTIAL", "FULL"),
    "NORMAL_FLOW_LIMITED": ("SLOPE", "FROUDE", "BOTH", "NEITHER"),
    "FORCE_MAIN_EQUATION": ("H-W", "D-W"),
    "LINK_OFFSETS": ("DEPTH", "ELEVATION"),
    "SURCHARGE_METHOD": ("EXTRAN", "SLOT"),
    "INFILTRATION": tuple(m.name for m in InfilModel),
}


@dataclass(frozen=True)
class SimOptions:
    """Every setting the engine reads, with SWMM 5.2's defaults.

    Times are ``datetime64[s]``; steps are seconds; lengths metres.
    """

    flow_units: str = "CFS"
    infiltration: InfilModel = InfilModel.HORTON
    flow_routing: str = "DYNWAVE"  # DYNWAVE KINWAVE STEADY
    ignore_routing: bool = False
    ignore_rainfall: bool = False
    start: np.datetime64 = np.datetime64("2004-01-01T00:00:00", "s")
    end: np.datetime64 = np.datetime64("2004-01-01T00:00:00", "s")
    report_start: np.datetime64 = np.datetime64("2004-01-01T00:00:00", "s")
    report_step_s: float = 900.0
    wet_step_s: float = 300.0
    dry_step_s: float = 3600.0
    routing_step_s: float = 20.0
    rule_step_s: float = 0.0
    start_dry_days: float = 0.0
    allow_ponding: bool = False
    inertial_damping: str = "PARTIAL"
    normal_flow_limited: str = "BOTH"
    force_main_equation: str = "H-W"
    link_offsets: str = "DEPTH"
    surcharge_method: str = "EXTRAN"
    lengthening_step_s: float = 0.0
    variable_step: float = 0.75  # Courant factor; 0 = fixed routing step
    min_step_s: float = 0.5
    min_surfarea_m2: float = DEFAULT_MIN_SURFAREA_FT2 * FT * FT
    min_slope: float = 0.0  # fraction (the file gives percent)
    max_trials: int = DEFAULT_MAX_TRIALS
    head_tolerance_m: float = DEFAULT_HEAD_TOL_FT * FT
    sys_flow_tol: float = 0.05  # fraction
    lat_flow_tol: float = 0.05  # fraction
    skip_steady_state: bool = False
    threads: int = 1
    # the dynamic-wave solver: "swmm" (SWMM 5.2's Picard passes, the reference) or
    # "newton" (all node heads at once by Newton's method, accuracy-controlled steps)
    solver: str = "swmm"
    newton_tolerance_m: float = 0.003  # local error of a node head per step
    newton_max_step_s: float = 30.0  # longest Newton step
    # kinematic Courant number where flow changes; 0 = off.  0.5 since issue 16's district-100k:
    # 30 s steps on a rising limb seeded larger roll waves on supercritical trunks
    newton_courant: float = 0.5
    newton_period_steps: float = 0.0  # steps per half period of a head oscillation; 0 = off
    # the part of a node's local error estimate the Newton iterations' own head tolerance
    # explains, in head tolerances (the step size cannot lower it); 0 = none
    newton_error_floor: float = 0.0
    # whether a node in EXTRAN surcharge at the step's end (its head set by the balance of
    # its links' flows, with almost no storage) counts in the local error estimate
    newton_error_surcharged: bool = True
    # after a step's first Newton iteration, a conduit whose end heads moved by at most
    # this many head tolerances keeps its flow instead of being evaluated again; 0 = off
    newton_still_fraction: float = 0.0
    # whether the local error estimate skips, for the step and the next, the end nodes of
    # a conduit whose normal-flow limit started or stopped cutting its flow in the step
    # (the flow jumps there: the head's rate change is a jump, not a truncation error)
    newton_error_skip_jumps: bool = False
    # [REPORT] AVERAGES YES: node and link series are the means over each report period's
    # routing steps (SWMM 5.2's output_updateAvgResults), not values at the report times
    report_averages: bool = False

    @property
    def duration_s(self) -> float:
        return float((self.end - self.start) / np.timedelta64(1, "s"))

    @property
    def report_start_s(self) -> float:
        """Report start in seconds after the simulation start."""
        return float((self.report_start - self.start) / np.timedelta64(1, "s"))

    def with_(self, **changes) -> SimOptions:
        """A copy with some settings changed (checked: see :meth:`checked`)."""
        known = {f.name for f in fields(self)}
        for name in changes:
            if name not in known:
                raise InputError(
                    f"unknown option; expected one of {', '.join(sorted(known))}", field=name
                )
        return replace(self, **changes).checked()

    def checked(self) -> SimOptions:
        """``self``, or an InputError naming the first setting out of range: steps
        positive, tolerances and factors not negative, every number finite, every choice
        one SWMM knows."""
        positive = ("report_step_s", "wet_step_s", "dry_step_s", "routing_step_s")
        not_negative = (
            "rule_step_s", "start_dry_days", "lengthening_step_s", "variable_step",
            "min_step_s", "min_surfarea_m2", "min_slope", "head_tolerance_m", "sys_flow_tol",
            "lat_flow_tol", "max_trials", "threads", "newton_courant", "newton_period_steps",
            "newton_error_floor", "newton_still_fraction",
        )  # fmt: skip
        positive += ("newton_tolerance_m", "newton_max_step_s")
        for name in positive + not_negative:
            try:
                low, high = OPTION_RANGES.get(name, (0.0, np.inf))
                above = name in positive and low == 0.0
                checked_number(getattr(self, name), name, low, high, above=above)
            except InputError as exc:
                raise InputError(f"option {exc.message}", field=name) from None
        for name, key in (
            ("flow_routing", "FLOW_ROUTING"), ("inertial_damping", "INERTIAL_DAMPING"),
            ("normal_flow_limited", "NORMAL_FLOW_LIMITED"),
            ("force_main_equation", "FORCE_MAIN_EQUATION"), ("link_offsets", "LINK_OFFSETS"),
            ("surcharge_method", "SURCHARGE_METHOD"),
        ):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, str) or value.upper() not in _CHOICES[key]:
                raise InputError(
                    f"option must be one of {', '.join(_CHOICES[key])}, got {value!r}", field=name
                )
        if not isinstance(self.solver, str) or self.solver.lower() not in ("swmm", "newton"):
            raise InputError(f"option must be 'swmm' or 'newton', got {self.solver!r}",
                             field="solver")  # fmt: skip
        return self

    @classmethod
    def from_network(cls, net, **overrides) -> SimOptions:
        """Resolve a network's raw [OPTIONS] (SWMM defaults for what is missing) and its
        [REPORT] AVERAGES."""
        opts = options_from_raw(net.options, source=net.source or None)
        opts = opts.with_(report_averages=report_averages(net.report))
        return opts.with_(**overrides) if overrides else opts


def report_averages(report_lines) -> bool:
    """SWMM's ``AVERAGES YES|NO`` among raw [REPORT] lines (the reader checked the
    value; the last line that sets it counts, as in SWMM)."""
    from twin.networks.inp_tokens import findmatch

    on = False
    for line in report_lines:
        toks = line.split(";", 1)[0].split()
        if len(toks) >= 2 and findmatch(toks[0], ["AVERAGES"]) == 0:
            on = findmatch(toks[1], ["NO", "YES"]) == 1
    return on


def _err(key, value, what, source):
    return InputError(f"expected {what}, got {value!r}", file=source, section="OPTIONS", field=key)


def options_from_raw(raw: dict[str, str], source=None, **overrides) -> SimOptions:
    """Build :class:`SimOptions` from raw upper-case [OPTIONS] strings."""
    o = {k.upper(): str(v).strip() for k, v in raw.items()}
    kw: dict = {}
    unit_len = 1.0 if o.get("FLOW_UNITS", "CFS").upper() in ("CMS", "LPS", "MLD") else FT

    def choice(key, attr):
        if key in o:  # SWMM's words, prefix-matched, short forms read as SWMM reads them
            v = option_choice(key, o[key])
            if v is None or v not in _CHOICES[key]:
                raise _err(key, o[key], "one of " + ", ".join(OPTION_VALUES[key]), source)
            kw[attr] = v

    def yes_no(key, attr):
        if key in o:
            k = findmatch(o[key], ("NO", "YES"))  # SWMM's NoYesWords, prefix-matched
            if k < 0:
                raise _err(key, o[key], "YES or NO", source)
            kw[attr] = k == 1

    def number(key, lo=None, hi=None):
        try:
            v = float(o[key])
        except ValueError:
            raise _err(key, o[key], "a number", source) from None
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise _err(key, o[key], f"a number in [{lo}, {hi}]", source)
        return v

    if "FLOW_UNITS" in o:
        fu = o["FLOW_UNITS"].upper()
        if fu not in ("CFS", "GPM", "MGD", "CMS", "LPS", "MLD"):
            raise _err("FLOW_UNITS", fu, "CFS, GPM, MGD, CMS, LPS or MLD", source)
        kw["flow_units"] = fu
    if "INFILTRATION" in o:
        choice("INFILTRATION", "infiltration")
        kw["infiltration"] = InfilModel[kw["infiltration"]]
    if "FLOW_ROUTING" in o:
        choice("FLOW_ROUTING", "flow_routing")
        if kw["flow_routing"] == "NONE":
            kw["flow_routing"] = "DYNWAVE"
            kw["ignore_routing"] = True
    for key, attr in (
        ("INERTIAL_DAMPING", "inertial_damping"),
        ("NORMAL_FLOW_LIMITED", "normal_flow_limited"),
        ("FORCE_MAIN_EQUATION", "force_main_equation"),
        ("LINK_OFFSETS", "link_offsets"),
        ("SURCHARGE_METHOD", "surcharge_method"),
    ):
        choice(key, attr)
    for key, attr in (
        ("ALLOW_PONDING", "allow_ponding"),
        ("SKIP_STEADY_STATE", "skip_steady_state"),
        ("IGNORE_RAINFALL", "ignore_rainfall"),
        ("IGNORE_ROUTING", "ignore_routing"),
    ):
        yes_no(key, attr)

    def date(key, default):
        if key not in o:
            return default
        d = parse_date(o[key])
        if d is None:
            raise _err(key, o[key], "a date like 01/31/2024", source)
        return d

    def clock(key):
        if key not in o:
            return 0.0
        t = parse_time(o[key])
        if t is None:
            raise _err(key, o[key], "a time like 06:30:00", source)
        return t

    start_d = date("START_DATE", np.datetime64("2004-01-01", "D"))
    start = start_d.astype("datetime64[s]") + np.timedelta64(int(round(clock("START_TIME"))), "s")
    end_d = date("END_DATE", start_d)
    end = end_d.astype("datetime64[s]") + np.timedelta64(int(round(clock("END_TIME"))), "s")
    if "REPORT_START_DATE" in o or "REPORT_START_TIME" in o:
        rs_d = date("REPORT_START_DATE", start_d)
        rs = rs_d.astype("datetime64[s]") + np.timedelta64(
            int(round(clock("REPORT_START_TIME"))), "s"
        )
    else:
        rs = start
    if end <= start:
        raise InputError(
            "END_DATE/END_TIME must come after START_DATE/START_TIME",
            file=source,
            section="OPTIONS",
            field="END_DATE",
        )
    kw.update(start=start, end=end, report_start=max(rs, start))

    for key, attr in (
        ("REPORT_STEP", "report_step_s"),
        ("WET_STEP", "wet_step_s"),
        ("DRY_STEP", "dry_step_s"),
        ("RULE_STEP", "rule_step_s"),
    ):
        if key in o:
            t = parse_time(o[key])
            if t is None or (t <= 0 and key != "RULE_STEP"):
                raise _err(key, o[key], "a positive time step like 00:05:00", source)
            kw[attr] = float(round(t))
    for key, attr in (
        ("ROUTING_STEP", "routing_step_s"),
        ("LENGTHENING_STEP", "lengthening_step_s"),
    ):
        if key in o:
            t = parse_seconds(o[key])
            if t is None or (key == "ROUTING_STEP" and t <= 0):
                raise _err(key, o[key], "a positive number of seconds", source)
            kw[attr] = max(0.0, t)
    if "DRY_DAYS" in o:  # SWMM's keyword for the antecedent dry days
        kw["start_dry_days"] = number("DRY_DAYS", lo=0)
    if "VARIABLE_STEP" in o:
        kw["variable_step"] = number("VARIABLE_STEP", lo=0, hi=2)
    if "MINIMUM_STEP" in o:
        kw["min_step_s"] = number("MINIMUM_STEP", lo=0)
    if "MIN_SURFAREA" in o:
        v = number("MIN_SURFAREA", lo=0)
        if v > 0:
            kw["min_surfarea_m2"] = v * unit_len * unit_len
    if "MIN_SLOPE" in o:
        kw["min_slope"] = number("MIN_SLOPE", lo=0, hi=99.999) / 100.0
    if "MAX_TRIALS" in o:
        v = int(number("MAX_TRIALS", lo=0))
        kw["max_trials"] = v if v > 0 else DEFAULT_MAX_TRIALS
    if "HEAD_TOLERANCE" in o:
        v = number("HEAD_TOLERANCE", lo=0)
        if v > 0:
            kw["head_tolerance_m"] = v * unit_len
    if "SYS_FLOW_TOL" in o:
        kw["sys_flow_tol"] = number("SYS_FLOW_TOL", lo=0) / 100.0
    if "LAT_FLOW_TOL" in o:
        kw["lat_flow_tol"] = number("LAT_FLOW_TOL", lo=0) / 100.0
    if "THREADS" in o:
        kw["threads"] = int(number("THREADS", lo=0))  # 0 = all cores, as in SWMM

    opts = SimOptions(**kw)
    # SWMM's project_validate adjustments
    if opts.dry_step_s < opts.wet_step_s:
        opts = opts.with_(dry_step_s=opts.wet_step_s)
    if opts.routing_step_s > opts.wet_step_s:
        opts = opts.with_(routing_step_s=opts.wet_step_s)
    return opts.with_(**overrides) if overrides else opts
