"""Read a result Dataset for rendering: check it, reduce an ensemble, pick a frame.

:func:`prepare` turns the Dataset (and an optional DEM) into a
:class:`NetworkLayout` (geometry in map metres plus scene units); :func:`frame_at`
turns one report time, or the event maximum, into a :class:`FrameState`.  Names,
dims and units are those of :mod:`twin.engine.results_schema`; the optional 2-D
surface model adds ``surface_depth`` (time, y, x) and ``surface_max_depth`` (y, x)
with coords ``x``, ``y`` [m].
"""

from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass

import numpy as np
import xarray as xr

from twin.errors import InputError, TwinWarning
from twin.render import geometry as geo
from twin.render import style

__all__ = ["NetworkLayout", "FrameState", "prepare", "frame_at", "time_indices"]

_COORDS = ("node_x", "node_y", "node_invert", "node_rim", "link_from", "link_to")
_KINDS = {0: "junction", 1: "outfall", 2: "storage", 3: "divider"}
_LINK_KINDS = {0: "conduit", 1: "pump", 2: "orifice", 3: "weir", 4: "outlet"}
_MAX_TERRAIN_POINTS = 300  # per axis; a finer DEM is strided down


@dataclass
class NetworkLayout:
    """Static geometry of the scene (map metres unless noted)."""

    node_name: np.ndarray  # (n,) str
    node_kind: np.ndarray  # (n,) str: junction outfall storage divider
    x: np.ndarray  # (n,)
    y: np.ndarray  # (n,)
    invert: np.ndarray  # (n,)
    rim: np.ndarray  # (n,), ground where the Dataset has no usable rim
    crown_depth: np.ndarray  # (n,) highest connected conduit crown above invert
    node_radius: np.ndarray  # (n,) scene units
    link_from: np.ndarray  # (L,) node index
    link_to: np.ndarray  # (L,)
    full_depth: np.ndarray  # (L,)
    is_conduit: np.ndarray  # (L,) bool
    link_radius: np.ndarray  # (L,) scene units
    ground: tuple | None  # (gx (nx,), gy (ny,), elevation (ny, nx)); None: no terrain, no rims
    ground_max: float
    surface_ground: tuple | None  # (sx, sy, ground at the surface grid) or None
    water_max_m: float
    units: geo.SceneUnits
    width_m: float
    camera_bounds: tuple
    title: str
    times: np.ndarray  # (nt,) the Dataset's time coordinate


@dataclass
class FrameState:
    """What one picture shows."""

    label: str
    node_fill: np.ndarray  # (n,) depth / rim depth, 0..1
    flooded: np.ndarray  # (n,) bool
    flood_volume: np.ndarray  # (n,) m3 spilled so far (or ponded)
    surcharged: np.ndarray  # (n,) bool, head above the highest crown, not flooded
    link_fill: np.ndarray  # (L,) depth / full depth, 0..1
    surface_depth: np.ndarray | None  # (ny, nx) m, or None


