"""Radar rain for the operational twin: observed frames per gauge and pysteps nowcasts.

Radar frames are ``(time, y, x)`` grids of rain rate (NetCDF files in a folder, read
with :func:`twin.scenarios.radar.read_grid`; each time labels the start of its
interval).  The twin's rain lives on its rain gauges, so each frame is mapped to every
gauge as the area-weighted mean over the subcatchments that gauge feeds (the radar
reader's exact polygon-cell overlay).

The forecast rain is an ensemble nowcast of the frames received up to now with
`pysteps <https://pysteps.github.io>`_: the motion field by optical flow (Proesmans)
on the last two frames, then either

- ``"steps"`` (default): STEPS (Bowler et al. 2006; Seed et al. 2013), the rain in
  dBR decomposed into a cascade of spatial scales, each advected semi-Lagrangian and
  evolved by an AR(2) process, stochastic noise with the observed spatial structure
  and perturbed motion giving the members; or
- ``"extrapolation"``: the last frame advected along the motion field (semi-Lagrangian
  extrapolation), each member scaled by a lognormal factor (extrapolation plus noise).

Each member's forecast frames are mapped to the gauges like the observed frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.ops.rain import ObservedRain, persistence_nowcast

METHODS = ("steps", "extrapolation")
#: pysteps optical flow without OpenCV (Lucas-Kanade needs it): the anisotropic
#: diffusion method of Proesmans et al. (1994) on the last two frames (0.4 s on a 64 x 64
#: grid here; the variational echo tracking took minutes).
MOTION = "proesmans"


def read_radar_folder(folder):
    """The frames of every NetCDF file in ``folder``, joined on ``time`` (sorted,
    duplicates dropped), as an ``(time, y, x)`` DataArray in mm/h."""
    import xarray as xr

    from twin.scenarios.radar import as_rate, read_grid

    folder = Path(folder)
    files = sorted(folder.glob("*.nc")) if folder.is_dir() else []
    if not files:
        raise InputError("no radar NetCDF files (*.nc) in the folder", file=folder, field="--radar")
    parts = [read_grid(f) for f in files]
    da = xr.concat([p.drop_attrs() if hasattr(p, "drop_attrs") else p for p in parts], "time")
    da = da.sortby("time")
    _, keep = np.unique(da.time.values, return_index=True)
    return as_rate(da.isel(time=np.sort(keep)), source=folder)


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
    """

    def __init__(self, frames, net, start, *, method="steps", n_frames=3, threshold_mmh=0.1):
        if method not in METHODS:
            raise InputError(f"radar nowcast method must be one of {METHODS}, got {method!r}",
                             field="nowcast")  # fmt: skip
        self.method = method
        self.n_frames = max(3, int(n_frames))
        self.threshold = float(threshold_mmh)
        self.rate = np.asarray(frames.values, np.float64)
        t = frames.time.values.astype("datetime64[s]")
        self.times_s = (t - np.datetime64(start, "s")).astype(np.int64).astype(np.float64)
        self.step_s = float(frames.attrs.get("step_s") or np.diff(self.times_s)[0])
        x, y = frames.x.values, frames.y.values
        self.km_per_pixel = float(abs(x[1] - x[0])) / 1000.0 if len(x) > 1 else 1.0
        self.weights = gauge_weights(net, x, y)
        self.n_gauges = self.weights.shape[0]

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

    def _past(self, now_s: float) -> np.ndarray:
        """The last ``n_frames`` complete frames before ``now_s`` (None: too few)."""
        done = np.flatnonzero(self.times_s + self.step_s <= now_s + 1e-6)
        if len(done) < self.n_frames:
            return None
        return self.rate[done[-self.n_frames :]]

    def nowcast(self, rain, now_s, horizon_s, n_members, *, seed=0):
        """The members' forecast rain from ``now_s``: ``(times_s (k,), rates_mmh
        (n_members, k, n_gauges))``, every radar step to the horizon.  With fewer than
        ``n_frames`` frames, or no rain in the last one, the gauges' decaying persistence
        (:func:`~twin.ops.rain.persistence_nowcast`) of ``rain``."""
        past = self._past(now_s)
        if past is None or not (past[-1] >= self.threshold).any():
            return persistence_nowcast(rain, now_s, horizon_s, n_members, seed=seed)
        n_steps = int(np.ceil(horizon_s / self.step_s))
        fields = self._pysteps(past, n_steps, n_members, seed)  # (members, steps, ny, nx)
        times = now_s + self.step_s * np.arange(n_steps)
        return times, self.to_gauges(fields)

    def _pysteps(self, past, n_steps, n_members, seed):
        try:
            from pysteps import motion, nowcasts
            from pysteps.utils import transformation
        except ImportError:
            raise InputError("radar nowcasts need pysteps: pip install 'sewer-twin[radar]'",
                             field="--radar") from None  # fmt: skip
        velocity = motion.get_method(MOTION)(past[-2:])
        timestep_min = self.step_s / 60.0
        if self.method == "extrapolation":
            det = nowcasts.get_method("extrapolation")(past[-1], velocity, n_steps)
            rng = np.random.default_rng([int(seed), 15485863])
            scale = np.exp(rng.normal(-0.5 * 0.35**2, 0.35, n_members))
            out = scale[:, None, None, None] * np.nan_to_num(det)[None]
            return np.maximum(out, 0.0)
        db, meta = transformation.dB_transform(
            past, {"threshold": self.threshold, "zerovalue": 0.0, "transform": None,
                   "unit": "mm/h"},
            threshold=self.threshold, zerovalue=-15.0,
        )  # fmt: skip
        db[~np.isfinite(db)] = -15.0
        levels = max(1, min(6, int(np.log2(min(past.shape[1:]))) - 2))
        fc = nowcasts.get_method("steps")(
            db, velocity, n_steps, n_ens_members=int(n_members), n_cascade_levels=levels,
            precip_thr=meta["threshold"], kmperpixel=self.km_per_pixel,
            timestep=timestep_min, noise_method="nonparametric", vel_pert_method="bps",
            mask_method="incremental", seed=int(seed) % (2**31), num_workers=1,
        )  # fmt: skip
        rate, _ = transformation.dB_transform(fc, meta, threshold=meta["threshold"], inverse=True)
        return np.maximum(np.nan_to_num(rate), 0.0)
