"""Temporal patterns of design storms: a :class:`Hyetograph` of equal blocks.

Every pattern returns the depth [mm] of each block of ``step_min`` minutes:

* :func:`alternating_block` - block depths from an IDF depth curve, the largest at
  the peak and the rest placed alternately right and left of it (Chow, Maidment &
  Mays 1988, sec. 14.4); any ``k`` largest blocks are contiguous and hold the IDF
  depth of ``k`` blocks.
* :func:`chicago` - Keifer & Chu (1957): the mass curve whose depth in every window
  around the peak (split ``r`` before, ``1 - r`` after) equals the IDF depth of
  the window's length, integrated exactly over each block for any IDF form.
* :func:`huff` - Huff's median (50 %) cumulative curves for first- to
  fourth-quartile storms (Huff 1967; ISWS Circular 173, 1990), 5 % steps.
* :func:`scs` - the SCS (NRCS) 24-hour Type I, IA, II and III distributions
  (TR-55, 1986), compressed to the requested duration.
* :func:`uniform` - constant intensity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.errors import InputError

__all__ = ["Hyetograph", "alternating_block", "chicago", "huff", "scs", "uniform", "PATTERNS"]


@dataclass(frozen=True)
class Hyetograph:
    """Rainfall in blocks of equal length.

    Attributes
    ----------
    step_min : float
        Block length [min].
    depth_mm : (n,) float64
        Depth of each block [mm]; block ``k`` covers ``[k, k+1) * step_min``.
    """

    step_min: float
    depth_mm: np.ndarray

    @property
    def intensity_mmh(self) -> np.ndarray:
        """(n,) float64, mm/h: the constant rate of each block."""
        return self.depth_mm * (60.0 / self.step_min)

    @property
    def start_min(self) -> np.ndarray:
        """(n,) float64, min: start of each block after the storm start."""
        return np.arange(len(self.depth_mm)) * self.step_min

    @property
    def duration_min(self) -> float:
        return len(self.depth_mm) * self.step_min

    @property
    def total_mm(self) -> float:
        return float(self.depth_mm.sum())

    def scaled(self, factor: float) -> Hyetograph:
        return Hyetograph(self.step_min, self.depth_mm * float(factor))


def _blocks(duration_min: float, step_min: float) -> int:
    if not (step_min > 0 and duration_min > 0):
        raise InputError("duration and time step must be positive", field="step_min")
    n = duration_min / step_min
    if abs(n - round(n)) > 1e-6:
        raise InputError(
            f"duration {duration_min:g} min is not a whole number of {step_min:g}-min steps",
            field="duration_min",
        )
    return int(round(n))


def alternating_block(depth_curve, duration_min, step_min, peak_fraction=0.5) -> Hyetograph:
    """Alternating-block storm.

    Parameters
    ----------
    depth_curve : callable
        ``depth_curve(t_min) -> mm``: IDF depth of a storm of ``t_min`` minutes
        (vectorised), e.g. ``lambda t: idf.depth_mm(t, 30)``.
    duration_min, step_min : float
    peak_fraction : float
        Where the largest block sits, as a fraction of the duration (0.5 = centre).
    """
    n = _blocks(duration_min, step_min)
    cum = np.asarray(depth_curve(np.arange(1, n + 1) * float(step_min)), dtype=np.float64)
    inc = np.diff(np.concatenate(([0.0], cum)))
    order = np.sort(inc)[::-1]
    peak = int(np.clip(np.floor(peak_fraction * n), 0, n - 1))
    out = np.zeros(n)
    out[peak] = order[0]
    left, right = peak - 1, peak + 1
    take_right = True
    for d in order[1:]:
        if (take_right and right < n) or left < 0:
            out[right] = d
            right += 1
        else:
            out[left] = d
            left -= 1
        take_right = not take_right
    return Hyetograph(float(step_min), out)


def chicago(depth_curve, duration_min, step_min, r=0.4) -> Hyetograph:
    """Keifer-Chu (Chicago) storm with peak at ``r x duration``.

    Parameters
    ----------
    depth_curve : callable
        IDF depth [mm] of a storm of ``t_min`` minutes (vectorised).
    r : float in [0, 1]
        Peak position (storm advancement coefficient).
    """
    if not 0.0 <= r <= 1.0:
        raise InputError(f"Chicago peak ratio r must be in [0, 1], got {r}", field="peak_ratio")
    n = _blocks(duration_min, step_min)
    td = float(duration_min)
    tp = r * td
    edges = np.arange(n + 1) * float(step_min)

    def before(s):  # depth within s minutes before the peak
        return r * depth_curve(np.asarray(s) / r) if r > 0 else np.zeros_like(s)

    def after(s):
        return (1 - r) * depth_curve(np.asarray(s) / (1 - r)) if r < 1 else np.zeros_like(s)

    s_b = np.clip(tp - edges, 0.0, None)
    s_a = np.clip(edges - tp, 0.0, None)
    zero = 1e-12  # IDF forms are singular at t = 0; their depth tends to 0 there
    mass = np.where(
        edges <= tp,
        before(max(tp, zero)) - before(np.maximum(s_b, zero)),
        before(max(tp, zero)) + after(np.maximum(s_a, zero)),
    )
    mass = mass - mass[0]
    return Hyetograph(float(step_min), np.diff(mass))


# fmt: off
# Huff (1990) median curves: cumulative fraction of depth at t/td = 0, 0.05, ..., 1
_HUFF = np.array([
    [0, .063, .178, .333, .500, .620, .705, .760, .798, .830, .855, .880, .898, .915, .930,
     .944, .958, .971, .983, .994, 1],
    [0, .015, .031, .070, .125, .208, .305, .420, .525, .630, .725, .805, .860, .900, .930,
     .948, .962, .974, .985, .993, 1],
    [0, .020, .040, .072, .100, .122, .140, .155, .180, .215, .280, .395, .535, .690, .790,
     .875, .935, .965, .985, .995, 1],
    [0, .020, .040, .055, .070, .085, .100, .115, .135, .155, .185, .215, .245, .290, .350,
     .435, .545, .740, .940, .975, 1],
])
_HUFF_T = np.linspace(0.0, 1.0, 21)

# SCS 24-h distributions (TR-55): (hour, cumulative fraction)
_SCS = {
    "I": [(0, 0), (2, .035), (4, .076), (6, .125), (7, .156), (8, .194), (8.5, .219),
          (9, .254), (9.5, .303), (9.75, .362), (10, .515), (10.5, .583), (11, .624),
          (11.5, .654), (12, .682), (13, .727), (14, .767), (16, .830), (20, .926), (24, 1)],
    "IA": [(0, 0), (2, .050), (4, .116), (6, .206), (7, .268), (7.5, .310), (7.75, .425),
           (8, .480), (8.5, .520), (9, .550), (9.5, .577), (10, .599), (10.5, .618),
           (11, .638), (11.5, .655), (12, .672), (13, .705), (14, .735), (16, .782),
           (20, .872), (24, 1)],
    "II": [(0, 0), (2, .022), (4, .048), (6, .080), (7, .098), (8, .120), (8.5, .133),
           (9, .147), (9.5, .163), (9.75, .172), (10, .181), (10.5, .204), (11, .235),
           (11.5, .283), (11.75, .357), (12, .663), (12.5, .735), (13, .772), (13.5, .799),
           (14, .820), (16, .880), (20, .952), (24, 1)],
    "III": [(0, 0), (2, .020), (4, .043), (6, .072), (7, .089), (8, .115), (8.5, .130),
            (9, .148), (9.5, .167), (10, .189), (10.5, .216), (11, .250), (11.5, .298),
            (12, .500), (12.5, .702), (13, .751), (13.5, .784), (14, .811), (15, .854),
            (16, .886), (20, .957), (24, 1)],
}
# fmt: on


def _from_mass_curve(t_frac, cum_frac, depth_mm, duration_min, step_min) -> Hyetograph:
    n = _blocks(duration_min, step_min)
    edges = np.linspace(0.0, 1.0, n + 1)
    mass = np.interp(edges, t_frac, cum_frac) * float(depth_mm)
    return Hyetograph(float(step_min), np.diff(mass))


def huff(quartile: int, depth_mm, duration_min, step_min) -> Hyetograph:
    """Huff quartile storm (1-4) of total ``depth_mm`` (median curve, linear between points)."""
    if quartile not in (1, 2, 3, 4):
        raise InputError(f"Huff quartile must be 1, 2, 3 or 4, got {quartile}", field="pattern")
    return _from_mass_curve(_HUFF_T, _HUFF[quartile - 1], depth_mm, duration_min, step_min)


def scs(kind: str, depth_mm, duration_min, step_min) -> Hyetograph:
    """SCS Type ``kind`` (I, IA, II, III) storm; the 24-h curve is scaled to the duration."""
    k = str(kind).upper().replace("TYPE", "").replace("_", "").strip()
    if k not in _SCS:
        raise InputError(f"SCS type must be I, IA, II or III, got {kind!r}", field="pattern")
    pts = np.array(_SCS[k], dtype=np.float64)
    return _from_mass_curve(pts[:, 0] / 24.0, pts[:, 1], depth_mm, duration_min, step_min)


def uniform(depth_mm, duration_min, step_min) -> Hyetograph:
    """Constant intensity."""
    n = _blocks(duration_min, step_min)
    return Hyetograph(float(step_min), np.full(n, float(depth_mm) / n))


PATTERNS = (
    "alternating_block", "chicago", "huff1", "huff2", "huff3", "huff4",
    "scs_i", "scs_ia", "scs_ii", "scs_iii", "uniform",
)  # fmt: skip
