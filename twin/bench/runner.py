"""Timed engine runs, each in its own subprocess, and what they measure.

One engine run = one child process (``python -m twin.bench.engine_child ...``) that runs
SWMM 5.2 or twin once on an ``.inp`` file and writes a small JSON record: the wall
time of the run alone, the peak resident memory of the process
(``getrusage(RUSAGE_SELF).ru_maxrss``) before and after the run, and the number of
routing steps.  Timing excludes process start, imports and (for twin) the numba
compile, which a warm-up run on a tiny network takes first; the compile is measured
separately by :func:`measure_compile`.

* SWMM: ``swmm.toolkit.solver.swmm_run(inp, rpt, out)``; reading its output is not
  timed.  Routing steps = simulated time / the report's "Average Time Step".
* twin: ``twin.simulate(inp)`` (parse + route + build the Dataset), after
  ``twin.simulate(warm-up inp)``.

With ``save`` the child also writes the results as NetCDF (after the timing) for the
agreement check in the parent.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from twin.bench.cases import get_case, inp_counts

__all__ = ["EngineRunError", "measure_compile", "measure_surface", "run_case", "run_engine"]


class EngineRunError(RuntimeError):
    """A child run failed or timed out; the message says which and why."""


def _child_env(numba_cache_dir=None) -> dict:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if numba_cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(numba_cache_dir)
    return env


_ENGINE_CHILD = "twin.bench.engine_child"


def _spawn(args: list[str], timeout_s: float, env=None, module: str = _ENGINE_CHILD) -> dict:
    """Run ``python -m module *args --record FILE`` and return the record it wrote."""
    with tempfile.TemporaryDirectory(prefix="twin-bench-") as tmp:
        record = Path(tmp) / "record.json"
        cmd = [sys.executable, "-m", module, *args, "--record", str(record)]
        try:
            proc = subprocess.run(
                cmd, env=env or _child_env(), capture_output=True, text=True, timeout=timeout_s
            )
        except subprocess.TimeoutExpired:
            raise EngineRunError(f"did not finish within {timeout_s:.0f} s") from None
        if proc.returncode != 0 or not record.exists():
            lines = [ln for ln in (proc.stderr or "").strip().splitlines() if ln.strip()]
            last = lines[-1] if lines else f"exit status {proc.returncode}"
            raise EngineRunError(re.sub(r"^twin\.errors\.(\w+): ", "", last))
        return json.loads(record.read_text())


def run_engine(
    engine: str, inp, *, warmup=(), save=None, timeout_s: float = 900.0, workdir=None,
    solver: str = "swmm", options=None,
) -> dict:  # fmt: skip
    """Run ``engine`` (``"swmm"`` or ``"twin"``) once on ``inp`` in a child process.

    Parameters
    ----------
    engine : {"swmm", "twin"}
    inp : path-like
        The ``.inp`` file (the same one for both engines).
    warmup : sequence of path-like
        twin only: inputs simulated first, untimed, to compile or load the kernels.
    save : path-like, optional
        Write the results (SI Dataset) to this NetCDF file after the timing.
    timeout_s : float
        Give up (and kill the child) after this many seconds.
    workdir : path-like, optional
        Where SWMM writes its ``.rpt``/``.out`` (a temporary folder by default).
    solver : {"swmm", "newton"}
        twin only: the dynamic-wave solver (``simulate(..., solver=...)``).
    options : dict, optional
        twin only: simulation options (``simulate(..., **options)``).

    Returns
    -------
    dict
        ``wall_s`` (the run alone), ``base_rss_mb`` and ``peak_rss_mb`` (process
        maximum resident set before / after the run, MiB), ``run_rss_mb`` (their
        difference), ``routing_steps`` and, for twin, ``mean_iterations``.

    Raises
    ------
    EngineRunError
        The child failed (its last stderr line) or timed out.
    """
    if engine not in ("swmm", "twin"):
        raise ValueError(f"engine must be 'swmm' or 'twin', not {engine!r}")
    args = [engine, str(Path(inp).resolve())]
    for w in warmup:
        args += ["--warmup", str(Path(w).resolve())]
    if save is not None:
        args += ["--save", str(Path(save).resolve())]
    if workdir is not None:
        args += ["--workdir", str(Path(workdir).resolve())]
    if engine == "twin" and solver != "swmm":
        args += ["--solver", solver]
    if engine == "twin":
        for k, v in (options or {}).items():
            args += ["--option", f"{k}={v}"]
    rec = _spawn(args, timeout_s)
    rec["run_rss_mb"] = max(rec["peak_rss_mb"] - rec["base_rss_mb"], 0.0)
    return rec


def measure_compile(inp, timeout_s: float = 900.0, cold: bool = True) -> dict:
    """Numba compile time of twin: cold (empty cache) and warm (from the cache).

    Two children simulate ``inp`` twice each with ``NUMBA_CACHE_DIR`` pointing at a
    fresh folder: the first child compiles everything (cold) and fills the cache,
    the second loads it (warm).  Compile time = first call - second call.  With
    ``cold=False`` only one child runs, on numba's usual cache (warm when twin has
    run before on this machine).

    Returns
    -------
    dict
        ``cold_s`` (``None`` when not measured), ``warm_s`` (compile or cache load),
        ``import_s`` (``import twin`` and its engine modules), ``run_s`` (the
        compiled run).
    """
    args = ["compile", str(Path(inp).resolve())]
    if not cold:
        warm = _spawn(args, timeout_s)
        return {"cold_s": None, "warm_s": max(warm["first_s"] - warm["second_s"], 0.0),
                "import_s": warm["import_s"], "run_s": warm["second_s"]}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="twin-numba-cache-") as cache:
        env = _child_env(numba_cache_dir=cache)
        first = _spawn(args, timeout_s, env=env)
        warm = _spawn(args, timeout_s, env=env)
    return {
        "cold_s": max(first["first_s"] - first["second_s"], 0.0),
        "warm_s": max(warm["first_s"] - warm["second_s"], 0.0),
        "import_s": first["import_s"],
        "run_s": min(first["second_s"], warm["second_s"]),
    }


# -- the suite ---------------------------------------------------------------------


def _stats(samples: list[float]) -> dict:
    xs = sorted(samples)
    return {
        "samples_s": samples,
        "median_s": statistics.median(xs),
        "min_s": xs[0],
        "max_s": xs[-1],
        "spread_pct": 100.0 * (xs[-1] - xs[0]) / statistics.median(xs) if xs[0] > 0 else 0.0,
    }


def run_case(
    case, workdir, *, repeats: int = 3, budget_s: float = 600.0, timeout_s: float = 900.0,
    check: bool = True, log=None, solver: str = "swmm", matched: bool = False, options=None,
) -> dict:  # fmt: skip
    """Time SWMM and twin on one case, alternately, and check twin against SWMM.

    Parameters
    ----------
    case : Case
    workdir : path-like
        Inputs, warm-up inputs and the results of the first repetition go here.
    repeats : int
        Repetitions of the pair (SWMM, twin); fewer when one pair takes more than
        ``budget_s / repeats`` (at least one) or the case allows fewer
        (``case.max_repeats``).
    timeout_s : float
        Per engine run.
    check : bool
        Run the SWMM agreement check (on the first repetition's results).
    solver : {"swmm", "newton"}
        twin's dynamic-wave solver; the row records it (``solver``), and SWMM is timed
        again beside it, so each row's speedup comes from one interleaved run.
    matched : bool
        Also judge the issue's matched accuracy (:mod:`twin.validation.matched`): SWMM
        at 1/8 of the file's routing step is the converged reference (run once per
        case and kept in ``workdir``, 8x SWMM's time), twin's and SWMM's first-run
        results are measured against it (``accuracy``: ``twin`` and ``swmm``
        distances) and ``matched_accuracy`` says whether twin is at least as close.

    Returns
    -------
    dict
        ``case``, ``conduits``, ``links``, ``nodes``, ``duration_h``, ``twin_s`` and
        ``swmm_s`` (medians), ``speedup`` (``swmm_s / twin_s``), ``agrees``, and the
        details ``twin``, ``swmm`` (samples, spread, memory, steps, link-steps per
        second), ``agreement`` (see :func:`~twin.validation.agreement.agreement_report`)
        and ``error`` (``None`` or why a run failed).
    """
    log = log or (lambda msg: None)
    workdir = Path(workdir)
    inp = case.prepare(workdir)
    info = inp_counts(inp)
    warm = [get_case("tiny").prepare(workdir), _warmup_structures().prepare(workdir)]
    res = {
        "case": case.name, "solver": solver, "description": case.description, **info,
        "duration_h": info["duration_s"] / 3600.0, "matched_accuracy": None,
        "options": dict(options or {}), "twin_s": None, "swmm_s": None, "speedup": None,
        "cpu_speedup": None, "agrees": False,
        "agreement": None, "error": None,
    }  # fmt: skip
    runs: dict[str, list[dict]] = {"swmm": [], "twin": []}
    saved = {e: workdir / f"{case.name}.{e}.nc" for e in runs}
    t_start = time.perf_counter()
    if case.max_repeats:
        repeats = min(int(repeats), case.max_repeats)
    for rep in range(max(int(repeats), 1)):
        for engine in ("swmm", "twin"):
            save = saved[engine] if (rep == 0 and check) else None
            try:
                rec = run_engine(
                    engine, inp, warmup=warm if engine == "twin" else (), save=save,
                    timeout_s=timeout_s, workdir=workdir, solver=solver, options=options,
                )  # fmt: skip
            except EngineRunError as exc:
                res["error"] = f"{engine}: {exc}"
                log(f"  {case.name}: {engine} failed: {exc}")
                break
            runs[engine].append(rec)
            log(f"  {case.name} rep {rep + 1}: {engine} {rec['wall_s']:.2f} s")
        if res["error"] or time.perf_counter() - t_start > budget_s * (rep + 1) / repeats:
            break
    for engine, recs in runs.items():
        if recs:
            res[engine] = _engine_summary(engine, recs, info)
            res[f"{engine}_s"] = res[engine]["median_s"]
    if res["twin_s"] and res["swmm_s"]:
        res["speedup"] = res["swmm_s"] / res["twin_s"]
        t_cpu, s_cpu = res["twin"].get("cpu_median_s"), res["swmm"].get("cpu_median_s")
        res["cpu_speedup"] = s_cpu / t_cpu if t_cpu and s_cpu else None
    if check and all(p.exists() for p in saved.values()) and not res["error"]:
        import xarray as xr

        from twin.validation.agreement import agreement_report

        with xr.open_dataset(saved["twin"]) as ours, xr.open_dataset(saved["swmm"]) as ref:
            res["agreement"] = agreement_report(ours.load(), ref.load())
        res["agrees"] = bool(res["agreement"]["ok"])
        if matched:
            _judge_accuracy(res, case, inp, workdir, saved, log)
    for p in saved.values():
        p.unlink(missing_ok=True)
    return res


def _judge_accuracy(res: dict, case, inp, workdir: Path, saved: dict, log) -> None:
    """Fill ``res["accuracy"]`` and ``res["matched_accuracy"]`` (see :func:`run_case`)."""
    import xarray as xr

    from twin.validation.matched import accuracy_against, converged_reference, matched_accuracy

    ref_path = workdir / f"{case.name}.reference.nc"
    if not ref_path.exists():
        log(f"  {case.name}: converged reference (SWMM at 1/8 step)")
        converged_reference(inp).to_netcdf(ref_path)
    with (
        xr.open_dataset(ref_path) as ref,
        xr.open_dataset(saved["twin"]) as ours,
        xr.open_dataset(saved["swmm"]) as swmm,
    ):
        ref = ref.load()
        d_twin = accuracy_against(ours.load(), ref)
        d_swmm = accuracy_against(swmm.load(), ref)
    res["accuracy"] = {"twin": d_twin.as_dict(), "swmm": d_swmm.as_dict()}
    res["matched_accuracy"] = bool(matched_accuracy(d_twin, d_swmm))


def _engine_summary(engine: str, recs: list[dict], info: dict) -> dict:
    out = _stats([r["wall_s"] for r in recs])
    cpu = [r["cpu_s"] for r in recs if r.get("cpu_s") is not None]
    out["cpu_samples_s"] = cpu  # CPU time of the run (process_time), steadier under load
    out["cpu_median_s"] = statistics.median(cpu) if cpu else None
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in recs)
    out["run_rss_mb"] = max(r["run_rss_mb"] for r in recs)
    if engine == "twin":
        steps = recs[0].get("routing_steps")
        out["mean_iterations"] = recs[0].get("mean_iterations")
        for k, v in recs[0].items():
            if k.startswith("newton_"):
                out[k] = v
    else:
        avg = recs[0].get("average_step_s")
        steps = round(info["duration_s"] / avg) if avg else None
    out["routing_steps"] = steps
    out["link_steps_per_s"] = steps * info["links"] / out["median_s"] if steps else None
    return out


def _warmup_structures():
    from twin.bench.cases import Case

    return Case("tiny-structures", "district", 24, structures=True, duration_h=0.5)


def measure_surface(minutes: float = 10.0, network: str = "medium") -> dict:
    """2D overland flow speed: open cell-steps per second on ``network``'s terrain.

    A 50 mm/h rain falls on every cell for ``minutes`` simulated minutes (free
    edges); the surface kernel is compiled (or loaded) first on a small grid.

    Returns
    -------
    dict
        ``cells`` (open), ``dx_m``, ``sim_minutes``, ``substeps``, ``wall_s``,
        ``cell_steps_per_s``.
    """
    import numpy as np

    from twin.engine.surface import Surface
    from twin.networks.catalog import load_terrain_for

    dem = load_terrain_for(network).astype(np.float64)
    edges = {e: "free" for e in ("south", "north", "west", "east")}
    rain = 50.0 / 1000.0 / 3600.0
    Surface(dem.isel(x=slice(0, 40), y=slice(0, 40)), 0.03, boundary=edges).advance(
        60.0, None, rain
    )
    s = Surface(dem, 0.03, boundary=edges)
    cells = int(np.isfinite(dem.values).sum())
    n = 0
    t0 = time.perf_counter()
    for _ in range(int(round(minutes))):
        n += s.advance(60.0, None, rain)
    wall = time.perf_counter() - t0
    return {
        "network": network, "cells": cells, "dx_m": s.dx, "sim_minutes": minutes,
        "substeps": n, "wall_s": wall, "cell_steps_per_s": cells * n / wall,
    }  # fmt: skip
