"""Pack a Network and SimOptions into the ft/cfs bundles of the routing kernels.

This is SWMM 5.2's ``link_validate`` / ``conduit_validate`` / ``node_validate`` and
the option handling of ``dynwave_validate``, done once in plain numpy (pumps,
regulators and dividers in :mod:`twin.engine.routing_structures`): offsets to
heights above the node inverts, adverse conduits reversed, slopes, lengthening,
roughness factors, full flows, node full depths raised to the connected crowns,
node degrees, storage shapes as area polynomials, and the curves and time series
the routing reads (storage, tidal and stage series) packed CSR-wise in ft.  What
each field means, and its unit, is declared in :mod:`twin.kernels.routing.bundles`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twin.engine.routing_structures import (
    SWMM_VOLUME_PER_FT3,
    pack_divider,
    pack_structure,
    structure_full_depths,
    wet_well_volumes,
)
from twin.engine.series import series_points
from twin.errors import InputError, TwinError
from twin.kernels.codes import LinkKind, NodeKind, OutfallKind, Shape
from twin.kernels.jit import specialise
from twin.kernels.routing import constants as R
from twin.kernels.routing.bundles import Curves, Links, Nodes, Options
from twin.kernels.routing.conduit_geometry import full_hydraulic_depth
from twin.kernels.routing.init import full_volumes
from twin.kernels.xsect import (
    XSects,
    custom_shape_table,
    standard_tables,
    xsect_params,
)
from twin.kernels.xsect.tables import with_empty_radius_floor
from twin.kernels.xsect.transect import transect_table
from twin.networks import units
from twin.networks.inp_links import LENGTH_GEOMS

FT = units.FT_TO_M
MMH_PER_FPS = 1097280.0  # mm/h per ft/s (SWMM's UCF(RAINFALL) in SI)
MIN_DELTA_Z = 0.001  # ft, SWMM's minimum elevation drop of a conduit
#: The swmm solver's R/Rfull tables start at SWMM 5.2's 0.01 (True, as EPA SWMM's do) or at
#: the geometry's 0 (False; the newton solver always uses the floor).  Measured by
#: benchmarks/radius_floor.py: closer to EPA SWMM on every case but a chattering control rule
#: (README "Design notes", SWMM's radius floor).
RADIUS_FLOOR_IN_SWMM_SOLVER = True


@dataclass
class RoutingPack:
    """Everything the routing kernels read about a network, in ft/cfs."""

    nodes: Nodes
    links: Links
    xsects: XSects
    curves: Curves
    options: Options
    node_names: list
    link_names: list


def check_supported(net) -> None:
    """Raise TwinError naming the first link or node the router cannot route yet
    (:func:`twin.networks.check.not_modelled_elements`)."""
    from twin.networks.check import not_modelled_elements

    for kind, name, what in not_modelled_elements(net)[:1]:
        word = "CONDUIT" if kind == "link" else "STORAGE"
        raise TwinError(f"{what} not supported yet: {name} ({word})")


class _Curves:
    def __init__(self):
        self.x: list[np.ndarray] = []
        self.y: list[np.ndarray] = []

    def add(self, x, y) -> int:
        self.x.append(np.asarray(x, dtype=np.float64))
        self.y.append(np.asarray(y, dtype=np.float64))
        return len(self.x) - 1

    def bundle(self) -> Curves:
        start = np.zeros(len(self.x) + 1, dtype=np.int64)
        for k, x in enumerate(self.x):
            start[k + 1] = start[k] + len(x)
        cat = np.concatenate if self.x else (lambda _: np.zeros(0))
        return Curves(
            start=start, x=np.ascontiguousarray(cat(self.x)), y=np.ascontiguousarray(cat(self.y))
        )


def _conduit_losses(net, opts, links: Links, xsects: XSects) -> bool:
    """Whether any conduit seeps ([LOSSES]) or, under a non-zero climate evaporation,
    has an open cross section that evaporates (SWMM's conduit_getLossRate)."""
    import warnings

    from twin.engine.runoff import Evaporation

    conduit = links.true_conduit == 1
    seeps = bool(np.any(conduit & (links.seep_rate > 0.0)))
    open_ = bool(np.any(conduit & (xsects.closed == 0)))
    evaporates = False
    if open_:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the runoff engine warns once for the run
            evaporates = Evaporation(net, opts).any_rate()
    return seeps or (open_ and evaporates)


def _options(net, opts, conduit_losses: bool = False) -> Options:
    slot = opts.surcharge_method.upper() == "SLOT"
    si = units.unit_system_of(net.flow_units) == "SI"
    mode = {"DYNWAVE": R.MODE_DYNWAVE, "KINWAVE": R.MODE_KINWAVE, "STEADY": R.MODE_STEADY}
    return Options(
        mode=mode[opts.flow_routing.upper()],
        head_tol=opts.head_tolerance_m / FT,
        min_surfarea=opts.min_surfarea_m2 / FT**2,
        crown_cutoff=R.SLOT_CROWN_CUTOFF if slot else R.EXTRAN_CROWN_CUTOFF,
        courant=opts.variable_step,
        min_step=max(min(opts.min_step_s, opts.routing_step_s), R.MIN_TIME_STEP),
        surcharge=R.SURCHARGE_SLOT if slot else R.SURCHARGE_EXTRAN,
        normal_flow=["SLOPE", "FROUDE", "BOTH", "NEITHER"].index(opts.normal_flow_limited.upper()),
        damping=["NONE", "PARTIAL", "FULL"].index(opts.inertial_damping.upper()),
        ponding=bool(opts.allow_ponding),
        max_trials=int(opts.max_trials),
        # SWMM's own UCF(LENGTH), UCF(FLOW), UCF(VOLUME) of the file's units
        ucf_length=FT if si else 1.0,
        ucf_flow=units.swmm_flow_per_cfs(net.flow_units),
        ucf_volume=SWMM_VOLUME_PER_FT3 if si else 1.0,
        si=si,
        runaway_depth=RUNAWAY_DEPTH_FT,
        conduit_losses=conduit_losses,
    )


#: A node whose depth passes its rim plus surcharge depth by this much has run away [ft].
RUNAWAY_DEPTH_FT = 1000.0


def _pack_nodes(net, opts, curves: _Curves) -> Nodes:
    nn = net.nodes
    n = net.n_nodes
    us = units.unit_system_of(net.flow_units)
    lf = units.length_to_m(us)
    nodes = Nodes.new({"node": n})
    nodes.invert[:] = nn.invert_m / FT
    nodes.full_depth[:] = np.nan_to_num(nn.max_depth_m) / FT
    nodes.surcharge_depth[:] = np.nan_to_num(nn.surcharge_depth_m) / FT
    nodes.ponded_area[:] = np.nan_to_num(nn.ponded_area_m2) / FT**2
    nodes.init_depth[:] = np.nan_to_num(nn.init_depth_m) / FT
    nodes.kind[:] = nn.kind
    for i in range(n):
        kind = int(nn.kind[i])
        if kind == NodeKind.OUTFALL:
            ok = int(nn.outfall_kind[i])
            nodes.outfall_kind[i] = ok
            nodes.flap_gate[i] = int(bool(nn.flap_gate[i]))
            nodes.full_depth[i] = 0.0
            if ok == OutfallKind.FIXED:
                nodes.fixed_stage[i] = nn.outfall_stage_m[i] / FT
            elif ok == OutfallKind.TIDAL:
                c = net.curves[str(nn.outfall_series[i])]
                fx, fy = units.curve_factors("TIDAL", net.flow_units)
                nodes.curve[i] = curves.add(c.x * fx, c.y * fy / FT)
            elif ok == OutfallKind.TIMESERIES:
                ts = net.timeseries[str(nn.outfall_series[i])]
                base = Path(net.source).parent if net.source else None
                t, v = series_points(ts, opts.start, base)  # inline or a FILE, as SWMM
                nodes.curve[i] = curves.add(t, v * lf / FT)
        elif kind == NodeKind.STORAGE:
            _pack_storage(net, i, nodes, curves)
        elif kind == NodeKind.DIVIDER:
            pack_divider(net, i, nodes, curves)
    return nodes


def _pack_storage(net, i, nodes: Nodes, curves: _Curves) -> None:
    nn = net.nodes
    shape = str(nn.storage_shape[i]).upper()
    p = np.asarray(nn.storage_params[i], dtype=np.float64)
    if shape == "TABULAR":
        c = net.curves[str(nn.storage_curve[i])]
        fx, fy = units.curve_factors("STORAGE", net.flow_units)
        nodes.storage_kind[i] = R.STORAGE_TABULAR
        nodes.curve[i] = curves.add(c.x * fx / FT, c.y * fy / FT**2)
        return
    if shape == "FUNCTIONAL":  # (a1 SI, exponent, a0 m2): area = a0 + a1 d^a2
        a1, a2, a0 = p
        nodes.storage_kind[i] = R.STORAGE_FUNCTIONAL
        nodes.storage_a0[i] = a0 / FT**2
        nodes.storage_a1[i] = a1 * FT**a2 / FT**2
        nodes.storage_a2[i] = a2
        return
    length, width, z = p[0] / FT, p[1] / FT, p[2]
    a, b = length / 2.0, width / 2.0
    if shape == "CYLINDRICAL":
        coeffs = (np.pi * a * b, 0.0, 0.0)
    elif shape == "CONICAL":
        coeffs = (np.pi * a * b, 2.0 * np.pi * b * z, np.pi * b / a * z * z)
    elif shape == "PARABOLOID":
        coeffs = (0.0, np.pi * a * b / (z / FT), 0.0)
    elif shape == "PYRAMIDAL":
        coeffs = (length * width, 2.0 * (length + width) * z, 4.0 * z * z)
    else:
        raise InputError(f"unknown storage shape {shape!r} at {nn.name[i]}")
    nodes.storage_kind[i] = R.STORAGE_POLY
    nodes.storage_a0[i], nodes.storage_a1[i], nodes.storage_a2[i] = coeffs


def _conduit_geometry(net, j, tables_extra: list) -> dict:
    links = net.links
    shape = int(links.shape[j])
    g = np.array(links.geom[j], dtype=np.float64)
    for k in LENGTH_GEOMS.get(Shape(shape), (0,)):
        g[k] /= FT
    if shape == Shape.CUSTOM:
        c = net.curves[str(links.xsect_curve[j])]
        tbl = custom_shape_table(np.asarray(c.x, float), np.asarray(c.y, float))
        tables_extra.append(tbl)
        index = len(standard_tables()) + len(tables_extra) - 1
        return xsect_params(shape, g[0], g[1], g[2], g[3], table_index=index, shape_table=tbl)
    if shape == Shape.IRREGULAR:
        t = _transect(net, j)
        tbl, y_full, _ = transect_table(t)
        tables_extra.append(tbl)
        index = len(standard_tables()) + len(tables_extra) - 1
        par = xsect_params(shape, y_full, table_index=index, shape_table=tbl)
        if not t.walls:  # a STREET: SWMM's xsect_getAmax takes Amax[STREET_XSECT] * aFull
            par["a_max"] = par["a_full"]
        return par
    return xsect_params(shape, g[0], g[1], g[2], g[3])


def _transect(net, j):
    """The transect of IRREGULAR link ``j`` (names match case-insensitively, as SWMM's)."""
    name = str(net.links.xsect_curve[j]).upper()
    for key, t in net.transect_geometry.items():
        if key.upper() == name:
            return t
    raise InputError(f"transect {net.links.xsect_curve[j]} of {net.links.name[j]} is missing")


def _offset_height(value_m, invert_ft, elevation_offsets: bool) -> float:
    if elevation_offsets:
        if not np.isfinite(value_m):
            return 0.0
        off = value_m / FT - invert_ft
        return off if off >= 0.0 else 0.0
    off = 0.0 if not np.isfinite(value_m) else value_m / FT
    return max(off, 0.0)


def _conduit_slope(length, e1, e2, min_slope) -> float:
    delta = max(abs(e1 - e2), MIN_DELTA_Z)
    slope = delta / length if delta >= length else delta / np.sqrt(length**2 - delta**2)
    if min_slope > 0.0 and slope < min_slope:
        slope = min_slope
    return -slope if e1 < e2 else slope


def _length_factor(xsects, j, n, slope, length, routing_step, lengthening) -> float:
    y_full = full_hydraulic_depth(xsects, j)
    v_full = R.PHI / n * xsects.s_full[j] * np.sqrt(abs(slope)) / xsects.a_full[j]
    t_step = min(routing_step, lengthening)
    ratio = (np.sqrt(R.GRAVITY * y_full) + v_full) * t_step / length
    return ratio if ratio > 1.0 else 1.0


def _darcy_factor(e, hrad, re):
    """Darcy-Weisbach friction factor as SWMM's forcemain_getFricFactor (plain Python)."""
    re = max(re, 10.0)
    if re <= 2000.0:
        return 64.0 / re
    if re < 4000.0:
        f = _darcy_factor(e, hrad, 4000.0)
        return 0.032 + (f - 0.032) * (re - 2000.0) / 2000.0
    f = e / 3.7 / (4.0 * hrad)
    if re < 1.0e10:
        f += 5.74 / re**0.9
    return 0.25 / np.log10(f) ** 2


def _force_main(net, opts, j, xs, slope):
    """(kind, C or roughness height [ft], equivalent Manning n) of a force main."""
    g2 = float(net.links.geom[j, 1])
    d = xs["y_full"]
    if opts.force_main_equation.upper() == "H-W":
        return R.FM_HW, g2, 1.067 / g2 * (d / slope) ** 0.04
    # D-W roughness is in inches (US files) or mm (SI files)
    eps = g2 / (12.0 if units.unit_system_of(net.flow_units) == "US" else 304.8)
    f = _darcy_factor(eps, d / 4.0, 1.0e12)
    return R.FM_DW, eps, np.sqrt(f / 185.0) * d ** (1.0 / 6.0)


def _pack_links(net, opts, nodes: Nodes, curves: _Curves) -> tuple[Links, XSects]:
    """The links and their cross sections: SWMM's conduit_validate, then lengthening
    (which needs every section's geometry, so it is a second pass)."""
    nl = net.links
    m = net.n_links
    dynwave = opts.flow_routing.upper() == "DYNWAVE"
    qf = units.flow_to_m3s("CFS")
    elev_off = opts.link_offsets.upper() == "ELEVATION"
    tables_extra: list = []
    links = Links.new({"link": m})
    sections = []
    conduits = []  # (j, rough, slope, fm, fm_rough, dummy) of each conduit, for pass 2
    for j in range(m):
        shape = int(nl.shape[j])
        xs = _conduit_geometry(net, j, tables_extra)
        sections.append(xs)
        n1, n2 = int(nl.from_node[j]), int(nl.to_node[j])
        if int(nl.kind[j]) != LinkKind.CONDUIT:
            pack_structure(net, opts, j, xs, nodes, links, curves)
            continue
        links.kind[j] = R.KIND_CONDUIT
        off1 = _offset_height(nl.in_offset_m[j], nodes.invert[n1], elev_off)
        off2 = _offset_height(nl.out_offset_m[j], nodes.invert[n2], elev_off)
        if shape == Shape.FILLED_CIRCULAR:
            off1 += xs["y_bot"]
            off2 += xs["y_bot"]
        length = nl.length_m[j] / FT
        rough = float(nl.roughness[j])
        if shape == Shape.IRREGULAR:  # the flood plain's length, the channel's n (link.c)
            t = _transect(net, j)
            length /= t.length_factor
            rough = t.n_channel * np.sqrt(t.length_factor)
        e1 = nodes.invert[n1] + off1
        e2 = nodes.invert[n2] + off2
        slope = _conduit_slope(length, e1, e2, opts.min_slope)
        loss_in, loss_out = nl.loss_entry[j], nl.loss_exit[j]
        direction = 1
        q0 = nl.init_flow_m3s[j] / qf
        dummy = shape == Shape.DUMMY
        if dynwave and slope < 0.0 and not dummy:
            n1, n2, off1, off2 = n2, n1, off2, off1
            loss_in, loss_out = loss_out, loss_in
            slope, direction, q0 = -slope, -1, -q0
        fm, fm_rough = 0, 0.0
        if dynwave and shape == Shape.FORCE_MAIN:
            fm, fm_rough, rough = _force_main(net, opts, j, xs, slope)
        conduits.append((j, rough, slope, fm, fm_rough, dummy))
        links.offset1[j], links.offset2[j] = off1, off2
        links.length[j] = length
        links.loss_in[j], links.loss_out[j] = loss_in, loss_out
        links.loss_avg[j] = nl.loss_avg[j]
        links.q_limit[j] = max(0.0, np.nan_to_num(nl.max_flow_m3s[j]) / qf)
        links.barrels[j] = max(1, int(nl.barrels[j]))
        links.q_init[j] = 0.0 if opts.flow_routing.upper() == "STEADY" else q0
        links.node1[j], links.node2[j] = n1, n2
        links.flap_gate[j] = int(bool(nl.flap_gate[j]))
        links.direction[j] = direction
        links.has_losses[j] = int(loss_in != 0.0 or loss_out != 0.0 or nl.loss_avg[j] != 0.0)
        links.seep_rate[j] = float(np.nan_to_num(nl.seepage_mmh[j])) / MMH_PER_FPS
        links.true_conduit[j] = int(not dummy)
        links.force_main[j] = fm
        # node full depth raised to the crown (storage only when it can surcharge)
        for n, off in ((n1, off1), (n2, off2)):
            if nodes.kind[n] != NodeKind.STORAGE or nodes.surcharge_depth[n] > 0.0:
                nodes.full_depth[n] = max(nodes.full_depth[n], off + xs["y_full"])
    tables = np.concatenate([standard_tables()] + [t[None] for t in tables_extra])
    if RADIUS_FLOOR_IN_SWMM_SOLVER or opts.solver.lower() == "newton":
        tables = with_empty_radius_floor(tables)  # SWMM 5.2's R/Rfull of 0.01 at zero depth
    xsects = XSects.of_sections(sections, tables)
    for j, rough, slope, fm, fm_rough, dummy in conduits:
        length = links.length[j]
        links.culvert[j] = int(nl.culvert[j]) if dynwave and not dummy else 0
        links.culvert_slope[j] = slope  # culvert.c's slope correction uses the true slope
        factor = 1.0
        if dynwave and opts.lengthening_step_s > 0.0 and not dummy:
            factor = _length_factor(xsects, j, rough, slope, length, opts.routing_step_s,
                                    opts.lengthening_step_s)  # fmt: skip
        if factor != 1.0:
            slope /= factor
            rough /= np.sqrt(factor)
        beta = 0.0 if dummy else R.PHI * np.sqrt(abs(slope)) / rough
        # SWMM's modLength: the file's length unless lengthened (an IRREGULAR conduit's
        # momentum then sees the main channel's length, its volume the flood plain's)
        links.mod_length[j] = length * factor if factor != 1.0 else nl.length_m[j] / FT
        links.rough_factor[j] = R.GRAVITY * (rough / R.PHI) ** 2
        links.beta[j], links.slope[j] = beta, slope
        links.q_full[j], links.q_max[j] = xsects.s_full[j] * beta, xsects.s_max[j] * beta
        if fm:
            links.fm_rough[j] = fm_rough
            if fm == R.FM_HW:
                links.fm_factor[j] = R.GRAVITY / (1.318 * fm_rough * factor**0.54) ** 1.852
            else:
                links.fm_factor[j] = 1.0 / 8.0 / factor
    return links, xsects


def _node_topology(nodes: Nodes, links: Links, xsects: XSects) -> None:
    """Crown heights and SWMM's node degrees (negative at upstream terminal nodes)."""
    n, m = nodes.kind.shape[0], links.kind.shape[0]
    invert = nodes.invert
    crown = invert.copy()
    degree = np.zeros(n, dtype=np.int64)
    inflow_count = np.zeros(n, dtype=np.int64)
    is_outfall = nodes.kind == NodeKind.OUTFALL
    for j in range(m):
        n1, n2 = links.node1[j], links.node2[j]
        crown[n1] = max(crown[n1], invert[n1] + links.offset1[j] + xsects.y_full[j])
        crown[n2] = max(crown[n2], invert[n2] + links.offset2[j] + xsects.y_full[j])
        up, dn = (n1, n2) if links.direction[j] > 0 else (n2, n1)
        degree[dn if is_outfall[up] else up] += 1
        inflow_count[n1 if is_outfall[n1] else n2] += 1
    degree[inflow_count == 0] *= -1
    nodes.crown_depth[:] = crown - invert
    nodes.degree[:] = degree


def upstream_first_order(nodes: Nodes, links: Links, node_names) -> np.ndarray:
    """Links sorted so that every link comes after the links flowing into its upstream node.

    Raises TwinError when the network has a cycle (kinematic wave needs a tree).
    """
    n1, n2 = links.node1, links.node2
    n_nodes = nodes.kind.shape[0]
    n_out = np.bincount(n1, minlength=n_nodes)
    kind = nodes.kind
    divider = kind == NodeKind.DIVIDER
    multi = (n_out > 1) & (kind != NodeKind.STORAGE) & ~divider
    if np.any(multi):
        i = int(np.flatnonzero(multi)[0])
        raise TwinError(
            f"kinematic wave routing allows one outlet link per node: {node_names[i]} "
            f"has {int(n_out[i])}"
        )
    bad = divider & (n_out != 2)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise TwinError(f"divider {node_names[i]} needs two outlet links, has {n_out[i]}")
    indeg = np.bincount(n2, minlength=n_nodes)
    out_start = np.zeros(n_nodes + 1, dtype=np.int64)
    np.add.at(out_start, n1 + 1, 1)
    out_start = np.cumsum(out_start)
    out_links = np.argsort(n1, kind="stable")
    for i in np.flatnonzero(divider):  # non-diversion link first (SWMM's adjustAdjList)
        a = out_start[i]
        if out_links[a] == nodes.divider_link[i]:
            out_links[a], out_links[a + 1] = out_links[a + 1], out_links[a]
    queue = [i for i in range(n_nodes) if indeg[i] == 0]
    order = []
    while queue:
        i = queue.pop(0)
        for j in out_links[out_start[i] : out_start[i + 1]]:
            order.append(int(j))
            indeg[n2[j]] -= 1
            if indeg[n2[j]] == 0:
                queue.append(int(n2[j]))
    if len(order) != len(n1):
        raise TwinError("kinematic wave routing needs a network without loops")
    return np.asarray(order, dtype=np.int64)


def pack_network(net, opts) -> RoutingPack:
    """Pack ``net`` for the routing kernels under ``opts`` (SWMM's validation steps)."""
    check_supported(net)
    curves = _Curves()
    nodes = _pack_nodes(net, opts, curves)
    links, xsects = _pack_links(net, opts, nodes, curves)
    structure_full_depths(nodes, links, xsects)
    _node_topology(nodes, links, xsects)
    curve_bundle = curves.bundle()
    storage = bool(np.any(nodes.kind == NodeKind.STORAGE))
    specialise(full_volumes, **({} if storage else {"STORAGE": False}))(nodes, curve_bundle)
    wet_well_volumes(net, nodes, links)
    options = _options(net, opts, _conduit_losses(net, opts, links, xsects))
    node_names = [str(s) for s in net.nodes.name]
    if options.mode == R.MODE_DYNWAVE:
        links.upstream_order[:] = np.arange(net.n_links)
    else:
        nodes.degree[:] = np.abs(nodes.degree)
        links.upstream_order[:] = upstream_first_order(nodes, links, node_names)
    return RoutingPack(
        nodes=nodes,
        links=links,
        xsects=xsects,
        curves=curve_bundle,
        options=options,
        node_names=node_names,
        link_names=[str(s) for s in net.links.name],
    )
