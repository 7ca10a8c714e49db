"""[CONDUITS] [PUMPS] [ORIFICES] [WEIRS] [OUTLETS] [XSECTIONS] [LOSSES] -> LinkTable (SI).

Link ids are the order of first appearance in the file, as in SWMM.
"""

from __future__ import annotations

import numpy as np

from twin.kernels.codes import LinkKind, Shape
from twin.kernels.xsect.sizes import size_code, standard_size
from twin.networks import units
from twin.networks.inp_context import ReadContext, Row
from twin.networks.inp_tokens import Section
from twin.networks.model import LinkTable

NO_YES = ["NO", "YES"]
OFF_ON = ["OFF", "ON"]
ORIFICE_WORDS = ["SIDE", "BOTTOM"]
WEIR_WORDS = ["TRANSVERSE", "SIDEFLOW", "V-NOTCH", "TRAPEZOIDAL", "ROADWAY"]
OUTLET_WORDS = ["TABULAR", "FUNCTIONAL"]
SHAPE_WORDS = [s.name for s in Shape]
SHAPE_WORDS[Shape.POWER] = "POWER"

CONDUIT_FIELDS = [
    "Name",
    "FromNode",
    "ToNode",
    "Length",
    "Roughness",
    "InOffset",
    "OutOffset",
    "InitFlow",
    "MaxFlow",
]
PUMP_FIELDS = ["Name", "FromNode", "ToNode", "PumpCurve", "Status", "Startup", "Shutoff"]
ORIFICE_FIELDS = ["Name", "FromNode", "ToNode", "Type", "Offset", "Qcoeff", "Gated", "CloseTime"]
WEIR_FIELDS = [
    "Name",
    "FromNode",
    "ToNode",
    "Type",
    "CrestHt",
    "Qcoeff",
    "Gated",
    "EndCon",
    "EndCoeff",
    "Surcharge",
    "RoadWidth",
    "RoadSurf",
    "CoeffCurve",
]
OUTLET_FIELDS = ["Name", "FromNode", "ToNode", "Offset", "Type", "Qcoeff/QTable", "Qexpon", "Gated"]
XSECT_FIELDS = ["Link", "Shape", "Geom1", "Geom2", "Geom3", "Geom4", "Barrels", "Culvert"]
LOSS_FIELDS = ["Link", "Kentry", "Kexit", "Kavg", "FlapGate", "Seepage"]

# geom entries that are lengths (converted ft -> m), per shape
LENGTH_GEOMS = {
    Shape.CIRCULAR: (0,),
    Shape.FORCE_MAIN: (0,),
    Shape.FILLED_CIRCULAR: (0, 1),
    Shape.RECT_CLOSED: (0, 1),
    Shape.RECT_OPEN: (0, 1),
    Shape.TRAPEZOIDAL: (0, 1),
    Shape.TRIANGULAR: (0, 1),
    Shape.PARABOLIC: (0, 1),
    Shape.POWER: (0, 1),
    Shape.RECT_TRIANGULAR: (0, 1, 2),
    Shape.RECT_ROUND: (0, 1, 2),
    Shape.MODBASKETHANDLE: (0, 1, 2),
    Shape.HORIZ_ELLIPSE: (0, 1),
    Shape.VERT_ELLIPSE: (0, 1),
    Shape.ARCH: (0, 1),
    Shape.CUSTOM: (0,),
}
for _s in (
    Shape.EGG,
    Shape.HORSESHOE,
    Shape.GOTHIC,
    Shape.CATENARY,
    Shape.SEMIELLIPTICAL,
    Shape.BASKETHANDLE,
    Shape.SEMICIRCULAR,
):
    LENGTH_GEOMS[_s] = (0,)


