"""[INLETS] and [INLET_USAGE]: SWMM 5.2's street and channel inlets, read as ``inlet.c`` reads them.

::

    [INLETS]
    Name  GRATE       Length  Width  GrateType  [OpenArea  SplashVeloc]
    Name  CURB        Length  Height  [HORIZONTAL|INCLINED|VERTICAL]
    Name  SLOTTED     Length  Width
    Name  DROP_GRATE  Length  Width  GrateType  [OpenArea  SplashVeloc]
    Name  DROP_CURB   Length  Height
    Name  CUSTOM      Curve
    [INLET_USAGE]
    Conduit  Inlet  CaptureNode  [Number  %Clogged  Qmax  aLocal  wLocal  Placement]

A GRATE line and a CURB line under one name make a combination inlet.  GrateType is one
of P_BAR-50, P_BAR-50x100, P_BAR-30, CURVED_VANE, TILT_BAR-45, TILT_BAR-30, RETICULINE,
GENERIC (OpenArea and SplashVeloc are read for GENERIC only, as SWMM does; SWMM's
keyword match takes P_BAR-50x100 as P_BAR-50, and so do we).  Qmax is a flow per inlet
(0: no limit), aLocal and wLocal the local gutter depression and its width, Placement
AUTOMATIC (the default), ON_GRADE or ON_SAG.  Lengths and flows stay in the file's
units here; the router converts them (:mod:`twin.engine.inlets`).  A second usage line
for a conduit replaces the first (SWMM keeps one inlet per conduit).  A bad field is an
InputError naming file, line, section and field (SWMM's error codes); an inlet or curve
that is named but missing names both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from twin.networks.inp_context import ReadContext, Row

INLET_TYPES = ("GRATE", "CURB", "", "SLOTTED", "DROP_GRATE", "DROP_CURB", "CUSTOM")
GRATE, CURB, COMBO, SLOTTED, DROP_GRATE, DROP_CURB, CUSTOM = range(7)
GRATE_TYPES = ("P_BAR-50", "P_BAR-50x100", "P_BAR-30", "CURVED_VANE", "TILT_BAR-45",
               "TILT_BAR-30", "RETICULINE", "GENERIC")  # fmt: skip
GENERIC = 7
THROAT_ANGLES = ("HORIZONTAL", "INCLINED", "VERTICAL")
VERTICAL_THROAT = 2
PLACEMENTS = ("AUTOMATIC", "ON_GRADE", "ON_SAG")
_DESIGN_FIELDS = ["Name", "Type", "Length", "Width", "GrateType", "OpenArea", "SplashVeloc"]
_CURB_FIELDS = ["Name", "Type", "Length", "Height", "ThroatAngle"]
_CUSTOM_FIELDS = ["Name", "Type", "Curve"]
_USAGE_FIELDS = ["Conduit", "Inlet", "CaptureNode", "Number", "PercentClogged", "Qmax",
                 "aLocal", "wLocal", "Placement"]  # fmt: skip


@dataclass(eq=False)
class InletDesign:
    """One [INLETS] design (lengths in the file's units, velocities per second).

    ``kind`` is one of GRATE, CURB, COMBO, SLOTTED, DROP_GRATE, DROP_CURB, CUSTOM; a
    length of 0 marks a part the design lacks, as in SWMM.
    """

    name: str
    kind: int = CUSTOM
    grate_type: int = -1
    grate_length: float = 0.0
    grate_width: float = 0.0
    open_fraction: float = 0.0
    splash_velocity: float = 0.0
    curb_length: float = 0.0
    curb_height: float = 0.0
    throat: int = VERTICAL_THROAT
    slot_length: float = 0.0
    slot_width: float = 0.0
    curve: str = ""  # a CUSTOM design's DIVERSION or RATING curve


@dataclass(eq=False)
class InletUsage:
    """One [INLET_USAGE] line: the conduit, its design, and where captured flow goes."""

    link: int
    design: str
    node: int
    count: int = 1
    percent_clogged: float = 0.0
    flow_limit: float = 0.0  # file flow units, per inlet; 0 none
    local_depression: float = 0.0  # file length
    local_width: float = 0.0  # file length
    placement: int = 0  # index in PLACEMENTS
    line: int = 0


@dataclass(eq=False)
class Inlets:
    """The inlet designs by name and the usages in file order (one per conduit)."""

    designs: dict[str, InletDesign] = field(default_factory=dict)
    usages: list[InletUsage] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.usages)


def read_inlets(ctx: ReadContext, designs_sec, usage_sec) -> Inlets:
    """The [INLETS] designs and the [INLET_USAGE] lines."""
    out = Inlets()
    for line in designs_sec.lines if designs_sec else []:
        _read_design(ctx, line, out.designs)
    by_link: dict[int, int] = {}
    for line in usage_sec.lines if usage_sec else []:
        usage = _read_usage(ctx, line, out.designs)
        if usage.link in by_link:
            out.usages[by_link[usage.link]] = usage
        else:
            by_link[usage.link] = len(out.usages)
            out.usages.append(usage)
    return out


def _read_design(ctx: ReadContext, line, designs: dict[str, InletDesign]) -> None:
    row = Row(ctx, "INLETS", line, _DESIGN_FIELDS)
    row.need(3)
    name = row.name(0, "inlet")
    d = designs.setdefault(name, InletDesign(name))
    kind = row.word(1, INLET_TYPES, "inlet type")
    d.kind = kind
    if kind in (GRATE, DROP_GRATE):
        row.need(5)
        d.grate_length = row.num(2, positive=True)
        d.grate_width = row.num(3, positive=True)
        d.grate_type = row.word(4, GRATE_TYPES, "grate type")
        d.open_fraction = d.splash_velocity = 0.0
        if d.grate_type == GENERIC:
            row.need(6)
            d.open_fraction = row.num(5, positive=True, maximum=1.0)
            d.splash_velocity = row.num(6, default=0.0, minimum=0.0)
        if kind == GRATE and d.curb_length > 0.0:
            d.kind = COMBO
    elif kind in (CURB, DROP_CURB):
        row.fields = _CURB_FIELDS
        row.need(4)
        d.curb_length = row.num(2, positive=True)
        d.curb_height = row.num(3, positive=True)
        d.throat = VERTICAL_THROAT
        if kind == CURB and row.has(4):
            d.throat = row.word(4, THROAT_ANGLES, "throat angle")
        if kind == CURB and d.grate_length > 0.0:
            d.kind = COMBO
    elif kind == SLOTTED:
        row.need(4)
        d.slot_length = row.num(2, positive=True)
        d.slot_width = row.num(3, positive=True)
    else:
        row.fields = _CUSTOM_FIELDS
        if ctx.find("curve", row.tok(2)) < 0:
            row.fail(2, f"inlet {name} names curve {row.tok(2)[:40]!r}, which is missing", 209)
        d.curve = row.name(2, "curve")


def _read_usage(ctx: ReadContext, line, designs: dict[str, InletDesign]) -> InletUsage:
    row = Row(ctx, "INLET_USAGE", line, _USAGE_FIELDS)
    row.need(3)
    link = row.ref(0, "link")
    design = row.tok(1)
    if ctx.find("inlet", design) < 0:
        row.fail(1, f"conduit {row.tok(0)} names inlet {design[:40]!r}, which is missing "
                    "from [INLETS]", 209)  # fmt: skip
    design = ctx.canonical("inlet", design)
    if design not in designs:  # declared under [INLETS] by name only on a bad line
        row.fail(1, f"inlet {design!r} has no design line in [INLETS]", 209)
    node = row.ref(2, "node")
    u = InletUsage(link=link, design=design, node=node, line=line.no)
    if row.has(3):
        u.count = row.integer(3, minimum=1)
    u.percent_clogged = row.num(4, default=0.0, minimum=0.0, maximum=99.0)
    u.flow_limit = row.num(5, default=0.0, minimum=0.0)
    u.local_depression = row.num(6, default=0.0, minimum=0.0)
    u.local_width = row.num(7, default=0.0, minimum=0.0)
    if row.has(8):
        u.placement = row.word(8, PLACEMENTS, "placement")
    return u


@dataclass(eq=False)
class StreetParams:
    """The [STREETS] numbers the inlets need (file units; slopes as fractions)."""

    width: float  # Tcrown, curb to crown
    slope: float  # Sx
    roughness: float
    gutter_depression: float
    gutter_width: float
    sides: int


def street_params(ctx: ReadContext, sec) -> dict[str, StreetParams]:
    """The street numbers of each [STREETS] line by name (read again after
    :func:`twin.networks.inp_streets.read_streets` has checked every field)."""
    out = {}
    for line in sec.lines if sec else []:
        row = Row(ctx, "STREETS", line, ["Name", "Tcrown", "Hcurb", "Sx", "nRoad", "a", "W",
                                         "Sides"])  # fmt: skip
        sides = row.integer(7, default=2, minimum=1, maximum=2) if row.has(7) else 2
        out[row.name(0, "street").upper()] = StreetParams(
            width=row.num(1), slope=row.num(3) / 100.0, roughness=row.num(4),
            gutter_depression=row.num(5, default=0.0), gutter_width=row.num(6, default=0.0),
            sides=sides,
        )  # fmt: skip
    return out
