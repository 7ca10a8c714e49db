"""What a watch carries from one cycle to the next beyond its members' states, saved with
its cycle's mark so that a restarted watch is the watch it would have been (round 15,
benchmarks/results/watch-restart-notes.md: the inventory).

- The observed rain the watch builds itself (rain-gauge sensors, ``--rainfall``, the
  radar per subcatchment adjusted to them): its last :data:`RAIN_MEMORY_S` as a step
  function, ``states/<slot>/rain.npz`` beside the members of the cycle (the nowcast's
  lifetime, the radar's gauge bias, the rain warnings and the rain factor's weight read
  back up to an hour; before round 15 a restart started it empty and the first cycles'
  forecasts and rain warnings differed from the watch's straight on).
- A plan as JSON (the advice's incumbent): the rules' ``inf`` as null.
- ``warnings.jsonl`` lines a killed cycle wrote after its mark (:func:`issued_after`).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

#: How much observed rain before the mark a restart keeps [s]: every look-back of the watch
#: (the radar's gauge bias 1 h, ``param_rain_window_min`` 30 min, the nowcast's lifetime
#: 30 min, the rain warnings 15 min) ends within it; a longer ``param_rain_window_min``
#: widens it (:func:`rain_memory_s`).
RAIN_MEMORY_S = 2 * 3600.0
RAIN_FILE = "rain.npz"


def rain_memory_s(settings) -> float:
    """The rain a restart keeps [s] for filter ``settings`` (:data:`RAIN_MEMORY_S` or the
    rain factor's window, the longer)."""
    return max(RAIN_MEMORY_S, 60.0 * float(settings.param_rain_window_min))


def save_rain(folder, rain, t_s: float, memory_s: float) -> Path:
    """``rain``'s step function from ``t_s - memory_s`` on (the value holding then and
    every change after) to ``folder/rain.npz``, whole or not at all."""
    from twin.ops.warnings import write_atomic

    k0 = max(int(np.searchsorted(rain.times_s, t_s - memory_s, side="right")) - 1, 0)
    buf = io.BytesIO()
    np.savez(buf, times_s=rain.times_s[k0:], rates_mmh=rain.rates_mmh[k0:])
    return write_atomic(Path(folder) / RAIN_FILE, buf.getvalue())


def load_rain(folder, rain) -> bool:
    """Set ``folder/rain.npz`` into ``rain``; False when the folder has none (a folder of
    an earlier round) or it holds another number of gauges."""
    path = Path(folder) / RAIN_FILE
    if not path.exists():
        return False
    with np.load(path) as f:
        times, rates = f["times_s"], f["rates_mmh"]
    if rates.ndim != 2 or rates.shape[1] != rain.n_gauges:
        return False
    rain.set(times, rates)
    return True


def plan_to_json(schedule) -> list | None:
    """An (actuators, intervals) schedule as JSON lists (``inf``, the rules': null)."""
    if schedule is None:
        return None
    a = np.asarray(schedule, np.float64)
    return [[None if not np.isfinite(v) else float(v) for v in row] for row in a]


def plan_from_json(rows) -> np.ndarray | None:
    """:func:`plan_to_json`'s inverse."""
    if rows is None:
        return None
    return np.array([[np.inf if v is None else v for v in row] for row in rows], np.float64)


def issued_after(path, stamp: str) -> set:
    """The ``issued`` times later than ``stamp`` (ISO, ``Z``) among ``path``'s JSON lines:
    cycles a killed watch wrote after its last mark (it redoes them and keeps their
    lines).  A line cut by the kill (no newline) is dropped from the file."""
    from twin.ops.warnings import write_atomic

    path = Path(path)
    if not path.exists():
        return set()
    text = path.read_text(encoding="utf-8")
    whole = text[: text.rfind("\n") + 1]
    if whole != text:
        write_atomic(path, whole.encode("utf-8"))
    out = set()
    for line in whole.splitlines():
        if line.strip():
            issued = json.loads(line).get("issued")
            if issued is not None and issued > stamp:
                out.add(issued)
    return out
