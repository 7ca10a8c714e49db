"""[STREETS]: SWMM 5.2's street cross sections, read as ``street.c`` reads them.

::

    Name  Tcrown  Hcurb  Sx  nRoad  [a  W  Sides  Tback  Sback  nBack]

Tcrown the distance from the curb to the crown, Hcurb the curb height, Sx the road's
cross slope [%], nRoad its Manning's n, a the gutter depression and W its width, Sides
1 (half street) or 2, Tback the width of the street backing behind the curb, Sback its
slope [%] and nBack its n (needed when Tback > 0).  Lengths in the file's units.

Each street becomes the transect SWMM builds for it (``transect_createStreetTransect``):
backing top, curb top and bottom, gutter, crown (and the mirrored other half), with the
backing's n left and right of the curbs, as a
:class:`~twin.kernels.xsect.transect.TransectGeometry` in feet whose stations are used
as given (``walls=False``).  A STREET conduit is then routed as an IRREGULAR one with
these tables (SWMM's xsect.c treats the two alike) and the street's n.  A bad field is
an InputError naming file, line, section and field (SWMM's error codes).
"""

from __future__ import annotations

import numpy as np

from twin.kernels.xsect.transect import TransectGeometry
from twin.networks.inp_context import ReadContext, Row

FT = 0.3048
_FIELDS = ["Name", "Tcrown", "Hcurb", "Sx", "nRoad", "a", "W", "Sides", "Tback", "Sback",
           "nBack"]  # fmt: skip


def read_streets(ctx: ReadContext, sec) -> dict[str, TransectGeometry]:
    """The street sections of a [STREETS] section by name (case as declared), in feet."""
    out: dict[str, TransectGeometry] = {}
    lf = ctx.lf / FT  # file length unit -> ft
    for line in sec.lines if sec else []:
        row = Row(ctx, "STREETS", line, _FIELDS)
        row.need(5)
        name = row.name(0, "street")
        x = [0.0] * 11
        for k in range(1, 5):
            x[k] = row.num(k, positive=True)
        for k in (5, 6):
            x[k] = row.num(k, default=0.0, minimum=0.0)
        sides = row.integer(7, default=2, minimum=1, maximum=2) if row.has(7) else 2
        if row.has(8):
            x[8] = row.num(8, minimum=0.0)
            if x[8] > 0.0:
                row.need(11)
                x[9], x[10] = row.num(9, positive=True), row.num(10, positive=True)
        out[name] = street_transect(
            width=x[1] * lf, curb=x[2] * lf, slope=x[3] / 100.0, n_road=x[4],
            gutter_depression=x[5] * lf, gutter_width=x[6] * lf, sides=sides,
            back_width=x[8] * lf, back_slope=x[9] / 100.0, n_back=x[10],
        )  # fmt: skip
    return out


def street_transect(*, width, curb, slope, n_road, gutter_depression, gutter_width, sides,
                    back_width, back_slope, n_back) -> TransectGeometry:  # fmt: skip
    """SWMM's ``transect_createStreetTransect`` [ft]: the points of the street's outline
    and its Manning's n left, right and in the channel."""
    w1, w2, w3 = back_width, gutter_width, width
    w4 = w3 - w2
    y3 = gutter_depression + slope * w2
    y1 = curb + gutter_depression
    y4 = y3 + slope * w4
    ymax = max(back_slope * back_width + y1, y4)
    sta = [0.0, w1, w1, w1 + w2, w1 + w3]
    elev = [ymax, y1, 0.0, y3, y4]
    if sides == 1:
        sta.append(sta[4])
        elev.append(ymax)
    else:
        sta += [sta[4] + w4, sta[4] + w4 + w2, sta[4] + w4 + w2, sta[4] + w4 + w2 + w1]
        elev += [y3, 0.0, y1, ymax]
    n_sta = len(sta) - 1  # SWMM's Nstations (points 0..Nstations)
    if back_width == 0.0:
        n_left = n_right = n_road
        x_left, x_right = sta[0], sta[n_sta]
    else:
        n_left = n_right = n_back
        x_left = sta[1]
        x_right = sta[n_sta - 1] if sides == 2 else sta[n_sta]
    return TransectGeometry(np.array(sta), np.array(elev), n_left, n_right, n_road, x_left,
                            x_right, 1.0, walls=False)  # fmt: skip
