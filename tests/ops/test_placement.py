"""Sensor placement on the twin's own prior (`twin sensors place`, twin.ops.placement):
real member runs of the small network, real files, the sensor reader, exit codes."""

import numpy as np
import pytest

import twin
from twin.cli import main
from twin.ops import load_sensors
from twin.ops.placement import (
    explained_variance,
    place_sensors,
    prior_depths,
    random_wet_nodes,
    write_sensors,
)
from twin.ops.sensors import ElementKind, Quantity


@pytest.fixture(scope="module")
def small():
    return twin.load_network("small")


@pytest.fixture(scope="module")
def prior(small):
    return prior_depths(small, 6, seed=0, end_hours=1.0, sample_min=10.0)


def test_placed_sensors_explain_more_prior_variance_than_random_wet_manholes(small, prior):
    p = place_sensors(small, 3, prior=prior, criterion="total")
    assert len(set(p.nodes.tolist())) == 3
    assert np.isin(p.nodes, p.candidates).all()
    # greedy: each choice explains less than the one before, and the sum is the fraction
    assert (np.diff(p.explained) <= 1e-12).all() and (p.explained > 0).all()
    assert p.explained_fraction == pytest.approx(explained_variance(small, prior, p.nodes))
    rand = [explained_variance(small, prior, random_wet_nodes(prior, 3, s)) for s in range(10)]
    assert p.explained_fraction > max(rand), (p.explained_fraction, rand)


@pytest.mark.parametrize("criterion", ["local", "forecast"])
def test_other_criteria_choose_wet_candidates_and_explain_prior_variance(small, criterion):
    prior = prior_depths(small, 6, seed=0, end_hours=1.5, sample_min=10.0)
    p = place_sensors(small, 2, prior=prior, criterion=criterion)
    assert len(set(p.nodes.tolist())) == 2 and np.isin(p.nodes, p.candidates).all()
    assert (p.explained > 0).all() and 0 < p.explained_fraction < 1


def test_spread_places_farthest_first_after_the_best_sensor(small, prior):
    from twin.ops.localize import GraphDistance

    total = place_sensors(small, 4, prior=prior, criterion="total")
    spread = place_sensors(small, 4, prior=prior)  # the default
    assert spread.nodes[0] == total.nodes[0]
    hops = GraphDistance.of_network(small).from_nodes(spread.nodes, np.inf)[0]
    for k in range(1, 4):  # each the candidate farthest from the ones before it
        d = hops[:k].min(axis=0)
        assert d[spread.nodes[k]] == d[spread.candidates].max()


def test_existing_sensors_are_assimilated_first_and_kept(small, prior, sensor_file, tmp_path):
    from twin.ops import SensorSet

    existing = load_sensors(sensor_file, small)  # L1, L2 depth; a flow and a rain sensor
    alone = place_sensors(small, 2, prior=prior, criterion="total")
    p = place_sensors(small, 2, prior=prior, existing=existing, criterion="total")
    assert not np.isin(p.nodes, existing.element_index[:2]).any()
    assert p.existing_explained > 0
    assert p.explained_fraction > p.existing_explained / p.prior_variance
    assert list(p.sensors.ids[:4]) == list(existing.ids)
    assert isinstance(p.sensors, SensorSet) and len(p.sensors) == 6
    # the new sensors explain less after the existing ones than alone
    assert p.explained.sum() < alone.explained.sum()
    # the file round-trips through the sensor reader
    path = write_sensors(tmp_path / "placed.toml", p.sensors, "a header\nline two")
    back = load_sensors(path, small)
    assert list(back.ids) == list(p.sensors.ids)
    assert (back.element_index == p.sensors.element_index).all()
    assert (back.element_kind == p.sensors.element_kind).all()
    assert (back.quantity == p.sensors.quantity).all()
    np.testing.assert_array_equal(back.sd, p.sensors.sd)
    new = back.sensors[4:]
    assert all(s.element_kind == ElementKind.NODE and s.quantity == Quantity.DEPTH for s in new)
    assert all(s.sd == 0.01 and "explains" in s.description for s in new)


def test_cli_writes_a_sensor_file_twin_watch_reads(tmp_path, capsys, small):
    out = tmp_path / "s.toml"
    code = main(["sensors", "place", "small", "--count", "2", "--members", "4",
                 "--end-hours", "0.5", "-o", str(out)])  # fmt: skip
    std = capsys.readouterr()
    assert code == 0, std.err
    assert "placed 2 sensors" in std.out
    s = load_sensors(out, small)
    assert len(s) == 2 and list(s.ids) == ["P01", "P02"]


@pytest.mark.parametrize(
    ("content", "args", "where"),
    [
        ('[[sensor]]\nid = "L1"\nnode = "MH404"\nquantity = "depth"\nsd = 0.01\n', [],
         ":3: field 'node'"),
        ('[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = -1\n', [],
         ":5: field 'sd'"),
        (None, ["--count", "0"], "field '--count'"),
        (None, ["--members", "1"], "field '--members'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2_naming_the_field(tmp_path, capsys, content, args, where):
    out = tmp_path / "s.toml"
    argv = ["sensors", "place", "small", "--count", "2", "-o", str(out)]
    if content is not None:
        existing = tmp_path / "existing.toml"
        existing.write_text(content)
        argv += ["--existing", str(existing)]
        where = f"{existing}{where}"
    code = main(argv + args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("twin: error:") and where in err[0], err
    assert not out.exists()
