"""Ensemble members and the generators that make them.

A :class:`Member` is a name, a :class:`~twin.scenarios.Scenario` (``None``: the
network as it is) and :class:`~twin.engine.options.SimOptions` overrides.  Members
of one ensemble must share the simulation window so that their results stack on one
time axis; the generators below keep it common.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.errors import InputError
from twin.scenarios.presets import PRESETS
from twin.scenarios.scenario import Scenario

__all__ = [
    "Member",
    "as_members",
    "duration_sweep",
    "identical",
    "perturbed_forecast",
    "radar_members",
    "return_period_sweep",
]


@dataclass(frozen=True)
class Member:
    """One run of an ensemble."""

    name: str
    scenario: Scenario | None = None
    options: dict = field(default_factory=dict)


def as_members(members, scenario: Scenario | None = None) -> list[Member]:
    """Normalise ``members``: an int (that many copies of ``scenario``), Scenarios or Members."""
    if isinstance(members, int | np.integer):
        return identical(scenario, int(members))
    out = []
    for k, m in enumerate(members):
        if isinstance(m, Member):
            out.append(m)
        elif isinstance(m, Scenario) or m is None:
            out.append(Member(f"m{k:03d}" if m is None else f"{k:03d}-{m.name}", m))
        else:
            raise InputError(
                f"ensemble member {k} is a {type(m).__name__}, not a Member or Scenario",
                field="members",
            )
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise InputError("ensemble member names must be unique", field="members")
    if not out:
        raise InputError("an ensemble needs at least one member", field="members")
    return out


def identical(scenario: Scenario | None, n: int) -> list[Member]:
    """``n`` copies of one scenario (a control: every member equals the single run)."""
    if n < 1:
        raise InputError(f"number of members must be >= 1, got {n}", field="members")
    return [Member(f"m{k:03d}", scenario) for k in range(n)]


def _design_base(scenario: Scenario) -> dict:
    """The rainfall table of a design or preset scenario as a design table."""
    if scenario.source == "preset":
        kw = {k: v for k, v in PRESETS[scenario.rainfall["preset"]].items() if k != "description"}
        return {"source": "design", **kw}
    if scenario.source != "design":
        raise InputError("sweeps need a design-storm scenario", field="rainfall.source")
    return dict(scenario.rainfall)


def return_period_sweep(scenario: Scenario, periods=(10, 30, 50, 100)) -> list[Member]:
    """One member per return period (same pattern, duration and IDF)."""
    base = _design_base(scenario)
    for k in ("depth_mm", "intensity_mmh", "depths_mm"):
        base.pop(k, None)
    return [
        Member(
            f"T{p:g}y",
            Scenario(
                **{
                    **_fields(scenario),
                    "name": f"{scenario.name}-T{p:g}",
                    "rainfall": {**base, "return_period": float(p)},
                }
            ),
        )
        for p in periods
    ]


def duration_sweep(scenario: Scenario, durations_min=(30, 60, 120, 180)) -> list[Member]:
    """One member per storm duration; all run to the end of the longest storm + tail."""
    base = _design_base(scenario)
    longest = max(durations_min)
    out = []
    for d in durations_min:
        tail = scenario.tail_hours + (longest - d) / 60.0
        sc = Scenario(
            **{
                **_fields(scenario),
                "name": f"{scenario.name}-{d:g}min",
                "rainfall": {**base, "duration_min": float(d)},
                "tail_hours": tail,
            }
        )
        out.append(Member(f"D{d:g}min", sc))
    return out


def perturbed_forecast(
    scenario: Scenario, n: int, sigma: float = 0.3, jitter_min: float = 15.0, seed: int = 0
) -> list[Member]:
    """Stochastic perturbation of a forecast: seeded lognormal scale and timing jitter.

    Member ``k`` scales the rainfall by ``exp(N(-sigma**2/2, sigma))`` (mean 1) and
    delays it by ``U(0, 2 * jitter_min)`` minutes; its tail is shortened by its delay
    so every member ends at the same time.  The same seed gives the same members.
    """
    if n < 1 or sigma < 0 or jitter_min < 0:
        raise InputError("need n >= 1, sigma >= 0 and jitter_min >= 0", field="members")
    rng = np.random.default_rng(seed)
    factors = np.exp(rng.normal(-0.5 * sigma**2, sigma, n)) if sigma > 0 else np.ones(n)
    shifts = rng.uniform(0.0, 2.0 * jitter_min, n) if jitter_min > 0 else np.zeros(n)
    shifts = np.round(shifts)  # whole minutes
    out = []
    for k in range(n):
        sc = scenario.replace(
            name=f"{scenario.name}-p{k:03d}",
            scale=scenario.scale * float(factors[k]),
            time_shift_min=scenario.time_shift_min + float(shifts[k]),
            tail_hours=scenario.tail_hours + (2.0 * jitter_min - float(shifts[k])) / 60.0,
        )
        out.append(Member(f"p{k:03d}", sc))
    return out


def radar_members(
    path, scenario: Scenario | None = None, variable: str | None = None
) -> list[Member]:
    """One member per ``member`` of a gridded (time, y, x, member) NetCDF forecast."""
    import xarray as xr

    try:
        with xr.open_dataset(path) as ds:
            names = [variable] if variable else [v for v in ds.data_vars if "member" in ds[v].dims]
            if not names or names[0] not in ds or "member" not in ds[names[0]].dims:
                raise InputError("no variable with a member dimension", file=path)
            n = ds[names[0]].sizes["member"]
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read NetCDF: {exc}", file=path) from None
    base = scenario or Scenario(name="radar")
    return [
        Member(
            f"r{k:03d}",
            base.replace(
                name=f"{base.name}-r{k:03d}",
                rainfall={"source": "radar", "path": str(path), "variable": names[0], "member": k},
            ),
        )
        for k in range(n)
    ]


def _fields(sc: Scenario) -> dict:
    from dataclasses import fields

    return {f.name: getattr(sc, f.name) for f in fields(sc)}
