"""[OPTIONS] [EVAPORATION] [CURVES] [TIMESERIES] [PATTERNS] [INFLOWS] [DWF] [TAGS] [VERTICES].

Curves, time series, patterns and inflow baselines stay in file units (their
units depend on their use; see :mod:`twin.networks.units`).
"""

from __future__ import annotations

import numpy as np

from twin.networks import units
from twin.networks.inp_context import ReadContext, Row
from twin.networks.inp_tokens import Section, findmatch, parse_date, parse_time_h, to_float
from twin.networks.model import Curve, DryWeatherFlowTable, InflowTable, Pattern, TimeSeries

CURVE_WORDS = [
    "STORAGE",
    "DIVERSION",
    "TIDAL",
    "RATING",
    "CONTROL",
    "SHAPE",
    "WEIR",
    "PUMP1",
    "PUMP2",
    "PUMP3",
    "PUMP4",
    "PUMP5",
]
PATTERN_WORDS = ["MONTHLY", "DAILY", "HOURLY", "WEEKEND"]
EVAP_WORDS = ["CONSTANT", "MONTHLY", "TIMESERIES", "TEMPERATURE", "FILE", "RECOVERY", "DRY_ONLY"]
NO_YES = ["NO", "YES"]

# option -> allowed keyword values (None: a number; "date"/"time": a date/time)
OPTION_VALUES: dict[str, object] = {
    "FLOW_UNITS": list(units.FLOW_TO_M3S),
    "INFILTRATION": [
        "HORTON",
        "MODIFIED_HORTON",
        "GREEN_AMPT",
        "MODIFIED_GREEN_AMPT",
        "CURVE_NUMBER",
    ],
    "FLOW_ROUTING": ["NONE", "STEADY", "KINWAVE", "XKINWAVE", "DYNWAVE", "NF", "KW", "EKW", "DW"],
    "START_DATE": "date",
    "START_TIME": "time",
    "END_DATE": "date",
    "END_TIME": "time",
    "REPORT_START_DATE": "date",
    "REPORT_START_TIME": "time",
    "SWEEP_START": "text",
    "SWEEP_END": "text",
    "DRY_DAYS": None,
    "WET_STEP": "time",
    "DRY_STEP": "time",
    "ROUTING_STEP": "time",
    "RULE_STEP": "time",
    "REPORT_STEP": "time",
    "ALLOW_PONDING": NO_YES,
    "INERTIAL_DAMPING": ["NONE", "PARTIAL", "FULL"],
    "SLOPE_WEIGHTING": NO_YES,
    "VARIABLE_STEP": None,
    "NORMAL_FLOW_LIMITED": ["SLOPE", "FROUDE", "BOTH", "NONE"],
    "LENGTHENING_STEP": "time",  # seconds, or H:MM:SS as SWMM also reads it
    "MIN_SURFAREA": None,
    "COMPATIBILITY": "text",
    "SKIP_STEADY_STATE": NO_YES,
    "TEMPDIR": "text",
    "IGNORE_RAINFALL": NO_YES,
    "FORCE_MAIN_EQUATION": ["H-W", "D-W"],
    "LINK_OFFSETS": ["DEPTH", "ELEVATION"],
    "MIN_SLOPE": None,
    "IGNORE_SNOWMELT": NO_YES,
    "IGNORE_GROUNDWATER": NO_YES,
    "IGNORE_ROUTING": NO_YES,
    "IGNORE_QUALITY": NO_YES,
    "MAX_TRIALS": None,
    "HEAD_TOLERANCE": None,
    "SYS_FLOW_TOL": None,
    "LAT_FLOW_TOL": None,
    "IGNORE_RDII": NO_YES,
    "MINIMUM_STEP": None,
    "THREADS": None,
    "SURCHARGE_METHOD": ["EXTRAN", "SLOT"],
}
OPTION_WORDS = list(OPTION_VALUES)
#: What each keyword of a choice option selects when SWMM 5.2 reads it (project.c): the
#: older FLOW_ROUTING words (OldRouteModelWords NF, KW, EKW, DW) and XKINWAVE name the
#: models SWMM runs; SWMM 5.2.1's NORMAL_FLOW_LIMITED NONE is the engine's NEITHER.
OPTION_MEANINGS: dict[str, dict[str, str]] = {
    "FLOW_ROUTING": {
        "NF": "STEADY",
        "KW": "KINWAVE",
        "EKW": "KINWAVE",
        "XKINWAVE": "KINWAVE",
        "DW": "DYNWAVE",
    },
    "NORMAL_FLOW_LIMITED": {"NONE": "NEITHER"},
}


