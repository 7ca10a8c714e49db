"""Observations from an MQTT broker, acknowledged only once they are in the store.

Topics and payloads
-------------------
The feed subscribes to one topic filter (``sewer/obs/#`` for example).  A payload is
UTF-8 text, either

- CSV lines ``time,sensor,value``, or ``time,value`` when the topic's last level is
  the sensor id (``sewer/obs/L12``: topic per sensor); or
- JSON: an object ``{"time": ..., "sensor": ..., "value": ...}`` or a list of them,
  ``sensor`` again optional on a topic per sensor; ``time`` ISO 8601 or POSIX seconds.

Times without a zone are UTC (or the feed's ``tz``); values are in the sensor's unit.
A payload that cannot be read, or a row of an unknown sensor, is kept in the store's
``rejected`` table, logged, and acknowledged (it would only come back the same).

Delivery
--------
QoS 1 on a persistent session (MQTT 3.1.1, ``clean_session=False``, a client id that
stays the same across restarts: derived from the database path and topic unless
given).  Messages are acknowledged (PUBACK) by hand, only after the transaction that
stored them has committed: a process killed at any moment has acknowledged nothing it
had not stored, and the broker sends the rest again on reconnection (stored
idempotently).  When the broker goes away the feed logs a warning and reconnects with
exponential back-off (1 s doubling to 60 s).  The broker keeps what is published for
the session while the feed is away; Mosquitto's ``max_queued_messages`` (1000 by
default) bounds that queue and ``persistence true`` keeps it across a broker restart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import numbers
import queue
import threading
from pathlib import Path

import numpy as np

from twin.errors import InputError
from twin.ops.csvfeed import BadRow, parse_rows
from twin.ops.store import ObservationBatch
from twin.ops.times import epoch_seconds, parse_iso_time

__all__ = ["MqttFeed", "parse_payload", "parse_broker"]

log = logging.getLogger("twin.ops")


def parse_broker(text: str, default_port: int = 1883) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST``) -> (host, port); an InputError when it is not one."""
    host, sep, port = str(text).rpartition(":")
    if not sep:
        host, port = port, str(default_port)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"expected HOST:PORT, got {text!r}", field="mqtt")
    return host.strip("[]"), int(port)


def parse_payload(topic: str, payload: bytes, sensors, *, tz=None, source="mqtt"):
    """Observations of one MQTT message: (ObservationBatch, list of BadRow)."""
    bad: list[BadRow] = []
    sensor = topic.rsplit("/", 1)[-1]
    default = sensor if sensor in sensors else None
    try:
        text = payload.decode("utf-8").strip().lstrip("\ufeff")
    except UnicodeDecodeError:
        bad.append(BadRow("not UTF-8 text", text=f"{topic} {payload[:200]!r}", file=source))
        return _empty(), bad
    if text[:1] in "{[":
        return _parse_json(text, topic, default, sensors, tz, source, bad), bad
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)]
    batch = parse_rows(
        lines, sensors, file=source, tz=tz, on_error=bad.append, default_sensor=default
    )
    for b in bad:
        b.text = f"{topic} {b.text}"
    return batch, bad


def _parse_json(text, topic, default, sensors, tz, source, bad) -> ObservationBatch:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        bad.append(BadRow(f"not valid JSON: {exc.msg}", text=f"{topic} {text}", file=source))
        return _empty()
    items = data if isinstance(data, list) else [data]
    times, ids, values = [], [], []
    for k, item in enumerate(items, 1):
        row = f"{topic} {json.dumps(item)[:500]}"

        def fail(message, field, k=k, row=row):
            bad.append(BadRow(message, text=row, file=source, line=k, field=field))

        if not isinstance(item, dict):
            fail("expected an object with time, sensor, value", None)
            continue
        sid = item.get("sensor", default)
        if sid is None or sid not in sensors:
            fail(f"unknown sensor {sid!r}", "sensor")
            continue
        t, v = item.get("time"), item.get("value")
        try:
            if isinstance(t, str):
                t = parse_iso_time(t, tz)
            elif isinstance(t, numbers.Real) and not isinstance(t, bool):
                t = epoch_seconds(t)
            else:
                raise ValueError
        except ValueError:
            fail(f"not an ISO 8601 time or POSIX seconds: {t!r}", "time")
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            fail(f"expected a finite number, got {v!r}", "value")
            continue
        times.append(t)
        ids.append(sid)
        values.append(float(v))
    return ObservationBatch(
        time=np.array(times, dtype=np.int64).astype("datetime64[s]"),
        sensor=np.array(ids, dtype=object),
        value=np.array(values, dtype=np.float64),
    )


def _empty() -> ObservationBatch:
    return ObservationBatch(
        np.empty(0, "datetime64[s]"), np.empty(0, object), np.empty(0, np.float64)
    )


def _concat(batches) -> ObservationBatch:
    return ObservationBatch(
        time=np.concatenate([b.time for b in batches]),
        sensor=np.concatenate([b.sensor for b in batches]),
        value=np.concatenate([b.value for b in batches]),
    )


