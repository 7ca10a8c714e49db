"""Choose the control schedule for the horizon that minimises the cost over the members.

One planning cycle (:func:`plan`):

1. the baselines run on every member: passive operation and, when the network has
   [CONTROLS], the rules; what the rules did per interval becomes a schedule too;
2. candidates: for one or two actuators every combination of levels per block
   (:func:`~twin.control.schedules.enumerate_candidates`); for more, a cross-entropy
   search (a categorical distribution per actuator and block, sampled, the elite
   quarter refitting it, up to three rounds, stopping after a round that finds nothing
   cheaper than the best so far); both start from the seeds (passive, the rules'
   schedule, last cycle's plan moved one interval on: a warm start);
3. when candidates x members exceed ``full_rows``, candidates are screened on
   ``screen_members`` members spanning the forecast (by rain volume, the wettest
   included) and only the best ``finalists`` run on every member;
4. the policy of least cost wins: a schedule, passive operation, or the rules
   themselves (the controller then hands the interval to the network's [CONTROLS],
   run on its twin; a supervisory controller that never plans worse than the rules).

Every candidate is made feasible first (rates of change, minimum on/off times).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.control.cost import risk_of
from twin.control.members import RULES, Forecast, Outcomes, ruled_rows
from twin.control.schedules import (
    blocks_for,
    enumerate_candidates,
    feasible,
    passive_schedule,
    shifted,
    switch_count,
)
from twin.errors import InputError

__all__ = ["GUARD_RISKS", "SearchSettings", "Plan", "guard_excess", "plan"]

GUARD_RISKS = ("worst", "cvar", "mean")


@dataclass
class SearchSettings:
    """How hard :func:`plan` searches (see the module docstring)."""

    max_enumerated: int = 81
    enumerate_up_to: int = 2  # actuators; more: cross-entropy
    ce_population: int = 16
    ce_rounds: int = 3
    ce_elite: float = 0.25
    ce_smoothing: float = 0.7
    #: stop the cross-entropy rounds when one finds nothing cheaper than the best so far
    #: by this share (with the incumbent seeded, a quiet cycle stops after one round)
    ce_stop_rel: float = 0.005
    screen_members: int = 4
    finalists: int = 4
    #: after the final round, the best schedule's first interval (the move the plant
    #: gets) changed to every other level of each actuator, run on every member
    polish: bool = True
    full_rows: int = 96
    seed: int = 0
    #: with rules: a policy other than the rules wins only if its excess flood over the
    #: rules, ``d[m] = flood[m] - (1 + guard_rel) x rules[m] - guard_m3`` (weighted m3 per
    #: member), has a risk measure over the members <= 0: ``guard_risk`` "worst" (every
    #: member), "cvar" (the mean of the worst ``1 - guard_alpha`` share of members, at
    #: least one) or "mean" (the mean plus ``guard_spread`` standard deviations)
    guard: bool = True
    guard_m3: float = 1.0
    guard_rel: float = 0.0
    guard_risk: str = "worst"
    guard_alpha: float = 0.75
    guard_spread: float = 0.0

    def __post_init__(self):
        if self.guard_risk not in GUARD_RISKS:
            raise InputError(f"guard_risk must be one of {', '.join(GUARD_RISKS)}, "
                             f"got {self.guard_risk!r}", field="guard_risk")  # fmt: skip
        if not 0.0 <= self.guard_alpha < 1.0:
            raise InputError(f"guard_alpha must be in [0, 1), got {self.guard_alpha!r}",
                             field="guard_alpha")  # fmt: skip
        if not (np.isfinite(self.guard_spread) and self.guard_spread >= 0.0):
            raise InputError(f"guard_spread must be >= 0, got {self.guard_spread!r}",
                             field="guard_spread")  # fmt: skip


@dataclass
class Plan:
    """The outcome of one planning cycle (SI).

    Attributes
    ----------
    schedule : (A, I) float64
        The chosen settings per interval (NaN: left alone).
    cost, cost_passive, cost_rules : float
        Expected cost (risk measure applied) of the plan, passive operation and the
        rules (NaN without rules).
    flood_m3, flood_passive_m3, flood_rules_m3 : (M,) float64
        Weighted flood volume per member over the horizon.
    cso_m3, cso_passive_m3, cso_rules_m3 : (M,) float64
        CSO volume plus the volume above flow limits, per member.
    energy_kwh : (M,) float64
    evaluated : int
        Candidate x member rows run.
    kind : str
        Which policy won: "passive", "rules" (hand the interval to the network's own
        [CONTROLS]), "rules-schedule" (what the rules would do, as a schedule),
        "incumbent" or "search".
    extra : dict
        ``"refused"``: when the guard refused the final round's cheapest policy, its cost,
        mean flood and its excess flood over the rules over the members (mean, standard
        deviation, worst, CVaR at 0.75 and 0.5, members worse by more than ``guard_m3``).
    """

    schedule: np.ndarray
    cost: float
    cost_passive: float
    cost_rules: float
    flood_m3: np.ndarray
    flood_passive_m3: np.ndarray
    flood_rules_m3: np.ndarray
    cso_m3: np.ndarray
    cso_passive_m3: np.ndarray
    cso_rules_m3: np.ndarray
    energy_kwh: np.ndarray
    evaluated: int = 0
    kind: str = "passive"
    candidates: int = 0
    extra: dict = field(default_factory=dict)


def _member_subset(forecast: Forecast, k: int) -> np.ndarray:
    """``k`` members spread over the forecast's rain volumes, the wettest included."""
    m = forecast.n_members
    if k >= m:
        return np.arange(m)
    volume = forecast.rates_mmh.sum(axis=(1, 2))
    order = np.argsort(volume, kind="stable")
    picks = np.unique(np.round(np.linspace(0, m - 1, k)).astype(int))
    return np.sort(order[picks])


