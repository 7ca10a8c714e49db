"""Readings that arrive late, against the truth (round 16): the twin experiment of
``watch_twin.py`` fed as a live feed with per-sensor latency, cycled as the live loop
cycles, against the same feed on time; written to
``benchmarks/results/watch-late.json``.

The feed: the six depth sensors (1 cm noise) and the network's rain gauge as a rainfall
sensor (its rate every minute), each reading delivered ``U(0, 5)`` minutes after its time;
one depth sensor (the second) and the gauge ``U(10, 20)`` minutes after it, each with a
30-minute outage (from minute 50 for the gauge, from minute 70 for the depth sensor)
back-filled 5 minutes after it ends.  The live loop is polled every ``--poll-min``
(feed time): the readings delivered by then are stored and :meth:`Twin.run` cycles to the
feed's clock (``latency-min 0``, as ``twin watch`` did) or waits for the late sensors
(``--latencies``); after the feed's last delivery a last poll takes the rest.

Modes per case: ``ontime`` (every reading delivered at its time), ``late`` with each
latency bound.  Scores: analysis RMSE at the wet manholes (as ``watch_twin.py``), 30/60-min
forecast RMSE, POD / FAR / median lead of the manhole warnings (by the time the twin
issued them, and by the time the poll delivered them: a cycle held behind the feed issues
its warnings later), the readings never assimilated (``watch.json``'s ``late.missed``),
the cycles' lag behind the feed and the wall time.

    python benchmarks/watch_late.py [--networks small,district-100] [--seeds 1,2]
                                    [--latencies 0,25] [--members 16] [--jobs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_twin import network  # noqa: E402

OUT = Path(__file__).parent / "results" / "watch-late.json"
JITTER_MIN = (0.0, 5.0)
LATE_MIN = (10.0, 20.0)
#: sensor -> (outage start, length) [min after the start]; back-filled 5 min after its end
OUTAGES = {"R1": (50.0, 30.0), "L01": (70.0, 30.0)}
LATE = ("R1", "L01")


def feed_rows(ex, model, seed):
    """``[(time, sensor, value, delivered)]``: the depth readings and the gauge's rate
    every minute, each with its delivery time (datetime64[s])."""
    from twin.engine.options import SimOptions
    from twin.ops.rain import ObservedRain

    opts = SimOptions.from_network(model)
    rain = ObservedRain.of_network(model, opts)
    rows = [(np.datetime64(t, "s"), s, float(v)) for t, s, v in ex.rows()]
    start = np.datetime64(opts.start, "s")
    for k in range(int(opts.duration_s // 60) + 1):
        t = k * 60.0
        i = max(int(np.searchsorted(rain.times_s, t, side="right")) - 1, 0)
        rows.append((start + np.timedelta64(k * 60, "s"), "R1", float(rain.rates_mmh[i, 0])))
    rng = np.random.default_rng(1000 + seed)
    out = []
    for t, s, v in rows:
        lo, hi = LATE_MIN if s in LATE else JITTER_MIN
        d = t + np.timedelta64(int(rng.uniform(lo, hi) * 60), "s")
        if s in OUTAGES:
            a, n = OUTAGES[s]
            t_min = (t - start) / np.timedelta64(60, "s")
            if a <= t_min < a + n:
                d = max(d, start + np.timedelta64(int((a + n + 5) * 60), "s"))
        out.append((t, s, v, d))
    return out, start


def with_gauge(ex, model):
    from twin.ops.sensors import ElementKind, Quantity, Sensor, SensorSet

    gauge = Sensor("R1", ElementKind.GAUGE, str(model.raingages.name[0]), 0,
                   Quantity.RAINFALL, 0.5)  # fmt: skip
    return SensorSet([*ex.sensors, gauge])


def one(net_name, seed, mode, latency_min, members, end_hours, poll_min):
    import xarray as xr

    from twin.bench.report import source_commit
    from twin.ops.watch import Twin
    from twin.validation import twin_experiment as E

    model = network(net_name)
    ex = E.experiment(model, 6, seed=seed, rain_factor=1.2 + 0.1 * (seed % 3))
    rows, start = feed_rows(ex, model, seed)
    if mode == "ontime":
        rows = [(t, s, v, t) for t, s, v, _ in rows]
    sensors = with_gauge(ex, model)
    last = max(r[3] for r in rows)
    poll = np.timedelta64(int(poll_min * 60), "s")
    polls = list(np.arange(start + poll, last + poll, poll)) + [last + poll]
    delivered = {}  # cycle time -> the poll that ran it
    with tempfile.TemporaryDirectory() as outdir:
        t0 = time.perf_counter()
        tw = Twin(model, sensors, outdir, members=members, seed=seed, end_hours=end_hours,
                  latency_min=latency_min)  # fmt: skip
        lags, prev = [], start - poll
        for p in polls:  # the readings delivered since the last poll, then the loop's run
            new = [(str(t), s, v) for t, s, v, d in rows if prev < d <= p]
            prev = p
            if new:
                tw.ingest(new, "feed")
            n = tw.run()
            if n:
                for c in tw.cycles[-n:]:
                    delivered[float(c.issued_s)] = p
                lags.append(tw._seconds(tw.store.latest_time()) - tw.t_s)
        wall = time.perf_counter() - t0
        out = Path(outdir)
        an = xr.open_dataset(out / "analysis.nc").load()
        fc = xr.open_dataset(out / "forecasts.nc").load()
        mark = json.loads((out / "watch.json").read_text())
        path = out / "warnings.jsonl"
        msgs = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    truth = ex.truth
    all_wet = E.wet_manholes(model, truth)
    flooding = E.truth_flood_times(model, truth)
    floods = E.truth_floods(model, truth)
    by_issue = E.warning_scores(msgs, floods, flooding=flooding)
    late_msgs = []
    for m in msgs:  # issued when the poll that ran its cycle delivered it
        t = np.datetime64(m["issued"][:-1], "s")
        p = delivered.get(float((t - start) / np.timedelta64(1, "s")), t)
        late_msgs.append({**m, "issued": str(np.datetime64(p, "s")) + "Z"})
    by_delivery = E.warning_scores(late_msgs, floods, flooding=flooding)
    late = mark["late"]
    return {
        "network": net_name, "seed": seed, "mode": mode, "latency_min": latency_min,
        "members": members, "poll_min": poll_min, "cycles": len(tw.cycles),
        "readings": len(rows), "missed": late["missed"], "missed_by": late["missed_by"],
        "held_cycles": late["held_cycles"], "held_max_min": late["held_max_s"] / 60.0,
        "waited_for": late["waited_for"],
        "lag_mean_min": float(np.mean(lags)) / 60.0 if lags else 0.0,
        "analysis_rmse": E.analysis_rmse(an, truth, E.wet_manholes(model, truth, ex.sensor_nodes)),
        "forecast_rmse_30": E.forecast_rmse(fc, truth, all_wet, 30, an.time.values[-1]),
        "forecast_rmse_60": E.forecast_rmse(fc, truth, all_wet, 60, an.time.values[-1]),
        "by_issue": by_issue, "by_delivery": by_delivery,
        "wall_s": round(wall, 1), "load_average": os.getloadavg()[0],
        "commit": source_commit(), "command": " ".join(sys.argv),
    }  # fmt: skip


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--latencies", default="0,25", help="the late feed's --latency-min values")
    ap.add_argument("--members", type=int, default=16)
    ap.add_argument("--end-hours", type=float, default=3.0)
    ap.add_argument("--poll-min", type=float, default=10.0, help="the live loop's poll [min]")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--skip-done", action="store_true", help="skip the runs -o holds")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    runs = []
    for seed in map(int, a.seeds.split(",")):
        for net in a.networks.split(","):
            runs.append((net, seed, "ontime", 0.0))
            runs += [(net, seed, "late", float(x)) for x in a.latencies.split(",")]
    out = Path(a.o)
    key = ("network", "seed", "mode", "latency_min", "members", "poll_min")
    if a.skip_done and out.exists():  # the runs the file holds already are not run again
        done = {tuple(x.get(k) for k in key) for x in json.loads(out.read_text())["runs"]}
        runs = [r for r in runs if (*r, a.members, a.poll_min) not in done]
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(a.jobs) as pool:
        futs = [pool.submit(one, *r, a.members, a.end_hours, a.poll_min) for r in runs]
        for f in as_completed(futs):
            r = f.result()
            rows = json.loads(out.read_text())["runs"] if out.exists() else []
            rows = [x for x in rows if tuple(x.get(k) for k in key) != tuple(r[k] for k in key)]
            out.write_text(json.dumps({"runs": rows + [r]}, indent=1))
            show = key + ("missed", "held_cycles", "lag_mean_min", "analysis_rmse",
                          "forecast_rmse_30", "by_issue", "by_delivery", "wall_s")  # fmt: skip
            print(json.dumps({k: r.get(k) for k in show}), flush=True)


if __name__ == "__main__":
    main()
