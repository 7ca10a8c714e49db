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


def test_street_cell_road_warning_lifecycle_and_cap():
    book = WarningBook(WarningSettings(probability=0.5, hysteresis=0.2))
    key = ("road_depth", "cell-3-7")

    def cell(p):
        return {"probability": p, "expected_time": None, "extra": {"x": 10.0, "y": 20.0}}

    assert book.cycle(T, {key: cell(0.4)}) == []  # below the threshold: nothing
    new = book.cycle(T, {key: cell(0.5)})
    assert [m.status for m in new] == ["new"]
    d = new[0].to_dict()
    assert d["node"] is None and d["cell"] == "cell-3-7" and (d["x"], d["y"]) == (10.0, 20.0)
    assert d["probability"] == 0.5
    assert check_cap(cap_alert(d)) == []
    assert b"cell-3-7" in cap_alert(d)
    assert book.cycle(T, {key: cell(0.6)}) == []  # no material change
    assert [m.status for m in book.cycle(T, {key: cell(1.0)})] == ["update"]
    upd = book.cycle(T, {key: cell(0.35)})  # inside the hysteresis band: kept, updated
    assert [m.status for m in upd] == ["update"] and upd[0].probability == 0.35
    assert book.cycle(T, {key: cell(0.4)}) == []
    gone = book.cycle(T, {key: cell(0.25)})
    assert [m.status for m in gone] == ["cancel"]
    assert gone[0].to_dict()["probability"] == 0.0 and gone[0].to_dict()["cell"] == "cell-3-7"
    # restored across a restart, then cancelled when the cell is gone
    book.cycle(T, {key: cell(0.9)})
    again = WarningBook(book.s)
    again.restore(book.state())
    assert [m.status for m in again.cycle(T, {})] == ["cancel"]


def _rain(source, minutes=None, value=62.0):
    exp = None if minutes is None else T + np.timedelta64(minutes, "m")
    return {"probability": None, "expected_time": exp, "value": value,
            "extra": {"source": source}}  # fmt: skip


def _parameters(xml: bytes) -> dict:
    import xml.etree.ElementTree as ET

    q = "{urn:oasis:names:tc:emergency:cap:1.2}"
    info = ET.fromstring(xml).find(q + "info")
    pars = {p.findtext(q + "valueName"): p.findtext(q + "value")
            for p in info.findall(q + "parameter")}  # fmt: skip
    return {"onset": info.findtext(q + "onset"), "certainty": info.findtext(q + "certainty"),
            "description": info.findtext(q + "description"), **pars}  # fmt: skip


def test_rain_cap_says_observed_or_forecast_and_its_onset():
    """Round 15 (watch-rainwarn): a rainfall warning's CAP alert said neither whether its
    rain was observed or forecast nor, when observed, when it began; a forecast one's
    certainty was "Observed"."""
    book = WarningBook()
    fc = book.cycle(T, {("rainfall", "RG1"): _rain("forecast", 25)})[0].to_dict()
    xml = cap_alert(fc)
    assert check_cap(xml) == []
    got = _parameters(xml)
    assert got["source"] == "forecast" and got["onset"] == "2024-07-15T01:25:00+00:00"
    assert got["expected_time"] == "2024-07-15T01:25:00Z" and got["certainty"] == "Likely"
    assert "forecast, expected 2024-07-15T01:25:00Z" in got["description"]
    obs = book.cycle(T, {("rainfall", "RG2"): _rain("observed")})[0].to_dict()
    xml = cap_alert(obs)
    assert check_cap(xml) == []
    got = _parameters(xml)
    assert got["source"] == "observed" and got["certainty"] == "Observed"
    assert got["onset"] == "2024-07-15T01:00:00+00:00"  # raining at the issue time
    # the manhole warning's onset is its expected first flood
    mh = book.cycle(T, {("manhole_overflow", "MH1"): _risk(0.8, 40)})[0].to_dict()
    assert _parameters(cap_alert(mh))["onset"] == "2024-07-15T01:40:00+00:00"


def test_cap_checker_refuses_a_parameter_without_its_value():
    msg = WarningBook().cycle(T, {("rainfall", "RG1"): _rain("forecast", 25)})[0].to_dict()
    xml = cap_alert(msg)
    bad = xml.replace(b"<value>forecast</value>", b"")
    assert any("parameter" in e and "missing value" in e for e in check_cap(bad))
