"""Lookups in piecewise-linear tables (time series, curves), CSR-packed.

Table ``k`` occupies ``x[start[k]:start[k+1]]`` / ``y[...]``; ``x`` is non-decreasing.
:func:`table_lookup` reads one table (SWMM's ``table_lookup``), :func:`series_at`
all of them at once.
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel


@kernel(**JIT)
def table_lookup(x, curve_x, curve_y, k0, k1):
    """SWMM's ``table_lookup``: linear interpolation in points ``k0:k1``, end values outside.

    Parameters
    ----------
    x : float
        Where to look up, in the table's own units.
    curve_x, curve_y : (n_points,) float64
        Packed points; ``curve_x[k0:k1]`` non-decreasing.
    k0, k1 : int
        The table's first point and one past its last (``k1 <= k0``: an empty table, 0).

    Returns
    -------
    float
        ``y`` at ``x``; two points closer than 1e-20 in ``x`` give their mean.
    """
    if k1 <= k0:
        return 0.0
    if x <= curve_x[k0]:
        return curve_y[k0]
    for k in range(k0 + 1, k1):
        if x <= curve_x[k]:
            dx = curve_x[k] - curve_x[k - 1]
            if abs(dx) < 1.0e-20:
                return 0.5 * (curve_y[k - 1] + curve_y[k])
            return curve_y[k - 1] + (x - curve_x[k - 1]) * (curve_y[k] - curve_y[k - 1]) / dx
    return curve_y[k1 - 1]


@kernel(**JIT)
def series_at(t, start, x, y, out):
    """Every table interpolated at ``t``; 0 before the first and after the last point.

    Parameters
    ----------
    t : float
        Where to look up (e.g. seconds after the simulation start).
    start : (n_tables + 1,) int64
        CSR offsets into ``x`` and ``y``.
    x, y : (n_points,) float64
    out : (n_tables,) float64
        Filled and returned.
    """
    n = start.shape[0] - 1
    for k in range(n):
        a = start[k]
        b = start[k + 1]
        v = 0.0
        if b > a and x[a] <= t <= x[b - 1]:
            if b - a == 1:
                v = y[a]
            else:
                j = a + np.searchsorted(x[a:b], t)
                if j == a:
                    v = y[a]
                else:
                    x1 = x[j - 1]
                    x2 = x[j]
                    if x2 > x1:
                        v = y[j - 1] + (t - x1) / (x2 - x1) * (y[j] - y[j - 1])
                    else:
                        v = y[j]
        out[k] = v
    return out


@kernel(**JIT)
def scatter_add(values, index, out):
    """``out[index[i]] += values[i]`` for every ``i`` (serial, race free)."""
    for i in range(values.shape[0]):
        out[index[i]] += values[i]
    return out


@kernel(**JIT)
def combine_inflows(ext, dwf, ww, lat):
    """``lat = ext + dwf + ww`` per node [cfs]; returns the system rates
    (dry weather, wet weather, external in, external out) [cfs]."""
    dw_rate = 0.0
    ww_rate = 0.0
    ex_in = 0.0
    ex_out = 0.0
    for j in range(lat.shape[0]):
        e = ext[j]
        lat[j] = e + dwf[j] + ww[j]
        dw_rate += dwf[j]
        ww_rate += ww[j]
        if e > 0.0:
            ex_in += e
        else:
            ex_out -= e
    return dw_rate, ww_rate, ex_in, ex_out
