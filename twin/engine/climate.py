"""Daily evaporation from a climate file (SWMM 5.2 ``climate.c``): [EVAPORATION] FILE, TEMPERATURE.

``[TEMPERATURE] FILE name [start] [C10|C|F]`` names a climate file of daily values;
``[EVAPORATION] FILE [pan coefficients x 12]`` takes each day's pan evaporation from it
(times the month's pan coefficient), ``[EVAPORATION] TEMPERATURE`` computes it by
Hargreaves' method from the day's minimum and maximum temperatures: their 7-day moving
averages of mean and range, the day of the year and the latitude (the fifth number of the
``[TEMPERATURE] SNOWMELT`` line; SWMM's default 40 degrees).  [ADJUSTMENTS] TEMPERATURE
is added to the day's temperatures, [ADJUSTMENTS] EVAPORATION to the rate.  A day's value
missing from the file keeps the last one (at the start: 70 F, no evaporation).

The file is read as SWMM reads it: the user-prepared format (``station year month day
Tmax Tmin Evap Wind``, ``*`` missing, temperatures in F or, in an SI model, C) and NCDC's
GHCN-Daily text format (columns found by their header; temperatures in tenths of C, C
or F as the FILE line's units say, by default F in US models and C in SI ones).  The
older NCDC formats TD-3200 and DLY02/DLY04 are refused by name.  SWMM reads the file
from the month of the start date (or of ``start``) on, one day per simulated day.
Results: each simulated day's start [s after the start] and rate [ft/s].
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from twin.errors import InputError

MM_PER_INCH = 25.4
EVAP_FPS_PER_UNIT = {"US": 1.0 / 1036800.0, "SI": 1.0 / 26334720.0}  # in/day, mm/day -> ft/s
TMIN, TMAX, EVAP, WIND = range(4)
_NUM = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def temperature_lines(net) -> dict[str, list[str]]:
    """The [TEMPERATURE] lines by keyword (upper case), as token lists."""
    out = {}
    for raw in (net.sections or {}).get("TEMPERATURE", []):
        line = raw.split(";", 1)[0].strip()
        if not line or line.startswith("["):
            continue
        toks = line.split()
        out[toks[0].upper()] = toks
    return out


def daily_evaporation(net, opts, kind: str, pan: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each simulated day's start [s] and evaporation rate [ft/s] for ``kind`` "FILE"
    (``pan`` the 12 monthly pan coefficients) or "TEMPERATURE" (Hargreaves)."""
    temp = temperature_lines(net)
    if "FILE" not in temp or len(temp["FILE"]) < 2:
        raise InputError(f"[EVAPORATION] {kind} needs a climate file ([TEMPERATURE] FILE): "
                         "SWMM's error 'no climate file was specified'",
                         section="EVAPORATION", field=kind)  # fmt: skip
    toks = temp["FILE"]
    si = net.unit_system != "US"
    path = Path(toks[1].strip('"'))
    if not path.is_absolute() and net.source:
        path = Path(net.source).parent / path
    units = 1 if si else 2  # C10, C, F: SWMM's default C in SI models, F in US ones
    if len(toks) > 3:
        words = ("C10", "C", "F")
        hit = [i for i, w in enumerate(words) if toks[3].upper().startswith(w)]
        if not hit:
            raise InputError(f"unknown temperature units {toks[3]!r} (C10, C or F)",
                             section="TEMPERATURE", field="FILE")  # fmt: skip
        units = hit[0]
    file_start = None
    if len(toks) > 2 and not toks[2].startswith("*"):
        file_start = _date(toks[2])
    data = read_climate_file(path, si, units)
    start = opts.start.astype("datetime64[s]")
    day0 = start.astype("datetime64[D]")
    n_days = int((opts.end.astype("datetime64[D]") - day0) / np.timedelta64(1, "D")) + 1
    f0 = file_start if file_start is not None else day0
    first = f0.astype(object)
    if not any((y, m) == (first.year, first.month) for (y, m, _d) in data):
        raise InputError(f"climate file {path} has no data for {first.year}-{first.month:02d} "
                         "(SWMM's error: end of climate file reached)",
                         section="TEMPERATURE", field="FILE")  # fmt: skip
    adj = getattr(net, "adjustments", None)
    adj_temp = np.zeros(12) if adj is None else np.asarray(adj.temperature, np.float64)
    adj_evap = np.zeros(12) if adj is None else np.asarray(adj.evaporation, np.float64)
    if si:
        adj_temp = adj_temp * 9.0 / 5.0
    lat = 40.0
    snow = temp.get("SNOWMELT")
    if snow is not None and len(snow) > 5:
        lat = float(snow[5])
    f = EVAP_FPS_PER_UNIT["SI" if si else "US"]
    value = [70.0, 70.0, 0.0, 0.0]
    window = _MovingAverage()
    times, rates = [], []
    for k in range(n_days):
        day = (day0 + k).astype(object)
        fday = (f0 + k).astype(object)
        got = data.get((fday.year, fday.month, fday.day))
        if got is not None:
            value = [v if g is None else g for v, g in zip(value, got, strict=True)]
        mon = day.month - 1
        if kind == "FILE":
            e = value[EVAP] * pan[mon]
        else:
            tmin, tmax = value[TMIN] + adj_temp[mon], value[TMAX] + adj_temp[mon]
            if tmin > tmax:
                tmin, tmax = tmax, tmin
            window.add(tmin, tmax)
            doy = day.timetuple().tm_yday
            e = hargreaves(doy, window.t_ave, window.t_rng, lat, si)
        t = 0.0 if k == 0 else float((day0 + k - start) / np.timedelta64(1, "s"))
        times.append(t)
        rates.append((e + adj_evap[mon]) * f)
    return np.asarray(times), np.asarray(rates)


