"""What-if modifications of a Network, expressed in SWMM constructs.

Every function changes the Network it is given (call :func:`copy_network` first);
:meth:`twin.scenarios.Scenario.apply` does that.  Rainfall becomes RAINGAGES +
TIMESERIES, outfall levels TIMESERIES outfalls, blockages smaller cross sections,
so that SWMM can run the result from :func:`~twin.networks.inp_writer.write_inp`.

Blockage of a link by a fraction ``f`` of its flow area:

* CIRCULAR becomes FILLED_CIRCULAR with the sediment depth whose circular segment
  is ``f`` of the full area (FILLED_CIRCULAR adds sediment to what is there);
* every other closed or open shape keeps its form and has its lengths (height,
  widths, radii) multiplied by ``sqrt(1 - f)``, so its full area is ``(1 - f)`` of
  the original (dimensionless parameters such as side slopes are kept);
* IRREGULAR transects and DUMMY links cannot be blocked.

Failures and operations become [CONTROLS] rules on ``SIMULATION TIME`` with
``PRIORITY`` :data:`SCENARIO_PRIORITY` (above any rule of the network), appended to
the network's rules:

* a pump failure from ``from_h`` (to ``to_h``) is ``PUMP p STATUS = OFF`` while the
  time is in the window.  After ``to_h`` a pump with a start-up depth restarts by
  its own depth switch (as SWMM's ``link_setTargetSetting`` does); a pump without
  one gets a low-priority rule ``STATUS = <its initial status>`` from ``to_h`` on;
* a setting (pump speed, fraction open of an orifice, weir or outlet) from
  ``from_h`` (to ``to_h``; afterwards 1.0, fully open, at low priority) is
  ``... SETTING = s``.
"""

from __future__ import annotations

import copy

import numpy as np

from twin.errors import InputError, checked_number
from twin.kernels.codes import LinkKind, NodeKind, OutfallKind, Shape
from twin.networks import units
from twin.networks.inp_links import LENGTH_GEOMS
from twin.networks.model import Network, RaingageTable, TimeSeries

__all__ = [
    "SCENARIO_PRIORITY",
    "block_links",
    "fail_pumps",
    "hours_to_hms",
    "set_controls",
    "set_link_settings",
    "circle_segment_fraction",
    "copy_network",
    "replace_rainfall",
    "scale_rainfall",
    "set_initial_depths",
    "set_outfall_levels",
    "set_window",
    "shift_rainfall",
]

MAX_BLOCKAGE = 0.95
SCENARIO_PRIORITY = 100
RESTORE_PRIORITY = 0
RULE_PREFIX = "SCN"
_SETTING_WORD = {
    LinkKind.PUMP: "PUMP",
    LinkKind.ORIFICE: "ORIFICE",
    LinkKind.WEIR: "WEIR",
    LinkKind.OUTLET: "OUTLET",
}


def copy_network(net: Network) -> Network:
    """A deep copy that the functions below may change freely."""
    return copy.deepcopy(net)


def _rain_unit_per_mmh(net: Network) -> float:
    return 1.0 / units.rain_rate_to_mmh("US" if net.unit_system == "US" else "SI")


def replace_rainfall(net, series, gauge_of_subcatchment, interval_s, prefix="SCN"):
    """Replace every rain gauge by new INTENSITY gauges with their own time series.

    Parameters
    ----------
    net : Network
    series : list of (times_h, intensity_mmh)
        One entry per new gauge: (k,) hours after the simulation start and the rate
        [mm/h] that holds from each time for ``interval_s``.
    gauge_of_subcatchment : (n_subcatchments,) int
        Index into ``series`` of each subcatchment's gauge.
    interval_s : float
        Recording interval of the new gauges [s].
    prefix : str
        Gauge ``i`` is named ``{prefix}{i}``, its series ``{prefix}{i}_RAIN``.
    """
    f = _rain_unit_per_mmh(net)
    n = len(series)
    names = np.array([f"{prefix}{i + 1}" for i in range(n)], dtype=object)
    for i, (t_h, rate) in enumerate(series):
        t_h = np.asarray(t_h, np.float64)
        sname = f"{names[i]}_RAIN"
        net.timeseries[sname] = TimeSeries(
            sname,
            np.full(len(t_h), np.datetime64("NaT"), "datetime64[D]"),
            t_h,
            np.asarray(rate, np.float64) * f,
        )
    empty = np.full(n, "", dtype=object)
    net.raingages = RaingageTable(
        name=names,
        form=np.full(n, "INTENSITY", dtype=object),
        interval_s=np.full(n, float(interval_s)),
        scf=np.ones(n),
        source=np.full(n, "TIMESERIES", dtype=object),
        series=np.array([f"{s}_RAIN" for s in names], dtype=object),
        file=empty.copy(),
        station=empty.copy(),
        file_units=empty.copy(),
        x=np.full(n, np.nan),
        y=np.full(n, np.nan),
    )
    net.subcatchments.raingage = np.asarray(gauge_of_subcatchment, np.int64).copy()
    return net


