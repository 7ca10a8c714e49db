"""The street surface: 2D overland flow on a DEM, coupled to the sewer at manholes.

:class:`Surface` holds the raster state (depth, face discharges, per-tile wet flags)
and drives :mod:`twin.kernels.surface.overland` and :mod:`twin.kernels.surface.exchange`.  Units are
SI throughout (the surface is not SWMM's): metres, seconds, m3/s.

A coupling step, as seen by the pipe model::

    q = surface.exchange(head_at_node_m, dt_s)       # + = surface into the pipe
    ... the pipe model takes q as lateral inflow, returns its overflow ...
    surface.advance(dt_s, overflow_m3s - q, rain_mps)  # sources into the cells

``advance`` sub-steps internally at the stable step ``0.7 dx / sqrt(g h_max)``.
The bookkeeping (``rain_volume_m3``, ``source_volume_m3``, ``boundary_outflow_m3``,
``initial_volume_m3``) closes the mass balance: see :attr:`Surface.mass_balance_error_m3`.
"""

from __future__ import annotations

import numbers

import numba
import numpy as np
import xarray as xr

from twin.errors import InputError, SimulationError
from twin.kernels.surface import exchange as kx
from twin.kernels.surface import overland as ko

__all__ = ["Surface"]

MIN_MANHOLE_AREA_M2 = 12.566 * 0.3048**2  # SWMM's MIN_SURFAREA, a 4 ft manhole
_EDGES = ("south", "north", "west", "east")


def _regular_axis(values: np.ndarray, name: str) -> float:
    if values.ndim != 1 or values.size < 1:
        raise InputError(f"DEM coordinate '{name}' must be 1-D and not empty")
    if values.size == 1:
        raise InputError(f"DEM needs at least 2 cells along '{name}'")
    d = np.diff(values)
    if not np.all(np.isfinite(d)) or d[0] == 0 or not np.allclose(d, d[0], rtol=1e-6, atol=0):
        raise InputError(f"DEM coordinate '{name}' is not a regular grid")
    return float(d[0])


def _field(value, shape, name: str) -> np.ndarray:
    """A scalar or (y, x) array/DataArray as a contiguous float64 (ny, nx) array."""
    arr = np.asarray(value.values if isinstance(value, xr.DataArray) else value, dtype=float)
    if arr.ndim == 0:
        return np.full(shape, float(arr))
    if arr.shape != shape:
        raise InputError(f"{name} has shape {arr.shape}, the DEM has {shape}")
    return np.ascontiguousarray(arr)