def hargreaves(day: int, tave_f: float, trng_f: float, lat_deg: float, si: bool) -> float:
    """SWMM's getTempEvap: Hargreaves evaporation [in/day, or mm/day when ``si``] on day
    of year ``day`` from the 7-day mean temperature and range [deg F]."""
    a = 2.0 * math.pi / 365.0
    ta = (tave_f - 32.0) * 5.0 / 9.0
    tr = trng_f * 5.0 / 9.0
    lamda = 2.50 - 0.002361 * ta
    dr = 1.0 + 0.033 * math.cos(a * day)
    phi = lat_deg * 2.0 * math.pi / 360.0
    dl = 0.4093 * math.sin(a * (284.0 + day))
    omega = math.acos(-math.tan(phi) * math.tan(dl))
    ra = 37.6 * dr * (omega * math.sin(phi) * math.sin(dl)
                      + math.cos(phi) * math.cos(dl) * math.sin(omega))  # fmt: skip
    e = 0.0023 * ra / lamda * math.sqrt(tr) * (ta + 17.8)
    e = max(e, 0.0)
    return e if si else e / MM_PER_INCH


class _MovingAverage:
    """SWMM's updateTempMoveAve: 7-day moving averages of daily mean and range [F]."""

    def __init__(self):
        self.ta = [0.0] * 7
        self.tr = [0.0] * 7
        self.count = 0
        self.front = 0
        self.t_ave = 0.0
        self.t_rng = 0.0

    def add(self, tmin: float, tmax: float) -> None:
        ta, tr = (tmin + tmax) / 2.0, abs(tmax - tmin)
        count = float(self.count)
        if self.count == 7:
            self.t_ave = (self.t_ave * count + ta - self.ta[self.front]) / count
            self.t_rng = (self.t_rng * count + tr - self.tr[self.front]) / count
            self.ta[self.front], self.tr[self.front] = ta, tr
            self.front = (self.front + 1) % 7
        else:
            self.t_ave = (self.t_ave * count + ta) / (count + 1)
            self.t_rng = (self.t_rng * count + tr) / (count + 1)
            self.ta[self.front], self.tr[self.front] = ta, tr
            self.count += 1
            self.front += 1
            if self.count == 7:
                self.front = 0


def read_climate_file(path: Path, si: bool, units: int) -> dict:
    """Daily (Tmin, Tmax, Evap, Wind) by (year, month, day), None where missing;
    temperatures deg F, evaporation in/day (mm/day when ``si``)."""
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError as exc:
        raise InputError(f"cannot open climate file {path}: {exc.strerror}",
                         section="TEMPERATURE", field="FILE") from None  # fmt: skip
    if not lines:
        raise InputError(f"climate file {path} is empty", section="TEMPERATURE", field="FILE")
    first = lines[0]
    fmt = _format(first)
    if fmt in ("TD3200", "DLY0204"):
        raise InputError(f"climate file {path} is in NCDC's {fmt} format, which twin does not "
                         "read (use the user-prepared or the GHCN-Daily format)",
                         section="TEMPERATURE", field="FILE")  # fmt: skip
    if fmt is None:
        raise InputError(f"climate file {path}: unknown format (SWMM's error reading the "
                         "climate file)", section="TEMPERATURE", field="FILE")  # fmt: skip
    if fmt == "USER":
        return _user_values(lines, si)
    return _ghcnd_values(lines, first, si, units)


