"""What PATH is: a results file, an ensemble file or a watch folder, opened as a board."""

from __future__ import annotations

from pathlib import Path

from twin.errors import InputError
from twin.serve.watch_files import ANALYSIS, FORECASTS, WATCH_FILES

__all__ = ["open_board"]


def open_board(path, network=None, sensors=None):
    """The :class:`~twin.serve.board.Board` of ``path``.

    Parameters
    ----------
    path : path-like
        A results or ensemble file (NetCDF, or a ``.zarr`` store), or a watch folder.
    network : str or Network, optional
        A watch folder's network (name or ``.inp``); by default the one its files name.
    sensors : path-like, optional
        A watch folder's sensor file (TOML).

    Raises
    ------
    InputError
        Naming the path, when it is none of these, or a results file of a newer schema.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("no such file or folder", file=p)
    if p.is_dir() and p.suffix.lower() != ".zarr":
        if not any((p / name).exists() for name in WATCH_FILES):
            raise InputError(
                "not a results file, ensemble file or watch folder (a watch folder holds "
                + ", ".join(WATCH_FILES[:4])
                + ")",
                file=p,
            )
        return _watch_board(p, network, sensors)
    if network is not None or sensors is not None:
        raise InputError("--network and --sensors are for a watch folder", file=p)
    from twin.engine.results_io import open_results
    from twin.serve.run_board import RunBoard

    try:
        ds = open_results(p)
    except InputError as exc:
        if p.name in (ANALYSIS, FORECASTS):
            raise InputError(
                f"a file of a watch folder: serve the folder ({p.parent}) instead", file=p
            ) from exc
        raise
    for var in ("node_depth", "node_max_depth", "link_flow", "link_max_flow", "node_x"):
        if var not in ds.variables:
            ds.close()
            raise InputError(f"results file without '{var}'", file=p)
    return RunBoard(p, ds)


def _watch_board(folder: Path, network, sensors):
    from twin.api import load_network
    from twin.serve.watch_board import WatchBoard

    if network is None:
        network = _named_network(folder)
    if network is None:
        raise InputError(
            "the watch folder does not name its network: give --network NAME or FILE.inp",
            file=folder,
        )
    net = load_network(network)
    sensor_set = None
    if sensors is not None:
        from twin.ops.sensors import load_sensors

        sensor_set = load_sensors(sensors, net)
    return WatchBoard(folder, net, sensor_set)


def _named_network(folder: Path):
    """The network a watch folder's NetCDF files name (attribute ``network`` or ``source``)."""
    import xarray as xr

    for name in (ANALYSIS, FORECASTS):
        path = folder / name
        if not path.exists():
            continue
        try:
            with xr.open_dataset(path, engine="h5netcdf") as ds:
                named = ds.attrs.get("network") or ds.attrs.get("source")
        except Exception:  # noqa: BLE001 - a file being written: try the other one
            continue
        if named:
            return str(named)
    return None
