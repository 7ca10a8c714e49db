"""The synthetic district generator: determinism, size, drainage, cover, capacity, SWMM.

The checks parse the generated ``.inp`` text with the plain parser below and
recompute the engineering quantities (rational method, Manning full flow) with
slow, obvious reference code, independent of the generator's own arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.errors import InputError
from twin.networks.district import district_inp_text, generate_district, write_district
from twin.networks.district_inp import design_storm_mmh
from twin.networks.terrain import load_terrain

COVER_M = 1.2
# design constants documented in twin.networks.district_sizing
IDF_A, IDF_B, IDF_N = 2160.0, 9.4, 0.7
INLET_MIN = 7.0
C_IMP, C_PERV = 0.9, 0.35


def sections(text: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    cur = None
    for line in text.splitlines():
        s = line.split(";", 1)[0].strip()
        if not s:
            continue
        if s.startswith("["):
            cur = s.strip("[]").upper()
            out.setdefault(cur, [])
        else:
            out[cur].append(s.split())
    return out


class Parsed:
    """Nodes and links of an .inp text, in plain dicts."""

    def __init__(self, text: str):
        sec = sections(text)
        self.sec = sec
        self.invert, self.rim, self.kind = {}, {}, {}
        for r in sec.get("JUNCTIONS", []):
            self.invert[r[0]] = float(r[1])
            self.rim[r[0]] = float(r[1]) + float(r[2])
            self.kind[r[0]] = "J"
        for r in sec.get("STORAGE", []):
            self.invert[r[0]] = float(r[1])
            self.rim[r[0]] = float(r[1]) + float(r[2])
            self.kind[r[0]] = "S"
        for r in sec.get("OUTFALLS", []):
            self.invert[r[0]] = float(r[1])
            self.kind[r[0]] = "O"
        self.xy = {r[0]: (float(r[1]), float(r[2])) for r in sec["COORDINATES"]}
        self.xsect = {r[0]: r[1:] for r in sec["XSECTIONS"]}
        self.conduits = {r[0]: r for r in sec["CONDUITS"]}
        self.links = {}  # name -> (from, to, kind)
        for kind in ("CONDUITS", "PUMPS", "ORIFICES", "WEIRS", "OUTLETS"):
            for r in sec.get(kind, []):
                self.links[r[0]] = (r[1], r[2], kind)


def test_same_seed_same_bytes_and_different_seed_differs():
    a = district_inp_text(conduits=300, seed=11)
    b = district_inp_text(conduits=300, seed=11)
    c = district_inp_text(conduits=300, seed=12)
    assert a == b
    assert a != c


@pytest.mark.parametrize("target", [50, 500, 5000])
@pytest.mark.parametrize("structures", [True, False])
def test_conduit_count_within_ten_percent(target, structures):
    p = Parsed(district_inp_text(conduits=target, seed=2, structures=structures))
    n = len(p.conduits)
    assert abs(n - target) <= 0.1 * target, (n, target)


@pytest.mark.parametrize("structures", [True, False])
def test_every_node_drains_downhill_to_an_outfall(structures):
    p = Parsed(district_inp_text(conduits=400, seed=5, structures=structures))
    # the drainage link of a node: conduit, orifice or pump (weirs are overflows)
    drain = {}
    for name, (a, b, kind) in p.links.items():
        if kind != "WEIRS":
            assert a not in drain, f"{a} has two drainage links"
            drain[a] = (name, b, kind)
    for name, (a, b, kind) in p.links.items():
        if kind == "CONDUITS":
            r = p.conduits[name]
            z_up = p.invert[a] + float(r[5])
            z_dn = p.invert[b] + float(r[6])
            assert z_up - z_dn > 1e-4, f"{name} does not slope down ({z_up} -> {z_dn})"
    for start in p.kind:
        node, seen = start, set()
        while p.kind[node] != "O":
            assert node not in seen, f"cycle through {node}"
            seen.add(node)
            assert node in drain, f"{node} has no way out"
            node = drain[node][1]
    if not structures:
        assert {k for _, _, k in p.links.values()} == {"CONDUITS"}
        assert set(p.kind.values()) == {"J", "O"}


def test_minimum_cover_and_manhole_spacing():
    p = Parsed(district_inp_text(conduits=600, seed=8))
    for name, r in p.conduits.items():
        a, b = r[1], r[2]
        height = float(p.xsect[name][1])
        z_up = p.invert[a] + float(r[5])
        assert p.rim[a] - (z_up + height) >= COVER_M - 1.5e-3, name
        if p.kind[b] == "J":
            z_dn = p.invert[b] + float(r[6])
            assert p.rim[b] - (z_dn + height) >= COVER_M - 1.5e-3, name
            assert 40.0 - 1e-3 <= float(r[3]) <= 80.0 + 1e-3, name  # manholes 40-80 m apart
            xa, ya = p.xy[a]
            xb, yb = p.xy[b]
            assert math.isclose(math.hypot(xb - xa, yb - ya), float(r[3]), abs_tol=0.02)


def _manning_full(xs: list[str], n: float, slope: float) -> tuple[float, float]:
    """Full-flow (Q [m3/s], area [m2]) of a CIRCULAR or RECT_CLOSED section."""
    shape, g1, g2, barrels = xs[0], float(xs[1]), float(xs[2]), int(xs[5])
    if shape == "CIRCULAR":
        area = math.pi * g1 * g1 / 4.0
        radius = g1 / 4.0
    else:
        assert shape == "RECT_CLOSED"
        area = g1 * g2
        radius = area / (2.0 * (g1 + g2))
    q = barrels * area * radius ** (2.0 / 3.0) * math.sqrt(slope) / n
    return q, barrels * area


def test_rational_method_design_flow_fits_every_pipe():
    p = Parsed(district_inp_text(conduits=700, seed=4, structures=False))
    sub = p.sec["SUBCATCHMENTS"]
    ca = {k: 0.0 for k in p.kind}
    for r in sub:
        f = float(r[4]) / 100.0
        ca[r[2]] += (C_IMP * f + C_PERV * (1.0 - f)) * float(r[3])
    out_link = {r[1]: name for name, r in p.conduits.items()}
    up_links = {k: [] for k in p.kind}
    for name, r in p.conduits.items():
        up_links[r[2]].append(name)
    memo = {}

    def catchment(node):  # (sum C*A [ha], tc [min]) at a manhole, recursively
        if node in memo:
            return memo[node]
        total, tc = ca[node], INLET_MIN
        for name in up_links[node]:
            r = p.conduits[name]
            c_up, tc_up = catchment(r[1])
            q_full, area = _manning_full(p.xsect[name], float(r[4]), _slope(p, r))
            total += c_up
            tc = max(tc, tc_up + float(r[3]) / (q_full / area) / 60.0)
        memo[node] = (total, tc)
        return memo[node]

    ratios = []
    for node, name in out_link.items():
        c_a, tc = catchment(node)
        i = IDF_A / (tc**IDF_N + IDF_B)
        q_design = c_a * i / 360.0
        q_full, _ = _manning_full(
            p.xsect[name], float(p.conduits[name][4]), _slope(p, p.conduits[name])
        )
        ratios.append(q_full / q_design)
    ratios = np.array(ratios)
    assert ratios.min() >= 0.99, ratios.min()  # inverts are printed to the millimetre
    assert np.median(ratios) < 3.0  # sized, not merely oversized


def _slope(p: Parsed, r: list[str]) -> float:
    z_up = p.invert[r[1]] + float(r[5])
    z_dn = p.invert[r[2]] + float(r[6])
    return (z_up - z_dn) / float(r[3])


def test_pipes_never_shrink_downstream_and_use_standard_sizes():
    p = Parsed(district_inp_text(conduits=3000, seed=1, structures=False))
    into = {}
    for name, r in p.conduits.items():
        into.setdefault(r[2], []).append(name)
    shapes = set()
    for name, r in p.conduits.items():
        xs = p.xsect[name]
        shapes.add(xs[0])
        if xs[0] == "CIRCULAR":
            assert 0.3 <= float(xs[1]) <= 3.0
        q_here, _ = _manning_full(xs, 1.0, 1.0)
        for up in into.get(r[1], []):
            q_up, _ = _manning_full(p.xsect[up], 1.0, 1.0)
            assert q_here >= q_up * (1 - 1e-9), (up, name)
    assert "CIRCULAR" in shapes


def test_structures_and_the_same_town_without_them():
    with_s = sections(district_inp_text(conduits=120, seed=3, structures=True))
    without = sections(district_inp_text(conduits=120, seed=3, structures=False))
    assert with_s["SUBCATCHMENTS"][0] == without["SUBCATCHMENTS"][0]
    assert with_s["POLYGONS"] == without["POLYGONS"]
    assert len(with_s["PUMPS"]) == 1
    curve = with_s["PUMPS"][0][3]
    assert [r for r in with_s["CURVES"] if r[0] == curve][0][1].upper() in ("PUMP3", "PUMP4")
    assert {r[4] for r in with_s["STORAGE"]} <= {"FUNCTIONAL", "TABULAR"}
    assert len(with_s["STORAGE"]) == 2  # wet well and tank
    assert with_s["ORIFICES"][0][0] == "OR_TANK"
    assert with_s["WEIRS"][0][3] == "TRANSVERSE"
    for name in ("PUMPS", "STORAGE", "ORIFICES", "WEIRS"):
        assert name not in without
    imperv = np.array([float(r[4]) for r in with_s["SUBCATCHMENTS"]])
    assert imperv.min() >= 30.0 and imperv.max() <= 90.0 and imperv.std() > 5.0
    opts = {r[0]: r[1] for r in with_s["OPTIONS"]}
    assert opts["FLOW_UNITS"] == "CMS" and opts["FLOW_ROUTING"] == "DYNWAVE"
    assert opts["INFILTRATION"] == "HORTON" and opts["REPORT_STEP"] == "00:05:00"
    for key in ("MAP", "COORDINATES", "POLYGONS", "RAINGAGES", "TIMESERIES"):
        assert key in with_s


def test_design_storm_is_a_two_hour_huff_storm_peaking_near_100_mmh():
    i = design_storm_mmh(75.0)
    assert len(i) == 24  # 5-minute blocks over 2 hours
    assert math.isclose(i.sum() * 5.0 / 60.0, 75.0, rel_tol=1e-9)
    assert 90.0 <= i.max() <= 115.0
    assert 12 <= int(np.argmax(i)) <= 19  # third quarter of the storm


def test_options_tidal_and_green_ampt():
    sec = sections(district_inp_text(conduits=80, seed=1, tidal=True, infiltration="green_ampt"))
    assert all(r[2] == "TIDAL" for r in sec["OUTFALLS"])
    assert any(r[1].upper() == "TIDAL" for r in sec["CURVES"])
    assert {r[0]: r[1] for r in sec["OPTIONS"]}["INFILTRATION"] == "GREEN_AMPT"
    assert all(len(r) == 4 for r in sec["INFILTRATION"])
    with pytest.raises(InputError, match="unknown district design"):
        district_inp_text(conduits=80, seed=1, colour="red")
    with pytest.raises(InputError, match="infiltration"):
        district_inp_text(conduits=80, seed=1, infiltration="CURVE_NUMBER")


def test_write_district_rims_sit_on_the_terrain(tmp_path):
    inp, nc = write_district(tmp_path / "town.inp", conduits=150, seed=6)
    assert nc.name == "town.terrain.nc"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["town.inp", "town.terrain.nc"]
    p = Parsed(inp.read_text())
    dem = load_terrain(nc)
    assert 5.0 <= float(dem.x[1] - dem.x[0]) <= 10.0
    names = [k for k in p.kind if p.kind[k] == "J"]
    x = np.array([p.xy[k][0] for k in names])
    y = np.array([p.xy[k][1] for k in names])
    at = dem.interp(x=("n", x), y=("n", y)).values
    rims = np.array([p.rim[k] for k in names])
    assert np.abs(at - rims).max() < 0.03
    # gently sloping town (0.5-2 % fall towards the river) and a river valley below it
    top = dem.sel(y=y.max(), method="nearest").sel(x=slice(x.min(), x.max())).mean()
    bottom = dem.sel(y=y.min(), method="nearest").sel(x=slice(x.min(), x.max())).mean()
    fall = float(top - bottom) / (y.max() - y.min())
    assert 0.004 <= fall <= 0.022
    stage = float(p.sec["OUTFALLS"][0][3])
    river = dem.sel(y=slice(None, -60.0))
    assert float(river.min()) < stage < float(bottom)


def test_generate_district_returns_the_network():
    net = generate_district(conduits=90, seed=9)
    text = sections(district_inp_text(conduits=90, seed=9))
    assert net.n_links == sum(
        len(text.get(s, [])) for s in ("CONDUITS", "PUMPS", "ORIFICES", "WEIRS")
    )
    assert net.n_subcatchments == len(text["SUBCATCHMENTS"])
    assert net.flow_units == "CMS"


@pytest.mark.swmm
@pytest.mark.slow
def test_swmm_runs_a_2000_conduit_district_with_small_continuity_error(tmp_path):
    from twin.validation.swmm_run import run_swmm

    inp, _ = write_district(
        tmp_path / "d2000.inp", conduits=2000, seed=0, duration_h=2.2, routing_step_s=5.0
    )
    ds = run_swmm(inp)
    assert ds.sizes["link"] >= 1800
    assert abs(ds.attrs["flow_routing_continuity_error_percent"]) < 1.0
    assert abs(ds.attrs["runoff_continuity_error_percent"]) < 1.0
    # the design storm surcharges part of the system, not all of it
    full = float((ds.link_capacity.max("time") >= 0.999).mean())
    assert 0.01 < full < 0.5


@pytest.mark.swmm
def test_swmm_runs_a_tidal_green_ampt_district(tmp_path):
    from twin.validation.swmm_run import run_swmm

    inp, _ = write_district(
        tmp_path / "tidal.inp", conduits=80, seed=1, tidal=True, infiltration="GREEN_AMPT"
    )
    ds = run_swmm(inp)
    assert abs(ds.attrs["flow_routing_continuity_error_percent"]) < 1.0
    pumped = np.abs(ds.link_flow.sel(link="PS1")).max()
    assert float(pumped) > 0.0  # the pumping station lifts the polder into the river
