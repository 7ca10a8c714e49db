"""Unit conversions between SWMM ``.inp`` file units and the SI of the Network.

Every conversion of the project lives here.  A SWMM file is in US customary units
when ``FLOW_UNITS`` is CFS, GPM or MGD (lengths in ft, areas in acres, rain in
in/h and in) and in SI when it is CMS, LPS or MLD (m, hectares, mm/h, mm).
The factors here are exact (1 ft = 0.3048 m, 1 US gal = 3.785411784 L).

SWMM itself converts with a few rounded factors (``SWMM_FLOW_PER_CFS``,
``SWMM_AREA_PER_FT2``): a kernel that must agree with SWMM to the last digit can
use those through :func:`swmm_flow_per_cfs`.

Every ``*_to_si`` factor multiplies a file value to give SI; divide to go back.
"""

from __future__ import annotations

import math

__all__ = [
    "FT_TO_M",
    "IN_TO_MM",
    "ACRE_TO_M2",
    "HA_TO_M2",
    "FLOW_TO_M3S",
    "US_FLOW_UNITS",
    "SI_FLOW_UNITS",
    "unit_system_of",
    "flow_to_m3s",
    "length_to_m",
    "area_to_m2",
    "land_area_to_m2",
    "rain_rate_to_mmh",
    "rain_depth_to_mm",
    "volume_to_m3",
    "weir_coeff_to_si",
    "power_law_coeff_to_si",
    "storage_functional_coeff_to_si",
    "curve_factors",
    "swmm_flow_per_cfs",
]

FT_TO_M = 0.3048  # m per ft, exact
IN_TO_MM = 25.4  # mm per inch, exact
FT3_TO_M3 = FT_TO_M**3  # m3 per ft3
CFS_TO_M3S = FT3_TO_M3  # m3/s per cfs (the kernels' flow unit)
ACRE_TO_M2 = 4046.8564224  # m2 per acre, exact (US survey-independent international acre)
HA_TO_M2 = 10000.0  # m2 per hectare
_GAL_M3 = 3.785411784e-3  # m3 per US gallon, exact

FLOW_TO_M3S = {
    "CFS": FT_TO_M**3,
    "GPM": _GAL_M3 / 60.0,
    "MGD": 1e6 * _GAL_M3 / 86400.0,
    "CMS": 1.0,
    "LPS": 1e-3,
    "MLD": 1e3 / 86400.0,
}
US_FLOW_UNITS = ("CFS", "GPM", "MGD")
SI_FLOW_UNITS = ("CMS", "LPS", "MLD")

# SWMM 5.2's own (rounded) conversion factors, swmm5.c ``Qcf``: flow units per cfs
SWMM_FLOW_PER_CFS = {
    "CFS": 1.0,
    "GPM": 448.831,
    "MGD": 0.64632,
    "CMS": 0.02832,
    "LPS": 28.317,
    "MLD": 2.4466,
}
# swmm5.c ``Ucf[LANDAREA]``: acres or hectares per ft2
SWMM_AREA_PER_FT2 = {"US": 2.2956e-5, "SI": 0.92903e-5}


def unit_system_of(flow_units: str) -> str:
    """``"US"`` for CFS/GPM/MGD, ``"SI"`` for CMS/LPS/MLD."""
    return "US" if flow_units.upper() in US_FLOW_UNITS else "SI"


def flow_to_m3s(flow_units: str) -> float:
    """Factor: one ``flow_units`` (CFS GPM MGD CMS LPS MLD) in m3/s."""
    return FLOW_TO_M3S[flow_units.upper()]


def length_to_m(unit_system: str) -> float:
    """Factor: file length unit (ft for "US", m for "SI") in metres."""
    return FT_TO_M if unit_system == "US" else 1.0


def area_to_m2(unit_system: str) -> float:
    """Factor: file small area unit (ft2 or m2, e.g. ponded area) in m2."""
    return length_to_m(unit_system) ** 2


