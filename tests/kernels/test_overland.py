"""The local-inertial overland kernel against a plain-numpy reference and exact invariants."""

import numba
import numpy as np
import pytest

from twin.kernels.surface import overland as ko

G = ko.GRAVITY_MS2


class Grid:
    """Kernel state and a step loop that swaps the face buffers (the driver's job)."""

    def __init__(
        self,
        z,
        h,
        n=0.03,
        open_=None,
        bc_kind=(0, 0, 0, 0),
        bc_value=(0, 0, 0, 0),
        tile=4,
        theta=0.9,
        h_min=1e-3,
        threads=1,
    ):
        ny, nx = z.shape
        self.threads = min(threads, numba.config.NUMBA_NUM_THREADS)
        self.z = np.ascontiguousarray(z, float)
        self.h = np.ascontiguousarray(h, float).copy()
        self.n = np.full((ny, nx), n) if np.ndim(n) == 0 else np.ascontiguousarray(n, float)
        self.open = np.ones((ny, nx), np.uint8) if open_ is None else open_.astype(np.uint8)
        self.h[self.open == 0] = 0.0
        self.qx = [np.zeros((ny, nx + 1)), np.zeros((ny, nx + 1))]
        self.qy = [np.zeros((ny + 1, nx)), np.zeros((ny + 1, nx))]
        self.tile, self.theta, self.h_min = tile, theta, h_min
        nt = (-(-ny // tile)) * (-(-nx // tile))
        pad = np.zeros((-(-ny // tile) * tile, -(-nx // tile) * tile))
        pad[:ny, :nx] = self.h
        top = pad.reshape(pad.shape[0] // tile, tile, -1, tile).max(axis=(1, 3)).ravel()
        self.depth_max_at_tile = top.copy()
        self.wet = (top > h_min).astype(np.uint8)
        self.dirty = [np.zeros(nt, np.uint8), np.zeros(nt, np.uint8)]
        self.factor = np.ones((ny, nx))
        self.rain = np.zeros((ny, nx))
        self.hmax = self.h.copy()
        self.bc_kind = np.array(bc_kind, np.int64)
        self.bc_value = np.array(bc_value, float)
        self.src_vol = np.zeros(0)
        self.boundary_out = 0.0

    def step(self, dt, dx=1.0, dy=1.0, rain=0.0, src=(), cells=()):
        self.rain[:] = rain
        src = np.asarray(src, float)
        if self.src_vol.size != src.size:
            self.src_vol = np.zeros(src.size)
        before = numba.get_num_threads()
        numba.set_num_threads(self.threads)
        out, bad = ko.overland_step(
            self.z,
            self.h,
            self.n,
            self.open,
            self.qx[0],
            self.qy[0],
            self.qx[1],
            self.qy[1],
            self.factor,
            self.rain,
            rain > 0,
            src,
            np.asarray(cells, np.int64),
            self.src_vol,
            self.wet,
            self.depth_max_at_tile,
            self.dirty[1],
            self.hmax,
            self.bc_kind,
            self.bc_value,
            dt,
            dx,
            dy,
            self.theta,
            self.h_min,
            self.tile,
        )
        numba.set_num_threads(before)
        self.qx.reverse()
        self.qy.reverse()
        self.dirty.reverse()
        self.boundary_out += out
        assert bad == -1
        return out


def reference_step(z, h, n, open_, qx, qy, bc_kind, bc_value, dt, dx, dy, theta, h_min):
    """One step written slowly: face fluxes, the outflow limit, continuity (no rain/sources)."""
    ny, nx = z.shape
    eta = z + h

    def face(q0, q_mean, q_perp, hf, d_eta, ds, nf):
        centred = theta * q0 + (1 - theta) * q_mean
        drive = -G * hf * dt * d_eta / ds
        if centred * drive < 0:
            centred = q0
        rhs = centred + drive
        k = G * dt * nf**2 / hf ** (7.0 / 3.0)
        q_impl = (np.sqrt(1 + 4 * k * abs(rhs)) - 1) / (2 * k)
        return rhs / (1 + k * max(np.hypot(q0, q_perp), q_impl))

    def edge(q_out0, zc, hc, nc, z_in, has_in, kind, value, ds):
        if kind == ko.BC_FREE:
            s = max(value, (z_in - zc) / ds) if has_in else value
            if hc <= h_min:
                return 0.0
            return max(face(q_out0, q_out0, 0.0, hc, -s * ds, ds, nc), 0.0)
        if kind == ko.BC_LEVEL:
            eg = max(value, zc)
            hf = max(zc + hc, eg) - zc
            return 0.0 if hf <= h_min else face(q_out0, q_out0, 0.0, hf, eg - zc - hc, ds, nc)
        return 0.0

    qxn = np.zeros_like(qx)
    qyn = np.zeros_like(qy)
    for i in range(ny):
        for j in range(nx + 1):
            if j in (0, nx):
                c, ci, e, sg = (0, 1, ko.EDGE_J0, -1) if j == 0 else (nx - 1, nx - 2, ko.EDGE_J1, 1)
                if open_[i, c]:
                    qxn[i, j] = sg * edge(
                        sg * qx[i, j], z[i, c], h[i, c], n[i, c], z[i, ci], open_[i, ci] == 1,
                        bc_kind[e], bc_value[e], dx,
                    )  # fmt: skip
                continue
            if not (open_[i, j - 1] and open_[i, j]):
                continue
            hf = max(eta[i, j - 1], eta[i, j]) - max(z[i, j - 1], z[i, j])
            if hf > h_min:
                perp = (qy[i, j - 1] + qy[i + 1, j - 1] + qy[i, j] + qy[i + 1, j]) / 4
                qxn[i, j] = face(
                    qx[i, j],
                    (qx[i, j - 1] + qx[i, j + 1]) / 2,
                    perp,
                    hf,
                    eta[i, j] - eta[i, j - 1],
                    dx,
                    (n[i, j - 1] + n[i, j]) / 2,
                )
    for i in range(ny + 1):
        for j in range(nx):
            if i in (0, ny):
                c, ci, e, sg = (0, 1, ko.EDGE_I0, -1) if i == 0 else (ny - 1, ny - 2, ko.EDGE_I1, 1)
                if open_[c, j]:
                    qyn[i, j] = sg * edge(
                        sg * qy[i, j], z[c, j], h[c, j], n[c, j], z[ci, j], open_[ci, j] == 1,
                        bc_kind[e], bc_value[e], dy,
                    )  # fmt: skip
                continue
            if not (open_[i - 1, j] and open_[i, j]):
                continue
            hf = max(eta[i - 1, j], eta[i, j]) - max(z[i - 1, j], z[i, j])
            if hf > h_min:
                perp = (qx[i - 1, j] + qx[i - 1, j + 1] + qx[i, j] + qx[i, j + 1]) / 4
                qyn[i, j] = face(
                    qy[i, j],
                    (qy[i - 1, j] + qy[i + 1, j]) / 2,
                    perp,
                    hf,
                    eta[i, j] - eta[i - 1, j],
                    dy,
                    (n[i - 1, j] + n[i, j]) / 2,
                )
    # outflow limit: no cell gives more than it holds
    out = dt * (
        (np.maximum(-qxn[:, :-1], 0) + np.maximum(qxn[:, 1:], 0)) * dy
        + (np.maximum(-qyn[:-1, :], 0) + np.maximum(qyn[1:, :], 0)) * dx
    )
    vol = h * dx * dy
    fac = np.where(out > vol, vol / np.where(out > 0, out, 1), 1.0)
    src_x = np.where(qxn > 0, np.pad(fac, ((0, 0), (1, 0)), constant_values=1), 1.0)
    dst_x = np.where(qxn < 0, np.pad(fac, ((0, 0), (0, 1)), constant_values=1), 1.0)
    qxn = qxn * src_x * dst_x
    src_y = np.where(qyn > 0, np.pad(fac, ((1, 0), (0, 0)), constant_values=1), 1.0)
    dst_y = np.where(qyn < 0, np.pad(fac, ((0, 1), (0, 0)), constant_values=1), 1.0)
    qyn = qyn * src_y * dst_y
    hn = h + dt * ((qxn[:, :-1] - qxn[:, 1:]) / dx + (qyn[:-1, :] - qyn[1:, :]) / dy)
    hn = np.where(open_ == 1, np.maximum(hn, 0.0), 0.0)
    return hn, qxn, qyn


@pytest.mark.parametrize("bc", [(0, 0, 0, 0), (1, 2, 2, 1)])
def test_step_matches_numpy_reference(bc):
    rng = np.random.default_rng(7)
    ny, nx = 11, 13
    z = rng.uniform(0, 1.0, (ny, nx))
    h = np.where(rng.random((ny, nx)) < 0.7, rng.uniform(0, 0.4, (ny, nx)) ** 2, 0.0)
    n = rng.uniform(0.01, 0.03, (ny, nx))
    open_ = (rng.random((ny, nx)) > 0.1).astype(np.uint8)
    bc_value = (0.01, 0.35, 0.1, 0.02)
    g = Grid(z, h, n, open_, bc, bc_value, tile=4)
    # give the faces some history so that the centred and perpendicular terms matter;
    # the step is long enough for some thin cells to hit the outflow limit
    g.step(0.5, dx=1.5, dy=1.2)
    h0, qx0, qy0 = g.h.copy(), g.qx[0].copy(), g.qy[0].copy()
    g.step(0.5, dx=1.5, dy=1.2)
    assert np.count_nonzero(g.factor < 1.0) >= 3
    href, qxr, qyr = reference_step(
        z, h0, g.n, g.open, qx0, qy0, g.bc_kind, g.bc_value, 0.5, 1.5, 1.2, 0.9, 1e-3
    )
    assert np.abs(qxr).max() > 1e-3 and np.abs(qyr).max() > 1e-3
    if any(bc):  # every edge carries water
        for edge in (qxr[:, 0], qxr[:, -1], qyr[0, :], qyr[-1, :]):
            assert np.abs(edge).max() > 1e-4
    np.testing.assert_allclose(g.qx[0], qxr, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g.qy[0], qyr, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g.h, href, rtol=1e-12, atol=1e-15)


def test_lake_at_rest_over_uneven_ground():
    rng = np.random.default_rng(3)
    ny, nx = 24, 30
    z = rng.uniform(0.0, 1.0, (ny, nx))  # islands above the lake level
    open_ = rng.random((ny, nx)) > 0.05
    h = np.maximum(0.6 - z, 0.0)
    g = Grid(z, h, 0.02, open_, tile=8)
    h_start = g.h.copy()
    for _ in range(300):
        g.step(0.2)
    q_max = max(np.abs(g.qx[0]).max(), np.abs(g.qy[0]).max())
    assert q_max < 1e-10
    np.testing.assert_allclose(g.h, h_start, rtol=0, atol=1e-12)
    assert 0 < np.count_nonzero(h_start == 0) < h_start.size


def test_closed_basin_conserves_volume_of_point_source():
    x = np.arange(20)
    z = 0.002 * (x[None, :] - 10.0) ** 2 + 0.001 * (x[:, None] - 8.0) ** 2
    g = Grid(z, np.zeros_like(z), 0.03, tile=4)
    src = np.array([0.05])
    cells = np.array([5 * 20 + 6])
    dt = 0.1
    for _ in range(2000):
        g.step(dt, dx=1.0, dy=1.0, src=src, cells=cells)
    added = 0.05 * dt * 2000
    assert g.boundary_out == 0.0
    assert abs(g.h.sum() - added) / added < 1e-10
    assert g.src_vol[0] == pytest.approx(added, rel=1e-12)
    assert (g.h > 1e-3).sum() > 100  # the water spread


def test_dry_tile_skipping_does_not_change_the_result():
    rng = np.random.default_rng(11)
    z = rng.uniform(0, 0.2, (40, 37))
    h = np.zeros_like(z)
    h[3:9, 4:10] = 0.5
    tiled = Grid(z, h, 0.03, tile=4, threads=2)  # the parallel tile loop, too
    whole = Grid(z, h, 0.03, tile=64)
    for _ in range(200):
        tiled.step(0.1)
        whole.step(0.1)
    assert tiled.wet.sum() < tiled.wet.size  # some tiles were skipped
    np.testing.assert_array_equal(tiled.h, whole.h)
    np.testing.assert_array_equal(tiled.qx[0], whole.qx[0])


def test_dam_break_front_advances_monotonically_without_negative_depth():
    nx = 200
    dx = 1.0
    z = np.zeros((3, nx))
    h = np.zeros((3, nx))
    h[:, :50] = 1.0
    g = Grid(z, h, 0.01, tile=16, theta=0.9)
    fronts, t = [], 0.0
    for _ in range(150):
        dt = ko.stable_step(g.h.max(), dx, dx, 0.7, 1.0)
        g.step(dt, dx, dx)
        t += dt
        assert g.h.min() >= 0.0
        wet = np.nonzero(g.h[1] > 1e-3)[0]
        fronts.append((wet.max() + 0.5) * dx)
        # no faster than the frictionless (Ritter) front 2 sqrt(g h0) t, within a cell
        assert fronts[-1] - 50.0 <= 2.0 * np.sqrt(G * 1.0) * t + dx
    assert np.all(np.diff(fronts) >= 0)
    assert fronts[-1] > 50.0 + 20 * dx
    assert abs(g.h.sum() - 150.0) < 1e-9


@pytest.mark.parametrize("depth", [0.0, 0.05, 2.0])
def test_stable_step_is_the_cfl_formula(depth):
    dt = ko.stable_step(depth, 2.0, 3.0, 0.7, 10.0)
    expect = 10.0 if depth == 0 else min(10.0, 0.7 * 2.0 / np.sqrt(G * depth))
    assert dt == pytest.approx(expect, rel=1e-14)


def test_wetting_front_matches_hunter_2005_analytic_profile():
    """A front advancing at constant speed u over a flat rough plane (Hunter et al. 2005):
    h(x, t) = [7/3 n^2 u^2 (u t - x)]^(3/7), driven by that depth at the upstream edge.
    The solution neglects inertia (Froude^2 = u^2 / g h ~ 1 % here)."""
    u, n, dx, nx, t_end = 0.1, 0.05, 1.0, 100, 600.0

    def hunter(x, t):
        arg = 7.0 / 3.0 * n * n * u * u * (u * t - x)
        return np.where(arg > 0, np.abs(arg) ** (3.0 / 7.0), 0.0)

    g = Grid(
        np.zeros((3, nx)), np.zeros((3, nx)), n, bc_kind=(0, 0, ko.BC_LEVEL, 0), tile=16, h_min=1e-4
    )
    t = 0.0
    while t < t_end - 1e-9:
        h_top = max(g.h.max(), float(hunter(-dx / 2, t + 1.0)))
        dt = min(ko.stable_step(h_top, dx, dx, 0.7, 1.0), t_end - t)
        g.bc_value[ko.EDGE_J0] = hunter(-dx / 2, t + dt)  # level at the ghost cell centre
        g.step(dt, dx, dx)
        t += dt
    x = (np.arange(nx) + 0.5) * dx
    exact = hunter(x, t_end)
    num = g.h[1]
    away = x < u * t_end - 10 * dx
    np.testing.assert_allclose(num[away], exact[away], rtol=0.02)
    front = (np.nonzero(num > 1e-3)[0].max() + 0.5) * dx
    assert abs(front - u * t_end) <= 3 * dx
    assert num.sum() == pytest.approx(exact.sum(), rel=0.03)
