"""twin.files.output: writers refuse what is not a regular file, write whole or not at all."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import twin
from tests.filesystems import device_node, full_folder
from twin.errors import InputError, OutputError
from twin.files import (
    atomic_output,
    check_output,
    outputs_abandoned,
    outputs_written,
    reset_output_log,
    signals_held,
    write_bytes,
    write_text,
    written_by_twin,
)

ROOT = Path(__file__).parents[2]


def _not_regular_targets(tmp_path):
    """(path, test that it is still what it was) for a FIFO, a device, a folder, a
    symbolic link to a regular file and a dangling link."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    dev = tmp_path / "zero"
    dev_test = device_node(dev)
    folder = tmp_path / "folder"
    folder.mkdir()
    real = tmp_path / "real.txt"
    real.write_text("mine")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere" / "x.txt")
    return [
        (fifo, lambda: stat.S_ISFIFO(os.lstat(fifo).st_mode)),
        (dev, lambda: dev_test(os.lstat(dev).st_mode)),
        (folder, lambda: folder.is_dir() and not any(folder.iterdir())),
        (link, lambda: link.is_symlink() and real.read_text() == "mine"),
        (dangling, lambda: dangling.is_symlink() and not (tmp_path / "nowhere").exists()),
    ]


def test_targets_that_are_not_regular_files_are_refused_and_left_alone(tmp_path):
    for target, unchanged in _not_regular_targets(tmp_path):
        with pytest.raises(InputError) as err:
            check_output(target)
        assert str(target) in str(err.value)
        with pytest.raises(InputError):
            write_text(target, "x")
        assert unchanged(), target
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def _writers(tmp_path):
    """Every public writer of the twin, as ``write(path)``."""
    from tests.engine.test_results_io import full_dataset
    from twin.bench.report import write_json
    from twin.engine.simulation import Simulation
    from twin.export import export_results
    from twin.networks.district import write_district
    from twin.networks.terrain import write_terrain
    from twin.render import render
    from twin.render.profile_plot import animate_profile, plot_profile
    from twin.report import formats as report_formats
    from twin.scenarios.scenario import Scenario

    def net():
        return twin.load_network("small-conduits")

    return {
        "results": lambda p: twin.write_results(full_dataset(), p),
        "render": lambda p: render(full_dataset(), p),
        "hot start": lambda p: Simulation(net(), end_hours=0.05).save_state(p),
        "inp": lambda p: net().to_inp(p),
        "district": lambda p: write_district(p, conduits=20, seed=1),
        "terrain": lambda p: write_terrain(_small_dem(), p),
        "scenario": lambda p: Scenario.preset("seoul-100mmh").to_file(p),
        "bench json": lambda p: write_json({"created": "x"}, p.parent, p.stem),
        "report": lambda p: report_formats.write_text("a report\n", p),
        "profile": lambda p: plot_profile(full_dataset(), "J1", "OUT", p),
        "profile gif": lambda p: animate_profile(full_dataset(), "J1", "OUT", p),
        "geopackage": lambda p: export_results(full_dataset(), p),
        "geotiff": lambda p: export_results(full_dataset(), p),
    }


def _small_dem():
    import xarray as xr

    z = np.arange(12.0).reshape(3, 4)
    return xr.DataArray(z, dims=("y", "x"), coords={"y": [0.0, 5, 10], "x": [0.0, 5, 10, 15]})


SUFFIX = {
    "results": ".nc", "render": ".png", "hot start": ".npz", "inp": ".inp", "district": ".inp",
    "terrain": ".nc", "scenario": ".toml", "bench json": ".json", "report": ".txt",
    "profile": ".png", "profile gif": ".gif", "geopackage": ".gpkg", "geotiff": ".tif",
}  # fmt: skip


@pytest.mark.parametrize("writer", list(SUFFIX))
def test_every_writer_refuses_a_fifo_a_device_and_a_link(writer, tmp_path):
    write = _writers(tmp_path)[writer]
    real = tmp_path / f"real{SUFFIX[writer]}"
    real.write_bytes(b"someone else's")
    link = tmp_path / f"link{SUFFIX[writer]}"
    link.symlink_to(real)
    fifo = tmp_path / f"fifo{SUFFIX[writer]}"
    os.mkfifo(fifo)
    dev = tmp_path / f"dev{SUFFIX[writer]}"
    is_dev = device_node(dev)
    for target in (fifo, dev, link):
        with pytest.raises(InputError, match="symbolic link|not a regular|regular files only"):
            write(target)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and is_dev(os.lstat(dev).st_mode)
    assert link.is_symlink() and real.read_bytes() == b"someone else's"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_report_tables_refuse_a_fifo_among_them_before_writing_any(tmp_path):
    from tests.engine.test_results_io import full_dataset
    from twin.report.formats import csv_texts, write_csv_tables

    ds = full_dataset()
    names = list(csv_texts(ds))
    os.mkfifo(tmp_path / names[-1])
    with pytest.raises(InputError, match="FIFO"):
        write_csv_tables(ds, tmp_path)
    assert os.listdir(tmp_path) == [names[-1]]
    (tmp_path / names[-1]).unlink()
    assert sorted(p.name for p in write_csv_tables(ds, tmp_path)) == sorted(names)


