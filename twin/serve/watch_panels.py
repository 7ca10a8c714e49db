"""The watch folder's charts and panels: hydrographs with the forecast fan, sensors,
warnings and advice (a part of :class:`~twin.serve.watch_board.WatchBoard`)."""

from __future__ import annotations

import numpy as np

from twin.serve.board import add_rim_line, epoch_s, floats, iso
from twin.serve.watch_files import ADVICE, WARNINGS, parse_time

_FAN = ("#f4a261", "rgba(244,162,97,0.25)")  # forecast median, band
_ANALYSED = "#4cc9f0"
_OBSERVED = "#e9ecef"
_FLAGGED = "#ff4d6d"


class WatchPanels:
    """Charts and panels of a watch board (mixed into it; uses its files and times)."""

    # -- hydrographs ---------------------------------------------------------------------
    def node_series(self, name: str, t: int) -> dict | None:
        i = self.view.node_index.get(name)
        if i is None:
            return None
        parts = []
        if self.an is not None and "node_depth" in self.an:
            parts.append(self._analysed("node_depth", "node", name, "analysed depth"))
        parts += self._fan(name, t, 0.0)
        obs = [s for s in self._sensors_at("node", i) if s[1] in (0, 1)]  # depth, head
        for col, quantity in obs:
            offset = self.view.node_invert[i] if quantity == 1 else 0.0
            parts += self._observed(col, -offset)
        chart = _align(parts, self.cycle_time(t))
        chart["title"] = f"manhole {name}: water depth"
        chart["unit"] = "m"
        return add_rim_line(chart, self.view, i)

    def link_series(self, name: str, t: int) -> dict | None:
        j = self.view.link_index.get(name)
        if j is None:
            return None
        parts = []
        if self.an is not None and "link_flow" in self.an:
            parts.append(self._analysed("link_flow", "link", name, "analysed flow"))
        for col, quantity in self._sensors_at("link", j):
            if quantity == 2:
                parts += self._observed(col, 0.0)
        chart = _align(parts, self.cycle_time(t))
        chart["title"] = f"link {name} ({self.view.link_kind[j]}): flow"
        chart["unit"] = "m3/s"
        return chart

    def _analysed(self, var: str, dim: str, name: str, label: str):
        names = [str(n) for n in self.an[dim].values]
        k = names.index(name) if name in names else None
        n = len(self._an_times)
        vals = (
            np.full(n, np.nan)
            if k is None
            else self.an[var].isel({dim: k, "time": slice(0, n)}).values
        )
        return ("line", label, self._an_times, vals, _ANALYSED)

    def _fan(self, name: str, t: int, offset: float) -> list:
        """The forecast's median and 10-90 % band at node ``name`` from cycle ``t``."""
        when = self.cycle_time(t)
        if self.fc is None or when is None or "node_depth_quantile" not in self.fc:
            return []
        names = [str(n) for n in self.fc["node"].values]
        if name not in names:
            return []
        da = self.fc["node_depth_quantile"].isel(
            cycle=self._cycle_row(when), node=names.index(name)
        )
        lead = np.asarray(self.fc["lead"].values, "timedelta64[s]")
        times = when + lead
        q = np.asarray(self.fc["quantile"].values, np.float64) if "quantile" in da.dims else []
        vals = np.asarray(da.values, np.float64) + offset
        if len(q) == 0:
            return [("line", "forecast", times, vals, _FAN[0])]
        lo, mid, hi = int(np.argmin(q)), int(np.argmin(abs(q - 0.5))), int(np.argmax(q))
        return [
            ("line", f"forecast median ({iso(when)[11:16]})", times, vals[:, mid], _FAN[0]),
            ("band", f"forecast {q[lo]:.0%}-{q[hi]:.0%}", times, (vals[:, lo], vals[:, hi]),
             _FAN[1]),
        ]  # fmt: skip

    # -- sensors -------------------------------------------------------------------------
    def _sensor_columns(self) -> list:
        if self.an is None or "sensor" not in self.an.dims:
            return []
        return [str(s) for s in self.an["sensor"].values]

    def _sensors_at(self, dim: str, index: int) -> list:
        """(column in analysis.nc, quantity) of the declared sensors on an element."""
        s, cols = self.sensor_set, self._sensor_columns()
        if s is None or not cols:
            return []
        kind = 0 if dim == "node" else 1
        out = []
        for k in np.flatnonzero((s.element_kind == kind) & (s.element_index == index)):
            if s.ids[k] in cols:
                out.append((cols.index(s.ids[k]), int(s.quantity[k])))
        return out

    def _observed(self, col: int, offset: float) -> list:
        n = len(self._an_times)
        obs = np.asarray(self.an["sensor_observed"].isel(sensor=col).values[:n], float) + offset
        flag = np.zeros(n, bool)
        if "sensor_qc_flag" in self.an:
            flag = np.asarray(self.an["sensor_qc_flag"].isel(sensor=col).values[:n]) > 0
        return [
            ("points", "observed", self._an_times, np.where(flag, np.nan, obs), _OBSERVED),
            ("points", "observed, QC flagged", self._an_times, np.where(flag, obs, np.nan),
             _FLAGGED),
        ]  # fmt: skip

    def has_sensors(self) -> bool:
        return True

    def sensors(self, t: int) -> list:
        cols = self._sensor_columns()
        if not cols:
            return []
        k = self._analysis_row(self.cycle_time(t))
        out = []
        for c, sid in enumerate(cols):
            row = {"id": sid, "element": None, "kind": None, "quantity": None, "index": None}
            if self.sensor_set is not None and sid in self.sensor_set:
                s = self.sensor_set[sid]
                row.update(element=s.element, kind=s.element_kind.name.lower(),
                           quantity=s.quantity.name.lower(),
                           index=int(s.element_index))  # fmt: skip
            if k is not None:
                for key, var in (("observed", "sensor_observed"), ("analysed", "sensor_analysed")):
                    row[key] = floats([self.an[var].values[k, c]])[0] if var in self.an else None
                flagged = "sensor_qc_flag" in self.an and self.an["sensor_qc_flag"].values[k, c] > 0
                row["flagged"] = bool(flagged)
            out.append(row)
        return out

    def sensor_series(self, sensor: str, t: int) -> dict | None:
        cols = self._sensor_columns()
        if sensor not in cols:
            return None
        c = cols.index(sensor)
        n = len(self._an_times)
        parts = self._observed(c, 0.0)
        if "sensor_analysed" in self.an:
            vals = self.an["sensor_analysed"].isel(sensor=c).values[:n]
            parts.append(("line", "analysed", self._an_times, vals, _ANALYSED))
        s = self.sensor_set
        unit = ""
        if s is not None and sensor in s:
            info = s[sensor]
            unit = info.unit
            if info.element_kind == 0 and info.quantity in (0, 1):
                i = info.element_index
                offset = self.view.node_invert[i] if info.quantity == 1 else 0.0
                parts += self._fan(str(self.view.node_name[i]), t, offset)
        chart = _align(parts, self.cycle_time(t))
        chart["title"] = f"sensor {sensor}: observed, analysed, forecast"
        chart["unit"] = unit
        return chart

    # -- warnings and advice -------------------------------------------------------------
    def warnings(self) -> dict:
        items = self._shown(WARNINGS)
        now = self.cycle_time(len(self._cycles) - 1)
        active: dict = {}
        for it in items:
            key = (it.get("kind"), it.get("node") or it.get("gauge") or it.get("cell"))
            if it.get("status") == "cancel":
                active.pop(key, None)
            else:
                active[key] = it
        rows = []
        for (kind, element), it in active.items():
            exp = parse_time(it.get("expected_time"))
            lead = None
            if now is not None and not np.isnat(exp):
                lead = float((exp - now) / np.timedelta64(1, "m"))
            rows.append({"kind": kind, "element": element, "probability": it.get("probability"),
                         "expected_time": it.get("expected_time"), "lead_min": lead,
                         "status": it.get("status"), "issued": it.get("issued"),
                         "value": it.get("value"), "unit": _WARNING_UNITS.get(kind, ""),
                         "source": it.get("source"),  # a rainfall warning's: observed, forecast
                         "gauge": bool(it.get("gauge")) and not it.get("node")})  # fmt: skip
        rows.sort(key=lambda r: (-(r["probability"] or 0.0), r["expected_time"] or "~"))
        return {"now": iso(now) if now is not None else None, "active": rows,
                "recent": items[-30:][::-1], "count": len(items)}  # fmt: skip

    def advice(self) -> dict:
        items = self._shown(ADVICE)
        group = next((k for k in ("issued", "cycle") if items and k in items[-1]), None)
        if group is not None:  # the advice of the latest cycle
            last = items[-1][group]
            items = [it for it in items if it.get(group) == last]
        else:
            items = items[-20:]
        keys = []
        for it in items:
            keys += [k for k in it if k not in keys]
        return {"items": items, "columns": keys}


