"""Adaptive prior inflation (``FilterSettings(inflation_adaptive=True)``) and the rain
factor learnt, against an independent SWMM truth, written to
``benchmarks/results/watch-inflation.json``.

The truth of ``benchmarks/watch_twin.py`` / ``watch_adaptive.py`` (EPA SWMM 5.2,
``1.2 + 0.1 (seed mod 3)`` times the gauge's rain, four pipes 60 % rougher, two half
blocked, chosen by the seed), six depth sensors with 1 cm noise.  Methods
(``--methods``, comma-separated): ``none`` (open loop), ``gate`` (the default filter),
``adaptive`` (adaptive inflation with its defaults); any of them can carry settings
after a colon, ``;``-separated: ``adaptive:inflation_sd=0.3;rtps=0.3``.  The forecast
rain (``--nowcast``): ``persistence`` (the watch's default, decaying persistence of the
gauges) or ``oracle`` (the gauges' own future record: the forecasts differ only in
what the filter learnt).  Per run: the analysis RMSE at unobserved wet manholes, the
30/60-minute forecast RMSEs, and per cycle the members' rain factor (mean, spread),
the adaptive inflation of the rain factor and the mean over the node depths, and the
water on the subcatchments: the members' mean storage, the volume the updates put there
(``estimate_subcatchments``) and, on the twin truth, the truth's storage (the engine on
the truth network: EPA SWMM does not report ponded depths) and the RMSE over the
subcatchments against it (``subcatch_storage_rmse_m3``, its cycle mean in the record).

    python benchmarks/watch_inflation.py [--networks small] [--seeds 1]
        [--methods none,gate,adaptive] [--members 8] [--end-hours 2]
        [--nowcast persistence] [--tag T] [-o OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np

from twin.bench.report import source_commit

sys.path.insert(0, str(Path(__file__).parent))
OUT = Path(__file__).parent / "results" / "watch-inflation.json"


def settings_of(method: str):
    """``(assimilation, FilterSettings)`` of a method string (see the module docstring)."""
    from twin.ops.enkf import FilterSettings

    name, _, extra = method.partition(":")
    kw = {"inflation_adaptive": name == "adaptive"}
    types = {f.name: type(getattr(FilterSettings(), f.name)) for f in fields(FilterSettings)}
    for item in filter(None, extra.split(";")):
        k, _, v = item.partition("=")
        t = types[k]
        kw[k] = v.lower() in ("1", "true") if t is bool else t(v)
    return ("none" if name == "none" else "enkf"), FilterSettings(**kw)


def one(net_name, seed, method, members, end_hours, nowcast_name, case="twin"):
    import tempfile

    import xarray as xr
    from watch_diagnostics import oracle
    from watch_twin import network

    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    model = network(net_name)
    rain_truth = 1.2 + 0.1 * (seed % 3)
    if case == "field":  # the radar experiment's moving storm, the gauge at its point
        from twin.validation.radar_twin import radar_experiment

        ex = radar_experiment(model, 6, seed, rain_factor=rain_truth)[0]
        model = ex.model
    else:
        ex = E.experiment(model, 6, seed=seed, rain_factor=rain_truth)
    kind, fs = settings_of(method)
    nowcast = oracle(model) if nowcast_name == "oracle" else None
    # the water on the subcatchments of the truth: the twin's engine on the truth network
    # (its true rain; EPA SWMM does not report the ponded depths); not for the field case
    storage_truth = None
    if case == "twin":
        from twin.ops.members import MemberStates

        true_net = E.make_truth_network(network(net_name), rain_truth, seed=seed)
        opts = {"report_step_s": 86400.0, "end_hours": end_hours}
        storage_truth = MemberStates(true_net, 1, opts, rain_sigma=0.0)
    trace = []
    with tempfile.TemporaryDirectory() as outdir:
        t0, c0 = time.perf_counter(), time.process_time()
        tw = Twin(model, ex.sensors, outdir, members=members, seed=seed, end_hours=end_hours,
                  assimilation=kind, filter_settings=fs, horizon_min=60,
                  nowcast=nowcast)  # fmt: skip
        tw.ingest(ex.rows(), "benchmark")
        t_end = min(tw.end_s, tw._seconds(tw.store.latest_time()))
        while tw.t_s < t_end - 1e-6:
            t_prev = tw.t_s
            tw.step(min(tw.t_s + tw.cycle_s, t_end))
            lrf = tw.members.log_rain_factor
            rain = float(np.mean(tw.rain.mean_rate(t_prev, tw.t_s)))
            row = {"t_min": round(tw.t_s / 60.0, 1),
                   "rain_factor": round(float(np.exp(lrf).mean()), 4),
                   "log_rain_factor_sd": round(float(lrf.std(ddof=1)), 4),
                   "gauge_rain_mmh": round(rain, 3)}  # fmt: skip
            members_storage = np.mean([subcatchment_storage_m3(m.runoff) for m in tw.members.sims],
                                      axis=0)  # fmt: skip
            row["subcatch_storage_m3"] = round(float(members_storage.sum()), 2)
            row["subcatch_added_m3"] = round(float(tw.members.subcatchment_volume_m3.mean()), 2)
            if storage_truth is not None:
                storage_truth.advance_until(tw.t_s)
                true = subcatchment_storage_m3(storage_truth.sims[0].runoff)
                row["subcatch_storage_truth_m3"] = round(float(true.sum()), 2)
                row["subcatch_storage_rmse_m3"] = round(
                    float(np.sqrt(np.mean((members_storage - true) ** 2))), 3
                )
            if tw.inflation is not None:
                lam = tw.inflation.value
                nn = tw.members.n_nodes
                row["inflation_rain_factor"] = round(float(lam[-1]), 4)
                row["inflation_depth_mean"] = round(float(lam[:nn].mean()), 4)
                row["inflation_depth_max"] = round(float(lam[:nn].max()), 4)
            trace.append(row)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        an = xr.open_dataset(Path(outdir) / "analysis.nc").load()
        fc = xr.open_dataset(Path(outdir) / "forecasts.nc").load()
    depth = an.node_depth.values
    return {
        "case": case,
        "network": net_name,
        "seed": seed,
        "method": method,
        "nowcast": nowcast_name,
        "settings": {
            k: v
            for k, v in asdict(fs).items()
            if k.startswith(("inflation", "rtps", "param_", "estimate_"))
        },
        "members": members,
        "end_hours": end_hours,
        "rain_factor_truth": rain_truth,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        **E.depth_skill(model, ex, an, fc),
        "analysis_depth_min": float(np.nanmin(depth)),
        "analysis_above_greatest_depth": int(
            (depth > tw.members.max_depth_m[None, :] + 1e-6).sum()
        ),
        "flagged_samples": int(an.sensor_qc_flag.values.sum()),
        "rain_factor_final": trace[-1]["rain_factor"] if trace else None,
        "rain_factor_rain_weighted": _rain_weighted(trace),
        "subcatch_storage_rmse_m3": _mean_of(trace, "subcatch_storage_rmse_m3"),
        "subcatch_added_m3": trace[-1]["subcatch_added_m3"] if trace else None,
        "trace": trace,
        "load_average": os.getloadavg()[0],
        "head": source_commit(),
    }


def subcatchment_storage_m3(runoff) -> np.ndarray:
    """Water ponded on each subcatchment's subareas [m3]."""
    from twin.networks.units import FT3_TO_M3

    a = runoff.surface_area_ft2[:, None] * runoff.frac
    return (a * runoff.depth_ft).sum(axis=1) * FT3_TO_M3


