"""The radar nowcast's rain over the town against the field's, cause by cause (issue 17).

The radar twin experiment's rain only (:mod:`twin.validation.radar_twin`; no SWMM run):
for every 10-minute cycle of the storm, the nowcast's catchment-mean rain (the members'
mean, and their CRPS) over the next 10 / 30 / 60 minutes against the field's mean over
the same minutes (the truth's rain before its under-catch factor), for

- ``as-run``: the nowcast as ``twin watch --radar`` runs it (gauge-adjusted
  extrapolation of the radar's frames);
- ``true-motion``: the same with the storm's true motion instead of the optical flow;
- ``clean-frames``: the same from the field's own frames (no radar bias, no noise);
- ``no-gauge``: the radar's frames without the gauge adjustment;
- ``frozen-truth``: the same nowcast when the field's texture does not evolve (an
  infinite lifetime; the field, the radar and the gauges all drawn again for it);
- ``oracle``: the field's frames, the true motion, no gauge adjustment (the
  extrapolation's own floor: the texture's evolution and the hyetograph's timing);

and the candidate fixes (``--variants``), each a :class:`~twin.ops.nowcast.RadarRain`
setting.  Cycles "after the peak": the cycle's time at or after the field's largest
10-minute town rate.

    python benchmarks/watch_nowcast_error.py [--networks small,district-100] [--seeds 1,2]
        [--variants as-run,true-motion,...] [-o benchmarks/results/watch-nowcast-error.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_twin import network  # noqa: E402

OUT = Path(__file__).parent / "results" / "watch-nowcast-error.json"
LEADS_MIN = (10, 30, 60)
DIAGNOSIS = ("as-run", "true-motion", "clean-frames", "no-gauge", "frozen-truth", "oracle")
CYCLE_S = 600.0
MEMBERS = 8

#: name -> (field: "storm" | "frozen", frames: "radar" | "clean", motion: "flow" | "true",
#: RadarRain keywords)
VARIANTS = {
    "as-run": ("storm", "radar", "flow", {"gauge_adjusted": True}),
    "true-motion": ("storm", "radar", "true", {"gauge_adjusted": True}),
    "clean-frames": ("storm", "clean", "flow", {"gauge_adjusted": True}),
    "no-gauge": ("storm", "radar", "flow", {"gauge_adjusted": False}),
    "frozen-truth": ("frozen", "radar", "flow", {"gauge_adjusted": True}),
    "oracle": ("storm", "clean", "true", {"gauge_adjusted": False}),
    "pairs3": ("storm", "radar", "flow", {"gauge_adjusted": True, "motion_pairs": 3}),
    "sprog": ("storm", "radar", "flow", {"gauge_adjusted": True, "mean": "sprog"}),
    "smoothed": ("storm", "radar", "flow", {"gauge_adjusted": True, "mean": "smoothed"}),
    "smoothed-pairs3": ("storm", "radar", "flow",
                        {"gauge_adjusted": True, "mean": "smoothed", "motion_pairs": 3}),
    "pairs5": ("storm", "radar", "flow", {"gauge_adjusted": True, "motion_pairs": 5}),
    "sprog-pairs3": ("storm", "radar", "flow",
                     {"gauge_adjusted": True, "mean": "sprog", "motion_pairs": 3}),
    "pairs3-no-gauge": ("storm", "radar", "flow", {"gauge_adjusted": False, "motion_pairs": 3}),
    "smoothed-pairs5": ("storm", "radar", "flow",
                        {"gauge_adjusted": True, "mean": "smoothed", "motion_pairs": 5}),
    "motionpert": ("storm", "radar", "flow", {"gauge_adjusted": True, "motion_pert": "pairs"}),
    "pairs5-motionpert": ("storm", "radar", "flow",
                          {"gauge_adjusted": True, "motion_pairs": 5, "motion_pert": "pairs"}),
    "pairs3-motionpert": ("storm", "radar", "flow",
                          {"gauge_adjusted": True, "motion_pairs": 3, "motion_pert": "pairs"}),
    "pairs5-motionpert-area": ("storm", "radar", "flow",
                               {"gauge_adjusted": True, "motion_pairs": 5, "motion_pert": "pairs",
                                "spread": "area"}),
    "pairs5-motionpert-walk": ("storm", "radar", "flow",
                               {"gauge_adjusted": True, "motion_pairs": 5, "motion_pert": "pairs",
                                "spread": "lagrangian-walk"}),
    "pairs5-motionpert-area-walk": ("storm", "radar", "flow",
                                    {"gauge_adjusted": True, "motion_pairs": 5,
                                     "motion_pert": "pairs", "spread": "area-walk"}),
    "pairs5-motionpert-rate": ("storm", "radar", "flow",
                               {"gauge_adjusted": True, "motion_pairs": 5, "motion_pert": "pairs",
                                "spread": "rate"}),
    "pairs5-motionpert-rate-walk": ("storm", "radar", "flow",
                                    {"gauge_adjusted": True, "motion_pairs": 5,
                                     "motion_pert": "pairs", "spread": "rate-walk"}),
    "pairs5-area": ("storm", "radar", "flow",
                    {"gauge_adjusted": True, "motion_pairs": 5, "spread": "area"}),
    # round 15 (watch-fcgap): the shipped radar default, with the true motion, clean frames
    "shipped": ("storm", "radar", "flow", {"gauge_adjusted": True, "motion_pairs": 5,
                                          "motion_pert": "pairs", "spread": "rate"}),
    "shipped-true-motion": ("storm", "radar", "true",
                            {"gauge_adjusted": True, "motion_pairs": 5, "motion_pert": "pairs",
                             "spread": "rate"}),
    "shipped-clean-frames": ("storm", "clean", "flow",
                             {"gauge_adjusted": True, "motion_pairs": 5,
                              "motion_pert": "pairs", "spread": "rate"}),
    # round 15 (watch-mfb): the shipped default with the Kalman-filtered mean-field bias
    # (its constants from --mfb), with it and clean frames
    "shipped-kalman": ("storm", "radar", "flow", {"gauge_adjusted": True, "motion_pairs": 5,
                                                 "motion_pert": "pairs", "spread": "rate",
                                                 "bias": "kalman"}),
    "shipped-kalman-true-motion": ("storm", "radar", "true",
                                   {"gauge_adjusted": True, "motion_pairs": 5,
                                    "motion_pert": "pairs", "spread": "rate", "bias": "kalman"}),
    # round 16 (watch-growth): the shipped default with a mean that models growth and decay
    "shipped-anvil": ("storm", "radar", "flow", {"gauge_adjusted": True, "motion_pairs": 5,
                                                "motion_pert": "pairs", "spread": "rate",
                                                "bias": "kalman", "mean": "anvil"}),
    "shipped-linda": ("storm", "radar", "flow", {"gauge_adjusted": True, "motion_pairs": 5,
                                                "motion_pert": "pairs", "spread": "rate",
                                                "bias": "kalman", "mean": "linda"}),
    "anvil-clean-true-motion": ("storm", "clean", "true", {"gauge_adjusted": False,
                                                          "mean": "anvil"}),
    # round 16 (watch-motion): the shipped default (Kalman bias) with the optical flow on
    # the frames' dB
    "shipped-kalman-db": ("storm", "radar", "flow", {"gauge_adjusted": True, "motion_pairs": 5,
                                                    "motion_pert": "pairs", "spread": "rate",
                                                    "bias": "kalman", "motion_input": "db"}),
}  # fmt: skip


def crps(members, obs) -> float:
    """The empirical CRPS of an ensemble against one value."""
    x = np.asarray(members, float)
    return float(np.mean(np.abs(x - obs)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])))


def true_velocity(storm, frames) -> np.ndarray:
    """(2, ny, nx) the storm's motion in cells per frame (pysteps: x then y)."""
    step = float(frames.attrs["step_s"])
    cell = float(abs(frames.x.values[1] - frames.x.values[0]))
    sp = storm.speed_mps * step / cell
    ny, nx = frames.shape[1:]
    u = np.full((ny, nx), np.cos(storm.direction_rad) * sp)
    v = np.full((ny, nx), np.sin(storm.direction_rad) * sp)
    return np.stack([u, v])


