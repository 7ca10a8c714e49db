"""Pack pumps, orifices, weirs, outlets and flow dividers for the routing kernels.

SWMM 5.2's ``pump_validate``, ``orifice_validate``, ``weir_validate``,
``link_setParams`` and ``divider_validate`` in plain numpy: crest heights above
the upstream invert (raised to the downstream invert under dynamic wave, as SWMM
warns and does), the same height at both ends, equivalent lengths, curves in the
file's units (SWMM evaluates pump curves, rating curves, weir coefficient curves
and diversion curves there) and coefficients back in file units from the
Network's SI values.  Column meanings are in :mod:`twin.kernels.routing.layout`.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError
from twin.kernels.codes import LinkKind, NodeKind, Shape
from twin.kernels.routing import layout as R
from twin.kernels.xsect import P_SBOT, P_YFULL, P_YINV, is_closed
from twin.networks import units

FT = units.FT_TO_M
PUMP_KINDS = {"PUMP1": 0, "PUMP2": 1, "PUMP3": 2, "PUMP4": 3, "PUMP5": 4}
WEIR_KINDS = {"TRANSVERSE": 0, "SIDEFLOW": 1, "V-NOTCH": 2, "TRAPEZOIDAL": 3, "ROADWAY": 4}
DIVIDER_KINDS = {
    "CUTOFF": R.DIV_CUTOFF,
    "OVERFLOW": R.DIV_OVERFLOW,
    "TABULAR": R.DIV_TABULAR,
    "WEIR": R.DIV_WEIR,
}
SWMM_VOLUME_PER_FT3 = 0.02832  # SWMM's UCF(VOLUME) for SI files


def _curve(net, name: str, owner: str):
    c = net.curves.get(str(name))
    if c is None:
        raise InputError(f"{owner}: curve {name!r} is not defined")
    return c


def _crest_height(net, opts, j: int, n1: int, n2: int, node_par) -> float:
    """Crest height above the upstream invert [ft] (SWMM's offset1 of a regulator)."""
    off_m = float(net.links.in_offset_m[j])
    inv1 = node_par[n1, R.NP_INVERT]
    if opts.link_offsets.upper() == "ELEVATION":
        off = 0.0 if not np.isfinite(off_m) else off_m / FT - inv1
    else:
        off = 0.0 if not np.isfinite(off_m) else off_m / FT
    off = max(off, 0.0)
    inv2 = node_par[n2, R.NP_INVERT]
    if opts.flow_routing.upper() == "DYNWAVE" and inv1 + off < inv2:
        off = inv2 - inv1
    return off


_WEIR_SHAPES = {
    "TRANSVERSE": Shape.RECT_OPEN,
    "SIDEFLOW": Shape.RECT_OPEN,
    "ROADWAY": Shape.RECT_OPEN,
    "V-NOTCH": Shape.TRIANGULAR,
    "TRAPEZOIDAL": Shape.TRAPEZOIDAL,
}


def _check_shape(kind: LinkKind, word: str, shape: Shape, name: str) -> None:
    """SWMM's ERR_REGULATOR_SHAPE: the opening shapes each regulator can have."""
    if kind == LinkKind.ORIFICE and shape not in (Shape.CIRCULAR, Shape.RECT_CLOSED):
        raise InputError(f"orifice {name}: shape must be CIRCULAR or RECT_CLOSED, not {shape.name}")
    if kind == LinkKind.WEIR and _WEIR_SHAPES.get(word) != shape:
        want = _WEIR_SHAPES.get(word, Shape.RECT_OPEN).name
        raise InputError(f"weir {name}: a {word} weir needs a {want} section, not {shape.name}")


def _equivalent_length(opts, y_full: float) -> float:
    return max(200.0, 2.0 * opts.routing_step_s * np.sqrt(R.GRAVITY * y_full))


def pack_structure(net, opts, j, xs, node_par, link_par, link_int, curves) -> None:
    """Fill row ``j`` of ``link_par`` / ``link_int`` for a pump, orifice, weir or outlet."""
    links = net.links
    kind = LinkKind(int(links.kind[j]))
    name = str(links.name[j])
    n1, n2 = int(links.from_node[j]), int(links.to_node[j])
    us = units.unit_system_of(net.flow_units)
    lp, li = link_par[j], link_int[j]
    li[R.LI_KIND] = int(kind)
    li[R.LI_N1], li[R.LI_N2] = n1, n2
    li[R.LI_SHAPE] = int(links.shape[j])
    li[R.LI_DIRECTION] = 1
    li[R.LI_TRUE_CONDUIT] = 0
    li[R.LI_CLOSED] = int(bool(is_closed(int(links.shape[j]))))
    li[R.LI_CURVE] = -1
    lp[R.LP_BARRELS] = 1.0
    lp[R.LP_INIT_SETTING] = 1.0
    off = 0.0 if kind == LinkKind.PUMP else _crest_height(net, opts, j, n1, n2, node_par)
    lp[R.LP_OFFSET1] = lp[R.LP_OFFSET2] = off
    if kind != LinkKind.PUMP:
        li[R.LI_FLAP] = int(bool(links.flap_gate[j]))
    word = str(links.regulator_kind[j]).upper()
    _check_shape(kind, word, Shape(int(links.shape[j])), name)
    if kind == LinkKind.PUMP:
        xs[P_YFULL] = 0.0  # SWMM's pump_validate (a DUMMY section would be 1e-6 ft)
        xs[P_YINV] = np.inf
        li[R.LI_SUBTYPE] = R.PUMP_IDEAL
        lp[R.LP_INIT_SETTING] = 1.0 if bool(links.init_on[j]) else 0.0
        lp[R.LP_YON] = np.nan_to_num(links.startup_depth_m[j]) / FT
        lp[R.LP_YOFF] = np.nan_to_num(links.shutoff_depth_m[j]) / FT
        curve_name = str(links.pump_curve[j])
        if curve_name not in ("*", ""):
            c = _curve(net, curve_name, name)
            ptype = PUMP_KINDS.get(str(c.kind).upper())
            if ptype is None:
                raise InputError(f"pump {name}: curve {curve_name} is not a pump curve")
            x, y = np.asarray(c.x, float), np.asarray(c.y, float)
            li[R.LI_SUBTYPE] = ptype
            li[R.LI_CURVE] = curves.add(x, y)
            lp[R.LP_PUMP_XMIN], lp[R.LP_PUMP_XMAX] = x[0], x[-1]
            lp[R.LP_QFULL] = float(y.max()) / units.swmm_flow_per_cfs(net.flow_units)
        if 0.0 < lp[R.LP_YON] <= lp[R.LP_YOFF]:
            raise InputError(f"pump {name}: startup depth must exceed shutoff depth")
    elif kind == LinkKind.ORIFICE:
        li[R.LI_SUBTYPE] = R.ORIFICE_BOTTOM if word == "BOTTOM" else R.ORIFICE_SIDE
        lp[R.LP_CDISCH] = float(links.discharge_coeff[j])
        lp[R.LP_ORATE] = np.nan_to_num(links.open_close_time_h[j]) * 3600.0
        lp[R.LP_EQ_LENGTH] = _equivalent_length(opts, xs[P_YFULL])
    elif kind == LinkKind.WEIR:
        cf = units.weir_coeff_to_si(us)
        wtype = WEIR_KINDS[word]
        li[R.LI_SUBTYPE] = wtype
        lp[R.LP_CDISCH] = float(links.discharge_coeff[j]) / cf
        lp[R.LP_CDISCH2] = np.nan_to_num(links.end_coeff[j]) / cf
        lp[R.LP_END_CON] = np.nan_to_num(links.end_contractions[j])
        li[R.LI_CAN_SURCHARGE] = int(bool(links.can_surcharge[j]))
        lp[R.LP_EQ_LENGTH] = _equivalent_length(opts, xs[P_YFULL])
        if wtype in (R.WEIR_VNOTCH, R.WEIR_TRAPEZOIDAL):
            lp[R.LP_WEIR_SLOPE] = xs[P_SBOT]
        if wtype == R.WEIR_ROADWAY:
            lp[R.LP_ROAD_WIDTH] = np.nan_to_num(links.road_width_m[j]) / FT
            surf = str(links.road_surface[j]).upper()
            li[R.LI_ROAD_SURFACE] = {"PAVED": 1, "GRAVEL": 2}.get(surf, 0)
        cname = str(links.coeff_curve[j])
        if cname:
            c = _curve(net, cname, name)
            li[R.LI_CURVE] = curves.add(np.asarray(c.x, float), np.asarray(c.y, float))
    elif kind == LinkKind.OUTLET:
        li[R.LI_SUBTYPE] = R.OUTLET_HEAD if word.endswith("/HEAD") else R.OUTLET_DEPTH
        if word.startswith("FUNCTIONAL"):
            e = float(links.outlet_exponent[j])
            lp[R.LP_QEXPON] = e
            lp[R.LP_CDISCH] = float(links.discharge_coeff[j]) / units.power_law_coeff_to_si(
                net.flow_units, e
            )
        else:
            c = _curve(net, str(links.coeff_curve[j]), name)
            li[R.LI_CURVE] = curves.add(np.asarray(c.x, float), np.asarray(c.y, float))


def pack_divider(net, i, node_par, node_int, curves) -> None:
    """Fill the divider columns of node ``i`` (file-unit weir terms, as SWMM keeps them)."""
    nodes = net.nodes
    name = str(nodes.name[i])
    kind = str(nodes.divider_kind[i]).upper()
    if kind not in DIVIDER_KINDS:
        raise InputError(f"divider {name}: unknown type {kind!r}")
    node_int[i, R.NI_DIV_KIND] = DIVIDER_KINDS[kind]
    link = str(nodes.divider_link[i])
    idx = net.links.index_of().get(link, -1) if link else -1
    node_int[i, R.NI_DIV_LINK] = idx
    if idx < 0 or i not in (int(net.links.from_node[idx]), int(net.links.to_node[idx])):
        raise InputError(f"divider {name}: diverted link {link!r} is not attached to it")
    fu = net.flow_units
    qcf = units.swmm_flow_per_cfs(fu)
    to_file_flow = 1.0 / units.flow_to_m3s(fu)
    p = np.asarray(nodes.divider_params[i], dtype=np.float64)
    if kind == "CUTOFF":
        node_par[i, R.NP_DIV_QMIN] = p[0] * to_file_flow / qcf
    elif kind == "WEIR":
        lf = units.length_to_m(units.unit_system_of(fu))
        dh = p[1] / lf
        cw = p[2] / units.power_law_coeff_to_si(fu, 1.5)
        if dh <= 0.0 or cw <= 0.0:
            raise InputError(f"divider {name}: WEIR needs a positive height and coefficient")
        node_par[i, R.NP_DIV_QMIN] = p[0] * to_file_flow / qcf
        node_par[i, R.NP_DIV_DHMAX] = dh
        node_par[i, R.NP_DIV_CWEIR] = cw
        node_par[i, R.NP_DIV_QMAX] = cw * dh**1.5 / qcf
    elif kind == "TABULAR":
        c = _curve(net, str(nodes.divider_curve[i]), name)
        node_int[i, R.NI_CURVE] = curves.add(np.asarray(c.x, float), np.asarray(c.y, float))


def structure_full_depths(node_par, node_int, link_par, link_int, xs) -> None:
    """Raise upstream node full depths to regulator tops (not pumps, not bottom orifices)."""
    for j in range(link_int.shape[0]):
        kind = link_int[j, R.LI_KIND]
        if kind == R.KIND_CONDUIT or kind == R.KIND_PUMP:
            continue
        if kind == R.KIND_ORIFICE and link_int[j, R.LI_SUBTYPE] == R.ORIFICE_BOTTOM:
            continue
        n = link_int[j, R.LI_N1]
        if node_int[n, R.NI_KIND] != NodeKind.STORAGE or node_par[n, R.NP_SUR_DEPTH] > 0.0:
            top = link_par[j, R.LP_OFFSET1] + xs[j, P_YFULL]
            node_par[n, R.NP_FULL_DEPTH] = max(node_par[n, R.NP_FULL_DEPTH], top)


def wet_well_volumes(net, node_par, node_int, link_par, link_int) -> None:
    """TYPE1 pumps give a non-storage inlet node the curve's largest volume (SWMM)."""
    si = units.unit_system_of(net.flow_units) == "SI"
    ucf_v = SWMM_VOLUME_PER_FT3 if si else 1.0
    for j in range(link_int.shape[0]):
        if link_int[j, R.LI_KIND] != R.KIND_PUMP or link_int[j, R.LI_SUBTYPE] != R.PUMP_TYPE1:
            continue
        n = link_int[j, R.LI_N1]
        if node_int[n, R.NI_KIND] != NodeKind.STORAGE:
            v = link_par[j, R.LP_PUMP_XMAX] / ucf_v
            node_par[n, R.NP_FULL_VOLUME] = max(node_par[n, R.NP_FULL_VOLUME], v)
