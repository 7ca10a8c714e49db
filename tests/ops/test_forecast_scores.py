"""The twin experiment's forecast score leaves out leads past the twin's last time."""

import numpy as np
import xarray as xr

from twin.validation import twin_experiment as E


def test_forecast_rmse_scores_only_forecasts_valid_before_the_end_of_the_run():
    t0 = np.datetime64("2024-01-01T00:00", "ns")
    minute = np.timedelta64(60, "s")
    times = t0 + np.arange(181) * minute
    truth = xr.Dataset({"node_depth": (("time", "node"), np.ones((181, 1)))},
                       coords={"time": times})  # fmt: skip
    cycles = t0 + np.array([60, 90, 120]) * minute
    leads = np.array([0, 30, 60]) * minute
    fc = np.ones((3, 3, 1))
    fc[2, 2] = 3.0  # issued at 2:00, valid at 3:00: past a run that ends at 2:30
    forecasts = xr.Dataset({"node_depth_mean": (("cycle", "lead", "node"), fc)},
                           coords={"cycle": cycles, "lead": leads})  # fmt: skip
    assert E.forecast_rmse(forecasts, truth, [0], 60) > 1.0
    assert E.forecast_rmse(forecasts, truth, [0], 60, until=t0 + 150 * minute) == 0.0
