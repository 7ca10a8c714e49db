"""A warning held through a short dip (``hold_cycles``), and the warnings' score as issue 17
asks: false when the manhole does not flood within the horizon after it was raised, a flood
detected by a warning raised within the horizon before it."""

import numpy as np
import xarray as xr

import twin
from twin.ops.warnings import WarningBook, WarningSettings
from twin.validation.twin_experiment import truth_flood_times, truth_floods, warning_scores

T = np.datetime64("2024-07-15T01:00:00")
MIN = np.timedelta64(10, "m")
KEY = ("manhole_overflow", "MH000031")


def _risk(p):
    return {KEY: {"probability": p, "expected_time": T + 3 * MIN}} if p >= 0.3 else {}


def _statuses(book, probabilities):
    out = []
    for c, p in enumerate(probabilities):
        out.append([m.status for m in book.cycle(T + c * MIN, _risk(p))])
    return out


def test_a_warning_is_held_through_one_cycle_below_and_cancelled_after_two():
    book = WarningBook(WarningSettings(hold_cycles=2))
    # raised; one cycle below 0.3 (kept, silent); back up (kept, no new message); two below
    got = _statuses(book, [0.75, 0.1, 0.75, 0.0, 0.0, 0.8])
    assert got == [["new"], [], [], [], ["cancel"], ["new"]]
    # as before with the default: cancelled on the first cycle below, then raised again
    assert WarningSettings().hold_cycles == 1
    got = _statuses(WarningBook(), [0.75, 0.1, 0.75])
    assert got == [["new"], ["cancel"], ["new"]]


def test_a_held_warning_survives_a_restart_with_its_count():
    book = WarningBook(WarningSettings(hold_cycles=2))
    book.cycle(T, _risk(0.9))
    assert book.cycle(T + MIN, {}) == []
    again = WarningBook(book.s)
    again.restore(book.state())
    gone = again.cycle(T + 2 * MIN, {})
    assert [m.status for m in gone] == ["cancel"] and gone[0].probability == 0.0
    assert "below" not in gone[0].to_dict()


def _truth(net, flood_minutes):
    """A truth whose manhole MH000031 floods at the given minutes after 00:00 (every
    minute to 04:00 sampled)."""
    t = np.datetime64("2024-07-15T00:01") + np.arange(240) * np.timedelta64(1, "m")
    q = np.zeros((len(t), net.n_nodes))
    i = [str(x) for x in net.nodes.name].index("MH000031")
    q[np.asarray(flood_minutes) - 1, i] = 0.5
    return xr.Dataset({"node_flooding": (("time", "node"), q)}, coords={"time": t})


def _msg(hhmm, status="new"):
    return {"issued": f"2024-07-15T{hhmm}:00Z", "kind": "manhole_overflow",
            "node": "MH000031", "status": status}  # fmt: skip


def test_a_warning_after_the_flood_has_ended_is_false():
    net = twin.load_network("small")
    truth = _truth(net, range(60, 71))  # floods 01:00-01:10
    floods, flooding = truth_floods(net, truth), truth_flood_times(net, truth)
    assert list(flooding) == ["MH000031"] and len(flooding["MH000031"]) == 11
    msgs = [_msg("00:40"), _msg("00:50", "update"), _msg("01:30", "cancel"), _msg("01:40")]
    new = warning_scores(msgs, floods, flooding=flooding)
    assert new["warnings"] == 2  # the update is not a warning, the one raised again is
    assert new["far"] == 0.5 and new["pod"] == 1.0 and new["median_lead_min"] == 20.0
    # the score before 2026-12-07 called the 01:40 warning right (the first flood was
    # within the horizon before it)
    assert warning_scores(msgs, floods)["far"] == 0.0


def test_a_warning_raised_longer_than_the_horizon_before_does_not_detect_the_flood():
    net = twin.load_network("small")
    truth = _truth(net, range(200, 205))  # floods 03:20
    floods, flooding = truth_floods(net, truth), truth_flood_times(net, truth)
    msgs = [_msg("01:10"), _msg("01:30", "cancel")]
    new = warning_scores(msgs, floods, flooding=flooding)
    assert new["far"] == 1.0 and new["pod"] == 0.0
    old = warning_scores(msgs, floods)
    assert old["far"] == 1.0 and old["pod"] == 1.0  # false, yet counted as detecting it
