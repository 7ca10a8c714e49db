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

from twin.kernels import routing_layout as RL
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
    """

    issued_s: float
    lead_s: np.ndarray
    node_flood_probability: np.ndarray
    node_first_flood_s: np.ndarray
    node_depth_mean: np.ndarray
    node_depth_quantile: np.ndarray
    member_flood_s: np.ndarray


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
    """

    def __init__(self, network, n, options, *, horizon_s=7200.0, lead_step_s=600.0,
                 sample_s=60.0, threads=None, roughness_sigma=0.0, seed=0):  # fmt: skip
        self.members = MemberStates(network, n, options, rain_sigma=0.0, threads=threads,
                                    roughness_sigma=roughness_sigma, seed=seed)  # fmt: skip
        self.horizon_s = float(horizon_s)
        self.lead_step_s = float(lead_step_s)
        self.sample_s = float(sample_s)
        kind = network.nodes.kind
        self.manhole = np.asarray(kind) != NodeKind.OUTFALL
        self.rim_m = self.members.rim_depth_m

    def run(self, states, rain_times_s, rain_rates_mmh, now_s=None) -> CycleForecast:
        """Forecast from ``states`` (the analysis members' :meth:`MemberStates.snapshots`,
        or a folder of their state files) with the members' forecast rain
        (``rain_rates_mmh`` (n_members, k, n_gauges) from ``rain_times_s``)."""
        m = self.members
        if isinstance(states, list):
            m.restore(states)
        elif not m.load_states(states):
            raise FileNotFoundError(f"no member states in {states}")
        t0 = m.t_s if now_s is None else float(now_s)
        m.set_rain(rain_times_s, rain_rates_mmh)
        leads = np.arange(0.0, self.horizon_s + 1e-9, self.lead_step_s)
        depth = np.zeros((len(leads), m.n, m.n_nodes))
        first = np.full((m.n, m.n_nodes), np.nan)
        ns = m.batch._stack.arrays["node_state"]
        depth[0] = ns[:, RL.ND_DEPTH, :] * FT_TO_M
        t = t0
        end = min(t0 + self.horizon_s, m.sims[0].duration_s)
        while t < end - 1e-6:
            t = min(t + self.sample_s, end)
            m.advance_until(t)
            d = ns[:, RL.ND_DEPTH, :] * FT_TO_M
            flooding = (ns[:, RL.ND_OVERFLOW, :] > 0.0) | (d >= self.rim_m - 1e-4)
            flooding &= self.manhole
            new = flooding & np.isnan(first)
            first[new] = t
            k = np.searchsorted(leads, t - t0 - 1e-6)
            if k < len(leads) and abs(leads[k] - (t - t0)) < 0.5 * self.sample_s:
                depth[k] = d
        for k in range(len(leads)):  # leads past the simulation's end: its last state
            if t0 + leads[k] > end + 1e-6:
                depth[k] = depth[k - 1]
        floods = np.isfinite(first)
        prob = floods.mean(axis=0)
        count = floods.sum(axis=0)
        total = np.where(floods, first, 0.0).sum(axis=0)
        first_mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        q = np.moveaxis(np.quantile(depth, QUANTILES, axis=1), 0, -1)
        return CycleForecast(
            issued_s=t0,
            lead_s=leads,
            node_flood_probability=prob,
            node_first_flood_s=first_mean,
            node_depth_mean=depth.mean(axis=1),
            node_depth_quantile=q,
            member_flood_s=first,
        )
