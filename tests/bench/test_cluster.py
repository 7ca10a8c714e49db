"""The loopback dask cluster and the peak-memory watch, on real processes."""

from __future__ import annotations

import os
import time

from twin.bench.cluster import LoopbackCluster, PeakMemoryWatch, descendants, peak_rss_mb
from twin.bench.runner import _child_env


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except OSError:
        return False


def test_two_real_workers_on_loopback_then_gone():
    from dask.distributed import Client

    with LoopbackCluster(2, env=_child_env()) as cl:
        assert cl.address.startswith("tcp://127.0.0.1:") and cl.start_s > 0
        started = [p.pid for p in cl._procs]
        assert len(started) == 3 and cl.worker_pids == started[1:]
        with Client(cl.address, timeout=30) as client:
            info = client.scheduler_info(n_workers=-1)["workers"]
            assert len(info) == 2
            assert all(w["nthreads"] == 1 for w in info.values())
            assert all(addr.startswith("tcp://127.0.0.1:") for addr in info)
            # each task runs in a worker process below one of our `dask worker` processes
            pids = set(client.run(os.getpid).values())
        below = {d for w in cl.worker_pids for d in descendants(w)}
        assert len(pids) == 2 and pids <= below
        with PeakMemoryWatch(trees=cl.worker_pids, interval_s=0.05) as watch:
            time.sleep(0.2)
        # the two workers, not the nannies nor multiprocessing's resource trackers
        assert set(watch.peaks) == pids
        assert watch.total_mb == sum(watch.peaks.values()) > 0
        gone = started + sorted(pids)
    time.sleep(0.5)
    assert not any(_alive(p) for p in gone)


def test_peak_memory_sees_a_child_grow():
    import subprocess
    import sys

    code = (
        "import time; b = bytearray(80 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1)"
    )
    me = os.getpid()
    with PeakMemoryWatch(include=[me], trees=[me], interval_s=0.05) as watch:
        proc = subprocess.Popen([sys.executable, "-c", code])
        child = proc.pid
        proc.wait()
    assert watch.peaks[me] == max(watch.peaks[me], 0.9 * peak_rss_mb(me)) > 0
    assert watch.peaks[child] >= 80.0  # the 80 MiB it touched
    assert watch.total_mb == watch.peaks[me] + watch.peaks[child]


def test_cpu_time_of_a_child_that_works():
    """The CPU time of a watched child started after the watch began counts whole."""
    import subprocess
    import sys

    code = "import time; t = time.process_time()\nwhile time.process_time() - t < 0.6: pass"
    me = os.getpid()
    with PeakMemoryWatch(include=[me], trees=[me], interval_s=0.05) as watch:
        subprocess.run([sys.executable, "-c", code], check=True)
    assert 0.5 <= watch.cpu_s < 0.6 + 5.0  # its 0.6 s (less one poll at most), the rest ours