def _format(line: str) -> str | None:
    if line[:3] == "DLY" and line[23:27] == "9999":
        return "TD3200"
    if len(line.rstrip("\n")) + 1 >= 233 and _leading_int(line[13:16]) in (1, 2, 151):
        return "DLY0204"
    toks = line.split()
    if len(toks) >= 5 and all(_leading_int(t) is not None for t in toks[1:4]):
        return "USER"
    if "DATE" in line and any(w in line for w in ("TMIN", "TMAX", "EVAP", "WDMV", "AWND")):
        return "GHCND"
    return None


def _leading_int(s: str):
    m = re.match(r"\s*[+-]?\d+", s)
    return int(m.group()) if m else None


def _user_values(lines, si: bool) -> dict:
    out = {}
    for line in lines:
        toks = line.split()
        if len(toks) < 4:
            continue
        y, m, d = (_leading_int(t) for t in toks[1:4])
        if None in (y, m, d) or not 1 <= d <= 31:
            continue
        vals: list = [None, None, None, None]
        for i, var in enumerate((TMAX, TMIN, EVAP, WIND)):
            s = toks[4 + i] if len(toks) > 4 + i else ""
            if s and not s.startswith("*"):
                x = _atof(s)
                if var in (TMAX, TMIN) and si:
                    x = 9.0 / 5.0 * x + 32.0
                vals[var] = x
        old = out.get((y, m, d), [None] * 4)
        out[(y, m, d)] = [v if v is not None else o for v, o in zip(vals, old, strict=True)]
    return out


def _atof(s: str) -> float:
    m = _NUM.match(s.strip())
    return float(m.group()) if m else 0.0


def _ghcnd_values(lines, header: str, si: bool, units: int) -> dict:
    date_pos = header.find("DATE")
    pos = [header.find(w) for w in ("TMIN", "TMAX", "EVAP")]
    wind_type = "WDMV"
    wpos = header.find("WDMV")
    if wpos < 0:
        wind_type, wpos = "AWND", header.find("AWND")
    pos.append(wpos)
    out = {}
    for line in lines:
        date = line[date_pos : date_pos + 8]
        if len(date) < 8 or not date.isdigit():
            continue
        y, m, d = int(date[:4]), int(date[4:6]), int(date[6:8])
        if not 1 <= d <= 31:
            continue
        vals = out.setdefault((y, m, d), [None] * 4)
        for var, p in enumerate(pos):
            if p < 0:
                continue
            field = line[p:].lstrip()[:8]
            mt = _NUM.match(field)
            if mt is None:
                continue
            v = float(mt.group())
            if abs(v) < 9999.0:
                vals[var] = _ghcnd_convert(var, v, si, units, wind_type)
    return out


def _ghcnd_convert(var: int, v: float, si: bool, units: int, wind_type: str) -> float:
    """SWMM's convertGhcndValue (``units``: 0 tenths of C, 1 C, 2 F)."""
    if var in (TMIN, TMAX):
        return (v / 10.0 * 9.0 / 5.0 + 32.0, v * 9.0 / 5.0 + 32.0, v)[units]
    if var == EVAP:
        if units == 0:
            v /= 10.0
        if units in (0, 1):
            return v if si else v / MM_PER_INCH
        return v * MM_PER_INCH if si else v
    if units in (0, 1):
        per = 10.0 if units == 0 else 1.0
        return v * 0.62137 / 24.0 if wind_type == "WDMV" else v / per / 1000.0 * 0.62137 * 3600.0
    return v / 24.0 if wind_type == "WDMV" else v


def _date(tok: str):
    """A [TEMPERATURE] FILE start date (SWMM's datetime_strToDate: M/D/Y or Y-M-D)."""
    s = tok.strip()
    try:
        if "/" in s:
            mo, da, yr = (int(x) for x in s.split("/"))
        else:
            yr, mo, da = (int(x) for x in s.split("-"))
        return np.datetime64(f"{yr:04d}-{mo:02d}-{da:02d}", "D")
    except ValueError:
        raise InputError(f"bad climate file start date {tok!r}", section="TEMPERATURE",
                         field="FILE") from None  # fmt: skip