def prepare(
    ds, terrain=None, member=None, quantile=None, title=None, vertical_exaggeration=None
) -> tuple[NetworkLayout, xr.Dataset]:
    """Check ``ds``, reduce its ensemble axis and lay out the static scene.

    Returns
    -------
    layout : NetworkLayout
    ds : xarray.Dataset
        The Dataset without a ``member`` dimension.

    Raises
    ------
    InputError
        A missing coordinate or variable, a bad member or quantile, a bad terrain.
    """
    if not isinstance(ds, xr.Dataset):
        raise InputError(f"render needs an xarray.Dataset of results, got {type(ds).__name__}")
    missing = [c for c in _COORDS if c not in ds.variables]
    if missing:
        raise InputError(f"result Dataset lacks coordinate(s): {', '.join(missing)}")
    ds, which = _reduce_members(ds, member, quantile)

    name = np.array([str(v) for v in ds["node"].values]) if "node" in ds.coords else None
    x, y = _floats(ds, "node_x"), _floats(ds, "node_y")
    if not (np.isfinite(x) & np.isfinite(y)).all():
        raise InputError("every node needs map coordinates (node_x, node_y are NaN for some)")
    n = len(x)
    name = name if name is not None else np.array([f"node {i}" for i in range(n)])
    invert, rim = _floats(ds, "node_invert"), _floats(ds, "node_rim")
    if not np.isfinite(invert).all():
        raise InputError("every node needs an invert elevation (node_invert is NaN for some)")
    kind = (
        _words(ds["node_kind"].values, _KINDS)
        if "node_kind" in ds.variables
        else (np.full(n, "junction"))
    )
    index = {v: i for i, v in enumerate(name)}
    link_from, link_to = (
        _node_ids(ds["link_from"].values, index),
        _node_ids(ds["link_to"].values, index),
    )
    nl = len(link_from)
    lkind = (
        _words(ds["link_kind"].values, _LINK_KINDS)
        if "link_kind" in ds.variables
        else (np.full(nl, "conduit"))
    )
    full = _floats(ds, "link_full_depth") if "link_full_depth" in ds.variables else np.full(nl, 0.3)
    full = np.where(np.isfinite(full) & (full > 0), full, 0.3)
    is_conduit = lkind == "conduit"

    crown = np.zeros(n)
    for ends in (link_from, link_to):
        np.maximum.at(crown, ends[is_conduit], full[is_conduit])

    good_rim = np.isfinite(rim) & (rim > invert + 1e-6)
    extent = max(np.ptp(x), np.ptp(y), 10.0)
    margin = max(0.12 * extent, 20.0)
    if terrain is not None:
        ground = _crop_terrain(terrain, x, y, margin)
    elif good_rim.any():
        ground = geo.ground_from_rims(x[good_rim], y[good_rim], rim[good_rim], margin)
    else:
        ground = None  # nothing tells where the ground is: the pipes are drawn alone
        warnings.warn(
            "no terrain given and no node has a rim above its invert: "
            "the network is drawn without ground",
            TwinWarning,
            stacklevel=2,
        )
    if ground is None:
        # SWMM takes a max depth of 0 as "up to the highest connected crown"
        rim = np.where(good_rim, rim, invert + np.maximum(crown, 0.1))
    else:
        rim = np.where(good_rim, rim, np.maximum(geo.ground_at(*ground, x, y), invert + 0.1))

    surface_ground, water_max = None, 0.0
    if ground is not None and ("surface_depth" in ds or "surface_max_depth" in ds):
        if "x" not in ds.coords or "y" not in ds.coords:
            raise InputError("surface_depth needs coordinates x and y [m]")
        sx, sy = _floats(ds, "x"), _floats(ds, "y")
        mx, my = np.meshgrid(sx, sy)
        surface_ground = (sx, sy, geo.ground_at(*ground, mx, my))
        depth_max = (
            ds["surface_max_depth"]
            if "surface_max_depth" in ds
            else (ds["surface_depth"].max("time"))
        )
        water_max = float(np.nanmax(depth_max.values)) if depth_max.size else 0.0
    water_max = max(water_max if np.isfinite(water_max) else 0.0, 0.1)

    zmin = float(np.nanmin(invert))
    gmax = float(np.nanmax(ground[2])) if ground is not None else float(np.nanmax(rim))
    ve = vertical_exaggeration
    if ve is None:
        ve = style.choose_vertical_exaggeration(extent, max(gmax, np.nanmax(rim)) - zmin)
    elif not (np.isfinite(ve) and ve > 0):
        raise InputError(f"vertical_exaggeration must be positive, got {ve}")
    units = geo.SceneUnits(
        float(np.mean([x.min(), x.max()])), float(np.mean([y.min(), y.max()])), zmin, float(ve)
    )

    link_radius, node_radius = _radii(full, is_conduit, kind, extent)
    pad = 0.06 * extent
    bounds = (
        x.min() - pad - units.x0,
        x.max() + pad - units.x0,
        y.min() - pad - units.y0,
        y.max() + pad - units.y0,
        0.0,
        float(units.z(max(gmax, np.nanmax(rim)))),
    )
    scen = ds.attrs.get("scenario", "")
    head = title if title is not None else ds.attrs.get("title", "") or "sewer-twin"
    head = " - ".join(s for s in (str(head), f"scenario {scen}" if scen else "", which) if s)
    layout = NetworkLayout(
        node_name=name,
        node_kind=kind,
        x=x,
        y=y,
        invert=invert,
        rim=rim,
        crown_depth=crown,
        node_radius=node_radius,
        link_from=link_from,
        link_to=link_to,
        full_depth=full,
        is_conduit=is_conduit,
        link_radius=link_radius,
        ground=ground,
        ground_max=gmax,
        surface_ground=surface_ground,
        water_max_m=water_max,
        units=units,
        width_m=extent,
        camera_bounds=bounds,
        title=head,
        times=ds["time"].values if "time" in ds.coords else np.array([]),
    )
    return layout, ds


