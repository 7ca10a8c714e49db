"""A radar twin experiment: the truth's rain is a moving, evolving rain field.

The field carries a design storm over the network: its temporal shape is the network's
own hyetograph laid out in space along the storm's motion (a point ``s`` metres
downstream of the network's centre sees it ``s / U`` seconds later, Taylor's frozen
field), inside a band of finite width, times a lognormal texture that moves with the
storm and evolves (an AR(1) process in time, spatially correlated), so the rain that
will fall on the town is upstream and visible, but changes on its way.  It is scaled
so that its mean depth over the network's subcatchments equals the design storm's.

Three views of it:

- the truth: SWMM 5.2 with every subcatchment on its own gauge (the field's mean over
  the subcatchment) times the under-catch factor, rougher and partly blocked pipes
  (:func:`~twin.validation.twin_experiment.make_truth_network`);
- the rain gauges: the field at the gauge's point (the cell under the area-weighted
  centroid of the subcatchments it feeds), without the under-catch factor;
- the radar: every frame times a multiplicative bias and a spatially correlated
  lognormal noise, rain below 0.1 mm/h not detected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from twin.validation import twin_experiment as E


@dataclass(frozen=True)
class StormField:
    """The settings of an advected design storm (drawn from ``seed`` in :func:`draw`).

    Attributes
    ----------
    direction_rad : float
        Direction of motion (0: toward +x, counter-clockwise).
    speed_mps : float
    band_width_m : float
        Standard deviation of the band across the motion.
    band_offset_m : float
        The network's distance from the band's axis.
    texture_sigma : float
        Standard deviation of the log texture.
    texture_scale_m : float
        Correlation length of the texture.
    lifetime_s : float
        The texture's e-folding correlation time (its evolution).
    """

    direction_rad: float
    speed_mps: float
    band_width_m: float
    band_offset_m: float
    texture_sigma: float = 0.5
    texture_scale_m: float = 4000.0
    lifetime_s: float = 2700.0


def draw(seed: int) -> StormField:
    """A storm moving in a random direction at 8-14 m/s in a 10-16 km wide band."""
    rng = np.random.default_rng([int(seed), 7919])
    width = rng.uniform(10e3, 16e3)
    return StormField(
        direction_rad=float(rng.uniform(0.0, 2.0 * np.pi)),
        speed_mps=float(rng.uniform(8.0, 14.0)),
        band_width_m=float(width),
        band_offset_m=float(rng.uniform(-0.4, 0.4) * width),
    )


def _smooth_noise(rng, shape, scale_cells):
    from scipy.ndimage import gaussian_filter

    z = gaussian_filter(rng.standard_normal(shape), scale_cells, mode="wrap")
    return z / z.std()


def storm_frames(net, storm: StormField, *, seed=0, n_cells=64, cell_m=1000.0,
                 step_s=300.0, duration_s=None) -> xr.DataArray:  # fmt: skip
    """The truth's rain field ``(time, y, x)`` [mm/h] on a square grid centred on the
    network, frames every ``step_s`` to the simulation's end (each frame holds the rate
    at its mid-time and labels its interval's start)."""
    from scipy.ndimage import shift

    from twin.engine.options import SimOptions
    from twin.ops.nowcast import gauge_weights
    from twin.ops.rain import ObservedRain
    from twin.validation.radar_storm import network_grid

    opts = SimOptions.from_network(net)
    duration_s = float(duration_s or opts.duration_s)
    hyeto = ObservedRain.of_network(net, opts)
    area = np.asarray(net.subcatchments.area_m2, float)
    gauge = np.asarray(net.subcatchments.raingage, np.int64)
    hyeto_mmh = hyeto.rates_mmh @ (np.bincount(gauge, area, hyeto.n_gauges) / area.sum())
    t_h, r_h = hyeto.times_s, hyeto_mmh

    def design(tau):  # the catchment's design rate at storm time tau [s] (step function)
        k = np.searchsorted(t_h, tau, side="right") - 1
        return np.where((k >= 0) & (tau < t_h[-1] + 1e-9), r_h[np.clip(k, 0, None)], 0.0)

    x, y = network_grid(net, n_cells, cell_m)
    xx, yy = np.meshgrid(x, y)
    cx, cy = x.mean(), y.mean()
    c, s = np.cos(storm.direction_rad), np.sin(storm.direction_rad)
    along = (xx - cx) * c + (yy - cy) * s
    across = -(xx - cx) * s + (yy - cy) * c - storm.band_offset_m
    band = np.exp(-0.5 * (across / storm.band_width_m) ** 2)
    rng = np.random.default_rng([int(seed), 104723])
    scale = storm.texture_scale_m / cell_m
    rho = np.exp(-step_s / storm.lifetime_s)
    move = np.array([s, c]) * storm.speed_mps * step_s / cell_m  # (rows = y, cols = x)
    z = _smooth_noise(rng, xx.shape, scale)
    n = int(np.ceil(duration_s / step_s))
    rate = np.zeros((n, len(y), len(x)))
    sig = storm.texture_sigma
    for i in range(n):
        if i:
            z = rho * shift(z, move, order=1, mode="wrap")
            z += np.sqrt(1.0 - rho**2) * _smooth_noise(rng, xx.shape, scale)
        tau = (i + 0.5) * step_s - along / storm.speed_mps
        rate[i] = design(tau) * band * np.exp(sig * z - 0.5 * sig**2)
    w = gauge_weights(net, x, y)  # catchment mean: the gauges' means, area-weighted
    share = np.bincount(gauge, area, w.shape[0]) / area.sum()
    field_depth = (rate.reshape(n, -1) @ (share @ w)).sum() * step_s / 3600.0
    design_depth = np.sum(r_h[:-1] * np.diff(t_h)) / 3600.0
    rate *= design_depth / field_depth
    times = np.datetime64(opts.start, "s") + (np.arange(n) * step_s).astype("timedelta64[s]")
    return xr.DataArray(
        rate,
        dims=("time", "y", "x"),
        coords={"time": times.astype("datetime64[ns]"), "x": x, "y": y},
        attrs={"units": "mm h-1", "step_s": float(step_s)},
        name="rainfall",
    )


