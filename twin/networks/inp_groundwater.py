"""[AQUIFERS] and [GROUNDWATER]: SWMM 5.2's two-zone groundwater, read as ``gwater.c`` reads it.

::

    [AQUIFERS]
    Name  Por  WP  FC  Ksat  Kslope  Tslope  ETu  ETs  Seep  Ebot  Egw  Umc  [ETupat]
    [GROUNDWATER]
    Subcatchment  Aquifer  Node  Esurf  A1  B1  A2  B2  A3  Dsw  [Egwt  Ebot  Egw  Umc]

Porosity, wilting point, field capacity and upper moisture are fractions; Ksat and Seep
rates (in/h or mm/h); Tslope, ETs and the elevations lengths (ft or m); ETupat a MONTHLY
pattern on the upper zone's evaporation fraction.  A1..A3, B1, B2 are the lateral flow
equation's coefficients in the file's units (flow per area: cfs/acre or cms/ha; heads
in ft or m).  A ``*`` in the optional [GROUNDWATER] fields takes the aquifer's value.
Everything is kept in the file's units (the engine converts with SWMM's own factors).
A bad field is an InputError naming file, line, section and field (SWMM's error codes:
109 for an aquifer's parameters, 110 for a ground below the water table, 233 for a
[GWF] expression that is not one).  [GWF] custom lateral and deep flow expressions are
kept as text and compiled by :mod:`twin.networks.inp_gwf`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.networks.inp_context import ReadContext, Row
from twin.networks.inp_gwf import compile_gwf

_AQUIFER_FIELDS = ["Name", "Porosity", "WiltingPoint", "FieldCapacity", "Ksat", "Kslope",
                   "Tslope", "ETu", "ETs", "Seep", "Ebot", "Egw", "Umc", "ETupat"]  # fmt: skip
_GW_FIELDS = ["Subcatchment", "Aquifer", "Node", "Esurf", "A1", "B1", "A2", "B2", "A3", "Dsw",
              "Egwt", "Ebot", "Egw", "Umc"]  # fmt: skip


def _z(dtype=np.float64):
    return field(default_factory=lambda: np.zeros(0, dtype))


@dataclass(eq=False)
class Aquifers:
    """The aquifers of [AQUIFERS] (file units), in file order.

    Attributes
    ----------
    names : list of str
    params : (n, 12) float64
        Porosity, wilting point, field capacity, Ksat, Kslope, Tslope, ETu, ETs, Seep,
        Ebot, Egw, Umc, as written.
    evap_pattern : list of str
        Name of the upper evaporation pattern ("" none).
    """

    names: list[str] = field(default_factory=list)
    params: np.ndarray = field(default_factory=lambda: np.zeros((0, 12)))
    evap_pattern: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.names)


@dataclass(eq=False)
class GroundwaterLinks:
    """[GROUNDWATER]: one line per subcatchment with groundwater (a later line for the
    same subcatchment replaces the earlier, as in SWMM), in subcatchment order.

    Attributes
    ----------
    subcatchment, aquifer, node : (k,) int64
    params : (k, 11) float64
        Esurf, A1, B1, A2, B2, A3, Dsw, then Egwt, Ebot, Egw, Umc (NaN: not given, the
        aquifer's value or the node's invert is used).
    """

    subcatchment: np.ndarray = _z(np.int64)
    aquifer: np.ndarray = _z(np.int64)
    node: np.ndarray = _z(np.int64)
    params: np.ndarray = field(default_factory=lambda: np.zeros((0, 11)))
    #: [GWF] custom flow expressions: (subcatchment id, "LATERAL" or "DEEP", text, line)
    gwf: list[tuple[int, str, str, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.subcatchment)


def read_aquifers(ctx: ReadContext, sec) -> Aquifers:
    """The aquifers of an [AQUIFERS] section (names registered by the reader's first pass),
    checked as SWMM's ``gwater_validateAquifer`` checks them."""
    names = list(ctx.names.get("aquifer", []))
    params = np.zeros((len(names), 12))
    pattern = [""] * len(names)
    for line in sec.lines if sec else []:
        row = Row(ctx, "AQUIFERS", line, _AQUIFER_FIELDS)
        row.need(13)
        j = row.ref(0, "aquifer")
        params[j] = [row.num(i) for i in range(1, 13)]
        if row.has(13):
            pattern[j] = row.name(13, "pattern")
    aq = Aquifers(names=names, params=params, evap_pattern=pattern)
    for j, name in enumerate(names):
        por, wp, fc, ks, kslope, tslope, etu, ets, _, bot, wt, umc = params[j]
        bad = (por <= 0.0 or fc >= por or wp >= fc or ks <= 0.0 or kslope < 0.0
               or tslope < 0.0 or etu < 0.0 or ets < 0.0 or wt < bot or umc > por
               or umc < wp)  # fmt: skip
        if bad:
            msg = (f"invalid parameter values for aquifer {name} (porosity > field capacity > "
                   "wilting point, Ksat > 0, slopes and ET >= 0, water table >= bottom, "
                   "wilting point <= Umc <= porosity)")  # fmt: skip
            ctx.fail_at("aquifer", j, msg, "Porosity", 109)
    return aq


def _check_pattern(ctx: ReadContext, aq: Aquifers, patterns: dict) -> None:
    for j, name in enumerate(aq.evap_pattern):
        pat = patterns.get(name) if name else None
        if pat is not None and pat.kind.upper() != "MONTHLY":
            ctx.fail_at("aquifer", j, f"aquifer {aq.names[j]}'s ETupat {name} is not a "
                        "MONTHLY pattern", "ETupat", 109)  # fmt: skip


def read_groundwater(
    ctx: ReadContext, sec, aq: Aquifers, patterns: dict, gwf_sec=None
) -> GroundwaterLinks:
    """The [GROUNDWATER] lines, checked against the aquifers (SWMM's ``gwater_validate``);
    ``gwf_sec`` the [GWF] section: its expressions are checked (SWMM's error 233) and kept."""
    _check_pattern(ctx, aq, patterns)
    exprs = []
    for line in gwf_sec.lines if gwf_sec else []:
        row = Row(ctx, "GWF", line, ["Subcatchment", "Type", "Expression"])
        row.need(3)
        j = row.ref(0, "subcatchment")
        kind = row.toks[1].upper()
        if not kind.startswith(("LAT", "DEEP")):
            row.fail(1, f"unknown flow type {row.toks[1][:40]!r} (expected LATERAL or DEEP)", 205)
        text = " ".join(row.toks[2:])
        try:
            compile_gwf(text)
        except ValueError as exc:
            row.fail(2, f"invalid math expression {text[:60]!r}: {exc}", 233)
        exprs.append((j, "LATERAL" if kind.startswith("LAT") else "DEEP", text, line.no))
    by_sub: dict[int, tuple[int, int, list[float], int]] = {}
    for line in sec.lines if sec else []:
        row = Row(ctx, "GROUNDWATER", line, _GW_FIELDS)
        row.need(3)
        j = row.ref(0, "subcatchment")
        row.need(11)
        k = row.ref(1, "aquifer")
        n = row.ref(2, "node")
        x = [row.num(i) for i in range(3, 10)]
        for i in range(10, 14):
            x.append(row.num(i) if row.has(i) and not row.toks[i].startswith("*") else np.nan)
        by_sub[j] = (k, n, x, line.no)
    subs = sorted(by_sub)
    gw = GroundwaterLinks(
        subcatchment=np.asarray(subs, np.int64),
        aquifer=np.asarray([by_sub[j][0] for j in subs], np.int64),
        node=np.asarray([by_sub[j][1] for j in subs], np.int64),
        params=np.asarray([by_sub[j][2] for j in subs], np.float64).reshape(len(subs), 11),
        gwf=exprs,
    )
    for i, j in enumerate(subs):
        water_table = gw.params[i, 9]
        if np.isnan(water_table):
            water_table = aq.params[gw.aquifer[i], 10]
        if gw.params[i, 0] < water_table:
            ctx.fail(f"ground elevation {gw.params[i, 0]:g} is below the water table "
                     f"{water_table:g} for subcatchment {ctx.names['subcatchment'][j]}",
                     by_sub[j][3], "GROUNDWATER", "Esurf", 110)  # fmt: skip
    return gw
