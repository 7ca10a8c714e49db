"""The manhole warnings' false alarms (issue 17), traced and replayed on kept runs.

Reads the run folders ``watch_radar.py --keep`` leaves (``forecasts.nc``, ``truth.nc``,
``warnings.jsonl``) and, with no new simulation of the twin:

- replays the warning book on each cycle's flood probabilities (the risks built as
  ``twin watch`` builds them) with the rule before 2026-12-07 (``hold_cycles=1``: a
  warning cancelled on the first cycle its probability is below 0.3) and the rule after
  (``hold_cycles=2``), checking that the old rule gives the run's own
  ``warnings.jsonl`` back;
- scores both with the old score and the corrected one
  (:func:`twin.validation.twin_experiment.warning_scores` without / with ``flooding``),
  and the warnings in force when each flood began;
- traces every false warning of the old rule (corrected score): raised again after a
  cancel, a near miss (the truth's highest water within the horizon at 90 % / 95 % of
  the manhole's depth or more), the analysis at the cycle already too wet (members'
  median depth at lead 0 more than 10 % of the depth above the truth's), below a pipe
  the truth changed (rougher or blocked, :func:`~twin.validation.twin_experiment.truth_pipes`),
  its probability, the minutes to its expected flood, how many manholes were warned in
  the same cycle, and with ``--rain`` the nowcast's rain over the town in the 30 minutes
  after the cycle against the field's (radar runs: ``RadarRain`` rebuilt as
  ``watch_radar.py`` builds it; before the members' rain factor);
- the reliability of the members' flood probability (cycle x manhole pairs, flood within
  the horizon) and its Brier score, per set of runs.

    python benchmarks/watch_far.py --set tune /tmp/watch-rescore/runs/*-[12]-*gauge-enkf* \\
        --set heldout /tmp/watch-heldout/runs/*-enkf* [--rain] -o benchmarks/results/watch-far.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_twin import network  # noqa: E402
from watch_warnings import book_messages  # noqa: E402

OUT = Path(__file__).parent / "results" / "watch-far.json"
BINS = (0.0, 1e-9, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


def describe(folder: Path) -> dict:
    """Network, seed and mode of a kept run from its folder name (``watch_radar.py``'s tag)."""
    name = folder.name
    net_name = "district-100" if name.startswith("district-100") else name.split("-")[0]
    rest = name[len(net_name) + 1 :]
    seed, _, mode = rest.partition("-")
    for method in ("enkf", "none", "nudging"):
        if f"-{method}" in mode:
            mode = mode.split(f"-{method}")[0]
            break
    return {"network": net_name, "seed": int(seed), "mode": mode, "run": name}


def load(folder: Path):
    import xarray as xr

    from twin.validation import twin_experiment as E

    info = describe(folder)
    net = network(info["network"])
    with xr.open_dataset(folder / "forecasts.nc") as fc, xr.open_dataset(folder / "truth.nc") as tr:
        fc, tr = fc.load(), tr.load()
    path = folder / "warnings.jsonl"
    recorded = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    recorded = [m for m in recorded if m["kind"] == "manhole_overflow"]
    return info, net, fc, tr, recorded, E.truth_floods(net, tr), E.truth_flood_times(net, tr)


def replay(net, fc, hold_cycles, threshold=0.5, hysteresis=0.2) -> list[dict]:
    """The manhole messages of the warning book on the run's forecasts (risks as
    :meth:`twin.ops.watch.Twin.warnings` builds them)."""
    return book_messages(fc, [str(x) for x in net.nodes.name], threshold, hysteresis,
                         hold_cycles)  # fmt: skip


def in_force(messages, floods) -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    from watch_radar import in_force_scores

    return in_force_scores(messages, floods)


def downstream_of(net, links) -> set[int]:
    """Node positions downstream of ``links`` (their to-nodes and everything below)."""
    frm, to = np.asarray(net.links.from_node), np.asarray(net.links.to_node)
    out, todo = set(), [int(to[j]) for j in links]
    while todo:
        n = todo.pop()
        if n in out:
            continue
        out.add(n)
        todo += [int(x) for x in to[frm == n]]
    return out


def town_field(info) -> SimpleNamespace:
    """The radar twin experiment of a kept run rebuilt (``info``: :func:`describe`'s; the
    seed's under-catch factor) with what the town-rain comparisons read: ``ex``, ``radar``
    (its frames), ``opts``, ``rain`` (the network's own gauge rain), ``area`` [m2] and
    ``gauge`` of the subcatchments, ``t_s`` (the truth's times [s after the start]) and
    ``field`` (the truth's catchment-mean rain over its under-catch [mm/h])."""
    from twin.engine.options import SimOptions
    from twin.ops.rain import ObservedRain
    from twin.validation.radar_twin import radar_experiment

    seed = info["seed"]
    factor = 1.2 + 0.1 * (seed % 3)
    ex, _, radar = radar_experiment(network(info["network"]), 6, seed, rain_factor=factor)
    opts = SimOptions.from_network(ex.model)
    area = np.asarray(ex.model.subcatchments.area_m2, float)
    t_s = (ex.truth.time.values - np.datetime64(opts.start)).astype("timedelta64[s]")
    return SimpleNamespace(
        ex=ex, radar=radar, opts=opts, rain=ObservedRain.of_network(ex.model, opts), area=area,
        gauge=np.asarray(ex.model.subcatchments.raingage, int), t_s=t_s.astype(float),
        field=ex.truth.subcatchment_rainfall.values @ area / area.sum() / factor,
    )  # fmt: skip


def nowcast_ratio(info, cycles) -> dict:
    """Per cycle: the nowcast's mean rain over the town in the next 30 minutes (8 members'
    mean, before the rain factor) and the field's (the truth's divided by its
    under-catch), their largest 15-minute means within it, and the gauge adjustment's
    mean-field bias (the nowcast is the radar's extrapolation times it)."""
    from twin.ops.nowcast import RadarRain
    from twin.ops.rain import persistence_nowcast

    seed = info["seed"]
    tf = town_field(info)
    ex, radar, opts, rain = tf.ex, tf.radar, tf.opts, tf.rain
    area, g, t_s, field = tf.area, tf.gauge, tf.t_s, tf.field
    rr = None
    if info["mode"].startswith("radar"):
        method = "extrapolation" if "extrapolation" in info["mode"] else "steps"
        rr = RadarRain(radar, ex.model, opts.start, method=method,
                       gauge_adjusted=info["mode"].endswith("-gauge"))  # fmt: skip
    out = {}
    for t in cycles:
        now = float(
            (np.datetime64(t, "s") - np.datetime64(opts.start, "s")) / np.timedelta64(1, "s")
        )
        m = (t_s > now) & (t_s <= now + 1800)
        truth_mmh = float(field[m].mean()) if m.any() else float("nan")
        if rr is None:  # the gauges' decaying persistence (twin watch without --radar)
            times, rates = persistence_nowcast(rain, now, 1800.0, 8, seed=seed)
        else:
            times, rates = rr.nowcast(rain, now, 1800.0, 8, seed=seed)
        step_s = float(times[1] - times[0]) if len(times) > 1 else 300.0
        gw = np.bincount(g, area, minlength=rates.shape[-1]) / area.sum()
        town = rates.mean(axis=0) @ gw  # members' mean over the town, every radar step
        k15 = max(int(round(900.0 / step_s)), 1)
        peak_fc = float(np.convolve(town, np.ones(k15) / k15, "valid").max())
        fm = np.array([field[(t_s > now + a) & (t_s <= now + a + 900)].mean()
                       for a in np.arange(0, 1800 - 900 + 1, 300)])  # fmt: skip
        bias = rr.gauge_bias(rain, now) @ gw if rr is not None and rr.gauge_adjusted else 1.0
        out[str(t)[11:16]] = {
            "nowcast_mmh": round(float(town.mean()), 1), "field_mmh": round(truth_mmh, 1),
            "nowcast_peak_15min_mmh": round(peak_fc, 1),
            "field_peak_15min_mmh": round(float(np.nanmax(fm)), 1),
            "gauge_bias": round(float(bias), 2),
        }  # fmt: skip
    return out


def trace(info, net, fc, tr, msgs, flooding, rain=False, horizon_min=120.0) -> dict:
    """Every false warning of ``msgs`` (corrected score) and what it looked like."""
    from twin.validation.twin_experiment import truth_pipes

    names = [str(x) for x in net.nodes.name]
    horizon = np.timedelta64(int(horizon_min * 60), "s")
    tt = tr.time.values.astype("datetime64[s]")
    depth = tr.node_depth.values
    full = np.asarray(net.nodes.max_depth_m, float)
    cycles = fc.cycle.values.astype("datetime64[s]")
    med0 = fc.node_depth_quantile.sel(quantile=0.5).isel(lead=0).values
    rough, blocked = truth_pipes(net, seed=info["seed"])
    below = downstream_of(net, list(rough) + list(blocked))
    new = [m for m in msgs if m["status"] == "new"]
    per_cycle = {}
    for m in new:
        per_cycle[m["issued"]] = per_cycle.get(m["issued"], 0) + 1
    seen, rows = set(), []
    for m in new:
        node, t = m["node"], np.datetime64(m["issued"][:-1], "s")
        i = names.index(node)
        c = int(np.argmin(np.abs(cycles - t)))
        win = (tt >= t) & (tt <= t + horizon)
        when = np.asarray(flooding.get(node, []), dtype="datetime64[s]")
        right = bool(((when >= t) & (when <= t + horizon)).any())
        exp_t = fc.node_first_flood_time.values[c, i]
        rows.append({
            "node": node, "issued": m["issued"], "right": right,
            "raised_again": node in seen, "probability": m["probability"],
            "minutes_to_expected": None if np.isnat(exp_t) else
            float((np.datetime64(exp_t, "s") - t) / np.timedelta64(60, "s")),
            "truth_max_over_depth": float(depth[win, i].max() / full[i]) if full[i] > 0 else None,
            "analysis_over_depth": float(med0[c, i] / full[i]) if full[i] > 0 else None,
            "truth_now_over_depth": float(depth[np.argmin(np.abs(tt - t)), i] / full[i])
            if full[i] > 0 else None,
            "floods_ever": node in flooding, "below_changed_pipe": i in below,
            "warned_same_cycle": per_cycle[m["issued"]],
        })  # fmt: skip
        seen.add(node)
    false = [r for r in rows if not r["right"]]
    true = [r for r in rows if r["right"]]

    def count(rs, f):
        return int(sum(1 for r in rs if f(r)))

    def share(rs, f):
        return round(count(rs, f) / len(rs), 3) if rs else None

    crits = {
        "raised_again": lambda r: r["raised_again"],
        "near_miss_90": lambda r: (r["truth_max_over_depth"] or 0) >= 0.9,
        "near_miss_95": lambda r: (r["truth_max_over_depth"] or 0) >= 0.95,
        "floods_outside_horizon": lambda r: r["floods_ever"],
        "analysis_too_wet": lambda r: (
            (r["analysis_over_depth"] or 0) > (r["truth_now_over_depth"] or 0) + 0.1
        ),
        "below_changed_pipe": lambda r: r["below_changed_pipe"],
        "probability_0.8_or_more": lambda r: (r["probability"] or 0) >= 0.8,
        "expected_within_15_min": lambda r: (r["minutes_to_expected"] or 1e9) < 15,
        "in_a_cycle_warning_20_or_more": lambda r: r["warned_same_cycle"] >= 20,
    }
    out = {
        "warnings": len(rows), "false": len(false),
        "false_by": {k: count(false, f) for k, f in crits.items()},
        "share_of_false": {k: share(false, f) for k, f in crits.items()},
        "share_of_right": {k: share(true, f) for k, f in crits.items()},
        "false_by_cycle": {},
    }  # fmt: skip
    for r in false:
        k = r["issued"][11:16]
        out["false_by_cycle"][k] = out["false_by_cycle"].get(k, 0) + 1
    if rain:
        ratio = nowcast_ratio(info, sorted({np.datetime64(k[:-1], "s") for k in per_cycle}))
        out["nowcast_at_false_cycles"] = {k: ratio.get(k) for k in out["false_by_cycle"]}
    out["false_warnings"] = false
    return out


def pairs(net, fc, tr, horizon_min=120.0):
    """(probability, flooded within the horizon) of every cycle x manhole whose horizon
    the truth covers."""
    horizon = np.timedelta64(int(horizon_min * 60), "s")
    junction = np.asarray(net.nodes.kind) == 0
    tt = tr.time.values.astype("datetime64[s]")
    q = tr.node_flooding.values > 1e-6
    p_out, o_out = [], []
    for c, t in enumerate(fc.cycle.values.astype("datetime64[s]")):
        if t + horizon > tt[-1]:
            continue
        win = (tt > t) & (tt <= t + horizon)
        p_out.append(fc.node_flood_probability.values[c][junction])
        o_out.append(q[win][:, junction].any(axis=0))
    return np.concatenate(p_out), np.concatenate(o_out)


def reliability(p, o) -> dict:
    ok = np.isfinite(p)
    p, o = p[ok], o[ok].astype(float)
    table = []
    for lo, hi in zip(BINS[:-1], BINS[1:], strict=True):
        m = (p >= lo) & (p < hi)
        table.append({"p_from": lo, "p_to": min(hi, 1.0), "pairs": int(m.sum()),
                      "mean_p": float(p[m].mean()) if m.any() else None,
                      "observed": float(o[m].mean()) if m.any() else None})  # fmt: skip
    base = float(o.mean())
    return {"pairs": int(len(p)), "flood_rate": base, "brier": float(np.mean((p - o) ** 2)),
            "brier_climatology": base * (1 - base), "table": table}  # fmt: skip


def one(folder: Path, rain=False) -> dict:
    from twin.bench.report import source_commit
    from twin.validation import twin_experiment as E

    info, net, fc, tr, recorded, floods, flooding = load(folder)
    old_rule, new_rule = replay(net, fc, 1), replay(net, fc, 2)
    key = [(m["issued"], m["node"], m["status"]) for m in recorded if m["status"] != "update"]
    mine = [(m["issued"], m["node"], m["status"]) for m in old_rule if m["status"] != "update"]
    row = {**info, "floods": len(floods), "commit": source_commit(),
           "replay_equals_recorded": key == mine}  # fmt: skip
    for rule, msgs in (("old_rule", old_rule), ("new_rule", new_rule)):
        old_score = E.warning_scores(msgs, floods)
        new_score = E.warning_scores(msgs, floods, flooding=flooding)
        row[rule] = {
            "old_score": {k: old_score[k] for k in ("pod", "far", "median_lead_min", "warnings")},
            "new_score": {k: new_score[k] for k in ("pod", "far", "median_lead_min", "warnings")},
            **in_force(msgs, floods),
            "messages": len(msgs),
        }
    row["trace"] = trace(info, net, fc, tr, old_rule, flooding, rain=rain)
    p, o = pairs(net, fc, tr)
    return row, p, o


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", nargs="+", action="append", required=True,
                    help="a set's name, then its run folders")  # fmt: skip
    ap.add_argument("--rain", action="store_true", help="the nowcast against the field")
    ap.add_argument("-o", default=str(OUT))
    a = ap.parse_args()
    out = {"runs": [], "reliability": {}, "load_average": os.getloadavg()[0]}
    for name, *folders in a.set:
        by_mode = {}
        for f in folders:
            row, p, o = one(Path(f), rain=a.rain)
            row["set"] = name
            out["runs"].append(row)
            by_mode.setdefault(row["mode"], []).append((p, o))
            o_, n_ = row["old_rule"], row["new_rule"]
            print(f"{name} {row['run']}: floods {row['floods']}, replay as recorded "
                  f"{row['replay_equals_recorded']} | old rule, old score {o_['old_score']} | "
                  f"old rule, new score {o_['new_score']} in force {o_['pod_in_force']:.2f} | "
                  f"new rule {n_['new_score']} in force {n_['pod_in_force']:.2f} | "
                  f"false by {row['trace']['false_by']}", flush=True)  # fmt: skip
        for mode, po in by_mode.items():
            p = np.concatenate([x for x, _ in po])
            o = np.concatenate([y for _, y in po])
            out["reliability"][f"{name}/{mode}"] = reliability(p, o)
    Path(a.o).write_text(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
