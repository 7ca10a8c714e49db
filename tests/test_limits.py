"""Every input number has a physical range (twin.limits): outside it, one line and exit 2;
no overflow traceback, no inf or NaN in a result with exit 0 (issue 15, item 11)."""

from __future__ import annotations

import numpy as np
import pytest

import twin
from twin.cli import main
from twin.engine.simulation import Simulation
from twin.errors import InputError, SimulationError
from twin.networks.inp_reader import read_inp_text

NET = """[OPTIONS]
FLOW_UNITS CMS
START_DATE 01/01/2024
END_DATE 01/01/2024
END_TIME 00:20
REPORT_STEP 00:05:00
[JUNCTIONS]
J1 10 2
[OUTFALLS]
O1 9 FREE
[CONDUITS]
C1 J1 O1 100 0.013 0 0
[XSECTIONS]
C1 CIRCULAR 1 0 0 0
[INFLOWS]
J1 FLOW "" FLOW 1.0 1.0 0.2
"""


def one_line_exit(capsys, argv, code=2):
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("twin: error: "), err
    return lines[0]


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("C1 J1 O1 100 0.013", "C1 J1 O1 1e308 0.013", "Length"),
        ("C1 J1 O1 100 0.013", "C1 J1 O1 100 1e308", "Roughness"),
        ("J1 10 2", "J1 1e300 2", "Elevation"),
        ("C1 CIRCULAR 1 0", "C1 CIRCULAR 1e200 0", "Geom1"),
        ('J1 FLOW "" FLOW 1.0 1.0 0.2', 'J1 FLOW "" FLOW 1.0 1.0 1e300', "item 7"),
    ],
)
def test_inp_numbers_outside_their_range_are_refused(old, new, field, tmp_path, capsys):
    text = NET.replace(old, new)
    with pytest.raises(InputError, match="outside the physical range") as err:
        read_inp_text(text, source="net.inp")
    assert err.value.field in (field, "Baseline", "Sfactor")
    path = tmp_path / "net.inp"
    path.write_text(text)
    line = one_line_exit(capsys, ["run", str(path), "--no-render", "--quiet"])
    assert "outside the physical range" in line


def test_the_base_network_runs(tmp_path, capsys):
    path = tmp_path / "net.inp"
    path.write_text(NET)
    out = tmp_path / "r.nc"
    assert main(["run", str(path), "--no-render", "--quiet", "-o", str(out)]) == 0
    assert out.exists()


@pytest.mark.parametrize(
    "toml, key",
    [
        ("[modify]\nscale = 1e308\n", "modify.scale"),
        ("[modify]\nclimate_factor = 1e300\n", "modify.climate_factor"),
        ("[modify]\ntime_shift_min = 1e300\n", "modify.time_shift_min"),
        ("[modify]\ntime_shift_min = -1e300\n", "modify.time_shift_min"),
        (
            '[rainfall]\nsource = "design"\npattern = "huff3"\ndepth_mm = 50\n'
            "duration_min = 1e9\nstep_min = 5\n",
            "rainfall.duration_min",
        ),
        (
            '[rainfall]\nsource = "design"\npattern = "huff3"\ndepth_mm = 1e300\n'
            "duration_min = 60\nstep_min = 5\n",
            "rainfall.depth_mm",
        ),
        ("[simulation]\ntail_hours = 1e300\n", "simulation.tail_hours"),
    ],
)
def test_scenario_numbers_outside_their_range_are_refused(toml, key, tmp_path, capsys):
    path = tmp_path / "storm.toml"
    path.write_text(f'name = "x"\n{toml}')
    with pytest.raises(InputError) as err:
        twin.Scenario.from_file(path)
    assert err.value.field == key
    line = one_line_exit(capsys, ["run", "small", "--scenario", str(path), "--no-render"])
    assert key in line


def test_a_5000_deep_toml_is_one_line(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    line = one_line_exit(capsys, ["run", "small", "--scenario", str(path), "--no-render"])
    assert "nested too deeply" in line


@pytest.mark.parametrize("n", ["1000000000000", "1e12", "-5", "0"])
def test_district_size_is_bounded(n, tmp_path, capsys):
    out = tmp_path / "d.inp"
    one_line_exit(capsys, ["generate", "district", "--conduits", n, "-o", str(out)])
    assert not out.exists()


def test_non_finite_volumes_never_make_a_result():
    net = read_inp_text(NET, source="net.inp")
    sim = Simulation(net)
    sim.run()
    sim.volumes["dry_weather_inflow"] = np.inf  # as an overflowing inflow would leave it
    with pytest.raises(SimulationError, match="not finite"):
        sim.results()