def option_choice(key: str, value: str) -> str | None:
    """What a choice option's value selects, as SWMM 5.2's parser reads it, or None.

    The value matches the first of the option's keywords that is a prefix of it
    (case-insensitive, SWMM's ``findmatch``); older or short keywords give the
    meaning they have in SWMM (``DW`` -> ``DYNWAVE``, ``NF`` -> ``STEADY``).

    Parameters
    ----------
    key : str
        Canonical option name (``FLOW_ROUTING``).
    value : str
        The value as written in [OPTIONS] (``DW``, ``dynwave``).
    """
    words = OPTION_VALUES.get(key)
    if not isinstance(words, list):
        return None
    k = findmatch(str(value), words)
    if k < 0:
        return None
    word = words[k]
    return OPTION_MEANINGS.get(key, {}).get(word, word)


def read_options(ctx: ReadContext, sec: Section | None) -> dict[str, str]:
    """Raw option values keyed by canonical upper-case name; sets units on ``ctx``."""
    opts: dict[str, str] = {}
    for line in sec.lines if sec else []:
        if len(line.tokens) < 2:
            continue
        row = Row(ctx, "OPTIONS", line, ["Option", "Value"])
        key = OPTION_WORDS[row.word(0, OPTION_WORDS, "option")]
        ctx.line_of[("OPTIONS", key)] = line.no
        row.fields = ["Option", key]
        val = line.tokens[1]
        rule = OPTION_VALUES[key]
        if isinstance(rule, list):
            val = rule[row.word(1, rule, f"{key} value")]
        elif rule is None:
            row.num(1)
        elif rule == "date" and parse_date(val) is None:
            row.fail(1, f"expected a date (MM/DD/YYYY), got {val[:40]!r}", 213)
        elif rule == "time" and parse_time_h(val) is None:
            row.fail(1, f"expected a time (H:MM:SS or hours), got {val[:40]!r}", 213)
        opts[key] = val
    fu = opts.get("FLOW_UNITS", "CFS")
    ctx.set_flow_units(fu)
    ctx.infil_default = OPTION_VALUES["INFILTRATION"].index(opts.get("INFILTRATION", "HORTON"))
    ctx.offsets_are_elevations = opts.get("LINK_OFFSETS", "DEPTH") == "ELEVATION"
    return opts


def read_evaporation(ctx: ReadContext, sec: Section | None) -> dict[str, list[str]]:
    evap: dict[str, list[str]] = {}
    for line in sec.lines if sec else []:
        row = Row(ctx, "EVAPORATION", line, ["Type", "Parameters"])
        key = EVAP_WORDS[row.word(0, EVAP_WORDS, "evaporation keyword")]
        if key == "TIMESERIES":
            row.name(1, "timeseries")
        evap[key] = list(line.tokens[1:])
    return evap


def check_report(ctx: ReadContext, sec: Section | None) -> None:
    """[REPORT]: the value of AVERAGES (the one [REPORT] option that changes the
    results) is NO or YES, as SWMM's report_readOptions requires; the section is kept
    raw (``Network.report``)."""
    for line in sec.lines if sec else []:
        if line.tokens and findmatch(line.tokens[0], ["AVERAGES"]) == 0:
            row = Row(ctx, "REPORT", line, ["Keyword", "Value"])
            row.word(1, NO_YES, "AVERAGES value")


