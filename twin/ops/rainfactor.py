"""What the network-wide rain factor may learn from a reading (issue 17, "The rain
factor's runaway").

The log rain factor is the last column of the filter's state: one number that scales
the gauge's rain for every subcatchment.  In the default filter every used depth
reading moves it by its ensemble covariance with the reading.  A reading the members
cannot explain by rain -- the backwater of a blocked pipe the members do not carry --
still moves it, and in a storm's rise it ran away to 2.6-3.2 (truth 1.3), after which
every member stood at the rim of most sensors.  Bounding or slowing the factor's size
treats the symptom; the rules here restrict *which* readings inform it
(:func:`factor_weights`, a multiplier in [0, 1] on each reading's localisation weight of
the factor, computed from the prior of the update), and :func:`relax_log_factor` lets the
factor forget (Ornstein-Uhlenbeck).

1. ``param_censored``: a reading with half or more of the members at a bound at its node
   (at the rim or dry, as the censored gate defines it: ``enkf.censored``) gives the
   factor no increment.  Such members say "at least the rim" (or "no water"), so their
   covariance with the factor is not the depth's response to rain.  The state is still
   updated (censored as the gate is).
2. ``param_responsive``: a reading informs the factor only where the members' predicted
   readings respond to it, i.e. their correlation with the members' log factors is
   positive beyond sampling noise (one-sided test at 5 %: Student's t with ``n - 2``
   degrees of freedom, ``n`` the members; 0.62 with 8 members).  Where more rain does
   not visibly raise the members' depth, a depth excess is not evidence of more rain.
3. ``param_consensus``: a network-wide parameter is informed by what many sensors agree
   on, not by one backwater.  Among the readings the factor may use (after 1 and 2),
   reading ``k``'s weight is the fraction of them whose innovation ``y - mean(Hx)`` has
   the sign of ``k``'s (``k`` included): all sensors reading more than the members
   (rain under-caught) keep full weight; one sensor backing up while the others read
   what the members predict, or less, keeps about 1/(number of sensors).

4. ``param_shared``: the readings of one update are not independent evidence of the
   factor -- what makes one sensor read more than the members in a storm's rise (the
   members lag, the unknown pipes back up) makes the others read more too -- yet the
   serial filter adds their increments as if they were: six agreeing sensors move the
   factor six times as far as one, and the trace shows the runaway's jumps (x1.5 to x2.5
   in one 5-minute update) are such updates.  With the rule each reading's weight of the
   factor is divided by the number of readings that inform it in the update, so the
   update moves it about as far as the average reading would alone.  On by default
   (the only one; ``twin watch --factor-independent`` turns it off).

The relaxation (``param_tau_min``): before each update the members' mean log factor is
pulled toward its prior mean 0 by ``1 - exp(-dt / tau)`` (the mean of an
Ornstein-Uhlenbeck process over ``dt``, every member shifted alike, the spread kept:
RTPS and ``param_min_sd`` keep it).  ``tau`` is a physical time scale, not a fitted one:
the factor stands for the ratio of the areal rain over the town to the gauge's reading,
and that ratio lives as long as the rain field's pattern at the town's scale does; radar
studies put the lifetime of precipitation patterns of a few to ten kilometres at about an
hour (Germann and Zawadzki 2002, Mon. Wea. Rev. 130, "Scale-dependence of the
predictability of precipitation from continental radar images"; a convective cell lives
30-60 minutes), so 60 minutes.
"""

from __future__ import annotations

import math

import numpy as np

#: One-sided significance of the members' rain response (``param_responsive``).
RESPONSE_ALPHA = 0.05
#: The factor's relaxation time [min] argued from the rain field's lifetime (see above).
RAIN_PATTERN_LIFETIME_MIN = 60.0


def response_threshold(n: int) -> float:
    """The correlation (dimensionless) ``n`` members' predicted readings must exceed with
    their log rain factors to count as responding to rain: Student's t one-sided at
    ``RESPONSE_ALPHA`` with ``n - 2`` degrees of freedom, as a correlation
    ``t / sqrt(n - 2 + t^2)``; 1 (never) below 3 members."""
    if n < 3:
        return 1.0
    from scipy.special import stdtrit  # Student's t quantile

    tc = float(stdtrit(n - 2, 1.0 - RESPONSE_ALPHA))
    return tc / math.sqrt(n - 2 + tc * tc)


def factor_weights(X: np.ndarray, obs, used: np.ndarray, s) -> np.ndarray:
    """(k,) float in [0, 1]: the factor each observation's localisation weight of the log
    rain factor (the last column of ``X``, (n_members, n_state), the update's prior) is
    multiplied by, by the rules of ``s`` (``param_censored``, ``param_responsive``,
    ``param_consensus``, ``param_shared``; see the module docstring).  ``used`` (k,)
    bool: the readings the update uses (gate and QC); others get 0.  All ones when no
    rule is on."""
    from twin.ops.enkf import censored

    k = len(obs.value)
    w = np.ones(k)
    if not (s.param_censored or s.param_responsive or s.param_consensus or s.param_shared):
        return w
    n = X.shape[0]
    ok = used.copy()
    if s.param_censored:
        ok &= censored(X, obs).sum(axis=0) * 2 < n
    hx = obs.predicted(X)
    if s.param_responsive:
        f = X[:, -1] - X[:, -1].mean()
        hp = hx - hx.mean(axis=0)
        den = np.sqrt((f @ f) * (hp * hp).sum(axis=0))
        corr = np.divide(f @ hp, den, out=np.zeros(k), where=den > 0.0)
        ok &= corr > response_threshold(n)
    w[~ok] = 0.0
    if s.param_consensus and ok.any():
        sign = np.sign(obs.value - hx.mean(axis=0))
        for j in np.flatnonzero(ok):
            w[j] = float(np.mean(sign[ok] == sign[j]))
    if s.param_shared and ok.any():
        w /= ok.sum()
    return w


def relax_log_factor(X: np.ndarray, dt_s: float, tau_min: float) -> None:
    """Pull the members' mean log rain factor (the last column of ``X``, in place) toward
    0 by ``1 - exp(-dt_s / (60 tau_min))``: an Ornstein-Uhlenbeck mean over ``dt_s``
    seconds with relaxation time ``tau_min`` minutes; every member shifted alike (the
    spread kept).  Nothing when either is not positive."""
    if tau_min <= 0.0 or dt_s <= 0.0 or X.shape[0] < 1:
        return
    m = X[:, -1].mean()
    X[:, -1] -= m * -math.expm1(-dt_s / (60.0 * tau_min))