#: The radar's noise correlation length [m]: 2 km, the 2 cells of round 14's 1-km grid.  A
#: radar's error field has a physical correlation length (Germann et al. 2009's REAL,
#: Ciach et al. 2007: tens of km for the hourly error, shorter at 5 minutes), not one in
#: pixels: on a finer grid the same radar would otherwise get a finer, hence averaging-out,
#: noise.  Kept at 2 km (the short end) so that 1-km results are unchanged bit for bit.
RADAR_NOISE_SCALE_M = 2000.0


def radar_view(frames, *, seed=0, bias=None, sigma=0.3, scale_cells=None, detect_mmh=0.1,
               scale_m=RADAR_NOISE_SCALE_M):  # fmt: skip
    """The radar's frames of the field: times a bias (default ``0.85 exp(N(0, 0.1))``,
    drawn from ``seed``) and a lognormal noise of spread ``sigma`` correlated over
    ``scale_m`` metres (or ``scale_cells`` cells, when given), fresh every frame; rain
    below ``detect_mmh`` is not seen."""
    if scale_cells is None:
        x = np.asarray(frames.x.values, float)  # the cell size, to the micrometre (exact)
        cell_m = round(float(x[-1] - x[0]) / (len(x) - 1), 6) if len(x) > 1 else 1000.0
        scale_cells = scale_m / cell_m
    rng = np.random.default_rng([int(seed), 15731])
    if bias is None:
        bias = 0.85 * float(np.exp(rng.normal(0.0, 0.1)))
    v = np.asarray(frames.values, float)
    out = np.empty_like(v)
    for i in range(len(v)):
        e = _smooth_noise(rng, v.shape[1:], scale_cells)
        out[i] = v[i] * bias * np.exp(sigma * e - 0.5 * sigma**2)
    out[out < detect_mmh] = 0.0
    da = frames.copy(data=out)
    da.attrs.update(radar_bias=float(bias), radar_noise_sigma=float(sigma),
                    radar_noise_scale_cells=float(scale_cells))  # fmt: skip
    return da


def gauge_points(net) -> np.ndarray:
    """(n_gauges, 2) a gauge's place: the area-weighted centroid of the outlets of the
    subcatchments it feeds (their polygons' centroids when drawn)."""
    from twin.scenarios.radar import _centroid

    s = net.subcatchments
    polys = list(s.polygon) if len(s.polygon) == len(s) else [None] * len(s)
    pts = np.zeros((len(s), 2))
    for k in range(len(s)):
        if polys[k] is not None and len(polys[k]) >= 3:
            pts[k] = _centroid(polys[k])
        else:
            node = int(s.outlet_node[k])
            pts[k] = (net.nodes.x[node], net.nodes.y[node])
    area = np.asarray(s.area_m2, float)
    gauge = np.asarray(s.raingage, np.int64)
    out = np.zeros((len(net.raingages), 2))
    for g in range(len(out)):
        m = gauge == g
        if m.any():
            out[g] = (area[m, None] * pts[m]).sum(axis=0) / area[m].sum()
    return out


