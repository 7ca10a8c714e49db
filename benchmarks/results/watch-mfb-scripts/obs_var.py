"""The observation variance of one radar step's log(gauge / radar) against the step's depth,
from the radar's and the gauge's own readings (rain only) on the tuning and seen seeds:
each step's log ratio minus its event's (the event's gauge depth over its radar depth,
steps where both >= 0.1 mm), its variance per depth bin, and the fit floor + var_1mm / d.

    cd benchmarks && python results/watch-mfb-scripts/obs_var.py [--seeds 1,2,19,20,21]
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from watch_twin import network  # noqa: E402

from twin.engine.options import SimOptions  # noqa: E402
from twin.ops.nowcast import RadarRain  # noqa: E402
from twin.ops.rain import ObservedRain  # noqa: E402
from twin.validation.radar_twin import draw, networks_of_field, radar_view, storm_frames  # noqa: E402


def steps(net_name, seed, min_mm=0.1):
    storm = draw(seed)
    frames = storm_frames(network(net_name), storm, seed=seed)
    model, _ = networks_of_field(network(net_name), frames)
    opts = SimOptions.from_network(model)
    rain = ObservedRain.of_network(model, opts)
    rr = RadarRain(radar_view(frames, seed=seed), model, opts.start, gauge_adjusted=True)
    out = []
    for k, t in enumerate(rr.times_s):
        g = rain.mean_rate(t, t + rr.step_s) * rr.step_s / 3600.0
        r = rr.to_gauges(rr.rate[k]) * rr.step_s / 3600.0
        for j in range(len(g)):
            if g[j] >= min_mm and r[j] >= min_mm:
                out.append((float(g[j]), float(r[j])))
    return np.array(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1,2,19,20,21")
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("-o", default=None)
    a = ap.parse_args()
    resid, depth, events = [], [], []
    for n in a.networks.split(","):
        for s in a.seeds.split(","):
            x = steps(n, int(s))
            y = np.log(x[:, 0] / x[:, 1])
            event = float(np.log(x[:, 0].sum() / x[:, 1].sum()))
            d = np.sqrt(x[:, 0] * x[:, 1])
            events.append(
                {
                    "network": n,
                    "seed": int(s),
                    "steps": len(x),
                    "log_bias": event,
                    "gauge_mm": float(x[:, 0].sum()),
                    "radar_mm": float(x[:, 1].sum()),
                }
            )
            resid.append(y - event)
            depth.append(d)
            sd = float((y - event).std())
            print(n, s, len(x), f"event log bias {event:.3f}, sd of step log ratio {sd:.3f}")
    r, d = np.concatenate(resid), np.concatenate(depth)
    edges = [0.1, 0.3, 0.6, 1.0, 2.0, 4.0, 100.0]
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=False):
        m = (d >= lo) & (d < hi)
        if m.sum() >= 3:
            rows.append(
                {
                    "lo": lo,
                    "hi": hi,
                    "n": int(m.sum()),
                    "mean_d": float(d[m].mean()),
                    "var": float((r[m] ** 2).mean()),
                }
            )
            print(f"depth {lo}-{hi} mm: n {m.sum()}, var {rows[-1]['var']:.3f}")
    # least squares of var = floor + var_1mm / d over the steps (the squared residuals)
    A = np.stack([np.ones_like(d), 1.0 / d], axis=1)
    (floor, v1), *_ = np.linalg.lstsq(A, r**2, rcond=None)
    print(f"fit: floor {floor:.4f}, var_1mm {v1:.4f} (n {len(d)})")
    if a.o:
        Path(a.o).write_text(
            json.dumps(
                {"events": events, "bins": rows, "floor": floor, "var_1mm": v1, "seeds": a.seeds},
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
