"""Warnings are issued once, updated on material change, cancelled; CAP 1.2 structure."""

import numpy as np

from twin.ops.cap import cap_alert, check_cap
from twin.ops.warnings import WarningBook, WarningSettings

T = np.datetime64("2024-07-15T01:00:00")


def _risk(p, minutes=30):
    return {"probability": p, "expected_time": T + np.timedelta64(minutes, "m")}


def test_manhole_warning_lifecycle():
    book = WarningBook(WarningSettings(probability=0.5, hysteresis=0.2))
    key = ("manhole_overflow", "MH1")
    assert book.cycle(T, {key: _risk(0.4)}) == []  # below the threshold: nothing
    new = book.cycle(T, {key: _risk(0.6)})
    assert [m.status for m in new] == ["new"] and new[0].node == "MH1"
    assert new[0].expected_time == "2024-07-15T01:30:00Z"
    assert book.cycle(T, {key: _risk(0.65, 32)}) == []  # no material change
    upd = book.cycle(T, {key: _risk(0.9, 32)})
    assert [m.status for m in upd] == ["update"]
    assert book.cycle(T, {key: _risk(0.75, 32)}) == []
    assert [m.status for m in book.cycle(T, {key: _risk(0.55, 32)})] == ["update"]
    assert book.cycle(T, {key: _risk(0.4, 32)}) == []  # inside the hysteresis band
    assert [m.status for m in book.cycle(T, {key: _risk(0.2, 32)})] == ["cancel"]
    assert [m.status for m in book.cycle(T, {key: _risk(0.7)})] == ["new"]
    gone = book.cycle(T, {})
    assert [m.status for m in gone] == ["cancel"]
    assert book.cycle(T, {}) == []


def test_rain_warning_is_cancelled_when_the_rain_stops():
    book = WarningBook()
    key = ("rainfall", "RG1")
    msgs = book.cycle(T, {key: {"probability": None, "expected_time": None, "value": 70.0}})
    assert msgs[0].gauge == "RG1" and msgs[0].status == "new"
    assert [m.status for m in book.cycle(T, {})] == ["cancel"]


def test_cap_alerts_have_the_required_structure():
    book = WarningBook()
    key = ("manhole_overflow", "MH1")
    new = book.cycle(T, {key: _risk(0.8)})[0].to_dict()
    xml = cap_alert(new)
    assert check_cap(xml) == []
    cancel = book.cycle(T + np.timedelta64(10, "m"), {})[0].to_dict()
    xml_c = cap_alert(cancel, references="sewer-twin@localhost,x,2024-07-15T01:00:00+00:00")
    assert check_cap(xml_c) == []
    assert b"<msgType>Cancel</msgType>" in xml_c


def test_cap_checker_refuses_what_the_schema_refuses():
    xml = cap_alert(WarningBook().cycle(T, {("rainfall", "RG1"): {"value": 60.0}})[0].to_dict())
    assert check_cap(xml) == []
    assert any("missing scope" in e for e in check_cap(xml.replace(b"<scope>Public</scope>", b"")))
    bad = xml.replace(b"<urgency>Expected</urgency>", b"<urgency>Soon</urgency>")
    assert any("urgency" in e for e in check_cap(bad))
    bad = xml.replace(b"+00:00</sent>", b"</sent>")
    assert any("sent" in e for e in check_cap(bad))
    assert any("references" in e for e in check_cap(xml.replace(b">Alert<", b">Cancel<")))
    assert check_cap(b"<alert>") != []
