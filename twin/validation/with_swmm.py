"""A city's own model, run by twin and by EPA SWMM 5.2, compared element by element.

:func:`compare_with_swmm` is what `twin compare` prints: the project's agreement
criteria (:mod:`twin.validation.agreement`, the thresholds every test uses) with their
values, the verdict, and the elements that agree least, so an engineer who brings a
model sees at once whether the twin reproduces SWMM on it and where it does not.

:func:`judge` is the verdict on two result sets (ours, SWMM's); the continuity rule is
the one of the project's agreement tests: twin's flow-routing continuity error within
1 %, or, where SWMM itself closes worse than 1 %, within 0.1 point of SWMM's.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import xarray as xr

from twin.validation.agreement import (
    AGREEING_FRACTION_MIN,
    CONTINUITY_MAX_PERCENT,
    FLOOD_VOLUME_ABS_MAX_M3,
    FLOOD_VOLUME_REL_MAX,
    NSE_MIN,
    PEAK_REL_P95_MAX,
    RMSE_REL_MAX,
    compare,
)

__all__ = ["compare_with_swmm", "judge"]

#: how close twin's continuity error must be to SWMM's where SWMM's own exceeds 1 % [points]
CONTINUITY_NEAR_SWMM_POINTS = 0.1

_CONTINUITY = "flow_routing_continuity_error_percent"


def _criterion(name, value, threshold, ok, unit=""):
    return {"criterion": name, "value": value, "threshold": threshold, "ok": bool(ok),
            "unit": unit}  # fmt: skip


def _continuity(ours: xr.Dataset, swmm: xr.Dataset) -> dict:
    c_ours = ours.attrs.get(_CONTINUITY)
    c_swmm = swmm.attrs.get(_CONTINUITY)
    if c_ours is None:
        return _criterion("flow routing continuity error", None, "not reported", False, "%")
    c_ours = float(c_ours)
    if c_swmm is not None and abs(float(c_swmm)) > CONTINUITY_MAX_PERCENT:
        ok = abs(c_ours - float(c_swmm)) <= CONTINUITY_NEAR_SWMM_POINTS
        limit = (f"within {CONTINUITY_NEAR_SWMM_POINTS} point of SWMM's {float(c_swmm):.3f} %,"
                 f" SWMM's own beyond {CONTINUITY_MAX_PERCENT:g} %")  # fmt: skip
        return _criterion("flow routing continuity error", c_ours, limit, ok, "%")
    limit = f"|error| <= {CONTINUITY_MAX_PERCENT:g} %; SWMM's {c_swmm} %"
    return _criterion("flow routing continuity error", c_ours, limit,
                      abs(c_ours) <= CONTINUITY_MAX_PERCENT, "%")  # fmt: skip


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
    m = compare(ours, swmm, variables)
    common = xr.align(ours, swmm, join="inner")[0]
    out: dict = {
        "n_times": int(common.sizes.get("time", 0)),
        "n_nodes": int(common.sizes.get("node", 0)),
        "n_links": int(common.sizes.get("link", 0)),
        "n_subcatchments": int(common.sizes.get("subcatchment", 0)),
    }
    rule = f">= {100 * AGREEING_FRACTION_MIN:g} % with NSE >= {NSE_MIN} or RMSE <= {100 * RMSE_REL_MAX:g} % of the peak"  # noqa: E501
    crit = []
    for var, label in (("node_depth", "nodes whose depth agrees"),
                       ("link_flow", "links whose flow agrees"),
                       ("subcatchment_runoff", "subcatchments whose runoff agrees")):  # fmt: skip
        if var in m.fraction:
            frac = m.fraction[var]
            crit.append(_criterion(label, 100 * frac, rule, frac >= AGREEING_FRACTION_MIN, "%"))
    pr = m.peak_rel.get("link_flow", np.zeros(0))
    p95 = float(np.percentile(pr, 95)) if pr.size else 0.0
    crit.append(_criterion("peak link flow error, 95th percentile", 100 * p95,
                           f"<= {100 * PEAK_REL_P95_MAX:g} %", p95 <= PEAK_REL_P95_MAX,
                           "%"))  # fmt: skip
    ours_fv, swmm_fv = m.flood_volume
    diff = abs(ours_fv - swmm_fv)
    crit.append(_criterion(
        "flooding volume, twin / SWMM", [ours_fv, swmm_fv],
        f"within {100 * FLOOD_VOLUME_REL_MAX:g} % or {FLOOD_VOLUME_ABS_MAX_M3:g} m3",
        diff <= FLOOD_VOLUME_ABS_MAX_M3 or diff <= FLOOD_VOLUME_REL_MAX * swmm_fv,
        "m3"))  # fmt: skip
    crit.append(_continuity(ours, swmm))
    if out["n_times"] == 0:
        crit.append(_criterion("common report times", 0, ">= 1", False))
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
