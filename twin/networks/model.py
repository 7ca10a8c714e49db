"""The Network model: struct-of-arrays tables for a sewer network, in SI units.

Every table is a dataclass of parallel 1-D numpy arrays indexed by an integer id
(the row), with ``name`` kept beside it and a name -> id map built on demand.
Lengths are metres, areas square metres, flows cubic metres per second, rainfall
and infiltration rates millimetres per hour, rainfall and storage depths
millimetres.  Curves and time series keep the numbers of the file (their units
depend on what uses them); :mod:`twin.networks.units` converts them for each use,
and ``Network.unit_system`` / ``Network.flow_units`` say what the file used.

Element kinds are :class:`~twin.kernels.codes.NodeKind`,
:class:`~twin.kernels.codes.LinkKind`, :class:`~twin.kernels.codes.OutfallKind`
and :class:`~twin.kernels.codes.Shape`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from twin.kernels.codes import InfilModel, LinkKind, NodeKind, OutfallKind, RouteTo, Shape
from twin.networks.inp_adjustments import Adjustments
from twin.networks.inp_groundwater import Aquifers, GroundwaterLinks
from twin.networks.inp_inlets import Inlets
from twin.networks.inp_lid import Lids
from twin.networks.inp_rdii import RdiiInflows, UnitHydrographs

__all__ = [
    "Curve",
    "DryWeatherFlowTable",
    "InflowTable",
    "LinkTable",
    "Network",
    "NodeTable",
    "Pattern",
    "RaingageTable",
    "SubcatchmentTable",
    "TimeSeries",
    "NodeKind",
    "LinkKind",
    "OutfallKind",
    "Shape",
    "InfilModel",
    "RouteTo",
]


class _Table:
    """Common behaviour of the struct-of-arrays tables.

    A table read through its Network (``net.links``) knows that Network, so its
    DataFrame can name the nodes and gauges its ids point at.
    """

    name: np.ndarray
    _kind = ""  # "node", "link", "subcatchment": what the rows are (for the frames)
    _network = None  # set by the Network that holds the table

    def __len__(self) -> int:
        return len(self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_count_text(self)})"

    def to_dataframe(self):
        """The table as a ``pandas.DataFrame`` indexed by name (see
        :mod:`twin.networks.frames`)."""
        from twin.networks.frames import table_frame

        return table_frame(self, self._kind, self._network)

    def to_geodataframe(self, crs=None):
        """:meth:`to_dataframe` with point, line or polygon geometry (needs GeoPandas)."""
        from twin.networks.frames import table_geoframe

        return table_geoframe(self, self._kind, self._network, crs=crs)

    def index_of(self) -> dict[str, int]:
        """Name -> integer id map."""
        return {str(n): i for i, n in enumerate(self.name)}

    def equals(self, other: _Table, rtol: float = 1e-9) -> bool:
        """True when every column is equal (floats to ``rtol``, NaN equal to NaN)."""
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, list) or isinstance(b, list):
                if not _lists_equal(a, b, rtol):
                    return False
                continue
            a, b = np.asarray(a), np.asarray(b)
            if a.shape != b.shape:
                return False
            if a.dtype.kind == "f":
                if not np.allclose(a, b, rtol=rtol, atol=1e-12, equal_nan=True):
                    return False
            elif not np.array_equal(a, b):
                return False
        return True


def _count_text(table) -> str:
    """``"74 nodes: 70 junctions, 3 outfalls, 1 storage"``: the rows, by kind when known."""
    noun = table._kind or "row"
    n = len(table)
    text = f"{n} {noun}{'s' if n != 1 else ''}"
    kinds = getattr(table, "kind", None)
    enum = {"node": NodeKind, "link": LinkKind}.get(table._kind)
    if enum is not None and kinds is not None and n:
        counts = np.bincount(np.asarray(kinds, np.int64), minlength=len(enum))
        parts = [f"{c} {k.name.lower()}{'s' if c != 1 else ''}"
                 for k, c in zip(enum, counts, strict=False) if c]  # fmt: skip
        text += ": " + ", ".join(parts)
    elif n:
        shown = ", ".join(str(v) for v in table.name[:3])
        text += f": {shown}{', ...' if n > 3 else ''}"
    return text


def _lists_equal(a, b, rtol: float) -> bool:
    """Per-row comparison of list columns (e.g. polygons: arrays or None)."""
    if not isinstance(a, list) or not isinstance(b, list) or len(a) != len(b):
        return False
    for u, v in zip(a, b, strict=True):
        if u is None or v is None:
            if u is not v:
                return False
            continue
        u, v = np.asarray(u), np.asarray(v)
        if u.shape != v.shape or not np.allclose(u, v, rtol=rtol, atol=1e-12, equal_nan=True):
            return False
    return True


@dataclass(eq=False, repr=False)
class NodeTable(_Table):
    """All nodes: junctions, outfalls, dividers and storage units, ids 0..n-1.

    Columns that belong to one kind hold NaN, -1, "" or False for the others.
    """

    _kind = "node"

    name: np.ndarray  # (n,) object, str
    kind: np.ndarray  # (n,) int8, NodeKind
    invert_m: np.ndarray  # (n,) float64, invert elevation
    max_depth_m: np.ndarray  # (n,) float64, rim depth above invert (0 = SWMM default)
    init_depth_m: np.ndarray  # (n,) float64
    surcharge_depth_m: np.ndarray  # (n,) float64, extra depth allowed above rim
    ponded_area_m2: np.ndarray  # (n,) float64
    x: np.ndarray  # (n,) float64, map coordinate from [COORDINATES], NaN if absent
    y: np.ndarray  # (n,) float64
    # outfalls
    outfall_kind: np.ndarray  # (n,) int8, OutfallKind or -1
    outfall_stage_m: np.ndarray  # (n,) float64, FIXED stage elevation
    outfall_series: np.ndarray  # (n,) object, TIDAL curve / TIMESERIES name or ""
    flap_gate: np.ndarray  # (n,) bool, outfall flap gate
    route_to: np.ndarray  # (n,) object, outfall route-to subcatchment or ""
    # storage units
    storage_shape: np.ndarray  # (n,) object: FUNCTIONAL TABULAR CYLINDRICAL CONICAL ...
    storage_params: np.ndarray  # (n, 3) float64, shape parameters converted to SI:
    #   FUNCTIONAL: a1, a2, a0 with area[m2] = a0 + a1 * depth[m]**a2
    #   CYLINDRICAL: length m, width m, (unused); CONICAL, PYRAMIDAL: length m, width m,
    #   side slope (run/rise, -); PARABOLOID: length m, width m, height m; TABULAR: NaN
    storage_curve: np.ndarray  # (n,) object, TABULAR storage curve name or ""
    evap_factor: np.ndarray  # (n,) float64, fraction of evaporation applied
    seepage: np.ndarray  # (n, 3) float64: suction mm, ksat mm/h, initial deficit; NaN none
    # dividers
    divider_link: np.ndarray  # (n,) object, diverted link name or ""
    divider_kind: np.ndarray  # (n,) object: CUTOFF OVERFLOW TABULAR WEIR or ""
    divider_params: np.ndarray  # (n, 3) float64: cutoff m3/s | weir qmin m3/s, height m, cd
    #   (WEIR cd in SI: full weir flow [m3/s] = cd * height[m]**1.5); NaN where unused
    divider_curve: np.ndarray  # (n,) object, TABULAR diversion curve or ""


@dataclass(eq=False, repr=False)
class LinkTable(_Table):
    """All links: conduits, pumps, orifices, weirs and outlets, ids 0..n-1."""

    _kind = "link"

    name: np.ndarray  # (n,) object
    kind: np.ndarray  # (n,) int8, LinkKind
    from_node: np.ndarray  # (n,) int64 node id
    to_node: np.ndarray  # (n,) int64 node id
    in_offset_m: np.ndarray  # (n,) float64 (orifice/weir crest/outlet offset here too);
    #   heights above the node invert, or elevations when option LINK_OFFSETS is
    #   ELEVATION (NaN for '*'): use Network.offsets_above_invert() for heights
    out_offset_m: np.ndarray  # (n,) float64
    init_flow_m3s: np.ndarray  # (n,) float64
    max_flow_m3s: np.ndarray  # (n,) float64, 0 = unlimited
    # conduits
    length_m: np.ndarray  # (n,) float64
    roughness: np.ndarray  # (n,) float64, Manning n
    # cross sections ([XSECTIONS]); geom in metres where SWMM takes a length
    shape: np.ndarray  # (n,) int8, Shape (DUMMY when the link has none)
    geom: np.ndarray  # (n, 4) float64
    barrels: np.ndarray  # (n,) int64
    culvert: np.ndarray  # (n,) int64, culvert code, 0 = none
    xsect_curve: np.ndarray  # (n,) object, CUSTOM shape curve or IRREGULAR transect name
    # losses ([LOSSES])
    loss_entry: np.ndarray  # (n,) float64
    loss_exit: np.ndarray  # (n,) float64
    loss_avg: np.ndarray  # (n,) float64
    seepage_mmh: np.ndarray  # (n,) float64
    flap_gate: np.ndarray  # (n,) bool (conduit losses, orifice, weir, outlet)
    # pumps
    pump_curve: np.ndarray  # (n,) object, curve name, "*" = ideal
    init_on: np.ndarray  # (n,) bool
    startup_depth_m: np.ndarray  # (n,) float64
    shutoff_depth_m: np.ndarray  # (n,) float64
    # orifices, weirs, outlets
    regulator_kind: np.ndarray  # (n,) object: SIDE BOTTOM | TRANSVERSE ... | FUNCTIONAL/HEAD ...
    discharge_coeff: np.ndarray  # (n,) float64: orifice Cd (-); weir Cw in m^0.5/s (SI
    #   weir formula, Q[m3/s] = Cw L h^1.5); outlet C with Q[m3/s] = C * h[m]**exponent
    open_close_time_h: np.ndarray  # (n,) float64, orifice
    end_contractions: np.ndarray  # (n,) float64, weir
    end_coeff: np.ndarray  # (n,) float64, weir end (side) coefficient, m^0.5/s
    can_surcharge: np.ndarray  # (n,) bool, weir
    road_width_m: np.ndarray  # (n,) float64, ROADWAY weir
    road_surface: np.ndarray  # (n,) object, PAVED GRAVEL or ""
    coeff_curve: np.ndarray  # (n,) object, weir coefficient curve or outlet rating curve
    outlet_exponent: np.ndarray  # (n,) float64


@dataclass(eq=False, repr=False)
class SubcatchmentTable(_Table):
    """Subcatchments with their subareas and infiltration, ids 0..n-1."""

    _kind = "subcatchment"

    name: np.ndarray  # (n,) object
    raingage: np.ndarray  # (n,) int64, raingage id
    outlet: np.ndarray  # (n,) object, outlet name as declared (SWMM names ignore case)
    outlet_node: np.ndarray  # (n,) int64 node id or -1
    outlet_subcatchment: np.ndarray  # (n,) int64 subcatchment id or -1
    area_m2: np.ndarray  # (n,) float64
    imperv_pct: np.ndarray  # (n,) float64
    width_m: np.ndarray  # (n,) float64
    slope_pct: np.ndarray  # (n,) float64
    curb_length: np.ndarray  # (n,) float64 (file units; used by pollutants only)
    snowpack: np.ndarray  # (n,) object or ""
    n_imperv: np.ndarray  # (n,) float64
    n_perv: np.ndarray  # (n,) float64
    dstore_imperv_mm: np.ndarray  # (n,) float64
    dstore_perv_mm: np.ndarray  # (n,) float64
    zero_imperv_pct: np.ndarray  # (n,) float64
    route_to: np.ndarray  # (n,) int8: 0 OUTLET, 1 IMPERVIOUS, 2 PERVIOUS
    routed_pct: np.ndarray  # (n,) float64
    infil_model: np.ndarray  # (n,) int8, InfilModel
    infil_params: np.ndarray  # (n, 5) float64, SI, NaN where unused (zeros when the
    #   subcatchment has no [INFILTRATION] line, as in SWMM):
    #   HORTON, MODIFIED_HORTON: max rate mm/h, min rate mm/h, decay 1/h, dry time days,
    #                            max volume mm
    #   GREEN_AMPT, MODIFIED_GREEN_AMPT: suction head mm, ksat mm/h, initial deficit (-)
    #   CURVE_NUMBER: curve number, ksat mm/h (unused by SWMM 5.2), dry time days
    polygon: list = field(default_factory=list)  # per subcatchment (k, 2) float64 or None


@dataclass(eq=False, repr=False)
class RaingageTable(_Table):
    name: np.ndarray  # (n,) object
    form: np.ndarray  # (n,) object: INTENSITY VOLUME CUMULATIVE
    interval_s: np.ndarray  # (n,) float64, recording interval
    scf: np.ndarray  # (n,) float64, snow catch factor
    source: np.ndarray  # (n,) object: TIMESERIES FILE
    series: np.ndarray  # (n,) object, time series name or ""
    file: np.ndarray  # (n,) object, rainfall file path or ""
    station: np.ndarray  # (n,) object
    file_units: np.ndarray  # (n,) object: IN MM or ""
    x: np.ndarray  # (n,) float64, from [SYMBOLS], NaN if absent
    y: np.ndarray  # (n,) float64
    file_start: np.ndarray | None = None  # (n,) object, FILE gage start date as written or ""

    def __post_init__(self):
        if self.file_start is None:
            self.file_start = np.full(len(self.name), "", dtype=object)


@dataclass(eq=False, repr=False)
class InflowTable(_Table):
    """External inflows ([INFLOWS]); ``name`` holds the node name."""

    name: np.ndarray  # (n,) object, node name
    node: np.ndarray  # (n,) int64
    constituent: np.ndarray  # (n,) object, FLOW or pollutant
    series: np.ndarray  # (n,) object, time series name or ""
    kind: np.ndarray  # (n,) object: FLOW CONCEN MASS
    mfactor: np.ndarray  # (n,) float64, units factor
    sfactor: np.ndarray  # (n,) float64, scale factor
    baseline: np.ndarray  # (n,) float64, in file units (flow units for FLOW)
    pattern: np.ndarray  # (n,) object, baseline pattern name or ""


@dataclass(eq=False, repr=False)
class DryWeatherFlowTable(_Table):
    """Dry-weather inflows ([DWF]); ``name`` holds the node name."""

    name: np.ndarray  # (n,) object, node name
    node: np.ndarray  # (n,) int64
    constituent: np.ndarray  # (n,) object
    average: np.ndarray  # (n,) float64, in file units (flow units for FLOW)
    patterns: np.ndarray  # (n, 4) object, pattern names or ""


@dataclass(eq=False)
class Curve:
    name: str
    kind: str  # STORAGE PUMP1..PUMP5 RATING CONTROL DIVERSION TIDAL SHAPE WEIR
    x: np.ndarray  # float64, file units
    y: np.ndarray  # float64, file units


@dataclass(eq=False)
class TimeSeries:
    """A time series in file units; either ``file`` or the points are set.

    ``time_h`` holds hours since the simulation start when ``date`` is NaT, else
    hours since midnight of that date (SWMM's two forms).
    """

    name: str
    date: np.ndarray  # (k,) datetime64[D] or NaT
    time_h: np.ndarray  # (k,) float64
    value: np.ndarray  # (k,) float64
    file: str = ""


@dataclass(eq=False)
class Pattern:
    name: str
    kind: str  # MONTHLY DAILY HOURLY WEEKEND
    factors: np.ndarray  # float64


@dataclass(eq=False, repr=False)
class Network:
    """A sewer network read from a SWMM ``.inp`` file or made by the generator.

    Tables are in SI (see the module docstring).  ``sections`` keeps, verbatim,
    the sections that the model does not interpret (POLLUTANTS, LANDUSES, LID_*,
    ...) so that writing the network loses nothing.
    """

    title: list[str]
    options: dict[str, str]  # raw [OPTIONS] values, keys upper case
    unit_system: str  # "US" or "SI"
    flow_units: str  # CFS GPM MGD CMS LPS MLD
    nodes: NodeTable
    links: LinkTable
    subcatchments: SubcatchmentTable
    raingages: RaingageTable
    inflows: InflowTable
    dwf: DryWeatherFlowTable
    curves: dict[str, Curve] = field(default_factory=dict)
    timeseries: dict[str, TimeSeries] = field(default_factory=dict)
    patterns: dict[str, Pattern] = field(default_factory=dict)
    evaporation: dict[str, list[str]] = field(default_factory=dict)  # raw [EVAPORATION]
    controls: str = ""  # [CONTROLS] text, kept as written
    controls_first_line: int | None = None  # file line of the text's first line
    report: list[str] = field(default_factory=list)  # raw [REPORT] lines
    tags: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, name, tag)
    map: list[str] = field(default_factory=list)  # raw [MAP] lines
    vertices: dict[str, np.ndarray] = field(default_factory=dict)  # link -> (k, 2)
    transects: list[str] = field(default_factory=list)  # raw [TRANSECTS] lines
    # [TRANSECTS] read (twin.networks.inp_transects): name -> TransectGeometry [ft]
    transect_geometry: dict = field(default_factory=dict)
    # [STREETS] names: their sections are in ``transect_geometry`` too (STREET conduits are
    # IRREGULAR ones naming a street; twin.networks.inp_streets)
    streets: list[str] = field(default_factory=list)
    sections: dict[str, list[str]] = field(default_factory=dict)  # unmodelled, verbatim
    # [HYDROGRAPHS] and [RDII] read (twin.networks.inp_rdii; also kept in ``sections``)
    unit_hydrographs: UnitHydrographs = field(default_factory=UnitHydrographs)
    rdii: RdiiInflows = field(default_factory=RdiiInflows)
    # [AQUIFERS] and [GROUNDWATER] read (twin.networks.inp_groundwater; also kept in
    # ``sections``), in the file's units
    aquifers: Aquifers = field(default_factory=Aquifers)
    groundwater: GroundwaterLinks = field(default_factory=GroundwaterLinks)
    # [ADJUSTMENTS] read (twin.networks.inp_adjustments; also kept in ``sections``)
    adjustments: Adjustments = field(default_factory=Adjustments)
    # [LID_CONTROLS] and [LID_USAGE] read (twin.networks.inp_lid; also kept in ``sections``)
    lids: Lids = field(default_factory=Lids)
    # [INLETS] and [INLET_USAGE] read (twin.networks.inp_inlets; also kept in ``sections``),
    # and the [STREETS] numbers the inlets need, by upper-case street name (file units)
    inlets: Inlets = field(default_factory=Inlets)
    street_params: dict = field(default_factory=dict)
    source: str = ""  # file the network came from, "" if generated
    crs: str = ""  # CRS of the map coordinates (WKT, "EPSG:5186" ...), from <stem>.prj; "" unknown

    def __post_init__(self):
        for table in (self.nodes, self.links, self.subcatchments, self.raingages):
            table._network = self  # its frames name the nodes and gauges ids point at

    def __repr__(self) -> str:
        source = self.source.replace("\\", "/").rsplit("/", 1)[-1] if self.source else ""
        kinds = {"node": self.nodes, "link": self.links}
        parts = [f"{_count_text(t)}" for t in kinds.values()]
        parts.append(f"{self.n_subcatchments} subcatchments")
        routing = self.option("FLOW_ROUTING", "DYNWAVE")
        return (f"Network({source or 'generated'!r}; {'; '.join(parts)}; {routing}, "
                f"{self.flow_units})")  # fmt: skip

    # -- convenience -------------------------------------------------------
    def to_networkx(self):
        """The network as a ``networkx.MultiDiGraph`` (see :mod:`twin.networks.frames`)."""
        from twin.networks.frames import network_graph

        return network_graph(self)

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_links(self) -> int:
        return len(self.links)

    @property
    def n_subcatchments(self) -> int:
        return len(self.subcatchments)

    def option(self, key: str, default: str | None = None) -> str | None:
        """Raw value of an [OPTIONS] key (case-insensitive), or ``default``."""
        return self.options.get(key.upper(), default)

    def offsets_above_invert(self) -> tuple[np.ndarray, np.ndarray]:
        """Link end offsets as heights above the node inverts [m], as SWMM uses them.

        With ``LINK_OFFSETS ELEVATION`` the tables hold elevations (NaN for
        ``*``); this converts them the way SWMM's ``link_getOffsetHeight`` does
        (a missing or slightly negative height becomes 0; pumps have 0).

        Returns
        -------
        (in_offset, out_offset) : two (n_links,) float64 arrays, m
        """
        a = np.nan_to_num(self.links.in_offset_m.astype(np.float64), nan=0.0)
        b = np.nan_to_num(self.links.out_offset_m.astype(np.float64), nan=0.0)
        if self.option("LINK_OFFSETS", "DEPTH").upper().startswith("ELEV"):
            inv = self.nodes.invert_m
            a = np.where(np.isnan(self.links.in_offset_m), 0.0, a - inv[self.links.from_node])
            b = np.where(np.isnan(self.links.out_offset_m), 0.0, b - inv[self.links.to_node])
            a, b = np.maximum(a, 0.0), np.maximum(b, 0.0)
        pump = self.links.kind == LinkKind.PUMP
        a[pump] = 0.0
        b[pump] = 0.0
        return a, b

    @classmethod
    def from_inp(cls, path) -> Network:
        """Read a SWMM 5.2 ``.inp`` file (see :func:`twin.networks.inp_reader.read_inp`)."""
        from twin.networks.inp_reader import read_inp

        return read_inp(path)

    def to_inp(self, path) -> None:
        """Write a SWMM 5.2 ``.inp`` file atomically (temporary name, then rename)."""
        from twin.networks.inp_writer import write_inp

        write_inp(self, path)