def _gauge_series(net: Network) -> list[TimeSeries]:
    """The distinct time series the gauges read (FILE gauges are refused)."""
    g = net.raingages
    out, seen = [], set()
    for j in range(len(g)):
        if str(g.source[j]).upper() == "FILE":
            raise InputError(
                f"gauge {g.name[j]} reads a rainfall file; give the rainfall as "
                "a series (rainfall.source = 'gauge') to scale or shift it",
                field="rainfall",
            )
        name = str(g.series[j])
        if name in seen:
            continue
        if name not in net.timeseries:
            raise InputError(
                f"gauge {g.name[j]} uses unknown time series {name!r}", section="RAINGAGES"
            )
        ts = net.timeseries[name]
        if ts.file:
            raise InputError(
                f"time series {name!r} is read from a file; cannot modify it", section="TIMESERIES"
            )
        seen.add(name)
        out.append(ts)
    return out


def scale_rainfall(net: Network, factor: float) -> Network:
    """Multiply all rainfall (intensities, volumes and cumulative totals) by ``factor``."""
    if not factor >= 0:
        raise InputError(f"rainfall scale must be >= 0, got {factor}", field="scale")
    for ts in _gauge_series(net):
        ts.value = ts.value * float(factor)
    return net


def shift_rainfall(net: Network, minutes: float) -> Network:
    """Delay all rainfall by ``minutes`` (negative: earlier)."""
    dh = float(minutes) / 60.0
    for ts in _gauge_series(net):
        dated = ~np.isnat(ts.date)
        t = ts.time_h + dh
        if dated.any():  # keep date + hours-since-midnight in range
            day = np.floor(t[dated] / 24.0)
            ts.date = ts.date.copy()
            ts.date[dated] = ts.date[dated] + day.astype(np.int64).astype("timedelta64[D]")
            t[dated] = t[dated] - 24.0 * day
        ts.time_h = t
    return net


def set_outfall_levels(net: Network, levels: dict) -> Network:
    """Outfall water levels.

    Parameters
    ----------
    levels : dict
        Outfall name -> a constant level [m, elevation] (FIXED outfall) or a pair
        ``(times_h, levels_m)`` (TIMESERIES outfall, hours after the start).
    """
    idx = net.nodes.index_of()
    lf = units.length_to_m("US" if net.unit_system == "US" else "SI")
    for name, lev in levels.items():
        i = idx.get(str(name))
        if i is None or net.nodes.kind[i] != NodeKind.OUTFALL:
            raise InputError(
                f"{name!r} is not an outfall of the network", field=f"outfall_level.{name}"
            )
        if np.ndim(lev) == 0:
            net.nodes.outfall_kind[i] = OutfallKind.FIXED
            net.nodes.outfall_stage_m[i] = checked_number(lev, f"outfall_level.{name}")
            net.nodes.outfall_series[i] = ""
            continue
        t_h, z = (_numbers(v, f"outfall_level.{name}") for v in lev)
        if t_h.shape != z.shape or t_h.ndim != 1 or len(t_h) < 1 or np.any(np.diff(t_h) <= 0):
            raise InputError(
                "outfall level series needs increasing times and as many levels",
                field=f"outfall_level.{name}",
            )
        sname = f"LEVEL_{name}"
        net.timeseries[sname] = TimeSeries(
            sname, np.full(len(t_h), np.datetime64("NaT"), "datetime64[D]"), t_h, z / lf
        )
        net.nodes.outfall_kind[i] = OutfallKind.TIMESERIES
        net.nodes.outfall_series[i] = sname
    return net


def _numbers(values, field: str) -> np.ndarray:
    """A 1-D list of finite numbers as float64, or an InputError naming ``field``."""
    if np.ndim(values) != 1:
        raise InputError(f"expected a list of numbers, got {values!r}", field=field)
    return np.array([checked_number(x, field) for x in values], dtype=np.float64)


