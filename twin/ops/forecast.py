"""Rolling forecasts: the analysed members run ahead for the horizon, batched.

Every cycle the analysis members' hot-start states (the files the twin keeps in its
output folder) are loaded into a second set of members, built once, that runs the
forecast rain for the horizon with the batched ensemble kernel; the analysis members
themselves are not disturbed.  While they run, every ``sample_s`` the forecast notes
per member and manhole whether it floods (overflow, or water at the rim), and every
``lead_step_s`` the depths; from those come the flood probability within the horizon,
the expected first-flood time and the depth quantiles per lead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.kernels.codes import NodeKind
from twin.networks.units import FT_TO_M
from twin.ops.members import MemberStates

QUANTILES = (0.1, 0.5, 0.9)


@dataclass
class CycleForecast:
    """The forecast of one cycle (SI; times in s after the simulation start).

    Attributes
    ----------
    issued_s : float
    lead_s : (n_leads,) float64
    node_flood_probability : (n_nodes,) float64
    node_first_flood_s : (n_nodes,) float64, NaN where no member floods
        Mean first-flood time over the members that flood.
    node_depth_mean : (n_leads, n_nodes) float64, m
    node_depth_quantile : (n_leads, n_nodes, n_quantiles) float64, m
    member_flood_s : (n_members, n_nodes) float64, first flood time per member (NaN: none)
    cell_flood_probability : (ny, nx) float64 or None
        With the street surface: the fraction of members whose water on the cell
        exceeds the threshold within the horizon.
    cell_max_depth_median : (ny, nx) float64 or None
        The median over the members of the cell's largest depth within the horizon [m].
    cell_road_probability : (ny, nx) float64 or None
        The fraction of members whose water on the cell passes the road depth (0.15 m)
        within the horizon.
    """

    issued_s: float
    lead_s: np.ndarray
    node_flood_probability: np.ndarray
    node_first_flood_s: np.ndarray
    node_depth_mean: np.ndarray
    node_depth_quantile: np.ndarray
    member_flood_s: np.ndarray
    cell_flood_probability: np.ndarray | None = None
    cell_max_depth_median: np.ndarray | None = None
    cell_road_probability: np.ndarray | None = None


def run_members(m: MemberStates, snaps, rain_times_s, rain_rates_mmh, t0, horizon_s,
                lead_step_s, sample_s, manhole):  # fmt: skip
    """Run members ``m`` from ``snaps`` for the horizon with their forecast rain.

    Returns ``(leads (n_leads,), depth (n_leads, n_members, n_nodes) m, first flood
    (n_members, n_nodes) s after the start (NaN: none), surface maximum depth
    (n_members, ny, nx) m or None)``.
    """
    m.restore(snaps)
    m.set_rain(rain_times_s, rain_rates_mmh)
    surfaces = [c.surface for s in m.sims for c in s.couplers if hasattr(c, "surface")]
    for srf in surfaces:  # the maximum over this forecast's horizon only
        srf._hmax[...] = srf._h
    leads = np.arange(0.0, horizon_s + 1e-9, lead_step_s)
    depth = np.zeros((len(leads), m.n, m.n_nodes))
    first = np.full((m.n, m.n_nodes), np.nan)
    stack = m.batch._stack.arrays
    depth_ft, overflow = stack["node_state.depth"], stack["node_state.overflow"]
    rim = m.rim_depth_m
    depth[0] = depth_ft * FT_TO_M
    t = t0
    end = min(t0 + horizon_s, m.sims[0].duration_s)
    while t < end - 1e-6:
        t = min(t + sample_s, end)
        m.advance_until(t)
        d = depth_ft * FT_TO_M
        flooding = (overflow > 0.0) | (d >= rim - 1e-4)
        flooding &= manhole
        first[flooding & np.isnan(first)] = t
        k = np.searchsorted(leads, t - t0 - 1e-6)
        if k < len(leads) and abs(leads[k] - (t - t0)) < 0.5 * sample_s:
            depth[k] = d
    for k in range(len(leads)):  # leads past the simulation's end: its last state
        if t0 + leads[k] > end + 1e-6:
            depth[k] = depth[k - 1]
    hmax = np.array([srf._hmax for srf in surfaces]) if surfaces else None
    return leads, depth, first, hmax


_WORKER_MEMBERS: dict = {}


def _run_chunk(net, options, n, member_ids, roughness_sigma, seed, couplers, snaps, times,
               rates, t0, horizon_s, lead_step_s, sample_s, manhole, key,
               estimate_conduits=False):  # fmt: skip
    """A Dask task: members ``member_ids`` of the ensemble, built once per worker
    (cached under ``key``) and run from their snapshots."""
    m = _WORKER_MEMBERS.get(key)
    if m is None:
        m = MemberStates(net, n, options, rain_sigma=0.0, roughness_sigma=roughness_sigma,
                         seed=seed, members=member_ids, couplers=couplers,
                         estimate_conduits=estimate_conduits)  # fmt: skip
        _WORKER_MEMBERS.clear()  # one watch per worker at a time
        _WORKER_MEMBERS[key] = m
    return run_members(m, snaps, times, rates, t0, horizon_s, lead_step_s, sample_s, manhole)


class Forecaster:
    """Runs forecasts of ``n`` members of ``network`` built with ``options``.

    Parameters
    ----------
    network : Network
    n : int
    options : dict
        The analysis members' Simulation keyword arguments (hot starts need the same).
    horizon_s, lead_step_s, sample_s : float
    threads : int, optional
    roughness_sigma, seed : float, int
        As the analysis members were built (:class:`~twin.ops.members.MemberStates`).
    couplers : callable, optional
        ``couplers() -> tuple`` of fresh couplers for a member (the 2D surface).
    client : dask.distributed.Client, optional
        Run the members there, in chunks (one per worker thread); the members are built
        once per worker and the network is sent once.
    surface_threshold_m : float
        Depth above which a street cell counts as flooded.
    estimate_conduits : bool
        The analysis members estimate conduit factors: each forecast member runs with
        its analysis member's (carried in the snapshots).
    road_depth_m : float
        Depth above which a street cell's road is flooded (the ``road_depth`` warning).
    """

    def __init__(self, network, n, options, *, horizon_s=7200.0, lead_step_s=600.0,
                 sample_s=60.0, threads=None, roughness_sigma=0.0, seed=0, couplers=None,
                 client=None, surface_threshold_m=0.1, road_depth_m=0.15,
                 estimate_conduits=False):  # fmt: skip
        self.n = int(n)
        self.client = client
        self._build = (network, options, roughness_sigma, seed, couplers)
        self._estimate = bool(estimate_conduits)
        self.members = None
        if client is None:
            self.members = MemberStates(network, n, options, rain_sigma=0.0, threads=threads,
                                        roughness_sigma=roughness_sigma, seed=seed,
                                        couplers=couplers,
                                        estimate_conduits=estimate_conduits)  # fmt: skip
        self.horizon_s = float(horizon_s)
        self.lead_step_s = float(lead_step_s)
        self.sample_s = float(sample_s)
        self.surface_threshold_m = float(surface_threshold_m)
        self.road_depth_m = float(road_depth_m)
        kind = network.nodes.kind
        self.manhole = np.asarray(kind) != NodeKind.OUTFALL
        self._net_future = None
        self._key = f"twin-forecast-{id(self)}-{np.random.default_rng().integers(1 << 62)}"

    def run(self, states, rain_times_s, rain_rates_mmh, now_s=None) -> CycleForecast:
        """Forecast from ``states`` (the analysis members' :meth:`MemberStates.snapshots`)
        with the members' forecast rain (``rain_rates_mmh`` (n_members, k, n_gauges)
        from ``rain_times_s``), from ``now_s`` [s after the start]."""
        t0 = float(now_s)
        args = (self.horizon_s, self.lead_step_s, self.sample_s, self.manhole)
        rates = np.asarray(rain_rates_mmh)
        if self.client is None:
            leads, depth, first, hmax = run_members(
                self.members, states, rain_times_s, rates, t0, *args
            )
        else:
            leads, depth, first, hmax = self._run_dask(states, rain_times_s, rates, t0, args)
        fc = _summary(t0, leads, depth, first, hmax, self.surface_threshold_m)
        if hmax is not None:
            fc.cell_road_probability = (hmax > self.road_depth_m).mean(axis=0)
        return fc

    def _run_dask(self, states, times, rates, t0, args):
        client = self.client
        net, options, sigma, seed, couplers = self._build
        if self._net_future is None:
            self._net_future = client.scatter(net, broadcast=True)
        slots = sum(client.nthreads().values()) or 1
        chunks = [c for c in np.array_split(np.arange(self.n), min(slots, self.n)) if len(c)]
        futs = []
        for c in chunks:
            ids = tuple(int(k) for k in c)
            futs.append(client.submit(
                _run_chunk, self._net_future, options, self.n, ids, sigma, seed, couplers,
                [states[k] for k in ids], times, rates[list(ids)], t0, *args,
                f"{self._key}-{ids}", self._estimate, pure=False,
            ))  # fmt: skip
        parts = client.gather(futs)
        leads = parts[0][0]
        depth = np.concatenate([p[1] for p in parts], axis=1)
        first = np.concatenate([p[2] for p in parts], axis=0)
        hmax = None if parts[0][3] is None else np.concatenate([p[3] for p in parts], axis=0)
        return leads, depth, first, hmax


def _summary(t0, leads, depth, first, hmax, threshold_m) -> CycleForecast:
    floods = np.isfinite(first)
    count = floods.sum(axis=0)
    total = np.where(floods, first, 0.0).sum(axis=0)
    q = np.moveaxis(np.quantile(depth, QUANTILES, axis=1), 0, -1)
    return CycleForecast(
        issued_s=t0,
        lead_s=leads,
        node_flood_probability=floods.mean(axis=0),
        node_first_flood_s=np.where(count > 0, total / np.maximum(count, 1), np.nan),
        node_depth_mean=depth.mean(axis=1),
        node_depth_quantile=q,
        member_flood_s=first,
        cell_flood_probability=None if hmax is None else (hmax > threshold_m).mean(axis=0),
        cell_max_depth_median=None if hmax is None else np.median(hmax, axis=0),
    )
