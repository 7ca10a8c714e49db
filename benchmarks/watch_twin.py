"""The operational twin against an independent truth: networks x storms x seeds, open
loop against the ensemble Kalman filter, written to ``benchmarks/results/watch-twin.json``.

Truth: EPA SWMM 5.2 on the network with ``1.2 + 0.1 * (seed % 3)`` times the gauge's
rain, four pipes 60 % rougher and two half blocked (chosen by the seed); six depth
sensors with 1 cm noise.  The open loop is the same ensemble (same members, rain
factors, roughness and forecast rain) without updates, so the comparison is fair.
Scores as in :mod:`twin.validation.twin_experiment`.  Faulty sensors: a run per
network and seed with four of the six sensors faulty from the second hour (bias 10 %,
drift 2 cm/h, stuck, noise x6); the AUC ranks their QC scores after the fault start
against the sound sensors'.

    python benchmarks/watch_twin.py [--networks small,district-100] [--storms network,rp30-1h]
                                    [--solvers swmm,newton] [--no-faults]
                                    [--seeds 1,2] [--members 16] [--jobs 3]

Runs go to a process pool (``--jobs``); each result is appended to the JSON as it
comes, with the load average of the machine when it finished.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import xarray as xr

OUT = Path(__file__).parent / "results" / "watch-twin.json"


def case_args(doc: str):
    """``(network, seed, cell_m, n_cells, out)`` of a one-case probe script's command line
    (``NETWORK SEED CELL_M N_CELLS -o OUT.json``: the radar twin experiment's case on a
    radar grid of ``N_CELLS`` cells of ``CELL_M`` metres, the JSON it writes)."""
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("network")
    ap.add_argument("seed", type=int)
    ap.add_argument("cell_m", type=float)
    ap.add_argument("n_cells", type=int)
    ap.add_argument("-o", required=True, help="the JSON file written")
    a = ap.parse_args()
    return a.network, a.seed, a.cell_m, a.n_cells, Path(a.o)


def probe_radar_rain(frames, model, start):
    """The gauge-adjusted radar nowcast of the one-case probe scripts (watch-burst's): the
    extrapolation with round 14's ``twin watch`` radar settings (the rate spread, the 5
    pairs' motion, the members' perturbed motion; ``RadarRain``'s own window bias)."""
    from twin.ops.nowcast import RadarRain

    return RadarRain(frames, model, start, method="extrapolation", spread="rate",
                     gauge_adjusted=True, motion_pairs=5, motion_pert="pairs")  # fmt: skip


def network(name):
    import twin

    if name.startswith("district-"):
        from twin.networks import generate_district

        return generate_district(conduits=int(name.split("-")[1]), seed=3)
    return twin.load_network(name)


def one(net_name, storm, seed, members, method, end_hours, faults=False, solver="swmm"):
    import twin
    from twin.bench.report import source_commit
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    net = network(net_name)
    model = net if storm == "network" else twin.Scenario.preset(storm).apply(net)
    fault_map = dict(enumerate(E.FAULTS)) if faults else None
    ex = E.experiment(model, 6, seed=seed, rain_factor=1.2 + 0.1 * (seed % 3), faults=fault_map,
                      fault_start_s=3600.0)  # fmt: skip
    truth, nodes, sensors = ex.truth, ex.sensor_nodes, ex.sensors
    with tempfile.TemporaryDirectory() as outdir:
        t0 = time.perf_counter()
        tw = Twin(model, sensors, outdir, members=members, assimilation=method, seed=seed,
                  end_hours=end_hours, forecast=not faults, solver=solver)  # fmt: skip
        tw.ingest(ex.rows(), "benchmark")
        c0 = time.process_time()
        cycles = tw.run()
        cpu = time.process_time() - c0
        wall = time.perf_counter() - t0
        an = xr.open_dataset(Path(outdir) / "analysis.nc").load()
        out = {
            "network": net_name,
            "conduits": int(np.sum(np.asarray(model.links.kind) == 0)),
            "storm": storm,
            "seed": seed,
            "method": method + ("+faults" if faults else ""),
            "solver": solver,
            "members": members,
            "cycles": cycles,
            "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
            "event_h": float(tw.t_s / 3600.0),
            "real_time_factor": round(tw.t_s / wall, 1),
            "rain_factor_truth": 1.2 + 0.1 * (seed % 3),
            "rain_factor_final": float(np.exp(tw.members.log_rain_factor).mean()),
            "analysis_rmse": E.analysis_rmse(an, truth, E.wet_manholes(model, truth, nodes)),
            "assimilation_volume_m3": float(an.attrs.get("assimilation_volume_m3", 0.0)),
            "load_average": os.getloadavg()[0],
        }
        if faults:
            ts = an.time.values
            on = (ts - ts[0]) / np.timedelta64(1, "s") >= 3600.0
            score = an.sensor_qc_score.values[on]
            label = np.zeros(score.shape, bool)
            label[:, list(fault_map)] = True
            out["fault_auc"] = E.roc_auc(score.ravel(), label.ravel())
            return out
        fc = xr.open_dataset(Path(outdir) / "forecasts.nc").load()
        path = Path(outdir) / "warnings.jsonl"
        msgs = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    all_wet = E.wet_manholes(model, truth)
    out["forecast_rmse_30"] = E.forecast_rmse(fc, truth, all_wet, 30, an.time.values[-1])
    out["forecast_rmse_60"] = E.forecast_rmse(fc, truth, all_wet, 60, an.time.values[-1])
    # as scored before 2026-12-07: also the held states past the run's end (for comparison)
    for lead in (30, 60):
        out[f"forecast_rmse_{lead}_held"] = E.forecast_rmse(fc, truth, all_wet, lead)
    out["commit"] = source_commit()
    # scored as issue 17 asks since 2026-12-07 (flooding: every flood time, not the first)
    flooding = E.truth_flood_times(model, truth)
    out.update(E.warning_scores(msgs, E.truth_floods(model, truth), flooding=flooding))
    return out


def summary(rows):
    """Per case (network, storm, seed) the EnKF's change against the open loop."""
    cases = {}
    for r in rows:
        key = (r["network"], r["storm"], r["seed"], r.get("solver", "swmm"))
        cases.setdefault(key, {})[r["method"]] = r
    out = []
    for key, c in sorted(cases.items()):
        if "none" not in c or "enkf" not in c:
            continue
        a, b = c["none"], c["enkf"]
        row = {"network": key[0], "storm": key[1], "seed": key[2], "solver": key[3]}
        for k in ("analysis_rmse", "forecast_rmse_30", "forecast_rmse_60"):
            row[k + "_change"] = round(b[k] / a[k] - 1.0, 3)
        for k in ("pod", "far", "median_lead_min", "floods"):
            row[k] = b[k]
        row["pod_open_loop"] = a["pod"]
        if "enkf+faults" in c:
            row["fault_auc"] = c["enkf+faults"]["fault_auc"]
        out.append(row)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--storms", default="network,rp30-1h")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--members", type=int, default=16)
    ap.add_argument("--end-hours", type=float, default=3.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--solvers", default="swmm", help="swmm,newton: the members' solver(s)")
    ap.add_argument("--no-faults", action="store_true", help="skip the faulty-sensor runs")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    runs = []
    for seed in map(int, a.seeds.split(",")):
        for net in a.networks.split(","):
            for storm in a.storms.split(","):
                for solver in a.solvers.split(","):
                    runs += [(net, storm, seed, a.members, m, a.end_hours, False, solver)
                             for m in ("none", "enkf")]  # fmt: skip
    for seed in map(int, a.seeds.split(",")) if not a.no_faults else ():
        for net in a.networks.split(","):
            storm = a.storms.split(",")[0]
            runs.append((net, storm, seed, a.members, "enkf", a.end_hours, True))
    rows = []
    with ProcessPoolExecutor(a.jobs) as pool:
        futs = [pool.submit(one, *r) for r in runs]
        for f in as_completed(futs):
            rows.append(f.result())
            print(rows[-1], flush=True)
            result = {"settings": vars(a), "runs": rows, "summary": summary(rows)}
            Path(a.o).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
