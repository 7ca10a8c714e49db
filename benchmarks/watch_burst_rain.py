"""watch-burst (round 15, issue 17): the town's rain per 5 minutes - the truth (times its
under-catch factor), the radar, the model's gauges - and, at the 40-80 minute cycles, the
radar nowcast's members (mean, sd; gauge-adjusted, without the members' rain factor), the
radar's last frame advected with the true motion, and the truth's own last frame advected
with the true motion (a perfect extrapolation), for leads 0-25 min; and the truth without
its texture.  Usage: python benchmarks/watch_burst_rain.py NETWORK SEED CELL_M N_CELLS -o OUT.json
(the cases' files gathered into
benchmarks/results/watch-burst-rain.json)."""

import json
import sys

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from watch_twin import case_args, network, probe_radar_rain

from twin.engine.options import SimOptions
from twin.ops.rain import ObservedRain
from twin.validation import radar_twin as R
from twin.validation.radar_twin import draw, networks_of_field, storm_frames

net_name, seed, cell_m, n_cells, out_path = case_args(__doc__)
net = network(net_name)
st = draw(seed)
print("storm", st, "dir_deg", np.degrees(st.direction_rad))
frames = storm_frames(net, st, seed=seed, n_cells=n_cells, cell_m=cell_m)
radar = R.radar_view(frames, seed=seed)
model, field_net = networks_of_field(net, frames)
opts = SimOptions.from_network(model)
factor = 1.2 + 0.1 * (seed % 3)
r = probe_radar_rain(radar, model, opts.start)
share = r._gauge_share
truth = (r.to_gauges(frames.values) @ share) * factor  # catchment mean (gauge areas)
rad = r.to_gauges(radar.values) @ share
gauges = ObservedRain.of_network(model, opts)
gp = np.array([gauges.mean_rate(t, t + 300) for t in r.times_s]) @ share
print("radar bias", radar.attrs["radar_bias"], "factor", factor)
print("t_min  truth*f  radar  gaugepoint  (mm/h, catchment mean)")
for i, t in enumerate(r.times_s):
    if 20 * 60 <= t <= 110 * 60:
        print(f"{t / 60:5.0f} {truth[i]:7.1f} {rad[i]:6.1f} {gp[i]:6.1f}")
# the design hyetograph
hy = ObservedRain.of_network(net, opts)
print("design times_min", (hy.times_s / 60).tolist()[:40])
print("design rate", np.round(hy.rates_mmh @ (np.ones(hy.n_gauges) / hy.n_gauges), 1).tolist()[:40])
from pysteps import motion, nowcasts  # noqa: E402

ext = nowcasts.get_method("extrapolation")
cpf = st.speed_mps * 300 / cell_m
Vtrue = np.zeros((2,) + frames.shape[1:])
Vtrue[0] = cpf * np.cos(st.direction_rad)
Vtrue[1] = cpf * np.sin(st.direction_rad)
out = {}
for now_min in (40, 50, 60, 70, 80):
    now = now_min * 60.0
    times, rates = r.nowcast(gauges, now, 1800, 8, seed=seed * 100003 + now_min // 10)
    town = rates @ share  # (members, k)
    bias = r.gauge_bias(gauges, now) @ share
    past = r._past(now, 6)
    V, sig = r._motion(motion.get_method("proesmans"), r._past(now), past, True)
    k0 = int(np.searchsorted(r.times_s, now - 1e-6))
    # true-motion extrapolation of the last radar frame and of the truth's last frame
    tm = ext(past[-1], Vtrue, 6)
    tm_town = (r.to_gauges(np.nan_to_num(tm)) * r.gauge_bias(gauges, now)) @ share
    last_truth = np.asarray(frames.values[k0 - 1])
    pt = ext(last_truth, Vtrue, 6)
    pt_town = r.to_gauges(np.nan_to_num(pt)) @ share * factor
    wet = past[-1] > 0.1
    print(
        f"\nnow {now_min} min: gauge_bias(town) {bias:.2f}; motion est mean u,v "
        f"{V[0][wet].mean():.2f},{V[1][wet].mean():.2f} cells/frame, true "
        f"{Vtrue[0, 0, 0]:.2f},{Vtrue[1, 0, 0]:.2f}; pert sigma {sig}"
    )
    print(" lead truth*f | nowcast mean sd (no factor) | radar-true-motion | truth-frozen*f")
    for j in range(6):
        print(
            f" {j * 5:3d} {truth[k0 + j]:7.1f} | {town[:, j].mean():6.1f} {town[:, j].std():5.1f} |"
            f" {tm_town[j]:6.1f} | {pt_town[j]:6.1f}"
        )
    out[now_min] = dict(
        truth=truth[k0 : k0 + 6].tolist(),
        nc_mean=town.mean(0).tolist(),
        nc_sd=town.std(0).tolist(),
        radar_true_motion=tm_town.tolist(),
        truth_frozen_true_motion=pt_town.tolist(),
        gauge_bias=float(bias),
        motion_est=[float(V[0][wet].mean()), float(V[1][wet].mean())],
        motion_true=[float(Vtrue[0, 0, 0]), float(Vtrue[1, 0, 0])],
    )
import dataclasses  # noqa: E402

smooth = storm_frames(
    net, dataclasses.replace(st, texture_sigma=0.0), seed=seed, n_cells=n_cells, cell_m=cell_m
)
sm = (r.to_gauges(smooth.values) @ share) * factor
print("\nt_min truth*f  no-texture*f  texture factor")
for i, t in enumerate(r.times_s):
    if 50 * 60 <= t <= 100 * 60:
        print(f"{t / 60:5.0f} {truth[i]:7.1f} {sm[i]:7.1f} {truth[i] / max(sm[i], 1e-9):5.2f}")
out_path.write_text(
    json.dumps(
        dict(
            network=net_name,
            seed=seed,
            cell_m=cell_m,
            storm=str(st),
            times_min=(r.times_s / 60).tolist(),
            truth=truth.tolist(),
            radar=rad.tolist(),
            gauge_point=gp.tolist(),
            cycles=out,
            no_texture=sm.tolist(),
        )
    )
)
