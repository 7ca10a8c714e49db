"""Design storms in one call, and named presets for the design rainfalls cities use.

:func:`design_storm` builds a :class:`~twin.scenarios.hyetographs.Hyetograph` from a
pattern name and either a depth (``depth_mm`` or ``intensity_mmh`` x duration) or a
return period on an IDF relation.

Presets (:data:`PRESETS`, sources in ``/work/shared/reference/korean-practice.md``):

``seoul-95mmh``       95 mm in 1 h - Seoul's drainage target since 2012
``seoul-100mmh``      100 mm in 1 h - Seoul's citywide target after the 2022 flood
``gangnam-110mmh``    110 mm in 1 h - the Gangnam Station target
``gangnam-212mm-3h``  212 mm in 3 h with 110 mm in the peak hour (alternating block)
``rp10-1h`` ... ``rp100-1h``  1-h alternating-block storms of 10, 30, 50 and 100 years
                      on the illustrative :data:`~twin.scenarios.idf.EXAMPLE_IDF`

Hour-total presets use Huff's third quartile, the pattern Korean smart-city systems
drive SWMM with (J-KOSHAM 22(6) 2022).

>>> round(design_storm("huff3", depth_mm=100, duration_min=60, step_min=5).total_mm, 6)
100.0
"""

from __future__ import annotations

import math

import numpy as np

from twin.errors import InputError
from twin.errors import checked_number as _number
from twin.limits import scenario_range
from twin.scenarios import hyetographs as hy
from twin.scenarios.idf import EXAMPLE_IDF, IDF, power_law_idf

__all__ = ["PRESETS", "design_storm", "preset", "preset_names"]


def _high(key: str) -> float:
    """Upper end of the physical range of ``rainfall.<key>`` (:mod:`twin.limits`)."""
    return scenario_range(f"rainfall.{key}")[1]


RETURN_PERIODS = (10, 30, 50, 100)

PRESETS: dict[str, dict] = {
    "seoul-95mmh": dict(
        pattern="huff3",
        depth_mm=95.0,
        duration_min=60,
        step_min=5,
        description="Seoul design target since 2012: 95 mm/h",
    ),
    "seoul-100mmh": dict(
        pattern="huff3",
        depth_mm=100.0,
        duration_min=60,
        step_min=5,
        description="Seoul citywide target after Aug 2022: 100 mm/h",
    ),
    "gangnam-110mmh": dict(
        pattern="huff3",
        depth_mm=110.0,
        duration_min=60,
        step_min=5,
        description="Gangnam Station target: 110 mm/h",
    ),
    "gangnam-212mm-3h": dict(
        pattern="alternating_block",
        depths_mm={60: 110.0, 180: 212.0},
        duration_min=180,
        step_min=10,
        description="212 mm in 3 h, 110 mm in the peak hour (Gangnam)",
    ),
}
for _rp in RETURN_PERIODS:
    PRESETS[f"rp{_rp}-1h"] = dict(
        pattern="alternating_block",
        return_period=_rp,
        duration_min=60,
        step_min=5,
        description=f"{_rp}-year 1-h storm on the illustrative example IDF",
    )


def preset_names() -> list[str]:
    return sorted(PRESETS)


def preset(name: str) -> hy.Hyetograph:
    """The hyetograph of a named preset."""
    if name not in PRESETS:
        raise InputError(
            f"unknown design-storm preset {name!r}; known: {', '.join(preset_names())}",
            field="preset",
        )
    kw = {k: v for k, v in PRESETS[name].items() if k != "description"}
    return design_storm(**kw)


