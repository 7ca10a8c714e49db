"""write_results / open_results: round trip, atomic writes, clear errors."""

from __future__ import annotations

import importlib.util
import os

import dask.array as da
import numpy as np
import pytest
import xarray as xr

from tests.engine.test_dataset import NODES, TIMES, full_arrays
from twin.engine.dataset import build_dataset
from twin.engine.results_io import COMPRESS_MIN_SIZE, open_results, write_results
from twin.errors import InputError, TwinError

HAS_ZARR = importlib.util.find_spec("zarr") is not None


def full_dataset():
    series, summaries, coords, names = full_arrays(seed=3)
    summaries["node_max_depth_time"][1] = np.datetime64("NaT")  # never happened
    attrs = {
        "title": "round trip",
        "flow_routing": "DYNWAVE",
        "routing_step_s": 20.0,
        "routing_steps": 720,
        "allow_ponding": False,
        "flow_routing_continuity_error_percent": -0.25,
        "routing_flooding_m3": 12.5,
    }
    return build_dataset(TIMES, series, summaries, coords, names, attrs)


def test_round_trip_is_identical(tmp_path):
    ds = full_dataset()
    path = write_results(ds, tmp_path / "run.nc")
    assert path == tmp_path / "run.nc" and os.listdir(tmp_path) == ["run.nc"]
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not a 0600 temp
    with open_results(path) as back:
        back = back.load()
    xr.testing.assert_identical(ds, back)
    assert np.isnat(back["node_max_depth_time"].values[1])
    assert back["node_depth"].attrs["units"] == "m"
    assert back["network"].attrs["cf_role"] == "mesh_topology"
    assert list(back["link_from"].values) == ["J1", "J2", "J3"]
    # a Dataset that was read back writes again (its on-disk encodings do not get in the way)
    write_results(back, tmp_path / "again.nc")
    with open_results(tmp_path / "again.nc") as again:
        xr.testing.assert_identical(ds, again.load())


def test_big_arrays_are_compressed(tmp_path):
    n_links = COMPRESS_MIN_SIZE // 10 + 1
    flow = np.zeros((10, n_links))
    flow[3:6, :] = 0.25  # a hydrograph that is mostly zeros, as real ones are
    names = {"link": [f"L{i}" for i in range(n_links)]}
    times = TIMES[0] + np.arange(10) * np.timedelta64(5, "m")
    ds = build_dataset(times, {"link_flow": flow}, names=names)
    write_results(ds, tmp_path / "z.nc")
    write_results(ds, tmp_path / "raw.nc", complevel=0)
    saved = os.path.getsize(tmp_path / "raw.nc") - os.path.getsize(tmp_path / "z.nc")
    assert saved > 0.9 * flow.nbytes  # the same file but for the compressed flows
    with open_results(tmp_path / "z.nc") as back:
        assert back["link_flow"].encoding["zlib"] and back["link_flow"].encoding["shuffle"]
        np.testing.assert_array_equal(back["link_flow"].values, flow)


def test_overwrite_replaces_the_old_file(tmp_path):
    target = tmp_path / "run.nc"
    write_results(full_dataset(), target)
    small = build_dataset(TIMES, {"node_depth": np.ones((len(TIMES), 4))}, names={"node": NODES})
    write_results(small, target)
    with open_results(target) as back:
        assert "link_flow" not in back and float(back["node_depth"].sum()) == 4 * len(TIMES)
    assert os.listdir(tmp_path) == ["run.nc"]


def test_unencodable_variable_leaves_nothing_behind(tmp_path):
    ds = full_dataset()
    # written after the good variables: a mixed-type object array has no NetCDF type
    ds["zz_bad"] = ("node", np.array([1, "a", None, 2.5], dtype=object))
    with pytest.raises(TwinError, match="run.nc"):
        write_results(ds, tmp_path / "run.nc")
    assert os.listdir(tmp_path) == []
    ok = full_dataset()
    ok.attrs["options"] = {"a": 1}  # no NetCDF form either
    with pytest.raises(TwinError, match="'options'"):
        write_results(ok, tmp_path / "run.nc")
    assert os.listdir(tmp_path) == []


def test_failure_while_computing_keeps_the_old_target(tmp_path):
    target = tmp_path / "run.nc"
    write_results(full_dataset(), target)
    before = target.read_bytes()

    def explode(block, block_info=None):
        if block_info[0]["chunk-location"][0] == 1:  # the second chunk fails mid-write
            raise RuntimeError("member 1 blew up")
        return block

    lazy = da.map_blocks(explode, da.ones((4, 50_000), chunks=(1, 50_000)), dtype=float)
    ds = full_dataset().assign(big=(("member", "x"), lazy))
    with pytest.raises(TwinError, match="member 1 blew up"):
        write_results(ds, target)
    assert os.listdir(tmp_path) == ["run.nc"] and target.read_bytes() == before


def test_write_creates_missing_folders_and_refuses_a_file_as_folder(tmp_path):
    """One rule for every output: missing folders are made; a file in the way is not."""
    out = write_results(full_dataset(), tmp_path / "missing" / "deeper" / "run.nc")
    assert out.is_file() and open_results(out).sizes["time"] > 0
    (tmp_path / "plain").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        write_results(full_dataset(), tmp_path / "plain" / "run.nc")


@pytest.mark.skipif(HAS_ZARR, reason="zarr is installed")
def test_zarr_without_zarr_is_a_clear_error(tmp_path):
    with pytest.raises(TwinError, match="zarr"):
        write_results(full_dataset(), tmp_path / "run.zarr")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not HAS_ZARR, reason="zarr is not installed")
def test_zarr_round_trip(tmp_path):
    ds = full_dataset()
    write_results(ds, tmp_path / "run.zarr")
    write_results(ds, tmp_path / "run.zarr")  # replaces the store
    xr.testing.assert_identical(ds, open_results(tmp_path / "run.zarr").load())
    assert os.listdir(tmp_path) == ["run.zarr"]


def test_open_names_the_file_when_missing_or_foreign(tmp_path):
    with pytest.raises(InputError, match="nope.nc.*not found"):
        open_results(tmp_path / "nope.nc")
    text = tmp_path / "notes.nc"
    text.write_text("this is not a NetCDF file\n")
    with pytest.raises(InputError, match="notes.nc.*not a readable"):
        open_results(text)
    foreign = tmp_path / "other.nc"
    xr.Dataset({"a": ("x", np.arange(3.0))}).to_netcdf(foreign, engine="h5netcdf")
    with pytest.raises(InputError, match="other.nc.*not a sewer-twin results file"):
        open_results(foreign)


def test_empty_dimensions_and_unicode_names_round_trip(tmp_path):
    ds = build_dataset(
        TIMES,
        {"node_depth": np.zeros((len(TIMES), 2)), "subcatchment_runoff": np.zeros((len(TIMES), 0))},
        coords={"subcatchment_outlet": [], "node_kind": ["junction", "outfall"]},
        names={"node": ["Schacht-Ü1", "Auslass"], "link": [], "subcatchment": []},
    )
    write_results(ds, tmp_path / "empty.nc")
    with open_results(tmp_path / "empty.nc") as back:
        back = back.load()
    xr.testing.assert_identical(ds, back)
    assert back["node"].values[0] == "Schacht-Ü1"
    assert back["subcatchment"].dtype.kind in "OU" and back.sizes["link"] == 0
