"""Street and channel inlets in the routing step (SWMM 5.2 ``inlet_findCapturedFlows``).

Before each routing step, after the lateral inflows are set, every inlet takes flow from
its conduit's downstream (bypass) node and gives it to its capture node: on grade from
the conduit's flow of the last step, in a sump from the bypass node's depth, a CUSTOM
inlet from its diversion curve (captured v. approach flow) or rating curve (captured v.
depth).  Replicate inlets on grade each see what the ones before them left; clogging
scales, and the flow limit caps, each inlet's capture.  A capture node that overflowed
in the last step sends its overflow back to the bypass node, shared among its inlets
(``backflow_ratio``).  Under kinematic wave or steady flow an inlet in a sump takes no
more than its bypass node holds and receives.  The inlet statistics of SWMM's Street
Flow Summary are kept too.  Units ft, cfs, s.
"""

from numba import types
from numba.experimental import structref

from twin.kernels.bundle import Bundle, Field, bind
from twin.kernels.bundle import node_field as _node
from twin.kernels.config import JIT
from twin.kernels.jit import kernel
from twin.kernels.routing.inlet_capture import CUSTOM, on_grade_capture, on_sag_capture
from twin.kernels.routing.storage import curve_lookup_ex

MIN_RUNOFF_FLOW = 0.001  # cfs
FUDGE = 0.0001
BIG = 1.0e10
ON_GRADE, ON_SAG = 1, 2
F, I = "float64", "int64"


def _in(name, dtype, unit, meaning, fill=0.0) -> Field:
    return Field(name, dtype, unit, meaning, "inlet", fill)


@structref.register
class InletsType(types.StructRef):
    pass


class Inlets(Bundle):
    """The inlets placed in conduits (one entry per conduit with an inlet), their
    street's numbers, and their state and statistics."""

    fields = (
        _in("link", I, "index", "conduit holding the inlet"),
        _in("bypass", I, "index", "the conduit's downstream node (bypassed flow stays)"),
        _in("node", I, "index", "capture node (sewer node receiving captured flow)"),
        _in("kind", I, "code", "GRATE CURB COMBO SLOTTED DROP_GRATE DROP_CURB CUSTOM"),
        _in("grate_type", I, "code", "P_BAR-50 ... GENERIC, -1 no grate", -1),
        _in("throat", I, "code", "curb opening throat: horizontal, inclined, vertical"),
        _in("curve", I, "index", "CUSTOM inlet's curve in the inlets' curves, -1", -1),
        _in("rating", I, "-", "1: the curve is a rating (captured v. depth)"),
        _in("count", I, "-", "identical inlets (on each side of a street)"),
        _in("placement", I, "code", "ON_GRADE 1 or ON_SAG 2 (AUTOMATIC resolved)"),
        _in("sides", I, "-", "sides of the street (1 or 2; channels 1)"),
        _in("street", I, "-", "1 in a STREET conduit, 0 in a channel"),
        _in("grate_length", F, "ft", "grate length along the flow, 0 none"),
        _in("grate_width", F, "ft", "grate width"),
        _in("open_fraction", F, "-", "GENERIC grate's open area fraction"),
        _in("splash_velocity", F, "ft/s", "GENERIC grate's splash-over velocity"),
        _in("curb_length", F, "ft", "curb opening length, 0 none"),
        _in("curb_height", F, "ft", "curb opening height"),
        _in("slot_length", F, "ft", "slotted drain length, 0 none"),
        _in("slot_width", F, "ft", "slotted drain width"),
        _in("clog_factor", F, "-", "1 - fraction clogged"),
        _in("flow_limit", F, "cfs", "most flow one inlet captures, 0 none"),
        _in("sx", F, "-", "street cross slope (channels 0.01)"),
        _in("sl", F, "-", "conduit slope (before lengthening)"),
        _in("sw", F, "-", "depressed gutter's slope"),
        _in("gutter_a", F, "ft", "gutter depression with the inlet's local one"),
        _in("gutter_w", F, "ft", "depressed gutter width"),
        _in("roughness", F, "-", "street's (or channel's) Manning n"),
        _in("t_crown", F, "ft", "curb-to-crown distance"),
        _in("flow_factor", F, "cfs/ft^2.67", "Izzard's factor: Q = f T^2.67"),
        _in("beta", F, "ft^(1/3)/s", "the conduit's 1.486 sqrt(slope) / n"),
        _in("backflow_ratio", F, "-", "share of the capture node's overflow sent back"),
        _in("capture", F, "cfs", "flow captured in this step"),
        _in("backflow", F, "cfs", "flow sent back from the capture node in this step"),
        _in("flow_periods", F, "-", "steps with approach flow (reporting period)"),
        _in("capture_periods", F, "-", "steps with net capture"),
        _in("backflow_periods", F, "-", "steps with backflow"),
        _in("peak_flow", F, "cfs", "largest approach flow"),
        _in("peak_capture", F, "%", "capture at the largest approach flow"),
        _in("sum_capture", F, "-", "sum of the capture fractions of capture steps"),
        _in("bypass_steps", F, "-", "capture steps that bypassed flow"),
        _node("inlet_flow", F, "cfs", "flow captured from each bypass node"),
        _node("node_inflow", F, "cfs", "inflow of each node (kinematic wave, steady)"),
    )


