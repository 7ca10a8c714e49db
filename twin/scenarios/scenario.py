"""A scenario: rainfall + boundary conditions + what-if modifications, as a Network transform.

``Scenario.apply(net)`` returns a modified copy of the Network written in SWMM
constructs (see :mod:`twin.scenarios.modify`), so the engine and SWMM run it alike.

Scenario file (TOML)::

    name = "seoul-100mmh"
    [rainfall]
    source = "preset"          # design | preset | gauge | radar | network
    preset = "seoul-100mmh"    # design: pattern, duration_min, step_min and one of
                               #   depth_mm, intensity_mmh, return_period (+ [rainfall.idf])
                               # gauge: path (.csv or SWMM .dat), form, interval_min, station
                               # radar: path (NetCDF), variable, member
    [modify]
    scale = 1.0                # rainfall multiplier
    climate_factor = 1.0       # a second multiplier (e.g. 1.2 for +20 %)
    time_shift_min = 0.0       # delay of the rainfall after the start
    [modify.blockage]          # link = fraction of flow area blocked
    [modify.initial_depth_m]   # node = depth [m]
    [modify.outfall_level]     # outfall = level [m] or {times_h = [...], level_m = [...]}
    # what-if operations, as SWMM [CONTROLS] rules (see twin.scenarios.modify):
    # pump_failure = [{pump = "PS1", from_h = 1.0, to_h = 2.0}]   # to_h optional
    # settings = [{link = "OR1", setting = 0.3, from_h = 0.5}]      # to_h optional
    # controls = "append"      # or "replace": the network's rules by rules / control_file
    # rules = "RULE R1 ..."    # SWMM rule text (a TOML multi-line string)
    # control_file = "rules.txt" # SWMM rule text in a file (relative to this file)
    # [[modify.lids]]          # LIDs added (twin.scenarios.modify_lids), e.g.
    # control = "permeable_pavement"; subcatchments = ["S1"]; area_pct = 20
    [simulation]
    start = "2024-07-15T00:00:00"   # default: the network's start (gauge/radar: first reading)
    tail_hours = 2.0                # run this long after the rain ends
    [simulation.options]            # SimOptions overrides, e.g. report_step_s = 60

This module holds the :class:`Scenario` API; the work is done in
:mod:`twin.scenarios.rain_sources` (rainfall sources), :mod:`twin.scenarios.scenario_apply`
(the Network transform) and :mod:`twin.scenarios.scenario_table` (the TOML table).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from twin.errors import InputError
from twin.scenarios.idf import IDF
from twin.scenarios.rain_sources import DESIGN_KEYS, SOURCES, source_of, storm_of
from twin.scenarios.scenario_apply import apply_scenario
from twin.scenarios.scenario_table import scenario_fields, scenario_table

__all__ = ["SOURCES", "Scenario", "load_scenario"]

_DATA = Path(__file__).parent / "data"  # the bundled scenario files


@dataclass
class Scenario:
    """Rainfall, boundary levels and modifications applied to a Network.

    Parameters
    ----------
    name : str
    rainfall : dict
        ``{"source": ..., ...}`` as in the module docstring (default: the network's own
        gauges).
    scale, climate_factor, time_shift_min : float
    blockage : dict, link -> fraction of flow area
    initial_depth_m : dict, node -> m
    outfall_level : dict, outfall -> m or ``{"times_h": [...], "level_m": [...]}``
    pump_failure : list of dict
        ``{"pump", "from_h", "to_h"}``: pumps switched off for a window (control rules).
    settings : list of dict
        ``{"link", "setting", "from_h", "to_h"}``: fixed pump / gate settings (rules).
    lids : list of dict
        LID units added to subcatchments (:mod:`twin.scenarios.modify_lids`).
    controls : {"append", "replace"}
        What ``rules`` / ``control_file`` do to the network's own [CONTROLS].
    rules : str
        SWMM control rule text.
    control_file : str, optional
        A file of SWMM control rules (relative to the scenario file).
    start : str, optional
        ISO date-time of the simulation start.
    tail_hours : float
        Simulated time after the rain ends.
    options : dict
        :class:`~twin.engine.options.SimOptions` overrides for the run.

    Examples
    --------
    >>> sc = Scenario.design("huff3", depth_mm=100, duration_min=60)
    >>> sc.rainfall["pattern"]
    'huff3'
    """

    name: str = "scenario"
    description: str = ""
    rainfall: dict = field(default_factory=lambda: {"source": "network"})
    scale: float = 1.0
    climate_factor: float = 1.0
    time_shift_min: float = 0.0
    blockage: dict = field(default_factory=dict)
    initial_depth_m: dict = field(default_factory=dict)
    outfall_level: dict = field(default_factory=dict)
    pump_failure: list = field(default_factory=list)
    settings: list = field(default_factory=list)
    lids: list = field(default_factory=list)
    controls: str = "append"
    rules: str = ""
    control_file: str | None = None
    start: str | None = None
    tail_hours: float = 2.0
    options: dict = field(default_factory=dict)
    source_file: str | None = field(default=None, repr=False, compare=False)

    # -- constructors -----------------------------------------------------------
    @classmethod
    def design(cls, pattern="alternating_block", name=None, **kw) -> Scenario:
        """A design-storm scenario; ``kw`` as :func:`~twin.scenarios.design_storm`."""
        bad = set(kw) - DESIGN_KEYS
        if bad:
            raise InputError(f"unknown design-storm settings: {', '.join(sorted(bad))}")
        if isinstance(kw.get("idf"), IDF):
            kw["idf"] = kw["idf"].to_table()
        sc = cls(
            name=name or f"design-{pattern}",
            rainfall={"source": "design", "pattern": pattern, **kw},
        )
        sc.storm()  # validate now
        return sc

    @classmethod
    def preset(cls, name: str) -> Scenario:
        sc = cls(name=name, rainfall={"source": "preset", "preset": name})
        sc.storm()
        return sc

    def replace(self, **changes) -> Scenario:
        """A copy with some fields changed (``rainfall`` entries merge)."""
        if "rainfall" in changes:
            changes["rainfall"] = {**self.rainfall, **changes["rainfall"]}
        return dataclasses.replace(self, **changes)

    # -- rainfall -----------------------------------------------------------------
    @property
    def source(self) -> str:
        return source_of(self.rainfall)

    def storm(self):
        """The design storm's :class:`~twin.scenarios.hyetographs.Hyetograph` (design/preset)."""
        return storm_of(self.rainfall)

    def _resolve(self, path) -> Path:
        p = Path(path)
        if not p.is_absolute() and self.source_file:
            p = Path(self.source_file).parent / p
        return p

    # -- the transformation --------------------------------------------------------
    def apply(self, net):
        """A modified copy of ``net`` (the input is never changed)."""
        return apply_scenario(self, net)

    # -- files ----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The scenario as a TOML table (:func:`~twin.scenarios.scenario_table.scenario_table`)."""
        return scenario_table(self)

    @classmethod
    def from_dict(cls, d: dict, source_file=None, text: str = "") -> Scenario:
        """A scenario from a TOML table; errors name ``source_file``, line (in ``text``), key."""
        return cls(**scenario_fields(d, source_file=source_file, text=text))

    @classmethod
    def from_file(cls, path) -> Scenario:
        """Read a scenario TOML file (errors name the file, line and key)."""
        from twin.scenarios.toml_io import load

        table, text = load(path)
        return cls.from_dict(table, source_file=path, text=text)

    def to_file(self, path) -> Path:
        """Write the scenario as TOML, whole or not at all (:func:`twin.files.write_text`;
        only a regular file is replaced, missing folders are created)."""
        from twin.files import check_output, write_text
        from twin.scenarios.toml_io import dumps

        path = check_output(path, suffixes=(".toml",))
        return write_text(path, dumps(self.to_dict()))


def load_scenario(name_or_path) -> Scenario:
    """A Scenario from a bundled name (``twin scenarios`` lists them) or a TOML path."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    p = Path(str(name_or_path))
    if p.suffix.lower() != ".toml" or not p.exists():
        bundled = _DATA / f"{p.stem if p.suffix else p.name}.toml"
        if bundled.exists() and not p.exists():
            p = bundled
    return Scenario.from_file(p)


def bundled_scenarios() -> dict[str, Scenario]:
    """The scenario files shipped in ``twin/scenarios/data``, by name."""
    return {p.stem: Scenario.from_file(p) for p in sorted(_DATA.glob("*.toml"))}
