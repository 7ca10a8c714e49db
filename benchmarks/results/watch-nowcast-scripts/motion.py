import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from pysteps import motion
from watch_nowcast_error import true_velocity
from watch_twin import network

from twin.validation.radar_twin import draw, radar_view, storm_frames

pro = motion.get_method("proesmans")
darts = motion.get_method("darts")
net = network("small")
for seed in (1, 2):
    st = draw(seed)
    fr = storm_frames(net, st, seed=seed)
    rad = radar_view(fr, seed=seed)
    tv = true_velocity(st, fr)[:, 0, 0]
    R = np.asarray(rad.values)
    C = np.asarray(fr.values)
    print("seed", seed, "true", tv.round(2))
    for i in range(3, 30, 3):
        c = slice(26, 38)
        v2 = pro(R[i - 1 : i + 1])[:, c, c].mean(axis=(1, 2))
        v2c = pro(C[i - 1 : i + 1])[:, c, c].mean(axis=(1, 2))
        v3 = np.mean([pro(R[i - 1 - j : i + 1 - j]) for j in range(3)], axis=0)[:, c, c].mean(
            axis=(1, 2)
        )
        vg = pro(R[i - 1 : i + 1])
        wet = R[i] > 0.1
        vglob = np.array([vg[0][wet].mean(), vg[1][wet].mean()]) if wet.any() else np.zeros(2)
        try:
            vd = darts(R[max(0, i - 5) : i + 1])[:, c, c].mean(axis=(1, 2))
        except Exception:
            vd = np.array([np.nan, np.nan])
        print(
            i,
            "wet",
            wet.mean().round(2),
            "p2",
            v2.round(2),
            "clean",
            v2c.round(2),
            "p3",
            v3.round(2),
            "glob",
            vglob.round(2),
            "darts",
            np.asarray(vd).round(2),
        )
