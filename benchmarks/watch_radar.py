"""The operational twin with radar against an independent truth: the radar twin
experiment (:mod:`twin.validation.radar_twin`), written to
``benchmarks/results/watch-radar.json``.

The truth's rain is an advected, evolving design storm (the network's own hyetograph
laid out along a band moving at 8-14 m/s in a direction drawn from the seed, times a
moving lognormal texture with a 45-minute lifetime), on a 64 x 64 grid of 1-km cells
centred on the network.  SWMM 5.2 runs on its subcatchment means times the under-catch
factor ``1.2 + 0.1 (seed mod 3)`` with four pipes rougher and two half blocked; six
depth sensors with 1 cm noise.  The twin sees either

- ``gauge``: the network's rain gauge reading the field at its point, the nowcast its
  decaying persistence (as ``watch_twin.py``), or
- ``radar``: the radar's frames (bias ``0.85 exp(N(0, 0.1))``, lognormal noise 0.3),
  written to a folder as hourly NetCDF files and read back as ``twin watch --radar``
  does (:func:`twin.ops.nowcast.read_radar_folder`), the observed rain their catchment
  means and the nowcast pysteps STEPS (or ``radar-extrapolation``);
- ``radar-gauge`` (``radar-extrapolation-gauge``): the gauge is the observed rain and
  the radar's nowcast is scaled by its mean-field bias against the gauge over the last
  hour (``RadarRain(gauge_adjusted=True)``).

Each with the EnKF (and ``--open-loop``: the same ensemble without updates).  Scores as
``watch_warnings.py`` (analysis and 30/60-minute forecast RMSE, POD / FAR / median lead
of the warning book replayed at 0.5 and 0.3).

    python benchmarks/watch_radar.py [--networks small,district-100] [--seeds 1,2]
                                     [--modes gauge,radar] [--members 8] [--end-hours 2.5]
                                     [--storm rp30-1h]

``--storm NAME``: a design-storm preset or bundled scenario applied to the network before
the field is built (the field carries its hyetograph; give ``--end-hours`` to cover it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_twin import network  # noqa: E402
from watch_warnings import score  # noqa: E402

from twin.validation.radar_twin import storm_names  # noqa: E402

OUT = Path(__file__).parent / "results" / "watch-radar.json"


def write_frames(frames, folder):
    """The frames as hourly NetCDF files (a radar export's folder)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    hour = (frames.time.values - frames.time.values[0]) // np.timedelta64(1, "h")
    for h in np.unique(hour):
        part = frames.isel(time=np.flatnonzero(hour == h))
        part.to_dataset(name="rainfall").to_netcdf(folder / f"radar-{int(h):03d}.nc")


def in_force_scores(messages, floods) -> dict:
    """POD and median lead of the manhole warnings in force when each flood began (the
    lead from the ``new`` message that opened that warning), stricter than
    :func:`~twin.validation.twin_experiment.warning_scores`, which counts any warning
    raised before the flood within its horizon, even one cancelled in between."""
    by = {}
    for m in messages:
        if m["kind"] == "manhole_overflow":
            by.setdefault(m["node"], []).append(m)
    leads = []
    for node, t_flood in floods.items():
        t_flood, opened = np.datetime64(t_flood, "s"), None
        for m in by.get(node, []):
            t = np.datetime64(m["issued"][:-1], "s")
            if t > t_flood:
                break
            opened = t if m["status"] == "new" else (None if m["status"] == "cancel" else opened)
        if opened is not None:
            leads.append(float((t_flood - opened) / np.timedelta64(60, "s")))
    return {
        "pod_in_force": len(leads) / len(floods) if floods else float("nan"),
        "median_lead_in_force_min": float(np.median(leads)) if leads else float("nan"),
    }


def rescore(outdir, net_name) -> dict:
    """The in-force scores of a kept run (its ``warnings.jsonl`` at 0.5)."""
    import xarray as xr

    from twin.validation import twin_experiment as E

    with xr.open_dataset(Path(outdir) / "truth.nc") as tr:
        floods = E.truth_floods(network(net_name), tr.load())
    path = Path(outdir) / "warnings.jsonl"
    msgs = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    return in_force_scores(msgs, floods)


def forecast_scores(outdir, net_name) -> dict:
    """The 30/60-minute forecast RMSE of a kept run scored as now (valid before the
    analysis's last time) and as before 2026-12-07 (``_held``: also the members' held
    last state past the run's end, scored against the receding truth)."""
    import xarray as xr

    from twin.validation import twin_experiment as E

    d = Path(outdir)
    with xr.open_dataset(d / "forecasts.nc") as fc, xr.open_dataset(d / "truth.nc") as tr, \
            xr.open_dataset(d / "analysis.nc") as an:  # fmt: skip
        fc, tr, until = fc.load(), tr.load(), an.time.values[-1]
    wet = E.wet_manholes(network(net_name), tr)
    out = {}
    for lead in (30, 60):
        out[f"forecast_rmse_{lead}"] = E.forecast_rmse(fc, tr, wet, lead, until)
        out[f"forecast_rmse_{lead}_held"] = E.forecast_rmse(fc, tr, wet, lead)
    return out


def one(net_name, seed, mode, method, members, end_hours, keep, options=None, n_cells=64,
        cell_m=1000.0):  # fmt: skip
    from twin.bench.report import source_commit
    from twin.engine.options import SimOptions
    from twin.ops.nowcast import RadarRain, read_radar_folder
    from twin.ops.watch import Twin
    from twin.validation.radar_twin import radar_experiment

    options = dict(options or {})
    factor = 1.2 + 0.1 * (seed % 3)
    storm = {"storm": options.get("storm"),
             "storm_shift_min": float(options.get("storm_shift_min", 0.0))}  # fmt: skip
    grid = {"n_cells": int(n_cells), "cell_m": float(cell_m)}  # round 15: a finer radar grid
    ex, frames, radar = radar_experiment(network(net_name), 6, seed, rain_factor=factor, **storm,
                                         **grid)  # fmt: skip
    fine = () if grid == {"n_cells": 64, "cell_m": 1000.0} else (f"{cell_m:g}m{n_cells}",)
    tag = "-".join(
        str(x) for x in (net_name, seed, mode, method, *sorted(map(str, options.values())), *fine)
    )
    outdir = Path(keep) / tag
    kw = {}
    if mode.startswith("radar"):
        write_frames(radar, outdir / "radar")
        nowcast = "extrapolation" if "extrapolation" in mode else "steps"
        r = RadarRain(read_radar_folder(outdir / "radar"), ex.model,
                      SimOptions.from_network(ex.model).start, method=nowcast,
                      spread=options.get("spread", "lagrangian"),
                      gauge_adjusted=mode.endswith("-gauge"),
                      motion_pairs=int(options.get("motion_pairs", 1)),
                      mean=options.get("mean", "extrapolation"),
                      motion_pert=options.get("motion_pert", "none"),
                      bias=options.get("bias", "window"),
                      motion_input=options.get("motion_input", "rate"))  # fmt: skip
        kw = {"radar": r}
    t0 = time.perf_counter()
    if options.get("radar_rain", "gauge") != "gauge":  # round 14: the radar per subcatchment
        kw["radar_rain"] = options["radar_rain"]
    tw = Twin(ex.model, ex.sensors, outdir, members=members, seed=seed, end_hours=end_hours,
              assimilation=method, **kw)  # fmt: skip
    tw.ingest(ex.rows(), "benchmark")
    tw.run()
    wall = time.perf_counter() - t0
    ex.truth.to_netcdf(outdir / "truth.nc")
    (outdir / "sensor_nodes.json").write_text(json.dumps([int(i) for i in ex.sensor_nodes]))
    s = score(net_name, outdir)
    strict = rescore(outdir, net_name)
    at = {x["threshold"]: x for x in s["threshold_sweep"]}
    return {
        "network": net_name, "seed": seed, "mode": mode, "method": method,
        "members": members, "end_hours": end_hours, **options, **grid,
        "radar_rain_chosen": getattr(tw, "radar_rain", "gauge"),
        "radar_cells_spanned": getattr(tw, "radar_cells_spanned", None),
        "rain_factor_truth": factor, "radar_bias": radar.attrs["radar_bias"],
        "rain_factor_final": float(np.exp(tw.members.log_rain_factor).mean()),
        "wall_s": round(wall, 1), "load_average": os.getloadavg()[0], "commit": source_commit(),
        "analysis_rmse": s["analysis_rmse"], "forecast_rmse_30": s["forecast_rmse_30"],
        "forecast_rmse_60": s["forecast_rmse_60"], "brier": s["brier"],
        "floods": at[0.5]["floods"],
        "at_0.5": {**{k: at[0.5][k] for k in ("pod", "far", "median_lead_min", "warnings")},
                   **strict},
        "outdir": str(outdir),
        "at_0.3": {k: at[0.3][k] for k in ("pod", "far", "median_lead_min", "warnings")},
        "reliability": s["reliability"], "threshold_sweep": s["threshold_sweep"],
    }  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--modes", default="gauge,radar")
    ap.add_argument("--open-loop", action="store_true", help="also the runs without updates")
    ap.add_argument("--methods", default="enkf", help="enkf and/or none (the open loop)")
    ap.add_argument("--members", type=int, default=8)
    ap.add_argument("--end-hours", type=float, default=2.5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default="watch-radar-runs")
    ap.add_argument("--label", default="", help="a name for this variant (kept in the rows)")
    ap.add_argument("--spread", default="lagrangian",
                    help="extrapolation spread: lagrangian|fixed|area|rate|lagrangian-walk|"
                    "area-walk|rate-walk (RadarRain's spread)")  # fmt: skip
    ap.add_argument("--motion-pairs", type=int, default=1,
                    help="the radar motion: mean over this many frame pairs")  # fmt: skip
    ap.add_argument("--mean", default="extrapolation",
                    help="the extrapolation's mean: extrapolation|smoothed|sprog|"
                    "anvil|linda")  # fmt: skip
    ap.add_argument("--motion-pert", default="none",
                    help="the extrapolation members' motion: none|pairs (perturbed)")  # fmt: skip
    ap.add_argument("--radar-rain", default="gauge",
                    help="the radar mapped to the gauges or to every subcatchment: "
                    "gauge|subcatchment")  # fmt: skip
    ap.add_argument("--bias", default=None,
                    help="the gauge-adjusted radar's mean-field bias: window|kalman "
                    "(RadarRain's bias; recorded in each row when given)")  # fmt: skip
    ap.add_argument("--motion-input", default="rate",
                    help="the optical flow's input: rate|db (RadarRain's motion_input; "
                    "recorded in each row when not rate)")  # fmt: skip
    ap.add_argument("--storm", default=None,
                    help="a design-storm preset or bundled scenario carried by the field "
                    "(default: the network's own design storm)")  # fmt: skip
    ap.add_argument("--storm-shift-min", type=float, default=0.0,
                    help="with --storm: its rain delayed by this many minutes")  # fmt: skip
    ap.add_argument("--cell-m", type=float, default=1000.0,
                    help="the radar's cell [m] (keep the domain ~64 km)")  # fmt: skip
    ap.add_argument("--n-cells", type=int, default=64, help="the radar grid's cells a side")
    ap.add_argument("-o", default=str(OUT))
    ap.add_argument(
        "--rescore",
        action="store_true",
        help="add the in-force scores and the forecast RMSE with and without the held states "
        "(_held) to the rows from their kept runs",
    )
    a = ap.parse_args()
    if a.storm is not None and a.storm not in storm_names():
        ap.error(f"--storm: unknown storm {a.storm!r}; known: {', '.join(storm_names())}")
    out = Path(a.o)
    if a.rescore:
        rows = json.loads(out.read_text())["runs"]
        for r in rows:
            tag = "-".join(
                str(x)
                for x in (
                    r["network"],
                    r["seed"],
                    r["mode"],
                    r["method"],
                    *([r["spread"]] if "spread" in r else []),
                )
            )
            d = Path(r.get("outdir") or Path(a.keep) / tag)
            if (d / "truth.nc").exists():
                r["at_0.5"].update(rescore(d, r["network"]))
            if (d / "forecasts.nc").exists():
                r.update(forecast_scores(d, r["network"]))
        out.write_text(json.dumps({"runs": rows}, indent=1))
        return
    methods = ("enkf", "none") if a.open_loop else tuple(a.methods.split(","))
    opt = {"label": a.label} if a.label else {}
    if "extrapolation" in a.modes:
        opt["spread"] = a.spread
    if a.motion_pairs != 1:
        opt["motion_pairs"] = a.motion_pairs
    if a.mean != "extrapolation":
        opt["mean"] = a.mean
    if a.motion_pert != "none":
        opt["motion_pert"] = a.motion_pert
    if a.radar_rain != "gauge":
        opt["radar_rain"] = a.radar_rain
    if a.bias is not None:
        opt["bias"] = a.bias
    if a.motion_input != "rate":
        opt["motion_input"] = a.motion_input
    if a.storm is not None:
        opt["storm"] = a.storm
    if a.storm_shift_min:
        if a.storm is None:
            ap.error("--storm-shift-min needs --storm")
        opt["storm_shift_min"] = a.storm_shift_min
    runs = [(n, int(s), m, meth, a.members, a.end_hours, a.keep, opt, a.n_cells, a.cell_m)
            for s in a.seeds.split(",") for n in a.networks.split(",")
            for m in a.modes.split(",") for meth in methods]  # fmt: skip
    out = Path(a.o)
    key = ("network", "seed", "mode", "method", "members", "label", "spread", "motion_pairs",
           "mean", "motion_pert", "storm", "storm_shift_min", "radar_rain", "n_cells",
           "cell_m", "bias", "motion_input")  # fmt: skip
    with ProcessPoolExecutor(a.jobs) as pool:
        for f in as_completed([pool.submit(one, *r) for r in runs]):
            r = f.result()
            rows = json.loads(out.read_text())["runs"] if out.exists() else []
            rows = [x for x in rows if tuple(x.get(k) for k in key) != tuple(r.get(k) for k in key)]
            out.write_text(json.dumps({"runs": rows + [r]}, indent=1))
            show = key + ("analysis_rmse", "forecast_rmse_30", "forecast_rmse_60", "floods",
                          "at_0.5", "at_0.3", "wall_s")  # fmt: skip
            print(json.dumps({k: r.get(k) for k in show}), flush=True)


if __name__ == "__main__":
    main()
