"""SWMM 5.2's checks of a whole project (``project_validate``), made after reading.

SWMM refuses some inputs only once every section is read: a pump given a storage
curve (ERROR 121), an outfall with two links (141), a kinematic-wave network with a
loop (131), a start date after the end date (191) ...  :func:`validate_project` makes
the same checks, in SWMM's order, and raises an :class:`~twin.errors.InputError` naming
the line that declared the element, the field, and SWMM's error number.  Checks that
SWMM makes while parsing a line (a non-increasing curve, 171; a time series out of
order, 173; roughness 0, 113) live in the section readers.
"""

from __future__ import annotations

import numpy as np

from twin.kernels.codes import LinkKind, NodeKind, OutfallKind, Shape
from twin.networks.inp_context import ReadContext
from twin.networks.inp_data import option_choice
from twin.networks.inp_tokens import parse_date, parse_time_h, to_float

PUMP_CURVES = ("PUMP1", "PUMP2", "PUMP3", "PUMP4", "PUMP5")
#: cross-section shapes each regulator may have (SWMM's orifice_validate, weir_validate)
REGULATOR_SHAPES = {
    "SIDE": (Shape.CIRCULAR, Shape.RECT_CLOSED),
    "BOTTOM": (Shape.CIRCULAR, Shape.RECT_CLOSED),
    "TRANSVERSE": (Shape.RECT_OPEN,),
    "SIDEFLOW": (Shape.RECT_OPEN,),
    "ROADWAY": (Shape.RECT_OPEN,),
    "V-NOTCH": (Shape.TRIANGULAR,),
    "TRAPEZOIDAL": (Shape.TRAPEZOIDAL,),
}


def validate_project(ctx: ReadContext, net) -> None:
    """Raise InputError (with SWMM's code) for the first fault SWMM's validation finds.

    Parameters
    ----------
    ctx : ReadContext
        Of the file just read (names, lines).
    net : Network
        As read from that file.
    """
    options = net.options
    parts = {
        "nodes": net.nodes,
        "links": net.links,
        "subcatchments": net.subcatchments,
        "raingages": net.raingages,
        "curves": net.curves,
        "timeseries": net.timeseries,
        "inflows": net.inflows,
        "evaporation": net.evaporation,
        "offsets": net.offsets_above_invert(),
        "transects": {k.upper(): t for k, t in net.transect_geometry.items()},
    }
    _dates(ctx, options)
    _gauges(ctx, parts)
    _links(ctx, parts)
    _nodes(ctx, parts)
    _layout(ctx, options, parts)


def _dates(ctx: ReadContext, options: dict) -> None:
    def when(date_key, time_key):
        d = parse_date(options.get(date_key, "")) if date_key in options else None
        t = parse_time_h(options.get(time_key, "0")) or 0.0
        return d, t

    start_d, start_t = when("START_DATE", "START_TIME")
    end_d, end_t = when("END_DATE", "END_TIME")
    if start_d is None or end_d is None:
        return
    span_h = (end_d - start_d).astype(np.int64) * 24.0 + end_t - start_t
    if span_h <= 0.0:
        key = "END_DATE" if "END_DATE" in options else "END_TIME"
        line = ctx.line_of.get(("OPTIONS", key))
        ctx.fail("the simulation ends before it starts", line, "OPTIONS", key, 191)
    report_s = parse_time_h(options.get("REPORT_STEP", "0:15:00"))
    route = options.get("ROUTING_STEP", "20")  # seconds, or H:MM:SS
    route_h = parse_time_h(route) if ":" in route else None
    route_s = route_h * 3600.0 if route_h is not None else to_float(route)
    if report_s is None or route_s is None:
        return
    report_s = min(report_s * 3600.0, np.floor(span_h * 3600.0))
    if report_s < route_s:
        line = ctx.line_of.get(("OPTIONS", "REPORT_STEP")) or ctx.line_of.get(
            ("OPTIONS", "ROUTING_STEP")
        )
        ctx.fail(
            f"the report step ({report_s:g} s) is shorter than the routing step ({route_s:g} s)",
            line,
            "OPTIONS",
            "REPORT_STEP",
            195,
        )


