"""Every candidate policy x forecast member, run as batched members of the twin.

A *policy* is a schedule, ``(n_actuators, n_intervals)`` settings held for each
control interval (NaN: leave that actuator alone, e.g. a pump left to its start/stop
depths; ``inf`` in every interval of an actuator: that actuator follows the network's
own rules, :data:`FOLLOW_RULES`), or :data:`RULES`: every actuator follows the rules.  Each
(policy, member) pair is one row of a :class:`~twin.engine.batch.MemberBatch`: the row
is hot-started from the member's state file (``Simulation.load_state``), its rain
gauges are given the member's forecast rain from then on (``Simulation.set_rainfall``),
and all rows are stepped together interval by interval; at each interval's start
every schedule row asks its actuators for the interval's settings
(``sim.links[...].target_setting``).  What a row did over the horizon is read from
the engine's running totals: flood volume per node, inflow volume per node (CSO
outfalls), and the pumps' power sampled every ``sample_s`` for their energy.

The batch is built once and reused (its rows reloaded for every evaluation); rows
are processed in chunks of ``rows``.  :func:`evaluate_on_client` spreads the chunks
over a Dask cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.control.measures import flood_volume_m3, inflow_volume_m3, pump_power_kw
from twin.control.snapshot import copy_state, copy_state_controls
from twin.engine.batch import MemberBatch
from twin.errors import InputError, TwinError

__all__ = ["FOLLOW_RULES", "RULES", "Forecast", "Outcomes", "PolicyEvaluator", "attach_rules",
           "check_same_elements", "ruled_rows", "rules_controller"]  # fmt: skip

#: The policy "the network's own control rules".
RULES = "rules"
#: The setting that means "this actuator follows the rules" (a whole row of a schedule).
FOLLOW_RULES = np.inf


def ruled_rows(schedule) -> np.ndarray:
    """(A,) bool: the actuators a schedule leaves to the rules (rows of ``inf``)."""
    return np.all(np.isinf(np.asarray(schedule, np.float64)), axis=1)


@dataclass
class Forecast:
    """The members' rain from their start on: ``rates_mmh[m, i, g]`` at gauge ``g`` from
    ``times_s[i]`` [s after the simulation start] to the next time (mm/h)."""

    times_s: np.ndarray
    rates_mmh: np.ndarray

    def __post_init__(self):
        self.times_s = np.asarray(self.times_s, np.float64).ravel()
        r = np.asarray(self.rates_mmh, np.float64)
        if r.ndim == 2:
            r = r[:, :, None]
        if r.ndim != 3 or r.shape[1] != len(self.times_s):
            raise InputError(
                f"forecast rain must be (members, {len(self.times_s)} times, gauges), "
                f"got shape {r.shape}"
            )
        if not np.all(np.isfinite(r)) or np.any(r < 0):
            raise InputError("forecast rain must be finite and >= 0 mm/h")
        self.rates_mmh = r

    @property
    def n_members(self) -> int:
        return self.rates_mmh.shape[0]

    def subset(self, members) -> Forecast:
        return Forecast(self.times_s, self.rates_mmh[np.asarray(members)])


@dataclass
class Outcomes:
    """What every (policy, member) row did over the horizon (SI).

    Attributes
    ----------
    node_flood_m3 : (P, M, n_nodes) float64
    node_inflow_m3 : (P, M, n_nodes) float64
    energy_kwh : (P, M) float64
    stored_m3 : (P, M) float64
        Water in the ``storage_nodes`` at the horizon's end.
    excess_m3 : (P, M) float64
        Volume the ``limit_links`` carried above their limits (flows sampled every
        ``sample_s``).
    settings : (P, M, n_actuators, n_intervals) float64
        Mean setting of each actuator over each interval (what the rules chose, for
        :data:`RULES` rows).
    failed : (P, M) bool
        The row's simulation failed (its volumes are NaN).
    """

    node_flood_m3: np.ndarray
    node_inflow_m3: np.ndarray
    energy_kwh: np.ndarray
    stored_m3: np.ndarray
    excess_m3: np.ndarray
    settings: np.ndarray
    failed: np.ndarray


def check_same_elements(network, other) -> None:
    """InputError unless ``other`` has ``network``'s nodes, links (names, kinds, ends)
    and rain gauges: the same system, whose parameters may differ (a member network)."""
    pairs = (
        ("node names", network.nodes.name, other.nodes.name),
        ("link names", network.links.name, other.links.name),
        ("link kinds", network.links.kind, other.links.kind),
        ("link upstream nodes", network.links.from_node, other.links.from_node),
        ("link downstream nodes", network.links.to_node, other.links.to_node),
        ("rain gauges", network.raingages.name, other.raingages.name),
    )
    for what, a, b in pairs:
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or not np.array_equal(a, b):
            raise InputError(f"a member network differs from the network in its {what}")


def rules_controller(sim, rules_net):
    """A fresh Controller running ``rules_net``'s [CONTROLS] inside ``sim``."""
    from twin.engine.controls import Controller, parse_controls

    rules = parse_controls(
        rules_net.controls,
        net=rules_net,
        file=rules_net.source or None,
        first_line=rules_net.controls_first_line,
        start=sim.opts.start,
    )
    rain = None
    if sim.runoff is not None:
        used = np.asarray(sim.runoff.rain.used)

        def rain(t_s):  # SWMM's Gage[].rainfall, as Simulation builds it
            return np.where(used, sim.runoff.rain.rate_at(sim.runoff.t_old_s), 0.0)

    return Controller(rules, sim.router, rules_net, sim.opts.rule_step_s, rain=rain)


