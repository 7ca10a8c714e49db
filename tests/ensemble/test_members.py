"""Ensemble member generators."""

import numpy as np
import pytest
import xarray as xr

import twin
from twin.engine.options import SimOptions
from twin.ensemble import (
    Member,
    as_members,
    duration_sweep,
    identical,
    perturbed_forecast,
    radar_members,
    return_period_sweep,
)
from twin.errors import InputError
from twin.scenarios import EXAMPLE_IDF, Scenario


@pytest.fixture(scope="module")
def net():
    return twin.load_network("small-conduits")


def _total_mm(out):
    ts = out.timeseries[out.raingages.series[0]]
    return float(ts.value.sum() * out.raingages.interval_s[0] / 3600.0)


def test_return_period_sweep_depths_follow_the_idf(net):
    base = Scenario.preset("seoul-100mmh")  # a preset becomes a design table
    mem = return_period_sweep(base, (10, 30, 100))
    assert [m.name for m in mem] == ["T10y", "T30y", "T100y"]
    for m, rp in zip(mem, (10, 30, 100), strict=True):
        assert _total_mm(m.scenario.apply(net)) == pytest.approx(EXAMPLE_IDF.depth_mm(60, rp))


def test_duration_sweep_shares_one_window(net):
    base = Scenario.design("alternating_block", return_period=10, duration_min=60)
    mem = duration_sweep(base, (30, 60, 120))
    ends = {SimOptions.from_network(m.scenario.apply(net)).end for m in mem}
    assert len(ends) == 1
    assert [_total_mm(m.scenario.apply(net)) for m in mem] == pytest.approx(
        [EXAMPLE_IDF.depth_mm(d, 10) for d in (30, 60, 120)]
    )


def test_perturbed_forecast_is_seeded_and_keeps_the_window(net):
    base = Scenario.preset("seoul-100mmh")
    a = perturbed_forecast(base, 6, sigma=0.4, jitter_min=20, seed=42)
    b = perturbed_forecast(base, 6, sigma=0.4, jitter_min=20, seed=42)
    c = perturbed_forecast(base, 6, sigma=0.4, jitter_min=20, seed=43)
    assert [m.scenario for m in a] == [m.scenario for m in b]
    assert [m.scenario.scale for m in a] != [m.scenario.scale for m in c]
    shifts = np.array([m.scenario.time_shift_min for m in a])
    assert np.all((shifts >= 0) & (shifts <= 40)) and len(set(shifts)) > 1
    outs = [m.scenario.apply(net) for m in a]
    assert len({SimOptions.from_network(o).end for o in outs}) == 1
    for m, o in zip(a, outs, strict=True):
        assert _total_mm(o) == pytest.approx(100.0 * m.scenario.scale)


def test_perturbation_factors_have_mean_one():
    mem = perturbed_forecast(Scenario.preset("seoul-95mmh"), 4000, sigma=0.3, jitter_min=0)
    f = np.array([m.scenario.scale for m in mem])
    assert abs(f.mean() - 1.0) < 0.02  # E[exp(N(-s^2/2, s))] = 1; sd of mean ~0.005
    assert np.std(np.log(f)) == pytest.approx(0.3, rel=0.05)


def test_radar_members_one_per_member(tmp_path):
    t = np.array(["2024-07-15T00:00", "2024-07-15T00:10"], dtype="datetime64[ns]")
    ds = xr.Dataset(
        {"rain": (("time", "y", "x", "member"), np.ones((2, 2, 2, 3)), {"units": "mm h-1"})},
        coords={"time": t, "y": [0.0, 1.0], "x": [0.0, 1.0]},
    )
    ds.to_netcdf(tmp_path / "f.nc")
    mem = radar_members(tmp_path / "f.nc")
    assert [m.scenario.rainfall["member"] for m in mem] == [0, 1, 2]


def test_as_members_validates():
    assert len(as_members(3)) == 3 and as_members(2)[0].scenario is None
    sc = Scenario.preset("seoul-95mmh")
    assert [m.name for m in as_members([sc, sc])] == ["000-seoul-95mmh", "001-seoul-95mmh"]
    with pytest.raises(InputError, match="unique"):
        as_members([Member("a"), Member("a")])
    with pytest.raises(InputError):
        as_members(["storm"])
    with pytest.raises(InputError):
        identical(sc, 0)


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_perturbation_seed_must_be_a_whole_number(seed):
    with pytest.raises(InputError, match="seed") as err:
        perturbed_forecast(Scenario(), 2, seed=seed)
    assert err.value.field == "seed"


@pytest.mark.parametrize("n", [-1, 2.5])
def test_blocked_link_count_must_be_a_whole_number(n):
    from twin.ensemble.members import failure_combinations

    small = twin.load_network("small")  # it has pumps, so only the count can be wrong
    with pytest.raises(InputError) as err:
        failure_combinations(None, small, blocked_links=n)
    assert err.value.field == "blocked_links"
