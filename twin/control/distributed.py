"""Policies x members on a Dask cluster: the same evaluation, spread over workers.

:class:`DaskPolicyEvaluator` has :class:`~twin.control.members.PolicyEvaluator`'s
``evaluate``; it cuts the policies into groups of about ``rows`` (policy, member)
pairs, and each group is one task: on its worker a PolicyEvaluator (kept between
tasks and cycles, one per evaluator and worker process) runs the group's policies on
every member as batched members.  The network is scattered to the workers once; the
member states travel as the bytes of their files (each distinct file once a call) and
are written to a folder of the worker, so workers need not share a file system.
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
                     interval_s):  # fmt: skip
    """Worker side: evaluate ``policies`` x members with this worker's evaluator."""
    if token not in _WORKER:
        folder = tempfile.TemporaryDirectory(prefix="twin-control-worker-")
        ev = PolicyEvaluator(net, actuators, sim_kwargs, rules_network=rules_net, rows=rows,
                             sample_s=sample_s, storage_nodes=storage_nodes,
                             flow_limits=flow_limits)  # fmt: skip
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
    states = [paths[k] for k in state_keys]
    return ev.evaluate(states, Forecast(times_s, rates), policies, horizon_s, interval_s)


class DaskPolicyEvaluator(PolicyEvaluator):
    """A :class:`~twin.control.members.PolicyEvaluator` whose rows run on ``client``'s
    workers (a ``dask.distributed.Client``); other parameters as there."""

    def __init__(self, client, network, actuators, sim_kwargs=None, *, rules_network=None,
                 rows=32, sample_s=60.0, threads=None, storage_nodes=(),
                 flow_limits=((), ())):  # fmt: skip
        super().__init__(network, actuators, sim_kwargs, rules_network=rules_network,
                         rows=rows, sample_s=sample_s, threads=threads,
                         storage_nodes=storage_nodes, flow_limits=flow_limits)  # fmt: skip
        self.client = client
        self._token = uuid.uuid4().hex
        self._net_f = client.scatter(network, broadcast=True)
        self._rules_f = None if self.rules_net is None else (
            self._net_f if self.rules_net is network
            else client.scatter(self.rules_net, broadcast=True)
        )  # fmt: skip

    def evaluate(self, states, forecast: Forecast, policies, horizon_s, interval_s) -> Outcomes:
        states = list(states)
        keys, blobs = [], {}
        for s in states:
            data = Path(s).read_bytes()
            key = hashlib.sha256(data).hexdigest()[:24]
            blobs[key] = data
            keys.append(key)
        per_task = max(1, self.rows // max(1, len(states)))
        groups = [list(range(i, min(i + per_task, len(policies))))
                  for i in range(0, len(policies), per_task)]  # fmt: skip
        futs = [
            self.client.submit(
                _remote_evaluate, self._token, self._net_f, self.actuators, self.sim_kwargs,
                self._rules_f, self.storage_nodes, (self.limit_links, self.limit_m3s),
                self.sample_s, self.rows, blobs, keys,
                forecast.times_s, forecast.rates_mmh, [policies[i] for i in g], horizon_s,
                interval_s, pure=False,
            )
            for g in groups
        ]  # fmt: skip
        parts = self.client.gather(futs)
        return Outcomes(**{
            name: np.concatenate([getattr(p, name) for p in parts], axis=0)
            for name in ("node_flood_m3", "node_inflow_m3", "energy_kwh", "stored_m3",
                         "excess_m3", "settings", "failed")
        })  # fmt: skip