def circle_segment_fraction(depth_frac):
    """Area of a circular segment of relative depth ``y/D`` as a fraction of the circle."""
    y = np.clip(np.asarray(depth_frac, np.float64), 0.0, 1.0)
    theta = 2.0 * np.arccos(1.0 - 2.0 * y)
    return (theta - np.sin(theta)) / (2.0 * np.pi)


def _depth_for_area_fraction(f: float) -> float:
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if circle_segment_fraction(mid) < f else (lo, mid)
    return 0.5 * (lo + hi)


def block_links(net: Network, fractions: dict) -> Network:
    """Block conduits by a fraction of their flow area (see the module docstring)."""
    idx = net.links.index_of()
    L = net.links
    for name, frac in fractions.items():
        j = idx.get(str(name))
        key = f"blockage.{name}"
        if j is None:
            raise InputError(f"no link named {name!r}", field=key)
        f = checked_number(frac, key, 0.0, MAX_BLOCKAGE)
        if L.kind[j] != LinkKind.CONDUIT:
            raise InputError(f"{name} is not a conduit", field=key)
        shape = Shape(int(L.shape[j]))
        g = L.geom[j]
        if shape == Shape.CIRCULAR:
            L.shape[j] = Shape.FILLED_CIRCULAR
            g[1] = _depth_for_area_fraction(f) * g[0]
        elif shape == Shape.FILLED_CIRCULAR:
            d = g[0]
            open_now = 1.0 - circle_segment_fraction(g[1] / d)
            g[1] = _depth_for_area_fraction(1.0 - open_now * (1.0 - f)) * d
        elif shape in LENGTH_GEOMS:
            for k in LENGTH_GEOMS[shape]:
                g[k] *= np.sqrt(1.0 - f)
            if shape in (Shape.HORIZ_ELLIPSE, Shape.VERT_ELLIPSE, Shape.ARCH):
                g[2] = 0.0  # a standard size code would override the scaled dimensions
        else:
            raise InputError(f"cannot block a {shape.name} cross section", field=key)
    return net


def set_initial_depths(net: Network, depths: dict) -> Network:
    """Initial water depth [m] of named junctions and storage units."""
    idx = net.nodes.index_of()
    for name, d in depths.items():
        i = idx.get(str(name))
        key = f"initial_depth_m.{name}"
        if i is None:
            raise InputError(f"no node named {name!r}", field=key)
        d = checked_number(d, key, 0.0)
        top = net.nodes.max_depth_m[i]
        if d < 0 or (top > 0 and d > top + net.nodes.surcharge_depth_m[i]):
            raise InputError(f"initial depth {d} m is outside [0, {top:g}] m", field=key)
        net.nodes.init_depth_m[i] = d
    return net


def set_window(net: Network, start: np.datetime64, end: np.datetime64) -> Network:
    """Simulation start and end ([OPTIONS] START/END/REPORT_START dates and times)."""
    start = np.datetime64(start, "s")
    end = np.datetime64(end, "s")
    if end <= start:
        raise InputError("simulation end must come after its start", field="simulation")
    for key, t in (("START", start), ("END", end), ("REPORT_START", start)):
        s = str(t)
        y, m, d = s[:10].split("-")
        net.options[f"{key}_DATE"] = f"{m}/{d}/{y}"
        net.options[f"{key}_TIME"] = s[11:19]
    return net


# -- control rules -----------------------------------------------------------------------
def hours_to_hms(hours: float) -> str:
    """``h:mm:ss`` (whole seconds) of a time in hours, as SWMM rules read it."""
    sec = int(round(float(hours) * 3600.0))
    return f"{sec // 3600}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


def _window(entry: dict, key: str) -> tuple[float, float | None]:
    """``from_h`` and ``to_h`` (None: to the end) of a failure or setting entry."""
    t0 = checked_number(entry.get("from_h", 0.0), f"{key}.from_h")
    t1 = entry.get("to_h")
    t1 = None if t1 is None else checked_number(t1, f"{key}.to_h")
    if t0 < 0 or (t1 is not None and t1 <= t0):
        raise InputError(f"need 0 <= from_h < to_h, got {t0} and {t1}", field=key)
    return t0, t1


def _time_rule(name: str, t0: float, t1, action: str, priority: float) -> str:
    lines = [f"RULE {name}", f"IF SIMULATION TIME >= {hours_to_hms(t0)}"]
    if t1 is not None:
        lines.append(f"AND SIMULATION TIME < {hours_to_hms(t1)}")
    lines += [f"THEN {action}", f"PRIORITY {priority:g}"]
    return "\n".join(lines)


