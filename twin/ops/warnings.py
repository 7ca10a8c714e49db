"""Warnings: issued once, updated on a material change, cancelled when the risk passes.

Kinds (thresholds in :class:`WarningSettings`):

- ``manhole_overflow``: a manhole's flood probability within the horizon reaches
  ``probability`` (default 0.5); carries the expected first-flood time;
- ``rainfall``: Seoul's triggers, more than ``rain_mmh`` (55 mm/h) or more than
  ``rain_15min_mm`` (20 mm) in 15 minutes at a gauge, observed or forecast: the forecast
  members' median rain (their nowcast times their rain factor) within the next
  ``rain_forecast_min`` minutes (default 60; 0: observed only, as before 2026-12-07, when
  the forecast half of this sentence was documented but not done), the message carrying
  ``source`` (``observed`` or ``forecast``) and, when forecast, the expected time
  (benchmarks/results/watch-burst-notes.md: on the radar storm of seed 26 the observed
  trigger came with the floods, the forecast's 26-45 minutes before them);
- ``road_depth``: more than ``road_depth_m`` (0.15 m) at a road gauge (a depth sensor
  whose reading passes its manhole's rim by that much), or on a street cell of the 2D
  surface with a forecast probability reaching ``probability`` (keyed ``cell-IY-IX``,
  the message carrying ``cell``, ``x`` and ``y``).

A warning is keyed by (kind, element).  It is ``new`` when first raised, ``update``
when its probability moves by at least ``probability_step`` or its expected time by
at least ``time_step_min``, ``cancel`` when the condition is no longer met (for
manholes and street cells, whose risks carry a probability: the probability has been
below ``probability - hysteresis`` on ``hold_cycles`` cycles in a row; until then the
warning stays in force as issued, without a message, and a probability back above that
bound keeps it as if it had never dipped).

``hold_expected_min`` (None: off; ``twin watch``'s default 10 since round 16): a manhole
warning whose probability dips is also held, silently, until its expected first flood (as
last issued or updated) plus that many minutes has passed: the risk it announced has
passed, not just one cycle's forecast (round 16,
benchmarks/results/watch-inforce-notes.md: the early
warnings of the radar twin experiments were cancelled 10 minutes after they were raised
and raised again 2-8 minutes before the flood, when a growing storm's rain was
under-forecast by the extrapolation for 1-5 cycles; replayed with 10 minutes on the
held-out seeds 31-33: in-force POD 0.30 -> 0.40, in-force median lead 17 -> 62 min, FAR
+0.004).  Street cells carry no expected time and are not held by it.

``hold_cycles`` (default 1: cancelled on the first cycle below, as before 2026-12-07):
with 2, a warning is held through one cycle's dip instead of being cancelled and raised
again.  Replayed on the radar twin experiments' forecasts
(benchmarks/results/watch-far-notes.md): on the
tuning storms (seeds 1-2) the false-alarm ratio fell (0.33 -> 0.27, 0.17 -> 0.15), POD
and lead unchanged, the warnings in force at the floods' onset rose (0.88 -> 0.98, 0.79
-> 0.93); held out (seeds 3-6) the warnings in force at the onset rose on five cases (on
seed 5 0.32 -> 0.76 and 0.23 -> 0.97) but the false-alarm ratio fell on one case and
rose on two (0.36 -> 0.42, 0.47 -> 0.55: the warnings raised again there were right
ones, each counted as a warning), so it is off by default.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

KINDS = ("manhole_overflow", "rainfall", "road_depth")


@dataclass(frozen=True)
class WarningSettings:
    probability: float = 0.5
    hysteresis: float = 0.2
    probability_step: float = 0.2
    time_step_min: float = 10.0
    hold_cycles: int = 1
    hold_expected_min: float | None = None
    rain_mmh: float = 55.0
    rain_15min_mm: float = 20.0
    rain_forecast_min: float = 60.0
    road_depth_m: float = 0.15

    def thresholds(self) -> dict:
        """The thresholds an operator sets (``twin watch --rain-mmh`` ...), as recorded in
        ``watch.json``: a restart with others re-judges the warnings in force by them at
        its first cycle (those no longer met are cancelled, those now met raised).
        ``hold_expected_min`` is None when off."""
        return {k: None if getattr(self, k) is None else float(getattr(self, k))
                for k in THRESHOLDS}  # fmt: skip

    def checked(self, fields: dict | None = None) -> WarningSettings:
        """These settings, each threshold in its range (:data:`twin.limits.WATCH_RANGES`;
        ``hold_expected_min`` may also be None, off); otherwise an ``InputError`` naming
        ``fields[key]`` (default the key)."""
        from dataclasses import replace

        from twin.errors import checked_number
        from twin.limits import WATCH_RANGES

        fields = fields or {}
        got = {k: checked_number(getattr(self, k), fields.get(k, k), *WATCH_RANGES[k])
               for k in THRESHOLDS
               if not (k in OPTIONAL and getattr(self, k) is None)}  # fmt: skip
        return replace(self, **got)


#: the thresholds of :class:`WarningSettings` an operator sets, with their options
THRESHOLDS = {
    "rain_mmh": "--rain-mmh",
    "rain_15min_mm": "--rain-15min-mm",
    "rain_forecast_min": "--rain-forecast-min",
    "road_depth_m": "--road-depth-m",
    "probability": "--warning-probability",
    "hysteresis": "--warning-hysteresis",
    "probability_step": "--warning-update-probability",
    "time_step_min": "--warning-update-min",
    "hold_expected_min": "--warning-hold-expected-min",
}
#: the thresholds that may be None (off)
OPTIONAL = ("hold_expected_min",)


@dataclass
class WarningMessage:
    """One warning message (a line of ``warnings.jsonl``)."""

    issued: str
    kind: str
    status: str
    node: str | None = None
    gauge: str | None = None
    probability: float | None = None
    expected_time: str | None = None
    value: float | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {
            "issued": self.issued,
            "kind": self.kind,
            "node": self.node,
            "probability": None if self.probability is None else round(self.probability, 4),
            "expected_time": self.expected_time,
            "status": self.status,
        }
        if self.gauge is not None:
            d["gauge"] = self.gauge
        if self.value is not None:
            d["value"] = round(float(self.value), 4)
        d.update(self.extra)
        return d


def iso(t: np.datetime64 | None) -> str | None:
    """ISO 8601 text in whole seconds with a ``Z`` (UTC), or None."""
    if t is None or np.isnat(t):
        return None
    return str(np.datetime64(t, "s")) + "Z"


class WarningBook:
    """The warnings in force and the messages of each cycle."""

    def __init__(self, settings: WarningSettings | None = None):
        self.s = settings or WarningSettings()
        self.active: dict[tuple[str, str], dict] = {}

    def state(self) -> dict:
        """The warnings in force (to save and restore across a restart)."""
        return {f"{k}|{e}": v for (k, e), v in self.active.items()}

    def restore(self, state: dict) -> None:
        self.active = {tuple(key.split("|", 1)): v for key, v in state.items()}

    def cycle(self, issued, risks: dict[tuple[str, str], dict]) -> list[WarningMessage]:
        """The messages of one cycle.

        Parameters
        ----------
        issued : numpy.datetime64
        risks : dict
            ``(kind, element) -> {"probability", "expected_time" (datetime64 or None),
            "value"}`` for every element whose condition is met now; elements of a kind
            in force but missing here are cancelled (a manhole only below the
            hysteresis, as its probability is given in ``risks`` while above it, and only
            once it has been below on ``hold_cycles`` cycles in a row).
        """
        out = []
        s = self.s
        when = iso(issued)
        for key, risk in risks.items():
            kind, element = key
            p = risk.get("probability")
            exp_t = risk.get("expected_time")
            old = self.active.get(key)
            raise_now = p is None or p >= s.probability
            if p is not None and p < s.probability - s.hysteresis:
                continue  # cancelled below
            if old is None:
                if not raise_now:
                    continue
                status = "new"
            else:
                status = "update" if self._material(old, p, exp_t) else None
            entry = {"probability": p, "expected_time": iso(exp_t), "value": risk.get("value")}
            if risk.get("extra"):
                entry["extra"] = dict(risk["extra"])
            if status is not None:
                self.active[key] = entry
                out.append(self._message(when, kind, element, status, entry))
        for key in list(self.active):
            kind, element = key
            risk = risks.get(key)
            old_p = self.active[key].get("probability")
            gone = risk is None or (
                risk.get("probability") is not None
                and risk["probability"] < s.probability - s.hysteresis
            )
            if not gone:
                self.active[key].pop("below", None)
                continue
            if old_p is not None:  # a risk with a probability: held through short dips
                below = int(self.active[key].get("below", 0)) + 1
                if below < max(int(s.hold_cycles), 1) or self._expected_ahead(key, issued):
                    self.active[key]["below"] = below
                    continue
            entry = self.active.pop(key)
            entry.pop("below", None)
            entry = {**entry, "probability": None if old_p is None else 0.0}
            out.append(self._message(when, kind, element, "cancel", entry))
        return out

    def _expected_ahead(self, key, now) -> bool:
        """Whether the warning ``key`` in force is held by ``hold_expected_min``: its
        expected first flood (as last issued or updated) plus that many minutes is still
        ahead of ``now``."""
        if self.s.hold_expected_min is None:
            return False
        exp_t = self.active[key].get("expected_time")
        if not exp_t:
            return False
        until = np.datetime64(exp_t[:-1], "s") + np.timedelta64(
            int(round(float(self.s.hold_expected_min) * 60)), "s"
        )
        return bool(np.datetime64(now, "s") < until)

    def _material(self, old: dict, p, exp_t) -> bool:
        s = self.s
        if p is not None and old.get("probability") is not None:
            if abs(p - old["probability"]) >= s.probability_step:
                return True
        a, b = old.get("expected_time"), iso(exp_t)
        if (a is None) != (b is None):
            return True
        if a is not None and b is not None:
            dt = abs(np.datetime64(a[:-1], "s") - np.datetime64(b[:-1], "s"))
            return dt >= np.timedelta64(int(s.time_step_min * 60), "s")
        return False

    @staticmethod
    def _message(when, kind, element, status, entry) -> WarningMessage:
        cell = element.startswith("cell-")
        node = element if kind in ("manhole_overflow", "road_depth") and not cell else None
        gauge = element if kind == "rainfall" else None
        extra = (
            {"cell": element, **entry.get("extra", {})} if cell else dict(entry.get("extra", {}))
        )
        return WarningMessage(
            issued=when, kind=kind, status=status, node=node, gauge=gauge,
            probability=entry.get("probability"), expected_time=entry.get("expected_time"),
            value=entry.get("value"), extra=extra,
        )  # fmt: skip


def append_jsonl(path, messages: list[WarningMessage]) -> None:
    """Append messages to a JSON-lines file, whole lines only (one write, then fsync)."""
    if not messages:
        return
    text = "".join(json.dumps(m.to_dict(), sort_keys=False) + "\n" for m in messages)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def write_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all, through the twin's one output path
    (:func:`twin.files.output.write_bytes`: temporary name, fsync, rename; a full disk is
    an ``OutputError``)."""
    from twin.files.output import write_bytes

    return write_bytes(path, data)


