"""Faulty-sensor detection of the operational twin against an independent truth, written
to ``benchmarks/results/watch-faults.json``.

The case of ``tests/ops/test_watch.py``, over networks and seeds: truth = EPA SWMM 5.2 on
the network with 1.3 times the gauge's rain and some pipes rougher or partly blocked
(:mod:`twin.validation.twin_experiment`), six depth sensors with 1 cm noise, four of
them faulty from the first hour (bias 10 %, drift 2 cm/h, stuck, noise x6); the twin
(EnKF, 8 members, 30-minute cycles, no forecast) runs 150 minutes of readings, its QC
checking each sensor against an ensemble that withholds it (``--no-withheld``: against
the filter's own prior).  The
ROC AUC ranks the QC scores of every sample after the fault start (the network's
report step), faulty against sound, for all four faults together and for each fault
against the sound sensors; also the analysis RMSE at unobserved wet manholes (what
false flags of sound sensors cost) and the sound sensors' flagged report samples.

Every case runs with the offset faults upward (bias +10 %, drift +2 cm/h: sign +1) and
mirrored downward (bias -10 %, drift -2 cm/h: sign -1; the same noise draws), and the
summary gives each sign's mean and their mean (``--signs 1``: upward only, the
benchmark before round 13).  ``--trace`` keeps in each row what QC saw at every reading
(the reading, the truth, the withheld prediction's mean and spread) for
``benchmarks/watch_fault_bound.py``.

    python benchmarks/watch_faults.py [--networks small,district-100] [--seeds 1,2,3]
        [--signs 1,-1] [--qc trend=true,trend_k=13.0] [--qc glr=true]
        [--filter obs_error=huber] [--jobs 2] [--trace] [-o OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

OUT = Path(__file__).parent / "results" / "watch-faults.json"


def network(name):
    import twin

    if name.startswith("district-"):
        from twin.networks import generate_district

        return generate_district(conduits=int(name.split("-")[1]), seed=3)
    return twin.load_network(name)


def one(
    net_name, seed, members=8, minutes=150, withheld=True, qc=None, filt=None, sign=1.0, trace=False
):
    from twin.ops.enkf import FilterSettings
    from twin.ops.qc import QCSettings
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    net = network(net_name)
    faults = dict(enumerate(E.FAULTS))
    ex = E.experiment(net, 6, seed=seed, faults=faults, fault_start_s=3600.0, sign=sign)
    with tempfile.TemporaryDirectory() as outdir:
        t0 = time.perf_counter()
        settings = QCSettings(withheld=withheld, **(qc or {}))
        tw = Twin(net, ex.sensors, outdir, members=members, seed=seed, forecast=False,
                  cycle_min=30, qc_settings=settings,
                  filter_settings=FilterSettings(**(filt or {})))  # fmt: skip
        folds = 0 if tw.withheld is None else tw.withheld.n_folds
        tw.ingest(ex.rows(minutes), "benchmark")
        cpu0 = time.process_time()
        seen = _trace(tw) if trace else None
        tw.run()
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        with xr.open_dataset(Path(outdir) / "analysis.nc") as an:
            ts = an.time.values
            score = an.sensor_qc_score.values[(ts - ts[0]) / np.timedelta64(1, "s") >= 3600.0]
            flagged = an.sensor_qc_flag.values
            wet = E.wet_manholes(net, ex.truth, exclude=ex.sensor_nodes)
            rmse = E.analysis_rmse(an, ex.truth, wet)
    out = {"network": net_name, "seed": seed, "sign": sign, "members": members,
           "withheld": withheld, "qc": qc or {}, "filter": filt or {},
           "folds": folds, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
           "samples": int(score.shape[0]),
           "load_average": os.getloadavg()[0], "analysis_rmse_m": rmse,
           "sound_flagged_samples": int(flagged[:, [k for k in range(6) if k not in faults]].sum()),
           }  # fmt: skip
    out.update(aucs(score, faults))
    if trace:
        tt = ex.truth.time.values.astype("datetime64[s]")
        t_s = np.array(seen["t"])
        i = np.searchsorted(tt, np.datetime64(tw.start, "s") + t_s.round().astype("timedelta64[s]"))
        seen["truth"] = ex.truth.node_depth.values[i][:, list(ex.sensor_nodes)]
        seen["t0_s"] = float(tw._seconds(ex.times[0]))
        seen["report_s"] = float(tw.report_s)
        out["trace"] = {k: np.round(np.asarray(v, float), 5).tolist() for k, v in seen.items()}
    return out


def _trace(tw) -> dict:
    """What QC sees at each reading of twin ``tw`` (time [s], reading, the withheld
    prediction's mean and spread, the flags and the largest score), gathered as it runs."""
    seen = {"t": [], "y": [], "hx": [], "hsd": [], "flag": [], "score": []}
    check = tw._check

    def traced(t):
        check(t)
        h = tw._history
        for k in ("t", "y", "hx", "hsd"):
            seen[k].append(np.asarray(h[k][-1], float))
        seen["flag"].append(tw.qc.flagged.copy())
        seen["score"].append(tw.qc.score.copy())

    tw._check = traced
    return seen


def aucs(score, faults) -> dict:
    """The AUCs of the QC scores ``score`` (samples, sensors) after the fault start,
    ``faults`` mapping the faulty sensors' positions to their kind.

    ``fault_auc`` (issue 17's metric, per sample): every sample of a faulty sensor
    against every sample of a sound one; ``auc_KIND``: one fault's samples against
    the sound sensors'.  ``sensor_auc`` (per sensor, a second view beside it, not the
    goal's metric): each sensor's largest score after the fault start, the faulty
    sensors against the sound ones (``sensor_max``: those largest scores, to pool
    cases)."""
    from twin.validation import twin_experiment as E

    label = np.zeros(score.shape, bool)
    label[:, list(faults)] = True
    sound = score[:, ~label[0]].ravel()
    out = {"fault_auc": E.roc_auc(score.ravel(), label.ravel())}
    for k, kind in faults.items():
        s = np.r_[score[:, k], sound]
        lab = np.r_[np.ones(len(score), bool), np.zeros(len(sound), bool)]
        out[f"auc_{kind}"] = E.roc_auc(s, lab)
    top = score.max(axis=0)
    out["sensor_auc"] = E.roc_auc(top, label[0])
    out["sensor_max"] = {"faulty": top[label[0]].tolist(), "sound": top[~label[0]].tolist()}
    return out


def sensor_auc_pooled(rows) -> float:
    """The per-sensor AUC over several cases together: every faulty sensor's largest
    score against every sound sensor's, across the cases of ``rows``."""
    from twin.validation import twin_experiment as E

    faulty = np.concatenate([r["sensor_max"]["faulty"] for r in rows])
    sound = np.concatenate([r["sensor_max"]["sound"] for r in rows])
    lab = np.r_[np.ones(len(faulty), bool), np.zeros(len(sound), bool)]
    return E.roc_auc(np.r_[faulty, sound], lab)


def _value(text):
    """A setting's value from the command line: a number when it reads as one, a
    boolean for true/false."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument(
        "--no-withheld",
        action="store_true",
        help="QC against the filter's own prior (as before the withheld folds)",
    )
    ap.add_argument(
        "--qc",
        default="",
        help="QC settings other than the defaults, e.g. noise_min=15,noise_order=2,noise_model_k=1",
    )
    ap.add_argument(
        "--filter",
        default="",
        help="filter settings other than the defaults, e.g. obs_error=huber,huber_c=2.0",
    )
    ap.add_argument("--signs", default="1,-1", help="the offset faults' signs (1: upward)")
    ap.add_argument("--jobs", type=int, default=1, help="cases run at once (processes)")
    ap.add_argument("--trace", action="store_true", help="keep what QC saw at every reading")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    qc = {k: _value(v) for k, v in (kv.split("=") for kv in a.qc.split(",") if kv)}
    filt = {k: _value(v) for k, v in (kv.split("=") for kv in a.filter.split(",") if kv)}
    cases = [(net, seed, float(sign)) for seed in map(int, a.seeds.split(","))
             for net in a.networks.split(",") for sign in a.signs.split(",")]  # fmt: skip
    kw = {"withheld": not a.no_withheld, "qc": qc, "filt": filt, "trace": a.trace}
    rows = []

    def write():
        Path(a.o).write_text(json.dumps({"settings": vars(a), "summary": summary(rows),
                                         "runs": rows}, indent=1))  # fmt: skip

    if a.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(a.jobs) as pool:
            futs = [pool.submit(one, n, s, sign=g, **kw) for n, s, g in cases]
            for f in futs:
                rows.append(f.result())
                _print(rows[-1])
                write()
    else:
        for n, s, g in cases:
            rows.append(one(n, s, sign=g, **kw))
            _print(rows[-1])
            write()
    print(json.dumps(summary(rows)), flush=True)


def _print(row):
    print({k: v for k, v in row.items() if k != "trace"}, flush=True)


def summary(rows) -> dict:
    """The mean fault AUC (and per kind), analysis RMSE and the sound sensors' flagged
    samples in total, per sign and over both."""
    from twin.validation import twin_experiment as E

    out = {}
    for name, sel in [("all", rows)] + [
        (f"sign{int(g):+d}", [r for r in rows if r["sign"] == g])
        for g in sorted({r["sign"] for r in rows}, reverse=True)
    ]:
        if not sel:
            continue
        keys = ["fault_auc"] + [f"auc_{k}" for k in E.FAULTS] + ["analysis_rmse_m"]
        out[name] = {k: float(np.mean([r[k] for r in sel])) for k in keys}
        out[name]["sound_flagged_samples"] = int(sum(r["sound_flagged_samples"] for r in sel))
        out[name]["runs"] = len(sel)
    return out


if __name__ == "__main__":
    main()
