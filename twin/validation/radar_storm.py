"""Synthetic radar frames of rain cells moving over a network (a twin experiment's rain).

Each cell is a Gaussian blob of rain rate that moves at a constant velocity and may
grow or decay; the frames sample the sum of the cells at each frame's mid-time on a
square grid centred on the network.  The truth's rain is these frames mapped to the
network's gauges (:class:`~twin.ops.nowcast.RadarRain`), so a nowcast that follows the
cells' motion can see rain coming that a gauge cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr


@dataclass(frozen=True)
class RainCell:
    """A moving Gaussian rain cell.

    Attributes
    ----------
    x0_m, y0_m : float
        Centre at time 0 [m, network coordinates].
    u_mps, v_mps : float
        Velocity [m/s].
    peak_mmh : float
        Peak rain rate at time 0 [mm/h].
    radius_m : float
        Standard deviation of the blob [m].
    growth_per_h : float
        The peak changes as ``exp(growth_per_h * t_h)``.
    """

    x0_m: float
    y0_m: float
    u_mps: float
    v_mps: float
    peak_mmh: float
    radius_m: float
    growth_per_h: float = 0.0


def network_grid(net, n_cells: int = 64, cell_m: float = 500.0):
    """Cell centres ``(x, y)`` of an ``n_cells`` square grid centred on the network."""
    cx = 0.5 * (np.nanmin(net.nodes.x) + np.nanmax(net.nodes.x))
    cy = 0.5 * (np.nanmin(net.nodes.y) + np.nanmax(net.nodes.y))
    offs = (np.arange(n_cells) - (n_cells - 1) / 2.0) * cell_m
    return cx + offs, cy + offs


def moving_cells(cells, x, y, start, n_frames: int, step_s: float = 300.0) -> xr.DataArray:
    """Frames ``(time, y, x)`` [mm/h] of ``cells``: frame ``i`` starts at ``start + i *
    step_s`` and holds the rate at its mid-time."""
    xx, yy = np.meshgrid(np.asarray(x, float), np.asarray(y, float))
    rate = np.zeros((n_frames, len(y), len(x)))
    for i in range(n_frames):
        t = (i + 0.5) * step_s
        for c in cells:
            cx, cy = c.x0_m + c.u_mps * t, c.y0_m + c.v_mps * t
            peak = c.peak_mmh * np.exp(c.growth_per_h * t / 3600.0)
            rate[i] += peak * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2.0 * c.radius_m**2))
    times = np.datetime64(start, "s") + (np.arange(n_frames) * step_s).astype("timedelta64[s]")
    return xr.DataArray(
        rate,
        dims=("time", "y", "x"),
        coords={"time": times.astype("datetime64[ns]"), "x": np.asarray(x), "y": np.asarray(y)},
        attrs={"units": "mm h-1"},
        name="rainfall",
    )


def network_with_frames_rain(net, frames, start):
    """A copy of ``net`` whose single new gauge (feeding every subcatchment) reads the
    frames' catchment-mean rain (:class:`~twin.ops.nowcast.RadarRain` on ``net``)."""
    from twin.ops.nowcast import RadarRain
    from twin.scenarios.modify import copy_network, replace_rainfall

    radar = RadarRain(frames, net, start)
    area = np.asarray(net.subcatchments.area_m2, float)
    gauge = np.asarray(net.subcatchments.raingage, np.int64)
    per_gauge = radar.to_gauges(radar.rate)  # (time, n_gauges)
    share = np.bincount(gauge, weights=area, minlength=per_gauge.shape[1]) / area.sum()
    mean = per_gauge @ share
    t_h = radar.times_s / 3600.0
    return replace_rainfall(
        copy_network(net), [(t_h, mean)], np.zeros(len(area), np.int64), radar.step_s
    )
