"""A Scenario as a TOML table, and back, checking every key and value.

:func:`scenario_table` is what ``Scenario.to_file`` writes; :func:`scenario_fields`
checks a table read from a scenario file (unknown keys, wrong types, bad dates)
and returns the Scenario's constructor arguments. Errors are
:class:`~twin.errors.InputError` naming the file, line and key.
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import numpy as np

from twin.errors import InputError, checked_number
from twin.limits import scenario_range
from twin.scenarios.modify import MAX_BLOCKAGE
from twin.scenarios.rain_sources import DESIGN_KEYS, SOURCES, source_of, storm_of

__all__ = ["RAIN_KEYS", "MODIFY_KEYS", "SIM_KEYS", "scenario_table", "scenario_fields"]

RAIN_KEYS = {
    "source",
    "preset",
    "path",
    "form",
    "interval_min",
    "station",
    "variable",
    "member",
} | DESIGN_KEYS
MODIFY_KEYS = {
    "scale",
    "climate_factor",
    "time_shift_min",
    "blockage",
    "initial_depth_m",
    "outfall_level",
    "pump_failure",
    "settings",
    "lids",
    "controls",
    "rules",
    "control_file",
}
SIM_KEYS = {"start", "tail_hours", "options"}


def scenario_table(sc) -> dict:
    """The TOML table of Scenario ``sc`` (optional entries only when set)."""
    d = {"name": sc.name}
    if sc.description:
        d["description"] = sc.description
    d["rainfall"] = dict(sc.rainfall)
    d["modify"] = {
        "scale": float(sc.scale),
        "climate_factor": float(sc.climate_factor),
        "time_shift_min": float(sc.time_shift_min),
        "blockage": dict(sc.blockage),
        "initial_depth_m": dict(sc.initial_depth_m),
        "outfall_level": dict(sc.outfall_level),
    }
    if sc.pump_failure:
        d["modify"]["pump_failure"] = [_no_none(f) for f in sc.pump_failure]
    if sc.settings:
        d["modify"]["settings"] = [_no_none(f) for f in sc.settings]
    if sc.lids:
        d["modify"]["lids"] = [_no_none(f) for f in sc.lids]
    if sc.controls != "append":
        d["modify"]["controls"] = sc.controls
    if sc.rules:
        d["modify"]["rules"] = sc.rules
    if sc.control_file:
        d["modify"]["control_file"] = sc.control_file
    d["simulation"] = {
        "start": sc.start,
        "tail_hours": float(sc.tail_hours),
        "options": dict(sc.options),
    }
    return d


def _no_none(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if v is not None}


#: ``[rainfall]`` keys whose value is a string.
_RAIN_STRINGS = ("source", "preset", "path", "form", "station", "variable", "pattern")


def check_rainfall_values(rain: dict, number, err) -> None:
    """The types and ranges of ``[rainfall]`` values that the design-storm builder does
    not check itself: strings, a non-empty path, whole member numbers, the reading
    interval, and the ``idf`` and ``depths_mm`` tables.  ``number(value, key, low)``
    and ``err(message, key)`` make the errors (naming file and line)."""
    for k in _RAIN_STRINGS:
        if k in rain and not isinstance(rain[k], str):
            raise err(f"expected a string, got {rain[k]!r}", f"rainfall.{k}")
    if "path" in rain and not rain["path"].strip():
        raise err("expected a file path, got an empty string", "rainfall.path")
    if "member" in rain:
        m = number(rain["member"], "rainfall.member", 0.0)
        if m != int(m):
            raise err(f"expected a whole number, got {rain['member']!r}", "rainfall.member")
    if "interval_min" in rain:
        if number(rain["interval_min"], "rainfall.interval_min", 0.0) == 0.0:
            raise err("must be > 0 min", "rainfall.interval_min")
    for k in ("idf", "depths_mm"):
        if k in rain and not isinstance(rain[k], dict):
            raise err(f"expected a table, got {rain[k]!r}", f"rainfall.{k}")
    for k, v in rain.get("depths_mm", {}).items():
        number(k, f"rainfall.depths_mm.{k}", 0.0)
        number(v, f"rainfall.depths_mm.{k}", 0.0)


def scenario_fields(d: dict, source_file=None, text: str = "") -> dict:
    """Check scenario table ``d`` and return the Scenario's constructor arguments.

    The rainfall source is checked too (a design storm is built once to validate it).

    Parameters
    ----------
    d : dict
        The table, as read from TOML.
    source_file : str or Path, optional
        The file it was read from (named in errors; relative paths resolve against it).
    text : str
        The file's text, to find the line of a bad key.
    """
    from twin.scenarios.toml_io import line_of

    def err(msg, key):
        return InputError(msg, file=source_file, line=line_of(text, key), field=key)

    def check(table, allowed, prefix):
        if not isinstance(table, dict):
            raise err(f"'{prefix}' must be a table", prefix)
        for k in table:
            if k not in allowed:
                key = f"{prefix}.{k}" if prefix else k
                raise err(f"unknown key; expected one of {', '.join(sorted(allowed))}", key)

    check(d, {"name", "description", "rainfall", "modify", "simulation"}, "")
    rain = d.get("rainfall", {"source": "network"})
    mod = d.get("modify", {})
    sim = d.get("simulation", {})
    check(rain, RAIN_KEYS, "rainfall")
    check(mod, MODIFY_KEYS, "modify")
    check(sim, SIM_KEYS, "simulation")
    kw = dict(
        name=str(d.get("name", Path(source_file).stem if source_file else "scenario")),
        description=str(d.get("description", "")),
        rainfall=dict(rain),
        source_file=str(source_file) if source_file else None,
    )

    def number(value, key, minimum=-np.inf, maximum=np.inf):
        low, high = scenario_range(key)
        try:
            return checked_number(value, key, max(minimum, low), min(maximum, high))
        except InputError as exc:
            raise err(exc.message, key) from None

    check_rainfall_values(rain, number, err)
    for k, least in (("scale", 0.0), ("climate_factor", 0.0), ("time_shift_min", -np.inf)):
        if k in mod:
            kw[k] = number(mod[k], f"modify.{k}", least)
    for k in ("blockage", "initial_depth_m", "outfall_level"):
        if k in mod:
            check(mod[k], set(mod[k]), f"modify.{k}")
            kw[k] = dict(mod[k])
            for name, v in kw[k].items():
                key = f"modify.{k}.{name}"
                if k == "blockage":
                    number(v, key, 0.0, MAX_BLOCKAGE)
                elif k == "initial_depth_m":
                    number(v, key, 0.0)
                elif not isinstance(v, dict):  # a fixed outfall level [m]
                    number(v, key)
                else:  # a level series
                    check(v, {"times_h", "level_m"}, key)
                    for part in ("times_h", "level_m"):
                        series = v.get(part)
                        if not isinstance(series, list) or not series:
                            raise err("expected a list of numbers", f"{key}.{part}")
                        for x in series:
                            number(x, f"{key}.{part}")
    for k, name_key in (("pump_failure", "pump"), ("settings", "link"), ("lids", "control")):
        if k in mod:
            entries = mod[k]
            if not isinstance(entries, list) or not all(
                isinstance(e, dict) and name_key in e for e in entries
            ):
                raise err(f"expected a list of tables with '{name_key}'", f"modify.{k}")
            kw[k] = [dict(e) for e in entries]
    if "controls" in mod:
        if str(mod["controls"]).lower() not in ("append", "replace"):
            raise err(f"expected 'append' or 'replace', got {mod['controls']!r}", "modify.controls")
        kw["controls"] = str(mod["controls"]).lower()
    for k in ("rules", "control_file"):
        if k in mod:
            if not isinstance(mod[k], str):
                raise err("expected a string", f"modify.{k}")
            kw[k] = mod[k]
    if "start" in sim:
        if isinstance(sim["start"], datetime.datetime | datetime.date):  # a TOML date-time
            sim = {**sim, "start": sim["start"].isoformat()}
        if not isinstance(sim["start"], str):
            raise err(f"expected an ISO date-time, got {sim['start']!r}", "simulation.start")
        try:
            np.datetime64(str(sim["start"]), "s")
        except ValueError:
            raise err(
                f"expected an ISO date-time, got {sim['start']!r}", "simulation.start"
            ) from None
        kw["start"] = str(sim["start"])
    if "tail_hours" in sim:
        kw["tail_hours"] = number(sim["tail_hours"], "simulation.tail_hours", 0.0)
    if "options" in sim:
        from twin.engine.options import SimOptions

        names = {f.name for f in dataclasses.fields(SimOptions)} | {"end_hours"}
        check(sim["options"], names, "simulation.options")
        kw["options"] = dict(sim["options"])
    try:
        source = source_of(kw["rainfall"])
        if source not in SOURCES:
            raise InputError(f"must be one of {', '.join(SOURCES)}", field="rainfall.source")
        if source in ("design", "preset"):
            storm_of(kw["rainfall"])
    except InputError as exc:
        key = (
            exc.field
            if exc.field and exc.field.startswith("rainfall")
            else (f"rainfall.{exc.field}" if exc.field else "rainfall")
        )
        raise err(exc.message, key) from None
    return kw
