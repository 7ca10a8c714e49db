"""A town whose sewers are built so that real-time control matters, as SWMM 5.2 input.

>>> text = rtc_town_text(seed=1)
>>> "[CONTROLS]" in text and "OR_TANK" in text
True

The layout is fixed; lengths, elevations and land use are drawn from
``numpy.random.default_rng(seed)`` in a fixed order and printed with fixed decimals,
so the same seed gives the same bytes.  What it holds (names as in the file):

* **two branches join an undersized trunk**: an upland residential branch (``A*``,
  about 30 ha) and a dense commercial one (``B*``, about 24 ha) are sized for the
  10-year storm by the rational method (:func:`~twin.networks.district_sizing.design_sewers`);
  the trunk from their junction ``JX`` down (``T1``-``T3``) carries ``trunk_ratio``
  of their design flow, as an old trunk does after the town grew around it;
* **in-line storage with a gate**: branch A ends in the tank ``TANK_A``
  (``tank_volume_m3``) whose outlet gate, orifice ``OR_TANK``, passes twice
  branch A's design flow at half the tank's depth when fully open;
* **a pumping station**: a low-lying polder (``P*``, about 10 ha) drains to the wet
  well ``WW_PS``; pump ``PUMP1`` (start-up and shut-off depths, a TYPE3 head-flow
  curve) lifts it into the trunk at ``T2`` at ``pump_ratio`` of the polder's design
  flow, so the wet well's volume must carry the peak;
* **a CSO weir**: at the diversion chamber ``DC`` the interceptor to the treatment
  plant (``OF_WWTP``) takes a few times the dry-weather flow and the weir ``W_CSO``
  spills the rest to the river (``OF_CSO``);
* **reactive rules** ([CONTROLS]) of the kind utilities write: throttle the gate
  while the junction runs high and the tank has room, stop the pump while the
  trunk surcharges and the wet well is below its start-up depth, keep the CSO weir
  low while the trunk has room;
* **dry-weather flow** at every manhole, so the wet well cycles before a storm.

The rain gauge ``RG1`` carries a 2-hour design storm (Huff third quartile,
``storm_depth_mm``) starting ``storm_start_h`` after the start.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from twin.errors import InputError
from twin.networks.district_inp import design_storm_mmh
from twin.networks.district_sizing import SECTIONS, DesignRules, design_sewers, full_flow_m3s

__all__ = ["RtcDesign", "rtc_town_text", "write_rtc_town"]

COVER_M = 1.2
DROP_M = 0.03  # invert drop across a manhole
ORIFICE_CD = 0.65
WEIR_CD = 1.84
GRAVITY = 9.81
DWF_M3S_PER_HA = 0.0006  # dry-weather flow per hectare served
TRUNK_SLOPE = 0.002
STORM_STEP_MIN = 5


@dataclass(frozen=True)
class RtcDesign:
    """The choices behind :func:`rtc_town_text` that are not drawn at random."""

    trunk_ratio: float = 0.3
    tank_volume_m3: float = 3500.0
    pump_ratio: float = 0.5
    wet_well_area_m2: float = 200.0
    startup_depth_m: float = 2.2
    shutoff_depth_m: float = 0.5
    interceptor_dwf_ratio: float = 4.0
    storm_depth_mm: float = 90.0
    storm_start_h: float = 1.0
    duration_h: float = 4.0
    routing_step_s: float = 5.0


def _f(v: float, nd: int = 3) -> str:
    out = f"{v:.{nd}f}"
    return "0." + "0" * nd if out == "-0." + "0" * nd else out


def _table(header: str, rows: list[list[str]]) -> list[str]:
    return [f"[{header}]", *("  ".join(r) for r in rows), ""]


def _section_for(q_m3s: float, slope: float, smallest: int = 0) -> int:
    for k in range(smallest, len(SECTIONS)):
        if full_flow_m3s(SECTIONS[k], slope) >= q_m3s:
            return k
    return len(SECTIONS) - 1


class _Town:
    """Nodes, links and subcatchments gathered while the town is laid out (SI)."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes: dict[str, dict] = {}
        self.conduits: list[list] = []  # name, from, to, length, section, out offset
        self.subs: list[tuple] = []  # name, node, area ha, imperv %

    def ground(self, x, y, polder=False) -> float:
        z = 10.0 + 0.009 * y + 0.0008 * x + float(self.rng.normal(0.0, 0.08))
        return round(z - (1.8 if polder else 0.0), 3)

    def node(self, name, x, y, invert, ground, kind="J", dwf=0.0):
        self.nodes[name] = dict(x=x, y=y, invert=round(invert, 3), ground=ground, kind=kind,
                                dwf=dwf)  # fmt: skip

    def conduit(self, name, a, b, length, section, out_offset=0.0):
        off = round(max(out_offset, 0.0), 3)
        self.conduits.append([name, a, b, round(length, 1), section, off])

    def branch(self, prefix, x0, y_top, n_main, dy, side, area_ha, imperv, out_xy, polder=False):
        """A comb: a main line of ``n_main`` manholes running south from ``y_top``, each fed
        by a lateral of two manholes from the ``side`` (+1 east, -1 west), sized for the
        10-year storm.  Returns ``(outlet name, its out invert, design flow, area)``."""
        rng = self.rng
        names, xs, ys = [], [], []
        for i in range(n_main):
            y = y_top - i * dy * rng.uniform(0.9, 1.1)
            for k in (2, 1):
                names.append(f"{prefix}{i + 1}L{k}")
                xs.append(x0 + side * k * 90.0 * rng.uniform(0.85, 1.15))
                ys.append(y + rng.normal(0.0, 8.0))
            names.append(f"{prefix}{i + 1}")
            xs.append(x0 + rng.normal(0.0, 6.0))
            ys.append(y)
        xs, ys = np.array(xs), np.array(ys)
        index = {n: k for k, n in enumerate(names)}
        down = np.array(
            [
                index[n.replace("L2", "L1")] if n.endswith("L2")
                else index[n[: -2]] if n.endswith("L1")
                else index.get(f"{prefix}{int(n[len(prefix):]) + 1}", -1)
                for n in names
            ]
        )  # fmt: skip
        share = rng.uniform(0.7, 1.3, len(names))
        area = area_ha * share / share.sum()
        imp = np.clip(imperv + rng.normal(0.0, 6.0, len(names)), 10.0, 95.0)
        ground = np.array([self.ground(x, y, polder) for x, y in zip(xs, ys, strict=True)])
        dn = np.maximum(down, 0)
        length = np.where(down >= 0, np.hypot(xs[dn] - xs, ys[dn] - ys),
                          np.hypot(out_xy[0] - xs, out_xy[1] - ys))  # fmt: skip
        length = np.maximum(np.round(length, 1), 20.0)
        sew = design_sewers(down, length, ground, area, imp, DesignRules(cover_m=COVER_M))
        for k, n in enumerate(names):
            self.node(n, xs[k], ys[k], sew.invert_m[k], ground[k], dwf=DWF_M3S_PER_HA * area[k])
            self.subs.append((f"S_{n}", n, area[k], imp[k]))
        out = int(np.flatnonzero(down < 0)[0])
        for k, n in enumerate(names):
            if k != out:
                d = down[k]
                off = sew.out_invert_m[k] - sew.invert_m[d]
                self.conduit(f"C_{n}", n, names[d], length[k], sew.section[k], off)
        self.pending = (names[out], length[out], int(sew.section[out]))
        return names[out], float(sew.out_invert_m[out]), float(sew.design_flow_m3s[out]), area.sum()


