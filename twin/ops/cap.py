"""Warnings as CAP 1.2 alerts (OASIS Common Alerting Protocol, the public warning format).

:func:`cap_alert` turns a warning message into a CAP 1.2 ``<alert>`` document
(namespace ``urn:oasis:names:tc:emergency:cap:1.2``); :func:`check_cap` checks a
document against the structure the CAP 1.2 schema requires (the required elements
in order, the value lists of ``status``, ``msgType``, ``scope``, ``category``,
``urgency``, ``severity`` and ``certainty``, times with a zone offset), so a file we
write can be read by any CAP consumer.  A cancel or update references the alert it
follows (``references``: ``sender,identifier,sent``).  A rainfall warning says whether its
rain is observed or forecast (``parameter`` ``source``; a forecast one's certainty
``Likely``, the members' median passing a trigger) and when it begins (``onset``: the
forecast rain's first step past a trigger, or the issue time of observed rain); a
manhole warning's ``onset`` is its expected first flood.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

NS = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "sewer-twin@localhost"

_STATUS = {"Actual", "Exercise", "System", "Test", "Draft"}
_MSGTYPE = {"Alert", "Update", "Cancel", "Ack", "Error"}
_SCOPE = {"Public", "Restricted", "Private"}
_CATEGORY = {
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
}
_URGENCY = {"Immediate", "Expected", "Future", "Past", "Unknown"}
_SEVERITY = {"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
_CERTAINTY = {"Observed", "Likely", "Possible", "Unlikely", "Unknown"}
_ALERT_ORDER = (
    "identifier",
    "sender",
    "sent",
    "status",
    "msgType",
    "source",
    "scope",
    "restriction",
    "addresses",
    "code",
    "note",
    "references",
    "incidents",
    "info",
)
_INFO_ORDER = (
    "language",
    "category",
    "event",
    "responseType",
    "urgency",
    "severity",
    "certainty",
    "audience",
    "eventCode",
    "effective",
    "onset",
    "expires",
    "senderName",
    "headline",
    "description",
    "instruction",
    "web",
    "contact",
    "parameter",
    "resource",
    "area",
)
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
_EVENTS = {
    "manhole_overflow": ("Infra", "Manhole overflow", "Overflow of manhole {e}"),
    "rainfall": ("Met", "Heavy rainfall", "Heavy rainfall at gauge {e}"),
    "road_depth": ("Geo", "Road flooding", "Road flooding at {e}"),
}


def cap_time(iso_z: str) -> str:
    """``2024-07-15T01:00:00Z`` -> ``2024-07-15T01:00:00+00:00`` (CAP's form)."""
    return iso_z[:-1] + "+00:00" if iso_z.endswith("Z") else iso_z


def identifier(msg: dict) -> str:
    """A unique id of a message: kind, element, issue time and status."""
    element = msg.get("node") or msg.get("gauge") or msg.get("cell") or "area"
    t = msg["issued"].replace(":", "").replace("-", "")
    return f"sewer-twin.{msg['kind']}.{element}.{t}.{msg['status']}"


def cap_alert(msg: dict, references: str | None = None, area: str = "") -> bytes:
    """A CAP 1.2 alert (UTF-8 XML bytes) for one warning message (``to_dict()`` form)."""
    ET.register_namespace("", NS)
    q = f"{{{NS}}}"
    alert = ET.Element(q + "alert")

    def sub(parent, tag, text):
        el = ET.SubElement(parent, q + tag)
        el.text = str(text)
        return el

    sub(alert, "identifier", identifier(msg))
    sub(alert, "sender", SENDER)
    sub(alert, "sent", cap_time(msg["issued"]))
    sub(alert, "status", "Actual")
    sub(alert, "msgType", {"new": "Alert", "update": "Update", "cancel": "Cancel"}[msg["status"]])
    sub(alert, "scope", "Public")
    if references and msg["status"] != "new":
        sub(alert, "references", references)
    info = ET.SubElement(alert, q + "info")
    element = msg.get("node") or msg.get("gauge") or msg.get("cell") or "network"
    category, event, headline = _EVENTS[msg["kind"]]
    sub(info, "language", "en")
    sub(info, "category", category)
    sub(info, "event", event)
    sub(info, "responseType", "Prepare" if msg["status"] != "cancel" else "AllClear")
    p = msg.get("probability")
    sub(info, "urgency", "Past" if msg["status"] == "cancel" else "Expected")
    sub(info, "severity", "Moderate" if msg["kind"] != "manhole_overflow" else "Severe")
    source = msg.get("source")  # a rainfall warning's: observed or forecast
    certainty = "Observed" if p is None else ("Likely" if p > 0.5 else "Possible")
    if source == "forecast":  # the forecast members' median passes a trigger
        certainty = "Likely"
    sub(info, "certainty", "Unlikely" if msg["status"] == "cancel" else certainty)
    if msg.get("expected_time"):  # a manhole's first flood, the forecast rain's first step
        sub(info, "onset", cap_time(msg["expected_time"]))
    elif source == "observed" and msg["status"] != "cancel":  # raining now
        sub(info, "onset", cap_time(msg["issued"]))
    sub(info, "senderName", "sewer-twin operational twin")
    sub(info, "headline", headline.format(e=element))
    desc = f"{msg['kind']} {msg['status']} at {element}"
    if p is not None:
        desc += f"; probability {p:.2f}"
    if msg.get("value") is not None:
        desc += f"; value {msg['value']}"
    if source is not None:
        desc += f"; {source}"
        if msg.get("expected_time"):
            desc += f", expected {msg['expected_time']}"
    sub(info, "description", desc)
    for name, value in (("kind", msg["kind"]), ("probability", p), ("source", source),
                        ("expected_time", msg.get("expected_time"))):  # fmt: skip
        if value is not None:
            par = ET.SubElement(info, q + "parameter")
            sub(par, "valueName", name)
            sub(par, "value", value)
    a = ET.SubElement(info, q + "area")
    sub(a, "areaDesc", area or element)
    ET.indent(alert)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)


