"""Every reading reaches the filter: one stamped at a cycle's end is used in that cycle."""

import numpy as np
import xarray as xr

import twin
from twin.ops.sensors import load_sensors
from twin.ops.watch import Twin


def test_readings_at_cycle_ends_are_used(tmp_path):
    net = twin.load_network("small")
    toml = tmp_path / "s.toml"
    toml.write_text('[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n')
    sensors = load_sensors(toml, net)
    start = np.datetime64("2024-07-15T00:00:00", "s")
    minutes = np.arange(1, 31)
    value = 0.001 * minutes  # a reading a minute, each its own value
    rows = [(str(start + np.timedelta64(int(m), "m")), "L1", float(v))
            for m, v in zip(minutes, value, strict=True)]  # fmt: skip
    tw = Twin(net, sensors, tmp_path / "w", members=2, cycle_min=10, forecast=False, seed=1)
    tw.ingest(rows, "test")
    tw.run()
    tw.close()
    with xr.open_dataset(tmp_path / "w" / "analysis.nc") as an:
        t_min = (an.time.values - start) // np.timedelta64(60, "s")
        observed = an.sensor_observed.sel(sensor="L1").values
    # samples every 5 minutes, at 10 and 20 minutes also the cycle ends
    np.testing.assert_array_equal(t_min, [5, 10, 15, 20, 25, 30])
    np.testing.assert_allclose(observed, 0.001 * t_min)