def _scores(out: Outcomes, cost, schedules, current):
    """Per policy: (cost, weighted flood (P, M), CSO and volume above flow limits (P, M),
    energy (P, M))."""
    flood = cost.weighted_flood(np.nan_to_num(out.node_flood_m3, nan=0.0))
    cso = cost.cso(np.nan_to_num(out.node_inflow_m3, nan=0.0))
    energy = np.nan_to_num(out.energy_kwh, nan=0.0)
    stored = np.nan_to_num(out.stored_m3, nan=0.0)
    excess = np.nan_to_num(out.excess_m3, nan=0.0)
    sw = [0.0 if isinstance(s, str) else switch_count(s, current) for s in schedules]
    total = cost.total(flood, cso, energy, sw, stored, excess)
    total = np.where(out.failed.any(axis=1), np.inf, total)
    return total, flood, cso + excess, energy


def guard_excess(flood, flood_rules, st: SearchSettings) -> np.ndarray:
    """``(P, M)`` weighted flood and ``(M,)`` the rules' -> ``(P,)`` the guard's risk
    measure of the excess over the rules (> 0: the policy is refused; module
    docstring of :class:`SearchSettings`)."""
    d = np.atleast_2d(flood) - (flood_rules * (1.0 + st.guard_rel) + st.guard_m3)[None, :]
    if st.guard_risk == "worst":
        return d.max(axis=1)
    if st.guard_risk == "cvar":
        return risk_of(d, "cvar", st.guard_alpha)
    return d.mean(axis=1) + st.guard_spread * d.std(axis=1)


def _guarded(total, flood, flood_rules, st: SearchSettings) -> np.ndarray:
    """``total`` with ``inf`` for every policy whose excess flood over the rules is too
    risky by the guard's measure: a supervisory controller departs from the rules only
    where the members do not expect the departure to flood more."""
    if not st.guard or flood_rules is None:
        return total
    return np.where(guard_excess(flood, flood_rules, st) > 0.0, np.inf, total)


