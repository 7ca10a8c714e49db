"""Street and channel inlets for the router (SWMM 5.2 ``inlet.c``'s validation and totals).

:class:`InletRouting` packs a network's [INLET_USAGE] (read by
:mod:`twin.networks.inp_inlets`) once into the :class:`~twin.kernels.routing.inlets.Inlets`
bundle, in ft and cfs, as SWMM's ``inlet_validate`` does: an inlet fits a STREET conduit
(any kind but the drop inlets), a drop grate or drop curb fits a trapezoidal or open
rectangular channel, a CUSTOM inlet needs a DIVERSION or RATING curve; any other is
dropped with SWMM's warning 12.  AUTOMATIC placement is on grade where the bypass node
has an outflow link, in a sump where it has none; a capture node's overflow is shared
among its inlets by their open areas (custom inlets by their number).

Each routing step :meth:`InletRouting.begin` moves the captured flows between the
step's lateral inflows (before the step kernel runs) and :meth:`InletRouting.finish`
closes the routing totals as SWMM's do: the backflows are not inflow, and a capture
node's overflow is not flooding (it goes back to the street).  A network without
inlets has no :class:`InletRouting`, and its step is the one it always was.
"""

from __future__ import annotations

import warnings

import numpy as np

from twin.errors import TwinWarning
from twin.kernels.codes import LinkKind, Shape
from twin.kernels.routing.bundles import Curves
from twin.kernels.routing.inlets import ON_GRADE, ON_SAG, Inlets, capture_at_inlets
from twin.networks import inp_inlets as K

_OPENING = (0.90, 0.80, 0.60, 0.35, 0.17, 0.34, 0.80, 1.00)


