"""What-if modifications of a Network, expressed in SWMM constructs.

Every function changes the Network it is given (call :func:`copy_network` first);
:meth:`twin.scenarios.Scenario.apply` does that.  Rainfall becomes RAINGAGES +
TIMESERIES, outfall levels TIMESERIES outfalls, blockages smaller cross sections,
so that SWMM can run the result from :func:`~twin.networks.inp_writer.write_inp`.

Blockage of a link by a fraction ``f`` of its flow area:

* CIRCULAR becomes FILLED_CIRCULAR with the sediment depth whose circular segment
  is ``f`` of the full area (FILLED_CIRCULAR adds sediment to what is there);
* every other closed or open shape keeps its form and has its lengths (height,
  widths, radii) multiplied by ``sqrt(1 - f)``, so its full area is ``(1 - f)`` of
  the original (dimensionless parameters such as side slopes are kept);
* IRREGULAR transects and DUMMY links cannot be blocked.
"""

from __future__ import annotations

import copy

import numpy as np

from twin.errors import InputError
from twin.kernels.codes import LinkKind, NodeKind, OutfallKind, Shape
from twin.networks import units
from twin.networks.inp_links import LENGTH_GEOMS
from twin.networks.model import Network, RaingageTable, TimeSeries

__all__ = [
    "block_links",
    "circle_segment_fraction",
    "copy_network",
    "replace_rainfall",
    "scale_rainfall",
    "set_initial_depths",
    "set_outfall_levels",
    "set_window",
    "shift_rainfall",
]

MAX_BLOCKAGE = 0.95


def copy_network(net: Network) -> Network:
    """A deep copy that the functions below may change freely."""
    return copy.deepcopy(net)


def _rain_unit_per_mmh(net: Network) -> float:
    return 1.0 / units.rain_rate_to_mmh("US" if net.unit_system == "US" else "SI")


def replace_rainfall(net, series, gauge_of_subcatchment, interval_s, prefix="SCN"):
    """Replace every rain gauge by new INTENSITY gauges with their own time series.

    Parameters
    ----------
    net : Network
    series : list of (times_h, intensity_mmh)
        One entry per new gauge: (k,) hours after the simulation start and the rate
        [mm/h] that holds from each time for ``interval_s``.
    gauge_of_subcatchment : (n_subcatchments,) int
        Index into ``series`` of each subcatchment's gauge.
    interval_s : float
        Recording interval of the new gauges [s].
    prefix : str
        Gauge ``i`` is named ``{prefix}{i}``, its series ``{prefix}{i}_RAIN``.
    """
    f = _rain_unit_per_mmh(net)
    n = len(series)
    names = np.array([f"{prefix}{i + 1}" for i in range(n)], dtype=object)
    for i, (t_h, rate) in enumerate(series):
        t_h = np.asarray(t_h, np.float64)
        sname = f"{names[i]}_RAIN"
        net.timeseries[sname] = TimeSeries(
            sname,
            np.full(len(t_h), np.datetime64("NaT"), "datetime64[D]"),
            t_h,
            np.asarray(rate, np.float64) * f,
        )
    empty = np.full(n, "", dtype=object)
    net.raingages = RaingageTable(
        name=names,
        form=np.full(n, "INTENSITY", dtype=object),
        interval_s=np.full(n, float(interval_s)),
        scf=np.ones(n),
        source=np.full(n, "TIMESERIES", dtype=object),
        series=np.array([f"{s}_RAIN" for s in names], dtype=object),
        file=empty.copy(),
        station=empty.copy(),
        file_units=empty.copy(),
        x=np.full(n, np.nan),
        y=np.full(n, np.nan),
    )
    net.subcatchments.raingage = np.asarray(gauge_of_subcatchment, np.int64).copy()
    return net


def _gauge_series(net: Network) -> list[TimeSeries]:
    """The distinct time series the gauges read (FILE gauges are refused)."""
    g = net.raingages
    out, seen = [], set()
    for j in range(len(g)):
        if str(g.source[j]).upper() == "FILE":
            raise InputError(
                f"gauge {g.name[j]} reads a rainfall file; give the rainfall as "
                "a series (rainfall.source = 'gauge') to scale or shift it",
                field="rainfall",
            )
        name = str(g.series[j])
        if name in seen:
            continue
        if name not in net.timeseries:
            raise InputError(
                f"gauge {g.name[j]} uses unknown time series {name!r}", section="RAINGAGES"
            )
        ts = net.timeseries[name]
        if ts.file:
            raise InputError(
                f"time series {name!r} is read from a file; cannot modify it", section="TIMESERIES"
            )
        seen.add(name)
        out.append(ts)
    return out


def scale_rainfall(net: Network, factor: float) -> Network:
    """Multiply all rainfall (intensities, volumes and cumulative totals) by ``factor``."""
    if not factor >= 0:
        raise InputError(f"rainfall scale must be >= 0, got {factor}", field="scale")
    for ts in _gauge_series(net):
        ts.value = ts.value * float(factor)
    return net


def shift_rainfall(net: Network, minutes: float) -> Network:
    """Delay all rainfall by ``minutes`` (negative: earlier)."""
    dh = float(minutes) / 60.0
    for ts in _gauge_series(net):
        dated = ~np.isnat(ts.date)
        t = ts.time_h + dh
        if dated.any():  # keep date + hours-since-midnight in range
            day = np.floor(t[dated] / 24.0)
            ts.date = ts.date.copy()
            ts.date[dated] = ts.date[dated] + day.astype(np.int64).astype("timedelta64[D]")
            t[dated] = t[dated] - 24.0 * day
        ts.time_h = t
    return net