def case(net_name, seed, variants, mfb=None) -> dict:
    from twin.engine.options import SimOptions
    from twin.ops.nowcast import RadarRain
    from twin.ops.rain import ObservedRain
    from twin.validation.radar_twin import draw, networks_of_field, radar_view, storm_frames

    net = network(net_name)
    worlds = {}

    def world(kind):
        if kind not in worlds:
            storm = draw(seed)
            if kind == "frozen":
                storm = dataclasses.replace(storm, lifetime_s=float("inf"))
            frames = storm_frames(net, storm, seed=seed)
            model, _ = networks_of_field(net, frames)
            opts = SimOptions.from_network(model)
            worlds[kind] = (storm, frames, radar_view(frames, seed=seed), model, opts,
                            ObservedRain.of_network(model, opts))  # fmt: skip
        return worlds[kind]

    storm, frames, _, model, opts, _ = world("storm")
    area = np.asarray(model.subcatchments.area_m2, float)
    g = np.asarray(model.subcatchments.raingage, int)
    gw = np.bincount(g, area, minlength=len(model.raingages)) / area.sum()
    step = float(frames.attrs["step_s"])
    end_s = 2.5 * 3600.0
    cycles = np.arange(CYCLE_S, end_s + 1e-6, CYCLE_S)
    out = {"network": net_name, "seed": seed, "variants": {}}
    for name in variants:
        kind, src, mot, kw = VARIANTS[name]
        storm_k, frames_k, radar_k, model_k, opts_k, rain_k = world(kind)
        rr = RadarRain(radar_k if src == "radar" else frames_k, model_k, opts_k.start, **kw)
        if kw.get("bias") == "kalman" and mfb:  # the filter's constants given (--mfb)
            from twin.ops.mfb import MeanFieldBias

            rr.mfb = MeanFieldBias(rr.n_gauges, **mfb)
        if mot == "true":
            vel = true_velocity(storm_k, frames_k)

            # RadarRain._motion returns (velocity, sigma) since 4570d95; the true motion
            # has no error, so perturbed members all get it (sigma 0)
            def true_motion(method, past, recent=None, spread=False, vel=vel):
                return vel, (np.zeros(2) if spread else None)

            rr._motion = true_motion
        field = rr.to_gauges(np.asarray(frames_k.values, float)) @ gw  # the field's town rate
        t_f = np.arange(len(field)) * step
        k10 = int(round(600.0 / step))
        peak_t = t_f[np.argmax(np.convolve(field, np.ones(k10) / k10, "valid"))]
        rows = []
        t0 = time.process_time()
        for c, now in enumerate(cycles):
            times, rates = rr.nowcast(rain_k, float(now), 3600.0, MEMBERS, seed=seed * 100003 + c)
            town = rates @ gw  # (members, steps)
            row = {"t_min": int(now // 60), "after_peak": bool(now >= peak_t)}
            if rr.gauge_adjusted:  # the mean-field bias the nowcast was scaled by (town)
                row["bias"] = round(float(rr.gauge_bias(rain_k, float(now)) @ gw), 3)
            for lead in LEADS_MIN:
                n = int(round(lead * 60 / step))
                fc = town[:, :n].mean(axis=1) if town.shape[1] >= n else town.mean(axis=1)
                m = (t_f >= now - 1e-6) & (t_f < now + lead * 60 - 1e-6)
                obs = float(field[m].mean())
                row[f"field_{lead}"] = round(obs, 2)
                row[f"mean_{lead}"] = round(float(fc.mean()), 2)
                row[f"crps_{lead}"] = round(crps(fc, obs), 3)
                row[f"sd_{lead}"] = round(float(fc.std(ddof=1)), 3)
            rows.append(row)
        cpu = time.process_time() - t0
        summ = {"cpu_s": round(cpu, 1)}
        for part, sel in (("all", lambda r: True), ("after_peak", lambda r: r["after_peak"]),
                          ("before_peak", lambda r: not r["after_peak"])):  # fmt: skip
            rs = [r for r in rows if sel(r) and r["field_30"] > 0.5]
            for lead in LEADS_MIN:
                e = np.array([r[f"mean_{lead}"] - r[f"field_{lead}"] for r in rs])
                ratio = np.array([r[f"mean_{lead}"] / max(r[f"field_{lead}"], 0.1) for r in rs])
                summ[f"{part}_mae_{lead}"] = round(float(np.abs(e).mean()), 2) if len(e) else None
                summ[f"{part}_bias_{lead}"] = round(float(e.mean()), 2) if len(e) else None
                c = [r[f"crps_{lead}"] for r in rs]
                summ[f"{part}_crps_{lead}"] = round(float(np.mean(c)), 3) if c else None
                # spread-skill: the members' RMS spread over the RMS error of their mean
                sd = np.array([r[f"sd_{lead}"] for r in rs])
                summ[f"{part}_spread_skill_{lead}"] = (
                    round(float(np.sqrt((sd**2).mean() / max((e**2).mean(), 1e-12))), 3)
                    if len(e) else None)  # fmt: skip
                summ[f"{part}_max_ratio_{lead}"] = round(float(ratio.max()), 2) if len(e) else None
        if mfb and kw.get("bias") == "kalman":
            summ["mfb"] = mfb
        out["variants"][name] = {"summary": summ, "cycles": rows, "peak_min": int(peak_t // 60)}
        short = {k: v for k, v in summ.items() if "_30" in k or k == "cpu_s"}
        print(net_name, seed, name, json.dumps(short), flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="small,district-100")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--variants", default=",".join(DIAGNOSIS))
    ap.add_argument(
        "--mfb",
        default="",
        help="the Kalman mean-field bias's constants (MeanFieldBias keywords: "
        "prior_var=0.09,tau_s=21600,...); the kalman variants named with them",
    )
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    variants = a.variants.split(",")
    mfb = {k: float(v) for k, v in (x.split("=") for x in a.mfb.split(",") if x)}
    out = Path(a.o)
    rows = json.loads(out.read_text())["cases"] if out.exists() else []
    for seed in a.seeds.split(","):
        for net_name in a.networks.split(","):
            r = case(net_name, int(seed), variants, mfb)
            if mfb:  # the kalman variants under their constants' name
                tag = ",".join(f"{k}={v:g}" for k, v in mfb.items())
                r["variants"] = {(f"{k}[{tag}]" if "kalman" in k else k): v
                                 for k, v in r["variants"].items()}  # fmt: skip
            r["load_average"] = os.getloadavg()[0]
            old = [x for x in rows if (x["network"], x["seed"]) == (net_name, int(seed))]
            if old:
                old[0]["variants"].update(r["variants"])
            else:
                rows.append(r)
            out.write_text(json.dumps({"cases": rows}, indent=1))


if __name__ == "__main__":
    main()
