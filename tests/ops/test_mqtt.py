"""MQTT feed against a real Mosquitto: payload forms, bad payloads kept apart, and no
observation lost or duplicated when the broker or the ingesting process is killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import numpy as np
import paho.mqtt.client as mqtt
import pytest

from tests.ops.broker import Broker
from twin.errors import InputError
from twin.ops import DB_NAME, ObservationStore
from twin.ops.mqtt import MqttFeed, parse_broker, parse_payload

T0 = np.datetime64("2026-07-14T00:00:00", "s")


def iso(minute: int) -> str:
    return f"{T0 + np.timedelta64(60 * minute, 's')}Z"


def test_payload_forms(sensors):
    b, bad = parse_payload("sewer/obs/L1", b"2026-07-14T00:00Z,0.1\n2026-07-14T00:01Z,0.2", sensors)
    assert b.sensor.tolist() == ["L1", "L1"] and b.value.tolist() == [0.1, 0.2] and not bad
    b, bad = parse_payload("sewer/obs", b"2026-07-14T00:00Z,Q1,0.5", sensors)
    assert b.sensor.tolist() == ["Q1"] and not bad
    payload = json.dumps(
        [{"time": "2026-07-14T09:00:00+09:00", "value": 3}, {"time": 1784073600, "value": 1.5}]
    )
    b, bad = parse_payload("sewer/obs/R1", payload.encode(), sensors)
    assert b.time.tolist()[0] == T0.astype(object) and b.value.tolist() == [3.0, 1.5]
    assert b.time[1] == np.datetime64(1784073600, "s") and not bad
    b, bad = parse_payload(
        "x", b'{"time": "2026-07-14T00:00", "sensor": "L2", "value": 0.3}', sensors
    )
    assert b.sensor.tolist() == ["L2"] and not bad


@pytest.mark.parametrize(
    "topic, payload, field",
    [
        ("sewer/obs/L1", b"2026-07-14T00:00Z,deep", "value"),
        ("sewer/obs/L9", b"2026-07-14T00:00Z,0.1", None),  # 2 fields, unknown topic sensor
        ("sewer/obs", b"yesterday,L1,0.1", "time"),
        ("sewer/obs", b'{"time": "2026-07-14", "sensor": "L1", "value": "0.1"}', "value"),
        ("sewer/obs", b'{"time": "2026-07-14", "sensor": "ZZ", "value": 0.1}', "sensor"),
        ("sewer/obs", b'{"time": null, "sensor": "L1", "value": 0.1}', "time"),
        ("sewer/obs", b'{"time": ', None),
        ("sewer/obs", b"\xff\xfe", None),
    ],
)
def test_bad_payloads_are_reported(sensors, topic, payload, field):
    b, bad = parse_payload(topic, payload, sensors)
    assert len(b) == 0 and len(bad) == 1
    assert bad[0].field == field and bad[0].text.startswith(topic)


def test_parse_broker():
    assert parse_broker("127.0.0.1:1884") == ("127.0.0.1", 1884)
    assert parse_broker("broker") == ("broker", 1883)
    with pytest.raises(InputError, match="expected HOST:PORT"):
        parse_broker("host:port")


def publish(port: int, messages, client_id="test-publisher"):
    """Publish (topic, payload) pairs with QoS 1 and wait until the broker has each."""
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    try:
        infos = [pub.publish(t, p, qos=1) for t, p in messages]
        for info in infos:
            info.wait_for_publish(30)
            assert info.is_published()
    finally:
        pub.disconnect()
        pub.loop_stop()


def wait_for(predicate, timeout_s=60.0, what="condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def count_in(db) -> int:
    with ObservationStore(db) as s:
        return s.count()


def test_feed_stores_and_rejects(tmp_path, sensors):
    broker = Broker(tmp_path / "broker").start()
    try:
        with ObservationStore(tmp_path / "out") as store:
            feed = MqttFeed("127.0.0.1", broker.port, "sewer/obs/#", store, sensors).start()
            assert feed.subscribed.wait(20)
            msgs = [("sewer/obs/L1", f"{iso(m)},{m / 100}") for m in range(30)]
            msgs.append(
                (
                    "sewer/obs/all",
                    json.dumps([{"time": iso(m), "sensor": "Q1", "value": 0.5} for m in range(10)]),
                )
            )
            msgs.append(("sewer/obs/L1", "not,a,valid,row"))
            publish(broker.port, msgs)
            wait_for(lambda: feed.stats["messages"] == 32, what="32 messages")
            feed.stop()
            assert store.count() == 40
            assert feed.stats == {"messages": 32, "new": 40, "rejected": 1, "reconnects": 0}
            (bad,) = store.rejected()
            assert bad.source == f"mqtt:127.0.0.1:{broker.port}/sewer/obs/#"
            assert bad.text == "sewer/obs/L1 not,a,valid,row"
    finally:
        broker.stop()


def ingester(tmp_path, port, sensor_file, log):
    """`twin observe mqtt` in its own process (as an operator would run it)."""
    cmd = [
        sys.executable,
        "-m",
        "twin.cli",
        "observe",
        "mqtt",
        f"127.0.0.1:{port}",
        "--topic",
        "sewer/obs/#",
        "--sensors",
        str(sensor_file),
        "--db",
        str(tmp_path / "out"),
    ]
    return subprocess.Popen(cmd, stderr=log, stdout=log, env=dict(os.environ))


def logged(tmp_path) -> str:
    return (tmp_path / "ingester.log").read_text()


def stream(port, minutes, sensor="L2", rate_hz=150.0):
    """Publish one message per minute of ``minutes`` (topic per sensor, CSV payload)."""
    msgs = [(f"sewer/obs/{sensor}", f"{iso(m)},{m / 1000}") for m in minutes]
    publish(port, msgs[:1], client_id=f"pub-{sensor}-{minutes[0]}")
    for k in range(1, len(msgs), 20):
        publish(port, msgs[k : k + 20], client_id=f"pub-{sensor}-{minutes[0]}")
        time.sleep(20 / rate_hz)


@pytest.mark.slow
def test_no_loss_no_duplicate_across_kills(tmp_path, sensor_file):
    """Kill the ingesting process (SIGKILL) in the middle of a stream, stop the broker
    while messages wait for the ingester, kill the broker again under a running
    ingester: every published observation is stored exactly once."""
    broker = Broker(tmp_path / "broker").start()
    log = open(tmp_path / "ingester.log", "w")  # noqa: SIM115
    db = tmp_path / "out"
    try:
        proc = ingester(tmp_path, broker.port, sensor_file, log)
        # the session exists once the ingester has subscribed: from then on the broker
        # keeps for it whatever is published, whether it is there or not
        wait_for(lambda: "subscribed to sewer/obs/#" in logged(tmp_path), what="subscription")
        publish(broker.port, [("sewer/obs/L1", f"{iso(m)},{m / 100}") for m in range(50)])
        wait_for(lambda: db.exists() and count_in(db) == 50, what="the first 50 rows")
        # messages the ingester has received but cannot store (another process holds the
        # database's write lock) are not acknowledged: killed then, it loses none of them
        lock = sqlite3.connect(db / DB_NAME, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        publish(broker.port, [("sewer/obs/L1", f"{iso(m)},{m / 100}") for m in range(50, 90)])
        time.sleep(2.0)  # delivered to the ingester, which waits for the lock
        proc.send_signal(signal.SIGKILL)
        proc.wait(20)
        lock.execute("ROLLBACK")
        lock.close()
        assert count_in(db) == 50
        proc = ingester(tmp_path, broker.port, sensor_file, log)
        wait_for(lambda: count_in(db) == 90, what="the 40 redelivered rows")
        # a stream of 400 messages; the ingester is killed while it runs
        t = threading.Thread(target=stream, args=(broker.port, range(400)))
        t.start()
        wait_for(lambda: count_in(db) >= 160, what="part of the stream")
        proc.send_signal(signal.SIGKILL)
        proc.wait(20)
        t.join(120)
        stored_at_kill = count_in(db)
        assert 160 <= stored_at_kill < 490
        # the broker is shut down and started again while the ingester is away
        broker.stop()
        broker.start()
        publish(broker.port, [("sewer/obs/Q1", f"{iso(m)},0.25") for m in range(30)])
        proc = ingester(tmp_path, broker.port, sensor_file, log)
        wait_for(lambda: count_in(db) == 520, what="all 520 rows after the restarts")
        # the broker goes away under a running ingester, and comes back
        broker.stop()
        time.sleep(1.5)
        broker.start()
        stream(broker.port, range(1000, 1100), sensor="R1")
        wait_for(lambda: count_in(db) == 620, what="all 620 rows")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        broker.stop()
        log.close()
    text = (tmp_path / "ingester.log").read_text()
    assert "went away" in text and "reconnecting with back-off" in text, text[-3000:]
    with ObservationStore(db) as s:
        w = s.window()
        assert len(w) == 620
        ids = np.array(w.sensor_ids)[w.sensor]
        minutes = ((w.time - T0) // np.timedelta64(60, "s")).astype(int)
        for sensor, expect, value in [
            ("L1", range(90), lambda m: m / 100),
            ("L2", range(400), lambda m: m / 1000),
            ("Q1", range(30), lambda m: 0.25),
            ("R1", range(1000, 1100), lambda m: m / 1000),
        ]:
            mine = ids == sensor
            assert sorted(minutes[mine].tolist()) == list(expect), sensor
            np.testing.assert_allclose(w.value[mine], [value(m) for m in minutes[mine]])
        assert not s.rejected()
        # redelivered messages arrived again and were recognised as duplicates
        assert sum(d["rows"] for d in s.sources()) >= 620
