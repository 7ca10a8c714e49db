"""Why manhole-overflow warnings miss floods and raise false ones: the reliability of the
forecast flood probabilities and the warnings at other thresholds, against an
independent truth; written to ``benchmarks/results/watch-warnings.json``.

One twin-experiment run per network and seed as in ``watch_twin.py`` (EnKF, 16 members,
10-minute cycles, 120-minute horizon, 3 h, the gauge nowcast), keeping its outputs
(``--keep DIR``); then:

- reliability: for every full cycle and manhole, the forecast probability of flooding
  within the horizon against whether the truth floods in that window, in bins;
- for each manhole that floods in the truth, its probability at each cycle before;
- the warning book replayed on the same forecasts at thresholds 0.5 down to 0.1
  (hysteresis 0.2, or half the threshold below 0.25): POD, false-alarm ratio, lead.

    python benchmarks/watch_warnings.py [--networks small,district-100] [--seeds 1,2]
    python benchmarks/watch_warnings.py --score DIR --networks small  # a kept run again
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).parent))
from watch_twin import network  # noqa: E402

OUT = Path(__file__).parent / "results" / "watch-warnings.json"
BINS = (0.0, 1e-9, 0.1, 0.3, 0.5, 0.7, 0.9, 1.01)
THRESHOLDS = (0.5, 0.4, 0.3, 0.2, 0.1)


def run(
    net_name,
    seed,
    outdir,
    members=16,
    end_hours=3.0,
    bounded=False,
    withheld=True,
    path="graph",
    radius=8.0,
):
    from twin.ops.enkf import FilterSettings
    from twin.ops.qc import QCSettings
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    model = network(net_name)
    ex = E.experiment(model, 6, seed=seed, rain_factor=1.2 + 0.1 * (seed % 3))
    t0 = time.perf_counter()
    tw = Twin(model, ex.sensors, outdir, members=members, seed=seed, end_hours=end_hours,
              filter_settings=FilterSettings(bounded_depth=bounded, path=path, radius=radius),
              qc_settings=QCSettings(withheld=withheld))  # fmt: skip
    tw.ingest(ex.rows(), "benchmark")
    tw.run()
    ex.truth.to_netcdf(Path(outdir) / "truth.nc")
    (Path(outdir) / "sensor_nodes.json").write_text(json.dumps([int(i) for i in ex.sensor_nodes]))
    return time.perf_counter() - t0


def book_messages(fc, names, threshold, hysteresis, hold_cycles=1) -> list[dict]:
    """The manhole messages of the warning book replayed on a run's forecasts ``fc``
    (risks as :meth:`twin.ops.watch.Twin.warnings` builds them; ``names`` the network's
    node names)."""
    from twin.ops.warnings import WarningBook, WarningSettings

    p_all, first_t = fc.node_flood_probability.values, fc.node_first_flood_time.values
    s = WarningSettings(probability=threshold, hysteresis=hysteresis, hold_cycles=hold_cycles)
    book, msgs = WarningBook(s), []
    for c, t in enumerate(fc.cycle.values):
        risks = {
            ("manhole_overflow", names[i]): {
                "probability": float(p_all[c, i]),
                "expected_time": None if np.isnat(first_t[c, i]) else first_t[c, i],
            }
            for i in np.flatnonzero(p_all[c] >= max(threshold - hysteresis, 1e-9))
        }
        msgs += [m.to_dict() for m in book.cycle(t, risks)]
    return msgs


def score(net_name, outdir, horizon_min=120.0) -> dict:
    from twin.validation import twin_experiment as E

    net = network(net_name)
    names = [str(x) for x in net.nodes.name]
    with xr.open_dataset(Path(outdir) / "forecasts.nc") as fc, \
            xr.open_dataset(Path(outdir) / "truth.nc") as tr:  # fmt: skip
        fc, tr = fc.load(), tr.load()
    p_all, first_t = fc.node_flood_probability.values, fc.node_first_flood_time.values
    cycles, tt = fc.cycle.values, tr.time.values
    flooding = tr.node_flooding.values > 1e-6
    horizon = np.timedelta64(int(horizon_min * 60), "s")
    p, o = [], []
    for c, t in enumerate(cycles):
        if t + horizon > tt[-1]:
            continue
        o.append(flooding[(tt > t) & (tt <= t + horizon)].any(axis=0))
        p.append(p_all[c])
    p, o = np.concatenate(p), np.concatenate(o)
    ok = np.isfinite(p)
    p, o = p[ok], o[ok]
    rel = []
    for lo, hi in zip(BINS[:-1], BINS[1:], strict=True):
        m = (p >= lo) & (p < hi)
        rel.append({"p_from": lo, "p_to": min(hi, 1.0), "pairs": int(m.sum()),
                    "observed": float(o[m].mean()) if m.any() else None})  # fmt: skip
    floods = E.truth_floods(net, tr)
    flood_times = E.truth_flood_times(net, tr)  # the score issue 17 asks (since 2026-12-07)
    before = {}
    for name, t_flood in floods.items():
        n = names.index(name)
        p_n = {str(t)[11:16]: round(float(p_all[c, n]), 3)
               for c, t in enumerate(cycles) if t <= t_flood}  # fmt: skip
        before[name] = {"flood": str(t_flood)[:19], "p": p_n}
    sweep = []
    for thr in THRESHOLDS:
        hyst = 0.2 if thr > 0.25 else thr / 2
        msgs = book_messages(fc, names, thr, hyst)
        sweep.append(
            {
                "threshold": thr,
                "hysteresis": hyst,
                **E.warning_scores(msgs, floods, flooding=flood_times),
            }
        )
    with xr.open_dataset(Path(outdir) / "analysis.nc") as an:
        an = an.load()
    sens = json.loads((Path(outdir) / "sensor_nodes.json").read_text())
    # the update's pile-up at the rim: cycle-manhole pairs whose members' median depth at
    # lead 0 is within 2 % of the rim while the truth's is below 90 % of it; and floods
    # forecast to begin within 5 minutes of the cycle that the truth does not have then
    rim = np.asarray(net.nodes.max_depth_m) + np.asarray(net.nodes.surcharge_depth_m)
    junction = (np.asarray(net.nodes.kind) == 0) & (rim > 0)
    med0 = fc.node_depth_quantile.sel(quantile=0.5).isel(lead=0).values
    truth_at = tr.node_depth.sel(time=cycles, method="nearest").values
    pile = (med0 >= 0.98 * rim) & (truth_at < 0.9 * rim) & junction
    soon = cycles[:, None] + np.timedelta64(300, "s")
    early = (first_t <= soon) & (p_all >= 0.3) & junction
    early_true = np.array([flooding[(tt > t) & (tt <= t + np.timedelta64(600, "s"))].any(axis=0)
                           for t in cycles])  # fmt: skip
    skill = {
        "rim_pileup_pairs": int(pile.sum()),
        "early_flood_pairs": int(early.sum()),
        "early_flood_pairs_false": int((early & ~early_true).sum()),
        "analysis_rmse": E.analysis_rmse(an, tr, E.wet_manholes(net, tr, sens)),
        "forecast_rmse_30": E.forecast_rmse(
            fc, tr, E.wet_manholes(net, tr), 30, an.time.values[-1]
        ),
        "forecast_rmse_60": E.forecast_rmse(
            fc, tr, E.wet_manholes(net, tr), 60, an.time.values[-1]
        ),
    }
    return {**skill, "pairs": int(len(p)), "flood_rate": float(o.mean()), "mean_p": float(p.mean()),
            "brier": float(np.mean((p - o) ** 2)), "reliability": rel,
            "probability_before_flood": before, "threshold_sweep": sweep}  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--keep", default=None, help="folder for the runs' outputs")
    ap.add_argument("--score", default=None, help="score a kept run folder only")
    ap.add_argument("--seed", type=int, default=None, help="its seed (with --score)")
    ap.add_argument("--members", type=int, default=16)
    ap.add_argument("--end-hours", type=float, default=3.0)
    ap.add_argument(
        "--bounded",
        action="store_true",
        help="update node depths in the variable bounded by the rim (FilterSettings.bounded_depth)",
    )
    ap.add_argument(
        "--no-withheld",
        action="store_true",
        help="QC against the filter's own prior (as before the withheld folds)",
    )
    ap.add_argument("--path", default="graph", help="localisation path: graph or flow")
    ap.add_argument("--radius", type=float, default=8.0, help="localisation radius [links]")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    out = Path(a.o)
    rows = json.loads(out.read_text())["runs"] if out.exists() else []
    if a.score:
        cases = [(a.networks.split(",")[0], a.seed, Path(a.score), None)]
    else:
        keep = Path(a.keep or "watch-warnings-runs")
        cases = []
        for seed in map(int, a.seeds.split(",")):
            for net in a.networks.split(","):
                d = keep / f"{net}-{seed}"
                wall = run(
                    net,
                    seed,
                    d,
                    a.members,
                    a.end_hours,
                    a.bounded,
                    not a.no_withheld,
                    a.path,
                    a.radius,
                )
                cases.append((net, seed, d, wall))
    for net, seed, d, wall in cases:
        r = {"network": net, "seed": seed, "members": a.members, "end_hours": a.end_hours,
             "update": "bounded" if a.bounded else "linear",
             "qc": "prior" if a.no_withheld else "withheld", "path": a.path,
             "radius": a.radius, "wall_s": wall,
             "load_average": os.getloadavg()[0], **score(net, d)}  # fmt: skip
        key = ("network", "seed", "members", "update", "qc", "path", "radius")
        rows = [x for x in rows if tuple(x.get(k) for k in key) != tuple(r[k] for k in key)] + [r]
        print(json.dumps({k: r[k] for k in key + ("analysis_rmse", "forecast_rmse_30",
                                                   "rim_pileup_pairs", "early_flood_pairs_false",
                                                   "threshold_sweep")}), flush=True)  # fmt: skip
        out.write_text(json.dumps({"runs": rows}, indent=1))


if __name__ == "__main__":
    main()