def land_area_to_m2(unit_system: str) -> float:
    """Factor: subcatchment area unit (acres for "US", hectares for "SI") in m2."""
    return ACRE_TO_M2 if unit_system == "US" else HA_TO_M2


def rain_rate_to_mmh(unit_system: str) -> float:
    """Factor: rainfall/infiltration rate unit (in/h or mm/h) in mm/h."""
    return IN_TO_MM if unit_system == "US" else 1.0


def rain_depth_to_mm(unit_system: str) -> float:
    """Factor: rainfall/storage depth unit (in or mm) in mm."""
    return IN_TO_MM if unit_system == "US" else 1.0


def volume_to_m3(unit_system: str) -> float:
    """Factor: volume unit (ft3 or m3) in m3."""
    return length_to_m(unit_system) ** 3


def weir_coeff_to_si(unit_system: str) -> float:
    """Factor for a weir discharge coefficient (Q = C L h^1.5 or C s h^2.5).

    SWMM evaluates weirs in cfs with ft (US) or m3/s with m (SI), so the
    coefficient is in ft^0.5/s or m^0.5/s; the factor gives m^0.5/s.
    """
    return math.sqrt(FT_TO_M) if unit_system == "US" else 1.0


def power_law_coeff_to_si(flow_units: str, exponent: float) -> float:
    """Factor for C in Q[flow units] = C * h[file length]^exponent.

    Used for outlets (FUNCTIONAL rating) and weir dividers (exponent 1.5):
    the result C_si gives Q [m3/s] = C_si * h[m]^exponent.
    """
    lf = length_to_m(unit_system_of(flow_units))
    return flow_to_m3s(flow_units) / lf**exponent


def storage_functional_coeff_to_si(unit_system: str, exponent: float) -> float:
    """Factor for a1 in the FUNCTIONAL storage area A = a0 + a1 * d^a2.

    With A in ft2 and d in ft (US), the SI a1 gives A [m2] from d [m].
    """
    lf = length_to_m(unit_system)
    return lf ** (2.0 - exponent)


def curve_factors(kind: str, flow_units: str) -> tuple[float, float]:
    """Factors (x, y) that take a curve of type ``kind`` from file units to SI.

    Parameters
    ----------
    kind : str
        STORAGE (depth -> area), PUMP1 (volume -> flow), PUMP2/PUMP4 (depth ->
        flow), PUMP3 (head -> flow), PUMP5 (depth -> flow), RATING (head/depth
        -> flow), DIVERSION (inflow -> diverted flow), TIDAL (hour -> stage),
        SHAPE (relative depth -> relative width), WEIR (head -> coefficient),
        CONTROL (control variable -> setting).

    Returns
    -------
    (float, float)
        Multiply x by the first, y by the second, to get m, m2, m3, m3/s, h, or
        the dimensionless numbers unchanged (CONTROL and SHAPE are returned as
        (1, 1); WEIR's y is a weir coefficient, see :func:`weir_coeff_to_si`).
    """
    us = unit_system_of(flow_units)
    lf, qf = length_to_m(us), flow_to_m3s(flow_units)
    k = kind.upper()
    if k == "STORAGE":
        return lf, lf * lf
    if k == "PUMP1":
        return lf**3, qf
    if k in ("PUMP2", "PUMP3", "PUMP4", "PUMP5", "RATING"):
        return lf, qf
    if k == "DIVERSION":
        return qf, qf
    if k == "TIDAL":
        return 1.0, lf
    if k == "WEIR":
        return lf, weir_coeff_to_si(us)
    return 1.0, 1.0


def swmm_flow_per_cfs(flow_units: str) -> float:
    """SWMM 5.2's own (rounded) number of ``flow_units`` per cfs (``Qcf``)."""
    return SWMM_FLOW_PER_CFS[flow_units.upper()]
