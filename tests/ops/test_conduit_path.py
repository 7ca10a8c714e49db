"""``FilterSettings(conduit_path="down")``: a depth sensor updates only the conduit
factors downstream of it (a pipe's conveyance shows as backwater above it)."""

import numpy as np
import pytest

import twin
from twin.errors import InputError
from twin.ops.enkf import FilterSettings
from twin.ops.localize import GraphDistance
from twin.ops.watch import Twin
from twin.validation import twin_experiment as E


def test_downstream_distances_leave_out_upstream_and_neighbouring_branches():
    # 0 -> 2 <- 1, 2 -> 3 -> 4: from node 0, links 0->2, 2->3, 3->4 are downstream
    g = GraphDistance([0, 1, 2, 3], [2, 2, 3, 4], np.ones(4))
    dn, dl = g.downstream_from_nodes([0], limit=10.0)
    np.testing.assert_array_equal(dl[0], [0.5, np.inf, 1.5, 2.5])
    np.testing.assert_array_equal(dn[0], [0.0, np.inf, 1.0, 2.0, 3.0])
    _, dl = g.downstream_from_nodes([3], limit=10.0)
    np.testing.assert_array_equal(dl[0], [np.inf, np.inf, np.inf, 0.5])
    _, dl = g.downstream_from_nodes([0], limit=1.0)  # beyond the radius: not reached
    assert np.isinf(dl[0][3])


def test_conduit_path_down_weights_only_the_conduits_below_each_sensor(tmp_path):
    net = twin.load_network("small")
    nodes = [10, 33]
    sensors = E.sensor_set(net, nodes, 0.01)
    weights = {}
    for path in ("state", "down"):
        fs = FilterSettings(estimate_conduits=True, conduit_path=path)
        tw = Twin(net, sensors, tmp_path / path, members=3, seed=1, end_hours=0.2,
                  forecast=False, filter_settings=fs)  # fmt: skip
        m, o = tw.members, tw._obs
        c0 = m.conduit_columns[0]
        weights[path] = [dict(zip(ix, w, strict=True)) for ix, w in zip(o["index"], o["weight"],
                                                                        strict=True)]  # fmt: skip
        n_links = m.n_links
    dist = GraphDistance.of_network(net)
    for k, node in enumerate(nodes):
        _, below = dist.downstream_from_nodes([node], limit=8.0)
        below = np.isfinite(below[0])
        for j in range(n_links):
            if not below[j]:
                assert weights["down"][k].get(c0 + j, 0.0) == 0.0
        got = [weights["down"][k].get(c0 + j, 0.0) for j in range(n_links)]
        assert sum(w > 0 for w in got) >= 2  # the pipes below the sensor are kept
        assert sum(w > 0 for w in got) < sum(
            weights["state"][k].get(c0 + j, 0.0) > 0 for j in range(n_links)
        )
        # the state's weights (depths, flows) are the same either way
        state_cols = [c for c in weights["state"][k] if c < c0]
        assert all(weights["down"][k][c] == weights["state"][k][c] for c in state_cols)


def test_conduit_path_is_checked():
    with pytest.raises(InputError, match="conduit_path"):
        FilterSettings(conduit_path="up").checked()
