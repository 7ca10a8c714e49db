"""Ensembles: identical members equal the single run, failures stay alone, Dask agrees.

Small on purpose: the small-conduits network, 1 simulated hour, 4-5 members.
"""

import os

import numpy as np
import pytest

import twin
from twin.cli import main
from twin.ensemble import Member, identical, perturbed_forecast, run_ensemble
from twin.errors import InputError
from twin.scenarios import Scenario

END = {"end_hours": 1.0}
PER_RUN = [
    "node_depth",
    "link_flow",
    "node_flooding",
    "node_flood_volume",
    "node_max_depth",
    "link_max_capacity",
    "subcatchment_runoff",
]


@pytest.fixture(scope="module")
def net():
    return twin.load_network("small-conduits")


@pytest.fixture(scope="module")
def storm():
    return Scenario.preset("gangnam-110mmh")


@pytest.fixture(scope="module")
def single(net, storm):
    return twin.simulate(storm.apply(net), **END)


@pytest.fixture(scope="module")
def perturbed(storm):
    return perturbed_forecast(storm, 4, sigma=0.5, jitter_min=10, seed=7)


@pytest.fixture(scope="module")
def serial(net, perturbed):
    bad = Member("bad", perturbed[0].scenario.replace(blockage={"C000001": 2.0}))
    return run_ensemble(net, [*perturbed, bad], scheduler="serial", progress=False, **END)


def test_identical_members_equal_the_single_run(net, storm, single):
    ens = run_ensemble(net, identical(storm, 3), scheduler="serial", progress=False, **END)
    assert ens.sizes["member"] == 3 and np.all(ens["member_status"].values == 0)
    for v in PER_RUN:
        for m in range(3):
            assert np.array_equal(ens[v].isel(member=m).values, single[v].values), v
    # every member floods exactly where the single run floods
    flooded = (single["node_flood_volume"].values > 0).astype(float)
    assert np.array_equal(ens["node_flood_probability"].values, flooded)


def test_failed_member_is_recorded_and_others_run(serial, net, perturbed):
    status = serial["member_status"].values
    assert list(status) == [0, 0, 0, 0, 1]
    err = str(serial["member_error"].values[-1])
    assert "InputError" in err and "blockage" in err
    assert np.all(np.isnan(serial["node_depth"].isel(member=4).values))
    # a surviving member equals its own single run
    one = twin.simulate(perturbed[2].scenario.apply(net), **END)
    assert np.array_equal(serial["node_depth"].isel(member=2).values, one["node_depth"].values)
    # each member keeps its own continuity errors; the failed one has none
    cont = serial["member_flow_routing_continuity_error_percent"].values
    assert cont[2] == one.attrs["flow_routing_continuity_error_percent"] and np.isnan(cont[4])


def test_summary_statistics_from_the_members(serial):
    ok = serial["member_status"].values == 0
    vol = serial["node_flood_volume"].values[ok]
    assert np.allclose(serial["node_flood_probability"], (vol > 0).mean(axis=0))
    p = serial["node_flood_probability"].values
    assert np.all((p >= 0) & (p <= 1)) and p.max() > 0
    assert np.allclose(serial["node_flood_volume_mean"], vol.mean(axis=0))
    assert np.allclose(serial["node_flood_volume_p90"], np.quantile(vol, 0.9, axis=0))
    depth = serial["node_max_depth"].values[ok]
    q = serial["node_max_depth_quantile"]
    assert np.allclose(q.sel(quantile=0.5), np.median(depth, axis=0))
    assert np.all(q.sel(quantile=0.1) <= q.sel(quantile=0.9))
    cap = serial["link_max_capacity"].values[ok]
    assert np.allclose(
        serial["link_max_capacity_quantile"].sel(quantile=0.9), np.quantile(cap, 0.9, axis=0)
    )
    # time to first flooding: first report time with flooding, per member
    fl = serial["node_flooding"].values
    hours = (serial.time.values - serial.time.values[0]) / np.timedelta64(1, "h")
    m, n = np.argwhere(fl[:4].max(axis=1) > 0)[0]
    k = np.argmax(fl[m, :, n] > 0)
    assert serial["node_first_flood_time"].values[m, n] == pytest.approx(hours[k])
    assert np.all(np.isnan(serial["node_first_flood_time"].values[4]))


