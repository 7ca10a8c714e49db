"""`twin observe ...`: load observations into a twin's database without the watch loop.

``ingest`` reads named CSV files strictly (a bad row: one error line, exit 2, nothing
of the files stored); ``follow`` and ``mqtt`` are long-running feeds that quarantine
bad rows and stop cleanly on SIGTERM or Ctrl-C; ``show`` prints what a database holds.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from pathlib import Path

import click
import numpy as np

import twin
from twin.cli import cli
from twin.files.signals import signals_handled_by

_SENSORS = click.option(
    "--sensors",
    "sensor_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="Sensor declarations (TOML, [[sensor]] tables).",
)
_NETWORK = click.option(
    "--network",
    default="default",
    show_default=True,
    help="The network the sensors are on (a bundled name or an .inp file).",
)
_DB = click.option(
    "--db",
    required=True,
    type=click.Path(file_okay=True),
    help="Output folder (or .sqlite file) of the observation database.",
)
_TZ = click.option(
    "--timezone",
    "tz",
    default=None,
    help="Zone of times written without one (IANA name or +HH:MM) [default: UTC].",
)


def _load(sensor_file, network):
    from twin.ops import load_sensors

    return load_sensors(sensor_file, twin.load_network(network))


def _log_to_stderr():
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True
    )


@contextlib.contextmanager
def _stop_on_signals():
    """An event set by SIGTERM or Ctrl-C while inside; the previous handlers come back
    on the way out (an API caller's or a test runner's handlers are not left replaced)."""
    stop = threading.Event()
    with signals_handled_by(lambda *_: stop.set(), (signal.SIGTERM, signal.SIGINT)):
        yield stop


@cli.group("observe")
def observe_cmd():
    """Load sensor observations into a twin's database (CSV files, a folder, MQTT)."""


@observe_cmd.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_SENSORS
@_NETWORK
@_DB
@_TZ
def ingest_cmd(files, sensor_file, network, db, tz):
    """Store the observations of CSV FILES (time,sensor,value); every file is read
    before anything is stored, and a bad row stores nothing."""
    from twin.ops import ObservationStore
    from twin.ops.csvfeed import read_observations_csv

    sensors = _load(sensor_file, network)
    batches = [(f, read_observations_csv(f, sensors, tz=tz)) for f in files]
    with ObservationStore(db) as store:
        for f, batch in batches:
            new = store.add(batch, f"csv:{Path(f).resolve()}")
            rows, _, dup, conflicts = store.last_add
            click.echo(
                f"{f}: {rows} rows, {new} new, {dup} already stored, {conflicts} conflicting"
            )
        click.echo(f"{store.path}: {store.count()} observations")


@observe_cmd.command("follow")
@click.argument("folder", type=click.Path(file_okay=False))
@_SENSORS
@_NETWORK
@_DB
@_TZ
@click.option("--pattern", default="*.csv", show_default=True, help="Files to follow.")
@click.option(
    "--interval",
    "interval_s",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds between polls.",
)
@click.option("--once", is_flag=True, help="Read what is there now and exit.")
def follow_cmd(folder, sensor_file, network, db, tz, pattern, interval_s, once):
    """Follow FOLDER, where a SCADA export writes CSV files: new files and appended
    lines are stored; bad rows are quarantined (see `twin observe show --rejected`)."""
    from twin.ops import ObservationStore
    from twin.ops.folder import FolderFeed

    sensors = _load(sensor_file, network)
    _log_to_stderr()
    with ObservationStore(db) as store:
        feed = FolderFeed(folder, store, sensors, pattern=pattern, tz=tz)
        if once:
            click.echo(f"{feed.poll()} new observations")
            return
        with _stop_on_signals() as stop:
            feed.follow(stop, interval_s=interval_s)


@observe_cmd.command("mqtt")
@click.argument("broker")
@click.option("--topic", required=True, help="Topic filter, e.g. sewer/obs/#.")
@_SENSORS
@_NETWORK
@_DB
@_TZ
@click.option("--client-id", default=None, help="Persistent session id [default: from --db].")
@click.option("--username", default=None)
@click.option("--password", default=None, envvar="TWIN_MQTT_PASSWORD")
def mqtt_cmd(broker, topic, sensor_file, network, db, tz, client_id, username, password):
    """Subscribe to TOPIC on BROKER (HOST:PORT) with QoS 1 and store every observation,
    acknowledging each message only once it is stored; runs until SIGTERM or Ctrl-C."""
    from twin.ops import ObservationStore
    from twin.ops.mqtt import MqttFeed, parse_broker

    host, port = parse_broker(broker)
    sensors = _load(sensor_file, network)
    _log_to_stderr()
    with ObservationStore(db) as store:
        feed = MqttFeed(
            host,
            port,
            topic,
            store,
            sensors,
            client_id=client_id,
            tz=tz,
            username=username,
            password=password,
        )
        with _stop_on_signals() as stop:
            feed.run(stop)
        s = feed.stats
        logging.getLogger("twin.ops").info(
            "stopped: %d messages, %d new observations, %d rejected rows",
            s["messages"],
            s["new"],
            s["rejected"],
        )


@observe_cmd.command("show")
@_DB
@click.option("--sensor", "sensor_ids", multiple=True, help="Rows of this sensor (repeatable).")
@click.option("--from", "t0", default=None, help="ISO time: rows from here.")
@click.option("--to", "t1", default=None, help="ISO time: rows before this.")
@click.option("--rejected", is_flag=True, help="Rows the feeds could not read.")
def show_cmd(db, sensor_ids, t0, t1, rejected):
    """What the database holds: per sensor counts and times, per source batches; with
    --sensor/--from/--to the rows themselves (time,sensor,value CSV)."""
    from twin.errors import InputError
    from twin.ops import DB_NAME, ObservationStore

    target = Path(db)
    if not (target if target.suffix.lower() in (".sqlite", ".db") else target / DB_NAME).exists():
        raise InputError("no observation database here", file=db)
    with ObservationStore(db) as store:
        if rejected:
            for r in store.rejected():
                where = f"{r.source}:{r.line}" if r.line is not None else r.source
                field = f" field '{r.field}':" if r.field else ""
                click.echo(f"{r.received}Z {where}:{field} {r.reason} | {r.text}")
            return
        if sensor_ids or t0 or t1:
            try:
                w = store.window(t0, t1, list(sensor_ids) or None)
            except ValueError as exc:
                raise InputError(str(exc), field="from/to") from None
            click.echo("time,sensor,value")
            for t, k, v in zip(w.time, w.sensor, w.value, strict=True):
                click.echo(f"{t}Z,{w.sensor_ids[k]},{v:.10g}")
            return
        click.echo(f"{store.path}: {store.count()} observations")
        click.echo(
            f"{'sensor':12s} {'count':>8s}  {'first':20s} {'last':20s} {'min':>10s} {'max':>10s}"
        )
        for d in store.summary():
            first = "-" if d["first"] is None else f"{d['first']}Z"
            last = "-" if d["last"] is None else f"{d['last']}Z"
            lo, hi = (np.nan, np.nan) if d["min"] is None else (d["min"], d["max"])
            click.echo(
                f"{d['sensor']:12s} {d['count']:8d}  {first:20s} {last:20s} {lo:10.4g} {hi:10.4g}"
            )
        for d in store.sources():
            click.echo(
                f"source {d['source']}: {d['batches']} batches, {d['rows']} rows, "
                f"{d['new']} new, {d['conflicts']} conflicting, last {d['last']}Z"
            )