class MqttFeed:
    """Subscribe to ``topic`` on ``host:port`` and store every observation.

    Parameters
    ----------
    host, port : broker address
    topic : str
        Topic filter, wildcards allowed (``sewer/obs/#``).
    store : ObservationStore
    sensors : SensorSet
    client_id : str, optional
        Persistent-session id; by default derived from the store's path and ``topic``,
        so a restarted feed resumes its session.
    tz : str, optional
        Zone of times written without one (default UTC).
    keepalive_s, min_backoff_s, max_backoff_s : float
        MQTT keep-alive; reconnection back-off bounds.
    username, password : str, optional

    Use :meth:`start` / :meth:`stop` (or :meth:`run` until an event is set).
    ``connected`` and ``subscribed`` are ``threading.Event``; ``stats`` counts messages, new rows,
    rejected rows and reconnections.
    """

    def __init__(
        self,
        host,
        port,
        topic,
        store,
        sensors,
        *,
        client_id=None,
        tz=None,
        keepalive_s=30,
        min_backoff_s=1,
        max_backoff_s=60,
        username=None,
        password=None,
    ):
        import paho.mqtt.client as mqtt

        self.host, self.port, self.topic = str(host), int(port), str(topic)
        self.store, self.sensors, self.tz = store, sensors, tz
        self.source = f"mqtt:{self.host}:{self.port}/{self.topic}"
        if client_id is None:
            key = f"{Path(store.path).resolve()}|{self.topic}".encode()
            client_id = "sewer-twin-" + hashlib.sha1(key).hexdigest()[:16]
        self.client_id = client_id
        self.keepalive_s = int(keepalive_s)
        self.connected = threading.Event()
        self.stats = {"messages": 0, "new": 0, "rejected": 0, "reconnects": 0}
        self._queue: queue.Queue = queue.Queue()
        self._generation = 0
        self._ack_lock = threading.Lock()
        self._stopping = threading.Event()
        self._committer: threading.Thread | None = None
        self._ever_connected = False
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.reconnect_delay_set(int(min_backoff_s), int(max_backoff_s))
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.subscribed = threading.Event()

    # -- paho callbacks (network thread) --------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.warning(
                "MQTT broker %s:%d refused the connection: %s", self.host, self.port, reason_code
            )
            return
        with self._ack_lock:
            self._generation += 1
        if self._ever_connected and not flags.session_present:
            log.warning(
                "MQTT broker %s:%d had lost this feed's session: messages published "
                "while it was away may be lost",
                self.host,
                self.port,
            )
        log.info(
            "connected to MQTT broker %s:%d as %s (session %s), subscribing to %s",
            self.host,
            self.port,
            self.client_id,
            "resumed" if flags.session_present else "new",
            self.topic,
        )
        self._ever_connected = True
        client.subscribe(self.topic, qos=1)
        self.connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        if any(rc.is_failure for rc in reason_codes):
            log.error(
                "MQTT broker %s:%d refused the subscription to %s: %s",
                self.host,
                self.port,
                self.topic,
                [str(rc) for rc in reason_codes],
            )
            return
        log.info("subscribed to %s (QoS %d)", self.topic, reason_codes[0].value)
        self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        was = self.connected.is_set()
        self.connected.clear()
        self.subscribed.clear()
        with self._ack_lock:
            self._generation += 1
        if not self._stopping.is_set() and was:
            self.stats["reconnects"] += 1
            log.warning(
                "MQTT broker %s:%d went away (%s); reconnecting with back-off, "
                "nothing stored is lost",
                self.host,
                self.port,
                reason_code,
            )

    def _on_connect_fail(self, client, userdata):
        log.warning(
            "cannot reach MQTT broker %s:%d; trying again with back-off", self.host, self.port
        )

    def _on_message(self, client, userdata, message):
        self._queue.put((self._generation, message))

    # -- committing (committer thread) ----------------------------------------------
    def _commit_loop(self):
        while not (self._stopping.is_set() and self._queue.empty()):
            try:
                items = [self._queue.get(timeout=0.1)]
            except queue.Empty:
                continue
            while len(items) < 5000:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(items)

    def _commit(self, items):
        batches, rejected = [], []
        for _, msg in items:
            batch, bad = parse_payload(
                msg.topic, msg.payload, self.sensors, tz=self.tz, source=self.source
            )
            batches.append(batch)
            rejected += [
                {"reason": b.message, "text": b.text, "line": b.line, "field": b.field} for b in bad
            ]
        delay_s = 1.0
        while True:
            try:
                new = self.store.add(_concat(batches), self.source, rejected=rejected)
                break
            except Exception as exc:  # noqa: BLE001 - a locked or full disk: keep them
                log.error(
                    "storing %d MQTT message(s) failed (%s); not acknowledged, trying "
                    "again in %.0f s",
                    len(items),
                    exc,
                    delay_s,
                )
                if self._stopping.wait(delay_s):
                    return  # unacknowledged: the broker sends them again next time
                delay_s = min(2 * delay_s, 60.0)
        self.stats["messages"] += len(items)
        self.stats["new"] += new
        self.stats["rejected"] += len(rejected)
        with self._ack_lock:
            for generation, msg in items:
                if msg.qos > 0 and generation == self._generation:
                    self.client.ack(msg.mid, msg.qos)

    # -- control ----------------------------------------------------------------------
    def start(self) -> MqttFeed:
        """Connect (in the background, retrying) and start storing."""
        self._stopping.clear()
        self._committer = threading.Thread(
            target=self._commit_loop, name="mqtt-commit", daemon=True
        )
        self._committer.start()
        self.client.connect_async(self.host, self.port, keepalive=self.keepalive_s)
        self.client.loop_start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Store and acknowledge what has arrived, then disconnect."""
        self._stopping.set()
        if self._committer is not None:
            self._committer.join(timeout_s)
        self.client.disconnect()
        self.client.loop_stop()

    def run(self, stop: threading.Event) -> None:
        """:meth:`start`, wait for ``stop``, :meth:`stop`."""
        self.start()
        try:
            stop.wait()
        finally:
            self.stop()
