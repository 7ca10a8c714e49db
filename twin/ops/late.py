"""Readings that arrive late (round 16, issue 17: "a reading that arrives one minute late
is not a gap").

A live feed delivers each sensor's readings with its own latency.  `twin watch` cycles to
the feed's clock (the latest reading of any sensor) and reads a cycle's window of the
store once, so a reading of that window stored after the cycle is never assimilated.
:class:`LateReadings` counts such readings (always) and, with a latency bound
(``twin watch --latency-min``), says how far a cycle may go: to the time every sensor has
reported to, except one more than the bound behind the feed's clock, which is a gap (as a
silent sensor always was; QC flags it by its own record, as before).  The watch then runs
at most the bound behind the feed's clock: that is the option's cost, in time, not in
computing (a query of the store per :meth:`Twin.run`).
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger("twin.ops.watch")


def _iso(t) -> str:
    return str(np.datetime64(t, "s"))


class LateReadings:
    """What arrived late and what the watch did about it (kept in ``watch.json``).

    Parameters
    ----------
    latency_s : float
        How long a cycle waits for a sensor behind the feed's clock [s]; 0: not at all.
    """

    def __init__(self, latency_s: float = 0.0):
        self.latency_s = float(latency_s)
        self.batch: int | None = None  # the store's last batch when a cycle last read it
        self.missed = 0  # readings stored after their cycle had run: never assimilated
        self.missed_by: dict = {}
        self.held_cycles = 0  # run() calls whose cycles stopped short of the feed's clock
        self.held_max_s = 0.0  # the longest such hold [s]
        self.waited_for: dict = {}  # how often each sensor was the one waited for
        self.silent: list = []  # sensors beyond the bound: gaps, not waited for

    # -- counting ---------------------------------------------------------------------
    def before_read(self, store, sensors, t0) -> int:
        """Before a cycle from ``t0`` (datetime64) reads the store: count the readings at
        or before ``t0`` stored since the last cycle read it (their cycle has run: they
        are never assimilated); returns how many."""
        last = store.last_batch()
        if self.batch is None:  # a new folder (or one of an earlier round): from here on
            self.batch = last
            return 0
        new = store.counts_stored_after(self.batch, last, t0, sensors) if last > self.batch else {}
        self.batch = last
        if new:
            self.missed += sum(new.values())
            for k, n in new.items():
                self.missed_by[k] = self.missed_by.get(k, 0) + n
            how = ("beyond the --latency-min bound" if self.latency_s > 0
                   else "give --latency-min to wait for them")  # fmt: skip
            log.warning("%d readings arrived after their cycle (to %s), stored, not "
                        "assimilated (%s): %s", sum(new.values()), _iso(t0), how,
                        ", ".join(f"{k} {n}" for k, n in sorted(new.items())))  # fmt: skip
        return sum(new.values())

    # -- waiting ----------------------------------------------------------------------
    def wait(self, store, ids, feed):
        """The time (datetime64[s]) the cycles may reach with the feed's clock at ``feed``:
        the earliest latest reading of the sensors ``ids`` within the bound of ``feed``
        (a sensor beyond it, or without any reading, is a gap and is not waited for)."""
        feed = np.datetime64(feed, "s")
        last = store.latest_times(ids, feed - np.timedelta64(int(self.latency_s), "s"))
        behind = {k: float((feed - t) / np.timedelta64(1, "s")) for k, t in last.items()}
        silent = sorted(k for k in map(str, ids) if k not in last)
        for k in silent:
            if k not in self.silent:
                log.warning("sensor %s: no reading within %g min of the feed's clock (%s): "
                            "not waited for, a gap", k, self.latency_s / 60.0,
                            _iso(feed))  # fmt: skip
        for k in self.silent:
            if k not in silent:
                log.info("sensor %s is within %g min of the feed's clock again: waited for",
                         k, self.latency_s / 60.0)  # fmt: skip
        self.silent = silent
        wait = {k: b for k, b in behind.items() if 0.0 < b <= self.latency_s}
        if not wait:
            return feed
        lag = max(wait.values())
        who = sorted(k for k, b in wait.items() if b == lag)
        self.held_cycles += 1
        self.held_max_s = max(self.held_max_s, lag)
        for k in who:
            self.waited_for[k] = self.waited_for.get(k, 0) + 1
        held = feed - np.timedelta64(int(round(lag)), "s")
        log.info("cycles to %s, %g min behind the feed's clock (%s): waiting for %s",
                 _iso(held), lag / 60.0, _iso(feed), ", ".join(who))  # fmt: skip
        return held

    # -- watch.json -------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "latency_min": self.latency_s / 60.0,
            "missed": self.missed,
            "missed_by": self.missed_by,
            "held_cycles": self.held_cycles,
            "held_max_s": self.held_max_s,
            "waited_for": self.waited_for,
            "silent": self.silent,
        }

    def restore(self, state: dict | None, batch) -> None:
        """From a folder's ``watch.json`` and the store's cursor ``watch.late_batch``
        (``batch``: the store's numbering, which depends on how the rows came, not the
        watch's; none: a folder before round 16, counted anew from the restart on); a
        changed bound is the operator's, logged."""
        if not state:
            return
        self.batch = None if batch is None else int(batch)
        was = float(state.get("latency_min", 0.0))
        if was * 60.0 != self.latency_s:
            log.warning("--latency-min %g -> %g at the restart", was, self.latency_s / 60.0)
        self.missed = int(state.get("missed", 0))
        self.missed_by = dict(state.get("missed_by", {}))
        self.held_cycles = int(state.get("held_cycles", 0))
        self.held_max_s = float(state.get("held_max_s", 0.0))
        self.waited_for = dict(state.get("waited_for", {}))
        self.silent = list(state.get("silent", []))
