"""[ADJUSTMENTS]: SWMM 5.2's monthly climate adjustments, read as ``climate.c`` reads them.

::

    TEMPERATURE   v1 ... v12      added to air temperature (deg F or C)
    EVAPORATION   v1 ... v12      added to the evaporation rate (in/day or mm/day)
    RAINFALL      v1 ... v12      multiplies every rain gauge's rate
    CONDUCTIVITY  v1 ... v12      multiplies hydraulic conductivities (<= 0 means 1)
    N-PERV | DSTORE | INFIL  Subcatchment  Pattern    per-subcatchment monthly patterns

Keywords match by prefix as SWMM's (``TEMP``, ``EVAP``, ``RAIN``, ``CONDUCT``).  The
engine applies them all but TEMPERATURE (only snowmelt and temperature-based
evaporation use it, which twin does not model): CONDUCTIVITY on infiltration
(``monthly_factors``) and on storage and conduit seepage (``routing_losses``).  A bad
field is an InputError naming file, line, section and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.networks.inp_context import ReadContext, Row

_MONTH_FIELDS = ["Keyword"] + [f"month {i}" for i in range(1, 13)]


def _ones() -> np.ndarray:
    return np.ones(12)


def _zeros() -> np.ndarray:
    return np.zeros(12)


@dataclass(eq=False)
class Adjustments:
    """Monthly adjustments (index 0 = January), in the file's units.

    Attributes
    ----------
    temperature, evaporation : (12,) float64
        Added to the air temperature and to the evaporation rate (in/day or mm/day).
    rainfall, conductivity : (12,) float64
        Factors on rain rates and on hydraulic conductivities.
    patterns : list of (keyword, subcatchment id, pattern name)
        N-PERV, DSTORE and INFIL lines.
    """

    temperature: np.ndarray = field(default_factory=_zeros)
    evaporation: np.ndarray = field(default_factory=_zeros)
    rainfall: np.ndarray = field(default_factory=_ones)
    conductivity: np.ndarray = field(default_factory=_ones)
    patterns: list = field(default_factory=list)


def read_adjustments(ctx: ReadContext, sec, after_subcatchments: bool = True) -> Adjustments:
    """The [ADJUSTMENTS] of a file (defaults: no adjustment).

    SWMM resets a subcatchment's N-PERV, DSTORE and INFIL patterns when it reads the
    subcatchment's [SUBCATCHMENTS] line (``subcatch_readParams``): pattern lines in an
    [ADJUSTMENTS] section that comes before [SUBCATCHMENTS] in the file (where SWMM's
    own editor writes it) have no effect.  They are checked, then left out
    (``after_subcatchments`` False), with a note.
    """
    adj = Adjustments()
    for line in sec.lines if sec else []:
        toks = line.tokens
        if len(toks) == 1:
            continue  # SWMM skips a keyword alone
        key = toks[0].upper()
        monthly = {"TEMP": "temperature", "EVAP": "evaporation", "RAIN": "rainfall",
                   "CONDUCT": "conductivity"}  # fmt: skip
        name = next((v for k, v in monthly.items() if key.startswith(k)), None)
        if name is not None:
            row = Row(ctx, "ADJUSTMENTS", line, _MONTH_FIELDS)
            row.need(13)
            vals = np.array([row.num(i) for i in range(1, 13)])
            if name == "conductivity":
                vals[vals <= 0.0] = 1.0
            setattr(adj, name, vals)
        elif key in ("N-PERV", "DSTORE") or key.startswith("INFIL"):
            row = Row(ctx, "ADJUSTMENTS", line, ["Keyword", "Subcatchment", "Pattern"])
            row.need(3)
            j = row.ref(1, "subcatchment")
            row.ref(2, "pattern")
            if after_subcatchments:
                adj.patterns.append((key, j, ctx.canonical("pattern", toks[2])))
            else:
                ctx.notes.append(f"[ADJUSTMENTS] {key} line {line.no} before [SUBCATCHMENTS] "
                                 "(SWMM resets it there)")  # fmt: skip
        else:
            Row(ctx, "ADJUSTMENTS", line, ["Keyword"]).fail(0, f"unknown keyword {toks[0]!r}",
                                                            205)  # fmt: skip
    return adj
