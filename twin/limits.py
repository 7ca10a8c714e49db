"""Physical ranges of the numbers a user gives: ``.inp`` fields, scenario keys, options.

One table per kind of input; a number outside its range is an
:class:`~twin.errors.InputError` naming the field (exit 2), so that no infinity or
overflow reaches a simulation. The bounds on a run's total work (routing steps, element-
steps) live here too; :mod:`twin.engine.workload` applies them. Ranges follow the SWMM
5.2 user's manual where it gives one (percentages 0-100, Manning's n, fractions) and
otherwise bound what is physically possible with a wide margin (a conduit of 100 km, a
week-long storm, rain of 2,000 mm/h, which is above the world's one-minute record). A
number of an ``.inp`` field not listed here must lie within +-1e12 (``INP_ANY``), enough
for map coordinates and storage volumes in any unit.
"""

from __future__ import annotations

import math

#: bound on the magnitude of any ``.inp`` number without a range of its own
INP_ANY = 1e12

#: (section, field) -> (low, high) in the file's units (ft or m, in or mm, acres or ha)
INP_RANGES = {
    ("CONDUITS", "Length"): (0.0, 1e5),
    ("CONDUITS", "Roughness"): (0.0, 1.0),
    ("CONDUITS", "InOffset"): (-1e5, 1e5),
    ("CONDUITS", "OutOffset"): (-1e5, 1e5),
    ("JUNCTIONS", "Elevation"): (-1e5, 1e5),
    ("JUNCTIONS", "MaxDepth"): (0.0, 1e4),
    ("JUNCTIONS", "InitDepth"): (0.0, 1e4),
    ("JUNCTIONS", "SurDepth"): (0.0, 1e4),
    ("OUTFALLS", "Elevation"): (-1e5, 1e5),
    ("STORAGE", "Elevation"): (-1e5, 1e5),
    ("STORAGE", "MaxDepth"): (0.0, 1e4),
    ("STORAGE", "InitDepth"): (0.0, 1e4),
    ("DIVIDERS", "Elevation"): (-1e5, 1e5),
    ("XSECTIONS", "Geom1"): (0.0, 1e4),
    ("XSECTIONS", "Geom2"): (0.0, 1e4),
    ("XSECTIONS", "Geom3"): (-1e4, 1e4),
    ("XSECTIONS", "Geom4"): (-1e4, 1e4),
    ("SUBCATCHMENTS", "Area"): (0.0, 1e7),
    ("SUBCATCHMENTS", "%Imperv"): (0.0, 1e6),  # SWMM reads any and caps it at 100
    ("SUBCATCHMENTS", "Width"): (0.0, 1e8),
    ("SUBCATCHMENTS", "%Slope"): (0.0, 1000.0),
    ("SUBAREAS", "N-Imperv"): (0.0, 10.0),
    ("SUBAREAS", "N-Perv"): (0.0, 10.0),
    ("SUBAREAS", "S-Imperv"): (0.0, 1e4),
    ("SUBAREAS", "S-Perv"): (0.0, 1e4),
    ("SUBAREAS", "PctZero"): (0.0, 100.0),
    ("SUBAREAS", "PctRouted"): (0.0, 100.0),
    ("PUMPS", "Startup"): (0.0, 1e4),
    ("PUMPS", "Shutoff"): (0.0, 1e4),
    # [HYDROGRAPHS]: response ratio, time to peak [h], recession ratio, abstraction depths
    **{
        ("HYDROGRAPHS", f): (-1e6, 1e6) for f in ("R", "R1", "R2", "R3", "Dmax", "Drecov", "Dinit")
    },  # fmt: skip
    **{("HYDROGRAPHS", f): (-1e5, 1e5) for f in ("T", "T1", "T2", "T3", "K", "K1", "K2", "K3")},
    ("RDII", "SewerArea"): (0.0, 1e7),
}

