"""Pack a Network and SimOptions into the ft/cfs arrays of the routing kernels.

This is SWMM 5.2's ``link_validate`` / ``conduit_validate`` / ``node_validate`` and
the option handling of ``dynwave_validate``, done once in plain numpy (pumps,
regulators and dividers in :mod:`twin.engine.routing_structures`): offsets to
heights above the node inverts, adverse conduits reversed, slopes, lengthening,
roughness factors, full flows, node full depths raised to the connected crowns,
node degrees, storage shapes as area polynomials, and the curves and time series
the routing reads (storage, tidal and stage series) packed CSR-wise in ft.
Column meanings are in :mod:`twin.kernels.routing.layout`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine.routing_structures import (
    SWMM_VOLUME_PER_FT3,
    pack_divider,
    pack_structure,
    structure_full_depths,
    wet_well_volumes,
)
from twin.errors import InputError, TwinError
from twin.kernels.codes import LinkKind, NodeKind, OutfallKind, Shape
from twin.kernels.routing import layout as R
from twin.kernels.routing.init import full_volumes
from twin.kernels.xsect import (
    P_AFULL,
    P_SFULL,
    P_SMAX,
    P_YBOT,
    P_YFULL,
    XS_NPAR,
    custom_shape_table,
    is_closed,
    standard_tables,
    width_at_depth,
    xsect_params,
)
from twin.networks import units
from twin.networks.inp_links import LENGTH_GEOMS

FT = units.FT_TO_M
MIN_DELTA_Z = 0.001  # ft, SWMM's minimum elevation drop of a conduit


@dataclass
class RoutingPack:
    """Everything the routing kernels read, in ft/cfs (see ``routing_layout``)."""

    node_par: np.ndarray  # (n_nodes, N_NP) float64
    node_int: np.ndarray  # (n_nodes, N_NI) int64
    link_par: np.ndarray  # (n_links, N_LP) float64
    link_int: np.ndarray  # (n_links, N_LI) int64
    xs: np.ndarray  # (n_links, XS_NPAR) float64
    tables: np.ndarray  # (n_tables, 5, 51) float64
    curve_start: np.ndarray  # (n_curves + 1,) int64
    curve_x: np.ndarray  # (n_points,) float64
    curve_y: np.ndarray  # (n_points,) float64
    links_at_node_start: np.ndarray  # (n_nodes + 1,) int64, CSR of links touching a node
    links_at_node: np.ndarray  # (2 n_links,) int64
    opt_f: np.ndarray  # (N_OF,) float64
    opt_i: np.ndarray  # (N_OI,) int64
    node_names: list
    link_names: list


def check_supported(net) -> None:
    """Raise TwinError naming the first link or node the router cannot route yet."""
    for j in range(net.n_links):
        if int(net.links.kind[j]) != LinkKind.CONDUIT:
            continue
        if int(net.links.culvert[j]) > 0:
            raise TwinError(
                f"culvert inlet control not supported yet: {net.links.name[j]} (CONDUIT)"
            )
        if int(net.links.shape[j]) == Shape.IRREGULAR:
            raise TwinError(
                f"IRREGULAR cross sections not supported yet: {net.links.name[j]} (CONDUIT)"
            )
    seep = np.nan_to_num(np.asarray(net.links.seepage_mmh, dtype=np.float64))
    if np.any(seep > 0.0):
        j = int(np.flatnonzero(seep > 0.0)[0])
        raise TwinError(f"conduit seepage not supported yet: {net.links.name[j]} (CONDUIT)")
    node_seep = np.nan_to_num(np.asarray(net.nodes.seepage, dtype=np.float64)[:, 1])
    if np.any(node_seep > 0.0):
        i = int(np.flatnonzero(node_seep > 0.0)[0])
        raise TwinError(f"storage seepage not supported yet: {net.nodes.name[i]} (STORAGE)")


class _Curves:
    def __init__(self):
        self.x: list[np.ndarray] = []
        self.y: list[np.ndarray] = []

    def add(self, x, y) -> int:
        self.x.append(np.asarray(x, dtype=np.float64))
        self.y.append(np.asarray(y, dtype=np.float64))
        return len(self.x) - 1

    def packed(self):
        start = np.zeros(len(self.x) + 1, dtype=np.int64)
        for k, x in enumerate(self.x):
            start[k + 1] = start[k] + len(x)
        cat = np.concatenate if self.x else (lambda _: np.zeros(0))
        return start, np.ascontiguousarray(cat(self.x)), np.ascontiguousarray(cat(self.y))


def _series_seconds(ts, start) -> np.ndarray:
    """Seconds after the simulation start of every point of a TimeSeries."""
    t = np.asarray(ts.time_h, dtype=np.float64) * 3600.0
    dates = np.asarray(ts.date)
    if dates.size and not np.all(np.isnat(dates)):
        day0 = (dates.astype("datetime64[s]") - start) / np.timedelta64(1, "s")
        t = t + np.where(np.isnat(dates), 0.0, day0)
    return t


def _options(opts) -> tuple[np.ndarray, np.ndarray]:
    opt_f = np.zeros(R.N_OF)
    opt_i = np.zeros(R.N_OI, dtype=np.int64)
    opt_f[R.OF_HEAD_TOL] = opts.head_tolerance_m / FT
    opt_f[R.OF_MIN_SURFAREA] = opts.min_surfarea_m2 / FT**2
    slot = opts.surcharge_method.upper() == "SLOT"
    opt_f[R.OF_CROWN_CUTOFF] = R.SLOT_CROWN_CUTOFF if slot else R.EXTRAN_CROWN_CUTOFF
    opt_f[R.OF_COURANT] = opts.variable_step
    min_step = min(opts.min_step_s, opts.routing_step_s)
    opt_f[R.OF_MIN_STEP] = max(min_step, R.MIN_TIME_STEP)
    opt_i[R.OI_SURCHARGE] = R.SURCHARGE_SLOT if slot else R.SURCHARGE_EXTRAN
    opt_i[R.OI_NORMAL_FLOW] = ["SLOPE", "FROUDE", "BOTH", "NEITHER"].index(
        opts.normal_flow_limited.upper()
    )
    opt_i[R.OI_DAMPING] = ["NONE", "PARTIAL", "FULL"].index(opts.inertial_damping.upper())
    opt_i[R.OI_PONDING] = int(bool(opts.allow_ponding))
    opt_i[R.OI_MAX_TRIALS] = int(opts.max_trials)
    return opt_f, opt_i


def _unit_factors(net, opt_f) -> None:
    """SWMM's own UCF(LENGTH), UCF(FLOW), UCF(VOLUME) of the file's units."""
    si = units.unit_system_of(net.flow_units) == "SI"
    opt_f[R.OF_UCF_LENGTH] = FT if si else 1.0
    opt_f[R.OF_UCF_FLOW] = units.swmm_flow_per_cfs(net.flow_units)
    opt_f[R.OF_UCF_VOLUME] = SWMM_VOLUME_PER_FT3 if si else 1.0
    opt_f[R.OF_SI] = 1.0 if si else 0.0


def _pack_nodes(net, opts, curves: _Curves):
    nodes = net.nodes
    n = net.n_nodes
    us = units.unit_system_of(net.flow_units)
    lf = units.length_to_m(us)
    node_par = np.zeros((n, R.N_NP))
    node_int = np.full((n, R.N_NI), -1, dtype=np.int64)
    node_par[:, R.NP_INVERT] = nodes.invert_m / FT
    node_par[:, R.NP_FULL_DEPTH] = np.nan_to_num(nodes.max_depth_m) / FT
    node_par[:, R.NP_SUR_DEPTH] = np.nan_to_num(nodes.surcharge_depth_m) / FT
    node_par[:, R.NP_PONDED_AREA] = np.nan_to_num(nodes.ponded_area_m2) / FT**2
    node_par[:, R.NP_INIT_DEPTH] = np.nan_to_num(nodes.init_depth_m) / FT
    node_int[:, R.NI_KIND] = nodes.kind
    node_int[:, R.NI_FLAP] = 0
    node_int[:, R.NI_DEGREE] = 0
    for i in range(n):
        kind = int(nodes.kind[i])
        if kind == NodeKind.OUTFALL:
            ok = int(nodes.outfall_kind[i])
            node_int[i, R.NI_OUTFALL] = ok
            node_int[i, R.NI_FLAP] = int(bool(nodes.flap_gate[i]))
            node_par[i, R.NP_FULL_DEPTH] = 0.0
            if ok == OutfallKind.FIXED:
                node_par[i, R.NP_STAGE] = nodes.outfall_stage_m[i] / FT
            elif ok == OutfallKind.TIDAL:
                c = net.curves[str(nodes.outfall_series[i])]
                fx, fy = units.curve_factors("TIDAL", net.flow_units)
                node_int[i, R.NI_CURVE] = curves.add(c.x * fx, c.y * fy / FT)
            elif ok == OutfallKind.TIMESERIES:
                ts = net.timeseries[str(nodes.outfall_series[i])]
                if ts.file:
                    raise TwinError(
                        f"outfall stage series from a file not supported yet: {nodes.name[i]}"
                    )
                t = _series_seconds(ts, opts.start)
                node_int[i, R.NI_CURVE] = curves.add(t, np.asarray(ts.value) * lf / FT)
        elif kind == NodeKind.STORAGE:
            _pack_storage(net, i, node_par, node_int, curves)
        elif kind == NodeKind.DIVIDER:
            pack_divider(net, i, node_par, node_int, curves)
    return node_par, node_int


def _pack_storage(net, i, node_par, node_int, curves: _Curves) -> None:
    nodes = net.nodes
    shape = str(nodes.storage_shape[i]).upper()
    p = np.asarray(nodes.storage_params[i], dtype=np.float64)
    if shape == "TABULAR":
        c = net.curves[str(nodes.storage_curve[i])]
        fx, fy = units.curve_factors("STORAGE", net.flow_units)
        node_int[i, R.NI_STORAGE] = R.STORAGE_TABULAR
        node_int[i, R.NI_CURVE] = curves.add(c.x * fx / FT, c.y * fy / FT**2)
        return
    if shape == "FUNCTIONAL":  # (a1 SI, exponent, a0 m2): area = a0 + a1 d^a2
        a1, a2, a0 = p
        node_int[i, R.NI_STORAGE] = R.STORAGE_FUNCTIONAL
        node_par[i, R.NP_SA0] = a0 / FT**2
        node_par[i, R.NP_SA1] = a1 * FT**a2 / FT**2
        node_par[i, R.NP_SA2] = a2
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
        raise InputError(f"unknown storage shape {shape!r} at {nodes.name[i]}")
    node_int[i, R.NI_STORAGE] = R.STORAGE_POLY
    node_par[i, R.NP_SA0], node_par[i, R.NP_SA1], node_par[i, R.NP_SA2] = coeffs


def _conduit_geometry(net, j, tables_extra: list) -> np.ndarray:
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
    return xsect_params(shape, g[0], g[1], g[2], g[3])


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


def _length_factor(shape, xs, tables, n, slope, length, routing_step, lengthening) -> float:
    y_full = xs[P_YFULL]
    if not is_closed(shape):
        y_full = xs[P_AFULL] / width_at_depth(shape, xs, tables, y_full)
    v_full = R.PHI / n * xs[P_SFULL] * np.sqrt(abs(slope)) / xs[P_AFULL]
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
    d = xs[P_YFULL]
    if opts.force_main_equation.upper() == "H-W":
        return R.FM_HW, g2, 1.067 / g2 * (d / slope) ** 0.04
    # D-W roughness is in inches (US files) or mm (SI files)
    eps = g2 / (12.0 if units.unit_system_of(net.flow_units) == "US" else 304.8)
    f = _darcy_factor(eps, d / 4.0, 1.0e12)
    return R.FM_DW, eps, np.sqrt(f / 185.0) * d ** (1.0 / 6.0)


def _pack_links(net, opts, node_par, node_int, curves: _Curves):
    links = net.links
    m = net.n_links
    dynwave = opts.flow_routing.upper() == "DYNWAVE"
    qf = units.flow_to_m3s("CFS")
    elev_off = opts.link_offsets.upper() == "ELEVATION"
    tables_extra: list = []
    link_par = np.zeros((m, R.N_LP))
    link_int = np.zeros((m, R.N_LI), dtype=np.int64)
    xs_rows = []
    base_tables = standard_tables()
    for j in range(m):
        shape = int(links.shape[j])
        xs = _conduit_geometry(net, j, tables_extra)
        xs_rows.append(xs)
        n1, n2 = int(links.from_node[j]), int(links.to_node[j])
        link_int[j, R.LI_CURVE] = -1
        link_par[j, R.LP_INIT_SETTING] = 1.0
        if int(links.kind[j]) != LinkKind.CONDUIT:
            pack_structure(net, opts, j, xs, node_par, link_par, link_int, curves)
            continue
        link_int[j, R.LI_KIND] = R.KIND_CONDUIT
        off1 = _offset_height(links.in_offset_m[j], node_par[n1, R.NP_INVERT], elev_off)
        off2 = _offset_height(links.out_offset_m[j], node_par[n2, R.NP_INVERT], elev_off)
        if shape == Shape.FILLED_CIRCULAR:
            off1 += xs[P_YBOT]
            off2 += xs[P_YBOT]
        length = links.length_m[j] / FT
        e1 = node_par[n1, R.NP_INVERT] + off1
        e2 = node_par[n2, R.NP_INVERT] + off2
        slope = _conduit_slope(length, e1, e2, opts.min_slope)
        loss_in, loss_out = links.loss_entry[j], links.loss_exit[j]
        direction = 1
        q0 = links.init_flow_m3s[j] / qf
        dummy = shape == Shape.DUMMY
        if dynwave and slope < 0.0 and not dummy:
            n1, n2, off1, off2 = n2, n1, off2, off1
            loss_in, loss_out = loss_out, loss_in
            slope, direction, q0 = -slope, -1, -q0
        rough = float(links.roughness[j])
        fm = 0
        if dynwave and shape == Shape.FORCE_MAIN:
            fm, fm_rough, rough = _force_main(net, opts, j, xs, slope)
        factor = 1.0
        if dynwave and opts.lengthening_step_s > 0.0 and not dummy:
            tables = np.concatenate([base_tables] + [t[None] for t in tables_extra])
            factor = _length_factor(
                shape,
                xs,
                tables,
                rough,
                slope,
                length,
                opts.routing_step_s,
                opts.lengthening_step_s,
            )
        if factor != 1.0:
            slope /= factor
            rough /= np.sqrt(factor)
        beta = 0.0 if dummy else R.PHI * np.sqrt(abs(slope)) / rough
        lp = link_par[j]
        lp[R.LP_OFFSET1], lp[R.LP_OFFSET2] = off1, off2
        lp[R.LP_LENGTH], lp[R.LP_MOD_LENGTH] = length, length * factor
        lp[R.LP_ROUGH_FACTOR] = R.GRAVITY * (rough / R.PHI) ** 2
        lp[R.LP_BETA], lp[R.LP_SLOPE] = beta, slope
        lp[R.LP_QFULL], lp[R.LP_QMAX] = xs[P_SFULL] * beta, xs[P_SMAX] * beta
        lp[R.LP_LOSS_IN], lp[R.LP_LOSS_OUT] = loss_in, loss_out
        lp[R.LP_LOSS_AVG] = links.loss_avg[j]
        lp[R.LP_QLIMIT] = max(0.0, np.nan_to_num(links.max_flow_m3s[j]) / qf)
        lp[R.LP_BARRELS] = max(1, int(links.barrels[j]))
        lp[R.LP_Q0] = 0.0 if opts.flow_routing.upper() == "STEADY" else q0
        if fm:
            lp[R.LP_FM_ROUGH] = fm_rough
            if fm == R.FM_HW:
                lp[R.LP_FM_FACTOR] = R.GRAVITY / (1.318 * fm_rough * factor**0.54) ** 1.852
            else:
                lp[R.LP_FM_FACTOR] = 1.0 / 8.0 / factor
        li = link_int[j]
        li[R.LI_N1], li[R.LI_N2], li[R.LI_SHAPE] = n1, n2, shape
        li[R.LI_FLAP] = int(bool(links.flap_gate[j]))
        li[R.LI_DIRECTION] = direction
        li[R.LI_HAS_LOSSES] = int(loss_in != 0.0 or loss_out != 0.0 or links.loss_avg[j] != 0.0)
        li[R.LI_TRUE_CONDUIT] = int(not dummy)
        li[R.LI_CLOSED] = int(bool(is_closed(shape)))
        li[R.LI_FORCE_MAIN] = fm
        # node full depth raised to the crown (storage only when it can surcharge)
        for n, off in ((n1, off1), (n2, off2)):
            if node_int[n, R.NI_KIND] != NodeKind.STORAGE or node_par[n, R.NP_SUR_DEPTH] > 0.0:
                node_par[n, R.NP_FULL_DEPTH] = max(node_par[n, R.NP_FULL_DEPTH], off + xs[P_YFULL])
    tables = np.ascontiguousarray(np.concatenate([base_tables] + [t[None] for t in tables_extra]))
    xs_all = np.ascontiguousarray(np.array(xs_rows).reshape(m, XS_NPAR))
    return link_par, link_int, xs_all, tables


def _node_topology(net, node_par, node_int, link_par, link_int, xs):
    n, m = net.n_nodes, net.n_links
    invert = node_par[:, R.NP_INVERT]
    crown = invert.copy()
    degree = np.zeros(n, dtype=np.int64)
    inflow_count = np.zeros(n, dtype=np.int64)
    is_outfall = node_int[:, R.NI_KIND] == NodeKind.OUTFALL
    for j in range(m):
        n1, n2 = link_int[j, R.LI_N1], link_int[j, R.LI_N2]
        crown[n1] = max(crown[n1], invert[n1] + link_par[j, R.LP_OFFSET1] + xs[j, P_YFULL])
        crown[n2] = max(crown[n2], invert[n2] + link_par[j, R.LP_OFFSET2] + xs[j, P_YFULL])
        up, dn = (n1, n2) if link_int[j, R.LI_DIRECTION] > 0 else (n2, n1)
        degree[dn if is_outfall[up] else up] += 1
        inflow_count[n1 if is_outfall[n1] else n2] += 1
    degree[inflow_count == 0] *= -1
    node_par[:, R.NP_CROWN] = crown - invert
    node_int[:, R.NI_DEGREE] = degree
    ends = np.concatenate([link_int[:, R.LI_N1], link_int[:, R.LI_N2]])
    order = np.argsort(ends, kind="stable")
    start = np.zeros(n + 1, dtype=np.int64)
    np.add.at(start, ends + 1, 1)
    start = np.cumsum(start)
    return start, np.ascontiguousarray((order % max(m, 1)).astype(np.int64))


def pack_network(net, opts) -> RoutingPack:
    """Pack ``net`` for the routing kernels under ``opts`` (SWMM's validation steps)."""
    check_supported(net)
    curves = _Curves()
    node_par, node_int = _pack_nodes(net, opts, curves)
    link_par, link_int, xs, tables = _pack_links(net, opts, node_par, node_int, curves)
    structure_full_depths(node_par, node_int, link_par, link_int, xs)
    start, adj = _node_topology(net, node_par, node_int, link_par, link_int, xs)
    curve_start, curve_x, curve_y = curves.packed()
    full_volumes(node_par, node_int, curve_start, curve_x, curve_y)
    wet_well_volumes(net, node_par, node_int, link_par, link_int)
    opt_f, opt_i = _options(opts)
    _unit_factors(net, opt_f)
    return RoutingPack(
        node_par=node_par,
        node_int=node_int,
        link_par=link_par,
        link_int=link_int,
        xs=xs,
        tables=tables,
        curve_start=curve_start,
        curve_x=curve_x,
        curve_y=curve_y,
        links_at_node_start=start,
        links_at_node=adj,
        opt_f=opt_f,
        opt_i=opt_i,
        node_names=[str(s) for s in net.nodes.name],
        link_names=[str(s) for s in net.links.name],
    )
