"""The held-out table and the brief's decision rule (fixed before the run): ``kalman``
becomes ``twin watch``'s default iff over the EnKF cases the mean 30-minute forecast RMSE
is lower, the mean 60-minute not higher by more than 2 %, the mean analysis RMSE not higher
by more than 2 %, the mean POD not lower by more than 0.02 and the mean FAR not higher by
more than 0.02; also the count of cases meeting -25 % at 30 minutes against the open loop
with the same nowcast, and the nowcast rain's bias over the town with each.

    python benchmarks/results/watch-mfb-scripts/table.py results/watch-mfb-heldout.json \
        [results/watch-mfb-nowcast-error-heldout.json]

(several run files comma-separated: the later's rows of a case replace the earlier's).
"""

import json
import sys

import numpy as np

rows = [r for f in sys.argv[1].split(",") for r in json.load(open(f))["runs"]]  # main's first
get = {(r["network"], r["seed"], r["method"], r.get("bias", "window")): r for r in rows}
cases = sorted({(r["network"], r["seed"]) for r in rows}, key=lambda c: (c[1], c[0]))
rain = {}
if len(sys.argv) > 2:
    for c in json.load(open(sys.argv[2]))["cases"]:
        for v, b in (("shipped", "window"), ("shipped-kalman", "kalman")):
            if v in c["variants"]:
                s = c["variants"][v]["summary"]
                rain[(c["network"], c["seed"], b)] = (s["all_bias_30"], s["all_mae_30"],
                                                      s["all_crps_30"])  # fmt: skip


def f(x, p=3):
    return "-" if x is None else f"{x:.{p}f}"


print(
    "| case | bias | analysis | 30 min | 60 min | POD | FAR | lead | open loop 30 | vs open "
    "loop 30 | factor | town rain 30: bias / MAE / CRPS [mm/h] |"
)
print("|---" * 12 + "|")
means = {}
for b in ("window", "kalman"):
    acc = {k: [] for k in ("analysis_rmse", "forecast_rmse_30", "forecast_rmse_60", "pod", "far")}
    met = 0
    for net, seed in cases:
        e, o = get.get((net, seed, "enkf", b)), get.get((net, seed, "none", b))
        if e is None:
            continue
        gain = e["forecast_rmse_30"] / o["forecast_rmse_30"] - 1 if o else None
        met += gain is not None and gain <= -0.25
        for k in ("analysis_rmse", "forecast_rmse_30", "forecast_rmse_60"):
            acc[k].append(e[k])
        acc["pod"].append(e["at_0.5"]["pod"])
        acc["far"].append(e["at_0.5"]["far"])
        rr = rain.get((net, seed, b))
        print(
            f"| {net} s{seed} | {b} | {f(e['analysis_rmse'])} | {f(e['forecast_rmse_30'])} | "
            f"{f(e['forecast_rmse_60'])} | {f(e['at_0.5']['pod'], 2)} | "
            f"{f(e['at_0.5']['far'], 2)} | {e['at_0.5']['median_lead_min']} | "
            f"{f(o['forecast_rmse_30']) if o else '-'} | "
            f"{'-' if gain is None else f'{100 * gain:+.1f} %'} | "
            f"{e['rain_factor_final']:.2f} | "
            f"{'-' if rr is None else f'{rr[0]:+.2f} / {rr[1]:.2f} / {rr[2]:.2f}'} |"
        )
    means[b] = {k: float(np.mean([x for x in v if x is not None])) if any(
        x is not None for x in v) else None for k, v in acc.items()}  # fmt: skip
    means[b]["met"] = met
    means[b]["n"] = len(acc["analysis_rmse"])
print()
print("| bias | n | analysis | 30 min | 60 min | POD | FAR | meeting -25 % at 30 min |")
print("|---|---|---|---|---|---|---|---|")
for b, m in means.items():
    print(
        f"| {b} | {m['n']} | {f(m['analysis_rmse'])} | {f(m['forecast_rmse_30'])} | "
        f"{f(m['forecast_rmse_60'])} | {f(m['pod'])} | {f(m['far'])} | {m['met']} of {m['n']} |"
    )
if means.get("window", {}).get("n") and means.get("kalman", {}).get("n"):
    w, k = means["window"], means["kalman"]
    tests = {
        "30 min lower": k["forecast_rmse_30"] < w["forecast_rmse_30"],
        "60 min not > +2 %": k["forecast_rmse_60"] <= 1.02 * w["forecast_rmse_60"],
        "analysis not > +2 %": k["analysis_rmse"] <= 1.02 * w["analysis_rmse"],
        "POD not < -0.02": k["pod"] >= w["pod"] - 0.02,
        "FAR not > +0.02": k["far"] <= w["far"] + 0.02,
    }
    print()
    for t, ok in tests.items():
        print(f"- {t}: {'yes' if ok else 'NO'}")
    print(
        f"\ndecision: kalman {'becomes' if all(tests.values()) else 'does not become'} the default"
    )
    print(
        f"30 min {100 * (k['forecast_rmse_30'] / w['forecast_rmse_30'] - 1):+.1f} %, 60 min "
        f"{100 * (k['forecast_rmse_60'] / w['forecast_rmse_60'] - 1):+.1f} %, analysis "
        f"{100 * (k['analysis_rmse'] / w['analysis_rmse'] - 1):+.1f} %"
    )
