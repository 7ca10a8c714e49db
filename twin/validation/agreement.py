"""Agreement with EPA SWMM 5.2: the metrics, their thresholds and the verdict, in ONE place.

:func:`criteria` is the one verdict: each criterion (nodes' depths, links' flows,
subcatchments' runoff, the 95th-percentile peak-flow error, flooding volume, continuity,
common report times) with its value, threshold and whether it is met.  Every test that
compares our results with SWMM's calls :func:`assert_agrees` (raises on the first
criterion not met); benchmarks call :func:`agreement_report` (the numbers, so that a
fast-but-wrong run shows as ``ok: False``); `twin compare` and the public-model sweep
call :func:`twin.validation.with_swmm.judge` (the criteria and the worst elements): all
three read :func:`criteria`.  Never loosen a threshold to make a test pass.

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


CONTINUITY_MODES = ("absolute", "near_swmm", "off")
#: how close twin's continuity error must be to SWMM's where SWMM's own exceeds 1 % [points]
CONTINUITY_NEAR_SWMM_POINTS = 0.1
_CONTINUITY = "flow_routing_continuity_error_percent"
_LABELS = {  # variable -> (criterion, key of agreement_report)
    "node_depth": ("nodes whose depth agrees", "node_depth_agree_frac"),
    "link_flow": ("links whose flow agrees", "link_flow_agree_frac"),
    "subcatchment_runoff": ("subcatchments whose runoff agrees",
                            "subcatchment_runoff_agree_frac"),
}  # fmt: skip


def _criterion(key, name, value, threshold, ok, unit=""):
    return {"key": key, "criterion": name, "value": value, "threshold": threshold,
            "ok": bool(ok), "unit": unit}  # fmt: skip


def _continuity(ours: xr.Dataset, swmm: xr.Dataset, mode: str) -> list[dict]:
    """Twin's flow-routing continuity error: within 1 % (``absolute``); or, where SWMM's
    own is beyond 1 %, within 0.1 point of SWMM's (``near_swmm``); unchecked when off or
    not reported."""
    c_ours = ours.attrs.get(_CONTINUITY)
    if mode == "off" or c_ours is None:
        return []
    c_ours, c_swmm = float(c_ours), swmm.attrs.get(_CONTINUITY)
    name = "flow routing continuity error"
    if mode == "near_swmm" and c_swmm is not None and abs(float(c_swmm)) > CONTINUITY_MAX_PERCENT:
        limit = (f"within {CONTINUITY_NEAR_SWMM_POINTS} point of SWMM's {float(c_swmm):.3f} %,"
                 f" SWMM's own beyond {CONTINUITY_MAX_PERCENT:g} %")  # fmt: skip
        ok = abs(c_ours - float(c_swmm)) <= CONTINUITY_NEAR_SWMM_POINTS
        return [_criterion("continuity_error", name, c_ours, limit, ok, "%")]
    limit = f"|error| <= {CONTINUITY_MAX_PERCENT:g} %; SWMM's {c_swmm} %"
    ok = abs(c_ours) <= CONTINUITY_MAX_PERCENT
    return [_criterion("continuity_error", name, c_ours, limit, ok, "%")]


def criteria(
    ours: xr.Dataset,
    swmm: xr.Dataset,
    variables=("node_depth", "link_flow"),
    abs_floor: dict | None = None,
    continuity: str = "absolute",
    required=(),
) -> tuple[list[dict], Agreement]:
    """The verdict on ``ours`` against ``swmm``: every criterion and the metrics.

    Parameters
    ----------
    variables : sequence of str
        Hydrographs scored (those missing from either dataset are skipped, unless named
        in ``required``, when their criterion fails).
    abs_floor : dict, optional
        See :func:`compare`.
    continuity : {"absolute", "near_swmm", "off"}
        Twin's continuity error within 1 %; ``near_swmm``: or, where SWMM's own is beyond
        1 %, within 0.1 point of SWMM's (instead); ``off``: not checked.

    Returns
    -------
    (list of dict, Agreement)
        Each criterion: ``key`` (short name), ``criterion`` (its words), ``value``,
        ``threshold`` (words), ``ok``, ``unit``; in the order the tests check them.
    """
    if continuity not in CONTINUITY_MODES:
        raise ValueError(f"continuity must be one of {CONTINUITY_MODES}, got {continuity!r}")
    m = compare(ours, swmm, variables, abs_floor)
    rule = (f">= {100 * AGREEING_FRACTION_MIN:g} % with NSE >= {NSE_MIN} or RMSE <= "
            f"{100 * RMSE_REL_MAX:g} % of the peak")  # fmt: skip
    out = []
    for var in dict.fromkeys([*variables, *required]):
        name, key = _LABELS.get(var, (f"{var} agrees", f"{var}_agree_frac"))
        if var in m.fraction:
            frac = m.fraction[var]
            out.append(_criterion(key, name, 100 * frac, rule, frac >= AGREEING_FRACTION_MIN, "%"))
        elif var in required:
            out.append(_criterion(key, name, None, f"{rule} (not in both results)", False, "%"))
    pr = m.peak_rel.get("link_flow", np.zeros(0))
    p95 = float(np.percentile(pr, 95)) if pr.size else 0.0
    out.append(_criterion("peak_flow_err_p95", "peak link flow error, 95th percentile",
                          100 * p95, f"<= {100 * PEAK_REL_P95_MAX:g} %",
                          p95 <= PEAK_REL_P95_MAX, "%"))  # fmt: skip
    ours_fv, swmm_fv = m.flood_volume
    diff = abs(ours_fv - swmm_fv)
    flood_ok = (ours_fv == 0.0 and swmm_fv == 0.0) or diff <= FLOOD_VOLUME_ABS_MAX_M3 or (
        diff / max(swmm_fv, 1e-9) <= FLOOD_VOLUME_REL_MAX)  # fmt: skip
    out.append(_criterion(
        "flood_volume_err", "flooding volume, twin / SWMM", [ours_fv, swmm_fv],
        f"within {100 * FLOOD_VOLUME_REL_MAX:g} % or {FLOOD_VOLUME_ABS_MAX_M3:g} m3", flood_ok,
        "m3"))  # fmt: skip
    out += _continuity(ours, swmm, continuity)
    if not xr.align(ours, swmm, join="inner")[0].sizes.get("time", 0):
        out.append(_criterion("no common report times", "common report times", 0, ">= 1", False))
    return out, m


def assert_agrees(
    ours: xr.Dataset,
    swmm: xr.Dataset,
    variables=("node_depth", "link_flow"),
    abs_floor: dict | None = None,
    check_continuity: bool = True,
    continuity: str | None = None,
) -> Agreement:
    """Assert the project's agreement criteria (:func:`criteria`); return the metrics.

    ``check_continuity=False`` leaves the continuity check to the caller;
    ``continuity`` (``"absolute"``, ``"near_swmm"``, ``"off"``) says which rule applies,
    instead (see :func:`criteria`).
    """
    if continuity is None:
        continuity = "absolute" if check_continuity else "off"
    crit, m = criteria(ours, swmm, variables, abs_floor, continuity)
    msg = m.summary()
    for c in crit:
        if c["ok"]:
            continue
        var = c["key"].removesuffix("_agree_frac")
        if var in m.fraction:
            names = ours[var].dims[-1]
            bad = list(np.asarray(xr.align(ours, swmm, join="inner")[0][names])[~m.agrees[var]])
            raise AssertionError(f"{var}: only {100 * m.fraction[var]:.1f}% of {names}s agree "
                                 f"(failing: {bad}); {msg}")  # fmt: skip
        words = {"peak_flow_err_p95": "link_flow: 95th-percentile peak error too large",
                 "flood_volume_err": "flooding volume",
                 "continuity_error": "continuity"}  # fmt: skip
        raise AssertionError(f"{words.get(c['key'], c['criterion'])}: {msg}")
    return m


def agreement_report(ours: xr.Dataset, swmm: xr.Dataset) -> dict:
    """Every agreement number and the overall verdict (:func:`criteria`), without raising.

    Returns
    -------
    dict
        ``ok`` (every criterion met), ``node_depth_agree_frac``,
        ``link_flow_agree_frac`` (fractions of nodes / significant links that agree),
        ``peak_flow_err_p95`` (relative), ``flood_volume_m3`` ([ours, SWMM]),
        ``flood_volume_err`` (relative, None when neither engine floods),
        ``continuity_error`` (ours, percent), ``swmm_continuity_error`` (for context),
        ``n_times``, ``n_nodes``, ``n_links``, and ``failed`` (keys of the criteria not
        met).
    """
    crit, m = criteria(ours, swmm, required=("node_depth", "link_flow"))
    a_ds = xr.align(ours, swmm, join="inner")[0]
    pr = m.peak_rel.get("link_flow", np.zeros(0))
    rep: dict = {"n_times": int(a_ds.sizes.get("time", 0)),
                 "n_nodes": int(a_ds.sizes.get("node", 0)), "n_links": int(pr.size)}  # fmt: skip
    rep["node_depth_agree_frac"] = float(m.fraction.get("node_depth", 0.0))
    rep["link_flow_agree_frac"] = float(m.fraction.get("link_flow", 0.0))
    rep["peak_flow_err_p95"] = float(np.percentile(pr, 95)) if pr.size else 0.0
    ours_fv, swmm_fv = m.flood_volume
    rep["flood_volume_m3"] = [ours_fv, swmm_fv]
    rep["flood_volume_err"] = None
    if ours_fv > 0.0 or swmm_fv > 0.0:
        rep["flood_volume_err"] = abs(ours_fv - swmm_fv) / max(swmm_fv, 1e-9)
    rep["continuity_error"] = m.continuity_percent
    c_ref = swmm.attrs.get(_CONTINUITY)
    rep["swmm_continuity_error"] = None if c_ref is None else float(c_ref)
    rep["failed"] = [c["key"] for c in crit if not c["ok"]]
    rep["ok"] = not rep["failed"]
    return rep
