"""The ensemble report: manholes ranked by flood probability, links by capacity, failures.

Three perturbed members of the Gangnam 110 mm/h storm on ``small-conduits`` (2 h,
most manholes flood in some member) and one member that fails at set-up.
"""

import numpy as np
import pytest

import twin
from twin.cli import main
from twin.ensemble import Member, perturbed_forecast, run_ensemble
from twin.report import format_report, report_tables
from twin.scenarios import Scenario


@pytest.fixture(scope="module")
def ens():
    net = twin.load_network("small-conduits")
    mem = perturbed_forecast(Scenario.preset("gangnam-110mmh"), 3, sigma=0.5, seed=3)
    bad = Member("bad", mem[0].scenario.replace(blockage={"C000001": 2.0}))
    return run_ensemble(net, [*mem, bad], scheduler="serial", progress=False, end_hours=2)


def _table(ds, key):
    return next(t for t in report_tables(ds) if t.key == key)


def test_manholes_at_risk_are_ranked_by_probability_then_volume(ens):
    t = _table(ens, "manholes_at_risk")
    prob = ens["node_flood_probability"].to_series()
    vol = ens["node_flood_volume_mean"].to_series()
    names = [r[0] for r in t.rows]
    assert set(names) == set(prob[prob > 0].index)  # every flooding node, no other
    keys = [(prob[n], vol[n]) for n in names]
    assert keys == sorted(keys, reverse=True)
    first = t.rows[0]
    assert first[2] == pytest.approx(prob.max())
    # the P90 volume column is the 90th percentile of the members that ran
    ok = ens["member_status"].values == 0
    k = int(np.flatnonzero(ens["node"].values == names[0])[0])
    p90 = np.quantile(ens["node_flood_volume"].values[ok, k], 0.9)
    assert first[4] == pytest.approx(p90)


def test_links_ranked_by_p90_capacity_and_failures_listed(ens):
    t = _table(ens, "links_near_capacity")
    p90 = [r[-1] for r in t.rows]
    assert p90 == sorted(p90, reverse=True) and len(t.rows) == ens.sizes["link"]
    summary = dict(_table(ens, "ensemble_summary").rows)
    assert summary["ran"] == 3 and summary["failed"] == 1
    assert "InputError" in summary["failed: bad"]


def test_cli_report_prints_the_top_at_risk_manholes(ens, tmp_path, capsys):
    path = twin.write_results(ens, tmp_path / "ens.nc")
    assert main(["report", str(path), "--top", "3"]) == 0
    out = capsys.readouterr().out
    top = _table(ens, "manholes_at_risk").rows[0][0]
    assert "Manholes at Risk" in out and top in out
    text = format_report(ens, top=3)
    assert "Links Near Capacity" in text and "more rows" in text