class InletRouting:
    """The inlets of a network, packed for :func:`capture_at_inlets`, and their totals.

    Parameters
    ----------
    net : Network
    opts : SimOptions
    nodes, links, xsects, options
        The router's network bundles (:mod:`twin.kernels.routing.bundles`).
    """

    def __init__(self, net, opts, nodes, links, xsects, options):
        self.dynwave = options.mode == 0
        self.ucf_flow = float(options.ucf_flow)
        self.ucf_length = float(options.ucf_length)
        self.report_start_s = float(opts.report_start_s)
        rows, xs, ys = [], [], []
        for u in reversed(net.inlets.usages):  # SWMM's list of inlets, last first
            row = self._row(net, u, nodes, links, xsects, xs, ys)
            if row is not None:
                rows.append(row)
        self.n = len(rows)
        self.inlets = Inlets.new({"inlet": self.n, "node": len(nodes.kind)})
        names = [str(s) for s in net.links.name]
        self.design_of_link = {names[r["link"]]: r.pop("design") for r in rows}
        for k, row in enumerate(rows):
            for name, value in row.items():
                getattr(self.inlets, name)[k] = value
        _backflow_ratios(self.inlets)
        start = np.concatenate([[0], np.cumsum([len(x) for x in xs])]).astype(np.int64)
        cat = np.concatenate(xs) if xs else np.zeros(0)
        self.curves = Curves(start=start, x=np.ascontiguousarray(cat, dtype=np.float64),
                             y=np.ascontiguousarray(np.concatenate(ys) if ys else np.zeros(0),
                                                    dtype=np.float64))  # fmt: skip
        self.capture_nodes = np.unique(self.inlets.node)
        self.link_names = [str(s) for s in net.links.name]
        self._added_last = 0.0
        self._added = 0.0

    # -- packing (SWMM's inlet_validate) --------------------------------------------------
    def _row(self, net, u, nodes, links, xsects, xs, ys) -> dict | None:
        design = net.inlets.designs[u.design]
        j = int(u.link)
        name = str(net.links.name[j])
        shape = int(net.links.shape[j])
        street_key = str(net.links.xsect_curve[j]).upper()
        street = shape == Shape.IRREGULAR and street_key in net.street_params
        kind = design.kind
        valid = False
        curve = -1
        rating = 0
        if int(net.links.kind[j]) != LinkKind.CONDUIT:
            valid = False
        elif kind == K.CUSTOM:
            c = net.curves.get(design.curve)
            if c is not None and c.kind.upper() in ("DIVERSION", "RATING"):
                valid = True
                rating = int(c.kind.upper() == "RATING")
                curve = len(xs)
                xs.append(np.asarray(c.x, dtype=np.float64))
                ys.append(np.asarray(c.y, dtype=np.float64))
        elif shape in (Shape.TRAPEZOIDAL, Shape.RECT_OPEN):
            valid = kind in (K.DROP_GRATE, K.DROP_CURB)
        elif street:
            valid = kind not in (K.DROP_GRATE, K.DROP_CURB)
        if not valid:
            warnings.warn(f"inlet {u.design} cannot be placed in conduit {name} (its cross "
                          "section or curve does not fit it): ignored, as SWMM does "
                          "(WARNING 12)", TwinWarning, stacklevel=4)  # fmt: skip
            return None
        lf = self.ucf_length
        bypass = int(links.node2[j])
        row = dict(
            design=u.design, link=j, bypass=bypass, node=int(u.node), kind=kind,
            grate_type=design.grate_type, throat=design.throat, curve=curve, rating=rating,
            count=int(u.count),
            grate_length=design.grate_length / lf, grate_width=design.grate_width / lf,
            open_fraction=design.open_fraction, splash_velocity=design.splash_velocity / lf,
            curb_length=design.curb_length / lf, curb_height=design.curb_height / lf,
            slot_length=design.slot_length / lf, slot_width=design.slot_width / lf,
            clog_factor=1.0 - u.percent_clogged / 100.0, flow_limit=u.flow_limit / self.ucf_flow,
            sl=float(links.culvert_slope[j]), beta=float(links.beta[j]),
        )  # fmt: skip
        placement = [0, ON_GRADE, ON_SAG][u.placement]
        if placement == 0:
            placement = ON_GRADE if nodes.degree[bypass] > 0 else ON_SAG
        row["placement"] = placement
        if street:
            s = net.street_params[street_key]
            a, w = s.gutter_depression / lf, s.gutter_width / lf
            if u.local_depression * u.local_width > 0.0:
                a += u.local_depression / lf
                w = u.local_width / lf
            sx = s.slope
            row.update(street=1, sides=s.sides, sx=sx, gutter_a=a, gutter_w=w,
                       roughness=s.roughness, t_crown=s.width / lf,
                       sw=sx + a / w if w * a > 0.0 else sx)  # fmt: skip
        else:
            row.update(street=0, sides=1, sx=0.01, sw=0.01, gutter_a=0.0, gutter_w=0.0,
                       roughness=float(net.links.roughness[j]), t_crown=0.0)  # fmt: skip
        row["flow_factor"] = (0.56 / row["roughness"]) * row["sl"] ** 0.5 * row["sx"] ** 1.67
        return row

    # -- each step --------------------------------------------------------------------------
    def begin(self, t_s: float, dt_s: float, lateral, node_state, link_state, links,
              xsects) -> None:  # fmt: skip
        """Move this step's captured flows between the entries of ``lateral`` [cfs]."""
        stats = t_s + dt_s > self.report_start_s
        self._added = capture_at_inlets(
            dt_s, self.dynwave, stats, lateral, self.inlets, self.curves, links, xsects,
            node_state, link_state, self.ucf_flow, self.ucf_length,
        )  # fmt: skip

    def finish(self, dt_s: float, node_state, totals) -> None:
        """Take the transfers out of the routing totals of the step just routed."""
        half = 0.5 * dt_s
        totals.lateral[0] -= (self._added_last + self._added) * half
        self._added_last = self._added
        q = float(np.maximum(node_state.overflow[self.capture_nodes], 0.0).sum())
        if q > 0.0:
            totals.flooding[0] -= q * half
            totals.rate_flooding[0] -= q


def inlet_area(inlets, k) -> float:
    """SWMM's getInletArea: the unclogged open area of inlet ``k``'s inlets [ft2]."""
    area = 0.0
    lg = inlets.grate_length[k]
    if lg > 0.0:
        area = lg * inlets.grate_width[k]
        gt = int(inlets.grate_type[k])
        area *= inlets.open_fraction[k] if gt == K.GENERIC else _OPENING[gt]
    curb = inlets.curb_length[k] - lg
    if curb > 0.0:
        area += curb * inlets.curb_height[k]
    if inlets.slot_length[k] > 0.0:
        area = inlets.slot_length[k] * inlets.slot_width[k]
    return area * inlets.count[k] * inlets.clog_factor[k]