def read_curves(ctx: ReadContext, sec: Section | None) -> dict[str, Curve]:
    pts: dict[str, list] = {}
    kinds: dict[str, str] = {}
    for line in sec.lines if sec else []:
        row = Row(ctx, "CURVES", line, ["Name", "Type", "X-Value", "Y-Value"])
        row.need(2)
        name = ctx.canonical("curve", line.tokens[0])
        k1 = 1
        if name not in kinds:
            kinds[name] = CURVE_WORDS[row.word(1, CURVE_WORDS, "curve type")]
            pts[name] = []
            k1 = 2
        toks = line.tokens
        if (len(toks) - k1) % 2:
            row.fail(len(toks), "x value without a y value")
        for k in range(k1, len(toks), 2):
            row.fields = ["Name", "Type"] + ["X-Value", "Y-Value"] * (len(toks) // 2 + 1)
            x, y = row.num(k), row.num(k + 1)
            if pts[name] and x <= pts[name][-1][0]:
                row.fail(k, f"curve {name!r}: x value {toks[k]} does not increase", 171)
            pts[name].append((x, y))
    out = {}
    for name, p in pts.items():
        a = np.array(p, dtype=np.float64).reshape(-1, 2)
        out[name] = Curve(name, kinds[name], a[:, 0].copy(), a[:, 1].copy())
    return out


def read_timeseries(ctx: ReadContext, sec: Section | None) -> dict[str, TimeSeries]:
    data: dict[str, list] = {}
    files: dict[str, str] = {}
    last_date: dict[str, np.datetime64] = {}
    last_h: dict[str, float] = {}  # hours of the last point (days since 1970 when dated)
    for line in sec.lines if sec else []:
        row = Row(ctx, "TIMESERIES", line, ["Name", "Date", "Time", "Value"])
        row.need(3)
        name = ctx.canonical("timeseries", line.tokens[0])
        data.setdefault(name, [])
        toks = line.tokens
        if toks[1].upper() == "FILE":
            files[name] = toks[2]
            continue
        k, nat = 1, np.datetime64("NaT", "D")
        while k < len(toks):
            d = parse_date(toks[k])
            if d is not None:
                last_date[name] = d
                k += 1
            row.fields = ["Name"] + ["Date"] * (k - 1) + ["Time", "Value"]
            t = parse_time_h(row.tok(k))
            if t is None:
                row.fail(k, f"expected a time (H:MM or hours), got {toks[k][:40]!r}", 213)
            when = last_date.get(name, nat)
            hours = t if np.isnat(when) else when.astype(np.int64) * 24.0 + t
            if name in last_h and hours <= last_h[name]:
                row.fail(k, f"time series {name!r} is out of sequence at {toks[k]}", 173)
            last_h[name] = hours
            v = row.num(k + 1)
            data[name].append((last_date.get(name, nat), t, v))
            k += 2
    out = {}
    for name, p in data.items():
        out[name] = TimeSeries(
            name=name,
            date=np.array([q[0] for q in p], dtype="datetime64[D]"),
            time_h=np.array([q[1] for q in p], dtype=np.float64),
            value=np.array([q[2] for q in p], dtype=np.float64),
            file=files.get(name, ""),
        )
    return out


def read_patterns(ctx: ReadContext, sec: Section | None) -> dict[str, Pattern]:
    facs: dict[str, list] = {}
    kinds: dict[str, str] = {}
    for line in sec.lines if sec else []:
        row = Row(ctx, "PATTERNS", line, ["Name", "Type"] + ["Factor"] * 30)
        row.need(2)
        name = ctx.canonical("pattern", line.tokens[0])
        n = 1
        if name not in kinds:
            kinds[name] = PATTERN_WORDS[row.word(1, PATTERN_WORDS, "pattern type")]
            facs[name] = []
            n = 2
        for k in range(n, len(line.tokens)):
            if len(facs[name]) >= 24:
                break
            facs[name].append(row.num(k))
    return {n: Pattern(n, kinds[n], np.array(f, dtype=np.float64)) for n, f in facs.items()}


def _constituent(ctx: ReadContext, row: Row) -> str:
    tok = row.tok(1)
    if ctx.find("pollutant", tok) >= 0:
        return ctx.canonical("pollutant", tok)
    if findmatch(tok, ["FLOW"]) == 0:
        return "FLOW"
    row.fail(1, f"unknown pollutant {tok!r}")


def read_inflows(ctx: ReadContext, sec: Section | None) -> InflowTable:
    rows = []
    fields = [
        "Node",
        "Constituent",
        "TimeSeries",
        "Type",
        "Mfactor",
        "Sfactor",
        "Baseline",
        "Pattern",
    ]
    for line in sec.lines if sec else []:
        row = Row(ctx, "INFLOWS", line, fields)
        row.need(3)
        node = row.ref(0, "node")
        con = _constituent(ctx, row)
        series = row.name(2, "timeseries") if row.tok(2) else ""
        kind, mf = "FLOW", 1.0
        if con != "FLOW":
            kind = "CONCEN"
            if row.has(3):
                k = row.word(3, ["CONCEN", "MASS"], "inflow type")
                kind = ["CONCEN", "MASS"][k]
                if kind == "MASS" and row.has(4):
                    mf = row.num(4, positive=True)
        sf = row.num(5, default=1.0)
        base = row.num(6, default=0.0)
        pat = row.name(7, "pattern") if row.has(7) and row.tok(7) else ""
        rows.append((ctx.names["node"][node], node, con, series, kind, mf, sf, base, pat))
    cols = list(zip(*rows, strict=True)) if rows else [()] * 9
    return InflowTable(
        name=np.array(cols[0], dtype=object),
        node=np.array(cols[1], dtype=np.int64),
        constituent=np.array(cols[2], dtype=object),
        series=np.array(cols[3], dtype=object),
        kind=np.array(cols[4], dtype=object),
        mfactor=np.array(cols[5], dtype=np.float64),
        sfactor=np.array(cols[6], dtype=np.float64),
        baseline=np.array(cols[7], dtype=np.float64),
        pattern=np.array(cols[8], dtype=object),
    )


def read_dwf(ctx: ReadContext, sec: Section | None) -> DryWeatherFlowTable:
    rows = []
    for line in sec.lines if sec else []:
        row = Row(
            ctx,
            "DWF",
            line,
            ["Node", "Constituent", "Baseline", "Pattern1", "Pattern2", "Pattern3", "Pattern4"],
        )
        row.need(3)
        node = row.ref(0, "node")
        con = _constituent(ctx, row)
        avg = row.num(2)
        pats = []
        for i in range(3, 7):
            pats.append(row.name(i, "pattern") if row.has(i) and row.tok(i) else "")
        rows.append((ctx.names["node"][node], node, con, avg, pats))
    n = len(rows)
    pat = np.full((n, 4), "", dtype=object)
    for i, r in enumerate(rows):
        pat[i, :] = r[4]
    return DryWeatherFlowTable(
        name=np.array([r[0] for r in rows], dtype=object),
        node=np.array([r[1] for r in rows], dtype=np.int64),
        constituent=np.array([r[2] for r in rows], dtype=object),
        average=np.array([r[3] for r in rows], dtype=np.float64),
        patterns=pat,
    )


def read_tags(ctx: ReadContext, sec: Section | None) -> list[tuple[str, str, str]]:
    tags = []
    for line in sec.lines if sec else []:
        row = Row(ctx, "TAGS", line, ["Kind", "Name", "Tag"])
        row.need(3)
        tags.append((line.tokens[0], line.tokens[1], line.tokens[2]))
    return tags


def read_vertices(ctx: ReadContext, sec: Section | None) -> dict[str, np.ndarray]:
    pts: dict[str, list] = {}
    for line in sec.lines if sec else []:
        row = Row(ctx, "VERTICES", line, ["Link", "X-Coord", "Y-Coord"])
        row.need(3)
        x, y = row.num(1), row.num(2)
        if ctx.find("link", line.tokens[0]) < 0:
            ctx.notes.append(f"[VERTICES] line {line.no}: unknown link {line.tokens[0]!r}")
            continue
        pts.setdefault(ctx.canonical("link", line.tokens[0]), []).append((x, y))
    return {k: np.array(v, dtype=np.float64).reshape(-1, 2) for k, v in pts.items()}


def transect_names(sec: Section | None) -> list[tuple[str, object]]:
    """Names declared on X1 lines of [TRANSECTS], with their lines."""
    out = []
    for line in sec.lines if sec else []:
        if line.tokens[0].upper() == "X1" and len(line.tokens) > 1:
            out.append((line.tokens[1], line))
    return out


__all__ = ["read_options", "read_curves", "read_timeseries", "to_float"]
