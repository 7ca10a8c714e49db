"""The radar nowcast's motion (pysteps Proesmans on the last two radar frames, as
``RadarRain`` does) at the town, against the storm band's true motion (``draw(seed)``)
and the motion the same method finds on the field's own noise-free frames; the small
network, cycles 00:40-02:20.

    python benchmarks/results/watch-far-scripts/motion.py 1,2,3,4,5   (output: motion.txt)
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pysteps import motion  # noqa: E402
from watch_twin import network  # noqa: E402

from twin.engine.options import SimOptions  # noqa: E402
from twin.ops.nowcast import MOTION, RadarRain, motion_field  # noqa: E402
from twin.validation.radar_twin import draw, radar_experiment  # noqa: E402


def at_town(v, ny, nx):
    w = (slice(ny // 2 - 3, ny // 2 + 4), slice(nx // 2 - 3, nx // 2 + 4))
    return np.array([v[0][w].mean(), v[1][w].mean()])


def main(seeds):
    method = motion.get_method(MOTION)
    for seed in seeds:
        st = draw(seed)
        true = np.array([np.cos(st.direction_rad), np.sin(st.direction_rad)])
        true *= st.speed_mps * 300 / 1000.0  # (x, y) cells per 5-minute frame
        ex, frames, radar = radar_experiment(network("small"), 6, seed, rain_factor=1.3)
        start = SimOptions.from_network(ex.model).start
        rr = RadarRain(radar, ex.model, start, method="extrapolation", gauge_adjusted=True)
        rt = RadarRain(frames, ex.model, start, method="extrapolation")
        ny, nx = rr.rate.shape[1:]
        print(f"seed {seed}: true (x,y) {true[0]:+.2f},{true[1]:+.2f} cells per 5-min frame; "
              "at the town: the estimate (its projection on the true motion over the true "
              "speed)", flush=True)  # fmt: skip
        for now in range(2400, 8401, 600):
            a = at_town(motion_field(method, rr._past(float(now), 2)[-2:]), ny, nx)
            b = at_town(motion_field(method, rt._past(float(now), 2)[-2:]), ny, nx)
            pa, pb = (float(np.dot(x, true) / np.dot(true, true)) for x in (a, b))
            print(f"    {now // 60}: radar {a[0]:+.1f},{a[1]:+.1f} ({pa:.2f}) "
                  f"field {b[0]:+.1f},{b[1]:+.1f} ({pb:.2f})", flush=True)  # fmt: skip


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1].split(",")])