bind(Inlets, InletsType)


@kernel(**JIT)
def _custom_capture(inlets, k, q, d, curves, ucf_flow, ucf_length):
    """SWMM's getCustomCapturedFlow: a CUSTOM inlet's capture [cfs]."""
    c = inlets.curve[k]
    if inlets.count[k] == 0 or c < 0:
        return 0.0
    q_max = inlets.flow_limit[k] if inlets.flow_limit[k] > 0.0 else BIG
    sides = inlets.sides[k]
    k0, k1 = curves.start[c], curves.start[c + 1]
    captured = 0.0
    if inlets.rating[k] == 0:
        bypassed = q / sides
        for _ in range(inlets.count[k]):
            inc = inlets.clog_factor[k] * curve_lookup_ex(
                bypassed * ucf_flow, curves.x, curves.y, k0, k1) / ucf_flow  # fmt: skip
            inc = min(inc, q_max)
            inc = min(inc, bypassed)
            captured += inc
            bypassed -= inc
            if bypassed < MIN_RUNOFF_FLOW:
                break
    else:
        captured = inlets.count[k] * inlets.clog_factor[k] * curve_lookup_ex(
            d * ucf_length, curves.x, curves.y, k0, k1) / ucf_flow  # fmt: skip
    return captured * sides


@kernel(**JIT)
def _geometry(inlets, k):
    return (inlets.sx[k], inlets.sl[k], inlets.sw[k], inlets.gutter_a[k], inlets.gutter_w[k],
            inlets.roughness[k], inlets.t_crown[k], inlets.flow_factor[k],
            inlets.street[k])  # fmt: skip


@kernel(**JIT)
def _on_grade_total(inlets, k, q, d, xsects):
    """SWMM's getOnGradeCapturedFlow: replicate inlets in turn [cfs]."""
    if inlets.count[k] == 0 or q < MIN_RUNOFF_FLOW:
        return 0.0
    geo = _geometry(inlets, k)
    sides = inlets.sides[k]
    bypassed = q / sides
    captured = 0.0
    q_max = inlets.flow_limit[k] if inlets.flow_limit[k] > 0.0 else BIG
    link = inlets.link[k]
    for _ in range(inlets.count[k]):
        qc = on_grade_capture(inlets, k, bypassed, d, geo, xsects, link, inlets.beta[k])
        qc *= inlets.clog_factor[k]
        qc = min(qc, q_max)
        qc = min(qc, bypassed)
        captured += qc
        bypassed -= qc
        if bypassed < MIN_RUNOFF_FLOW:
            break
    return captured * sides