def _build(seed: int, d: RtcDesign) -> dict:
    t = _Town(seed)
    # trunk and diversion chamber positions (the river runs along y = 0)
    jx_xy, t_xy = (600.0, 760.0), [(600.0, 610.0), (600.0, 460.0), (600.0, 310.0)]
    dc_xy = (600.0, 170.0)
    tank_xy, ga_xy = (320.0, 1160.0), (390.0, 1130.0)
    ww_xy = (1000.0, 300.0)

    a_out, a_inv, qa, area_a = t.branch("A", 300.0, 1660.0, 5, 100.0, -1, 30.0, 45.0, tank_xy)
    a_pending = t.pending
    b_out, b_inv, qb, area_b = t.branch("B", 900.0, 1320.0, 5, 100.0, +1, 24.0, 75.0, jx_xy)
    b_pending = t.pending
    p_out, p_inv, qp, area_p = t.branch("P", 1000.0, 650.0, 3, 100.0, +1, 10.0, 60.0, ww_xy,
                                        polder=True)  # fmt: skip
    p_pending = t.pending

    # tank A at the end of branch A, its gate, and the gate chamber GA
    tank_inv = a_inv - 0.3
    tank_ground = t.ground(*tank_xy)
    tank_depth = round(tank_ground - tank_inv, 3)
    tank_area = d.tank_volume_m3 / tank_depth
    t.node("TANK_A", *tank_xy, tank_inv, tank_ground, kind="S")
    t.conduit(f"C_{a_pending[0]}", a_pending[0], "TANK_A", a_pending[1], a_pending[2], 0.0)
    gate_h = round(max(0.4, min(1.2, 0.45 * tank_depth)), 2)
    head = max(0.5 * tank_depth - 0.5 * gate_h, 0.2)
    gate_w = round(max(0.3, 2.0 * qa / (ORIFICE_CD * gate_h * np.sqrt(2 * GRAVITY * head))), 2)
    ga_ground = t.ground(*ga_xy)
    ga_inv = tank_inv - 0.05
    t.node("GA", *ga_xy, ga_inv, ga_ground)
    len_ga = float(np.hypot(jx_xy[0] - ga_xy[0], jx_xy[1] - ga_xy[1]))
    sec_ga = _section_for(2.0 * qa, 0.004)
    # junction of the branches
    jx_ground = t.ground(*jx_xy)
    b_end = b_inv
    ga_end = ga_inv - 0.004 * len_ga
    jx_inv = min(b_end, ga_end, jx_ground - COVER_M - SECTIONS[sec_ga].height_m) - DROP_M
    t.node("JX", *jx_xy, jx_inv, jx_ground)
    t.conduit("C_GA", "GA", "JX", len_ga, sec_ga, ga_end - jx_inv)
    t.conduit(f"C_{b_pending[0]}", b_pending[0], "JX", b_pending[1], b_pending[2], b_end - jx_inv)
    # the undersized trunk JX - T1 - T2 - T3 - DC
    q_trunk = d.trunk_ratio * (qa + qb)
    sec_t = _section_for(q_trunk, TRUNK_SLOPE)
    prev, prev_xy, prev_inv = "JX", jx_xy, jx_inv
    for i, xy in enumerate([*t_xy, dc_xy]):
        name = f"T{i + 1}" if i < 3 else "DC"
        length = float(np.hypot(xy[0] - prev_xy[0], xy[1] - prev_xy[1]))
        g = t.ground(*xy)
        inv = min(prev_inv - TRUNK_SLOPE * length, g - COVER_M - SECTIONS[sec_t].height_m)
        inv -= DROP_M if name == "DC" else 0.0
        t.node(name, *xy, inv, g)
        t.conduit(f"C_{prev}", prev, name, length, sec_t, 0.0)
        prev, prev_xy, prev_inv = name, xy, inv
    # the pumping station: wet well at the end of the polder, pump into T2
    ww_inv = p_inv - 1.0
    ww_ground = t.ground(*ww_xy, polder=True)
    t.node("WW_PS", *ww_xy, ww_inv, ww_ground, kind="S")
    t.conduit(f"C_{p_pending[0]}", p_pending[0], "WW_PS", p_pending[1], p_pending[2], 1.0)
    q_pump = d.pump_ratio * qp
    lift = max(t.nodes["T2"]["invert"] + 1.0 - (ww_inv + d.startup_depth_m), 0.5) + 1.0
    # the interceptor and the CSO weir at DC
    dwf = DWF_M3S_PER_HA * (area_a + area_b + area_p)
    dc = t.nodes["DC"]
    sec_i = _section_for(d.interceptor_dwf_ratio * dwf, 0.002)
    len_i = 320.0
    wwtp_inv = dc["invert"] - 0.002 * len_i
    t.node("OF_WWTP", 920.0, 90.0, wwtp_inv, wwtp_inv + 2.0, kind="O")
    t.conduit("C_INT", "DC", "OF_WWTP", len_i, sec_i, 0.0)
    crest = round(SECTIONS[sec_i].height_m, 3)
    t.node("OF_CSO", 600.0, 40.0, dc["invert"] - 0.5, dc["invert"] + 1.0, kind="O")
    return dict(
        town=t, qa=qa, qb=qb, qp=qp, q_trunk=q_trunk, sec_t=sec_t, tank_area=tank_area,
        tank_depth=tank_depth, gate=(gate_h, gate_w), q_pump=q_pump, lift=lift,
        weir=(crest, round(dc["ground"] - dc["invert"] - crest, 3),
              round(2.0 * SECTIONS[sec_t].width_m * SECTIONS[sec_t].barrels, 2)),
        ww_depth=round(ww_ground - ww_inv, 3), dwf=dwf,
    )  # fmt: skip


