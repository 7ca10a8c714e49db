"""`twin watch`: the operational twin (see :mod:`twin.ops.watch`)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from click.core import ParameterSource

from twin.cli import cli
from twin.errors import InputError


@cli.command("watch")
@click.argument("network")
@click.option("--sensors", "sensors_path", required=True, help="Sensor file (TOML).")
@click.option("--observations", "obs_path", help="Observation CSV (time,sensor,value).")
@click.option("--rainfall", "rain_path", help="Rain gauge CSV (time,sensor,value) in mm/h.")
@click.option(
    "--radar",
    "radar_dir",
    help="Folder of radar NetCDF grids (time, y, x) in mm/h, read again every cycle: "
    "the observed rain (with --rainfall the gauges, the radar scaled to them) and, "
    "with pysteps, the nowcast.",
)
@click.option(
    "--nowcast",
    type=click.Choice(["extrapolation", "steps"]),
    default="extrapolation",
    show_default=True,
    help="Radar nowcast method.",
)
@click.option(
    "--surface",
    is_flag=True,
    help="Couple the members to the 2D street surface (per street cell flood probability).",
)
@click.option("--mqtt", help="MQTT broker HOST:PORT.")
@click.option("--topic", default="twin/observations", show_default=True)
@click.option("--replay", is_flag=True, help="Run the recorded event as fast as possible.")
@click.option("--cycle-min", type=float, default=10.0, show_default=True)
@click.option(
    "--latency-min",
    type=float,
    default=0.0,
    show_default=True,
    help="Readings that arrive late: a cycle to t (a multiple of --cycle-min) waits until "
    "every sensor (not flagged by QC) has reported to t, except one more than this many "
    "minutes behind the feed's clock (the latest reading of any sensor), a gap; the watch "
    "then runs at most this plus a cycle behind the feed (0-1440; 0: to the feed's clock, "
    "as before).  Not with --replay (a "
    "recorded event is whole).  Readings that arrive after their cycle are counted and "
    "logged either way (watch.json's late) (README, Readings that arrive late).",
)
@click.option("--horizon-min", type=float, default=120.0, show_default=True)
@click.option("--members", type=int, default=16, show_default=True)
@click.option("--no-assimilation", is_flag=True, help="Open loop (no state updating).")
@click.option("--nudging", is_flag=True, help="Deterministic nudging of a single run.")
@click.option(
    "--conduits",
    is_flag=True,
    help="Also estimate each conduit's roughness / capacity factor with the EnKF "
    "(joint state-parameter estimation; analysis.nc link_roughness_factor, "
    "link_capacity_fraction).",
)
@click.option(
    "--subcatchments",
    is_flag=True,
    help="Also correct the water on the subcatchments with the EnKF (the ponded depth "
    "of every subarea in the state, localised at the node it drains to).",
)
@click.option(
    "--obs-error",
    type=click.Choice(["gate", "huber", "aoei"]),
    default="gate",
    show_default=True,
    help="What a reading far from the members' prediction does: rejected beyond 5 "
    "standard deviations (gate), or used with its error inflated (adaptive "
    "observation-error inflation: huber, aoei), so that a real local error one sensor "
    "sees (a blocked pipe) is learnt; QC then flags such a sensor only by its own "
    "record (stuck, noise).",
)
@click.option(
    "--plain-gate",
    is_flag=True,
    help="The gate judges a reading by all members, also those pinned at a rim or dry "
    "(as before 2026-12-07); default: by the members off such a bound only.",
)
@click.option(
    "--factor-bound",
    type=click.FloatRange(0.0, 100.0),
    default=0.0,
    show_default=True,
    help="Bound the members' mean log rain factor to this many prior standard "
    "deviations (0.25 each) about 0 (a factor of 1) after every update (README, The "
    "rain factor's runaway; 2 stops the runaway measured there); 0: no bound.",
)
@click.option(
    "--plain-qc",
    is_flag=True,
    help="Sensor QC judges a reading by the members' spread also where all but one of "
    "them sit at the manhole's rim (as before round 12); default: by at least their "
    "distance from the reading there (README, The rain factor's runaway).",
)
@click.option(
    "--factor-independent",
    is_flag=True,
    help="Every reading moves the rain factor with its full weight, as independent "
    "evidence (as before 2026-12-07); default: the readings of an update share one "
    "increment of it (README, The rain factor's runaway).",
)
@click.option(
    "--motion-pairs",
    type=click.IntRange(1, 5),
    default=None,
    help="With --radar: the nowcast's motion is the mean optical flow of the last N "
    "pairs of radar frames (1: the last two frames only, as before round 13; default 5 "
    "with the extrapolation since round 13, else 1; README, The members' motion).",
)
@click.option(
    "--nowcast-mean",
    type=click.Choice(["extrapolation", "smoothed", "sprog", "anvil", "linda"]),
    default="extrapolation",
    show_default=True,
    help="With --radar: the extrapolation nowcast's mean field: the last frame advected "
    "(extrapolation), the last three frames advected to now and averaged first "
    "(smoothed), S-PROG's decaying cascade (sprog), or a nowcast of the rain's growth and "
    "decay, ANVIL's (anvil) or LINDA's (linda) (README, The radar nowcast's rain; "
    "Storms that grow in place).",
)
@click.option(
    "--motion-pert",
    type=click.Choice(["none", "pairs"]),
    default=None,
    help="With --radar: the extrapolation members' motion: all the same (none, as before "
    "round 13; with --motion-pairs 1 the old nowcast), or each perturbed by its own "
    "constant vector as large as the spread of the last frame pairs' optical flows "
    "(pairs, the default with the extrapolation and its own mean since round 13), so the "
    "members span a timing error (README, The members' motion).",
)
@click.option(
    "--motion-input",
    type=click.Choice(["rate", "db"]),
    default=None,
    help="With --radar: the optical flow of the rain rate [mm/h] itself (rate, as before "
    "round 16) or of its decibels, 10 log10(R / 1 mm/h), -15 dB below 0.1 mm/h (db, the "
    "default with the extrapolation since round 16) (README, The nowcast's motion (round 16)).",
)
@click.option(
    "--nowcast-spread",
    type=click.Choice(["lagrangian", "area", "rate", "lagrangian-walk", "area-walk", "rate-walk"]),
    default=None,
    help="With --radar: the extrapolation members' lognormal spread, its variance the "
    "rain's change along the motion in the last frames over every raining cell "
    "(lagrangian, as before round 14), where the last frame rains at least half as hard "
    "as the catchments (rate, the default with the extrapolation since round 14) or on "
    "the catchments' means (area); -walk: a random walk in lead instead of one factor "
    "for all leads (README, The members' spread).",
)
@click.option(
    "--radar-rain",
    type=click.Choice(["gauge", "subcatchment", "auto"]),
    default=None,
    help="With --radar: the radar frames and nowcast members mapped to the network's rain "
    "gauges (gauge, the default) or to every subcatchment on its own gauge (subcatchment; "
    "with --rainfall its gauge's reading times the radar's spatial pattern; the rainfall "
    "warnings stay at the gauges); auto: subcatchment when the subcatchments overlay at "
    "least 10 radar cells, else gauge (logged, in watch.json) (README, Rain now and next).",
)
@click.option(
    "--radar-bias",
    type=click.Choice(["window", "kalman"]),
    default=None,
    help="With --radar and --rainfall: the radar's mean-field bias against the gauges, the "
    "last hour's ratio of their depths (window, as before round 15) or the log bias "
    "Kalman-filtered over every radar step, each weighted by its rain, its state kept "
    "over a restart (kalman, the default since round 15) (README, The radar's mean-field "
    "bias).",
)
@click.option(
    "--warning-hold",
    type=click.IntRange(1, 100),
    default=1,
    show_default=True,
    help="A manhole or street-cell warning is cancelled once its probability has been "
    "below the lower threshold (--warning-probability less 0.2) on this many cycles in a "
    "row; 2 holds it through one cycle's dip instead of cancelling and raising it again "
    "(README, Warnings).",
)
@click.option(
    "--warning-probability",
    type=float,
    default=0.5,
    show_default=True,
    help="A manhole or street cell is warned of when its flood probability within the "
    "horizon reaches this (0.01-1).",
)
@click.option(
    "--warning-hysteresis",
    type=float,
    default=0.2,
    show_default=True,
    help="A manhole or street-cell warning is cancelled when its probability falls below "
    "--warning-probability less this (0-1; at or above the probability: only when no "
    "member floods).",
)
@click.option(
    "--warning-update-probability",
    type=float,
    default=0.2,
    show_default=True,
    help="A warning in force is updated when its probability moves by this much (0.01-1) ...",
)
@click.option(
    "--warning-update-min",
    type=float,
    default=10.0,
    show_default=True,
    help="... or its expected first flood by this many minutes (1/60-1440).",
)
@click.option(
    "--warning-hold-expected-min",
    default="10",
    show_default=True,
    help="A manhole warning whose probability dips below the lower threshold stays in "
    "force, without a message, until its expected first flood (as last issued or "
    "updated) is this many minutes past (0-1440), instead of being cancelled and raised "
    "again (10 since round 16; off: cancelled at the dip, or after --warning-hold cycles, "
    "as before).  Street cells carry no expected time and are not held by it.",
)
@click.option(
    "--rain-mmh",
    type=float,
    default=55.0,
    show_default=True,
    help="The rainfall warning: a gauge's rain rate above this [mm/h] (0.1-500), "
    "observed or forecast.",
)
@click.option(
    "--rain-15min-mm",
    type=float,
    default=20.0,
    show_default=True,
    help="The rainfall warning: a gauge's rain in 15 minutes above this [mm] (0.1-200), "
    "observed or forecast.",
)
@click.option(
    "--rain-forecast-min",
    type=float,
    default=60.0,
    show_default=True,
    help="The rainfall warning judges the forecast members' median rain this many minutes "
    "ahead (0-2880; 0: the observed rain only).",
)
@click.option(
    "--road-depth-m",
    type=float,
    default=0.15,
    show_default=True,
    help="The road warning: water above a road gauge's rim, or on a street cell, deeper "
    "than this [m] (0.001-10).  The thresholds are kept in OUTDIR/watch.json; a restart "
    "with others re-judges the warnings in force by them at its first cycle.",
)
@click.option(
    "--adaptive-inflation",
    is_flag=True,
    help="Adaptive prior inflation: each state element's spread inflated by a value "
    "learnt from the innovations of the sensors that reach it (Anderson 2009).",
)
@click.option(
    "--scheduler", help="Dask scheduler address tcp://host:port: the forecast members run there."
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--advise",
    is_flag=True,
    help="Every cycle, plan the pumps, gates and weirs over the forecast members "
    "(OUTDIR/advice.jsonl).",
)
@click.option(
    "--actuators",
    "actuators_path",
    help="Actuator file (TOML) of the advice; default every controllable link.",
)
@click.option(
    "--solver",
    type=click.Choice(["swmm", "newton"]),
    default="swmm",
    show_default=True,
    help="Dynamic-wave solver of the members and forecasts: SWMM 5.2's, or the Newton "
    "solver (see README, Newton solver); recorded in OUTDIR/watch.json, a restart must "
    "give the same.",
)
@click.option("-o", "--output", "outdir", required=True, help="Output folder.")
def watch_cmd(network, sensors_path, obs_path, rain_path, radar_dir, nowcast, surface, mqtt,
              topic, replay, cycle_min, latency_min, horizon_min, members, no_assimilation,
              nudging,
              conduits, subcatchments, obs_error, plain_gate, plain_qc, factor_bound,
              factor_independent,
              motion_pairs, nowcast_mean, motion_pert, motion_input, nowcast_spread, radar_rain,
              radar_bias, warning_hold, warning_probability, warning_hysteresis,
              warning_update_probability, warning_update_min, warning_hold_expected_min,
              rain_mmh, rain_15min_mm,
              rain_forecast_min, road_depth_m,
              adaptive_inflation, scheduler, seed, advise, actuators_path, solver,
              outdir):  # fmt: skip
    """Keep NETWORK corrected by live sensors, forecast every cycle and issue warnings.

    Observations go into OUTDIR's database first; a restarted watch resumes from it
    and from the members' last states.
    """
    import twin
    from twin.ops.csvfeed import ingest_csv
    from twin.ops.enkf import FilterSettings
    from twin.ops.qc import QCSettings
    from twin.ops.sensors import load_sensors
    from twin.ops.warnings import THRESHOLDS, WarningSettings
    from twin.ops.watch import Twin

    # the warning thresholds in their ranges: one line naming the option, nothing written
    warning_settings = WarningSettings(
        hold_cycles=warning_hold, probability=warning_probability,
        hysteresis=warning_hysteresis, probability_step=warning_update_probability,
        time_step_min=warning_update_min,
        hold_expected_min=None if str(warning_hold_expected_min).strip().lower() == "off"
        else warning_hold_expected_min,
        rain_mmh=rain_mmh,
        rain_15min_mm=rain_15min_mm, rain_forecast_min=rain_forecast_min,
        road_depth_m=road_depth_m,
    ).checked(THRESHOLDS)  # fmt: skip
    net = twin.load_network(network)
    sensors = load_sensors(sensors_path, net)
    given = click.get_current_context().get_parameter_source
    # the radar's own settings: without --radar there is no radar rain or nowcast
    radar_only = {"--nowcast": given("nowcast") is not ParameterSource.DEFAULT,
                  "--motion-pairs": motion_pairs is not None,
                  "--nowcast-mean": nowcast_mean != "extrapolation",
                  "--motion-pert": motion_pert is not None,
                  "--motion-input": motion_input is not None,
                  "--nowcast-spread": nowcast_spread is not None,
                  "--radar-rain": radar_rain is not None,
                  "--radar-bias": radar_bias is not None}  # fmt: skip
    for option, set_ in radar_only.items():
        if set_ and not radar_dir:
            raise InputError(f"{option} is the radar's: give --radar too", field=option)
    if radar_bias is not None and not rain_path:
        raise InputError("--radar-bias is the radar's bias against the rain gauges: give "
                         "--rainfall too", field="--radar-bias")  # fmt: skip
    if nowcast_spread is not None and nowcast != "extrapolation":
        raise InputError("--nowcast-spread is the extrapolation's (STEPS has its own noise)",
                         field="--nowcast-spread")  # fmt: skip
    if actuators_path and not advise:
        raise InputError("--actuators is the advice's actuator file: give --advise too",
                         field="--actuators")  # fmt: skip
    if advise:
        from twin.control.config import load_config

        if actuators_path:
            load_config(actuators_path, net)  # bad input: one line before anything runs
    method = "none" if no_assimilation else ("nudging" if nudging else "enkf")
    if advise and solver != "swmm":
        raise InputError("--advise does not run with --solver newton yet", field="--solver")
    if conduits and advise:
        raise InputError("--advise does not run with --conduits yet", field="--conduits")
    if conduits and method != "enkf":
        raise InputError("--conduits needs the ensemble filter (not --no-assimilation or "
                         "--nudging)", field="--conduits")  # fmt: skip
    if subcatchments and method != "enkf":
        raise InputError("--subcatchments needs the ensemble filter (not --no-assimilation "
                         "or --nudging)", field="--subcatchments")  # fmt: skip
    if obs_error != "gate" and method != "enkf":
        raise InputError("--obs-error weights the ensemble filter's readings (not with "
                         "--no-assimilation or --nudging)", field="--obs-error")  # fmt: skip
    if no_assimilation and nudging:
        raise InputError("--no-assimilation and --nudging exclude each other: give one",
                         field="--nudging")  # fmt: skip
    # the ensemble filter's own settings: nudging and an open loop have none of them
    filter_only = {"--adaptive-inflation": adaptive_inflation, "--plain-gate": plain_gate,
                   "--factor-bound": factor_bound > 0.0,
                   "--factor-independent": factor_independent}  # fmt: skip
    for option, set_ in filter_only.items():
        if set_ and method != "enkf":
            raise InputError(f"{option} is the ensemble filter's (not with --no-assimilation "
                             "or --nudging)", field=option)  # fmt: skip
    from twin.errors import checked_number
    from twin.limits import LATENCY_RANGE

    latency_min = checked_number(latency_min, "--latency-min", *LATENCY_RANGE)
    if latency_min > 0.0 and replay:
        raise InputError("--latency-min waits for a live feed's late readings: a replay's "
                         "event is whole (not with --replay)", field="--latency-min")  # fmt: skip
    if given("topic") is not ParameterSource.DEFAULT and not mqtt:
        raise InputError("--topic is the MQTT feed's: give --mqtt too", field="--topic")
    if mqtt:
        _mqtt_module().parse_broker(mqtt)  # bad input: one line before anything is written
    out = Path(outdir)
    end_hours = None
    if obs_path or rain_path:
        from twin.ops.csvfeed import read_observations_csv
        from twin.ops.times import epoch_seconds

        last = 0
        for p in (obs_path, rain_path):
            if p:
                b = read_observations_csv(p, sensors)
                if len(b):
                    last = max(last, int(epoch_seconds(b.time.max())))
        from twin.engine.options import SimOptions

        start = int(epoch_seconds(SimOptions.from_network(net).start))
        opts_h = SimOptions.from_network(net).duration_s / 3600.0
        end_hours = max(opts_h, (last - start + horizon_min * 60.0) / 3600.0)
    # round 13: the extrapolation's members span the motion's error, around the 5 pairs'
    # motion (README, The members' motion); STEPS and S-PROG keep their own; round 14:
    # their lognormal spread where it rains like the catchments (The members' spread)
    from twin.ops.nowcast import (
        WATCH_BIAS,
        watch_motion_defaults,
        watch_motion_input_default,
        watch_spread_default,
    )

    motion_pairs, motion_pert = watch_motion_defaults(nowcast, nowcast_mean, motion_pairs,
                                                      motion_pert)  # fmt: skip
    nowcast_spread = watch_spread_default(nowcast, nowcast_spread)
    radar = {}
    if radar_dir:
        from twin.engine.options import SimOptions
        from twin.ops.nowcast import RadarRain

        # with rain gauges (--rainfall) they are the observed rain, the radar's nowcast
        # scaled by its mean-field bias against them
        radar = {"radar": RadarRain.from_folder(radar_dir, net, SimOptions.from_network(net).start,
                                                method=nowcast,
                                                gauge_adjusted=bool(rain_path),
                                                motion_pairs=motion_pairs,
                                                mean=nowcast_mean,
                                                motion_pert=motion_pert,
                                                motion_input=watch_motion_input_default(
                                                    nowcast, motion_input),
                                                spread=nowcast_spread,
                                                bias=radar_bias or WATCH_BIAS),
                 "radar_rain": radar_rain or "gauge"}  # fmt: skip
    tw = Twin(net, sensors, out, members=members, assimilation=method, cycle_min=cycle_min,
              horizon_min=horizon_min, end_hours=end_hours, seed=seed, surface=surface or None,
              scheduler=scheduler, advise=advise, actuators=actuators_path, solver=solver,
              filter_settings=FilterSettings(estimate_conduits=conduits, obs_error=obs_error,
                                             inflation_adaptive=adaptive_inflation,
                                             gate_censored=not plain_gate,
                                             param_bound_sd=factor_bound,
                                             param_shared=not factor_independent,
                                             estimate_subcatchments=subcatchments),
              qc_settings=QCSettings(pinned_spread=not plain_qc),
              warning_settings=warning_settings, latency_min=latency_min,
              **radar)  # fmt: skip
    for p in (obs_path, rain_path):
        if p:
            new = ingest_csv(p, tw.store, sensors)
            click.echo(f"{p}: {new} new observations", err=True)
    if mqtt:
        _start_mqtt(mqtt, topic, tw, sensors)
    while True:
        n = tw.run()
        for m in tw.last_messages if n else []:
            click.echo(f"{m.issued} {m.kind} {m.status} {m.node or m.gauge or ''}")
        if replay or not mqtt:
            break
        time.sleep(1.0)
    tw.close()
    click.echo(f"watch: {tw._cycle_no} cycles, last {tw._time(tw.t_s)}; files in {out}")


def _mqtt_module():
    try:
        from twin.ops import mqtt
    except ImportError:
        raise InputError("MQTT feed is not available in this build", field="--mqtt") from None
    return mqtt


def _start_mqtt(address, topic, tw, sensors):
    mqtt = _mqtt_module()
    host, port = mqtt.parse_broker(address)
    feed = mqtt.MqttFeed(host, port, topic, tw.store, sensors)
    feed.start()
    return feed