def set_outfall_levels(net: Network, levels: dict) -> Network:
    """Outfall water levels.

    Parameters
    ----------
    levels : dict
        Outfall name -> a constant level [m, elevation] (FIXED outfall) or a pair
        ``(times_h, levels_m)`` (TIMESERIES outfall, hours after the start).
    """
    idx = net.nodes.index_of()
    lf = units.length_to_m("US" if net.unit_system == "US" else "SI")
    for name, lev in levels.items():
        i = idx.get(str(name))
        if i is None or net.nodes.kind[i] != NodeKind.OUTFALL:
            raise InputError(
                f"{name!r} is not an outfall of the network", field=f"outfall_level.{name}"
            )
        if np.ndim(lev) == 0:
            net.nodes.outfall_kind[i] = OutfallKind.FIXED
            net.nodes.outfall_stage_m[i] = float(lev)
            net.nodes.outfall_series[i] = ""
            continue
        t_h, z = (np.asarray(v, np.float64) for v in lev)
        if t_h.shape != z.shape or t_h.ndim != 1 or len(t_h) < 1 or np.any(np.diff(t_h) <= 0):
            raise InputError(
                "outfall level series needs increasing times and as many levels",
                field=f"outfall_level.{name}",
            )
        sname = f"LEVEL_{name}"
        net.timeseries[sname] = TimeSeries(
            sname, np.full(len(t_h), np.datetime64("NaT"), "datetime64[D]"), t_h, z / lf
        )
        net.nodes.outfall_kind[i] = OutfallKind.TIMESERIES
        net.nodes.outfall_series[i] = sname
    return net


def circle_segment_fraction(depth_frac):
    """Area of a circular segment of relative depth ``y/D`` as a fraction of the circle."""
    y = np.clip(np.asarray(depth_frac, np.float64), 0.0, 1.0)
    theta = 2.0 * np.arccos(1.0 - 2.0 * y)
    return (theta - np.sin(theta)) / (2.0 * np.pi)


def _depth_for_area_fraction(f: float) -> float:
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if circle_segment_fraction(mid) < f else (lo, mid)
    return 0.5 * (lo + hi)


def block_links(net: Network, fractions: dict) -> Network:
    """Block conduits by a fraction of their flow area (see the module docstring)."""
    idx = net.links.index_of()
    L = net.links
    for name, frac in fractions.items():
        j = idx.get(str(name))
        key = f"blockage.{name}"
        if j is None:
            raise InputError(f"no link named {name!r}", field=key)
        f = float(frac)
        if not 0.0 <= f <= MAX_BLOCKAGE:
            raise InputError(f"blockage must be in [0, {MAX_BLOCKAGE}], got {frac}", field=key)
        if L.kind[j] != LinkKind.CONDUIT:
            raise InputError(f"{name} is not a conduit", field=key)
        shape = Shape(int(L.shape[j]))
        g = L.geom[j]
        if shape == Shape.CIRCULAR:
            L.shape[j] = Shape.FILLED_CIRCULAR
            g[1] = _depth_for_area_fraction(f) * g[0]
        elif shape == Shape.FILLED_CIRCULAR:
            d = g[0]
            open_now = 1.0 - circle_segment_fraction(g[1] / d)
            g[1] = _depth_for_area_fraction(1.0 - open_now * (1.0 - f)) * d
        elif shape in LENGTH_GEOMS:
            for k in LENGTH_GEOMS[shape]:
                g[k] *= np.sqrt(1.0 - f)
            if shape in (Shape.HORIZ_ELLIPSE, Shape.VERT_ELLIPSE, Shape.ARCH):
                g[2] = 0.0  # a standard size code would override the scaled dimensions
        else:
            raise InputError(f"cannot block a {shape.name} cross section", field=key)
    return net


def set_initial_depths(net: Network, depths: dict) -> Network:
    """Initial water depth [m] of named junctions and storage units."""
    idx = net.nodes.index_of()
    for name, d in depths.items():
        i = idx.get(str(name))
        key = f"initial_depth_m.{name}"
        if i is None:
            raise InputError(f"no node named {name!r}", field=key)
        d = float(d)
        top = net.nodes.max_depth_m[i]
        if d < 0 or (top > 0 and d > top + net.nodes.surcharge_depth_m[i]):
            raise InputError(f"initial depth {d} m is outside [0, {top:g}] m", field=key)
        net.nodes.init_depth_m[i] = d
    return net


def set_window(net: Network, start: np.datetime64, end: np.datetime64) -> Network:
    """Simulation start and end ([OPTIONS] START/END/REPORT_START dates and times)."""
    start = np.datetime64(start, "s")
    end = np.datetime64(end, "s")
    if end <= start:
        raise InputError("simulation end must come after its start", field="simulation")
    for key, t in (("START", start), ("END", end), ("REPORT_START", start)):
        s = str(t)
        y, m, d = s[:10].split("-")
        net.options[f"{key}_DATE"] = f"{m}/{d}/{y}"
        net.options[f"{key}_TIME"] = s[11:19]
    return net
