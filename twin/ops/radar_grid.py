"""The radar's rain at the subcatchments' resolution (``twin watch --radar-rain subcatchment``).

A network's rain gauges are few (``small``: one gauge for 70 subcatchments), so radar
frames mapped to its gauges (:meth:`~twin.ops.nowcast.RadarRain.to_gauges`: the
area-weighted mean over the subcatchments a gauge feeds) rain the same rate on every
subcatchment of a gauge and the radar's spatial detail never reaches the model.  Here,
as operational systems do, every subcatchment gets its own rain:

- :func:`subcatchment_gauges`, a network transform: one new rain gauge per
  subcatchment (``RADAR_<subcatchment>``), appended after the network's own gauges,
  which stay where they are (same ids, same records: the rain sensors and the
  ``rainfall`` warnings keep pointing at them).  Each new gauge reads its original
  gauge's record, so without radar the transformed network rains exactly as the
  original;
- :class:`SubcatchmentRadar`, a :class:`~twin.ops.nowcast.RadarRain` on the
  transformed network: its original gauges keep their catchment-mean overlay, each new
  gauge has its subcatchment's overlay (both :func:`~twin.ops.nowcast.gauge_weights`),
  so the frames and every nowcast member are mapped to each subcatchment.  Gauge-
  adjusted (with rain gauges beside the radar), a subcatchment's observed rain is its
  gauge's reading times the radar's spatial pattern (the radar over the subcatchment over
  the radar over the gauge's catchment, frame by frame), its nowcast the radar's over it
  times the mean-field bias of the radar against its gauge over the last hour
  (:meth:`~twin.ops.nowcast.RadarRain.gauge_bias`); the gauges' own readings stay on the
  original gauges.  (The radar over the subcatchment times that bias as the observed
  rain too, ``"subcatchment-bias"``, was worse on the tuning seeds.)

Rates are mm/h, times seconds after the simulation start.
"""

from __future__ import annotations

import copy

import numpy as np

from twin.ops.nowcast import RadarRain, gauge_weights

#: The new gauge of subcatchment ``S1`` is ``RADAR_S1``.
GAUGE_PREFIX = "RADAR_"
#: ``Twin(radar_rain=...)`` / ``twin watch --radar-rain``: the radar mapped to the
#: network's gauges (as before round 14) or to every subcatchment, or ``auto``: the latter
#: when the subcatchments overlay enough radar cells (:func:`auto_choice`).
RADAR_RAINS = ("gauge", "subcatchment", "auto")
#: ``Twin(radar_rain="subcatchment-bias")``: a subcatchment's observed rain the radar over it
#: times the radar's mean-field bias against its gauge (measured on the tuning seeds, worse
#: than ``"subcatchment"``'s gauge times the radar's pattern:
#: benchmarks/results/watch-radargrid-notes.md).
VARIANTS = ("subcatchment-bias",)
#: ``radar_rain="auto"`` (round 15): per subcatchment when the network's subcatchments
#: overlay at least this many of the radar's cells, else per gauge (chosen on the tuning
#: seeds 1-2: benchmarks/results/watch-finegrid-notes.md).
AUTO_MIN_CELLS = 10


def cells_spanned(radar: RadarRain) -> int:
    """The radar cells the network's subcatchments overlay (any of them, any share)."""
    return int((np.asarray(radar.weights) > 0.0).any(axis=0).sum())


def auto_choice(radar: RadarRain, min_cells: int = AUTO_MIN_CELLS) -> tuple[str, int]:
    """``(choice, cells)``: ``"subcatchment"`` when the subcatchments overlay at least
    ``min_cells`` of ``radar``'s cells (:func:`cells_spanned`), else ``"gauge"``."""
    cells = cells_spanned(radar)
    return ("subcatchment" if cells >= min_cells else "gauge"), cells


def subcatchment_gauges(net):
    """``(network, parent)``: a copy of ``net`` with one rain gauge per subcatchment.

    Parameters
    ----------
    net : Network

    Returns
    -------
    network : Network
        ``net``'s gauges first (ids ``0 .. n_gauges - 1`` unchanged), then one gauge per
        subcatchment with an area, named ``RADAR_<subcatchment>`` (a number added if that
        name is taken), a copy of the subcatchment's gauge (same record, form, interval
        and catch factor), which the subcatchment now reads.  A subcatchment without a
        gauge or without area keeps its gauge.
    parent : (n_gauges_new,) int64
        Each gauge's original gauge (an original gauge its own).
    """
    out = copy.deepcopy(net)
    g, s = out.raingages, out.subcatchments
    n0 = len(g)
    gauge = np.asarray(s.raingage, np.int64)
    area = np.asarray(s.area_m2, np.float64)
    own = np.flatnonzero((gauge >= 0) & (area > 0.0))
    taken = {str(x).upper() for x in g.name} | {str(x).upper() for x in s.name}
    names = []
    for k in own:
        name, i = f"{GAUGE_PREFIX}{s.name[k]}", 1
        while name.upper() in taken:  # SWMM's names ignore case
            i += 1
            name = f"{GAUGE_PREFIX}{s.name[k]}_{i}"
        taken.add(name.upper())
        names.append(name)
    take = np.r_[np.arange(n0), gauge[own]].astype(np.int64)
    for f in g.__dataclass_fields__:
        v = getattr(g, f)
        if isinstance(v, np.ndarray) and len(v) == n0:
            setattr(g, f, v[take].copy())
    g.name = np.array([*net.raingages.name, *names], dtype=object)
    s.raingage = gauge.copy()
    s.raingage[own] = n0 + np.arange(len(own))
    return out, take


