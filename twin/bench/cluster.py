"""A real dask.distributed cluster on loopback, and the peak memory of process trees.

:class:`LoopbackCluster` starts ``dask scheduler`` and ``N`` x ``dask worker
--nthreads 1 --nworkers 1`` as separate subprocesses bound to ``127.0.0.1`` on free
ports (the way an operator would start them on real machines), waits until every
worker has joined, and stops exactly those processes (by pid) on exit.

:class:`PeakMemoryWatch` polls ``VmHWM`` (the peak resident set) and the CPU time of a
set of processes and of everything they start, so that the memory and CPU time of
Dask worker processes, which the benchmark does not own directly, can be summed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

__all__ = ["LoopbackCluster", "PeakMemoryWatch", "cpu_seconds", "descendants", "peak_rss_mb"]

_KIB = 1024.0


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """Peak resident memory ``VmHWM`` of process ``pid`` [MiB]; ``None`` if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) / _KIB
    except OSError:
        return None
    return None


def cpu_seconds(pid: int | str = "self") -> float | None:
    """CPU time (user + system) of process ``pid`` so far [s]; ``None`` if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _parents() -> dict[int, int]:
    """``pid -> parent pid`` of every process visible in ``/proc``."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: split after it
        fields = stat[stat.rfind(")") + 2 :].split()
        out[int(entry)] = int(fields[1])
    return out


def _started(pid: int) -> str | None:
    """Start time of ``pid`` (clock ticks since boot): tells a process from a reused pid."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()[19]


def descendants(pid: int) -> list[int]:
    """Every living process started (directly or not) by ``pid``, not ``pid`` itself."""
    parents = _parents()
    children: dict[int, list[int]] = {}
    for p, pp in parents.items():
        children.setdefault(pp, []).append(p)
    out, todo = [], list(children.get(pid, ()))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def _is_helper(pid: int) -> bool:
    """A multiprocessing resource tracker (a bookkeeping process, not a twin process)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"resource_tracker" in fh.read()
    except OSError:
        return True


class PeakMemoryWatch:
    """Largest ``VmHWM`` seen of each watched process, polled in a background thread.

    Parameters
    ----------
    include : sequence of int
        Processes counted themselves.
    trees : sequence of int
        Processes whose descendants (found anew at every poll) are counted, not the
        roots themselves (e.g. a Dask nanny: its worker counts, the nanny not).
    interval_s : float
        Polling period.  ``VmHWM`` never decreases, so a process's last reading is
        its peak up to at most one period before it ended.
    """

    def __init__(self, include=(), trees=(), interval_s: float = 0.25):
        self.include = [int(p) for p in include]
        self.trees = [int(p) for p in trees]
        self.interval_s = float(interval_s)
        self.peaks: dict[int, float] = {}
        # CPU seconds (user + system) of each process: at its first reading and its last
        self._cpu_first: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._before: set[int] = set()  # the processes already running at the start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def poll(self) -> None:
        """Read every watched process once."""
        pids = list(self.include)
        for root in self.trees:
            pids += descendants(root)
        for p in pids:
            if p not in self.peaks and _is_helper(p):
                continue
            hwm = peak_rss_mb(p)
            if hwm is not None:
                self.peaks[p] = max(self.peaks.get(p, 0.0), hwm)
            cpu = cpu_seconds(p)
            if cpu is not None:
                self._cpu_first.setdefault(p, cpu)
                self._cpu_last[p] = cpu

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.poll()

    def __enter__(self) -> PeakMemoryWatch:
        self.poll()
        self._before = set(self._cpu_first)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.poll()

    @property
    def total_mb(self) -> float:
        """Sum of the peaks of every process seen [MiB]."""
        return float(sum(self.peaks.values()))

    @property
    def cpu_s(self) -> float:
        """CPU time (user + system) of every process seen, while watched [s]: a process
        running at the start from its reading then, one started later from its start;
        each up to its last reading (a process that ended loses at most one period)."""
        total = 0.0
        for p, last in self._cpu_last.items():
            total += last - (self._cpu_first[p] if p in self._before else 0.0)
        return float(total)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackCluster:
    """``dask scheduler`` + ``workers`` x ``dask worker`` subprocesses on 127.0.0.1.

    Parameters
    ----------
    workers : int
        Worker processes (each ``--nthreads 1 --nworkers 1``, under its own nanny).
    env : dict, optional
        Environment of the subprocesses (e.g. ``PYTHONPATH`` so workers import twin).
    timeout_s : float
        Longest wait for the scheduler and the workers to come up.
    logdir : path-like, optional
        Where their stdout/stderr go (``os.devnull`` by default).

    Attributes
    ----------
    address : str
        ``tcp://127.0.0.1:PORT`` of the scheduler, once started.
    start_s : float
        Wall time from starting the scheduler until every worker had joined.
    worker_pids : list of int
        The ``dask worker`` (nanny) processes; their children are the workers.

    Examples
    --------
    >>> with LoopbackCluster(workers=2) as cl:  # doctest: +SKIP
    ...     twin.run_ensemble(net, members, scheduler=cl.address)
    """

    def __init__(self, workers: int = 2, *, env=None, timeout_s: float = 90.0, logdir=None):
        self.workers = int(workers)
        self.env = env
        self.timeout_s = float(timeout_s)
        self.logdir = Path(logdir) if logdir is not None else None
        self.address = ""
        self.start_s = float("nan")
        self.worker_pids: list[int] = []
        self._procs: list[subprocess.Popen] = []
        self._logs: list = []

    def _popen(self, args: list[str], name: str) -> subprocess.Popen:
        if self.logdir is not None:
            self.logdir.mkdir(parents=True, exist_ok=True)
            out = open(self.logdir / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        else:
            out = open(os.devnull, "w")  # noqa: SIM115
        self._logs.append(out)
        proc = subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        self._procs.append(proc)
        return proc

    def start(self) -> LoopbackCluster:
        """Start the scheduler and the workers; return when all workers have joined."""
        from dask.distributed import Client

        t0 = time.perf_counter()
        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        # --no-dashboard drops the dashboard's pages, not the HTTP server under them, which
        # binds to every interface unless told: loopback for it too
        self._popen(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard",
                     "--dashboard-address", "127.0.0.1:0"],
                    "scheduler")  # fmt: skip
        for k in range(self.workers):
            w = self._popen(
                ["worker", self.address, "--nthreads", "1", "--nworkers", "1",
                 "--host", "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                 "--name", f"bench-{k}"],
                f"worker-{k}",
            )  # fmt: skip
            self.worker_pids.append(w.pid)
        try:
            with Client(self.address, timeout=self.timeout_s) as client:
                if self.workers:  # a scheduler alone (0 workers) is a test's case
                    client.wait_for_workers(self.workers, timeout=self.timeout_s)
        except BaseException:
            self.stop()
            raise
        self.start_s = time.perf_counter() - t0
        return self

    def stop(self) -> None:
        """Stop the workers, then the scheduler (SIGTERM, then SIGKILL after 15 s)."""
        leftovers = [(d, _started(d)) for w in self.worker_pids for d in descendants(w)]
        for proc in reversed(self._procs):  # workers first, scheduler last
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid, started in leftovers:  # a worker its nanny failed to take down
            if started is not None and _started(pid) == started:  # the same process
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        for fh in self._logs:
            fh.close()
        self._procs, self._logs = [], []

    def __enter__(self) -> LoopbackCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
