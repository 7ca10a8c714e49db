"""watch-burst (round 15, issue 17): the brief's rule on the held-out rows of
``watch_radar.py`` (labels ``main`` and ``burst``, paired by network and seed), and the
rainfall warnings of the kept runs against the SWMM truth's first manhole flood::

    python benchmarks/watch_burst_rule.py benchmarks/results/watch-burst-heldout.json \\
        --keep-main DIR --keep-burst DIR [-o OUT.json]

The rule (fixed before the runs): the change becomes the default iff over the cases mean
POD is higher or equal, mean FAR not higher by more than 0.02, the median lead not
shorter, the mean 30-minute forecast RMSE not higher by more than 2 % and the analysis not
higher by more than 2 %.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))


def rain_warnings(folder: Path) -> dict:
    """The first ``new`` rainfall message (time, source) and how many were issued."""
    msgs = [json.loads(x) for x in (folder / "warnings.jsonl").read_text().splitlines() if x]
    new = [m for m in msgs if m["kind"] == "rainfall" and m["status"] == "new"]
    first = new[0] if new else None
    return {"rain_new": len(new),
            "rain_first": first["issued"][:-1] if first else None,
            "rain_first_source": first.get("source", "observed") if first else None}  # fmt: skip


def first_flood(folder: Path, net_name: str):
    import xarray as xr
    from watch_twin import network

    from twin.validation.twin_experiment import truth_floods

    with xr.open_dataset(folder / "truth.nc") as tr:
        f = truth_floods(network(net_name), tr.load())
    return str(min(np.datetime64(t, "s") for t in f.values())) if f else None


def minutes(a, b):
    if a is None or b is None:
        return None
    return float((np.datetime64(b, "s") - np.datetime64(a, "s")) / np.timedelta64(60, "s"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--keep-main", required=True)
    ap.add_argument("--keep-burst", required=True)
    ap.add_argument("-o")
    a = ap.parse_args()
    rows = json.loads(Path(a.file).read_text())["runs"]
    by = {(r["label"], r["network"], r["seed"]): r for r in rows}
    cases = sorted({(n, s) for (_, n, s) in by}, key=lambda c: (c[1], c[0]))
    table = []
    for n, s in cases:
        m, b = by.get(("main", n, s)), by.get(("burst", n, s))
        if m is None or b is None:
            continue
        row = {"network": n, "seed": s, "floods": m["floods"]}
        for tag, r, keep in (("main", m, a.keep_main), ("burst", b, a.keep_burst)):
            row[tag] = {"pod": r["at_0.5"]["pod"], "far": r["at_0.5"]["far"],
                        "lead": r["at_0.5"]["median_lead_min"],
                        "fc30": r["forecast_rmse_30"], "analysis": r["analysis_rmse"]}  # fmt: skip
            folder = Path(keep) / Path(r["outdir"]).name
            row[tag] |= rain_warnings(folder)
            flood = first_flood(folder, n)
            row["first_flood"] = flood
            row[tag]["rain_lead_min"] = minutes(row[tag]["rain_first"], flood)
        table.append(row)

    def mean(tag, k):
        v = [r[tag][k] for r in table if r[tag][k] is not None and np.isfinite(r[tag][k])]
        return float(np.mean(v)) if v else None

    def median(tag, k):
        v = [r[tag][k] for r in table if r[tag][k] is not None and np.isfinite(r[tag][k])]
        return float(np.median(v)) if v else None

    sm = {t: {"pod": mean(t, "pod"), "far": mean(t, "far"), "lead": median(t, "lead"),
              "fc30": mean(t, "fc30"), "analysis": mean(t, "analysis"),
              "rain_lead_min": median(t, "rain_lead_min")} for t in ("main", "burst")}  # fmt: skip
    o, n_ = sm["main"], sm["burst"]
    checks = {
        "pod": n_["pod"] >= o["pod"] - 1e-12,
        "far": n_["far"] <= o["far"] + 0.02,
        "lead": n_["lead"] >= o["lead"] - 1e-12,
        "fc30": n_["fc30"] <= o["fc30"] * 1.02,
        "analysis": n_["analysis"] <= o["analysis"] * 1.02,
    }
    out = {"cases": table, "summary": sm, "checks": checks, "default": all(checks.values())}
    for r in table:
        print(r["network"], r["seed"], "floods", r["floods"], "first", r["first_flood"],
              {t: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r[t].items()}
               for t in ("main", "burst")})  # fmt: skip
    print(json.dumps({"summary": sm, "checks": checks, "default": out["default"]}, indent=1))
    if a.o:
        Path(a.o).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
