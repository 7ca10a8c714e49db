"""[RAINGAGES] [SUBCATCHMENTS] [SUBAREAS] [INFILTRATION] [POLYGONS] [SYMBOLS] -> tables (SI)."""

from __future__ import annotations

import numpy as np

from twin.kernels.codes import InfilModel, RouteTo
from twin.networks import units
from twin.networks.inp_context import ReadContext, Row
from twin.networks.inp_tokens import Section, parse_date, parse_time_h
from twin.networks.model import RaingageTable, SubcatchmentTable

RAIN_FORMS = ["INTENSITY", "VOLUME", "CUMULATIVE"]
GAGE_SOURCES = ["TIMESERIES", "FILE"]
RAIN_UNITS = ["IN", "MM"]
ROUTE_WORDS = ["OUTLET", "IMPERV", "PERV"]
INFIL_WORDS = ["HORTON", "MODIFIED_HORTON", "GREEN_AMPT", "MODIFIED_GREEN_AMPT", "CURVE_NUMBER"]

GAGE_FIELDS = [
    "Name",
    "Format",
    "Interval",
    "SCF",
    "Source",
    "Series/File",
    "Station",
    "Units",
    "StartDate",
]
SUBCATCH_FIELDS = [
    "Name",
    "Raingage",
    "Outlet",
    "Area",
    "%Imperv",
    "Width",
    "%Slope",
    "CurbLen",
    "SnowPack",
]
SUBAREA_FIELDS = [
    "Subcatchment",
    "N-Imperv",
    "N-Perv",
    "S-Imperv",
    "S-Perv",
    "PctZero",
    "RouteTo",
    "PctRouted",
]
INFIL_FIELDS = {
    InfilModel.HORTON: ["Subcatchment", "MaxRate", "MinRate", "Decay", "DryTime", "MaxInfil"],
    InfilModel.GREEN_AMPT: ["Subcatchment", "Suction", "Ksat", "IMD"],
    InfilModel.CURVE_NUMBER: ["Subcatchment", "CurveNum", "Ksat", "DryTime"],
}
INFIL_FIELDS[InfilModel.MODIFIED_HORTON] = INFIL_FIELDS[InfilModel.HORTON]
INFIL_FIELDS[InfilModel.MODIFIED_GREEN_AMPT] = INFIL_FIELDS[InfilModel.GREEN_AMPT]


def read_raingages(ctx: ReadContext, sections: dict[str, Section]) -> RaingageTable:
    names = ctx.names["raingage"]
    n = len(names)
    g = RaingageTable(
        name=np.array(list(names), dtype=object).reshape(n),
        form=np.full(n, "INTENSITY", dtype=object),
        interval_s=np.full(n, 3600.0),
        scf=np.ones(n),
        source=np.full(n, "TIMESERIES", dtype=object),
        series=np.full(n, "", dtype=object),
        file=np.full(n, "", dtype=object),
        station=np.full(n, "", dtype=object),
        file_units=np.full(n, "", dtype=object),
        x=np.full(n, np.nan),
        y=np.full(n, np.nan),
        file_start=np.full(n, "", dtype=object),
    )
    sec = sections.get("RAINGAGES")
    for line in sec.lines if sec else []:
        row = Row(ctx, "RAINGAGES", line, GAGE_FIELDS)
        row.need(5)
        j = ctx.find("raingage", line.tokens[0])
        src = GAGE_SOURCES[row.word(4, GAGE_SOURCES, "rain data source")]
        row.need(6 if src == "TIMESERIES" else 8)
        g.source[j] = src
        g.form[j] = RAIN_FORMS[row.word(1, RAIN_FORMS, "rain format")]
        h = parse_time_h(row.tok(2))
        if h is None or h <= 0:
            row.fail(2, f"expected a positive interval (hours or H:MM), got {row.tok(2)!r}")
        g.interval_s[j] = np.floor(h * 3600.0 + 0.5)
        g.scf[j] = row.num(3)
        if src == "TIMESERIES":
            g.series[j] = row.name(5, "timeseries")
        else:
            g.file[j] = row.tok(5)
            g.station[j] = row.tok(6)
            g.file_units[j] = RAIN_UNITS[row.word(7, RAIN_UNITS, "rain units")]
            if row.has(8) and not row.tok(8).startswith("*"):
                if parse_date(row.tok(8)) is None:
                    row.fail(8, f"expected a date, got {row.tok(8)!r}")
                g.file_start[j] = row.tok(8)
    sec = sections.get("SYMBOLS")
    for line in sec.lines if sec else []:
        row = Row(ctx, "SYMBOLS", line, ["Gage", "X-Coord", "Y-Coord"])
        row.need(3)
        x, y = row.num(1), row.num(2)
        j = ctx.find("raingage", line.tokens[0])
        if j < 0:
            ctx.notes.append(f"[SYMBOLS] line {line.no}: unknown rain gage {line.tokens[0]!r}")
            continue
        g.x[j], g.y[j] = x, y
    return g


