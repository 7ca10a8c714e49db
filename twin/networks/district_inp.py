"""SWMM 5.2 ``.inp`` text of a generated district, structures included.

Units are SWMM's SI set (``FLOW_UNITS CMS``): metres, hectares, m3/s, mm/h.
Every number has a fixed number of decimals so that the text is reproducible.

Structures (``District.structures``):

* **pumping station** -- the trunk in the polder ends in a wet well (STORAGE,
  FUNCTIONAL constant area) lifted by a TYPE3 pump (head-flow curve) into the river;
* **storage tank** -- a trunk manhole becomes a STORAGE tank whose outgoing reach is
  a SIDE orifice passing about half of the design flow when the tank is full;
* **CSO** -- a TRANSVERSE weir with a flap gate from the last manhole of the largest
  gravity trunk to the river.

The design storm is a 2-hour storm shaped after Huff's third-quartile curve (the
decile values below are our own smooth approximation), given in 5-minute blocks.
"""

from __future__ import annotations

import numpy as np

from twin.networks.district_sizing import SECTIONS
from twin.networks.terrain import slope_at

__all__ = ["format_district", "design_storm_mmh", "HUFF_Q3"]

HUFF_Q3 = (0.0, 0.03, 0.07, 0.11, 0.16, 0.22, 0.31, 0.55, 0.82, 0.95, 1.0)
STORM_HOURS = 2.0
STORM_STEP_MIN = 5
ORIFICE_CD = 0.65
WEIR_CD = 1.84  # SI sharp-crested weir coefficient
GRAVITY = 9.81