def _mean_of(trace, key):
    """The mean of ``key`` over the cycles that have it (None when none has)."""
    v = [t[key] for t in trace if key in t]
    return round(float(np.mean(v)), 4) if v else None


def _rain_weighted(trace):
    """The members' mean rain factor over the cycles, weighted by each cycle's gauge rain."""
    w = np.array([t["gauge_rain_mmh"] for t in trace])
    f = np.array([t["rain_factor"] for t in trace])
    return round(float((w * f).sum() / w.sum()), 4) if w.sum() > 0 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--methods", default="none,gate,adaptive")
    ap.add_argument("--members", type=int, default=8)
    ap.add_argument("--end-hours", type=float, default=2.0)
    ap.add_argument("--nowcast", default="persistence", choices=["persistence", "oracle"])
    ap.add_argument("--case", default="twin", choices=["twin", "field"])
    ap.add_argument("--tag", default="", help="a label stored with each run")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    path = Path(a.o)
    rows = json.loads(path.read_text())["runs"] if path.exists() else []
    for seed in map(int, a.seeds.split(",")):
        for net in a.networks.split(","):
            for m in a.methods.split(","):
                r = one(net, seed, m, a.members, a.end_hours, a.nowcast, a.case)
                rows.append(r | ({"tag": a.tag} if a.tag else {}))
                brief = {k: v for k, v in r.items() if k != "trace"}
                print(json.dumps(brief), flush=True)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps({"runs": rows}, indent=1))


if __name__ == "__main__":
    main()
