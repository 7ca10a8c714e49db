"""Rain gauges as SWMM 5.2 reads them: a step function of rainfall per gauge.

A gauge record is a list of readings; each starts a recording interval of
``interval_s`` seconds during which the rate is constant (SWMM's step-function
semantics).  INTENSITY readings are rates, VOLUME readings depths per interval,
CUMULATIVE readings running totals (a drop restarts the total).  Readings of zero
after the first are skipped, as SWMM skips them to tell wet from dry periods, so the
rate is zero between an interval's end and the next non-zero reading.

:class:`GaugeRainfall` evaluates every gauge at a simulation time (rates in the
network's rainfall units, in/h or mm/h, and in ft/s for the kernels) and gives the
next time a gauge's rate changes, which SWMM uses to cap the runoff step.

Sources: TIMESERIES gauges (the Network's time series, or an external time series
file) and FILE gauges in SWMM's standard user-prepared format
``STA YYYY MM DD HH MM value`` (one reading a line, header lines skipped).
"""

from __future__ import annotations

import bisect
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.networks.datetimes import parse_date, parse_time

RAINFALL_FPS_PER_UNIT = {"US": 1.0 / 43200.0, "SI": 1.0 / 1097280.0}  # in/h, mm/h -> ft/s
MM_PER_IN = 25.4
_FORMS = ("INTENSITY", "VOLUME", "CUMULATIVE")