def test_a_failed_or_interrupted_write_leaves_the_target_and_no_trace(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    reset_output_log()
    for exc in (ValueError("encoder failed"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), atomic_output(target) as tmp:
            tmp.write_text("half")
            raise exc
        assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]
    deep = tmp_path / "a" / "b" / "c.txt"  # folders made for a failed write go again
    with pytest.raises(ValueError), atomic_output(deep) as tmp:
        assert (tmp_path / "a" / "b").is_dir()
        raise ValueError
    assert os.listdir(tmp_path) == ["out.txt"]
    assert outputs_written() == [] and outputs_abandoned() == [target, target, deep]


def test_a_target_that_turns_into_a_fifo_while_written_is_not_replaced(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(InputError, match="FIFO"), atomic_output(target) as tmp:
        tmp.write_text("new")
        os.mkfifo(target)  # appears between the check and the rename
    assert stat.S_ISFIFO(os.lstat(target).st_mode) and os.listdir(tmp_path) == ["out.txt"]


def test_mode_of_a_replaced_file_is_kept_and_a_new_one_follows_the_umask(tmp_path):
    old = tmp_path / "private.txt"
    old.write_text("x")
    old.chmod(0o600)
    write_text(old, "y")
    assert stat.S_IMODE(old.stat().st_mode) == 0o600 and old.read_text() == "y"
    umask = os.umask(0o027)
    try:
        new = write_bytes(tmp_path / "new.bin", b"z")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o640


def test_output_checks_before_the_work(tmp_path):
    with pytest.raises(InputError, match=r"must end in \.inp"):
        check_output(tmp_path / "a.nc", suffixes=(".inp",))
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        check_output(tmp_path / "file" / "sub" / "a.nc")
    assert check_output(tmp_path / "new" / "sub" / "a.nc") == tmp_path / "new" / "sub" / "a.nc"
    assert not (tmp_path / "new").exists()  # checked, not made: made when written
    mine = tmp_path / "photo.png"
    mine.write_bytes(b"\x89PNG\r\n\x1a\n not a render")
    with pytest.raises(InputError, match="--force"):
        check_output(mine, named=False)
    assert check_output(mine, named=False, force=True) == mine
    assert check_output(mine, named=True) == mine


def test_written_by_twin_knows_its_own_outputs(tmp_path):
    from tests.engine.test_results_io import full_dataset
    from twin.networks.terrain import write_terrain
    from twin.render import _write_image

    assert written_by_twin(twin.write_results(full_dataset(), tmp_path / "r.nc"))
    assert written_by_twin(write_terrain(_small_dem(), tmp_path / "t.nc"))
    assert written_by_twin(_write_image(tmp_path / "p.png", np.zeros((4, 4, 3), np.uint8)))
    import h5py

    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.attrs["x"] = 1
    (tmp_path / "plain.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for other in ("other.h5", "plain.png", "nothing-here"):
        assert not written_by_twin(tmp_path / other)


def test_a_signal_inside_a_held_section_arrives_when_it_ends():
    signal.signal(signal.SIGINT, signal.default_int_handler)  # whatever the runner set
    seen = []
    with pytest.raises(KeyboardInterrupt):
        with signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            seen.append("after the kill, still inside")
    assert seen == ["after the kill, still inside"]


_FULL_DISK_API = """
import sys
from pathlib import Path
import twin
from tests.engine.test_results_io import full_dataset
from tests.files.test_output import _small_dem
from twin.errors import OutputError
from twin.networks.terrain import write_terrain
from twin.render import _write_animation, _write_image
from twin.scenarios.scenario import Scenario
import numpy as np
folder = sys.argv[1]
frames = [np.full((64, 64, 3), k * 40, np.uint8) for k in range(4)]
for name, write in [
    ("r.nc", lambda p: twin.write_results(full_dataset(), p)),
    ("t.nc", lambda p: write_terrain(_small_dem(), p)),
    ("s.toml", lambda p: Scenario.preset("seoul-100mmh").to_file(p)),
    ("i.png", lambda p: _write_image(Path(p), frames[1])),
    ("a.gif", lambda p: _write_animation(Path(p), frames, 2.0)),
]:
    try:
        write(f"{folder}/{name}")
    except OutputError as exc:
        print(exc)
"""


def test_a_full_disk_is_one_clean_error_from_every_writer_api(tmp_path):
    """Run in a child: HDF5 meeting a full disk used to crash the process."""
    with full_folder(tmp_path) as disk:
        r = subprocess.run([sys.executable, "-c", _FULL_DISK_API, str(disk.path)], cwd=ROOT,
                           capture_output=True, text=True, timeout=300,
                           preexec_fn=disk.preexec)  # fmt: skip
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        names = ("r.nc", "t.nc", "s.toml", "i.png", "a.gif")
        assert lines == [f"{disk.path}/{n}: {disk.reason}" for n in names]
        assert r.stderr == "" and disk.contents() == []


def test_output_error_names_the_file():
    assert str(OutputError("a/b.nc", "No space left on device")) == (
        "a/b.nc: No space left on device"
    )
