"""Agreement with EPA SWMM 5.2: the metrics and their thresholds, in ONE place.

Every test that compares our results with SWMM's calls :func:`assert_agrees`;
benchmarks call :func:`agreement_report`, which applies the same thresholds and
returns the numbers instead of raising, so that a fast-but-wrong run shows as
``ok: False``. Never loosen a threshold to make a test pass.

Datasets are aligned by element names and report times (inner join) and hold
``node_depth`` [m] on (time, node) and ``link_flow`` [m3/s] on (time, link), plus
optionally ``node_flooding`` [m3/s]; ``ours.attrs`` may carry
``flow_routing_continuity_error_percent``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

NSE_MIN = 0.95  # Nash-Sutcliffe efficiency of a hydrograph ...
RMSE_REL_MAX = 0.03  # ... or RMSE relative to SWMM's peak, whichever passes
AGREEING_FRACTION_MIN = 0.95  # of the nodes / links
PEAK_REL_P95_MAX = 0.05  # 95th percentile of the peak-flow relative error
PEAK_FLOOR_FRACTION = 0.01  # links whose peak is below this fraction of the largest are skipped
FLOOD_VOLUME_REL_MAX = 0.05  # total flooding volume relative error ...
FLOOD_VOLUME_ABS_MAX_M3 = 1.0  # ... or an absolute difference below 1 m3 (SWMM reports 0)
CONTINUITY_MAX_PERCENT = 1.0  # our routing continuity error
# A node SWMM keeps (nearly) dry has no hydrograph to score: it agrees when our depth
# stays within 1 mm of SWMM's (RMSE), the precision of a manhole depth reading.
DEPTH_ABS_FLOOR_M = 0.001


@dataclass
class Agreement:
    """Per-variable metrics: arrays per element and the summary numbers."""

    nse: dict[str, np.ndarray] = field(default_factory=dict)
    rmse_rel: dict[str, np.ndarray] = field(default_factory=dict)
    agrees: dict[str, np.ndarray] = field(default_factory=dict)
    fraction: dict[str, float] = field(default_factory=dict)
    peak_rel: dict[str, np.ndarray] = field(default_factory=dict)
    flood_volume: tuple[float, float] = (0.0, 0.0)  # (ours, SWMM) [m3]
    continuity_percent: float | None = None

    def summary(self) -> str:
        parts = []
        for v in self.nse:
            parts.append(
                f"{v}: worst NSE {np.nanmin(self.nse[v]):.4f}, worst RMSE/peak "
                f"{np.nanmax(self.rmse_rel[v]):.4f}, agreeing {100 * self.fraction[v]:.1f}%"
            )
            if v in self.peak_rel and self.peak_rel[v].size:
                pr = self.peak_rel[v]
                parts.append(
                    f"{v} peak error: median {100 * np.median(pr):.2f}%, "
                    f"95th {100 * np.percentile(pr, 95):.2f}%, max {100 * pr.max():.2f}%"
                )
        parts.append(
            f"flooding volume ours {self.flood_volume[0]:.1f} m3, "
            f"SWMM {self.flood_volume[1]:.1f} m3"
        )
        if self.continuity_percent is not None:
            parts.append(f"continuity error {self.continuity_percent:.3f}%")
        return "; ".join(parts)


def hydrograph_metrics(ours: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NSE and RMSE / max|ref| per column of two (time, element) arrays."""
    err = ours - ref
    sse = np.sum(err**2, axis=0)
    var = np.sum((ref - ref.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        nse = np.where(var > 0.0, 1.0 - sse / var, np.where(sse == 0.0, 1.0, -np.inf))
        peak = np.max(np.abs(ref), axis=0)
        rmse = np.sqrt(sse / max(len(ref), 1))
        rmse_rel = np.where(peak > 0.0, rmse / peak, np.where(rmse == 0.0, 0.0, np.inf))
    return nse, rmse_rel


def compare(
    ours: xr.Dataset,
    swmm: xr.Dataset,
    variables=("node_depth", "link_flow"),
    abs_floor: dict | None = None,
) -> Agreement:
    """Compute every agreement metric (no assertion).

    ``abs_floor`` optionally maps a variable to an absolute RMSE below which an
    element agrees whatever its NSE (e.g. nearly dry elements); default none.
    """
    ours, swmm = xr.align(ours, swmm, join="inner")
    out = Agreement()
    for v in variables:
        if v not in ours or v not in swmm:
            continue
        a = np.asarray(ours[v].transpose("time", ...).values, dtype=np.float64)
        b = np.asarray(swmm[v].transpose("time", ...).values, dtype=np.float64)
        nse, rmse_rel = hydrograph_metrics(a, b)
        ok = (nse >= NSE_MIN) | (rmse_rel <= RMSE_REL_MAX)
        floor = dict(abs_floor or {})
        floor.setdefault("node_depth", DEPTH_ABS_FLOOR_M)
        if v in floor:
            ok |= np.sqrt(np.mean((a - b) ** 2, axis=0)) <= floor[v]
        counted = np.ones(ok.shape, dtype=bool)
        if v == "link_flow":  # only significant links count (peak > 1 % of the largest)
            peak_ref = np.max(np.abs(b), axis=0)
            counted = peak_ref > PEAK_FLOOR_FRACTION * max(peak_ref.max(initial=0.0), 1e-12)
            ok = ok | ~counted
        out.nse[v], out.rmse_rel[v], out.agrees[v] = nse, rmse_rel, ok
        out.fraction[v] = float(ok[counted].mean()) if counted.any() else 1.0
        if v == "link_flow":
            peak_ref = np.max(np.abs(b), axis=0)
            peak_our = np.max(np.abs(a), axis=0)
            sel = peak_ref > PEAK_FLOOR_FRACTION * max(peak_ref.max(initial=0.0), 1e-12)
            out.peak_rel[v] = np.abs(peak_our[sel] - peak_ref[sel]) / peak_ref[sel]
    if "node_flooding" in ours and "node_flooding" in swmm:
        dt = _report_step_s(swmm)
        out.flood_volume = (
            float(ours["node_flooding"].sum()) * dt,
            float(swmm["node_flooding"].sum()) * dt,
        )
    c = ours.attrs.get("flow_routing_continuity_error_percent")
    out.continuity_percent = None if c is None else float(c)
    return out


def _report_step_s(ds: xr.Dataset) -> float:
    t = ds["time"].values
    if len(t) < 2:
        return 0.0
    return float((t[1] - t[0]) / np.timedelta64(1, "s"))


def assert_agrees(
    ours: xr.Dataset,
    swmm: xr.Dataset,
    variables=("node_depth", "link_flow"),
    abs_floor: dict | None = None,
    check_continuity: bool = True,
) -> Agreement:
    """Assert the project's agreement thresholds; return the metrics for reporting.

    ``check_continuity=False`` leaves the continuity check to the caller (for inputs on
    which SWMM itself closes worse than 1 %).
    """
    m = compare(ours, swmm, variables, abs_floor)
    msg = m.summary()
    for v, frac in m.fraction.items():
        bad = np.flatnonzero(~m.agrees[v])
        names = ours[v].dims[-1]
        assert frac >= AGREEING_FRACTION_MIN, (
            f"{v}: only {100 * frac:.1f}% of {names}s agree "
            f"(failing: {list(np.asarray(xr.align(ours, swmm, join='inner')[0][names])[bad])}); "
            f"{msg}"
        )
    for v, pr in m.peak_rel.items():
        assert pr.size == 0 or np.percentile(pr, 95) <= PEAK_REL_P95_MAX, (
            f"{v}: 95th-percentile peak error too large; {msg}"
        )
    ours_fv, swmm_fv = m.flood_volume
    if swmm_fv > 0.0 or ours_fv > 0.0:
        ref = max(swmm_fv, 1e-9)
        diff = abs(ours_fv - swmm_fv)
        assert diff / ref <= FLOOD_VOLUME_REL_MAX or diff <= FLOOD_VOLUME_ABS_MAX_M3, (
            f"flooding volume: {msg}"
        )
    if check_continuity and m.continuity_percent is not None:
        assert abs(m.continuity_percent) <= CONTINUITY_MAX_PERCENT, f"continuity: {msg}"
    return m


def agreement_report(ours: xr.Dataset, swmm: xr.Dataset) -> dict:
    """Every agreement number and the overall verdict, without raising.

    Returns
    -------
    dict
        ``ok`` (every criterion met), ``node_depth_agree_frac``,
        ``link_flow_agree_frac`` (fractions of nodes / significant links that agree),
        ``peak_flow_err_p95`` (relative), ``flood_volume_m3`` ([ours, SWMM]),
        ``flood_volume_err`` (relative, None when neither engine floods),
        ``continuity_error`` (ours, percent), ``swmm_continuity_error`` (for context),
        ``n_times``, ``n_nodes``, ``n_links``, and ``failed`` (criteria not met).
    """
    a_ds, _ = xr.align(ours, swmm, join="inner")
    m = compare(ours, swmm)
    failed = []
    rep: dict = {"n_times": int(a_ds.sizes.get("time", 0))}
    rep["n_nodes"] = int(a_ds.sizes.get("node", 0))
    pr = m.peak_rel.get("link_flow", np.zeros(0))
    rep["n_links"] = int(pr.size)
    for key, var in (
        ("node_depth_agree_frac", "node_depth"),
        ("link_flow_agree_frac", "link_flow"),
    ):
        rep[key] = float(m.fraction.get(var, 0.0))
        if not rep[key] >= AGREEING_FRACTION_MIN:
            failed.append(key)
    rep["peak_flow_err_p95"] = float(np.percentile(pr, 95)) if pr.size else 0.0
    if not rep["peak_flow_err_p95"] <= PEAK_REL_P95_MAX:
        failed.append("peak_flow_err_p95")
    ours_fv, swmm_fv = m.flood_volume
    rep["flood_volume_m3"] = [ours_fv, swmm_fv]
    rep["flood_volume_err"] = None
    if ours_fv > 0.0 or swmm_fv > 0.0:
        diff = abs(ours_fv - swmm_fv)
        rep["flood_volume_err"] = diff / max(swmm_fv, 1e-9)
        if not (rep["flood_volume_err"] <= FLOOD_VOLUME_REL_MAX or diff <= FLOOD_VOLUME_ABS_MAX_M3):
            failed.append("flood_volume_err")
    rep["continuity_error"] = m.continuity_percent
    c_ref = swmm.attrs.get("flow_routing_continuity_error_percent")
    rep["swmm_continuity_error"] = None if c_ref is None else float(c_ref)
    if m.continuity_percent is not None and not abs(m.continuity_percent) <= CONTINUITY_MAX_PERCENT:
        failed.append("continuity_error")
    if rep["n_times"] == 0:
        failed.append("no common report times")
    rep["failed"] = failed
    rep["ok"] = not failed
    return rep
