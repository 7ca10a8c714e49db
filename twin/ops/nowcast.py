"""Radar rain for the operational twin: observed frames per gauge and pysteps nowcasts.

Radar frames are ``(time, y, x)`` grids of rain rate (NetCDF files in a folder, read
with :func:`twin.scenarios.radar.read_grid`; each time labels the start of its
interval).  The twin's rain lives on its rain gauges, so each frame is mapped to every
gauge as the area-weighted mean over the subcatchments that gauge feeds (the radar
reader's exact polygon-cell overlay).

The forecast rain is an ensemble nowcast of the frames received up to now with
`pysteps <https://pysteps.github.io>`_: the motion field by optical flow (Proesmans)
on the last two frames, then either

- ``"extrapolation"`` (default): the last frame advected along the motion field
  (semi-Lagrangian extrapolation), each member scaled by a lognormal factor
  (extrapolation plus noise) whose spread grows with lead as the rain grew and decayed
  along its motion in the last half hour of frames (:func:`lagrangian_log_variance`); or
- ``"steps"``: STEPS (Bowler et al. 2006; Seed et al. 2013), the rain in dBR
  decomposed into a cascade of spatial scales, each advected semi-Lagrangian and
  evolved by an AR(2) process, stochastic noise with the observed spatial structure
  and perturbed motion giving the members.

In the radar twin experiment (``benchmarks/watch_radar.py``: an advected, evolving
design storm, two networks, two seeds) the members' median forecast of the next 40
minutes' rain on the town, at the cycles before the burst (60-80 min), was 0.18-0.42
of what fell with STEPS (0.25-0.44 from noise-free frames: the cascade's small scales,
where the storm's bursts are, decorrelate within minutes and are replaced by noise
placed anywhere) and 0.19-0.59 with the extrapolation; STEPS' warnings found 0.02-0.89
of the floods, the extrapolation's 0.88-1.00, so the extrapolation is the default.

The extrapolation's mean field may instead be the last frames advected to now and
averaged (``mean="smoothed"``) or S-PROG's (``mean="sprog"``), and its motion the mean of
several frame pairs' flow (``motion_pairs``); measured in round 13
(``benchmarks/watch_nowcast_error.py``, benchmarks/results/watch-nowcast-notes.md): the
nowcast's error over the town is mostly its motion; neither is on by default.

Every extrapolation member has the same motion unless ``motion_pert="pairs"``: each
member's motion is then the motion field plus its own constant vector drawn from the
motion's uncertainty as the frames show it (:func:`motion_pair_sigma`: the spread of
the optical flows of the last frame pairs), so the members span a timing error of the
rain (round 13, issue 17; off in ``RadarRain``, on with the 5 pairs' motion in
``twin watch``: :func:`watch_motion_defaults`).

The lognormal spread's variance is estimated over every raining cell unless
``spread="rate"``: only where the last frame rains at least half as hard as the
catchments (the log changes of light rain are larger than a heavy core's, and the
members were too wide where it rained hard; round 14, README "The members' spread
(round 14)"), or on the catchments' means (``"area"``), or as a random walk in lead
(``"-walk"``).

Each member's forecast frames are mapped to the gauges like the observed frames.
"""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.ops.rain import ObservedRain, persistence_nowcast

log = logging.getLogger(__name__)

METHODS = ("steps", "extrapolation")
MEANS = ("extrapolation", "sprog", "smoothed", "anvil", "linda")
#: The means that model the rain's growth and decay (round 16): ANVIL (Pulkkinen et al.
#: 2020; an ARI(2,1) process of the rain, here its rate in place of the VIL, per cascade
#: level, its parameters estimated in windows of ``GROWTH_WINDOW_KM``) and LINDA (Pulkkinen
#: et al. 2021; deterministic, the whole domain as one feature: the blob detector needs
#: scikit-image), each member's with its own perturbed motion.
GROWTH_MEANS = ("anvil", "linda")
#: ANVIL's local ARI window radius [km] (pysteps' default 50 pixels on a 1-km grid).
GROWTH_WINDOW_KM = 50.0
MOTION_PERTS = ("none", "pairs")
#: The gauge-adjusted radar's mean-field bias: the last hour's ratio (``window``) or the
#: Kalman-filtered log bias (``kalman``, :mod:`twin.ops.mfb`).
BIASES = ("window", "kalman")
#: ``twin watch``'s mean-field bias since round 15 (held-out seeds 22-24, EnKF: the 30-minute
#: forecast 0.265 -> 0.264 m, 60-minute 0.426 -> 0.424, analysis the same, POD 0.936 ->
#: 0.943, FAR 0.547 -> 0.540: the brief's rule met, by small margins;
#: benchmarks/results/watch-mfb-notes.md).
WATCH_BIAS = "kalman"
#: The extrapolation members' lognormal spread: its variance estimated cell by cell
#: (``lagrangian``), on the catchments' means (``area``), where the last frame rains at
#: least half the catchments' mean rate (``rate``), or 0.35 (``fixed``); one draw
#: per member for all leads, or (``-walk``) a random walk in lead.
SPREADS = ("lagrangian", "fixed", "area", "rate", "lagrangian-walk", "area-walk", "rate-walk")
#: ``spread="rate"``: the log changes taken where the last frame rains at least this
#: share of the catchments' (area-weighted) mean rate.
RATE_SHARE = 0.5
#: pysteps optical flow without OpenCV (Lucas-Kanade needs it): the anisotropic
#: diffusion method of Proesmans et al. (1994) on the last two frames (0.4 s on a 64 x 64
#: grid here; the variational echo tracking took minutes).
MOTION = "proesmans"


