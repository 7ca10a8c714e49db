"""Writers of the element sections (gages, subcatchments, nodes, links), SI -> file units."""

from __future__ import annotations

import math

import numpy as np

from twin.errors import TwinError
from twin.kernels.codes import InfilModel, LinkKind, NodeKind, OutfallKind
from twin.networks import units

ROUTE_NAMES = ["OUTLET", "IMPERVIOUS", "PERVIOUS"]
INFIL_NAMES = [m.name for m in InfilModel]
OUTFALL_NAMES = [k.name for k in OutfallKind]


def fmt(v) -> str:
    """A number with 12 significant digits (enough for rtol 1e-9 round trips)."""
    v = float(v)
    if not math.isfinite(v):
        raise TwinError(f"cannot write the non-finite number {v} to an .inp file")
    s = f"{v:.12g}"
    return "0" if s == "-0" else s


def fmt0(v) -> str:
    """An optional number: NaN (not set) is written as SWMM's default 0."""
    return fmt(np.nan_to_num(float(v), nan=0.0))


def q(s) -> str:
    """A name or path token, quoted when it is empty or holds blanks."""
    s = str(s)
    if s == "" or any(c in s for c in " \t"):
        return f'"{s}"'
    return s


def row(*items) -> str:
    return " ".join(f"{it:<16}" for it in items).rstrip()


def yes(b) -> str:
    return "YES" if bool(b) else "NO"