def widened(rain, parent):
    """``rain`` (an :class:`~twin.ops.rain.ObservedRain` of the original gauges) on a
    :func:`subcatchment_gauges` network: each new gauge its original gauge's rain."""
    from twin.ops.rain import ObservedRain

    out = ObservedRain(len(parent))
    out.set(rain.times_s, rain.rates_mmh[:, np.asarray(parent, np.int64)])
    return out


class SubcatchmentRadar(RadarRain):
    """A :class:`~twin.ops.nowcast.RadarRain` whose gauges are a
    :func:`subcatchment_gauges` network's: the original gauges with their catchment
    overlay, then one per subcatchment with its own.

    Made from a ``RadarRain`` of the original network with :meth:`of`; everything else
    (the frames, the folder, the nowcast's settings) is that radar's.

    Attributes
    ----------
    parent : (n_gauges,) int64
        Each gauge's original gauge (:func:`subcatchment_gauges`).
    n_real : int
        The original gauges (the first ``n_real``).
    """

    @classmethod
    def of(cls, radar: RadarRain, net, parent, observed_rain="pattern") -> SubcatchmentRadar:
        """``radar`` (on the original network) on ``net``, the transformed network;
        ``observed_rain`` (gauge-adjusted): each subcatchment's gauge reading times the
        radar's ratio of the subcatchment to the gauge's catchment in the frame
        (``"pattern"``: the radar's spatial pattern on the gauge's time series), or the
        radar over the subcatchment times the radar's bias against its gauge (``"bias"``;
        worse on the tuning seeds: benchmarks/results/watch-radargrid-notes.md)."""
        self = cls.__new__(cls)
        self.__dict__.update(radar.__dict__)
        self.observed_rain = observed_rain
        x, y = radar.frames.x.values, radar.frames.y.values
        self.parent = np.asarray(parent, np.int64)
        self.n_real = int(radar.n_gauges)
        with np.errstate(invalid="ignore", divide="ignore"):  # an original gauge feeding none
            w = gauge_weights(net, x, y)
        w[: self.n_real] = radar.weights
        self.weights = w
        self.n_gauges = w.shape[0]
        # the catchments' mean rain (the nowcast's spread "rate") as the original gauges'
        # overlays see it, the same number as on the original network: a share per gauge
        # (the radar's was of the original gauges only, and the nowcast failed on it)
        self._gauge_share = np.concatenate(
            [radar._gauge_share, np.zeros(self.n_gauges - self.n_real)]
        )
        return self

    def gauge_bias(self, rain, now_s: float) -> np.ndarray:
        """(n_gauges,) the mean-field bias of the radar against each gauge's original
        gauge (its reading over the radar's catchment mean, the last hour; see
        :meth:`~twin.ops.nowcast.RadarRain.gauge_bias`)."""
        return super().gauge_bias(rain, now_s)[self.parent]

    def frame_rates(self, times_s) -> tuple[np.ndarray, np.ndarray]:
        """``(rates (k, n_gauges), seen (k,))``: the radar's rate at each gauge at
        ``times_s`` (the frame holding then) and whether a frame holds (a frame holds
        for its own interval only)."""
        t = np.asarray(times_s, np.float64)
        k = np.searchsorted(self.times_s, t + 1e-6, side="right") - 1
        seen = (k >= 0) & (t < self.times_s[np.maximum(k, 0)] + self.step_s - 1e-6)
        rates = self.to_gauges(self.rate[np.maximum(k, 0)])
        return np.where(seen[:, None], rates, 0.0), seen

    def set_observed(self, rain, t0_s: float, t1_s: float) -> None:
        """Set the subcatchments' gauge-adjusted radar rain on ``[t0, t1)`` into ``rain``
        (an :class:`~twin.ops.rain.ObservedRain` of every gauge, the original gauges'
        columns their readings up to ``t1``): with ``observed_rain="pattern"`` the
        gauge's reading times the radar's rate over the subcatchment over its rate over
        the gauge's catchment in the same frame (the gauge's where the radar sees no rain
        there); with ``"bias"`` the radar's rate over the subcatchment times the bias of
        the radar against its gauge at ``t1`` (:meth:`gauge_bias`).  Where no frame
        holds, the gauge's own reading.  The original gauges' columns are left as they
        are."""
        t = np.concatenate([[t0_s], rain.times_s, self.times_s])
        t = np.unique(t[(t >= t0_s) & (t < t1_s)])
        k = np.searchsorted(rain.times_s, t + 1e-6, side="right") - 1
        rows = np.where((k >= 0)[:, None], np.nan_to_num(rain.rates_mmh[np.maximum(k, 0)]), 0.0)
        radar, seen = self.frame_rates(t)
        new = slice(self.n_real, None)
        gauge = rows[:, self.parent[new]]
        if self.observed_rain == "pattern":  # the gauge times the radar's spatial pattern
            catchment = radar[:, self.parent[new]]
            wet = seen[:, None] & (catchment > self.threshold)
            ratio = radar[:, new] / np.where(wet, catchment, 1.0)
            rows[:, new] = np.where(wet, gauge * ratio, gauge)
        else:
            radar = radar * self.gauge_bias(rain, t1_s)[None, :]
            rows[:, new] = np.where(seen[:, None], radar[:, new], gauge)
        rain.set(t, rows)
