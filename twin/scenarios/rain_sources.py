"""A scenario's rainfall source, resolved into the rain gauges and time series of a network.

The ``[rainfall]`` table of a scenario names a source (see :data:`SOURCES`):

- ``design`` / ``preset``: a design storm (:func:`~twin.scenarios.presets.design_storm`,
  :func:`~twin.scenarios.presets.preset`) on one gauge for every subcatchment;
- ``gauge``: a rain gauge file (.csv or SWMM .dat, :func:`~twin.scenarios.observed.read_gauge`)
  on one gauge for every subcatchment;
- ``radar``: a NetCDF rainfall grid (:mod:`twin.scenarios.radar`), area-weighted onto one
  gauge per subcatchment;
- ``network``: the network's own gauges, unchanged.

Each source becomes intensity series [mm/h] written in SWMM constructs by
:func:`twin.scenarios.modify.replace_rainfall`, closed by a zero rate at the end of
the last interval.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.scenarios import modify
from twin.scenarios.idf import IDF
from twin.scenarios.presets import design_storm, preset

__all__ = ["SOURCES", "DESIGN_KEYS", "source_of", "storm_of", "apply_rainfall"]

SOURCES = ("design", "preset", "gauge", "radar", "network")
DESIGN_KEYS = {
    "pattern",
    "duration_min",
    "step_min",
    "depth_mm",
    "intensity_mmh",
    "return_period",
    "idf",
    "depths_mm",
    "peak_fraction",
    "peak_ratio",
}


def source_of(rainfall: dict) -> str:
    """The lower-case source name of a ``[rainfall]`` table (default ``"network"``)."""
    return str(rainfall.get("source", "network")).lower()


def storm_of(rainfall: dict):
    """The design storm's :class:`~twin.scenarios.hyetographs.Hyetograph` (design/preset)."""
    source = source_of(rainfall)
    if source == "preset":
        return preset(str(rainfall.get("preset", "")))
    if source != "design":
        raise InputError(f"rainfall source {source!r} has no design storm", field="rainfall.source")
    kw = {k: v for k, v in rainfall.items() if k in DESIGN_KEYS}
    if isinstance(kw.get("idf"), dict):
        kw["idf"] = IDF.from_table(kw["idf"])
    if isinstance(kw.get("depths_mm"), dict):
        kw["depths_mm"] = {float(k): float(v) for k, v in kw["depths_mm"].items()}
    return design_storm(**kw)


def apply_rainfall(out, rainfall: dict, resolve: Callable[[str], Path]):
    """Replace the rainfall of network ``out`` (in place) by the source of ``rainfall``.

    Parameters
    ----------
    out : Network
        The scenario's copy of the network.
    rainfall : dict
        The scenario's ``[rainfall]`` table.
    resolve : callable
        ``resolve(path) -> Path``: a file path of the table, relative to the scenario file.

    Returns
    -------
    rain_h : float or None
        Duration of the rain [h]; None for ``network`` (keep the network's window).
    first : numpy.datetime64 or None
        Time of the first reading of a gauge or radar source, else None.
    """
    source = source_of(rainfall)
    if source not in SOURCES:
        raise InputError(
            f"rainfall source must be one of {', '.join(SOURCES)}, got {source!r}",
            field="rainfall.source",
        )
    if source in ("design", "preset"):
        h = storm_of(rainfall)
        t_h = _closed(h.start_min / 60.0, h.duration_min / 60.0)
        series = [(t_h, _closed(h.intensity_mmh, 0.0))]
        modify.replace_rainfall(out, series, _one_gauge(out), h.step_min * 60.0)
        return h.duration_min / 60.0, None
    if source == "gauge":
        return _apply_gauge(out, rainfall, resolve)
    if source == "radar":
        return _apply_radar(out, rainfall, resolve)
    return None, None


def _closed(values, last) -> np.ndarray:
    """``values`` with ``last`` appended (the end time, or the zero rate after the rain)."""
    return np.append(values, last)


def _one_gauge(out) -> np.ndarray:
    """Every subcatchment on the first new gauge."""
    return np.zeros(out.n_subcatchments, np.int64)


def _hours_since_first(times, step_s: float) -> np.ndarray:
    """``(n + 1,)`` hours of the readings ``times`` since the first, and the end of the last."""
    t_h = (times - times[0]).astype(np.float64) / 3600.0
    return _closed(t_h, t_h[-1] + step_s / 3600.0)


def _need_path(rainfall: dict, what: str) -> None:
    if "path" not in rainfall:
        raise InputError(f"a {what} rainfall needs 'path'", field="rainfall.path")


def _apply_gauge(out, rainfall, resolve):
    from twin.scenarios.observed import read_gauge

    _need_path(rainfall, "gauge")
    times, rate, interval_s = read_gauge(
        resolve(rainfall["path"]),
        rainfall.get("form", "volume"),
        rainfall.get("interval_min"),
        rainfall.get("station", ""),
    )
    t_h = _hours_since_first(times, interval_s)
    modify.replace_rainfall(out, [(t_h, _closed(rate, 0.0))], _one_gauge(out), interval_s)
    return float(t_h[-1]), times[0]


def _apply_radar(out, rainfall, resolve):
    from twin.scenarios.radar import read_grid, subcatchment_weights

    _need_path(rainfall, "radar")
    grid = read_grid(resolve(rainfall["path"]), rainfall.get("variable") or None)
    if "member" in grid.dims:
        m = rainfall.get("member")
        if m is None:
            raise InputError(
                "the grid has members: say which with rainfall.member", field="rainfall.member"
            )
        if not 0 <= int(m) < grid.sizes["member"]:
            raise InputError(
                f"member {m} not in 0..{grid.sizes['member'] - 1}", field="rainfall.member"
            )
        grid = grid.isel(member=int(m))
    step_s = grid.attrs["step_s"]
    w = subcatchment_weights(out, grid["x"].values, grid["y"].values)
    rates = np.einsum("syx,tyx->st", w, grid.values)
    times = grid["time"].values.astype("datetime64[s]")
    t_h = _hours_since_first(times, step_s)
    series = [(t_h, _closed(rates[s], 0.0)) for s in range(len(rates))]
    modify.replace_rainfall(out, series, np.arange(len(rates)), step_s, prefix="RADAR")
    return float(t_h[-1]), times[0]
