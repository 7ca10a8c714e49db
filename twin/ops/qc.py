"""Sensor quality control: the innovation test, flatlines, drift, jumps and noise.

Each cycle every sensor gets a score per test, scaled so that 1 is the test's
threshold, computed from its readings in the recent window and the ensemble's
prediction of them (made before the sensor's readings were used):

- ``innovation``: ``|y - Hx| / sqrt(var(Hx) + sd^2)`` over ``gate``, the median of the
  window (one outlier does not trip it);
- ``flatline``: the readings stay within ``sd / 10`` for ``flatline_min`` while the
  prediction moves by more than ``flat_k`` sd;
- ``drift``: the Theil-Sen slope of the innovations over ``drift_min`` against
  ``drift_m_per_h`` (only when it is steady, i.e. the innovations keep growing);
- ``jump``: a step between consecutive readings larger than ``jump_k`` sd plus what the
  prediction moved;
- ``noise``: the scatter of the readings about the prediction's shape (the median
  absolute second difference) against ``noise_k`` times what ``sd`` gives.

A sensor whose largest score stays above 1 for ``persist`` cycles is flagged and left
out of the updates; it is used again after ``recover`` cycles with every score below 1.
The largest score is kept as ``qc_score`` (it ranks sensors for a ROC curve).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TESTS = ("innovation", "flatline", "drift", "jump", "noise")


@dataclass(frozen=True)
class QCSettings:
    gate: float = 4.0
    flatline_min: float = 30.0
    flat_k: float = 3.0
    drift_min: float = 60.0
    drift_m_per_h: float = 0.015
    jump_k: float = 6.0
    noise_k: float = 3.0
    persist: int = 2
    recover: int = 3


class SensorQC:
    """Quality flags of ``n`` sensors, updated once a cycle.

    Attributes
    ----------
    flagged : (n,) bool
        Left out of the updates.
    score : (n,) float
        The largest test score of the last cycle.
    reason : list of str
        The test that flagged each sensor ("" when not flagged).
    """

    def __init__(self, sd, settings: QCSettings | None = None):
        self.sd = np.asarray(sd, np.float64)
        self.s = settings or QCSettings()
        n = len(self.sd)
        self.flagged = np.zeros(n, bool)
        self.score = np.zeros(n)
        self.scores = np.zeros((n, len(TESTS)))
        self.reason = [""] * n
        self._bad_run = np.zeros(n, np.int64)
        self._good_run = np.zeros(n, np.int64)

    def update(self, t_s, y, hx, hx_sd, now_s):
        """Score each sensor on its recent history and update the flags.

        Parameters
        ----------
        t_s : (m,) float64
            Times of the history [s], increasing.
        y : (m, n) float64
            Readings (NaN: none).
        hx, hx_sd : (m, n) float64
            The ensemble's prior prediction of them and its spread (NaN: none).
        now_s : float
            The cycle time [s].
        """
        s = self.s
        n = len(self.sd)
        sc = np.zeros((n, len(TESTS)))
        for i in range(n):
            sc[i] = self._scores(t_s, y[:, i], hx[:, i], hx_sd[:, i], self.sd[i], now_s)
        self.scores = sc
        self.score = sc.max(axis=1)
        bad = self.score > 1.0
        self._bad_run = np.where(bad, self._bad_run + 1, 0)
        self._good_run = np.where(bad, 0, self._good_run + 1)
        for i in range(n):
            if not self.flagged[i] and self._bad_run[i] >= s.persist:
                self.flagged[i] = True
                self.reason[i] = TESTS[int(np.argmax(sc[i]))]
            elif self.flagged[i] and self._good_run[i] >= s.recover:
                self.flagged[i] = False
                self.reason[i] = ""
        return self.flagged

    def _scores(self, t, y, hx, hsd, sd, now_s) -> np.ndarray:
        s = self.s
        out = np.zeros(len(TESTS))
        ok = np.isfinite(y) & np.isfinite(hx)
        if ok.sum() < 3:
            return out
        t, y, hx, hsd = t[ok], y[ok], hx[ok], np.nan_to_num(hsd[ok])
        innov = y - hx
        recent = t >= now_s - 15 * 60.0
        if recent.any():
            z = np.abs(innov[recent]) / np.sqrt(hsd[recent] ** 2 + sd**2)
            out[0] = np.median(z) / s.gate
        flat = t >= now_s - s.flatline_min * 60.0
        if flat.sum() >= 5 and t[flat][-1] - t[flat][0] >= 0.8 * s.flatline_min * 60.0:
            yr = np.ptp(y[flat])
            hr = np.ptp(hx[flat])
            if yr <= 0.1 * sd and hr > s.flat_k * sd:
                out[1] = 1.0 + hr / (s.flat_k * sd) * 0.01
            else:
                out[1] = 0.5 * hr / (s.flat_k * sd) * np.exp(-yr / (0.1 * sd + 1e-12))
        drift = t >= now_s - s.drift_min * 60.0
        if drift.sum() >= 6:
            from scipy.stats import theilslopes

            slope = theilslopes(innov[drift], t[drift] / 3600.0)[0]
            growth = abs(innov[drift][-3:].mean()) > abs(innov[drift][:3].mean())
            out[2] = abs(slope) / s.drift_m_per_h if growth else 0.0
        if len(y) >= 2:
            dy = np.abs(np.diff(y) - np.diff(hx))
            out[3] = dy[-min(len(dy), 10) :].max() / (s.jump_k * sd + 1e-12)
        if len(y) >= 4:
            d2 = np.diff(innov, 2)
            scatter = 1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6.0)
            out[4] = scatter / (s.noise_k * sd)
        return out
