"""Reading SWMM .inp files: values, units, defaults, order and lexical rules."""

from __future__ import annotations

import glob
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.corpus import PYSWMM_DATA
from twin.errors import InputError
from twin.kernels.codes import InfilModel, LinkKind, NodeKind, OutfallKind, RouteTo, Shape
from twin.networks.inp_reader import read_inp, read_inp_text

FT = 0.3048
HERE = Path(__file__).parent / "data"
BUNDLED = Path(__file__).parents[2] / "twin" / "networks" / "data"
BAD = {"model_bad_input_1.inp"}
CORPUS = sorted(
    [p for p in PYSWMM_DATA.glob("*.inp") if p.name not in BAD]
    + [Path(p) for p in glob.glob(str(BUNDLED / "*.inp"))]
    + [HERE / "features_si.inp"]
)


def quiet_read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_inp(path)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_reads(path):
    net = quiet_read(path)
    assert net.n_nodes == len(net.nodes.name) > 0
    assert np.all(net.links.from_node >= 0) and np.all(net.links.to_node < net.n_nodes)
    assert net.unit_system in ("US", "SI")


def test_bad_corpus_file_raises_input_error():
    path = PYSWMM_DATA / "model_bad_input_1.inp"
    with pytest.raises(InputError) as err:
        read_inp(path)
    e = err.value
    assert (e.line, e.section, e.field) == (56, "SUBCATCHMENTS", "Raingage")
    assert str(e).startswith(f"{path}:56: [SUBCATCHMENTS] field 'Raingage'")


def test_us_values_converted_to_si():
    net = quiet_read(PYSWMM_DATA / "model_full_features.inp")
    n, ln, sc = net.nodes, net.links, net.subcatchments
    assert (net.unit_system, net.flow_units) == ("US", "CFS")
    assert list(n.name) == ["J1", "J3", "J4", "J2"]  # file order: junctions, outfall, storage
    assert list(n.kind) == [
        NodeKind.JUNCTION,
        NodeKind.JUNCTION,
        NodeKind.OUTFALL,
        NodeKind.STORAGE,
    ]
    assert n.invert_m[0] == pytest.approx(20.728 * FT, rel=1e-12)
    assert n.max_depth_m[1] == pytest.approx(15 * FT, rel=1e-12)
    assert n.outfall_kind[2] == OutfallKind.FREE and not n.flap_gate[2]
    # FUNCTIONAL 1000 0 0 ft2: constant area 1000 ft2 -> a1 in m2 when a2 = 0
    assert n.storage_shape[3] == "FUNCTIONAL"
    assert n.storage_params[3] == pytest.approx([1000 * FT**2, 0.0, 0.0])
    assert list(ln.kind) == [LinkKind.CONDUIT, LinkKind.PUMP, LinkKind.WEIR]
    assert ln.length_m[0] == pytest.approx(244.63 * FT, rel=1e-12)
    assert ln.geom[0, 0] == pytest.approx(1 * FT) and ln.shape[0] == Shape.CIRCULAR
    assert ln.pump_curve[1] == "*" and ln.init_on[1]
    assert ln.regulator_kind[2] == "TRANSVERSE"
    assert ln.discharge_coeff[2] == pytest.approx(3.33 * math.sqrt(FT))
    assert ln.geom[2, :2] == pytest.approx([5 * FT, 1 * FT])
    assert sc.area_m2[0] == pytest.approx(4046.8564224)
    assert sc.width_m[0] == pytest.approx(500 * FT)
    assert sc.dstore_imperv_mm[0] == pytest.approx(0.05 * 25.4)
    assert sc.outlet[2] == "J3" and sc.outlet_node[2] == 1  # "j3": names ignore case
    assert sc.infil_model[0] == InfilModel.HORTON
    assert sc.infil_params[0] == pytest.approx([3 * 25.4, 0.5 * 25.4, 4, 7, 0])
    assert net.raingages.interval_s[0] == 900.0
    assert net.inflows.baseline.tolist() == [1.0, 1.0, 1.0]
    assert list(net.inflows.node) == [0, 1, 3]
    assert net.dwf.average.tolist() == [8.0]
    ts = net.timeseries["SCS_24h_Type_I_1in"]
    assert len(ts.value) == 97 and np.all(np.isnat(ts.date))
    assert ts.time_h[[0, 1, -1]].tolist() == [0.0, 0.25, 24.0]