def _radar_files(folder) -> list:
    folder = Path(folder)
    return sorted(folder.glob("*.nc")) if folder.is_dir() else []


def _join_frames(parts, source):
    """Frames joined on ``time`` (sorted; of two frames at one time the later part's)."""
    import xarray as xr

    from twin.scenarios.radar import as_rate

    parts = [p.drop_attrs() if hasattr(p, "drop_attrs") else p for p in parts]
    da = xr.concat(parts, "time")
    t = da.time.values
    last = len(t) - 1 - np.unique(t[::-1], return_index=True)[1]  # each time's last part
    return as_rate(da.isel(time=last[np.argsort(t[last], kind="stable")]), source=source)


def read_radar_folder(folder):
    """The frames of every NetCDF file in ``folder``, joined on ``time`` (sorted,
    duplicates dropped), as an ``(time, y, x)`` DataArray in mm/h."""
    from twin.scenarios.radar import read_grid

    files = _radar_files(folder)
    if not files:
        raise InputError("no radar NetCDF files (*.nc) in the folder", file=folder, field="--radar")
    return _join_frames([read_grid(f) for f in files], Path(folder))


def gauge_weights(net, x, y) -> np.ndarray:
    """(n_gauges, ny * nx) weights: a gauge's rain is the area-weighted mean of the
    cells over the subcatchments it feeds (zeros for a gauge that feeds none)."""
    from twin.scenarios.radar import subcatchment_weights

    s = net.subcatchments
    w_sub = subcatchment_weights(net, x, y).reshape(len(s), -1)
    area = np.asarray(s.area_m2, np.float64)
    gauge = np.asarray(s.raingage, np.int64)
    out = np.zeros((len(net.raingages), w_sub.shape[1]))
    for g in range(len(net.raingages)):
        mine = gauge == g
        if mine.any():
            out[g] = (area[mine, None] * w_sub[mine]).sum(axis=0) / area[mine].sum()
    return out


#: Frames the Lagrangian growth and decay of the rain is estimated on (up to 30 minutes
#: of 5-minute frames: lags of 1-5 frames).
SPREAD_FRAMES = 6
#: The mean-field bias of a gauge-adjusted radar: the last hour's depths, where both the
#: gauge and the radar saw at least 1 mm.
BIAS_WINDOW_S = 3600.0
BIAS_MIN_MM = 1.0
#: The extrapolation members' lognormal spread before it was estimated (``spread="fixed"``).
FIXED_SPREAD = 0.35
#: S-PROG's probability matching of its forecast to the last frame (pysteps' ``"cdf"``:
#: the rain rates' distribution kept, ``"mean"``: the wet area's mean kept).
SPROG_MATCHING = "cdf"


#: What the optical flow is computed on: the rain rate [mm/h] itself (``"rate"``, as before
#: round 16) or its decibels (``"db"``: 10 log10(R / 1 mm/h) where R is at least the
#: nowcast's threshold, ``MOTION_DB_ZERO`` elsewhere), pysteps' usual input for its optical
#: flows; Proesmans scales each pair to 0-255 between its extremes, so on the rate a
#: storm's core sets the scale and the light rain's texture counts for little.
MOTION_INPUTS = ("rate", "db")
#: ``twin watch``'s motion input (``--motion-input``) since round 16: the dB (held-out seeds
#: 34-36, EnKF, both networks: the 30-minute forecast 0.322 -> 0.297 m (-7.8 %, worst case
#: +1.4 %), analysis the same, FAR 0.607 -> 0.604: the brief's rule met;
#: benchmarks/results/watch-motion-notes.md).  ``RadarRain``'s own default stays ``"rate"``.
WATCH_MOTION_INPUT = "db"


def watch_motion_input_default(method, motion_input=None) -> str:
    """The optical flow's input of ``twin watch``'s radar nowcast: the given one, else
    ``WATCH_MOTION_INPUT`` with the extrapolation and the old ``"rate"`` with STEPS (not
    measured with the dB)."""
    if motion_input is not None:
        return motion_input
    return WATCH_MOTION_INPUT if method == "extrapolation" else "rate"


#: ``motion_input="db"``: the value [dB] of the cells below the threshold (pysteps' -15).
MOTION_DB_ZERO = -15.0


def motion_frames(frames, motion_input="rate", threshold=0.1) -> np.ndarray:
    """The frames (..., ny, nx) [mm/h] as the optical flow sees them: unchanged (``rate``) or
    in dB (``db``: 10 log10(R) where R >= ``threshold`` [mm/h], ``MOTION_DB_ZERO`` below
    it and where R is not finite)."""
    f = np.asarray(frames, np.float64)
    if motion_input == "rate":
        return f
    if motion_input != "db":
        raise InputError(f"radar motion input must be one of {MOTION_INPUTS}, got "
                         f"{motion_input!r}", field="motion_input")  # fmt: skip
    wet = np.isfinite(f) & (f >= threshold)
    return np.where(wet, 10.0 * np.log10(np.where(wet, f, 1.0)), MOTION_DB_ZERO)


#: pysteps' Proesmans pyramid depth (its default); fewer on grids too small for it.
PROESMANS_LEVELS = 6


def proesmans_levels(shape) -> int:
    """The levels of Proesmans' image pyramid on a grid of ``shape`` (ny, nx): pysteps'
    default 6, fewer where its coarsest level would be narrower than 2 cells (each level
    halves the grid, rounding down).  pysteps 1.21's edge filling copies ``V[1, 1]`` to
    ``V[0, 0]`` at every level: on a 1-cell level (a 32-cell grid at 6 levels) that reads
    past the level's buffer, so the flow took whatever memory followed it
    (found with the module rebuilt with bounds checks; the NaN flows seen in CI)."""
    return max(1, min(PROESMANS_LEVELS, int(np.log2(max(2, min(shape))))))