def check_cap(xml: bytes) -> list[str]:
    """What the CAP 1.2 schema's structure would refuse in ``xml`` ([] when valid)."""
    q = f"{{{NS}}}"
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        return [f"not XML: {exc}"]
    errs = []
    if root.tag != q + "alert":
        return [f"root is {root.tag}, not {{{NS}}}alert"]

    def check_order(el, order, where):
        tags = [c.tag.removeprefix(q) for c in el]
        unknown = [t for t in tags if t not in order]
        errs.extend(f"{where}: unknown element {t}" for t in unknown)
        pos = [order.index(t) for t in tags if t in order]
        if pos != sorted(pos):
            errs.append(f"{where}: elements out of order: {tags}")

    def one(el, tag, where, values=None, required=True):
        found = el.findall(q + tag)
        if not found:
            if required:
                errs.append(f"{where}: missing {tag}")
            return None
        text = (found[0].text or "").strip()
        if not text:
            errs.append(f"{where}: empty {tag}")
        if values is not None and text not in values:
            errs.append(f"{where}: {tag} {text!r} not one of {sorted(values)}")
        return text

    check_order(root, _ALERT_ORDER, "alert")
    for tag in ("identifier", "sender"):
        v = one(root, tag, "alert")
        if v and re.search(r"[\s,<&]", v):
            errs.append(f"alert: {tag} has spaces, commas or reserved characters")
    sent = one(root, "sent", "alert")
    if sent and not _TIME.match(sent):
        errs.append(f"alert: sent {sent!r} is not a CAP time")
    one(root, "status", "alert", _STATUS)
    msg_type = one(root, "msgType", "alert", _MSGTYPE)
    one(root, "scope", "alert", _SCOPE)
    if msg_type in ("Update", "Cancel") and root.find(q + "references") is None:
        errs.append("alert: an Update or Cancel needs references")
    for i, info in enumerate(root.findall(q + "info")):
        where = f"info[{i}]"
        check_order(info, _INFO_ORDER, where)
        if not info.findall(q + "category"):
            errs.append(f"{where}: missing category")
        for c in info.findall(q + "category"):
            if (c.text or "") not in _CATEGORY:
                errs.append(f"{where}: category {c.text!r} not a CAP category")
        one(info, "event", where)
        one(info, "urgency", where, _URGENCY)
        one(info, "severity", where, _SEVERITY)
        one(info, "certainty", where, _CERTAINTY)
        for tag in ("effective", "onset", "expires"):
            t = one(info, tag, where, required=False)
            if t and not _TIME.match(t):
                errs.append(f"{where}: {tag} {t!r} is not a CAP time")
        for j, par in enumerate(info.findall(q + "parameter")):  # CAP 1.2: both required
            one(par, "valueName", f"{where}.parameter[{j}]")
            one(par, "value", f"{where}.parameter[{j}]")
        for j, area in enumerate(info.findall(q + "area")):
            one(area, "areaDesc", f"{where}.area[{j}]")
    return errs
