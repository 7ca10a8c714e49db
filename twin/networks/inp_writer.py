"""Write a :class:`~twin.networks.model.Network` as a SWMM 5.2 ``.inp`` file.

The file is written in the network's own unit system (the SI tables are
converted back) with 12 significant digits, so that read -> write -> read gives
equal tables.  Node and link sections are ordered so that SWMM registers the
elements in the Network's id order.  Relative ``FILE`` references are made
absolute when the file is written to another folder than the one it came from.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from twin.kernels.codes import LinkKind, NodeKind, Shape
from twin.networks import units
from twin.networks.inp_links import LENGTH_GEOMS, SHAPE_WORDS
from twin.networks.inp_tokens import format_date, format_time_h, tokenize
from twin.networks.inp_writer_elements import ElementWriter, fmt, q, row
from twin.networks.model import Network

__all__ = ["write_inp", "inp_text", "SECTION_ORDER"]

SECTION_ORDER = (
    "TITLE OPTIONS FILES EVAPORATION TEMPERATURE ADJUSTMENTS RAINGAGES SUBCATCHMENTS SUBAREAS "
    "INFILTRATION LID_CONTROLS LID_USAGE AQUIFERS GROUNDWATER GWF SNOWPACKS NODES LINKS "
    "XSECTIONS TRANSECTS STREETS INLETS INLET_USAGE LOSSES CONTROLS POLLUTANTS LANDUSES "
    "COVERAGES LOADINGS BUILDUP WASHOFF TREATMENT INFLOWS DWF RDII HYDROGRAPHS CURVES "
    "TIMESERIES PATTERNS REPORT TAGS MAP COORDINATES VERTICES POLYGONS SYMBOLS LABELS "
    "BACKDROP PROFILES EVENTS"
).split()
NODE_SECTIONS = {
    NodeKind.JUNCTION: "JUNCTIONS",
    NodeKind.OUTFALL: "OUTFALLS",
    NodeKind.DIVIDER: "DIVIDERS",
    NodeKind.STORAGE: "STORAGE",
}
LINK_SECTIONS = {
    LinkKind.CONDUIT: "CONDUITS",
    LinkKind.PUMP: "PUMPS",
    LinkKind.ORIFICE: "ORIFICES",
    LinkKind.WEIR: "WEIRS",
    LinkKind.OUTLET: "OUTLETS",
}


def write_inp(net: Network, path) -> None:
    """Write ``net`` to ``path`` whole or not at all (:func:`twin.files.write_text`: a
    temporary file in the same folder, then rename; only a regular file is replaced)."""
    from twin.files import check_output, write_text

    path = check_output(path)
    write_text(path, inp_text(net, base_dir=path.parent))


def inp_text(net: Network, base_dir=None) -> str:
    """The ``.inp`` text of ``net``.

    Parameters
    ----------
    net : Network
    base_dir : path-like, optional
        Folder the text will be saved in; relative FILE references of a network
        read from another folder are then written as absolute paths.
    """
    w = _Writer(net, base_dir)
    out: list[str] = []
    order = list(SECTION_ORDER)
    adjust = getattr(net, "adjustments", None)
    if adjust is not None and adjust.patterns:
        # SWMM resets N-PERV/DSTORE/INFIL patterns at each [SUBCATCHMENTS] line: patterns
        # that act go after the subcatchments (patterns the source had before them, and
        # SWMM ignored, stay before: twin.networks.inp_adjustments)
        order.remove("ADJUSTMENTS")
        order.insert(order.index("INFILTRATION") + 1, "ADJUSTMENTS")
    for name in order:
        if name == "NODES":
            groups = _groups(net.nodes.kind, NODE_SECTIONS)
        elif name == "LINKS":
            groups = _groups(net.links.kind, LINK_SECTIONS)
        else:
            groups = [name]
        for sec in groups:
            lines = w.section(sec)
            if lines is None:
                continue
            out.append(f"[{sec}]")
            out.extend(lines)
            out.append("")
    return "\n".join(out) + "\n"


def _groups(kinds: np.ndarray, names: dict) -> list[str]:
    """Section names of the kinds present, ordered by each kind's first id."""
    first = []
    for k, sec in names.items():
        ids = np.flatnonzero(kinds == k)
        if len(ids):
            first.append((int(ids[0]), sec))
    return [sec for _, sec in sorted(first)]


