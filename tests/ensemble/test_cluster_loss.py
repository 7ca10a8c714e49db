"""Losing the Dask cluster is a failed run, never members "failed" (issue 15, item 7),
and the clusters the twin starts listen on loopback only (item 8).

Real clusters on loopback: a scheduler and worker processes (`dask scheduler`, `dask
worker`, as `twin bench` starts them) whose processes the tests kill mid-run.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.error
import urllib.request

import psutil
import pytest

from twin.bench.cluster import LoopbackCluster, descendants
from twin.cli import main
from twin.ensemble import dask_run

RUN = ["ensemble", "small", "-n", "4", "--quiet", "--end-hours", "2"]


def _kill_when_busy(cluster: LoopbackCluster, pids, done: threading.Event) -> None:
    """SIGKILL ``pids()`` (and their children) once the scheduler runs a task."""
    from dask.distributed import Client

    with Client(cluster.address, timeout=30, set_as_default=False) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(client.processing().values()):
            time.sleep(0.1)
    time.sleep(0.5)  # the chunk has started
    for pid in pids():
        for p in [*descendants(pid), pid]:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    done.set()


def _run_while_killing(cluster, pids, tmp_path, capsys):
    out = tmp_path / "ens.nc"
    done = threading.Event()
    killer = threading.Thread(target=_kill_when_busy, args=(cluster, pids, done), daemon=True)
    killer.start()
    rc = main([*RUN, "--scheduler", cluster.address, "-o", str(out)])
    killer.join(timeout=60)
    err = capsys.readouterr().err.strip().splitlines()
    assert done.is_set(), "the cluster was never busy"
    assert rc == 1, err
    assert len(err) == 1 and err[0].startswith("twin: error: "), err
    assert not out.exists() and not list(tmp_path.glob("*.tmp"))
    return err[0]


def test_losing_every_worker_fails_the_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dask_run, "WORKER_WAIT_S", 3.0)
    with LoopbackCluster(1) as cluster:
        line = _run_while_killing(cluster, lambda: cluster.worker_pids, tmp_path, capsys)
    assert "worker" in line and "no output written" in line
    assert "member" not in line.split("(")[0] or "chunk" in line


def test_losing_the_scheduler_fails_the_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dask_run, "WORKER_WAIT_S", 3.0)
    with LoopbackCluster(1) as cluster:
        scheduler = cluster._procs[0].pid
        line = _run_while_killing(cluster, lambda: [scheduler], tmp_path, capsys)
    assert "scheduler" in line or "cluster failed" in line


def test_a_scheduler_without_workers_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dask_run, "WORKER_WAIT_S", 1.0)
    out = tmp_path / "ens.nc"
    with LoopbackCluster(0) as cluster:
        rc = main([*RUN, "--scheduler", cluster.address, "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1, err
    assert "has no workers (waited 1 s)" in err[0]
    assert not out.exists()


# -- item 8: loopback only -------------------------------------------------------------------
def _listening(pids: set[int]) -> list[tuple[int, str, int]]:
    return [
        (c.pid, c.laddr.ip, c.laddr.port)
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.pid in pids
    ]


def _family(pid: int) -> set[int]:
    return {pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))}


def test_the_local_cluster_listens_on_loopback_and_serves_only_health():
    from dask.distributed import Client

    cluster = dask_run.local_cluster()
    try:
        with Client(cluster):
            socks = _listening(_family(os.getpid()))
            port = cluster.scheduler.http_server.port
            base = f"http://127.0.0.1:{port}"
            with urllib.request.urlopen(f"{base}/health", timeout=10) as r:
                assert r.status == 200
            for page in ("/info/main/workers.html", "/status", "/json/identity.json"):
                with pytest.raises(urllib.error.HTTPError) as err:
                    urllib.request.urlopen(f"{base}{page}", timeout=10)
                assert err.value.code == 404
    finally:
        cluster.close()
    assert socks and {ip for _, ip, _ in socks} == {"127.0.0.1"}, socks
    assert port in {p for _, _, p in socks}


def test_the_bench_cluster_listens_on_loopback():
    with LoopbackCluster(1) as cluster:
        pids = set()
        for proc in cluster._procs:
            pids |= {proc.pid, *descendants(proc.pid)}
        socks = _listening(pids)
    assert len(socks) >= 4, socks  # scheduler and worker: a protocol port and an HTTP port each
    assert {ip for _, ip, _ in socks} == {"127.0.0.1"}, socks


def test_losing_one_of_two_workers_is_retried(tmp_path, capsys):
    import xarray as xr

    out = tmp_path / "ens.nc"
    with LoopbackCluster(2) as cluster:
        done = threading.Event()
        first = cluster.worker_pids[:1]
        killer = threading.Thread(
            target=_kill_when_busy, args=(cluster, lambda: first, done), daemon=True
        )
        killer.start()
        rc = main([*RUN, "--scheduler", cluster.address, "-o", str(out)])
        killer.join(timeout=60)
    assert done.is_set() and rc == 0, capsys.readouterr().err
    with xr.open_dataset(out) as ens:  # Dask ran the lost chunk again on the other worker
        assert int(ens.attrs["n_members_failed"]) == 0
        assert (ens["member_status"].values == 0).all()