def forecast_rain_exceedance(times_s, rates_mmh, now_s, window_s, rain_mmh, rain_15min_mm):
    """Where and when the forecast members' median rain passes the rainfall triggers.

    Parameters
    ----------
    times_s : (k,) float64
        Start of each forecast rain step [s after the start]; a step lasts to the next
        (the last as long as the one before it).
    rates_mmh : (n_members, k, n_gauges) float64
        The members' rain rate [mm/h] per step and gauge.
    now_s, window_s : float
        The steps starting in ``[now_s, now_s + window_s)`` are judged.
    rain_mmh, rain_15min_mm : float
        The triggers: a median rate above ``rain_mmh``, or a median depth above
        ``rain_15min_mm`` in the 15 minutes from a step's start.

    Returns
    -------
    value : (n_gauges,) float64
        The median's greatest rate in the window [mm/h].
    first_s : (n_gauges,) float64
        The first step's start at which a trigger is passed (NaN: none).
    """
    t = np.asarray(times_s, np.float64)
    med = np.median(np.asarray(rates_mmh, np.float64), axis=0)  # (k, g)
    n_g = med.shape[1]
    first = np.full(n_g, np.nan)
    use = (t >= now_s - 1e-6) & (t < now_s + window_s - 1e-6)
    if not use.any():
        return np.zeros(n_g), first
    step = np.diff(t, append=t[-1] + (t[-1] - t[-2] if len(t) > 1 else 300.0))
    depth = np.concatenate([np.zeros((1, n_g)), np.cumsum(med * step[:, None] / 3600.0, axis=0)])
    edges = np.append(t, t[-1] + step[-1])
    # the median depth in [t_j, t_j + 15 min), the forecast's end closing the window
    end = np.minimum(t + 900.0, edges[-1])
    d15 = np.stack([np.interp(end, edges, depth[:, g]) for g in range(n_g)], axis=1) - depth[:-1]
    hit = ((med > rain_mmh) | (d15 > rain_15min_mm)) & use[:, None]
    for g in np.flatnonzero(hit.any(axis=0)):
        first[g] = t[np.argmax(hit[:, g])]
    return med[use].max(axis=0), first
