"""[JUNCTIONS] [OUTFALLS] [STORAGE] [DIVIDERS] [COORDINATES] -> :class:`NodeTable` (SI).

Node ids follow the order in which SWMM registers them: the order of first
appearance in the file, whatever the section (input.c ``addObject``).
"""

from __future__ import annotations

import numpy as np

from twin.kernels.codes import NodeKind, OutfallKind
from twin.networks import units
from twin.networks.inp_context import ReadContext, Row
from twin.networks.inp_tokens import Section, to_float
from twin.networks.model import NodeTable

OUTFALL_WORDS = ["FREE", "NORMAL", "FIXED", "TIDAL", "TIMESERIES"]
STORAGE_WORDS = ["TABULAR", "FUNCTIONAL", "CYLINDRICAL", "CONICAL", "PARABOLIC", "PYRAMIDAL"]
STORAGE_NAMES = ["TABULAR", "FUNCTIONAL", "CYLINDRICAL", "CONICAL", "PARABOLOID", "PYRAMIDAL"]
DIVIDER_WORDS = ["CUTOFF", "TABULAR", "WEIR", "OVERFLOW"]
NO_YES = ["NO", "YES"]

JUNCTION_FIELDS = ["Name", "Elevation", "MaxDepth", "InitDepth", "SurDepth", "Aponded"]
OUTFALL_FIELDS = ["Name", "Elevation", "Type", "Stage/Series", "Gated", "RouteTo"]
STORAGE_FIELDS = [
    "Name",
    "Elevation",
    "MaxDepth",
    "InitDepth",
    "Shape",
    "Param1",
    "Param2",
    "Param3",
    "SurDepth",
    "Fevap",
    "Psi",
    "Ksat",
    "IMD",
]
DIVIDER_FIELDS = ["Name", "Elevation", "DivLink", "Type", "Param1", "Param2", "Param3"]


def empty_nodes(names: list[str]) -> NodeTable:
    """A NodeTable of ``len(names)`` rows holding the 'not this kind' defaults."""
    n = len(names)

    def f(v=np.nan, k=None):
        return np.full(n if k is None else (n, k), v, dtype=np.float64)

    def o():
        return np.full(n, "", dtype=object)

    return NodeTable(
        name=np.array(list(names), dtype=object).reshape(n),
        kind=np.zeros(n, np.int8),
        invert_m=f(0.0),
        max_depth_m=f(0.0),
        init_depth_m=f(0.0),
        surcharge_depth_m=f(0.0),
        ponded_area_m2=f(0.0),
        x=f(),
        y=f(),
        outfall_kind=np.full(n, -1, np.int8),
        outfall_stage_m=f(),
        outfall_series=o(),
        flap_gate=np.zeros(n, bool),
        route_to=o(),
        storage_shape=o(),
        storage_params=f(k=3),
        storage_curve=o(),
        evap_factor=f(),
        seepage=f(k=3),
        divider_link=o(),
        divider_kind=o(),
        divider_params=f(k=3),
        divider_curve=o(),
    )


def read_nodes(ctx: ReadContext, sections: dict[str, Section]) -> NodeTable:
    """Fill the node table from the four node sections and [COORDINATES]."""
    nodes = empty_nodes(ctx.names["node"])
    readers = {
        "JUNCTIONS": (_junction, JUNCTION_FIELDS),
        "OUTFALLS": (_outfall, OUTFALL_FIELDS),
        "STORAGE": (_storage, STORAGE_FIELDS),
        "DIVIDERS": (_divider, DIVIDER_FIELDS),
    }
    for sec_name, (reader, fields) in readers.items():
        sec = sections.get(sec_name)
        if sec is None:
            continue
        for line in sec.lines:
            row = Row(ctx, sec_name, line, fields)
            j = ctx.find("node", line.tokens[0])
            nodes.name[j] = ctx.names["node"][j]
            nodes.invert_m[j] = row.num(1) * ctx.lf
            reader(ctx, row, nodes, j)
    _coordinates(ctx, sections.get("COORDINATES"), nodes)
    return nodes


def _junction(ctx: ReadContext, row: Row, nodes: NodeTable, j: int) -> None:
    row.need(2)
    lf = ctx.lf
    nodes.kind[j] = NodeKind.JUNCTION
    nodes.max_depth_m[j] = row.num(2, default=0.0, minimum=0.0) * lf
    nodes.init_depth_m[j] = row.num(3, default=0.0, minimum=0.0) * lf
    nodes.surcharge_depth_m[j] = row.num(4, default=0.0, minimum=0.0) * lf
    nodes.ponded_area_m2[j] = row.num(5, default=0.0, minimum=0.0) * lf * lf


def _outfall(ctx: ReadContext, row: Row, nodes: NodeTable, j: int) -> None:
    row.need(3)
    nodes.kind[j] = NodeKind.OUTFALL
    k = row.word(2, OUTFALL_WORDS, "outfall type")
    nodes.outfall_kind[j] = k
    n = 4
    if k >= OutfallKind.FIXED:
        row.need(4)
        n = 5
        if k == OutfallKind.FIXED:
            nodes.outfall_stage_m[j] = row.num(3) * ctx.lf
        elif k == OutfallKind.TIDAL:
            nodes.outfall_series[j] = row.name(3, "curve")
        else:
            nodes.outfall_series[j] = row.name(3, "timeseries")
    # SWMM reads the gate only when no route-to subcatchment follows it
    if len(row) == n:
        nodes.flap_gate[j] = bool(row.word(n - 1, NO_YES, "flap gate value"))
    elif len(row) == n + 1:
        row.word(n - 1, NO_YES, "flap gate value")
        nodes.route_to[j] = row.name(n, "subcatchment")


