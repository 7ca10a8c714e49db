"""The radar nowcast's motion against the truth's (issue 17, round 16: watch-motion).

The radar twin experiment's frames only (:func:`~twin.validation.radar_twin.storm_frames`
and :func:`~twin.validation.radar_twin.radar_view`; no SWMM run).  At every 10-minute
cycle the motion the nowcast would take from the frames complete by then (the mean of the
last ``pairs`` frame pairs' optical flows, as ``RadarRain._motion``) is averaged over the
cells within ``REGION_KM`` of the town (the grid's centre) where the last frame rains, and
compared with two truths, both in cells per frame:

- ``gen``: the generator's motion (``speed_mps`` along ``direction_rad``); its band and
  hyetograph move at it exactly, its texture too but evolving (AR(1), 45-minute lifetime);
- ``best``: the constant motion that best extrapolates the truth's own last frame over the
  next 30 minutes within ``TOWN_KM`` of the town (least squares over the 6 leads, found by
  a search over speed ratio and direction about ``gen``).

The same estimate over the wet cells within ``EDGE_KM`` of the grid's border (``@edge``).
Per cycle: the speed ratio (the estimate projected on the truth's direction, over the
truth's speed), the direction error [deg], the wet share of the region, the region's mean
rate.  Estimators (``--estimators``, comma-separated ``source:transform:method:pairs``):
source ``radar`` | ``clean`` (the truth's frames) | ``radar-d1`` (detection 1 mm/h);
transform ``rate`` | ``db`` (10 log10 R, below 0.1 mm/h -15 dB) | ``log`` (ln(R / 0.1),
0 below); method ``proesmans`` | ``proesmans-lam=L-fs=S`` (smoothness weight L,
Gaussian pre-filter S cells) | ``darts`` | ``vet``; pairs 1-5.  Each estimate also as
``traj``: the town's cells traced back 30 minutes along the estimated field, their mean
displacement per frame (the motion the extrapolation applies to the town's next half
hour).

    python benchmarks/watch_motion.py --networks small --seeds 1-30 \\
        [--estimators radar:rate:proesmans:5,...] [--cell-m 1000] -o OUT.json
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_twin import network  # noqa: E402

CYCLES_MIN = tuple(range(30, 151, 10))
REGION_KM = 20.0
TOWN_KM = 8.0
EDGE_KM = 6.0
LEADS = 6
THRESHOLD = 0.1
DEFAULT = "radar:rate:proesmans:5"


def seeds_arg(text):
    out = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    return out


def transform(frames, kind):
    f = np.asarray(frames, float)
    if kind == "rate":
        return f
    if kind == "db":
        return np.where(f >= THRESHOLD, 10.0 * np.log10(np.maximum(f, THRESHOLD)), -15.0)
    if kind == "log":
        return np.where(f >= THRESHOLD, np.log(np.maximum(f, THRESHOLD) / THRESHOLD), 0.0)
    raise ValueError(kind)


def flow(method, pair):
    """(2, ny, nx) [cells per frame] of one method on frames ``pair`` (>= 2)."""
    from pysteps import motion

    from twin.ops.nowcast import motion_field

    if method.startswith("proesmans"):
        from twin.ops.nowcast import proesmans_levels

        kw = dict(x.split("=") for x in method.split("-")[1:])  # proesmans-lam=10-fs=1
        if not kw:
            return motion_field(motion.get_method("proesmans"), pair[-2:])
        v = motion.get_method("proesmans")(
            pair[-2:], lam=float(kw.get("lam", 50.0)), filter_std=float(kw.get("fs", 0.0)),
            num_levels=proesmans_levels(pair.shape[-2:]))  # fmt: skip
        return np.where(np.isfinite(v), v, 0.0)
    with contextlib.redirect_stdout(io.StringIO()):
        v = np.asarray(motion.get_method(method)(pair), float)
    return np.where(np.isfinite(v), v, 0.0)


def best_motion(truth, last, gen, town):
    """The constant motion (u, v) [cells per frame] whose extrapolation of frame ``last``
    best fits frames ``last + 1 .. last + LEADS`` on the cells ``town`` (least squares),
    searched over speed ratio 0.3-1.7 and direction +-45 deg about ``gen``, then refined."""
    from scipy.ndimage import shift

    f0 = truth[last]
    fut = truth[last + 1 : last + 1 + LEADS]
    sp = float(np.hypot(*gen))
    ang0 = float(np.arctan2(gen[1], gen[0]))

    def cost(r, a):
        u, v = r * sp * np.cos(ang0 + a), r * sp * np.sin(ang0 + a)
        e = 0.0
        for k in range(len(fut)):
            s = shift(f0, ((k + 1) * v, (k + 1) * u), order=1, mode="constant", cval=np.nan)
            d = (s - fut[k])[town]
            e += np.nanmean(d**2) if np.isfinite(d).any() else np.inf
        return e

    grid = [(r, a) for r in np.arange(0.3, 1.71, 0.05) for a in np.radians(np.arange(-45, 46, 5))]
    r0, a0 = min(grid, key=lambda p: cost(*p))
    fine = [(r0 + dr, a0 + da) for dr in np.arange(-0.05, 0.051, 0.01)
            for da in np.radians(np.arange(-5, 5.1, 1))]  # fmt: skip
    r1, a1 = min(fine, key=lambda p: cost(*p))
    return np.array([r1 * sp * np.cos(ang0 + a1), r1 * sp * np.sin(ang0 + a1)])


def back_trajectory(v, town):
    """(u, v) [cells per frame]: the mean displacement per frame of the town's cells traced
    back ``LEADS`` frames along the field ``v`` (2, ny, nx) (what a semi-Lagrangian
    extrapolation brings to the town in 30 minutes), over ``LEADS``."""
    from scipy.ndimage import map_coordinates

    y0, x0 = np.nonzero(town)
    y, x = y0.astype(float), x0.astype(float)
    for _ in range(LEADS):
        u = map_coordinates(v[0], [y, x], order=1, mode="nearest")
        w = map_coordinates(v[1], [y, x], order=1, mode="nearest")
        x, y = x - u, y - w
    return np.array([np.mean(x0 - x), np.mean(y0 - y)]) / LEADS


def compare(est, truth):
    """(speed ratio along the truth's direction, magnitude ratio, direction error [deg])."""
    sp = float(np.hypot(*truth))
    along = float(est @ truth) / sp
    ang = np.degrees(np.arctan2(est[1], est[0]) - np.arctan2(truth[1], truth[0]))
    return along / sp, float(np.hypot(*est)) / sp, float((ang + 180.0) % 360.0 - 180.0)


def case(net_name, seed, estimators, cell_m, n_cells):
    from twin.validation.radar_twin import draw, radar_view, storm_frames

    net = network(net_name)
    storm = draw(seed)
    clean_da = storm_frames(net, storm, seed=seed, n_cells=n_cells, cell_m=cell_m)
    step = float(clean_da.attrs["step_s"])
    sources = {"clean": np.asarray(clean_da.values, float)}
    sources["radar"] = np.asarray(radar_view(clean_da, seed=seed).values, float)
    if any(e.startswith("radar-d1") for e in estimators):
        sources["radar-d1"] = np.asarray(radar_view(clean_da, seed=seed, detect_mmh=1.0).values)
    ny, nx = sources["clean"].shape[1:]
    yy, xx = np.mgrid[0:ny, 0:nx]
    r_km = np.hypot(yy - (ny - 1) / 2.0, xx - (nx - 1) / 2.0) * cell_m / 1000.0
    region, town = r_km <= REGION_KM, r_km <= TOWN_KM
    border_km = np.minimum(np.minimum(yy, ny - 1 - yy), np.minimum(xx, nx - 1 - xx)) * cell_m / 1e3
    edge = border_km < EDGE_KM
    sp = storm.speed_mps * step / cell_m
    gen = np.array([np.cos(storm.direction_rad), np.sin(storm.direction_rad)]) * sp
    cache = {}
    rows = []
    for t_min in CYCLES_MIN:
        n_done = int(round(t_min * 60 / step))  # frames complete by now: 0 .. n_done - 1
        last = n_done - 1
        if last + LEADS >= len(sources["clean"]) or last < 5:
            continue
        wet = sources["radar"][last] > THRESHOLD
        cells = region & wet
        clean = sources["clean"]
        if cells.sum() < 20 or clean[last + 1 : last + 1 + LEADS][:, town].mean() < 0.5:
            continue
        best = best_motion(clean, last, gen, town)
        row = {"t_min": t_min, "gen": gen.round(3).tolist(), "best": best.round(3).tolist(),
               "speed_mps": round(storm.speed_mps, 2),
               "best_vs_gen": [round(x, 3) for x in compare(best, gen)],
               "wet_share": round(float(wet[region].mean()), 3),
               "region_mmh": round(float(sources["radar"][last][region].mean()), 2),
               "town_next30_mmh": round(float(clean[last + 1 : last + 1 + LEADS][:, town]
                                              .mean()), 2),
               "est": {}}  # fmt: skip
        for e in estimators:
            src, tr, method, pairs = e.split(":")
            pairs = int(pairs)
            fr = sources[src]
            flows = []
            if method == "darts":  # one multi-frame estimate on the last pairs + 1 frames
                key = (src, tr, method, last, pairs)
                if key not in cache:
                    cache[key] = flow(method, transform(fr[last - pairs : last + 1], tr))
                flows = [cache[key]]
            else:
                for j in range(pairs):
                    key = (src, tr, method, last - j)
                    if key not in cache:
                        cache[key] = flow(method, transform(fr[last - j - 1 : last - j + 1], tr))
                    flows.append(cache[key])
            v = np.mean(flows, axis=0)
            est = v[:, cells].mean(axis=1)
            traj = back_trajectory(v, town)
            at_edge = edge & wet
            if at_edge.sum() >= 20:
                row["est"][e + "@edge"] = {
                    "uv": v[:, at_edge].mean(axis=1).round(3).tolist(),
                    "vs_gen": [round(x, 3) for x in compare(v[:, at_edge].mean(axis=1), gen)],
                }
            row["est"][e] = {
                "traj_uv": traj.round(3).tolist(),
                "traj_vs_gen": [round(x, 3) for x in compare(traj, gen)],
                "traj_vs_best": [round(x, 3) for x in compare(traj, best)],
                "uv": est.round(3).tolist(),
                "vs_gen": [round(x, 3) for x in compare(est, gen)],
                "vs_best": [round(x, 3) for x in compare(est, best)],
            }
        rows.append(row)
    return {"network": net_name, "seed": seed, "cell_m": cell_m, "n_cells": n_cells,
            "speed_mps": storm.speed_mps, "direction_deg": float(np.degrees(storm.direction_rad)),
            "cycles": rows}  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small")
    ap.add_argument("--seeds", default="1-2")
    ap.add_argument("--estimators", default=DEFAULT)
    ap.add_argument("--cell-m", type=float, default=1000.0)
    ap.add_argument("--n-cells", type=int, default=64)
    ap.add_argument("-o", required=True)
    a = ap.parse_args()
    from twin.bench.report import source_commit

    est = a.estimators.split(",")
    out = Path(a.o)
    doc = json.loads(out.read_text()) if out.exists() else {"cases": []}
    for seed in seeds_arg(a.seeds):
        for n in a.networks.split(","):
            r = case(n, seed, est, a.cell_m, a.n_cells)
            r |= {"commit": source_commit(), "command": " ".join(sys.argv),
                  "load_average": os.getloadavg()[0]}  # fmt: skip
            doc["cases"] = [
                c
                for c in doc["cases"]
                if (c["network"], c["seed"], c["cell_m"]) != (n, seed, a.cell_m)
            ]
            doc["cases"].append(r)
            out.write_text(json.dumps(doc, indent=1))
            s = [c["est"][est[0]]["vs_gen"][0] for c in r["cycles"]]
            b = [c["best_vs_gen"][0] for c in r["cycles"]]
            print(
                n, seed, f"{est[0]} ratio {np.mean(s):.2f}  best/gen {np.mean(b):.2f}", flush=True
            )


if __name__ == "__main__":
    main()