def _gauges(ctx: ReadContext, parts: dict) -> None:
    g, ts = parts["raingages"], parts["timeseries"]
    used = set(int(i) for i in parts["subcatchments"].raingage if i >= 0)
    others = {str(s).upper() for s in parts["inflows"].series if s}
    nodes = parts["nodes"]
    for i in np.flatnonzero(nodes.outfall_kind == OutfallKind.TIMESERIES):
        others.add(str(nodes.outfall_series[i]).upper())
    evap = parts["evaporation"].get("TIMESERIES")
    if evap:
        others.add(str(evap[0]).upper())
    first_user: dict[str, int] = {}
    for j in sorted(used):
        if g.source[j] != "TIMESERIES":
            continue
        key = str(g.series[j]).upper()
        if key in first_user:
            i = first_user[key]
            if g.form[i] != g.form[j]:
                msg = f"shares time series {g.series[j]!r} with {g.name[i]!r} in another format"
                ctx.fail_at("raingage", j, msg, "Format", 157)
            continue
        first_user[key] = j
        if key in others:
            msg = f"time series {g.series[j]!r} is also used by another object"
            ctx.fail_at("raingage", j, msg, "Source", 158)
        series = ts.get(ctx.canonical("timeseries", str(g.series[j])))
        if series is None or series.file or len(series.time_h) < 2:
            continue
        dated = series.date.astype("datetime64[D]")
        days = np.where(np.isnat(dated), 0, dated.astype(np.int64))
        t_s = days * 86400.0 + series.time_h * 3600.0
        dx_s = np.floor(np.min(np.diff(t_s)) + 0.5)
        if dx_s > 0 and g.interval_s[j] > dx_s:
            msg = (
                f"recording interval {g.interval_s[j]:g} s is longer than the interval of "
                f"time series {g.series[j]!r} ({dx_s:g} s)"
            )
            ctx.fail_at("raingage", j, msg, "Interval", 159)


def _links(ctx: ReadContext, parts: dict) -> None:
    links, curves, nodes = parts["links"], parts["curves"], parts["nodes"]
    own_n = (links.kind == LinkKind.CONDUIT) & (links.shape != Shape.IRREGULAR)
    for j in np.flatnonzero(own_n & ~(links.roughness > 0.0)):
        msg = f"must be > 0, got {links.roughness[j]:g}"  # (an IRREGULAR one: its transect's)
        ctx.fail_at("link", j, msg, "Roughness", 113)
    for j in np.flatnonzero((links.kind == LinkKind.CONDUIT) & (links.shape == Shape.IRREGULAR)):
        if parts["transects"].get(str(links.xsect_curve[j]).upper()) is None:
            msg = (f"transect {links.xsect_curve[j]} has no NC line or section end after it: "
                   "SWMM builds no tables for it, so the conduit has no roughness")  # fmt: skip
            ctx.fail_at("link", j, msg, "Roughness", 113)
    special = (links.kind != LinkKind.CONDUIT) | (links.shape == Shape.DUMMY)
    for j in np.flatnonzero(special):
        kind = links.kind[j]
        if kind == LinkKind.PUMP:
            name = str(links.pump_curve[j])
            if name != "*" and curves[name].kind.upper() not in PUMP_CURVES:
                msg = f"curve {name!r} is a {curves[name].kind} curve, not a pump curve"
                ctx.fail_at("link", j, msg, "PumpCurve", 121)
            on, off = links.startup_depth_m[j], links.shutoff_depth_m[j]
            if 0.0 < on <= off:
                msg = "startup depth is not above the shutoff depth"
                ctx.fail_at("link", j, msg, "Startup", 122)
        elif kind in (LinkKind.ORIFICE, LinkKind.WEIR):
            allowed = REGULATOR_SHAPES.get(str(links.regulator_kind[j]).upper())
            if allowed and links.shape[j] not in allowed:
                line = ctx.line_of.get(("XSECTIONS", str(j)))
                names = " or ".join(s.name for s in allowed)
                msg = f"a {links.regulator_kind[j]} {LinkKind(kind).name.lower()} must be {names}"
                ctx.fail(msg, line, "XSECTIONS", "Shape", 143)
        elif kind == LinkKind.CONDUIT and links.shape[j] == Shape.DUMMY:
            if nodes.kind[links.from_node[j]] == NodeKind.STORAGE:
                msg = "a DUMMY conduit cannot leave a storage unit"
                ctx.fail_at("link", j, msg, "FromNode", 134)


