"""The gauge-adjusted extrapolation's rain against the truth's: per cycle
(00:30-02:20, every 10 min) the 8 members' mean depth over the town's subcatchments
in the next 60 minutes (the nowcast of watch_radar.py's gauge-adjusted runs, before
the twin's learnt rain factor) over the truth's depth in the same hour divided by its
under-catch factor (the field's own mean)."""

import sys

import numpy as np

sys.path.insert(0, "/work/wt/watch-heldout/benchmarks")
from watch_twin import network

from twin.engine.options import SimOptions
from twin.ops.nowcast import RadarRain
from twin.ops.rain import ObservedRain
from twin.validation.radar_twin import radar_experiment

for net_name in sys.argv[1].split(","):
    for seed in map(int, sys.argv[2].split(",")):
        factor = 1.2 + 0.1 * (seed % 3)
        ex, frames, radar = radar_experiment(network(net_name), 6, seed, rain_factor=factor)
        opts = SimOptions.from_network(ex.model)
        rain = ObservedRain.of_network(ex.model, opts)
        rr = RadarRain(radar, ex.model, opts.start, method="extrapolation", gauge_adjusted=True)
        tr = ex.truth
        t_s = (tr.time.values - np.datetime64(opts.start)).astype("timedelta64[s]").astype(float)
        area = np.asarray(ex.model.subcatchments.area_m2, float)
        sub = tr.subcatchment_rainfall.values @ area / area.sum()  # mm/h, area mean
        dt = np.diff(np.concatenate([[0.0], t_s]))
        ratios, txt = [], []
        for now in np.arange(1800, 8401, 600):
            times, rates = rr.nowcast(rain, float(now), 3600.0, 8, seed=seed)
            w = np.asarray(ex.model.subcatchments.area_m2, float)
            g = np.asarray(ex.model.subcatchments.raingage, int)
            gw = np.bincount(g, w, minlength=rates.shape[-1]) / w.sum()
            fc_mm = float((rates.mean(axis=0) @ gw).sum() * rr.step_s / 3600.0)
            m = (t_s > now) & (t_s <= now + 3600)
            tr_mm = float((sub[m] * dt[m]).sum() / 3600.0) / factor
            gauge_mm = float(rain.mean_rate(now, now + 3600) @ gw)
            if tr_mm > 2.0:
                ratios.append(fc_mm / tr_mm)
            txt.append(f"{int(now // 60)}:{fc_mm:.0f}/{tr_mm:.0f}")
        print(
            f"{net_name} s{seed}: nowcast/truth 60-min depth, median {np.median(ratios):.2f} "
            f"(range {min(ratios):.2f}-{max(ratios):.2f}, {len(ratios)} cycles with > 2 mm); "
            f"truth total {float((sub * dt).sum() / 3600) / factor:.0f} mm; "
            "per cycle min:fc/truth mm " + " ".join(txt),
            flush=True,
        )