def ask(view, value: float) -> None:
    """Ask a link (its view) for ``value`` unless that is already its target: as in
    SWMM, a control action that changes nothing leaves the link alone."""
    if view.target_setting != value:
        view.target_setting = value


def attach_rules(sim, ctl) -> None:
    """Let the Controller ``ctl`` run ``sim``'s rules from its current time on."""
    if ctl.rule_step_s > 0:
        ctl.next_rule_s = np.floor(sim.t_s / ctl.rule_step_s + 1e-9) * ctl.rule_step_s
    sim.controls = ctl


class PolicyEvaluator:
    """Runs policies x members of one network from hot-start states.

    Parameters
    ----------
    network : Network
        The network the member states were saved from.
    actuators : ActuatorSet
    sim_kwargs : dict, optional
        The :class:`~twin.engine.simulation.Simulation` keyword arguments the states
        were saved with (hot starts need the same options).
    rules_network : Network, optional
        Whose [CONTROLS] the :data:`RULES` policy runs (default ``network``'s own).
    rows : int
        Rows of the batch (pairs stepped together).
    sample_s : float
        Pump power sampling step [s] (and the finest step of the stepping loop).
    threads : int, optional
        numba threads of the batch.
    storage_nodes : sequence of int
        Nodes whose volume at the horizon's end is reported (``Outcomes.stored_m3``).
    flow_limits : (links, limits_m3s), optional
        Links whose flow above a limit is integrated (``Outcomes.excess_m3``).
    before_load : callable, optional
        ``before_load(sim)`` before a state file is read into a row: gives the rows
        the attributes the saving simulations carried (a watch loop's members).
    member_networks : dict, optional
        ``{state path: Network}``: the network a member's state was saved from, when the
        members differ in parameters (a watch loop's members, each with its own
        perturbed roughness).  Rows hot-started from that state run on that network, so
        the state file's fingerprint check still holds row by row; each network must
        have ``network``'s elements (names, kinds, ends), or InputError.  States not in
        the mapping run on ``network``.
    """

    def __init__(self, network, actuators, sim_kwargs=None, *, rules_network=None, rows=32,
                 sample_s=60.0, threads=None, storage_nodes=(), flow_limits=((), ()),
                 before_load=None, member_networks=None):  # fmt: skip
        self.net = network
        self.actuators = actuators
        self.sim_kwargs = dict(sim_kwargs or {})
        rn = rules_network if rules_network is not None else network
        self.rules_net = rn if rn.controls.strip() else None
        self.rows = max(1, int(rows))
        self.sample_s = float(sample_s)
        self.threads = threads
        self._rules_nets = {}
        self.before_load = before_load
        self.storage_nodes = [int(n) for n in storage_nodes]
        self.limit_links = [int(j) for j in flow_limits[0]]
        self.limit_m3s = [float(q) for q in flow_limits[1]]
        self.member_networks = {}
        for key, net in dict(member_networks or {}).items():
            check_same_elements(network, net)
            self.member_networks[str(key)] = net
        self._batches = {}  # the rows' networks (ids) -> (batch, each row's own controls)
        self._own_controls = []
        acts = list(actuators)
        self._link = np.array([a.index for a in acts], dtype=np.int64)
        pumps = [a for a in acts if a.is_pump]
        self._pump_link = [a.index for a in pumps]
        self._pump_from = [a.from_node for a in pumps]
        self._pump_to = [a.to_node for a in pumps]
        self._pump_row = [i for i, a in enumerate(acts) if a.is_pump]

    # -- the batch ----------------------------------------------------------------------
    def network_of(self, state):
        """The network the member state ``state`` (a path) runs on."""
        return self.member_networks.get(str(state), self.net)

    def _fresh_batch(self, nets=None) -> MemberBatch:
        """The batch whose row ``r`` runs ``nets[r]`` (default: every row ``network``),
        built once per such layout and kept."""
        nets = list(nets) if nets is not None else [self.net] * self.rows
        key = tuple(id(n) for n in nets)
        b, own = self._batches.get(key, (None, None))
        if b is None or any(s is None for s in b.sims):
            b = MemberBatch([(n, self.sim_kwargs) for n in nets], threads=self.threads)
            bad = [e for e in b.errors if e]
            if bad:
                raise TwinError(f"the control members could not be set up: {bad[0]}")
            own = [s.controls for s in b.sims]
            self._batches[key] = (b, own)
        self._own_controls = own
        return b

    # -- evaluation -----------------------------------------------------------------------
    def evaluate(self, states, forecast: Forecast, policies, horizon_s: float,
                 interval_s: float) -> Outcomes:  # fmt: skip
        """Run every policy with every member.

        Parameters
        ----------
        states : sequence of path
            One hot-start state file per member (all saved at the same time).
        forecast : Forecast
            ``n_members`` members' rain.
        policies : sequence
            Schedules ``(n_actuators, n_intervals)`` or :data:`RULES`.
        horizon_s, interval_s : float
            The horizon (cut at the simulation's end) and the control interval [s].
        """
        states = list(states)
        if len(states) != forecast.n_members:
            raise InputError(f"{len(states)} member states for {forecast.n_members} forecasts")
        n_int = max(1, int(np.ceil(horizon_s / interval_s - 1e-9)))
        P, M = len(policies), len(states)
        A, N = len(self.actuators), self.net.n_nodes
        out = Outcomes(
            node_flood_m3=np.full((P, M, N), np.nan),
            node_inflow_m3=np.full((P, M, N), np.nan),
            energy_kwh=np.full((P, M), np.nan),
            stored_m3=np.full((P, M), np.nan),
            excess_m3=np.full((P, M), np.nan),
            settings=np.full((P, M, A, n_int), np.nan),
            failed=np.zeros((P, M), dtype=bool),
        )
        pairs = [(p, m) for p in range(P) for m in range(M)]
        for c in range(0, len(pairs), self.rows):
            self._run_chunk(pairs[c : c + self.rows], states, forecast, policies,
                            horizon_s, interval_s, n_int, out)  # fmt: skip
        return out

    def _load(self, sims, pairs, states):
        """Hot-start every row: the first row of each state file reads it, the others
        copy that row (:func:`~twin.control.snapshot.copy_state`)."""
        first = {}
        for r, (_p, m) in enumerate(pairs):
            key = str(states[m])
            sim = sims[r]
            sim.controls = self._own_controls[r]  # as saved: the state file restores it
            if key in first:
                src = sims[first[key]]
                copy_state(src, sim)
                copy_state_controls(src.controls, sim.controls)
            else:
                if self.before_load is not None:
                    self.before_load(sim)
                sim.load_state(states[m])
                first[key] = r

    def _prepare(self, r, sim, rain_rates, times_s, policy):
        start = sim.opts.start.astype("datetime64[ms]")
        for g in range(rain_rates.shape[1]):
            # an override only where the rate changes: the runoff steps then end on the
            # same times as with the gauge's own record
            change = np.flatnonzero(np.r_[True, np.diff(rain_rates[:, g]) != 0.0])
            for i in change:
                when = start + np.timedelta64(int(round(times_s[i] * 1000)), "ms")
                sim.set_rainfall(float(rain_rates[i, g]), gauge=g, start=when)
        if isinstance(policy, str):
            ruled = np.ones(len(self.actuators), dtype=bool)
        else:
            ruled = ruled_rows(policy)
        if not ruled.any():
            sim.controls = None
            return
        net = self.rules_for(ruled)
        if net is None:
            raise InputError("no rules of the network act on these actuators")
        ctl = sim.controls
        if ctl is None or net is not self.net:
            ctl = rules_controller(sim, net)
        attach_rules(sim, ctl)

    def rules_for(self, ruled):
        """The network whose [CONTROLS] are the rules of the ``ruled`` actuators (None:
        no rule acts on them only)."""
        from twin.control.rules import rules_on

        key = tuple(bool(x) for x in ruled)
        if key not in self._rules_nets:
            nets = None
            if self.rules_net is not None:
                links = [a.index for a, x in zip(self.actuators, key, strict=True) if x]
                nets = rules_on(self.rules_net, links)
            self._rules_nets[key] = nets
        return self._rules_nets[key]

    def _run_chunk(self, pairs, states, forecast, policies, horizon_s, interval_s, n_int, out):
        used = len(pairs)
        nets = [self.network_of(states[m]) for _p, m in pairs]
        # idle rows repeat the used rows' layout, so a last, shorter chunk reuses the batch
        batch = self._fresh_batch([nets[r % used] for r in range(self.rows)])
        sims = batch.sims
        self._load(sims, pairs, states)
        for r, (p, m) in enumerate(pairs):
            self._prepare(r, sims[r], forecast.rates_mmh[m], forecast.times_s, policies[p])
        for r in range(used, self.rows):  # idle rows: finished, not stepped
            sims[r].t_s = sims[r].duration_s
        t0 = min(sims[r].t_s for r in range(used))
        # batched members stop on their first step at or past a time: a watch loop's
        # states differ by up to a routing step
        skew = sims[0].opts.routing_step_s + 1e-6
        if any(sims[r].t_s - t0 > skew for r in range(used)):
            raise InputError("member states must be saved at the same simulation time "
                             "(within a routing step)")  # fmt: skip
        end = min(t0 + horizon_s, sims[0].duration_s)
        flood0 = [flood_volume_m3(sims[r]) for r in range(used)]
        inflow0 = [inflow_volume_m3(sims[r]) for r in range(used)]
        energy = np.zeros(used)
        excess = np.zeros(used)
        settings = np.zeros((used, len(self.actuators), n_int))
        weight = np.zeros(n_int)
        t = t0
        for i in range(n_int):
            t_end = min(t0 + (i + 1) * interval_s, end)
            if t_end <= t + 1e-9:
                break
            for r, (p, _m) in enumerate(pairs):
                pol = policies[p]
                if sims[r] is None or isinstance(pol, str):
                    continue
                for a, j in enumerate(self._link):
                    v = pol[a, i]
                    if v == v and v != FOLLOW_RULES:
                        ask(sims[r].links[int(j)], float(v))
            while t < t_end - 1e-9:
                t_next = min(t + self.sample_s, t_end)
                batch.advance_until(t_next)
                dt = t_next - t
                for r in range(used):
                    sim = sims[r]
                    if sim is None:
                        continue
                    if self._pump_link:
                        power = pump_power_kw(sim, self._pump_link, self._pump_from,
                                              self._pump_to)  # fmt: skip
                        energy[r] += power.sum() * dt / 3600.0
                    for j, lim in zip(self.limit_links, self.limit_m3s, strict=True):
                        excess[r] += max(abs(sim.links[j].flow) - lim, 0.0) * dt
                    for a, j in enumerate(self._link):
                        settings[r, a, i] += sim.links[int(j)].setting * dt
                weight[i] += dt
                t = t_next
        for r, (p, m) in enumerate(pairs):
            sim = sims[r]
            if sim is None:
                out.failed[p, m] = True
                continue
            out.node_flood_m3[p, m] = flood_volume_m3(sim) - flood0[r]
            out.node_inflow_m3[p, m] = inflow_volume_m3(sim) - inflow0[r]
            out.energy_kwh[p, m] = energy[r]
            out.excess_m3[p, m] = excess[r]
            out.stored_m3[p, m] = sum(sim.nodes[int(n)].volume for n in self.storage_nodes)
            ok = weight > 0
            out.settings[p, m][:, ok] = settings[r][:, ok] / weight[ok]
