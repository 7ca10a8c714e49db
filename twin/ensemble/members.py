"""Ensemble members and the generators that make them.

A :class:`Member` is a name, a :class:`~twin.scenarios.Scenario` (``None``: the
network as it is) and :class:`~twin.engine.options.SimOptions` overrides.  Members
of one ensemble must share the simulation window so that their results stack on one
time axis; the generators below keep it common.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.errors import InputError, checked_count
from twin.scenarios.presets import PRESETS
from twin.scenarios.scenario import Scenario

__all__ = [
    "Member",
    "as_members",
    "duration_sweep",
    "failure_combinations",
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
    rng = np.random.default_rng(checked_count(seed, "seed"))
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

    from twin.files import checked_input

    path = checked_input(path, what="rainfall grid file", field="rainfall.path")
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


def trunk_links(net, n: int) -> list[str]:
    """The ``n`` conduits with the largest full-flow area (ties: by name) that can be blocked."""
    from twin.kernels.codes import LinkKind, Shape

    n = checked_count(n, "blocked_links")
    L = net.links
    ok = (np.asarray(L.kind) == LinkKind.CONDUIT) & ~np.isin(
        np.asarray(L.shape), [Shape.IRREGULAR, Shape.DUMMY, Shape.CUSTOM]
    )
    g = np.asarray(L.geom, np.float64)
    # height x width (width = height for one-parameter shapes) x barrels: a size rank
    width = np.where(g[:, 1] > 0, g[:, 1], g[:, 0])
    size = g[:, 0] * width * np.asarray(L.barrels, np.float64)
    idx = list(np.flatnonzero(ok))
    idx.sort(key=lambda j: (-size[j], str(L.name[j])))
    return [str(L.name[j]) for j in idx[:n]]


def failure_combinations(
    scenario: Scenario | None,
    net,
    pumps=None,
    max_failed: int = 1,
    *,
    blocked_links=0,
    blockage: float = 0.9,
    from_h: float = 0.0,
    to_h: float | None = None,
    include_base: bool = True,
) -> list[Member]:
    """One member per combination of failed pumps (and blocked trunk links).

    Parameters
    ----------
    scenario : Scenario or None
        The rainfall and other modifications every member shares (None: the network's).
    net : Network
        Where the pumps and conduits are looked up.
    pumps : sequence of str, optional
        Pumps that may fail (default: every pump of the network).
    max_failed : int
        Largest number of elements out of service at once (1 or 2 is typical).
    blocked_links : int or sequence of str
        Conduits that may be blocked as well: names, or how many of the largest
        (:func:`trunk_links`).
    blockage : float
        Fraction of flow area a blocked conduit loses.
    from_h, to_h : float
        Window of the pump failures [h after the start] (``to_h`` None: to the end).
    include_base : bool
        Start with a member ``base`` in which nothing fails.

    Returns
    -------
    list of Member
        Named after what failed: ``fail-PS1``, ``fail-PS1+block-C0007`` ...
    """
    from itertools import combinations

    from twin.kernels.codes import LinkKind

    base = scenario or Scenario(name="network")
    kinds = np.asarray(net.links.kind)
    names = [str(n) for n in net.links.name]
    all_pumps = [n for n, k in zip(names, kinds, strict=True) if k == LinkKind.PUMP]
    pumps = all_pumps if pumps is None else [str(p) for p in pumps]
    for p in pumps:
        if p not in all_pumps:
            raise InputError(f"{p!r} is not a pump of the network", field="pumps")
    if isinstance(blocked_links, int | np.integer | float):  # how many of the largest
        links = trunk_links(net, blocked_links)
    elif isinstance(blocked_links, str):
        links = [blocked_links]
    else:
        links = [str(x) for x in blocked_links]
    for c in links:
        if c not in names:
            raise InputError(f"no link named {c!r}", field="blocked_links")
    if max_failed < 1:
        raise InputError(f"max_failed must be >= 1, got {max_failed}", field="max_failed")
    items = [("fail", p) for p in pumps] + [("block", c) for c in links]
    if not items:
        raise InputError("nothing can fail: the network has no pumps", field="pumps")
    out = [Member("base", base.replace(name=f"{base.name}-base"))] if include_base else []
    for k in range(1, min(max_failed, len(items)) + 1):
        for combo in combinations(items, k):
            tag = "+".join(f"{what}-{name}" for what, name in combo)
            failed = [
                {"pump": n, "from_h": float(from_h), **({"to_h": float(to_h)} if to_h else {})}
                for w, n in combo
                if w == "fail"
            ]
            blocked = {n: float(blockage) for w, n in combo if w == "block"}
            sc = base.replace(
                name=f"{base.name}-{tag}",
                pump_failure=list(base.pump_failure) + failed,
                blockage={**base.blockage, **blocked},
            )
            out.append(Member(tag, sc))
    return out


def _fields(sc: Scenario) -> dict:
    from dataclasses import fields

    return {f.name: getattr(sc, f.name) for f in fields(sc)}
