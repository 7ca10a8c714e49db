"""Ensemble throughput: the same members run four ways, each checked against SWMM.

:func:`measure_ensemble` makes ``members`` perturbed forecasts of one network
(:func:`bench_members`: seeded lognormal rainfall scale and timing jitter, so every
member has its own rainfall), writes each member as its own ``.inp`` (the
scenario applied to the network, then :func:`~twin.networks.inp_writer.write_inp`)
and runs them

1. ``swmm-sequential``: SWMM 5.2 (swmm-toolkit), one member after the other, in one
   process;
2. ``swmm-processes``: SWMM in a pool of ``processes`` processes (one member a task);
3. ``twin-local``: ``twin.run_ensemble(..., scheduler="local")``;
4. ``twin-lockstep``: ``twin-local`` with ``lockstep=True`` (each chunk's members
   stepped together, :mod:`twin.engine.lockstep`);
5. ``twin-cluster``: ``twin.run_ensemble(..., scheduler="tcp://127.0.0.1:PORT")`` on a
   real loopback cluster (:class:`~twin.bench.cluster.LoopbackCluster`: a ``dask
   scheduler`` and ``workers`` x ``dask worker --nthreads 1 --nworkers 1``
   subprocesses), started before and stopped after the timing;
6. ``twin-local-newton``, ``twin-cluster-newton``: ``twin-local`` and ``twin-cluster``
   with ``solver="newton"`` (each member a newton Simulation, a chunk's members one
   after another), at the solver's defaults;
7. ``twin-local-newton-options``, ``twin-cluster-newton-options``: the same with
   ``newton_options`` (e.g. round 9's four step options) given to every member.

Every row says its ``solver`` (``None`` for EPA SWMM's rows) and, for newton rows,
its ``newton_options``.

Each way runs in its own child process (:mod:`twin.bench.ensemble_child`), SWMM and
twin alternately.  Before the first twin way, :func:`warm_up` runs two members of the
same network for three simulated minutes the way ``twin-local`` (and ``twin-lockstep``)
runs them, so the numba cache holds the batch kernels (as the single-run cases warm
up): on an empty cache the first twin way's workers compiled them inside its timing
(2026-12-07: 106.7 s for ``twin-local`` against 87.1 s for the cluster after it).
The wall time (and ``cpu_s``, the CPU time of every process of the way: SWMM's
process or pool tasks, twin's client and workers) covers running the members (twin:
including loading the compiled kernels in every process, and for ``twin-local``
whatever ``run_ensemble`` starts itself); a pool or cluster started beforehand is timed
apart (``start_s``).  The results of ``check`` members (spread over the ensemble)
of each twin way are compared with SWMM's results of the same members
(:func:`~twin.validation.agreement.agreement_report`); a way whose members do not
agree, or fail, has ``agrees: False`` and does not count.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from twin.bench.cases import Case, inp_counts
from twin.bench.cluster import LoopbackCluster
from twin.bench.runner import EngineRunError, _child_env, _spawn

__all__ = [
    "MODES", "NEWTON_MODES", "NEWTON_OPTION_MODES", "bench_members", "check_indices",
    "measure_ensemble", "warm_up", "way_of", "write_member_inputs",
]  # fmt: skip

NEWTON_MODES = ("twin-local-newton", "twin-cluster-newton")
NEWTON_OPTION_MODES = ("twin-local-newton-options", "twin-cluster-newton-options")
MODES = ("swmm-sequential", "swmm-processes", "twin-local", "twin-cluster", "twin-lockstep",
         *NEWTON_MODES, *NEWTON_OPTION_MODES)  # fmt: skip
_RUN_ORDER = ("swmm-sequential", "twin-local", "swmm-processes", "twin-cluster",
              "twin-lockstep", *NEWTON_MODES, *NEWTON_OPTION_MODES)  # alternate  # fmt: skip
#: What :func:`twin.bench.run_suite` runs unless asked (lockstep is measured apart, by
#: ``benchmarks/lockstep.py``, until it is the default).
DEFAULT_MODES = ("swmm-sequential", "swmm-processes", "twin-local", "twin-cluster")
LABELS = {
    "swmm-sequential": "SWMM 5.2, sequential (1 process)",
    "swmm-processes": "SWMM 5.2, {n} processes",
    "twin-local": 'twin run_ensemble, scheduler="local"',
    "twin-cluster": "twin run_ensemble, {n}-worker dask cluster (loopback)",
    "twin-lockstep": 'twin run_ensemble(lockstep=True), scheduler="local"',
    "twin-local-newton": 'twin run_ensemble(solver="newton"), scheduler="local"',
    "twin-cluster-newton": 'twin run_ensemble(solver="newton"), {n}-worker dask cluster',
    "twin-local-newton-options": 'twin run_ensemble(solver="newton", {opts}), scheduler="local"',
    "twin-cluster-newton-options": 'twin run_ensemble(solver="newton", {opts}), {n}-worker '
    "dask cluster",
}


def way_of(mode: str) -> tuple[str, str | None, bool]:
    """``(base way, solver, with newton options)`` of ``mode``.

    >>> way_of("twin-cluster-newton-options"), way_of("swmm-processes")
    (('twin-cluster', 'newton', True), ('swmm-processes', None, False))
    """
    if not mode.startswith("twin-"):
        return mode, None, False
    base, _, rest = mode.partition("-newton")
    return base, ("newton" if _ else "swmm"), rest == "-options"


_CHILD = "twin.bench.ensemble_child"


def bench_members(n: int, *, seed: int = 0, sigma: float = 0.3, jitter_min: float = 15.0):
    """``n`` perturbed forecasts of the network's own rainfall (``p000``, ``p001``...).

    Member ``k`` scales the rainfall by a mean-one lognormal factor (``sigma``) and
    delays it by whole minutes up to ``2 * jitter_min``
    (:func:`twin.ensemble.perturbed_forecast`); the simulated window stays the
    network's.  The same arguments give the same members.
    """
    from twin.ensemble import perturbed_forecast
    from twin.scenarios.scenario import Scenario

    return perturbed_forecast(
        Scenario(name="forecast"), int(n), sigma=sigma, jitter_min=jitter_min, seed=seed
    )


def check_indices(members: int, check: int) -> list[int]:
    """``check`` member indices spread evenly from the first to the last member.

    >>> check_indices(64, 2), check_indices(64, 3), check_indices(1, 2)
    ([0, 63], [0, 32, 63], [0])
    """
    if members <= 1 or check <= 1:
        return [0]
    k = min(int(check), int(members))
    return sorted({round(i * (members - 1) / (k - 1)) for i in range(k)})


def write_member_inputs(inp, members, folder) -> list[Path]:
    """Write each member's network (its scenario applied to ``inp``) as ``<name>.inp``.

    Every file asks SWMM to save every element, as the case files do.
    """
    from twin.api import load_network
    from twin.networks.inp_writer import write_inp

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    net = load_network(str(inp))
    paths = []
    for m in members:
        path = folder / f"{m.name}.inp"
        write_inp(m.scenario.apply(net) if m.scenario is not None else net, path)
        text = path.read_text()
        if not re.search(r"^\s*LINKS\s+ALL\s*$", text, flags=re.M | re.I):
            path.write_text(text + "\n[REPORT]\nSUBCATCHMENTS ALL\nNODES ALL\nLINKS ALL\n")
        paths.append(path)
    return paths


def measure_ensemble(
    members: int = 64, workdir="benchmarks/work", *, network: str = "medium-conduits",
    duration_h: float | None = 1.0, modes=DEFAULT_MODES, processes: int = 2, workers: int = 2,
    check: int = 2, seed: int = 0, timeout_s: float = 3600.0, log=None,
    newton_options: dict | None = None,
) -> dict:  # fmt: skip
    """Members per minute of each way of running ``members`` members of ``network``.

    Parameters
    ----------
    members : int
        Ensemble size.
    workdir : path-like
        Member inputs and scratch results.
    network : str
        A bundled network (``twin networks``).
    duration_h : float or None
        Simulated hours from the network's start (``None``: the file's own window).
    modes : sequence of str
        Some of :data:`MODES`; ``swmm-sequential`` always runs (it is the reference).
    processes, workers : int
        SWMM pool processes; dask workers of the loopback cluster.
    check : int
        Members of each twin way compared with SWMM (:func:`check_indices`).
    timeout_s : float
        Longest run of one way.
    newton_options : dict, optional
        SimOptions of every member in the ``*-newton-options`` ways (those ways are
        skipped without them).

    Returns
    -------
    dict
        ``case``, ``network``, ``conduits``, ``nodes``, ``duration_h``, ``members``, ``seed``,
        ``checked_members``, ``modes`` (one row per way, in the order of
        :data:`MODES`, though SWMM and twin ran alternately: ``run_order``; ``mode``,
        ``label``, ``engine``, ``solver``, ``newton_options``, ``processes``, ``wall_s``,
        ``members_per_min``, ``speedup`` (SWMM sequential wall / this wall), ``cpu_s``,
        ``cpu_speedup`` (SWMM sequential CPU / this CPU), ``start_s`` (pool or cluster start, not in
        ``wall_s``; ``None`` when the way starts its own inside ``wall_s``),
        ``peak_rss_mb`` (sum over the way's processes), ``peak_rss_mb_per_member``,
        ``failed``, ``agreement`` (per checked member), ``agrees`` (``None`` for SWMM,
        the reference), ``error``), and the summary of the fastest agreeing twin way
        of SWMM's solver (newton's rows do not meet matched accuracy, so they do not
        count for the issue's targets) under the keys of earlier versions (``wall_s``,
        ``members_per_s``, ``swmm_sequential_s``, ``speedup``, ``agrees``, ``worker_peak_rss_mb``,
        ``swmm_peak_rss_mb``).
    """
    log = log or (lambda msg: None)
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown ensemble modes {unknown}; known: {MODES}")
    newton_options = dict(newton_options or {})
    modes = ["swmm-sequential"] + [
        m for m in _RUN_ORDER if m in modes and m != "swmm-sequential"
        and (newton_options or m not in NEWTON_OPTION_MODES)
    ]  # fmt: skip
    workdir = Path(workdir)
    tag = f"{network}-{duration_h:g}h" if duration_h else network
    case = Case(tag, network, duration_h=duration_h)
    inp = case.prepare(workdir)
    mem = bench_members(members, seed=seed)
    folder = workdir / f"ensemble-{tag}"
    t0 = time.perf_counter()
    inps = write_member_inputs(inp, mem, folder)
    listing = folder / "members.txt"
    listing.write_text("\n".join(str(p.resolve()) for p in inps) + "\n")
    log(f"ensemble: {members} members of {tag} written in {time.perf_counter() - t0:.1f} s")
    checked = check_indices(members, check)
    info = inp_counts(inp)
    load_start = list(os.getloadavg())
    out = {
        "case": tag, "network": network, "conduits": info["conduits"], "nodes": info["nodes"],
        "duration_h": info["duration_s"] / 3600.0, "members": int(members), "seed": seed,
        "checked_members": [mem[k].name for k in checked], "modes": [],
    }  # fmt: skip
    ref = {k: folder / f"{mem[k].name}.swmm.nc" for k in checked}
    twin_modes = [m for m in modes if m.startswith("twin-")]
    if twin_modes:
        t0 = time.perf_counter()
        warm_up(network, workdir, lockstep="twin-lockstep" in twin_modes, seed=seed,
                timeout_s=timeout_s,
                newton=any(way_of(m)[1] == "newton" for m in twin_modes),
                newton_options=newton_options if set(twin_modes) & set(NEWTON_OPTION_MODES)
                else None)  # fmt: skip
        log(f"ensemble: batch kernels warmed up in {time.perf_counter() - t0:.1f} s")
    seq = seq_cpu = None  # SWMM sequential wall and CPU time, the references of the speedups
    for mode in modes:
        log(f"ensemble: {mode}")
        n = processes if mode == "swmm-processes" else workers
        _, solver, with_options = way_of(mode)
        opts = newton_options if with_options else {}
        row = {"mode": mode, "label": LABELS[mode].format(n=n, opts=_options_text(opts)),
               "members": int(members), "engine": mode.split("-")[0], "solver": solver,
               "newton_options": opts if solver == "newton" else None,
               "run_order": len(out["modes"]), "error": None}  # fmt: skip
        try:
            rec = _run_mode(mode, inp, inps, listing, folder, mem, checked, ref, processes,
                            workers, seed, timeout_s, opts)  # fmt: skip
        except (EngineRunError, OSError) as exc:  # OSError: e.g. the cluster did not start
            row.update(wall_s=None, agrees=False if row["engine"] == "twin" else None,
                       error=str(exc))  # fmt: skip
            log(f"ensemble: {mode} failed: {exc}")
            out["modes"].append(row)
            continue
        if mode == "swmm-sequential":
            seq, seq_cpu = rec["wall_s"], rec.get("cpu_s")
        row.update(_figures(rec, members, seq, seq_cpu))
        if row["engine"] == "twin":
            row.update(_agreement(rec, folder, mem, checked, ref, mode))
        else:
            row["agrees"] = None
        out["modes"].append(row)
        log(f"ensemble: {mode} {row['wall_s']:.1f} s (CPU {_s(row.get('cpu_s'))} s), "
            f"{row['members_per_min']:.1f} members/min"
            + (f", agrees {row['agrees']}" if row["engine"] == "twin" else ""))  # fmt: skip
    for p in ref.values():
        p.unlink(missing_ok=True)
    out["load_average"] = {"start": load_start, "end": list(os.getloadavg())}  # 1, 5, 15 min
    out["modes"].sort(key=lambda r: MODES.index(r["mode"]))
    out.update(_legacy(out["modes"]))
    return out


def _options_text(opts: dict) -> str:
    return ", ".join(f"{k.removeprefix('newton_')}={v}" for k, v in opts.items())


def _s(x) -> str:
    return "-" if x is None else f"{x:.1f}"


WARM_UP_HOURS = 0.05  # three simulated minutes: every kernel of a step, no storm


def warm_up(network: str, workdir, *, lockstep: bool = False, seed: int = 0,
            timeout_s: float = 3600.0, newton: bool = False,
            newton_options: dict | None = None) -> None:  # fmt: skip
    """Compile (or load) the batch kernels of ``network`` into the numba cache, untimed.

    Two members for :data:`WARM_UP_HOURS` through ``run_ensemble(scheduler="local")`` in a
    child process, as ``twin-local`` runs them (and in lockstep when ``lockstep``; with
    ``solver="newton"`` when ``newton``, and again with ``newton_options``), so that the
    timed ways load the kernels instead of compiling them.

    Raises
    ------
    EngineRunError
        When the warm-up run fails (the timed ways would fail the same way).
    """
    inp = Case(f"{network}-warm", network, duration_h=WARM_UP_HOURS).prepare(Path(workdir))
    args = ["twin", "--inp", str(Path(inp).resolve()), "--members", "2", "--seed", str(seed),
            "--scheduler", "local"]  # fmt: skip
    _spawn(args, timeout_s, module=_CHILD)
    if lockstep:
        _spawn([*args, "--lockstep"], timeout_s, module=_CHILD)
    if newton:
        _spawn([*args, "--solver", "newton"], timeout_s, module=_CHILD)
    if newton_options:
        _spawn([*args, "--solver", "newton", *_option_args(newton_options)], timeout_s,
               module=_CHILD)  # fmt: skip


def _option_args(opts: dict) -> list[str]:
    return [a for k, v in opts.items() for a in ("--option", f"{k}={v}")]


def _run_mode(mode, inp, inps, listing, folder, mem, checked, ref, processes, workers, seed,
              timeout_s, newton_options=None) -> dict:  # fmt: skip
    if mode == "swmm-sequential":
        args = ["swmm-sequential", "--inps", str(listing), "--outdir", str(folder / "out")]
        for k in checked:
            args += ["--save", str(k), str(ref[k].resolve())]
        return _spawn(args, timeout_s, module=_CHILD)
    if mode == "swmm-processes":
        args = ["swmm-processes", "--inps", str(listing), "--outdir", str(folder / "out"),
                "--processes", str(int(processes))]  # fmt: skip
        return _spawn(args, timeout_s, module=_CHILD)
    args = ["twin", "--inp", str(Path(inp).resolve()), "--members", str(len(mem)),
            "--seed", str(seed)]  # fmt: skip
    for k in checked:
        args += ["--save", str(k), str((folder / f"{mem[k].name}.{mode}.nc").resolve())]
    base, solver, _ = way_of(mode)
    if solver == "newton":
        args += ["--solver", "newton", *_option_args(newton_options or {})]
    if base in ("twin-local", "twin-lockstep"):
        if mode == "twin-lockstep":
            args.append("--lockstep")
        rec = _spawn([*args, "--scheduler", "local"], timeout_s, module=_CHILD)
        rec["start_s"] = None  # run_ensemble starts (and stops) its cluster inside wall_s
        return rec
    env = _child_env()
    with LoopbackCluster(workers, env=env, logdir=folder / "cluster-logs") as cluster:
        args += ["--scheduler", cluster.address]
        for pid in cluster.worker_pids:
            args += ["--watch-tree", str(pid)]
        rec = _spawn(args, timeout_s, env=env, module=_CHILD)
        rec["start_s"] = cluster.start_s
    return rec


def _figures(rec: dict, members: int, seq: float | None, seq_cpu: float | None = None) -> dict:
    wall = float(rec["wall_s"])
    cpu = rec.get("cpu_s")

    twin_side = "process_peak_rss_mb" in rec
    return {
        "processes": rec.get("processes"), "wall_s": wall,
        "members_per_min": 60.0 * members / wall,
        "speedup": (seq / wall) if seq else None,
        "cpu_s": cpu,
        "cpu_speedup": (seq_cpu / cpu) if seq_cpu and cpu else None,
        "start_s": rec.get("start_s"),
        "peak_rss_mb": rec["peak_rss_mb"],
        # twin: all its processes together, shared by the members; SWMM: one process
        "peak_rss_mb_per_member": rec["peak_rss_mb"] / members if twin_side
        else rec["peak_rss_mb"],
        "process_peak_rss_mb": rec.get("process_peak_rss_mb"),
        "failed": int(rec.get("failed", 0)),
        "member_errors": rec.get("errors") or [],
    }  # fmt: skip


def _agreement(rec, folder, mem, checked, ref, mode) -> dict:
    import xarray as xr

    from twin.validation.agreement import agreement_report

    reports, ok = {}, rec.get("failed", 0) == 0
    for k in checked:
        ours = folder / f"{mem[k].name}.{mode}.nc"
        if not (ours.exists() and ref[k].exists()):
            reports[mem[k].name] = None
            ok = False
            continue
        with xr.open_dataset(ours) as a, xr.open_dataset(ref[k]) as b:
            rep = agreement_report(a.load(), b.load())
        rep["continuity_checked"] = bool(rec.get("continuity_checked", {}).get(str(k)))
        reports[mem[k].name] = rep
        ok = ok and bool(rep["ok"])
        ours.unlink(missing_ok=True)
    return {"agreement": reports, "agrees": ok}


def _legacy(rows: list[dict]) -> dict:
    """The fastest agreeing twin way of SWMM's solver under the keys of the single-way
    ensemble entry (newton's ways do not meet matched accuracy: they do not count)."""
    seq = next((r for r in rows if r["mode"] == "swmm-sequential" and r.get("wall_s")), None)
    twins = [r for r in rows if r["engine"] == "twin" and r.get("wall_s")
             and r.get("solver", "swmm") == "swmm"]  # fmt: skip
    best = max((r for r in twins if r["agrees"]), key=lambda r: r["members_per_min"],
               default=twins[0] if twins else None)  # fmt: skip
    if best is None:
        return {"error": "no twin way ran" + (f": {rows[-1]['error']}" if rows else "")}
    return {
        "mode": best["mode"], "wall_s": best["wall_s"],
        "members_per_s": best["members_per_min"] / 60.0,
        "swmm_sequential_s": seq["wall_s"] if seq else None,
        "speedup": best["speedup"], "agrees": bool(best["agrees"]),
        "worker_peak_rss_mb": best["peak_rss_mb_per_member"],
        "swmm_peak_rss_mb": seq["peak_rss_mb"] if seq else None,
        "failed": best["failed"],
    }  # fmt: skip