#: scenario key (dotted, as in the TOML file) -> (low, high)
SCENARIO_RANGES = {
    "modify.scale": (0.0, 100.0),
    "modify.climate_factor": (0.0, 10.0),
    "modify.time_shift_min": (-20160.0, 20160.0),  # two weeks either way
    "modify.initial_depth_m": (0.0, 1000.0),
    "modify.outfall_level": (-1e4, 1e4),  # m
    "modify.outfall_level.times_h": (-8784.0, 87840.0),
    "modify.outfall_level.level_m": (-1e4, 1e4),
    "simulation.tail_hours": (0.0, 8784.0),  # a leap year
    "rainfall.duration_min": (0.0, 10080.0),  # a week
    "rainfall.step_min": (1 / 60, 1440.0),  # a second at least
    "rainfall.depth_mm": (0.0, 1e4),
    "rainfall.intensity_mmh": (0.0, 2000.0),
    "rainfall.return_period": (0.0, 1e6),
    "rainfall.interval_min": (1 / 60, 1440.0),
    "rainfall.member": (0.0, 1e6),
    "rainfall.depths_mm": (0.0, 1e5),
}

#: simulation options -> (low, high): hours, counts
OPTION_RANGES = {
    "end_hours": (0.0, 87840.0),  # ten years
    # steps [s]: SWMM's smallest time step is 0.001 s and its report times whole seconds;
    # a day is the longest step that still samples a storm
    "routing_step_s": (0.001, 86400.0),
    "report_step_s": (1.0, 86400.0 * 366),
    "wet_step_s": (0.001, 86400.0),
    "dry_step_s": (0.001, 86400.0 * 31),
    "rule_step_s": (0.0, 86400.0),
    "min_step_s": (0.0, 86400.0),
    "lengthening_step_s": (0.0, 86400.0),
    "threads": (0, 1024),
    "max_trials": (0, 1000),
}

#: bounds on the work of a whole run, checked before it starts (twin.engine.workload;
#: the step sizes themselves are bounded above, in OPTION_RANGES):
#: routing steps of one run (10 years of simulated time at 0.3 s) ...
MAX_ROUTING_STEPS = 1e9
#: ... and element-steps (routing steps x nodes and links, summed over members): weeks
#: of computing at a million element-steps per second
MAX_ELEMENT_STEPS = 1e13

#: command-line numbers: option -> (low, high)
CLI_RANGES = {
    "conduits": (1, 1_000_000),
    "members": (1, 100_000),
}

#: the operational twin's times [min] (``twin watch``, ``twin.Twin``): a second to a day
#: between cycles or updates, up to two days of forecast; and its warning thresholds
#: (:class:`twin.ops.warnings.WarningSettings`, ``twin watch --rain-mmh`` ...): a rain
#: rate up to 500 mm/h (beyond the world record's hour), a 15-minute depth up to 200 mm,
#: the forecast rain judged up to two days ahead (0: observed only), a road depth of a
#: millimetre to 10 m, a flood probability above 0 up to 1; the warning book's hysteresis
#: 0-1 (the lower bound ``probability - hysteresis``; at or below 0 a warning is cancelled
#: only when no member floods), its update steps 0.01-1 in probability and a second to a
#: day in the expected time, and the hold past the expected flood 0 to a day [min]
WATCH_RANGES = {
    "cycle_min": (1 / 60, 1440.0),
    "assimilate_min": (1 / 60, 1440.0),
    "horizon_min": (1 / 60, 2880.0),
    "sample_s": (1.0, 86400.0),
    "rain_mmh": (0.1, 500.0),
    "rain_15min_mm": (0.1, 200.0),
    "rain_forecast_min": (0.0, 2880.0),
    "road_depth_m": (0.001, 10.0),
    "probability": (0.01, 1.0),
    "hysteresis": (0.0, 1.0),
    "probability_step": (0.01, 1.0),
    "time_step_min": (1 / 60, 1440.0),
    "hold_expected_min": (0.0, 1440.0),
}

#: ``twin watch --latency-min`` [min]: how long a cycle waits for a sensor behind the
#: feed's clock, 0 (not at all) to a day
LATENCY_RANGE = (0.0, 1440.0)


def scenario_range(key: str) -> tuple[float, float]:
    """The range of a scenario key; keys under a listed table take the table's range
    (``modify.outfall_level.OF1`` -> ``modify.outfall_level``)."""
    parts = key.split(".")
    while parts:
        found = SCENARIO_RANGES.get(".".join(parts))
        if found is not None:
            return found
        if len(parts) >= 3:  # a key inside a named entry: drop the name
            alt = ".".join(parts[:2] + parts[3:])
            if alt in SCENARIO_RANGES:
                return SCENARIO_RANGES[alt]
        parts = parts[:-1]
    return (-math.inf, math.inf)
