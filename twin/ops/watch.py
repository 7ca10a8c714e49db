"""The operational twin: :class:`Twin` keeps members corrected by the sensors and forecasts.

One cycle (``cycle_s`` of event time, 10 minutes by default) from ``T0`` to ``T``:

1. the members get the observed rain of ``[T0, T)`` times their rain factors and step
   to ``T``, stopping every ``sample_s`` (60 s) to note the ensemble's prediction of
   every sensor and, on the network's report step, the ensemble-mean trajectory; at
   every reading the sensors' quality is checked on their recent history
   (:mod:`twin.ops.qc`);
2. every ``assimilate_s`` (5 minutes) the readings of the sensors QC has not flagged
   update the members (ensemble Kalman filter, or nudging of a single run; nothing
   with ``assimilation="none"``);
3. at ``T`` the members' hot-start states are written to ``OUTDIR/states/a`` or
   ``b`` in turn (``watch.json`` names the folder of its cycle), the
   forecast members load them and run the horizon with the nowcast rain, and the
   warnings are issued, updated or cancelled;
4. ``analysis.nc``, ``forecasts.nc``, ``warnings.jsonl``, ``alerts/`` and the twin's
   own bookkeeping (``watch.json``: the last cycle, QC and warning state, the warning
   thresholds (a restart with others re-judges the warnings in force by them), the
   radar's Kalman-filtered mean-field bias, the trajectory) are written whole, the last cycle
   last, so a killed twin restarts from its last complete cycle: the members reload
   their states, the observations are in the database (none lost, none twice), and what
   else a cycle hands the next is saved with the mark (:mod:`twin.ops.carried`): a
   restarted watch is the watch straight, bit for bit
   (benchmarks/results/watch-restart-notes.md).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from twin.errors import InputError, checked_count, checked_number
from twin.limits import CLI_RANGES, LATENCY_RANGE, WATCH_RANGES
from twin.networks.units import FT_TO_M
from twin.ops.cap import cap_alert
from twin.ops.carried import (
    issued_after,
    load_rain,
    plan_from_json,
    plan_to_json,
    rain_memory_s,
    save_rain,
)
from twin.ops.enkf import (
    FACTOR_PRIOR_SD,
    AdaptiveInflation,
    FilterSettings,
    Observations,
    at_rim,
    enkf_update,
    nudging_update,
    pooled_log_factor,
)
from twin.ops.forecast import QUANTILES, Forecaster
from twin.ops.late import LateReadings
from twin.ops.localize import GraphDistance, gaspari_cohn
from twin.ops.members import MemberStates
from twin.ops.outputs import (
    CONDUIT_VARIABLES,
    analysis_dataset,
    forecasts_dataset,
    write_dataset,
)
from twin.ops.qc import QCSettings, SensorQC
from twin.ops.rain import ObservedRain, persistence_nowcast
from twin.ops.sensor_change import SensorChange, carried_folds, describe, sensor_keys, split_key
from twin.ops.sensors import QUANTITY_UNITS, ElementKind, Quantity
from twin.ops.store import DB_NAME, ObservationStore
from twin.ops.warnings import (
    THRESHOLDS,
    WarningBook,
    WarningSettings,
    append_jsonl,
    forecast_rain_exceedance,
    iso,
    write_atomic,
)
from twin.ops.withheld import WithheldEnsembles, sensor_folds

log = logging.getLogger("twin.ops")
_KIND = {Quantity.DEPTH: "depth", Quantity.HEAD: "head", Quantity.FLOW: "flow"}
#: What a watch folder's member states were made with (``watch.json``, since round 14),
#: and the option that sets it: a restart with another is refused (more members found no
#: states and started the watch over, fewer took some of them; see
#: benchmarks/results/watch-paths-notes.md).  The sensor list is recorded too, but a
#: restart with another continues, each sensor's record carried by id
#: (:mod:`twin.ops.sensor_change`; benchmarks/results/watch-sensorset-notes.md).
FOLDER_SETTINGS = {
    "assimilation": "--no-assimilation/--nudging",
    "members": "--members",
    "conduits": "--conduits",
    "subcatchments": "--subcatchments",
    "surface": "--surface",
}


def _shown(value) -> str:
    """A setting of :data:`FOLDER_SETTINGS` in a message (a sensor list by its ids)."""
    if isinstance(value, list):
        return ", ".join(v.split(" ", 1)[0] for v in value) or "none"
    return str(value)


class Twin:
    """A network kept corrected by its sensors, forecasting and warning every cycle.

    Parameters
    ----------
    network : Network or str
    sensors : SensorSet
        A watch folder restarted with another sensor file continues
        (:mod:`twin.ops.sensor_change`): a kept sensor (same id, element and quantity)
        carries its QC record by id, a new one starts fresh, a removed one's readings stay
        in the database unread and its column in ``analysis.nc``; the watch keeps its own
        order of the sensors (the new ones last).
    outdir : path-like
        The watch folder (database, states, analysis, forecasts, warnings).
    members : int
        Ensemble size (1 with ``assimilation="nudging"``).
    assimilation : {"enkf", "nudging", "none"}
    cycle_min, horizon_min : float
    end_hours : float, optional
        Length of the members' simulation window (default: the network's, at least
        ``horizon_min`` after the last observation when replaying).
    rain : ObservedRain, optional
        Observed rain; default: rainfall sensors, else the network's own gauges.
    filter_settings, qc_settings, warning_settings : optional
    seed : int
    threads : int, optional
    nowcast : callable, optional
        ``nowcast(rain, now_s, horizon_s, n_members, seed=...) -> (times_s, rates_mmh
        (n_members, k, n_gauges))``, the forecast rain of every member; default
        :func:`~twin.ops.rain.persistence_nowcast` (decaying persistence of the gauges).
    radar : RadarRain, optional
        Radar frames (:class:`~twin.ops.nowcast.RadarRain`): the observed rain (unless
        ``rain`` is given or the radar is ``gauge_adjusted``: then the gauges, as
        without radar) and the nowcast (unless ``nowcast`` is given); read from a
        folder (``RadarRain.from_folder``), the frames that arrive are read every cycle.
    surface : None, True, xarray.DataArray or path, optional
        Couple every member to the 2D street surface (True: the network's terrain);
        the forecasts then give each street cell's flood probability.
    scheduler, client : optional
        Run the forecast members on a Dask cluster: a scheduler address
        (``tcp://host:port``) or a ``dask.distributed.Client``.
    advise : bool
        Every cycle, plan the pumps, gates and weirs over the forecast members and
        append the advice to ``OUTDIR/advice.jsonl``
        (:class:`twin.control.watch_advice.WatchAdviser`; not with ``surface``).
    actuators : path-like, optional
        The actuator TOML file of the advice (default: every controllable link).
    solver : {"swmm", "newton"}
        The dynamic-wave solver of every member, analysis and forecast (SWMM 5.2's, the
        default, or the Newton solver: each member then steps as its own simulation,
        its state still in the rows the filter updates; see :mod:`twin.ops.members`).
        Recorded in ``watch.json``: a restart with the other solver is refused.
    radar_rain : {"gauge", "subcatchment", "auto"}
        With ``radar``: its frames and nowcast members mapped to the network's rain
        gauges (default, as before round 14) or to every subcatchment, each on its own
        rain gauge (:mod:`twin.ops.radar_grid`: gauge-adjusted with rain gauges, each
        subcatchment's rain its gauge's reading times the radar's spatial pattern, its
        nowcast the radar's times the radar's bias against its gauge;
        ``"subcatchment-bias"``: the observed rain the radar's times that bias too).  The
        ``rainfall`` warnings stay at the network's own gauges.  ``"auto"`` (round 15):
        per subcatchment when the subcatchments overlay at least
        :data:`~twin.ops.radar_grid.AUTO_MIN_CELLS` radar cells, else per gauge; the
        choice is logged and recorded (``radar_rain``, and ``radar_rain_auto``: cells,
        threshold, choice).  Recorded in ``watch.json``: a restart with the other
        mapping is refused.
    latency_min : float
        Readings that arrive late (round 16, :mod:`twin.ops.late`): :meth:`run` cycles
        only to the last cycle time (a multiple of ``cycle_min``) every sensor of the file
        (not flagged by QC) has reported to, except one more than this many minutes
        behind the feed's clock (the latest reading of any sensor), which is a gap; so the
        watch runs at most this plus a cycle behind the feed.  0 (the default): to the
        feed's clock, as before.  Readings that arrive after their cycle are counted and
        logged either way (``watch.json``'s ``late``).
    """

    def __init__(
        self,
        network,
        sensors,
        outdir="twin-watch",
        *,
        members=16,
        assimilation="enkf",
        cycle_min=10.0,
        horizon_min=120.0,
        end_hours=None,
        rain=None,
        filter_settings=None,
        qc_settings=None,
        warning_settings=None,
        seed=0,
        threads=None,
        forecast=True,
        sample_s=60.0,
        assimilate_min=5.0,
        nowcast=None,
        surface=None,
        scheduler=None,
        client=None,
        advise=False,
        actuators=None,
        radar=None,
        solver="swmm",
        radar_rain="gauge",
        latency_min=0.0,
    ):
        from twin.api import load_network

        low, high = CLI_RANGES["members"]
        n = 1 if assimilation == "nudging" else checked_count(members, "members", low)
        if n > high:
            raise InputError(f"must be <= {high}, got {n}", field="members")
        times = {"cycle_min": cycle_min, "horizon_min": horizon_min}
        times |= {"assimilate_min": assimilate_min, "sample_s": sample_s}
        times = {k: checked_number(v, k, *WATCH_RANGES[k]) for k, v in times.items()}
        warning_settings = (warning_settings or WarningSettings()).checked(
            {k: f"warning_settings.{k}" for k in THRESHOLDS}
        )
        self.cycle_s = times["cycle_min"] * 60.0
        #: how long a cycle waits for a sensor behind the feed's clock [s] (0: not at all)
        self.latency_s = checked_number(latency_min, "latency_min", *LATENCY_RANGE) * 60.0
        self.horizon_s = times["horizon_min"] * 60.0
        self.sample_s = times["sample_s"]
        self.assimilate_s = times["assimilate_min"] * 60.0
        self.net = load_network(network) if isinstance(network, str | Path) else network
        self.n_rain_gauges = len(self.net.raingages)  # the network's own (the warnings')
        self.radar_rain = self._radar_rain(radar_rain, radar)
        self.radar_rain_auto = None  # with "auto": what it chose, on how many cells
        if self.radar_rain == "auto":
            from twin.ops.radar_grid import AUTO_MIN_CELLS, auto_choice

            self.radar_rain, cells = auto_choice(radar)
            self.radar_rain_auto = {"cells": cells, "min_cells": AUTO_MIN_CELLS,
                                    "chose": self.radar_rain}  # fmt: skip
            log.info("radar rain auto: the subcatchments overlay %d radar cells (%s %d): per "
                     "%s", cells, ">=" if self.radar_rain != "gauge" else "<", AUTO_MIN_CELLS,
                     self.radar_rain)  # fmt: skip
        if self.radar_rain != "gauge":  # one gauge per subcatchment, after the network's
            from twin.ops.radar_grid import SubcatchmentRadar, subcatchment_gauges

            self.net, parent = subcatchment_gauges(self.net)
            kind = "bias" if self.radar_rain.endswith("-bias") else "pattern"
            radar = SubcatchmentRadar.of(radar, self.net, parent, observed_rain=kind)
        if isinstance(sensors, str | Path):
            from twin.ops.sensors import load_sensors

            sensors = load_sensors(sensors, self.net)
        # a folder watched with another sensor file: the watch keeps its sensors' order
        self._mark = _read_mark(Path(outdir))
        self._change = None
        if self._mark is not None and "sensors" in self._mark:
            self._change = SensorChange(self._mark["sensors"], sensor_keys(sensors),
                                        self._mark.get("sensor_sd"))  # fmt: skip
            sensors = self._change.ordered(sensors)
        self.sensors = sensors
        self._keys = sensor_keys(sensors)
        # the cluster before anything is written: a bad address is one line, no folder
        self._own_client = None
        if client is None and scheduler:
            from twin.ensemble.dask_run import connect

            client = self._own_client = connect(scheduler, default=False)
        self.outdir = Path(outdir)
        self.outdir.mkdir(parents=True, exist_ok=True)
        (self.outdir / "alerts").mkdir(exist_ok=True)
        self.store = ObservationStore(self.outdir / DB_NAME)
        self.settings = (
            (filter_settings or FilterSettings())
            .__class__(**{**asdict(filter_settings or FilterSettings()), "method": assimilation})
            .checked()
        )
        opts = {"report_step_s": 86400.0}  # the twin samples the trajectory itself
        if not isinstance(solver, str) or solver.lower() not in ("swmm", "newton"):
            raise InputError(f"must be 'swmm' or 'newton', got {solver!r}", field="solver")
        self.solver = solver.lower()
        if self.solver != "swmm":
            opts["solver"] = self.solver
        if end_hours is not None:
            opts["end_hours"] = float(end_hours)
        couplers = None
        if surface is not None and surface is not False:
            from twin.engine.coupling import read_dem, terrain_for
            from twin.ops.members import SurfaceCouplers

            if surface is True:
                dem = terrain_for(network, self.net)
            else:
                dem = read_dem(surface) if isinstance(surface, str | Path) else surface
            couplers = SurfaceCouplers(dem)
            opts["allow_ponding"] = False
        self.options = opts
        rough = self.settings.roughness_sigma if n > 1 else 0.0
        estimate = self.settings.estimate_conduits and self.settings.method == "enkf"
        subcatch = self.settings.estimate_subcatchments and self.settings.method == "enkf"

        def make_members():
            return MemberStates(
                self.net, n, opts, seed=seed, threads=threads,
                rain_sigma=FACTOR_PRIOR_SD if n > 1 else 0.0,
                roughness_sigma=rough, couplers=couplers, estimate_conduits=estimate,
                estimate_subcatchments=subcatch,
            )  # fmt: skip

        self.members = make_members()
        sim0 = self.members.sims[0]
        self.start = sim0.opts.start
        self.end_s = sim0.duration_s
        from twin.engine.options import SimOptions

        self.report_s = float(SimOptions.from_network(self.net).report_step_s)
        self.forecaster = (
            Forecaster(
                self.net,
                n,
                opts,
                horizon_s=self.horizon_s,
                threads=threads,
                roughness_sigma=rough,
                seed=seed,
                couplers=couplers,
                estimate_conduits=estimate,
                client=client,
                road_depth_m=(warning_settings or WarningSettings()).road_depth_m,
            )
            if forecast
            else None
        )
        self.adviser = None
        if advise:
            if not forecast:
                raise InputError("advice needs the forecast", field="advise")
            if self.solver != "swmm":  # its plans run in a batch of SWMM's solver
                raise InputError("advice does not run with solver='newton' yet",
                                 field="advise")  # fmt: skip
            if estimate:  # its members would plan with the designed pipes
                raise InputError("advice does not run with conduit estimation yet",
                                 field="advise")  # fmt: skip
            # the control layer plans on the watch's members (imported here only: ops
            # knows nothing of control otherwise)
            from twin.control.watch_advice import WatchAdviser

            self.adviser = WatchAdviser(self.net, [s.net for s in self.members.sims], opts,
                                        self.outdir, actuators=actuators,
                                        horizon_s=self.horizon_s, interval_s=self.cycle_s,
                                        threads=threads, client=client)  # fmt: skip
        elif actuators is not None:
            raise InputError("an actuator file is only used with advise", field="actuators")
        self.radar = radar
        self._radar_is_rain = radar is not None and rain is None and not radar.gauge_adjusted
        if radar is not None:
            rain = radar.observed() if self._radar_is_rain else rain
            nowcast = nowcast or radar.nowcast
        self.rain = rain if rain is not None else self._default_rain(sim0.opts)
        if self.radar_rain != "gauge" and self.rain.n_gauges < len(self.net.raingages):
            from twin.ops.radar_grid import widened  # the original gauges' rain given

            self.rain = widened(self.rain, radar.parent)
        self.nowcast = nowcast or persistence_nowcast
        # the rain the watch builds itself from its readings (saved with each cycle's
        # states; other rain is read whole again at a restart)
        self._rain_is_own = getattr(self, "_rain_sensors", None) is not None or (
            self.radar_rain != "gauge" and not self._radar_is_rain
        )
        self._warned_after_mark = set()  # cycles a killed watch had warned (restart)
        qc_settings = qc_settings or QCSettings()
        if qc_settings.keep_large_offsets is None:  # follow the filter (see twin.ops.qc)
            robust = self.settings.method == "enkf" and self.settings.obs_error != "gate"
            qc_settings = replace(qc_settings, keep_large_offsets=robust)
        self._obs = self._observation_model()
        # QC judges the level and flow sensors (the state's), in the order of their columns
        self.qc = SensorQC(sensors.sd[self._obs["sensor"]], qc_settings)
        self.book = WarningBook(warning_settings)
        self.withheld = None  # each sensor's QC prediction from an ensemble it never updated
        self._fold_sources = None  # with a changed sensor file: each fold's old fold
        several = n > 1 and len(self._obs["sensor"]) > 1
        if self.qc.s.withheld and self.settings.method == "enkf" and several:
            folds = sensor_folds(self._obs["node"], self._distance, self.settings.radius)
            if self._sensors_changed():
                folds, self._fold_sources = carried_folds(
                    self._change, self._keys, self._old_folds(), self._obs["node"],
                    self._distance, self.settings.radius,
                )  # fmt: skip
            self.withheld = WithheldEnsembles(make_members, folds)
        # analysis.nc's sensor columns: every sensor the watch has had (keys), the
        # present ones where they are (a sensor no longer in the file keeps its column)
        self._columns = list(self._keys)
        self._history = {"t": [], "y": [], "hx": [], "hsd": []}
        if self.qc.s.uses_members:  # the members' predictions (the trend and GLR tests)
            self._history["hxm"] = []
        self.record = {
            k: []
            for k in (
                "time",
                "node_depth",
                "node_head",
                "link_flow",
                "sensor_observed",
                "sensor_analysed",
                "sensor_qc_flag",
                "sensor_qc_score",
            )
        }
        if self.members.conduits is not None:
            self.record |= {k: [] for k, *_ in CONDUIT_VARIABLES}
        self.cycles = []
        self.inflation = None  # the adaptive inflations (FilterSettings.inflation_adaptive)
        self.t_s = 0.0
        self.last_messages = []
        self.seed = int(seed)
        self._cycle_no = 0
        self._factor_history = []  # (analysed mean log rain factor, rain depth mm) a cycle
        self.late = LateReadings(self.latency_s)
        self._restart()
        self._factor_t = self.t_s

    # -- set-up ------------------------------------------------------------------------
    @staticmethod
    def _radar_rain(radar_rain, radar) -> str:
        from twin.ops.radar_grid import RADAR_RAINS, VARIANTS

        if radar_rain not in RADAR_RAINS + VARIANTS:
            raise InputError(f"must be one of {RADAR_RAINS + VARIANTS}, got {radar_rain!r}",
                             field="radar_rain")  # fmt: skip
        if radar_rain != "gauge" and radar is None:
            raise InputError("the radar's rain per subcatchment needs the radar",
                             field="radar_rain")  # fmt: skip
        return radar_rain

    def _sensors_changed(self) -> bool:
        """Whether the folder was watched with another sensor list (or order)."""
        return self._change is not None and self._change.old != self._keys

    def _node_of(self, key: str) -> int:
        """The node a level or flow sensor reads or sits at (a link's upstream end)."""
        _, kind, e, _ = split_key(key)
        return e if kind == ElementKind.NODE else int(self.net.links.from_node[e])

    def _old_folds(self) -> dict:
        """The fold of each of the folder's level and flow sensors, by key (recorded in
        ``watch.json`` since round 15; before, as :func:`sensor_folds` made them)."""
        if "folds" in self._mark:
            return dict(self._mark["folds"])
        from twin.ops.sensor_change import state_order

        old = [self._change.old[i] for i in state_order(self._change.old)]
        if len(old) < 2:
            return {}
        folds = sensor_folds([self._node_of(k) for k in old], self._distance,
                             self.settings.radius)  # fmt: skip
        return dict(zip(old, folds.tolist(), strict=True))

    def _sensor_columns(self) -> np.ndarray:
        """(n_sensors,) each sensor's column in analysis.nc (and the record's rows)."""
        return np.array([self._columns.index(k) for k in self._keys], np.int64)

    def _column_names(self) -> list:
        """analysis.nc's sensor names: the id, or for a sensor no longer in the file
        whose id another column holds, its id with its quantity and element."""
        from collections import Counter

        ids = [split_key(k)[0] for k in self._columns]
        twice = Counter(ids)
        present = set(self._keys)
        return [i if k in present or twice[i] == 1 else describe(k, self.net)
                for k, i in zip(self._columns, ids, strict=True)]  # fmt: skip

    def _default_rain(self, opts) -> ObservedRain:
        gauges = self.sensors.select(kind=ElementKind.GAUGE, quantity=Quantity.RAINFALL)
        if len(gauges) == 0:
            return ObservedRain.of_network(self.net, opts)
        self._rain_sensors = gauges
        return ObservedRain(len(self.net.raingages))

    def _observation_model(self):
        """Columns, scales, offsets and localisation of the level and flow sensors."""
        s = self.sensors
        m = self.members
        state = s.select(kind=ElementKind.NODE)
        state = np.concatenate([state, s.select(kind=ElementKind.LINK)]).astype(np.int64)
        st = self.settings
        dist = self._distance = GraphDistance.of_network(self.net, st.unit)
        reach = dist.along_flow_from_nodes if st.path == "flow" else dist.from_nodes
        cols, scales, offsets, idx, wts, at, dists = [], [], [], [], [], [], []
        for i in state:
            kind = _KIND[Quantity(int(s.quantity[i]))]
            e = int(s.element_index[i])
            c, a, b = m.observation_operator(kind, e)
            cols.append(c)
            scales.append(a)
            offsets.append(b)
            if s.element_kind[i] == ElementKind.NODE:
                dn, dl = reach([e], limit=st.radius)
                at.append(e)
            else:
                ends = [int(self.net.links.from_node[e]), int(self.net.links.to_node[e])]
                at.append(ends[0])
                dn, dl = reach(ends, limit=st.radius)
                dn, dl = dn.min(axis=0, keepdims=True), dl.min(axis=0, keepdims=True)
            wl = gaspari_cohn(dl[0], st.radius)
            dc = dl[0]
            if m.conduits is not None and st.conduit_path == "down":
                src = [e] if s.element_kind[i] == ElementKind.NODE else ends
                _, dd = dist.downstream_from_nodes(src, limit=st.radius)
                dc = dd.min(axis=0)
                wc = gaspari_cohn(dc, st.radius) * m.conduits.mask
            else:
                wc = wl * m.conduits.mask if m.conduits is not None else wl[:0]
            ds = dn[0][m.subarea_node]  # a subarea: at the node its subcatchment drains to
            w = np.concatenate([gaspari_cohn(dn[0], st.radius), wl, wc,
                                gaspari_cohn(ds, st.radius), [st.param_weight]])  # fmt: skip
            d = np.concatenate([dn[0], dl[0], dc[: len(wc)], ds, [np.inf]])
            keep = np.flatnonzero(w > 0)
            idx.append(keep)
            wts.append(w[keep])
            dists.append(d[keep])
        return {
            "sensor": state,
            "column": np.array(cols, np.int64),
            "scale": np.array(scales),
            "offset": np.array(offsets),
            "index": idx,
            "weight": wts,
            "distance": dists,
            "node": np.array(at, np.int64),
        }

    # -- observations ------------------------------------------------------------------
    def ingest(self, rows, source: str = "api") -> int:
        """Store observations (see :meth:`~twin.ops.store.ObservationStore.add`)."""
        return self.store.add(rows, source)

    def _time(self, t_s: float) -> np.datetime64:
        return self.start + np.timedelta64(int(round(t_s)), "s")

    def _seconds(self, t) -> float:
        return float(
            (np.datetime64(t, "s") - np.datetime64(self.start, "s")) / np.timedelta64(1, "s")
        )

    def _readings(self, t0_s: float, t1_s: float):
        """(times_s, (k, n_sensors) values) of the store on ``(t0, t1]``, NaN for gaps: a
        reading belongs to the first sample time at or after it, so one at the cycle time
        ``t1`` is used before that cycle's forecast (on ``[t0, t1)`` it was lost: this
        cycle did not read it and the next one had no sample time for it)."""
        w = self.store.window(self._time(t0_s), self._time(t1_s), self.sensors, closed="right")
        first = (np.floor(t0_s / self.sample_s + 1e-9) + 1) * self.sample_s
        times = np.arange(first, t1_s + 1e-9, self.sample_s)
        y = np.full((len(times), len(self.sensors)), np.nan)
        if len(w):
            ts = (w.time - np.datetime64(self.start, "s")).astype(np.int64).astype(float)
            k = np.ceil((ts - first) / self.sample_s - 1e-9).astype(int)
            ok = (k >= 0) & (k < len(times))
            y[k[ok], w.sensor[ok]] = w.value[ok]
        return times, y

    def _update_rain(self, t0_s: float, t1_s: float) -> None:
        gauges = getattr(self, "_rain_sensors", None)
        if gauges is None:
            return
        self._late_rain(t0_s, gauges)
        w = self.store.window(
            self._time(t0_s), self._time(t1_s), [self.sensors.ids[i] for i in gauges]
        )
        if not len(w):
            return
        ts = (w.time - np.datetime64(self.start, "s")).astype(np.int64).astype(float)
        times = np.unique(ts)
        rates = np.full((len(times), self.rain.n_gauges), np.nan)
        k0 = self.rain.mean_rate(t0_s - 60.0, t0_s) if t0_s > 0 else np.zeros(self.rain.n_gauges)
        for j, si in enumerate(gauges):
            g = int(self.sensors.element_index[si])
            sel = w.sensor == j
            rates[np.searchsorted(times, ts[sel]), g] = w.value[sel]
        prev = k0
        for r in rates:  # a gauge without a reading keeps its last rate
            miss = ~np.isfinite(r)
            r[miss] = prev[miss]
            prev = r
        self.rain.set(times, rates)

    def _late_rain(self, t0_s: float, gauges) -> None:
        """The gauges' readings of the last :func:`rain_memory_s` before ``t0`` that came
        after their cycle had read the store (:mod:`twin.ops.late`), into the observed
        rain from their time on (round 16; until then never read: the watch held the rate
        it had).  The members have run past them, but the rate held from ``t0``, the
        nowcast and the rain warnings take them.  A reading time the rain already has is
        not read again (a replay is as before); with several gauges one gauge's late
        reading at a time another's was read is not taken (left)."""
        lo = max(0.0, t0_s - rain_memory_s(self.settings))
        if t0_s <= lo:
            return
        w = self.store.window(self._time(lo), self._time(t0_s),
                              [self.sensors.ids[i] for i in gauges])  # fmt: skip
        if not len(w):
            return
        element = np.asarray(self.sensors.element_index)[np.asarray(gauges)]  # by position
        ts = (w.time - np.datetime64(self.start, "s")).astype(np.int64).astype(float)
        new = ~np.isin(ts, self.rain.times_s)
        for t in np.unique(ts[new]):  # in time order, each from the rate holding then
            row = self.rain.between(t, t + 1.0)[1][0].copy()
            at = new & (ts == t)
            row[element[w.sensor[at]]] = w.value[at]
            self.rain.set([t], row[None, :])

    # -- the cycle -----------------------------------------------------------------------
    def assimilate(self, until=None) -> float:
        """Step the members to ``until`` (datetime64, ISO text or s after the start;
        default the next cycle), updating them on the way; returns the time [s]."""
        t1 = (
            self.t_s + self.cycle_s
            if until is None
            else (float(until) if isinstance(until, int | float) else self._seconds(until))
        )
        t1 = min(t1, self.end_s)
        t0 = self.t_s
        if t1 <= t0:
            return t0
        # the readings stored since the last cycle read its window, of times before it
        self.late.before_read(self.store, self.sensors, self._time(t0))
        if self.radar is not None:  # the frames that arrived since the last cycle
            self.radar.refresh(self.rain if self._radar_is_rain else None)
        self._update_rain(t0, t1)
        if self.radar is not None and self.radar.gauge_adjusted and self.radar.bias == "kalman":
            self.radar.gauge_bias(self.rain, t1)  # its mean-field bias takes in the steps to t1
        if self.radar_rain != "gauge" and not self._radar_is_rain:
            self.radar.set_observed(self.rain, t0, t1)  # gauge-adjusted, per subcatchment
        times, rates = self.rain.between(t0, t1)
        ensembles = [self.members] + (self.withheld.ensembles if self.withheld else [])
        for m in ensembles:
            m.set_rain(times, rates)
        # no peeking at the gauge record beyond t1: persistence until the next cycle,
        # marked every wet step (changes that change nothing): otherwise the runoff,
        # seeing no change ahead, takes a dry step (an hour) past t1 in dry weather and
        # the next cycle's rain, which cannot start before the runoff's clock, is lost
        wet = self.members.sims[0].opts.wet_step_s
        marks = t1 + np.arange(0.0, self.cycle_s + wet, wet)
        for m in ensembles:
            m.set_rain(marks, np.repeat(rates[-1:], len(marks), axis=0))
        self._cycle_rain = (np.r_[times, marks], np.r_[rates, np.repeat(rates[-1:], len(marks), 0)])
        obs_t, obs_y = self._readings(t0, t1)
        m = self.members
        o = self._obs
        for t, y in zip(obs_t, obs_y, strict=True):
            m.advance_until(t)
            X = m.read()
            h = self._history
            h["t"].append(t)
            h["y"].append(y[o["sensor"]])
            if self.withheld is not None:  # QC against a prediction the sensor did not pull
                self.withheld.advance_until(t)
                hx = self.withheld.predict_members(o["column"], o["scale"], o["offset"])
            else:
                hx = X[:, o["column"]] * o["scale"] + o["offset"]
            h["hx"].append(hx.mean(axis=0))
            hsd = hx.std(axis=0, ddof=1) if m.n > 1 else np.zeros(hx.shape[1])
            if self.qc.s.pinned_spread:
                hsd = self._pinned_spread(hx, y[o["sensor"]], hsd)
            h["hsd"].append(hsd)
            if "hxm" in h:
                h["hxm"].append(hx)
            self._check(t)
            if self.settings.method != "none" and _on_grid(t, self.assimilate_s):
                self._update(X, y, t)
            if _on_grid(t, self.report_s):
                self._sample(t, y)
        self.t_s = t1
        return self.t_s

    def _pinned_spread(self, hx, y, hsd):
        """The spread QC judges a reading by (``QCSettings.pinned_spread``): where all
        members but at most one predict a depth at the node's rim (a censored
        prediction, "at least the rim"), at least the distance of their mean from the
        reading, so that the offset tests do not blame the sensor for the members."""
        o = self._obs
        col = o["column"]
        node = col < self.members.n_nodes
        if not node.any() or hx.shape[0] < 2:
            return hsd
        dmax = self.members.max_depth_m[col[node]]
        depth = (hx[:, node] - o["offset"][node]) / o["scale"][node]
        pinned = np.zeros(len(col), bool)
        pinned[node] = at_rim(depth, dmax).sum(axis=0) >= hx.shape[0] - 1
        gap = np.abs(y - hx.mean(axis=0))
        return np.where(pinned & np.isfinite(gap), np.maximum(hsd, gap), hsd)

    def _check(self, t) -> None:
        """Sensor QC on the last 2 h of readings and prior predictions, every reading."""
        keep = 2 * 3600.0
        h = self._history
        while h["t"] and h["t"][0] < t - keep:
            for v in h.values():
                v.pop(0)
        self.qc.update(
            np.array(h["t"]),
            np.array(h["y"]),
            np.array(h["hx"]),
            np.array(h["hsd"]),
            t,
            np.array(h["hxm"]) if "hxm" in h else None,
        )

    def _update(self, X, y, t) -> None:
        o = self._obs
        flagged = self.qc.flagged
        sens = o["sensor"]
        obs = Observations(
            o["column"],
            o["scale"],
            o["offset"],
            y[sens],
            self.sensors.sd[sens],
            o["index"],
            o["weight"],
            self.members.n_nodes,
            self.members.max_depth_m,
            self.members.conduit_columns,
            o["distance"],
            param_scale=self._param_scale(t),
            since_s=self.assimilate_s,  # updates come on this grid (param_tau_min)
        )
        use = ~flagged
        if self.settings.method == "enkf":
            if self.settings.inflation_adaptive and self.inflation is None:
                self.inflation = AdaptiveInflation(X.shape[1])
            enkf_update(X, obs, self.settings, use, self.inflation)
            if self.withheld is not None:
                self.withheld.update(obs, self.settings, use)
        else:
            nudging_update(X, obs, self.settings, use)
        self.members.write(X)
        if self.settings.param_immediate and self.settings.method == "enkf":
            self._rain_from(t)

    def _rain_from(self, t) -> None:
        """The cycle's rain again from ``t`` on, times each member's new rain factor
        (``FilterSettings.param_immediate``): the factor an update learnt rains from the
        update on, not from the next cycle."""
        times, rates = self._cycle_rain
        k0 = max(int(np.searchsorted(times, t, side="right")) - 1, 0)
        times = np.r_[t, times[k0 + 1 :]]
        rates = rates[k0:]
        for m in [self.members] + (self.withheld.ensembles if self.withheld else []):
            m.set_rain(times, rates)

    def _param_scale(self, t) -> float:
        """The rain factor's weight in this update (``FilterSettings.param_rain_mmh``):
        the gauges' mean rate over the last ``param_rain_window_min`` minutes over
        ``param_rain_mmh``, at most 1."""
        s = self.settings
        if s.param_rain_mmh <= 0.0:
            return 1.0
        rate = self.rain.mean_rate(t - s.param_rain_window_min * 60.0, t)
        return float(min(1.0, np.mean(rate) / s.param_rain_mmh)) if len(rate) else 1.0

    def _sample(self, t, y) -> None:
        m = self.members
        depth_ft, flow_cfs = m._rows()
        depth = (depth_ft * FT_TO_M).mean(axis=0)
        flow = (flow_cfs * m.link_direction).mean(axis=0) * 0.028316846592
        X = m.read()
        o = self._obs
        # one column per sensor the watch has had: NaN (flag -1) where not in the file
        col = self._sensor_columns()
        width = len(self._columns)
        an = np.full(width, np.nan)
        an[col[o["sensor"]]] = (X[:, o["column"]] * o["scale"] + o["offset"]).mean(axis=0)
        flag = np.full(width, -1.0)
        score = np.full(width, np.nan)
        flag[col] = score[col] = 0.0
        flag[col[o["sensor"]]] = self.qc.flagged
        score[col[o["sensor"]]] = self.qc.score
        observed = np.full(width, np.nan)
        observed[col] = y
        r = self.record
        r["time"].append(self._time(t))
        r["node_depth"].append(depth)
        r["node_head"].append(depth + m.invert_m)
        r["link_flow"].append(flow)
        r["sensor_observed"].append(observed)
        r["sensor_analysed"].append(an)
        r["sensor_qc_flag"].append(flag)
        r["sensor_qc_score"].append(score)
        if m.conduits is not None:
            c = m.conduits
            f = np.where(c.mask, np.exp(c.log_factor), np.nan)
            r["link_roughness_factor"].append(f.mean(axis=0))
            r["link_roughness_factor_sd"].append(f.std(axis=0, ddof=1))
            r["link_capacity_fraction"].append((1.0 / f).mean(axis=0))

    def forecast(self):
        """Save the members' states and run the forecast from them
        (:class:`~twin.ops.forecast.CycleForecast`, kept in ``cycles``)."""
        # two folders in turn: the marked cycle's states stay whole in the other one,
        # so a watch killed before this cycle's mark restarts from states that fit it
        slot = "ab"[self._cycle_no % 2]
        self._state_paths = self.members.save_states(self.outdir / "states" / slot)
        if self.withheld is not None:
            self.withheld.save_states(self.outdir / "states" / slot)
        if self._rain_is_own:  # the rain before now that later cycles read back
            save_rain(self.outdir / "states" / slot, self.rain, self.t_s,
                      rain_memory_s(self.settings))  # fmt: skip
        self._states_slot = slot
        self._note_factor()
        if self.forecaster is None:
            return None
        times, rates = self.nowcast(
            self.rain,
            self.t_s,
            self.horizon_s,
            self.members.n,
            seed=self.seed * 100003 + self._cycle_no,
        )
        fc = self.forecaster.run(self._forecast_snapshots(), times, rates, now_s=self.t_s)
        self.cycles.append(fc)
        self._nowcast = (times, rates)
        return fc

    def _note_factor(self) -> None:
        """The cycle's rain depth [mm] and analysed mean log rain factor, for the pooled
        forecast factor (``FilterSettings.forecast_factor``; kept in ``watch.json``)."""
        t0 = self._factor_t
        if self.t_s > t0:
            rate = self.rain.mean_rate(t0, self.t_s)[: self.n_rain_gauges]
            depth = float(np.mean(rate)) * (self.t_s - t0) / 3600.0
            self._factor_history.append((float(self.members.log_rain_factor.mean()), depth))
        self._factor_t = self.t_s

    def _forecast_snapshots(self) -> list:
        """The analysis members' snapshots, with the pooled rain factor when asked
        (each member keeping its deviation from the analysed mean)."""
        snaps = self.members.snapshots()
        if self.settings.forecast_factor != "pooled" or self.settings.method != "enkf":
            return snaps
        if not self._factor_history:
            return snaps
        x, w = np.array(self._factor_history).T
        pooled = pooled_log_factor(x, w, FACTOR_PRIOR_SD)
        mean = float(self.members.log_rain_factor.mean())
        return [(s[0], s[1] - mean + pooled, *s[2:]) for s in snaps]

    def warnings(self):
        """Issue, update and cancel warnings from the last forecast and the rain; returns
        the messages of this cycle (also appended to ``warnings.jsonl`` and ``alerts/``)."""
        s = self.book.s
        risks = {}
        names = self.net.nodes.name
        fc = self.cycles[-1] if self.cycles else None
        if fc is not None and fc.issued_s >= self.t_s - 1.0:
            lo = s.probability - s.hysteresis
            for i in np.flatnonzero(fc.node_flood_probability >= max(lo, 1e-9)):
                exp_t = fc.node_first_flood_s[i]
                risks[("manhole_overflow", str(names[i]))] = {
                    "probability": float(fc.node_flood_probability[i]),
                    "expected_time": self._time(exp_t) if np.isfinite(exp_t) else None,
                }
            risks.update(self._road_risks(fc, max(lo, 1e-9)))
        rate = self.rain.mean_rate(self.t_s - 300.0, self.t_s)
        depth15 = self.rain.mean_rate(self.t_s - 900.0, self.t_s) * 0.25
        fc_value, fc_first = self._forecast_rain_risk(fc)
        for g, gname in enumerate(self.net.raingages.name[: self.n_rain_gauges]):
            if rate[g] > s.rain_mmh or depth15[g] > s.rain_15min_mm:
                risks[("rainfall", str(gname))] = {
                    "probability": None,
                    "expected_time": None,
                    "value": float(rate[g]),
                    "extra": {"source": "observed"},
                }
            elif np.isfinite(fc_first[g]):
                risks[("rainfall", str(gname))] = {
                    "probability": None,
                    "expected_time": self._time(fc_first[g]),
                    "value": float(fc_value[g]),
                    "extra": {"source": "forecast"},
                }
        road = self.sensors.select(kind=ElementKind.NODE, quantity=Quantity.DEPTH)
        if self.record["time"] and len(road):
            last = np.r_[self.record["sensor_observed"][-1], np.nan]  # by analysis column
            col = self._sensor_columns()
            y = last[np.where(col < len(last) - 1, col, -1)]  # NaN: new since that sample
            for i in road:
                e = int(self.sensors.element_index[i])
                above = y[i] - self.members.rim_depth_m[e]
                if np.isfinite(above) and above > s.road_depth_m and not self.qc_flag(i):
                    risks[("road_depth", str(names[e]))] = {
                        "probability": None,
                        "expected_time": None,
                        "value": float(above),
                    }
        msgs = self.book.cycle(self._time(self.t_s), risks)
        stamp = iso(self._time(self.t_s))
        if stamp in self._warned_after_mark:  # killed after its lines, before its mark
            log.info("warnings of %s already in %s (a restarted watch)", stamp,
                     self.outdir / "warnings.jsonl")  # fmt: skip
        else:
            append_jsonl(self.outdir / "warnings.jsonl", msgs)
        for msg in msgs:
            d = msg.to_dict()
            element = d.get("node") or d.get("gauge") or d.get("cell")
            ref = self._references.get((d["kind"], element))
            xml = cap_alert(d, references=ref)
            from twin.ops.cap import SENDER, identifier

            write_atomic(self.outdir / "alerts" / f"{identifier(d)}.xml", xml)
            self._references[(d["kind"], element)] = (
                f"{SENDER},{identifier(d)},{d['issued'][:-1]}+00:00"
            )
        self.last_messages = msgs
        return msgs

    def _forecast_rain_risk(self, fc) -> tuple:
        """``(value, first_s)`` (n_rain_gauges,) of this cycle's forecast rain
        (:func:`~twin.ops.warnings.forecast_rain_exceedance` of the members' nowcast
        times their rain factor over ``rain_forecast_min``); first_s NaN where no
        trigger is passed, or without a forecast this cycle."""
        s = self.book.s
        n = self.n_rain_gauges
        none = (np.zeros(n), np.full(n, np.nan))
        nowcast = getattr(self, "_nowcast", None)
        if fc is None or fc.issued_s < self.t_s - 1.0 or nowcast is None:
            return none
        if s.rain_forecast_min <= 0.0:
            return none
        times, rates = nowcast
        rates = np.asarray(rates, np.float64)[..., :n]
        factor = np.exp(np.asarray(self.members.log_rain_factor, np.float64))
        if factor.shape == (rates.shape[0],):
            rates = rates * factor[:, None, None]
        return forecast_rain_exceedance(times, rates, self.t_s, 60.0 * s.rain_forecast_min,
                                        s.rain_mmh, s.rain_15min_mm)  # fmt: skip

    def _road_risks(self, fc, lowest: float) -> dict:
        """``road_depth`` risks of the street cells whose probability of water deeper
        than the road depth within the horizon is at least ``lowest`` (the cell keyed
        ``cell-IY-IX``, with its centre's x and y)."""
        p = fc.cell_road_probability
        if p is None:
            return {}
        y, x = self._cells()
        out = {}
        for iy, ix in zip(*np.nonzero(p >= lowest), strict=True):
            out[("road_depth", f"cell-{iy}-{ix}")] = {
                "probability": float(p[iy, ix]),
                "expected_time": None,
                "extra": {"x": float(x[ix]), "y": float(y[iy])},
            }
        return out

    def advice(self) -> list[dict]:
        """Plan the controls from this cycle's member states and forecast rain (with
        ``advise``); returns the records appended to ``advice.jsonl`` (none when the
        cycle's advice is already there, or without a forecast this cycle)."""
        if self.adviser is None or not self.cycles or self.cycles[-1].issued_s < self.t_s - 1.0:
            return []
        times, rates = self._nowcast
        states = self._state_paths
        if self.members.sims[0].couplers:  # the plan runs on the sewer (see WatchAdviser)
            folder = self.outdir / "states" / f"sewer-{self._states_slot}"
            states = self.members.save_states(folder, sewer_only=True)
        return self.adviser.cycle(self._time(self.t_s), states, times, rates,
                                  self.members.log_rain_factor)  # fmt: skip

    def qc_flag(self, sensor: int) -> bool:
        pos = np.flatnonzero(self._obs["sensor"] == sensor)
        return bool(pos.size and self.qc.flagged[pos[0]])

    def step(self, until=None):
        """One whole cycle: assimilate, forecast, warn, advise, write the files."""
        self.assimilate(until)
        self.forecast()
        self.warnings()
        self.advice()
        self._cycle_no += 1
        self.write()
        return self.last_messages

    def run(self, until=None) -> int:
        """Cycles until ``until`` (default: the latest observation) or the run's end;
        returns the number of cycles."""
        t_end = self.end_s
        if until is None:
            latest = self.store.latest_time()
            if latest is None:
                return 0
            t_end = min(t_end, self._seconds(latest))
            if self.latency_s > 0.0:  # wait for the sensors behind the feed's clock
                ok = [i for i in range(len(self.sensors)) if not self.qc_flag(i)]
                held = self.late.wait(self.store, [self.sensors.ids[i] for i in ok], latest)
                held = min(t_end, self._seconds(held))
                # whole cycles only, to the cycle times (the run's end excepted): a cycle
                # to t runs once every sensor has reported to t or is beyond the bound
                t_end = held if held >= self.end_s else self._cycle_time_before(held)
        else:
            t_end = min(t_end, self._seconds(until))
        n = 0
        while self.t_s < t_end - 1e-6:
            self.step(min(self.t_s + self.cycle_s, t_end))
            n += 1
        return n

    def _cycle_time_before(self, t_s: float) -> float:
        """The latest cycle time [s] (a multiple of the cycle after the start) at or
        before ``t_s``."""
        return float(np.floor(t_s / self.cycle_s + 1e-9) * self.cycle_s)

    # -- files and restart -----------------------------------------------------------------
    def write(self) -> None:
        """analysis.nc, forecasts.nc and watch.json (the cycle mark, last)."""
        attrs = {
            "assimilation": self.settings.method,
            "members": self.members.n,
            "assimilation_volume_m3": float(self.members.assimilation_volume_m3.mean()),
            "start": str(self.start),
        }
        if self.record["time"]:
            ds = analysis_dataset(
                self.record,
                list(self.net.nodes.name),
                list(self.net.links.name),
                self._column_names(),
                attrs,
            )
            write_dataset(ds, self.outdir / "analysis.nc")
        if self.cycles:
            ds = forecasts_dataset(self.cycles, self.start, list(self.net.nodes.name), QUANTILES,
                                   cells=self._cells())  # fmt: skip
            write_dataset(ds, self.outdir / "forecasts.nc")
        mark = {
            "t_s": self.t_s,
            "cycle": self._cycle_no,
            "states": getattr(self, "_states_slot", None),
            "solver": self.solver,
            "radar_rain": self.radar_rain,
            **({"radar_rain_auto": self.radar_rain_auto} if self.radar_rain_auto else {}),
            **self._folder_settings(),
            "warnings": self.book.state(),
            "warning_settings": self.book.s.thresholds(),
            "references": {f"{k}|{e}": v for (k, e), v in self._references.items()},
            "qc": {
                "flagged": self.qc.flagged.tolist(),
                "bad": self.qc._bad_run.tolist(),
                "good": self.qc._good_run.tolist(),
                "large_until": [x if np.isfinite(x) else None for x in self.qc._large_until],
                "cusum": self.qc.cusum_state.tolist(),
                "cusum_t": [x if np.isfinite(x) else None for x in self.qc.cusum_t],
                "reason": list(self.qc.reason),
            },
            "history": {k: np.asarray(v).tolist() for k, v in self._history.items()},
        }
        mark["sensor_sd"] = self.sensors.sd.tolist()
        mark["analysis_sensors"] = self._columns
        if self.withheld is not None:  # the folds by sensor (a restart's changed list)
            state = [self._keys[i] for i in self._obs["sensor"]]
            mark["folds"] = dict(zip(state, self.withheld.folds.tolist(), strict=True))
        if self.inflation is not None:
            mark["inflation"] = self.inflation.value.tolist()
        if self.withheld is not None:  # each fold's own adaptive inflations (None: none yet)
            mark["withheld_inflation"] = [None if a is None else a.value.tolist()
                                          for a in self.withheld.inflations]  # fmt: skip
        mark["factor_history"] = [list(x) for x in self._factor_history]
        if self.adviser is not None:  # the last plan, moved on and tried first next cycle
            mark["advice_incumbent"] = plan_to_json(self.adviser.incumbent)
        if self.radar is not None and self.radar.bias_state() is not None:
            mark["radar_bias"] = self.radar.bias_state()  # the Kalman filter's (round 15)
        mark["late"] = self.late.state()
        write_atomic(self.outdir / "watch.json", json.dumps(mark).encode())
        self.store.set_cursor("watch.t_s", self.t_s)
        self.store.set_cursor("watch.late_batch", self.late.batch)  # the store's own

    def _folder_settings(self) -> dict:
        """What the folder's member states and QC record hold (``FOLDER_SETTINGS``)."""
        sn = self.sensors
        return {
            "members": self.members.n,
            "assimilation": self.settings.method,
            "conduits": self.members.conduits is not None,
            "subcatchments": bool(self.settings.estimate_subcatchments)
            and self.settings.method == "enkf",
            "surface": bool(self.members.sims[0].couplers),
            "sensors": sensor_keys(sn),
        }

    def _note_threshold_change(self, marked: dict | None) -> None:
        """Log, at a restart, the warning thresholds changed since the folder's last cycle
        (none marked: a folder before round 15's watch-rainwarn).  A changed threshold is
        an operator's right: the warnings in force are judged by the new ones at the first
        cycle (cancelled where no longer met, raised where now met), not refused."""
        own = self.book.s.thresholds()

        def shown(x):
            return "off" if x is None else f"{float(x):g}"

        changed = [f"{k} {shown(marked[k])} -> {shown(own[k])}" for k in own
                   if marked and k in marked
                   and (None if marked[k] is None else float(marked[k])) != own[k]]  # fmt: skip
        if changed:
            log.warning("%s: warning thresholds changed at the restart (%s): the warnings in "
                        "force are judged by the new ones from this cycle", self.outdir,
                        ", ".join(changed))  # fmt: skip

    def _note_sensor_change(self) -> None:
        """Log, at a restart, the sensors the file added, removed or changed (warnings:
        the operator sees them without ``-v``)."""
        ch = self._change
        if ch is None:
            return
        when = iso(self._time(self.t_s))
        for old, new in ch.moved:
            log.warning("sensor %s is now %s: another sensor (removed and added; its QC "
                        "record starts anew)", describe(old, self.net),
                        describe(new, self.net))  # fmt: skip
        if ch.added or ch.removed:
            log.warning(
                "%s restarted at %s with another sensor file: added %s; removed %s (their "
                "readings stay in the database, not assimilated); %d kept with their QC "
                "record", self.outdir, when,
                ", ".join(describe(k, self.net) for k in ch.added) or "none",
                ", ".join(describe(k, self.net) for k in ch.removed) or "none",
                len(ch.kept),
            )  # fmt: skip
        elif ch.old != ch.new:
            log.info("the sensor file lists the watch's sensors in another order: the watch "
                     "keeps its own")  # fmt: skip
        for key, was, now in ch.sd_changes(self.sensors):
            unit = QUANTITY_UNITS[split_key(key)[3]]
            log.warning("sensor %s: sd %g -> %g %s from %s on", describe(key, self.net), was,
                        now, unit, when)  # fmt: skip

    def _cells(self):
        """(y, x) cell centres of the street surface, None without one."""
        for c in self.members.sims[0].couplers:
            if hasattr(c, "dem"):
                return c.dem["y"].values, c.dem["x"].values
        return None

    def close(self) -> None:
        """Close the Dask client this twin opened (if any)."""
        if self._own_client is not None:
            self._own_client.close()
            self._own_client = None

    def _restore_carried(self, mark: dict) -> None:
        """What ``watch.json`` holds beyond the QC record and the warnings since round 15
        (:mod:`twin.ops.carried`): the withheld folds' inflations, the pooled factor's
        history, the advice's last plan, and the warnings a killed cycle wrote; a key a
        folder of an earlier round lacks starts anew, logged."""
        if self.withheld is not None and self.settings.inflation_adaptive:
            old = mark.get("withheld_inflation")
            if old is None:
                _missing(self.outdir, "the withheld folds' adaptive inflations")
            else:  # each fold from the fold it continues (a changed sensor file)
                sources = self._fold_sources or range(self.withheld.n_folds)
                self.withheld.inflations = [
                    AdaptiveInflation(len(old[f]), old[f]) if 0 <= f < len(old)
                    and old[f] is not None else None for f in sources
                ]  # fmt: skip
        if "factor_history" in mark:
            self._factor_history = [tuple(x) for x in mark["factor_history"]]
        elif self.settings.forecast_factor == "pooled":
            _missing(self.outdir, "the pooled forecast factor's history")
        if self.adviser is not None:
            if "advice_incumbent" in mark:
                self.adviser.incumbent = plan_from_json(mark["advice_incumbent"])
            else:
                _missing(self.outdir, "the advice's last plan")
        self._warned_after_mark = issued_after(self.outdir / "warnings.jsonl",
                                               iso(self._time(float(mark["t_s"]))))  # fmt: skip

    def _restart(self) -> None:
        self._references = {}
        mark = self._mark
        if mark is None:
            return
        marked = mark.get("solver", "swmm")  # none: a folder of an earlier version
        if marked != self.solver:
            raise InputError(
                f"{self.outdir} is a watch run with solver {marked!r}: its member states "
                f"cannot continue with solver {self.solver!r} (restart it with --solver "
                f"{marked}, or watch into a new folder)",
                field="solver",
            )
        marked = mark.get("radar_rain", "gauge")  # none: a folder before round 14
        if marked != self.radar_rain:
            chose = self.radar_rain_auto  # auto's choice named, so the reason is seen
            why = f" (auto's choice on {chose['cells']} radar cells)" if chose else ""
            raise InputError(
                f"{self.outdir} is a watch run with the radar's rain per {marked}: it cannot "
                f"continue per {self.radar_rain}{why} (restart it with --radar-rain {marked}, "
                f"or watch into a new folder)",
                field="radar_rain",
            )
        own = self._folder_settings()
        for key, option in FOLDER_SETTINGS.items():  # none: a folder before round 14
            if key in mark and mark[key] != own[key]:
                raise InputError(
                    f"{self.outdir} is a watch run with other {option} ({_shown(mark[key])}, "
                    f"now {_shown(own[key])}): its member states and QC cannot continue "
                    f"with these (restart it with the same, or watch into a new folder)",
                    field=option,
                )
        slot = mark.get("states")  # none: a folder of an earlier version, states/ itself
        if not self.members.load_states(self.outdir / "states" / (slot or "")):
            if "members" in mark:  # marked, its states gone: starting over would repeat
                raise InputError(f"{self.outdir}: the member states of the marked cycle "
                                 f"are missing", field="states")  # fmt: skip
            return
        if self.withheld is not None and self._fold_sources is not None:  # other sensors
            self.withheld.continue_from(self.outdir / "states" / (slot or ""),
                                        self._fold_sources, self.members)  # fmt: skip
        elif self.withheld is not None and not self.withheld.load_states(
            self.outdir / "states" / (slot or "")
        ):
            self.withheld.copy_from(self.members)  # a folder written without the folds
        if self._rain_is_own and not load_rain(self.outdir / "states" / (slot or ""), self.rain):
            log.info("%s: no observed rain saved with the marked states (a folder before "
                     "round 15): the rain starts at the restart", self.outdir)  # fmt: skip
        self.t_s = float(mark["t_s"])
        self._cycle_no = int(mark["cycle"])
        self.book.restore(mark["warnings"])
        self._note_threshold_change(mark.get("warning_settings"))
        if mark.get("radar_bias") and self.radar is not None and self.radar.bias == "kalman":
            self.radar.restore_bias(mark["radar_bias"])  # else (none yet) from the frames
        self._references = {tuple(k.split("|", 1)): v for k, v in mark["references"].items()}
        qc, history = mark["qc"], mark["history"]
        if self._sensors_changed():  # each kept sensor's record where it now is, by id
            qc, history = self._change.carry(qc, history, self._keys)
        self._note_sensor_change()
        self.qc.flagged[:] = qc["flagged"]
        self.qc._bad_run[:] = qc["bad"]
        self.qc._good_run[:] = qc["good"]
        large = qc.get("large_until") or [None] * len(self.qc._large_until)
        self.qc._large_until[:] = [-np.inf if x is None else x for x in large]
        self.qc.reason = list(qc.get("reason") or self.qc.reason)  # none: before round 15
        if "cusum" in qc:  # else (before round 13) the sums start from the history
            shape = self.qc.cusum_state.shape  # (sensors, 2); JSON keeps no shape of none
            self.qc.cusum_state[:] = np.reshape(qc["cusum"], shape)
            self.qc.cusum_t[:] = [-np.inf if x is None else x for x in qc["cusum_t"]]
        self._history = {k: list(np.asarray(v)) for k, v in history.items()}
        if not self.qc.s.uses_members:
            self._history.pop("hxm", None)
        elif "hxm" not in self._history:  # a folder written without the members
            blank = np.full((self.members.n, len(self._obs["sensor"])), np.nan)
            self._history["hxm"] = [blank] * len(self._history["t"])
        if mark.get("inflation") is not None and self.settings.inflation_adaptive:
            self.inflation = AdaptiveInflation(len(mark["inflation"]), mark["inflation"])
        self._restore_carried(mark)
        self.late.restore(mark.get("late"), self.store.get_cursor("watch.late_batch"))
        import xarray as xr

        # analysis.nc's columns: the folder's (a folder of round 14: its sensor list),
        # then the sensors new to it
        marked = list(mark.get("analysis_sensors", mark.get("sensors", self._keys)))
        if (self.outdir / "analysis.nc").exists():
            with xr.open_dataset(self.outdir / "analysis.nc", engine="h5netcdf") as ds:
                ds = ds.sel(time=ds.time <= np.datetime64(self._time(self.t_s), "ns")).load()
            for k in self.record:
                if k == "time":
                    self.record[k] = list(ds.time.values.astype("datetime64[s]"))
                elif k.startswith("sensor_"):  # one written after the mark (killed before
                    # it) may have columns the mark has not: empty up to the mark
                    self.record[k] = list(ds[k].values[:, : len(marked)])
                else:
                    self.record[k] = list(ds[k].values)
        had = set(marked)
        self._columns = marked + [k for k in self._keys if k not in had]
        if (self.outdir / "forecasts.nc").exists():
            self.cycles = _cycles_from(
                self.outdir / "forecasts.nc", self.start, self._time(self.t_s)
            )
        log.info("restarted at %s from %s", iso(self._time(self.t_s)), self.outdir)


def _missing(outdir, what: str) -> None:
    log.info("%s: %s not in watch.json (a folder before round 15): starts anew at the "
             "restart", outdir, what)  # fmt: skip


def _read_mark(outdir: Path) -> dict | None:
    """A watch folder's ``watch.json`` (None: a new folder)."""
    path = outdir / "watch.json"
    return json.loads(path.read_text()) if path.exists() else None


def _on_grid(t: float, step: float) -> bool:
    return abs(t / step - round(t / step)) < 1e-6


def _cycles_from(path, start, until) -> list:
    import xarray as xr

    from twin.ops.forecast import CycleForecast

    out = []
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds = ds.load()
    s0 = np.datetime64(start, "ns")
    for c in range(ds.sizes["cycle"]):
        t = ds.cycle.values[c]
        if t > np.datetime64(until, "ns"):
            continue
        ff = ds.node_first_flood_time.values[c]
        ff_s = np.where(np.isnat(ff), np.nan, (ff - s0) / np.timedelta64(1, "s"))
        out.append(
            CycleForecast(
                issued_s=float((t - s0) / np.timedelta64(1, "s")),
                lead_s=ds.lead.values / np.timedelta64(1, "s"),
                node_flood_probability=ds.node_flood_probability.values[c],
                node_first_flood_s=ff_s,
                node_depth_mean=ds.node_depth_mean.values[c],
                node_depth_quantile=ds.node_depth_quantile.values[c],
                member_flood_s=np.zeros((0, ds.sizes["node"])),
                cell_flood_probability=(
                    ds.cell_flood_probability.values[c] if "cell_flood_probability" in ds else None
                ),
                cell_max_depth_median=(
                    ds.cell_max_depth_median.values[c] if "cell_max_depth_median" in ds else None
                ),
            )
        )
    return out
