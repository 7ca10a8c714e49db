"""watch-burst (round 15, issue 17): when the rainfall warning would fire on the observed
rain (the twin before 2026-12-07) and on the nowcast members' median over the next 60 min
(gauge-adjusted; with factor 1 and with the truth's under-catch factor), every 10-minute
cycle, against the truth's first manhole flood; no twin run (the nowcast offline).
Usage: python benchmarks/watch_burst_rainwarn.py NETWORK SEED CELL_M N_CELLS -o OUT.json
(the cases' files gathered into
benchmarks/results/watch-burst-rainwarn.json)."""

import json
import sys

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from watch_twin import case_args, network, probe_radar_rain

from twin.engine.options import SimOptions
from twin.ops.rain import ObservedRain
from twin.validation import twin_experiment as E
from twin.validation.radar_twin import radar_experiment

net_name, seed, cell_m, n_cells, out_path = case_args(__doc__)
factor = 1.2 + 0.1 * (seed % 3)
ex, frames, radar = radar_experiment(
    network(net_name), 6, seed, rain_factor=factor, n_cells=n_cells, cell_m=cell_m
)
opts = SimOptions.from_network(ex.model)
floods = E.truth_floods(ex.model, ex.truth)
ft = sorted(floods.values())
start = np.datetime64(opts.start, "s")
fmin = [float((np.datetime64(t, "s") - start) / np.timedelta64(60, "s")) for t in ft]
r = probe_radar_rain(radar, ex.model, opts.start)
gauges = ObservedRain.of_network(ex.model, opts)
ng = len(ex.model.raingages)
rows = []
obs_first = fc_first = fcf_first = None
for k in range(1, 15):
    now = k * 600.0
    rate = gauges.mean_rate(now - 300, now)[:ng]
    d15 = gauges.mean_rate(now - 900, now)[:ng] * 0.25
    obs = bool((rate > 55).any() or (d15 > 20).any())
    times, rates = r.nowcast(gauges, now, 3600, 8, seed=seed * 100003 + k)
    out = []
    for f in (1.0, factor):
        med = np.median(rates * f, axis=0)[:, :ng]  # (k, g)
        m15 = np.array([med[j : j + 3].mean(0) * 0.25 for j in range(len(med) - 2)])
        out.append((float(med.max()), float(m15.max()), bool((med > 55).any() or (m15 > 20).any())))
    rows.append(
        dict(
            t_min=now / 60,
            obs_rate=float(rate.max()),
            obs_d15=float(d15.max()),
            obs=obs,
            fc_max_rate=out[0][0],
            fc_max_d15=out[0][1],
            fc=out[0][2],
            fcf=out[1][2],
        )
    )
    if obs and obs_first is None:
        obs_first = now / 60
    if out[0][2] and fc_first is None:
        fc_first = now / 60
    if out[1][2] and fcf_first is None:
        fcf_first = now / 60
res = dict(
    network=net_name,
    seed=seed,
    cell_m=cell_m,
    truth_factor=factor,
    n_floods=len(fmin),
    first_flood_min=fmin[0] if fmin else None,
    median_flood_min=float(np.median(fmin)) if fmin else None,
    rain_warning_observed_first_min=obs_first,
    rain_warning_forecast_first_min=fc_first,
    rain_warning_forecast_truthfactor_first_min=fcf_first,
    cycles=rows,
)
print(json.dumps({k: v for k, v in res.items() if k != "cycles"}))
for x in rows:
    print(x)
out_path.write_text(json.dumps(res))
