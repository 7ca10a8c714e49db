"""2D overland flow on a raster: the local-inertial (ACC) scheme, q-centred form.

Unlike the pipe kernels, the surface is not SWMM's, so this module works in SI:
metres, seconds, m2/s for unit-width discharges.

Layout (index based; the engine maps indices to map coordinates):

- cells ``(i, j)``, ``i`` = row (0..ny-1), ``j`` = column (0..nx-1); bed ``z``,
  depth ``h`` and Manning ``n`` are ``(ny, nx)``; ``open_at_cell`` is 0 for
  blocked cells (buildings), which hold no water and let none through;
- ``qx`` is ``(ny, nx + 1)``: ``qx[i, j]`` crosses the face between ``(i, j - 1)``
  and ``(i, j)``, positive towards increasing ``j``; ``qy`` is ``(ny + 1, nx)``,
  ``qy[i, j]`` between ``(i - 1, j)`` and ``(i, j)``, positive towards increasing ``i``;
- the four edges are numbered ``EDGE_I0`` (faces ``qy[0, :]``), ``EDGE_I1``
  (``qy[ny, :]``), ``EDGE_J0`` (``qx[:, 0]``), ``EDGE_J1`` (``qx[:, nx]``); each is
  ``BC_CLOSED``, ``BC_FREE`` (outflow only, water leaves at normal depth on a slope
  ``max(bed slope into the edge, value)``) or ``BC_LEVEL`` (a fixed water level
  ``value`` [m] beyond the edge; water may enter or leave).

Face flux (de Almeida et al. 2012, q-centred; Bates et al. 2010 when the centred
term opposes the water-surface slope)::

    q+ = [theta q + (1-theta)(q_up + q_down)/2 - g hf dt d(eta)/ds]
         / [1 + g dt n^2 |q_vec| / hf^(7/3)]

with ``hf = max(eta0, eta1) - max(z0, z1)`` (no flow when ``hf <= h_min``),
``|q_vec| = sqrt(q^2 + q_perp^2)`` with ``q_perp`` the mean of the four
perpendicular neighbours, and ``n`` the mean of the two cells.  One safeguard of our
own: ``|q_vec|`` is never taken below the discharge that a fully implicit friction
term would give (the positive root of ``q (1 + K q) = numerator``).  Without it a
face that starts from rest feels no friction for a whole step; on a sloping thin
sheet (1 % slope, 2 m cells, steps of about 5 s) it then empties its cell, stops,
refills, and the sheet breaks into pulses.  At steady uniform flow both forms give
Manning's discharge.  Outflows of a cell are scaled down so that no cell gives more
than it holds in one step (mass-conserving, never a negative depth).  The grid is
cut into square tiles; a tile is computed only when it or one of its neighbours
holds a cell deeper than ``h_min`` (or, for continuity, when it rains).
"""

import numpy as np
from numba import prange

from twin.kernels.config import JIT, JIT_PARALLEL
from twin.kernels.jit import kernel

GRAVITY_MS2 = 9.81

EDGE_I0 = 0
EDGE_I1 = 1
EDGE_J0 = 2
EDGE_J1 = 3

BC_CLOSED = 0
BC_FREE = 1
BC_LEVEL = 2


@kernel(**JIT)
def _inertial_flux(q0, q_mean, q_perp, hf, d_eta, ds, n, dt, theta, g):
    """New unit discharge [m2/s] across one face (``d_eta`` = eta_downstream - eta_upstream)."""
    centred = theta * q0 + (1.0 - theta) * q_mean
    drive = -g * hf * dt * d_eta / ds
    if centred * drive < 0.0:
        centred = q0
    rhs = centred + drive
    k = g * dt * n * n / (hf * hf * np.cbrt(hf))
    # friction never weaker than with the new discharge itself (a face starting from
    # rest would otherwise accelerate freely for a whole step and empty its cell)
    q_vec = np.sqrt(q0 * q0 + q_perp * q_perp)
    if q_vec * (1.0 + k * q_vec) < abs(rhs):  # q_vec is below that root
        q_vec = 2.0 * abs(rhs) / (1.0 + np.sqrt(1.0 + 4.0 * k * abs(rhs)))
    return rhs / (1.0 + k * q_vec)


