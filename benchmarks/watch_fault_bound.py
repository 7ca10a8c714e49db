"""What fault-detection AUC the benchmark of ``benchmarks/watch_faults.py`` allows: the
AUC of QC scores that know the truth, written to
``benchmarks/results/watch-fault-bound.json``.

The goal's metric (issue 17) ranks every report sample after the fault start, faulty
sensors against sound ones.  A 2 cm/h drift is 0.3 cm ten minutes after its start and a
10 % bias of a 5 cm depth 0.5 cm, inside the readings' 1 cm noise, so part of the
faulty samples cannot be told from sound ones by anyone.  Scores, each computed at every
report sample from the readings up to it (causal), with ``z = (reading - truth) / sd``:

- ``abs_z``: the sample's own ``|z|`` (the truth known exactly, no memory);
- ``cusum``: a two-sided CUSUM (Page 1954) of ``z`` from the sensor's first reading,
  allowance 0.5: the best accumulation of an offset of unknown start and sign;
- ``mean``: ``|sum z| / sqrt(n)`` since the first reading (a running mean in standard
  errors);
- ``cusum_var``: a CUSUM of ``z^2 - 1`` with allowance 1 (a scatter larger than the
  declared sd: the noise fault);
- ``accum``: the larger of ``cusum`` and ``cusum_var``, each over its 99.9 % point on
  sound readings (Monte Carlo): one generic score for all kinds;
- ``accum_stuck``: ``accum``, or above every other score where the readings have not
  changed for 3 minutes (the QC's stuck test, which needs no prediction);
- ``llr`` (the ceiling: the generator known): the log posterior odds of "faulty" given
  the readings since the fault start, the log-sum-exp of the likelihood ratios of each
  fault of the generator (bias +-10 %, drift +-2 cm/h, stuck, noise x6, with their
  known start) against a sound sensor.  No detector can rank the samples better
  (Neyman-Pearson), up to the priors of the kinds.

Each score's AUC: every faulty sample against every sound one, over all four faults and
per kind (as ``watch_faults.aucs``), per case and pooled; also ``from30``: the same from
30 minutes after the fault start, and ``sensor``: each sensor's largest score.

With ``--traces RUNS.json`` (``watch_faults.py --trace`` output) the same accumulations
of the QC innovation against the withheld prediction (``z = (y - hx) / sqrt(hsd^2 +
sd^2)``) instead of the truth: what an accumulating test can reach with the prediction
the twin has.

    python benchmarks/watch_fault_bound.py [--networks small,district-100] [--seeds 1,2,3]
        [--signs 1,-1] [--traces RUNS.json ...] [-o OUT.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results" / "watch-fault-bound.json"
SD = 0.01
START_S = 3600.0
MINUTES = 150.0


def cusum(z, k=0.5):
    """The two-sided CUSUM of ``z`` (t, n) along time with allowance ``k``: (t, n)."""
    up = np.zeros(z.shape[1])
    down = np.zeros(z.shape[1])
    out = np.empty_like(z)
    for i, v in enumerate(z):
        v = np.nan_to_num(v)
        up = np.maximum(0.0, up + v - k)
        down = np.maximum(0.0, down - v - k)
        out[i] = np.maximum(up, down)
    return out


def cusum_var(z, k=1.0):
    """A one-sided CUSUM of ``z^2 - 1`` with allowance ``k``: (t, n)."""
    s = np.zeros(z.shape[1])
    out = np.empty_like(z)
    for i, v in enumerate(z):
        s = np.maximum(0.0, s + np.nan_to_num(v) ** 2 - 1.0 - k)
        out[i] = s
    return out


def running_mean(z):
    n = np.cumsum(np.isfinite(z), axis=0)
    return np.abs(np.nancumsum(z, axis=0)) / np.sqrt(np.maximum(n, 1))


_NULL = {}


def null_points(n=150, sims=4000, q=99.9) -> tuple:
    """The ``q`` % points of the largest ``cusum`` and ``cusum_var`` over ``n`` sound
    readings (Monte Carlo, fixed seed)."""
    if (n, q) not in _NULL:
        z = np.random.default_rng(0).normal(size=(n, sims))
        _NULL[n, q] = (
            float(np.percentile(cusum(z).max(axis=0), q)),
            float(np.percentile(cusum_var(z).max(axis=0), q)),
        )
    return _NULL[n, q]


def scores(z, y=None):
    """The generic scores of normalised residuals ``z`` (t, n) at every reading."""
    c, v = cusum(z), cusum_var(z)
    hc, hv = null_points()
    return {
        "abs_z": np.abs(np.nan_to_num(z)),
        "cusum": c,
        "mean": running_mean(z),
        "cusum_var": v,
        "accum": np.maximum(c / hc, v / hv),
    } | ({} if y is None else {"accum_stuck": np.maximum(c / hc, v / hv) + 1e3 * stuck(y)})


def stuck(y, minutes=3):
    """Whether each reading (t, n) ends a run of ``minutes`` + 1 identical readings."""
    same = np.abs(np.diff(y, axis=0)) <= 1e-9
    run = np.zeros(y.shape[1])
    out = np.zeros(y.shape, bool)
    for i, s in enumerate(same, start=1):
        run = np.where(s, run + 1, 0)
        out[i] = run >= minutes
    return out


def llr(t_s, y, truth, on, sd=SD):
    """The log posterior odds of a fault of the generator (equal priors over the six
    kinds and signs) given the readings since the start ``on`` (t,) bool: (t, n)."""
    t_s = np.asarray(t_s, float)
    on = np.asarray(on, bool)
    i0 = int(np.argmax(on))
    tau = np.where(on, t_s - t_s[i0], 0.0)[:, None]

    def gauss(e, s):
        return -0.5 * (e / s) ** 2 - np.log(s)

    sound = gauss(y - truth, sd)
    kinds = []
    for g in (1.0, -1.0):
        kinds.append(gauss(y - truth * (1.0 + 0.1 * g), sd))
        kinds.append(gauss(y - truth - g * 0.02 * tau / 3600.0, sd))
    kinds.append(gauss(y - truth, 6.0 * sd))
    # the readings are clipped at 0: a zero reading has the probability of all below it
    zero = y <= 0.0
    out = []
    for lk in kinds:
        lr = np.where(on[:, None] & ~zero, lk - sound, 0.0)
        out.append(np.cumsum(lr, axis=0))
    # stuck: every reading since the start equals the start's (impossible when sound)
    same = np.cumsum(on[:, None] & (np.abs(y - y[i0]) > 1e-9), axis=0) == 0
    stuck = np.where(on[:, None] & same & (np.arange(len(y)) > i0)[:, None], 1e6, -1e6)
    out.append(stuck)
    a = np.stack(out)
    m = a.max(axis=0)
    return m + np.log(np.exp(a - m).sum(axis=0) / len(out))


def aucs(score, faults, after) -> dict:
    """The benchmark's AUCs (``watch_faults.aucs``) of ``score`` (samples, sensors)
    of the samples ``after`` (samples,) bool, and from 30 minutes after the fault start."""
    from watch_faults import aucs as bench_aucs

    out = bench_aucs(score[after], faults)
    out.pop("sensor_max")
    return out


def truth_case(net_name, seed, sign):
    """The oracle's scores of one case (no twin run)."""
    from watch_faults import network

    from twin.engine.options import SimOptions
    from twin.validation import twin_experiment as E

    net = network(net_name)
    faults = dict(enumerate(E.FAULTS))
    ex = E.experiment(net, 6, seed=seed, faults=faults, fault_start_s=START_S, sign=sign)
    tt = ex.truth.time.values.astype("datetime64[s]")
    i = np.searchsorted(tt, ex.times)
    truth = ex.truth.node_depth.values[i][:, list(ex.sensor_nodes)]
    t_s = (ex.times - ex.times[0]).astype(np.int64).astype(float)
    t_s = t_s + float(ex.truth.attrs.get("_offset_s", 0.0))
    y = ex.values
    report_s = float(SimOptions.from_network(net).report_step_s)
    keep = t_s - t_s[0] <= MINUTES * 60.0 + 1e-6
    t_s, y, truth, on = t_s[keep], y[keep], truth[keep], ex.faulty[keep, 0]
    sc = scores((y - truth) / SD, y)
    sc["llr"] = llr(t_s, y, truth, on)
    rel = t_s - t_s[0]
    grid = np.abs(rel / report_s - np.round(rel / report_s)) < 1e-6
    return _case(net_name, seed, sign, sc, faults, grid, on, t_s, report_s)


