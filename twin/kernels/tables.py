"""Lookups in many piecewise-linear tables at once (time series, curves), CSR-packed.

Table ``k`` occupies ``x[start[k]:start[k+1]]`` / ``y[...]``; ``x`` is non-decreasing.
"""

import numpy as np
from numba import njit

from twin.kernels.config import JIT


@njit(**JIT)
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


@njit(**JIT)
def scatter_add(values, index, out):
    """``out[index[i]] += values[i]`` for every ``i`` (serial, race free)."""
    for i in range(values.shape[0]):
        out[index[i]] += values[i]
    return out


@njit(**JIT)
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
