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
    [simulation]
    start = "2024-07-15T00:00:00"   # default: the network's start (gauge/radar: first reading)
    tail_hours = 2.0                # run this long after the rain ends
    [simulation.options]            # SimOptions overrides, e.g. report_step_s = 60
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.scenarios import modify
from twin.scenarios.idf import IDF
from twin.scenarios.presets import design_storm, preset

__all__ = ["SOURCES", "Scenario", "load_scenario"]

SOURCES = ("design", "preset", "gauge", "radar", "network")
_DESIGN_KEYS = {
    "pattern",
    "duration_min",
    "step_min",
    "depth_mm",
    "intensity_mmh",
    "return_period",
    "idf",
    "depths_mm",
    "peak_fraction",
    "peak_ratio",
}
_RAIN_KEYS = {
    "source",
    "preset",
    "path",
    "form",
    "interval_min",
    "station",
    "variable",
    "member",
} | _DESIGN_KEYS
_MODIFY_KEYS = {
    "scale",
    "climate_factor",
    "time_shift_min",
    "blockage",
    "initial_depth_m",
    "outfall_level",
    "pump_failure",
    "settings",
    "controls",
    "rules",
    "control_file",
}
_SIM_KEYS = {"start", "tail_hours", "options"}


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
        bad = set(kw) - _DESIGN_KEYS
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
        return str(self.rainfall.get("source", "network")).lower()

    def storm(self):
        """The design storm's :class:`~twin.scenarios.hyetographs.Hyetograph` (design/preset)."""
        r = self.rainfall
        if self.source == "preset":
            return preset(str(r.get("preset", "")))
        if self.source != "design":
            raise InputError(
                f"rainfall source {self.source!r} has no design storm", field="rainfall.source"
            )
        kw = {k: v for k, v in r.items() if k in _DESIGN_KEYS}
        if isinstance(kw.get("idf"), dict):
            kw["idf"] = IDF.from_table(kw["idf"])
        if isinstance(kw.get("depths_mm"), dict):
            kw["depths_mm"] = {float(k): float(v) for k, v in kw["depths_mm"].items()}
        return design_storm(**kw)

    def _resolve(self, path) -> Path:
        p = Path(path)
        if not p.is_absolute() and self.source_file:
            p = Path(self.source_file).parent / p
        return p

    # -- the transformation --------------------------------------------------------
    def apply(self, net):
        """A modified copy of ``net`` (the input is never changed)."""
        from twin.engine.options import SimOptions

        out = modify.copy_network(net)
        opts = SimOptions.from_network(net)
        start = np.datetime64(self.start, "s") if self.start else None
        rain_h = None  # duration of the rain [h], None: keep the network's window
        src = self.source
        n_sub = net.n_subcatchments
        if src not in SOURCES:
            raise InputError(
                f"rainfall source must be one of {', '.join(SOURCES)}, got {src!r}",
                field="rainfall.source",
            )
        if src in ("design", "preset"):
            h = self.storm()
            t_h = np.append(h.start_min / 60.0, h.duration_min / 60.0)
            rate = np.append(h.intensity_mmh, 0.0)
            modify.replace_rainfall(
                out, [(t_h, rate)], np.zeros(n_sub, np.int64), h.step_min * 60.0
            )
            rain_h = h.duration_min / 60.0
        elif src == "gauge":
            rain_h, first = self._apply_gauge(out, n_sub)
            start = start if start is not None else first
        elif src == "radar":
            rain_h, first = self._apply_radar(out)
            start = start if start is not None else first
        if start is None:
            start = opts.start
        factor = float(self.scale) * float(self.climate_factor)
        if factor != 1.0:
            modify.scale_rainfall(out, factor)
        if self.time_shift_min:
            modify.shift_rainfall(out, self.time_shift_min)
        if rain_h is not None or self.start:
            if rain_h is None:
                rain_h = opts.duration_s / 3600.0 - float(self.tail_hours)
            total_h = max(rain_h + self.time_shift_min / 60.0, 0.0) + float(self.tail_hours)
            if total_h <= 0:
                raise InputError("the simulation would have no duration", field="tail_hours")
            end = start + np.timedelta64(int(round(total_h * 3600)), "s")
            modify.set_window(out, start, end)
        if self.blockage:
            modify.block_links(out, self.blockage)
        if self.initial_depth_m:
            modify.set_initial_depths(out, self.initial_depth_m)
        if self.outfall_level:
            modify.set_outfall_levels(out, self._levels())
        self._apply_controls(out)
        return out

    def _apply_controls(self, out) -> None:
        """Rules, pump failures and settings -> the network's [CONTROLS] (errors name the file)."""
        from twin.engine.controls_parse import parse_rules

        file = self.source_file
        try:
            text = self.rules
            if self.control_file:
                path = self._resolve(self.control_file)
                file = str(path)
                try:
                    text = (text + "\n" if text else "") + path.read_text(encoding="utf-8")
                except OSError as exc:
                    raise InputError(
                        f"cannot read control file: {exc}", field="control_file"
                    ) from None
            if text.strip():
                parse_rules(
                    text,
                    out,
                    file=file,
                    first_line=1 if self.control_file and not self.rules else None,
                )
            if text.strip() or self.controls != "append":
                modify.set_controls(out, text, self.controls)
            file = self.source_file
            if self.pump_failure:
                modify.fail_pumps(out, self.pump_failure)
            if self.settings:
                modify.set_link_settings(out, self.settings)
        except InputError as exc:
            if exc.file:
                raise
            key = f"modify.{exc.field}" if exc.field else "modify"
            raise InputError(
                exc.message, file=file, line=self._line_of(file, key), field=key
            ) from None

    def _line_of(self, file, key: str) -> int | None:
        """The line of ``key`` (``modify.settings[1].link`` -> ``modify.settings``) in ``file``."""
        from twin.scenarios.toml_io import line_of

        if not file or file != self.source_file:
            return None
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError:
            return None
        return line_of(text, key.split("[")[0])

    def _apply_gauge(self, out, n_sub):
        from twin.scenarios.observed import read_gauge

        r = self.rainfall
        if "path" not in r:
            raise InputError("a gauge rainfall needs 'path'", field="rainfall.path")
        times, rate, interval_s = read_gauge(
            self._resolve(r["path"]),
            r.get("form", "volume"),
            r.get("interval_min"),
            r.get("station", ""),
        )
        first = times[0]
        t_h = (times - first).astype(np.float64) / 3600.0
        t_h, rate = np.append(t_h, t_h[-1] + interval_s / 3600.0), np.append(rate, 0.0)
        modify.replace_rainfall(out, [(t_h, rate)], np.zeros(n_sub, np.int64), interval_s)
        return float(t_h[-1]), first

    def _apply_radar(self, out):
        from twin.scenarios.radar import read_grid, subcatchment_weights

        r = self.rainfall
        if "path" not in r:
            raise InputError("a radar rainfall needs 'path'", field="rainfall.path")
        grid = read_grid(self._resolve(r["path"]), r.get("variable") or None)
        if "member" in grid.dims:
            m = r.get("member")
            if m is None:
                raise InputError(
                    "the grid has members: say which with rainfall.member", field="rainfall.member"
                )
            if not 0 <= int(m) < grid.sizes["member"]:
                raise InputError(
                    f"member {m} not in 0..{grid.sizes['member'] - 1}", field="rainfall.member"
                )
            grid = grid.isel(member=int(m))
        step_s = grid.attrs["step_s"]
        w = subcatchment_weights(out, grid["x"].values, grid["y"].values)
        rates = np.einsum("syx,tyx->st", w, grid.values)
        times = grid["time"].values.astype("datetime64[s]")
        t_h = (times - times[0]).astype(np.float64) / 3600.0
        t_h = np.append(t_h, t_h[-1] + step_s / 3600.0)
        series = [(t_h, np.append(rates[s], 0.0)) for s in range(len(rates))]
        modify.replace_rainfall(out, series, np.arange(len(rates)), step_s, prefix="RADAR")
        return float(t_h[-1]), times[0]

    def _levels(self) -> dict:
        levels = {}
        for k, v in self.outfall_level.items():
            if isinstance(v, dict):
                if "times_h" not in v or "level_m" not in v:
                    raise InputError(
                        "an outfall level series needs times_h and level_m",
                        field=f"outfall_level.{k}",
                    )
                levels[k] = (v["times_h"], v["level_m"])
            else:
                levels[k] = float(v)
        return levels

    # -- files ----------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = {"name": self.name}
        if self.description:
            d["description"] = self.description
        d["rainfall"] = dict(self.rainfall)
        d["modify"] = {
            "scale": float(self.scale),
            "climate_factor": float(self.climate_factor),
            "time_shift_min": float(self.time_shift_min),
            "blockage": dict(self.blockage),
            "initial_depth_m": dict(self.initial_depth_m),
            "outfall_level": dict(self.outfall_level),
        }
        if self.pump_failure:
            d["modify"]["pump_failure"] = [_no_none(f) for f in self.pump_failure]
        if self.settings:
            d["modify"]["settings"] = [_no_none(f) for f in self.settings]
        if self.controls != "append":
            d["modify"]["controls"] = self.controls
        if self.rules:
            d["modify"]["rules"] = self.rules
        if self.control_file:
            d["modify"]["control_file"] = self.control_file
        d["simulation"] = {
            "start": self.start,
            "tail_hours": float(self.tail_hours),
            "options": dict(self.options),
        }
        return d

    @classmethod
    def from_dict(cls, d: dict, source_file=None, text: str = "") -> Scenario:
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
        check(rain, _RAIN_KEYS, "rainfall")
        check(mod, _MODIFY_KEYS, "modify")
        check(sim, _SIM_KEYS, "simulation")
        kw = dict(
            name=str(d.get("name", Path(source_file).stem if source_file else "scenario")),
            description=str(d.get("description", "")),
            rainfall=dict(rain),
            source_file=str(source_file) if source_file else None,
        )
        for k in ("scale", "climate_factor", "time_shift_min"):
            if k in mod:
                try:
                    kw[k] = float(mod[k])
                except (TypeError, ValueError):
                    raise err(f"expected a number, got {mod[k]!r}", f"modify.{k}") from None
        for k in ("blockage", "initial_depth_m", "outfall_level"):
            if k in mod:
                check(mod[k], set(mod[k]), f"modify.{k}")
                kw[k] = dict(mod[k])
        for k, name_key in (("pump_failure", "pump"), ("settings", "link")):
            if k in mod:
                entries = mod[k]
                if not isinstance(entries, list) or not all(
                    isinstance(e, dict) and name_key in e for e in entries
                ):
                    raise err(f"expected a list of tables with '{name_key}'", f"modify.{k}")
                kw[k] = [dict(e) for e in entries]
        if "controls" in mod:
            if str(mod["controls"]).lower() not in ("append", "replace"):
                raise err(
                    f"expected 'append' or 'replace', got {mod['controls']!r}", "modify.controls"
                )
            kw["controls"] = str(mod["controls"]).lower()
        for k in ("rules", "control_file"):
            if k in mod:
                if not isinstance(mod[k], str):
                    raise err("expected a string", f"modify.{k}")
                kw[k] = mod[k]
        if "start" in sim:
            try:
                np.datetime64(str(sim["start"]), "s")
            except ValueError:
                raise err(
                    f"expected an ISO date-time, got {sim['start']!r}", "simulation.start"
                ) from None
            kw["start"] = str(sim["start"])
        if "tail_hours" in sim:
            kw["tail_hours"] = float(sim["tail_hours"])
        if "options" in sim:
            from twin.engine.options import SimOptions

            names = {f.name for f in dataclasses.fields(SimOptions)} | {"end_hours"}
            check(sim["options"], names, "simulation.options")
            kw["options"] = dict(sim["options"])
        sc = cls(**kw)
        try:
            if sc.source not in SOURCES:
                raise InputError(f"must be one of {', '.join(SOURCES)}", field="rainfall.source")
            if sc.source in ("design", "preset"):
                sc.storm()
        except InputError as exc:
            key = (
                exc.field
                if exc.field and exc.field.startswith("rainfall")
                else (f"rainfall.{exc.field}" if exc.field else "rainfall")
            )
            raise err(exc.message, key) from None
        return sc

    @classmethod
    def from_file(cls, path) -> Scenario:
        """Read a scenario TOML file (errors name the file, line and key)."""
        from twin.scenarios.toml_io import load

        table, text = load(path)
        return cls.from_dict(table, source_file=path, text=text)

    def to_file(self, path) -> Path:
        """Write the scenario as TOML, atomically."""
        import os
        import tempfile

        from twin.scenarios.toml_io import dumps

        path = Path(path)
        text = dumps(self.to_dict())
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        return path


def _no_none(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if v is not None}


def load_scenario(name_or_path) -> Scenario:
    """A Scenario from a bundled name (``twin scenarios`` lists them) or a TOML path."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    p = Path(str(name_or_path))
    if p.suffix.lower() != ".toml" or not p.exists():
        bundled = Path(__file__).parent / "data" / f"{p.stem if p.suffix else p.name}.toml"
        if bundled.exists() and not p.exists():
            p = bundled
    return Scenario.from_file(p)


def bundled_scenarios() -> dict[str, Scenario]:
    """The scenario files shipped in ``twin/scenarios/data``, by name."""
    data = Path(__file__).parent / "data"
    return {p.stem: Scenario.from_file(p) for p in sorted(data.glob("*.toml"))}
