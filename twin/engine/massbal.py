"""SWMM 5.2's continuity error of a mass balance (``massbal.c``)."""

from __future__ import annotations


def continuity_error_percent(inflow: float, outflow: float) -> float:
    """SWMM's ``massbal_getRunoffError`` / ``massbal_getGwaterError``: the error [%] of
    a balance whose ``inflow`` and ``outflow`` (the initial and final storage on their
    sides) are volumes in one unit; 1e-6 when they differ by less than one unit."""
    if abs(inflow - outflow) < 1.0:
        return 1.0e-6
    if inflow > 0.0:
        return 100.0 * (1.0 - outflow / inflow)
    if outflow > 0.0:
        return 100.0 * (inflow / outflow - 1.0)
    return 0.0