def empty_links(names: list[str]) -> LinkTable:
    """A LinkTable of ``len(names)`` rows holding the 'not this kind' defaults."""
    n = len(names)

    def f(v=np.nan, k=None):
        return np.full(n if k is None else (n, k), v, dtype=np.float64)

    def o(v=""):
        return np.full(n, v, dtype=object)

    return LinkTable(
        name=np.array(list(names), dtype=object).reshape(n),
        kind=np.zeros(n, np.int8),
        from_node=np.full(n, -1, np.int64),
        to_node=np.full(n, -1, np.int64),
        in_offset_m=f(0.0),
        out_offset_m=f(0.0),
        init_flow_m3s=f(0.0),
        max_flow_m3s=f(0.0),
        length_m=f(),
        roughness=f(),
        shape=np.full(n, Shape.DUMMY, np.int8),
        geom=f(0.0, 4),
        barrels=np.ones(n, np.int64),
        culvert=np.zeros(n, np.int64),
        xsect_curve=o(),
        loss_entry=f(0.0),
        loss_exit=f(0.0),
        loss_avg=f(0.0),
        seepage_mmh=f(0.0),
        flap_gate=np.zeros(n, bool),
        pump_curve=o(),
        init_on=np.zeros(n, bool),
        startup_depth_m=f(),
        shutoff_depth_m=f(),
        regulator_kind=o(),
        discharge_coeff=f(),
        open_close_time_h=f(),
        end_contractions=f(),
        end_coeff=f(),
        can_surcharge=np.zeros(n, bool),
        road_width_m=f(),
        road_surface=o(),
        coeff_curve=o(),
        outlet_exponent=f(),
    )


def read_links(ctx: ReadContext, sections: dict[str, Section]) -> LinkTable:
    """Fill the link table from the five link sections, [XSECTIONS] and [LOSSES]."""
    links = empty_links(ctx.names["link"])
    readers = {
        "CONDUITS": (_conduit, CONDUIT_FIELDS, LinkKind.CONDUIT),
        "PUMPS": (_pump, PUMP_FIELDS, LinkKind.PUMP),
        "ORIFICES": (_orifice, ORIFICE_FIELDS, LinkKind.ORIFICE),
        "WEIRS": (_weir, WEIR_FIELDS, LinkKind.WEIR),
        "OUTLETS": (_outlet, OUTLET_FIELDS, LinkKind.OUTLET),
    }
    for sec_name, (reader, fields, kind) in readers.items():
        sec = sections.get(sec_name)
        if sec is None:
            continue
        for line in sec.lines:
            row = Row(ctx, sec_name, line, fields)
            row.need(3)
            j = ctx.find("link", line.tokens[0])
            links.kind[j] = kind
            links.from_node[j] = row.ref(1, "node")
            links.to_node[j] = row.ref(2, "node")
            reader(ctx, row, links, j)
    has_xsect = np.zeros(len(links), bool)
    sec = sections.get("XSECTIONS")
    for line in sec.lines if sec else []:
        row = Row(ctx, "XSECTIONS", line, XSECT_FIELDS)
        j = row.ref(0, "link")
        ctx.line_of[("XSECTIONS", str(j))] = line.no
        _xsection(ctx, row, links, j)
        has_xsect[j] = True
    for j in range(len(links)):
        if not has_xsect[j] and links.kind[j] in (
            LinkKind.CONDUIT,
            LinkKind.ORIFICE,
            LinkKind.WEIR,
        ):
            kind = LinkKind(links.kind[j]).name.lower()
            msg = f"{kind} {links.name[j]!r} has no [XSECTIONS] entry"
            ctx.fail_at("link", j, msg, "Name", 117)
    sec = sections.get("LOSSES")
    for line in sec.lines if sec else []:
        row = Row(ctx, "LOSSES", line, LOSS_FIELDS)
        row.need(4)
        j = row.ref(0, "link")
        links.loss_entry[j] = row.num(1, minimum=0.0)
        links.loss_exit[j] = row.num(2, minimum=0.0)
        links.loss_avg[j] = row.num(3, minimum=0.0)
        links.flap_gate[j] = bool(row.word(4, NO_YES, "flap gate value")) if row.has(4) else False
        links.seepage_mmh[j] = row.num(5, default=0.0) * ctx.rate_f
    return links


def _offset(ctx: ReadContext, row: Row, i: int) -> float:
    """An offset in m; '*' (ELEVATION offsets only) gives NaN."""
    if ctx.offsets_are_elevations and row.tok(i).startswith("*"):
        return np.nan
    return row.num(i) * ctx.lf