@kernel(**JIT)
def _on_sag_total(inlets, k, d):
    """SWMM's getOnSagCapturedFlow [cfs]."""
    if inlets.count[k] == 0:
        return 0.0
    q_max = inlets.flow_limit[k] if inlets.flow_limit[k] > 0.0 else BIG
    qc = on_sag_capture(inlets, k, abs(d), _geometry(inlets, k)) * inlets.clog_factor[k]
    return min(qc, q_max) * (inlets.sides[k] * inlets.count[k])


@kernel(**JIT)
def _update_stats(inlets, k, q):
    """SWMM's updateInletStats with approach flow ``q`` [cfs]."""
    q_net = inlets.capture[k] - inlets.backflow[k]
    if q < MIN_RUNOFF_FLOW and inlets.backflow[k] <= 0.0:
        return
    inlets.flow_periods[k] += 1.0
    f = 0.0
    if q_net > 0.0:
        inlets.capture_periods[k] += 1.0
        f = min(q_net / q, 1.0)
        inlets.sum_capture[k] += f
        if q - q_net > MIN_RUNOFF_FLOW:
            inlets.bypass_steps[k] += 1.0
    else:
        inlets.backflow_periods[k] += 1.0
    if q > inlets.peak_flow[k]:
        inlets.peak_flow[k] = q
        inlets.peak_capture[k] = f * 100.0


@kernel(**JIT)
def capture_at_inlets(dt, dynwave, stats, lateral, inlets, curves, links, xsects, node_state,
                      link_state, ucf_flow, ucf_length):  # fmt: skip
    """Move this step's captured flows between ``lateral`` [cfs] (n_nodes,) entries.

    ``dt`` the step [s]; ``dynwave`` False under kinematic wave or steady flow;
    ``stats`` True once reporting has begun.  Reads the last step's link flows, node
    depths and overflows.  Returns what the transfers added to the sum of the lateral
    inflows [cfs] (the backflows, which SWMM does not count as inflow).
    """
    n = inlets.link.shape[0]
    inflow = inlets.node_inflow
    inlet_flow = inlets.inlet_flow
    before = 0.0
    for j in range(lateral.shape[0]):
        before += lateral[j]
        inlet_flow[j] = 0.0
    if not dynwave:
        for j in range(lateral.shape[0]):
            inflow[j] = max(0.0, lateral[j])
        for i in range(links.node2.shape[0]):
            inflow[links.node2[i]] += max(0.0, link_state.flow[i])
    for k in range(n):
        i, j, m = inlets.link[k], inlets.bypass[k], inlets.node[k]
        q = abs(link_state.flow[i])
        if inlets.kind[k] == CUSTOM:
            qc = _custom_capture(inlets, k, q, node_state.depth[j], curves, ucf_flow, ucf_length)
        elif inlets.placement[k] == ON_GRADE:
            qc = _on_grade_total(inlets, k, q, node_state.depth[j], xsects)
        else:
            qc = _on_sag_total(inlets, k, node_state.depth[j])
        if abs(qc) < FUDGE:
            qc = 0.0
        inlets.capture[k] = qc
        inlet_flow[j] += qc
        back = node_state.overflow[m] * inlets.backflow_ratio[k]
        inlets.backflow[k] = back if abs(back) >= FUDGE else 0.0
    for k in range(n):
        i, j, m = inlets.link[k], inlets.bypass[k], inlets.node[k]
        if not dynwave and inlets.placement[k] == ON_SAG:
            q = node_state.volume[j] / dt + max(inflow[j], 0.0)
            if inlet_flow[j] > q:
                inlets.capture[k] *= q / inlet_flow[j]
        lateral[j] -= inlets.capture[k] - inlets.backflow[k]
        lateral[m] += inlets.capture[k]
        if stats:
            _update_stats(inlets, k, abs(link_state.flow[i]))
    after = 0.0
    for j in range(lateral.shape[0]):
        after += lateral[j]
    return after - before