def _link_of(net: Network, entry: dict, name_key: str, key: str) -> int:
    if not isinstance(entry, dict) or name_key not in entry:
        raise InputError(f"each entry needs '{name_key}'", field=key)
    j = net.links.index_of().get(str(entry[name_key]))
    if j is None:
        raise InputError(f"no link named {entry[name_key]!r}", field=f"{key}.{name_key}")
    return j


def _append_rules(net: Network, rules: list[str]) -> Network:
    if rules:
        old = net.controls.rstrip()
        net.controls = (old + "\n\n" if old else "") + "\n\n".join(rules) + "\n"
    return net


def fail_pumps(net: Network, failures: list) -> Network:
    """Switch pumps off for a time window (appended control rules, see the module docstring).

    Parameters
    ----------
    failures : list of dict
        ``{"pump": name, "from_h": hours after the start (0), "to_h": end or None}``.
    """
    rules = []
    for k, f in enumerate(failures):
        key = f"pump_failure[{k}]"
        j = _link_of(net, f, "pump", key)
        name = str(net.links.name[j])
        if net.links.kind[j] != LinkKind.PUMP:
            raise InputError(f"{name} is not a pump", field=f"{key}.pump")
        bad = set(f) - {"pump", "from_h", "to_h"}
        if bad:
            raise InputError(f"unknown keys {', '.join(sorted(bad))}", field=key)
        t0, t1 = _window(f, key)
        tag = f"{RULE_PREFIX}_PUMP_FAIL_{k + 1}_{name}"
        rules.append(_time_rule(tag, t0, t1, f"PUMP {name} STATUS = OFF", SCENARIO_PRIORITY))
        if t1 is not None and not net.links.startup_depth_m[j] > 0:
            status = "ON" if net.links.init_on[j] else "OFF"
            rules.append(
                _time_rule(
                    f"{tag}_RESTORE", t1, None, f"PUMP {name} STATUS = {status}", RESTORE_PRIORITY
                )
            )
    return _append_rules(net, rules)


def set_link_settings(net: Network, settings: list) -> Network:
    """Fixed settings of pumps, orifices, weirs and outlets for a time window (rules).

    Parameters
    ----------
    settings : list of dict
        ``{"link": name, "setting": value, "from_h": hours (0), "to_h": end or None}``;
        a pump's setting is its speed (relative flow), a regulator's the fraction open
        in [0, 1].
    """
    rules = []
    for k, e in enumerate(settings):
        key = f"settings[{k}]"
        j = _link_of(net, e, "link", key)
        name = str(net.links.name[j])
        word = _SETTING_WORD.get(LinkKind(int(net.links.kind[j])))
        if word is None:
            raise InputError(
                f"{name} is a conduit: only pumps, orifices, weirs and outlets take a setting "
                "(block a conduit with 'blockage')",
                field=f"{key}.link",
            )
        bad = set(e) - {"link", "setting", "from_h", "to_h"}
        if bad:
            raise InputError(f"unknown keys {', '.join(sorted(bad))}", field=key)
        try:
            value = float(e["setting"])
        except (KeyError, TypeError, ValueError):
            raise InputError("needs a numeric 'setting'", field=f"{key}.setting") from None
        hi = np.inf if word == "PUMP" else 1.0
        if not 0.0 <= value <= hi:
            raise InputError(f"setting must be in [0, {hi:g}], got {value}", field=key)
        t0, t1 = _window(e, key)
        tag = f"{RULE_PREFIX}_SETTING_{k + 1}_{name}"
        rules.append(
            _time_rule(tag, t0, t1, f"{word} {name} SETTING = {value:g}", SCENARIO_PRIORITY)
        )
        if t1 is not None:
            rules.append(
                _time_rule(
                    f"{tag}_RESTORE", t1, None, f"{word} {name} SETTING = 1", RESTORE_PRIORITY
                )
            )
    return _append_rules(net, rules)


def set_controls(net: Network, rules: str, mode: str = "append") -> Network:
    """Replace the network's [CONTROLS] by ``rules`` or append them (SWMM rule text)."""
    mode = str(mode).lower()
    if mode not in ("append", "replace"):
        raise InputError(f"controls must be 'append' or 'replace', got {mode!r}", field="controls")
    if mode == "replace":
        net.controls = ""
        net.controls_first_line = None
    text = str(rules).strip()
    return _append_rules(net, [text] if text else [])
