"""The watch folder's NetCDF files: ``analysis.nc`` and ``forecasts.nc`` (written whole).

``analysis.nc``: the corrected trajectory (ensemble mean) on the network's report
step, ``node_depth``, ``node_head`` (time, node), ``link_flow`` (time, link, file
orientation), the sensors' ``sensor_observed``, ``sensor_analysed``,
``sensor_qc_flag`` and ``sensor_qc_score`` (time, sensor; every sensor the watch has had,
NaN and flag -1 where it was not in the sensor file); attribute
``assimilation`` (enkf, nudging or none) and the volume the updates added.

``forecasts.nc``: per cycle ``node_flood_probability``, ``node_first_flood_time``
(cycle, node), ``node_depth_mean`` and ``node_depth_quantile`` (cycle, lead, node
[, quantile]).
"""

from __future__ import annotations

import io

import numpy as np
import xarray as xr

from twin.ops.warnings import write_atomic


def _write(ds: xr.Dataset, path) -> None:
    import dask

    buf = io.BytesIO()
    with dask.config.set(scheduler="synchronous"):  # no distributed lock, even with a Client
        ds.to_netcdf(buf, engine="h5netcdf")
    write_atomic(path, buf.getvalue())


def analysis_dataset(rec: dict, node_names, link_names, sensor_ids, attrs: dict) -> xr.Dataset:
    """``rec``: lists ``time``, ``node_depth``, ``node_head``, ``link_flow``,
    ``sensor_observed``, ``sensor_analysed``, ``sensor_qc_flag``, ``sensor_qc_score``."""
    t = np.array(rec["time"], dtype="datetime64[ns]")
    n_s = len(sensor_ids)

    def stack(key, width, fill=np.nan):
        rows = rec[key]
        if key.startswith("sensor_"):  # a sensor new since a sample: not in the list then
            rows = [np.r_[r, np.full(width - len(r), fill)] for r in rows]
        return np.array(rows).reshape(len(t), width)

    ds = xr.Dataset(
        {
            "node_depth": (
                ("time", "node"),
                stack("node_depth", len(node_names)),
                {"units": "m", "long_name": "analysed water depth at node"},
            ),
            "node_head": (
                ("time", "node"),
                stack("node_head", len(node_names)),
                {"units": "m", "long_name": "analysed hydraulic head at node"},
            ),
            "link_flow": (
                ("time", "link"),
                stack("link_flow", len(link_names)),
                {"units": "m3 s-1", "long_name": "analysed flow in link"},
            ),
            "sensor_observed": (
                ("time", "sensor"),
                stack("sensor_observed", n_s),
                {"long_name": "observed value (sensor's unit); NaN: none"},
            ),
            "sensor_analysed": (
                ("time", "sensor"),
                stack("sensor_analysed", n_s),
                {"long_name": "analysed value at the sensor (ensemble mean)"},
            ),
            "sensor_qc_flag": (
                ("time", "sensor"),
                stack("sensor_qc_flag", n_s, -1).astype(np.int8),
                {
                    "long_name": "1: flagged by quality control, left out; -1: not in the "
                    "sensor file then"
                },
            ),
            "sensor_qc_score": (
                ("time", "sensor"),
                stack("sensor_qc_score", n_s),
                {"long_name": "largest QC test score (1 = threshold)"},
            ),
        },  # fmt: skip
        coords={
            "time": t,
            "node": np.array(node_names, dtype=object),
            "link": np.array(link_names, dtype=object),
            "sensor": np.array(sensor_ids, dtype=object),
        },
        attrs=attrs,
    )
    n_l = len(link_names)
    for key, units, long_name in CONDUIT_VARIABLES:
        if rec.get(key):
            ds[key] = (("time", "link"), stack(key, n_l), {"units": units, "long_name": long_name})
    return ds


#: The learnt conduit parameters in analysis.nc (with conduit estimation; NaN on links
#: that are not conduits).
CONDUIT_VARIABLES = (
    ("link_roughness_factor", "1",
     "estimated factor on the conduit's Manning's n (ensemble mean; 1: as designed)"),
    ("link_roughness_factor_sd", "1", "ensemble spread of the estimated roughness factor"),
    ("link_capacity_fraction", "1",
     "estimated full-flow capacity as a fraction of the design (ensemble mean of 1 / "
     "roughness factor): a rougher or partly blocked pipe, which depth sensors cannot tell "
     "apart"),
)  # fmt: skip


def forecasts_dataset(cycles: list, start, node_names, quantiles, cells=None) -> xr.Dataset:
    """One Dataset of the cycles' :class:`~twin.ops.forecast.CycleForecast` s;
    ``cells = (y, x)`` cell centres of the street surface add
    ``cell_flood_probability`` and ``cell_max_depth_median`` (cycle, y, x)."""
    start = np.datetime64(start, "ns")

    def as_time(s):
        s = np.asarray(s, np.float64)
        out = np.full(s.shape, np.datetime64("NaT", "ns"))
        ok = np.isfinite(s)
        out[ok] = start + (s[ok] * 1e9).astype("timedelta64[ns]")
        return out

    n_lead = max((len(c.lead_s) for c in cycles), default=0)

    def pad(a, n):
        if a.shape[0] == n:
            return a
        extra = np.full((n - a.shape[0], *a.shape[1:]), np.nan)
        return np.concatenate([a, extra])

    lead = cycles[0].lead_s[:n_lead] if cycles else np.zeros(0)
    ds = xr.Dataset(
        {
            "node_flood_probability": (
                ("cycle", "node"),
                np.array([c.node_flood_probability for c in cycles]),
                {
                    "units": "1",
                    "long_name": "probability that the manhole floods within the horizon",
                },
            ),
            "node_first_flood_time": (
                ("cycle", "node"),
                np.array([as_time(c.node_first_flood_s) for c in cycles]),
                {"long_name": "expected first flood time (members that flood); NaT: none floods"},
            ),
            "node_depth_mean": (
                ("cycle", "lead", "node"),
                np.array([pad(c.node_depth_mean, n_lead) for c in cycles]),
                {"units": "m", "long_name": "forecast mean depth at node"},
            ),
            "node_depth_quantile": (
                ("cycle", "lead", "node", "quantile"),
                np.array([pad(c.node_depth_quantile, n_lead) for c in cycles]),
                {"units": "m", "long_name": "forecast depth quantile"},
            ),
        },  # fmt: skip
        coords={
            "cycle": as_time([c.issued_s for c in cycles]),
            "lead": (lead * 1e9).astype("timedelta64[ns]"),
            "node": np.array(node_names, dtype=object),
            "quantile": np.array(quantiles, dtype=np.float64),
        },
    )
    if cells is not None and cycles and cycles[0].cell_flood_probability is not None:
        y, x = cells
        ds["cell_flood_probability"] = xr.DataArray(
            np.array([c.cell_flood_probability for c in cycles]), dims=("cycle", "y", "x"),
            coords={"y": y, "x": x},
            attrs={"units": "1", "long_name": "probability that the street cell floods "
                   "(water deeper than the threshold) within the horizon"},
        )  # fmt: skip
        ds["cell_max_depth_median"] = xr.DataArray(
            np.array([c.cell_max_depth_median for c in cycles]), dims=("cycle", "y", "x"),
            coords={"y": y, "x": x},
            attrs={"units": "m", "long_name": "median over the members of the largest "
                   "street water depth within the horizon"},
        )  # fmt: skip
    return ds


def write_dataset(ds: xr.Dataset, path) -> None:
    """Write ``ds`` to ``path`` whole or not at all."""
    _write(ds, path)
