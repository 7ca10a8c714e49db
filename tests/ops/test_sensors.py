"""Sensor files: declared sensors resolve to network elements; every bad input names
its file, line and field."""

import numpy as np
import pytest

import twin
from twin.errors import InputError
from twin.ops import ElementKind, Quantity, SensorSet, load_sensors

GOOD = """\
# level sensors in two manholes, a flow meter and the rain gauge
[[sensor]]
id = "L1"
node = "MH000031"
quantity = "depth"
sd = 0.01

[[sensor]]
id = "H2"
node = "mh000008"        # SWMM names ignore case
quantity = "head"
unit = "m"
sd = 0.02
description = "radar level, chamber 8"

[[sensor]]
id = "Q1"
link = "C000008"
quantity = "flow"
sd = 0.005

[[sensor]]
id = "R1"
gauge = "RG1"
quantity = "rainfall"
unit = "mm/h"
sd = 0.5
"""


@pytest.fixture(scope="module")
def net():
    return twin.load_network("default")


def write(tmp_path, text):
    path = tmp_path / "sensors.toml"
    path.write_text(text)
    return path


def test_sensors_resolve_to_elements(tmp_path, net):
    sensors = load_sensors(write(tmp_path, GOOD), net)
    assert isinstance(sensors, SensorSet) and len(sensors) == 4
    assert list(sensors.ids) == ["L1", "H2", "Q1", "R1"]
    nodes, links = net.nodes.index_of(), net.links.index_of()
    np.testing.assert_array_equal(
        sensors.element_index, [nodes["MH000031"], nodes["MH000008"], links["C000008"], 0]
    )
    np.testing.assert_array_equal(sensors.element_kind, [0, 0, 1, 2])
    np.testing.assert_array_equal(sensors.quantity, [0, 1, 2, 3])
    np.testing.assert_array_equal(sensors.sd, [0.01, 0.02, 0.005, 0.5])
    assert sensors.element_kind.dtype == np.int8 and sensors.element_index.dtype == np.int64
    assert sensors.index_of("Q1") == 2 and sensors.get_index("nope") == -1
    assert sensors["H2"].element == "MH000008"  # the network's spelling
    assert sensors["H2"].description == "radar level, chamber 8"
    assert sensors["R1"].unit == "mm/h" and sensors[2].quantity is Quantity.FLOW
    assert sensors["L1"].line == 2
    np.testing.assert_array_equal(sensors.select(kind=ElementKind.NODE), [0, 1])
    np.testing.assert_array_equal(sensors.select(quantity=Quantity.RAINFALL), [3])
    with pytest.raises(KeyError, match="unknown sensor 'nope'"):
        sensors.index_of("nope")


def sensor(**fields):
    base = {"id": '"S1"', "node": '"MH000031"', "quantity": '"depth"', "sd": "0.01"}
    base.update(fields)
    body = "\n".join(f"{k} = {v}" for k, v in base.items() if v is not None)
    return "[[sensor]]\n" + body + "\n"


@pytest.mark.parametrize(
    "text, line, field, message",
    [
        (sensor(node='"MH999999"'), 3, "node", "unknown node 'MH999999'"),
        (sensor(node=None, link='"C999"'), 5, "link", "unknown link 'C999'"),
        (sensor(node=None, gauge='"RG9"', quantity='"rainfall"'), 5, "gauge", "unknown gauge"),
        (
            sensor() + "\n" + sensor(),
            8,
            "id",
            "duplicate sensor id 'S1' \\(first declared on line 2",
        ),
        (sensor(quantity='"level"'), 4, "quantity", "'level' is not a quantity"),
        (sensor(unit='"cm"'), 6, "unit", "unit 'cm' is not depth's unit"),
        (sensor(quantity='"flow"'), 4, "quantity", "flow is measured at a link, not at a node"),
        (
            sensor(node=None, link='"C000008"'),
            3,
            "quantity",
            "depth is measured at a node, not at a link",
        ),
        (sensor(sd='"small"'), 5, "sd", "expected a number, got 'small'"),
        (sensor(sd="0"), 5, "sd", "must be > 0"),
        (sensor(sd="-0.1"), 5, "sd", "must be > 0"),
        (sensor(sd="nan"), 5, "sd", "expected a number"),
        (sensor(sd=None), 1, "sd", "missing"),
        (sensor(id=None), 1, "id", "missing"),
        (sensor(id='""'), 2, "id", "non-empty name"),
        (sensor(link='"C000008"'), 2, "id", "exactly one of node, link or gauge"),
        (sensor(sigma="0.1"), 6, "sigma", "unknown field"),
        ("", None, None, "declares no \\[\\[sensor\\]\\]"),
        ("[[sensor]]\nid = \n", 2, None, "not valid TOML"),
        ('title = "x"\n' + sensor(), 1, "title", "unknown table or key"),
    ],
)
def test_bad_sensor_file_names_file_line_and_field(tmp_path, net, text, line, field, message):
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=message) as info:
        load_sensors(path, net)
    err = info.value
    assert err.file == str(path)
    assert err.line == line
    assert err.field == field
    assert str(err).startswith(f"{path}:{line}: " if line else f"{path}: ")


def test_missing_sensor_file(tmp_path, net):
    with pytest.raises(InputError, match="sensor file not found"):
        load_sensors(tmp_path / "none.toml", net)


def test_units_accepted_in_any_usual_spelling(tmp_path, net):
    text = sensor(node=None, link='"C000008"', quantity='"flow"', unit='"m^3/s"')
    assert load_sensors(write(tmp_path, text), net)[0].unit == "m3/s"
