"""A rain cell crossing the small town on a radar grid, for the tests of the radar in
`twin watch` (live folders, the gauge-adjusted nowcast, its bias, restarts)."""

import twin
from twin.engine.options import SimOptions
from twin.validation.radar_storm import RainCell, moving_cells, network_grid


def passing_cell(west_m=6000.0, n_frames=24):
    """``(net, start, frames)``: ``n_frames`` five-minute radar frames (32 x 32 cells of
    500 m) of one rain cell ``west_m`` metres west of the small town, moving east
    at 6 m/s, 60 mm/h at its centre."""
    net = twin.load_network("small")
    start = SimOptions.from_network(net).start
    x, y = network_grid(net, 32, 500.0)
    cells = [RainCell(x.mean() - west_m, y.mean(), 6.0, 0.0, 60.0, 2500.0, 0.2)]
    return net, start, moving_cells(cells, x, y, start, n_frames, 300.0)


def passing_cell_folder(folder, west_m=6000.0, n_frames=10):
    """A radar folder (made if missing) holding :func:`passing_cell`'s frames as
    ``a.nc``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    passing_cell(west_m=west_m, n_frames=n_frames)[2].to_dataset().to_netcdf(folder / "a.nc")
    return folder