def read_subcatchments(ctx: ReadContext, sections: dict[str, Section]) -> SubcatchmentTable:
    names = ctx.names["subcatchment"]
    n = len(names)

    def f(v=np.nan, k=None):
        return np.full(n if k is None else (n, k), v, dtype=np.float64)

    s = SubcatchmentTable(
        name=np.array(list(names), dtype=object).reshape(n),
        raingage=np.full(n, -1, np.int64),
        outlet=np.full(n, "", dtype=object),
        outlet_node=np.full(n, -1, np.int64),
        outlet_subcatchment=np.full(n, -1, np.int64),
        area_m2=f(),
        imperv_pct=f(),
        width_m=f(),
        slope_pct=f(),
        curb_length=f(),
        snowpack=np.full(n, "", dtype=object),
        n_imperv=f(0.0),
        n_perv=f(0.0),
        dstore_imperv_mm=f(0.0),
        dstore_perv_mm=f(0.0),
        zero_imperv_pct=f(0.0),
        route_to=np.full(n, RouteTo.OUTLET, np.int8),
        routed_pct=f(100.0),
        infil_model=np.full(n, ctx.infil_default, np.int8),
        infil_params=f(k=5),
        polygon=[None] * n,
    )
    for j in range(n):
        s.infil_params[j, : _n_infil(ctx.infil_default)] = 0.0
    area_f = units.land_area_to_m2(ctx.unit_system)
    sec = sections.get("SUBCATCHMENTS")
    for line in sec.lines if sec else []:
        row = Row(ctx, "SUBCATCHMENTS", line, SUBCATCH_FIELDS)
        row.need(8)
        j = ctx.find("subcatchment", line.tokens[0])
        s.raingage[j] = row.ref(1, "raingage")
        out = row.tok(2)
        jn, js = ctx.find("node", out), ctx.find("subcatchment", out)
        if jn < 0 and js < 0:
            row.fail(2, f"unknown node or subcatchment {out[:40]!r}", 209)
        if jn >= 0 and js >= 0:
            row.fail(2, f"outlet {out!r} names both a node and a subcatchment", 108)
        s.outlet[j] = ctx.canonical("node" if jn >= 0 else "subcatchment", out)
        s.outlet_node[j], s.outlet_subcatchment[j] = jn, js
        s.area_m2[j] = row.num(3, minimum=0.0) * area_f
        s.imperv_pct[j] = min(row.num(4, minimum=0.0), 100.0)  # SWMM caps it at 100
        s.width_m[j] = row.num(5, minimum=0.0) * ctx.lf
        s.slope_pct[j] = row.num(6, minimum=0.0)
        s.curb_length[j] = row.num(7, minimum=0.0)
        if row.has(8):
            s.snowpack[j] = row.name(8, "snowpack")
    sec = sections.get("SUBAREAS")
    for line in sec.lines if sec else []:
        row = Row(ctx, "SUBAREAS", line, SUBAREA_FIELDS)
        row.need(7)
        j = row.ref(0, "subcatchment")
        s.n_imperv[j] = row.num(1, minimum=0.0)
        s.n_perv[j] = row.num(2, minimum=0.0)
        s.dstore_imperv_mm[j] = row.num(3, minimum=0.0) * ctx.depth_f
        s.dstore_perv_mm[j] = row.num(4, minimum=0.0) * ctx.depth_f
        s.zero_imperv_pct[j] = row.num(5, minimum=0.0)
        s.route_to[j] = row.word(6, ROUTE_WORDS, "RouteTo keyword")
        s.routed_pct[j] = row.num(7, default=100.0, minimum=0.0, maximum=100.0)
    sec = sections.get("INFILTRATION")
    for line in sec.lines if sec else []:
        _infiltration(ctx, line, s)
    sec = sections.get("POLYGONS")
    pts: dict[int, list] = {}
    for line in sec.lines if sec else []:
        row = Row(ctx, "POLYGONS", line, ["Subcatchment", "X-Coord", "Y-Coord"])
        row.need(3)
        x, y = row.num(1), row.num(2)
        j = ctx.find("subcatchment", line.tokens[0])
        if j < 0:
            ctx.notes.append(f"[POLYGONS] line {line.no}: unknown subcatchment")
            continue
        pts.setdefault(j, []).append((x, y))
    for j, p in pts.items():
        s.polygon[j] = np.array(p, dtype=np.float64).reshape(-1, 2)
    return s


def _n_infil(model: int) -> int:
    return 5 if model in (InfilModel.HORTON, InfilModel.MODIFIED_HORTON) else 3


def _infiltration(ctx: ReadContext, line, s: SubcatchmentTable) -> None:
    toks = line.tokens
    model = ctx.infil_default
    ntok = len(toks)
    from twin.networks.inp_tokens import findmatch

    if ntok > 1:
        k = findmatch(toks[-1], INFIL_WORDS)
        if k >= 0:
            model, ntok = k, ntok - 1
    row = Row(ctx, "INFILTRATION", line, INFIL_FIELDS[InfilModel(model)])
    j = row.ref(0, "subcatchment")
    need = 5 if model in (InfilModel.HORTON, InfilModel.MODIFIED_HORTON) else 4
    if ntok < need:
        row.fail(ntok, f"missing value (expected at least {need} items)", 203)
    p = [row.num(i) for i in range(1, need)]
    if need == 5:
        p.append(row.num(5) if ntok > 5 else 0.0)
        for i, v in enumerate(p):
            if v < 0:
                row.fail(i + 1, f"must be >= 0, got {row.tok(i + 1)}", 235)
        if p[0] < p[1]:
            row.fail(1, "maximum rate is below minimum rate", 235)
        vals = (p[0] * ctx.rate_f, p[1] * ctx.rate_f, p[2], p[3], p[4] * ctx.depth_f)
    elif model in (InfilModel.GREEN_AMPT, InfilModel.MODIFIED_GREEN_AMPT):
        if p[0] < 0:
            row.fail(1, "must be >= 0", 235)
        if p[1] <= 0:
            row.fail(2, "must be > 0", 235)
        if not 0.0 <= p[2] <= 1.0:
            row.fail(3, "must be in [0, 1]", 235)
        vals = (p[0] * ctx.depth_f, p[1] * ctx.rate_f, p[2], np.nan, np.nan)
    else:
        if p[2] <= 0:
            row.fail(3, "must be > 0", 235)
        vals = (p[0], p[1] * ctx.rate_f, p[2], np.nan, np.nan)
    s.infil_model[j] = model
    s.infil_params[j] = vals
