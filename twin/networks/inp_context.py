"""Reading context of the ``.inp`` reader: name registries, units, and field access.

:class:`ReadContext` holds what every section parser needs (the file name, the
unit system, case-insensitive name -> id maps filled by the first pass);
:class:`Row` wraps one data line so that every failure becomes an
:class:`~twin.errors.InputError` naming file, line, section and field.
"""

from __future__ import annotations

from twin.errors import InputError
from twin.limits import INP_ANY, INP_RANGES
from twin.networks import units
from twin.networks.inp_tokens import Line, findmatch, to_float

# name registries filled by the first pass: kind -> section(s) whose first token names it
REGISTRY_SECTIONS = {
    "node": ("JUNCTIONS", "OUTFALLS", "STORAGE", "DIVIDERS"),
    "link": ("CONDUITS", "PUMPS", "ORIFICES", "WEIRS", "OUTLETS"),
    "subcatchment": ("SUBCATCHMENTS",),
    "raingage": ("RAINGAGES",),
    "curve": ("CURVES",),
    "timeseries": ("TIMESERIES",),
    "pattern": ("PATTERNS",),
    "pollutant": ("POLLUTANTS",),
    "snowpack": ("SNOWPACKS",),
    "landuse": ("LANDUSES",),
    "aquifer": ("AQUIFERS",),
    "street": ("STREETS",),
    "inlet": ("INLETS",),
    "unithyd": ("HYDROGRAPHS",),
}
# kinds that may span several lines under one name
MULTILINE = {"curve", "timeseries", "pattern", "snowpack", "unithyd", "inlet"}


class ReadContext:
    """State shared by the section parsers while one file is read."""

    def __init__(self, source: str):
        self.source = source
        self.flow_units = "CFS"
        self.unit_system = "US"
        self.infil_default = 0
        self.offsets_are_elevations = False
        self.names: dict[str, list[str]] = {k: [] for k in REGISTRY_SECTIONS}
        self.index: dict[str, dict[str, int]] = {k: {} for k in REGISTRY_SECTIONS}
        self.node_section: list[str] = []  # section of each node, in id order
        self.link_section: list[str] = []
        self.transects: dict[str, int] = {}
        self.transect_names: list[str] = []
        self.notes: list[str] = []  # lenient skips, reported in one warning
        #: (kind, id) -> (line number, section) of the line that declared the object
        self.declared_at: dict[tuple[str, int], tuple[int, str]] = {}
        #: (section, key) -> line number of other lines checks name later (options,
        #: cross sections, the first point of a curve)
        self.line_of: dict[tuple[str, str], int] = {}

    # -- units ----------------------------------------------------------------
    def set_flow_units(self, flow_units: str) -> None:
        self.flow_units = flow_units
        self.unit_system = units.unit_system_of(flow_units)

    @property
    def lf(self) -> float:
        """File length -> m."""
        return units.length_to_m(self.unit_system)

    @property
    def qf(self) -> float:
        """File flow -> m3/s."""
        return units.flow_to_m3s(self.flow_units)

    @property
    def rate_f(self) -> float:
        """File rain/infiltration rate -> mm/h."""
        return units.rain_rate_to_mmh(self.unit_system)

    @property
    def depth_f(self) -> float:
        """File rain depth -> mm."""
        return units.rain_depth_to_mm(self.unit_system)

    # -- names ----------------------------------------------------------------
    def register(self, kind: str, name: str, line: Line, section: str) -> None:
        key = name.upper()
        idx = self.index[kind]
        if key in idx:
            if kind in MULTILINE:
                return
            raise InputError(
                f"duplicate {kind} name {name!r}",
                file=self.source,
                line=line.no,
                section=section,
                field="Name",
                code=207,
            )
        self.declared_at[(kind, len(self.names[kind]))] = (line.no, section)
        idx[key] = len(self.names[kind])
        self.names[kind].append(name)
        if kind == "node":
            self.node_section.append(section)
        elif kind == "link":
            self.link_section.append(section)

    def find(self, kind: str, name: str) -> int:
        """Id of ``name`` among ``kind`` (case-insensitive), -1 if absent."""
        if kind == "transect":
            return self.transects.get(name.upper(), -1)
        return self.index[kind].get(name.upper(), -1)

    def canonical(self, kind: str, name: str) -> str:
        """The name as declared (callers may spell it in another case)."""
        i = self.find(kind, name)
        if i < 0:
            return name
        if kind == "transect":
            return self.transect_names[i]
        return self.names[kind][i]

    def fail(
        self,
        message: str,
        line: Line | int | None,
        section: str | None,
        field: str | None,
        code: int | None = None,
    ):
        """Raise an InputError here; ``code`` is SWMM's error number for the same fault."""
        raise InputError(
            message,
            file=self.source,
            line=line.no if isinstance(line, Line) else line,
            section=section,
            field=field,
            code=code,
        )

    def fail_at(self, kind: str, i: int, message: str, field: str | None, code: int):
        """Raise an InputError at the line that declared object ``i`` of ``kind``."""
        no, section = self.declared_at.get((kind, i), (None, None))
        self.fail(message, no, section, field, code)