def _case(net_name, seed, sign, sc, faults, grid, on, t_s, report_s):
    after = on[grid]
    late = (t_s >= t_s[np.argmax(on)] + 1800.0)[grid]
    row = {"network": net_name, "seed": seed, "sign": sign, "report_s": report_s}
    for name, s in sc.items():
        s = s[grid]
        row[name] = aucs(s, faults, after)
        row[name]["from30"] = aucs(s, faults, late)["fault_auc"]
    return row


def trace_cases(path):
    """The accumulations of the withheld QC innovation of a ``watch_faults.py --trace``
    output."""
    from twin.validation import twin_experiment as E

    faults = dict(enumerate(E.FAULTS))
    rows = []
    for r in json.loads(Path(path).read_text())["runs"]:
        tr = r["trace"]
        t = np.array(tr["t"])
        y, hx, hsd = (np.array(tr[k]) for k in ("y", "hx", "hsd"))
        z = (y - hx) / np.sqrt(hsd**2 + SD**2)
        sc = scores(z, y)
        rel = t - tr["t0_s"]
        grid = np.abs(t / tr["report_s"] - np.round(t / tr["report_s"])) < 1e-6
        on = rel >= START_S
        row = _case(r["network"], r["seed"], r["sign"], sc, faults, grid, on, t, tr["report_s"])
        row["qc_default"] = {"fault_auc": r["fault_auc"]}
        rows.append(row)
    return rows