@kernel(**JIT)
def _edge_outflow(q_out0, z_c, h_c, n_c, z_in, has_in, kind, value, ds, dt, h_min, g):
    """Outward unit discharge [m2/s] through a boundary face of the cell ``(z_c, h_c)``."""
    if kind == BC_FREE:
        slope = value
        if has_in and (z_in - z_c) / ds > slope:
            slope = (z_in - z_c) / ds
        if h_c <= h_min:
            return 0.0
        q = _inertial_flux(q_out0, q_out0, 0.0, h_c, -slope * ds, ds, n_c, dt, 1.0, g)
        return max(q, 0.0)
    if kind == BC_LEVEL:
        eta_c = z_c + h_c
        eta_g = max(value, z_c)
        hf = max(eta_c, eta_g) - z_c
        if hf <= h_min:
            return 0.0
        return _inertial_flux(q_out0, q_out0, 0.0, hf, eta_g - eta_c, ds, n_c, dt, 1.0, g)
    return 0.0


@kernel(**JIT)
def _fluxes_in_tile(
    i0, i1, j0, j1, z, h, n, open_at_cell, qx, qy, qx_new, qy_new, bc_kind, bc_value, dt, dx,
    dy, theta, h_min, g,
):  # fmt: skip
    """New ``qx``/``qy`` on the faces owned by cells ``[i0, i1) x [j0, j1)``.

    A cell owns its low-``j`` x-face and low-``i`` y-face; the last column and the
    last row own the high edges too.
    """
    ny, nx = h.shape
    j_end = j1 + 1 if j1 == nx else j1
    i_end = i1 + 1 if i1 == ny else i1
    for i in range(i0, i1):
        for j in range(j0, j_end):
            q = 0.0
            if j == 0 or j == nx:
                c = 0 if j == 0 else nx - 1
                edge = EDGE_J0 if j == 0 else EDGE_J1
                sign = -1.0 if j == 0 else 1.0
                if open_at_cell[i, c] and bc_kind[edge] != BC_CLOSED:
                    ci = 1 if j == 0 else nx - 2
                    has_in = nx > 1 and open_at_cell[i, ci] != 0
                    z_in = z[i, ci] if has_in else 0.0
                    q_out = _edge_outflow(
                        sign * qx[i, j], z[i, c], h[i, c], n[i, c], z_in, has_in,
                        bc_kind[edge], bc_value[edge], dx, dt, h_min, g,
                    )  # fmt: skip
                    q = sign * q_out
            elif open_at_cell[i, j - 1] and open_at_cell[i, j]:
                za = z[i, j - 1]
                zb = z[i, j]
                eta_a = za + h[i, j - 1]
                eta_b = zb + h[i, j]
                hf = max(eta_a, eta_b) - max(za, zb)
                if hf > h_min:
                    q_perp = 0.25 * (qy[i, j - 1] + qy[i + 1, j - 1] + qy[i, j] + qy[i + 1, j])
                    q_mean = 0.5 * (qx[i, j - 1] + qx[i, j + 1])
                    nf = 0.5 * (n[i, j - 1] + n[i, j])
                    q = _inertial_flux(
                        qx[i, j], q_mean, q_perp, hf, eta_b - eta_a, dx, nf, dt, theta, g
                    )
            qx_new[i, j] = q
    for i in range(i0, i_end):
        for j in range(j0, j1):
            q = 0.0
            if i == 0 or i == ny:
                c = 0 if i == 0 else ny - 1
                edge = EDGE_I0 if i == 0 else EDGE_I1
                sign = -1.0 if i == 0 else 1.0
                if open_at_cell[c, j] and bc_kind[edge] != BC_CLOSED:
                    ci = 1 if i == 0 else ny - 2
                    has_in = ny > 1 and open_at_cell[ci, j] != 0
                    z_in = z[ci, j] if has_in else 0.0
                    q_out = _edge_outflow(
                        sign * qy[i, j], z[c, j], h[c, j], n[c, j], z_in, has_in,
                        bc_kind[edge], bc_value[edge], dy, dt, h_min, g,
                    )  # fmt: skip
                    q = sign * q_out
            elif open_at_cell[i - 1, j] and open_at_cell[i, j]:
                za = z[i - 1, j]
                zb = z[i, j]
                eta_a = za + h[i - 1, j]
                eta_b = zb + h[i, j]
                hf = max(eta_a, eta_b) - max(za, zb)
                if hf > h_min:
                    q_perp = 0.25 * (qx[i - 1, j] + qx[i - 1, j + 1] + qx[i, j] + qx[i, j + 1])
                    q_mean = 0.5 * (qy[i - 1, j] + qy[i + 1, j])
                    nf = 0.5 * (n[i - 1, j] + n[i, j])
                    q = _inertial_flux(
                        qy[i, j], q_mean, q_perp, hf, eta_b - eta_a, dy, nf, dt, theta, g
                    )
            qy_new[i, j] = q


