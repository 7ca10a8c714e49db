"""Time series and pattern semantics against SWMM's documented rules (table.c, inflow.c)."""

import numpy as np
import pytest

from twin.engine.series import calendar_at, interp_series, pattern_factor, series_points
from twin.kernels.tables import scatter_add, series_at
from twin.networks.model import Pattern, TimeSeries


def reference_lookup(times, values, t):
    """Plain SWMM rule: linear between points, zero outside."""
    if t < times[0] or t > times[-1]:
        return 0.0
    return float(np.interp(t, times, values))


@pytest.mark.parametrize("t", [-5.0, 0.0, 30.0, 60.0, 90.0, 120.0, 121.0])
def test_interp_matches_reference(t):
    times = np.array([0.0, 60.0, 120.0])
    values = np.array([1.0, 3.0, 2.0])
    assert interp_series(times, values, t) == pytest.approx(reference_lookup(times, values, t))


def test_series_at_many_tables_matches_reference():
    rng = np.random.default_rng(3)
    tables = [np.sort(rng.uniform(0, 100, size=k)) for k in (1, 2, 5, 9)]
    vals = [rng.normal(size=len(x)) for x in tables]
    start = np.cumsum([0] + [len(x) for x in tables]).astype(np.int64)
    x, y = np.concatenate(tables), np.concatenate(vals)
    out = np.zeros(len(tables))
    for t in np.linspace(-10, 110, 57):
        series_at(t, start, x, y, out)
        for k in range(len(tables)):
            assert out[k] == pytest.approx(reference_lookup(tables[k], vals[k], t))


def test_series_points_relative_and_dated():
    start = np.datetime64("2020-01-02T06:00:00")
    rel = TimeSeries("r", np.array(["NaT", "NaT"], dtype="datetime64[D]"),
                     np.array([0.0, 1.5]), np.array([1.0, 2.0]))  # fmt: skip
    t, v = series_points(rel, start)
    assert list(t) == [0.0, 5400.0]
    dated = TimeSeries("d", np.array(["2020-01-02", "2020-01-03"], dtype="datetime64[D]"),
                       np.array([7.0, 0.0]), np.array([1.0, 2.0]))  # fmt: skip
    t, _ = series_points(dated, start)
    assert list(t) == [3600.0, 18 * 3600.0]


def test_calendar_and_patterns():
    start = np.datetime64("2024-03-02T22:30:00")  # a Saturday in March
    assert calendar_at(start, 0.0) == (2, 6, 22)
    assert calendar_at(start, 2 * 3600.0) == (2, 0, 0)  # Sunday 00:30
    hourly = Pattern("h", "HOURLY", np.arange(24, dtype=float))
    weekend = Pattern("w", "WEEKEND", np.full(24, 0.5))
    monthly = Pattern("m", "MONTHLY", np.arange(12, dtype=float))
    assert pattern_factor(hourly, 2, 6, 22) == 22.0
    assert pattern_factor(weekend, 2, 6, 22) == 0.5
    assert pattern_factor(weekend, 2, 3, 22) == 1.0  # weekday: not applicable
    assert pattern_factor(monthly, 2, 3, 22) == 2.0


def test_scatter_add_accumulates_repeated_indices():
    out = np.zeros(3)
    scatter_add(np.array([1.0, 2.0, 4.0]), np.array([2, 0, 2]), out)
    assert list(out) == [2.0, 0.0, 5.0]
