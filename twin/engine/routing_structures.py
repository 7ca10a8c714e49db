"""Pack pumps, orifices, weirs, outlets and flow dividers for the routing kernels.

SWMM 5.2's ``pump_validate``, ``orifice_validate``, ``weir_validate``,
``link_setParams`` and ``divider_validate`` in plain numpy: crest heights above
the upstream invert (raised to the downstream invert under dynamic wave, as SWMM
warns and does), the same height at both ends, equivalent lengths, curves in the
file's units (SWMM evaluates pump curves, rating curves, weir coefficient curves
and diversion curves there) and coefficients back in file units from the
Network's SI values.  Field meanings are in :mod:`twin.kernels.routing.bundles`.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError
from twin.kernels.codes import LinkKind, NodeKind, Shape
from twin.kernels.routing import constants as R
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


def _crest_height(net, opts, j: int, n1: int, n2: int, nodes) -> float:
    """Crest height above the upstream invert [ft] (SWMM's offset1 of a regulator)."""
    off_m = float(net.links.in_offset_m[j])
    inv1 = nodes.invert[n1]
    if opts.link_offsets.upper() == "ELEVATION":
        off = 0.0 if not np.isfinite(off_m) else off_m / FT - inv1
    else:
        off = 0.0 if not np.isfinite(off_m) else off_m / FT
    off = max(off, 0.0)
    inv2 = nodes.invert[n2]
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


def pack_structure(net, opts, j, xs: dict, nodes, links, curves) -> None:
    """Fill entry ``j`` of ``links`` (and its section ``xs``) for a pump, orifice, weir
    or outlet."""
    nl = net.links
    kind = LinkKind(int(nl.kind[j]))
    name = str(nl.name[j])
    n1, n2 = int(nl.from_node[j]), int(nl.to_node[j])
    us = units.unit_system_of(net.flow_units)
    links.kind[j] = int(kind)
    links.node1[j], links.node2[j] = n1, n2
    links.direction[j] = 1
    links.true_conduit[j] = 0
    links.curve[j] = -1
    links.barrels[j] = 1.0
    links.init_setting[j] = 1.0
    off = 0.0 if kind == LinkKind.PUMP else _crest_height(net, opts, j, n1, n2, nodes)
    links.offset1[j] = links.offset2[j] = off
    if kind != LinkKind.PUMP:
        links.flap_gate[j] = int(bool(nl.flap_gate[j]))
    word = str(nl.regulator_kind[j]).upper()
    _check_shape(kind, word, Shape(int(nl.shape[j])), name)
    if kind == LinkKind.PUMP:
        xs["y_full"] = 0.0  # SWMM's pump_validate (a DUMMY section would be 1e-6 ft)
        xs["y_inv"] = np.inf
        links.subtype[j] = R.PUMP_IDEAL
        links.init_setting[j] = 1.0 if bool(nl.init_on[j]) else 0.0
        links.startup_depth[j] = np.nan_to_num(nl.startup_depth_m[j]) / FT
        links.shutoff_depth[j] = np.nan_to_num(nl.shutoff_depth_m[j]) / FT
        curve_name = str(nl.pump_curve[j])
        if curve_name not in ("*", ""):
            c = _curve(net, curve_name, name)
            ptype = PUMP_KINDS.get(str(c.kind).upper())
            if ptype is None:
                raise InputError(f"pump {name}: curve {curve_name} is not a pump curve")
            x, y = np.asarray(c.x, float), np.asarray(c.y, float)
            links.subtype[j] = ptype
            links.curve[j] = curves.add(x, y)
            links.pump_x_min[j], links.pump_x_max[j] = x[0], x[-1]
            links.q_full[j] = float(y.max()) / units.swmm_flow_per_cfs(net.flow_units)
        if 0.0 < links.startup_depth[j] <= links.shutoff_depth[j]:
            raise InputError(f"pump {name}: startup depth must exceed shutoff depth")
    elif kind == LinkKind.ORIFICE:
        links.subtype[j] = R.ORIFICE_BOTTOM if word == "BOTTOM" else R.ORIFICE_SIDE
        links.c_disch[j] = float(nl.discharge_coeff[j])
        links.open_close_time[j] = np.nan_to_num(nl.open_close_time_h[j]) * 3600.0
        links.eq_length[j] = _equivalent_length(opts, xs["y_full"])
    elif kind == LinkKind.WEIR:
        cf = units.weir_coeff_to_si(us)
        wtype = WEIR_KINDS[word]
        links.subtype[j] = wtype
        links.c_disch[j] = float(nl.discharge_coeff[j]) / cf
        links.c_disch2[j] = np.nan_to_num(nl.end_coeff[j]) / cf
        links.end_contractions[j] = np.nan_to_num(nl.end_contractions[j])
        links.can_surcharge[j] = int(bool(nl.can_surcharge[j]))
        links.eq_length[j] = _equivalent_length(opts, xs["y_full"])
        if wtype in (R.WEIR_VNOTCH, R.WEIR_TRAPEZOIDAL):
            links.side_slope[j] = xs["s_bot"]
        if wtype == R.WEIR_ROADWAY:
            links.road_width[j] = np.nan_to_num(nl.road_width_m[j]) / FT
            surf = str(nl.road_surface[j]).upper()
            links.road_surface[j] = {"PAVED": 1, "GRAVEL": 2}.get(surf, 0)
        cname = str(nl.coeff_curve[j])
        if cname:
            c = _curve(net, cname, name)
            links.curve[j] = curves.add(np.asarray(c.x, float), np.asarray(c.y, float))
    elif kind == LinkKind.OUTLET:
        links.subtype[j] = R.OUTLET_HEAD if word.endswith("/HEAD") else R.OUTLET_DEPTH
        if word.startswith("FUNCTIONAL"):
            e = float(nl.outlet_exponent[j])
            links.q_expon[j] = e
            links.c_disch[j] = float(nl.discharge_coeff[j]) / units.power_law_coeff_to_si(
                net.flow_units, e
            )
        else:
            c = _curve(net, str(nl.coeff_curve[j]), name)
            links.curve[j] = curves.add(np.asarray(c.x, float), np.asarray(c.y, float))


def pack_divider(net, i, nodes, curves) -> None:
    """Fill the divider fields of node ``i`` (file-unit weir terms, as SWMM keeps them)."""
    nn = net.nodes
    name = str(nn.name[i])
    kind = str(nn.divider_kind[i]).upper()
    if kind not in DIVIDER_KINDS:
        raise InputError(f"divider {name}: unknown type {kind!r}")
    nodes.divider_kind[i] = DIVIDER_KINDS[kind]
    link = str(nn.divider_link[i])
    idx = net.links.index_of().get(link, -1) if link else -1
    nodes.divider_link[i] = idx
    if idx < 0 or i not in (int(net.links.from_node[idx]), int(net.links.to_node[idx])):
        raise InputError(f"divider {name}: diverted link {link!r} is not attached to it")
    fu = net.flow_units
    qcf = units.swmm_flow_per_cfs(fu)
    to_file_flow = 1.0 / units.flow_to_m3s(fu)
    p = np.asarray(nn.divider_params[i], dtype=np.float64)
    if kind == "CUTOFF":
        nodes.divider_q_min[i] = p[0] * to_file_flow / qcf
    elif kind == "WEIR":
        lf = units.length_to_m(units.unit_system_of(fu))
        dh = p[1] / lf
        cw = p[2] / units.power_law_coeff_to_si(fu, 1.5)
        if dh <= 0.0 or cw <= 0.0:
            raise InputError(f"divider {name}: WEIR needs a positive height and coefficient")
        nodes.divider_q_min[i] = p[0] * to_file_flow / qcf
        nodes.divider_dh_max[i] = dh
        nodes.divider_c_weir[i] = cw
        nodes.divider_q_max[i] = cw * dh**1.5 / qcf
    elif kind == "TABULAR":
        c = _curve(net, str(nn.divider_curve[i]), name)
        nodes.curve[i] = curves.add(np.asarray(c.x, float), np.asarray(c.y, float))


def structure_full_depths(nodes, links, xsects) -> None:
    """Raise upstream node full depths to regulator tops (not pumps, not bottom orifices)."""
    for j in range(links.kind.shape[0]):
        kind = links.kind[j]
        if kind == R.KIND_CONDUIT or kind == R.KIND_PUMP:
            continue
        if kind == R.KIND_ORIFICE and links.subtype[j] == R.ORIFICE_BOTTOM:
            continue
        n = links.node1[j]
        if nodes.kind[n] != NodeKind.STORAGE or nodes.surcharge_depth[n] > 0.0:
            top = links.offset1[j] + xsects.y_full[j]
            nodes.full_depth[n] = max(nodes.full_depth[n], top)


def wet_well_volumes(net, nodes, links) -> None:
    """TYPE1 pumps give a non-storage inlet node the curve's largest volume (SWMM)."""
    si = units.unit_system_of(net.flow_units) == "SI"
    ucf_v = SWMM_VOLUME_PER_FT3 if si else 1.0
    for j in range(links.kind.shape[0]):
        if links.kind[j] != R.KIND_PUMP or links.subtype[j] != R.PUMP_TYPE1:
            continue
        n = links.node1[j]
        if nodes.kind[n] != NodeKind.STORAGE:
            v = links.pump_x_max[j] / ucf_v
            nodes.full_volume[n] = max(nodes.full_volume[n], v)