class ElementWriter:
    """Mixin of :class:`twin.networks.inp_writer._Writer` for the element tables."""

    net = None
    us = lf = qf = rate_f = depth_f = None

    def file_ref(self, p: str) -> str:  # pragma: no cover - overridden
        return p

    # -- hydrology ------------------------------------------------------------------
    def s_raingages(self):
        g = self.net.raingages
        out = []
        for i in range(len(g)):
            head = [q(g.name[i]), g.form[i], _interval(g.interval_s[i]), fmt0(g.scf[i])]
            if g.source[i] == "FILE":
                start = g.file_start[i] if g.file_start[i] else ""
                out.append(
                    row(
                        *head,
                        "FILE",
                        q(self.file_ref(g.file[i])),
                        q(g.station[i]),
                        g.file_units[i],
                        start,
                    )
                )
            else:
                out.append(row(*head, "TIMESERIES", q(g.series[i])))
        return out

    def s_subcatchments(self):
        s = self.net.subcatchments
        af = units.land_area_to_m2(self.us)
        out = []
        for i in range(len(s)):
            if s.raingage[i] < 0:
                raise TwinError(f"subcatchment {s.name[i]!r} has no rain gage")
            snow = q(s.snowpack[i]) if s.snowpack[i] else ""
            out.append(
                row(
                    q(s.name[i]),
                    q(self.net.raingages.name[s.raingage[i]]),
                    q(s.outlet[i]),
                    fmt(s.area_m2[i] / af),
                    fmt(s.imperv_pct[i]),
                    fmt(s.width_m[i] / self.lf),
                    fmt(s.slope_pct[i]),
                    fmt0(s.curb_length[i]),
                    snow,
                )
            )
        return out

    def s_subareas(self):
        s = self.net.subcatchments
        d = self.depth_f
        return [
            row(
                q(s.name[i]),
                fmt0(s.n_imperv[i]),
                fmt0(s.n_perv[i]),
                fmt0(s.dstore_imperv_mm[i] / d),
                fmt0(s.dstore_perv_mm[i] / d),
                fmt0(s.zero_imperv_pct[i]),
                ROUTE_NAMES[int(s.route_to[i])],
                fmt0(s.routed_pct[i]),
            )
            for i in range(len(s))
        ]

    def s_infiltration(self):
        s = self.net.subcatchments
        out = []
        for i in range(len(s)):
            p = s.infil_params[i]
            if np.all(np.nan_to_num(p) == 0.0):
                continue
            m = InfilModel(int(s.infil_model[i]))
            if m in (InfilModel.HORTON, InfilModel.MODIFIED_HORTON):
                v = [p[0] / self.rate_f, p[1] / self.rate_f, p[2], p[3], p[4] / self.depth_f]
            elif m in (InfilModel.GREEN_AMPT, InfilModel.MODIFIED_GREEN_AMPT):
                v = [p[0] / self.depth_f, p[1] / self.rate_f, p[2]]
            else:
                v = [p[0], p[1] / self.rate_f, p[2]]
            out.append(row(q(s.name[i]), *[fmt(x) for x in v], m.name))
        return out

    # -- nodes --------------------------------------------------------------------------
    def _node_rows(self, kind):
        n = self.net.nodes
        return [i for i in range(len(n)) if n.kind[i] == kind]

    def s_junctions(self):
        n, lf = self.net.nodes, self.lf
        return [
            row(
                q(n.name[i]),
                fmt(n.invert_m[i] / lf),
                fmt0(n.max_depth_m[i] / lf),
                fmt0(n.init_depth_m[i] / lf),
                fmt0(n.surcharge_depth_m[i] / lf),
                fmt0(n.ponded_area_m2[i] / lf**2),
            )
            for i in self._node_rows(NodeKind.JUNCTION)
        ]

    def s_outfalls(self):
        n, lf = self.net.nodes, self.lf
        out = []
        for i in self._node_rows(NodeKind.OUTFALL):
            k = OutfallKind(int(n.outfall_kind[i]))
            items = [q(n.name[i]), fmt(n.invert_m[i] / lf), k.name]
            if k == OutfallKind.FIXED:
                items.append(fmt(n.outfall_stage_m[i] / lf))
            elif k in (OutfallKind.TIDAL, OutfallKind.TIMESERIES):
                items.append(q(n.outfall_series[i]))
            items.append(yes(n.flap_gate[i]))
            if n.route_to[i]:
                items.append(q(n.route_to[i]))
            out.append(row(*items))
        return out

    def s_storage(self):
        n, lf = self.net.nodes, self.lf
        out = []
        for i in self._node_rows(NodeKind.STORAGE):
            items = [
                q(n.name[i]),
                fmt(n.invert_m[i] / lf),
                fmt0(n.max_depth_m[i] / lf),
                fmt0(n.init_depth_m[i] / lf),
            ]
            shape = n.storage_shape[i]
            p = n.storage_params[i]
            if shape == "TABULAR":
                items += ["TABULAR", q(n.storage_curve[i])]
            elif shape == "FUNCTIONAL":
                a1 = p[0] / units.storage_functional_coeff_to_si(self.us, p[1])
                items += ["FUNCTIONAL", fmt(a1), fmt(p[1]), fmt(p[2] / lf**2)]
            else:
                third = p[2] / lf if shape == "PARABOLOID" else p[2]
                word = "PARABOLIC" if shape == "PARABOLOID" else shape
                items += [word, fmt(p[0] / lf), fmt(p[1] / lf), fmt(third)]
            items += [fmt0(n.surcharge_depth_m[i] / lf), fmt(np.nan_to_num(n.evap_factor[i]))]
            s = n.seepage[i]
            if np.isfinite(s[1]):
                items += [fmt(s[0] / self.depth_f), fmt(s[1] / self.rate_f), fmt(s[2])]
            out.append(row(*items))
        return out

    def s_dividers(self):
        n, lf = self.net.nodes, self.lf
        out = []
        for i in self._node_rows(NodeKind.DIVIDER):
            kind = n.divider_kind[i]
            items = [q(n.name[i]), fmt(n.invert_m[i] / lf), q(n.divider_link[i] or "*"), kind]
            p = n.divider_params[i]
            if kind == "TABULAR":
                items.append(q(n.divider_curve[i]))
            elif kind == "CUTOFF":
                items.append(fmt(p[0] / self.qf))
            elif kind == "WEIR":
                cf = units.power_law_coeff_to_si(self.net.flow_units, 1.5)
                items += [fmt(p[0] / self.qf), fmt(p[1] / lf), fmt(p[2] / cf)]
            items += [
                fmt0(n.max_depth_m[i] / lf),
                fmt0(n.init_depth_m[i] / lf),
                fmt0(n.surcharge_depth_m[i] / lf),
                fmt0(n.ponded_area_m2[i] / lf**2),
            ]
            out.append(row(*items))
        return out

    # -- links --------------------------------------------------------------------------
    def _link_rows(self, kind):
        ln = self.net.links
        return [j for j in range(len(ln)) if ln.kind[j] == kind]

    def _ends(self, j):
        ln, names = self.net.links, self.net.nodes.name
        return q(ln.name[j]), q(names[ln.from_node[j]]), q(names[ln.to_node[j]])

    def _off(self, v):
        return "*" if np.isnan(v) else fmt(v / self.lf)

    def s_conduits(self):
        ln = self.net.links
        return [
            row(
                *self._ends(j),
                fmt(ln.length_m[j] / self.lf),
                fmt(ln.roughness[j]),
                self._off(ln.in_offset_m[j]),
                self._off(ln.out_offset_m[j]),
                fmt0(ln.init_flow_m3s[j] / self.qf),
                fmt0(ln.max_flow_m3s[j] / self.qf),
            )
            for j in self._link_rows(LinkKind.CONDUIT)
        ]

    def s_pumps(self):
        ln = self.net.links
        return [
            row(
                *self._ends(j),
                q(ln.pump_curve[j] or "*"),
                "ON" if ln.init_on[j] else "OFF",
                fmt0(ln.startup_depth_m[j] / self.lf),
                fmt0(ln.shutoff_depth_m[j] / self.lf),
            )
            for j in self._link_rows(LinkKind.PUMP)
        ]

    def s_orifices(self):
        ln = self.net.links
        return [
            row(
                *self._ends(j),
                ln.regulator_kind[j],
                self._off(ln.in_offset_m[j]),
                fmt(ln.discharge_coeff[j]),
                yes(ln.flap_gate[j]),
                fmt0(ln.open_close_time_h[j]),
            )
            for j in self._link_rows(LinkKind.ORIFICE)
        ]

    def s_weirs(self):
        ln = self.net.links
        cf = units.weir_coeff_to_si(self.us)
        out = []
        for j in self._link_rows(LinkKind.WEIR):
            out.append(
                row(
                    *self._ends(j),
                    ln.regulator_kind[j],
                    self._off(ln.in_offset_m[j]),
                    fmt(ln.discharge_coeff[j] / cf),
                    yes(ln.flap_gate[j]),
                    fmt0(ln.end_contractions[j]),
                    fmt0(ln.end_coeff[j] / cf),
                    yes(ln.can_surcharge[j]),
                    fmt(np.nan_to_num(ln.road_width_m[j]) / self.lf),
                    ln.road_surface[j] or "*",
                    q(ln.coeff_curve[j] or "*"),
                )
            )
        return out

    def s_outlets(self):
        ln = self.net.links
        out = []
        for j in self._link_rows(LinkKind.OUTLET):
            kind = ln.regulator_kind[j]
            items = [*self._ends(j), self._off(ln.in_offset_m[j]), kind]
            if kind.startswith("FUNCTIONAL"):
                e = ln.outlet_exponent[j]
                c = ln.discharge_coeff[j] / units.power_law_coeff_to_si(self.net.flow_units, e)
                items += [fmt(c), fmt(e)]
            else:
                items.append(q(ln.coeff_curve[j]))
            items.append(yes(ln.flap_gate[j]))
            out.append(row(*items))
        return out

    def s_losses(self):
        ln = self.net.links
        out = []
        for j in self._link_rows(LinkKind.CONDUIT):
            vals = (ln.loss_entry[j], ln.loss_exit[j], ln.loss_avg[j], ln.seepage_mmh[j])
            if not any(vals) and not ln.flap_gate[j]:
                continue
            out.append(
                row(
                    q(ln.name[j]),
                    fmt(vals[0]),
                    fmt(vals[1]),
                    fmt(vals[2]),
                    yes(ln.flap_gate[j]),
                    fmt(vals[3] / self.rate_f),
                )
            )
        return out


def _interval(seconds: float) -> str:
    s = int(round(float(seconds)))
    if abs(s - seconds) < 1e-9:
        h, rem = divmod(s, 3600)
        return f"{h}:{rem // 60:02d}:{rem % 60:02d}"
    return fmt(seconds / 3600.0)
