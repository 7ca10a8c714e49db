"""A scenario's ``[simulation.options]`` written into a network's own [OPTIONS].

``twin run`` hands a scenario's options to its :class:`~twin.engine.simulation.Simulation`
directly. ``twin control`` runs EPA SWMM as the plant (the network written as an
``.inp``) and the twin's members from the same network, so the options have to be in
the network's [OPTIONS] for both to see them. Only what SWMM's [OPTIONS] can say is
written; the twin's own settings (``solver``, ``newton_*``) and the flow units (every
number in the file is in them) are refused, naming the scenario file and the key.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.networks.units import length_to_m, unit_system_of

#: SimOptions field -> (SWMM keyword, how the value is written)
_KEYWORDS = {
    "report_step_s": ("REPORT_STEP", "clock"),
    "wet_step_s": ("WET_STEP", "clock"),
    "dry_step_s": ("DRY_STEP", "clock"),
    "rule_step_s": ("RULE_STEP", "clock"),
    "routing_step_s": ("ROUTING_STEP", "seconds"),
    "lengthening_step_s": ("LENGTHENING_STEP", "seconds"),
    "start_dry_days": ("DRY_DAYS", "number"),
    "variable_step": ("VARIABLE_STEP", "number"),
    "min_step_s": ("MINIMUM_STEP", "number"),
    "max_trials": ("MAX_TRIALS", "integer"),
    "threads": ("THREADS", "integer"),
    "min_slope": ("MIN_SLOPE", "percent"),
    "sys_flow_tol": ("SYS_FLOW_TOL", "percent"),
    "lat_flow_tol": ("LAT_FLOW_TOL", "percent"),
    "head_tolerance_m": ("HEAD_TOLERANCE", "length"),
    "min_surfarea_m2": ("MIN_SURFAREA", "area"),
    "allow_ponding": ("ALLOW_PONDING", "yes_no"),
    "skip_steady_state": ("SKIP_STEADY_STATE", "yes_no"),
    "ignore_rainfall": ("IGNORE_RAINFALL", "yes_no"),
    "ignore_routing": ("IGNORE_ROUTING", "yes_no"),
    "flow_routing": ("FLOW_ROUTING", "word"),
    "inertial_damping": ("INERTIAL_DAMPING", "word"),
    "normal_flow_limited": ("NORMAL_FLOW_LIMITED", "word"),
    "force_main_equation": ("FORCE_MAIN_EQUATION", "word"),
    "link_offsets": ("LINK_OFFSETS", "word"),
    "surcharge_method": ("SURCHARGE_METHOD", "word"),
    "infiltration": ("INFILTRATION", "enum"),
}


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _written(kind: str, value, unit_len: float) -> str:
    if kind == "clock":
        return _clock(float(value))
    if kind == "integer":
        return str(int(value))
    if kind == "percent":
        return repr(100.0 * float(value))
    if kind == "length":
        return repr(float(value) / unit_len)
    if kind == "area":
        return repr(float(value) / unit_len**2)
    if kind == "yes_no":
        return "YES" if value else "NO"
    if kind == "word":
        return str(value).upper()
    if kind == "enum":
        return value.name
    return repr(float(value))  # seconds, number


def _line(source, key):
    """The line of ``key`` in the TOML file ``source`` (None when not known)."""
    from twin.scenarios.toml_io import line_of

    try:
        return line_of(Path(source).read_text(encoding="utf-8"), key) if source else None
    except (OSError, UnicodeDecodeError):
        return None


def options_into_network(net, overrides: dict, source=None, what: str = "twin control"):
    """A copy of ``net`` whose [OPTIONS] carry ``overrides`` (SimOptions fields and
    ``end_hours``, the run's length [h] from its start), checked as a run checks them.

    Raises InputError naming ``source`` and ``simulation.options.KEY`` for a value out
    of range and for a setting SWMM's [OPTIONS] cannot hold (``what`` says who refuses).
    """
    from twin.engine.options import SimOptions
    from twin.engine.simulation import run_options
    from twin.scenarios.modify import copy_network, set_window

    def refused(key, message):
        field = f"simulation.options.{key}"
        return InputError(message, file=source, line=_line(source, field), field=field)

    for key in overrides:
        if key != "end_hours" and key not in _KEYWORDS:
            raise refused(key, f"{what} runs EPA SWMM's scheme from the network's [OPTIONS], "
                          "which cannot hold this setting; leave it out here (twin run and "
                          "twin ensemble take it)")  # fmt: skip
    try:
        opts = run_options(net, **dict(overrides))
    except InputError as exc:
        raise refused(exc.field or "", exc.message) from None
    out = copy_network(net)
    unit_len = length_to_m(unit_system_of(opts.flow_units))  # m per file length unit
    for key in overrides:
        if key == "end_hours":
            set_window(out, opts.start, opts.end)
            for part in ("DATE", "TIME"):  # the report starts where it did
                key_ = f"REPORT_START_{part}"
                out.options[key_] = net.options.get(key_, out.options[f"START_{part}"])
            continue
        keyword, kind = _KEYWORDS[key]
        out.options[keyword] = _written(kind, getattr(opts, key), unit_len)
    # what the network now says is what a run with the overrides would use
    got = SimOptions.from_network(out)
    for f in dataclasses.fields(SimOptions):
        a, b = getattr(got, f.name), getattr(opts, f.name)
        same = np.isclose(a, b, rtol=1e-9, atol=0.0) if isinstance(a, float) else a == b
        if not same:
            raise refused(f.name, f"cannot be written as SWMM's [OPTIONS] exactly "
                          f"({b!r} would read back as {a!r})")  # fmt: skip
    return out