class _Writer(ElementWriter):
    """Per-section line generators; unmodelled sections come back verbatim."""

    def __init__(self, net: Network, base_dir):
        self.net = net
        self.us = net.unit_system
        self.lf = units.length_to_m(self.us)
        self.qf = units.flow_to_m3s(net.flow_units)
        self.rate_f = units.rain_rate_to_mmh(self.us)
        self.depth_f = units.rain_depth_to_mm(self.us)
        self.base_dir = None if base_dir is None else Path(base_dir).resolve()
        src = Path(net.source) if net.source else None
        self.src_dir = src.resolve().parent if src is not None and src.is_file() else None

    def file_ref(self, p: str) -> str:
        """``p`` made absolute when the file moves away from its source folder."""
        if not p or os.path.isabs(p) or self.src_dir is None or self.base_dir is None:
            return p
        if self.base_dir == self.src_dir:
            return p
        return str(self.src_dir / p)

    def section(self, name: str) -> list[str] | None:
        fn = getattr(self, "s_" + name.lower(), None)
        if fn is not None:
            lines = fn()
            return lines if lines else None
        raw = self.net.sections.get(name)
        if raw is None:
            return None
        if name in ("FILES", "TEMPERATURE"):
            return [self._rewrite_file_line(name, ln) for ln in raw]
        return list(raw)

    def _rewrite_file_line(self, name: str, line: str) -> str:
        toks = tokenize(line)
        if name == "FILES" and len(toks) >= 3:
            return row(toks[0], toks[1], q(self.file_ref(toks[2])))
        if name == "TEMPERATURE" and len(toks) >= 2 and toks[0].upper() == "FILE":
            return row("FILE", q(self.file_ref(toks[1])), *[q(t) for t in toks[2:]])
        return line

    # -- project ----------------------------------------------------------------
    def s_title(self):
        return list(self.net.title)

    def s_options(self):
        return [row(f"{k:<20}", q(v)) for k, v in self.net.options.items()]

    def s_evaporation(self):
        return [row(k, *[q(t) for t in v]) for k, v in self.net.evaporation.items()]

    def s_report(self):
        return list(self.net.report)

    def s_map(self):
        return list(self.net.map)

    def s_controls(self):
        return self.net.controls.splitlines() if self.net.controls.strip() else []

    def s_transects(self):
        return list(self.net.transects)

    def s_tags(self):
        return [row(k, q(n), q(t)) for k, n, t in self.net.tags]

    # -- data -------------------------------------------------------------------
    def s_curves(self):
        out = []
        for c in self.net.curves.values():
            if len(c.x) == 0:
                out.append(row(q(c.name), c.kind))
            for i, (x, y) in enumerate(zip(c.x, c.y, strict=True)):
                out.append(row(q(c.name), c.kind if i == 0 else "", fmt(x), fmt(y)))
            out.append("")
        return out

    def s_timeseries(self):
        out = []
        for ts in self.net.timeseries.values():
            if ts.file:
                out.append(row(q(ts.name), "FILE", q(self.file_ref(ts.file))))
            for d, t, v in zip(ts.date, ts.time_h, ts.value, strict=True):
                ds = "" if np.isnat(d) else format_date(d)
                out.append(row(q(ts.name), ds, format_time_h(float(t)), fmt(v)))
            out.append("")
        return out

    def s_patterns(self):
        out = []
        for p in self.net.patterns.values():
            f = [fmt(v) for v in p.factors]
            out.append(row(q(p.name), p.kind, *f[:6]))
            for i in range(6, len(f), 6):
                out.append(row(q(p.name), "", *f[i : i + 6]))
        return out

    def s_inflows(self):
        t = self.net.inflows
        out = []
        for i in range(len(t)):
            out.append(
                row(
                    q(t.name[i]),
                    q(t.constituent[i]),
                    q(t.series[i]),
                    t.kind[i],
                    fmt(t.mfactor[i]),
                    fmt(t.sfactor[i]),
                    fmt(t.baseline[i]),
                    q(t.pattern[i]) if t.pattern[i] else "",
                )
            )
        return out

    def s_dwf(self):
        t = self.net.dwf
        out = []
        for i in range(len(t)):
            pats = [q(p) for p in t.patterns[i]]
            while pats and pats[-1] == '""':
                pats.pop()
            out.append(row(q(t.name[i]), q(t.constituent[i]), fmt(t.average[i]), *pats))
        return out

    def s_coordinates(self):
        n = self.net.nodes
        return [
            row(q(n.name[i]), fmt(n.x[i]), fmt(n.y[i]))
            for i in range(len(n))
            if np.isfinite(n.x[i]) and np.isfinite(n.y[i])
        ]

    def s_vertices(self):
        return [row(q(k), fmt(x), fmt(y)) for k, v in self.net.vertices.items() for x, y in v]

    def s_polygons(self):
        s = self.net.subcatchments
        return [
            row(q(s.name[i]), fmt(x), fmt(y))
            for i, p in enumerate(s.polygon)
            if p is not None
            for x, y in p
        ]

    def s_symbols(self):
        g = self.net.raingages
        return [
            row(q(g.name[i]), fmt(g.x[i]), fmt(g.y[i]))
            for i in range(len(g))
            if np.isfinite(g.x[i]) and np.isfinite(g.y[i])
        ]

    # -- cross sections -------------------------------------------------------------
    def s_xsections(self):
        ln = self.net.links
        out = []
        for j in range(len(ln)):
            k = Shape(int(ln.shape[j]))
            if k == Shape.DUMMY and ln.kind[j] in (LinkKind.PUMP, LinkKind.OUTLET):
                continue
            name, word = q(ln.name[j]), SHAPE_WORDS[k]
            if k == Shape.IRREGULAR:
                curve = str(ln.xsect_curve[j])
                streets = {str(x).upper() for x in getattr(self.net, "streets", [])}
                out.append(row(name, "STREET" if curve.upper() in streets else word, q(curve)))
                continue
            g = [float(v) for v in ln.geom[j]]
            for i in LENGTH_GEOMS.get(k, ()):
                g[i] /= self.lf
            if k == Shape.CUSTOM:
                items = [fmt(g[0]), q(ln.xsect_curve[j]), "0", "0"]
            else:
                items = [fmt(v) for v in g]
            if ln.kind[j] == LinkKind.CONDUIT:
                items.append(str(int(ln.barrels[j])))
                if ln.culvert[j]:
                    items.append(str(int(ln.culvert[j])))
            out.append(row(name, word, *items))
        return out
