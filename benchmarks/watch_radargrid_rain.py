"""How much rain error the gauges' mapping leaves in the radar twin experiment, written to
``benchmarks/results/watch-radargrid-rain.json`` (round 14, issue 17).

The truth runs every subcatchment on the field's mean over it (times the under-catch
factor, which the filter's rain factor is there to learn; left out here).  The twin's
model rains, on each subcatchment:

- ``gauge``: its gauge's reading (the field at the gauge's point), as ``twin watch
  --radar`` with gauges does (``radar-extrapolation-gauge``: the gauges are the observed
  rain);
- ``subcatchment``: the gauge's reading times the radar's ratio of the subcatchment to the
  gauge's catchment in the same frame (the radar's spatial pattern), set cycle by cycle
  (10 min) as ``Twin`` does with ``radar_rain="subcatchment"``
  (:class:`twin.ops.radar_grid.SubcatchmentRadar`);
- ``subcatchment-bias``: the radar's frames over the subcatchment times the radar's
  mean-field bias against its gauge over the last hour (``"subcatchment-bias"``);
- ``subcatchment-raw``: the radar's frames over the subcatchment, unadjusted;
- ``uniform-truth``: the field's own mean over the town on every subcatchment (what the
  spatial detail alone is worth: the error of a perfect gauge-scale rain).

Scores per network and seed over every 5-minute frame of the run: the area-weighted
RMS [mm/h] of the model's rate against the truth's field, that over the field's RMS
(relative), the same of the 30-minute depths, and the bias of the catchment's depth.

    python benchmarks/watch_radargrid_rain.py [--networks small,district-100] [--seeds 1,2]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_twin import network  # noqa: E402

OUT = Path(__file__).parent / "results" / "watch-radargrid-rain.json"
KINDS = ("gauge", "subcatchment", "subcatchment-bias", "subcatchment-raw", "uniform-truth")


def scores(model, truth, area) -> dict:
    """Area-weighted RMS of ``model - truth`` ((time, subcatchments) mm/h), also of the
    30-minute means, relative, and the catchment depth's ratio."""
    w = area / area.sum()

    def rms(x):
        return float(np.sqrt((x**2 * w).sum(axis=1).mean()))

    n6 = len(truth) // 6 * 6
    m30 = model[:n6].reshape(-1, 6, model.shape[1]).mean(axis=1)
    t30 = truth[:n6].reshape(-1, 6, truth.shape[1]).mean(axis=1)
    return {
        "rms_mmh": rms(model - truth),
        "relative": rms(model - truth) / rms(truth),
        "rms_30min_mmh": rms(m30 - t30),
        "relative_30min": rms(m30 - t30) / rms(t30),
        "depth_ratio": float((model * w).sum() / (truth * w).sum()),
    }


def one(net_name, seed, cycle_s=600.0, n_cells=64, cell_m=1000.0) -> dict:
    from twin.engine.options import SimOptions
    from twin.ops.nowcast import RadarRain
    from twin.ops.radar_grid import SubcatchmentRadar, subcatchment_gauges
    from twin.ops.rain import ObservedRain
    from twin.scenarios.radar import subcatchment_weights
    from twin.validation.radar_twin import draw, networks_of_field, radar_view, storm_frames

    net = network(net_name)
    frames = storm_frames(net, draw(seed), seed=seed, n_cells=n_cells, cell_m=cell_m)
    radar = radar_view(frames, seed=seed)
    model, _ = networks_of_field(net, frames)
    x, y = frames.x.values, frames.y.values
    n_sub = len(model.subcatchments)
    area = np.asarray(model.subcatchments.area_m2, float)
    w_sub = subcatchment_weights(model, x, y).reshape(n_sub, -1)
    v = np.asarray(frames.values, float)
    truth = v.reshape(len(v), -1) @ w_sub.T  # (time, subcatchments): the field's means
    opts = SimOptions.from_network(model)
    step = float(frames.attrs["step_s"])
    t = np.arange(len(v)) * step
    gauges = ObservedRain.of_network(model, opts)
    per_gauge = np.array([gauges.mean_rate(a, a + step) for a in t])
    gauge = per_gauge[:, np.asarray(model.subcatchments.raingage, np.int64)]
    net_t, parent = subcatchment_gauges(model)
    own = np.asarray(net_t.subcatchments.raingage, np.int64)
    end = t[-1] + step
    observed = {}
    for kind in ("pattern", "bias"):
        rain = ObservedRain.of_network(net_t, opts)
        r = SubcatchmentRadar.of(RadarRain(radar, model, opts.start, gauge_adjusted=True),
                                 net_t, parent, observed_rain=kind)  # fmt: skip
        for t0 in np.arange(0.0, end, cycle_s):
            r.set_observed(rain, t0, min(t0 + cycle_s, end))
        observed[kind] = np.array([rain.mean_rate(a, a + step) for a in t])[:, own]
    raw = r.to_gauges(r.rate)[: len(t)][:, own]
    return {
        "network": net_name, "seed": seed, "n_subcatchments": n_sub,
        "n_gauges": len(model.raingages), "radar_bias": radar.attrs["radar_bias"],
        "gauge": scores(gauge, truth, area),
        "subcatchment": scores(observed["pattern"], truth, area),
        "subcatchment-bias": scores(observed["bias"], truth, area),
        "subcatchment-raw": scores(raw, truth, area),
        "uniform-truth": scores(np.repeat((truth @ (area / area.sum()))[:, None], n_sub, 1),
                                truth, area),  # fmt: skip
        "field_cells_spanned": int((w_sub.sum(axis=0) > 0).sum()),
        "n_cells": n_cells, "cell_m": cell_m, "radar_noise_scale_cells": radar.attrs.get(
            "radar_noise_scale_cells"),
    }  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--cell-m", type=float, default=1000.0, help="the radar grid's cell [m]")
    ap.add_argument("--n-cells", type=int, default=64, help="the radar grid's cells a side")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    rows = [one(n, int(s), n_cells=a.n_cells, cell_m=a.cell_m)
            for s in a.seeds.split(",") for n in a.networks.split(",")]  # fmt: skip
    Path(a.o).write_text(json.dumps({"runs": rows}, indent=1))
    for r in rows:
        print(r["network"], r["seed"], r["n_gauges"], "gauges",
              *(f"{k}: {r[k]['rms_mmh']:.2f} mm/h ({r[k]['relative']:.2f}), 30 min "
                f"{r[k]['rms_30min_mmh']:.2f} ({r[k]['relative_30min']:.2f}), depth "
                f"{r[k]['depth_ratio']:.2f}" for k in KINDS),
              "cells", r["field_cells_spanned"])  # fmt: skip


if __name__ == "__main__":
    main()
