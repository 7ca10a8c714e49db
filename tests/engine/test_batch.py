"""A batch of members routed in one call equals its members run one by one, bit for bit.

The bundled ``small`` town (pump station, storage with an orifice, CSO weir, control
rules): one member as it is, one with 1.6x its rain, one with a blocked trunk pipe
(its own cross-section tables), one with SLOT surcharge and full damping, one that goes
wrong in the middle of the run; and kinematic-wave members of ``small-conduits``.
30 simulated minutes.
"""

import numpy as np
import pytest

import twin
from tests.engine.routing_harness import assert_results_identical
from twin.engine.batch import MemberBatch
from twin.engine.simulation import Simulation
from twin.kernels.codes import LinkKind
from twin.kernels.routing.batch import route_members, route_members_conduits
from twin.scenarios.modify import block_links, copy_network, scale_rainfall

KW = {"end_hours": 0.5}


@pytest.fixture(scope="module")
def net():
    return twin.load_network("small")


@pytest.fixture(scope="module")
def setups(net):
    trunk = net.links.name[_largest_conduit(net)]
    return [
        (net, KW),
        (scale_rainfall(copy_network(net), 1.6), KW),
        (block_links(copy_network(net), {trunk: 0.6}), KW),
        (net, {**KW, "surcharge_method": "SLOT", "inertial_damping": "FULL"}),
    ]


def _largest_conduit(net) -> int:
    conduit = net.links.kind == LinkKind.CONDUIT
    return int(np.argmax(np.where(conduit, net.links.geom[:, 0], -1.0)))


@pytest.mark.parametrize("threads, groups", [(1, None), (2, 1), (2, None)])
def test_batch_equals_members_run_alone(setups, threads, groups):
    # (2, 1): one prange call over both threads; (2, None): two Python threads
    batch = MemberBatch(setups, threads=threads, groups=groups)
    # pumps, an orifice, a weir: the general kernel, without what no member has
    base, flags = batch._route_members.specialised_from
    assert base is route_members and "WEIRS" not in flags and "PUMPS" not in flags
    lacking = set.intersection(*(set(s.router.absent_physics()) for s in batch.sims))
    assert flags == dict.fromkeys(lacking, False) and "TABLE_SHAPES" in flags
    # the blocked trunk is a filled circle: that member's shape is compiled for all
    assert "FORMULA_SHAPES" in batch.sims[0].router.absent_physics()
    assert "FORMULA_SHAPES" not in flags
    results = batch.run()
    assert [r[0] for r in results] == [0, 0, 0, 0]
    for (net, kw), (_, _, ds) in zip(setups, results, strict=True):
        assert_results_identical(ds, Simulation(net, **kw).run())
    # the members really differ
    depths = [r[2]["node_depth"].values.tobytes() for r in results]
    assert len(set(depths)) == 4


def test_members_with_equal_networks_share_one_set(setups):
    # the rain member shares the first member's network; the blocked pipe and the SLOT
    # options (its own Options) each make a set; a second copy of the plain network
    # shares again
    batch = MemberBatch([*setups, setups[0]], threads=1)
    assert batch.table_of.tolist() == [0, 0, 1, 2, 0]
    assert len(batch.networks) == 3
    blocked = batch.sims[2].router.xsects
    assert batch.networks[1][2] is blocked
    assert not np.array_equal(batch.networks[0][2].a_full, blocked.a_full)
    assert batch.networks[2][4].surcharge != batch.networks[0][4].surcharge


def test_kinematic_wave_batch_equals_members_run_alone():
    net = twin.load_network("small-conduits")
    setups = [(net, {**KW, "flow_routing": "KINWAVE"}), (scale_rainfall(copy_network(net), 2), KW)]
    batch = MemberBatch(setups)
    # the dynamic-wave member's network has no structure: the conduits-only kernel routes it
    assert batch._route_members.specialised_from[0] is route_members_conduits
    for (n, kw), (status, _, ds) in zip(setups, batch.run(), strict=True):
        assert status == 0
        assert_results_identical(ds, Simulation(n, **kw).run())


def test_member_failing_mid_run_is_recorded_and_the_others_finish(net, setups):
    bad = copy_network(net)
    j = _largest_conduit(bad)
    bad.links.roughness[j] = np.nan  # the pipe's flow turns NaN at its first wet step
    results = MemberBatch([setups[0], (bad, KW), setups[1]]).run()
    assert [r[0] for r in results] == [0, 1, 0]
    err = results[1][1]
    assert err.startswith("SimulationError") and "NaN" in err
    assert_results_identical(results[2][2], Simulation(*setups[1][:1], **setups[1][1]).run())


def test_member_of_another_layout_fails_alone(net, setups):
    other = twin.load_network("example")
    results = MemberBatch([setups[0], (other, KW)]).run()
    assert [r[0] for r in results] == [0, 1]
    assert "same network layout" in results[1][1]