def _crown_at_node_m(parts: dict) -> np.ndarray:
    """The highest crown of the conduits at each node, above its invert [m] (SWMM raises
    a node's full depth to it)."""
    links, nodes = parts["links"], parts["nodes"]
    off_in, off_out = (np.nan_to_num(o, nan=0.0) for o in parts["offsets"])
    crown = np.zeros(len(nodes.name))
    conduit = links.kind == LinkKind.CONDUIT
    height = links.geom[:, 0] if len(links.name) else np.zeros(0)
    np.maximum.at(crown, links.from_node[conduit], (off_in + height)[conduit])
    np.maximum.at(crown, links.to_node[conduit], (off_out + height)[conduit])
    return crown


def _nodes(ctx: ReadContext, parts: dict) -> None:
    nodes, links, curves = parts["nodes"], parts["links"], parts["curves"]
    full = np.maximum(nodes.max_depth_m, _crown_at_node_m(parts)) + nodes.surcharge_depth_m
    too_deep = (nodes.init_depth_m > full + 1e-9) & (nodes.kind != NodeKind.OUTFALL)
    if too_deep.any():
        i = int(np.flatnonzero(too_deep)[0])
        ctx.fail_at("node", i, "initial depth is above the maximum depth", "InitDepth", 138)
    special = (nodes.kind == NodeKind.STORAGE) | (nodes.kind == NodeKind.DIVIDER)
    for i in np.flatnonzero(special):
        kind = nodes.kind[i]
        if kind == NodeKind.STORAGE and _storage_volume(nodes, curves, i, ctx.lf) < 0.0:
            msg = "storage volume at full depth is negative"
            ctx.fail_at("node", i, msg, "Curve", 140)
        if kind == NodeKind.DIVIDER:
            div = str(nodes.divider_link[i])
            j = ctx.find("link", div) if div else -1
            if j < 0 or i not in (links.from_node[j], links.to_node[j]):
                msg = f"diverted link {div!r} is not connected to the divider"
                ctx.fail_at("node", i, msg, "DivLink", 136)
            if nodes.divider_kind[i] == "WEIR":
                qmin, dh, cw = nodes.divider_params[i]
                if dh <= 0.0 or cw <= 0.0 or qmin > cw * dh**1.5:
                    msg = "weir divider needs a positive height and coefficient, Qmin <= Qmax"
                    ctx.fail_at("node", i, msg, "Param2", 137)


def _storage_volume(nodes, curves, i: int, lf: float) -> float:
    """Volume of storage ``i`` at its full depth (its sign is what matters: m3, or file
    units for a TABULAR curve, whose depths are in the file's units: ``lf`` m each)."""
    depth = nodes.max_depth_m[i]
    if depth <= 0.0:
        return 0.0
    z = np.linspace(0.0, depth, 201)
    if str(nodes.storage_shape[i]).upper() == "TABULAR":
        c = curves.get(str(nodes.storage_curve[i]))
        if c is None or len(c.x) == 0:
            return 0.0
        z = z / lf
        area = np.interp(z, c.x, c.y)
    elif str(nodes.storage_shape[i]).upper() == "FUNCTIONAL":
        a1, a2, a0 = nodes.storage_params[i]
        area = a0 + a1 * z**a2
    else:
        return 0.0
    return float(np.trapezoid(area, z))