class GaugeRainfall:
    """Rainfall of every gauge of a network as step functions of time.

    Parameters
    ----------
    net : Network
    opts : SimOptions
        Supplies the start and end of the simulation and ``ignore_rainfall``.
    used : (n_gages,) bool, optional
        Gauges that some subcatchment uses (SWMM evaluates only those); all by default.
    init_rain_factor : float
        [ADJUSTMENTS] RAINFALL factor in effect when SWMM reads the gauges' first
        readings (1, or the one its RDII pass left: :func:`rain_factors`).

    Attributes
    ----------
    times_s, rates : list of (k,) float64
        Per gauge: the times [s after the start] where the rate may change and the
        rate [in/h or mm/h] from each such time on (zero before the first).
    interval_s : (n_gages,) float64
        Recording interval of each gauge (SWMM lowers the wet step to the smallest
        interval of the time-series gauges in use: ``min_series_interval_s``).
    override_times_s, override_rates : list of list of float
        Per gauge: live rainfall set while the run is under way (:meth:`set_override`):
        from each time on the rate [in/h or mm/h] replaces the gauge's record; NaN
        gives the record back.
    """

    def __init__(self, net, opts, used=None, init_rain_factor: float = 1.0):
        g = net.raingages
        n = len(g)
        self.unit_system = net.unit_system
        self.to_fps = RAINFALL_FPS_PER_UNIT["US" if net.unit_system == "US" else "SI"]
        self.used = np.ones(n, bool) if used is None else np.asarray(used, bool)
        self.interval_s = np.asarray(g.interval_s, np.float64).copy()
        self.times_s: list[np.ndarray] = []
        self.rates: list[np.ndarray] = []
        self.min_series_interval_s = np.inf
        first_user: dict[str, int] = {}
        base = Path(net.source).parent if net.source else Path.cwd()
        for j in range(n):
            form = str(g.form[j]).upper()
            if form not in _FORMS:
                raise InputError(f"unknown rain format {g.form[j]!r}", section="RAINGAGES")
            is_file = str(g.source[j]).upper() == "FILE"
            if opts.ignore_rainfall and is_file:  # SWMM does not open rain files then
                self._append(np.zeros(0), np.zeros(0))
                continue
            if is_file:
                entries = _file_readings(net, g, j, opts, base)
            else:
                name = str(g.series[j])
                if self.used[j] and name in first_user:  # co-gauge: same series as before
                    k = first_user[name]
                    self._append(self.times_s[k], self.rates[k])
                    continue
                entries = _series_readings(net, name, form, g.interval_s[j], opts, base)
                if self.used[j]:
                    first_user[name] = j
                    _check_interval(entries, g.interval_s[j], str(g.name[j]))
                    self.min_series_interval_s = min(self.min_series_interval_s, g.interval_s[j])
            adjust = getattr(net, "adjustments", None)
            if adjust is not None and (adjust.rainfall != 1.0).any():
                entries = rain_factors(entries, adjust.rainfall, opts.start, init_rain_factor)
            times, rates = _step_function(entries, float(self.interval_s[j]))
            if not self.used[j]:
                # SWMM never updates an unused gauge: it keeps its first reading
                first = entries[0][1] if len(entries) and entries[0][0] <= 0.0 else 0.0
                times, rates = np.zeros(1), np.array([first])
            if opts.ignore_rainfall:
                times, rates = np.zeros(0), np.zeros(0)
            self._append(times, rates)
        self.override_times_s: list[list[float]] = [[] for _ in range(n)]
        self.override_rates: list[list[float]] = [[] for _ in range(n)]

    def set_override(self, gauge: int, rate: float, from_s: float) -> None:
        """From ``from_s`` [s after the start] on, gauge ``gauge`` reads ``rate``
        [in/h or mm/h] instead of its record (NaN: its record again).

        Overrides set earlier for times at or after ``from_s`` are dropped.
        """
        ts, rs = self.override_times_s[gauge], self.override_rates[gauge]
        k = bisect.bisect_left(ts, from_s)
        del ts[k:], rs[k:]
        ts.append(float(from_s))
        rs.append(float(rate))

    def _override_at(self, j: int, t_s: float) -> float:
        """Override rate of gauge ``j`` just after ``t_s``, NaN when its record applies."""
        k = bisect.bisect_right(self.override_times_s[j], t_s) - 1
        return self.override_rates[j][k] if k >= 0 else np.nan

    def _append(self, times, rates):
        self.times_s.append(np.asarray(times, np.float64))
        self.rates.append(np.asarray(rates, np.float64))

    @property
    def n_gages(self) -> int:
        return len(self.rates)

    def rate_at(self, t_s: float, out: np.ndarray | None = None) -> np.ndarray:
        """Rate of every gauge just after time ``t_s`` [in/h or mm/h], (n_gages,)."""
        out = np.zeros(self.n_gages) if out is None else out
        for j in range(self.n_gages):
            k = np.searchsorted(self.times_s[j], t_s, side="right") - 1
            out[j] = self.rates[j][k] if k >= 0 else 0.0
            if self.override_times_s[j]:
                r = self._override_at(j, t_s)
                if r == r:
                    out[j] = r
        return out

    def rate_fps_at(self, t_s: float, out: np.ndarray | None = None) -> np.ndarray:
        """Rate of every gauge just after ``t_s`` in ft/s (the kernels' unit)."""
        out = self.rate_at(t_s, out)
        out *= self.to_fps
        return out

    def next_change_s(self, t_s: float) -> float:
        """Earliest time after ``t_s`` where a used gauge's rate may change (inf if none)."""
        best = np.inf
        for j in range(self.n_gages):
            if not self.used[j]:
                continue
            ov = self.override_times_s[j]
            if ov:
                k = bisect.bisect_right(ov, t_s)
                if k < len(ov):
                    best = min(best, ov[k])
                r = self.override_rates[j][k - 1] if k > 0 else np.nan
                if r == r:  # the record is overridden until the next override time
                    continue
            tj = self.times_s[j]
            k = np.searchsorted(tj, t_s, side="right")
            if k < len(tj):
                best = min(best, float(tj[k]))
        return best


