"""Rain now and next: observed rain per gauge, and the forecast ensemble of nowcasts.

Observed rain comes from rainfall sensors (gauges in the observation store or a
``--rainfall`` CSV), from radar grids (averaged over each gauge's subcatchments with
the radar reader's weights), or, when neither is given, from the network's own rain
gauges.  It is a step function per gauge: the rate from each time on.

The forecast rain is an ensemble of nowcasts, one per member:

- with radar frames, pysteps extrapolates the latest frames along their motion field
  (STEPS, or extrapolation plus noise) into an ensemble (:mod:`twin.ops.nowcast`);
- otherwise perturbed persistence of the gauges: the latest rate (mean of the last
  ``window_min`` minutes) held for a while, then decaying, scaled per member by the
  forecast-perturbation generator (:func:`twin.ensemble.members.perturbed_forecast`:
  a lognormal factor and a timing jitter, here how long the rain persists).
"""

from __future__ import annotations

import numpy as np

from twin.ensemble.members import perturbed_forecast
from twin.scenarios.scenario import Scenario


class ObservedRain:
    """Observed rain of every gauge as a step function of time.

    Parameters
    ----------
    n_gauges : int
    """

    def __init__(self, n_gauges: int):
        self.n_gauges = int(n_gauges)
        self.times_s = np.zeros(0)
        self.rates_mmh = np.zeros((0, self.n_gauges))

    @classmethod
    def of_network(cls, net, opts) -> ObservedRain:
        """The network's own gauges (their records) as the observed rain."""
        from twin.engine.rainfall import MM_PER_IN, GaugeRainfall

        g = GaugeRainfall(net, opts)
        times = np.unique(np.concatenate([np.zeros(1), *g.times_s]))
        out = cls(g.n_gages)
        rates = np.array([g.rate_at(t) for t in times]).reshape(len(times), g.n_gages)
        if g.unit_system == "US":
            rates = rates * MM_PER_IN
        out.set(times, rates)
        return out

    def set(self, times_s, rates_mmh) -> None:
        """Readings from ``times_s[i]`` on (replaces readings at the same times)."""
        times_s = np.asarray(times_s, np.float64)
        rates = np.asarray(rates_mmh, np.float64).reshape(len(times_s), self.n_gauges)
        keep = ~np.isin(self.times_s, times_s)
        t = np.concatenate([self.times_s[keep], times_s])
        r = np.concatenate([self.rates_mmh[keep], rates])
        order = np.argsort(t, kind="stable")
        self.times_s, self.rates_mmh = t[order], r[order]

    def between(self, t0_s: float, t1_s: float) -> tuple[np.ndarray, np.ndarray]:
        """The step function on ``[t0, t1)``: its value at ``t0`` and its changes after."""
        k0 = np.searchsorted(self.times_s, t0_s, side="right") - 1
        inside = (self.times_s > t0_s) & (self.times_s < t1_s)
        first = self.rates_mmh[k0] if k0 >= 0 else np.zeros(self.n_gauges)
        first = np.nan_to_num(first)
        times = np.concatenate([[t0_s], self.times_s[inside]])
        rates = np.vstack([first[None, :], np.nan_to_num(self.rates_mmh[inside])])
        return times, rates

    def mean_rate(self, t0_s: float, t1_s: float) -> np.ndarray:
        """Time-averaged rate of each gauge over ``[t0, t1)`` [mm/h]."""
        if t1_s <= t0_s:
            return np.zeros(self.n_gauges)
        times, rates = self.between(t0_s, t1_s)
        edges = np.append(times, t1_s)
        return (rates * np.diff(edges)[:, None]).sum(axis=0) / (t1_s - t0_s)


def persistence_nowcast(
    rain: ObservedRain,
    now_s: float,
    horizon_s: float,
    n_members: int,
    *,
    step_s: float = 300.0,
    window_min: float = 15.0,
    sigma: float = 0.35,
    jitter_min: float = 20.0,
    decay_min: float = 30.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Perturbed persistence of the gauges.

    Member ``k`` rains ``r0 * scale_k`` for ``persist_k`` minutes, then decays with
    time constant ``decay_min``; ``r0`` is the mean rate of the last ``window_min``,
    ``scale_k`` and ``persist_k`` come from :func:`~twin.ensemble.members.perturbed_forecast`
    (lognormal with mean 1 and spread ``sigma``; ``U(0, 2 jitter_min)``).

    Returns
    -------
    times_s : (k,) float64
        From ``now_s`` every ``step_s`` to the horizon.
    rates_mmh : (n_members, k, n_gauges) float64
    """
    r0 = rain.mean_rate(now_s - window_min * 60.0, now_s)
    members = perturbed_forecast(
        Scenario(name="persistence"), n_members, sigma=sigma, jitter_min=jitter_min, seed=seed
    )
    times = now_s + np.arange(0.0, horizon_s, step_s)
    lead_min = (times - now_s) / 60.0
    out = np.zeros((n_members, len(times), rain.n_gauges))
    for k, m in enumerate(members):
        persist = m.scenario.time_shift_min
        shape = np.exp(-np.maximum(lead_min - persist, 0.0) / decay_min)
        out[k] = m.scenario.scale * shape[:, None] * r0[None, :]
    return times, out
