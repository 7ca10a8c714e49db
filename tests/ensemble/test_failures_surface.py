"""Failure-combination ensembles and ensembles coupled to the 2D street surface.

Small on purpose: the ``small`` network (one pumping station), <= 1 simulated hour,
2-3 members.
"""

import warnings

import numpy as np
import pytest

import twin
from twin.cli import main
from twin.engine.coupling import terrain_for
from twin.ensemble import Member, failure_combinations, run_ensemble
from twin.ensemble.members import trunk_links
from twin.errors import InputError
from twin.kernels.codes import LinkKind, Shape
from twin.scenarios import Scenario

END = {"end_hours": 0.75}


@pytest.fixture(scope="module")
def net():
    return twin.load_network("small")


@pytest.fixture(scope="module")
def storm():
    return Scenario.preset("seoul-100mmh")


@pytest.fixture(scope="module")
def dem(net):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return terrain_for("small", net)


@pytest.fixture(scope="module")
def ens(net, storm, dem):
    mem = failure_combinations(storm, net)
    bad = Member("bad", storm.replace(blockage={"C000001": 2.0}))
    return run_ensemble(
        net, [*mem, bad], scheduler="serial", progress=False, surface=dem,
        surface_threshold_m=0.1, **END,
    )  # fmt: skip


def test_trunk_links_are_the_largest_conduits(net):
    L = net.links
    conduit = np.asarray(L.kind) == LinkKind.CONDUIT
    assert np.all(np.asarray(L.shape)[conduit] == Shape.CIRCULAR)  # diameter ranks them
    top = trunk_links(net, 3)
    d = {str(n): float(g[0]) for n, g, c in zip(L.name, L.geom, conduit, strict=True) if c}
    smallest_top = min(d[n] for n in top)
    assert all(d[n] <= smallest_top for n in d if n not in top)
    assert len(set(top)) == 3 and trunk_links(net, 0) == []


def test_failure_combinations_name_what_failed(net, storm):
    mem = failure_combinations(storm, net, max_failed=2, blocked_links=2, from_h=0.5, to_h=1.0)
    names = [m.name for m in mem]
    c1, c2 = trunk_links(net, 2)
    assert names == [
        "base",
        "fail-PS1",
        f"block-{c1}",
        f"block-{c2}",
        f"fail-PS1+block-{c1}",
        f"fail-PS1+block-{c2}",
        f"block-{c1}+block-{c2}",
    ]
    by = {m.name: m.scenario for m in mem}
    assert by["base"].pump_failure == [] and by["base"].blockage == {}
    assert by[f"fail-PS1+block-{c2}"].pump_failure == [{"pump": "PS1", "from_h": 0.5, "to_h": 1.0}]
    assert by[f"fail-PS1+block-{c2}"].blockage == {c2: 0.9}
    assert all(m.scenario.rainfall == storm.rainfall for m in mem)
    assert [m.name for m in failure_combinations(storm, net, include_base=False)] == ["fail-PS1"]
    with pytest.raises(InputError, match="not a pump"):
        failure_combinations(storm, net, pumps=["OR_TANK"])
    with pytest.raises(InputError, match="max_failed"):
        failure_combinations(storm, net, max_failed=0)


def test_surface_ensemble_keeps_each_members_surface(ens, net, storm, dem):
    assert list(ens["member"].values) == ["base", "fail-PS1", "bad"]
    assert list(ens["member_status"].values) == [0, 0, 1]
    assert ens["surface_max_depth"].dims == ("member", "y", "x")
    assert "surface_depth" not in ens  # the per-member depth series is not kept
    single = twin.simulate(
        failure_combinations(storm, net)[1].scenario.apply(net), surface=dem, **END
    )
    assert np.array_equal(
        ens["surface_max_depth"].sel(member="fail-PS1").values, single["surface_max_depth"].values
    )
    assert np.array_equal(
        ens["node_flood_volume"].sel(member="fail-PS1").values, single["node_flood_volume"].values
    )


def test_surface_flood_probability(ens):
    p = ens["surface_flood_probability"]
    assert p.dims == ("y", "x") and p.attrs["units"] == "1"
    wet = ens["surface_max_depth"].sel(member=["base", "fail-PS1"]).values > 0.1
    # the failed member (NaN) is left out: two members, so 0, 1/2 or 1
    np.testing.assert_array_equal(p.values, wet.mean(axis=0))
    assert set(np.unique(p.values)) <= {0.0, 0.5, 1.0}
    base, failed = wet
    assert failed.sum() > base.sum()  # a failed pumping station floods more streets
    assert np.all(failed[base])  # ... wherever the base case floods too
    assert ens.attrs["surface_threshold_m"] == 0.1


def test_cli_failure_ensemble_with_surface_and_render(tmp_path, capsys):
    out = tmp_path / "ens.nc"
    sc = Scenario.preset("seoul-100mmh").to_file(tmp_path / "storm.toml")
    args = ["ensemble", "small", str(sc), "--generator", "failures", "--surface",
            "--scheduler", "serial", "--end-hours", "0.5", "--quiet", "-o", str(out)]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(args) == 0
    text = capsys.readouterr().out
    assert "members: 2 (0 failed)" in text and "surface cells" in text
    ds = twin.open_results(out)
    assert [str(m) for m in ds["member"].values] == ["base", "fail-PS1"]
    assert "surface_flood_probability" in ds
    png = tmp_path / "q90.png"
    assert (
        main(["render", str(out), "--quantile", "0.9", "-o", str(png), "--network", "small"]) == 0
    )
    assert png.stat().st_size > 10_000
    bad = ["render", str(out), "--member", "nobody", "-o", str(png), "--network", "small"]
    assert main(bad) == 2
