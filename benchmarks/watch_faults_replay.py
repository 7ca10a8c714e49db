"""Faulty-sensor QC replayed offline: record each case's per-reading history once, then
score QC settings over it in seconds instead of a twin run a case.

``--record DIR`` runs the case of ``benchmarks/watch_faults.py`` (network, seed) and
saves, at every reading, the time, each sensor's reading, the withheld prediction and
its spread, the QC flags and every test's score, with the truth at the sensors, to
``DIR/NETWORK-SEED.npz``.  Without ``--record`` it replays :class:`twin.ops.qc.SensorQC`
with ``--qc`` overrides over the recorded histories and prints the AUC as the benchmark
measures it (every report sample from the fault start on, faulty against sound, and
per fault against the sound sensors).

The replay keeps the recorded flags: the filter's feedback (the QC's verdicts decide
which readings the members and the withheld ensembles take) is not replayed, so a real
run of a change (``watch_faults.py --qc``) can differ from its replay by +-0.1 a case;
the replay of the recording's own settings gives the recorded AUC exactly.

    python benchmarks/watch_faults_replay.py --record /tmp/h --networks small --seeds 1,2,3
    python benchmarks/watch_faults_replay.py /tmp/h --qc noise_min=30
    python benchmarks/watch_faults_replay.py /tmp/h --qc trend=true,trend_k=13.0
    python benchmarks/watch_faults_replay.py /tmp/h --oracle   # a perfect model's QC
    python benchmarks/watch_faults_replay.py /tmp/h --matched  # a bound no QC can reach
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import watch_faults as W  # noqa: E402


def record(folder, net_name, seed, members=8, minutes=150) -> Path:
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    net = W.network(net_name)
    faults = dict(enumerate(E.FAULTS))
    ex = E.experiment(net, 6, seed=seed, faults=faults, fault_start_s=3600.0)
    log = {"t": [], "y": [], "hx": [], "hsd": [], "flag": [], "scores": [], "ens": []}
    with tempfile.TemporaryDirectory() as outdir:
        tw = Twin(net, ex.sensors, outdir, members=members, seed=seed, forecast=False,
                  cycle_min=30)  # fmt: skip
        check = tw._check
        tw._history.setdefault("hxm", [])  # the members, kept by the twin only for some tests

        def logged(t):
            h = tw._history
            for k in ("t", "y", "hx", "hsd"):
                log[k].append(h[k][-1])
            log["ens"].append(h["hxm"][-1])
            check(t)
            log["flag"].append(tw.qc.flagged.copy())
            log["scores"].append(tw.qc.scores.copy())

        tw._check = logged
        tw.ingest(ex.rows(minutes), "benchmark")
        tw.run()
    path = Path(folder) / f"{net_name}-{seed}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    truth = ex.truth.node_depth.values[:, ex.sensor_nodes]
    np.savez(path, truth=truth, sd=ex.sensors.sd, **{k: np.array(v) for k, v in log.items()})
    return path


def replay(path, settings, oracle=False) -> dict:
    """AUCs of ``settings`` (a QCSettings) over the history at ``path``; ``oracle``: the
    prediction replaced by the truth itself with no spread (every member the truth), so
    that only the readings' noise and faults are left: what the QC's statistics can
    tell with a perfect model."""
    from twin.ops.qc import SensorQC
    from twin.validation import twin_experiment as E

    d = np.load(path)
    t, y, hx, hsd = d["t"], d["y"], d["hx"], d["hsd"]
    ens = d["ens"] if "ens" in d else None  # recordings before the members were saved
    if oracle:  # the truth's first row is the first reading's (t = 60 s), one a minute
        hx = d["truth"][np.rint(t / 60.0).astype(int) - 1]
        hsd = np.zeros_like(hx)
        ens = np.repeat(hx[:, None, :], 8, axis=1)
    qc = SensorQC(d["sd"], settings)
    rep = np.flatnonzero(np.isclose(t % 300.0, 0.0))
    rep = rep[t[rep] - t[rep[0]] >= 3600.0]
    score = []
    for m in rep:
        w = (t <= t[m]) & (t > t[m] - 7200.0)  # the twin's two hours of history
        score.append([qc._scores(t[w], y[w, i], hx[w, i], hsd[w, i], qc.sd[i], t[m],
                                 None if ens is None else ens[w, :, i]).max()
                      for i in range(y.shape[1])])  # fmt: skip
    return W.aucs(np.array(score), dict(enumerate(E.FAULTS)))


def matched(path, sd=0.01, fault_start_s=3600.0) -> dict:
    """AUCs of a detector that cannot be had, a bound: the truth as the prediction, the
    fault's start and each fault's shape known.  At every report sample each sensor gets
    four matched tests on its normalised errors since the start (a 2 cm/h ramp and a
    10 % bias: the matched filter's z, one-sided; six-fold noise: chi-square; stuck: the
    last five readings equal while the truth moved by 3 mm); the score is the smallest
    p-value times four.  Readings where the truth is within 2 cm of zero are left out
    (they are clipped at zero)."""
    from scipy import stats

    from twin.validation import twin_experiment as E

    d = np.load(path)
    t, y = d["t"], d["y"]
    truth = d["truth"][np.rint(t / 60.0).astype(int) - 1]
    e = np.where(truth < 2 * sd, 0.0, (y - truth) / sd)
    rep = np.flatnonzero(np.isclose(t % 300.0, 0.0))
    rep = rep[t[rep] - t[rep[0]] >= fault_start_s]
    score = np.zeros((len(rep), y.shape[1]))
    for a, m in enumerate(rep):
        on = (t >= fault_start_s) & (t <= t[m])
        ramp = (t[on] - fault_start_s) / 60.0 + 1.0
        for i in range(y.shape[1]):
            ei, g = e[on, i], 0.1 * truth[on, i] / sd
            p = [stats.norm.sf(ramp @ ei / np.sqrt(ramp @ ramp)),
                 stats.norm.sf(g @ ei / np.sqrt(g @ g)) if g @ g > 0 else 1.0,
                 stats.chi2.sf(ei @ ei, max(int((ei != 0).sum()), 1)),
                 1e-300 if on.sum() >= 5 and np.ptp(y[on, i][-5:]) == 0
                 and np.ptp(truth[on, i][-5:]) > 0.003 else 1.0]  # fmt: skip
            score[a, i] = -np.log10(max(4.0 * min(p), 1e-300))
    return W.aucs(score, dict(enumerate(E.FAULTS)))


def _rounded(row) -> dict:
    return {
        k: round(v, 3) if isinstance(v, float) else v for k, v in row.items() if k != "sensor_max"
    }


def main():
    from twin.ops.qc import QCSettings

    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--qc", default="", help="QC settings other than the defaults, k=v,...")
    ap.add_argument("--oracle", action="store_true", help="the truth as the prediction")
    ap.add_argument(
        "--matched",
        action="store_true",
        help="a bound: the truth as prediction, fault start and shapes known",
    )
    ap.add_argument("-o", default="", help="also write the AUCs to this JSON file (appended)")
    a = ap.parse_args()
    if a.record:
        for seed in map(int, a.seeds.split(",")):
            for net in a.networks.split(","):
                print(record(a.folder, net, seed), flush=True)
        return
    qc = {k: W._value(v) for k, v in (kv.split("=") for kv in a.qc.split(",") if kv)}
    rows = []
    for path in sorted(Path(a.folder).glob("*.npz")):
        rows.append(matched(path) if a.matched else replay(path, QCSettings(**qc), a.oracle))
        print(path.stem, _rounded(rows[-1]), flush=True)
    keys = [k for k in rows[0] if k != "sensor_max"]
    print("mean", {k: round(float(np.mean([r[k] for r in rows])), 3) for k in keys})
    pooled = W.sensor_auc_pooled(rows)
    print("sensor-level AUC pooled over the cases", round(pooled, 3))
    if a.o:
        import json

        out = Path(a.o)
        runs = json.loads(out.read_text())["replays"] if out.exists() else []
        names = [p.stem for p in sorted(Path(a.folder).glob("*.npz"))]
        runs.append({"folder": a.folder, "qc": a.qc, "oracle": a.oracle, "matched": a.matched,
                     "cases": dict(zip(names, rows, strict=True)),
                     "mean_fault_auc": float(np.mean([r["fault_auc"] for r in rows])),
                     "sensor_auc_pooled": pooled})  # fmt: skip
        out.write_text(json.dumps({"replays": runs}, indent=1))


if __name__ == "__main__":
    main()
