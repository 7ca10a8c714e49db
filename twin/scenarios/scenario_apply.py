"""How a :class:`~twin.scenarios.scenario.Scenario` transforms a Network.

:func:`apply_scenario` copies the network and writes the scenario into it in SWMM
constructs (see :mod:`twin.scenarios.modify`): the rainfall source
(:mod:`twin.scenarios.rain_sources`), its scaling and time shift, the simulation
window, blocked links, initial depths, outfall levels, added LIDs and the control rules,
pump failures and fixed settings. Errors in the ``[modify]`` table name the
scenario file (or the control file), the line and the key.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError, checked_number
from twin.scenarios import modify
from twin.scenarios.rain_sources import apply_rainfall

__all__ = ["apply_scenario"]


def apply_scenario(sc, net):
    """A modified copy of ``net`` (the input is never changed).

    Parameters
    ----------
    sc : Scenario
    net : Network

    Returns
    -------
    Network
    """
    from twin.engine.options import SimOptions

    out = modify.copy_network(net)
    opts = SimOptions.from_network(net)
    start = np.datetime64(sc.start, "s") if sc.start else None
    # rain_h: duration of the rain [h], None: keep the network's window
    rain_h, first = apply_rainfall(out, sc.rainfall, sc._resolve)
    if start is None:
        start = first if first is not None else opts.start
    factor = float(sc.scale) * float(sc.climate_factor)
    if factor != 1.0:
        modify.scale_rainfall(out, factor)
    if sc.time_shift_min:
        modify.shift_rainfall(out, sc.time_shift_min)
    if rain_h is not None or sc.start:
        if rain_h is None:
            rain_h = opts.duration_s / 3600.0 - float(sc.tail_hours)
        total_h = max(rain_h + sc.time_shift_min / 60.0, 0.0) + float(sc.tail_hours)
        if total_h <= 0:
            raise InputError("the simulation would have no duration", field="tail_hours")
        end = start + np.timedelta64(int(round(total_h * 3600)), "s")
        modify.set_window(out, start, end)
    if sc.blockage:
        modify.block_links(out, sc.blockage)
    if sc.initial_depth_m:
        modify.set_initial_depths(out, sc.initial_depth_m)
    if sc.outfall_level:
        modify.set_outfall_levels(out, outfall_levels(sc.outfall_level))
    if sc.lids:
        from twin.scenarios.modify_lids import add_lids

        try:
            add_lids(out, sc.lids)
        except InputError as exc:
            key = f"modify.{exc.field}" if exc.field else "modify"
            raise InputError(exc.message, file=sc.source_file or exc.file, field=key) from None
    _apply_controls(sc, out)
    return out


def outfall_levels(outfall_level: dict) -> dict:
    """``[modify.outfall_level]`` as :func:`~twin.scenarios.modify.set_outfall_levels` takes it.

    A number stays a fixed level [m]; ``{"times_h": [...], "level_m": [...]}`` becomes
    the pair ``(times_h, level_m)``.
    """
    levels = {}
    for k, v in outfall_level.items():
        if isinstance(v, dict):
            if "times_h" not in v or "level_m" not in v:
                raise InputError(
                    "an outfall level series needs times_h and level_m",
                    field=f"outfall_level.{k}",
                )
            levels[k] = (v["times_h"], v["level_m"])
        else:
            levels[k] = checked_number(v, f"outfall_level.{k}")
    return levels


def _apply_controls(sc, out) -> None:
    """Rules, pump failures and settings -> the network's [CONTROLS] (errors name the file)."""
    from twin.engine.controls_parse import parse_rules

    file = sc.source_file
    try:
        text = sc.rules
        if sc.control_file:
            from twin.files import read_input_text

            path = sc._resolve(sc.control_file)
            file = str(path)
            body = read_input_text(path, what="control file", field="modify.control_file")
            text = (text + "\n" if text else "") + body
        if text.strip():
            parse_rules(
                text, out, file=file, first_line=1 if sc.control_file and not sc.rules else None
            )
        if text.strip() or sc.controls != "append":
            modify.set_controls(out, text, sc.controls)
        file = sc.source_file
        if sc.pump_failure:
            modify.fail_pumps(out, sc.pump_failure)
        if sc.settings:
            modify.set_link_settings(out, sc.settings)
    except InputError as exc:
        if exc.file:
            raise
        key = f"modify.{exc.field}" if exc.field else "modify"
        line = _line_of(file, key) if file and file == sc.source_file else None
        raise InputError(exc.message, file=file, line=line, field=key) from None


def _line_of(file, key: str) -> int | None:
    """The line of ``key`` (``modify.settings[1].link``: ``link`` in the second
    ``[[modify.settings]]``) in ``file``."""
    from twin.files import read_input_text
    from twin.scenarios.toml_io import line_of

    try:
        text = read_input_text(file, what="scenario file")
    except InputError:
        return None
    return line_of(text, key)
