"""A watch folder written cycle by cycle, in the formats issue 17 fixes, from real runs.

`twin watch` is not on this branch, so the tests write its files themselves, from a
real ensemble (``twin.run_ensemble``: the forecast members) and a real single run
with more rain (``twin.simulate``: the truth the sensors observe):

- ``forecasts.nc`` (cycle, node[, lead, quantile]): per cycle the members' flood
  probability within the horizon, the mean first-flood time of the members that
  flood, and the depth quantiles per lead, from the members' report steps after the
  cycle;
- ``analysis.nc`` (time, node | link | sensor): the members' median up to the cycle,
  the sensors' observed (truth + noise) and analysed values, QC flags (a sensor that
  reads a constant is flagged);
- ``warnings.jsonl``: ``manhole_overflow`` new at probability >= 0.5, update on a
  change of 0.2, cancel below 0.3; ``advice.jsonl``: the issue 21 fields for the pump;
- ``watch.json`` (the cycle mark) last, as `twin watch` does.

Each file is written whole (temporary name, then rename), except the JSON lines
(appended).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import xarray as xr

QUANTILES = (0.1, 0.5, 0.9)


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def nc_bytes(ds: xr.Dataset) -> bytes:
    import io

    buf = io.BytesIO()
    ds.to_netcdf(buf, engine="h5netcdf")
    return buf.getvalue()


class WatchWriter:
    """Writes cycle ``k`` of a watch folder from an ensemble and a truth run.

    Parameters
    ----------
    folder : Path
    ens : xarray.Dataset
        An ensemble result (member, time, node | link).
    truth : xarray.Dataset
        A single run on the same network (the sensors' truth).
    sensors : dict of sensor id -> node name
    horizon : int
        Report steps a forecast looks ahead.
    """

    def __init__(self, folder, ens, truth, sensors: dict, horizon: int = 6, seed: int = 0):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.times = np.asarray(ens["time"].values, "datetime64[s]")
        self.step = self.times[1] - self.times[0]
        self.start = self.times[0] - self.step
        self.depth = np.asarray(ens["node_depth"].values, np.float64)  # member, time, node
        self.flood = np.asarray(ens["node_flooding"].values, np.float64)
        self.flow = np.asarray(ens["link_flow"].values, np.float64)
        self.nodes = [str(n) for n in ens["node"].values]
        self.links = [str(n) for n in ens["link"].values]
        self.horizon = int(horizon)
        self.sensor_ids = list(sensors)
        cols = [self.nodes.index(n) for n in sensors.values()]
        rng = np.random.default_rng(seed)
        true = np.asarray(truth["node_depth"].values, np.float64)[:, cols]
        self.observed = true + rng.normal(0.0, 0.01, true.shape)
        self.observed[:, -1] = self.observed[0, -1]  # the last sensor is stuck
        self.analysed = np.median(self.depth, axis=0)[:, cols]
        self.cycles: list = []
        self.active: dict = {}

    def cycle_time(self, k: int) -> np.datetime64:
        return self.start + (k + 1) * self.step

    def row(self, k: int) -> int:
        """Report step of cycle ``k`` (cycles past the run's end start over)."""
        return k % (len(self.times) - self.horizon)

    def forecast(self, k: int) -> dict:
        i, h = self.row(k), self.horizon
        window = self.flood[:, i + 1 : i + 1 + h, :] > 0.0
        floods = window.any(axis=1)
        first = np.argmax(window, axis=1).astype(np.float64) + 1.0
        first[~floods] = np.nan
        count = floods.sum(axis=0)
        mean_steps = np.where(count > 0, np.nansum(first, axis=0) / np.maximum(count, 1), np.nan)
        depth = self.depth[:, i : i + 1 + h, :]
        return {
            "probability": floods.mean(axis=0),
            "first_steps": mean_steps,
            "quantiles": np.moveaxis(np.quantile(depth, QUANTILES, axis=0), 0, -1),
            "mean": depth.mean(axis=0),
        }

    def write_cycle(self, k: int, *, mark: bool = True) -> np.datetime64:
        """Write cycle ``k`` (cycles 0..k-1 written before); returns its time."""
        when = self.cycle_time(k)
        self.cycles.append((when, self.forecast(k)))
        self._write_forecasts()
        self._write_analysis(k)
        self._warnings(when, self.cycles[-1][1])
        self._advice(when, self.cycles[-1][1])
        if mark:
            self.write_mark(k)
        return when

    def write_mark(self, k: int) -> None:
        t_s = int((self.cycle_time(k) - self.start) / np.timedelta64(1, "s"))
        write_atomic(self.folder / "watch.json", json.dumps({"t_s": t_s, "cycle": k + 1}).encode())

    def forecasts_dataset(self) -> xr.Dataset:
        cyc = np.array([c[0] for c in self.cycles], "datetime64[ns]")
        fc = [c[1] for c in self.cycles]
        first = []
        for when, f in self.cycles:
            t = np.full(len(self.nodes), np.datetime64("NaT"), "datetime64[ns]")
            ok = np.isfinite(f["first_steps"])
            t[ok] = when + (f["first_steps"][ok] * self.step.astype(np.int64)).astype(
                "timedelta64[s]"
            )
            first.append(t)
        lead = (np.arange(self.horizon + 1) * self.step).astype("timedelta64[ns]")
        return xr.Dataset(
            {
                "node_flood_probability": (
                    ("cycle", "node"),
                    np.array([f["probability"] for f in fc]),
                ),
                "node_first_flood_time": (("cycle", "node"), np.array(first)),
                "node_depth_mean": (("cycle", "lead", "node"), np.array([f["mean"] for f in fc])),
                "node_depth_quantile": (
                    ("cycle", "lead", "node", "quantile"),
                    np.array([f["quantiles"] for f in fc]),
                ),
            },  # fmt: skip
            coords={"cycle": cyc, "lead": lead, "node": self.nodes, "quantile": list(QUANTILES)},
        )

    def _write_forecasts(self) -> None:
        write_atomic(self.folder / "forecasts.nc", nc_bytes(self.forecasts_dataset()))

    def _write_analysis(self, k: int) -> None:
        n = k + 1
        rows = [self.row(j) for j in range(n)]
        t = np.array([self.cycle_time(j) for j in range(n)], "datetime64[ns]")
        med = np.median(self.depth, axis=0)[rows]
        obs, an = self.observed[rows], self.analysed[rows]
        flag = np.zeros(obs.shape, np.int8)
        flag[3:, -1] = 1  # flagged once it has read the same value for a while
        ds = xr.Dataset(
            {
                "node_depth": (("time", "node"), med),
                "node_head": (("time", "node"), med),
                "link_flow": (("time", "link"), np.median(self.flow, axis=0)[rows]),
                "sensor_observed": (("time", "sensor"), obs),
                "sensor_analysed": (("time", "sensor"), an),
                "sensor_qc_flag": (("time", "sensor"), flag),
                "sensor_qc_score": (("time", "sensor"), flag * 3.0),
            },
            coords={"time": t, "node": self.nodes, "link": self.links, "sensor": self.sensor_ids},
            attrs={
                "assimilation": "enkf",
                "members": self.depth.shape[0],
                "start": str(self.start),
            },  # fmt: skip
        )
        write_atomic(self.folder / "analysis.nc", nc_bytes(ds))

    def _warnings(self, when, f) -> None:
        lines = []
        for i in np.flatnonzero(f["probability"] >= 0.3):
            name, p = self.nodes[i], float(f["probability"][i])
            exp = None
            if np.isfinite(f["first_steps"][i]):
                exp = str(when + int(f["first_steps"][i] * self.step.astype(np.int64))) + "Z"
            old = self.active.get(name)
            if old is None and p >= 0.5:
                status = "new"
            elif old is not None and abs(p - old) >= 0.2:
                status = "update"
            else:
                continue
            self.active[name] = p
            lines.append(
                {
                    "issued": str(when) + "Z",
                    "kind": "manhole_overflow",
                    "node": name,
                    "probability": round(p, 4),
                    "expected_time": exp,
                    "status": status,
                }
            )
        for name in [n for n in self.active if f["probability"][self.nodes.index(n)] < 0.3]:
            del self.active[name]
            lines.append(
                {
                    "issued": str(when) + "Z",
                    "kind": "manhole_overflow",
                    "node": name,
                    "probability": 0.0,
                    "expected_time": None,
                    "status": "cancel",
                }
            )
        self._append("warnings.jsonl", lines)

    def _advice(self, when, f) -> None:
        """Issue 21's advice fields for the pump (values: the members' flood spread)."""
        risk = float(f["probability"].sum())
        line = {"issued": str(when) + "Z", "time": str(when) + "Z", "element": "PS1",
                "setting": 1.0 if risk > 0 else 0.0, "expected_benefit_m3": round(risk, 3),
                "spread_m3": round(float(f["probability"].std()), 3)}  # fmt: skip
        self._append("advice.jsonl", [line])

    def _append(self, name: str, lines: list) -> None:
        if not lines:
            return
        with open(self.folder / name, "a", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(x) + "\n" for x in lines))
