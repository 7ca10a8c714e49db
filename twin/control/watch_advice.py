"""Control advice in a watch loop (``twin watch --advise``, ``Twin(..., advise=True)``).

Every forecast cycle, :class:`WatchAdviser` plans from the analysed members' hot-start
states (``OUTDIR/states/{a,b}/member-KKK.state``, saved by the cycle) and the members' own
forecast rain (the nowcast the forecast ran, times each member's rain factor), with
:func:`twin.control.advice.advise`: every candidate runs on every member, each member
on its own network (the watch members' conduits carry their own roughness factors, so
the states are not interchangeable: a row hot-started from member ``k``'s state runs
member ``k``'s network, and the state file's network fingerprint is checked as ever).
In a watch coupled to the 2D street surface the watch hands the adviser its members'
states written without the surface (``states/sewer-{a,b}``): the plan runs on the sewer,
its cost the manholes' overflow (the water leaving the sewer for the streets).

The cycle's records (:meth:`~twin.control.advice.Advice.records`, plus ``issued``, the
cycle time) are appended to ``OUTDIR/advice.jsonl``, the whole file written again
(temporary name, fsync, rename: :func:`twin.files.write_bytes`), before the watch
marks the cycle complete (``watch.json``).  The same rule as the watch's own restart
keeps the file right after a kill: lines in the file are never dropped, and a cycle
whose ``issued`` time already has lines (written before a kill, then redone by the
restarted watch) is not advised again.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from twin.control.advice import advise, make_evaluator
from twin.control.config import default_config, load_config, with_ruled_actuators
from twin.control.members import check_same_elements
from twin.errors import InputError

__all__ = ["ADVICE_FILE", "WatchAdviser", "read_advice"]

ADVICE_FILE = "advice.jsonl"
log = logging.getLogger("twin.control")


def _watch_member_attributes(sim) -> None:
    """Give a row the attributes a watch member's state carries (its filter's rain
    factor and booked volume), so the closed hot-start format accepts the state."""
    sim.assimilation_log_rain_factor = 0.0
    sim.assimilation_volume_m3 = 0.0


def _whole_lines(path) -> str:
    path = Path(path)
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    return text[: text.rfind("\n") + 1]


def read_advice(path) -> list[dict]:
    """The records of an advice file, whole lines only."""
    return [json.loads(line) for line in _whole_lines(path).splitlines() if line.strip()]


class WatchAdviser:
    """Plans every watch cycle and keeps ``OUTDIR/advice.jsonl``.

    Parameters
    ----------
    network : Network
        The watched network (its [CONTROLS] are the rules baseline).
    member_networks : sequence of Network
        Member ``k``'s network (same elements as ``network``, its own parameters).
    sim_kwargs : dict
        The Simulation keyword arguments the members were built with.
    outdir : path-like
        The watch folder.
    actuators : path-like, optional
        Actuator TOML file (:func:`twin.control.config.load_config`); default every
        pump, orifice, weir and outlet of the network.
    horizon_s, interval_s : float
        Planning horizon and control interval [s] (the watch's horizon and cycle).
    search : SearchSettings, optional
    threads : int, optional
    client : dask.distributed.Client, optional
        Plan on this cluster (candidate groups are tasks; every member's rows run on
        its own network there too); default in this process.
    """

    def __init__(self, network, member_networks, sim_kwargs, outdir, *, actuators=None,
                 horizon_s=5400.0, interval_s=600.0, search=None, threads=None,
                 client=None):  # fmt: skip
        self.net = network
        config = load_config(actuators, network) if actuators else default_config(network)
        self.config = with_ruled_actuators(config, network)
        if not len(self.config.actuators):
            raise InputError("the network has no pump, orifice, weir or outlet to advise on",
                             field="advise")  # fmt: skip
        self.member_networks = list(member_networks)
        self.sim_kwargs = dict(sim_kwargs)
        self.path = Path(outdir) / ADVICE_FILE
        self.horizon_s = float(horizon_s)
        self.interval_s = float(interval_s)
        self.search = search
        self.threads = threads
        self.client = client
        self._text = _whole_lines(self.path)  # kept as it is: lines are never rewritten
        self.lines = [json.loads(x) for x in self._text.splitlines() if x.strip()]
        self._issued = {r.get("issued") for r in self.lines}
        self._evaluator = None
        self.incumbent = None
        self.last_advice = None
        self.last_seconds = None

    def _evaluator_for(self, states):
        """One evaluator for the whole watch (it keeps its batches): the states' paths
        (the watch saves them in two folders in turn) are mapped to their members'
        networks as they come."""
        if self._evaluator is None:
            self._evaluator = make_evaluator(
                self.net, self.config, self.sim_kwargs, before_load=_watch_member_attributes,
                threads=self.threads, client=self.client,
            )  # fmt: skip
        known = self._evaluator.member_networks
        for path, net in zip(states, self.member_networks, strict=True):
            if net is not self.net and str(path) not in known:
                check_same_elements(self.net, net)
                known[str(path)] = net
        return self._evaluator

    def cycle(self, issued, states, rain_times_s, rain_rates_mmh, log_rain_factor) -> list[dict]:
        """Plan one cycle and append its records to the advice file.

        Parameters
        ----------
        issued : numpy.datetime64
            The cycle time (the members' states are at it).
        states : sequence of path
            Member ``k``'s hot-start state file.
        rain_times_s : (k,) float64
            Times [s after the simulation start] of the forecast rain.
        rain_rates_mmh : (n_members, k, n_gauges) float64
            The nowcast the members' forecast ran [mm/h], before the rain factors.
        log_rain_factor : (n_members,) float64
            Each member's log rain factor (its forecast rain is the nowcast times it).

        Returns
        -------
        list of dict
            The records written (empty when this cycle's advice is already in the file).
        """
        from twin.ops.warnings import iso

        stamp = iso(np.datetime64(issued, "s"))
        if stamp in self._issued:
            log.info("advice for %s already in %s (a restarted watch)", stamp, self.path)
            return []
        states = list(states)
        if len(states) != len(self.member_networks):
            raise InputError(f"{len(states)} member states for {len(self.member_networks)} members")
        rates = np.asarray(rain_rates_mmh, np.float64)
        factor = np.exp(np.asarray(log_rain_factor, np.float64))
        rates = rates * factor[:, None, None]
        t0 = time.process_time()
        w0 = time.perf_counter()
        adv = advise(self.net, states, rain_times_s, rates, config=self.config,
                     sim_kwargs=self.sim_kwargs, horizon_s=self.horizon_s,
                     interval_s=self.interval_s, search=self.search,
                     evaluator=self._evaluator_for(states),
                     before_load=_watch_member_attributes, networks=self.member_networks,
                     incumbent=self.incumbent)  # fmt: skip
        self.last_seconds = (time.process_time() - t0, time.perf_counter() - w0)
        adv.issued = np.datetime64(issued, "s")  # the cycle (states within a routing step)
        self.incumbent = adv.plan.schedule
        self.last_advice = adv
        records = [{"issued": stamp, **r} for r in adv.records()]
        self._append(records)
        self._issued.add(stamp)
        log.info("advice %s: %s, %d candidate x member rows, %.1f s CPU, %.1f s wall",
                 stamp, adv.plan.kind, adv.plan.evaluated, *self.last_seconds)  # fmt: skip
        return records

    def _append(self, records) -> None:
        """The file again, whole, with ``records`` at its end."""
        from twin.files import write_bytes

        text = self._text + "".join(json.dumps(r) + "\n" for r in records)
        write_bytes(self.path, text.encode("utf-8"))
        self._text = text
        self.lines += records
