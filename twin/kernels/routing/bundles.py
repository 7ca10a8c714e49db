"""The bundles the routing kernels read and write, each declared once with its units.

Network (set once, by :mod:`twin.engine.routing_pack`): :class:`Nodes`, :class:`Links`,
:class:`Curves`, :class:`Options`, and the links' cross sections
(:class:`twin.kernels.xsect.XSects`).  State (changed by every step):
:class:`NodeState`, :class:`LinkState`, :class:`Totals`.  Units are SWMM's internal
ones (ft, ft2, ft3, cfs, s) except where a field says otherwise; link flows are in
the router's orientation (a conduit SWMM reverses has ``links.direction == -1``).
Each class's ``table()`` prints its declaration; a hot-start file's schema is the
state bundles' declarations (:data:`STATE_BUNDLES`).
"""

from __future__ import annotations

from numba import types
from numba.experimental import structref

from twin.kernels.bundle import Bundle, Field, bind
from twin.kernels.bundle import link_field as _link
from twin.kernels.bundle import node_field as _node

__all__ = [
    "Curves", "LinkState", "Links", "NodeState", "Nodes", "Options", "STATE_BUNDLES", "Totals",
    "state_fields",
]  # fmt: skip

F, I, B = "float64", "int64", "bool"


@structref.register
class NodesType(types.StructRef):
    pass


class Nodes(Bundle):
    """Node parameters after SWMM's ``node_validate`` (one entry per node)."""

    fields = (
        _node("invert", F, "ft", "invert elevation"),
        _node("full_depth", F, "ft", "rim depth, raised to the highest connected crown"),
        _node("surcharge_depth", F, "ft", "depth allowed above the rim before flooding"),
        _node("ponded_area", F, "ft2", "area water ponds over above the rim"),
        _node("init_depth", F, "ft", "initial depth"),
        _node("crown_depth", F, "ft", "height of the highest connected crown above the invert"),
        _node("full_volume", F, "ft3", "volume at full depth (storage), else 0"),
        _node("fixed_stage", F, "ft", "stage elevation of a FIXED outfall"),
        _node("storage_a0", F, "ft2", "storage area a0 + a1 d^a2 (functional) or polynomial"),
        _node("storage_a1", F, "-", "storage area coefficient a1 (ft2/ft^a2 or ft)"),
        _node("storage_a2", F, "-", "storage area exponent (functional) or ft2/ft2 term"),
        _node("divider_q_min", F, "cfs", "divider cutoff flow, or weir divider's minimum flow"),
        _node("divider_q_max", F, "cfs", "weir divider's flow when the weir is full"),
        _node("divider_dh_max", F, "file length", "weir divider's height (file units)"),
        _node("divider_c_weir", F, "file units", "weir divider's coefficient (file units)"),
        _node("kind", I, "code", "NodeKind: junction, outfall, storage, divider"),
        _node("outfall_kind", I, "code", "OutfallKind of an outfall, else -1", -1),
        _node("flap_gate", I, "-", "1 when an outfall has a flap gate"),
        _node("degree", I, "-", "SWMM's node degree, negative at upstream terminal nodes"),
        _node("storage_kind", I, "code", "STORAGE_* shape of a storage node, else -1", -1),
        _node("curve", I, "index", "storage, stage or divider curve in Curves, -1 none", -1),
        _node("divider_kind", I, "code", "DIV_* rule of a divider, else -1", -1),
        _node("divider_link", I, "index", "link a divider diverts into, -1 none", -1),
    )


bind(Nodes, NodesType)


@structref.register
class LinksType(types.StructRef):
    pass


