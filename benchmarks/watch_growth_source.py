"""watch-growth (round 16, issue 17): where the truth's "growth in place" comes from.

The radar twin's field (:func:`twin.validation.radar_twin.storm_frames`) is a frozen part
(the design hyetograph laid along the motion, in a band) times a lognormal texture that
moves with the storm and evolves (AR(1), lifetime 45 min).  For every 10-minute cycle and
the next 30 / 60 minutes, the town's rain depth [mm] (the catchments' area-weighted mean of
the field, no under-catch factor) of

- ``truth``: the field;
- ``frozen``: the frozen part only, with the texture's mean (what the hyetograph brings);
- ``advected``: the frozen part times the cycle's texture moved with the storm on the
  generator's own wrapped grid (an extrapolation with the true motion and no domain edge);
- ``extrap``: the truth's last frame advected by pysteps with the true motion (rain from
  beyond the domain's edge is lost: the extrapolation a perfect radar could do);
- ``markov``: the best forecast of the field's conditional mean given its last frame: the
  advected texture's log anomaly damped by ``rho ** k`` (the AR(1)'s memory; a growth
  beyond it is the innovations', independent of every past frame).

And the texture's Lagrangian growth persistence: over the raining cells, the correlation of
the log change over the last 15 minutes with the log change over the next 15 (0 or below:
a growth shows no precursor in the frames; the AR(1) gives ``-(1 - rho_15) / 2``).

    python benchmarks/watch_growth_source.py NETWORK SEED CELL_M N_CELLS -o OUT.json
"""

import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_twin import case_args, network  # noqa: E402

from twin.bench.report import source_commit  # noqa: E402
from twin.ops.nowcast import gauge_weights  # noqa: E402
from twin.validation.radar_twin import draw, storm_frames  # noqa: E402

CYCLE_MIN = 10
LEADS_MIN = (30, 60)


def main():
    import dataclasses

    from pysteps import nowcasts
    from scipy.ndimage import shift

    net_name, seed, cell_m, n_cells, out_path = case_args(__doc__)
    net = network(net_name)
    st = draw(seed)
    kw = {"seed": seed, "n_cells": n_cells, "cell_m": cell_m}
    truth = storm_frames(net, st, **kw)
    frozen = storm_frames(net, dataclasses.replace(st, texture_sigma=0.0), **kw).values
    v = truth.values
    step = float(truth.attrs["step_s"])
    x, y = truth.x.values, truth.y.values
    w = gauge_weights(net, x, y)
    area = np.asarray(net.subcatchments.area_m2, float)
    g = np.asarray(net.subcatchments.raingage, np.int64)
    town_w = (np.bincount(g, area, w.shape[0]) / area.sum()) @ w  # (cells,)

    def town(f):  # (..., ny, nx) -> (...) the town's mean rate [mm/h]
        return np.nan_to_num(f).reshape(*f.shape[:-2], -1) @ town_w

    wet = frozen > 1e-9
    log_t = np.where(wet, np.log(np.where(wet, v, 1.0) / np.where(wet, frozen, 1.0)), np.nan)
    sig = st.texture_sigma
    rho = np.exp(-step / st.lifetime_s)
    z = (log_t - np.nanmean(log_t, axis=(1, 2), keepdims=True)) / sig  # the texture's z
    z = np.nan_to_num(z)
    c, s = np.cos(st.direction_rad), np.sin(st.direction_rad)
    move = np.array([s, c]) * st.speed_mps * step / cell_m  # (rows, cols) per frame
    vel = np.stack([np.full(v.shape[1:], c * st.speed_mps * step / cell_m),
                    np.full(v.shape[1:], s * st.speed_mps * step / cell_m)])  # fmt: skip
    extrapolate = nowcasts.get_method("extrapolation")
    # the frozen part's scale against the texture's mean: truth = frozen * exp(sig z - sig^2/2) * a
    a = float(np.exp(np.nanmean(log_t[v.sum(axis=(1, 2)) > 0]) + 0.5 * sig**2))
    rows = []
    for now_min in range(CYCLE_MIN, int(len(v) * step / 60) - max(LEADS_MIN) + 1, CYCLE_MIN):
        i = int(now_min * 60 / step) - 1  # the cycle's last complete frame
        n = int(max(LEADS_MIN) * 60 / step)
        ext = extrapolate(v[i], vel, n)  # frames i+1 .. i+n
        zk = z[i].copy()
        adv, mk = [], []
        for k in range(1, n + 1):
            zk = shift(zk, move, order=1, mode="wrap")
            fz = frozen[i + k] * a
            adv.append(fz * np.exp(sig * zk - 0.5 * sig**2))
            mk.append(fz * np.exp(sig * rho**k * zk - 0.5 * sig**2 * rho ** (2 * k)))
        row = {"t_min": now_min, "town_now_mmh": round(float(town(v[i])), 1)}
        for lead in LEADS_MIN:
            m = int(lead * 60 / step)
            mm = step / 3600.0
            row[f"truth_{lead}"] = round(float(town(v[i + 1 : i + 1 + m]).sum() * mm), 2)
            row[f"frozen_{lead}"] = round(float(town(frozen[i + 1 : i + 1 + m]).sum() * a * mm), 2)
            row[f"advected_{lead}"] = round(float(town(np.array(adv[:m])).sum() * mm), 2)
            row[f"extrap_{lead}"] = round(float(town(ext[:m]).sum() * mm), 2)
            row[f"markov_{lead}"] = round(float(town(np.array(mk[:m])).sum() * mm), 2)
        rows.append(row)
    # growth persistence: Lagrangian log changes over 15 min, before and after each frame
    k3 = int(round(900.0 / step))
    past, fut = [], []
    for i in range(k3, len(v) - k3):
        lag = z[i - k3]
        for _ in range(k3):
            lag = shift(lag, move, order=1, mode="wrap")
        ahead = z[i]
        for _ in range(k3):
            ahead = shift(ahead, move, order=1, mode="wrap")
        rain = (v[i] > 1.0) & (frozen[i] > 0.1)
        past.append((z[i] - lag)[rain])
        fut.append((z[i + k3] - ahead)[rain])
    past, fut = np.concatenate(past), np.concatenate(fut)
    summary = {
        "network": net_name, "seed": seed, "cell_m": cell_m, "n_cells": n_cells,
        "speed_mps": round(st.speed_mps, 2), "lifetime_s": st.lifetime_s,
        "upstream_domain_min": round(n_cells * cell_m / 2 / st.speed_mps / 60, 1),
        "growth_persistence_15min": round(float(np.corrcoef(past, fut)[0, 1]), 3),
        "growth_persistence_ar1": round(float(-(1 - rho**k3) / 2), 3),
        "lagrangian_log_change_sd_15min": round(float(np.std(fut) * sig), 3),
        "commit": source_commit(), "load_average": os.getloadavg()[0],
        "command": f"python benchmarks/watch_growth_source.py {net_name} {seed} {cell_m:g} "
                   f"{n_cells}",
    }  # fmt: skip
    for lead in LEADS_MIN:
        sel = [r for r in rows if r[f"truth_{lead}"] > 5.0]
        tot = sum(r[f"truth_{lead}"] for r in sel)
        for k in ("frozen", "advected", "extrap", "markov"):
            summary[f"{k}_share_{lead}"] = round(sum(r[f"{k}_{lead}"] for r in sel) / tot, 3)
    print(json.dumps(summary))
    for r in rows:
        print(json.dumps(r))
    Path(out_path).write_text(json.dumps({"summary": summary, "cycles": rows}, indent=1))


if __name__ == "__main__":
    main()