def _per_node(value, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise InputError(f"{name} has {arr.size} values for {n} nodes")
    return np.ascontiguousarray(arr)


class Surface:
    """Overland flow on a regular DEM grid with manhole exchange to a pipe network.

    Parameters
    ----------
    dem : xarray.DataArray
        Ground elevation [m] on dims ``(y, x)`` with regular 1-D coordinates ``x``, ``y``
        [m] at cell centres (either order).  NaN cells are treated as blocked.
    manning_n : float or (y, x) array
        Manning roughness of the ground [s m^-1/3].
    node_x, node_y : (k,) float
        Map coordinates [m] of the coupled nodes (manholes); each lies in one cell.
    node_area_m2 : float or (k,) float
        Manhole plan area [m2] (SWMM's 12.566 ft2 by default).
    node_rim_m : (k,) float, optional
        Rim (crest) elevation [m]; the DEM elevation of the node's cell if omitted.
    buildings : (y, x) bool array, optional
        True where a cell is blocked (no water, no flow; rain on it is not counted).
    boundary : dict, optional
        ``{"south"|"north"|"west"|"east": "closed" | "free" | level_m}``; unnamed edges
        are closed.  "free" lets water leave at normal depth on the bed slope (at
        least ``free_min_slope``); a number holds the water level beyond the edge.
    initial_depth_m : float or (y, x) array
        Water depth at the start [m].
    theta, cfl, min_depth_m, tile : float, float, float, int
        q-centring weight, Courant factor, least flowing depth [m], tile edge [cells].
    free_min_slope : float
        Least outflow slope at a "free" edge (-).
    max_step_s : float
        Upper bound of an internal sub-step [s].
    orifice_coeff, free_weir_coeff, submerged_weir_coeff : float
        Exchange coefficients (Rubinato et al. 2017 by default).
    relaxation, damping : float
        Weight of a new exchange discharge and factor on a change of direction.
    threads : int
        Numba threads for the surface kernel (at most numba's setting).  The default 1
        suits ensembles, whose members already fill the cores; the kernel forks and
        joins four times per step, which pays only on large wet grids and idle cores.
    """

    def __init__(
        self, dem: xr.DataArray, manning_n=0.03, *, node_x=(), node_y=(),
        node_area_m2=MIN_MANHOLE_AREA_M2, node_rim_m=None, buildings=None, boundary=None,
        initial_depth_m=0.0, theta=0.9, cfl=0.7, min_depth_m=0.001, tile=32,
        free_min_slope=1e-3, max_step_s=5.0, orifice_coeff=kx.C_ORIFICE,
        free_weir_coeff=kx.C_FREE_WEIR, submerged_weir_coeff=kx.C_SUBMERGED_WEIR,
        relaxation=0.8, damping=0.5, threads=1,
    ):  # fmt: skip
        if not isinstance(dem, xr.DataArray) or set(dem.dims) != {"y", "x"}:
            raise InputError("DEM must be an xarray.DataArray on dims ('y', 'x')")
        dem = dem.transpose("y", "x")
        self._xc = np.asarray(dem["x"].values, dtype=float)
        self._yc = np.asarray(dem["y"].values, dtype=float)
        sx = _regular_axis(self._xc, "x")
        sy = _regular_axis(self._yc, "y")
        self.dx, self.dy = abs(sx), abs(sy)
        self.cell_area_m2 = self.dx * self.dy
        z = np.asarray(dem.values, dtype=float)
        shape = z.shape
        open_ = np.isfinite(z)
        if buildings is not None:
            b = np.asarray(buildings.values if isinstance(buildings, xr.DataArray) else buildings)
            if b.shape != shape:
                raise InputError(f"buildings has shape {b.shape}, the DEM has {shape}")
            open_ &= ~b.astype(bool)
        self._z = np.ascontiguousarray(np.where(np.isfinite(z), z, 0.0))
        self._open = np.ascontiguousarray(open_.astype(np.uint8))
        self._n = _field(manning_n, shape, "manning_n")
        if np.any(self._n[open_] <= 0) or not np.all(np.isfinite(self._n[open_])):
            raise InputError("manning_n must be positive")
        h0 = _field(initial_depth_m, shape, "initial_depth_m")
        if np.any(h0 < 0) or not np.all(np.isfinite(h0)):
            raise InputError("initial_depth_m must be finite and >= 0")
        self._h = np.ascontiguousarray(np.where(open_, h0, 0.0))
        self._hmax = self._h.copy()
        ny, nx = shape
        self._qx = [np.zeros((ny, nx + 1)), np.zeros((ny, nx + 1))]
        self._qy = [np.zeros((ny + 1, nx)), np.zeros((ny + 1, nx))]
        self._factor = np.ones(shape)
        self._rain = np.zeros(shape)
        if not (0.0 < theta <= 1.0 and 0.0 < cfl <= 1.0 and min_depth_m > 0 and tile >= 1):
            raise InputError("need 0 < theta <= 1, 0 < cfl <= 1, min_depth_m > 0, tile >= 1")
        if not max_step_s > 0:
            raise InputError("max_step_s must be positive")
        self.theta, self.cfl, self.min_depth_m, self.tile = theta, cfl, min_depth_m, int(tile)
        self.max_step_s = float(max_step_s)
        n_tiles = (-(-ny // self.tile)) * (-(-nx // self.tile))
        self._dirty = [np.zeros(n_tiles, np.uint8), np.zeros(n_tiles, np.uint8)]
        self._depth_max_at_tile = np.zeros(n_tiles)
        self._wet_at_tile = np.zeros(n_tiles, np.uint8)
        self._refresh_tiles()
        self._bc_kind, self._bc_value = self._boundary(boundary or {}, sx, sy, free_min_slope)
        self._init_nodes(node_x, node_y, node_area_m2, node_rim_m, sx, sy)
        self._coef = (float(orifice_coeff), float(free_weir_coeff), float(submerged_weir_coeff))
        self.relaxation, self.damping = float(relaxation), float(damping)
        if not (isinstance(threads, numbers.Integral) and threads >= 1):
            raise InputError("threads must be a positive integer")
        self.threads = int(threads)
        self.time_s = 0.0
        self.n_steps = 0
        self.initial_volume_m3 = self.volume_m3()
        self.rain_volume_m3 = 0.0
        self.boundary_outflow_m3 = 0.0

    # -- set-up ------------------------------------------------------------
    def _boundary(self, boundary: dict, sx: float, sy: float, free_min_slope: float):
        kind = np.zeros(4, np.int64)
        value = np.zeros(4)
        # kernel edges: i=0, i=ny, j=0, j=nx; map names depend on the axis order
        where = {
            "south": ko.EDGE_I0 if sy > 0 else ko.EDGE_I1,
            "north": ko.EDGE_I1 if sy > 0 else ko.EDGE_I0,
            "west": ko.EDGE_J0 if sx > 0 else ko.EDGE_J1,
            "east": ko.EDGE_J1 if sx > 0 else ko.EDGE_J0,
        }
        for name, spec in boundary.items():
            if name not in where:
                raise InputError(f"unknown boundary edge '{name}' (use {', '.join(_EDGES)})")
            e = where[name]
            if isinstance(spec, str) and spec.lower() == "closed":
                kind[e] = ko.BC_CLOSED
            elif isinstance(spec, str) and spec.lower() == "free":
                kind[e], value[e] = ko.BC_FREE, free_min_slope
            elif (
                isinstance(spec, numbers.Real) and not isinstance(spec, bool) and np.isfinite(spec)
            ):
                kind[e], value[e] = ko.BC_LEVEL, float(spec)
            else:
                raise InputError(f"boundary '{name}' must be 'closed', 'free' or a level in m")
        return kind, value

    def _init_nodes(self, node_x, node_y, node_area_m2, node_rim_m, sx, sy):
        nx_ = np.atleast_1d(np.asarray(node_x, dtype=float))
        ny_ = np.atleast_1d(np.asarray(node_y, dtype=float))
        if nx_.shape != ny_.shape or nx_.ndim != 1:
            raise InputError("node_x and node_y must be 1-D and of equal length")
        k = nx_.size
        ny, nx = self._h.shape
        j = np.rint((nx_ - self._xc[0]) / sx).astype(np.int64) if k else np.zeros(0, np.int64)
        i = np.rint((ny_ - self._yc[0]) / sy).astype(np.int64) if k else np.zeros(0, np.int64)
        for m in range(k):
            if not (0 <= i[m] < ny and 0 <= j[m] < nx):
                raise InputError(f"node {m} at ({nx_[m]}, {ny_[m]}) lies outside the DEM")
            if not self._open[i[m], j[m]]:
                raise InputError(f"node {m} at ({nx_[m]}, {ny_[m]}) lies in a blocked cell")
        self.node_row, self.node_col = i, j
        self._cell_at_node = np.ascontiguousarray(i * nx + j)
        first: dict[int, int] = {}
        self._group = np.array(
            [first.setdefault(int(c), m) for m, c in enumerate(self._cell_at_node)], dtype=np.int64
        )
        self.node_area_m2 = _per_node(node_area_m2, k, "node_area_m2")
        if np.any(self.node_area_m2 <= 0):
            raise InputError("node_area_m2 must be positive")
        self.node_rim_m = (
            self._z[i, j].copy() if node_rim_m is None else _per_node(node_rim_m, k, "node_rim_m")
        )
        self.source_volume_at_node_m3 = np.zeros(k)
        self.exchange_m3s = np.zeros(k)
        self.exchange_regime = np.zeros(k, np.int8)
        self._budget = np.zeros(k)

    def _refresh_tiles(self):
        t = self.tile
        ny, nx = self._h.shape
        pad = np.zeros((-(-ny // t) * t, -(-nx // t) * t))
        pad[:ny, :nx] = self._h
        top = pad.reshape(pad.shape[0] // t, t, pad.shape[1] // t, t).max(axis=(1, 3)).ravel()
        self._depth_max_at_tile[:] = top
        self._wet_at_tile[:] = top > self.min_depth_m

    # -- stepping ----------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return self._cell_at_node.size

    def max_step(self, dt_cap: float, source_m3s_at_node=None) -> float:
        """Stable step [s] for the current depths, at most ``dt_cap`` and ``max_step_s``.

        With ``source_m3s_at_node`` the step also holds for the depth that the sources
        build up in their cells during the step: ``dt = cfl d / sqrt(g (h + r dt))``.
        """
        h_top = float(self._depth_max_at_tile.max()) if self._depth_max_at_tile.size else 0.0
        cap = min(float(dt_cap), self.max_step_s)
        dt = float(ko.stable_step(h_top, self.dx, self.dy, self.cfl, cap))
        if source_m3s_at_node is None or self.n_nodes == 0:
            return dt
        rate = np.asarray(source_m3s_at_node, float) / self.cell_area_m2
        fill = rate > 0
        if not np.any(fill):
            return dt
        h0 = self._h.ravel()[self._cell_at_node[fill]]
        r = rate[fill]
        c2 = (self.cfl * min(self.dx, self.dy)) ** 2 / ko.GRAVITY_MS2
        # root of t^2 (h0 + r t) = c2 by Newton from above (the function is convex, rising)
        t = np.minimum(np.cbrt(c2 / r), np.sqrt(c2 / np.maximum(h0, 1e-300)))
        for _ in range(6):
            t -= (t * t * (h0 + r * t) - c2) / (2.0 * t * h0 + 3.0 * r * t * t)
        return min(dt, float(t.min()))

    def _rain_rate(self, rain_mps):
        if rain_mps is None:
            return False, 0.0
        r = np.asarray(rain_mps.values if isinstance(rain_mps, xr.DataArray) else rain_mps, float)
        if r.ndim == 0:
            if not (np.isfinite(r) and r >= 0):
                raise InputError("rain_mps must be finite and >= 0")
            if r == 0:
                return False, 0.0
            self._rain.fill(float(r))
            return True, float(r) * float(self._open.sum()) * self.cell_area_m2
        if r.shape != self._h.shape:
            raise InputError(f"rain_mps has shape {r.shape}, the DEM has {self._h.shape}")
        if not (np.all(np.isfinite(r)) and np.all(r >= 0)):
            raise InputError("rain_mps must be finite and >= 0")
        self._rain[:] = r
        return True, float((r * self._open).sum()) * self.cell_area_m2

    def advance(self, dt_s: float, source_m3s_at_node=None, rain_mps=None) -> int:
        """Advance by ``dt_s`` [s] in stable sub-steps; returns the number of sub-steps.

        Parameters
        ----------
        dt_s : float
            Interval [s].
        source_m3s_at_node : (k,) float, optional
            Water added to each node's cell [m3/s], constant over the interval
            (overflow from the pipe positive, drainage negative).  A withdrawal takes
            at most what the cell holds; :attr:`source_volume_at_node_m3` accumulates
            what was actually added.
        rain_mps : float or (y, x) array, optional
            Rain (net water input) rate [m/s], >= 0, constant over the interval.
        """
        if not (dt_s > 0 and np.isfinite(dt_s)):
            raise InputError(f"dt_s must be positive, got {dt_s}")
        k = self.n_nodes
        src = (
            np.zeros(k)
            if source_m3s_at_node is None
            else _per_node(source_m3s_at_node, k, "source_m3s_at_node")
        )
        if not np.all(np.isfinite(src)):
            raise InputError("source_m3s_at_node must be finite")
        rain_on, rain_m3s = self._rain_rate(rain_mps)
        threads_before = numba.get_num_threads()
        numba.set_num_threads(min(self.threads, numba.config.NUMBA_NUM_THREADS))
        try:
            return self._advance(dt_s, src, rain_on, rain_m3s)
        finally:
            numba.set_num_threads(threads_before)

    def _advance(self, dt_s, src, rain_on, rain_m3s) -> int:
        remaining = float(dt_s)
        n_sub = 0
        while remaining > 0.0:
            dt = self.max_step(remaining, src)
            if dt < remaining < 2.0 * dt:
                dt = 0.5 * remaining
            elif dt >= remaining:
                dt = remaining
            out_m3, bad = ko.overland_step(*self._overland_args(dt, src, rain_on))
            self._qx.reverse()
            self._qy.reverse()
            self._dirty.reverse()
            self.boundary_outflow_m3 += out_m3
            self.rain_volume_m3 += rain_m3s * dt
            self.time_s += dt
            self.n_steps += 1
            remaining -= dt
            n_sub += 1
            if bad >= 0:
                i, j = divmod(int(bad), self._h.shape[1])
                raise SimulationError(
                    f"surface depth {self._h[i, j]!r} m is negative, NaN or runaway",
                    element=f"cell (y={self._yc[i]}, x={self._xc[j]})",
                    time=self.time_s,
                    step=self.n_steps,
                )
        return n_sub

    def _overland_args(self, dt, src, rain_on) -> tuple:
        """The arguments of :func:`twin.kernels.surface.overland.overland_step`."""
        return (
            self._z, self._h, self._n, self._open, self._qx[0], self._qy[0], self._qx[1],
            self._qy[1], self._factor, self._rain, rain_on, src, self._cell_at_node,
            self.source_volume_at_node_m3, self._wet_at_tile, self._depth_max_at_tile,
            self._dirty[1], self._hmax, self._bc_kind, self._bc_value, dt, self.dx,
            self.dy, self.theta, self.min_depth_m, self.tile,
        )  # fmt: skip

    def _exchange_args(self, head, dt_s, q) -> tuple:
        """The arguments of :func:`twin.kernels.surface.exchange.exchange_at_nodes`."""
        h_cell = self._h.ravel()[self._cell_at_node]
        level = self._z.ravel()[self._cell_at_node] + h_cell
        return (
            head, self.node_rim_m, self.node_area_m2, level, h_cell * self.cell_area_m2,
            self._group, self.exchange_m3s, float(dt_s), *self._coef, self.relaxation,
            self.damping, q, self.exchange_regime, self._budget,
        )  # fmt: skip

    def kernel_types(self) -> dict:
        """``{name: (kernel, numba argument types)}`` of the kernels this surface's first
        :meth:`exchange` and :meth:`advance` compile (``exchange``, ``stable_step``,
        ``overland``), so that they can be compiled ahead of the run's first flood
        (:mod:`twin.kernels.ahead`)."""
        from numba import typeof

        def types_of(args):
            return tuple(typeof(a) for a in args)

        k = self.n_nodes
        head = _per_node(np.array(self.node_rim_m, dtype=np.float64), k, "node_head_m")
        cap = min(1.0, self.max_step_s)
        return {
            "exchange": (kx.exchange_at_nodes,
                         types_of(self._exchange_args(head, 1.0, np.zeros(k)))),
            "stable_step": (ko.stable_step, types_of((0.0, self.dx, self.dy, self.cfl, cap))),
            "overland": (ko.overland_step,
                         types_of(self._overland_args(1.0, np.zeros(k), False))),
        }  # fmt: skip

    def exchange(self, node_head_m, dt_s: float) -> np.ndarray:
        """Manhole discharge [m3/s] per node for a coupling step ``dt_s``; + = surface to pipe.

        Uses the current cell levels and the previous exchange (relaxation, damping);
        a node never takes more than its cell holds over ``dt_s``.  The caller passes
        the drainage back to :meth:`advance` as a negative source.
        """
        k = self.n_nodes
        head = _per_node(node_head_m, k, "node_head_m")
        if not (dt_s > 0 and np.isfinite(dt_s)) or not np.all(np.isfinite(head)):
            raise InputError("exchange needs finite node heads and a positive dt_s")
        q = np.zeros(k)
        kx.exchange_at_nodes(*self._exchange_args(head, dt_s, q))
        self.exchange_m3s = q
        return q.copy()

    # -- results -------------------------------------------------------------
    def _as_dataarray(self, values: np.ndarray, name: str, long_name: str) -> xr.DataArray:
        return xr.DataArray(
            values.copy(),
            dims=("y", "x"),
            coords={"y": self._yc, "x": self._xc},
            name=name,
            attrs={"units": "m", "long_name": long_name},
        )

    @property
    def depth(self) -> xr.DataArray:
        """Water depth [m] on (y, x) (a copy)."""
        return self._as_dataarray(self._h, "depth", "surface water depth")

    @property
    def max_depth(self) -> xr.DataArray:
        """Greatest water depth reached so far [m] on (y, x) (a copy)."""
        return self._as_dataarray(self._hmax, "max_depth", "maximum surface water depth")

    def volume_m3(self) -> float:
        """Water on the surface [m3]."""
        return float(self._h.sum()) * self.cell_area_m2

    def flooded_area_m2(self, threshold: float = 0.01) -> float:
        """Area where the depth exceeds ``threshold`` [m], in m2."""
        return float(np.count_nonzero(self._h > threshold)) * self.cell_area_m2

    @property
    def source_volume_m3(self) -> float:
        """Net volume added at the nodes so far [m3] (drainage negative)."""
        return float(self.source_volume_at_node_m3.sum())

    @property
    def mass_balance_error_m3(self) -> float:
        """``volume - initial - rain - sources + boundary outflow`` [m3]; 0 up to round-off."""
        return (
            self.volume_m3()
            - self.initial_volume_m3
            - self.rain_volume_m3
            - self.source_volume_m3
            + self.boundary_outflow_m3
        )