def _rules_schedule(out: Outcomes, row: int, actuators) -> np.ndarray:
    """What the rules did, per interval: the members' median mean setting, on a level."""
    s = np.nanmedian(out.settings[row], axis=0)  # (A, I)
    for a, act in enumerate(actuators):
        lv = np.asarray(act.levels)
        s[a] = lv[np.argmin(np.abs(s[a][:, None] - lv[None, :]), axis=1)]
    return s


def plan(evaluator, states, forecast, cost, actuators, horizon_s, interval_s, current,
         since_switch_s=None, incumbent=None,
         settings: SearchSettings | None = None) -> Plan:  # fmt: skip
    """One planning cycle: the schedule of least cost over the forecast members.

    Parameters
    ----------
    evaluator : PolicyEvaluator
    states : sequence of path
        The members' hot-start states (one per member).
    forecast : Forecast
    cost : CostModel
    actuators : ActuatorSet
    horizon_s, interval_s : float
    current : (A,) float64
        The actuators' settings now.
    since_switch_s : (A,) float64, optional
        Time since each pump switched [s] (default: long ago).
    incumbent : (A, I) float64, optional
        Last cycle's plan (moved on one interval here).
    settings : SearchSettings, optional
    """
    st = settings or SearchSettings()
    n_int = max(1, int(np.ceil(horizon_s / interval_s - 1e-9)))
    current = np.asarray(current, np.float64)
    since = np.full(len(actuators), 1e9) if since_switch_s is None else since_switch_s

    def fix(s):
        return feasible(s, actuators, current, since, interval_s)

    passive = fix(passive_schedule(actuators, n_int))
    has_rules = evaluator.rules_net is not None
    ruleable = np.array([has_rules and evaluator.rules_for(np.arange(len(actuators)) == a)
                         is not None for a in range(len(actuators))])  # fmt: skip
    base = [passive, RULES] if has_rules else [passive]
    out = evaluator.evaluate(states, forecast, base, horizon_s, interval_s)
    evaluated = len(base) * forecast.n_members
    total, flood, cso, energy = _scores(out, cost, base, current)
    p_rules = float(total[1]) if has_rules else np.nan
    result = dict(cost_passive=float(total[0]), cost_rules=p_rules,
                  flood_passive_m3=flood[0], cso_passive_m3=cso[0],
                  flood_rules_m3=flood[1] if has_rules else np.full_like(flood[0], np.nan),
                  cso_rules_m3=cso[1] if has_rules else np.full_like(cso[0], np.nan))  # fmt: skip
    rules_flood = flood[1] if has_rules else None
    guarded = _guarded(total, flood, rules_flood, st)
    best = dict(schedule=passive, cost=float(total[0]), flood_m3=flood[0], cso_m3=cso[0],
                energy_kwh=energy[0], kind="passive")  # fmt: skip
    if has_rules and (total[1] < best["cost"] - 1e-9 or not np.isfinite(guarded[0])):
        best = dict(schedule=np.full((len(actuators), n_int), np.inf), cost=float(total[1]),
                    flood_m3=flood[1], cso_m3=cso[1], energy_kwh=energy[1],
                    kind="rules")  # fmt: skip
    if not (flood[0].any() or cso[0].any() or (has_rules and (flood[1].any() or cso[1].any()))):
        return Plan(**best, **result, evaluated=evaluated)  # a dry horizon: nothing to do

    seeds = []
    if has_rules:
        seeds.append(("rules-schedule", fix(_rules_schedule(out, 1, actuators))))
    if incumbent is not None:
        seeds.append(("incumbent", fix(shifted(incumbent, n_int))))
    rng = np.random.default_rng(st.seed)
    subset = _member_subset(forecast, st.screen_members)
    screen = forecast.subset(subset)
    sub_states = [states[i] for i in subset]

    def screen_costs(cands):
        nonlocal evaluated
        o = evaluator.evaluate(sub_states, screen, cands, horizon_s, interval_s)
        evaluated += len(cands) * len(subset)
        tot, fl = _scores(o, cost, cands, current)[:2]
        return _guarded(tot, fl, None if rules_flood is None else rules_flood[subset], st)

    if len(actuators) <= st.enumerate_up_to:
        cands, _ = enumerate_candidates(actuators, n_int, st.max_enumerated, ruleable)
        cands = [fix(c) for c in cands] + [s for _, s in seeds]
        kinds = ["search"] * (len(cands) - len(seeds)) + [k for k, _ in seeds]
        if len(cands) * forecast.n_members <= st.full_rows:
            finalists = list(range(len(cands)))
        else:
            c = screen_costs(cands)
            finalists = list(np.argsort(c, kind="stable")[: st.finalists])
    else:
        cands, kinds, c = _cross_entropy(actuators, n_int, seeds, fix, screen_costs, rng, st,
                                         ruleable)  # fmt: skip
        finalists = list(np.argsort(c, kind="stable")[: st.finalists])
    # seeds always reach the final round (the rules' schedule keeps mpc honest)
    finalists += [i for i, k in enumerate(kinds) if k != "search" and i not in finalists]
    final = [cands[i] for i in finalists]
    o = evaluator.evaluate(states, forecast, final, horizon_s, interval_s)
    evaluated += len(final) * forecast.n_members
    t_free, f, cs, e = _scores(o, cost, final, current)
    t = _guarded(t_free, f, rules_flood, st)
    if st.polish:
        moves = _first_moves(final[int(np.argmin(t if np.isfinite(t).any() else t_free))],
                             actuators, fix, {c.tobytes() for c in cands})  # fmt: skip
        if moves:
            o = evaluator.evaluate(states, forecast, moves, horizon_s, interval_s)
            evaluated += len(moves) * forecast.n_members
            tm, fm, csm, em = _scores(o, cost, moves, current)
            final, kinds = final + moves, kinds + ["polish"] * len(moves)
            finalists += list(range(len(cands), len(cands) + len(moves)))
            cands = cands + moves
            t_free, f = np.r_[t_free, tm], np.vstack([f, fm])
            cs, e = np.vstack([cs, csm]), np.vstack([e, em])
            t = _guarded(t_free, f, rules_flood, st)
    k = int(np.argmin(t))
    extra = {}
    j = int(np.argmin(t_free))
    if rules_flood is not None and not np.isfinite(t[j]) and t_free[j] < best["cost"] - 1e-9:
        d = f[j] - rules_flood  # what the guard refused: the cheapest policy it stopped
        extra["refused"] = dict(cost=float(t_free[j]), cost_rules=p_rules,
                                flood_m3=float(np.mean(f[j])),
                                excess_mean_m3=float(d.mean()), excess_std_m3=float(d.std()),
                                excess_worst_m3=float(d.max()),
                                excess_cvar75_m3=float(risk_of(d[None], "cvar", 0.75)[0]),
                                excess_cvar50_m3=float(risk_of(d[None], "cvar", 0.5)[0]),
                                members_worse=int(np.sum(d > st.guard_m3)))  # fmt: skip
    if t[k] < best["cost"] - 1e-9:
        ruled = ruled_rows(final[k])
        kind = "rules" if ruled.all() else "hybrid" if ruled.any() else kinds[finalists[k]]
        best = dict(schedule=final[k], cost=float(t[k]), flood_m3=f[k], cso_m3=cs[k],
                    energy_kwh=e[k], kind=kind)  # fmt: skip
    return Plan(**best, **result, evaluated=evaluated, candidates=len(cands), extra=extra)