def motion_field(method, frames) -> np.ndarray:
    """The advection field (2, ny, nx) [cells per frame] ``method`` (a pysteps optical
    flow) finds between ``frames``; where it is undefined (NaN: no rain texture to
    follow) the rain is taken as still, so the extrapolation never meets a non-finite
    velocity.  Proesmans' method runs with :func:`proesmans_levels`; a grid less than 2
    cells wide has no motion to find (zero)."""
    try:
        from pysteps.motion.proesmans import proesmans
    except ImportError:
        proesmans = None
    frames = np.asarray(frames, dtype=np.float64)
    if min(frames.shape[-2:]) < 2:
        return np.zeros((2, *frames.shape[-2:]))
    kw = {"num_levels": proesmans_levels(frames.shape[-2:])} if method is proesmans else {}
    velocity = np.asarray(method(frames, **kw), dtype=np.float64)
    return np.where(np.isfinite(velocity), velocity, 0.0)


def lagrangian_log_variance(frames, velocity, n_steps, threshold, extrapolate, at_least=None):
    """The variance of the log rain rate's change along the motion, at every lead of an
    extrapolation nowcast (``n_steps`` frames ahead), estimated from the recent frames.

    Each earlier frame ``j`` steps back is advected ``j`` steps along ``velocity`` and
    compared with the last frame where both rain (above ``threshold``): the variance
    of their log ratio, ``v_j``, is fitted as ``a + b j`` (``a``: the noise of two
    frames, ``b``: the growth and decay per step, both >= 0).  The forecast at lead
    ``L`` steps differs from the truth by one frame's noise and ``L`` steps of
    evolution: ``a / 2 + b L``, at most the variance of the log rate over the last
    frame's rain (a forecast no better than a random draw from the field).  Fewer than
    two lags or too little rain: the fixed spread ``FIXED_SPREAD`` squared.

    ``at_least`` [mm/h]: the ratios taken only where the last frame rains at least that
    (where at least 20 cells do; the light rain's log changes are larger than a heavy
    core's), the earlier frame still above ``threshold``.
    """
    fixed = np.full(n_steps, FIXED_SPREAD**2)
    last = frames[-1]
    wet_last = last > threshold
    if len(frames) < 3 or wet_last.sum() < 20:
        return fixed
    lagged = wet_last
    if at_least is not None and (last > max(threshold, at_least)).sum() >= 20:
        lagged = last > max(threshold, at_least)
    lags, v = [], []
    for j in range(1, len(frames)):
        adv = np.nan_to_num(extrapolate(frames[-1 - j], velocity, j)[-1])
        ok = lagged & (adv > threshold)
        if ok.sum() >= 20:
            lags.append(j)
            v.append(np.var(np.log(last[ok] / adv[ok])))
    if len(lags) < 2:
        return fixed
    return _noise_and_growth(lags, v, float(np.var(np.log(last[wet_last]))), n_steps)


def _noise_and_growth(lags, v, cap, n_steps) -> np.ndarray:
    """The log variance at leads 1..``n_steps`` from the variances ``v`` of the log
    ratios at ``lags`` [frames]: fitted as ``a + b j`` (``a`` two frames' noise, ``b`` the
    growth per step, both >= 0), one frame's noise and ``L`` steps of growth at lead
    ``L``, at most ``cap`` (or ``a / 2`` if larger)."""
    b, a = np.polyfit(lags, v, 1)
    if b < 0.0:
        a, b = float(np.mean(v)), 0.0
    a = max(a, 0.0)
    lead = np.arange(1, n_steps + 1)
    return np.minimum(0.5 * a + b * lead, max(cap, 0.5 * a))