def time_indices(layout: NetworkLayout, time) -> int | None:
    """Index of ``time`` ("max" -> None; int; datetime64 / ISO string -> nearest report time).

    Raises
    ------
    InputError
        An index out of range or a time more than half a report step from any report time.
    """
    nt = len(layout.times)
    if isinstance(time, str) and time.lower() == "max":
        return None
    if isinstance(time, bool):
        raise InputError(f"time must be 'max', an index or a datetime, got {time!r}")
    if isinstance(time, int | np.integer):
        if not -nt <= int(time) < nt:
            raise InputError(f"time index {int(time)} out of range: the result has {nt} times")
        return int(time) % nt
    if nt == 0:
        raise InputError("the result Dataset has no time coordinate")
    try:
        t = np.datetime64(time, "ns")
    except (ValueError, TypeError) as exc:
        raise InputError(f"time must be 'max', an index or a datetime, got {time!r}") from exc
    times = layout.times.astype("datetime64[ns]")
    i = int(np.argmin(np.abs(times - t)))
    step = np.median(np.diff(times)) if nt > 1 else np.timedelta64(0, "ns")
    if abs(times[i] - t) > step / 2:
        raise InputError(
            f"time {time} is not a report time (results run {times[0]} .. {times[-1]})"
        )
    return i


def frame_at(layout: NetworkLayout, ds: xr.Dataset, index: int | None) -> FrameState:
    """The state at report time ``index`` or, for ``None``, the event maximum."""

    def get(name):
        return np.nan_to_num(np.asarray(ds[name].values, dtype=np.float64), nan=0.0)

    n, nl = len(layout.x), len(layout.link_from)
    surface = None
    if index is None:
        depth = _first(ds, get, ("node_max_depth",), ("node_depth",), n)
        link_fill = _first(ds, get, ("link_max_capacity",), ("link_capacity",), nl)
        if "node_flood_volume" in ds:
            volume = get("node_flood_volume")
        else:
            volume = _spilled(ds, get, None, n)
        flooded = volume > 0
        if "node_max_flooding" in ds:
            flooded |= get("node_max_flooding") > 0
        if "surface_max_depth" in ds:
            surface = get("surface_max_depth")
        elif "surface_depth" in ds:
            surface = get("surface_depth").max(axis=0)
        label = "Maximum over the event" + (
            f" ({_clock(layout.times[0])} to {_clock(layout.times[-1])})"
            if len(layout.times)
            else ""
        )
    else:
        for need in ("node_depth", "link_capacity"):
            if need not in ds:
                raise InputError(f"result Dataset lacks variable '{need}' needed for a time frame")
        depth, link_fill = get("node_depth")[index], get("link_capacity")[index]
        rate = get("node_flooding")[index] if "node_flooding" in ds else np.zeros(n)
        ponded = get("node_ponded_volume")[index] if "node_ponded_volume" in ds else np.zeros(n)
        # a pond counts only at the rim: results read from SWMM's output file carry
        # the node's whole stored volume (storage units too) under this name
        ponding = (ponded > 0) & (depth >= layout.rim - layout.invert - 1e-3)
        spilled = _spilled(ds, get, index, n)
        volume = np.where(ponding & (spilled <= 0), ponded, spilled)
        flooded = (rate > 0) | ponding
        if "surface_depth" in ds:
            surface = get("surface_depth")[index]
        t = layout.times[index]
        label = f"{_clock(t)}  (+{_elapsed(t - layout.times[0])})"
    height = layout.rim - layout.invert
    node_fill = np.clip(np.divide(depth, height, out=np.zeros(n), where=height > 0), 0, 1)
    surcharged = (depth > layout.crown_depth + 1e-3) & (layout.crown_depth > 0) & ~flooded
    return FrameState(
        label=label,
        node_fill=node_fill,
        flooded=flooded,
        flood_volume=volume,
        surcharged=surcharged,
        link_fill=np.clip(link_fill, 0.0, 1.0),
        surface_depth=surface,
    )


# -- helpers -----------------------------------------------------------------------------


def _reduce_members(ds, member, quantile):
    if "member" not in ds.dims:
        if member is not None or quantile is not None:
            raise InputError("member/quantile given but the result has no 'member' dimension")
        return ds, ""
    if member is not None and quantile is not None:
        raise InputError("give either member or quantile, not both")
    labels = [str(v) for v in ds["member"].values] if "member" in ds.coords else []
    nm = ds.sizes["member"]
    if member is not None:
        if isinstance(member, int | np.integer) and not isinstance(member, bool):
            if not 0 <= int(member) < nm:
                raise InputError(f"member {int(member)} out of range: the ensemble has {nm}")
            i = int(member)
        elif str(member) in labels:
            i = labels.index(str(member))
        else:
            raise InputError(f"unknown member {member!r} (members: {', '.join(labels[:10])})")
        return ds.isel(member=i, drop=True), f"member {labels[i] if labels else i}"
    q = 0.5 if quantile is None else float(quantile)
    if not 0.0 <= q <= 1.0:
        raise InputError(f"quantile must be within 0..1, got {quantile}")
    out = ds.drop_vars(
        [v for v in ds.data_vars if "member" in ds[v].dims and ds[v].dtype.kind not in "fiub"]
    )
    with warnings.catch_warnings():  # elements no member reached (e.g. never flooded) are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        reduced = {
            v: out[v].quantile(q, dim="member").drop_vars("quantile")
            for v in out.data_vars
            if "member" in out[v].dims
        }
    out = out.assign(reduced).drop_dims("member", errors="ignore")
    word = "median" if q == 0.5 else f"{q * 100:g}th percentile"
    return out, f"ensemble {word} of {nm}"


