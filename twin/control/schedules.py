"""Control schedules: settings held per control interval, the candidates a search tries,
and the limits every candidate is made to respect.

A schedule is an ``(n_actuators, n_intervals)`` float64 array; NaN leaves an actuator
alone for that interval (a pump then follows its start-up and shut-off depths), a row
of ``inf`` hands the actuator to the network's rules for the horizon.
Candidates are built from *blocks* (move blocking, usual in model predictive control):
the horizon is cut into a few blocks -- "now" (the first interval, the one applied),
"next" and "later" -- and one setting is chosen per actuator and block, so a search
over a 90-minute horizon needs three choices per actuator, not nine.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = [
    "blocks_for",
    "expand",
    "enumerate_candidates",
    "feasible",
    "passive_schedule",
    "shifted",
    "switch_count",
]


def blocks_for(n_intervals: int, n_blocks: int) -> list[int]:
    """Interval counts of ``n_blocks`` blocks covering ``n_intervals``: the first block is
    one interval, the second about a quarter of the horizon, the last the rest.

    >>> blocks_for(9, 3), blocks_for(9, 2), blocks_for(2, 3)
    ([1, 2, 6], [1, 8], [1, 1])
    """
    n_blocks = max(1, min(n_blocks, n_intervals))
    if n_blocks == 1:
        return [n_intervals]
    if n_blocks == 2:
        return [1, n_intervals - 1]
    second = max(1, round(n_intervals / 4))
    sizes = [1, second]
    rest = n_intervals - 1 - second
    extra = n_blocks - 2
    base = [rest // extra + (1 if i < rest % extra else 0) for i in range(extra)]
    return [s for s in sizes + base if s > 0]


def expand(choice: np.ndarray, blocks: list[int]) -> np.ndarray:
    """``(A, n_blocks)`` block settings -> ``(A, sum(blocks))`` schedule."""
    return np.repeat(np.asarray(choice, np.float64), blocks, axis=1)


def enumerate_candidates(actuators, n_intervals: int, max_candidates: int = 81, ruleable=None):
    """Every combination of levels per actuator and block, with as many blocks (at most
    three) as keep the count within ``max_candidates``; an actuator that the rules can
    operate (``ruleable[a]``) may also be left to them (a row of ``inf``).

    Returns ``(schedules, blocks)``: a list of ``(A, n_intervals)`` arrays and the blocks.
    """
    levels = [a.levels for a in actuators]
    extra = [1 if ruleable is not None and ruleable[a] else 0 for a in range(len(levels))]
    for nb in (3, 2, 1):
        count = int(np.prod([len(lv) ** min(nb, n_intervals) + x
                             for lv, x in zip(levels, extra, strict=True)]))  # fmt: skip
        if count <= max_candidates or nb == 1:
            break
    blocks = blocks_for(n_intervals, nb)
    per_actuator = [
        list(itertools.product(lv, repeat=len(blocks))) + ([(np.inf,) * len(blocks)] if x else [])
        for lv, x in zip(levels, extra, strict=True)
    ]
    out = []
    for combo in itertools.product(*per_actuator):
        out.append(expand(np.array(combo, np.float64), blocks))
        if len(out) >= max_candidates:
            break
    return out, blocks


def passive_schedule(actuators, n_intervals: int) -> np.ndarray:
    """Every actuator at its passive setting (NaN for pumps left to their depths)."""
    return np.tile(actuators.passive_settings()[:, None], (1, n_intervals))


def shifted(schedule: np.ndarray, n_intervals: int) -> np.ndarray:
    """The last plan moved one interval on (its last setting repeated): the incumbent."""
    s = np.asarray(schedule, np.float64)
    out = np.empty((s.shape[0], n_intervals))
    tail = s[:, 1:] if s.shape[1] > 1 else s
    k = min(tail.shape[1], n_intervals)
    out[:, :k] = tail[:, :k]
    out[:, k:] = tail[:, -1:]
    return out


def feasible(schedule, actuators, current, since_switch_s, interval_s) -> np.ndarray:
    """A copy of ``schedule`` that respects every actuator's limits.

    Parameters
    ----------
    schedule : (A, I) float64
    actuators : ActuatorSet
    current : (A,) float64
        Settings now (the start of interval 0).
    since_switch_s : (A,) float64
        Time since each pump last switched on or off [s].
    interval_s : float
    """
    s = np.array(schedule, np.float64)
    for a, act in enumerate(actuators):
        if np.isinf(s[a]).all():
            continue  # left to the rules
        prev = float(current[a])
        if np.isfinite(act.max_change):
            for i in range(s.shape[1]):
                if s[a, i] == s[a, i]:
                    s[a, i] = min(max(s[a, i], prev - act.max_change), prev + act.max_change)
                    prev = s[a, i]
        if act.is_pump and (act.min_on_s > 0 or act.min_off_s > 0):
            on = current[a] > 0
            age = float(since_switch_s[a])
            for i in range(s.shape[1]):
                v = s[a, i]
                if v == v and (v > 0) != on:
                    if age < (act.min_on_s if on else act.min_off_s):
                        s[a, i] = float(current[a]) if on else 0.0
                    else:
                        on, age = v > 0, 0.0
                age += interval_s
    return s


def switch_count(schedule: np.ndarray, current: np.ndarray) -> float:
    """Setting changes of a schedule, counting the change from ``current`` (NaN: none)."""
    s = np.asarray(schedule, np.float64)
    prev = np.asarray(current, np.float64).copy()
    n = 0
    for i in range(s.shape[1]):
        v = s[:, i]
        set_ = np.isfinite(v)
        n += int(np.sum(set_ & (np.abs(v - prev) > 1e-9)))
        prev = np.where(set_, v, prev)
    return float(n)