@kernel(**JIT)
def _zero_tile_faces(i0, i1, j0, j1, qx, qy):
    """Zero the faces owned by a tile (see :func:`_fluxes_in_tile`)."""
    ny = qy.shape[0] - 1
    nx = qx.shape[1] - 1
    j_end = j1 + 1 if j1 == nx else j1
    i_end = i1 + 1 if i1 == ny else i1
    for i in range(i0, i1):
        for j in range(j0, j_end):
            qx[i, j] = 0.0
    for i in range(i0, i_end):
        for j in range(j0, j1):
            qy[i, j] = 0.0


@kernel(**JIT)
def _outflow_factor_in_tile(i0, i1, j0, j1, h, qx, qy, factor, dt, dx, dy):
    """Per cell, the fraction of its outflows it can afford this step; True if any < 1."""
    limited = False
    for i in range(i0, i1):
        for j in range(j0, j1):
            out = dt * (
                (max(-qx[i, j], 0.0) + max(qx[i, j + 1], 0.0)) * dy
                + (max(-qy[i, j], 0.0) + max(qy[i + 1, j], 0.0)) * dx
            )
            vol = h[i, j] * dx * dy
            if out > vol:
                factor[i, j] = vol / out
                limited = True
            else:
                factor[i, j] = 1.0
    return limited


@kernel(**JIT)
def _limit_faces_in_tile(i0, i1, j0, j1, qx, qy, factor):
    """Scale each owned face by the factor of the cell it drains."""
    ny, nx = factor.shape
    j_end = j1 + 1 if j1 == nx else j1
    i_end = i1 + 1 if i1 == ny else i1
    for i in range(i0, i1):
        for j in range(j0, j_end):
            q = qx[i, j]
            if q > 0.0 and j > 0:
                qx[i, j] = q * factor[i, j - 1]
            elif q < 0.0 and j < nx:
                qx[i, j] = q * factor[i, j]
    for i in range(i0, i_end):
        for j in range(j0, j1):
            q = qy[i, j]
            if q > 0.0 and i > 0:
                qy[i, j] = q * factor[i - 1, j]
            elif q < 0.0 and i < ny:
                qy[i, j] = q * factor[i, j]


@kernel(**JIT)
def _continuity_in_tile(
    i0, i1, j0, j1, h, open_at_cell, qx, qy, rain_at_cell, rain_on, max_depth_at_cell, dt, dx, dy
):
    """Depth update of the tile's cells; returns (max depth, flat index of a bad cell or -1)."""
    nx = h.shape[1]
    h_top = 0.0
    bad = -1
    for i in range(i0, i1):
        for j in range(j0, j1):
            if not open_at_cell[i, j]:
                continue
            dh = (qx[i, j] - qx[i, j + 1]) / dx + (qy[i, j] - qy[i + 1, j]) / dy
            if rain_on:
                dh += rain_at_cell[i, j]
            hn = h[i, j] + dt * dh
            if hn < 0.0:
                if hn < -1e-9:
                    bad = i * nx + j
                hn = 0.0
            if not hn < 1e6:
                bad = i * nx + j
            h[i, j] = hn
            if hn > h_top:
                h_top = hn
            if hn > max_depth_at_cell[i, j]:
                max_depth_at_cell[i, j] = hn
    return h_top, bad


