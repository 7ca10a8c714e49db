"""Weirs (SWMM 5.2 ``weir_*`` of ``link.c`` and ``roadway.c``), ft/cfs.

TRANSVERSE ``q = C L h^1.5``, SIDEFLOW ``q = C L^0.83 h^1.67`` (transverse under
reverse flow), V-NOTCH ``q = C s h^2.5`` and TRAPEZOIDAL (a transverse middle
plus V-notch ends) are evaluated in the file's units, as SWMM does, with end
contractions shortening the crest, an optional coefficient curve on head,
Villemonte's submergence correction and the ARMCO flap-gate loss; a weir that
can surcharge flows as an equivalent orifice once the water passes its top.
The setting lowers the opening from the top (crest raised by ``(1 - setting)
* height``).  ROADWAY weirs use the FHWA HDS-5 roadway-overtopping method.
"""

import numpy as np

from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.constants import (
    FUDGE,
    M3_PER_FT3,
    WEIR_ROADWAY,
    WEIR_SIDEFLOW,
    WEIR_TRANSVERSE,
    WEIR_TRAPEZOIDAL,
    WEIR_VNOTCH,
)
from twin.kernels.structures.orifices import (
    end_heads,
    flap_gate_closed,
    flap_head_loss,
    mark_dry,
    set_wet_flow_class,
)
from twin.kernels.tables import table_lookup
from twin.kernels.xsect import area_at_depth, width_at_depth

TINY = 1.0e-6
SI_ROAD_COEFF = 0.552  # SI roadway coefficient -> cfs coefficient divisor


def _xy_rows(points):
    """(n, 2) (x, y) points -> a contiguous (2, n) array of their x row and y row."""
    return np.ascontiguousarray(np.array(points, dtype=np.float64).T)


# Roadway overtopping coefficients and submergence factors of the FHWA report
# "Bridge Waterways Analysis Model: Research Report" (FHWA/RD-86/108, 1986),
# Figure 10, as (x, y) points: low heads on head [ft], high heads on head/width.
# Each is kept as a (2, n) array: row 0 the x, row 1 the y of the points.
_CR_LOW_PAVED = _xy_rows([[0.0, 2.85], [0.2, 2.95], [0.7, 3.03], [4.0, 3.05]])
_CR_LOW_GRAVEL = _xy_rows(
    [
        [0.0, 2.5],
        [0.5, 2.7],
        [1.0, 2.8],
        [1.5, 2.9],
        [2.0, 2.98],
        [2.5, 3.02],
        [3.0, 3.03],
        [4.0, 3.05],
    ]
)
_CR_HIGH_PAVED = _xy_rows([[0.15, 3.05], [0.25, 3.10]])
_CR_HIGH_GRAVEL = _xy_rows([[0.15, 2.95], [0.30, 3.10]])
_KT_PAVED = _xy_rows(
    [
        [0.8, 1.0],
        [0.85, 0.98],
        [0.90, 0.92],
        [0.93, 0.85],
        [0.95, 0.80],
        [0.97, 0.70],
        [0.98, 0.60],
        [0.99, 0.50],
        [1.00, 0.40],
    ]
)
_KT_GRAVEL = _xy_rows(
    [
        [0.75, 1.00],
        [0.80, 0.985],
        [0.83, 0.97],
        [0.86, 0.93],
        [0.89, 0.90],
        [0.90, 0.87],
        [0.92, 0.80],
        [0.94, 0.70],
        [0.96, 0.60],
        [0.98, 0.50],
        [0.99, 0.40],
        [1.00, 0.24],
    ]
)
_VILLEMONTE_POWER = (1.5, 5.0 / 3.0, 2.5, 1.5)  # transverse, sideflow, v-notch, trapezoidal


@kernel(**JIT)
def _points_lookup(x, points):
    """:func:`table_lookup` in a (2, n) array of points (row 0: x, row 1: y)."""
    return table_lookup(x, points[0], points[1], 0, points.shape[1])