def _layout(ctx: ReadContext, options: dict, parts: dict) -> None:
    """SWMM's validateGeneralLayout, and validateTreeLayout for KINWAVE and STEADY."""
    nodes, links = parts["nodes"], parts["links"]
    n_nodes = len(nodes.name)
    if len(links.name) == 0 or n_nodes == 0:
        return
    kind = nodes.kind
    n_out = np.bincount(links.from_node, minlength=n_nodes)
    n_in = np.bincount(links.to_node, minlength=n_nodes)
    ideal = np.array([str(c) == "*" for c in links.pump_curve], dtype=bool)
    single = ((links.kind == LinkKind.CONDUIT) & (links.shape == Shape.DUMMY)) | (
        (links.kind == LinkKind.PUMP) & ideal
    )
    shared = single & (n_out[links.from_node] > 1)
    if shared.any():
        j = int(np.flatnonzero(shared)[0])
        msg = "a DUMMY conduit or ideal pump must be the only link leaving its node"
        ctx.fail_at("link", j, msg, "FromNode", 134)
    outfalls = np.flatnonzero(kind == NodeKind.OUTFALL)
    for i in outfalls:
        if n_out[i] > 0 or n_in[i] > 1:
            msg = "an outfall takes one link only"
            ctx.fail_at("node", i, msg, "Name", 141)
    if len(outfalls) == 0:
        ctx.fail("the network has no outfall", None, "OUTFALLS", None, 145)
    if option_choice("FLOW_ROUTING", options.get("FLOW_ROUTING", "DYNWAVE")) not in (
        "KINWAVE",
        "STEADY",
    ):
        return
    for i in range(n_nodes):
        if kind[i] == NodeKind.DIVIDER and n_out[i] > 2:
            ctx.fail_at("node", i, "a divider takes two outlet links", "Name", 135)
        if kind[i] in (NodeKind.JUNCTION,) and n_out[i] > 1:
            msg = "more than one outlet link (kinematic wave and steady flow need a tree)"
            ctx.fail_at("node", i, msg, "Name", 133)
    off_in, off_out = parts["offsets"]
    for j in range(len(links.name)):
        a, b = links.from_node[j], links.to_node[j]
        if links.kind[j] == LinkKind.CONDUIT and links.shape[j] != Shape.DUMMY:
            z1 = nodes.invert_m[a] + (0.0 if np.isnan(off_in[j]) else off_in[j])
            z2 = nodes.invert_m[b] + (0.0 if np.isnan(off_out[j]) else off_out[j])
            if z1 < z2:
                msg = "adverse slope (kinematic wave and steady flow need downhill conduits)"
                ctx.fail_at("link", j, msg, "ToNode", 115)
        elif links.kind[j] in (LinkKind.ORIFICE, LinkKind.WEIR, LinkKind.OUTLET):
            if kind[a] != NodeKind.STORAGE:
                msg = "a regulator must leave a storage unit under kinematic wave or steady flow"
                ctx.fail_at("link", j, msg, "FromNode", 139)
    loop = _link_in_cycle(n_nodes, links)
    if loop is not None:
        msg = "this link is part of a loop (kinematic wave and steady flow need a tree)"
        ctx.fail_at("link", loop, msg, "Name", 131)


def _link_in_cycle(n_nodes: int, links) -> int | None:
    """A link on a directed cycle of the network, or None (Kahn's topological sort)."""
    indeg = np.bincount(links.to_node, minlength=n_nodes)
    out: list[list[int]] = [[] for _ in range(n_nodes)]
    for j, a in enumerate(links.from_node):
        out[a].append(j)
    queue = [i for i in range(n_nodes) if indeg[i] == 0]
    seen = 0
    while queue:
        i = queue.pop()
        seen += 1
        for j in out[i]:
            b = links.to_node[j]
            indeg[b] -= 1
            if indeg[b] == 0:
                queue.append(b)
    if seen == n_nodes:
        return None
    return next(j for j in range(len(links.name)) if indeg[links.to_node[j]] > 0)
