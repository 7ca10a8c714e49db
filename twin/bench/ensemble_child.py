"""The child side of the ensemble comparison: one process per way of running members.

``python -m twin.bench.ensemble_child MODE ... --record FILE`` runs every member one
way and writes a JSON record (see :func:`twin.bench.ensemble.measure_ensemble`, which
starts these children):

* ``swmm-sequential``: ``swmm.toolkit.solver.swmm_run`` on each member's ``.inp``,
  one after the other, in this process;
* ``swmm-processes``: the same in a pool of ``--processes`` spawned processes, one
  member per task (the pool is started, and each process has imported SWMM, before
  the clock starts);
* ``twin``: ``twin.run_ensemble(inp, members, scheduler=..., lockstep=..., solver=...,
  **options)`` with the members made by :func:`twin.bench.ensemble.bench_members` from
  the same seed (``--solver``, ``--option NAME=VALUE``).

Timings cover running the members only: not the imports, not writing the results of
the members checked against SWMM, which happens after the clock stops.  ``cpu_s`` is
the CPU time (user + system) of every process of the way over the same span: SWMM's
process or pool tasks; twin's client and every worker process
(:class:`~twin.bench.cluster.PeakMemoryWatch`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from twin.bench.cluster import PeakMemoryWatch, peak_rss_mb
from twin.bench.engine_child import _quiet_fd1, _write_nc, option_values

__all__: list[str] = []


def _swmm_paths(inp: Path, outdir: Path) -> tuple[str, str, str]:
    return str(inp), str(outdir / (inp.stem + ".rpt")), str(outdir / (inp.stem + ".out"))


def _save_swmm(rpt: str, out: str, path: Path) -> None:
    from swmm.toolkit import output, shared_enum

    from twin.validation import swmm_run as sr

    ds = sr._read_out(output, shared_enum, Path(out))
    ds.attrs.update(sr._read_rpt(Path(rpt)))
    _write_nc(ds, path)


def _swmm_sequential(inps: list[Path], outdir: Path, save: dict[int, Path]) -> dict:
    from swmm.toolkit import solver

    jobs = [_swmm_paths(p, outdir) for p in inps]
    base = peak_rss_mb() or 0.0
    with _quiet_fd1():
        t0, c0 = time.perf_counter(), time.process_time()
        for inp, rpt, out in jobs:
            solver.swmm_run(inp, rpt, out)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rec = {"wall_s": wall, "cpu_s": cpu, "base_rss_mb": base,
           "peak_rss_mb": peak_rss_mb() or 0.0, "processes": 1, "failed": 0,
           "start_s": 0.0}  # fmt: skip
    for k, path in save.items():
        _save_swmm(jobs[k][1], jobs[k][2], path)
    for _, rpt, out in jobs:
        Path(rpt).unlink(missing_ok=True)
        Path(out).unlink(missing_ok=True)
    return rec


def _pool_ready(_k) -> int:
    """Runs in a pool process before the clock starts: SWMM loaded, process up."""
    from swmm.toolkit import solver  # noqa: F401

    time.sleep(0.2)  # hold the task so that every process takes one
    return os.getpid()


def _pool_swmm(job: tuple[str, str, str]) -> tuple[float, float, int, float]:
    """One SWMM run in a pool process: ``(wall_s, peak_rss_mb, pid, cpu_s)``."""
    from swmm.toolkit import solver

    inp, rpt, out = job
    with _quiet_fd1():
        t0, c0 = time.perf_counter(), time.process_time()
        solver.swmm_run(inp, rpt, out)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    Path(rpt).unlink(missing_ok=True)
    Path(out).unlink(missing_ok=True)
    return wall, peak_rss_mb() or 0.0, os.getpid(), cpu


def _swmm_processes(inps: list[Path], outdir: Path, processes: int) -> dict:
    import multiprocessing as mp

    jobs = [_swmm_paths(p, outdir) for p in inps]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(processes) as pool:
        pids = set(pool.map(_pool_ready, range(processes), chunksize=1))
        start = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = pool.map(_pool_swmm, jobs, chunksize=1)
        wall = time.perf_counter() - t0
    return {
        "wall_s": wall, "start_s": start, "processes": processes, "failed": 0,
        "peak_rss_mb": max(r[1] for r in res),
        "busy_processes": len({r[2] for r in res} | pids),
        "member_wall_s": [r[0] for r in res],
        "cpu_s": sum(r[3] for r in res),  # the members' runs (not the pool's upkeep)
    }  # fmt: skip


def _twin(inp: Path, a, save: dict[int, Path]) -> dict:
    import numpy as np

    import twin
    from twin.bench.ensemble import bench_members

    members = bench_members(a.members, seed=a.seed, sigma=a.sigma, jitter_min=a.jitter_min)
    me = os.getpid()
    trees = a.watch_tree or [me]
    with PeakMemoryWatch(include=[me], trees=trees) as watch:
        t0 = time.perf_counter()
        ens = twin.run_ensemble(
            str(inp),
            members,
            scheduler=a.scheduler,
            progress=False,
            summary=False,
            lockstep=a.lockstep,
            solver=a.solver,
            **option_values(a.option),
        )
        wall = time.perf_counter() - t0
    status = np.asarray(ens["member_status"].values)
    rec = {
        "wall_s": wall, "cpu_s": watch.cpu_s, "failed": int((status != 0).sum()),
        "errors": [str(e) for e in ens["member_error"].values if str(e)][:5],
        "peak_rss_mb": watch.total_mb, "processes": len(watch.peaks),
        "process_peak_rss_mb": sorted(watch.peaks.values(), reverse=True),
        "continuity_checked": {},
    }  # fmt: skip
    per_member = "flow_routing_continuity_error_percent"
    stacked = f"member_{per_member}"  # each member's own, kept by run_ensemble
    for k, path in save.items():
        if status[k] != 0:
            continue
        one = ens.isel(member=k)
        one.attrs[per_member] = float(ens[stacked].values[k])
        rec["continuity_checked"][str(k)] = True
        _write_nc(one, path)
    return rec


def _child_main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m twin.bench.ensemble_child")
    p.add_argument("mode", choices=("swmm-sequential", "swmm-processes", "twin"))
    p.add_argument("--inp", type=Path, help="twin: the network's .inp")
    p.add_argument("--inps", type=Path, help="swmm: a file listing member .inp files")
    p.add_argument("--outdir", type=Path, help="swmm: where .rpt/.out go")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--members", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sigma", type=float, default=0.3)
    p.add_argument("--jitter-min", type=float, default=15.0)
    p.add_argument("--scheduler", default="local")
    p.add_argument("--lockstep", action="store_true", help="twin: run_ensemble(lockstep=True)")
    p.add_argument("--solver", choices=("swmm", "newton"), default="swmm", help="twin's solver")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                   help="twin: a simulation option of every member (repeatable)")  # fmt: skip
    p.add_argument("--watch-tree", type=int, action="append", default=[])
    p.add_argument("--save", nargs=2, action="append", default=[], metavar=("INDEX", "NC"))
    p.add_argument("--record", required=True)
    a = p.parse_args(argv)
    save = {int(k): Path(v) for k, v in a.save}
    if a.mode == "twin":
        rec = _twin(a.inp, a, save)
    else:
        inps = [Path(x) for x in a.inps.read_text().split("\n") if x.strip()]
        a.outdir.mkdir(parents=True, exist_ok=True)
        if a.mode == "swmm-sequential":
            rec = _swmm_sequential(inps, a.outdir, save)
        else:
            rec = _swmm_processes(inps, a.outdir, a.processes)
    Path(a.record).write_text(json.dumps(rec))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
