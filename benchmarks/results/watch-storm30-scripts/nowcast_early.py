"""The gauge-adjusted extrapolation's town rain at the first cycles of a storm against
the field's (the radar twin experiment's own nowcast, rebuilt from its frames)."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from watch_twin import network

from twin.engine.options import SimOptions
from twin.ops.nowcast import RadarRain
from twin.ops.rain import ObservedRain
from twin.validation.radar_twin import radar_experiment

storm = sys.argv[1]
NOWS = (
    [float(x) * 60 for x in sys.argv[2].split(",")]
    if len(sys.argv) > 2
    else [600.0, 1200.0, 1800.0, 2400.0]
)
for net_name in ("small",):
    for seed in (3, 4):
        ex, frames, radar = radar_experiment(
            network(net_name), 6, seed, rain_factor=1.2 + 0.1 * (seed % 3), storm=storm
        )
        opts = SimOptions.from_network(ex.model)
        gauge = ObservedRain.of_network(ex.model, opts)
        net = ex.model
        area = np.asarray(net.subcatchments.area_m2, float)
        gw = (
            np.bincount(np.asarray(net.subcatchments.raingage, int), area, len(net.raingages))
            / area.sum()
        )
        for adj in (True,):
            r = RadarRain(radar, net, opts.start, method="extrapolation", gauge_adjusted=adj)
            town = r.to_gauges(np.asarray(frames.values, float)) @ gw
            out = []
            for now in NOWS:
                t, rates = r.nowcast(gauge, now, 1800.0, 8, seed=1)
                k = int(now // 300)
                fc = (rates @ gw).mean(axis=0)[:6]
                out.append(
                    f"{int(now / 60)} min: nowcast {fc.mean():.0f} / field "
                    f"{town[k : k + 6].mean():.0f} mm/h"
                    f" (bias {float(r.gauge_bias(gauge, now)[0]) if adj else 1:.2f})"
                )
            print(
                net_name,
                seed,
                "gauge-adjusted" if adj else "radar only",
                "; ".join(out),
                flush=True,
            )
