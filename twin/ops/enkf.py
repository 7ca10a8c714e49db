"""State updating: a localised ensemble Kalman filter, and nudging for a single run.

The filter processes the observations one at a time (serial assimilation: Houtekamer
and Mitchell 2001 for the stochastic filter, Whitaker and Hamill 2002 for the
square-root one).  For each observation only the state elements within the
localisation radius of its sensor are touched, each weighted by the Gaspari-Cohn
taper of its graph distance (:mod:`twin.ops.localize`): the cost of an update is
``members x (elements near the sensors)``, linear in the network's size, never the
``O(n^3)`` of a dense Kalman gain.

Inflation: the prior spread is multiplied by ``inflation`` before the update, and the
analysis spread is relaxed towards the prior (RTPS, Whitaker and Hamill 2012) by
``rtps``; the rain factor keeps at least ``param_min_sd`` of spread so it can still
learn, and each estimated conduit factor at least ``conduit_min_sd``.

Adaptive prior inflation (``inflation_adaptive``; Anderson 2009, "Spatially and
temporally varying adaptive covariance inflation for ensemble filters", Tellus 61A, as
DART's ``adaptive_inflate_mod`` does it): every state element ``j`` (node depths, link
flows, conduit factors, the log rain factor) carries its own variance inflation
``lambda_j``, Gaussian with mean ``lambda_j`` and spread ``inflation_sd`` (kept fixed,
DART's usual set-up).  At each update the means are first damped towards 1
(``1 + inflation_damping (lambda - 1)``), then each used observation updates them from
its innovation ``d = y - mean(Hx)``: the innovation's expected variance is
``theta^2 = (1 + gamma (sqrt(lambda) - 1))^2 var(Hx) + R`` with
``gamma = rho_j |corr(x_j, Hx)|`` (the localisation weight times the correlation, so an
element the sensor does not reach keeps its value), and the new mean is the mode of the
prior times the likelihood ``N(d; 0, theta^2)`` linearised around the old mean (DART's
``linear_bayes``), bounded to ``[1, inflation_max]``.  The prior spread of each element
is then multiplied by ``sqrt(lambda_j)`` before the update.  The values live in an
:class:`AdaptiveInflation` the caller keeps between updates.

Large innovations (``obs_error``).  ``"gate"`` (default): an observation whose
normalised innovation ``z = (y - Hx) / sqrt(var(Hx) + R)`` exceeds ``gate`` in size is
not used in this update (sensor QC decides whether it is faulty).  ``"huber"``:
adaptive observation-error inflation with Huber's weight on the normalised innovation
(Huber 1964; in ensemble filters Roh et al. 2013, Mon. Wea. Rev. 141, "Observation
quality control with a robust ensemble Kalman filter"): an observation with
``|z| > huber_c`` is used with its error variance inflated to
``R' = (var(Hx) + R) |z| / huber_c - var(Hx)``, so that it moves the mean as an
innovation of ``huber_c`` standard deviations would (a bounded, not a zero, influence)
and reduces the spread less.  ``"aoei"``: the adaptive observation-error inflation of
Minamide and Zhang (2017, Mon. Wea. Rev. 145): ``R' = max(R, d^2 - var(Hx))`` with
``d = y - Hx``, so that ``|z|`` counts at most 1.  Either way a real local error that
only one sensor sees (a blocked pipe backing up) is learnt step by step instead of
being thrown away; the weight is computed from each observation's own prediction in
the serial loop (after the observations before it).  An observation whose error is
inflated updates only the elements near its sensor (within ``inflated_fraction`` of
the localisation radius), not the network-wide rain factor (the last state column): a
disagreement the members' spread cannot explain is taken for a local error (without
this the rain factor learnt a blocked pipe's backwater as rain, and with the full
radius the backwater's updates reached sound manholes; README, "Large innovations
down-weighted").

Members at a bound (``gate_censored``, on by default since 2026-12-07).  A member
whose depth at the read node is at a physical bound (at or above ``RIM_FRACTION`` of
the node's greatest depth, or at most ``DRY_DEPTH_M``) is a censored value: it says "at
least the rim" (or "at most empty"), not how far beyond; a spread collapsed there is
not the members' uncertainty, and a gate that trusts it turns a sound reading away
exactly when the members are most wrong (filter divergence).  With ``gate_censored`` the
gate's ``z`` of a depth observation is computed from the members off the bound only
(their mean and spread); with fewer than two such members the plain ``z`` (all members)
decides, as an update whose spread is one member's is not to be trusted either.  The
update itself is unchanged (all members, their covariances).

The rain factor's bound (``param_bound_sd``, off by default).  The log rain factor is
a parameter in the state (state augmentation) that every sensor informs; an error the
members do not carry (rougher or blocked pipes backing up) reads to it as rain, and in
a storm's rise it can run away far beyond its prior (README, "The rain factor's
runaway").  With ``param_bound_sd > 0`` the analysed ensemble-mean log factor is kept
within ``param_bound_sd`` prior standard deviations (``FACTOR_PRIOR_SD``) of the
prior mean 0 after each update, by shifting every member's log factor by the excess
(the spread is kept): a bound on a parameter to its plausible range, as parameter
estimation by ensemble filters commonly imposes.

What a reading may teach the rain factor: :mod:`twin.ops.rainfactor`.  The rules scale
each reading's localisation weight of the factor (computed from the update's prior);
the state's update is unchanged.  On by default since 2026-12-07 (``param_shared``):
the readings of one update share one increment of the factor (each reading's weight
divided by the number of readings that inform it), because what makes one sensor read
more than the members in a storm's rise makes the others read more too -- one error,
not independent evidence; counted as independent, six agreeing sensors drove the
factor from 1.1 to 2.8 in one 5-minute update (README, "The rain factor's runaway").
Off: ``param_censored``, ``param_responsive``, ``param_consensus`` (which readings may
inform it) and ``param_tau_min`` (its relaxation toward the prior).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.errors import InputError
from twin.ops.localize import gaspari_cohn
from twin.ops.rainfactor import factor_weights, relax_log_factor

#: What a large innovation does: rejected beyond the gate, or down-weighted (adaptive
#: observation-error inflation, see the module docstring).
OBS_ERRORS = ("gate", "huber", "aoei")
#: Spread of the members' log rain factors as drawn (their prior; the prior of the pooled
#: forecast factor, ``FilterSettings.forecast_factor``; the unit of ``param_bound_sd``).
FACTOR_PRIOR_SD = 0.25
#: The rain factor of the forecast members (see ``FilterSettings.forecast_factor``).
FORECAST_FACTORS = ("member", "pooled")


def pooled_log_factor(log_factors, rain_mm, prior_sd) -> float:
    """The event's log rain factor from the cycles' analysed ones (``forecast_factor``
    ``"pooled"``).

    Each cycle ``k``'s analysed ensemble-mean log factor ``x_k`` is taken as a
    measurement of one constant factor with error variance ``c / w_k``, ``w_k`` the
    rain depth [mm] that fell in the cycle (a cycle without rain tells nothing); ``c``
    [mm] is estimated from the scatter of the cycles about their weighted mean,
    ``sum w_k (x_k - xbar)^2 / (n - 1)`` over the ``n`` wet cycles; the prior is the
    members' (mean 0, spread ``prior_sd``).  The posterior mean is
    ``sum w_k x_k / (c / prior_sd^2 + sum w_k)``: shrunk towards 0 while little rain
    has fallen or the cycles disagree, the weighted mean once much rain has.  No wet
    cycle: 0; one: its value (no scatter to judge it by).

    Parameters
    ----------
    log_factors : (n,) float64
    rain_mm : (n,) float64, >= 0
    prior_sd : float, > 0
    """
    x = np.asarray(log_factors, np.float64)
    w = np.asarray(rain_mm, np.float64)
    wet = w > 0.0
    x, w = x[wet], w[wet]
    if len(x) == 0:
        return 0.0
    if len(x) == 1:
        return float(x[0])
    xbar = float((w * x).sum() / w.sum())
    c = float((w * (x - xbar) ** 2).sum() / (len(x) - 1))
    return float((w * x).sum() / (c / prior_sd**2 + w.sum()))


@dataclass(frozen=True)
class FilterSettings:
    """How the state is updated.

    Attributes
    ----------
    method : {"enkf", "nudging", "none"}
    variant : {"sqrt", "stochastic"}
        Serial square-root filter (no perturbed observations) or perturbed observations.
    radius : float
        Localisation radius, in ``unit`` (the taper is 0 beyond it).
    unit : {"links", "m"}
    path : {"graph", "flow"}
        Localisation distance along the network graph both ways (``graph``, default),
        or only along the flow path, downstream or upstream of the sensor (``flow``:
        neighbouring branches get no weight; see
        :meth:`~twin.ops.localize.GraphDistance.along_flow_from_nodes`).
    inflation : float
        Multiplicative prior inflation of the spread (>= 1).
    inflation_adaptive : bool
        Adaptive prior inflation per state element (see the module docstring; needs an
        :class:`AdaptiveInflation` passed to :func:`enkf_update`).  It replaces
        ``inflation``.
    inflation_sd : float
        Spread of each element's variance inflation (Anderson 2009; DART uses 0.6).
    inflation_damping : float
        Each update first relaxes the inflations towards 1 by this factor (1: no damping).
    inflation_max : float
        Largest variance inflation.
    rtps : float
        Relaxation of the analysis spread to the prior spread (0-1).
    param_rtps : float
        The same for the rain factor (the last column); negative (default): ``rtps``.
        Relaxing a parameter's spread back each update is a random walk of it: it
        keeps the gain and shortens its memory (README, "Adaptive prior inflation and
        the rain factor").
    param_weight : float
        Localisation weight of the rain factor (a global parameter) for every sensor.
    param_min_sd : float
        Smallest spread of the log rain factor kept after an update.
    param_bound_sd : float
        After each update the ensemble-mean log rain factor is kept within this many
        prior standard deviations (``FACTOR_PRIOR_SD``) of 0 (every member's log factor
        shifted by the excess, the spread kept): the factor's runaway bounded to its
        plausible range (README, "The rain factor's runaway"); 0 (default): no bound.
    param_step_sd : float
        The change of the members' mean log rain factor in one update is limited to this
        many prior standard deviations (``FACTOR_PRIOR_SD``, a log factor of 0.25; 0.5 sd
        is a change of at most x1.13 an update; every member shifted back by the excess,
        the spread kept): a runaway slowed to a pace, not bounded; 0 (default): no limit.
        The analysis members only, unless ``param_step_withheld``: the withheld QC
        ensembles (:mod:`twin.ops.withheld`) keep their factor free (README, "The rain
        factor's runaway").
    param_step_back : bool
        With ``param_step_sd``: the part of a change that brings the mean log factor
        back toward its prior mean (0) is not limited, only the part away from it (a
        runaway is a move away from the prior; a factor that rose in one burst may have
        to fall quickly after it).  False (default): both ways limited.
    param_step_withheld : bool
        With ``param_step_sd``: the withheld QC ensembles' rain factor limited too.
        False (default): QC's predictions are those of the filter without the limit, so
        sensor QC is not changed by it (a limited factor changed which faults the
        withheld predictions show: README, "The rain factor's runaway").
    param_bound_in_update : bool
        With ``param_bound_sd``: an observation whose update would carry the mean log
        factor beyond the bound is applied only in part (every element's increment of
        that observation scaled alike, so the factor lands on the bound and the state
        moves with it consistently) instead of the factor alone shifted afterwards.
    param_censored : bool
        A reading with half or more of the members at a bound at its node (rim or dry)
        gives the log rain factor no increment (the state is still updated);
        :mod:`twin.ops.rainfactor`.  Off by default.
    param_responsive : bool
        A reading informs the rain factor only if the members' predicted readings
        correlate with their log factors beyond sampling noise (one-sided 5 %);
        :mod:`twin.ops.rainfactor`.  Off by default.
    param_consensus : bool
        A reading's weight of the rain factor is the fraction of the readings that may
        inform it whose innovation has its sign (one backwater against the others counts
        little); :mod:`twin.ops.rainfactor`.  Off by default.
    param_shared : bool
        Each reading's weight of the rain factor divided by the number of readings that
        inform it in the update (their excesses are one shared error, not independent
        evidence; :mod:`twin.ops.rainfactor`).  On by default since 2026-12-07; False:
        every reading with its full weight, as before (``twin watch
        --factor-independent``).
    param_shared_withheld : bool
        With ``param_shared``: the withheld QC ensembles share the increment too.  False
        (default): they update the factor with every reading's full weight, as before
        ``param_shared``, so sensor QC is bit for bit as without it.  Measured (fault
        benchmark, small s1-s6 and district-100 s1-s3): shared in the withheld ensembles
        too, the fault AUC rose where their factor runs away (small s6 0.47 -> 0.92) and
        fell on six of the eight others (small s1 0.94 -> 0.78, s2 0.87 -> 0.67 with 12
        sound samples flagged), mean 0.834 -> 0.832; the analysis with the faulty sensors
        is as good either way (README, "The rain factor's runaway").
    param_tau_min : float
        Relaxation time [min] of the members' mean log rain factor toward its prior mean
        0 before each update (Ornstein-Uhlenbeck; needs ``Observations.since_s``); 0
        (default): none.  :mod:`twin.ops.rainfactor` argues 60 minutes.
    param_rain_mmh : float
        The rain factor learns in proportion to the recent rain: its localisation
        weight is ``param_weight`` times ``min(1, R / param_rain_mmh)``, ``R`` the
        gauges' mean rate over the last ``param_rain_window_min`` minutes [mm/h]
        (``Observations.param_scale``); 0 (default): always ``param_weight``.
    param_rain_window_min : float
        The window of that recent rain [min].
    param_immediate : bool
        The watch applies a rain factor an update learnt to the rest of the cycle's rain
        at once; False (default, as before): from the next cycle on (the cycle's rain
        is set, times each member's factor, when the cycle starts).
    gate : float
        Innovation gate (normalised innovations beyond it are not assimilated; only
        with ``obs_error="gate"``).
    gate_censored : bool
        The gate judges a depth observation by the members off a physical bound only (a
        member at the rim or dry is censored; see the module docstring; default);
        False: by all members (as before 2026-12-07).
    obs_error : {"gate", "huber", "aoei"}
        What a large innovation does (see the module docstring): rejected beyond
        ``gate`` (default), or used with its observation-error variance inflated
        (adaptive inflation: Huber's weight with threshold ``huber_c``, or AOEI).
    huber_c : float
        Huber threshold: the normalised innovation (in standard deviations of
        ``y - Hx``, dimensionless) beyond which an observation is down-weighted.
    inflated_fraction : float
        Localisation radius of an observation whose error is inflated, as a fraction of
        ``radius`` (a local error reaches less far: 0.25, 2 of 8 links); 1: the same
        radius.  Needs the observations' ``local_distance``.
    roughness_sigma : float
        Model error of the members: the lognormal spread of their conduits' Manning's n
        (see :func:`~twin.ops.members.member_networks`).
    bounded_depth : bool
        Update node depths in a variable bounded by each node's greatest depth (rim plus
        surcharge depth, see :func:`depth_to_unbounded`), so that an update cannot pile
        members up at the rim; False (default): the depths themselves (linear, then
        clipped).  Measured neutral on the twin experiments (README, "the update and the
        rim"): the pile-up at the rim comes from the members between updates.
    nudging_gain : float
        Nudging: the fraction of the innovation added at the sensor (tapered around it).
    estimate_conduits : bool
        Joint state-parameter estimation: each member's conduits carry a log factor on
        their Manning's n (:mod:`twin.ops.conduit_params`), drawn around 0 with spread
        ``roughness_sigma`` (the prior) and updated like the state, localised like the
        link flows (needs ``roughness_sigma`` > 0).  False: the members' roughness
        perturbation is fixed model error.
    conduit_min_sd : float
        Smallest spread of a conduit's log factor kept after an update (so the factors
        do not collapse and can follow a pipe that blocks later).
    conduit_path : {"state", "down"}
        Which conduit factors a level or flow sensor updates.  ``"state"`` (default): the
        same as the link flows (``path``, ``radius``).  ``"down"``: only the conduits
        downstream of the sensor along the flow path (within ``radius``): a pipe's
        conveyance shows at a depth sensor as backwater above it, so a factor elsewhere
        is not observable from that sensor and its update would be sampling noise
        (README, "Can the filter learn the pipes?").
    conduit_centred : bool
        After each update, shift every member's log conduit factors so that their
        ensemble means average 0 over the conduits: the filter learns which pipes convey
        less than the others, and a rise of every level (which more rain and rougher
        pipes everywhere both explain) is left to the rain factor.
    estimate_subcatchments : bool
        The water on the subcatchments in the state: the ponded depth of every subarea
        (:class:`~twin.ops.members.MemberStates`), localised at the node its
        subcatchment drains to, kept >= 0, the volume an update adds or removes booked
        with the assimilation volume.  False (default): the runoff store stays as each
        member's rain made it.
    forecast_factor : {"member", "pooled"}
        The rain factor the forecast members rain with.  ``"member"`` (default): each
        analysed member's own factor at the cycle's end.  ``"pooled"``: the factor's
        time scale separated from the state's: the event's factor is taken as constant,
        each cycle's analysed mean log factor as a measurement of it with an error
        variance inversely proportional to the cycle's rain depth, pooled with the
        members' prior (mean 0, spread ``prior_sd``) by :func:`pooled_log_factor`; each
        forecast member keeps its deviation from the analysed mean (README, "Why the
        forecast gain is spent").  The analysis members keep their own factors.
    seed : int
        Perturbed observations (stochastic variant).
    """

    method: str = "enkf"
    variant: str = "sqrt"
    radius: float = 8.0
    unit: str = "links"
    path: str = "graph"
    inflation: float = 1.0
    inflation_adaptive: bool = False
    inflation_sd: float = 0.6
    inflation_damping: float = 0.9
    inflation_max: float = 5.0
    rtps: float = 0.7
    param_rtps: float = -1.0
    param_weight: float = 1.0
    param_min_sd: float = 0.08
    param_bound_sd: float = 0.0
    param_bound_in_update: bool = False
    param_step_sd: float = 0.0
    param_step_back: bool = False
    param_step_withheld: bool = False
    param_censored: bool = False
    param_responsive: bool = False
    param_consensus: bool = False
    param_shared: bool = True
    param_shared_withheld: bool = False
    param_tau_min: float = 0.0
    param_rain_mmh: float = 0.0
    param_rain_window_min: float = 30.0
    param_immediate: bool = False
    gate: float = 5.0
    gate_censored: bool = True
    obs_error: str = "gate"
    huber_c: float = 5.0
    inflated_fraction: float = 0.25
    roughness_sigma: float = 0.2
    nudging_gain: float = 0.6
    bounded_depth: bool = False
    estimate_conduits: bool = False
    conduit_min_sd: float = 0.05
    conduit_path: str = "state"
    conduit_centred: bool = False
    estimate_subcatchments: bool = False
    forecast_factor: str = "member"
    seed: int = 0

    def checked(self) -> FilterSettings:
        if self.method not in ("enkf", "nudging", "none"):
            raise InputError(f"assimilation must be enkf, nudging or none, got {self.method!r}",
                             field="assimilation")  # fmt: skip
        if self.variant not in ("sqrt", "stochastic"):
            raise InputError(f"filter variant must be sqrt or stochastic, got {self.variant!r}",
                             field="variant")  # fmt: skip
        if self.obs_error not in OBS_ERRORS:
            raise InputError(f"obs_error must be one of {', '.join(OBS_ERRORS)}, got "
                             f"{self.obs_error!r}", field="obs_error")  # fmt: skip
        if self.forecast_factor not in FORECAST_FACTORS:
            raise InputError(f"forecast_factor must be one of {', '.join(FORECAST_FACTORS)}, "
                             f"got {self.forecast_factor!r}", field="forecast_factor")  # fmt: skip
        if self.conduit_path not in ("state", "down"):
            raise InputError(f"conduit_path must be state or down, got {self.conduit_path!r}",
                             field="conduit_path")  # fmt: skip
        if self.path not in ("graph", "flow"):
            raise InputError(f"localisation path must be graph or flow, got {self.path!r}",
                             field="path")  # fmt: skip
        for name, lo, hi in (("radius", 0.0, np.inf), ("inflation", 1.0, 10.0),
                             ("rtps", 0.0, 1.0), ("param_rtps", -1.0, 1.0),
                             ("param_weight", 0.0, 1.0), ("param_bound_sd", 0.0, 100.0),
                             ("param_step_sd", 0.0, 100.0),
                             ("param_tau_min", 0.0, 1e6),
                             ("nudging_gain", 0.0, 1.0), ("gate", 0.0, np.inf),
                             ("huber_c", 0.1, 100.0), ("inflated_fraction", 0.01, 1.0),
                             ("conduit_min_sd", 0.0, 5.0), ("inflation_sd", 0.0, 10.0),
                             ("inflation_damping", 0.0, 1.0),
                             ("inflation_max", 1.0, 100.0), ("param_rain_mmh", 0.0, 1000.0),
                             ("param_rain_window_min", 0.0, 1440.0)):  # fmt: skip
            v = getattr(self, name)
            if not (np.isfinite(v) or hi == np.inf) or not lo <= v <= hi:
                raise InputError(f"{name} must be in [{lo}, {hi}], got {v!r}", field=name)
        return self


@dataclass
class Observations:
    """The observations of one update, each a sensor reading and how to predict it.

    Attributes (all length ``k``)
    -----------------------------
    column : int
        State column the sensor reads.
    scale, offset : float
        Predicted reading = ``scale * X[:, column] + offset``.
    value, sd : float
        Reading and its error standard deviation (SI).
    local_index : list of (m,) int
        State columns within the sensor's localisation radius.
    local_weight : list of (m,) float
        Their taper weights.
    n_nodes : int
        State columns below it are node depths, then the link flows (and the log
        conduit factors); the last column is the log rain factor.
    depth_max : (n_nodes,) float, optional
        Greatest depth of each node [m] (the bounded depth update).
    conduit_columns : (m,) int, optional
        State columns of estimated log conduit factors (floored spread after updates).
    local_distance : list of (m,) float, optional
        Distance of each element in ``local_index`` from the sensor (in the filter's
        ``unit``; infinite for the rain factor): the shorter taper of an observation
        whose error is inflated (``inflated_fraction``).
    param_scale : float
        Factor on the rain factor's (the last column's) localisation weight in this
        update (``FilterSettings.param_rain_mmh``; 1: unchanged).
    since_s : float
        Time since the previous update [s] (the rain factor's relaxation,
        ``FilterSettings.param_tau_min``; 0: none).
    """

    column: np.ndarray
    scale: np.ndarray
    offset: np.ndarray
    value: np.ndarray
    sd: np.ndarray
    local_index: list
    local_weight: list
    n_nodes: int = 0
    depth_max: np.ndarray | None = None
    conduit_columns: np.ndarray | None = None
    local_distance: list | None = None
    param_scale: float = 1.0
    since_s: float = 0.0

    def weight(self, k: int, n_state: int, factor: float = 1.0) -> np.ndarray:
        """Localisation weights of observation ``k`` over ``local_index[k]``, the rain
        factor's (column ``n_state - 1``) times ``param_scale`` and ``factor`` (what
        the reading may teach it: :func:`~twin.ops.rainfactor.factor_weights`)."""
        rho = self.local_weight[k]
        if self.param_scale == 1.0 and factor == 1.0:
            return rho
        on = self.local_index[k] == n_state - 1
        return np.where(on, rho * self.param_scale * factor, rho)

    def predicted(self, X: np.ndarray) -> np.ndarray:
        """(n_members, k) predicted readings of the ensemble ``X``."""
        return X[:, self.column] * self.scale + self.offset


#: Closest fraction of a node's greatest depth the bounded variable resolves (a member at
#: or above it keeps its depth unless the update lowers it).
RIM_FRACTION = 0.99


def depth_to_unbounded(depth, depth_max):
    """The variable node depths are updated in: ``-D log(1 - d / D)`` for a depth ``d``
    [m] below the node's greatest depth ``D`` (rim plus surcharge depth) [m], ``d``
    itself below 0.  It equals the depth near 0 (slope 1) and stretches the last part
    below the rim without end, so that a linear update in it (Gaussian anamorphosis,
    Simon and Bertino 2009) moves a member near the rim less the nearer it is and
    never past it.  Depths are capped at ``RIM_FRACTION * D``."""
    d = np.minimum(depth, RIM_FRACTION * depth_max)
    return np.where(d > 0.0, -depth_max * np.log1p(-d / depth_max), d)


def unbounded_to_depth(z, depth_max):
    """Inverse of :func:`depth_to_unbounded` [m]; always below ``depth_max``."""
    return np.where(z > 0.0, -depth_max * np.expm1(-z / depth_max), z)


@dataclass
class UpdateReport:
    """What an update saw: per observation the prior mean prediction, spread,
    normalised innovation, whether it was used and ``r_factor``, the factor its error
    variance was inflated by (1: its declared ``sd``; see ``obs_error``)."""

    prior_mean: np.ndarray
    prior_sd: np.ndarray
    z: np.ndarray
    used: np.ndarray
    r_factor: np.ndarray | None = None


def inflated_error_variance(innovation, var_h, r, s: FilterSettings) -> float:
    """The error variance [unit^2] an observation is assimilated with: its own ``r``
    (``sd^2``), inflated for a large ``innovation`` ``y - mean(Hx)`` [unit] against the
    prediction's variance ``var_h`` [unit^2] by ``s.obs_error`` (see the module
    docstring; ``"gate"``: ``r``)."""
    if s.obs_error == "huber":
        total = var_h + r
        z = abs(innovation) / np.sqrt(total) if total > 0.0 else 0.0
        return total * z / s.huber_c - var_h if z > s.huber_c else r
    if s.obs_error == "aoei":
        return max(r, innovation * innovation - var_h)
    return r


#: Depth [m] at or below which a member counts as dry (censored at 0) for the gate.
DRY_DEPTH_M = 1e-3


def at_rim(depth, depth_max):
    """Whether a depth [m] is at its node's rim: at or above ``RIM_FRACTION`` of the
    greatest depth ``depth_max`` [m] (a censored value, "at least the rim")."""
    return depth >= RIM_FRACTION * depth_max


def censored(X: np.ndarray, obs: Observations) -> np.ndarray:
    """(n_members, k) bool: each member's depth at each observation's node is at a bound
    (at or above ``RIM_FRACTION`` of the greatest depth, or at most ``DRY_DEPTH_M``);
    False for observations that do not read a node depth."""
    out = np.zeros((X.shape[0], len(obs.value)), bool)
    if obs.depth_max is None:
        return out
    node = obs.column < obs.n_nodes
    col = obs.column[node]
    d = X[:, col]
    out[:, node] = at_rim(d, obs.depth_max[col]) | (d <= DRY_DEPTH_M)
    return out


def gate_z(X: np.ndarray, obs: Observations, z: np.ndarray) -> np.ndarray:
    """The normalised innovations the gate judges (``gate_censored``): of a depth
    observation with censored members, from the members off the bound (their mean and
    spread); with fewer than two of them the plain ``z`` (an update whose spread is one
    member's is not trusted either)."""
    cen = censored(X, obs)
    out = z.copy()
    for k in np.flatnonzero(cen.any(axis=0)):
        off = ~cen[:, k]
        if off.sum() < 2:
            continue
        hx = X[off, obs.column[k]] * obs.scale[k] + obs.offset[k]
        out[k] = (obs.value[k] - hx.mean()) / np.sqrt(hx.var(ddof=1) + obs.sd[k] ** 2)
    return out


def prior_statistics(X: np.ndarray, obs: Observations):
    """Prior mean, spread and normalised innovation of each observation."""
    hx = obs.predicted(X)
    mean = hx.mean(axis=0)
    sd = hx.std(axis=0, ddof=1) if X.shape[0] > 1 else np.zeros(len(obs.value))
    z = (obs.value - mean) / np.sqrt(sd**2 + obs.sd**2)
    return mean, sd, z


class AdaptiveInflation:
    """Each state element's variance inflation (adaptive prior inflation, Anderson 2009;
    see the module docstring), kept by the caller between updates.

    Attributes
    ----------
    value : (n_state,) float
        The inflations' means (1: none).
    """

    def __init__(self, n_state: int, value=None):
        self.value = np.ones(n_state) if value is None else np.asarray(value, float).copy()

    def damp(self, s: FilterSettings) -> None:
        """Relax every inflation towards 1 by ``s.inflation_damping``."""
        self.value[:] = 1.0 + s.inflation_damping * (self.value - 1.0)

    def observe(self, X: np.ndarray, hx: np.ndarray, value: float, r: float, idx, rho,
                s: FilterSettings) -> None:  # fmt: skip
        """Update the inflations of the elements ``idx`` (localisation weights ``rho``) from
        one observation ``value`` with error variance ``r``, predicted as ``hx``
        (n_members,) by the un-inflated prior ``X`` (n_members, n_state)."""
        n = X.shape[0]
        hp = hx - hx.mean()
        var_h = hp @ hp / (n - 1)
        if not var_h > 0.0 or s.inflation_sd <= 0.0:
            return
        xl = X[:, idx]
        xp = xl - xl.mean(axis=0)
        var_x = (xp * xp).sum(axis=0) / (n - 1)
        cov = xp.T @ hp / (n - 1)
        corr = np.divide(cov, np.sqrt(var_x * var_h), out=np.zeros_like(cov), where=var_x > 0.0)
        gamma = np.asarray(rho) * np.minimum(np.abs(corr), 1.0)
        ok = gamma > 0.0
        if not ok.any():
            return
        j = np.asarray(idx)[ok]
        self.value[j] = inflation_posterior(self.value[j], gamma[ok], var_h, r,
                                            value - hx.mean(), s)  # fmt: skip


def inflation_posterior(lam, gamma, var_h, r, d, s: FilterSettings):
    """The mode of the inflation ``lam`` (m,) after an innovation ``d`` [unit] whose
    prediction has the variance ``var_h`` and the observation error ``r`` [unit^2],
    for elements whose localised correlation with it is ``gamma`` (m,): the Gaussian
    prior (mean ``lam``, spread ``s.inflation_sd``) times the likelihood of ``d``
    linearised around ``lam`` (Anderson 2009; DART's ``linear_bayes``), bounded to
    ``[1, s.inflation_max]``."""
    lam = np.maximum(np.asarray(lam, float), 1e-6)
    root = np.sqrt(lam)
    a = 1.0 + gamma * (root - 1.0)
    theta2 = a * a * var_h + r
    dtheta2 = a * gamma * var_h / root  # d theta^2 / d lambda
    # the likelihood's slope over its value (no underflow for a large innovation)
    slope = (d * d / theta2 - 1.0) * dtheta2 / (2.0 * theta2)
    v = s.inflation_sd**2
    step = 2.0 * slope * v / (1.0 + np.sqrt(1.0 + 4.0 * slope * slope * v))
    return np.clip(lam + step, 1.0, s.inflation_max)


def enkf_update(X: np.ndarray, obs: Observations, s: FilterSettings, use=None,
                inflation: AdaptiveInflation | None = None) -> UpdateReport:  # fmt: skip
    """Update the ensemble ``X`` (n_members, n_state) in place with ``obs``.

    ``use`` (k,) bool leaves out observations that QC has flagged; ``inflation`` holds
    the adaptive inflations (``s.inflation_adaptive``; updated in place).  Returns the
    :class:`UpdateReport` of the prior.
    """
    n = X.shape[0]
    relax_log_factor(X, obs.since_s, s.param_tau_min)
    mean0, sd0, z = prior_statistics(X, obs)
    used = np.isfinite(obs.value)
    if s.obs_error == "gate":
        used &= np.abs(gate_z(X, obs, z) if s.gate_censored else z) <= s.gate
    if use is not None:
        used &= use
    r_factor = np.ones(len(obs.value))
    if n < 2 or not used.any():
        return UpdateReport(mean0, sd0, z, used, r_factor)
    if s.inflation_adaptive and inflation is not None:
        inflation.damp(s)
        for k in np.flatnonzero(used):  # each innovation against the un-inflated prior
            hx = X[:, obs.column[k]] * obs.scale[k] + obs.offset[k]
            inflation.observe(X, hx, obs.value[k], obs.sd[k] ** 2, obs.local_index[k],
                              obs.weight(k, X.shape[1]), s)  # fmt: skip
        xm = X.mean(axis=0)
        X[:] = xm + np.sqrt(inflation.value) * (X - xm)
    elif s.inflation != 1.0:
        xm = X.mean(axis=0)
        X[:] = xm + s.inflation * (X - xm)
    fw = factor_weights(X, obs, used, s)  # what each reading may teach the rain factor
    bounded = s.bounded_depth and obs.depth_max is not None
    if bounded:  # update node depths in the bounded variable (see depth_to_unbounded)
        nn, dmax = obs.n_nodes, obs.depth_max
        depth0 = X[:, :nn].copy()
        z0 = depth_to_unbounded(depth0, dmax)
        X[:, :nn] = z0
    prior_sd = X.std(axis=0, ddof=1)
    factor0 = X[:, -1].mean()
    rng = np.random.default_rng(s.seed)
    for k in np.flatnonzero(used):
        idx, rho = obs.local_index[k], obs.weight(k, X.shape[1], fw[k])
        col = obs.column[k]
        xo = X[:, col]
        if bounded and col < nn:
            xo = unbounded_to_depth(xo, dmax[col])
        hx = xo * obs.scale[k] + obs.offset[k]
        hm = hx.mean()
        hp = hx - hm
        var_h = hp @ hp / (n - 1)
        r0 = obs.sd[k] ** 2
        if var_h <= 0.0:
            continue
        r = inflated_error_variance(obs.value[k] - hm, var_h, r0, s)
        r_factor[k] = r / r0 if r0 > 0.0 else 1.0
        if r > r0:  # a local error: it does not move the network-wide rain factor
            rho = np.where(idx == X.shape[1] - 1, 0.0, rho)
            if s.inflated_fraction < 1.0 and obs.local_distance is not None:
                near = gaspari_cohn(obs.local_distance[k], s.inflated_fraction * s.radius)
                rho = np.minimum(rho, near)
        eps = None
        if s.variant != "sqrt":
            eps = rng.normal(0.0, obs.sd[k] if r == r0 else np.sqrt(r), n)
            eps -= eps.mean()
        new = _updated(X[:, idx], hx, obs.value[k], r, rho, eps)
        if s.param_bound_in_update and s.param_bound_sd > 0.0 and idx[-1] == X.shape[1] - 1:
            new = _bounded_increment(X[:, idx], new, s.param_bound_sd * FACTOR_PRIOR_SD)
        X[:, idx] = new
        if bounded and col < nn:
            # the read depth itself linearly (its reading is linear in it), then bounded
            at = np.flatnonzero(idx == col)
            if at.size:
                d = _updated(xo[:, None], hx, obs.value[k], r, rho[at], eps)[:, 0]
                X[:, col] = depth_to_unbounded(d, dmax[col])
    if s.rtps > 0.0 or s.param_rtps > 0.0:
        xm = X.mean(axis=0)
        post_sd = X.std(axis=0, ddof=1)
        ratio = np.ones_like(post_sd)
        ok = post_sd > 0.0
        rtps = np.full(len(post_sd), s.rtps)
        rtps[-1] = s.rtps if s.param_rtps < 0.0 else s.param_rtps
        ratio[ok] = 1.0 + rtps[ok] * (prior_sd[ok] - post_sd[ok]) / post_sd[ok]
        X[:] = xm + (X - xm) * ratio
    if bounded:  # the increment back in depth (a member at its rim stays unless lowered)
        X[:, :nn] = depth0 + unbounded_to_depth(X[:, :nn], dmax) - unbounded_to_depth(z0, dmax)
    p = X[:, -1]
    sd = p.std(ddof=1)
    if sd < s.param_min_sd:
        X[:, -1] = p.mean() + (p - p.mean()) * (s.param_min_sd / sd if sd > 0 else 1.0)
    if s.param_step_sd > 0.0:
        step = X[:, -1].mean() - factor0
        lim = s.param_step_sd * FACTOR_PRIOR_SD
        lo, hi = -lim, lim
        if s.param_step_back:  # the way back to the prior mean (0) is not limited
            lo, hi = lo - max(factor0, 0.0), hi + max(-factor0, 0.0)
        X[:, -1] += np.clip(step, lo, hi) - step
    bound_factor(X, s)
    if obs.conduit_columns is not None and len(obs.conduit_columns):
        _keep_spread(X, obs.conduit_columns, s.conduit_min_sd)
        if s.conduit_centred:
            p = X[:, obs.conduit_columns]
            live = p.std(axis=0) > 0.0  # conduits (the other links' columns are all 0)
            if live.any():
                X[:, obs.conduit_columns[live]] -= p[:, live].mean()
    return UpdateReport(mean0, sd0, z, used, r_factor)


def _bounded_increment(old, new, lim):
    """``new`` (members, m) with the increment from ``old`` scaled so that the mean of
    the last column (the log rain factor) does not go beyond ``+-lim`` (an update that
    moves it back toward the range is kept whole)."""
    m0, m1 = old[:, -1].mean(), new[:, -1].mean()
    if abs(m1) <= lim or abs(m1) <= abs(m0):
        return new
    a = max(0.0, (np.sign(m1) * lim - m0) / (m1 - m0)) if abs(m0) < lim else 0.0
    return old + a * (new - old)


def bound_factor(X: np.ndarray, s: FilterSettings) -> None:
    """Shift every member's log rain factor (the last column of ``X``, in place) so that
    their mean lies within ``s.param_bound_sd`` prior standard deviations of 0 (nothing
    with ``param_bound_sd = 0``)."""
    if s.param_bound_sd <= 0.0 or X.shape[0] < 1:
        return
    lim = s.param_bound_sd * FACTOR_PRIOR_SD
    m = X[:, -1].mean()
    X[:, -1] += np.clip(m, -lim, lim) - m


def _keep_spread(X, columns, min_sd) -> None:
    """Inflate columns whose ensemble spread fell below ``min_sd`` back to it (columns
    with no spread at all, such as the factor of a link that is not a conduit, stay)."""
    p = X[:, columns]
    m = p.mean(axis=0)
    sd = p.std(axis=0, ddof=1)
    low = (sd < min_sd) & (sd > 0.0)
    if low.any():
        X[:, columns[low]] = m[low] + (p[:, low] - m[low]) * (min_sd / sd[low])


def _updated(xl, hx, value, r, rho, eps=None):
    """Elements ``xl`` (n_members, m) after one observation ``value`` (error variance
    ``r``) predicted as ``hx`` (n_members,), tapered by ``rho`` (m,): the square-root
    update, or with perturbed observations ``eps`` (n_members,)."""
    n = xl.shape[0]
    hp = hx - hx.mean()
    var_h = hp @ hp / (n - 1)
    xlm = xl.mean(axis=0)
    xp = xl - xlm
    gain = rho * (xp.T @ hp) / ((n - 1) * (var_h + r))
    if eps is None:
        alpha = 1.0 / (1.0 + np.sqrt(r / (var_h + r)))
        return xlm + gain * (value - hx.mean()) + xp - alpha * np.outer(hp, gain)
    return xl + np.outer(value + eps - hx, gain)


def nudging_update(X: np.ndarray, obs: Observations, s: FilterSettings, use=None) -> UpdateReport:
    """Deterministic nudging of a single run ``X`` (1, n_state) in place: each used
    observation moves the elements near its sensor by ``gain * taper * innovation``
    (in the observed quantity's own columns: a depth or head sensor moves depths, a
    flow sensor flows); innovations of several sensors add up, weighted by the taper."""
    mean0, sd0, z = prior_statistics(X, obs)
    used = np.isfinite(obs.value)  # a single run has no spread to gate with: QC decides
    if use is not None:
        used &= use
    delta = np.zeros(X.shape[1])
    weight = np.zeros(X.shape[1])
    for k in np.flatnonzero(used):
        idx, rho = obs.local_index[k], obs.local_weight[k]
        same = (idx < X.shape[1] - 1) & ((idx < obs.n_nodes) == (obs.column[k] < obs.n_nodes))
        innov = (obs.value[k] - mean0[k]) / obs.scale[k]
        delta[idx[same]] += rho[same] * innov
        weight[idx[same]] += rho[same]
    ok = weight > 0
    X[:, ok] += s.nudging_gain * delta[ok] / np.maximum(weight[ok], 1.0)
    return UpdateReport(mean0, sd0, z, used)