def _rules(b: dict, d: RtcDesign) -> list[str]:
    t = b["town"]
    jx_full = SECTIONS[b["sec_t"]].height_m
    t2_full = t.nodes["T2"]["ground"] - t.nodes["T2"]["invert"]
    t3_room = 0.5 * SECTIONS[b["sec_t"]].height_m
    return [
        "RULE GATE_THROTTLE",
        f"IF NODE JX DEPTH > {_f(0.9 * jx_full, 2)}",
        f"AND NODE TANK_A DEPTH < {_f(0.8 * b['tank_depth'], 2)}",
        "THEN ORIFICE OR_TANK SETTING = 0.3",
        "ELSE ORIFICE OR_TANK SETTING = 1",
        "PRIORITY 1",
        "",
        "RULE PUMP_HOLD",
        f"IF NODE T2 DEPTH > {_f(0.8 * t2_full, 2)}",
        f"AND NODE WW_PS DEPTH < {_f(d.startup_depth_m, 2)}",
        "THEN PUMP PUMP1 STATUS = OFF",
        "PRIORITY 1",
        "",
        "RULE CSO_HOLD",
        f"IF NODE T3 DEPTH < {_f(t3_room, 2)}",
        "THEN WEIR W_CSO SETTING = 0.5",
        "ELSE WEIR W_CSO SETTING = 1",
        "PRIORITY 1",
    ]