def test_ensemble_netcdf_roundtrip(serial, tmp_path):
    path = twin.write_results(serial, tmp_path / "ens.nc")
    back = twin.open_results(path)
    assert np.array_equal(back["member_status"].values, serial["member_status"].values)
    assert np.allclose(back["node_flood_probability"], serial["node_flood_probability"])


def test_distributed_cluster_on_loopback_agrees(net, perturbed, serial, monkeypatch):
    from dask.distributed import Client, LocalCluster

    from twin.ensemble.runner import _chunk_threads, _slots_by_host

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        # the address comes from TWIN_SCHEDULER, as on a real cluster
        monkeypatch.setenv("TWIN_SCHEDULER", cluster.scheduler_address)
        ens = run_ensemble(net, perturbed, progress=False, **END)
        assert len(cluster.scheduler.workers) == 2
        with Client(cluster) as client:  # each chunk gets the host's cores over its 2 slots
            slots = _slots_by_host(client)
            assert slots == {"tcp://127.0.0.1": 2}
            assert _chunk_threads(client, slots) == max(1, os.cpu_count() // 2)
    assert np.all(ens["member_status"].values == 0)
    for v in PER_RUN:
        assert np.array_equal(ens[v].values, serial[v].isel(member=slice(0, 4)).values), v


def test_cli_ensemble(tmp_path, capsys):
    out = tmp_path / "ens.nc"
    rc = main(
        [
            "ensemble",
            "small-conduits",
            "seoul-100mmh",
            "--members",
            "2",
            "--scheduler",
            "serial",
            "--batch",
            "1",
            "--end-hours",
            "0.5",
            "--quiet",
            "-o",
            str(out),
        ]
    )
    assert rc == 0 and out.exists()
    assert "members: 2 (0 failed)" in capsys.readouterr().out
    assert twin.open_results(out).sizes["member"] == 2
    rc = main(["ensemble", "small-conduits", str(tmp_path / "missing.toml"), "--quiet"])
    assert rc == 2


def test_chunks_keep_member_order_and_share_out_over_slots():
    from twin.ensemble.runner import MEMBERS_PER_THREAD as K
    from twin.ensemble.runner import _chunks

    mem = list(range(40))
    cases = [
        (2, None, 1, [K] * (40 // K)),  # at most K members per thread
        (2, None, 16, [20, 20]),  # many threads per chunk: shared out over the slots
        (4, None, 3, [10] * 4),
        (1, 7, 1, [7] * 5 + [5]),  # batch= wins
    ]
    for slots, batch, threads, sizes in cases:
        chunks = _chunks(mem, slots, batch, threads)
        assert [len(c) for c in chunks] == sizes
        assert [m for c in chunks for m in c] == mem
    assert max(len(c) for c in _chunks(list(range(100)), 1, None, 2)) == 2 * K


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"flood_threshold_m3": -1.0}, "flood_threshold_m3"),
        ({"flood_threshold_m3": float("nan")}, "flood_threshold_m3"),
        ({"surface_threshold_m": -0.1}, "surface_threshold_m"),
        ({"end_hours": 0.0}, "end_hours"),
        ({"routing_step_s": "x"}, "routing_step_s"),
        ({"warp_speed": 9}, "warp_speed"),
    ],
)
def test_bad_shared_settings_fail_the_call_not_each_member(net, kw, field):
    # checked once, before any member runs: an InputError, not N failed members
    with pytest.raises(InputError) as err:
        run_ensemble(net, 2, scheduler="serial", progress=False, **kw)
    assert err.value.field == field


def test_cli_ensemble_refuses_bad_numbers(tmp_path, capsys):
    out = tmp_path / "ens.nc"
    for args in (
        ["--end-hours", "0"], ["--threshold", "-1"], ["--threshold", "nan"], ["--seed", "-5"],
        ["--generator", "failures", "--blocked-links", "-1"],
        ["--scheduler", "nonsense"],  # not an address: a usage error, not a traceback
    ):  # fmt: skip
        sched = [] if "--scheduler" in args else ["--scheduler", "serial"]
        rc = main(["ensemble", "small", "seoul-100mmh", "-n", "2", "--quiet", *sched,
                   "--end-hours", "0.1", "-o", str(out), *args])  # fmt: skip
        assert rc == 2, args
        assert "twin: error:" in capsys.readouterr().err
        assert not out.exists()
