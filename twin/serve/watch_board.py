"""A watch folder (`twin watch`) on the page, followed while the twin runs.

The slider runs over the forecast cycles; "now" is the last complete one.  Manholes
are coloured by their flood probability within the horizon, the P90 of their
forecast peak depth, or the analysed depth at the cycle; links by the analysed flow.
The files are those issue 17 fixes (see :mod:`twin.serve.watch_files` for how a
folder being written is read):

- ``forecasts.nc``: ``node_flood_probability``, ``node_first_flood_time`` (cycle,
  node), ``node_depth_quantile`` (cycle, lead, node, quantile); with ``--surface``
  ``cell_flood_probability`` (cycle, y, x), drawn as the street raster;
- ``analysis.nc``: ``node_depth`` (time, node), ``link_flow`` (time, link), the
  sensors' ``sensor_observed``, ``sensor_analysed``, ``sensor_qc_flag`` (time, sensor);
- ``warnings.jsonl``, ``advice.jsonl``; ``watch.json`` marks the last complete cycle.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.serve.board import Board, Field, floats, iso, iso_list, scale_max
from twin.serve.network_view import NetworkView
from twin.serve.raster import grid_ascending
from twin.serve.watch_files import (
    ADVICE,
    ANALYSIS,
    FORECASTS,
    MARK,
    WARNINGS,
    JsonLines,
    complete_until,
    decode_time,
    open_complete,
    parse_time,
    read_mark,
    stamp,
)
from twin.serve.watch_panels import WatchPanels


class WatchBoard(WatchPanels, Board):
    """A board over a watch folder.

    Parameters
    ----------
    folder : path-like
    network : Network
        The network the twin watches (a watch folder does not carry the map).
    sensors : SensorSet, optional
        Where the sensors are (to draw their forecast and put them on the map).
    """

    kind = "watch"
    follows = True

    def __init__(self, folder, network, sensors=None):
        self.path = Path(folder)
        self.net = network
        self.view = NetworkView.from_network(network)
        self.sensor_set = sensors
        name = " ".join(network.title).strip() or Path(network.source or "network").stem
        self.title = f"watch {self.path.name}: {name}"
        self.fc = None  # forecasts.nc, open
        self.an = None  # analysis.nc, open
        self._stamps: dict = {}
        self._cycles = np.zeros(0, "datetime64[s]")
        self._an_times = np.zeros(0, "datetime64[s]")
        self._lines = {WARNINGS: JsonLines(self.path / WARNINGS),
                       ADVICE: JsonLines(self.path / ADVICE)}  # fmt: skip
        self._key = None
        self._frames: dict = {}
        self._fields = None
        self.version = 0
        self.refresh()

    def close(self) -> None:
        for ds in (self.fc, self.an):
            if ds is not None:
                ds.close()

    # -- following the folder ------------------------------------------------------------
    def refresh(self) -> bool:
        """Take up complete new files; True (and a new ``version``) when the page changes."""
        # the mark first: files read after it hold its cycle (read before it, a cycle's
        # forecasts could be shown with the analysis of the cycle before)
        mark_s = read_mark(self.path)
        for name in (ANALYSIS, FORECASTS):
            st = stamp(self.path / name)
            if st is None or st == self._stamps.get(name):
                continue
            ds = open_complete(self.path / name)
            if ds is None:
                continue  # caught mid-write: keep what we have, retry at the next poll
            old = self.an if name == ANALYSIS else self.fc
            if name == ANALYSIS:
                self.an, self._an_order = ds, self._orders(ds)
            else:
                self.fc, self._fc_order = ds, self.view.order_of(ds["node"].values, "node")
            if old is not None:
                old.close()
            self._stamps[name] = st
        self._stamps[MARK] = stamp(self.path / MARK)
        for lines in self._lines.values():
            lines.update()
        until = complete_until(mark_s, self._start())
        self._cycles = self._complete(self.fc, "cycle", until)
        self._an_times = self._complete(self.an, "time", until)
        now = self._cycles[-1] if len(self._cycles) else None
        key = (len(self._cycles), now, len(self._an_times),
               len(self._shown(WARNINGS)), len(self._shown(ADVICE)))  # fmt: skip
        if key == self._key:
            return False
        self._key = key
        self.version += 1
        self._frames = {}
        return True

    def _start(self):
        for ds in (self.an, self.fc):
            if ds is not None and ds.attrs.get("start"):
                return np.datetime64(str(ds.attrs["start"])[:19], "s")
        return None

    @staticmethod
    def _complete(ds, dim: str, until) -> np.ndarray:
        if ds is None:
            return np.zeros(0, "datetime64[s]")
        t = np.asarray(ds[dim].values, "datetime64[s]")
        return t if until is None else t[t <= until]

    def _orders(self, ds) -> dict:
        return {d: self.view.order_of(ds[d].values, d) for d in ("node", "link") if d in ds.dims}

    def _shown(self, name: str) -> list:
        """Lines of a JSON-lines file issued no later than the last complete cycle."""
        items = self._lines[name].items
        if not len(self._cycles):
            return items if self.fc is None else []
        now = self._cycles[-1]
        out = []
        for it in items:
            t = parse_time(it.get("issued"))
            if np.isnat(t) or t <= now:
                out.append(it)
        return out

    # -- times and values ----------------------------------------------------------------
    def times(self) -> np.ndarray:
        return self._cycles

    def cycle_time(self, t: int):
        if not len(self._cycles):
            return None
        return self._cycles[min(max(int(t), 0), len(self._cycles) - 1)]

    def fields(self) -> list[Field]:
        if self._fields is None or self._fields[0] != self.version:
            self._fields = (self.version, self._make_fields())
        return self._fields[1]

    def _make_fields(self) -> list[Field]:
        depth = 1.0
        if len(self.view.node_rim):
            full = self.view.node_rim - self.view.node_invert
            depth = scale_max(full[np.isfinite(full)], 0.5)
        flow = 1.0
        if self.an is not None and "link_flow" in self.an:
            flow = scale_max(np.abs(self.an["link_flow"].max("time").values), 1e-3)
        return [
            Field("flood_probability", "node", "flood probability within the horizon", "",
                  "YlOrRd", 0.0, 1.0, True),
            Field("depth_p90", "node", "P90 peak depth over the horizon", "m", "viridis",
                  0.0, depth, True),
            Field("depth", "node", "analysed depth", "m", "viridis", 0.0, depth, True),
            Field("flow", "link", "analysed |flow|", "m3/s", "cividis", 0.0, flow, True),
        ]  # fmt: skip

    def values(self, key: str, t: int) -> np.ndarray:
        k = (key, int(t), self.version)
        if k not in self._frames:
            self._frames[k] = self._values(key, int(t))
        return self._frames[k]

    def _values(self, key: str, t: int) -> np.ndarray:
        n = self.view.n_links if key == "flow" else self.view.n_nodes
        out = np.full(n, np.nan)
        when = self.cycle_time(t)
        if key in ("flood_probability", "depth_p90") and self.fc is not None and when is not None:
            c = self._cycle_row(when)
            if key == "flood_probability":
                vals = self.fc["node_flood_probability"].isel(cycle=c).values
            else:
                vals = self._peak_quantile(c, 0.9)
            _put(out, self._fc_order, vals)
        elif key in ("depth", "flow") and self.an is not None:
            k = self._analysis_row(when)
            if k is not None:
                name, dim = ("node_depth", "node") if key == "depth" else ("link_flow", "link")
                vals = np.asarray(self.an[name].isel(time=k).values, np.float64)
                _put(out, self._an_order[dim], np.abs(vals))
        return out

    def _cycle_row(self, when) -> int:
        t = np.asarray(self.fc["cycle"].values, "datetime64[s]")
        return int(np.flatnonzero(t == when)[0])

    def _analysis_row(self, when) -> int | None:
        """Row of the last analysed time at or before ``when`` (the last one if None)."""
        t = self._an_times
        if not len(t):
            return None
        if when is None:
            return len(t) - 1
        k = int(np.searchsorted(t, when, side="right")) - 1
        return max(k, 0)

    def _peak_quantile(self, c: int, q: float) -> np.ndarray:
        """The ``q`` depth quantile's largest value over the leads of cycle row ``c``."""
        da = self.fc.get("node_depth_quantile")
        if da is None:
            return np.full(self.fc.sizes["node"], np.nan)
        da = da.isel(cycle=c)
        if "quantile" in da.dims:
            da = da.sel(quantile=q, method="nearest")
        return np.nanmax(np.asarray(da.values, np.float64), axis=0)

    # -- street flooding -----------------------------------------------------------------
    def surface(self, t: int):
        """The cycle's street-cell flood probability within the horizon (`twin watch
        --surface` writes ``cell_flood_probability`` (cycle, y, x)), or None."""
        when = self.cycle_time(t)
        if self.fc is None or "cell_flood_probability" not in self.fc or when is None:
            return None
        da = self.fc["cell_flood_probability"].isel(cycle=self._cycle_row(when))
        prob, bounds = grid_ascending(da.transpose("y", "x").values, self.fc["x"].values,
                                      self.fc["y"].values)  # fmt: skip
        return prob, bounds, "street flood probability", "", 1.0

    # -- the risk list -------------------------------------------------------------------
    def risk(self, t: int) -> dict:
        when = self.cycle_time(t)
        columns = [
            {"key": "node", "label": "node", "unit": "", "kind": "text"},
            {"key": "type", "label": "type", "unit": "", "kind": "text"},
            {"key": "probability", "label": "probability", "unit": "", "kind": "num"},
            {"key": "first_flood", "label": "first flood", "unit": "", "kind": "time"},
            {"key": "lead", "label": "lead", "unit": "min", "kind": "num"},
            {"key": "depth_p90", "label": "P90 peak depth", "unit": "m", "kind": "num"},
        ]
        if self.fc is None or when is None:
            return {"columns": columns, "rows": [], "index": []}
        c = self._cycle_row(when)
        prob = np.asarray(self.fc["node_flood_probability"].isel(cycle=c).values, np.float64)
        first = decode_time(self.fc["node_first_flood_time"].isel(cycle=c))
        lead = (first - when).astype("timedelta64[s]").astype(np.float64) / 60.0
        lead[np.isnat(first)] = np.nan
        p90 = self._peak_quantile(c, 0.9)
        extra = "node_flood_volume_p90" in self.fc
        if extra:
            columns.append({"key": "volume_p90", "label": "P90 volume", "unit": "m3",
                            "kind": "num"})  # fmt: skip
            vol = np.asarray(self.fc["node_flood_volume_p90"].isel(cycle=c).values, float)
        order = np.lexsort((np.nan_to_num(lead, nan=1e9), -np.nan_to_num(p90), -prob))
        names = self.fc["node"].values
        rows, index = [], []
        for i in order[:200]:
            if prob[i] <= 0 and len(rows) >= 50:
                break
            row = [str(names[i]), self.view.node_type(int(self._fc_order[i])),
                   floats([prob[i]], 3)[0], iso(first[i]),
                   floats([lead[i]], 3)[0], floats([p90[i]])[0]]  # fmt: skip
            if extra:
                row.append(floats([vol[i]])[0])
            rows.append(row)
            index.append(int(self._fc_order[i]))
        return {"columns": columns, "rows": rows, "index": index, "now": iso(when)}

    def meta(self) -> dict:
        out = super().meta()
        out["analysis_times"] = iso_list(self._an_times)
        return out


def _put(out: np.ndarray, order: np.ndarray, values) -> None:
    """``out[order] = values`` for the rows the view has (``order >= 0``)."""
    values = np.asarray(values, np.float64)
    ok = order >= 0
    out[order[ok]] = values[ok]
