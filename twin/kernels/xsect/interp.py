"""Table interpolation, circular-segment functions and root finders for the geometry kernels.

The geometry tables hold a relative property (A/Afull, R/Rfull, W/Wmax, Y/Yfull or
S/Sfull) at ``n`` equally spaced values of the relative argument between 0 and 1.
:func:`table_lookup` interpolates them the way SWMM 5.2 does (linear, with a
quadratic correction in the first two intervals), :func:`table_inverse` inverts a
table that increases (or whose maximum is the third entry from its end, as in the
section-factor tables).  All numbers are dimensionless here.
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel

TWO_PI = 2.0 * np.pi


#: Inlined into its callers by LLVM: it is a few instructions, and a call passes the
#: table's array struct (seven words) on the stack for each of the ~ten lookups of a
#: conduit's pass (``benchmarks/perf_kernel.py``: 17 % of a step inside the call).
@kernel(**JIT, inline="llvm")
def table_lookup(x, table, n):
    """Relative property at relative argument ``x`` from a table of ``n`` equal steps.

    Parameters
    ----------
    x : float
        Relative argument (y/yFull or A/Afull), normally in [0, 1].
    table : (>= n,) float64
        Table values at ``x = i/(n-1)``, ``i = 0 .. n-1``.
    n : int
        Number of entries used.

    Returns
    -------
    float
        Interpolated value, never negative; the last entry when ``x >= 1``.
    """
    if not x > 0.0:
        return 0.0 if x <= 0.0 else x  # NaN stays NaN
    # position in table steps, and the fraction f of step i it lies at: SWMM's
    # (x - x0) / delta without its three divisions (equal to rounding)
    u = x * (n - 1)
    i = int(u)
    if i >= n - 1:
        return table[n - 1]
    f = u - i
    v0 = table[i]
    v1 = table[i + 1]
    y = v0 + f * (v1 - v0)
    if i < 2:
        # quadratic correction through three entries near the invert
        y2 = y + f * (f - 1.0) * (0.5 * v0 - v1 + 0.5 * table[i + 2])
        if y2 > 0.0:
            y = y2
    if y < 0.0:
        y = 0.0
    return y


@kernel(**JIT, inline="llvm")
def lookup_row(x, tables, t, row, n):
    """:func:`table_lookup` of ``tables[t, row]``.

    Parameters
    ----------
    x : float
        Relative argument.
    tables : (n_tables, 5, 51) float64
        The table stack.
    t, row : int
        Shape table and property row (0 A, 1 R, 2 W, 3 Y, 4 S).
    n : int
        Number of entries used.
    """
    return table_lookup(x, tables[t, row], n)


@kernel(**JIT)
def _locate(y, table, j_last):
    """Highest index ``j <= j_last`` with ``table[j] <= y`` (bisection on an
    increasing table)."""
    if y <= table[0]:
        return 0
    if y >= table[j_last]:
        return j_last
    j1 = 0
    j2 = j_last
    while j2 - j1 > 1:
        j = (j1 + j2) >> 1
        if y >= table[j]:
            j1 = j
        else:
            j2 = j
    return j1


@kernel(**JIT)
def table_inverse(y, table, n):
    """Relative argument at which a table of ``n`` equal steps takes the value ``y``.

    The table increases, or increases up to its third entry from the end and then
    decreases (section-factor tables of closed shapes); in the latter case a value
    above the last entry is looked for only in the last two intervals.

    Returns
    -------
    float
        The argument in [0, 1], by linear interpolation.
    """
    if y != y:
        return y  # NaN stays NaN
    dx = 1.0 / (n - 1)
    m = n
    if table[m - 3] > table[m - 1]:
        m = m - 2
    if m < n and y > table[n - 1]:
        if y >= table[n - 3]:
            return (m - 1) * dx
        if y <= table[n - 2]:
            i = n - 2
        else:
            i = n - 3
    else:
        i = _locate(y, table, m - 1)
    if i >= m - 1:
        return (m - 1) * dx
    x0 = i * dx
    dy = table[i + 1] - table[i]
    if dy == 0.0:
        x = x0
    else:
        x = x0 + (y - table[i]) * dx / dy
    return min(max(x, 0.0), 1.0)


@kernel(**JIT)
def inverse_row(y, tables, t, row, n):
    """:func:`table_inverse` of ``tables[t, row]``."""
    return table_inverse(y, tables[t, row], n)


@kernel(**JIT)
def slope_row(x, tables, t, row, n):
    """:func:`table_slope` of ``tables[t, row]``."""
    return table_slope(x, tables[t, row], n)


@kernel(**JIT)
def table_slope(x, table, n):
    """Slope d(table)/dx of the table interval that holds ``x`` (last interval above it)."""
    delta = 1.0 / (n - 1)
    i = int(x / delta) if x > 0.0 else 0
    if i >= n - 1:
        i = n - 2
    return (table[i + 1] - table[i]) / delta


# ---------------------------------------------------------------------------
# circular segment: alpha = A/Afull, psi = S/Sfull, theta = central angle
# ---------------------------------------------------------------------------


#: Circular-segment solves reach SWMM's tolerance (``xsect.c`` getThetaOfAlpha / Psi:
#: a Newton step of at most THETA_TOL rad; the two-term small-angle starting values
#: make that one step in a part-full pipe) and then take one more step, which makes
#: the angle exact to rounding (Newton's error squares: ~1e-8 rad -> ~1e-16).
#: Below SMALL_ALPHA / SMALL_PSI SWMM's power-law forms of the segment replace them.
THETA_TOL = 1.0e-4
THETA_ITER = 60
SMALL_ALPHA = 1.0e-5
SMALL_PSI = 1.0e-6
ALPHA_COEF = 37.6911  # theta^3 ~ ALPHA_COEF * alpha (about 12 pi)
PSI_COEF = 124.4797  # theta^(13/3) ~ PSI_COEF * psi


@kernel(**JIT)
def theta_of_alpha(alpha):
    """Central angle [rad] of a circular segment filling ``alpha`` of the circle.

    Newton's method on ``theta - sin(theta) = 2*pi*alpha`` (steps capped at 1 rad)
    until a step is at most ``THETA_TOL`` (SWMM's tolerance), then one step more.
    """
    if alpha <= 0.0:
        return 0.0
    if alpha >= 1.0:
        return TWO_PI
    # small-angle start: theta - sin(theta) ~ theta^3 / 6 (1 - theta^2 / 20)
    theta = (6.0 * TWO_PI * alpha) ** (1.0 / 3.0)
    theta = min(theta * (1.0 + theta * theta / 60.0), TWO_PI)
    if alpha > 0.04:
        theta = 1.2 + 5.08 * (alpha - 0.04) / 0.96
    target = TWO_PI * alpha
    polished = False
    for _ in range(THETA_ITER):
        f = theta - np.sin(theta) - target
        df = 1.0 - np.cos(theta)
        if df <= 1e-300:
            break
        d = f / df
        if d > 1.0:
            d = 1.0
        elif d < -1.0:
            d = -1.0
        theta -= d
        if polished:
            break
        polished = abs(d) <= THETA_TOL
    return theta


@kernel(**JIT)
def circular_y_of_alpha(alpha):
    """Relative depth y/D of a circle filled to relative area ``alpha``."""
    if alpha >= 1.0:
        return 1.0
    if alpha <= 0.0:
        return 0.0
    if alpha <= SMALL_ALPHA:
        theta = (ALPHA_COEF * alpha) ** (1.0 / 3.0)
        return theta * theta / 16.0
    theta = theta_of_alpha(alpha)
    return 0.5 * (1.0 - np.cos(0.5 * theta))


@kernel(**JIT)
def circular_s_of_alpha(alpha):
    """Relative section factor S/Sfull of a circle filled to relative area ``alpha``."""
    if alpha >= 1.0:
        return 1.0
    if alpha <= 0.0:
        return 0.0
    if alpha <= SMALL_ALPHA:
        theta = (ALPHA_COEF * alpha) ** (1.0 / 3.0)
        return theta ** (13.0 / 3.0) / PSI_COEF
    theta = theta_of_alpha(alpha)
    return (theta - np.sin(theta)) ** (5.0 / 3.0) / TWO_PI / theta ** (2.0 / 3.0)


@kernel(**JIT)
def _theta_of_psi(psi):
    """Central angle [rad] of a circular segment with relative section factor ``psi``.

    Newton's method until a step is at most ``THETA_TOL`` (SWMM's tolerance), then
    one step more.
    """
    # small-angle start: S/Sfull ~ theta^(13/3) / (12 pi 6^(2/3)) (1 - theta^2 / 12)
    theta = (12.0 * np.pi * 6.0 ** (2.0 / 3.0) * psi) ** (3.0 / 13.0)
    theta = theta * (1.0 + theta * theta / 52.0)
    if psi > 0.9:
        theta = 4.17 + 1.12 * (psi - 0.9) / 0.176
    elif psi > 0.5:
        theta = 3.14 + 1.03 * (psi - 0.5) / 0.4
    elif psi > 0.015:
        theta = 1.2 + 1.94 * (psi - 0.015) / 0.485
    target = TWO_PI * psi
    polished = False
    for _ in range(THETA_ITER):
        theta = abs(theta)
        tt = theta - np.sin(theta)
        tt23 = tt ** (2.0 / 3.0)
        t3 = theta ** (1.0 / 3.0)
        f = target * theta / t3 - tt * tt23
        df = target * (2.0 / 3.0) / t3 - (5.0 / 3.0) * tt23 * (1.0 - np.cos(theta))
        if df == 0.0:
            break
        d = f / df
        theta -= d
        if polished:
            break
        polished = abs(d) <= THETA_TOL
    return theta


@kernel(**JIT)
def circular_alpha_of_psi(psi):
    """Relative area A/Afull of a circle whose relative section factor is ``psi`` (< 1)."""
    if psi >= 1.0:
        return 1.0
    if psi <= 0.0:
        return 0.0
    if psi <= SMALL_PSI:
        theta = (PSI_COEF * psi) ** (3.0 / 13.0)
        return theta * theta * theta / ALPHA_COEF
    theta = _theta_of_psi(psi)
    return (theta - np.sin(theta)) / TWO_PI
