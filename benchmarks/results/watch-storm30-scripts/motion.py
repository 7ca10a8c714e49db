"""The radar nowcast's motion (mean over the wet cells, cells per 5-min frame) against
the storm's true motion, every 10 minutes: python motion.py huff3-30yr-2h (or own)."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pysteps import motion
from watch_twin import network

from twin.engine.options import SimOptions
from twin.ops.nowcast import MOTION, RadarRain
from twin.validation.radar_twin import draw, radar_view, storm_frames, with_storm

storm = None if sys.argv[1] == "own" else sys.argv[1]
for seed in (3, 4):
    net = with_storm(network("small"), storm)
    fr = storm_frames(net, draw(seed), seed=seed)
    radar = radar_view(fr, seed=seed)
    st = draw(seed)
    true = (
        np.array([np.cos(st.direction_rad), np.sin(st.direction_rad)]) * st.speed_mps * 300 / 1000
    )
    r = RadarRain(radar, net, SimOptions.from_network(net).start, method="extrapolation")
    out = []
    for now in np.arange(1200.0, 5401.0, 600.0):
        past = r._past(now)
        if past is None:
            continue
        v, _ = r._motion(motion.get_method(MOTION), past)
        # mean over the wet cells of the last frame
        wet = past[-1] > 1.0
        u = (
            np.array([v[0][wet].mean(), v[1][wet].mean()])
            if wet.any()
            else np.array([np.nan, np.nan])
        )
        out.append(f"{int(now / 60)}: ({u[0]:+.1f},{u[1]:+.1f})")
    print(
        storm,
        seed,
        f"true (x,y) ({true[0]:+.1f},{true[1]:+.1f}) cells/frame;",
        " ".join(out),
        flush=True,
    )