def _conduit(ctx: ReadContext, row: Row, links: LinkTable, j: int) -> None:
    row.need(7)
    links.length_m[j] = row.num(3, positive=True, code=111) * ctx.lf
    # checked with the cross section (SWMM 113): an IRREGULAR conduit takes its transect's
    links.roughness[j] = row.num(4, minimum=0.0, code=113)
    links.in_offset_m[j] = _offset(ctx, row, 5)
    links.out_offset_m[j] = _offset(ctx, row, 6)
    links.init_flow_m3s[j] = row.num(7, default=0.0) * ctx.qf
    links.max_flow_m3s[j] = row.num(8, default=0.0) * ctx.qf


def _pump(ctx: ReadContext, row: Row, links: LinkTable, j: int) -> None:
    links.pump_curve[j] = "*"
    if row.has(3) and row.tok(3) != "*":
        links.pump_curve[j] = row.name(3, "curve")
    links.init_on[j] = bool(row.word(4, OFF_ON, "pump status")) if row.has(4) else True
    links.startup_depth_m[j] = row.num(5, default=0.0, minimum=0.0) * ctx.lf
    links.shutoff_depth_m[j] = row.num(6, default=0.0, minimum=0.0) * ctx.lf


def _orifice(ctx: ReadContext, row: Row, links: LinkTable, j: int) -> None:
    row.need(6)
    links.regulator_kind[j] = ORIFICE_WORDS[row.word(3, ORIFICE_WORDS, "orifice type")]
    links.in_offset_m[j] = _offset(ctx, row, 4)
    links.discharge_coeff[j] = row.num(5, minimum=0.0)
    links.flap_gate[j] = bool(row.word(6, NO_YES, "flap gate value")) if row.has(6) else False
    links.open_close_time_h[j] = row.num(7, default=0.0, minimum=0.0)


def _weir(ctx: ReadContext, row: Row, links: LinkTable, j: int) -> None:
    row.need(6)
    cf = units.weir_coeff_to_si(ctx.unit_system)
    kind = WEIR_WORDS[row.word(3, WEIR_WORDS, "weir type")]
    links.regulator_kind[j] = kind
    links.in_offset_m[j] = _offset(ctx, row, 4)
    links.discharge_coeff[j] = row.num(5, minimum=0.0) * cf

    def given(i):
        return row.has(i) and not row.tok(i).startswith("*")

    links.flap_gate[j] = bool(row.word(6, NO_YES, "flap gate value")) if given(6) else False
    links.end_contractions[j] = row.num(7, minimum=0.0) if given(7) else 0.0
    links.end_coeff[j] = row.num(8, minimum=0.0) * cf if given(8) else 0.0
    links.can_surcharge[j] = bool(row.word(9, NO_YES, "surcharge value")) if given(9) else True
    links.road_width_m[j] = 0.0
    if kind == "ROADWAY":
        links.road_width_m[j] = row.num(10, default=0.0, minimum=0.0) * ctx.lf
        if row.has(11):
            surf = row.tok(11).upper()
            links.road_surface[j] = surf if surf in ("PAVED", "GRAVEL") else ""
    if row.has(12) and not row.tok(12).startswith("*"):
        links.coeff_curve[j] = row.name(12, "curve")


def _outlet(ctx: ReadContext, row: Row, links: LinkTable, j: int) -> None:
    row.need(6)
    off = _offset(ctx, row, 3)
    if not ctx.offsets_are_elevations and off < 0.0:
        off = 0.0
    links.in_offset_m[j] = off
    tok = row.tok(4)
    m = row.word(4, OUTLET_WORDS, "outlet rating type")
    qual = "HEAD" if tok.upper().split("/")[1:2] == ["HEAD"] else "DEPTH"
    links.regulator_kind[j] = f"{OUTLET_WORDS[m]}/{qual}"
    if OUTLET_WORDS[m] == "FUNCTIONAL":
        row.need(7)
        c, e = row.num(5), row.num(6)
        links.discharge_coeff[j] = c * units.power_law_coeff_to_si(ctx.flow_units, e)
        links.outlet_exponent[j] = e
        n = 7
    else:
        links.coeff_curve[j] = row.name(5, "curve")
        n = 6
    if row.has(n):
        links.flap_gate[j] = bool(row.word(n, NO_YES, "flap gate value"))


