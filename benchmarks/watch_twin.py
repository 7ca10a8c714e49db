"""The operational twin against an independent truth: storms x seeds, with and without
assimilation, written to ``benchmarks/results/watch-twin.json``.

Truth: EPA SWMM 5.2 on the network with ``rain_factor`` more rain than the gauge, four
pipes 60 % rougher and two half blocked (chosen by the seed); six depth sensors with
1 cm noise.  Scores as in :mod:`twin.validation.twin_experiment`.  Faulty sensors: a
second run per case with four of the six sensors faulty from the second hour (bias
10 %, drift 2 cm/h, stuck, noise x6); the AUC ranks their QC scores after the fault
start against the sound sensors'.

    python benchmarks/watch_twin.py [--network small] [--storms network,rp30-1h]
                                    [--seeds 1,2,3] [--members 16]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

import twin
from twin.ops.watch import Twin
from twin.validation import twin_experiment as E


def one(net, storm, seed, members, method, outdir, faults=None):
    model = net if storm == "network" else twin.Scenario.preset(storm).apply(net)
    truth = E.run_truth(E.make_truth_network(model, 1.2 + 0.1 * (seed % 3), seed=seed), 60)
    nodes = E.choose_sensor_nodes(model, truth, 6, seed=seed)
    sensors = E.sensor_set(model, nodes)
    t, y, faulty = E.readings(truth, nodes, 0.01, seed=seed, faults=faults, fault_start_s=3600.0)
    t0 = time.perf_counter()
    tw = Twin(
        model,
        sensors,
        outdir,
        members=members if method == "enkf" else 1,
        assimilation=method,
        seed=seed,
    )
    tw.ingest(E.rows_of(t, y, sensors), "benchmark")
    cycles = tw.run()
    wall = time.perf_counter() - t0
    an = xr.open_dataset(Path(outdir) / "analysis.nc").load()
    fc = xr.open_dataset(Path(outdir) / "forecasts.nc").load()
    path = Path(outdir) / "warnings.jsonl"
    msgs = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    all_wet = E.wet_manholes(model, truth)
    out = {
        "storm": storm,
        "seed": seed,
        "method": method,
        "cycles": cycles,
        "wall_s": wall,
        "event_h": float(tw.t_s / 3600.0),
        "analysis_rmse": E.analysis_rmse(an, truth, E.wet_manholes(model, truth, nodes)),
        "forecast_rmse_30": E.forecast_rmse(fc, truth, all_wet, 30),
        "forecast_rmse_60": E.forecast_rmse(fc, truth, all_wet, 60),
        **E.warning_scores(msgs, E.truth_floods(model, truth)),
    }
    if faults:
        ts = an.time.values
        on = (ts - ts[0]) / np.timedelta64(1, "s") >= 3600.0
        score = an.sensor_qc_score.values[on]
        label = np.zeros(score.shape, bool)
        label[:, list(faults)] = True
        out["fault_auc"] = E.roc_auc(score.ravel(), label.ravel())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--network", default="small")
    ap.add_argument("--storms", default="network,rp30-1h")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--members", type=int, default=16)
    ap.add_argument("-o", default="benchmarks/results/watch-twin.json")
    a = ap.parse_args()
    net = twin.load_network(a.network)
    rows = []
    faults = dict(enumerate(E.FAULTS))
    for storm in a.storms.split(","):
        for seed in map(int, a.seeds.split(",")):
            for method in ("none", "enkf"):
                with tempfile.TemporaryDirectory() as d:
                    rows.append(one(net, storm, seed, a.members, method, d))
                print(rows[-1], flush=True)
            with tempfile.TemporaryDirectory() as d:
                rows.append(one(net, storm, seed, a.members, "enkf", d, faults=faults))
                rows[-1]["method"] = "enkf+faults"
            print(rows[-1], flush=True)
    Path(a.o).write_text(json.dumps({"network": a.network, "runs": rows}, indent=1))


if __name__ == "__main__":
    main()
