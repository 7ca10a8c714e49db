"""The closed loop: plan over the forecast members, apply the first interval to the
plant, step plant and twin together, correct the twin by the sensors, plan again.

Strategies (:func:`run_closed_loop`):

* ``passive``: the plant runs without [CONTROLS]; nothing is set (pumps follow their
  start-up and shut-off depths, gates and weirs stay as built);
* ``rules``: the plant runs its own [CONTROLS];
* ``mpc``: every ``cycle_s`` the controller saves its twin's state, runs the policies
  x forecast members (:func:`~twin.control.search.plan`) and sends the first
  interval's settings to the plant (receding horizon);
* ``foresight``: the same with the true future rain as the only member: the bound on
  what any forecast-driven controller can get out of the event.

The controller's twin runs the plant's network (without rules) with the rain the
gauges measured and the settings it sent; every ``sample_s`` the plant's sensor
depths nudge it (:class:`~twin.control.nudging.Nudger`).  It reads nothing else of
the plant.  The plant is scored at the end on its own accounts.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twin.control.config import (
    ControlConfig,
    default_config,
    flow_limits_of,
    with_ruled_actuators,
)
from twin.control.members import (
    PolicyEvaluator,
    ask,
    attach_rules,
    ruled_rows,
    rules_controller,
)
from twin.control.nudging import Nudger
from twin.control.plants import SwmmPlant, TwinPlant, check_same_network
from twin.control.rules import rules_on
from twin.control.search import SearchSettings, plan
from twin.control.truth import gauge_rain, perturbed_forecast, perturbed_truth, true_forecast
from twin.errors import InputError

__all__ = ["STRATEGIES", "PLANTS", "LoopSettings", "ControlResult", "run_closed_loop"]

STRATEGIES = ("passive", "rules", "mpc", "foresight")
PLANTS = ("swmm", "twin")


@dataclass
class LoopSettings:
    """Settings of a closed-loop run (times in seconds)."""

    strategy: str = "mpc"
    plant: str = "swmm"
    members: int = 16
    cycle_s: float = 600.0
    horizon_s: float = 5400.0
    interval_s: float = 600.0
    sample_s: float = 60.0
    forecast_sigma: float = 0.3
    forecast_jitter_s: float = 900.0
    #: condition the members on the gauges' record so far (the timing error grows with
    #: the lead time from none now; :func:`~twin.control.truth.perturbed_forecast`)
    forecast_observed: bool = True
    seed: int = 0
    nudge_tau_s: float = 120.0
    truth_rain_factor: float = 1.15
    truth_roughness_sigma: float = 0.1
    search: SearchSettings = field(default_factory=SearchSettings)

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise InputError(f"strategy must be one of {', '.join(STRATEGIES)}, "
                             f"got {self.strategy!r}", field="strategy")  # fmt: skip
        if self.plant not in PLANTS:
            raise InputError(f"plant must be one of {', '.join(PLANTS)}, got {self.plant!r}",
                             field="plant")  # fmt: skip
        for name in ("cycle_s", "horizon_s", "interval_s", "sample_s"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise InputError(f"{name} must be > 0, got {v!r}", field=name)
        if self.members < 1:
            raise InputError(f"members must be >= 1, got {self.members!r}", field="members")
        if self.interval_s > self.horizon_s:
            raise InputError("the control interval is longer than the horizon",
                             field="interval")  # fmt: skip


@dataclass
class ControlResult:
    """What the plant did under a strategy (SI), and how the controller got there."""

    strategy: str
    plant: str
    flood_volume_m3: float
    cso_volume_m3: float
    pump_energy_kwh: float
    actions: list
    per_node_flood_m3: dict
    flow_excess_m3: float = 0.0
    cycles: list = field(default_factory=list)
    wall_s: float = 0.0

    def to_dict(self) -> dict:
        """The ``--json`` object (the fields other tools read first)."""
        return {
            "strategy": self.strategy,
            "plant": self.plant,
            "flood_volume_m3": self.flood_volume_m3,
            "cso_volume_m3": self.cso_volume_m3,
            "pump_energy_kwh": self.pump_energy_kwh,
            "actions": self.actions,
            "per_node_flood_m3": self.per_node_flood_m3,
            "flow_excess_m3": self.flow_excess_m3,
            "cycles": self.cycles,
            "wall_s": self.wall_s,
        }


def _iso(start, t_s: float) -> str:
    return str(np.datetime64(start, "s") + np.timedelta64(int(round(t_s)), "s"))


def _make_plant(kind, plant_net, config, settings, inp=None):
    limits = flow_limits_of(config)
    if kind == "swmm":
        return SwmmPlant(plant_net, config.cost.cso_nodes, inp=inp, flow_limits=limits)
    truth = perturbed_truth(plant_net, rain_factor=settings.truth_rain_factor,
                            roughness_sigma=settings.truth_roughness_sigma,
                            seed=settings.seed)  # fmt: skip
    return TwinPlant(truth, config.cost.cso_nodes, sample_s=settings.sample_s,
                     flow_limits=limits)  # fmt: skip


def scenario_truth(network, scenario=None):
    """The network under ``scenario`` (None: the network), its ``[simulation.options]``
    written into the network's [OPTIONS], where both EPA SWMM the plant and the twin's
    members read them (:func:`~twin.scenarios.swmm_options.options_into_network`)."""
    if scenario is None:
        return network
    truth = scenario.apply(network)
    if scenario.options:
        from twin.scenarios.swmm_options import options_into_network

        truth = options_into_network(truth, scenario.options, source=scenario.source_file)
    return truth


def run_closed_loop(network, scenario=None, settings: LoopSettings | None = None,
                    config: ControlConfig | None = None, progress=None, client=None,
                    plant_inp=None) -> ControlResult:  # fmt: skip
    """Run one strategy in closed loop against a plant (see the module docstring).

    Parameters
    ----------
    network : Network
    scenario : Scenario, optional
        The event (the truth); default: the network's own rain.
    settings : LoopSettings
    config : ControlConfig, optional
        Actuators, sensors and costs (default: :func:`~twin.control.config.default_config`).
    progress : callable, optional
        ``progress(cycle_record)`` after every cycle.
    client : dask.distributed.Client, optional
        Run the members on this cluster (default: batched in this process).
    plant_inp : path, optional
        With the SWMM plant: run this ``.inp`` as the plant instead of the network
        (the city's own model); it must hold the twin's nodes and links.
    """
    s = settings or LoopSettings()
    truth = scenario_truth(network, scenario)
    config = config or default_config(truth)
    if s.strategy in ("mpc", "foresight"):  # plan every link the rules operate
        config = with_ruled_actuators(config, truth)
    model_net = dataclasses.replace(truth, controls="")
    plant_net = truth if s.strategy == "rules" else model_net
    if s.strategy == "rules" and not truth.controls.strip():
        raise InputError("the network has no [CONTROLS]: no rules to run", field="strategy")
    wall = time.perf_counter()
    plant = _make_plant(s.plant, plant_net, config, s, plant_inp)
    try:
        check_same_network(plant, model_net)
        if s.strategy in ("passive", "rules"):
            actions = _run_open(plant, config, s)
            cycles = []
        else:
            actions, cycles = _run_mpc(plant, truth, model_net, config, s, progress, client)
        res = plant.results()
    finally:
        plant.close()
    flood = {k: float(v) for k, v in res["node_flood_m3"].items()}
    return ControlResult(
        strategy=s.strategy,
        plant=s.plant,
        flood_volume_m3=float(sum(flood.values())),
        cso_volume_m3=float(res["cso_m3"]),
        pump_energy_kwh=float(res["pump_energy_kwh"]),
        actions=actions,
        per_node_flood_m3={k: v for k, v in flood.items() if v > 0.0},
        flow_excess_m3=float(res["flow_excess_m3"]),
        cycles=cycles,
        wall_s=time.perf_counter() - wall,
    )


def _run_open(plant, config, s) -> list:
    """Passive or rules: step the plant, noting the actuators' setting changes."""
    names = config.actuators.names
    last = {n: plant.setting_of(n) for n in names}
    actions = []
    t = 0.0
    while not plant.finished:
        t = plant.advance_to(t + s.sample_s)
        for n in names:
            v = plant.setting_of(n)
            if abs(v - last[n]) > 1e-9:
                actions.append({"time": _iso(plant.start, t), "element": n, "setting": v})
                last[n] = v
    return actions


def _evaluator(model_net, rules_net, config, s, client):
    kw = dict(rules_network=rules_net or model_net, rows=32, sample_s=s.sample_s,
              storage_nodes=config.cost.storage_nodes,
              flow_limits=flow_limits_of(config))  # fmt: skip
    if client is not None:
        from twin.control.distributed import DaskPolicyEvaluator

        return DaskPolicyEvaluator(client, model_net, config.actuators, **kw)
    return PolicyEvaluator(model_net, config.actuators, **kw)


def _run_mpc(plant, truth, model_net, config, s, progress, client=None):
    from twin.engine.simulation import Simulation

    acts = config.actuators
    names = acts.names
    twin = Simulation(model_net)
    nudger = Nudger(model_net, config.sensor_nodes, s.nudge_tau_s)
    rules_net = rules_on(truth, acts.link_index)  # the rules of the actuators only
    evaluator = _evaluator(model_net, rules_net, config, s, client)
    if s.plant == "twin":  # the plant's rain: the foresight member knows it
        rain_t, rain_r = gauge_rain(plant.net)
    else:
        rain_t, rain_r = gauge_rain(truth)
    gauge_t, gauge_r = gauge_rain(truth)  # what the gauges recorded
    n_members = 1 if s.strategy == "foresight" else s.members
    actions, cycles = [], []
    applied = np.array([plant.setting_of(n) for n in names])
    switched_at = np.full(len(acts), -1e9)
    incumbent = None
    cycle = 0
    controllers = {}  # the twin's Controller per set of actuators left to the rules

    def _send(plant, n, v, a):
        """Ask the plant (and note the action) when the setting changes."""
        if abs(v - applied[a]) <= 1e-9 and abs(plant.setting_of(n) - v) <= 1e-9:
            return
        plant.set_setting(n, v)
        if abs(v - applied[a]) > 1e-9:
            actions.append({"time": _iso(plant.start, plant.t_s), "element": n, "setting": v})
            if (v > 0) != (applied[a] > 0):
                switched_at[a] = plant.t_s
            applied[a] = v

    with tempfile.TemporaryDirectory(prefix="twin-control-") as tmp:
        state = Path(tmp) / "twin.state"
        while not plant.finished:
            now = plant.t_s
            nudger.suspend(twin)
            twin.save_state(state)
            nudger.resume(twin)
            horizon = min(s.horizon_s, twin.duration_s - now)
            if s.strategy == "foresight":
                fc = true_forecast(rain_t, rain_r, now, horizon)
            else:
                fc = perturbed_forecast(gauge_t, gauge_r, now, horizon, n_members,
                                        sigma=s.forecast_sigma, jitter_s=s.forecast_jitter_s,
                                        seed=s.seed, cycle=cycle,
                                        observed=s.forecast_observed,
                                        error_lead_s=s.horizon_s)  # fmt: skip
            t0 = time.perf_counter()
            p = plan(evaluator, [state] * n_members, fc, config.cost, acts, horizon,
                     s.interval_s, applied, now - switched_at, incumbent, s.search)  # fmt: skip
            incumbent = p.schedule
            ruled = ruled_rows(p.schedule)  # actuators handed to the rules, run on the twin
            twin.controls = None
            if ruled.any():
                key = tuple(bool(x) for x in ruled)
                if key not in controllers:
                    controllers[key] = rules_controller(twin, evaluator.rules_for(ruled))
                attach_rules(twin, controllers[key])
            first = p.schedule[:, 0]
            for a, n in enumerate(names):
                if np.isfinite(first[a]):
                    ask(twin.links[n], float(first[a]))
                    _send(plant, n, float(first[a]), a)
            cycles.append(_cycle_record(plant.start, now, p, names, time.perf_counter() - t0))
            if progress is not None:
                progress(cycles[-1])
            end = now + s.cycle_s
            while not plant.finished and plant.t_s < end - 1e-6:
                for a in np.flatnonzero(ruled):  # the rules decide on the twin
                    _send(plant, names[a], twin.links[names[a]].target_setting, a)
                t_next = min(plant.t_s + s.sample_s, end)
                plant.advance_to(t_next)
                twin.advance_to(_iso_dt(twin, plant.t_s))
                nudger.update(twin, nudger.read(plant), s.sample_s)
            twin.controls = None  # the saved state must match the members' (no rules)
            for a, n in enumerate(names):  # a pump switched by its depths
                v = plant.setting_of(n)
                if (v > 0) != (applied[a] > 0):
                    switched_at[a] = plant.t_s
                applied[a] = v
            cycle += 1
    return actions, cycles


def _cycle_record(start, now, p, names, seconds) -> dict:
    """One line of ``advice.jsonl``: what was decided and what it was expected to do."""
    first = p.schedule[:, 0]
    rules = p.flood_rules_m3
    return {
        "time": _iso(start, now),
        "kind": p.kind,
        "settings": {
            n: ("rules" if np.isinf(v) else None if v != v else float(v))
            for n, v in zip(names, first, strict=True)
        },  # fmt: skip
        "expected_flood_m3": float(np.mean(p.flood_m3)),
        "expected_flood_passive_m3": float(np.mean(p.flood_passive_m3)),
        "expected_flood_rules_m3": float(np.mean(rules)) if np.isfinite(rules).all() else None,
        "flood_p10_m3": float(np.percentile(p.flood_m3, 10)),
        "flood_p90_m3": float(np.percentile(p.flood_m3, 90)),
        "expected_cso_m3": float(np.mean(p.cso_m3)),
        "expected_cso_passive_m3": float(np.mean(p.cso_passive_m3)),
        "candidates": p.candidates,
        "rows": p.evaluated,
        **({"refused": p.extra["refused"]} if "refused" in p.extra else {}),
        "seconds": round(seconds, 2),
    }


def _iso_dt(sim, t_s: float):
    return sim.opts.start + np.timedelta64(int(round(t_s * 1000)), "ms")
