"""Benchmarks against EPA SWMM 5.2: speed, scaling, memory, compile time, agreement.

:func:`run_suite` runs SWMM 5.2 (``swmm-toolkit``) and twin on the same ``.inp``
files, alternately, several times each, every run in its own process; it checks
twin's results against SWMM's for every case (a fast-but-wrong run shows
``agrees: False``), and measures numba compile time, 2D surface throughput and
ensemble throughput: the same members run four ways (SWMM sequential, SWMM in a
process pool, twin ``scheduler="local"``, twin on a loopback dask cluster; see
:mod:`twin.bench.ensemble`).  :mod:`twin.bench.report` writes the JSON, the README
tables and the plots.  ``twin bench`` and ``benchmarks/run.py`` are the entry points.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import time

from twin.bench.cases import CASES, FULL_CASES, QUICK_CASES, Case, get_case
from twin.bench.ensemble import DEFAULT_MODES as ENSEMBLE_MODES
from twin.bench.ensemble import NEWTON_MODES, NEWTON_OPTION_MODES, measure_ensemble
from twin.bench.runner import EngineRunError, measure_compile, measure_surface, run_case
from twin.errors import TwinError

__all__ = [
    "CASES", "ENSEMBLE_MODES", "FULL_CASES", "QUICK_CASES", "Case", "get_case", "machine_info",
    "measure_ensemble", "run_suite",
]  # fmt: skip

SCHEMA = "sewer-twin bench 1"


def machine_info() -> dict:
    """Where the numbers come from: CPU, cores, load, versions."""
    import numba
    import numpy

    try:
        from swmm.toolkit import solver

        swmm = str(solver.swmm_version_info())
    except Exception:  # noqa: BLE001 - the version is informative only
        swmm = None
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if "model name" in ln), cpu)
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
        "python": platform.python_version(), "numpy": numpy.__version__,
        "numba": numba.__version__, "swmm": swmm,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }  # fmt: skip


def run_suite(
    cases=None, workdir="benchmarks/work", *, quick: bool = False, repeats: int | None = None,
    compile: bool = True, surface: bool = True, ensemble: bool = True,
    timeout_s: float = 900.0, ensemble_members: int | None = None,
    ensemble_network: str | None = None, ensemble_duration_h: float | None = 1.0, log=None,
    solvers=("swmm",), matched=(), newton_options=None,
) -> dict:  # fmt: skip
    """Run the benchmark suite and return its results (the JSON document).

    Parameters
    ----------
    cases : sequence of str, optional
        Case names (:data:`CASES`); :data:`QUICK_CASES` or :data:`FULL_CASES` by default.
    workdir : path-like
        Generated inputs and scratch results.
    quick : bool
        One repetition, quick cases, warm compile only (from numba's usual cache),
        short surface and ensemble runs (about 2 minutes).
    repeats : int, optional
        Pairs (SWMM, twin) per case; 1 in quick mode, 3 otherwise.
    timeout_s : float
        Longest single engine run.  A case whose run is predicted (linearly in
        conduits from the largest case already run) to take longer is not run and
        says so.
    ensemble_members, ensemble_network, ensemble_duration_h
        The ensemble comparison (:func:`~twin.bench.ensemble.measure_ensemble`):
        64 members of ``medium-conduits`` (4 of ``default`` in quick mode), each
        simulating ``ensemble_duration_h`` hours (1 h).
    log : callable, optional
        Called with one progress line at a time.
    solvers : sequence of {"swmm", "newton"}
        twin's dynamic-wave solvers: one row per case and solver (key ``solver``),
        each timed beside its own SWMM runs; with ``"newton"`` the ensemble also runs
        newton's ways (and, with ``newton_options``, a pair of ways with them).
    matched : sequence of str
        Cases whose rows also judge matched accuracy against SWMM at 1/8 of the file's
        step (``matched=True`` of :func:`~twin.bench.runner.run_case`; the reference
        costs 8 SWMM runs).
    newton_options : dict, optional
        Simulation options of the ``newton`` rows (recorded as the row's ``options``).

    Returns
    -------
    dict
        ``schema``, ``created``, ``machine``, ``quick``, ``cases`` (see
        :func:`~twin.bench.runner.run_case`), ``compile``, ``surface``, ``ensemble``
        (see :func:`~twin.bench.ensemble.measure_ensemble`; one row per way of
        running the members in ``ensemble["modes"]``).
    """
    log = log or (lambda msg: None)
    names = list(cases or (QUICK_CASES if quick else FULL_CASES))
    for n in names:
        get_case(n)
    repeats = repeats or (1 if quick else 3)
    doc = {
        "schema": SCHEMA,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(), "quick": quick, "repeats": repeats,
        "cases": [], "compile": None, "surface": None, "ensemble": None,
    }  # fmt: skip
    t0 = time.perf_counter()
    for n in names:
        case = get_case(n)
        skip = _predicted_too_long(case, workdir, doc["cases"], timeout_s)
        if skip:
            log(f"{n}: not run ({skip})")
            doc["cases"].append(_not_run(case, workdir, skip))
            continue
        for solver in solvers:
            log(f"{n}: running (solver {solver})")
            try:
                res = run_case(case, workdir, repeats=repeats, timeout_s=timeout_s, log=log,
                               budget_s=120.0 if quick else 900.0, solver=solver,
                               matched=n in matched,
                               options=newton_options if solver == "newton" else None)  # fmt: skip
            except (TwinError, OSError, MemoryError) as exc:  # e.g. the input cannot be made
                log(f"{n}: failed ({exc})")
                doc["cases"].append(_not_run(case, workdir, f"{type(exc).__name__}: {exc}"))
                continue
            doc["cases"].append(res)
            log(f"{n} ({solver}): twin {_fmt(res['twin_s'])} s, SWMM {_fmt(res['swmm_s'])} s, "
                f"agrees {res['agrees']}")  # fmt: skip
    if compile:
        log("compile time")
        tiny = get_case("tiny").prepare(workdir)
        try:
            # a cold compile of every kernel can take longer than any one run
            doc["compile"] = measure_compile(tiny, timeout_s=4 * timeout_s, cold=not quick)
        except EngineRunError as exc:
            doc["compile"] = {"error": str(exc)}
    if surface:
        log("2D surface")
        doc["surface"] = measure_surface(minutes=3.0 if quick else 15.0)
    if ensemble:
        members = ensemble_members or (4 if quick else 64)
        network = ensemble_network or ("default" if quick else "medium-conduits")
        doc["ensemble"] = _ensemble(members, network, ensemble_duration_h, workdir,
                                    4 * timeout_s, log, solvers, newton_options)  # fmt: skip
    doc["elapsed_s"] = time.perf_counter() - t0
    return doc


def _ensemble(members, network, duration_h, workdir, timeout_s, log, solvers=("swmm",),
              newton_options=None):  # fmt: skip
    """The ensemble comparison: SWMM's ways and twin's with SWMM's solver, and with
    ``"newton"`` in ``solvers`` twin's with newton's (``newton_options``: a further
    pair of ways with those options)."""
    import twin

    if not hasattr(twin, "run_ensemble"):
        return {"error": "twin.run_ensemble does not exist in this version"}
    modes = list(ENSEMBLE_MODES)
    if "newton" in solvers:
        modes += [*NEWTON_MODES, *(NEWTON_OPTION_MODES if newton_options else ())]
    log(f"ensemble: {members} x {network}, {duration_h or 'full'} h, {len(modes)} ways")
    try:
        return measure_ensemble(members, workdir, network=network, duration_h=duration_h,
                                timeout_s=timeout_s, log=log, modes=modes,
                                newton_options=newton_options)  # fmt: skip
    except (EngineRunError, TwinError, OSError) as exc:
        return {"case": network, "members": members, "error": str(exc)}


def _predicted_too_long(case: Case, workdir, done: list[dict], timeout_s: float) -> str | None:
    if case.network != "district":
        return None
    ran = [c for c in done if c.get("swmm_s") or c.get("twin_s")]
    if not ran:
        return None
    big = max(ran, key=lambda c: c["conduits"])
    ratio = case.conduits / max(big["conduits"], 1) * (case.duration_h or 4.0) / big["duration_h"]
    worst = max(big.get("swmm_s") or 0.0, big.get("twin_s") or 0.0) * ratio
    if worst <= timeout_s:
        return None
    return (f"predicted {worst / 60:.0f} min per engine run from {big['case']} "
            f"(linear in conduits), over the {timeout_s / 60:.0f} min limit")  # fmt: skip


def _not_run(case: Case, workdir, reason: str) -> dict:
    return {
        "case": case.name, "description": case.description, "conduits": case.conduits,
        "links": None, "nodes": None, "duration_h": case.duration_h or 4.0,
        "twin_s": None, "swmm_s": None, "speedup": None, "agrees": False,
        "agreement": None, "error": f"not run: {reason}",
    }  # fmt: skip


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.2f}"
