"""Agreement with EPA SWMM 5.2 as one summary dict (for benchmarks and reports).

:func:`agreement_report` applies the project's acceptance thresholds (the same
numbers as ``tests/agreement.py``, which the test suite asserts) and returns the
summary numbers instead of raising, so that a benchmark can show a fast-but-wrong
run as ``ok: False``.

Both datasets hold ``node_depth`` [m] on (time, node) and ``link_flow`` [m3/s] on
(time, link), optionally ``node_flooding`` [m3/s]; they are aligned on element names
and report times (inner join).  ``ours.attrs`` may carry
``flow_routing_continuity_error_percent``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["THRESHOLDS", "agreement_report", "hydrograph_metrics"]

THRESHOLDS = dict(
    nse_min=0.95,  # Nash-Sutcliffe efficiency of a hydrograph ...
    rmse_rel_max=0.03,  # ... or RMSE relative to SWMM's peak, whichever passes
    agreeing_fraction_min=0.95,  # of the nodes and of the significant links
    peak_floor_fraction=0.01,  # links whose peak is below this fraction of the largest skip
    peak_rel_p95_max=0.05,  # 95th percentile of the peak-flow relative error
    flood_volume_rel_max=0.05,  # total flooding volume relative error
    continuity_max_percent=1.0,  # our flow routing continuity error
)


def hydrograph_metrics(ours: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NSE and RMSE / max|ref| per column of two ``(time, element)`` arrays."""
    err = ours - ref
    sse = np.sum(err**2, axis=0)
    var = np.sum((ref - ref.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        nse = np.where(var > 0.0, 1.0 - sse / var, np.where(sse == 0.0, 1.0, -np.inf))
        peak = np.max(np.abs(ref), axis=0)
        rmse = np.sqrt(sse / max(len(ref), 1))
        rmse_rel = np.where(peak > 0.0, rmse / peak, np.where(rmse == 0.0, 0.0, np.inf))
    return nse, rmse_rel


def _values(ds: xr.Dataset, name: str) -> np.ndarray:
    return np.asarray(ds[name].transpose("time", ...).values, dtype=np.float64)


def _report_step_s(ds: xr.Dataset) -> float:
    t = ds["time"].values
    return float((t[1] - t[0]) / np.timedelta64(1, "s")) if len(t) > 1 else 0.0


def agreement_report(ours: xr.Dataset, swmm: xr.Dataset, thresholds: dict | None = None) -> dict:
    """Compare our results with SWMM's; every number and the overall verdict.

    Parameters
    ----------
    ours, swmm : xarray.Dataset
        Results of twin and of SWMM 5.2 on the same input (SI units).
    thresholds : dict, optional
        Overrides of :data:`THRESHOLDS` (for experiments; the defaults are the
        project's acceptance criteria).

    Returns
    -------
    dict
        ``ok`` (bool: every criterion met), ``node_depth_agree_frac``,
        ``link_flow_agree_frac`` (fractions of nodes / significant links whose
        hydrograph has NSE >= 0.95 or RMSE <= 3 % of SWMM's peak),
        ``peak_flow_err_p95`` (relative), ``flood_volume_err`` (relative, ``None``
        when neither engine floods), ``flood_volume_m3`` ([ours, SWMM]),
        ``continuity_error`` (our percent, ``None`` if unknown; SWMM's own in
        ``swmm_continuity_error``, for context, not judged), ``n_times``,
        ``n_nodes``, ``n_links`` (compared), and ``failed`` (names of the criteria
        that failed).
    """
    th = dict(THRESHOLDS, **(thresholds or {}))
    keep = [v for v in ("node_depth", "link_flow", "node_flooding") if v in ours and v in swmm]
    a_ds, b_ds = xr.align(ours[keep], swmm[keep], join="inner")
    rep: dict = {"n_times": int(a_ds.sizes.get("time", 0))}
    failed = []

    def agree(a, b):
        nse, rmse_rel = hydrograph_metrics(a, b)
        return (nse >= th["nse_min"]) | (rmse_rel <= th["rmse_rel_max"])

    if "node_depth" in keep and a_ds.sizes["time"] > 0:
        ok = agree(_values(a_ds, "node_depth"), _values(b_ds, "node_depth"))
        rep["n_nodes"] = int(ok.size)
        rep["node_depth_agree_frac"] = float(ok.mean()) if ok.size else 1.0
    else:
        rep["n_nodes"], rep["node_depth_agree_frac"] = 0, 0.0
    if "link_flow" in keep and a_ds.sizes["time"] > 0:
        a, b = _values(a_ds, "link_flow"), _values(b_ds, "link_flow")
        peak_ref = np.max(np.abs(b), axis=0)
        sel = peak_ref > th["peak_floor_fraction"] * max(peak_ref.max(initial=0.0), 1e-12)
        ok = agree(a[:, sel], b[:, sel])
        rep["n_links"] = int(sel.sum())
        rep["link_flow_agree_frac"] = float(ok.mean()) if ok.size else 1.0
        peak_our = np.max(np.abs(a[:, sel]), axis=0)
        err = np.abs(peak_our - peak_ref[sel]) / peak_ref[sel]
        rep["peak_flow_err_p95"] = float(np.percentile(err, 95)) if err.size else 0.0
    else:
        rep["n_links"], rep["link_flow_agree_frac"], rep["peak_flow_err_p95"] = 0, 0.0, np.inf
    for key in ("node_depth_agree_frac", "link_flow_agree_frac"):
        if not rep[key] >= th["agreeing_fraction_min"]:
            failed.append(key)
    if not rep["peak_flow_err_p95"] <= th["peak_rel_p95_max"]:
        failed.append("peak_flow_err_p95")

    rep["flood_volume_m3"] = [0.0, 0.0]
    rep["flood_volume_err"] = None
    if "node_flooding" in keep:
        dt = _report_step_s(b_ds)
        fv = [float(a_ds["node_flooding"].sum()) * dt, float(b_ds["node_flooding"].sum()) * dt]
        rep["flood_volume_m3"] = fv
        if fv[0] > 0.0 or fv[1] > 0.0:
            rep["flood_volume_err"] = abs(fv[0] - fv[1]) / max(fv[1], 1e-9)
            if not rep["flood_volume_err"] <= th["flood_volume_rel_max"]:
                failed.append("flood_volume_err")

    c = ours.attrs.get("flow_routing_continuity_error_percent")
    rep["continuity_error"] = None if c is None else float(c)
    c_ref = swmm.attrs.get("flow_routing_continuity_error_percent")
    rep["swmm_continuity_error"] = None if c_ref is None else float(c_ref)
    if c is not None and not abs(float(c)) <= th["continuity_max_percent"]:
        failed.append("continuity_error")
    if rep["n_times"] == 0:
        failed.append("no common report times")
    rep["failed"] = failed
    rep["ok"] = not failed
    return rep