def _storage(ctx: ReadContext, row: Row, nodes: NodeTable, j: int) -> None:
    row.need(6)
    lf = ctx.lf
    nodes.kind[j] = NodeKind.STORAGE
    nodes.max_depth_m[j] = row.num(2) * lf
    nodes.init_depth_m[j] = row.num(3) * lf
    tok = row.tok(4).upper()
    m = 4 if tok.startswith("PARABOLOID") else row.word(4, STORAGE_WORDS, "storage shape")
    shape = STORAGE_NAMES[m]
    nodes.storage_shape[j] = shape
    if shape == "TABULAR":
        nodes.storage_curve[j] = row.name(5, "curve")
        n = 6
    else:
        row.need(8)
        p = [row.num(5), row.num(6), row.num(7)]
        if shape == "FUNCTIONAL":
            if p[2] < 0:
                row.fail(7, "constant area must be >= 0")
            a1 = p[0] * units.storage_functional_coeff_to_si(ctx.unit_system, p[1])
            nodes.storage_params[j] = (a1, p[1], p[2] * lf * lf)
        else:
            if p[0] <= 0:
                row.fail(5, "length must be > 0")
            if p[1] <= 0:
                row.fail(6, "width must be > 0")
            if p[2] < 0 or (shape == "PARABOLOID" and p[2] == 0):
                row.fail(7, "invalid third parameter")
            third = p[2] * lf if shape == "PARABOLOID" else p[2]
            nodes.storage_params[j] = (p[0] * lf, p[1] * lf, third)
        n = 8
    nodes.surcharge_depth_m[j] = row.num(n, default=0.0) * lf
    nodes.evap_factor[j] = row.num(n + 1, default=0.0)
    n += 2
    if len(row) > n:
        if len(row) == n + 1:
            seep = (0.0, row.num(n), 0.0)
        else:
            row.need(n + 3)
            seep = (row.num(n), row.num(n + 1), row.num(n + 2))
        if seep[1] != 0.0:
            # SWMM's grnampt_setParams (ERROR 211): suction >= 0, Ksat > 0, 0 <= IMD <= 1
            def bad(field, message):
                row.ctx.fail(message, row.line, row.section, field, 211)

            if seep[1] < 0.0:
                bad("Ksat", "seepage conductivity must be >= 0")
            if seep[0] < 0.0:
                bad("Psi", "suction head must be >= 0")
            if not 0.0 <= seep[2] <= 1.0:
                bad("IMD", "initial moisture deficit must be between 0 and 1")
            nodes.seepage[j] = (seep[0] * ctx.depth_f, seep[1] * ctx.rate_f, seep[2])


def _divider(ctx: ReadContext, row: Row, nodes: NodeTable, j: int) -> None:
    row.need(4)
    lf = ctx.lf
    nodes.kind[j] = NodeKind.DIVIDER
    link = row.tok(2)
    if link not in ("", "*"):
        nodes.divider_link[j] = row.name(2, "link")
    k = row.word(3, DIVIDER_WORDS, "divider type")
    kind = DIVIDER_WORDS[k]
    nodes.divider_kind[j] = kind
    n = 4
    if kind == "TABULAR":
        nodes.divider_curve[j] = row.name(4, "curve")
        n = 5
    elif kind == "CUTOFF":
        nodes.divider_params[j, 0] = row.num(4) * ctx.qf
        n = 5
    elif kind == "WEIR":
        row.need(7)
        qmin, dh, cw = row.num(4), row.num(5), row.num(6)
        cw_si = cw * units.power_law_coeff_to_si(ctx.flow_units, 1.5)
        nodes.divider_params[j] = (qmin * ctx.qf, dh * lf, cw_si)
        n = 7
    row.fields = DIVIDER_FIELDS[:n] + ["MaxDepth", "InitDepth", "SurDepth", "Aponded"]
    nodes.max_depth_m[j] = row.num(n, default=0.0) * lf
    nodes.init_depth_m[j] = row.num(n + 1, default=0.0) * lf
    nodes.surcharge_depth_m[j] = row.num(n + 2, default=0.0) * lf
    nodes.ponded_area_m2[j] = row.num(n + 3, default=0.0) * lf * lf


def _coordinates(ctx: ReadContext, sec: Section | None, nodes: NodeTable) -> None:
    if sec is None:
        return
    for line in sec.lines:
        row = Row(ctx, "COORDINATES", line, ["Node", "X-Coord", "Y-Coord"])
        row.need(3)
        j = ctx.find("node", line.tokens[0])
        x, y = row.num(1), row.num(2)
        if j < 0:
            ctx.notes.append(f"[COORDINATES] line {line.no}: unknown node {line.tokens[0]!r}")
            continue
        nodes.x[j], nodes.y[j] = x, y


def map_xy(row: Row) -> tuple[float, float]:
    """(x, y) map coordinates at tokens 1 and 2 (map units, not converted)."""
    row.need(3)
    return row.num(1), row.num(2)


__all__ = ["read_nodes", "empty_nodes", "map_xy", "to_float"]