class Row:
    """Checked access to the tokens of one data line."""

    def __init__(self, ctx: ReadContext, section: str, line: Line, fields: list[str]):
        self.ctx = ctx
        self.section = section
        self.line = line
        self.toks = line.tokens
        self.fields = fields

    def __len__(self) -> int:
        return len(self.toks)

    def field(self, i: int) -> str:
        return self.fields[i] if i < len(self.fields) else f"item {i + 1}"

    def fail(self, i: int, message: str, code: int | None = None):
        self.ctx.fail(message, self.line, self.section, self.field(i), code)

    def has(self, i: int) -> bool:
        return i < len(self.toks)

    def need(self, n: int) -> None:
        """At least ``n`` tokens, else an error naming the first missing field."""
        if len(self.toks) < n:
            self.fail(len(self.toks), f"missing value (expected at least {n} items)", 203)

    def tok(self, i: int) -> str:
        if i >= len(self.toks):
            self.fail(i, "missing value", 203)
        return self.toks[i]

    def num(
        self, i: int, *, default=None, minimum=None, positive=False, maximum=None, code=211
    ) -> float:
        """A number at token ``i``; ``default`` when absent (if given).  Out of range
        is SWMM's error ``code`` (211, invalid number, unless SWMM names the fault)."""
        if i >= len(self.toks):
            if default is not None:
                return default
            self.fail(i, "missing value", 203)
        s = self.toks[i]
        v = to_float(s)
        if v is None:
            self.fail(i, f"expected a number, got {s[:40]!r}", 211)
        if minimum is not None and v < minimum:
            self.fail(i, f"must be >= {minimum:g}, got {s}", code)
        if positive and v <= 0.0:
            self.fail(i, f"must be > 0, got {s}", code)
        if maximum is not None and v > maximum:
            self.fail(i, f"must be <= {maximum:g}, got {s}", code)
        low, high = INP_RANGES.get((self.section, self.field(i)), (-INP_ANY, INP_ANY))
        if not low <= v <= high:  # twin.limits: no overflow reaches the simulation
            self.fail(i, f"{s[:40]} is outside the physical range [{low:g}, {high:g}]")
        return v

    def integer(self, i: int, *, default=None, minimum=0, maximum=10**6) -> int:
        v = self.num(i, default=default)
        k = int(v + 0.01) if v >= 0 else int(v - 0.01)
        if k < minimum or k > maximum:
            self.fail(i, f"must be an integer in [{minimum}, {maximum}], got {self.toks[i]}", 211)
        return k

    def word(self, i: int, words, what: str = "keyword") -> int:
        """Index of the keyword at token ``i`` among ``words`` (SWMM prefix match)."""
        s = self.tok(i)
        k = findmatch(s, words)
        if k < 0:
            self.fail(i, f"unknown {what} {s[:40]!r} (expected one of {', '.join(words)})", 205)
        return k

    def ref(self, i: int, kind: str) -> int:
        """Id of the ``kind`` named at token ``i``; an unknown name is an error."""
        s = self.tok(i)
        k = self.ctx.find(kind, s)
        if k < 0:
            self.fail(i, f"unknown {kind} {s[:40]!r}", 209)
        return k

    def name(self, i: int, kind: str) -> str:
        """Canonical spelling of the ``kind`` named at token ``i`` (must exist)."""
        self.ref(i, kind)
        return self.ctx.canonical(kind, self.toks[i])
