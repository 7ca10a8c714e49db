"""1D-2D exchange through manholes: weir and orifice discharge between a node and its cell.

SI units (m, m2, m3/s, s).  Sign: **positive from the surface into the pipe**.

Regimes (Rubinato et al. 2017, J. Hydrol. 552, as used by Itzi's drainage coupling),
for surface water level ``eta`` in the node's cell, node head ``H``, crest (rim)
elevation ``z_c``, manhole plan area ``A`` and perimeter ``P = 2 sqrt(pi A)``:

- surface to pipe, ``eta > H`` and ``h = eta - z_c > 0``:

  - free weir (``H <= z_c``): ``Q = 2/3 C_w P h^(3/2) sqrt(2 g)``;
  - submerged weir (``H > z_c``, ``h < A / P``): ``Q = C_sw P h sqrt(2 g h)``;
  - orifice (``H > z_c``, ``h >= A / P``): ``Q = C_o A sqrt(2 g (eta - H))``;

- pipe to surface, ``H > eta`` and ``H > z_c``: orifice,
  ``Q = -C_o A sqrt(2 g (H - max(eta, z_c)))``.

The per-node driver blends the new discharge with the last one (relaxation), damps
a change of direction, and never takes more from a cell in one step than the cell
holds (shared between the nodes of one cell, in node order).
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel

GRAVITY_MS2 = 9.81

REGIME_NONE = 0
REGIME_FREE_WEIR = 1
REGIME_SUBMERGED_WEIR = 2
REGIME_ORIFICE = 3

C_ORIFICE = 0.167
C_FREE_WEIR = 0.54
C_SUBMERGED_WEIR = 0.056


@kernel(**JIT)
def manhole_discharge(head_m, crest_m, area_m2, level_m, c_orifice, c_free_weir, c_sub_weir):
    """Exchange discharge through one manhole, before any relaxation or limit.

    Parameters
    ----------
    head_m : float
        Hydraulic head at the node [m].
    crest_m : float
        Rim (crest) elevation of the manhole [m].
    area_m2 : float
        Plan area of the manhole [m2]; the weir length is its circumference.
    level_m : float
        Water-surface elevation in the node's cell [m] (the bed where dry).
    c_orifice, c_free_weir, c_sub_weir : float
        Discharge coefficients (-).

    Returns
    -------
    q_m3s : float
        Discharge [m3/s], positive from the surface into the pipe.
    regime : int
        ``REGIME_NONE``, ``REGIME_FREE_WEIR``, ``REGIME_SUBMERGED_WEIR`` or ``REGIME_ORIFICE``.
    """
    g2 = 2.0 * GRAVITY_MS2
    if head_m > level_m:
        if head_m <= crest_m:
            return 0.0, REGIME_NONE
        dh = head_m - max(level_m, crest_m)
        return -c_orifice * area_m2 * np.sqrt(g2 * dh), REGIME_ORIFICE
    if level_m > head_m:
        h = level_m - crest_m
        if h <= 0.0:
            return 0.0, REGIME_NONE
        perimeter = 2.0 * np.sqrt(np.pi * area_m2)
        if head_m <= crest_m:
            return (2.0 / 3.0) * c_free_weir * perimeter * h * np.sqrt(g2 * h), REGIME_FREE_WEIR
        if h < area_m2 / perimeter:
            return c_sub_weir * perimeter * h * np.sqrt(g2 * h), REGIME_SUBMERGED_WEIR
        return c_orifice * area_m2 * np.sqrt(g2 * (level_m - head_m)), REGIME_ORIFICE
    return 0.0, REGIME_NONE


@kernel(**JIT)
def exchange_at_nodes(
    head_at_node, crest_at_node, area_at_node, level_at_node, cell_volume_at_node,
    group_at_node, q_old_at_node, dt, c_orifice, c_free_weir, c_sub_weir, relaxation, damping,
    q_out, regime_out, budget,
):  # fmt: skip
    """Exchange discharge at every coupled node for a step ``dt``.

    Parameters
    ----------
    head_at_node, crest_at_node, area_at_node, level_at_node : (k,) float64
        Node head [m], rim elevation [m], manhole area [m2], cell water level [m].
    cell_volume_at_node : (k,) float64
        Water held by the node's cell [m3] (depth times cell area).
    group_at_node : (k,) int64
        Index of the first node that shares this node's cell (itself if none).
    q_old_at_node : (k,) float64
        Discharge of the previous exchange [m3/s] (zeros at the start).
    dt : float
        Step over which the discharge acts [s].
    c_orifice, c_free_weir, c_sub_weir : float
        Discharge coefficients (-).
    relaxation : float
        Weight of the new discharge (1 = none); ``q = r q_new + (1 - r) q_old``.
    damping : float
        Factor applied when the direction flips relative to ``q_old``.
    q_out : (k,) float64
        Filled with the discharge [m3/s], positive surface to pipe.
    regime_out : (k,) int8
        Filled with the regime of the undamped discharge.
    budget : (k,) float64
        Scratch.

    Returns
    -------
    q_out : (k,) float64
    """
    k = head_at_node.shape[0]
    for m in range(k):
        budget[m] = cell_volume_at_node[m]
    for m in range(k):
        q, regime = manhole_discharge(
            head_at_node[m], crest_at_node[m], area_at_node[m], level_at_node[m], c_orifice,
            c_free_weir, c_sub_weir,
        )  # fmt: skip
        regime_out[m] = regime
        q_old = q_old_at_node[m]
        q = relaxation * q + (1.0 - relaxation) * q_old
        if (q_old > 0.0 and q < 0.0) or (q_old < 0.0 and q > 0.0):
            q *= damping
        if q > 0.0:
            grp = group_at_node[m]
            q_max = max(budget[grp], 0.0) / dt
            if q > q_max:
                q = q_max
            budget[grp] -= q * dt
        q_out[m] = q
    return q_out
