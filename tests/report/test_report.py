"""Report tables and text from small Datasets whose answers are known by construction."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from rich.console import Console

from tests.corpus import pyswmm_model
from twin.engine.dataset import build_dataset
from twin.report import format_report, print_report, report_tables
from twin.report import tables as T

STEP_S = 300.0
N_T = 12
TIMES = np.datetime64("2024-05-01T00:05:00") + np.arange(N_T) * np.timedelta64(300, "s")
NODES = ["J1", "J2", "J3", "OUT"]
LINKS = ["C1", "C2", "C3"]
ATTRS = {"report_step_s": STEP_S, "routing_steps": 400, "title": "known answers"}


def flooded_dataset(**extra_summaries):
    """J2 floods at 0.4 m3/s for exactly 2 of 12 steps, J1 at 0.1 m3/s for 1; OUT 'floods'."""
    flooding = np.zeros((N_T, 4))
    flooding[5:7, 1] = 0.4
    flooding[9, 0] = 0.1
    flooding[:, 3] = 9.0  # outfalls never appear in the flooding table
    depth = np.zeros((N_T, 4))
    depth[:, 0] = np.linspace(0.1, 1.2, N_T)
    depth[4, 2] = 0.7
    flow = np.zeros((N_T, 3))
    flow[3, 0], flow[8, 1], flow[2, 2] = 0.3, -0.9, 0.05  # C2's peak is a reverse flow
    return build_dataset(
        TIMES,
        series={"node_flooding": flooding, "node_depth": depth, "link_flow": flow},
        summaries={"link_full_flow": np.array([0.6, 0.45, 0.0]), **extra_summaries},
        coords={
            "node_kind": ["junction", "junction", "junction", "outfall"],
            "node_invert": [10.0, 9.0, 8.0, 7.0],
            "link_kind": ["conduit", "conduit", "pump"],
            "link_from": ["J1", "J2", "J3"],
            "link_to": ["J2", "J3", "OUT"],
        },
        names={"node": NODES, "link": LINKS},
        attrs=ATTRS,
    )


def rows_by_name(table):
    return {r[0]: dict(zip([c.name for c in table.columns], r, strict=True)) for r in table.rows}


def test_flooding_from_series_hours_volume_and_order():
    table = T.node_flooding_summary(flooded_dataset())
    assert [r[0] for r in table.rows] == ["J2", "J1"]  # largest volume first, OUT left out
    j2 = rows_by_name(table)["J2"]
    assert j2["Hours Flooded"] == pytest.approx(2 * STEP_S / 3600)
    assert j2["Total Flood Volume"] == pytest.approx(0.4 * 2 * STEP_S)
    assert j2["Maximum Rate"] == pytest.approx(0.4)
    assert j2["Time of Max"] == TIMES[5]
    assert rows_by_name(table)["J1"]["Total Flood Volume"] == pytest.approx(0.1 * STEP_S)


def test_flooding_summaries_win_over_series():
    ds = flooded_dataset(
        node_flood_volume=np.array([500.0, 200.0, 0.0, 0.0]),
        node_flood_hours=np.array([0.5, 0.2, 0.0, 0.0]),
        node_max_flooding=np.array([0.3, 0.45, 0.0, 0.0]),
    )
    j1, j2 = T.node_flooding_summary(ds).rows
    assert j1[0] == "J1" and j1[2] == 0.5 and j1[5] == 500.0
    assert j2[0] == "J2" and j2[3] == 0.45


def test_flooding_text_shows_the_flooded_node_first():
    text = format_report(flooded_dataset())
    section = text[text.index("Node Flooding Summary") :]
    first_row = next(ln for ln in section.splitlines() if ln.strip().startswith(("J", "OUT")))
    assert first_row.split()[:5] == ["J2", "junction", "0.17", "0.4000", "2024-05-01"]
    assert first_row.split()[-1] == "240.000"
    assert "No nodes were surcharged." not in text  # no surcharge data: no surcharge table


def test_no_flooding_says_so():
    ds = flooded_dataset().assign(node_flooding=lambda d: d["node_flooding"] * 0)
    table = T.node_flooding_summary(ds)
    assert table.rows == [] and table.note == "No nodes were flooded."
    assert "No nodes were flooded." in format_report(ds)


def test_node_flow_balance_every_node_worst_first():
    v_in = np.array([100.0, 250.0, 40.0, 390.0])
    v_out = np.array([99.0, 260.0, 40.0, 380.25])
    err = 100.0 * (v_in - v_out) / v_in  # by hand: 1, -4, 0, 2.5 %
    ds = flooded_dataset(node_inflow_volume=v_in, node_continuity_error_percent=err)
    table = T.node_flow_balance(ds)
    assert [r[0] for r in table.rows] == ["J2", "OUT", "J1", "J3"]
    assert [r[-1] for r in table.rows] == pytest.approx([-4.0, 2.5, 1.0, 0.0])
    assert [r[2] for r in table.rows] == [250.0, 390.0, 100.0, 40.0]


def test_node_depth_from_series():
    table = T.node_depth_summary(flooded_dataset())
    j1 = rows_by_name(table)["J1"]
    assert table.rows[0][0] == "J1"
    assert j1["Maximum Depth"] == pytest.approx(1.2)
    assert j1["Maximum HGL"] == pytest.approx(11.2)
    assert j1["Average Depth"] == pytest.approx(np.linspace(0.1, 1.2, N_T).mean())
    assert j1["Time of Max"] == TIMES[-1]
    assert rows_by_name(table)["J3"]["Time of Max"] == TIMES[4]


def test_node_surcharge_height_above_crown():
    ds = flooded_dataset(
        node_surcharge_hours=np.array([0.0, 1.25, 0.0, 3.0]),
        node_max_head=np.array([10.5, 9.9, 8.1, 7.3]),
    ).assign_coords(node_crown=("node", [10.6, 9.6, 8.5, 7.5]), node_rim=("node", [13.0] * 4))
    table = T.node_surcharge_summary(ds)
    assert [r[0] for r in table.rows] == ["J2"]  # outfalls are not reported
    j2 = rows_by_name(table)["J2"]
    assert j2["Hours Surcharged"] == 1.25
    assert j2["Max Height Above Crown"] == pytest.approx(0.3)
    assert j2["Min Depth Below Rim"] == pytest.approx(3.1)


def test_node_inflow_volumes_from_series():
    lateral = np.zeros((N_T, 4))
    lateral[2:5, 0] = 0.2
    total = lateral.copy()
    total[:, 1] = np.arange(N_T) * 0.01
    ds = flooded_dataset().assign(
        node_lateral_inflow=(("time", "node"), lateral), node_inflow=(("time", "node"), total)
    )
    j1 = rows_by_name(T.node_inflow_summary(ds))["J1"]
    assert j1["Max Lateral Inflow"] == pytest.approx(0.2)
    assert j1["Lateral Inflow Volume"] == pytest.approx(0.2 * 3 * STEP_S)
    j2 = rows_by_name(T.node_inflow_summary(ds))["J2"]
    assert j2["Time of Max"] == TIMES[-1]
    assert j2["Total Inflow Volume"] == pytest.approx(0.01 * sum(range(N_T)) * STEP_S)


def test_link_flow_uses_absolute_peaks_and_full_flow():
    table = T.link_flow_summary(flooded_dataset())
    assert [r[0] for r in table.rows] == ["C2", "C1", "C3"]
    c2 = rows_by_name(table)["C2"]
    assert c2["Maximum |Flow|"] == pytest.approx(0.9) and c2["Time of Max"] == TIMES[8]
    assert c2["Max/Full Flow"] == pytest.approx(2.0)
    assert rows_by_name(table)["C3"]["Max/Full Flow"] is None  # no full flow


def test_conduit_surcharge_only_surcharged_conduits():
    ds = flooded_dataset(link_surcharge_hours=np.array([0.0, 0.75, 2.0]))
    table = T.conduit_surcharge_summary(ds)
    assert [r[0] for r in table.rows] == ["C2"]  # C3 is a pump
    assert rows_by_name(table)["C2"]["Hours Both Ends Full"] == 0.75


def test_time_step_critical_elements():
    ds = flooded_dataset(
        node_critical_steps=np.array([0, 40, 0, 0]), link_critical_steps=np.array([100, 0, 0])
    )
    table = T.time_step_critical_elements(ds)
    assert table.rows == [("Link", "C1", 100, 25.0), ("Node", "J2", 40, 10.0)]
    none = flooded_dataset(node_critical_steps=np.zeros(4))
    assert T.time_step_critical_elements(none).rows == []
    banner = "Time-Step Critical Elements\n  ***************************\n  None"
    assert banner in format_report(none)


def test_continuity_tables_from_attributes():
    attrs = {
        "runoff_rainfall_m3": 1000.0,
        "runoff_infiltration_m3": 400.0,
        "runoff_runoff_m3": 590.0,
        "runoff_continuity_error_percent": 1.0,
        "routing_wet_weather_inflow_m3": 590.0,
        "routing_outfall": 575.0,  # either naming is read
        "routing_external_outflow_m3": 5.0,  # negative external inflow: outflow, as in SWMM
        "flow_routing_continuity_error_percent": 1.695,
    }
    ds = build_dataset(
        TIMES,
        coords={"subcatchment_area": [2e4, 3e4]},
        names={"subcatchment": ["S1", "S2"]},
        attrs=attrs,
    )
    runoff = {r[0]: r[1:] for r in T.runoff_continuity(ds).rows}
    assert runoff["Total Precipitation"] == (1000.0, pytest.approx(20.0))  # mm over 5 ha
    assert runoff["Continuity Error (%)"][0] == 1.0
    routing = {r[0]: r[1] for r in T.flow_routing_continuity(ds).rows}
    assert routing == {
        "Wet Weather Inflow": 590.0,
        "External Outflow": 580.0,
        "Continuity Error (%)": 1.695,
    }


def test_run_summary_settings_and_steps():
    attrs = {
        "flow_routing": "DYNWAVE",
        "title": "",
        "routing_step_s": 20.0,
        "routing_steps": 450,
        "min_step_s": 4.5,
        "start": "2024-05-01T00:00:00",
        "end": "2024-05-01T01:00:00",
    }
    ds = build_dataset(TIMES, names={"node": NODES, "link": LINKS}, attrs=attrs)
    rows = dict(T.run_summary(ds).rows)
    assert rows["Flow routing"] == "DYNWAVE" and rows["Routing steps"] == 450
    assert "Title" not in rows  # empty settings are left out
    assert rows["Average step (s)"] == pytest.approx(3600.0 / 450)
    assert rows["Nodes"] == 4 and rows["Links"] == 3 and rows["Report times"] == N_T
    assert rows["First report time"] == TIMES[0] and rows["Last report time"] == TIMES[-1]
    text = format_report(ds)
    assert re.search(r"Minimum step \(s\)\s+4\.5$", text, re.M)


def test_surcharge_crown_estimated_from_links_without_node_crown():
    ds = flooded_dataset(
        node_surcharge_hours=np.array([0.5, 0.0, 0.0, 0.0]),
        node_max_head=np.array([11.0, 9.0, 8.0, 7.0]),
    ).assign_coords(link_full_depth=("link", [0.6, 0.9, 0.0]))
    table = T.node_surcharge_summary(ds)
    assert "estimated" in table.note
    # J1 (invert 10.0) has only C1 (0.6 m): crown 10.6, head 11.0
    assert rows_by_name(table)["J1"]["Max Height Above Crown"] == pytest.approx(0.4)


def test_missing_variables_are_skipped():
    bare = build_dataset(TIMES, names={"node": NODES})
    assert [t.key for t in report_tables(bare)] == ["run"]
    depth_only = build_dataset(TIMES, {"node_depth": np.ones((N_T, 4))}, names={"node": NODES})
    keys = [t.key for t in report_tables(depth_only)]
    assert keys == ["run", "node_depth"]
    table = T.node_depth_summary(depth_only)
    assert [c.name for c in table.columns] == [
        "Name", "Type", "Average Depth", "Maximum Depth", "Time of Max", "Reported Max Depth",
    ]  # fmt: skip
    assert "Node Depth Summary" in format_report(depth_only)


def test_text_layout_and_top():
    text = format_report(flooded_dataset(), top=1)
    assert text.count("more rows") >= 2
    section = text[text.index("Node Depth Summary") :].split("\n\n")[0].splitlines()
    rules = [i for i, ln in enumerate(section) if set(ln.strip()) == {"-"}]
    header, body = section[rules[0] + 1], section[rules[1] + 1 :]
    assert body[0].split()[0] == "J1" and body[1].strip() == "... 3 more rows"
    # fixed width: each value column ends where its header ends
    end = header.index("Maximum Depth") + len("Maximum Depth")
    assert body[0][:end].endswith("1.200")
    full = format_report(flooded_dataset())
    assert "more rows" not in full and re.search(r"^  OUT ", full, re.M)


def test_rich_report_prints_the_tables():
    buf = io.StringIO()
    print_report(flooded_dataset(), console=Console(file=buf, width=200), top=20)
    out = buf.getvalue()
    for title in ("Run Summary", "Node Flooding Summary", "Link Flow Summary"):
        assert title in out
    assert "240.000" in out and "[m3/s]" in out


def test_ensemble_gets_the_ensemble_report_and_a_member_its_own():
    names = {"node": NODES, "member": [0, 1]}
    ds = build_dataset(TIMES, {"node_depth": np.zeros((2, N_T, 4))}, names=names)
    assert "Ensemble Summary" in format_report(ds)
    assert "Node Depth Summary" in format_report(ds.isel(member=1))


@pytest.mark.swmm
def test_series_derived_columns_match_swmms_report(tmp_path):
    """Flooding hours/volume and reported max depth from SWMM's series vs SWMM's .rpt."""
    from twin.engine.results_schema import VARIABLES
    from twin.validation.swmm_run import run_swmm

    inp = pyswmm_model("model_full_features.inp")
    ref = run_swmm(inp, workdir=tmp_path, keep_files=True)
    series = {k: v.values for k, v in ref.data_vars.items() if k in VARIABLES}
    names = {d: ref[d].values for d in ("node", "link", "subcatchment")}
    ds = build_dataset(ref["time"].values, series, names=names)  # report step from the times
    rpt = (tmp_path / (inp.stem + ".rpt")).read_text()
    ft, ft3_per_mgal = 0.3048, 1e6 / 7.48  # SWMM's own volume factor for 10^6 gal

    flood_rpt = rpt[rpt.index("Node Flooding Summary") :]
    row = re.search(r"^\s+J1\s+([\d.]+)\s+([\d.]+)\s+\d+\s+[\d:]+\s+([\d.]+)", flood_rpt, re.M)
    hours, volume_mgal = float(row.group(1)), float(row.group(3))
    j1 = rows_by_name(T.node_flooding_summary(ds))["J1"]
    assert j1["Hours Flooded"] == pytest.approx(hours, abs=0.01)
    assert j1["Total Flood Volume"] == pytest.approx(volume_mgal * ft3_per_mgal * ft**3, rel=2e-3)

    depth_rpt = rpt[rpt.index("Node Depth Summary") : rpt.index("Node Inflow Summary")]
    ours = rows_by_name(T.node_depth_summary(ds))
    checked = 0
    for line in depth_rpt.splitlines():
        parts = line.split()
        if len(parts) == 8 and parts[0] in ours:
            reported_max_ft = float(parts[-1])
            assert ours[parts[0]]["Reported Max Depth"] / ft == pytest.approx(
                reported_max_ft, abs=0.006
            )
            checked += 1
    assert checked == ds.sizes["node"]
