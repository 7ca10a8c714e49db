"""The rain's scales of the radar twin experiment (rain only, no SWMM): over the event the
gauge's point over the field's subcatchment mean, the radar's catchment mean over the
field's, the factor that makes the gauge's rain the truth's (``f x area / point``); and per
10-minute cycle the gauge adjustment's bias over the last hour (``BIAS_WINDOW_S``) against
the event-to-date one.  Run from benchmarks/:

    python results/watch-fcgap-scripts/rain_scale.py
"""

import sys

import numpy as np

sys.path.insert(0, ".")
from watch_twin import network  # noqa: E402

from twin.scenarios.radar import centroid_weights, subcatchment_weights  # noqa: E402
from twin.validation.radar_twin import draw, gauge_points, radar_view, storm_frames  # noqa: E402


def ratio(a, b):
    return a.sum() / max(b.sum(), 1e-9)


for name in ("small", "district-100"):
    net = network(name)
    for seed in (1, 2, 19, 20, 21):
        fr = storm_frames(net, draw(seed), seed=seed, n_cells=64, cell_m=1000.0)
        rad = radar_view(fr, seed=seed)
        x, y = fr.x.values, fr.y.values
        v = np.asarray(fr.values, float).reshape(len(fr), -1)
        at = centroid_weights(gauge_points(net), x, y).reshape(len(net.raingages), -1)
        w = subcatchment_weights(net, x, y).reshape(len(net.subcatchments), -1)
        area = np.asarray(net.subcatchments.area_m2, float)
        share = area / area.sum()
        point = (v @ at.T)[:, 0]
        field = (v @ w.T) @ share
        radar = np.nan_to_num(np.asarray(rad.values, float)).reshape(len(fr), -1) @ w.T @ share
        f = 1.2 + 0.1 * (seed % 3)
        print(
            f"{name} s{seed}: truth factor {f}, radar bias {rad.attrs['radar_bias']:.3f}, "
            f"point/area {ratio(point, field):.3f}, radar/area {ratio(radar, field):.3f}, "
            f"ideal factor f x area/point {f * ratio(field, point):.3f}"
        )
        if name != "small" or seed not in (1, 2, 21):
            continue
        for t in range(2, 31, 2):  # frames of 5 minutes, cycles of 10
            hour, todate = slice(max(0, t - 12), t), slice(0, t)
            print(
                f"  t={t * 5:3d} min: B last hour {ratio(point[hour], radar[hour]):.2f}, "
                f"event to date {ratio(point[todate], radar[todate]):.2f}"
            )
