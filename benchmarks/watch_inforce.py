"""Why the early manhole warnings are not in force at the flood's onset (issue 17, round
16), and the warning book's variants replayed on kept runs.

Reads the run folders ``watch_radar.py --keep`` leaves (``forecasts.nc``, ``truth.nc``,
``warnings.jsonl``, ``watch.json``, ``radar/``); no new simulation of the twin (the book
does not feed back into the forecasts, so a replay is the rule's own effect).

``diagnose``: per manhole the truth floods, the cycle-by-cycle flood probability and
expected first flood (``forecasts.nc``), the book's messages, and for every warning
cancelled before the onset what the cycles of the dip looked like: the members' median
depth at lead 0 and their highest 0.9-quantile depth over the horizon (over the rim
depth), the analysed mean rain factor (``watch.json``'s ``factor_history``), the nowcast's
rain over the town in the next 0-30 and 30-60 minutes against the field's (with ``--rain``: the
run's ``RadarRain`` rebuilt from its ``radar/`` as ``watch_radar.py`` builds it, the
members' mean before the rain factor), and whether the flood lay beyond the horizon.

``replay``: the book with each variant (:data:`VARIANTS`) on every run, scored by the
score (:func:`twin.validation.twin_experiment.warning_scores` with ``flooding``) and in
force (:func:`watch_radar.in_force_scores`), and goal 3 (POD >= 0.8, FAR <= 0.3, median
lead >= 20 min) met by the score and in force; the ``main`` variant checked against the
run's own ``warnings.jsonl``.

    python benchmarks/watch_inforce.py diagnose RUN... [--rain] -o FILE
    python benchmarks/watch_inforce.py replay RUN... [--variants a,b] -o FILE
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from watch_far import load, town_field  # noqa: E402
from watch_radar import in_force_scores  # noqa: E402

#: name -> (WarningSettings fields, cycles pooled (a time-lagged probability: the mean of
#: the last K cycles' probabilities of the manhole, K=1 none))
VARIANTS = {
    "main": ({}, 1),
    "hold2": ({"hold_cycles": 2}, 1),
    "hold3": ({"hold_cycles": 3}, 1),
    "hold5": ({"hold_cycles": 5}, 1),
    "hyst0.4": ({"hysteresis": 0.4}, 1),
    "hyst0.49": ({"hysteresis": 0.49}, 1),
    "pool2": ({}, 2),
    "pool3": ({}, 3),
    "pool3-hyst0.4": ({"hysteresis": 0.4}, 3),
    "expected0": ({"hold_expected_min": 0.0}, 1),
    "expected10": ({"hold_expected_min": 10.0}, 1),
    "expected20": ({"hold_expected_min": 20.0}, 1),
    "expected30": ({"hold_expected_min": 30.0}, 1),
}
GOAL = {"pod": 0.8, "far": 0.3, "lead_min": 20.0}


def replay(fc, names, fields: dict, pool: int = 1) -> list[dict]:
    """The manhole messages of :class:`twin.ops.warnings.WarningBook` with ``fields`` on
    the run's forecasts (risks as :meth:`twin.ops.watch.Twin.warnings` builds them);
    ``pool`` > 1: each cycle's probability the mean of the last ``pool`` cycles'."""
    from twin.ops.warnings import WarningBook, WarningSettings

    s = WarningSettings(**fields)
    p_raw, first_t = fc.node_flood_probability.values, fc.node_first_flood_time.values
    book, msgs = WarningBook(s), []
    lo = max(s.probability - s.hysteresis, 1e-9)
    for c, t in enumerate(fc.cycle.values):
        p = p_raw[max(c - pool + 1, 0) : c + 1].mean(axis=0)
        risks = {
            ("manhole_overflow", names[i]): {
                "probability": float(p[i]),
                "expected_time": None if np.isnat(first_t[c, i]) else first_t[c, i],
            }
            for i in np.flatnonzero(p >= lo)
        }
        msgs += [m.to_dict() for m in book.cycle(t, risks)]
    return msgs


def scores(msgs, floods, flooding) -> dict:
    from twin.validation import twin_experiment as E

    sc = E.warning_scores(msgs, floods, flooding=flooding)
    inf = in_force_scores(msgs, floods)
    out = {k: sc[k] for k in ("pod", "far", "median_lead_min", "warnings")}
    out.update(inf)
    out["cancels"] = sum(1 for m in msgs if m["status"] == "cancel")

    def meets(pod, lead):
        far = out["far"]
        return bool(pod >= GOAL["pod"] and far <= GOAL["far"] and lead >= GOAL["lead_min"])

    nan = float("nan")
    out["goal3_by_score"] = meets(out["pod"], out["median_lead_min"] or nan)
    out["goal3_in_force"] = meets(out["pod_in_force"], out["median_lead_in_force_min"])
    return out


def town_nowcast(folder: Path, info, cycles) -> dict:
    """Per cycle (HH:MM): the nowcast's mean rain over the town in the next 0-30 and 30-60
    minutes [mm/h] (members' mean, before the rain factor) and the field's (the truth's
    over its under-catch), the run's ``RadarRain`` rebuilt from its ``radar/`` with its
    options."""
    from twin.ops.nowcast import RadarRain, read_radar_folder

    seed = info["seed"]
    tf = town_field(info)
    ex, opts, rain = tf.ex, tf.opts, tf.rain
    area, g, t_s, field = tf.area, tf.gauge, tf.t_s, tf.field
    o = run_options(folder.name)
    rr = RadarRain(read_radar_folder(folder / "radar"), ex.model, opts.start,
                   method="extrapolation", spread=o["spread"], gauge_adjusted=True,
                   motion_pairs=o["motion_pairs"], motion_pert=o["motion_pert"],
                   bias=o["bias"])  # fmt: skip
    gw = np.bincount(g, area, minlength=int(g.max()) + 1) / area.sum()
    out = {}
    for t in cycles:
        now = (np.datetime64(t, "s") - np.datetime64(opts.start, "s")) / np.timedelta64(1, "s")
        now = float(now)
        times, rates = rr.nowcast(rain, now, 3600.0, 8, seed=seed)
        town = rates.mean(axis=0)[:, : len(gw)] @ gw[: rates.shape[-1]]
        row = {}
        for a, b in ((0, 1800), (1800, 3600)):
            m = (t_s > now + a) & (t_s <= now + b)
            k = (times >= now + a - 1e-6) & (times < now + b - 1e-6)
            fc_mmh = float(town[k].mean()) if k.any() else float("nan")
            fd_mmh = float(field[m].mean()) if m.any() else float("nan")
            row[f"nowcast_{a // 60}_{b // 60}_mmh"] = round(fc_mmh, 1)
            row[f"field_{a // 60}_{b // 60}_mmh"] = round(fd_mmh, 1)
        out[str(t)[11:16]] = row
    return out


def run_options(name: str) -> dict:
    """The RadarRain options of a ``watch_radar.py`` run from its folder's tag."""
    return {"spread": "rate" if "-rate" in name else "lagrangian",
            "motion_pairs": 5 if "-5-" in name else 1,
            "motion_pert": "pairs" if "-pairs" in name else "none",
            "bias": "kalman" if "kalman" in name else "window"}  # fmt: skip


def diagnose(folder: Path, rain=False, horizon_min=120.0) -> dict:
    info, net, fc, tr, rec, floods, flooding = load(folder)
    names = [str(x) for x in net.nodes.name]
    rim = np.asarray(net.nodes.max_depth_m, float) + np.asarray(net.nodes.surcharge_depth_m)
    cycles = fc.cycle.values.astype("datetime64[s]")
    p_all, first_t = fc.node_flood_probability.values, fc.node_first_flood_time.values
    q = fc.node_depth_quantile
    med0 = q.sel(quantile=0.5).isel(lead=0).values
    q90max = q.sel(quantile=0.9).max("lead").values
    med_max = q.sel(quantile=0.5).max("lead").values
    mark = json.loads((folder / "watch.json").read_text())
    factor = [round(math.exp(a), 3) for a, _ in mark.get("factor_history", [])]
    msgs = replay(fc, names, {})
    key = [(m["issued"], m["node"], m["status"]) for m in rec if m["status"] != "update"]
    mine = [(m["issued"], m["node"], m["status"]) for m in msgs if m["status"] != "update"]
    by = {}
    for m in msgs:
        by.setdefault(m["node"], []).append(m)
    rows = []
    for node, onset in floods.items():
        onset = np.datetime64(onset, "s")
        i = names.index(node)
        mine_n = [m for m in by.get(node, []) if np.datetime64(m["issued"][:-1], "s") <= onset]
        news = [np.datetime64(m["issued"][:-1], "s") for m in mine_n if m["status"] == "new"]
        earliest = min(news) if news else None
        opened = None
        for m in mine_n:
            t = np.datetime64(m["issued"][:-1], "s")
            opened = t if m["status"] == "new" else (None if m["status"] == "cancel" else opened)
        gap = [c for c, t in enumerate(cycles) if earliest is not None and earliest < t <= onset
               and p_all[c, i] < 0.3]  # fmt: skip
        cyc = []
        for c, t in enumerate(cycles):
            if t > onset or (earliest is not None and t < earliest - np.timedelta64(1200, "s")):
                continue
            if earliest is None and t < onset - np.timedelta64(int(horizon_min * 60), "s"):
                continue
            ft = first_t[c, i]
            cyc.append({
                "cycle": str(t)[11:16], "p": round(float(p_all[c, i]), 3),
                "expected": None if np.isnat(ft) else str(ft)[11:16],
                "minutes_to_onset": float((onset - t) / np.timedelta64(60, "s")),
                "median_lead0_over_rim": round(float(med0[c, i] / rim[i]), 3),
                "median_max_over_rim": round(float(med_max[c, i] / rim[i]), 3),
                "q90_max_over_rim": round(float(q90max[c, i] / rim[i]), 3),
                "factor": factor[c] if c < len(factor) else None,
                "dip": c in gap,
            })  # fmt: skip
        rows.append({
            "node": node, "onset": str(onset)[11:16],
            "first_warning_lead_min": None if earliest is None
            else float((onset - earliest) / np.timedelta64(60, "s")),
            "in_force_lead_min": None if opened is None
            else float((onset - opened) / np.timedelta64(60, "s")),
            "cancelled_before_onset": bool(earliest is not None and opened != earliest),
            "dip_cycles": len(gap), "cycles": cyc,
            "messages": [(m["issued"][11:16], m["status"], m["probability"],
                          (m["expected_time"] or "")[11:16]) for m in mine_n],
        })  # fmt: skip
    out = {**info, "floods": len(floods), "replay_equals_recorded": key == mine,
           "factor_by_cycle": dict(zip([str(t)[11:16] for t in cycles], factor, strict=False)),
           "manholes": rows}  # fmt: skip
    broken = [r for r in rows if r["cancelled_before_onset"]]
    out["summary"] = {
        "warned_before_onset": sum(1 for r in rows if r["first_warning_lead_min"] is not None),
        "cancelled_before_onset": len(broken),
        "dip_cycles": sorted({c["cycle"] for r in broken for c in r["cycles"] if c["dip"]}),
        "dip_p_max": max((c["p"] for r in broken for c in r["cycles"] if c["dip"]), default=None),
        "dip_median_max_over_rim": float(np.median([c["median_max_over_rim"] for r in broken
                                                    for c in r["cycles"] if c["dip"]]))
        if broken else None,
        "dip_q90_max_over_rim": float(np.median([c["q90_max_over_rim"] for r in broken
                                                 for c in r["cycles"] if c["dip"]]))
        if broken else None,
        "dip_cycles_per_manhole": [r["dip_cycles"] for r in broken],
        "first_lead_min_median": float(np.median([r["first_warning_lead_min"] for r in broken]))
        if broken else None,
        "in_force_lead_min_median": float(np.median([r["in_force_lead_min"] for r in broken
                                                     if r["in_force_lead_min"] is not None]))
        if any(r["in_force_lead_min"] is not None for r in broken) else None,
    }  # fmt: skip
    dips = out["summary"]["dip_cycles"]
    fac = out["factor_by_cycle"]
    out["summary"]["factor_at_dips"] = [fac.get(k) for k in dips]
    out["summary"]["factor_truth"] = 1.2 + 0.1 * (info["seed"] % 3)
    if rain:
        now = town_nowcast(folder, info, cycles)
        out["nowcast_by_cycle"] = now

        def ratio(k, a, b):
            f, d = now[k][f"nowcast_{a}_{b}_mmh"], now[k][f"field_{a}_{b}_mmh"]
            return round(f / d, 2) if d and np.isfinite(f) and d > 0.5 else None

        out["summary"]["nowcast_over_field_0_30_at_dips"] = [ratio(k, 0, 30) for k in dips]
        out["summary"]["nowcast_over_field_30_60_at_dips"] = [ratio(k, 30, 60) for k in dips]
    return out


def replay_all(folders, variants) -> list[dict]:
    from twin.bench.report import source_commit

    rows = []
    for f in folders:
        info, net, fc, tr, rec, floods, flooding = load(Path(f))
        names = [str(x) for x in net.nodes.name]
        row = {**info, "floods": len(floods), "commit": source_commit()}
        for v in variants:
            fields, pool = VARIANTS[v]
            msgs = replay(fc, names, fields, pool)
            row[v] = scores(msgs, floods, flooding)
            if v == "main":
                key = [(m["issued"], m["node"], m["status"]) for m in rec]
                row["replay_equals_recorded"] = key == [
                    (m["issued"], m["node"], m["status"]) for m in msgs
                ]
        rows.append(row)
    return rows


def summary(rows, variants) -> dict:
    out = {}
    for v in variants:
        rs = [r[v] for r in rows if r["floods"]]

        def mean(k, rs=rs):
            x = [r[k] for r in rs if r[k] is not None and np.isfinite(r[k])]
            return round(float(np.mean(x)), 4) if x else None

        out[v] = {
            "cases": len(rs),
            **{k: mean(k) for k in ("pod", "far", "median_lead_min", "pod_in_force",
                                    "median_lead_in_force_min", "warnings", "cancels")},
            "goal3_by_score": sum(r["goal3_by_score"] for r in rs),
            "goal3_in_force": sum(r["goal3_in_force"] for r in rs),
        }  # fmt: skip
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("diagnose", "replay"))
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--rain", action="store_true", help="diagnose: the nowcast against the field")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--command", default=None, help="the command recorded with the rows")
    ap.add_argument("-o", required=True)
    a = ap.parse_args()
    head = {"load_average": os.getloadavg()[0], "command": a.command or " ".join(sys.argv)}
    if a.what == "diagnose":
        out = {**head, "runs": [diagnose(Path(f), rain=a.rain) for f in a.runs]}
        for r in out["runs"]:
            print(r["run"], r["floods"], r["replay_equals_recorded"], r["summary"], flush=True)
    else:
        variants = a.variants.split(",")
        rows = replay_all(a.runs, variants)
        out = {**head, "runs": rows, "summary": summary(rows, variants)}
        for v, s in out["summary"].items():
            print(f"{v:16s} {s}", flush=True)
    Path(a.o).write_text(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