def rain_factors(entries, monthly, start, init_factor):
    """Readings times [ADJUSTMENTS] RAINFALL's monthly factors, as SWMM applies them.

    SWMM multiplies a reading when it reads it ahead (``gage.c``'s ``convertRainfall``):
    the first one (two, if the record starts at or before the simulation start) when the
    gauge is opened, with ``init_factor``; every later non-zero reading when the one
    before it becomes current, with the factor of that month (the runoff step starts
    there).
    """
    nonzero = [0] + [i for i in range(1, len(entries)) if entries[i][1] != 0.0]
    n_init = 1 if entries and entries[0][0] > 0.0 else 2
    out = list(entries)
    for k, i in enumerate(nonzero):
        if k < n_init:
            f = init_factor
        else:
            t_prev = max(entries[nonzero[k - 1]][0], 0.0)
            f = monthly[month_at(start, t_prev)]
        out[i] = (entries[i][0], entries[i][1] * f)
    return out


def month_at(start, t_s: float) -> int:
    """Month index 0..11 of the date ``t_s`` seconds after ``start`` (datetime64)."""
    d = start + np.timedelta64(int(round(t_s)), "s")
    return int(d.astype("datetime64[M]").astype(np.int64) % 12)


def _step_function(entries, interval_s):
    """Emulate SWMM's gauge record marching -> (change times, rate from each time on)."""
    if not entries:
        return np.zeros(0), np.zeros(0)
    seq = [entries[0]] + [e for e in entries[1:] if e[1] != 0.0]
    if seq[0][0] > 0.0:  # record starts after the simulation start
        cur = (0.0, seq[0][0], 0.0)
        nxt = 0
    else:
        cur = (seq[0][0], seq[0][0] + interval_s, seq[0][1])
        nxt = 1
    marks = {0.0}
    for s, _ in seq:
        marks.add(s)
        marks.add(s + interval_s)
    times = np.array(sorted(m for m in marks if m >= 0.0))
    rates = np.zeros(len(times))
    for i, t in enumerate(times):
        while True:
            s, e, r = cur
            if t < s:
                val = 0.0
                break
            if t < e:
                val = r
                break
            if nxt >= len(seq) or t < seq[nxt][0]:
                val = 0.0
                break
            ns, nr = seq[nxt]
            cur = (ns, ns + interval_s, nr)
            nxt += 1
        rates[i] = val
    return times, rates


def _check_interval(entries, interval_s, gage):
    if len(entries) < 2:
        return
    dt = np.diff([e[0] for e in entries])
    dt = dt[dt > 0]
    if len(dt) and interval_s > dt.min():
        raise InputError(
            f"rain gage {gage}: recording interval {interval_s:g} s is greater than the "
            f"time series interval {dt.min():g} s",
            section="RAINGAGES",
            field="Interval",
        )


def _series_readings(net, name, form, interval_s, opts, base):
    """Readings (seconds after the start, rate in user units/h) of a time series gauge."""
    ts = net.timeseries.get(name)
    if ts is None:
        raise InputError(f"unknown time series {name!r}", section="RAINGAGES", field="Series")
    if ts.file:
        times, values = _read_series_file(base / ts.file, opts, name)
    else:
        times = _series_seconds(ts, opts)
        values = np.asarray(ts.value, np.float64)
    out = []
    accum = 0.0
    for t, v in zip(times, values, strict=True):
        if form == "INTENSITY":
            r = v
        elif form == "VOLUME":
            r = v / interval_s * 3600.0
        else:  # CUMULATIVE: a drop restarts the running total
            r = (v if v < accum else v - accum) / interval_s * 3600.0
            accum = v
        out.append((float(t), float(r)))
    return out


def _series_seconds(ts, opts):
    start = opts.start.astype("datetime64[s]")
    hours = np.asarray(ts.time_h, np.float64)
    secs = np.round(hours * 3600.0)
    dates = np.asarray(ts.date, "datetime64[D]")
    rel = np.isnat(dates)
    off = np.zeros(len(secs))
    if (~rel).any():
        d = dates[~rel].astype("datetime64[s]")
        off[~rel] = (d - start) / np.timedelta64(1, "s")
    return secs + off