def networks_of_field(net, frames):
    """``(model, field_net)``: the network whose gauges read the field at their points
    (what the twin knows), and the network whose every subcatchment has the field's
    mean over it (the truth's rain before the under-catch factor)."""
    from twin.scenarios.modify import copy_network, replace_rainfall
    from twin.scenarios.radar import centroid_weights, subcatchment_weights

    x, y = frames.x.values, frames.y.values
    v = np.asarray(frames.values, float)
    step = float(frames.attrs["step_s"])
    t_h = np.arange(len(v)) * step / 3600.0
    at = centroid_weights(gauge_points(net), x, y).reshape(len(net.raingages), -1)
    point = v.reshape(len(v), -1) @ at.T  # (time, gauges)
    gauge = np.asarray(net.subcatchments.raingage, np.int64)
    model = replace_rainfall(copy_network(net), [(t_h, point[:, g]) for g in range(len(at))],
                             gauge, step, prefix="RG")  # fmt: skip
    w = subcatchment_weights(net, x, y).reshape(len(net.subcatchments), -1)
    sub = v.reshape(len(v), -1) @ w.T  # (time, subcatchments)
    n_sub = sub.shape[1]
    field_net = replace_rainfall(copy_network(net), [(t_h, sub[:, k]) for k in range(n_sub)],
                                 np.arange(n_sub), step, prefix="SC")  # fmt: skip
    return model, field_net


def storm_names() -> list[str]:
    """The storms :func:`with_storm` knows: the design-storm presets and the bundled
    scenarios."""
    from twin.scenarios.presets import preset_names
    from twin.scenarios.scenario import _DATA

    return sorted(set(preset_names()) | {p.stem for p in _DATA.glob("*.toml")})


def with_storm(net, storm, shift_min=0.0):
    """``net`` with the hyetograph (and simulation window) of ``storm``: a design-storm
    preset (``rp30-1h``, ``seoul-100mmh``, ...) or a bundled scenario (``huff3-30yr-2h``,
    ...), its rain delayed by ``shift_min`` minutes (the window lengthened by as much);
    ``None`` gives ``net`` itself.  An unknown name is an
    :class:`~twin.errors.InputError` naming the field ``storm``."""
    from twin.errors import InputError

    if storm is None:
        if shift_min:
            raise InputError("a storm shift needs a storm", field="storm_shift_min")
        return net
    from twin.scenarios.presets import preset_names
    from twin.scenarios.scenario import Scenario, load_scenario

    if storm in preset_names():
        sc = Scenario.preset(storm)
    elif storm in storm_names():
        sc = load_scenario(storm)
    else:
        raise InputError(f"unknown storm {storm!r}; known: {', '.join(storm_names())}",
                         field="storm")  # fmt: skip
    if shift_min:
        sc = sc.replace(time_shift_min=float(sc.time_shift_min) + float(shift_min))
    return sc.apply(net)


def radar_experiment(net, n_sensors, seed, rain_factor=1.3, sd=0.01, n_cells=64,
                     cell_m=1000.0, storm=None, storm_shift_min=0.0):  # fmt: skip
    """``(experiment, truth_frames, radar_frames)``: the twin experiment of
    :func:`~twin.validation.twin_experiment.experiment` with the rain of an advected
    design storm (:func:`storm_frames` of :func:`draw` ``(seed)``): the model's gauges
    read the field at their points, the truth runs on the field's subcatchment means
    times ``rain_factor``, the radar sees it with its own error (:func:`radar_view`).

    ``storm``: a preset or bundled scenario (:func:`with_storm`) applied to ``net``
    first, so the field carries that hyetograph over that window, its rain delayed by
    ``storm_shift_min`` (the radar sees the storm approach for as long); ``None``: the
    network's own design storm."""
    net = with_storm(net, storm, storm_shift_min)
    frames = storm_frames(net, draw(seed), seed=seed, n_cells=n_cells, cell_m=cell_m)
    model, field_net = networks_of_field(net, frames)
    truth_net = E.make_truth_network(field_net, rain_factor, seed=seed)
    truth = E.run_truth(truth_net, 60)
    nodes = E.choose_sensor_nodes(model, truth, n_sensors, seed=seed)
    sensors = E.sensor_set(model, nodes, sd)
    t, y, faulty = E.readings(truth, nodes, sd, seed=seed)
    ex = E.Experiment(model, truth, nodes, sensors, t, y, faulty)
    return ex, frames, radar_view(frames, seed=seed)
