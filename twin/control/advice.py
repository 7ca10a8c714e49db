"""Advice for an operator (and for ``twin watch --advise``): what to do now and next, and
what it is expected to gain, from the members' states and their forecast rain.

>>> # adv = advise(net, ["member-000.state", ...], times_s, rates_mmh)
>>> # for rec in adv.records(): print(rec["time"], rec["element"], rec["setting"])

:func:`advise` loads nothing but the states and the forecast it is given: it plans one
cycle (:func:`twin.control.search.plan`) and returns an :class:`Advice`.  Its
:meth:`Advice.records` are JSON-ready dictionaries, one per actuator for the first
interval ("now") and one for every later interval where the plan changes a setting
("next"), each with the plan's expected benefit over the members (m3 of weighted
flood volume avoided against passive operation and against the rules, CSO volume
avoided against passive) and its spread (10th and 90th percentile over members).
Each record's ``mode`` says how: ``"set"`` (to ``setting``), ``"auto"`` (``setting``
null: leave it to its own controls, a pump's start/stop depths) or ``"rules"``
(``setting`` null: let the network's own [CONTROLS] operate it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.control.config import (
    ControlConfig,
    default_config,
    flow_limits_of,
    with_ruled_actuators,
)
from twin.control.members import Forecast, PolicyEvaluator
from twin.control.rules import rules_on
from twin.control.search import Plan, SearchSettings, plan
from twin.errors import InputError

__all__ = ["Advice", "advise", "make_evaluator"]


@dataclass
class Advice:
    """One cycle's advice (see the module docstring).

    Attributes
    ----------
    issued : numpy.datetime64
        Time of the members' states.
    elements : list of str
        The actuators, in the rows of ``plan.schedule``.
    interval_s : float
    plan : Plan
    """

    issued: np.datetime64
    elements: list
    interval_s: float
    plan: Plan

    def benefit(self) -> dict:
        """Expected flood and CSO volume avoided, with the spread over members [m3]."""
        p = self.plan
        vs_passive = p.flood_passive_m3 - p.flood_m3
        out = {
            "expected_flood_m3": float(np.mean(p.flood_m3)),
            "expected_benefit_m3": float(np.mean(vs_passive)),
            "benefit_p10_m3": float(np.percentile(vs_passive, 10)),
            "benefit_p90_m3": float(np.percentile(vs_passive, 90)),
            "expected_cso_benefit_m3": float(np.mean(p.cso_passive_m3 - p.cso_m3)),
            "benefit_vs_rules_m3": None,
        }
        if np.isfinite(p.flood_rules_m3).all():
            vs_rules = p.flood_rules_m3 - p.flood_m3
            out["benefit_vs_rules_m3"] = float(np.mean(vs_rules))
            out["benefit_vs_rules_p10_m3"] = float(np.percentile(vs_rules, 10))
            out["benefit_vs_rules_p90_m3"] = float(np.percentile(vs_rules, 90))
        return out

    def records(self) -> list[dict]:
        """JSON-ready records: time (ISO), element, setting, when ("now"/"next"), the
        plan's benefit and spread."""
        s = self.plan.schedule
        common = self.benefit()
        out = []
        for a, name in enumerate(self.elements):
            prev = None
            for i in range(s.shape[1]):
                v = float(s[a, i])
                mode = "rules" if np.isinf(v) else "auto" if v != v else "set"
                key = (mode, v if mode == "set" else None)
                if i > 0 and key == prev:
                    continue
                t = self.issued + np.timedelta64(int(round(i * self.interval_s)), "s")
                out.append({"time": str(t), "element": name, "setting": key[1], "mode": mode,
                            "when": "now" if i == 0 else "next", **common})  # fmt: skip
                prev = key
        out.sort(key=lambda r: (r["time"], r["element"]))
        return out


def _without_rules(net):
    import dataclasses

    return dataclasses.replace(net, controls="")


