"""Read a SWMM 5.2 ``.inp`` file into a :class:`~twin.networks.model.Network` (SI).

Two passes, as SWMM does: the first registers every named object in file order
(so that names may be used before they are declared, and so that our ids are
SWMM's ids), the second parses each section.  Sections the model does not
interpret are kept verbatim in ``Network.sections``.  Every problem with the
input is an :class:`~twin.errors.InputError` naming file, line, section, field.

Examples
--------
>>> net = read_inp_text('''
... [JUNCTIONS]
... J1  10  2
... [OUTFALLS]
... O1  9  FREE
... [CONDUITS]
... C1  J1  O1  100  0.013  0  0
... [XSECTIONS]
... C1  CIRCULAR  1  0  0  0
... ''')
>>> net.n_nodes, net.n_links, round(float(net.links.length_m[0]), 4)
(2, 1, 30.48)
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from twin.errors import InputError, TwinWarning
from twin.networks.inp_adjustments import read_adjustments
from twin.networks.inp_context import REGISTRY_SECTIONS, ReadContext
from twin.networks.inp_data import (
    check_report,
    read_curves,
    read_dwf,
    read_evaporation,
    read_inflows,
    read_options,
    read_patterns,
    read_tags,
    read_timeseries,
    read_vertices,
    transect_names,
)
from twin.networks.inp_groundwater import read_aquifers, read_groundwater
from twin.networks.inp_hydrology import read_raingages, read_subcatchments
from twin.networks.inp_inlets import read_inlets, street_params
from twin.networks.inp_lid import read_lids
from twin.networks.inp_links import read_links
from twin.networks.inp_nodes import read_nodes
from twin.networks.inp_rdii import read_hydrographs, read_rdii
from twin.networks.inp_streets import read_streets
from twin.networks.inp_tokens import split_sections
from twin.networks.inp_transects import read_transects
from twin.networks.inp_validate import validate_project
from twin.networks.model import Network

__all__ = ["read_inp", "read_inp_text", "MODELLED_SECTIONS", "READ_AND_KEPT_SECTIONS"]

MODELLED_SECTIONS = (
    "TITLE OPTIONS EVAPORATION RAINGAGES SUBCATCHMENTS SUBAREAS INFILTRATION JUNCTIONS "
    "OUTFALLS DIVIDERS STORAGE CONDUITS PUMPS ORIFICES WEIRS OUTLETS XSECTIONS TRANSECTS "
    "LOSSES CONTROLS INFLOWS DWF PATTERNS CURVES TIMESERIES REPORT TAGS MAP COORDINATES "
    "VERTICES POLYGONS SYMBOLS"
).split()
#: sections read into the Network and also kept verbatim in ``Network.sections`` (the
#: writer writes them back as they were)
READ_AND_KEPT_SECTIONS = (
    "HYDROGRAPHS",
    "RDII",
    "ADJUSTMENTS",
    "AQUIFERS",
    "GROUNDWATER",
    "GWF",
    "STREETS",
    "LID_CONTROLS",
    "LID_USAGE",
    "INLETS",
    "INLET_USAGE",
    "TEMPERATURE",  # its climate FILE and latitude give evaporation (twin.engine.climate)
)


def read_inp(path) -> Network:
    """Read a SWMM 5.2 ``.inp`` file.

    Parameters
    ----------
    path : path-like
        The file.  Relative ``FILE`` references inside it are kept as written
        (SWMM resolves them against the file's folder; so does the writer).

    Returns
    -------
    Network
        Tables in SI; ``source`` is the absolute path of the file.

    Raises
    ------
    InputError
        For any problem with the file (missing, unreadable, malformed).
    """
    from twin.files import read_input_bytes

    p = Path(os.fspath(path))
    data = read_input_bytes(p, what="network file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    net = read_inp_text(text, source=str(p))
    net.source = str(p.resolve())
    return net


def read_inp_text(text: str, source: str = "<string>") -> Network:
    """Read the text of a SWMM 5.2 ``.inp`` file; ``source`` names it in errors."""
    try:
        return _read(text, source)
    except InputError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:  # pragma: no cover
        raise InputError(f"unreadable input ({type(exc).__name__}: {exc})", file=source) from None


def _read(text: str, source: str) -> Network:
    text = text.replace("\x00", " ")
    sections, order = split_sections(text, source)
    ctx = ReadContext(source)
    options = read_options(ctx, sections.get("OPTIONS"))
    _register(ctx, sections, order)

    nodes = read_nodes(ctx, sections)
    links = read_links(ctx, sections)
    raingages = read_raingages(ctx, sections)
    subcatchments = read_subcatchments(ctx, sections)
    if len(nodes.name) == 0 and len(subcatchments.name) == 0:
        ctx.fail(
            "not a SWMM network: no [JUNCTIONS], [OUTFALLS], [STORAGE], [DIVIDERS] or "
            "[SUBCATCHMENTS] data",
            None,
            None,
            None,
        )
    curves = read_curves(ctx, sections.get("CURVES"))
    timeseries = read_timeseries(ctx, sections.get("TIMESERIES"))
    patterns = read_patterns(ctx, sections.get("PATTERNS"))
    for name, ts in timeseries.items():
        if not ts.file and len(ts.time_h) == 0:
            ctx.fail(f"time series {name!r} has no data", None, "TIMESERIES", "Name")

    unmodelled = {n: sections[n].raw for n in order if n not in MODELLED_SECTIONS}
    with_data = [n for n in unmodelled if sections[n].lines and n not in READ_AND_KEPT_SECTIONS]
    if with_data:
        warnings.warn(
            f"{source}: sections kept verbatim, not modelled: "
            + ", ".join(f"[{n}]" for n in with_data),
            TwinWarning,
            stacklevel=3,
        )
    if ctx.notes:
        warnings.warn(f"{source}: ignored: " + "; ".join(ctx.notes[:10]), TwinWarning, stacklevel=3)

    def raw(name):
        return list(sections[name].raw) if name in sections else []

    check_report(ctx, sections.get("REPORT"))
    title_sec = sections.get("TITLE")
    aquifers = read_aquifers(ctx, sections.get("AQUIFERS"))
    net = Network(
        title=[ln.raw for ln in title_sec.lines] if title_sec else [],
        options=options,
        unit_system=ctx.unit_system,
        flow_units=ctx.flow_units,
        nodes=nodes,
        links=links,
        subcatchments=subcatchments,
        raingages=raingages,
        inflows=read_inflows(ctx, sections.get("INFLOWS")),
        dwf=read_dwf(ctx, sections.get("DWF")),
        curves=curves,
        timeseries=timeseries,
        patterns=patterns,
        evaporation=read_evaporation(ctx, sections.get("EVAPORATION")),
        controls="\n".join(raw("CONTROLS")),
        controls_first_line=sections["CONTROLS"].line + 1 if "CONTROLS" in sections else None,
        report=[ln.raw for ln in sections["REPORT"].lines] if "REPORT" in sections else [],
        tags=read_tags(ctx, sections.get("TAGS")),
        map=[ln.raw for ln in sections["MAP"].lines] if "MAP" in sections else [],
        vertices=read_vertices(ctx, sections.get("VERTICES")),
        transects=raw("TRANSECTS"),
        transect_geometry=_with_streets(
            ctx, read_transects(ctx, sections.get("TRANSECTS")), sections.get("STREETS")
        ),
        streets=list(ctx.names["street"]),
        sections=unmodelled,
        unit_hydrographs=read_hydrographs(ctx, sections.get("HYDROGRAPHS")),
        rdii=read_rdii(ctx, sections.get("RDII")),
        aquifers=aquifers,
        groundwater=read_groundwater(
            ctx, sections.get("GROUNDWATER"), aquifers, patterns, sections.get("GWF")
        ),
        adjustments=read_adjustments(ctx, sections.get("ADJUSTMENTS"), _after(order)),
        lids=read_lids(
            ctx, sections.get("LID_CONTROLS"), sections.get("LID_USAGE"), subcatchments.area_m2
        ),
        inlets=read_inlets(ctx, sections.get("INLETS"), sections.get("INLET_USAGE")),
        street_params=street_params(ctx, sections.get("STREETS")),
        source=source,
    )
    validate_project(ctx, net)
    return net


def _with_streets(ctx: ReadContext, transects: dict, sec) -> dict:
    """The transects and the [STREETS] sections' transects (twin.networks.inp_streets): a
    STREET conduit names its street as an IRREGULAR one names its transect.  SWMM keeps
    the two kinds of name apart; twin refuses a street named as a transect."""
    streets = read_streets(ctx, sec)
    for name in streets:
        if ctx.find("transect", name) >= 0:
            no, section = ctx.declared_at.get(("street", ctx.find("street", name)), (None, None))
            ctx.fail(f"street {name} has the name of a transect (twin keeps one name space "
                     "for both)", no, section, "Name")  # fmt: skip
    return {**transects, **streets}


def _after(order) -> bool:
    """Whether [ADJUSTMENTS] comes after [SUBCATCHMENTS] (or there is none of the latter)."""
    if "ADJUSTMENTS" not in order or "SUBCATCHMENTS" not in order:
        return True
    return order.index("ADJUSTMENTS") > order.index("SUBCATCHMENTS")


def _register(ctx: ReadContext, sections, order) -> None:
    """First pass: every named object, in file order of sections and lines."""
    kind_of = {s: k for k, secs in REGISTRY_SECTIONS.items() for s in secs}
    for name in order:
        kind = kind_of.get(name)
        if kind is None:
            continue
        for line in sections[name].lines:
            ctx.register(kind, line.tokens[0], line, name)
    for i, (name, line) in enumerate(transect_names(sections.get("TRANSECTS"))):
        key = name.upper()
        if key in ctx.transects:
            ctx.fail(f"duplicate transect name {name!r}", line, "TRANSECTS", "Name")
        ctx.transects[key] = i
        ctx.transect_names.append(name)