class Links(Bundle):
    """Link parameters after SWMM's ``link_validate`` (one entry per link).

    Conduit terms are per barrel; pump, orifice, weir and outlet coefficients are in
    the file's units, as SWMM evaluates them.
    """

    fields = (
        _link("node1", I, "index", "upstream node (after reversal of adverse conduits)"),
        _link("node2", I, "index", "downstream node"),
        _link("kind", I, "code", "LinkKind: conduit, pump, orifice, weir, outlet"),
        _link("subtype", I, "code", "PUMP_*, ORIFICE_*, WEIR_* or OUTLET_* kind"),
        _link("direction", I, "-", "+1, or -1 when the conduit was reversed"),
        _link("true_conduit", I, "-", "1 for a conduit with a real cross section"),
        _link("flap_gate", I, "-", "1 when the link has a flap gate"),
        _link("has_losses", I, "-", "1 when any local loss coefficient is set"),
        _link("force_main", I, "code", "0, FM_HW or FM_DW"),
        _link("curve", I, "index", "pump, weir coefficient or outlet rating curve, -1", -1),
        _link("road_surface", I, "code", "ROADWAY weir: 0 none, 1 paved, 2 gravel"),
        _link("can_surcharge", I, "-", "1 when a weir can surcharge"),
        _link("offset1", F, "ft", "inlet (crest) height above the upstream invert"),
        _link("offset2", F, "ft", "outlet height above the downstream invert"),
        _link("length", F, "ft", "conduit length"),
        _link("mod_length", F, "ft", "length after conduit lengthening"),
        _link("rough_factor", F, "s2/ft^(1/3)", "g (n / phi)^2 with the lengthened n"),
        _link("beta", F, "ft^(1/3)/s", "phi sqrt(slope) / n: Q = beta A R^(2/3)"),
        _link("slope", F, "-", "conduit slope (after lengthening)"),
        _link("q_full", F, "cfs", "full flow per barrel (a pump: its curve's largest)"),
        _link("q_max", F, "cfs", "largest normal flow per barrel"),
        _link("loss_in", F, "-", "entrance loss coefficient"),
        _link("loss_out", F, "-", "exit loss coefficient"),
        _link("loss_avg", F, "-", "average loss coefficient"),
        _link("q_limit", F, "cfs", "user flow limit, 0 none"),
        _link("barrels", F, "-", "number of barrels", 1.0),
        _link("q_init", F, "cfs", "initial flow (router orientation)"),
        _link("fm_rough", F, "-", "force main: Hazen-Williams C, or D-W roughness [ft]"),
        _link("fm_factor", F, "-", "force main: SWMM's full-flow roughness factor"),
        _link("c_disch", F, "file units", "orifice Cd, weir or outlet coefficient"),
        _link("c_disch2", F, "file units", "weir end (side) coefficient"),
        _link("end_contractions", F, "-", "weir end contractions"),
        _link("open_close_time", F, "s", "orifice open/close time, 0 instantaneous"),
        _link("eq_length", F, "ft", "orifice or weir equivalent length (surface area)"),
        _link("side_slope", F, "-", "V-notch / trapezoidal weir side slope (run per rise)"),
        _link("road_width", F, "ft", "roadway weir road width"),
        _link("q_expon", F, "-", "outlet functional exponent"),
        _link("pump_x_min", F, "file units", "first x of the pump curve"),
        _link("pump_x_max", F, "file units", "last x of the pump curve"),
        _link("startup_depth", F, "ft", "pump start-up depth, 0 none"),
        _link("shutoff_depth", F, "ft", "pump shut-off depth"),
        _link("init_setting", F, "-", "initial setting (pump 0/1, others 1)", 1.0),
        _link("seep_rate", F, "ft/s", "conduit seepage rate ([LOSSES]), 0 none"),
        _link("culvert", I, "code", "culvert inlet code 1-57 of [XSECTIONS], 0 none"),
        _link("culvert_slope", F, "-", "a culvert's slope before lengthening (SWMM's)"),
        _link("upstream_order", I, "index", "links upstream first (kinematic wave)"),
    )


bind(Links, LinksType)


@structref.register
class CurvesType(types.StructRef):
    pass


class Curves(Bundle):
    """Every curve and stage series the router reads, packed CSR-wise.

    Curve ``k`` is ``x[start[k]:start[k + 1]]``, ``y[...]``; units are the curve's
    (storage ft/ft2, stage series s/ft, pump and rating curves the file's).
    """

    fields = (
        Field("start", I, "-", "first point of curve k, CSR offsets (n_curves + 1)", "curve+1"),
        Field("x", F, "curve's", "x of every point", "point"),
        Field("y", F, "curve's", "y of every point", "point"),
    )


