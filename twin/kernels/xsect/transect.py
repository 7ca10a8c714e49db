"""Geometry tables of an IRREGULAR cross section from its HEC-2 transect, as SWMM 5.2 builds them.

A transect ([TRANSECTS]: NC, X1 and GR lines) is a list of stations (distance across,
elevation) with Manning's n of the left overbank, the main channel and the right
overbank, the stations where the overbanks end, and a meander factor (main channel
length / flood plain length).  SWMM's ``transect.c`` closes the section with vertical
walls at both ends up to the highest station, then fills 51 equally spaced depths: area
and top width summed slice by slice, and a hydraulic radius that makes Manning's
equation with the main channel's n give the flow of the subsections (each subsection's
own n, split where a station rises out of the water or where an overbank's n changes).
Tables are relative to the full section (51 entries, ``ROW_A``, ``ROW_R``, ``ROW_W``);
``ROW_CUSTOM_SCALARS`` holds the absolute ``[aFull, rFull, wMax, sMax, aMax, ywMax/yFull]``
[ft2, ft, ft, ft^(8/3), ft2, -].  Plain numpy, run once per transect (read from SWMM's
source, written anew; the loop order is SWMM's, so the sums are its sums).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.kernels.xsect.tables import N_TBL, ROW_A, ROW_CUSTOM_SCALARS, ROW_R, ROW_W

PHI = 1.486  # SWMM's Manning constant (US units) of the subsections' flow
PHI_RADIUS = 1.49  # ... and the one transect.c's hydraulic radius uses


@dataclass(frozen=True)
class TransectGeometry:
    """One transect in feet after SWMM's X1 adjustments (station factor, elevation offset).

    ``stations`` and ``elevations`` [ft] as given (at least two, stations not decreasing);
    ``n_left``, ``n_right``, ``n_channel`` Manning's n (overbanks default to the channel's);
    ``x_left``, ``x_right`` [ft] the stations where the left overbank ends and the right
    one begins; ``length_factor`` the meander factor (1 when not given).
    """

    stations: np.ndarray
    elevations: np.ndarray
    n_left: float
    n_right: float
    n_channel: float
    x_left: float
    x_right: float
    length_factor: float = 1.0
    #: False for a STREET section (``transect_createStreetTransect``): its stations are
    #: the closed outline, used as given (no walls added at the ends)
    walls: bool = True


def transect_table(t: TransectGeometry) -> tuple[np.ndarray, float, float]:
    """The tables of a transect (SWMM's ``transect_validate`` / ``createTables``).

    Returns
    -------
    table : (5, 51) float64
        Rows ``ROW_A``, ``ROW_R``, ``ROW_W`` relative to the full values; row
        ``ROW_CUSTOM_SCALARS`` as in the module docstring; row ``ROW_S`` zero.
    y_full : float
        Full depth [ft]: highest station minus lowest.
    roughness : float
        The conduit's Manning's n: the main channel's, before the meander adjustment.

    Raises
    ------
    ValueError
        Fewer than two stations, no channel n, left overbank station right of the right
        one, or no depth (SWMM's errors 218-221).
    """
    x = np.asarray(t.stations, dtype=np.float64)
    z = np.asarray(t.elevations, dtype=np.float64)
    if x.size < 2:
        raise ValueError("a transect needs at least two stations")
    if t.n_channel <= 0.0:
        raise ValueError("a transect needs the main channel's Manning's n > 0")
    if t.x_left > t.x_right:
        raise ValueError("the left overbank station lies right of the right one")
    y_max, y_min = float(z.max()), float(z.min())
    if y_min >= y_max:
        raise ValueError("a transect needs stations at different elevations")
    n_channel = t.n_channel * np.sqrt(t.length_factor)
    # vertical walls at both ends up to the highest station (SWMM's Station[0], [n+1])
    sta = np.concatenate(([x[0]], x, [x[-1]])) if t.walls else x
    elev = np.concatenate(([y_max], z, [y_max])) if t.walls else z
    n_sta = sta.size - 1  # SWMM's Nstations after adding the right wall
    area = np.zeros(N_TBL)
    hrad = np.zeros(N_TBL)
    width = np.zeros(N_TBL)
    dy = (y_max - y_min) / (N_TBL - 1.0)
    y = y_min
    for i in range(1, N_TBL):
        y += dy
        q_sum = 0.0
        a_sum = 0.0
        wp_sum = 0.0
        for k in range(1, n_sta + 1):
            y_hi, y_lo = max(elev[k - 1], elev[k]), min(elev[k - 1], elev[k])
            if y_lo >= y:
                continue
            w, a, wp = _slice(sta[k] - sta[k - 1], y, y_lo, y_hi)
            wp_sum += wp
            a_sum += a
            area[i] += a
            width[i] += w
            q = _subsection_flow(k, a_sum, wp_sum, elev[k] >= y, sta, n_sta, t, n_channel)
            if q > 0.0:
                q_sum += q
                a_sum = 0.0
                wp_sum = 0.0
        if area[i] == 0.0:
            hrad[i] = hrad[i - 1]
        else:
            hrad[i] = (q_sum * n_channel / PHI_RADIUS / area[i]) ** 1.5
    s_max = 0.0
    a_max = 0.0
    for i in range(1, N_TBL):
        sf = area[i] * hrad[i] ** (2.0 / 3.0)
        if sf > s_max:
            s_max, a_max = sf, area[i]
    a_full, r_full, w_max = area[-1], hrad[-1], width[-1]
    out = np.zeros((5, N_TBL))
    out[ROW_A, 1:] = area[1:] / a_full
    out[ROW_R, 1:] = hrad[1:] / r_full
    out[ROW_W, 1:] = width[1:] / w_max
    out[ROW_W, 0] = out[ROW_W, 1]
    i_max = 0
    for i in range(1, N_TBL):
        if out[ROW_W, i] < out[ROW_W, i_max]:
            break
        i_max = i
    out[ROW_CUSTOM_SCALARS, :6] = [a_full, r_full, w_max, s_max, a_max, i_max / (N_TBL - 1.0)]
    return out, y_max - y_min, float(t.n_channel)


def _slice(dx, y, y_lo, y_hi):
    """Top width, area and wetted perimeter of the water over one slice (getSliceGeom)."""
    w = abs(dx)
    wp = np.sqrt(w * w + (y_hi - y_lo) * (y_hi - y_lo))
    a = 0.0
    if y > y_hi:
        a = w * ((y - y_hi) + (y - y_lo)) / 2.0
    elif y_hi > y_lo:
        ratio = (y - y_lo) / (y_hi - y_lo)
        a = w * (y_hi - y_lo) / 2.0 * ratio * ratio
        w *= ratio
        wp *= ratio
    return w, a, wp


def _subsection_flow(k, a, wp, find, sta, n_sta, t, n_channel):
    """Manning flow per unit slope of the subsection ending at station ``k`` when it ends
    there (a station above water, the last one, or an overbank's n changing), else 0."""
    if not find:
        if k == n_sta - 1:
            find = True
        elif sta[k] == t.x_left:  # SWMM compares with the meander-adjusted channel n
            find = t.n_left != n_channel and sta[k] != sta[k - 1]
        elif sta[k] == t.x_right:
            # (past the last station SWMM reads a stale entry; the wall's area there is 0)
            find = t.n_right != n_channel and k + 1 < sta.size and sta[k] != sta[k + 1]
    if not find:
        return 0.0
    n = n_channel
    if sta[k - 1] < t.x_left:
        n = t.n_left
    if sta[k] > t.x_right:
        n = t.n_right
    return PHI / n * a * (a / wp) ** (2.0 / 3.0)
