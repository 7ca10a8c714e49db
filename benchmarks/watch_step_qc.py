"""Why the rain factor's step limit lowers the fault AUC: the case of
``benchmarks/watch_faults.py`` traced per reading, written to a JSON file.

Per reading (from the fault start on) and sensor: the reading, the QC prediction (the
withheld ensemble's mean and spread), every QC test's score, the flag; per reading the
analysis members' mean log rain factor and each withheld fold's.  ``--summary`` prints,
per run, each test's AUC (faulty sensors' samples against the sound ones'), the mean
score of each test on the faulty and the sound sensors, and the factors' paths.

    python benchmarks/watch_step_qc.py --seeds 1,3 --variants default,step05 -o OUT.json
    python benchmarks/watch_step_qc.py --summary OUT.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

VARIANTS = {
    "default": {},
    # the step limit on the analysis members only (the withheld QC ensembles free)
    "step05": {"param_step_sd": 0.5},
    # ... and on the withheld QC ensembles too (as before watch-step)
    "step05w": {"param_step_sd": 0.5, "param_step_withheld": True},
}


def one(net_name, seed, variant, members=8, minutes=150, sign=1.0):
    from watch_faults import network  # benchmarks/ on the path (main)

    from twin.ops.enkf import FilterSettings
    from twin.ops.qc import QCSettings
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    net = network(net_name)
    faults = dict(enumerate(E.FAULTS))
    if sign < 0:  # the offset faults downward: bias -10 %, drift -2 cm/h
        ex = E.experiment(net, 6, seed=seed, faults=None)
        on = (ex.times - ex.times[0]).astype(np.int64) >= 3600
        rng = np.random.default_rng(seed)
        true = ex.truth.node_depth.values[:, list(ex.sensor_nodes)]
        tt = ex.truth.time.values.astype("datetime64[s]")
        i = np.searchsorted(tt, ex.times)
        y, dt = ex.values.copy(), (ex.times[on] - ex.times[0]).astype(np.int64) - 3600
        y[on, 0] = true[i[on], 0] * 0.9 + rng.normal(0.0, 0.01, on.sum())
        y[on, 1] -= 0.02 * dt / 3600.0
        y[on, 2] = y[np.argmax(on), 2]
        y[on, 3] = true[i[on], 3] + rng.normal(0.0, 0.06, on.sum())
        ex = dataclasses.replace(ex, values=np.maximum(y, 0.0))
    else:
        ex = E.experiment(net, 6, seed=seed, faults=faults, fault_start_s=3600.0)
    filt = dict(VARIANTS[variant]) if variant in VARIANTS else _parse(variant)
    rows = []
    with tempfile.TemporaryDirectory() as outdir:
        tw = Twin(net, ex.sensors, outdir, members=members, seed=seed, forecast=False,
                  cycle_min=30, qc_settings=QCSettings(),
                  filter_settings=FilterSettings(**filt))  # fmt: skip
        orig = tw._check

        def check(t):
            orig(t)
            h = tw._history
            w = tw.withheld
            rows.append({
                "t_s": float(t), "y": np.asarray(h["y"][-1]).round(4).tolist(),
                "hx": np.asarray(h["hx"][-1]).round(4).tolist(),
                "hsd": np.asarray(h["hsd"][-1]).round(4).tolist(),
                "scores": tw.qc.scores.round(4).tolist(), "flag": tw.qc.flagged.tolist(),
                "factor": float(tw.members.log_rain_factor.mean()),
                "factor_sd": float(tw.members.log_rain_factor.std(ddof=1)),
                "fold_factor": [float(m.log_rain_factor.mean()) for m in w.ensembles],
                "fold_factor_sd": [float(m.log_rain_factor.std(ddof=1)) for m in w.ensembles],
            })  # fmt: skip

        tw._check = check
        folds = tw.withheld.folds.tolist()
        tw.ingest(ex.rows(minutes), "benchmark")
        tw.run()
    tt = ex.truth.time.values.astype("datetime64[s]")
    truth_t = (tt - tt[0]).astype(np.int64).astype(float)
    truth_y = ex.truth.node_depth.values[:, list(ex.sensor_nodes)]
    for x in rows:
        i = min(int(np.searchsorted(truth_t, x["t_s"])), len(truth_t) - 1)
        x["truth"] = truth_y[i].round(4).tolist()
    return {"network": net_name, "seed": seed, "variant": variant, "faults": faults, "sign": sign,
            "folds": folds, "truth_factor": float(np.log(1.3)), "rows": rows}  # fmt: skip


def _parse(text):
    out = {}
    for kv in text.split(","):
        k, v = kv.split("=")
        out[k] = v.lower() == "true" if v.lower() in ("true", "false") else float(v)
    return out


def compact(run) -> dict:
    """One traced run in brief: each test's AUC and each sensor's mean scores, the mean
    of reading - prediction, truth - prediction and the prediction's spread [m] from
    the fault start on, and the factors every 15 minutes."""
    from twin.ops.qc import TESTS
    from twin.validation import twin_experiment as E

    rows = [x for x in run["rows"] if x["t_s"] >= 3600.0]
    sc = np.array([x["scores"] for x in rows])
    n = sc.shape[1]
    faults = {int(k): v for k, v in run["faults"].items()}
    faulty = np.array([k in faults for k in range(n)])
    top = sc.max(axis=2)
    out = {k: run[k] for k in ("network", "seed", "variant", "faults", "folds")}
    out["sign"] = run.get("sign", 1.0)
    out["auc_per_reading"] = E.roc_auc(top.ravel(), np.broadcast_to(faulty, top.shape).ravel())
    for k, kind in faults.items():
        s = np.r_[top[:, k], top[:, ~faulty].ravel()]
        lab = np.r_[np.ones(len(top), bool), np.zeros(top[:, ~faulty].size, bool)]
        out[f"auc_{kind}"] = E.roc_auc(s, lab)
    out["mean_score"] = {t: sc[:, :, j].mean(axis=0).round(3).tolist()
                         for j, t in enumerate(TESTS) if sc[:, :, j].any()}  # fmt: skip
    y, hx = np.array([x["y"] for x in rows]), np.array([x["hx"] for x in rows])
    tr, hsd = np.array([x["truth"] for x in rows]), np.array([x["hsd"] for x in rows])
    out["reading_minus_hx_m"] = (y - hx).mean(axis=0).round(3).tolist()
    out["truth_minus_hx_m"] = (tr - hx).mean(axis=0).round(3).tolist()
    out["hx_sd_m"] = hsd.mean(axis=0).round(3).tolist()
    ts = np.array([x["t_s"] for x in run["rows"]])
    pick = np.searchsorted(ts, np.arange(0.0, ts[-1] + 1, 900.0))
    out["t_s"] = ts[pick].tolist()
    out["factor"] = [round(float(np.exp(run["rows"][i]["factor"])), 3) for i in pick]
    ff = np.exp(np.array([run["rows"][i]["fold_factor"] for i in pick]))
    out["fold_factor"] = ff.T.round(3).tolist()
    return out


def summary(paths):
    from twin.ops.qc import TESTS
    from twin.validation import twin_experiment as E

    for path in paths:
        for r in json.loads(Path(path).read_text())["runs"]:
            rows = [x for x in r["rows"] if x["t_s"] >= 3600.0]
            sc = np.array([x["scores"] for x in rows])  # (m, n, tests)
            faults = {int(k): v for k, v in r["faults"].items()}
            n = sc.shape[1]
            faulty = np.array([k in faults for k in range(n)])
            head = f"{r['network']} s{r['seed']} {r['variant']} sign {r.get('sign', 1)}"
            print(f"== {head}  folds {r['folds']}")
            top = sc.max(axis=2)
            lab = np.broadcast_to(faulty, top.shape)
            print("  max-score AUC", round(E.roc_auc(top.ravel(), lab.ravel()), 4))
            for k, kind in faults.items():
                s = np.r_[top[:, k], top[:, ~faulty].ravel()]
                lb = np.r_[np.ones(len(top), bool), np.zeros(top[:, ~faulty].size, bool)]
                print(f"  {kind:6s} AUC {E.roc_auc(s, lb):.4f}  mean max score "
                      f"{top[:, k].mean():.3f}  (sound {top[:, ~faulty].mean():.3f})")  # fmt: skip
            for j, test in enumerate(TESTS):
                if not sc[:, :, j].any():
                    continue
                per = " ".join(f"{sc[:, k, j].mean():.3f}" for k in range(n))
                print(f"  {test:10s} mean score per sensor {per}")
            y = np.array([x["y"] for x in rows])
            hx = np.array([x["hx"] for x in rows])
            hsd = np.array([x["hsd"] for x in rows])
            tr = np.array([x["truth"] for x in rows])
            for name, v in (
                ("reading - hx", y - hx),
                ("truth - hx", tr - hx),
                ("hx sd", hsd),
                ("z", (y - hx) / np.sqrt(hsd**2 + 1e-4)),
            ):
                print(
                    f"  {name:12s} mean per sensor "
                    + " ".join(f"{v[:, k].mean():+.3f}" for k in range(n))
                )
            f = np.array([x["factor"] for x in rows])
            ff = np.array([x["fold_factor"] for x in rows])
            ts = np.array([x["t_s"] for x in rows])
            pick = np.searchsorted(ts, np.arange(3600.0, ts[-1] + 1, 900.0))
            print("  t      " + " ".join(f"{ts[i]:6.0f}" for i in pick))
            print("  factor " + " ".join(f"{np.exp(f[i]):6.2f}" for i in pick))
            for j in range(ff.shape[1]):
                print(f"  fold {j} " + " ".join(f"{np.exp(ff[i, j]):6.2f}" for i in pick))


def main():
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    ap = argparse.ArgumentParser()
    ap.add_argument("--summary", nargs="+")
    ap.add_argument("--compact", nargs="+", help="traced JSON files, in brief to -o")
    ap.add_argument("--network", default="small")
    ap.add_argument("--seeds", default="1,3")
    ap.add_argument("--variants", default="default,step05")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sign", type=float, default=1.0, help="-1: bias and drift downward")
    ap.add_argument("-o")
    a = ap.parse_args()
    if a.summary:
        return summary(a.summary)
    if a.compact:
        runs = [compact(r) for p in a.compact for r in json.loads(Path(p).read_text())["runs"]]
        return Path(a.o).write_text(json.dumps({"runs": runs}, indent=1))
    jobs = [
        (a.network, int(s), v, 8, 150, a.sign)
        for s in a.seeds.split(",")
        for v in a.variants.split(";")
    ]
    with ProcessPoolExecutor(
        a.jobs, initializer=sys.path.insert, initargs=(0, str(Path(__file__).parent))
    ) as pool:
        runs = list(pool.map(one, *zip(*jobs, strict=True)))
    Path(a.o).write_text(json.dumps({"settings": vars(a), "runs": runs}))


if __name__ == "__main__":
    main()
