"""Hydraulic design of a district's sewers: rational method, Manning, cover, slopes.

Design rule, applied manhole by manhole from the leaves of the drainage tree down:

* **Design flow** by the rational method, ``Q = C i A / 360`` [m3/s] with ``C`` the
  area-weighted runoff coefficient upstream (``C = 0.9`` impervious, ``0.35``
  pervious), ``A`` [ha] the area upstream and ``i`` [mm/h] the 10-year intensity
  at the time of concentration ``t_c`` = inlet time + the longest full-flow
  travel time upstream.
* **IDF** in the Korean form ``i = a / (t^n + b)`` (``t`` in minutes).  The
  default ``a = 2160, b = 9.4, n = 0.7`` is our own fit to typical central-Seoul
  10-year intensities (about 150 mm/h at 10 min and 80 mm/h at 60 min); it is
  illustrative, not an official KMA curve.
* **Sections**: the smallest standard pipe (300-3000 mm) or box culvert
  (``RECT_CLOSED``, up to several barrels) whose Manning full-flow capacity
  ``K sqrt(S)``, ``K = A R^(2/3) / n``, carries ``Q``; never smaller than a
  section upstream.
* **Slopes and inverts**: the pipe follows the ground with at least ``cover_m`` of
  cover over its crown at both ends, and at least the self-cleansing slope
  (full-flow velocity >= 0.8 m/s, and >= 0.05 %).  Manhole inverts take the lowest
  incoming pipe; higher pipes drop in with an outlet offset.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = [
    "SewerDesign",
    "DesignRules",
    "SECTIONS",
    "idf_intensity_mmh",
    "runoff_coefficient",
    "full_flow_m3s",
    "design_sewers",
]

PIPE_DIAMETERS_MM = (
    300, 350, 400, 450, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1350, 1500, 1650, 1800,
    2000, 2200, 2400, 2600, 2800, 3000,
)  # fmt: skip
BOX_SIZES_M = (  # (width, height) of standard box culverts
    (2.5, 2.5), (3.0, 2.5), (3.0, 3.0), (3.5, 3.0), (3.5, 3.5), (4.0, 3.5), (4.0, 4.0),
    (4.5, 4.0), (5.0, 4.0), (5.0, 4.5), (5.0, 5.0),
)  # fmt: skip
N_PIPE = 0.013  # concrete pipe
N_BOX = 0.015  # cast-in-place box culvert


@dataclass(frozen=True)
class Section:
    """A standard sewer cross section: ``shape`` is "CIRCULAR" or "RECT_CLOSED"."""

    shape: str
    height_m: float
    width_m: float
    barrels: int
    roughness: float

    @property
    def area_m2(self) -> float:
        if self.shape == "CIRCULAR":
            return self.barrels * np.pi * self.height_m**2 / 4.0
        return self.barrels * self.height_m * self.width_m

    @property
    def hydraulic_radius_m(self) -> float:
        if self.shape == "CIRCULAR":
            return self.height_m / 4.0
        return self.height_m * self.width_m / (2.0 * (self.height_m + self.width_m))

    @property
    def conveyance(self) -> float:
        """``K`` in ``Q_full = K sqrt(S)`` [m3/s]."""
        return self.area_m2 * self.hydraulic_radius_m ** (2.0 / 3.0) / self.roughness


def _catalogue() -> tuple[Section, ...]:
    secs = [Section("CIRCULAR", d / 1000.0, d / 1000.0, 1, N_PIPE) for d in PIPE_DIAMETERS_MM]
    big = secs[-1].conveyance
    boxes = [
        Section("RECT_CLOSED", h, w, nb, N_BOX) for nb in (1, 2, 3, 4, 6) for w, h in BOX_SIZES_M
    ]
    boxes = sorted((b for b in boxes if b.conveyance > big), key=lambda b: b.conveyance)
    # keep a strictly increasing sequence
    keep, last = [], big
    for b in boxes:
        if b.conveyance > last * 1.02:
            keep.append(b)
            last = b.conveyance
    return tuple(secs + keep)


SECTIONS = _catalogue()


@dataclass(frozen=True)
class DesignRules:
    """Design constants of :func:`design_sewers` (see the module docstring)."""

    idf_a: float = 2160.0
    idf_b: float = 9.4
    idf_n: float = 0.7
    inlet_time_min: float = 7.0
    cover_m: float = 1.2
    min_velocity_ms: float = 0.8
    min_slope: float = 0.0005
    c_impervious: float = 0.9
    c_pervious: float = 0.35


def idf_intensity_mmh(t_min, a: float = 2160.0, b: float = 9.4, n: float = 0.7):
    """Rainfall intensity [mm/h] of the Korean IDF form ``a / (t^n + b)``, ``t`` in minutes."""
    return a / (np.asarray(t_min, dtype=np.float64) ** n + b)


def runoff_coefficient(imperv_pct, rules: DesignRules = DesignRules()):
    """Rational-method ``C`` from imperviousness [%]."""
    f = np.asarray(imperv_pct, dtype=np.float64) / 100.0
    return rules.c_impervious * f + rules.c_pervious * (1.0 - f)


def full_flow_m3s(section: Section, slope: float) -> float:
    """Manning full-flow capacity [m3/s] of ``section`` at ``slope`` [m/m]."""
    return section.conveyance * np.sqrt(max(slope, 0.0))


def _min_slope(sec: Section, rules: DesignRules) -> float:
    s = (rules.min_velocity_ms * sec.roughness / sec.hydraulic_radius_m ** (2.0 / 3.0)) ** 2
    return max(rules.min_slope, s)


@dataclass
class SewerDesign:
    """The designed sewers, one reach per manhole (reach ``k`` leaves manhole ``k``).

    Attributes
    ----------
    invert_m : (n,) float64
        Manhole invert elevation.
    section : (n,) int64
        Index into :data:`SECTIONS` of reach ``k``.
    length_m, slope : (n,) float64
        Reach length and slope (upstream invert - downstream invert) / length.
    out_invert_m : (n,) float64
        Invert of reach ``k`` at its downstream end (>= the downstream manhole's
        invert; the difference is the outlet offset).
    design_flow_m3s, capacity_m3s : (n,) float64
        Rational-method design flow and Manning full-flow capacity of reach ``k``.
    tc_min : (n,) float64
        Time of concentration at manhole ``k``.
    area_ha : (n,) float64
        Area drained through reach ``k``.
    """

    invert_m: np.ndarray
    section: np.ndarray
    length_m: np.ndarray
    slope: np.ndarray
    out_invert_m: np.ndarray
    design_flow_m3s: np.ndarray
    capacity_m3s: np.ndarray
    tc_min: np.ndarray
    area_ha: np.ndarray


def _topological_order(down: np.ndarray) -> list[int]:
    indeg = np.bincount(down[down >= 0], minlength=len(down))
    queue = deque(np.flatnonzero(indeg == 0).tolist())
    order = []
    indeg = indeg.tolist()
    dl = down.tolist()
    while queue:
        k = queue.popleft()
        order.append(k)
        d = dl[k]
        if d >= 0:
            indeg[d] -= 1
            if indeg[d] == 0:
                queue.append(d)
    if len(order) != len(down):
        raise RuntimeError("drainage graph has a cycle")  # a bug in the layout, not input
    return order


def design_sewers(
    down: np.ndarray,
    length_m: np.ndarray,
    ground_m: np.ndarray,
    area_ha: np.ndarray,
    imperv_pct: np.ndarray,
    rules: DesignRules = DesignRules(),
) -> SewerDesign:
    """Size every reach of a drainage tree and set its inverts.

    Parameters
    ----------
    down : (n,) int64
        Downstream manhole of each manhole, ``-1`` when the reach ends at an outfall.
    length_m : (n,) float64
        Length of the reach leaving each manhole.
    ground_m : (n,) float64
        Ground (rim) elevation at each manhole.
    area_ha, imperv_pct : (n,) float64
        Subcatchment draining to each manhole.
    """
    n = len(down)
    sec_k = [s.conveyance for s in SECTIONS]
    sec_h = [s.height_m for s in SECTIONS]
    sec_a = [s.area_m2 for s in SECTIONS]
    sec_smin = [_min_slope(s, rules) for s in SECTIONS]
    last = len(SECTIONS) - 1
    ca = (runoff_coefficient(imperv_pct, rules) * area_ha).tolist()
    acc_a = np.asarray(area_ha, dtype=np.float64).tolist()
    tc_in = [rules.inlet_time_min] * n
    in_min = [np.inf] * n
    sec_up = [0] * n
    dl = down.tolist()
    ground = np.asarray(ground_m, dtype=np.float64).tolist()
    lengths = np.asarray(length_m, dtype=np.float64).tolist()
    a, b, nn = rules.idf_a, rules.idf_b, rules.idf_n
    cover = rules.cover_m

    inv = np.empty(n)
    out_inv = np.empty(n)
    sec = np.empty(n, dtype=np.int64)
    slope = np.empty(n)
    qd = np.empty(n)
    qc = np.empty(n)
    tc = np.empty(n)
    for k in _topological_order(down):
        d = dl[k]
        L = lengths[k]
        t = tc_in[k]
        q = ca[k] * (a / (t**nn + b)) / 360.0
        s = sec_up[k]
        while True:
            h = sec_h[s]
            up = min(in_min[k], ground[k] - cover - h)
            dn = up - sec_smin[s] * L
            if d >= 0:
                dn = min(dn, ground[d] - cover - h)
            sl = (up - dn) / L
            cap = sec_k[s] * sl**0.5
            if cap >= q or s == last:
                break
            s += 1
        inv[k], out_inv[k], sec[k], slope[k] = up, dn, s, sl
        qd[k], qc[k], tc[k] = q, cap, t
        if d >= 0:
            travel_min = L / (cap / sec_a[s]) / 60.0
            ca[d] += ca[k]
            acc_a[d] += acc_a[k]
            tc_in[d] = max(tc_in[d], t + travel_min)
            in_min[d] = min(in_min[d], dn)
            sec_up[d] = max(sec_up[d], s)
    return SewerDesign(
        invert_m=inv,
        section=sec,
        length_m=np.asarray(length_m, dtype=np.float64).copy(),
        slope=slope,
        out_invert_m=out_inv,
        design_flow_m3s=qd,
        capacity_m3s=qc,
        tc_min=tc,
        area_ha=np.asarray(acc_a),
    )
