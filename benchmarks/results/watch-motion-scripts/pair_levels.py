"""watch-motion: every frame pair's Proesmans flow (rate at 6 and 4 pyramid levels, dB at
6) over the raining cells within 20 km of the small town, against the generator's motion,
seeds 1-5 and 15 (1 km, the radar's frames):

    cd benchmarks && python results/watch-motion-scripts/pair_levels.py OUT.json

A pair "diverged" when its speed along the truth is negative or its magnitude > 2 x."""

import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from watch_motion import transform  # noqa: E402
from watch_twin import network  # noqa: E402

from twin.bench.report import source_commit  # noqa: E402
from twin.validation.radar_twin import draw, radar_view, storm_frames  # noqa: E402

VARIANTS = [("rate", 6), ("rate", 4), ("db", 6)]


def main(out):
    from pysteps.motion.proesmans import proesmans

    net = network("small")
    yy, xx = np.mgrid[0:64, 0:64]
    reg = np.hypot(yy - 31.5, xx - 31.5) <= 20
    res = {f"{t}-{n}": [] for t, n in VARIANTS}
    for seed in (1, 2, 3, 4, 5, 15):
        st = draw(seed)
        r = np.asarray(radar_view(storm_frames(net, st, seed=seed), seed=seed).values)
        gen = np.array([np.cos(st.direction_rad), np.sin(st.direction_rad)]) * st.speed_mps * 0.3
        sp = np.hypot(*gen)
        for i in range(3, 31):
            wet = reg & (r[i] > 0.1)
            if wet.sum() < 20:
                continue
            for tr, nl in VARIANTS:
                m = proesmans(transform(r[i - 1 : i + 1], tr), num_levels=nl)[:, wet].mean(axis=1)
                res[f"{tr}-{nl}"].append(
                    [seed, i, float(m @ gen / sp**2), float(np.hypot(*m) / sp)]
                )
    summary = {}
    for k, rows in res.items():
        a = np.array(rows)
        bad = (a[:, 2] < 0) | (a[:, 3] > 2)
        summary[k] = {"pairs": len(a), "diverged": int(bad.sum()),
                      "diverged_seeds": sorted({int(s) for s in a[bad, 0]}),
                      "along_mean": round(float(a[:, 2].mean()), 3),
                      "along_median": round(float(np.median(a[:, 2])), 3),
                      "along_mean_without": round(float(a[~bad, 2].mean()), 3),
                      "along_sd_without": round(float(a[~bad, 2].std()), 3)}  # fmt: skip
        print(k, summary[k])
    Path(out).write_text(json.dumps({"commit": source_commit(), "command": " ".join(sys.argv),
                                     "load_average": os.getloadavg()[0], "summary": summary,
                                     "pairs": res}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1])