#: What the ``value`` of a warning is, by kind (`twin watch`: the gauge's rain rate over
#: the last 5 min; the water a road sensor reads above the rim).
_WARNING_UNITS = {"rainfall": "mm/h", "road_depth": "m above the rim"}


def _align(parts: list, now) -> dict:
    """Series on different times as one chart: the union of the times, gaps as null.

    ``parts``: ``(kind, label, times, values, color)``; kind ``line``, ``points`` or
    ``band`` (values a (lo, hi) pair).
    """
    if not parts:
        return {"t": [], "lines": [], "bands": [], "now": None}
    allt = np.unique(np.concatenate([np.asarray(p[2], "datetime64[s]") for p in parts]))
    chart = {"t": epoch_s(allt), "lines": [], "bands": [],
             "now": epoch_s([now])[0] if now is not None else None}  # fmt: skip

    def on_grid(times, values):
        out = np.full(len(allt), np.nan)
        out[np.searchsorted(allt, np.asarray(times, "datetime64[s]"))] = values
        return floats(out)

    for kind, label, times, values, color in parts:
        if kind == "band":
            chart["bands"].append({"label": label, "lo": on_grid(times, values[0]),
                                   "hi": on_grid(times, values[1]), "color": color})  # fmt: skip
        else:
            chart["lines"].append({"label": label, "values": on_grid(times, values),
                                   "color": color, "points": kind == "points"})  # fmt: skip
    return chart
