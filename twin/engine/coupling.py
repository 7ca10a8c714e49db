"""1D-2D coupling: the sewer's manholes exchange water with the street surface.

:class:`SurfaceCoupler` plugs a :class:`~twin.engine.surface.Surface` (2D overland
flow on a DEM) into a :class:`~twin.engine.simulation.Simulation` through its
``couplers`` hook.  One routing step ``[t, t + dt]``, as the simulation runs it:

1. ``add_lateral_cfs``: the water that drained from the surface into each manhole
   during the previous step enters the pipes as lateral inflow (its volume over
   this step's ``dt``);
2. the router routes the step; a node that cannot hold its water overflows
   (``router.node_state.overflow``, the node stays at its rim: no SWMM ponding);
3. ``after_step``: the overflow spills into the node's cell; where the surface
   stands above the rim and the node head is below it, the manhole drains the
   cell (weir / orifice, :func:`~twin.kernels.surface.exchange.exchange_at_nodes`); the
   surface advances over the same ``dt`` (sub-stepping itself) with the spill
   minus the drainage as sources, and what it actually gave up is queued for the
   pipes.  The exchange is thus synchronised every routing step.

Every volume is booked: spilled, drained, what left the map at its edges and what
overflowed at nodes that lie outside the DEM (lost, as in SWMM).  The system
balance is ``rain + inflows + initial storage = infiltration + evaporation +
outfalls + pipe storage + surface storage + boundary outflow + lost flooding``.

Units: the router works in ft/cfs, the surface in m/m3/s; 1 ft = 0.3048 m.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from twin.engine.results_schema import VARIABLES
from twin.engine.surface import MIN_MANHOLE_AREA_M2, Surface
from twin.errors import InputError
from twin.kernels.codes import NodeKind
from twin.networks.units import CFS_TO_M3S, FT3_TO_M3, FT_TO_M

__all__ = ["SurfaceCoupler", "read_dem", "terrain_for"]

FT, FT3, CFS = FT_TO_M, FT3_TO_M3, CFS_TO_M3S
FLOOD_THRESHOLD_M = 0.01


def read_dem(path) -> xr.DataArray:
    """A DEM from NetCDF (``elevation`` on ``y``, ``x``) or GeoTIFF (needs ``rioxarray``)."""
    from twin.networks.terrain import load_terrain

    return load_terrain(path)


def terrain_for(network_arg, net) -> xr.DataArray:
    """The DEM for ``net``: the one shipped beside its ``.inp``, else one derived from rims.

    ``network_arg`` is what the user named (catalog name, path or the Network); a
    derived terrain comes with a :class:`~twin.errors.TwinWarning` (from
    :func:`~twin.networks.terrain.terrain_from_nodes`).
    """
    from twin.networks.catalog import load_terrain_for, network_path
    from twin.networks.terrain import terrain_from_nodes

    for candidate in (network_arg, getattr(net, "source", None)):
        if not (isinstance(candidate, (str, Path)) and str(candidate)):
            continue
        try:
            inp = network_path(candidate)
        except InputError:  # not a catalog name nor an existing file
            continue
        dem = load_terrain_for(inp)  # a broken terrain file is an error, not a fallback
        if dem is not None:
            return dem
    return terrain_from_nodes(net)


class SurfaceCoupler:
    """Couples the pipes of a Simulation to 2D overland flow at every manhole on the DEM.

    Parameters
    ----------
    dem : xarray.DataArray
        Ground elevation [m] on ``(y, x)`` (regular grid; NaN cells blocked).
    manning_n : float or (y, x) array
        Ground roughness [s m^-1/3].
    boundary : dict, optional
        Map edges as for :class:`Surface`; by default every edge is ``"free"``
        (water leaves the map at normal depth and is booked as boundary outflow).
    flood_threshold_m : float
        Depth [m] above which a cell counts as flooded (``surface_flooded_area``).
    manhole_area_m2 : float or (n_nodes,) float
        Plan area of each manhole opening [m2] (SWMM's 12.566 ft2 by default).
    **surface_options
        Passed on to :class:`Surface` (``buildings``, ``cfl``, ``max_step_s`` ...).

    Notes
    -----
    Nodes other than outfalls whose coordinates fall on an open DEM cell are
    coupled; the crest of a manhole is the higher of its rim (invert + full depth)
    and the ground of its cell.  Overflow at an uncoupled node is lost and booked
    as ``surface_uncoupled_flooding_m3``.  SWMM ponding must be off.
    """

    def __init__(self, dem, manning_n=0.03, *, boundary=None,
                 flood_threshold_m=FLOOD_THRESHOLD_M, manhole_area_m2=MIN_MANHOLE_AREA_M2,
                 **surface_options):  # fmt: skip
        if not isinstance(dem, xr.DataArray) or set(dem.dims) != {"y", "x"}:
            raise InputError("the surface DEM must be an xarray.DataArray on dims ('y', 'x')")
        self.dem = dem.transpose("y", "x")
        self.manning_n = manning_n
        self.boundary = (
            dict.fromkeys(("south", "north", "west", "east"), "free")
            if boundary is None
            else boundary
        )
        self.flood_threshold_m = float(flood_threshold_m)
        self.manhole_area_m2 = manhole_area_m2
        self.surface_options = surface_options
        self.routing_inflow_ft3 = 0.0  # surface -> pipe volume as the router books it
        self.sim = None
        self.surface = None

    # -- set-up ------------------------------------------------------------------------
    def _coupled_nodes(self, net) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the coupled nodes and the ground [m] of their cells."""
        x = np.asarray(net.nodes.x, dtype=np.float64)
        y = np.asarray(net.nodes.y, dtype=np.float64)
        xc = np.asarray(self.dem["x"].values, dtype=np.float64)
        yc = np.asarray(self.dem["y"].values, dtype=np.float64)
        if xc.size < 2 or yc.size < 2:
            raise InputError("the surface DEM needs at least 2 cells along x and y")
        dx, dy = xc[1] - xc[0], yc[1] - yc[0]
        ok = np.isfinite(x) & np.isfinite(y) & (np.asarray(net.nodes.kind) != NodeKind.OUTFALL)
        j = np.where(ok, np.rint((np.where(ok, x, xc[0]) - xc[0]) / dx), -1).astype(np.int64)
        i = np.where(ok, np.rint((np.where(ok, y, yc[0]) - yc[0]) / dy), -1).astype(np.int64)
        ok &= (j >= 0) & (j < xc.size) & (i >= 0) & (i < yc.size)
        z = np.asarray(self.dem.values, dtype=np.float64)
        ground = np.full(x.size, np.nan)
        ground[ok] = z[i[ok], j[ok]]
        ok &= np.isfinite(ground)
        blocked = self.surface_options.get("buildings")
        if blocked is not None:
            b = np.asarray(getattr(blocked, "values", blocked), dtype=bool)
            ok[ok] &= ~b[i[ok], j[ok]]
        idx = np.flatnonzero(ok)
        return idx, ground[idx]

    def attach(self, sim) -> SurfaceCoupler:
        """Build the surface for ``sim`` (called once by the Simulation)."""
        r = sim.router
        can_pond = np.asarray(sim.net.nodes.ponded_area_m2, dtype=np.float64) > 0
        if sim.opts.allow_ponding and can_pond.any():
            raise InputError(
                "surface coupling replaces SWMM ponding: run with allow_ponding=False",
                field="allow_ponding",
            )
        self.sim = sim
        net = sim.net
        n = net.n_nodes
        idx, ground = self._coupled_nodes(net)
        if idx.size == 0:  # coupling to a map of somewhere else: a wrong file or CRS
            x, y = self.dem["x"].values, self.dem["y"].values
            nx, ny = np.asarray(net.nodes.x, float), np.asarray(net.nodes.y, float)
            raise InputError(
                f"no node of the network lies on a valid cell of the surface DEM (DEM x "
                f"{x.min():.6g}..{x.max():.6g}, y {y.min():.6g}..{y.max():.6g}; nodes x "
                f"{np.nanmin(nx):.6g}..{np.nanmax(nx):.6g}, y {np.nanmin(ny):.6g}.."
                f"{np.nanmax(ny):.6g}): is it the right file and coordinate system?",
                file=self.dem.attrs.get("path"),
            )
        rim_m = (r.nodes.invert + r.nodes.full_depth) * FT
        area = np.asarray(self.manhole_area_m2, dtype=np.float64)
        if area.ndim == 1:
            if area.shape != (n,):
                raise InputError(f"manhole_area_m2 has {area.size} values for {n} nodes")
            area = area[idx]
        self.coupled = idx
        self.is_coupled = np.zeros(n, dtype=bool)
        self.is_coupled[idx] = True
        self.crest_m = np.maximum(rim_m[idx], ground)
        self.surface = Surface(
            self.dem, self.manning_n, node_x=np.asarray(net.nodes.x, dtype=np.float64)[idx],
            node_y=np.asarray(net.nodes.y, dtype=np.float64)[idx], node_area_m2=area,
            node_rim_m=self.crest_m, boundary=self.boundary, **self.surface_options,
        )  # fmt: skip
        self._compile_ahead()
        k = idx.size
        self._pending_ft3 = np.zeros(n)  # drained from the surface, not yet in the pipes
        self._lat_cfs = np.zeros(n)
        self._rate_old_cfs = 0.0
        self._started = False
        self.spill_m3 = 0.0  # pipe overflow put on the surface
        self.drain_m3 = 0.0  # surface water taken by the manholes
        self.uncoupled_flooding_m3 = 0.0
        self.spill_at_node_m3 = np.zeros(k)
        self.drain_at_node_m3 = np.zeros(k)
        self._src = np.zeros(k)
        self._before = np.zeros(k)
        self._depth_samples: list[np.ndarray] = []
        self._flooded_samples: list[float] = []
        return self

    def _compile_ahead(self) -> None:
        """On a cold start, compile the surface's kernels before the run's first flood: the
        overland step (numba's parallel lowering, the largest) in the helper process
        after the routing step, the two small ones here while this process waits for
        the routing step (:mod:`twin.kernels.ahead`)."""
        from twin.kernels import ahead

        kernels = self.surface.kernel_types()
        ahead.compile_ahead(*kernels.pop("overland"))

        def compile_small():
            for kernel, types in kernels.values():
                kernel.compile(types)

        ahead.while_waiting(compile_small)

    # -- the coupler contract ------------------------------------------------------------
    def add_lateral_cfs(self, t_s: float, dt_s: float, out: np.ndarray) -> None:
        """Add the drainage of the last surface step to ``out`` (n_nodes,) [cfs]."""
        np.divide(self._pending_ft3, dt_s, out=self._lat_cfs)
        self._pending_ft3[:] = 0.0
        out += self._lat_cfs
        rate = float(self._lat_cfs.sum())
        # booked like the simulation's other lateral inflows (half old, half new rate),
        # which is how the router's node continuity takes it in
        old = self._rate_old_cfs if self._started else 0.0
        self.routing_inflow_ft3 += 0.5 * dt_s * (old + rate)
        self._rate_old_cfs = rate
        self._started = True

    def after_step(self, t_s: float, dt_s: float) -> None:
        """Spill the step's overflow onto the surface, drain it, advance it by ``dt_s``."""
        r = self.sim.router
        overflow = r.node_state.overflow
        lost = overflow[~self.is_coupled]
        if lost.size and lost.max() > 0.0:
            self.uncoupled_flooding_m3 += float(lost.sum()) * dt_s * FT3
        s = self.surface
        c = self.coupled
        spill_m3s = overflow[c] * CFS
        spilling = spill_m3s > 0.0
        if not spilling.any() and s.volume_m3() <= 0.0:
            return  # a dry surface and nothing to spill: nothing to exchange
        # the router holds a node at its rim, so the head never exceeds the crest; at an
        # overflowing node the surface does not drain (the water would only cycle)
        head_m = np.minimum(r.node_state.head[c] * FT, self.crest_m)
        q = s.exchange(head_m, dt_s)
        q[spilling] = 0.0
        s.exchange_m3s[spilling] = 0.0
        np.subtract(spill_m3s, q, out=self._src)
        self._before[:] = s.source_volume_at_node_m3
        s.advance(dt_s, self._src)
        spilled = spill_m3s * dt_s
        drained = spilled - (s.source_volume_at_node_m3 - self._before)
        # round-off aside, a node takes between nothing and what the exchange proposed
        np.clip(drained, 0.0, q * dt_s, out=drained)
        self.spill_at_node_m3 += spilled
        self.drain_at_node_m3 += drained
        self.spill_m3 += float(spilled.sum())
        self.drain_m3 += float(drained.sum())
        self._pending_ft3[c] += drained / FT3

    def on_report(self, t_s: float) -> None:
        """Sample the surface (its state at the end of the routing step holding ``t_s``)."""
        s = self.surface
        self._depth_samples.append(s.depth.values.astype(np.float32))
        self._flooded_samples.append(s.flooded_area_m2(self.flood_threshold_m))

    # -- results ---------------------------------------------------------------------------
    def _var(self, name: str, values, coords: dict) -> xr.DataArray:
        v = VARIABLES[name]
        attrs = {"units": v.units, "long_name": v.long_name}
        if v.standard_name:
            attrs["standard_name"] = v.standard_name
        return xr.DataArray(values, dims=v.dims, coords=coords, attrs=attrs)

    def dataset_vars(self) -> dict[str, xr.DataArray]:
        """``surface_depth``, ``surface_max_depth``, ``surface_flooded_area``,
        ``node_surface_max_depth`` (NaN at nodes off the DEM)."""
        s = self.surface
        xy = {"y": np.asarray(self.dem["y"].values), "x": np.asarray(self.dem["x"].values)}
        ny, nx = self.dem.shape
        depth = (
            np.stack(self._depth_samples)
            if self._depth_samples
            else np.zeros((0, ny, nx), np.float32)
        )
        hmax = s.max_depth.values
        at_node = np.full(self.is_coupled.size, np.nan)
        at_node[self.coupled] = hmax[s.node_row, s.node_col]
        return {
            "surface_depth": self._var("surface_depth", depth, xy),
            "surface_max_depth": self._var("surface_max_depth", hmax.astype(np.float32), xy),
            "surface_flooded_area": self._var(
                "surface_flooded_area", np.asarray(self._flooded_samples, dtype=np.float64), {}
            ),
            "node_surface_max_depth": self._var("node_surface_max_depth", at_node, {}),
        }

    def volumes(self) -> dict[str, float]:
        """The surface's booked volumes so far [m3]."""
        s = self.surface
        return {
            "initial_volume": s.initial_volume_m3,
            "final_volume": s.volume_m3(),
            "spill": self.spill_m3,
            "drainage": self.drain_m3,
            "boundary_outflow": s.boundary_outflow_m3,
            "uncoupled_flooding": self.uncoupled_flooding_m3,
            "in_transit": float(self._pending_ft3.sum()) * FT3,  # drained, pipes take it next
            "mass_balance_error": s.mass_balance_error_m3,
        }

    def system_continuity_error_percent(self) -> float:
        """Error of the whole system's balance (runoff + pipes + surface) [%]."""
        sim = self.sim
        v, rv = sim.volumes, sim.router.volumes
        ro = sim.runoff.volumes if sim.runoff is not None else {}
        sv = self.volumes()
        total_in = (
            ro.get("rainfall", 0.0) + ro.get("initial_storage", 0.0)
            + v["dry_weather_inflow"] + v["external_inflow"] + rv["initial_storage"]
            + rv["outfall_inflow"]
        ) * FT3 + sv["initial_volume"]  # fmt: skip
        total_out = (
            ro.get("evaporation", 0.0) + ro.get("infiltration", 0.0)
            + ro.get("final_storage", 0.0) + rv["outfall"] + rv["evaporation"]
            + rv["seepage"] + v["external_outflow"] + rv["final_storage"]
        ) * FT3  # fmt: skip
        total_out += (
            sv["final_volume"] + sv["boundary_outflow"] + sv["uncoupled_flooding"]
            + sv["in_transit"]
        )  # fmt: skip
        if total_in <= 0.0:
            return 0.0
        return 100.0 * (1.0 - total_out / total_in)

    def attrs(self) -> dict:
        """Dataset attributes: the system continuity error and the surface volumes."""
        out = {f"surface_{k}_m3": float(val) for k, val in self.volumes().items()}
        out["routing_surface_inflow_m3"] = float(self.routing_inflow_ft3 * FT3)
        out["system_continuity_error_percent"] = float(self.system_continuity_error_percent())
        out["surface_cell_m"] = float(self.surface.dx)
        out["surface_coupled_nodes"] = int(self.coupled.size)
        out["surface_flood_threshold_m"] = self.flood_threshold_m
        out["surface_terrain_source"] = str(self.dem.attrs.get("source", ""))
        return out
