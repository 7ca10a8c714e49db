"""[TRANSECTS]: HEC-2 style cross sections of natural channels, read as SWMM 5.2 reads them.

Three kinds of line (``transect.c``'s ``transect_readParams``)::

    NC  nLeft  nRight  nChannel                 Manning's n (0 keeps the previous value)
    X1  Name  nSta  xLeftBank  xRightBank  0  0  lFactor  xFactor  yFactor
    GR  Elevation  Station  [Elevation  Station ...]

An NC line's n values carry over to the transects after it until another NC line sets
them; an overbank n of 0 takes the channel's.  X1 starts a transect: the stations where
the left overbank ends and the right one begins, the meander factor (main channel length
/ flood plain length, 0 = 1), a factor on every station and an offset added to every
elevation.  GR lines give (elevation, station) pairs, stations not decreasing.  Lengths
are in the file's units; :func:`read_transects` returns them in feet (SWMM's internal
units) as :class:`~twin.kernels.xsect.transect.TransectGeometry`.  A bad field is an
InputError naming file, line, section and field (SWMM's error codes).
"""

from __future__ import annotations

import numpy as np

from twin.kernels.xsect.transect import TransectGeometry
from twin.networks.inp_context import ReadContext, Row

FT = 0.3048
MAX_STATIONS = 1500  # SWMM's MAXSTATION
_X1_FIELDS = ["X1", "Name", "Stations", "LeftBank", "RightBank", "item 6", "item 7",
              "Meander", "StationFactor", "ElevationOffset"]  # fmt: skip


def read_transects(ctx: ReadContext, sec) -> dict[str, TransectGeometry | None]:
    """The transects of a [TRANSECTS] section by name (case as declared), in feet; None
    for one followed directly by another X1 line (SWMM never builds its tables)."""
    out: dict[str, TransectGeometry] = {}
    n = [0.0, 0.0, 0.0]  # left, right, channel: carried over from line to line
    current = None  # [name, x1 row, xleft, xright, lfactor, xfactor, yoffset, sta, elev]
    lf = ctx.lf / FT  # file length unit -> ft
    for line in sec.lines if sec else []:
        key = line.tokens[0].upper()
        if key == "NC":
            row = Row(ctx, "TRANSECTS", line, ["NC", "LeftN", "RightN", "ChannelN"])
            _finish(ctx, current, n, out)
            current = None
            row.need(4)
            vals = [row.num(i, minimum=0.0) for i in (1, 2, 3)]
            for k in range(3):
                if vals[k] > 0.0:
                    n[k] = vals[k]
            if n[0] == 0.0:
                n[0] = n[2]
            if n[1] == 0.0:
                n[1] = n[2]
        elif key == "X1":
            row = Row(ctx, "TRANSECTS", line, _X1_FIELDS)
            if current is not None:  # SWMM builds a transect's tables only at the next NC
                out[current[0]] = None  # line or the section's end: this one has none
            row.need(10)
            x = [row.num(i) for i in range(2, 10)]
            lfactor = x[5] if x[5] != 0.0 else 1.0
            xfactor = x[6] if x[6] != 0.0 else 1.0
            current = [ctx.canonical("transect", row.tok(1)), row, x[1] * lf * xfactor,
                       x[2] * lf * xfactor, lfactor, xfactor, x[7] * lf, [], []]  # fmt: skip
        elif key == "GR":
            row = Row(ctx, "TRANSECTS", line, ["GR"] + ["Elevation", "Station"] * 1000)
            if current is None:
                row.fail(0, "GR line before any X1 line", 219)
            if (len(row) - 1) % 2:
                row.fail(len(row), "expected (elevation, station) pairs", 203)
            for i in range(1, len(row), 2):
                elev, sta = row.num(i), row.num(i + 1)
                stations = current[7]
                if len(stations) + 1 >= MAX_STATIONS:
                    continue  # SWMM ignores them and reports the transect (error 220)
                s = sta * current[5] * lf
                if stations and s < stations[-1]:
                    row.fail(i + 1, f"station {sta:g} is left of the one before", 221)
                stations.append(s)
                current[8].append(elev * lf + current[6])
        else:
            Row(ctx, "TRANSECTS", line, ["Keyword"]).fail(0, f"unknown keyword {key!r}", 201)
    _finish(ctx, current, n, out)
    return out


def _finish(ctx: ReadContext, current, n, out: dict) -> None:
    """Check the transect just read (SWMM's transect_validate) and keep it."""
    if current is None:
        return
    name, row, x_left, x_right, lfactor, _, _, sta, elev = current
    checks = (
        (len(sta) >= 2, "needs at least two stations", 223),
        (n[2] > 0.0, "needs the main channel's Manning's n > 0 (an NC line)", 227),
        (x_left <= x_right, "left overbank station lies right of the right one", 229),
        (len(sta) < 2 or min(elev) < max(elev), "needs stations at different elevations", 231),
    )  # SWMM's order and error codes
    for ok, message, code in checks:
        if not ok:
            row.fail(1, f"transect {name} {message}", code)
    out[name] = TransectGeometry(np.array(sta), np.array(elev), n[0], n[1], n[2], x_left,
                                 x_right, lfactor)  # fmt: skip