def pooled(rows) -> dict:
    """The mean of each score's AUCs over the rows."""
    out = {}
    names = [k for k in rows[0] if isinstance(rows[0][k], dict)]
    for name in names:
        keys = [k for k in rows[0][name] if isinstance(rows[0][name][k], float)]
        out[name] = {k: round(float(np.nanmean([r[name][k] for r in rows])), 4) for k in keys}
        out[name]["min_fault_auc"] = round(min(r[name]["fault_auc"] for r in rows), 4)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--signs", default="1,-1")
    ap.add_argument("--traces", nargs="*", default=[])
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    out = {"settings": vars(a), "null_points_99_9": null_points()}
    if a.traces:
        rows = [row for p in a.traces for row in trace_cases(p)]
        out["withheld"] = {"mean": pooled(rows), "runs": rows}
    else:
        rows = []
        for seed in map(int, a.seeds.split(",")):
            for net in a.networks.split(","):
                for sign in map(float, a.signs.split(",")):
                    rows.append(truth_case(net, seed, sign))
                    print(json.dumps({k: rows[-1][k] for k in ("network", "seed", "sign")}
                                     | {n: rows[-1][n]["fault_auc"] for n in rows[-1]
                                        if isinstance(rows[-1][n], dict)}), flush=True)  # fmt: skip
        out["truth"] = {"mean": pooled(rows), "runs": rows}
        for g in sorted({r["sign"] for r in rows}):
            out["truth"][f"mean_sign{int(g):+d}"] = pooled([r for r in rows if r["sign"] == g])
    Path(a.o).write_text(json.dumps(out, indent=1))
    print(json.dumps({k: v["mean"] for k, v in out.items() if isinstance(v, dict) and "mean" in v},
                     indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