def design_storm_mmh(depth_mm: float) -> np.ndarray:
    """Intensities [mm/h] of the 5-minute blocks of the 2-hour Huff Q3 storm."""
    n = int(STORM_HOURS * 60 / STORM_STEP_MIN)
    frac = np.interp(np.linspace(0.0, 1.0, n + 1), np.linspace(0.0, 1.0, 11), HUFF_Q3)
    return np.diff(frac) * depth_mm / (STORM_STEP_MIN / 60.0)


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{(s % 3600) // 60:02d}:{s % 60:02d}"


def _f(v: float, nd: int = 3) -> str:
    out = f"{v:.{nd}f}"
    return "0." + "0" * nd if out == "-0." + "0" * nd else out


def _table(header: str, rows: list[list[str]]) -> list[str]:
    lines = [f"[{header}]"]
    lines += ["  ".join(r) for r in rows]
    lines.append("")
    return lines


def format_district(dist) -> str:
    """The ``.inp`` text of a :class:`~twin.networks.district.District`."""
    lay, sew, des = dist.layout, dist.sewers, dist.design
    n = lay.n
    mh = [f"MH{k + 1:06d}" for k in range(n)]
    inv = np.round(sew.invert_m, 3)
    ground = dist.ground_m
    stage = dist.river_stage_m
    tidal = des.tidal
    structures = dist.structures
    tank = dist.tank_node if structures else -1
    node_name = list(mh)
    if tank >= 0:
        node_name[tank] = "TANK1"

    junctions, storage, outfalls, coords = [], [], [], []
    for k in range(n):
        coords.append([node_name[k], _f(lay.x[k], 2), _f(lay.y[k], 2)])
        if k == tank:
            continue
        junctions.append([mh[k], _f(inv[k]), _f(ground[k] - inv[k]), "0", "0", "0"])

    conduits, xsects, orifices, weirs, pumps, curves = [], [], [], [], [], []
    # terminal node of each trunk: river outfall (or the pumping station's wet well)
    end_name, end_inv = [], []
    for t, o in enumerate(lay.outlet_ids):
        ox, oy = dist.outfall_xy[t]
        out_inv = round(float(sew.out_invert_m[o]), 3)
        gate = "YES" if (tidal or t == dist.pumped_trunk) else "NO"
        if structures and t == dist.pumped_trunk:
            ww_inv = _pumping_station(dist, t, out_inv, storage, outfalls, pumps, curves, coords)
            end_name.append("WW_PS")
            end_inv.append(ww_inv)
            continue
        name = f"OF{t + 1:02d}"
        outfalls.append(_outfall(name, out_inv, stage, tidal, gate))
        coords.append([name, _f(ox, 2), _f(oy, 2)])
        end_name.append(name)
        end_inv.append(out_inv)

    for k in range(n):
        sec = SECTIONS[sew.section[k]]
        d = lay.down[k]
        if d >= 0:
            to, to_inv = node_name[d], inv[d]
        else:
            to, to_inv = end_name[lay.trunk[k]], end_inv[lay.trunk[k]]
        out_off = max(0.0, round(float(sew.out_invert_m[k]), 3) - to_inv)
        if k == tank:
            orifices.append(_tank_orifice(dist, k, inv, ground, storage, xsects, to))
            continue
        name = f"C{k + 1:06d}"
        conduits.append(
            [name, mh[k], to, _f(sew.length_m[k]), _f(sec.roughness), "0", _f(out_off)] + ["0", "0"]
        )
        xsects.append(_xsect(name, sec))

    if structures:
        _cso_weir(dist, inv, outfalls, weirs, xsects, coords)

    if tidal:
        for i, h in enumerate(range(0, 25, 2)):
            lvl = stage + 0.6 * np.sin(2.0 * np.pi * h / 12.42)
            lead = ["RIVER_TIDE", "Tidal"] if i == 0 else ["RIVER_TIDE"]
            curves.append(lead + [_f(h, 1), _f(lvl, 3)])

    lines = ["[TITLE]", _title(dist), ""]
    lines += _table("OPTIONS", _options(des))
    lines += _table("EVAPORATION", [["CONSTANT", "0.0"], ["DRY_ONLY", "NO"]])
    lines += _table("RAINGAGES", [["RG1", "INTENSITY", "0:05", "1.0", "TIMESERIES", "DESIGN"]])
    lines += _subcatchment_sections(dist, node_name)
    lines += _table("JUNCTIONS", junctions)
    lines += _table("OUTFALLS", outfalls)
    if storage:
        lines += _table("STORAGE", storage)
    lines += _table("CONDUITS", conduits)
    if pumps:
        lines += _table("PUMPS", pumps)
    if orifices:
        lines += _table("ORIFICES", orifices)
    if weirs:
        lines += _table("WEIRS", weirs)
    lines += _table("XSECTIONS", xsects)
    if curves:
        lines += _table("CURVES", curves)
    storm = design_storm_mmh(des.storm_depth_mm)
    ts = [
        ["DESIGN", f"{(i * STORM_STEP_MIN) // 60}:{(i * STORM_STEP_MIN) % 60:02d}", _f(v, 2)]
        for i, v in enumerate(list(storm) + [0.0])
    ]
    lines += _table("TIMESERIES", ts)
    report = [["INPUT", "NO"], ["SUBCATCHMENTS", "ALL"], ["NODES", "ALL"], ["LINKS", "ALL"]]
    lines += _table("REPORT", report)
    x0, x1, _y0, y1 = lay.extent
    spec = dist.terrain
    lines += _table(
        "MAP",
        [
            ["DIMENSIONS", _f(x0 - 100, 2), _f(spec.river_y_m - 100, 2)]
            + [_f(x1 + 100, 2), _f(y1 + 100, 2)],
            ["Units", "Meters"],
        ],
    )
    lines += _table("COORDINATES", coords)
    polys = []
    for k in range(n):
        xa, xb, ya, yb = lay.rect[k]
        name = f"S{k + 1:06d}"
        for px, py in ((xa, ya), (xb, ya), (xb, yb), (xa, yb)):
            polys.append([name, _f(px, 2), _f(py, 2)])
    lines += _table("POLYGONS", polys)
    lines += _table("SYMBOLS", [["RG1", _f(0.5 * (x0 + x1), 2), _f(y1 + 50.0, 2)]])
    return "\n".join(lines)


def _pumping_station(dist, t, out_inv, storage, outfalls, pumps, curves, coords) -> float:
    """Wet well at the end of trunk ``t`` and its TYPE3 pump to the river; returns the well invert.

    The well floor lies 1 m below the incoming sewer and at least 1 m below the river
    stage; its area holds 5 minutes of design flow per metre.  The pump delivers the
    trunk's design flow at the static lift (stage - water level at start-up) + 2 m.
    """
    o = dist.layout.outlet_ids[t]
    ox, oy = dist.outfall_xy[t]
    stage = dist.river_stage_m
    q = float(dist.sewers.design_flow_m3s[o])
    ww_inv = round(min(out_inv - 1.0, stage - 1.0), 3)
    ww_depth = round(float(dist.outfall_ground_m[t]) - ww_inv, 3)
    area = max(100.0, 300.0 * q)
    storage.append(
        ["WW_PS", _f(ww_inv), _f(ww_depth), "0", "FUNCTIONAL", "0", "0", _f(area, 1), "0", "0"]
    )
    coords.append(["WW_PS", _f(ox, 2), _f(oy, 2)])
    outfalls.append(_outfall("OF_PS", round(stage - 0.5, 3), stage, dist.design.tidal, "YES"))
    coords.append(["OF_PS", _f(ox + 15.0, 2), _f(oy - 15.0, 2)])
    head = max(stage - (ww_inv + 1.0), 0.5) + 2.0
    pts = ((0.0, 1.3), (0.5, 1.2), (1.0, 1.0), (1.5, 0.6), (2.0, 0.0))  # (head, flow) / design
    for i, (h, f) in enumerate(pts):
        lead = ["PUMP_PS", "Pump3"] if i == 0 else ["PUMP_PS"]
        curves.append(lead + [_f(h * head, 3), _f(f * q, 4)])
    pumps.append(["PS1", "WW_PS", "OF_PS", "PUMP_PS", "OFF", "1.000", "0.400"])
    return ww_inv


def _cso_weir(dist, inv, outfalls, weirs, xsects, coords) -> None:
    """TRANSVERSE weir (flap-gated) from the CSO trunk's last manhole to the river.

    Crest at 35 % of the outgoing sewer's height; crest length twice its width.
    """
    o = dist.layout.outlet_ids[dist.cso_trunk]
    sec = SECTIONS[dist.sewers.section[o]]
    depth = float(dist.ground_m[o] - inv[o])
    crest = round(min(0.35 * sec.height_m, depth - 0.3), 3)
    height = round(depth - crest, 3)
    length = round(max(1.0, 2.0 * sec.width_m * sec.barrels), 2)
    ox, oy = dist.outfall_xy[dist.cso_trunk]
    stage = dist.river_stage_m
    outfalls.append(_outfall("OF_CSO", round(stage - 0.5, 3), stage, dist.design.tidal, "NO"))
    coords.append(["OF_CSO", _f(ox + 15.0, 2), _f(oy - 15.0, 2)])
    name = f"MH{o + 1:06d}"
    weirs.append(
        ["W_CSO", name, "OF_CSO", "TRANSVERSE", _f(crest), _f(WEIR_CD, 2), "YES", "0", "0", "YES"]
    )
    xsects.append(["W_CSO", "RECT_OPEN", _f(height), _f(length, 2), "0", "0"])


def _title(dist) -> str:
    kind = "with structures" if dist.structures else "conduits only"
    return (
        f"sewer-twin synthetic district: conduits={dist.conduits} seed={dist.seed} ({kind}); "
        f"river stage {dist.river_stage_m:.2f} m"
    )


def _options(des) -> list[list[str]]:
    end = _hms(des.duration_h * 3600.0)
    return [
        ["FLOW_UNITS", "CMS"],
        ["INFILTRATION", des.infiltration],
        ["FLOW_ROUTING", "DYNWAVE"],
        ["LINK_OFFSETS", "DEPTH"],
        ["MIN_SLOPE", "0"],
        ["ALLOW_PONDING", "NO"],
        ["SKIP_STEADY_STATE", "NO"],
        ["START_DATE", "07/15/2024"],
        ["START_TIME", "00:00:00"],
        ["REPORT_START_DATE", "07/15/2024"],
        ["REPORT_START_TIME", "00:00:00"],
        ["END_DATE", "07/15/2024" if des.duration_h < 24 else "07/16/2024"],
        ["END_TIME", end if des.duration_h < 24 else _hms((des.duration_h - 24) * 3600)],
        ["DRY_DAYS", "0"],
        ["REPORT_STEP", "00:05:00"],
        ["WET_STEP", "00:01:00"],
        ["DRY_STEP", "01:00:00"],
        ["ROUTING_STEP", f"{des.routing_step_s:g}"],
        ["INERTIAL_DAMPING", "PARTIAL"],
        ["NORMAL_FLOW_LIMITED", "BOTH"],
        ["FORCE_MAIN_EQUATION", "H-W"],
        ["VARIABLE_STEP", "0.75"],
        ["LENGTHENING_STEP", "0"],
        ["MIN_SURFAREA", "0"],
        ["MAX_TRIALS", "8"],
        ["HEAD_TOLERANCE", "0.0015"],
        ["SYS_FLOW_TOL", "5"],
        ["LAT_FLOW_TOL", "5"],
        ["MINIMUM_STEP", "0.5"],
        ["THREADS", "1"],
    ]


def _outfall(name, invert, stage, tidal, gate) -> list[str]:
    if tidal:
        return [name, _f(invert), "TIDAL", "RIVER_TIDE", gate]
    return [name, _f(invert), "FIXED", _f(stage), gate]


def _xsect(name: str, sec) -> list[str]:
    if sec.shape == "CIRCULAR":
        return [name, "CIRCULAR", _f(sec.height_m), "0", "0", "0", str(sec.barrels)]
    return [name, "RECT_CLOSED", _f(sec.height_m), _f(sec.width_m), "0", "0", str(sec.barrels)]


def _tank_orifice(dist, k, inv, ground, storage, xsects, to) -> list[str]:
    """Storage tank at manhole ``k`` and its throttling orifice; returns the orifice row."""
    sew = dist.sewers
    sec = SECTIONS[sew.section[k]]
    q = float(sew.design_flow_m3s[k])
    depth = float(ground[k] - inv[k])
    volume = 0.5 * q * 3600.0  # an hour of half the design flow
    area = max(200.0, volume / depth)
    storage.append(
        ["TANK1", _f(inv[k]), _f(depth), "0", "FUNCTIONAL", "0", "0", _f(area, 1), "0", "0"]
    )
    h = round(max(0.3, 0.5 * sec.height_m), 3)
    w = 0.5 * q / (ORIFICE_CD * h * np.sqrt(2.0 * GRAVITY * max(depth - h / 2.0, 0.1)))
    w = round(max(0.2, w), 3)
    xsects.append(["OR_TANK", "RECT_CLOSED", _f(h), _f(w), "0", "0"])
    return ["OR_TANK", "TANK1", to, "SIDE", "0", _f(ORIFICE_CD, 2), "NO", "0"]


def _subcatchment_sections(dist, node_name) -> list[str]:
    lay, des = dist.layout, dist.design
    r = lay.rect
    w = r[:, 1] - r[:, 0]
    h = r[:, 3] - r[:, 2]
    area_ha = w * h / 1e4
    width = w * h / (0.5 * np.maximum(w, h))
    cx, cy = 0.5 * (r[:, 0] + r[:, 1]), 0.5 * (r[:, 2] + r[:, 3])
    slope_pct = np.clip(100.0 * slope_at(dist.terrain, cx, cy), 0.3, 10.0)
    subs, subareas, infil = [], [], []
    for k in range(lay.n):
        name = f"S{k + 1:06d}"
        subs.append(
            [name, "RG1", node_name[k], _f(area_ha[k], 4), _f(lay.imperv_pct[k], 1)]
            + [_f(width[k], 2), _f(slope_pct[k], 3), "0"]
        )
        subareas.append([name, "0.015", "0.150", "2.0", "5.0", "25", "OUTLET"])
        if des.infiltration == "HORTON":
            infil.append([name, "70.0", "6.0", "4.0", "7.0", "0"])
        else:
            infil.append([name, "110.0", "10.0", "0.25"])
    return (
        _table("SUBCATCHMENTS", subs) + _table("SUBAREAS", subareas) + _table("INFILTRATION", infil)
    )
