"""Forecast members on a real Dask cluster (loopback) and on the 2D street surface."""

import json

import numpy as np
import pytest
import xarray as xr

import twin
from twin.ops.watch import Twin
from twin.validation import twin_experiment as E

pytestmark = [pytest.mark.swmm, pytest.mark.slow]


@pytest.fixture(scope="module")
def case():
    net = twin.load_network("small")
    ex = E.experiment(net, 4, seed=3)
    return net, ex.sensors, ex.rows(80)


def _twin(case, out, **kw):
    net, sensors, rows = case
    tw = Twin(net, sensors, out, members=4, cycle_min=20, horizon_min=30, seed=5, **kw)
    tw.ingest(rows, "test")
    return tw


def test_forecasts_on_a_loopback_cluster_equal_the_local_ones(case, tmp_path):
    from dask.distributed import LocalCluster

    local = _twin(case, tmp_path / "local")
    local.step(4200.0)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        remote = _twin(case, tmp_path / "dask", scheduler=cluster.scheduler_address)
        try:
            remote.step(4200.0)
            remote.step(4800.0)  # a second cycle reuses the members built on the workers
            local.step(4800.0)
            tasks = remote._own_client.run_on_scheduler(
                lambda dask_scheduler: len(dask_scheduler.task_groups)
            )
        finally:
            remote.close()
    assert tasks > 0
    with (
        xr.open_dataset(tmp_path / "local" / "forecasts.nc") as a,
        xr.open_dataset(tmp_path / "dask" / "forecasts.nc") as b,
    ):
        assert a.sizes["cycle"] == b.sizes["cycle"] == 2
        for v in ("node_flood_probability", "node_depth_mean", "node_depth_quantile"):
            np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)
        assert float(a.node_depth_mean.max()) > 0.1  # it rained: not a trivial equality


def test_street_cells_get_a_flood_probability_with_the_surface(tmp_path):
    net = twin.scenarios.load_scenario("seoul-100mmh").apply(twin.load_network("small"))
    from twin.ops.sensors import SensorSet

    tw = Twin(net, SensorSet([]), tmp_path, members=2, cycle_min=20, horizon_min=20,
              surface=True, assimilation="none", seed=1)  # fmt: skip
    tw.step(2400.0)
    with xr.open_dataset(tmp_path / "forecasts.nc") as fc:
        p = fc.cell_flood_probability.values
        h = fc.cell_max_depth_median.values
        dem = tw._cells()
        assert p.shape == (1, len(dem[0]), len(dem[1]))
        assert set(np.unique(p)) <= {0.0, 0.5, 1.0}
        assert (p > 0).any()  # the design storm floods streets
        assert np.all(h[p == 1.0] > 0.1)  # both members deeper than the threshold
        assert np.all(h[p == 0.0] <= 0.1)
        # the street floods where manholes overflow: some flooded cell holds a manhole
        # that the forecast sees flooding
        flooding = fc.node_flood_probability.values[0] > 0
        assert flooding.any()
    # road_depth warnings: the cells deeper than 0.15 m in at least half the members
    fc = tw.cycles[-1]
    p, h = fc.cell_road_probability, fc.cell_max_depth_median
    assert np.all(h[p == 1.0] > 0.15) and np.all(h[p == 0.0] <= 0.15)
    assert (p >= 0.5).any()  # the design storm floods roads
    assert np.all(fc.cell_flood_probability >= p)  # deeper than 0.15 m is deeper than 0.1 m
    msgs = [json.loads(x) for x in (tmp_path / "warnings.jsonl").read_text().splitlines()]
    road = {m["cell"]: m for m in msgs if m["kind"] == "road_depth"}
    y, x = tw._cells()
    want = {f"cell-{i}-{j}" for i, j in zip(*np.nonzero(p >= 0.5), strict=True)}
    assert set(road) == want
    for name, m in road.items():
        i, j = map(int, name.split("-")[1:])
        assert m["status"] == "new" and m["node"] is None
        assert (m["x"], m["y"]) == (float(x[j]), float(y[i]))
        assert m["probability"] == pytest.approx(p[i, j])
    assert len(list((tmp_path / "alerts").glob("*road_depth.cell-*.xml"))) == len(want)
