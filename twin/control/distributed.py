"""Policies x members on a Dask cluster: the same evaluation, spread over workers.

:class:`DaskPolicyEvaluator` has :class:`~twin.control.members.PolicyEvaluator`'s
``evaluate``; it cuts the policies into groups of about ``rows`` (policy, member)
pairs, and each group is one task: on its worker a PolicyEvaluator (kept between
tasks and cycles, one per evaluator and worker process) runs the group's policies on
every member as batched members.  The network is scattered to the workers once; the
member states travel as the bytes of their files (each distinct file once a call) and
are written to a folder of the worker, so workers need not share a file system.

Members with their own networks (``member_networks``, a watch loop's members with their
own roughness): each distinct member network is scattered once too, and on the worker
the row hot-started from a member's state runs that member's network, as
:class:`~twin.control.members.PolicyEvaluator` does in this process.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from pathlib import Path

import numpy as np

from twin.control.members import Forecast, Outcomes, PolicyEvaluator

__all__ = ["DaskPolicyEvaluator"]

_WORKER: dict = {}  # token -> (PolicyEvaluator, state folder), per worker process


def _remote_evaluate(token, net, actuators, sim_kwargs, rules_net, storage_nodes, flow_limits,
                     sample_s, rows, blobs, state_keys, times_s, rates, policies, horizon_s,
                     interval_s, before_load=None, key_nets=None):  # fmt: skip
    """Worker side: evaluate ``policies`` x members with this worker's evaluator
    (``key_nets``: state key -> the member network its rows run, when not ``net``)."""
    if token not in _WORKER:
        folder = tempfile.TemporaryDirectory(prefix="twin-control-worker-")
        ev = PolicyEvaluator(net, actuators, sim_kwargs, rules_network=rules_net, rows=rows,
                             sample_s=sample_s, storage_nodes=storage_nodes,
                             flow_limits=flow_limits, before_load=before_load)  # fmt: skip
        _WORKER[token] = (ev, folder)
    ev, folder = _WORKER[token]
    paths = {}
    for key, data in blobs.items():
        p = Path(folder.name) / f"{key}.state"
        if not p.exists():
            tmp = p.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(p)
        paths[key] = p
    for key, member_net in (key_nets or {}).items():
        # checked against the network where the evaluator was made; the scattered
        # network is one object per worker, so the batches built for it are kept
        ev.member_networks[str(paths[key])] = member_net
    states = [paths[k] for k in state_keys]
    return ev.evaluate(states, Forecast(times_s, rates), policies, horizon_s, interval_s)


class DaskPolicyEvaluator(PolicyEvaluator):
    """A :class:`~twin.control.members.PolicyEvaluator` whose rows run on ``client``'s
    workers (a ``dask.distributed.Client``); other parameters as there."""

    def __init__(self, client, network, actuators, sim_kwargs=None, *, rules_network=None,
                 rows=32, sample_s=60.0, threads=None, storage_nodes=(),
                 flow_limits=((), ()), before_load=None, member_networks=None):  # fmt: skip
        super().__init__(network, actuators, sim_kwargs, rules_network=rules_network,
                         rows=rows, sample_s=sample_s, threads=threads,
                         storage_nodes=storage_nodes, flow_limits=flow_limits,
                         before_load=before_load, member_networks=member_networks)  # fmt: skip
        self.client = client
        self._token = uuid.uuid4().hex
        self._net_f = client.scatter(network, broadcast=True)
        self._member_f = {}  # id(member network) -> (network, its future on the workers)
        self._rules_f = None if self.rules_net is None else (
            self._net_f if self.rules_net is network
            else client.scatter(self.rules_net, broadcast=True)
        )  # fmt: skip

    def _member_future(self, net):
        """The member network on every worker (scattered the first time it is used)."""
        if id(net) not in self._member_f:
            self._member_f[id(net)] = (net, self.client.scatter(net, broadcast=True, hash=False))
        return self._member_f[id(net)][1]

    def evaluate(self, states, forecast: Forecast, policies, horizon_s, interval_s) -> Outcomes:
        states = list(states)
        keys, blobs, key_nets = [], {}, {}
        for s in states:
            data = Path(s).read_bytes()
            net = self.network_of(s)
            h = hashlib.sha256(data)
            if net is not self.net:
                h.update(str(id(net)).encode())
            key = h.hexdigest()[:24]
            blobs[key] = data
            keys.append(key)
            if net is not self.net:
                key_nets[key] = self._member_future(net)
        per_task = max(1, self.rows // max(1, len(states)))
        groups = [list(range(i, min(i + per_task, len(policies))))
                  for i in range(0, len(policies), per_task)]  # fmt: skip
        futs = [
            self.client.submit(
                _remote_evaluate, self._token, self._net_f, self.actuators, self.sim_kwargs,
                self._rules_f, self.storage_nodes, (self.limit_links, self.limit_m3s),
                self.sample_s, self.rows, blobs, keys,
                forecast.times_s, forecast.rates_mmh, [policies[i] for i in g], horizon_s,
                interval_s, self.before_load, key_nets, pure=False,
            )
            for g in groups
        ]  # fmt: skip
        parts = self.client.gather(futs)
        return Outcomes(**{
            name: np.concatenate([getattr(p, name) for p in parts], axis=0)
            for name in ("node_flood_m3", "node_inflow_m3", "energy_kwh", "stored_m3",
                         "excess_m3", "settings", "failed")
        })  # fmt: skip