def _crop_terrain(terrain, x, y, margin):
    if isinstance(terrain, xr.Dataset):
        if "elevation" not in terrain:
            raise InputError("terrain Dataset has no variable 'elevation'")
        terrain = terrain["elevation"]
    if not isinstance(terrain, xr.DataArray) or set(terrain.dims) != {"x", "y"}:
        raise InputError("terrain must be an xarray.DataArray 'elevation' with dims (y, x)")
    da = terrain.transpose("y", "x").sortby("x").sortby("y")
    da = da.sel(
        x=slice(x.min() - margin, x.max() + margin), y=slice(y.min() - margin, y.max() + margin)
    )
    if da.sizes["x"] < 2 or da.sizes["y"] < 2:
        raise InputError("terrain does not cover the network's nodes")
    sx = max(1, int(np.ceil(da.sizes["x"] / _MAX_TERRAIN_POINTS)))
    sy = max(1, int(np.ceil(da.sizes["y"] / _MAX_TERRAIN_POINTS)))
    da = da.isel(x=slice(None, None, sx), y=slice(None, None, sy))
    z = np.asarray(da.values, dtype=np.float64)
    if not np.isfinite(z).any():
        raise InputError("terrain has no finite elevation over the network")
    z = np.where(np.isfinite(z), z, np.nanmin(z))
    return np.asarray(da["x"].values, float), np.asarray(da["y"].values, float), z


def _radii(full, is_conduit, kind, extent):
    """Tube radii (scene units): visible at town scale, still ordered by pipe size."""
    target = extent / 260.0
    if is_conduit.any():
        ref = np.median(full[is_conduit])
    else:
        ref = np.median(full) if len(full) else 1.0
    link_r = np.clip(target * np.sqrt(full / ref), 0.5 * target, 2.5 * target)
    node_r = np.full(len(kind), 1.5 * float(np.max(link_r, initial=target)))
    node_r[kind == "storage"] *= 2.0
    return link_r, node_r


def _first(ds, get, names, fallback, size):
    for name in names:
        if name in ds:
            return get(name)
    for name in fallback:
        if name in ds:
            return get(name).max(axis=0)
    raise InputError(f"result Dataset lacks '{names[0]}' (and '{fallback[0]}')")


def _spilled(ds, get, index, n):
    """Flood volume [m3] spilled up to report ``index`` (all when None), trapezoid rule."""
    if "node_flooding" not in ds or "time" not in ds.coords or ds.sizes.get("time", 0) < 2:
        return np.zeros(n)
    rate = get("node_flooding")
    t = ds["time"].values
    sec = (t - t[0]) / np.timedelta64(1, "s") if t.dtype.kind == "M" else t.astype(float)
    stop = len(sec) if index is None else index + 1
    if stop < 2:
        return np.zeros(n)
    dt = np.diff(sec[:stop])[:, None]
    return np.sum(0.5 * (rate[1:stop] + rate[: stop - 1]) * dt, axis=0)


def _floats(ds, name):
    return np.asarray(ds[name].values, dtype=np.float64)


def _words(values, table):
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        return np.array([table.get(int(v), "other") for v in values])
    return np.array([str(v).lower() for v in values])


def _node_ids(ends, index):
    ends = np.asarray(ends)
    if ends.dtype.kind in "iu":
        if ends.size and (ends.min() < 0 or ends.max() >= len(index)):
            raise InputError("link_from/link_to hold node ids outside the node table")
        return ends.astype(np.int64)
    try:
        return np.array([index[str(e)] for e in ends], dtype=np.int64)
    except KeyError as exc:
        raise InputError(f"link end {exc.args[0]!r} is not a node of the result") from exc


def _clock(t) -> str:
    if isinstance(t, np.datetime64):
        return str(np.datetime64(t, "m")).replace("T", " ")
    if isinstance(t, _dt.datetime):
        return t.strftime("%Y-%m-%d %H:%M")
    return f"t = {float(t):g} s"


def _elapsed(dt) -> str:
    sec = dt / np.timedelta64(1, "s") if isinstance(dt, np.timedelta64) else float(dt)
    h, rem = divmod(int(round(sec)), 3600)
    return f"{h}:{rem // 60:02d} h"
