"""The rain that really falls, the forecasts a controller gets of it, and a perturbed truth.

* :func:`gauge_rain` reads a network's rain gauges as step functions (mm/h).
* :func:`perturbed_forecast` makes a forecast ensemble for a cycle: each member is the
  true rain from now on, scaled by a lognormal factor of mean 1 (``sigma``) and moved
  in time by up to ``jitter_s`` either way, drawn afresh every cycle from a seeded
  generator, so the forecast is wrong in amount and timing as nowcasts are.
* :func:`perturbed_truth` gives the twin plant its own truth: the rain that falls is
  the gauges' record times ``rain_factor`` (gauges under-catch), and every conduit's
  roughness is off by a seeded lognormal factor; the controller's model knows neither.
"""

from __future__ import annotations

import numpy as np

from twin.control.members import Forecast

__all__ = ["gauge_rain", "perturbed_forecast", "true_forecast", "perturbed_truth"]


def gauge_rain(net, opts=None) -> tuple[np.ndarray, np.ndarray]:
    """The rain of every gauge of ``net`` as a step function: ``(times_s, rates_mmh)``
    with ``rates_mmh[i, g]`` from ``times_s[i]`` on (s after the start, mm/h)."""
    from twin.engine.options import SimOptions
    from twin.engine.rainfall import MM_PER_IN, GaugeRainfall

    opts = opts or SimOptions.from_network(net)
    g = GaugeRainfall(net, opts)
    times = np.unique(np.concatenate([np.zeros(1), *g.times_s]))
    times = times[times >= 0.0]
    rates = np.array([g.rate_at(t) for t in times]).reshape(len(times), g.n_gages)
    if g.unit_system == "US":
        rates = rates * MM_PER_IN
    return times, rates


def _rate_at(times, rates, t) -> np.ndarray:
    """Rates (..., G) of a step function at times ``t`` (0 before the first time)."""
    k = np.searchsorted(times, t, side="right") - 1
    out = rates[np.clip(k, 0, None)]
    out[k < 0] = 0.0
    return out


def _grid(now_s, horizon_s, step_s):
    """``now_s`` and the multiples of ``step_s`` after it up to the horizon's end (times
    on the simulation's own minute grid, so rain changes fall where the record has them)."""
    first = (np.floor(now_s / step_s + 1e-9) + 1.0) * step_s
    return np.r_[now_s, np.arange(first, now_s + horizon_s + 1e-9, step_s)]


def true_forecast(times_s, rates_mmh, now_s, horizon_s, step_s=60.0) -> Forecast:
    """The true rain from ``now_s`` over the horizon as a one-member forecast."""
    grid = _grid(now_s, horizon_s, step_s)
    return Forecast(grid, _rate_at(times_s, rates_mmh, grid)[None])


def perturbed_forecast(times_s, rates_mmh, now_s, horizon_s, n, *, sigma=0.3, jitter_s=900.0,
                       seed=0, cycle=0, step_s=60.0, observed=False,
                       error_lead_s=None) -> Forecast:  # fmt: skip
    """``n`` perturbed members of the true rain from ``now_s`` over the horizon.

    Member ``k`` rains ``f_k * true(t - d_k)`` with ``f_k = exp(N(-sigma^2/2, sigma))``
    and ``d_k`` uniform in ``[-jitter_s, jitter_s]`` (whole minutes), drawn from
    ``default_rng([seed, cycle])``.

    ``observed=True`` conditions the members on the gauges' record up to ``now_s``:
    the rain falling now is seen, so a member's timing error grows with the lead time,
    from none now to ``d_k`` at the horizon's end, as the error of a storm's speed does
    (member ``k`` stretches the rain still to come by ``s_k = 1 + d_k / L``:
    ``f_k / s_k * true(now + (t - now) / s_k)``, the same volume spread over a longer
    or shorter time; ``L`` is ``error_lead_s``, default ``horizon_s``, and at least
    twice ``jitter_s``).  It never rains again what has fallen, nor drops the rain
    about to fall (as a plain shift does when the storm is overhead).
    """
    rng = np.random.default_rng([int(seed), int(cycle)])
    factors = np.exp(rng.normal(-0.5 * sigma**2, sigma, n)) if sigma > 0 else np.ones(n)
    shifts = (
        np.round(rng.uniform(-jitter_s, jitter_s, n) / 60.0) * 60.0
        if jitter_s > 0
        else (np.zeros(n))
    )
    grid = _grid(now_s, horizon_s, step_s)
    lead = max(float(error_lead_s or horizon_s), 2.0 * jitter_s)
    members = []
    for f, d in zip(factors, shifts, strict=True):
        if observed:
            stretch = 1.0 + d / lead  # >= 0.5
            members.append(f / stretch * _rate_at(times_s, rates_mmh,
                                                  now_s + (grid - now_s) / stretch))  # fmt: skip
        else:
            members.append(f * _rate_at(times_s, rates_mmh, grid - d))
    return Forecast(grid, np.stack(members))


def perturbed_truth(net, *, rain_factor=1.15, roughness_sigma=0.1, seed=0):
    """A copy of ``net`` whose rain is ``rain_factor`` times its gauges' and whose
    conduits are rougher or smoother by ``exp(N(0, roughness_sigma))``."""
    from twin.kernels.codes import LinkKind
    from twin.scenarios.scenario import Scenario

    out = Scenario(name="plant-truth", scale=float(rain_factor), tail_hours=0.0).apply(net)
    rng = np.random.default_rng(int(seed))
    conduit = np.asarray(out.links.kind) == LinkKind.CONDUIT
    factor = np.exp(rng.normal(0.0, roughness_sigma, int(conduit.sum())))
    rough = np.array(out.links.roughness, np.float64, copy=True)
    rough[conduit] = rough[conduit] * factor
    out.links.roughness = rough
    return out
