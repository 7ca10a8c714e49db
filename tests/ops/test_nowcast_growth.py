"""The radar nowcast's growth models (``RadarRain(mean="anvil"|"linda")``, round 16): a cell
that keeps growing as it nears the town is carried with its growth by ANVIL and not by the
extrapolation, measured against the cell's own future frames; bad values are refused
(``twin watch`` exits 2)."""

import numpy as np
import pytest

import twin
from twin.engine.options import SimOptions
from twin.errors import InputError
from twin.ops.nowcast import GROWTH_MEANS, RadarRain
from twin.ops.rain import ObservedRain
from twin.validation.radar_storm import RainCell, moving_cells, network_grid

pytest.importorskip("pysteps")

NOW_S = 2400.0  # the cycle: eight 5-minute frames seen
LEAD_S = 1800.0


def _growing_cell(growth_per_h):
    """``(net, start, frames)``: 20 five-minute frames (48 x 48 cells of 1 km) of a rain
    cell 14 km west of the small town moving east at 8 m/s, 10 mm/h at its centre at the
    start, its peak growing as ``exp(growth_per_h * t_h)``."""
    net = twin.load_network("small")
    start = SimOptions.from_network(net).start
    x, y = network_grid(net, 48, 1000.0)
    cell = RainCell(x.mean() - 14000.0, y.mean(), 8.0, 0.0, 10.0, 5000.0, growth_per_h)
    frames = moving_cells([cell], x, y, start, 20, 300.0)
    frames.attrs["step_s"] = 300.0
    return net, start, frames


def _town(radar, net, fields):
    area = np.asarray(net.subcatchments.area_m2, float)
    gw = np.bincount(np.asarray(net.subcatchments.raingage, int), area,
                     minlength=len(net.raingages)) / area.sum()  # fmt: skip
    return radar.to_gauges(fields) @ gw


def _town_30min(mean, growth_per_h):
    """(nowcast's members' mean, truth): the town's mean rate [mm/h] over the next 30 min."""
    net, start, frames = _growing_cell(growth_per_h)
    radar = RadarRain(frames, net, start, mean=mean, motion_pairs=5, motion_pert="pairs",
                      spread="rate")  # fmt: skip
    _, rates = radar.nowcast(ObservedRain(len(net.raingages)), NOW_S, LEAD_S, 4, seed=3)
    area = np.asarray(net.subcatchments.area_m2, float)
    gw = np.bincount(np.asarray(net.subcatchments.raingage, int), area,
                     minlength=len(net.raingages)) / area.sum()  # fmt: skip
    fc = float((rates @ gw).mean())
    k = int(NOW_S // 300)
    truth = float(_town(radar, net, radar.rate[k : k + int(LEAD_S // 300)]).mean())
    return fc, truth


def test_anvil_carries_a_growing_cell_s_growth_that_the_extrapolation_does_not():
    ext, truth = _town_30min("extrapolation", 3.0)
    anvil, same_truth = _town_30min("anvil", 3.0)
    assert same_truth == truth and truth > 5.0
    # the extrapolation keeps the cell as it is now: well short of the grown cell
    assert ext < 0.75 * truth, (ext, truth)
    assert abs(anvil - truth) < 0.75 * abs(ext - truth), (anvil, ext, truth)


@pytest.mark.parametrize("growth_per_h", [0.0, -1.5])
def test_anvil_does_not_grow_a_steady_or_decaying_cell(growth_per_h):
    ext, truth = _town_30min("extrapolation", growth_per_h)
    anvil, _ = _town_30min("anvil", growth_per_h)
    assert anvil <= max(ext, truth) * 1.02, (anvil, ext, truth)  # no growth made up
    assert abs(anvil - truth) <= max(1.25 * abs(ext - truth), 0.1 * truth), (anvil, ext, truth)


def test_linda_runs_as_the_mean_and_bad_means_are_refused():
    net, start, frames = _growing_cell(3.0)
    rain = ObservedRain(len(net.raingages))
    _, rates = RadarRain(frames, net, start, mean="linda").nowcast(rain, NOW_S, LEAD_S, 2, seed=1)
    assert rates.shape[0] == 2 and np.isfinite(rates).all() and rates.max() > 0
    assert set(GROWTH_MEANS) == {"anvil", "linda"}
    with pytest.raises(InputError, match="mean"):
        RadarRain(frames, net, start, mean="anvill")
    with pytest.raises(InputError, match="mean"):
        RadarRain(frames, net, start, method="steps", mean="anvil")


@pytest.mark.parametrize(("value", "radar"), [("anvill", True), ("anvil", False)])
def test_twin_watch_refuses_a_bad_growth_mean_with_exit_2(tmp_path, capsys, value, radar):
    """A misspelt mean, or a growth mean without ``--radar``: one line, exit 2, nothing
    written."""
    from twin.cli import main

    sensors = tmp_path / "s.toml"
    sensors.write_text('[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n')
    folder = tmp_path / "radar"
    folder.mkdir()
    _growing_cell(3.0)[2].to_dataset().to_netcdf(folder / "a.nc")
    out = tmp_path / "out"
    args = ["watch", "small", "--sensors", str(sensors), "--nowcast-mean", value, "-o", str(out)]
    code = main([*args, *(["--radar", str(folder)] if radar else [])])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "--nowcast-mean" in err[0], err
    assert not out.exists()
