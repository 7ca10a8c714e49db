"""A city's own model, run by twin and by EPA SWMM 5.2, compared element by element.

:func:`compare_with_swmm` is what `twin compare` prints: the project's agreement
criteria (:mod:`twin.validation.agreement`, the thresholds every test uses) with their
values, the verdict, and the elements that agree least, so an engineer who brings a
model sees at once whether the twin reproduces SWMM on it and where it does not.

:func:`judge` is the verdict on two result sets (ours, SWMM's): the criteria of
:func:`twin.validation.agreement.criteria`, the same the tests assert, with the
continuity rule of the tests that run a model through both engines
(``continuity="near_swmm"``): twin's flow-routing continuity error within 1 %, or,
where SWMM itself closes worse than 1 %, within 0.1 point of SWMM's.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import xarray as xr

from twin.validation.agreement import criteria

__all__ = ["compare_with_swmm", "judge"]


def _worst(ours: xr.Dataset, swmm: xr.Dataset, m, var: str, dim: str, top: int) -> list[dict]:
    """The ``top`` elements of ``var`` that agree least: those failing first, then by
    RMSE over SWMM's peak (an NSE is undefined where SWMM's series is constant)."""
    if var not in m.nse:
        return []
    a, b = xr.align(ours[var], swmm[var], join="inner")
    a = np.asarray(a.transpose("time", ...).values, np.float64)
    b = np.asarray(b.transpose("time", ...).values, np.float64)
    names = np.asarray(xr.align(ours, swmm, join="inner")[0][dim].values).astype(str)
    nse, rel, ok = m.nse[var], m.rmse_rel[var], m.agrees[var]
    order = np.lexsort((-np.nan_to_num(rel, nan=np.inf), ok))
    rows = []
    for i in order[:top]:
        rows.append({
            "name": str(names[i]),
            "agrees": bool(ok[i]),
            "nse": float(nse[i]) if np.isfinite(nse[i]) else None,
            "rmse_over_peak": float(rel[i]),
            "rmse": float(np.sqrt(np.mean((a[:, i] - b[:, i]) ** 2))),
            "peak_twin": float(np.max(np.abs(a[:, i]))),
            "peak_swmm": float(np.max(np.abs(b[:, i]))),
        })  # fmt: skip
    return rows


def judge(ours: xr.Dataset, swmm: xr.Dataset, *, top: int = 10) -> dict:
    """The agreement of ``ours`` with ``swmm`` (report-step results in SI, as
    :func:`twin.simulate` and :func:`twin.validation.swmm_run.run_swmm` return them).

    Returns
    -------
    dict
        ``agrees`` (every criterion met), ``criteria`` (list of ``criterion``,
        ``value``, ``threshold``, ``ok``, ``unit``), ``failed`` (the criteria not
        met), ``worst_nodes`` / ``worst_links`` / ``worst_subcatchments`` (name,
        agrees, NSE, RMSE over SWMM's peak, RMSE [m or m3/s], both peaks), and the
        counts ``n_times``, ``n_nodes``, ``n_links``, ``n_subcatchments``.
    """
    variables = [v for v in ("node_depth", "link_flow", "subcatchment_runoff")
                 if v in ours and v in swmm]  # fmt: skip
    crit, m = criteria(ours, swmm, variables, continuity="near_swmm")
    common = xr.align(ours, swmm, join="inner")[0]
    out: dict = {
        "n_times": int(common.sizes.get("time", 0)),
        "n_nodes": int(common.sizes.get("node", 0)),
        "n_links": int(common.sizes.get("link", 0)),
        "n_subcatchments": int(common.sizes.get("subcatchment", 0)),
    }
    out["criteria"] = crit
    out["failed"] = [c["criterion"] for c in crit if not c["ok"]]
    out["agrees"] = not out["failed"]
    out["worst_nodes"] = _worst(ours, swmm, m, "node_depth", "node", top)
    out["worst_links"] = _worst(ours, swmm, m, "link_flow", "link", top)
    out["worst_subcatchments"] = _worst(ours, swmm, m, "subcatchment_runoff", "subcatchment",
                                        top)  # fmt: skip
    return out


def compare_with_swmm(network, *, top: int = 10, workdir=None, **options) -> dict:
    """Run ``network`` (a bundled name or a SWMM ``.inp`` path) in twin and in EPA
    SWMM 5.2 (swmm-toolkit) and :func:`judge` the agreement.

    ``options`` go to :func:`twin.simulate` (e.g. ``solver="newton"``). The result
    adds ``file``, ``swmm_version``, ``twin_seconds`` and ``swmm_seconds`` (wall).
    """
    import twin
    from twin.validation.swmm_run import run_swmm

    net = twin.load_network(network)
    if not net.source:
        raise twin.InputError(f"{network}: EPA SWMM needs the model as a file", field="network")
    t0 = time.perf_counter()
    ours = twin.simulate(net, **options)
    t1 = time.perf_counter()
    ref = run_swmm(net.source, workdir=workdir)
    t2 = time.perf_counter()
    out = {"file": str(Path(net.source)), "swmm_version": _swmm_version(),
           "twin_seconds": t1 - t0, "swmm_seconds": t2 - t1}  # fmt: skip
    out.update(judge(ours.load(), ref.load(), top=top))
    return out


def _swmm_version() -> str:
    from swmm.toolkit import solver

    v = str(solver.swmm_get_version())  # e.g. 52004
    return f"{v[0]}.{v[1]}.{int(v[2:])}" if len(v) == 5 else v
