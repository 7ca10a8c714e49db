"""Closed-loop control against EPA SWMM 5.2 as the plant: passive, rules, mpc, foresight.

Every case is an event on a network; each strategy runs the whole event in closed loop
(``twin.control.run_closed_loop``, ``--plant swmm``): the plant is SWMM through pyswmm,
the controller sees its sensors only, mpc plans every 10 minutes over 16 forecast
members (the true rain with a lognormal amount error, sigma 0.3, and a timing error of
up to 15 minutes either way at the horizon's end, growing from none now: the members are
conditioned on the gauges' record, drawn afresh each cycle) for 90 minutes in 10-minute
intervals, foresight plans with the true rain.

    python benchmarks/control_loop.py --case rtc-huff2-60mm       # one case -> JSON
    python benchmarks/control_loop.py --cycle                      # time one control cycle
    python benchmarks/control_loop.py --table                      # the Markdown table

Results: ``benchmarks/results/control/<case>.json`` (one per case, written whole),
``cycle.json`` and the table printed by ``--table`` (pasted into the README).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from twin.bench.report import source_commit

RESULTS = Path(__file__).parent / "results" / "control"
STRATEGIES = ("passive", "rules", "foresight", "mpc")


def _design(pattern, depth_mm, minutes, shift_min=60, tail_h=0.75, **kw):
    from twin.scenarios.scenario import Scenario

    sc = Scenario.design(pattern, depth_mm=depth_mm, duration_min=minutes, step_min=5, **kw)
    return sc.replace(name=f"{pattern}-{depth_mm:g}mm-{minutes:g}min",
                      time_shift_min=shift_min, tail_hours=tail_h)  # fmt: skip


def _theta():
    from pystorms.networks import load_network as storms_network

    return storms_network("theta")


THETA_TOML = """[[actuator]]
link = "1"
levels = [0.0, 0.1, 0.25, 1.0]
[[actuator]]
link = "2"
levels = [0.0, 0.1, 0.25, 1.0]
[cost.flow_limit]
"8" = 0.5
"""

GATE_TOML = """[[actuator]]
link = "OR_TANK"
levels = [0.25, 1.0]
"""
#: the short closed loop (the suite's, on other storms): the tank gate alone, 4 members,
#: 40-minute horizon; a storm 20 minutes after the start, 40 minutes of tail
SHORT = {"members": 4, "horizon_s": 2400.0}


def _short(pattern, depth_mm, minutes, **kw):
    return lambda: _design(pattern, depth_mm, minutes, shift_min=20, tail_h=40 / 60, **kw)


CASES = {
    "rtc-own-huff3-90mm": ("rtc", None, None),
    "rtc-huff2-60mm": ("rtc", lambda: _design("huff2", 60, 60), None),
    "rtc-chicago-70mm": ("rtc", lambda: _design("chicago", 70, 60, peak_ratio=0.4), None),
    "rtc-block-45mm-30min": ("rtc", lambda: _design("alternating_block", 45, 30), None),
    "rtc-huff1-110mm-2h": ("rtc", lambda: _design("huff1", 110, 120), None),
    "theta-huff2-60mm-2h": (_theta, lambda: _design("huff2", 60, 120, tail_h=2.0), THETA_TOML),
    "theta-huff2-20mm-1h": (_theta, lambda: _design("huff2", 20, 60, tail_h=1.5), THETA_TOML),
    "rtc-gate-huff2-60mm-40min": ("rtc", _short("huff2", 60, 40), GATE_TOML, SHORT),
    "rtc-gate-chicago-50mm-30min": (
        "rtc",
        _short("chicago", 50, 30, peak_ratio=0.4),
        GATE_TOML,
        SHORT,
    ),  # fmt: skip
    "rtc-gate-block-40mm-30min": ("rtc", _short("alternating_block", 40, 30), GATE_TOML, SHORT),
    "rtc-gate-huff1-70mm-60min": ("rtc", _short("huff1", 70, 60), GATE_TOML, SHORT),
    "rtc-gate-huff3-80mm-60min": ("rtc", _short("huff3", 80, 60), GATE_TOML, SHORT),
    # the gate cases' storms with the issue's settings: 16 members, 90-minute horizon,
    # every actuator (the gate file's gate plus the links the rules operate)
    "rtc-chicago-50mm-30min": ("rtc", _short("chicago", 50, 30, peak_ratio=0.4), None),
    "rtc-huff2-60mm-40min": ("rtc", _short("huff2", 60, 40), None),
    "rtc-huff1-70mm-60min": ("rtc", _short("huff1", 70, 60), None),
    "rtc-huff3-80mm-60min": ("rtc", _short("huff3", 80, 60), None),
    # a storm no setting was looked at with (chosen after the guard was built)
    "rtc-huff4-75mm-45min": ("rtc", _short("huff4", 75, 45), None),
}


def _setup(case):
    from twin.api import load_network
    from twin.control.config import load_config

    net_name, scenario, toml = CASES[case][:3]
    net = load_network(net_name() if callable(net_name) else net_name)
    truth = scenario().apply(net) if scenario else net
    config = None
    if toml:
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
            fh.write(toml)
        config = load_config(fh.name, truth)
        os.unlink(fh.name)
    return truth, config


def run_case(case, strategies, members, seed, client=None, guard=None, observed=None) -> dict:
    """Run ``strategies`` on ``case``; ``guard``: SearchSettings fields of the guard
    (default the package's), ``observed``: members conditioned on the gauges' record
    (default the package's)."""
    import dataclasses

    from twin.control.loop import LoopSettings, run_closed_loop
    from twin.control.search import SearchSettings

    truth, config = _setup(case)
    loop = dict(CASES[case][3]) if len(CASES[case]) > 3 else {}
    members = loop.pop("members", members)
    search = SearchSettings(**(guard or {}))
    if observed is None:
        observed = LoopSettings().forecast_observed
    recorded = {
        **loop,
        "forecast_observed": observed,
        **{k: v for k, v in dataclasses.asdict(search).items() if k.startswith("guard")},
    }
    out = {"case": case, "members": members, "seed": seed, "strategies": {},
           "settings": recorded, "date": time.strftime("%Y-%m-%d"),
           "code_commit": source_commit()}  # fmt: skip
    for strategy in strategies:
        if strategy == "rules" and not truth.controls.strip():
            continue
        s = LoopSettings(strategy=strategy, plant="swmm", members=members, seed=seed,
                         search=search, forecast_observed=observed, **loop)  # fmt: skip
        cpu = time.process_time()

        def progress(c, strategy=strategy):
            print("  ", case, strategy, c["time"], c["kind"], c["settings"],
                  f"{c['seconds']:.0f}s", file=sys.stderr, flush=True)  # fmt: skip

        r = run_closed_loop(truth, None, s, config, progress=progress, client=client)
        d = r.to_dict()
        d["cpu_s"] = time.process_time() - cpu
        out["strategies"][strategy] = d
        print(
            f"{case:<24} {strategy:<10} flood {r.flood_volume_m3:9.1f} m3  CSO "
            f"{r.cso_volume_m3:9.1f} m3  excess {r.flow_excess_m3:8.1f} m3  "
            f"{r.wall_s:7.0f} s",
            flush=True,
        )
    out["load_average"] = os.getloadavg()
    return out


def _recorded(path: Path) -> tuple[str, str]:
    """(commit, date) of a result file: the code that ran it when the file says, else
    the commit that recorded the file (the code was at most that)."""
    import subprocess

    doc = json.loads(path.read_text())
    if doc.get("code_commit"):
        return doc["code_commit"], doc.get("date", "-")
    cmd = ["git", "log", "-1", "--format=%h %cs", "--", path.name]
    log = subprocess.run(cmd, capture_output=True, text=True, cwd=path.parent).stdout.split()
    return (f"<= {log[0]}", log[1]) if log else ("-", "-")


def time_cycle(members: int) -> dict:
    """One planning cycle on the control town at the storm's rising limb: 16 members x
    90 minutes, its three actuators (cross-entropy search), wall and CPU seconds."""
    import dataclasses

    from twin.api import load_network
    from twin.control.config import default_config
    from twin.control.members import PolicyEvaluator
    from twin.control.rules import rules_on
    from twin.control.search import SearchSettings, plan
    from twin.control.truth import gauge_rain, perturbed_forecast
    from twin.engine.simulation import Simulation

    truth = load_network("rtc")
    model = dataclasses.replace(truth, controls="")
    cfg = default_config(truth)
    sim = Simulation(model)
    sim.step_advance(4200.0)  # 01:10, the storm has begun
    with tempfile.TemporaryDirectory() as tmp:
        state = sim.save_state(Path(tmp) / "now.state")
        times, rates = gauge_rain(truth)
        fc = perturbed_forecast(times, rates, sim.t_s, 5400.0, members, seed=1)
        rules = rules_on(truth, cfg.actuators.link_index)
        ev = PolicyEvaluator(model, cfg.actuators, rules_network=rules,
                             storage_nodes=cfg.cost.storage_nodes)  # fmt: skip
        current = np.array([sim.links[a.index].setting for a in cfg.actuators])
        runs = []
        # the first builds the batch of simulations; then interleaved A/B: the search as
        # it is (cross-entropy rounds stop when one brings nothing cheaper) and with all
        # three rounds (the search before the early stop)
        full = SearchSettings(ce_stop_rel=-np.inf)
        for name, st in (("default", None), ("three-rounds", full), ("default", None),
                         ("three-rounds", full), ("default", None)):  # fmt: skip
            w, c = time.perf_counter(), time.process_time()
            p = plan(ev, [state] * members, fc, cfg.cost, cfg.actuators, 5400.0, 600.0,
                     current, settings=st)  # fmt: skip
            runs.append({"search": name, "wall_s": time.perf_counter() - w,
                         "cpu_s": time.process_time() - c, "rows": p.evaluated,
                         "candidates": p.candidates, "kind": p.kind,
                         "expected_flood_m3": float(np.mean(p.flood_m3)),
                         "expected_flood_rules_m3": float(np.mean(p.flood_rules_m3)),
                         "load_average": os.getloadavg()})  # fmt: skip
    return {"members": members, "horizon_min": 90, "interval_min": 10, "actuators": 3,
            "cpu_count": os.cpu_count(), "runs": runs}  # fmt: skip


def _write(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(path)


def table() -> str:
    rows = ["| case | passive flood | rules flood | mpc flood | foresight flood | mpc vs passive "
            "| mpc vs rules | captured of foresight "
            "| CSO + volume above flow limits: passive / rules / mpc / foresight "
            "| date | code |",
            "| --- " + "| ---: " * 8 + "| --- | --- |"]  # fmt: skip
    for path in sorted(RESULTS.glob("*.json")):
        doc = json.loads(path.read_text())
        if "strategies" not in doc or "case" not in doc:
            continue
        st = doc["strategies"]

        def f(k, st=st):
            return st[k]["flood_volume_m3"] if k in st else None

        def c(k, st=st):
            if k not in st:
                return "-"
            return f"{st[k]['cso_volume_m3'] + st[k].get('flow_excess_m3', 0.0):.0f}"

        p, r, m, fs = f("passive"), f("rules"), f("mpc"), f("foresight")
        vs_p = f"{100 * (m - p) / p:+.0f} %" if p and m is not None else "-"
        vs_r = f"{100 * (m - r) / r:+.0f} %" if r and m is not None else "-"
        cap = "-"
        if p is not None and fs is not None and m is not None and p - fs > 1.0:
            cap = f"{100 * (p - m) / (p - fs):.0f} %"

        def n(x):
            return "-" if x is None else f"{x:.0f}"

        cso = " / ".join(c(k) for k in ("passive", "rules", "mpc", "foresight"))
        commit, date = _recorded(path)
        rows.append(f"| {doc['case']} | {n(p)} | {n(r)} | {n(m)} | {n(fs)} | {vs_p} | {vs_r} | "
                    f"{cap} | {cso} | {date} | {commit} |")  # fmt: skip
    return "\n".join(rows)


def cycle_line() -> str:
    path = RESULTS / "cycle.json"
    if not path.exists():
        return ""
    doc = json.loads(path.read_text())
    runs = doc["runs"]
    quiet = min(runs, key=lambda x: x["load_average"][0])
    text = (f"One control cycle ({doc['members']} members x {doc['horizon_min']} min, the "
            f"{doc['actuators']} actuators of `rtc`, {quiet['rows']} candidate x member rows, "
            f"{quiet['candidates']} candidates) at the lowest load measured (load average "
            f"{quiet['load_average'][0]:.1f} over a minute, {quiet['load_average'][1]:.1f} over "
            f"five): {quiet['wall_s']:.0f} s wall, {quiet['cpu_s']:.0f} s of CPU on this "
            f"{doc['cpu_count']}-core machine")  # fmt: skip
    if quiet is runs[0]:
        text += " (the first cycle, building the batch of simulations included)"
    rest = [x for x in runs if x is not quiet]
    if rest:
        w = [x["wall_s"] for x in rest]
        c = [x["cpu_s"] for x in rest]
        la = [x["load_average"][0] for x in rest]
        text += (f"; the other {len(rest)} timed cycles {min(w):.0f}-{max(w):.0f} s wall, "
                 f"{min(c):.0f}-{max(c):.0f} s of CPU at load averages {min(la):.0f}-"
                 f"{max(la):.0f} (other engineers' jobs)")  # fmt: skip
    return text + "."


def publish(readme: Path) -> None:
    """Put the table and the cycle time between the CONTROL markers of the README."""
    text = readme.read_text()
    a, b = "<!-- CONTROL:START -->", "<!-- CONTROL:END -->"
    i, j = text.index(a) + len(a), text.index(b)
    readme.write_text(text[:i] + "\n" + table() + "\n\n" + cycle_line() + "\n" + text[j:])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", action="append", choices=sorted(CASES))
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    ap.add_argument("--members", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cycle", action="store_true", help="time one control cycle")
    ap.add_argument("--workers", type=int, default=0,
                    help="plan on a local Dask cluster of this many worker processes "
                         "(same outcomes as in this process, see tests/control)")  # fmt: skip
    ap.add_argument(
        "--guard-risk",
        choices=("worst", "cvar", "mean"),
        help="the guard's risk measure (default: the package's)",
    )
    ap.add_argument("--guard-alpha", type=float, help="CVaR level of the guard")
    ap.add_argument("--guard-spread", type=float, help="standard deviations (mean guard)")
    ap.add_argument(
        "--plain-members",
        action="store_true",
        help="members not conditioned on the gauges' record (a plain timing shift)",
    )
    ap.add_argument(
        "--tag",
        default="",
        help="an experiment: write results/control/experiments/<case>-<tag>.json",
    )
    ap.add_argument("--table", action="store_true", help="print the Markdown table")
    ap.add_argument("--readme", action="store_true", help="write the table into README.md")
    a = ap.parse_args(argv)
    if a.table:
        print(table())
        print()
        print(cycle_line())
        return
    if a.readme:
        publish(Path(__file__).parent.parent / "README.md")
        return
    if a.cycle:
        doc = time_cycle(a.members)
        _write(RESULTS / "cycle.json", doc)
        print(json.dumps(doc, indent=1))
    client = None
    if a.workers and a.case:
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)  # fmt: skip
        client = Client(cluster)
    guard = {k: v for k, v in (("guard_risk", a.guard_risk), ("guard_alpha", a.guard_alpha),
                               ("guard_spread", a.guard_spread)) if v is not None}  # fmt: skip
    for case in a.case or []:
        for strategy in a.strategies.split(","):  # each written as soon as it is done
            observed = False if a.plain_members else None
            doc = run_case(case, [strategy], a.members, a.seed, client, guard, observed)
            doc["workers"] = a.workers
            path = RESULTS / "experiments" / f"{case}-{a.tag}.json" if a.tag else \
                RESULTS / f"{case}.json"  # fmt: skip
            _write(path, _merged(path, doc))
    if client is not None:
        client.close()
        cluster.close()


def _merged(path: Path, doc: dict) -> dict:
    """``doc`` with the strategies of an earlier run of the same case, members and seed
    that it did not run (strategies may run as separate processes)."""
    if not path.exists():
        return doc
    old = json.loads(path.read_text())
    if (old.get("members"), old.get("seed")) != (doc["members"], doc["seed"]):
        return doc
    both = {**old.get("strategies", {}), **doc["strategies"]}
    doc["strategies"] = {k: both[k] for k in STRATEGIES if k in both}
    return doc


if __name__ == "__main__":
    main()
