"""The gauge-adjusted extrapolation's deterministic nowcast over the town (next 30
minutes, every cycle 00:30-02:20) against the field's, with the motion from the last two
radar frames (as RadarRain before ``motion_pairs``), the mean of the last three pairs,
frames 10 or 15 minutes apart; tuning seeds only.

    python benchmarks/results/watch-far-scripts/nowcast_motion.py small 1,2
"""

import sys

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from pysteps import motion, nowcasts
from watch_twin import network

from twin.engine.options import SimOptions
from twin.ops.nowcast import MOTION, RadarRain, motion_field
from twin.ops.rain import ObservedRain
from twin.validation.radar_twin import radar_experiment

method = motion.get_method(MOTION)
extrap = nowcasts.get_method("extrapolation")
net_name = sys.argv[1]
res = {}
for seed in map(int, sys.argv[2].split(",")):
    factor = 1.2 + 0.1 * (seed % 3)
    ex, frames, radar = radar_experiment(network(net_name), 6, seed, rain_factor=factor)
    opts = SimOptions.from_network(ex.model)
    rain = ObservedRain.of_network(ex.model, opts)
    rr = RadarRain(radar, ex.model, opts.start, method="extrapolation", gauge_adjusted=True)
    area = np.asarray(ex.model.subcatchments.area_m2, float)
    g = np.asarray(ex.model.subcatchments.raingage, int)
    gw = np.bincount(g, area, minlength=rr.n_gauges) / area.sum()
    t_s = (ex.truth.time.values - np.datetime64(opts.start)).astype("timedelta64[s]").astype(float)
    field = ex.truth.subcatchment_rainfall.values @ area / area.sum() / factor
    for now in range(1800, 8401, 600):
        past = rr._past(float(now), 6)
        m = (t_s > now) & (t_s <= now + 1800)
        fmean = field[m].mean()
        bias = rr.gauge_bias(rain, float(now)) @ gw
        vs = {
            "2 frames": motion_field(method, past[-2:]),
            "3 pairs mean": np.mean(
                [
                    motion_field(method, past[i - 1 : i + 1 if i + 1 < 0 else None])
                    for i in (-1, -2, -3)
                ],
                axis=0,
            ),
            "frames 10 min apart / 2": motion_field(method, past[[-3, -1]]) / 2.0,
            "frames 15 min apart / 3": motion_field(method, past[[-4, -1]]) / 3.0,
        }
        for k, v in vs.items():
            det = np.nan_to_num(extrap(past[-1], v, 6))
            town = (
                rr.to_gauges(det) @ np.ones(rr.n_gauges)
                if rr.n_gauges == 1
                else rr.to_gauges(det) @ gw
            ).ravel() * bias
            res.setdefault(k, []).append((seed, now // 60, float(town.mean()), float(fmean)))
for k, rows in res.items():
    r = np.array([(a[2], a[3]) for a in rows if a[3] > 2.0])
    lr = np.log(np.maximum(r[:, 0], 0.1) / r[:, 1])
    false_c = {(1, 40), (1, 90), (2, 60), (2, 70), (2, 90)}  # the false warnings' cycles
    sel = [f"s{a[0]} {a[1]}': {a[2] / a[3]:.2f}" for a in rows if (a[0], a[1]) in false_c]
    print(f"{k:26s} median |log ratio| {np.median(np.abs(lr)):.2f}, mean log ratio "
          f"{lr.mean():+.2f}, n {len(lr)} | at the false warnings' cycles: {', '.join(sel)}",
          flush=True)  # fmt: skip
