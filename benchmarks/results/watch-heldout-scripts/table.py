"""README rows of the radar table from a watch_radar.py JSON (the EnKF rows, their open loop
in brackets), each followed by a comment with the changes against the open loop.

    python benchmarks/results/watch-heldout-scripts/table.py \
        benchmarks/results/watch-heldout-radar.json
"""

import json
import math
import sys

LABEL = {"gauge": "gauge", "radar-extrapolation-gauge": "gauge-adjusted radar, extrapolation"}


def f(x, n=3):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{n}f}"


def lead(x):
    return "-" if x is None or math.isnan(x) else (f"{x:.0f}" if x == int(x) else f"{x:.1f}")


def order(r):
    return r["seed"], r["network"] != "small", r["mode"] != "gauge"


def change(r, o, k):
    return 100 * (r[k] / o[k] - 1)


def row(r, o):
    a5, a3 = r["at_0.5"], r["at_0.3"]
    an = f"{f(r['analysis_rmse'])} m" + (f" ({f(o['analysis_rmse'])})" if o else "")
    fc = f"{f(r['forecast_rmse_30'])} / {f(r['forecast_rmse_60'])} m"
    if o:
        fc += f" ({f(o['forecast_rmse_30'])} / {f(o['forecast_rmse_60'])})"
    case = f"{r['network']} s{r['seed']}"
    if r["members"] != 8 or r["end_hours"] != 2.5:
        case += f", {r['members']} members, {r['end_hours']:g} h"
    cells = [
        f"{case} ({r['floods']} floods)",
        LABEL[r["mode"]],
        an,
        fc,
        f"{f(a5['pod'], 2)} / {f(a5['far'], 2)} / {lead(a5['median_lead_min'])} min "
        f"({a5['warnings']})",
        f"{f(a5['pod_in_force'], 2)} / {lead(a5['median_lead_in_force_min'])} min",
        f"{f(a3['pod'], 2)} / {f(a3['far'], 2)} / {lead(a3['median_lead_min'])}",
        f"{r['rain_factor_final']:.2f}",
    ]
    return "| " + " | ".join(cells) + " |"


def main():
    rows = json.load(open(sys.argv[1]))["runs"]
    ol = {(r["network"], r["seed"], r["mode"], r["members"]): r
          for r in rows if r["method"] == "none"}  # fmt: skip
    for r in sorted((r for r in rows if r["method"] == "enkf"), key=order):
        o = ol.get((r["network"], r["seed"], r["mode"], r["members"]))
        print(row(r, o))
        if o:
            print(
                f"<!-- vs open loop: analysis {change(r, o, 'analysis_rmse'):+.0f} %, "
                f"30 min {change(r, o, 'forecast_rmse_30'):+.0f} %, "
                f"60 min {change(r, o, 'forecast_rmse_60'):+.0f} %; open loop POD / FAR "
                f"{f(o['at_0.5']['pod'], 2)} / {f(o['at_0.5']['far'], 2)}; "
                f"load {r['load_average']:.1f}, wall {r['wall_s']} s, commit {r['commit']}, "
                f"radar bias {r['radar_bias']:.2f}, truth factor {r['rain_factor_truth']:.1f} -->"
            )


if __name__ == "__main__":
    main()
