"""A watch whose sensor file mixes rain gauges, flow and level sensors in any order.

Before round 14 a rain-gauge sensor in the file (the issue's own example) crashed the
watch at its first reading (QC had a column per sensor, its history one per level or flow
sensor), a flow sensor declared before a level sensor gave QC the other's measurement
error, and a watch with rain gauges alone could not restart (QC's sums of no sensor)."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from twin.engine.options import SimOptions
from twin.ops import load_sensors
from twin.ops.watch import Twin

SENSORS = {
    "R1": 'gauge = "RG1"\nquantity = "rainfall"\nsd = 0.5',
    "Q1": 'link = "C000008"\nquantity = "flow"\nsd = 0.005',
    "L1": 'node = "MH000031"\nquantity = "depth"\nsd = 0.01',
    "L2": 'node = "MH000008"\nquantity = "depth"\nsd = 0.02',
}


def _sensors(tmp_path, network, ids):
    path = tmp_path / "sensors.toml"
    path.write_text("\n\n".join(f'[[sensor]]\nid = "{i}"\n{SENSORS[i]}' for i in ids) + "\n")
    return load_sensors(path, network)


def _rows(network, ids, minutes):
    start = pd.Timestamp(SimOptions.from_network(network).start)
    value = {"R1": 24.0, "Q1": 0.01, "L1": 0.05, "L2": 0.04}
    return [((start + pd.Timedelta(minutes=k)).isoformat(), i, value[i])
            for k in minutes for i in ids]  # fmt: skip


def test_rain_gauges_flow_and_level_sensors_in_any_order(tmp_path, network):
    ids = ["R1", "Q1", "L1", "L2"]  # a rain gauge first, the flow sensor before the levels
    sensors = _sensors(tmp_path, network, ids)
    tw = Twin(network, sensors, tmp_path / "out", members=4, seed=1, end_hours=0.5,
              forecast=False)  # fmt: skip
    # QC judges the level and flow sensors, each by its own measurement error
    assert tw.qc.sd.tolist() == [0.01, 0.02, 0.005]
    tw.ingest(_rows(network, ids, range(1, 31)), "test")
    tw.run()
    assert tw.t_s == pytest.approx(1800.0)
    # the rain gauge is the observed rain (24 mm/h), not judged by QC
    assert tw.rain.mean_rate(600.0, 1200.0)[0] == pytest.approx(24.0)
    with xr.open_dataset(tmp_path / "out" / "analysis.nc") as ds:
        flags = ds["sensor_qc_flag"].values
        assert flags.shape[-1] == 4 and not flags[..., 0].any()
        assert np.isfinite(ds["sensor_analysed"].values[..., 1:]).all()


def test_a_watch_with_rain_gauges_alone_restarts(tmp_path, network):
    sensors = _sensors(tmp_path, network, ["R1"])
    out = tmp_path / "out"
    first = Twin(network, sensors, out, members=3, seed=1, end_hours=1.0, forecast=False)
    first.ingest(_rows(network, ["R1"], range(1, 21)), "test")
    first.run()
    again = Twin(network, sensors, out, members=3, seed=1, end_hours=1.0, forecast=False)
    assert again.t_s == first.t_s == pytest.approx(1200.0)
    again.ingest(_rows(network, ["R1"], range(21, 41)), "test")
    again.run()
    assert again.t_s == pytest.approx(2400.0)