def _backflow_ratios(inlets) -> None:
    """SWMM's getBackflowRatios: each inlet's share of its capture node's overflow."""
    n = inlets.link.shape[0]
    links_at: dict[int, int] = {}
    std_at: dict[int, int] = {}
    custom_at: dict[int, int] = {}
    area_at: dict[int, float] = {}
    areas = [inlet_area(inlets, k) for k in range(n)]
    for k in range(n):
        m = int(inlets.node[k])
        links_at[m] = links_at.get(m, 0) + 1
        if areas[k] > 0.0:
            std_at[m] = std_at.get(m, 0) + 1
            area_at[m] = area_at.get(m, 0.0) + areas[k]
        else:
            custom_at[m] = custom_at.get(m, 0) + int(inlets.count[k])
    for k in range(n):
        m = int(inlets.node[k])
        f = std_at.get(m, 0) / links_at[m]
        if areas[k] == 0.0:
            inlets.backflow_ratio[k] = inlets.count[k] / custom_at[m] * (1.0 - f)
        else:
            inlets.backflow_ratio[k] = areas[k] / area_at[m] * f


def street_summaries(net, router, max_flow_cfs, max_depth_ft) -> dict[str, np.ndarray]:
    """SWMM's "Street Flow Summary" per link (NaN where a link is no STREET conduit, the
    inlet columns NaN where it has no inlet): ``inlet.c``'s writeStreetStats from the
    links' largest flow and depth [cfs, ft] and the inlets' statistics.  SI: m, m3/s, %.
    """
    from twin.kernels.xsect import width_at_depth

    m = net.n_links
    nan = np.full(m, np.nan)
    out = {k: nan.copy() for k in _STREET_VARS}
    keys = {str(s).upper() for s in net.street_params}
    inl = router.inlets.inlets if router.inlets is not None else None
    at = {int(inl.link[k]): k for k in range(inl.link.shape[0])} if inl is not None else {}
    ft, cfs = 0.3048, 0.3048**3
    for j in range(m):
        key = str(net.links.xsect_curve[j]).upper()
        if int(net.links.shape[j]) != Shape.IRREGULAR or key not in keys:
            continue
        s = net.street_params[key]
        y = float(max_depth_ft[j])
        spread = width_at_depth(router.xsects, j, y) / s.sides
        out["link_street_max_spread"][j] = min(spread, s.width / router.options.ucf_length) * ft
        out["link_street_max_depth"][j] = y * ft
        k = at.get(j)
        if k is None:
            continue
        q = float(max_flow_cfs[j])
        out["link_inlet_count"][j] = inl.count[k]
        out["link_inlet_on_sag"][j] = float(inl.placement[k] == ON_SAG)
        fp = inl.flow_periods[k] / 100.0
        if fp <= 0.0:
            continue
        cp = inl.capture_periods[k] / 100.0
        peak = inl.peak_capture[k]
        out["link_inlet_peak_capture"][j] = peak
        out["link_inlet_avg_capture"][j] = inl.sum_capture[k] / cp if cp > 0 else 0.0
        out["link_inlet_bypass_frequency"][j] = inl.bypass_steps[k] / cp if cp > 0 else 0.0
        out["link_inlet_backflow_frequency"][j] = inl.backflow_periods[k] / fp
        out["link_inlet_peak_capture_flow"][j] = (q / s.sides) * 0.01 * peak / inl.count[k] * cfs
        out["link_inlet_peak_bypass_flow"][j] = q * 0.01 * (100.0 - peak) * cfs
    return out


_STREET_VARS = (
    "link_street_max_spread", "link_street_max_depth", "link_inlet_count", "link_inlet_on_sag",
    "link_inlet_peak_capture", "link_inlet_avg_capture", "link_inlet_bypass_frequency",
    "link_inlet_backflow_frequency", "link_inlet_peak_capture_flow",
    "link_inlet_peak_bypass_flow",
)  # fmt: skip
