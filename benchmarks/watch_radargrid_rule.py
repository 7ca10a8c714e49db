"""The lead's rule for ``--radar-rain`` (round 14): the option's rows of a
``watch_radar.py`` results file against the default rows of the same network, seed and
method (EnKF unless ``--method``), paired; the means and the count of cases better.

    python benchmarks/watch_radargrid_rule.py FILE [--option subcatchment] [--method enkf]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

SCORES = (("analysis_rmse", None), ("forecast_rmse_30", None), ("forecast_rmse_60", None),
          ("far", "at_0.5"), ("pod", "at_0.5"), ("median_lead_min", "at_0.5"))  # fmt: skip


def value(row, name, part):
    v = row[part][name] if part else row[name]
    return float("nan") if v is None else float(v)


def paired_table(rows, option: str, what: str):
    """Print the ``option`` rows against the default rows of the same network and seed,
    paired, and their means; returns ``(cases, default, option, mean_default,
    mean_option)``, the arrays (case, score) in :data:`SCORES`' order."""
    default = {(r["network"], r["seed"]): r for r in rows if r.get("radar_rain") is None}
    chosen = {(r["network"], r["seed"]): r for r in rows if r.get("radar_rain") == option}
    cases = sorted(set(default) & set(chosen), key=lambda k: (k[1], k[0]))
    if not cases:
        raise SystemExit(f"no pair of default and {option!r} rows {what}")
    print("case", *(n for n, _ in SCORES), sep="\t")
    d = np.array([[value(default[c], *s) for s in SCORES] for c in cases])
    o = np.array([[value(chosen[c], *s) for s in SCORES] for c in cases])
    for c, dc, oc in zip(cases, d, o, strict=True):
        print(f"{c[0]} s{c[1]}", *(f"{x:.4f} -> {y:.4f}" for x, y in zip(dc, oc, strict=True)),
              sep="\t")  # fmt: skip
    md, mo = np.nanmean(d, axis=0), np.nanmean(o, axis=0)
    print("mean", *(f"{x:.4f} -> {y:.4f}" for x, y in zip(md, mo, strict=True)), sep="\t")
    return cases, d, o, md, mo


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--option", default="subcatchment")
    ap.add_argument("--method", default="enkf")
    a = ap.parse_args()
    rows = [r for r in json.load(open(a.file))["runs"] if r["method"] == a.method]
    cases, d, o, md, mo = paired_table(rows, a.option, f"with method {a.method!r}")
    lower = int((o[:, 0] < d[:, 0]).sum())
    rule = {
        "a_analysis_lower_mean": bool(mo[0] < md[0]),
        "a_analysis_lower_cases": f"{lower} of {len(cases)}",
        "a_analysis_lower_on_4_of_6": lower >= 4,
        "b_forecast30_not_higher": bool(mo[1] <= md[1]),
        "c_far_not_higher_by_0.02": bool(mo[3] <= md[3] + 0.02),
        "c_pod_not_lower_by_0.03": bool(mo[4] >= md[4] - 0.03),
        "c_lead_not_shorter_by_5": bool(mo[5] >= md[5] - 5.0),
    }
    rule["all"] = all(v for k, v in rule.items() if k != "a_analysis_lower_cases")
    print(json.dumps(rule, indent=1))


if __name__ == "__main__":
    main()