bind(Curves, CurvesType)


@structref.register
class OptionsType(types.StructRef):
    pass


class Options(Bundle):
    """The routing options and SWMM's unit factors (numbers)."""

    fields = (
        Field("mode", I, "code", "MODE_DYNWAVE, MODE_KINWAVE or MODE_STEADY", ""),
        Field("head_tol", F, "ft", "Picard convergence tolerance on node heads", ""),
        Field("min_surfarea", F, "ft2", "smallest node surface area", ""),
        Field("crown_cutoff", F, "-", "y/yFull above which closed widths freeze", ""),
        Field("courant", F, "-", "variable step factor, 0 for a fixed step", ""),
        Field("min_step", F, "s", "smallest variable step", ""),
        Field("surcharge", I, "code", "SURCHARGE_EXTRAN or SURCHARGE_SLOT", ""),
        Field("normal_flow", I, "code", "NFL_* normal-flow limitation", ""),
        Field("damping", I, "code", "DAMP_* inertial damping", ""),
        Field("ponding", B, "-", "ALLOW_PONDING", ""),
        Field("max_trials", I, "-", "most Picard passes per step", ""),
        Field("ucf_length", F, "file/ft", "SWMM's UCF(LENGTH)", ""),
        Field("ucf_flow", F, "file/cfs", "SWMM's UCF(FLOW)", ""),
        Field("ucf_volume", F, "file/ft3", "SWMM's UCF(VOLUME)", ""),
        Field("si", B, "-", "the file uses SI units (weir formulas give m3/s)", ""),
        Field("runaway_depth", F, "ft", "depth above a node's top that counts as runaway", ""),
        Field("conduit_losses", B, "-", "conduits may evaporate (open) or seep", ""),
    )


bind(Options, OptionsType)


@structref.register
class NodeStateType(types.StructRef):
    pass


class NodeState(Bundle):
    """The routing state of the nodes (``_old``: at the start of the step)."""

    fields = (
        _node("depth", F, "ft", "water depth"),
        _node("depth_old", F, "ft", "water depth at the start of the step"),
        _node("volume", F, "ft3", "stored volume (with ponded water)"),
        _node("volume_old", F, "ft3", "stored volume at the start of the step"),
        _node("inflow", F, "cfs", "total inflow"),
        _node("inflow_old", F, "cfs", "total inflow at the start of the step"),
        _node("outflow", F, "cfs", "total outflow"),
        _node("overflow", F, "cfs", "flooding (or the flow into ponded storage)"),
        _node("lateral", F, "cfs", "lateral inflow of this step"),
        _node("lateral_old", F, "cfs", "lateral inflow of the last step"),
        _node("net_inflow_old", F, "cfs", "inflow - outflow at the start of the step"),
        _node("losses", F, "cfs", "evaporation and seepage losses"),
        _node("surf_area", F, "ft2", "surface area of this Picard pass"),
        _node("surf_area_old", F, "ft2", "last surface area below the crown (EXTRAN)"),
        _node("sum_dqdh", F, "ft2/s", "sum of the connected links' dQ/dH"),
        _node("dydt", F, "ft/s", "depth change rate of the step"),
        _node("converged", F, "-", "1 when the last pass moved the head by <= head_tol"),
        _node("stage", F, "ft", "outfall stage elevation (others: the invert)"),
        _node("head", F, "ft", "head elevation of the new state"),
        _node("ponded_volume", F, "ft3", "volume above full (ponding), else 0"),
    )


bind(NodeState, NodeStateType)


@structref.register
class LinkStateType(types.StructRef):
    pass


