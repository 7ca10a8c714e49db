"""A results file (`twin run`) or an ensemble file (`twin ensemble`) on the page.

The slider runs over the report times.  A single run colours manholes by depth,
flooding rate or flood volume and pipes by capacity (flow area / full area) or flow;
an ensemble shows the members' median at the time, the flood probability and the P90
flood volume, with the 10-90 % band of the members in the hydrographs.  Values are
read from the file when asked (a time slice at a time), so a large ensemble is not
held in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np

from twin.serve.board import Board, Field, add_rim_line, epoch_s, floats, iso, scale_max
from twin.serve.network_view import NetworkView
from twin.serve.raster import grid_ascending

_BAND = (0.1, 0.9)  # ensemble hydrograph band: members' quantiles
_CACHE = 64  # time slices kept


class RunBoard(Board):
    """A board over an open results Dataset (single run or ensemble)."""

    def __init__(self, path, ds):
        self.path = Path(path)
        self.ds = ds
        self.ensemble = "member" in ds.dims
        self.kind = "ensemble" if self.ensemble else "results"
        self.surface_per_time = not self.ensemble  # an ensemble shows its flood probability
        self.view = NetworkView.from_dataset(ds)
        self.title = str(ds.attrs.get("title") or self.path.name)
        self._times = np.asarray(ds["time"].values, "datetime64[s]")
        self._members = self._ran_members()
        self._slices: OrderedDict = OrderedDict()
        self._fields = {f.key: f for f in self._make_fields()}
        self._first_flood = self._first_flood_times()

    def close(self) -> None:
        self.ds.close()

    def times(self) -> np.ndarray:
        return self._times

    def now_index(self) -> int:
        """A run's page opens at the time of the largest total flooding (else the last)."""
        if "node_flooding" not in self.ds:
            return len(self._times) - 1
        total = self._slice_sum("node_flooding")
        return int(np.argmax(total)) if np.any(total > 0) else len(self._times) - 1

    def fields(self) -> list[Field]:
        return list(self._fields.values())

    # -- values on the map ---------------------------------------------------------------
    def values(self, key: str, t: int) -> np.ndarray:
        f = self._fields[key]
        var = _FIELD_VARS[self.kind][key]
        if not f.per_time:
            return self._static(var)
        out = self._at_time(var, t)
        return np.abs(out) if key == "flow" else out

    def _static(self, var: str) -> np.ndarray:
        if var == "link_max_capacity_p90":
            da = self.ds["link_max_capacity_quantile"].sel(quantile=0.9, method="nearest")
            return np.asarray(da.values, np.float64)
        return np.asarray(self.ds[var].values, np.float64)

    def _at_time(self, var: str, t: int) -> np.ndarray:
        """The value of ``var`` at report time ``t`` (members' median for an ensemble)."""
        key = (var, t)
        if key in self._slices:
            self._slices.move_to_end(key)
            return self._slices[key]
        if self.ensemble:
            a = self.ds[var].isel(time=t, member=self._members).values
            out = np.nanmedian(a, axis=0) if len(a) else np.full(a.shape[1:], np.nan)
        else:
            out = np.asarray(self.ds[var].isel(time=t).values, np.float64)
        self._slices[key] = out
        while len(self._slices) > _CACHE:
            self._slices.popitem(last=False)
        return out

    def _slice_sum(self, var: str) -> np.ndarray:
        da = self.ds[var]
        if self.ensemble:
            da = da.isel(member=self._members).mean("member")
        return np.asarray(da.sum([d for d in da.dims if d != "time"]).values, np.float64)

    # -- the risk list -------------------------------------------------------------------
    def risk(self, t: int) -> dict:
        ds, v = self.ds, self.view
        names = [str(n) for n in v.node_name]
        first = [iso(x) for x in self._first_flood]
        manhole = v.node_kind != "outfall"
        types = [v.node_type(i) for i in range(v.n_nodes)]
        if self.ensemble:
            prob = np.asarray(ds["node_flood_probability"].values, np.float64)
            p90 = np.asarray(ds["node_flood_volume_p90"].values, np.float64)
            mean = np.asarray(ds["node_flood_volume_mean"].values, np.float64)
            order = np.lexsort((-mean, -p90, -prob))
            columns = [_col("node", "node", "", "text"), _col("type", "type", "", "text"),
                       _col("probability", "probability", "", "num"),
                       _col("first_flood", "first flood", "", "time"),
                       _col("volume_p90", "P90 volume", "m3", "num")]  # fmt: skip
            cols = [names, types, floats(prob, 3), first, floats(p90)]
        else:
            vol = np.asarray(ds["node_flood_volume"].values, np.float64)
            depth = np.asarray(ds["node_max_depth"].values, np.float64)
            full = np.where(v.node_rim > v.node_invert, v.node_rim - v.node_invert, np.nan)
            fill = depth / full
            order = np.lexsort((-np.nan_to_num(fill), -vol))
            columns = [_col("node", "node", "", "text"), _col("type", "type", "", "text"),
                       _col("first_flood", "first flood", "", "time"),
                       _col("volume", "flood volume", "m3", "num"),
                       _col("max_depth", "max depth", "m", "num"),
                       _col("fill", "depth / rim", "", "num")]  # fmt: skip
            cols = [names, types, first, floats(vol), floats(depth), floats(fill, 3)]
        order = [int(i) for i in order if manhole[i]][:200]
        rows = [[c[i] for c in cols] for i in order]
        return {"columns": columns, "rows": rows, "index": order}

    def _first_flood_times(self) -> np.ndarray:
        """(n_nodes,) datetime64[s]: first report time with flooding (earliest member)."""
        ds, t0 = self.ds, self._times[0]
        if self.ensemble and "node_first_flood_time_min" in ds:
            h = np.asarray(ds["node_first_flood_time_min"].values, np.float64)
            out = np.full(h.shape, np.datetime64("NaT"), "datetime64[s]")
            ok = np.isfinite(h)
            out[ok] = t0 + np.round(h[ok] * 3600).astype("timedelta64[s]")
            return out
        wet = np.asarray(ds["node_flooding"].values, np.float64) > 0.0
        if self.ensemble:
            wet = wet[self._members].any(axis=0)
        first = np.argmax(wet, axis=0)
        out = self._times[first].copy()
        out[~wet.any(axis=0)] = np.datetime64("NaT")
        return out

    # -- charts --------------------------------------------------------------------------
    def node_series(self, name: str, t: int) -> dict | None:
        i = self.view.node_index.get(name)
        if i is None:
            return None
        chart = self._series("node_depth", "node", i, "depth", "m")
        chart["title"] = f"manhole {name}: water depth"
        return add_rim_line(chart, self.view, i)

    def link_series(self, name: str, t: int) -> dict | None:
        j = self.view.link_index.get(name)
        if j is None:
            return None
        chart = self._series("link_flow", "link", j, "flow", "m3/s")
        chart["title"] = f"link {name} ({self.view.link_kind[j]}): flow"
        if "link_full_flow" in self.ds and not self.ensemble:
            full = float(self.ds["link_full_flow"].values[j])
            if full > 0:
                chart["lines"].append({"label": "full flow", "values": [full] * len(self._times),
                                       "color": "#e4572e", "dash": True})  # fmt: skip
        return chart

    def _series(self, var: str, dim: str, k: int, label: str, unit: str) -> dict:
        a = np.asarray(self.ds[var].isel({dim: k}).values, np.float64)
        chart = {"t": epoch_s(self._times), "unit": unit, "lines": [], "bands": []}
        if self.ensemble:
            a = a[self._members]
            lo, mid, hi = np.nanquantile(a, [_BAND[0], 0.5, _BAND[1]], axis=0)
            chart["lines"].append({"label": f"median {label}", "values": floats(mid),
                                   "color": "#4cc9f0"})  # fmt: skip
            chart["bands"].append({"label": "members 10-90 %", "lo": floats(lo),
                                   "hi": floats(hi), "color": "rgba(76,201,240,0.25)"})  # fmt: skip
        else:
            chart["lines"].append({"label": label, "values": floats(a), "color": "#4cc9f0"})
        return chart

    # -- street flooding -----------------------------------------------------------------
    def surface(self, t: int):
        ds = self.ds
        if "x" not in ds.dims or "y" not in ds.dims:
            return None
        if self.ensemble and "surface_flood_probability" in ds:
            prob, bounds = _on_grid(ds, ds["surface_flood_probability"])
            return prob, bounds, "street flood probability", "", 1.0
        if not self.ensemble and "surface_depth" in ds:
            depth, bounds = _on_grid(ds, ds["surface_depth"].isel(time=t))
            vmax = scale_max(ds["surface_max_depth"].values, 0.1) if "surface_max_depth" in ds \
                else 0.5  # fmt: skip
            return depth, bounds, "street water depth", "m", vmax
        return None

    # -- set-up -----------------------------------------------------------------------------------
    def _ran_members(self) -> np.ndarray:
        if not self.ensemble:
            return np.zeros(0, np.int64)
        status = self.ds.get("member_status")
        if status is None:
            return np.arange(self.ds.sizes["member"])
        return np.flatnonzero(np.asarray(status.values) == 0)

    def _make_fields(self) -> list[Field]:
        ds, e = self.ds, self.ensemble
        mem = {"member": self._members} if e else {}
        depth = scale_max(ds["node_max_depth"].isel(mem).values, 0.1)
        flow = scale_max(ds["link_max_flow"].isel(mem).values, 1e-3)
        out = [Field("depth", "node", "median depth" if e else "water depth", "m", "viridis",
                     0.0, depth, True)]  # fmt: skip
        if e:
            vol = scale_max(ds["node_flood_volume_p90"].values, 1.0)
            out += [Field("flood_probability", "node", "flood probability", "", "YlOrRd",
                          0.0, 1.0, False),
                    Field("flood_volume", "node", "P90 flood volume", "m3", "YlOrRd",
                          0.0, vol, False)]  # fmt: skip
        else:
            rate = scale_max(ds["node_max_flooding"].values, 1e-3)
            vol = scale_max(ds["node_flood_volume"].values, 1.0)
            out += [Field("flooding", "node", "flooding rate", "m3/s", "YlOrRd", 0.0, rate, True),
                    Field("flood_volume", "node", "flood volume", "m3", "YlOrRd",
                          0.0, vol, False)]  # fmt: skip
        out += [Field("capacity", "link", "median capacity" if e else "capacity (area / full)",
                      "", "RdYlGn_r", 0.0, 1.0, True),
                Field("flow", "link", "median |flow|" if e else "|flow|", "m3/s", "cividis",
                      0.0, flow, True),
                Field("max_capacity", "link", "P90 max depth / full" if e else
                      "max depth / full", "", "RdYlGn_r", 0.0, 1.0, False)]  # fmt: skip
        return out


_FIELD_VARS = {
    "results": {"depth": "node_depth", "flooding": "node_flooding",
                "flood_volume": "node_flood_volume", "capacity": "link_capacity",
                "flow": "link_flow", "max_capacity": "link_max_capacity"},
    "ensemble": {"depth": "node_depth", "flood_probability": "node_flood_probability",
                 "flood_volume": "node_flood_volume_p90", "capacity": "link_capacity",
                 "flow": "link_flow", "max_capacity": "link_max_capacity_p90"},
}  # fmt: skip


def _col(key, label, unit, kind) -> dict:
    return {"key": key, "label": label, "unit": unit, "kind": kind}


def _on_grid(ds, da) -> tuple:
    """A (y, x) variable's values in ascending y and x, and the grid's bounds [m]."""
    return grid_ascending(da.transpose("y", "x").values, ds["x"].values, ds["y"].values)
