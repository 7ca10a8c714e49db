"""Gauge nowcasts against the rain that fell: plain persistence, fixed lifetimes and the
lifetime estimated from the record (:func:`twin.ops.rain.rain_lifetime_min`), on six
storm shapes, written to ``benchmarks/results/watch-twin-nowcast.json``.

Every 10 minutes of each storm while it rains, the single (unperturbed) nowcast of the
next 60 minutes in 5-minute steps is compared with the gauge record: RMSE [mm/h].

    python benchmarks/watch_nowcast.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import twin
from twin.engine.options import SimOptions
from twin.ops.rain import ObservedRain, persistence_nowcast, rain_lifetime_min

STORMS = ("network", "rp30-1h", "huff3-30yr-2h", "gangnam-212mm-3h", "forecast-ensemble",
          "seoul-100mmh")  # fmt: skip


def rain_of(net, storm):
    if storm == "network":
        model = net
    elif storm.startswith("rp"):
        model = twin.Scenario.preset(storm).apply(net)
    else:
        model = twin.scenarios.load_scenario(storm).apply(net)
    return ObservedRain.of_network(model, SimOptions.from_network(model))


def rules():
    def fixed(tau):
        return lambda rain, now: persistence_nowcast(rain, now, 3600.0, 1, lifetime_min=tau)

    def record(cap):
        def f(rain, now):
            tau = rain_lifetime_min(rain, now, max_min=cap)
            return persistence_nowcast(rain, now, 3600.0, 1, lifetime_min=tau)

        return f

    out = {"persistence": fixed(1e12)}
    out.update({f"lifetime {t} min": fixed(t) for t in (20, 30, 45, 60)})
    out.update({f"record, prior {c} min": record(c) for c in (30, 45, 60, 120)})
    return out


def main():
    net = twin.load_network("small")
    table = {}
    for storm in STORMS:
        rain = rain_of(net, storm)
        end = rain.times_s[-1] + 3600.0
        row = {}
        for name, nowcast in rules().items():
            se, n = 0.0, 0
            for now in np.arange(600.0, end, 600.0):
                if rain.mean_rate(now - 600.0, now).mean() < 0.5:
                    continue
                t, r = nowcast(rain, now)
                truth = np.array([rain.mean_rate(a, a + 300.0) for a in t])
                se += float(((r[0] - truth) ** 2).sum())
                n += truth.size
            row[name] = round(float(np.sqrt(se / n)), 2)
        table[storm] = row
        print(storm, row, flush=True)
    mean = {k: round(float(np.mean([table[s][k] for s in STORMS])), 2) for k in table[STORMS[0]]}
    print("mean", mean)
    out = Path(__file__).parent / "results" / "watch-twin-nowcast.json"
    out.write_text(json.dumps({"rmse_mmh": table, "mean_rmse_mmh": mean}, indent=1))


if __name__ == "__main__":
    main()