def test_si_feature_file():
    net = quiet_read(HERE / "features_si.inp")
    n, ln, sc = net.nodes, net.links, net.subcatchments
    idx, lidx = n.index_of(), ln.index_of()
    assert (net.unit_system, net.flow_units) == ("SI", "LPS")
    assert net.options["FLOW_UNITS"] == "LPS"  # lower case in the file
    assert net.title[0].startswith("Hand-made feature network")
    # storage shapes, converted parameters
    su = {k: idx[k] for k in ("SU1", "SU2", "SU3", "SU4", "SU5", "SU6")}
    assert [n.storage_shape[su[k]] for k in su] == [
        "FUNCTIONAL",
        "TABULAR",
        "CYLINDRICAL",
        "CONICAL",
        "PARABOLOID",
        "PYRAMIDAL",
    ]
    assert n.storage_params[su["SU1"]].tolist() == [10.0, 0.5, 50.0]
    assert n.seepage[su["SU1"]].tolist() == [80.0, 12.0, 0.3]
    assert n.seepage[su["SU2"]].tolist() == [0.0, 10.0, 0.0]  # Ksat alone
    assert n.storage_curve[su["SU2"]] == "StorCurve" and n.evap_factor[su["SU2"]] == 1.0
    assert np.all(np.isnan(n.seepage[su["SU3"]]))
    # dividers
    assert n.divider_kind[idx["D1"]] == "CUTOFF"
    assert n.divider_params[idx["D1"], 0] == pytest.approx(0.005)  # 5 LPS
    assert n.max_depth_m[idx["D1"]] == 3.0
    assert n.divider_params[idx["D2"]] == pytest.approx([1e-4, 0.5, 0.1])  # 100 LPS/m^1.5
    assert n.divider_curve[idx["D3"]] == "DivCurve" and n.divider_link[idx["D4"]] == "C14"
    # outfalls
    assert n.outfall_stage_m[idx["Out1"]] == 90.5
    assert n.outfall_series[idx["Out2"]] == "TideTS" and n.flap_gate[idx["Out2"]]
    assert n.outfall_kind[idx["Out3"]] == OutfallKind.TIDAL
    # links
    assert ln.max_flow_m3s[lidx["C3"]] == pytest.approx(0.5)
    assert ln.barrels[lidx["C2"]] == 2 and ln.culvert[lidx["C8"]] == 5
    assert ln.shape[lidx["C5"]] == Shape.CUSTOM and ln.xsect_curve[lidx["C5"]] == "ShapeCurve"
    assert ln.shape[lidx["C6"]] == Shape.IRREGULAR and ln.xsect_curve[lidx["C6"]] == "Tr1"
    assert ln.geom[lidx["C7"]].tolist() == [0.5, 120.0, 0.0, 0.0]
    assert ln.loss_entry[lidx["C1"]] == 0.5 and ln.flap_gate[lidx["C1"]]
    assert ln.seepage_mmh[lidx["C2"]] == 1.2
    assert ln.pump_curve[lidx["P1"]] == "PumpCurve" and not ln.init_on[lidx["P1"]]
    assert ln.regulator_kind[lidx["OR2"]] == "BOTTOM" and ln.flap_gate[lidx["OR2"]]
    assert ln.regulator_kind[lidx["OL1"]] == "FUNCTIONAL/HEAD"
    assert ln.discharge_coeff[lidx["OL1"]] == pytest.approx(0.01)  # 10 LPS / m^0.5
    assert ln.coeff_curve[lidx["OL2"]] == "RatingCurve"
    assert ln.road_width_m[lidx["W4"]] == 8.0 and ln.road_surface[lidx["W4"]] == "PAVED"
    assert not ln.can_surcharge[lidx["W2"]] and ln.end_coeff[lidx["W3"]] == 1.38
    conduit_shapes = set(ln.shape[ln.kind == LinkKind.CONDUIT].tolist())
    assert conduit_shapes == {s.value for s in Shape if s != Shape.DUMMY}
    # hydrology: one infiltration model per line, routing
    assert sc.infil_model.tolist() == [
        InfilModel.GREEN_AMPT,
        InfilModel.CURVE_NUMBER,
        InfilModel.HORTON,
    ]
    assert sc.infil_params[0, :3].tolist() == [100.0, 12.0, 0.25]
    assert sc.outlet_subcatchment[1] == 0 and sc.outlet_node[1] == -1
    assert sc.route_to.tolist() == [RouteTo.OUTLET, RouteTo.IMPERVIOUS, RouteTo.PERVIOUS]
    assert sc.routed_pct.tolist() == [100.0, 60.0, 35.0]
    assert sc.area_m2[0] == pytest.approx(25000.0)
    assert sc.polygon[0].shape == (3, 2) and sc.polygon[2] is None
    assert net.raingages.x[0] == -10.0 and math.isnan(net.raingages.x[1])
    # curves: type on the first line, continuation lines
    assert net.curves["ShapeCurve"].kind == "SHAPE"
    assert net.curves["ShapeCurve"].x.tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    assert net.curves["PumpCurve"].y.tolist() == [0, 50, 120]
    # time series: dates, a date carried to the next point, several points per line, FILE
    rain = net.timeseries["RainTS"]
    assert rain.value.tolist() == [0.5, 2.0, 4.5, 3.0, 1.0, 0.0]
    assert rain.time_h[2] == pytest.approx(10 / 60)
    assert rain.date[2] == np.datetime64("2020-01-01")
    assert net.timeseries["Rain2"].time_h.tolist() == [0, 0.25, 0.5, 0.75]
    assert net.timeseries["TideTS"].file == "tide.dat"
    assert len(net.patterns["HourPat"].factors) == 24
    assert net.patterns["MonthPat"].kind == "MONTHLY"
    assert net.dwf.patterns[0].tolist() == ["", "", "HourPat", ""]
    assert net.inflows.series.tolist() == ["InflowTS", ""]
    assert "RULE R1" in net.controls
    assert net.transects[0] == ";;Transect data" and net.transects[2].startswith("X1 Tr1")
    assert net.vertices["C1"].shape == (2, 2)
    assert net.tags == [("Node", "J3", "manhole"), ("Link", "C1", "trunk")]


