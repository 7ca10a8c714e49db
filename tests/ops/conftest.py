"""Shared fixtures of the ops tests: the default network, a sensor file on it, and a rain
cell crossing the small town on a radar grid."""

import pytest

import twin
from tests.radar_cells import passing_cell
from twin.ops import load_sensors

SENSORS_TOML = """\
[[sensor]]
id = "L1"
node = "MH000031"
quantity = "depth"
sd = 0.01

[[sensor]]
id = "L2"
node = "MH000008"
quantity = "depth"
sd = 0.01

[[sensor]]
id = "Q1"
link = "C000008"
quantity = "flow"
sd = 0.005

[[sensor]]
id = "R1"
gauge = "RG1"
quantity = "rainfall"
sd = 0.5
"""


@pytest.fixture(scope="session")
def network():
    return twin.load_network("default")


@pytest.fixture
def sensor_file(tmp_path):
    path = tmp_path / "sensors.toml"
    path.write_text(SENSORS_TOML)
    return path


@pytest.fixture
def sensors(sensor_file, network):
    return load_sensors(sensor_file, network)


@pytest.fixture
def level_sensors(tmp_path):
    """``(net, sensors)``: the small network and the two depth sensors of
    ``SENSORS_TOML`` (L1, L2) alone."""
    net = twin.load_network("small")
    path = tmp_path / "levels.toml"
    path.write_text("\n\n".join(SENSORS_TOML.split("\n\n")[:2]) + "\n")
    return net, load_sensors(path, net)


@pytest.fixture(scope="module")
def cell_storm():
    """``(net, start, frames)``: the small network and 24 five-minute radar frames (500-m
    cells) of one rain cell 6 km west of the town moving east at 6 m/s."""
    return passing_cell()