@kernel(**JIT)
def roadway_coeff(h_up, h_dn, road_width, paved):
    """HDS-5 roadway discharge coefficient (cfs units) times the submergence factor."""
    if h_up <= 0.0:
        return 0.0
    ratio = h_up / road_width
    if ratio <= 0.15:
        cr = _points_lookup(h_up, _CR_LOW_PAVED if paved else _CR_LOW_GRAVEL)
    else:
        cr = _points_lookup(ratio, _CR_HIGH_PAVED if paved else _CR_HIGH_GRAVEL)
    kt = 1.0
    if h_dn > 0.0:
        kt = _points_lookup(h_dn / h_up, _KT_PAVED if paved else _KT_GRAVEL)
    return cr * kt


@kernel(**JIT)
def _roadway_inflow(j, direction, h_road, h1, h2, links, xsects, options, link_state):
    cd = links.c_disch[j]
    if options.si == 1.0:
        cd = cd / SI_ROAD_COEFF
    width = links.road_width[j]
    surface = links.road_surface[j]
    h_up = h1 - h_road
    h_dn = h2 - h_road
    q = 0.0
    dqdh = 0.0
    if h_up > FUDGE:
        if width > 0.0 and surface >= 1:
            cd = roadway_coeff(h_up, h_dn, width, surface == 1)
        q = cd * xsects.w_max[j] * h_up**1.5
        dqdh = 1.5 * q / h_up
    link_state.dqdh[j] = dqdh
    link_state.depth[j] = max(h1 - h_road, 0.0)
    set_wet_flow_class(j, h_road, h2, direction, link_state)
    return direction * q


@kernel(**JIT)
def weir_open_area(j, y, xsects, link_state):
    """Flow area [ft2] between the (setting-raised) crest and ``y`` ft above it."""
    y_full = xsects.y_full[j]
    z = (1.0 - link_state.setting[j]) * y_full
    zy = min(z + y, y_full)
    return area_at_depth(xsects, j, zy) - area_at_depth(xsects, j, z)


@kernel(**JIT)
def _weir_dqdh(kind, direction, h, q1, q2):
    if abs(h) < FUDGE:
        return 0.0
    q1h = abs(q1 / h)
    q2h = abs(q2 / h)
    if kind == WEIR_TRANSVERSE:
        return 1.5 * q1h
    if kind == WEIR_SIDEFLOW:
        return 1.5 * q1h if direction < 0.0 else 1.67 * q1h
    if kind == WEIR_VNOTCH:
        return 2.5 * q1h if q2h == 0.0 else 1.5 * q1h + 2.5 * q2h
    if kind == WEIR_TRAPEZOIDAL:
        return 1.5 * q1h + 2.5 * q2h
    return 0.0


@kernel(**JIT)
def weir_flow(
    j,
    head,
    direction,
    flap,
    links,
    xsects,
    curves,
    options,
    link_state,
):
    """SWMM's weir_getFlow -> (q1, q2) [cfs]: middle and end-section flows at ``head`` ft."""
    q1 = 0.0
    q2 = 0.0
    link_state.dqdh[j] = 0.0
    kind = links.subtype[j]
    for attempt in range(2):
        q1 = 0.0
        q2 = 0.0
        if head <= 0.0:
            return q1, q2
        ucf = options.ucf_length
        length = xsects.w_max[j] * ucf
        h = head * ucf
        c1 = links.c_disch[j]
        c = links.curve[j]
        if c >= 0:
            c1 = table_lookup(h, curves.x, curves.y, curves.start[c], curves.start[c + 1])
        setting = link_state.setting[j]
        w_kind = kind
        if w_kind == WEIR_VNOTCH and setting < 1.0:
            w_kind = WEIR_TRAPEZOIDAL
        if w_kind == WEIR_TRANSVERSE or w_kind == WEIR_SIDEFLOW:
            length = max(length - 0.1 * links.end_contractions[j] * h, 0.0)
            if w_kind == WEIR_TRANSVERSE or direction < 0.0:
                q1 = c1 * length * h**1.5
            else:
                q1 = c1 * length**0.83 * h**1.67
        elif w_kind == WEIR_VNOTCH:
            q1 = c1 * links.side_slope[j] * h**2.5
        elif w_kind == WEIR_TRAPEZOIDAL:
            y = (1.0 - setting) * xsects.y_full[j]
            length = width_at_depth(xsects, j, y) * ucf
            q1 = c1 * length * h**1.5
            q2 = links.c_disch2[j] * links.side_slope[j] * h**2.5
        if options.si == 1.0:
            q1 /= M3_PER_FT3
            q2 /= M3_PER_FT3
        if not flap or attempt == 1:
            break
        area = weir_open_area(j, head, xsects, link_state)
        if area <= TINY:
            break
        veloc = (q1 + q2) / area
        head = max(head - flap_head_loss(veloc, head), 0.0)
    link_state.dqdh[j] = _weir_dqdh(kind, direction, head, q1, q2)
    return q1, q2