@kernel(**JIT)
def _tile_bounds(t, ntx, tile, ny, nx):
    ti = t // ntx
    tj = t - ti * ntx
    i0 = ti * tile
    j0 = tj * tile
    return i0, min(i0 + tile, ny), j0, min(j0 + tile, nx)


@kernel(**JIT_PARALLEL)
def overland_step(
    z, h, n, open_at_cell, qx, qy, qx_new, qy_new, factor, rain_at_cell, rain_on, source_m3s,
    cell_at_source, source_m3_at_source, wet_at_tile, depth_max_at_tile, dirty_new_at_tile,
    max_depth_at_cell, bc_kind, bc_value, dt, dx, dy, theta, h_min, tile,
):  # fmt: skip
    """Advance the surface by one step ``dt`` [s] (fluxes, limiter, continuity, sources).

    Parameters
    ----------
    z, n : (ny, nx) float64
        Bed elevation [m] and Manning coefficient [s m^-1/3] at cell.
    h : (ny, nx) float64
        Depth at cell [m]; updated in place.
    open_at_cell : (ny, nx) uint8
        1 where water may be, 0 for blocked cells.
    qx, qy : (ny, nx + 1), (ny + 1, nx) float64
        Unit discharge at face [m2/s] at the start of the step (read only).
    qx_new, qy_new : same shapes
        Filled with the discharges of this step (after limiting); the caller swaps.
    factor : (ny, nx) float64
        Scratch.
    rain_at_cell : (ny, nx) float64
        Rain (net water input) rate [m/s], read when ``rain_on``; must be >= 0.
    source_m3s, cell_at_source : (k,) float64, (k,) int64
        Point sources [m3/s] (negative = withdrawal) at flat cell indices.
    source_m3_at_source : (k,) float64
        Volume actually added at each source [m3] is added here (a withdrawal is
        limited to the water the cell holds).
    wet_at_tile, depth_max_at_tile : (n_tiles,) uint8, float64
        Per tile: any depth above ``h_min``, and the greatest depth [m]; kept up to date.
    dirty_new_at_tile : (n_tiles,) uint8
        Per tile: whether ``qx_new``/``qy_new`` may hold non-zero values there.
    max_depth_at_cell : (ny, nx) float64
        Running maximum depth [m], updated.
    bc_kind, bc_value : (4,) int64, (4,) float64
        Boundary kind and value per edge (see the module docstring).
    dt, dx, dy : float
        Step [s], cell sizes along ``j`` and ``i`` [m].
    theta, h_min : float
        q-centring weight (1 = Bates 2010) and least flowing depth [m].
    tile : int
        Tile edge in cells.

    Returns
    -------
    boundary_out_m3 : float
        Volume that left through the edges this step [m3] (negative when it entered).
    bad_cell : int
        Flat index of a cell with a negative, huge or NaN depth, or -1.
    """
    g = GRAVITY_MS2
    ny, nx = h.shape
    nty = (ny + tile - 1) // tile
    ntx = (nx + tile - 1) // tile
    n_tiles = nty * ntx
    active = np.zeros(n_tiles, dtype=np.uint8)
    for t in range(n_tiles):
        if wet_at_tile[t]:
            ti = t // ntx
            tj = t - ti * ntx
            for a in range(max(ti - 1, 0), min(ti + 2, nty)):
                for b in range(max(tj - 1, 0), min(tj + 2, ntx)):
                    active[a * ntx + b] = 1
    # an edge held at a water level can flood dry ground: keep its tiles computed
    for e in range(4):
        if bc_kind[e] == BC_LEVEL:
            for t in range(n_tiles):
                ti = t // ntx
                tj = t - ti * ntx
                if (
                    (e == EDGE_I0 and ti == 0)
                    or (e == EDGE_I1 and ti == nty - 1)
                    or (e == EDGE_J0 and tj == 0)
                    or (e == EDGE_J1 and tj == ntx - 1)
                ):
                    active[t] = 1
    for t in prange(n_tiles):
        i0, i1, j0, j1 = _tile_bounds(t, ntx, tile, ny, nx)
        if active[t]:
            _fluxes_in_tile(
                i0, i1, j0, j1, z, h, n, open_at_cell, qx, qy, qx_new, qy_new, bc_kind,
                bc_value, dt, dx, dy, theta, h_min, g,
            )  # fmt: skip
            dirty_new_at_tile[t] = 1
        elif dirty_new_at_tile[t]:
            _zero_tile_faces(i0, i1, j0, j1, qx_new, qy_new)
            dirty_new_at_tile[t] = 0
    limited = np.zeros(n_tiles, dtype=np.uint8)
    for t in prange(n_tiles):
        if active[t]:
            i0, i1, j0, j1 = _tile_bounds(t, ntx, tile, ny, nx)
            if _outflow_factor_in_tile(i0, i1, j0, j1, h, qx_new, qy_new, factor, dt, dx, dy):
                limited[t] = 1
    # a face is scaled by the tile owning it; the drained cell may lie in a neighbour
    for t in prange(n_tiles):
        if active[t]:
            ti = t // ntx
            tj = t - ti * ntx
            need = limited[t] != 0
            if ti > 0 and limited[t - ntx]:
                need = True
            if tj > 0 and limited[t - 1]:
                need = True
            if ti + 1 < nty and limited[t + ntx]:
                need = True
            if tj + 1 < ntx and limited[t + 1]:
                need = True
            if need:
                i0, i1, j0, j1 = _tile_bounds(t, ntx, tile, ny, nx)
                _limit_faces_in_tile(i0, i1, j0, j1, qx_new, qy_new, factor)
    bad_at_tile = np.full(n_tiles, -1, dtype=np.int64)
    for t in prange(n_tiles):
        if active[t] or rain_on:
            i0, i1, j0, j1 = _tile_bounds(t, ntx, tile, ny, nx)
            top, bad = _continuity_in_tile(
                i0, i1, j0, j1, h, open_at_cell, qx_new, qy_new, rain_at_cell, rain_on,
                max_depth_at_cell, dt, dx, dy,
            )  # fmt: skip
            depth_max_at_tile[t] = top
            wet_at_tile[t] = 1 if top > h_min else 0
            bad_at_tile[t] = bad
    cell_area = dx * dy
    for k in range(source_m3s.shape[0]):
        c = cell_at_source[k]
        i = c // nx
        j = c - i * nx
        vol = source_m3s[k] * dt
        if vol < -h[i, j] * cell_area:
            vol = -h[i, j] * cell_area
        hn = h[i, j] + vol / cell_area
        if hn < 0.0:
            hn = 0.0
        h[i, j] = hn
        source_m3_at_source[k] += vol
        if hn > max_depth_at_cell[i, j]:
            max_depth_at_cell[i, j] = hn
        t = (i // tile) * ntx + j // tile
        if hn > depth_max_at_tile[t]:
            depth_max_at_tile[t] = hn
        if hn > h_min:
            wet_at_tile[t] = 1
    out = 0.0
    for i in range(ny):
        out += (qx_new[i, nx] - qx_new[i, 0]) * dy * dt
    for j in range(nx):
        out += (qy_new[ny, j] - qy_new[0, j]) * dx * dt
    bad_cell = -1
    for t in range(n_tiles):
        if bad_at_tile[t] >= 0:
            bad_cell = bad_at_tile[t]
            break
    return out, bad_cell


@kernel(**JIT)
def stable_step(depth_max, dx, dy, alpha, dt_cap):
    """Stable step [s]: ``alpha min(dx, dy) / sqrt(g depth_max)``, at most ``dt_cap``."""
    if depth_max <= 0.0:
        return dt_cap
    dt = alpha * min(dx, dy) / np.sqrt(GRAVITY_MS2 * depth_max)
    return min(dt, dt_cap)