def _read_series_file(path, opts, name):
    """An external time series file: ``[date] time value`` lines, ``;`` comments (read
    line by line; a regular file within the size limit, :mod:`twin.files`)."""
    from twin.files import input_lines

    with input_lines(path, what="time series file", section="TIMESERIES", field=name) as lines:
        return _series_file_lines(lines, path, opts, name)


def _series_file_lines(lines, path, opts, name):
    start = opts.start.astype("datetime64[s]")
    times, values = [], []
    last_day = None
    for no, raw in enumerate(lines, 1):
        toks = raw.split(";")[0].split()
        if not toks:
            continue
        day = parse_date(toks[0]) if len(toks) >= 3 else None
        if day is not None:
            last_day = day
            toks = toks[1:]
        t = parse_time(toks[0]) if len(toks) >= 2 else None
        try:
            v = float(toks[1]) if t is not None else None
        except ValueError:
            v = None
        if t is None or v is None:
            raise InputError(f"time series {name}: expected [date] time value", file=path, line=no)
        off = (
            0.0
            if last_day is None
            else float((last_day.astype("datetime64[s]") - start) / np.timedelta64(1, "s"))
        )
        times.append(round(off + t))
        values.append(v)
    return np.array(times, np.float64), np.array(values, np.float64)


def _file_readings(net, g, j, opts, base):
    """Readings of a FILE gauge in SWMM's standard format, as SWMM's rain interface does.

    Depths go through single precision inches as in SWMM's binary rain file.
    """
    from twin.files import input_lines

    path = Path(str(g.file[j]))
    if not path.is_absolute():
        path = base / path
    with input_lines(path, what="rain file", section="RAINGAGES", field=str(g.name[j])) as lines:
        return _gauge_file_lines(lines, path, net, g, j, opts)


def _gauge_file_lines(lines, path, net, g, j, opts):
    """The readings of gauge ``j`` from the lines of its rain file."""
    station = str(g.station[j]).upper()
    form = str(g.form[j]).upper()
    interval = int(g.interval_s[j])
    to_in = np.float32(1.0 / MM_PER_IN) if str(g.file_units[j]).upper() == "MM" else None
    first_day = None
    fs = getattr(g, "file_start", None)
    if fs is not None and str(fs[j]):
        first_day = parse_date(str(fs[j]))
    start = opts.start.astype("datetime64[s]")
    out = []
    accum = np.float32(0.0)
    prev = None
    found = False
    for no, raw in enumerate(lines, 1):
        rec = _std_line(raw)
        if rec is None:
            continue  # header or blank line
        sta, yr, mo, dy, hh, mi, x = rec
        found = True
        if sta.upper() != station:
            continue
        try:
            day = np.datetime64(f"{yr:04d}-{mo:02d}-{dy:02d}", "D")
        except ValueError:
            raise InputError("bad date in rain file", file=path, line=no) from None
        if first_day is not None and day < first_day:
            continue
        t = float((day.astype("datetime64[s]") - start) / np.timedelta64(1, "s"))
        t += 3600 * hh + 60 * mi
        if prev is not None and t <= prev:
            raise InputError("rain file readings out of sequence", file=path, line=no)
        prev = t
        if form == "INTENSITY":
            x = np.float32(x * np.float32(interval) / np.float32(3600.0))
        elif form == "CUMULATIVE":
            if x >= accum:
                x = np.float32(x - accum)
                accum = np.float32(accum + x)
            else:
                accum = x
        if to_in is not None:
            x = np.float32(x * to_in)
        depth_user = float(x) * (MM_PER_IN if net.unit_system != "US" else 1.0)
        out.append((t, depth_user / interval * 3600.0))
    if not found:
        raise InputError(
            "rain file is not in SWMM's standard format (STA YYYY MM DD HH MM value)",
            file=path,
            section="RAINGAGES",
        )
    return out


def _std_line(raw):
    toks = raw.split()
    if len(toks) < 7:
        return None
    try:
        ints = [int(t) for t in toks[1:6]]
        val = np.float32(float(toks[6]))
    except ValueError:
        return None
    return (toks[0], *ints, val)