def rtc_town_text(seed: int = 1, **design) -> str:
    """The SWMM 5.2 ``.inp`` text of the control town (see the module docstring)."""
    names = {f.name for f in fields(RtcDesign)}
    bad = sorted(set(design) - names)
    if bad:
        raise InputError(f"unknown design option(s) {bad}; known: {sorted(names)}")
    d = RtcDesign(**design)
    b = _build(int(seed), d)
    t = b["town"]
    junctions, outfalls, storage, coords, dwf = [], [], [], [], []
    for n, v in t.nodes.items():
        coords.append([n, _f(v["x"], 2), _f(v["y"], 2)])
        depth = v["ground"] - v["invert"]
        if v["kind"] == "J":
            junctions.append([n, _f(v["invert"]), _f(depth), "0", "0", "0"])
        elif v["kind"] == "O":
            outfalls.append([n, _f(v["invert"]), "FREE", "NO"])
        else:
            area = b["tank_area"] if n == "TANK_A" else d.wet_well_area_m2
            init = "0" if n == "TANK_A" else _f(0.5 * (d.startup_depth_m + d.shutoff_depth_m), 2)
            storage.append([n, _f(v["invert"]), _f(depth), init, "FUNCTIONAL", "0", "0",
                            _f(area, 1), "0", "0"])  # fmt: skip
        if v["dwf"] > 0:
            dwf.append([n, "FLOW", _f(v["dwf"], 5)])
    conduits, xsects = [], []
    for name, a, bn, length, sec, off in t.conduits:
        s = SECTIONS[sec]
        conduits.append([name, a, bn, _f(length, 1), _f(s.roughness), "0", _f(off), "0", "0"])
        if s.shape == "CIRCULAR":
            xsects.append([name, "CIRCULAR", _f(s.height_m), "0", "0", "0", str(s.barrels)])
        else:
            xsects.append([name, "RECT_CLOSED", _f(s.height_m), _f(s.width_m), "0", "0",
                           str(s.barrels)])  # fmt: skip
    gh, gw = b["gate"]
    xsects.append(["OR_TANK", "RECT_CLOSED", _f(gh), _f(gw), "0", "0"])
    crest, wh, wl = b["weir"]
    xsects.append(["W_CSO", "RECT_OPEN", _f(wh), _f(wl, 2), "0", "0"])
    q, h = b["q_pump"], b["lift"]
    curve = [
        (["PUMP_CURVE", "Pump3"] if i == 0 else ["PUMP_CURVE"]) + [_f(hh * h, 3), _f(ff * q, 4)]
        for i, (hh, ff) in enumerate(((0.0, 1.3), (0.5, 1.2), (1.0, 1.0), (1.5, 0.6), (2.0, 0.0)))
    ]
    subs, subareas, infil, polys = [], [], [], []
    for name, node, area, imp in t.subs:
        v = t.nodes[node]
        width = np.sqrt(area * 1e4) * 1.3
        slope = 1.0 if node.startswith("P") else 1.8
        subs.append([name, "RG1", node, _f(area, 4), _f(imp, 1), _f(width, 2), _f(slope, 3), "0"])
        subareas.append([name, "0.015", "0.150", "2.0", "5.0", "25", "OUTLET"])
        infil.append([name, "70.0", "6.0", "4.0", "7.0", "0"])
        half = 0.5 * np.sqrt(area * 1e4)
        for px, py in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            polys.append([name, _f(v["x"] + px * half, 2), _f(v["y"] + py * half, 2)])
    storm = design_storm_mmh(d.storm_depth_mm)
    t0 = int(round(d.storm_start_h * 60))
    ts = [["DESIGN", "0:00", "0.00"]] + [
        ["DESIGN", f"{(t0 + i * STORM_STEP_MIN) // 60}:{(t0 + i * STORM_STEP_MIN) % 60:02d}",
         _f(v, 2)]
        for i, v in enumerate([*storm, 0.0])
    ]  # fmt: skip
    end = int(round(d.duration_h * 3600))
    options = [
        ["FLOW_UNITS", "CMS"], ["INFILTRATION", "HORTON"], ["FLOW_ROUTING", "DYNWAVE"],
        ["LINK_OFFSETS", "DEPTH"], ["MIN_SLOPE", "0"], ["ALLOW_PONDING", "NO"],
        ["SKIP_STEADY_STATE", "NO"], ["START_DATE", "07/15/2024"], ["START_TIME", "00:00:00"],
        ["REPORT_START_DATE", "07/15/2024"], ["REPORT_START_TIME", "00:00:00"],
        ["END_DATE", "07/15/2024"],
        ["END_TIME", f"{end // 3600:02d}:{(end % 3600) // 60:02d}:00"],
        ["DRY_DAYS", "0"], ["REPORT_STEP", "00:05:00"], ["WET_STEP", "00:01:00"],
        ["DRY_STEP", "01:00:00"], ["ROUTING_STEP", f"{d.routing_step_s:g}"],
        ["INERTIAL_DAMPING", "PARTIAL"], ["NORMAL_FLOW_LIMITED", "BOTH"],
        ["FORCE_MAIN_EQUATION", "H-W"], ["VARIABLE_STEP", "0.75"], ["LENGTHENING_STEP", "0"],
        ["MIN_SURFAREA", "0"], ["MAX_TRIALS", "8"], ["HEAD_TOLERANCE", "0.0015"],
        ["SYS_FLOW_TOL", "5"], ["LAT_FLOW_TOL", "5"], ["MINIMUM_STEP", "0.5"], ["THREADS", "1"],
    ]  # fmt: skip
    lines = ["[TITLE]", f"sewer-twin control town: seed={seed}; gated tank, pumping station, "
             "CSO weir and reactive rules above an undersized trunk", ""]  # fmt: skip
    lines += _table("OPTIONS", options)
    lines += _table("EVAPORATION", [["CONSTANT", "0.0"], ["DRY_ONLY", "NO"]])
    lines += _table("RAINGAGES", [["RG1", "INTENSITY", "0:05", "1.0", "TIMESERIES", "DESIGN"]])
    lines += _table("SUBCATCHMENTS", subs) + _table("SUBAREAS", subareas)
    lines += _table("INFILTRATION", infil)
    lines += _table("JUNCTIONS", junctions) + _table("OUTFALLS", outfalls)
    lines += _table("STORAGE", storage) + _table("CONDUITS", conduits)
    lines += _table("PUMPS", [["PUMP1", "WW_PS", "T2", "PUMP_CURVE", "OFF",
                               _f(d.startup_depth_m), _f(d.shutoff_depth_m)]])  # fmt: skip
    lines += _table("ORIFICES", [["OR_TANK", "TANK_A", "GA", "SIDE", "0", _f(ORIFICE_CD, 2),
                                  "NO", "0"]])  # fmt: skip
    lines += _table("WEIRS", [["W_CSO", "DC", "OF_CSO", "TRANSVERSE", _f(crest), _f(WEIR_CD, 2),
                               "NO", "0", "0", "YES"]])  # fmt: skip
    lines += _table("XSECTIONS", xsects) + _table("CURVES", curve)
    lines += _table("CONTROLS", [[r] for r in _rules(b, d)])
    lines += _table("DWF", dwf) + _table("TIMESERIES", ts)
    lines += _table("REPORT", [["INPUT", "NO"], ["SUBCATCHMENTS", "ALL"], ["NODES", "ALL"],
                               ["LINKS", "ALL"]])  # fmt: skip
    lines += _table("MAP", [["DIMENSIONS", "-100.00", "-100.00", "1400.00", "1600.00"],
                            ["Units", "Meters"]])  # fmt: skip
    lines += _table("COORDINATES", coords) + _table("POLYGONS", polys)
    lines += _table("SYMBOLS", [["RG1", "600.00", "1500.00"]])
    return "\n".join(lines)


def write_rtc_town(path, seed: int = 1, **design):
    """Write :func:`rtc_town_text` to ``path`` whole or not at all (:func:`twin.files.write_text`);
    returns the path."""
    from pathlib import Path

    from twin.files import write_text

    path = Path(path)
    write_text(path, rtc_town_text(seed, **design), encoding="ascii")
    return path
