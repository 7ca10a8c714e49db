"""A twin experiment: the operational twin against a truth it does not know.

The truth is EPA SWMM 5.2 (swmm-toolkit) on the same network with more rain than the
gauges saw (``rain_factor``, 1.2-1.4) and some pipes rougher and partly blocked.  A
few manholes carry depth sensors that read the truth with noise (and, optionally,
faults: a 10 % bias, a 2 cm/h drift, a stuck value, six times the noise).  The twin
knows only the network, the gauge rain and the readings.  The scores:

- ``analysis_rmse``: depth RMSE at wet manholes without a sensor, analysis vs truth;
- ``forecast_rmse_30``, ``forecast_rmse_60``: depth RMSE of the forecast mean at
  30 and 60 minutes' lead at wet manholes;
- ``pod``, ``far``, ``median_lead_min``: manhole-overflow warnings against the
  truth's floods (:func:`warning_scores`: a warning is a ``new`` message, an update is
  not a warning; it is false when its manhole does not flood within the horizon after
  it was raised; a flood is detected when a warning for its manhole was raised within
  the horizon before it began, the lead counted from the earliest);
- ``fault_auc``: ROC AUC of the sensors' QC scores, faulty against sound readings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.networks.units import FT_TO_M  # noqa: F401  (units documented in SI)
from twin.ops.sensors import ElementKind, Quantity, Sensor, SensorSet
from twin.scenarios.modify import block_links, copy_network, scale_rainfall


@dataclass
class Experiment:
    """One truth, its depth sensors and their readings (made by :func:`experiment`).

    Attributes
    ----------
    model : Network
        What the twin knows (the network with the gauge rain).
    truth : xarray.Dataset
        SWMM's results on the truth network, every minute.
    sensor_nodes : (k,) int
        Node positions of the sensors, in sensor order.
    sensors : SensorSet
    times : (t,) datetime64[s]
    values : (t, k) float64
        Readings [m] of each sensor at each time.
    faulty : (t, k) bool
        Where a reading comes from a sensor fault.
    """

    model: object
    truth: object
    sensor_nodes: np.ndarray
    sensors: SensorSet
    times: np.ndarray
    values: np.ndarray
    faulty: np.ndarray

    def rows(self, minutes=None) -> list:
        """The readings as ``(time, sensor id, value)`` rows; only those of the first
        ``minutes`` after the first reading when given."""
        t, y = self.times, self.values
        if minutes is not None:
            keep = t <= t[0] + np.timedelta64(int(minutes), "m")
            t, y = t[keep], y[keep]
        return rows_of(t, y, self.sensors)


def make_truth_network(net, rain_factor=1.3, n_rough=4, rough_factor=1.6, n_block=2,
                       block=0.5, seed=0):  # fmt: skip
    """The truth: more rain, rougher pipes, partly blocked pipes (chosen by ``seed``
    among the conduits that carry water from more than one manhole)."""
    truth = scale_rainfall(copy_network(net), rain_factor)
    rough, blocked = truth_pipes(net, n_rough, n_block, seed)
    truth.links.roughness[rough] *= rough_factor
    names = [str(net.links.name[j]) for j in blocked]
    if names:
        truth = block_links(truth, dict.fromkeys(names, block))
    return truth


def truth_pipes(net, n_rough=4, n_block=2, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """The link positions :func:`make_truth_network` makes rougher and blocks (chosen by
    ``seed`` among the conduits that carry water from more than one manhole)."""
    rng = np.random.default_rng(seed)
    conduits = np.flatnonzero(np.asarray(net.links.kind) == 0)
    n_up = np.bincount(np.asarray(net.links.to_node), minlength=net.n_nodes)
    inner = conduits[n_up[np.asarray(net.links.from_node)[conduits]] > 0]
    pool = inner if len(inner) >= n_rough + n_block else conduits
    pick = rng.choice(pool, size=min(len(pool), n_rough + n_block), replace=False)
    return pick[:n_rough], pick[n_rough:]


def run_truth(truth_net, sample_s=60, workdir=None):
    """SWMM 5.2 on ``truth_net``, sampled every ``sample_s`` seconds."""
    import tempfile
    from pathlib import Path

    from twin.validation.swmm_run import run_swmm

    net = copy_network(truth_net)
    h, rem = divmod(int(sample_s), 3600)
    net.options["REPORT_STEP"] = f"{h:02d}:{rem // 60:02d}:{rem % 60:02d}"
    with tempfile.TemporaryDirectory(prefix="twin-truth-", dir=workdir) as d:
        path = Path(d) / "truth.inp"
        net.to_inp(path)
        return run_swmm(path).load()


def choose_sensor_nodes(net, truth, k, seed=0, min_depth_m=0.1):
    """``k`` manholes that get wet in the truth, spread over the network (greedy
    farthest-first in links from a random start)."""
    from twin.ops.localize import GraphDistance

    rng = np.random.default_rng(seed)
    junction = np.asarray(net.nodes.kind) == 0
    wet = np.flatnonzero(junction & (truth.node_depth.max("time").values > min_depth_m))
    dist = GraphDistance.of_network(net, "links")
    chosen = [int(rng.choice(wet))]
    d = dist.from_nodes(chosen, np.inf)[0][0]
    while len(chosen) < min(k, len(wet)):
        cand = wet[np.argmax(np.where(np.isin(wet, chosen), -1, d[wet]))]
        chosen.append(int(cand))
        d = np.minimum(d, dist.from_nodes([cand], np.inf)[0][0])
    return np.array(chosen, dtype=np.int64)


def sensor_set(net, nodes, sd=0.01) -> SensorSet:
    return SensorSet([
        Sensor(f"L{k:02d}", ElementKind.NODE, str(net.nodes.name[i]), int(i), Quantity.DEPTH, sd)
        for k, i in enumerate(nodes)
    ])  # fmt: skip


FAULTS = ("bias", "drift", "stuck", "noise")


def readings(truth, nodes, sd, seed=0, faults=None, fault_start_s=0.0, sign=1.0):
    """Sensor readings of the truth: ``(times (datetime64[s]), values (t, k), faulty (t, k))``.

    ``faults`` maps a sensor position to ``bias`` (+10 %), ``drift`` (+2 cm/h),
    ``stuck`` (the value at the fault's start) or ``noise`` (sd x 6), from
    ``fault_start_s`` after the start on; ``sign`` -1 mirrors the offset faults
    downward (bias -10 %, drift -2 cm/h; the same random draws).
    """
    rng = np.random.default_rng(seed)
    t = truth.time.values.astype("datetime64[s]")
    t_s = (t - t[0]).astype(np.int64).astype(float) + float(truth.attrs.get("_offset_s", 0.0))
    true = truth.node_depth.values[:, nodes]
    y = true + rng.normal(0.0, sd, true.shape)
    faulty = np.zeros(true.shape, bool)
    for k, kind in (faults or {}).items():
        on = t_s >= fault_start_s
        faulty[on, k] = True
        if kind == "bias":
            y[on, k] = true[on, k] * (1.0 + 0.10 * sign) + rng.normal(0.0, sd, on.sum())
        elif kind == "drift":
            y[on, k] += sign * 0.02 * (t_s[on] - fault_start_s) / 3600.0
        elif kind == "stuck":
            y[on, k] = y[np.argmax(on), k]
        elif kind == "noise":
            y[on, k] = true[on, k] + rng.normal(0.0, 6.0 * sd, on.sum())
        else:
            raise ValueError(f"unknown fault {kind!r}")
    return t, np.maximum(y, 0.0), faulty


def experiment(
    model,
    n_sensors,
    seed,
    rain_factor=1.3,
    sd=0.01,
    faults=None,
    fault_start_s=0.0,
    workdir=None,
    sign=1.0,
) -> Experiment:
    """The truth of ``model`` (:func:`make_truth_network` with ``rain_factor`` and
    ``seed``, run in SWMM with a one-minute sample), ``n_sensors`` depth sensors chosen
    on it (:func:`choose_sensor_nodes`) and their readings with noise ``sd`` [m] and
    ``faults`` of ``sign`` (:func:`readings`)."""
    truth = run_truth(make_truth_network(model, rain_factor, seed=seed), 60, workdir=workdir)
    nodes = choose_sensor_nodes(model, truth, n_sensors, seed=seed)
    sensors = sensor_set(model, nodes, sd)
    t, y, faulty = readings(truth, nodes, sd, seed=seed, faults=faults,
                            fault_start_s=fault_start_s, sign=sign)  # fmt: skip
    return Experiment(model, truth, nodes, sensors, t, y, faulty)


def run_watch(model, ex: Experiment, **twin_kwargs):
    """Replay experiment ``ex``'s readings through a :class:`~twin.ops.watch.Twin` of
    ``model`` (``twin_kwargs``: members, seed, assimilation, filter_settings, ...) in a
    temporary output folder: ``(twin, analysis, forecasts, wall_s)``, the two datasets
    loaded before the folder goes."""
    import tempfile
    import time
    from pathlib import Path

    import xarray as xr

    from twin.ops.watch import Twin

    with tempfile.TemporaryDirectory() as outdir:
        t0 = time.perf_counter()
        tw = Twin(model, ex.sensors, outdir, **twin_kwargs)
        tw.ingest(ex.rows(), "benchmark")
        tw.run()
        wall = time.perf_counter() - t0
        an = xr.open_dataset(Path(outdir) / "analysis.nc").load()
        fc = xr.open_dataset(Path(outdir) / "forecasts.nc").load()
    return tw, an, fc, wall


def rows_of(times, values, sensors) -> list:
    return [
        (times[i], sensors.ids[k], float(values[i, k]))
        for i in range(len(times))
        for k in range(values.shape[1])
        if np.isfinite(values[i, k])
    ]


# -- scores ----------------------------------------------------------------------------
def depth_rmse(a, b) -> float:
    return float(np.sqrt(np.nanmean((np.asarray(a) - np.asarray(b)) ** 2)))


def wet_manholes(net, truth, exclude=(), min_depth_m=0.05) -> np.ndarray:
    junction = np.asarray(net.nodes.kind) == 0
    wet = junction & (truth.node_depth.max("time").values > min_depth_m)
    wet[list(exclude)] = False
    return np.flatnonzero(wet)


def analysis_rmse(analysis, truth, nodes) -> float:
    tr = truth.node_depth.sel(time=analysis.time.values, method="nearest").values[:, nodes]
    return depth_rmse(analysis.node_depth.values[:, nodes], tr)


def forecast_rmse(forecasts, truth, nodes, lead_min, until=None) -> float:
    """Depth RMSE [m] of the forecast mean at ``lead_min`` minutes' lead against the
    truth at ``nodes``, over the cycles whose valid time is within the truth and, when
    given, not after ``until`` (the twin's last simulated time: a forecast member holds
    its last state at leads past its simulation's end, which is no forecast)."""
    lead = np.timedelta64(int(lead_min * 60), "s")
    k = int(np.argmin(np.abs(forecasts.lead.values - lead)))
    valid = forecasts.cycle.values + forecasts.lead.values[k]
    ok = valid <= truth.time.values[-1]
    if until is not None:
        ok &= valid <= np.datetime64(until, "ns")
    fc = forecasts.node_depth_mean.values[ok, k][:, nodes]
    tr = truth.node_depth.sel(time=valid[ok], method="nearest").values[:, nodes]
    return depth_rmse(fc, tr)


def depth_skill(net, ex: Experiment, analysis, forecasts) -> dict:
    """The experiment's depth scores [m]: ``analysis_rmse`` at the wet manholes no sensor
    observes, ``forecast_rmse_30``/``_60`` at every wet manhole and
    ``forecast_rmse_30_unobserved``/``_60_unobserved`` at the unobserved ones, the
    forecasts scored only where they are valid before the analysis's last time (until
    2026-12-07 also past it, where the members hold the run's last state)."""
    unobserved = wet_manholes(net, ex.truth, ex.sensor_nodes)
    wet = wet_manholes(net, ex.truth)
    out = {"analysis_rmse": analysis_rmse(analysis, ex.truth, unobserved)}
    until = analysis.time.values[-1]
    for lead in (30, 60):
        out[f"forecast_rmse_{lead}"] = forecast_rmse(forecasts, ex.truth, wet, lead, until)
    for lead in (30, 60):
        rmse = forecast_rmse(forecasts, ex.truth, unobserved, lead, until)
        out[f"forecast_rmse_{lead}_unobserved"] = rmse
    return out


def truth_floods(net, truth, min_rate=1e-6) -> dict[str, np.datetime64]:
    """First flood time of each manhole that floods in the truth."""
    q = truth.node_flooding.values
    out = {}
    for i in np.flatnonzero((q > min_rate).any(axis=0)):
        out[str(net.nodes.name[i])] = truth.time.values[np.argmax(q[:, i] > min_rate)]
    return out


def truth_flood_times(net, truth, min_rate=1e-6) -> dict[str, np.ndarray]:
    """Every sample time [datetime64[s]] at which each manhole floods in the truth (the
    manholes that flood at all)."""
    q = truth.node_flooding.values > min_rate
    t = truth.time.values.astype("datetime64[s]")
    return {str(net.nodes.name[i]): t[q[:, i]] for i in np.flatnonzero(q.any(axis=0))}


def warning_scores(messages: list[dict], floods: dict, horizon_min=120.0, flooding=None) -> dict:
    """POD, false-alarm ratio and median lead [min] of manhole-overflow warnings.

    A warning is a ``new`` message (an ``update`` is not a new warning; one raised again
    after a ``cancel`` is).  With ``flooding`` (:func:`truth_flood_times`), as issue 17
    asks: a warning raised at ``t`` is false when its manhole does not flood at any time
    in ``[t, t + horizon]``; a flood is detected when a warning for its manhole was
    raised in ``[onset - horizon, onset]``, the lead counted from the earliest of them.
    Without it, as until 2026-12-07 (``floods``: first flood times only): a warning was
    right when its manhole's first flood came within the horizon before or after it
    (so one raised after the flood had ended was right), and a flood detected by any
    warning raised before it, however long before (one that the same score counted as
    false when more than the horizon before)."""
    horizon = np.timedelta64(int(horizon_min * 60), "s")
    first = {}
    for m in messages:
        if m["kind"] == "manhole_overflow" and m["status"] == "new":
            t = np.datetime64(m["issued"][:-1], "s")
            first.setdefault(m["node"], []).append(t)
    hits, leads = 0, []
    for node, t_flood in floods.items():
        t_flood = np.datetime64(t_flood, "s")
        earliest = t_flood - horizon if flooding is not None else None
        before = [
            t for t in first.get(node, []) if t <= t_flood and (earliest is None or t >= earliest)
        ]
        if before:
            hits += 1
            leads.append(float((t_flood - min(before)) / np.timedelta64(60, "s")))
    n_warn = sum(len(v) for v in first.values())
    false = 0
    for node, ts in first.items():
        tf = floods.get(node)
        for t in ts:
            if flooding is not None:
                when = np.asarray(flooding.get(node, []), dtype="datetime64[s]")
                false += not ((when >= t) & (when <= t + horizon)).any()
            elif tf is None or not (t - horizon <= np.datetime64(tf, "s") <= t + horizon):
                false += 1
    return {
        "floods": len(floods),
        "warnings": n_warn,
        "pod": hits / len(floods) if floods else float("nan"),
        "far": false / n_warn if n_warn else 0.0,
        "median_lead_min": float(np.median(leads)) if leads else float("nan"),
    }


def roc_auc(score, label) -> float:
    """Area under the ROC curve (Mann-Whitney U) of ``score`` for ``label`` True."""
    from scipy.stats import rankdata

    score = np.asarray(score, float)
    label = np.asarray(label, bool)
    pos, neg = label.sum(), (~label).sum()
    if pos == 0 or neg == 0:
        return float("nan")
    r = rankdata(score)
    return float((r[label].sum() - pos * (pos + 1) / 2) / (pos * neg))