def make_evaluator(network, config: ControlConfig, sim_kwargs=None, *, before_load=None,
                   member_networks=None, threads=None, client=None) -> PolicyEvaluator:  # fmt: skip
    """The :class:`~twin.control.members.PolicyEvaluator` :func:`advise` plans with:
    ``network``'s rules on ``config``'s actuators as the rules baseline (none: its
    [CONTROLS] left out), its storage and flow limits; ``member_networks`` as there.
    With a ``dask.distributed.Client``: a
    :class:`~twin.control.distributed.DaskPolicyEvaluator` on its cluster."""
    rules_net = rules_on(network, config.actuators.link_index)
    kw = dict(rules_network=rules_net or _without_rules(network),
              storage_nodes=config.cost.storage_nodes, flow_limits=flow_limits_of(config),
              before_load=before_load, member_networks=member_networks,
              threads=threads)  # fmt: skip
    if client is not None:
        from twin.control.distributed import DaskPolicyEvaluator

        return DaskPolicyEvaluator(client, network, config.actuators, sim_kwargs, **kw)
    return PolicyEvaluator(network, config.actuators, sim_kwargs, **kw)


def advise(network, states, rain_times_s, rain_rates_mmh, *, config: ControlConfig | None = None,
           sim_kwargs=None, horizon_s=5400.0, interval_s=600.0,
           search: SearchSettings | None = None, evaluator=None,
           before_load=None, networks=None, incumbent=None) -> Advice:  # fmt: skip
    """Advice over forecast members from their hot-start states.

    Parameters
    ----------
    network : Network
        The network the states were saved from (its [CONTROLS] are the rules).
    states : sequence of path
        One state file per member (``Simulation.save_state``), all at the same time.
    rain_times_s : (k,) float64
        Times [s after the simulation start] from which each forecast rate holds.
    rain_rates_mmh : (n_members, k, n_gauges) float64
        Each member's forecast rain [mm/h].
    config : ControlConfig, optional
        Actuators, sensors, costs (default: every controllable link, default costs).
    sim_kwargs : dict, optional
        The Simulation keyword arguments the states were saved with.
    horizon_s, interval_s : float
    search : SearchSettings, optional
    evaluator : PolicyEvaluator, optional
        Reuse one across cycles (it keeps its batch of simulations).
    before_load : callable, optional
        ``before_load(sim)`` before a state is read into a simulation (to give it the
        attributes the saving simulations carried, e.g. a watch loop's rain factor).
    networks : sequence of Network, optional
        The network each state was saved from, when the members differ in parameters
        (a watch loop's members with their own roughness): each member's candidates run
        on its own network (same elements as ``network``, checked).  Default: all
        ``network``.
    incumbent : (A, I) float64, optional
        Last cycle's schedule (moved on one interval and tried as a candidate).
    """
    from twin.engine.simulation import Simulation

    config = with_ruled_actuators(config or default_config(network), network)
    states = list(states)
    forecast = Forecast(rain_times_s, rain_rates_mmh)
    if len(states) == 1 and forecast.n_members > 1:
        states = states * forecast.n_members
    nets = list(networks) if networks is not None else [network] * len(states)
    if len(nets) != len(states):
        raise InputError(f"{len(nets)} member networks for {len(states)} member states")
    probe = Simulation(nets[0], **dict(sim_kwargs or {}))
    if before_load is not None:
        before_load(probe)
    probe.load_state(states[0])
    current = np.array([probe.links[a.index].setting for a in config.actuators])
    horizon_s = min(float(horizon_s), probe.duration_s - probe.t_s)
    ev = evaluator or make_evaluator(network, config, sim_kwargs, before_load=before_load,
                                     member_networks={str(s): n for s, n in
                                                      zip(states, nets, strict=True)
                                                      if n is not network})  # fmt: skip
    p = plan(ev, states, forecast, config.cost, config.actuators, horizon_s, interval_s,
             current, incumbent=incumbent, settings=search)  # fmt: skip
    return Advice(np.datetime64(probe.current_time, "s"), config.actuators.names,
                  float(interval_s), p)  # fmt: skip
