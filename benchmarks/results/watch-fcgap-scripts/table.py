"""The notes' tables from benchmarks/results/watch-fcgap-probe.json, and per run the
cycles and nodes that carry the 30-minute error.

    python benchmarks/results/watch-fcgap-scripts/table.py benchmarks/results/watch-fcgap-probe.json
"""

import json
import sys

import numpy as np

K30 = 3  # LEADS_MIN.index(30)
rows = json.load(open(sys.argv[1]))["runs"]
by = {(r["network"], r["seed"], r["method"]): r for r in rows}


def scored(r):
    return [c for c in r["cycles"] if c["fc_n"][K30] and (c["t_min"] + 30) * 60 <= r["until_s"]]


def rain(r, what):
    cyc = scored(r)
    return sum(c[what] for c in cyc) / sum(c["rain30_truth_mm"] for c in cyc)


print("| case | method | factor | analysis | 30: fc | f1 | rf | tr | 60: fc | f1 | tr |", end="")
print(" rain 30 nowcast / truth | with factor |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (net, seed, m), r in sorted(by.items(), key=lambda x: (x[0][1] != 21, x[0][1], x[0][0])):
    b = r["by_lead"]
    cells = [r["rain_factor_final"], r["analysis_rmse"]]
    cells += [b[n]["30"] for n in ("fc", "f1", "rf", "tr")]
    cells += [b[n]["60"] for n in ("fc", "f1", "tr")]
    cells += [rain(r, "rain30_nowcast_mm"), rain(r, "rain30_forecast_mm")]
    fmt = ["%.2f", "%.3f"] + ["%.3f"] * 7 + ["%.2f", "%.2f"]
    print(
        f"| {net} s{seed} | {m} | "
        + " | ".join(f % c for f, c in zip(fmt, cells, strict=True))
        + " |"
    )
print()
print("| case | as run (fc) | factor 1 (f1) | truth's factor (rf) | truth's rain (tr) |")
print("|---|---|---|---|---|")
for net in ("small", "district-100"):
    for seed in (21, 1, 2):
        e, o = by.get((net, seed, "enkf")), by.get((net, seed, "none"))
        if e and o:
            d = [
                (e["by_lead"][n]["30"] / o["by_lead"][n]["30"] - 1) * 100
                for n in ("fc", "f1", "rf", "tr")
            ]
            print(f"| {net} s{seed} | " + " | ".join(f"{x:+.0f} %" for x in d) + " |")
print()
for (net, seed, m), r in sorted(by.items()):
    cyc = scored(r)
    sse = np.array([c["fc_sse"][K30] for c in cyc])
    print(
        f"{net} s{seed} {m}: cycles carrying the 30-minute error (t, share, bias fc / tr, "
        "nowcast and forecast rain over the truth's, factor, gauge bias)"
    )
    for i in np.argsort(sse)[::-1][:3]:
        c = cyc[i]
        t = max(c["rain30_truth_mm"], 1e-9)
        print(
            f"  {c['t_min']:.0f} min {sse[i] / sse.sum():.0%} {c['fc_bias'][K30]:+.2f} / "
            f"{c['tr_bias'][K30]:+.2f} m, {c['rain30_nowcast_mm'] / t:.2f} / "
            f"{c['rain30_forecast_mm'] / t:.2f}, {c['rain_factor_mean']:.2f}, "
            f"{c['gauge_bias'][0]:.2f}"
        )
    e2 = np.array(r["node_rmse30"]["fc"]) ** 2
    top = np.argsort(e2)[::-1][:3]
    print(
        "  largest nodes' share of the 30-minute MSE: "
        + ", ".join(f"{r['wet_nodes'][i]} {e2[i] / e2.sum():.0%}" for i in top)
    )
