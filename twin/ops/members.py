"""The members of the operational twin: hot-started simulations stepped together.

:class:`MemberStates` keeps ``n`` :class:`~twin.engine.simulation.Simulation` s of one
network in a :class:`~twin.engine.batch.MemberBatch`: every member's routing state is
a row of arrays stacked over the members, so one compiled call steps them all, and
the filter reads and writes the whole ensemble's state in place, without files or
copies of the simulations.  That is the cheapest correct way to change a member
between steps: the new node depths and conduit flows go straight into the member's
rows and :func:`~twin.kernels.assimilation.apply_state` makes the rest of the row
(volumes, conduit depths and areas, inflow totals) agree with them.

Each member also carries a rain factor (its estimate of how much the gauges
under- or over-catch), kept as ``log_rain_factor`` and updated by the filter like a
state variable (state augmentation): the member's rain is the observed rain times
``exp(log_rain_factor)``.

With ``estimate_conduits`` each member also carries a log factor on every conduit's
Manning's n (:mod:`twin.ops.conduit_params`), estimated the same way (joint
state-parameter estimation): it starts as the member's roughness perturbation (the
prior) and is written into the link parameters the member's routing kernel reads.

With ``estimate_subcatchments`` the state also holds the water on the subcatchments:
the ponded depth of every subarea (impervious without and with depression storage,
pervious) that has an area, in the runoff state each member's
:class:`~twin.engine.runoff.Runoff` steps.  The filter then corrects the rain already
fallen, not only what has reached the pipes (README, "The water on the subcatchments").

The state vector of member ``k`` (SI) is ``[depth at every node (m), flow in every
link (m3/s, internal orientation), (log conduit factor of every link, 0 on links that
are not conduits: with estimate_conduits), (ponded depth of every subarea with an
area (m): with estimate_subcatchments), log rain factor]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.engine.batch import MemberBatch
from twin.errors import SimulationError
from twin.kernels.assimilation import apply_state
from twin.networks.units import CFS_TO_M3S, FT3_TO_M3, FT_TO_M

MM_PER_IN = 25.4


class SurfaceCouplers:
    """Makes a fresh 2D street-surface coupler for each member (picklable, for Dask).

    Parameters
    ----------
    dem : xarray.DataArray
        Ground elevation [m] on ``(y, x)``.
    **options
        :class:`~twin.engine.coupling.SurfaceCoupler` keyword arguments.
    """

    def __init__(self, dem, **options):
        self.dem = dem
        self.options = options

    def __call__(self) -> tuple:
        from twin.engine.coupling import SurfaceCoupler

        return (SurfaceCoupler(self.dem, **self.options),)


def member_log_roughness(network, n: int, roughness_sigma: float, seed: int) -> np.ndarray:
    """(n, n_links) seeded normal draws (spread ``roughness_sigma``) of the members'
    log factors on their conduits' Manning's n (0 on other links; all 0 when
    ``roughness_sigma`` is 0 or ``n`` is 1)."""
    from twin.kernels.codes import LinkKind

    out = np.zeros((n, network.n_links))
    if roughness_sigma <= 0.0 or n < 2:
        return out
    rng = np.random.default_rng([int(seed), 7919])
    conduit = np.asarray(network.links.kind) == LinkKind.CONDUIT
    for k in range(n):
        out[k, conduit] = rng.normal(0.0, roughness_sigma, int(conduit.sum()))
    return out


def member_networks(network, n: int, roughness_sigma: float, seed: int) -> list:
    """``n`` copies of ``network`` whose conduits' Manning's n are scaled by seeded
    lognormal factors (:func:`member_log_roughness`, median 1); the network itself when
    ``roughness_sigma`` is 0 or ``n`` is 1."""
    if roughness_sigma <= 0.0 or n < 2:
        return [network] * n
    from twin.kernels.codes import LinkKind
    from twin.scenarios.modify import copy_network

    conduit = np.asarray(network.links.kind) == LinkKind.CONDUIT
    out = []
    for a in member_log_roughness(network, n, roughness_sigma, seed):
        net = copy_network(network)
        net.links.roughness[conduit] = net.links.roughness[conduit] * np.exp(a[conduit])
        out.append(net)
    return out


class MemberStates:
    """``n`` members of one network, stepped together and updated in place.

    Parameters
    ----------
    network : Network
    n : int
        Members (1 for nudging or an open-loop run).
    options : dict
        :class:`~twin.engine.simulation.Simulation` keyword arguments shared by every
        member (``end_hours``, ``options``, ``couplers``, ...).
    rain_sigma : float
        Spread of the members' initial log rain factors (0: all 1).
    roughness_sigma : float
        Model error: each member's conduits get Manning's n times a lognormal factor
        of this spread (one factor per conduit and member, median 1; 0: the network's
        own).  The same seed gives the same members (the forecast members are built
        like the analysis members, so their states fit each other).
    seed : int
    threads : int, optional
        numba threads for the batch.
    members : sequence of int, optional
        Build only these members of the ensemble of ``n`` (a chunk on a Dask worker).
    couplers : callable, optional
        ``couplers()`` -> a tuple of fresh couplers for one member (the 2D surface:
        :class:`SurfaceCouplers`).
    estimate_conduits : bool
        Carry each member's log conduit factors in the state (needs
        ``roughness_sigma`` > 0 and ``n`` > 1: the prior; otherwise ignored).
    estimate_subcatchments : bool
        Carry the ponded depth of every subarea in the state (needs ``n`` > 1 and
        subcatchments; otherwise ignored).
    """

    def __init__(self, network, n, options=None, *, rain_sigma=0.25, roughness_sigma=0.0,
                 seed=0, threads=None, members=None, couplers=None,
                 estimate_conduits=False, estimate_subcatchments=False):  # fmt: skip
        self.net = network
        nets = member_networks(network, int(n), roughness_sigma, seed)
        self.ids = list(range(int(n))) if members is None else [int(k) for k in members]
        self.n = len(self.ids)
        opts = dict(options or {})
        setups = [
            (nets[k], {**opts, "couplers": couplers()} if couplers is not None else opts)
            for k in self.ids
        ]
        self.batch = MemberBatch(setups, threads=threads)
        bad = [e for e in self.batch.errors if e]
        if bad:
            raise SimulationError(f"a member could not be set up: {bad[0]}")
        rng = np.random.default_rng(seed)
        spread = rng.normal(0.0, rain_sigma, self.n) if self.n > 1 and rain_sigma > 0 else 0.0
        self.log_rain_factor = np.zeros(self.n) + spread
        r0 = self.sims[0].router
        self.link_direction = r0.links.direction.astype(np.float64)
        self.true_conduit = r0.links.true_conduit == 1
        self.n_nodes = network.n_nodes
        self.n_links = network.n_links
        self.conduits = None
        if estimate_conduits and roughness_sigma > 0.0 and int(n) > 1:
            from twin.ops.conduit_params import ConduitFactors

            b = self.batch
            log0 = member_log_roughness(network, int(n), roughness_sigma, seed)[self.ids]
            links = [b.networks[b.table_of[k]][1] for k in range(self.n)]
            self.conduits = ConduitFactors(links, log0)
        n_par = self.n_links if self.conduits is not None else 0
        self._subareas(estimate_subcatchments and int(n) > 1)
        n_sub = len(self.subarea_node)
        self.n_state = self.n_nodes + self.n_links + n_par + n_sub + 1
        #: state columns of the log conduit factors (empty without estimate_conduits)
        self.conduit_columns = np.arange(self.n_nodes + self.n_links,
                                         self.n_nodes + self.n_links + n_par)  # fmt: skip
        #: state columns of the subareas' ponded depths (empty without
        #: estimate_subcatchments), then the log rain factor
        self.subarea_columns = np.arange(self.n_nodes + self.n_links + n_par,
                                         self.n_nodes + self.n_links + n_par + n_sub)  # fmt: skip
        #: water the updates put on (+) or took off (-) the subcatchments [m3], per
        #: member since this process built them (also in ``assimilation_volume_m3``)
        self.subcatchment_volume_m3 = np.zeros(self.n)
        self.invert_m = r0.nodes.invert * FT_TO_M
        self.rim_depth_m = r0.nodes.full_depth * FT_TO_M
        #: greatest depth before a node floods [m] (rim plus surcharge depth)
        self.max_depth_m = (r0.nodes.full_depth + r0.nodes.surcharge_depth) * FT_TO_M
        self.max_depth_m[self.max_depth_m <= 0.0] = 1e6  # no rim (an outfall): unbounded
        self.assimilation_volume_m3 = np.zeros(self.n)  # added (+) / removed (-) by updates
        self._rain_units = 1.0 / MM_PER_IN if network.unit_system == "US" else 1.0
        self._changed = np.zeros(self.n_nodes, dtype=np.bool_)

    def _subareas(self, on: bool) -> None:
        """The subareas the state holds (``subarea_catchment``, ``subarea_kind``: the
        row and column of the runoff's ``depth_at_subarea``), the node each one drains
        to (``subarea_node``: through other subcatchments if it drains onto one; the
        filter localises it there) and its area (``subarea_area_ft2``)."""
        ro = self.sims[0].runoff if on else None
        if ro is None or ro.n_subcatchments == 0:
            self.subarea_catchment = self.subarea_kind = np.zeros(0, np.int64)
            self.subarea_node = np.zeros(0, np.int64)
            self.subarea_area_ft2 = np.zeros(0)
            return
        node = ro.outlet_node.copy()
        nxt = ro.outlet_subcatch.copy()
        for _ in range(ro.n_subcatchments):  # onto another subcatchment: follow it
            todo = (node < 0) & (nxt >= 0)
            if not todo.any():
                break
            node[todo] = ro.outlet_node[nxt[todo]]
            nxt[todo] = np.where(ro.outlet_subcatch[nxt[todo]] == nxt[todo], -1,
                                 ro.outlet_subcatch[nxt[todo]])  # fmt: skip
        area = ro.surface_area_ft2[:, None] * ro.frac
        j, i = np.nonzero((area > 0.0) & (node[:, None] >= 0))
        self.subarea_catchment, self.subarea_kind = j.astype(np.int64), i.astype(np.int64)
        self.subarea_node = node[j].astype(np.int64)
        self.subarea_area_ft2 = area[j, i]

    # -- access -----------------------------------------------------------------------
    @property
    def sims(self):
        return self.batch.sims

    @property
    def t_s(self) -> float:
        """The members' clock [s after the start] (the latest member's)."""
        return max(s.t_s for s in self.sims)

    @property
    def start(self) -> np.datetime64:
        return self.sims[0].opts.start

    def _rows(self):
        a = self.batch._stack.arrays
        return a["node_state.depth"], a["link_state.flow"]

    def check_alive(self) -> None:
        """Raise SimulationError naming the first member that failed."""
        for k, s in enumerate(self.sims):
            if s is None:
                raise SimulationError(f"member {k} failed: {self.batch.errors[k]}")

    # -- stepping and forcing -------------------------------------------------------------
    def advance_until(self, t_s: float) -> None:
        """Step every member until its clock reaches ``t_s`` [s after the start]."""
        if self.newton:
            self._advance_newton(float(t_s))
        else:
            self.batch.advance_until(float(t_s))
        self.check_alive()

    @property
    def newton(self) -> bool:
        """Whether the members route with the Newton solver (``solver="newton"``)."""
        return any(s is not None and s.router.newton is not None for s in self.sims)

    def _advance_newton(self, t_s: float) -> None:
        """Newton members: each steps as its own simulation (the batch's compiled step is
        SWMM's), in its rows, its last step cut to end at ``t_s`` (its steps are up to
        30 s: an observation at ``t_s`` then meets the state at ``t_s``)."""
        from twin.engine.batch import describe_failure

        for k, sim in enumerate(self.sims):
            try:
                while sim is not None and not sim.finished and sim.t_s < t_s - 1e-9:
                    sim.step(max_step_s=t_s - sim.t_s)
            except Exception as exc:  # noqa: BLE001 - a failed member must not sink the others
                self.batch.errors[k] = describe_failure(exc)
                self.batch.sims[k] = None

    def set_rain(self, times_s, rates_mmh) -> None:
        """Rain from ``times_s[i]`` on: ``rates_mmh[i, g]`` at gauge ``g`` times each
        member's rain factor (piecewise constant; a later call replaces overrides at or
        after its first time).

        Parameters
        ----------
        times_s : (k,) float64, s after the start
        rates_mmh : (k, n_gauges) or (n_members, k, n_gauges) float64, mm/h
            Per member when 3-D (a forecast ensemble); the rain factor applies too.
        """
        times_s = np.asarray(times_s, np.float64)
        rates = np.asarray(rates_mmh, np.float64)
        factor = np.exp(self.log_rain_factor)
        for k, sim in enumerate(self.sims):
            if sim is None or sim.runoff is None:
                continue
            rain = sim.runoff.rain
            rk = rates[k] if rates.ndim == 3 else rates
            for i, t in enumerate(times_s):
                from_s = max(float(t), sim.runoff.t_new_s)
                for g in range(rk.shape[1]):
                    rain.set_override(g, float(rk[i, g]) * factor[k] * self._rain_units, from_s)

    # -- the state vector -----------------------------------------------------------------
    def read(self) -> np.ndarray:
        """The ensemble's state, (n_members, n_state) float64 in SI (see the module)."""
        depth, flow = self._rows()
        X = np.empty((self.n, self.n_state))
        X[:, : self.n_nodes] = depth * FT_TO_M
        X[:, self.n_nodes : self.n_nodes + self.n_links] = flow * CFS_TO_M3S
        if self.conduits is not None:
            X[:, self.conduit_columns] = self.conduits.log_factor
        if len(self.subarea_columns):
            j, i = self.subarea_catchment, self.subarea_kind
            for k, sim in enumerate(self.sims):
                X[k, self.subarea_columns] = sim.runoff.depth_ft[j, i] * FT_TO_M
        X[:, -1] = self.log_rain_factor
        return X

    def write(self, X: np.ndarray) -> np.ndarray:
        """Write analysed states (as :meth:`read` gives them) into the members.

        Depths are kept physical (see :func:`~twin.kernels.assimilation.apply_state`;
        a subarea's ponded depth at least 0); the clipped values are written back into
        ``X``.  Returns the stored volume each member gained [m3] (negative: lost), in
        the network and on the subcatchments, also added up in ``assimilation_volume_m3``
        and kept out of the routing and runoff continuity.
        """
        dv = np.zeros(self.n)
        flows = slice(self.n_nodes, self.n_nodes + self.n_links)
        if self.conduits is not None:  # new conduit factors first: apply_state's areas
            self.conduits.apply_all(X[:, self.conduit_columns])  # do not depend on n
            X[:, self.conduit_columns] = self.conduits.log_factor
        for k, sim in enumerate(self.sims):
            depth_ft = X[k, : self.n_nodes] / FT_TO_M
            flow_cfs = X[k, flows] / CFS_TO_M3S
            r = sim.router
            kept = _newton_before_update(r)
            dv_ft3 = apply_state(
                depth_ft, flow_cfs, *r.network_bundles(), r.node_state, r.link_state,
                self._changed,
            )  # fmt: skip
            if kept is not None and not _newton_after_update(r, kept, self._changed):
                dv_ft3 = 0.0  # nothing changed: the member is as it was, bit for bit
            X[k, : self.n_nodes] = depth_ft * FT_TO_M
            X[k, flows] = r.link_state.flow * CFS_TO_M3S
            # the routing continuity counts what routing did: the update's water is
            # booked as if it had been there from the start, and reported apart
            r._initial_storage += dv_ft3
            r._derived()
            dv[k] = dv_ft3 * FT3_TO_M3
            if len(self.subarea_columns):
                X[k, self.subarea_columns] = np.maximum(X[k, self.subarea_columns], 0.0)
                sub = self._write_subareas(sim.runoff, X[k, self.subarea_columns])
                self.subcatchment_volume_m3[k] += sub
                dv[k] += sub
        self.log_rain_factor[:] = X[:, -1]
        self.assimilation_volume_m3 += dv
        return dv

    def _write_subareas(self, runoff, depth_m: np.ndarray) -> float:
        """Write the subareas' analysed ponded depths [m] (>= 0) into ``runoff``;
        returns the volume added [m3] (booked in the runoff's initial storage, so that
        the runoff continuity counts only what the runoff did)."""
        j, i = self.subarea_catchment, self.subarea_kind
        d = runoff.depth_ft
        new = depth_m / FT_TO_M
        dv_ft3 = float(((new - d[j, i]) * self.subarea_area_ft2).sum())
        d[j, i] = new
        runoff.initial_storage_ft3 += dv_ft3
        if (new > 0.0).any():  # water to run off: the next runoff step is a wet one
            runoff._has_runoff = True
        return dv_ft3 * FT3_TO_M3

    # -- observation operator ---------------------------------------------------------------
    def observation_operator(self, kind: str, index: int) -> tuple[int, float, float]:
        """``(state column, scale, offset)`` so that the sensed value is
        ``scale * X[:, column] + offset`` (kinds: depth, head at a node; flow at a link)."""
        if kind == "depth":
            return int(index), 1.0, 0.0
        if kind == "head":
            return int(index), 1.0, float(self.invert_m[index])
        if kind == "flow":
            return self.n_nodes + int(index), float(self.link_direction[index]), 0.0
        raise ValueError(f"no observation operator for {kind!r}")

    # -- state copies in memory and hot start files ----------------------------------------
    def snapshots(self) -> list:
        """Every member's full state in memory (see :func:`~twin.engine.hotstart.snapshot`)
        with its rain factor, booked volume and log conduit factors (None without)."""
        from twin.engine.hotstart import snapshot

        c = self.conduits
        return [
            (snapshot(sim), float(self.log_rain_factor[k]), float(self.assimilation_volume_m3[k]),
             None if c is None else c.log_factor[k].copy())
            for k, sim in enumerate(self.sims)
        ]  # fmt: skip

    def restore(self, snaps: list) -> None:
        """Load :meth:`snapshots` of members built like these (same network, options,
        roughness perturbation and seed)."""
        from twin.engine.hotstart import restore_snapshot

        for k, (sim, (snap, lrf, vol, *rest)) in enumerate(zip(self.sims, snaps, strict=True)):
            # the attributes save_states adds for the files (the restore refuses a name
            # the simulation does not have)
            sim.assimilation_log_rain_factor = lrf
            sim.assimilation_volume_m3 = vol
            self._conduit_attribute(sim)
            restore_snapshot(sim, snap)
            self.log_rain_factor[k] = lrf
            self.assimilation_volume_m3[k] = vol
            if self.conduits is not None and rest and rest[0] is not None:
                self.conduits.apply(k, rest[0])

    def _conduit_attribute(self, sim, k=None) -> None:
        """The array save_states keeps the log conduit factors in (when estimated)."""
        if self.conduits is not None:
            a = self.conduits.log_factor[k] if k is not None else np.zeros(self.n_links)
            sim.assimilation_log_conduit_factor = a.copy()

    # -- hot start files --------------------------------------------------------------------
    def save_states(self, folder, *, sewer_only: bool = False) -> list[Path]:
        """Write each member's hot-start state to ``folder/member-KKK.state`` (atomic);
        ``sewer_only``: without the 2D surface (see :func:`twin.engine.hotstart.save_state`)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for k, sim in enumerate(self.sims):
            sim.assimilation_log_rain_factor = float(self.log_rain_factor[k])
            sim.assimilation_volume_m3 = float(self.assimilation_volume_m3[k])
            self._conduit_attribute(sim, k)
            path = folder / f"member-{k:03d}.state"
            out.append(sim.save_state(path, sewer_only=sewer_only))
        return out

    def load_states(self, folder) -> bool:
        """Restore every member from ``folder`` (as :meth:`save_states` wrote it);
        False (nothing changed) when a member's file is missing."""
        folder = Path(folder)
        paths = [folder / f"member-{k:03d}.state" for k in range(self.n)]
        if not all(p.exists() for p in paths):
            return False
        for k, (sim, path) in enumerate(zip(self.sims, paths, strict=True)):
            sim.assimilation_log_rain_factor = 0.0
            sim.assimilation_volume_m3 = 0.0
            self._conduit_attribute(sim)
            sim.load_state(path)
            self.log_rain_factor[k] = sim.assimilation_log_rain_factor
            self.assimilation_volume_m3[k] = sim.assimilation_volume_m3
            if self.conduits is not None:
                self.conduits.apply(k, sim.assimilation_log_conduit_factor)
        return True


def _newton_before_update(router):
    """Before a filter update of a Newton member: copies of its state rows; None for a
    member of SWMM's solver."""
    if router.newton is None:
        return None
    from twin.engine.newton import _copy_arrays

    return [_copy_arrays(b) for b in router.state_bundles()]


def _newton_after_update(router, kept, changed_at_node) -> bool:
    """After :func:`~twin.kernels.assimilation.apply_state` on a Newton member: when no
    depth and no conduit flow changed (beyond rounding), the rows as they were (the
    update rewrote the ``*_old`` fields the solver's history lives in) and False;
    otherwise its BDF2 and error history restarted
    (:meth:`~twin.engine.newton.NewtonRouting.restart_history`) and True."""
    from twin.engine.newton import _restore_arrays

    q_old = kept[1]["flow"]
    q = router.link_state.flow
    moved = np.abs(q - q_old) > 1e-12 * (1.0 + np.abs(q_old))
    if changed_at_node.any() or moved.any():
        router.newton.restart_history()
        return True
    for b, v in zip(router.state_bundles(), kept, strict=True):
        _restore_arrays(b, v)
    return False