@kernel(**JIT)
def _weir_orifice_flow(j, head, y, c_orif, links, xsects, link_state):
    q = c_orif * np.sqrt(head)
    if links.flap_gate[j] == 1:
        a = weir_open_area(j, y, xsects, link_state)
        if a > 0.0:
            v = q / a
            head = max(head - flap_head_loss(v, y), 0.0)
            q = c_orif * np.sqrt(head)
    link_state.dqdh[j] = q / (2.0 * head) if head > 0.0 else 0.0
    return q


@kernel(**JIT)
def weir_set_setting(j, links, xsects, curves, options, link_state):
    """SWMM's weir_setSetting: take the target, refresh the surcharge coefficient."""
    link_state.setting[j] = link_state.target_setting[j]
    if links.can_surcharge[j] == 0 or links.subtype[j] == WEIR_ROADWAY:
        return
    setting = link_state.setting[j]
    if setting == 0.0:
        link_state.c_surcharge[j] = 0.0
        return
    dqdh = link_state.dqdh[j]
    h = setting * xsects.y_full[j]
    q1, q2 = weir_flow(
        j,
        h,
        1.0,
        False,
        links,
        xsects,
        curves,
        options,
        link_state,
    )
    link_state.dqdh[j] = dqdh
    link_state.c_surcharge[j] = (q1 + q2) / np.sqrt(h / 2.0)


@kernel(**JIT)
def weir_inflow(
    j,
    dynwave,
    nodes,
    links,
    xsects,
    curves,
    options,
    node_state,
    link_state,
):
    """Signed flow [cfs] over weir ``j`` (SWMM's weir_getInflow)."""
    n1 = links.node1[j]
    n2 = links.node2[j]
    h1, h2 = end_heads(j, dynwave, nodes, links, node_state)
    direction = 1.0 if h1 > h2 else -1.0
    if direction < 0.0:
        h1, h2 = h2, h1
    y_full = xsects.y_full[j]
    hcrest = nodes.invert[n1] + links.offset1[j]
    hcrown = hcrest + y_full
    kind = links.subtype[j]
    if kind == WEIR_ROADWAY:
        return _roadway_inflow(j, direction, hcrest, h1, h2, links, xsects, options, link_state)
    hcrest += (1.0 - link_state.setting[j]) * y_full
    head = h1 - hcrest
    link_state.dqdh[j] = 0.0
    if head <= FUDGE or hcrest >= hcrown or flap_gate_closed(j, n1, n2, direction, nodes, links):
        return mark_dry(j, link_state)
    set_wet_flow_class(j, hcrest, h2, direction, link_state)
    if h1 >= hcrown:
        if links.can_surcharge[j] == 1:
            y = 0.5 * (hcrest + hcrown)
            head = h1 - y if h2 < y else h1 - h2
            y = hcrown - hcrest
            q = _weir_orifice_flow(j, head, y, link_state.c_surcharge[j], links, xsects, link_state)
            link_state.depth[j] = y
            return direction * q
        head = hcrown - hcrest
    q1, q2 = weir_flow(
        j,
        head,
        direction,
        links.flap_gate[j] == 1,
        links,
        xsects,
        curves,
        options,
        link_state,
    )
    if h2 > hcrest:
        ratio = (h2 - hcrest) / (h1 - hcrest)
        q1 *= (1.0 - ratio ** _VILLEMONTE_POWER[kind]) ** 0.385
        if q2 > 0.0:
            q2 *= (1.0 - ratio ** _VILLEMONTE_POWER[WEIR_VNOTCH]) ** 0.385
    link_state.depth[j] = min(h1 - hcrest, y_full)
    return direction * (q1 + q2)