def design_storm(
    pattern: str = "alternating_block",
    *,
    duration_min: float = 60.0,
    step_min: float = 5.0,
    depth_mm: float | None = None,
    intensity_mmh: float | None = None,
    return_period: float | None = None,
    idf: IDF | None = None,
    depths_mm: dict | None = None,
    peak_fraction: float = 0.5,
    peak_ratio: float = 0.4,
) -> hy.Hyetograph:
    """A design storm.

    Parameters
    ----------
    pattern : str
        One of :data:`~twin.scenarios.hyetographs.PATTERNS`.
    duration_min, step_min : float
        Storm duration and block length [min].
    depth_mm, intensity_mmh : float, optional
        Total depth, or the average intensity over the duration.
    return_period : float, optional
        Years; the depth (and for alternating block / Chicago the shape) comes from
        ``idf`` (default :data:`~twin.scenarios.idf.EXAMPLE_IDF`).
    depths_mm : dict, optional
        Two ``{duration_min: depth_mm}`` points; a power-law IDF through them gives
        depth and shape (e.g. ``{60: 110, 180: 212}``).
    peak_fraction : float
        Alternating block: peak position as a fraction of the duration.
    peak_ratio : float
        Chicago: ``r``, the fraction of the storm before the peak.

    Returns
    -------
    Hyetograph
        Its ``total_mm`` equals the given depth, or the IDF depth for the duration.
    """
    duration_min = _number(duration_min, "duration_min", 0.0, _high("duration_min"), above=True)
    low_step = scenario_range("rainfall.step_min")[0]
    step_min = _number(step_min, "step_min", low_step, min(duration_min, _high("step_min")))
    peak_fraction = _number(peak_fraction, "peak_fraction", 0.0, 1.0)
    peak_ratio = _number(peak_ratio, "peak_ratio", 0.0, 1.0)
    if depth_mm is not None:
        depth_mm = _number(depth_mm, "depth_mm", 0.0, _high("depth_mm"))
    if intensity_mmh is not None:
        intensity_mmh = _number(intensity_mmh, "intensity_mmh", 0.0, _high("intensity_mmh"))
    if return_period is not None:
        return_period = _number(
            return_period, "return_period", 0.0, _high("return_period"), above=True
        )
    pat = str(pattern).lower().replace("-", "_")
    if pat not in hy.PATTERNS:
        raise InputError(
            f"unknown pattern {pattern!r}; use one of {', '.join(hy.PATTERNS)}", field="pattern"
        )
    given = [x is not None for x in (depth_mm, intensity_mmh, return_period, depths_mm)]
    if sum(given) != 1:
        raise InputError(
            "give exactly one of depth_mm, intensity_mmh, return_period, depths_mm",
            field="depth_mm",
        )
    if intensity_mmh is not None:
        depth_mm = float(intensity_mmh) * duration_min / 60.0
    if depths_mm is not None:
        idf, return_period = power_law_idf(depths_mm), 1.0
    idf = idf or EXAMPLE_IDF
    rp = return_period if return_period is not None else idf.return_periods[0]

    def curve(t):
        return idf.depth_mm(t, rp)

    total = float(depth_mm) if depth_mm is not None else float(curve(duration_min))
    if not math.isfinite(total):
        raise InputError(
            f"the IDF gives no finite depth for {duration_min:g} min, {rp:g} years", field="idf"
        )
    if total < 0:
        raise InputError(f"rainfall depth must not be negative, got {total}", field="depth_mm")
    if pat in ("alternating_block", "chicago"):
        if pat == "alternating_block":
            h = hy.alternating_block(curve, duration_min, step_min, peak_fraction)
        else:
            h = hy.chicago(curve, duration_min, step_min, peak_ratio)
        depths = h.depth_mm
        if not (np.all(np.isfinite(depths)) and np.all(depths >= 0) and h.total_mm > 0):
            raise InputError(
                f"the IDF gives no usable storm shape for {duration_min:g} min, {rp:g} years "
                "(its depth must grow with the duration, finite and positive)",
                field="idf",
            )
        # a given depth keeps the IDF's shape and rescales it
        return h if depth_mm is None else h.scaled(total / h.total_mm)
    if pat.startswith("huff"):
        return hy.huff(int(pat[-1]), total, duration_min, step_min)
    if pat.startswith("scs_"):
        return hy.scs(pat[4:], total, duration_min, step_min)
    return hy.uniform(total, duration_min, step_min)