def _first_moves(schedule, actuators, fix, seen) -> list:
    """The schedule with its first interval (the move the plant is given; the rest of the
    plan unchanged) set to every other level of each actuator it sets, made feasible,
    leaving out schedules in ``seen`` (bytes).  A receding-horizon controller applies
    only that first move, so every first move is compared with the best continuation
    the search found, not only with those its sampling happened to pair it with."""
    out = []
    for a, act in enumerate(actuators):
        if np.isinf(schedule[a]).all():
            continue  # left to the rules for the horizon
        for v in act.levels:
            if schedule[a, 0] == v:
                continue
            s = np.array(schedule, np.float64)
            s[a, 0] = v
            s = fix(s)
            if s.tobytes() not in seen:
                seen.add(s.tobytes())
                out.append(s)
    return out


def _cross_entropy(actuators, n_int, seeds, fix, screen_costs, rng, st, ruleable):
    """Cross-entropy search over levels per actuator and block (four blocks), started
    half from uniform and half from the best seed; an actuator the rules can operate
    may be left to them (an extra choice in its first block that makes its row
    ``inf``).  Returns every candidate tried, its kind and its screening cost."""
    blocks = blocks_for(n_int, 4)
    starts = np.cumsum([0, *blocks[:-1]])
    nb = len(blocks)
    choices = [list(a.levels) for a in actuators]
    probs = [np.full((nb, len(c) + 1), 1.0) for c in choices]  # last column: the rules
    for a, p in enumerate(probs):
        if not ruleable[a]:
            p[:, -1] = 0.0
        p[1:, -1] = 0.0  # the rules choice lives in the first block
        p /= p.sum(axis=1, keepdims=True)
    cands = [s for _, s in seeds]
    kinds = [k for k, _ in seeds]
    costs = list(screen_costs(cands)) if cands else []

    def column(a, v):
        if np.isinf(v):
            return len(choices[a])
        return int(np.argmin(np.abs(np.asarray(choices[a]) - v)))

    def refit(pool, weight):
        for a in range(len(actuators)):
            for b in range(nb):
                hits = np.zeros(len(choices[a]) + 1)
                for e in pool:
                    v = e[a, starts[b]]
                    if v == v:
                        hits[column(a, v)] += 1.0
                if hits.sum() == 0 or (b > 0 and hits[:-1].sum() == 0):
                    continue
                if b > 0:
                    hits[-1] = 0.0
                freq = hits / hits.sum()
                probs[a][b] = weight * freq + (1.0 - weight) * probs[a][b]
                probs[a][b] /= probs[a][b].sum()

    if cands:
        refit([cands[int(np.argmin(costs))]], 0.5)
    seen = {c.tobytes() for c in cands}
    for _ in range(st.ce_rounds):
        batch = []
        tries = 0
        while len(batch) < st.ce_population and tries < 20 * st.ce_population:
            tries += 1
            s = np.empty((len(actuators), n_int))
            for a in range(len(actuators)):
                k0 = rng.choice(len(choices[a]) + 1, p=probs[a][0])
                if k0 == len(choices[a]):
                    s[a] = np.inf
                    continue
                for b in range(nb):
                    k = k0 if b == 0 else rng.choice(len(choices[a]) + 1, p=probs[a][b])
                    s[a, starts[b] : starts[b] + blocks[b]] = choices[a][k]
            s = fix(s)
            if s.tobytes() not in seen:
                seen.add(s.tobytes())
                batch.append(s)
        if not batch:
            break
        c = screen_costs(batch)
        before = min(costs) if costs else np.inf
        cands += batch
        kinds += ["search"] * len(batch)
        costs += list(c)
        after = min(costs)
        if np.isfinite(before) and not after < before - st.ce_stop_rel * abs(before):
            break  # converged (or never better than the seeds): no further round
        n_elite = max(2, int(round(st.ce_elite * st.ce_population)))
        refit([cands[i] for i in np.argsort(costs, kind="stable")[:n_elite]], st.ce_smoothing)
    return cands, kinds, np.asarray(costs)