class LinkState(Bundle):
    """The routing state of the links (flows in the router's orientation)."""

    fields = (
        _link("flow", F, "cfs", "flow, all barrels"),
        _link("flow_old", F, "cfs", "flow at the start of the step"),
        _link("depth", F, "ft", "depth"),
        _link("depth_old", F, "ft", "depth at the start of the step"),
        _link("volume", F, "ft3", "stored volume, all barrels"),
        _link("volume_old", F, "ft3", "stored volume at the start of the step"),
        _link("q1", F, "cfs", "per-barrel flow of the last pass (KW: inflow)"),
        _link("q2", F, "cfs", "per-barrel outflow (KW)"),
        _link("a1", F, "ft2", "mid-conduit area of the last pass (KW: inlet area)"),
        _link("a2", F, "ft2", "area at the last step (KW: outlet area)"),
        _link("dqdh", F, "ft2/s", "dQ/dH"),
        _link("froude", F, "-", "Froude number"),
        _link("flow_class", F, "code", "FC_* flow class"),
        _link("bypassed", F, "-", "1 when both end nodes converged (skipped)"),
        _link("surf_area1", F, "ft2", "surface area given to the upstream node, per barrel"),
        _link("surf_area2", F, "ft2", "surface area given to the downstream node"),
        _link("normal_flow_limited", F, "-", "1 when the normal-flow limit applied"),
        _link("capacity_limited", F, "-", "1 when full with a head drop above its slope"),
        _link("setting", F, "-", "current setting (pump on/off or speed, fraction open)"),
        _link("target_setting", F, "-", "setting being moved to"),
        _link("control_setting", F, "-", "setting asked by a control, next step (NaN none)"),
        _link("c_orifice", F, "cfs/ft^0.5", "orifice coefficient at the current setting"),
        _link("c_weir", F, "cfs", "orifice coefficient when it flows as a weir"),
        _link("h_crit", F, "ft", "orifice depth where weir flow turns to orifice flow"),
        _link("c_surcharge", F, "cfs/ft^0.5", "weir equivalent-orifice coefficient"),
        _link("orifice_area", F, "ft2", "orifice equivalent surface area"),
        _link("velocity", F, "ft/s", "velocity of the new state"),
        _link("capacity", F, "-", "A/Afull of the new state"),
        _link("evap_rate", F, "ft/s", "climate evaporation rate of this step (conduit losses)"),
        _link("evap_loss", F, "cfs", "evaporation from the conduit, per barrel"),
        _link("seep_loss", F, "cfs", "seepage from the conduit, per barrel"),
        _link("seep_factor", F, "-", "[ADJUSTMENTS] CONDUCTIVITY factor of this step"),
    )


bind(LinkState, LinkStateType)


@structref.register
class TotalsType(types.StructRef):
    pass


def _one(name, meaning, unit="ft3"):
    return Field(name, F, unit, meaning, "one")


class Totals(Bundle):
    """Routing mass balance since the start (SWMM's flow routing continuity terms)."""

    fields = (
        _one("lateral", "lateral inflow volume (signed)"),
        _one("outfall", "volume leaving through outfalls"),
        _one("flooding", "volume lost to flooding"),
        _one("outfall_in", "volume entering through outfalls"),
        _one("storage", "volume stored now (nodes, and links unless steady flow)"),
        _one("rate_outfall", "outfall outflow of the last step", "cfs"),
        _one("rate_flooding", "flooding rate of the last step", "cfs"),
        _one("rate_outfall_in", "inflow through outfalls of the last step", "cfs"),
        _one("evaporation", "volume evaporated from storage units and conduits"),
        _one("seepage", "volume seeped from storage units and conduits"),
        _one("rate_evaporation", "evaporation of the last step", "cfs"),
        _one("rate_seepage", "seepage of the last step", "cfs"),
        _node("inflow_volume", F, "ft3", "inflow volume of each node"),
        _node("outflow_volume", F, "ft3", "outflow volume of each node"),
    )


bind(Totals, TotalsType)

#: The bundles that hold a simulation's routing state (what a hot start saves).
STATE_BUNDLES = (NodeState, LinkState, Totals)


def state_fields(bundle) -> tuple[str, ...]:
    """The fields of ``bundle`` that hold routing state: every array field of a state
    bundle (what a hot start saves and restores, and what a copy of a simulation's
    state copies); none of a network bundle (rebuilt from the network and options)."""
    if type(bundle) not in STATE_BUNDLES:
        return ()
    return tuple(f.name for f in bundle.fields if f.dim)