def area_kernels(weights, shape) -> list:
    """The gauges' weights (n_gauges, ny * nx) as 2-D kernels: each gauge's weights
    cropped to their bounding box (sum 1), the gauges that feed no subcatchment left out."""
    out = []
    for w in np.asarray(weights, np.float64):
        if w.sum() <= 0.0:
            continue
        k = w.reshape(shape)
        ys, xs = np.nonzero(k)
        k = k[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        out.append(k / k.sum())
    return out


def _area_means(field, kernel):
    """The ``kernel``-weighted mean of ``field`` at every position of the kernel over the
    grid, and where it is defined (every cell under the kernel's support finite and in
    the grid)."""
    from scipy import ndimage

    f = np.asarray(field, np.float64)
    ok = np.isfinite(f)
    mean = ndimage.correlate(np.where(ok, f, 0.0), kernel, mode="constant", cval=0.0)
    support = (kernel > 0).astype(np.float64)
    n = ndimage.correlate(ok.astype(np.float64), support, mode="constant", cval=0.0)
    return mean, n >= support.sum() - 1e-9


def area_log_variance(frames, velocity, n_steps, threshold, extrapolate, kernels):
    """:func:`lagrangian_log_variance` of the rain the twin uses: the catchment means.

    The log ratio of the last frame to each earlier frame advected along ``velocity`` is
    taken not cell by cell but between the ``kernel``-weighted means (a gauge's weights,
    :func:`area_kernels`) placed at every position on the grid, so the variance is that
    of a catchment-sized area's rain (the cells' own scatter, which the catchment mean
    averages out, left out); fitted as ``a + b j`` and capped as there, per kernel, and
    averaged over the kernels.  No kernel, or too little rain: the cell estimate.
    """
    out = []
    last_frame = np.asarray(frames[-1], np.float64)
    for k in kernels:
        last, valid = _area_means(last_frame, k)
        wet_last = valid & (last > threshold)
        if len(frames) < 3 or wet_last.sum() < 20:
            continue
        lags, v = [], []
        for j in range(1, len(frames)):
            adv, ok_adv = _area_means(extrapolate(frames[-1 - j], velocity, j)[-1], k)
            ok = wet_last & ok_adv & (adv > threshold)
            if ok.sum() >= 20:
                lags.append(j)
                v.append(np.var(np.log(last[ok] / adv[ok])))
        if len(lags) < 2:
            continue
        out.append(_noise_and_growth(lags, v, float(np.var(np.log(last[wet_last]))), n_steps))
    if not out:
        return lagrangian_log_variance(frames, velocity, n_steps, threshold, extrapolate)
    return np.mean(out, axis=0)


def walk_log_factors(var, z, rng) -> np.ndarray:
    """(n_members, n_steps) the members' log factors, a random walk in lead whose
    variance at every lead is ``var`` (non-decreasing): the first step ``z`` (the
    members' one draw) times the first lead's standard deviation, each next step an
    independent increment of the variance's growth (``lagrangian_log_variance``'s
    ``a / 2 + b L``: one frame's noise, then independent steps of growth and decay),
    so a member's factor at 60 minutes is no longer its factor at 10 minutes scaled."""
    var = np.maximum.accumulate(np.asarray(var, np.float64))
    inc = np.sqrt(np.diff(var, prepend=0.0))
    e = rng.standard_normal((len(z), len(var)))
    e[:, 0] = z
    return np.cumsum(inc[None, :] * e, axis=1)


def lagrangian_mean(frames, velocity, extrapolate) -> np.ndarray:
    """The frames advected to the last one's time along ``velocity`` and averaged
    (Lagrangian temporal smoothing: a radar's independent errors of each frame average
    out, the rain that moved with the motion stays); a cell the advection leaves
    undefined takes the last frame's value."""
    last = np.asarray(frames[-1], np.float64)
    acc, n = last.copy(), np.ones_like(last)
    for j in range(1, len(frames)):
        adv = np.asarray(extrapolate(frames[-1 - j], velocity, j)[-1], np.float64)
        ok = np.isfinite(adv)
        acc[ok] += adv[ok]
        n[ok] += 1.0
    return acc / n


def motion_pair_sigma(pair_fields, wet=None, n_mean=1) -> np.ndarray:
    """(2,) the standard deviation [cells per frame] of the motion's error in x and y,
    from the optical flows (k, 2, ny, nx) of ``k >= 2`` consecutive frame pairs.

    The motion of a storm changes over hours, its two-frame flow between consecutive
    5-minute frames by each frame's noise and the texture's change: the spread of the
    pairs' flows at a cell (over the pairs, pooled over the cells where the last frame
    rains, ``wet``, or all cells) is the error of one pair's flow; the flow averaged over
    ``n_mean`` pairs errs by that over sqrt(n_mean) (independent pairs).  Fewer than two
    pairs: zeros (no estimate, no perturbation).
    """
    f = np.asarray(pair_fields, np.float64)
    if f.shape[0] < 2:
        return np.zeros(2)
    var = f.var(axis=0, ddof=1)  # (2, ny, nx)
    cells = wet if wet is not None and wet.sum() >= 20 else np.ones(var.shape[1:], bool)
    return np.sqrt(var[:, cells].mean(axis=1) / max(1, int(n_mean)))


#: ``twin watch --radar``'s extrapolation since round 13 (the lead's rule met on held-out
#: seeds 10-12, README "The members' motion (round 13)"): the motion of 5 frame pairs,
#: each member's perturbed.  ``RadarRain``'s own defaults stay the old nowcast.
WATCH_MOTION_PAIRS = 5
WATCH_MOTION_PERT = "pairs"


def watch_motion_defaults(method, mean, motion_pairs=None, motion_pert=None) -> tuple:
    """``(motion_pairs, motion_pert)`` of ``twin watch``'s radar nowcast: the given
    values, else the round-15 defaults with the extrapolation (no perturbation with
    S-PROG's mean) and the old ones (1, ``"none"``) with STEPS."""
    ext = method == "extrapolation"
    if motion_pairs is None:
        motion_pairs = WATCH_MOTION_PAIRS if ext else 1
    if motion_pert is None:
        motion_pert = WATCH_MOTION_PERT if ext and mean != "sprog" else "none"
    return int(motion_pairs), motion_pert


#: ``twin watch --radar``'s extrapolation spread since round 14 (the lead's rule met on
#: held-out seeds 16-18, README "The members' spread (round 14)"); ``RadarRain``'s own
#: default stays the old ``"lagrangian"``.
WATCH_SPREAD = "rate"


def watch_spread_default(method, spread=None) -> str:
    """The lognormal spread of ``twin watch``'s radar nowcast: the given one, else
    ``WATCH_SPREAD`` with the extrapolation and the old ``"lagrangian"`` with STEPS."""
    if spread is not None:
        return spread
    return WATCH_SPREAD if method == "extrapolation" else "lagrangian"


def _signature(path):
    st = Path(path).stat()
    return (st.st_mtime_ns, st.st_size)


class RadarRain:
    """Radar frames on a network: the observed rain of its gauges and their nowcast.

    Parameters
    ----------
    frames : xarray.DataArray
        ``(time, y, x)`` rain rate [mm/h] (:func:`read_radar_folder`).
    net : Network
    start : numpy.datetime64
        The simulation start (times become seconds after it).
    method : {"steps", "extrapolation"}
    n_frames : int
        Frames the motion field and STEPS' AR(2) process are estimated on (>= 3).
    threshold_mmh : float
        Rain rate below which a cell counts as dry.
    spread : {"lagrangian", "fixed", "area", "rate", "lagrangian-walk", "area-walk", "rate-walk"}
        The extrapolation members' lognormal spread: growing with lead as the rain's
        own growth and decay along its motion in the last frames, cell by cell
        (:func:`lagrangian_log_variance`, default), only where the last frame rains at
        least ``RATE_SHARE`` of the catchments' mean rate (``rate``, ``twin watch``'s
        default since round 14), or of the catchments' means (``area``:
        :func:`area_log_variance`, the gauges' own weights slid over the grid), or 0.35
        at every lead (before); each member's factor one draw for all leads, or with
        ``-walk`` a random walk in lead with the same variance (:func:`walk_log_factors`).
    gauge_adjusted : bool
        The gauges are the observed rain and the radar's nowcast is scaled by its
        mean-field bias against them (:meth:`gauge_bias`); a twin then does not take
        the frames as its observed rain.
    motion_pairs : int
        The motion field is the mean of the optical flow of the last ``motion_pairs``
        pairs of consecutive frames (default 1: the last two frames only, as before
        2026-12-07); a noisy radar's two-frame motion errs by up to a factor 2 at a
        town (benchmarks/results/watch-far-notes.md).
    mean : {"extrapolation", "sprog", "smoothed"}
        The extrapolation members' mean field: the last frame advected (default, as
        before 2026-12-07); S-PROG (Seed 2003; pysteps ``sprog``), the last
        ``n_frames`` frames' cascade of spatial scales each advected and decayed by the
        AR(2) lag correlations measured on the frames, so the small scales that the
        motion and the rain's evolution make unpredictable fade with lead and the
        members' mean keeps the predictable large scales; or ``smoothed``, the last
        ``n_frames`` frames advected to now and averaged before the extrapolation; or
        (round 16, models the rain's growth and decay) ``anvil``, ANVIL's ARI(2,1)
        forecast of the last four frames' rain rate, or ``linda``, LINDA's deterministic
        forecast of the last three (:data:`GROWTH_MEANS`), each member's with its own
        motion under ``motion_pert="pairs"``.
    motion_pert : {"none", "pairs"}
        The extrapolation members' motion: all the same (default, as before
        2026-12-07), or each member's the motion field plus one constant vector drawn
        from N(0, diag(s_x^2, s_y^2)), ``s`` the spread of the optical flows of the last
        ``SPREAD_FRAMES - 1`` frame pairs over sqrt(``motion_pairs``)
        (:func:`motion_pair_sigma`), so the members' rain spans the motion's error.
    motion_input : {"rate", "db"}
        The optical flow of the rain rate [mm/h] itself (default, as before round 16) or
        of its decibels (:func:`motion_frames`).
    bias : {"window", "kalman"}
        With ``gauge_adjusted``, the mean-field bias: the last hour's ratio of the
        gauge's depth to the radar's (default, as before round 15), or the log bias
        Kalman-filtered over every radar step, each weighted by its rain
        (:class:`~twin.ops.mfb.MeanFieldBias`; its state is :attr:`mfb`).
    """

    def __init__(self, frames, net, start, *, method="extrapolation", n_frames=3,
                 threshold_mmh=0.1,
                 spread="lagrangian", gauge_adjusted=False, motion_pairs=1,
                 mean="extrapolation", motion_pert="none", bias="window",
                 motion_input="rate"):  # fmt: skip
        if motion_input not in MOTION_INPUTS:
            raise InputError(f"radar motion input must be one of {MOTION_INPUTS}, got "
                             f"{motion_input!r}", field="motion_input")  # fmt: skip
        self.motion_input = motion_input
        if bias not in BIASES:
            raise InputError(f"radar mean-field bias must be one of {BIASES}, got {bias!r}",
                             field="bias")  # fmt: skip
        self.bias = bias
        self.mfb = None  # the Kalman filter's state, made at its first step
        if motion_pert not in MOTION_PERTS:
            raise InputError(f"radar motion perturbation must be one of {MOTION_PERTS}, got "
                             f"{motion_pert!r}", field="motion_pert")  # fmt: skip
        if motion_pert != "none" and method != "extrapolation":
            raise InputError(f"radar motion perturbation {motion_pert!r} is the extrapolation's, "
                             f"not {method}'s (STEPS perturbs its own)",
                             field="motion_pert")  # fmt: skip
        if motion_pert != "none" and mean == "sprog":  # anvil and linda run per member
            raise InputError("radar motion perturbation needs the extrapolation's own mean "
                             "(extrapolation or smoothed), not S-PROG's",
                             field="motion_pert")  # fmt: skip
        self.motion_pert = motion_pert
        if mean not in MEANS:
            raise InputError(f"radar nowcast mean must be one of {MEANS}, got {mean!r}",
                             field="mean")  # fmt: skip
        if mean != "extrapolation" and method != "extrapolation":
            raise InputError(f"radar nowcast mean {mean!r} is the extrapolation's, not {method}'s",
                             field="mean")  # fmt: skip
        self.mean = mean
        self.gauge_adjusted = bool(gauge_adjusted)
        self.motion_pairs = int(motion_pairs)
        if not 1 <= self.motion_pairs <= SPREAD_FRAMES - 1:
            raise InputError(f"radar motion pairs must be 1-{SPREAD_FRAMES - 1}, got "
                             f"{motion_pairs!r}", field="motion_pairs")  # fmt: skip
        if spread not in SPREADS:
            raise InputError(f"radar nowcast spread must be one of {SPREADS}, got {spread!r}",
                             field="spread")  # fmt: skip
        if spread not in ("lagrangian", "fixed") and method != "extrapolation":
            raise InputError(f"radar nowcast spread {spread!r} is the extrapolation's, not "
                             f"{method}'s", field="spread")  # fmt: skip
        self.spread = spread
        if method not in METHODS:
            raise InputError(f"radar nowcast method must be one of {METHODS}, got {method!r}",
                             field="nowcast")  # fmt: skip
        self.method = method
        self.n_frames = max(3, int(n_frames))
        self.threshold = float(threshold_mmh)
        self.start = np.datetime64(start, "s")
        self.folder, self._seen = None, {}
        x, y = frames.x.values, frames.y.values
        self.km_per_pixel = float(abs(x[1] - x[0])) / 1000.0 if len(x) > 1 else 1.0
        self.weights = gauge_weights(net, x, y)
        self.n_gauges = self.weights.shape[0]
        self._kernels = area_kernels(self.weights, (len(y), len(x)))
        sub = net.subcatchments
        area = np.bincount(np.asarray(sub.raingage, np.int64), np.asarray(sub.area_m2, float),
                           minlength=self.n_gauges)  # fmt: skip
        self._gauge_share = area / max(area.sum(), 1e-12)
        self._set_frames(frames)

    @classmethod
    def from_folder(cls, folder, net, start, **kw) -> RadarRain:
        """The frames of a folder a radar export writes to; :meth:`refresh` reads the
        files that appeared or changed since."""
        self = cls(read_radar_folder(folder), net, start, **kw)
        self.folder = Path(folder)
        self._seen = {f: _signature(f) for f in _radar_files(folder)}
        return self

    def _set_frames(self, frames) -> None:
        self.frames = frames
        self.rate = np.asarray(frames.values, np.float64)
        t = frames.time.values.astype("datetime64[s]")
        self.times_s = (t - self.start).astype(np.int64).astype(np.float64)
        self.step_s = float(frames.attrs.get("step_s") or np.diff(self.times_s)[0])

    def refresh(self, rain: ObservedRain | None = None) -> int:
        """Read the folder's new or rewritten files (frames arriving live), add their
        frames (a frame at a time already held is replaced) and, when given, set their
        gauge rates into ``rain``; returns the number of frames read."""
        if self.folder is None:
            return 0
        from twin.scenarios.radar import read_grid

        new = [f for f in _radar_files(self.folder) if self._seen.get(f) != _signature(f)]
        parts = []
        for f in new:
            sig = _signature(f)
            try:
                parts.append(read_grid(f))
            except InputError as exc:  # a file being written: read again next cycle
                log.warning("radar file not read yet: %s", exc)
                continue
            self._seen[f] = sig
        if not parts:
            return 0
        for p in parts:
            if p.shape[1:] != self.frames.shape[1:] or not (
                np.allclose(p.x.values, self.frames.x.values)
                and np.allclose(p.y.values, self.frames.y.values)
            ):
                raise InputError("a new radar file's grid differs from the folder's first",
                                 file=self.folder, field="--radar")  # fmt: skip
        self._set_frames(_join_frames([self.frames, *parts], self.folder))
        if rain is not None:
            t = np.concatenate([(p.time.values.astype("datetime64[s]") - self.start)
                                .astype(np.int64).astype(np.float64) for p in parts])  # fmt: skip
            at = np.searchsorted(self.times_s, np.unique(t))
            rain.set(self.times_s[at], self.to_gauges(self.rate[at]))
        return int(sum(p.sizes["time"] for p in parts))

    def to_gauges(self, fields) -> np.ndarray:
        """(..., ny, nx) rain fields -> (..., n_gauges) gauge rates [mm/h]."""
        f = np.nan_to_num(np.asarray(fields, np.float64))
        flat = f.reshape(*f.shape[:-2], -1)
        return flat @ self.weights.T

    def observed(self) -> ObservedRain:
        """The frames as the gauges' observed rain (each from its frame's time on)."""
        out = ObservedRain(self.n_gauges)
        out.set(self.times_s, self.to_gauges(self.rate))
        return out

    def _past(self, now_s: float, n: int | None = None) -> np.ndarray:
        """The last ``n`` (default ``n_frames``) complete frames before ``now_s``, or as
        many as there are when ``n`` is given (None: fewer than ``n_frames``)."""
        done = np.flatnonzero(self.times_s + self.step_s <= now_s + 1e-6)
        if len(done) < self.n_frames:
            return None
        return self.rate[done[-(n or self.n_frames) :]]

    def nowcast(self, rain, now_s, horizon_s, n_members, *, seed=0):
        """The members' forecast rain from ``now_s``: ``(times_s (k,), rates_mmh
        (n_members, k, n_gauges))``, every radar step to the horizon.  With fewer than
        ``n_frames`` frames, or no rain in the last one, the gauges' decaying persistence
        (:func:`~twin.ops.rain.persistence_nowcast`) of ``rain``."""
        past = self._past(now_s)
        if past is None or not (past[-1] >= self.threshold).any():
            return persistence_nowcast(rain, now_s, horizon_s, n_members, seed=seed)
        n_steps = int(np.ceil(horizon_s / self.step_s))
        recent = self._past(now_s, SPREAD_FRAMES)
        fields = self._pysteps(past, n_steps, n_members, seed, recent)  # (members, steps, y, x)
        times = now_s + self.step_s * np.arange(n_steps)
        rates = self.to_gauges(fields)
        if self.gauge_adjusted:
            rates = rates * self.gauge_bias(rain, now_s)[None, None, :]
        return times, rates

    def gauge_bias(self, rain: ObservedRain, now_s: float) -> np.ndarray:
        """(n_gauges,) the mean-field bias of the radar against the gauges ``rain``: with
        ``bias="window"`` over the last ``BIAS_WINDOW_S``, the gauge's depth over the
        radar's (its catchment mean) where both saw at least ``BIAS_MIN_MM``, else 1;
        clipped to [0.2, 5]; with ``"kalman"`` :meth:`kalman_bias`."""
        if self.bias == "kalman":
            return self.kalman_bias(rain, now_s)
        t0 = max(0.0, now_s - BIAS_WINDOW_S)
        if now_s <= t0:
            return np.ones(self.n_gauges)
        gauge_mm = rain.mean_rate(t0, now_s) * (now_s - t0) / 3600.0
        done = (self.times_s >= t0 - 1e-6) & (self.times_s + self.step_s <= now_s + 1e-6)
        radar_mm = self.to_gauges(self.rate[done]).sum(axis=0) * self.step_s / 3600.0
        seen = (gauge_mm >= BIAS_MIN_MM) & (radar_mm >= BIAS_MIN_MM)
        # the radar's window may be shorter than the gauges' (frames not complete yet)
        span = max(done.sum() * self.step_s, self.step_s)
        ratio = gauge_mm * span / np.maximum(radar_mm * (now_s - t0), 1e-12)
        return np.where(seen, np.clip(ratio, 0.2, 5.0), 1.0)

    def kalman_bias(self, rain: ObservedRain, now_s: float) -> np.ndarray:
        """(n_gauges,) ``exp(mean log bias)`` of the Kalman filter (:attr:`mfb`, made at
        the first call) after it took in every radar step complete by ``now_s`` that it
        has not yet: the gauges' depth over the step (``rain``) and the radar's."""
        from twin.ops.mfb import MeanFieldBias

        if self.mfb is None:
            self.mfb = MeanFieldBias(self.n_gauges)
        elif self.mfb.mean.size != self.n_gauges:
            raise InputError(f"the radar's mean-field bias state has {self.mfb.mean.size} "
                             f"gauges, the radar {self.n_gauges}", field="radar_bias")  # fmt: skip
        end = self.times_s + self.step_s
        after = -np.inf if self.mfb.t_s is None else self.mfb.t_s
        for k in np.flatnonzero((end <= now_s + 1e-6) & (end > after + 1e-6)):
            gauge_mm = rain.mean_rate(self.times_s[k], end[k]) * self.step_s / 3600.0
            radar_mm = self.to_gauges(self.rate[k]) * self.step_s / 3600.0
            self.mfb.step(float(end[k]), gauge_mm, radar_mm)
        return self.mfb.bias

    def bias_state(self) -> dict | None:
        """The Kalman filter's state for ``watch.json`` (None: none yet)."""
        return None if self.mfb is None else self.mfb.state()

    def restore_bias(self, state: dict) -> None:
        """Continue the Kalman filter from a :meth:`bias_state` (a restart)."""
        from twin.ops.mfb import MeanFieldBias

        self.mfb = MeanFieldBias(len(state["mean"]))
        self.mfb.restore(state)

    def _motion(self, method, past, recent=None, spread=False) -> tuple:
        """``(velocity, sigma)``: the motion field (2, ny, nx) [cells per frame], the mean
        of the last ``motion_pairs`` consecutive pairs' optical flows (as many as the
        frames allow), and with ``spread`` the motion's error (2,) [cells per frame] from
        the last ``SPREAD_FRAMES - 1`` pairs' flows (:func:`motion_pair_sigma`), else
        None; each pair's flow is computed once for both."""
        frames = recent if recent is not None and len(recent) > len(past) else past
        wet_last = frames[-1] > self.threshold
        frames = motion_frames(frames, self.motion_input, self.threshold)
        n = SPREAD_FRAMES - 1 if spread else self.motion_pairs
        k = max(1, min(n, len(frames) - 1))
        flows = [motion_field(method, frames[len(frames) - 2 - j : len(frames) - j])
                 for j in range(k)]  # newest first  # fmt: skip
        velocity = np.mean(flows[: self.motion_pairs], axis=0)
        if not spread:
            return velocity, None
        return velocity, motion_pair_sigma(flows, wet_last, self.motion_pairs)

    def _db(self, past):
        from pysteps.utils import transformation

        db, meta = transformation.dB_transform(
            past, {"threshold": self.threshold, "zerovalue": 0.0, "transform": None,
                   "unit": "mm/h"},
            threshold=self.threshold, zerovalue=-15.0,
        )  # fmt: skip
        db[~np.isfinite(db)] = -15.0
        return db, meta, max(1, min(6, int(np.log2(min(past.shape[1:]))) - 2))

    def _sprog(self, past, velocity, n_steps) -> np.ndarray:
        """The S-PROG forecast (n_steps, y, x) [mm/h] of the last frames."""
        from pysteps import nowcasts
        from pysteps.utils import transformation

        db, meta, levels = self._db(past)
        with contextlib.redirect_stdout(io.StringIO()):  # pysteps prints its settings
            fc = nowcasts.get_method("sprog")(
                db, velocity, n_steps, precip_thr=meta["threshold"], n_cascade_levels=levels,
                ar_order=min(2, len(past) - 1), probmatching_method=SPROG_MATCHING,
            )  # fmt: skip
        rate, _ = transformation.dB_transform(fc, meta, threshold=meta["threshold"], inverse=True)
        return np.maximum(np.nan_to_num(rate), 0.0)

    def _perturbed(self, past, velocity, n_steps, sigma, rng, n_members) -> np.ndarray:
        """(n_members, n_steps, y, x) the extrapolation's mean field, each member's
        advected with the motion plus its own constant vector ~ N(0, diag(sigma^2))."""
        from pysteps import nowcasts

        extrapolate = nowcasts.get_method("extrapolation")
        dv = rng.standard_normal((n_members, 2)) * sigma[None, :]
        if self.mean in GROWTH_MEANS:
            return np.stack([self._growth(past, velocity + d[:, None, None], n_steps)
                             for d in dv])  # fmt: skip
        smoothed = self.mean == "smoothed"
        start = lagrangian_mean(past, velocity, extrapolate) if smoothed else past[-1]
        return np.stack([extrapolate(start, velocity + d[:, None, None], n_steps) for d in dv])

    def _growth(self, past, velocity, n_steps) -> np.ndarray:
        """(n_steps, y, x) [mm/h] the forecast of ANVIL or LINDA (``mean``) of the last
        frames ``past`` (the most recent ``SPREAD_FRAMES`` when :meth:`nowcast` has them):
        the rain advected along ``velocity`` [cells per frame] and grown or decayed as its
        own Lagrangian trend in the frames says."""
        from pysteps import nowcasts

        rate = np.nan_to_num(np.asarray(past, np.float64))
        rate[rate < self.threshold] = 0.0
        levels = max(1, min(6, int(np.log2(min(rate.shape[1:]))) - 2))
        with contextlib.redirect_stdout(io.StringIO()):  # pysteps prints its settings
            if self.mean == "anvil":  # ARI(2,1) on four frames (ARI(1,1) on three)
                radius = max(4, int(round(GROWTH_WINDOW_KM / self.km_per_pixel)))
                order = min(2, len(rate) - 2)
                fc = nowcasts.get_method("anvil")(
                    rate[-(order + 2) :], velocity, n_steps, n_cascade_levels=levels,
                    ar_order=order,
                    ar_window_radius=radius, num_workers=1,
                )  # fmt: skip
            else:  # LINDA, deterministic, ARI(1,1): three frames
                fc = nowcasts.get_method("linda")(
                    rate[-3:], velocity, n_steps, feature_method="domain",
                    add_perturbations=False, kmperpixel=self.km_per_pixel,
                    timestep=self.step_s / 60.0, num_workers=1,
                )  # fmt: skip
        fc = np.maximum(np.nan_to_num(np.asarray(fc, np.float64)), 0.0)
        fc[fc < self.threshold] = 0.0
        return fc

    def _pysteps(self, past, n_steps, n_members, seed, recent=None):
        try:
            from pysteps import motion, nowcasts
            from pysteps.utils import transformation
        except ImportError:
            raise InputError("radar nowcasts need pysteps: pip install 'sewer-twin[radar]'",
                             field="--radar") from None  # fmt: skip
        perturbed = self.method == "extrapolation" and self.motion_pert == "pairs"
        velocity, sigma = self._motion(motion.get_method(MOTION), past, recent, perturbed)
        timestep_min = self.step_s / 60.0
        if self.method == "extrapolation":
            extrapolate = nowcasts.get_method("extrapolation")
            rng = np.random.default_rng([int(seed), 15485863])
            z = rng.standard_normal(n_members)
            # ANVIL's ARI(2,1) needs four frames: the recent ones when there are more
            growth_frames = recent if recent is not None and len(recent) > len(past) else past
            if perturbed:
                det = self._perturbed(growth_frames if self.mean in GROWTH_MEANS else past,
                                      velocity, n_steps, sigma, rng, n_members)  # fmt: skip
            elif self.mean == "sprog":
                det = self._sprog(past, velocity, n_steps)
            elif self.mean in GROWTH_MEANS:
                det = self._growth(growth_frames, velocity, n_steps)
            elif self.mean == "smoothed":
                det = extrapolate(lagrangian_mean(past, velocity, extrapolate), velocity, n_steps)
            else:
                det = extrapolate(past[-1], velocity, n_steps)
            spread_frames = recent if recent is not None else past
            if self.spread == "fixed":
                var = np.full(n_steps, FIXED_SPREAD**2)
            elif self.spread.startswith("rate"):
                # where the last frame rains at least half as hard as the catchments do
                town = float(self.to_gauges(spread_frames[-1]) @ self._gauge_share)
                var = lagrangian_log_variance(spread_frames, velocity, n_steps, self.threshold,
                                              extrapolate, at_least=RATE_SHARE * town)  # fmt: skip
            elif self.spread.startswith("area"):
                var = area_log_variance(spread_frames, velocity, n_steps, self.threshold,
                                        extrapolate, self._kernels)  # fmt: skip
            else:
                var = lagrangian_log_variance(spread_frames, velocity, n_steps, self.threshold,
                                              extrapolate)  # fmt: skip
            if self.spread.endswith("walk"):
                log_f = walk_log_factors(var, z, rng)
                var = np.maximum.accumulate(var)
                scale = np.exp(log_f - 0.5 * var[None, :])  # mean 1 at every lead
            else:
                sd = np.sqrt(var)
                scale = np.exp(sd[None, :] * z[:, None] - 0.5 * var[None, :])  # mean 1
            det = np.nan_to_num(det)
            out = scale[:, :, None, None] * (det if det.ndim == 4 else det[None])
            return np.maximum(out, 0.0)
        db, meta, levels = self._db(past)
        fc = nowcasts.get_method("steps")(
            db, velocity, n_steps, n_ens_members=int(n_members), n_cascade_levels=levels,
            precip_thr=meta["threshold"], kmperpixel=self.km_per_pixel,
            timestep=timestep_min, noise_method="nonparametric", vel_pert_method="bps",
            mask_method="incremental", seed=int(seed) % (2**31), num_workers=1,
        )  # fmt: skip
        rate, _ = transformation.dB_transform(fc, meta, threshold=meta["threshold"], inverse=True)
        return np.maximum(np.nan_to_num(rate), 0.0)
