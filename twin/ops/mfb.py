"""The radar's mean-field bias against its rain gauges as a Kalman filter on the log bias.

The standard method of gauge-adjusting a radar (Smith and Krajewski 1991, Water Resour.
Res. 27(6); Seo, Breidenbach and Johnson 1999, J. Hydrol. 223; Chumchean, Seed and
Sharma 2006, J. Hydrol. 317): the state is ``beta = log(gauge / radar)`` per gauge,

- predicted over each radar step of ``dt`` seconds as an AR(1) process toward the prior
  mean, ``beta <- m0 + rho (beta - m0)``, ``rho = exp(-dt / tau)``, its variance
  ``P <- rho^2 P + Q`` with ``Q = (1 - rho^2) P0`` (the prior is the process's
  stationary state: a long dry spell returns the estimate to the prior) or, given a
  process variance per hour ``q``, ``Q = q dt / 3600`` (with ``tau = inf`` a random
  walk);
- updated by the step's ``y = log(g / r)`` wherever both the gauge's depth ``g`` and the
  radar's (its catchment mean) ``r`` reach ``min_mm``, with the observation variance
  ``R = floor + var_1mm / d`` falling with the step's depth ``d = sqrt(g r)`` [mm] (the
  sampling error of a point gauge against a radar area, larger for a few millimetres):
  ``K = P / (P + R)``, ``beta += K (y - beta)``, ``P <- (1 - K) P``.

A gauge-adjusted nowcast multiplies the radar by ``exp(beta)``.  The constants
(``MFB_*``) were fitted and tuned on the radar twin experiment's tuning seeds from the
radar's and the gauge's own readings (benchmarks/results/watch-mfb-notes.md), not from
the experiment's generator.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError

#: The prior of the log bias: mean 0 (the radar unbiased) and its variance.
MFB_PRIOR_MEAN = 0.0
MFB_PRIOR_VAR = 0.04
#: The AR(1) process's time constant [s] (its process variance keeps the prior stationary).
MFB_TAU_S = 24 * 3600.0
#: The observation variance of one radar step's log(gauge / radar): ``floor + var_1mm / d``.
MFB_OBS_VAR_1MM = 0.018
MFB_OBS_VAR_FLOOR = 0.072
#: A step is observed where both the gauge's and the radar's depths reach this [mm].
MFB_MIN_MM = 0.1


class MeanFieldBias:
    """The Kalman-filtered log bias of a radar against ``n`` gauges.

    Parameters
    ----------
    n : int
        Gauges.
    prior_mean, prior_var : float
        The log bias's prior (and the AR(1) process's stationary state).
    tau_s : float
        The AR(1) time constant [s]; ``inf``: a random walk.
    process_var_h : float, optional
        The process variance added per hour; default ``(1 - rho^2) prior_var`` per step.
    obs_var_1mm, obs_var_floor : float
        The observation variance ``obs_var_floor + obs_var_1mm / d`` of a step of depth
        ``d`` [mm].
    min_mm : float
        Both depths at least this for a step to be observed.
    """

    def __init__(self, n, *, prior_mean=MFB_PRIOR_MEAN, prior_var=MFB_PRIOR_VAR,
                 tau_s=MFB_TAU_S, process_var_h=None, obs_var_1mm=MFB_OBS_VAR_1MM,
                 obs_var_floor=MFB_OBS_VAR_FLOOR, min_mm=MFB_MIN_MM):  # fmt: skip
        self.prior_mean, self.prior_var = float(prior_mean), float(prior_var)
        self.tau_s = float(tau_s)
        self.process_var_h = None if process_var_h is None else float(process_var_h)
        self.obs_var_1mm, self.obs_var_floor = float(obs_var_1mm), float(obs_var_floor)
        self.min_mm = float(min_mm)
        self.mean = np.full(int(n), self.prior_mean)
        self.var = np.full(int(n), self.prior_var)
        self.t_s = None  # the end of the last radar step taken in

    @property
    def bias(self) -> np.ndarray:
        """(n,) ``exp(mean log bias)``: the factor the radar is multiplied by."""
        return np.exp(self.mean)

    def obs_var(self, depth_mm) -> np.ndarray:
        """The observation variance of a step's log ratio at depth ``depth_mm``."""
        return self.obs_var_floor + self.obs_var_1mm / np.maximum(depth_mm, 1e-9)

    def predict(self, dt_s: float) -> None:
        """Carry the state ``dt_s`` seconds forward (the AR(1) process)."""
        rho = 1.0 if not np.isfinite(self.tau_s) else float(np.exp(-dt_s / self.tau_s))
        if self.process_var_h is None:
            q = (1.0 - rho**2) * self.prior_var
        else:
            q = self.process_var_h * dt_s / 3600.0
        self.mean = self.prior_mean + rho * (self.mean - self.prior_mean)
        self.var = rho**2 * self.var + q

    def update(self, gauge_mm, radar_mm) -> None:
        """Take in one step's depths [mm] (n,) of the gauges and the radar."""
        g, r = np.asarray(gauge_mm, float), np.asarray(radar_mm, float)
        seen = (g >= self.min_mm) & (r >= self.min_mm)
        if not seen.any():
            return
        y = np.log(np.where(seen, g, 1.0) / np.where(seen, r, 1.0))
        R = self.obs_var(np.sqrt(np.where(seen, g * r, 1.0)))
        k = np.where(seen, self.var / (self.var + R), 0.0)
        self.mean = self.mean + k * (y - self.mean)
        self.var = (1.0 - k) * self.var

    def step(self, t1_s: float, gauge_mm, radar_mm) -> None:
        """A radar step ending at ``t1_s``: predict from the last step's end, update."""
        dt = 0.0 if self.t_s is None else max(0.0, t1_s - self.t_s)
        self.predict(dt)
        self.update(gauge_mm, radar_mm)
        self.t_s = float(t1_s)

    def state(self) -> dict:
        """The filter's state for ``watch.json`` (:meth:`restore`)."""
        return {"t_s": self.t_s, "mean": self.mean.tolist(), "var": self.var.tolist()}

    def restore(self, state: dict) -> None:
        """Continue from a :meth:`state` (a restart of ``twin watch``)."""
        mean, var = np.asarray(state["mean"], float), np.asarray(state["var"], float)
        if mean.shape != self.mean.shape or var.shape != self.var.shape:
            raise InputError(f"the radar's mean-field bias state has {mean.size} gauges, the "
                             f"radar {self.mean.size}", field="radar_bias")  # fmt: skip
        self.mean, self.var = mean, var
        self.t_s = None if state.get("t_s") is None else float(state["t_s"])
