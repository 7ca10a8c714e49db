"""[LID_CONTROLS] and [LID_USAGE]: SWMM 5.2's low-impact development controls, read as
``lid.c`` reads them (``lid_readProcParams``, ``lid_readGroupParams``, ``lid_validate``).

::

    [LID_CONTROLS]
    Name  Type                       (BC RG GR IT PP RB VS RD)
    Name  SURFACE   StorHt VegFrac Roughness Slope% SideSlope
    Name  PAVEMENT  Thick VoidRatio FracImperv Perm ClogFactor [RegenDays RegenDegree]
    Name  SOIL      Thick Porosity FieldCap WiltPt Ksat Kslope Suction
    Name  STORAGE   Thick VoidRatio Ksat ClogFactor [Covered YES/NO]
    Name  DRAIN     Coeff Expon Offset [Delay Hopen Hclose Curve]
    Name  DRAINMAT  Thick VoidFrac Roughness
    Name  REMOVALS  Pollutant %Removal ...
    [LID_USAGE]
    Subcatch  LID  Number  Area  Width  InitSat  FromImp  ToPerv  [RptFile DrainTo FromPerv]

Everything is kept in the file's units (depths in or mm, rates in/h or mm/h, areas ft2
or m2, widths ft or m); :mod:`twin.engine.lid` converts with SWMM's own factors.  A bad
field is an :class:`~twin.errors.InputError` naming file, line, section and field, with
SWMM's error number; an LID used in [LID_USAGE] but not defined names both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.networks.inp_context import ReadContext, Row
from twin.networks.inp_tokens import findmatch

#: SWMM's LidTypeWords, in its LidTypes order
LID_TYPES = ("BC", "RG", "GR", "IT", "PP", "RB", "VS", "RD")
LID_TYPE_NAMES = ("bio-retention cell", "rain garden", "green roof", "infiltration trench",
                  "permeable pavement", "rain barrel", "vegetative swale",
                  "rooftop disconnection")  # fmt: skip
BC, RG, GR, IT, PP, RB, VS, RD = range(8)
#: SWMM's LidLayerWords (DRAINMAT before DRAIN so that the two are told apart)
LAYERS = ("SURFACE", "SOIL", "STORAGE", "PAVEMENT", "DRAINMAT", "DRAIN", "REMOVALS")
_FIELDS = {
    "SURFACE": ["StorageHeight", "VegetationFraction", "Roughness", "Slope", "SideSlope"],
    "PAVEMENT": ["Thickness", "VoidRatio", "ImperviousFraction", "Permeability",
                 "ClogFactor", "RegenDays", "RegenDegree"],
    "SOIL": ["Thickness", "Porosity", "FieldCapacity", "WiltingPoint", "Ksat", "Kslope",
             "Suction"],
    "STORAGE": ["Thickness", "VoidRatio", "Ksat", "ClogFactor", "Covered"],
    "DRAIN": ["Coefficient", "Exponent", "Offset", "Delay", "OpenLevel", "CloseLevel",
              "Curve"],
    "DRAINMAT": ["Thickness", "VoidFraction", "Roughness"],
}  # fmt: skip
_USAGE_FIELDS = ["Subcatchment", "LID", "Number", "Area", "Width", "InitSat", "FromImp",
                 "ToPerv", "RptFile", "DrainTo", "FromPerv"]  # fmt: skip


def _z(shape, dtype=np.float64):
    return field(default_factory=lambda: np.zeros(shape, dtype))


@dataclass(eq=False)
class LidControls:
    """The LID controls of [LID_CONTROLS] (file units), in order of first appearance.

    Attributes
    ----------
    names : list of str
    kind : (n,) int64
        Index into :data:`LID_TYPES`.
    surface : (n, 5) float64
        Storage height, vegetation volume fraction, roughness, slope [%], side slope.
    pavement : (n, 7) float64
        Thickness, void ratio, impervious fraction, permeability, clog factor, regen
        days, regen degree.
    soil : (n, 7) float64
        Thickness, porosity, field capacity, wilting point, Ksat, Kslope, suction.
    storage : (n, 4) float64
        Thickness, void ratio, Ksat, clog factor.
    covered : (n,) bool
        Rain barrel covered (STORAGE's optional YES).
    drain : (n, 6) float64
        Coefficient, exponent, offset, delay [h], open level, close level.
    drain_curve : list of str
        Curve scaling the drain flow by head ("" none).
    drainmat : (n, 3) float64
        Thickness, void fraction, roughness.
    line : (n,) int64
        Line that declared each control (its type line, else its first line).
    """

    names: list[str] = field(default_factory=list)
    kind: np.ndarray = _z(0, np.int64)
    surface: np.ndarray = _z((0, 5))
    pavement: np.ndarray = _z((0, 7))
    soil: np.ndarray = _z((0, 7))
    storage: np.ndarray = _z((0, 4))
    covered: np.ndarray = _z(0, bool)
    drain: np.ndarray = _z((0, 6))
    drain_curve: list[str] = field(default_factory=list)
    drainmat: np.ndarray = _z((0, 3))
    line: np.ndarray = _z(0, np.int64)

    def __len__(self) -> int:
        return len(self.names)


@dataclass(eq=False)
class LidUsage:
    """[LID_USAGE]: the LID units placed in subcatchments, in file order (lines with
    zero units are skipped, as SWMM does).

    Attributes
    ----------
    subcatchment, lid : (k,) int64
    number : (k,) int64
        Replicate units.
    params : (k, 6) float64
        Area of one unit (ft2 or m2), width (ft or m), initial saturation [%], percent of
        impervious runoff treated, to-pervious flag (>0), percent of pervious runoff
        treated.
    drain_subcatchment, drain_node : (k,) int64
        Where the under-drain goes (-1: not given, the subcatchment's outlet).
    report_file : list of str
        Detailed report file named ("" none), written by :mod:`twin.engine.lid_report`.
    line : (k,) int64
    """

    subcatchment: np.ndarray = _z(0, np.int64)
    lid: np.ndarray = _z(0, np.int64)
    number: np.ndarray = _z(0, np.int64)
    params: np.ndarray = _z((0, 6))
    drain_subcatchment: np.ndarray = _z(0, np.int64)
    drain_node: np.ndarray = _z(0, np.int64)
    report_file: list[str] = field(default_factory=list)
    line: np.ndarray = _z(0, np.int64)

    def __len__(self) -> int:
        return len(self.subcatchment)


@dataclass(eq=False)
class Lids:
    """Both LID sections."""

    controls: LidControls = field(default_factory=LidControls)
    usage: LidUsage = field(default_factory=LidUsage)

    def __len__(self) -> int:
        return len(self.usage)


def _numbers(row: Row, first: int, count: int, layer: str) -> list[float]:
    return [row.num(i, minimum=0.0) for i in range(first, first + count)]


def read_lid_controls(ctx: ReadContext, sec) -> LidControls:
    """[LID_CONTROLS]: a type line and layer lines per control, checked as SWMM does."""
    lines = sec.lines if sec else []
    names: list[str] = []
    index: dict[str, int] = {}
    for line in lines:
        key = line.tokens[0].upper()
        if key not in index:
            index[key] = len(names)
            names.append(line.tokens[0])
    n = len(names)
    c = LidControls(
        names=names, kind=np.full(n, -1, np.int64), surface=np.zeros((n, 5)),
        pavement=np.zeros((n, 7)), soil=np.zeros((n, 7)), storage=np.zeros((n, 4)),
        covered=np.zeros(n, bool), drain=np.zeros((n, 6)), drain_curve=[""] * n,
        drainmat=np.zeros((n, 3)), line=np.zeros(n, np.int64),
    )  # fmt: skip
    given = np.zeros((n, len(LAYERS)), bool)
    for line in lines:
        row = Row(ctx, "LID_CONTROLS", line, ["Name", "Type/Layer"])
        row.need(2)
        j = index[line.tokens[0].upper()]
        if c.line[j] == 0:
            c.line[j] = line.no
        m = findmatch(row.toks[1], LID_TYPES)
        if m >= 0:
            c.kind[j] = m
            c.line[j] = line.no
            continue
        layer = findmatch(row.toks[1], LAYERS)
        if layer < 0:
            row.fail(1, f"unknown LID type or layer {row.toks[1][:40]!r} (expected one of "
                     f"{', '.join(LID_TYPES + LAYERS)})", 205)  # fmt: skip
        word = LAYERS[layer]
        row = Row(ctx, "LID_CONTROLS", line, ["Name", "Layer", *_FIELDS.get(word, [])])
        given[j, layer] = True
        _read_layer(row, c, j, word)
    for j, name in enumerate(names):
        _validate_control(ctx, c, j, name)
    return c


def _read_layer(row: Row, c: LidControls, j: int, word: str) -> None:
    if word == "SURFACE":
        row.need(7)
        x = _numbers(row, 2, 5, word)
        if x[1] >= 1.0:
            row.fail(3, f"must be < 1, got {row.toks[3]}", 211)
        c.surface[j] = x
    elif word == "PAVEMENT":
        row.need(7)
        x = _numbers(row, 2, 5, word)
        x.append(row.num(7, minimum=0.0) if row.has(7) else 0.0)
        x.append(row.num(8, minimum=0.0, maximum=1.0) if row.has(8) else 0.0)
        c.pavement[j] = x
    elif word == "SOIL":
        row.need(9)
        c.soil[j] = _numbers(row, 2, 7, word)
    elif word == "STORAGE":
        row.need(6)
        c.storage[j] = _numbers(row, 2, 4, word)
        c.covered[j] = row.has(6) and row.toks[6].upper().startswith("YES")
    elif word == "DRAIN":
        row.need(6)
        x = [row.num(i, minimum=0.0) if row.has(i) else 0.0 for i in range(2, 8)]
        c.drain[j] = x
        if row.has(8):
            c.drain_curve[j] = row.name(8, "curve")
    elif word == "DRAINMAT":
        row.need(5)
        if c.kind[j] == GR:  # SWMM reads a drainage mat for green roofs only
            c.drainmat[j] = _numbers(row, 2, 3, word)
    elif word == "REMOVALS":
        row.need(4)
        i = 2
        while i < len(row):
            row.ref(i, "pollutant")
            if i + 1 >= len(row):
                row.fail(i + 1, "missing % removal", 203)
            row.num(i + 1, minimum=0.0, maximum=100.0)
            i += 2


def _validate_control(ctx: ReadContext, c: LidControls, j: int, name: str) -> None:
    """SWMM's validateLidProc checks (errors 183, 184, 185)."""
    no = int(c.line[j])

    def bad(message, fld, code=185):
        ctx.fail(f"LID {name}: {message}", no, "LID_CONTROLS", fld, code)

    k = int(c.kind[j])
    if k < 0:
        bad("no LID type given (a line 'Name Type' with one of "
            f"{', '.join(LID_TYPES)})", "Type", 183)  # fmt: skip
    soil_t, pave_t, stor_t = c.soil[j, 0], c.pavement[j, 0], c.storage[j, 0]
    missing = {BC: soil_t <= 0, RG: soil_t <= 0, GR: soil_t <= 0 or c.drainmat[j, 0] <= 0,
               PP: pave_t <= 0, IT: stor_t <= 0}.get(k, False)  # fmt: skip
    if missing:
        layer = {PP: "PAVEMENT", IT: "STORAGE"}.get(k, "SOIL")
        if k == GR and soil_t > 0:
            layer = "DRAINMAT"
        bad(f"a {LID_TYPE_NAMES[k]} needs a {layer} layer", layer, 184)
    if k == PP:
        vr = c.pavement[j, 1]
        vf = vr / (vr + 1.0)
        if c.pavement[j, 3] <= 0 or vf <= 0 or c.pavement[j, 2] > 1.0:
            bad("invalid pavement layer parameters (permeability and void ratio > 0, "
                "impervious fraction <= 1)", "PAVEMENT")  # fmt: skip
    if soil_t > 0:
        por, fc, wp, ks, kslope = c.soil[j, 1:6]
        if por <= 0 or fc >= por or wp >= fc or ks <= 0 or kslope < 0:
            bad("invalid soil layer parameters (porosity > field capacity > wilting point, "
                "Ksat > 0)", "SOIL")  # fmt: skip
    if stor_t > 0 and k != RB:
        vr = c.storage[j, 1]
        if vr <= 0:
            bad("invalid storage layer parameters (void ratio > 0)", "STORAGE")
    h_open, h_close = c.drain[j, 4], c.drain[j, 5]
    if h_open > 0 and h_open <= h_close:
        bad("drain open level must be above its close level", "DRAIN")
    if k == VS and (c.surface[j, 2] * c.surface[j, 3] <= 0 or c.surface[j, 0] == 0):
        bad("a vegetative swale needs a surface with storage height, roughness and slope "
            "> 0", "SURFACE")  # fmt: skip


def read_lid_usage(ctx: ReadContext, sec, controls: LidControls) -> LidUsage:
    """[LID_USAGE]: LID units in subcatchments, checked as SWMM's ``lid_readGroupParams``
    and ``validateLidGroup`` check them (areas and treated fractions at most 100 %)."""
    index = {name.upper(): j for j, name in enumerate(controls.names)}
    rows = []
    for line in sec.lines if sec else []:
        row = Row(ctx, "LID_USAGE", line, _USAGE_FIELDS)
        row.need(8)
        j = row.ref(0, "subcatchment")
        k = index.get(row.toks[1].upper(), -1)
        if k < 0:
            row.fail(1, f"LID {row.toks[1][:40]!r} of subcatchment {row.toks[0][:40]} is not "
                     "defined in [LID_CONTROLS]", 209)  # fmt: skip
        n = row.integer(2, minimum=0)
        if n == 0:
            continue
        x = [row.num(i, minimum=0.0) for i in range(3, 8)]
        for i in (5, 6):
            if x[i - 3] > 100.0:
                row.fail(i, f"must be <= 100, got {row.toks[i]}", 211)
        report = row.toks[8] if row.has(8) and row.toks[8] != "*" else ""
        d_sub = d_node = -1
        if row.has(9) and row.toks[9] != "*":
            d_sub = ctx.find("subcatchment", row.toks[9])
            if d_sub < 0:
                d_node = ctx.find("node", row.toks[9])
                if d_node < 0:
                    row.fail(9, f"drain outlet {row.toks[9][:40]!r} is neither a "
                             "subcatchment nor a node", 209)  # fmt: skip
        from_perv = row.num(10, minimum=0.0, maximum=100.0) if row.has(10) else 0.0
        rows.append((j, k, n, [*x, from_perv], d_sub, d_node, report, line.no))
    u = LidUsage(
        subcatchment=np.array([r[0] for r in rows], np.int64),
        lid=np.array([r[1] for r in rows], np.int64),
        number=np.array([r[2] for r in rows], np.int64),
        params=np.array([r[3] for r in rows], np.float64).reshape(len(rows), 6),
        drain_subcatchment=np.array([r[4] for r in rows], np.int64),
        drain_node=np.array([r[5] for r in rows], np.int64),
        report_file=[r[6] for r in rows],
        line=np.array([r[7] for r in rows], np.int64),
    )
    return u


def check_lid_areas(ctx: ReadContext, lids: Lids, area_m2: np.ndarray) -> None:
    """SWMM's errors 187/188: a subcatchment's LIDs cover at most its area (``area_m2``
    of each subcatchment) and treat at most all of its impervious and pervious runoff."""
    u = lids.usage
    for j in np.unique(u.subcatchment):
        sel = u.subcatchment == j
        lid_area = float((u.params[sel, 0] * u.number[sel]).sum()) * ctx.lf**2
        first = int(u.line[sel][0])
        name = ctx.names["subcatchment"][int(j)]
        if lid_area > 1.001 * float(area_m2[j]):
            ctx.fail(f"LIDs in subcatchment {name} cover more than its area", first,
                     "LID_USAGE", "Area", 187)  # fmt: skip
        if u.params[sel, 3].sum() > 100.1 or u.params[sel, 5].sum() > 100.1:
            ctx.fail(f"LIDs in subcatchment {name} treat more than 100 % of its runoff",
                     first, "LID_USAGE", "FromImp", 188)  # fmt: skip


def read_lids(ctx: ReadContext, controls_sec, usage_sec, area_m2: np.ndarray) -> Lids:
    """Both sections (``None`` when absent); ``area_m2`` the subcatchments' areas."""
    controls = read_lid_controls(ctx, controls_sec)
    lids = Lids(controls=controls, usage=read_lid_usage(ctx, usage_sec, controls))
    check_lid_areas(ctx, lids, area_m2)
    return lids


def lids_from_sections(net, source: str = "") -> Lids:
    """[LID_CONTROLS] and [LID_USAGE] of ``net.sections`` (their verbatim lines) read again,
    after a change to those lines (a scenario's LIDs); errors name ``source`` and the
    line within the section."""
    from twin.networks.inp_tokens import split_sections, tokenize

    pollutants = [t[0] for t in map(tokenize, net.sections.get("POLLUTANTS", [])) if t]
    text = "".join(f"[{name}]\n" + "\n".join(net.sections.get(name, [])) + "\n"
                   for name in ("LID_CONTROLS", "LID_USAGE"))  # fmt: skip
    sections, _ = split_sections(text, source)
    ctx = ReadContext(source)
    ctx.set_flow_units(net.flow_units)
    for kind, names in (("subcatchment", net.subcatchments.name), ("node", net.nodes.name),
                        ("curve", list(net.curves)), ("pollutant", pollutants)):  # fmt: skip
        for name in names:
            ctx.index[kind][str(name).upper()] = len(ctx.names[kind])
            ctx.names[kind].append(str(name))
    return read_lids(ctx, sections.get("LID_CONTROLS"), sections.get("LID_USAGE"),
                     np.asarray(net.subcatchments.area_m2, np.float64))  # fmt: skip