def _xsection(ctx: ReadContext, row: Row, links: LinkTable, j: int) -> None:
    row.need(3)
    tok = row.tok(1)
    if tok.upper() == "STREET":  # routed with its street's transect (twin.networks.inp_streets)
        links.shape[j] = Shape.IRREGULAR
        links.barrels[j] = 1
        links.culvert[j] = 0
        links.geom[j] = 0.0
        links.xsect_curve[j] = row.name(2, "street")
        return
    k = Shape(row.word(1, SHAPE_WORDS, "cross-section shape"))
    links.shape[j] = k
    links.barrels[j] = 1
    links.culvert[j] = 0
    links.geom[j] = 0.0
    links.xsect_curve[j] = ""
    if k == Shape.IRREGULAR:
        links.xsect_curve[j] = row.name(2, "transect")
        return
    row.need(6)
    if k == Shape.CUSTOM:
        links.geom[j, 0] = row.num(2, positive=True) * ctx.lf
        links.xsect_curve[j] = row.name(3, "curve")
    else:
        p = [row.num(i) for i in range(2, 6)]
        if links.kind[j] != LinkKind.CONDUIT and k == Shape.RECT_OPEN:
            p[2] = p[3] = 0.0
        _check_geom(row, k, p)
        p = _standard_size(ctx, row, k, p)
        for i in LENGTH_GEOMS.get(k, ()):
            p[i] *= ctx.lf
        links.geom[j] = p
    if links.kind[j] == LinkKind.CONDUIT:
        if row.has(6):
            links.barrels[j] = row.integer(6, minimum=1, maximum=127)
        if row.has(7):
            links.culvert[j] = row.integer(7, minimum=0, maximum=1000)


def _standard_size(ctx: ReadContext, row: Row, k: Shape, p: list[float]) -> list[float]:
    """An ellipse's or arch's standard size code resolved as SWMM resolves it: Geom1,
    Geom2 become the pipe's height and width (file units) and Geom3 keeps the code, which
    selects SWMM's full area and radius too (:mod:`twin.kernels.xsect.sizes`)."""
    code = size_code(k, p[0], p[1], p[2])
    if not code:
        return p
    try:
        height_ft, width_ft, _, _ = standard_size(k, code)
    except ValueError as exc:
        row.fail(2 if p[1] == 0.0 else 4, str(exc), 211)
    to_file = units.FT_TO_M / ctx.lf
    return [height_ft * to_file, width_ft * to_file, code, 0.0]


def _check_geom(row: Row, k: Shape, p: list[float]) -> None:
    """SWMM's ``xsect_setParams`` validity rules, in file units."""
    bad = None
    if k != Shape.DUMMY and p[0] <= 0.0:
        bad = 2
    elif (
        k
        in (
            Shape.RECT_CLOSED,
            Shape.RECT_OPEN,
            Shape.TRIANGULAR,
            Shape.PARABOLIC,
            Shape.RECT_ROUND,
            Shape.MODBASKETHANDLE,
        )
        and p[1] <= 0.0
    ):
        bad = 3
    elif k == Shape.RECT_OPEN and not 0.0 <= p[2] <= 2.0:
        bad = 4
    elif k == Shape.FILLED_CIRCULAR and p[1] >= p[0]:
        bad = 3
    elif k in (Shape.RECT_TRIANGULAR, Shape.POWER) and (p[1] <= 0.0 or p[2] <= 0.0):
        bad = 3 if p[1] <= 0.0 else 4
    elif k == Shape.TRAPEZOIDAL and (min(p[1], p[2], p[3]) < 0.0 or p[1] == p[2] + p[3] == 0.0):
        bad = 3
    elif k in (Shape.HORIZ_ELLIPSE, Shape.VERT_ELLIPSE, Shape.ARCH) and p[1] < 0.0:
        bad = 3
    if bad is not None:
        row.fail(bad, f"invalid {k.name} cross-section dimension {row.tok(bad)!r}", 211)