QUOTED = """[TITLE]\r
quoted\r
\r
[options]\r
Flow_Units\tcms ; comment after a value\r
LINK_OFFSETS ELEVATION\r
[JUNCTIONS]\r
;;a comment line\r
"my node"\t10.5\t2\r
[outfalls]\r
"the out"  9  free\r
[CONDUITS]\r
"pipe one" "MY NODE" "the out" 100 0.013 * 9.2\r
[xsections]\r
"pipe one" circular 0.5 0 0 0\r
[COORDINATES]\r
"my node" 1 2\r
"""


def test_quotes_tabs_case_comments_crlf_elevation_offsets():
    net = read_inp_text(QUOTED, source="q.inp")
    assert list(net.nodes.name) == ["my node", "the out"]
    assert net.links.from_node[0] == 0 and net.links.to_node[0] == 1
    assert net.flow_units == "CMS" and net.nodes.invert_m[0] == 10.5
    assert net.nodes.outfall_kind[1] == OutfallKind.FREE
    assert math.isnan(net.links.in_offset_m[0]) and net.links.out_offset_m[0] == 9.2
    a, b = net.offsets_above_invert()
    assert a[0] == 0.0 and b[0] == pytest.approx(0.2)
    assert net.nodes.x[0] == 1.0 and net.title == ["quoted"]


def test_defaults_filled_as_swmm_does():
    net = read_inp_text("[JUNCTIONS]\nJ1 5\n[OUTFALLS]\nO 4 FREE\n[PUMPS]\nP J1 O\n")
    n, ln = net.nodes, net.links
    assert n.max_depth_m[0] == 0 and n.ponded_area_m2[0] == 0 and n.init_depth_m[0] == 0
    assert (net.flow_units, net.unit_system) == ("CFS", "US")
    assert ln.pump_curve[0] == "*" and ln.init_on[0] and ln.startup_depth_m[0] == 0
    assert ln.shape[0] == Shape.DUMMY


def test_unmodelled_sections_kept_with_one_warning():
    with pytest.warns(UserWarning, match=r"\[POLLUTANTS\].*\[LANDUSES\]") as rec:
        net = read_inp(PYSWMM_DATA / "model_pollutants.inp")
    assert len([w for w in rec if "not modelled" in str(w.message)]) == 1
    assert any(line.startswith("test-pollutant") for line in net.sections["POLLUTANTS"])
    assert "BUILDUP" in net.sections and "POLLUTANTS" not in net.report
