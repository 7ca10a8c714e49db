"""What `twin` writes, as a user meets it: real subprocesses on real file systems.

Outputs replace regular files only, are checked before the work, land whole or not
at all (also on a full disk), never outside the chosen folder, and a file the command
was not told to replace is kept unless --force.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import twin
from tests.filesystems import device_node, full_folder, read_only_folder
from twin.files import written_by_twin

SHORT = ("--end-hours", "0.25", "--quiet")


def twin_cli(*args, cwd=None, preexec=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "twin.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec)  # fmt: skip


def one_error_line(r) -> str:
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("twin: error: "), r.stderr
    return lines[0]


def test_run_refuses_a_device_a_fifo_and_a_link_before_the_run(tmp_path):
    dev = tmp_path / "full"
    is_dev = device_node(dev)
    fifo = tmp_path / "fifo.nc"
    os.mkfifo(fifo)
    real = tmp_path / "real.nc"
    real.write_bytes(b"keep me")
    link = tmp_path / "link.nc"
    link.symlink_to(real)
    for target in (dev, fifo, link):
        r = twin_cli("run", "small", "-o", target, "--no-render", *SHORT)
        assert r.returncode == 2 and "results:" not in r.stdout  # refused before the run
        assert str(target) in one_error_line(r)
    assert is_dev(os.lstat(dev).st_mode) and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert link.is_symlink() and real.read_bytes() == b"keep me"
    assert sorted(os.listdir(tmp_path)) == ["fifo.nc", "full", "link.nc", "real.nc"]


def test_full_disk_is_one_line_exit_1_and_no_temporary_file(tmp_path):
    with full_folder(tmp_path) as disk:
        out = disk.path / "out.nc"
        r = twin_cli("run", "small", "-o", out, "--no-render", *SHORT,
                     preexec=disk.preexec)  # fmt: skip
        assert r.returncode == 1, r.stderr
        assert one_error_line(r) == f"twin: error: {out}: {disk.reason}"
        assert "HDF5" not in r.stderr and "Traceback" not in r.stderr
        assert disk.contents() == []


def test_render_export_profile_and_report_on_a_full_disk_are_one_line_too(tmp_path):
    res = tmp_path / "r.nc"
    r = twin_cli("run", "small", "--surface", "-o", res, "--no-render", *SHORT)
    assert r.returncode == 0, r.stderr
    with full_folder(tmp_path) as disk:
        for name, args in [
            ("pic.png", ("render", res, "--network", "small")),
            ("layers.gpkg", ("export", res, "--crs", "EPSG:5186")),
            ("depth.tif", ("export", res, "--crs", "EPSG:5186")),
            ("section.png", ("profile", res, "--from", "MH000046", "--to", "OF01")),
            ("report.json", ("report", res, "--format", "json")),
        ]:
            if disk.preexec is not None and name.endswith(".gpkg"):
                continue  # a file-size limit, not a full disk: GDAL words it its own way
            out = disk.path / name
            r = twin_cli(*args, "-o", out, preexec=disk.preexec)
            assert r.returncode == 1, r.stderr
            assert one_error_line(r) == f"twin: error: {out}: {disk.reason}"
        assert disk.contents() == []


def test_a_scenario_name_cannot_leave_the_output_folder(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    sc = twin.Scenario.preset("seoul-100mmh").replace(name="x/../../../../../ESCAPED")
    sc.to_file(work / "evil.toml")
    r = twin_cli("run", "small", "--scenario", "evil.toml", "--no-render", *SHORT,
                 cwd=work)  # fmt: skip
    assert r.returncode == 0, r.stderr
    (out,) = (work / "twin-output").iterdir()
    assert out.name == "small-x_ESCAPED.nc"
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {Path("work/evil.toml"), Path("work/twin-output/small-x_ESCAPED.nc")}


def test_outputs_are_checked_before_the_work(tmp_path):
    with read_only_folder(tmp_path) as ro:
        r = twin_cli("ensemble", "small", "-n", "2", "--end-hours", "0.1", "--quiet",
                     "--scheduler", "serial", "-o", ro / "x.nc")  # fmt: skip
        assert r.returncode == 2 and "members:" not in r.stdout
        assert "read-only" in one_error_line(r) or "not writable" in r.stderr
        out = tmp_path / "run.nc"
        r = twin_cli("run", "small", "-o", out, "--image", ro / "x.png", *SHORT)
        assert r.returncode == 2 and not out.exists() and "results:" not in r.stdout
        assert str(ro) in one_error_line(r)
    (tmp_path / "plain").write_text("a file where a folder should be")
    r = twin_cli("run", "small", "-o", tmp_path / "plain" / "sub" / "x.nc", *SHORT)
    assert r.returncode == 2 and "results:" not in r.stdout and "not a folder" in one_error_line(r)


def test_one_rule_for_folders_every_command_creates_them(tmp_path):
    out = tmp_path / "a" / "b" / "c.nc"
    r = twin_cli("run", "small", "-o", out, "--no-render", *SHORT)
    assert r.returncode == 0 and out.is_file(), r.stderr
    png = tmp_path / "d" / "e" / "f.png"
    r = twin_cli("render", out, "-o", png, "--network", "small")
    assert r.returncode == 0 and png.is_file(), r.stderr
    inp = tmp_path / "g" / "town.inp"
    r = twin_cli("generate", "district", "--conduits", "20", "-o", inp)
    assert r.returncode == 0 and inp.is_file() and (inp.parent / "town.terrain.nc").is_file()


def test_generate_checks_the_extension_and_keeps_a_terrain_it_was_not_told_to_replace(tmp_path):
    r = twin_cli("generate", "district", "--conduits", "20", "-o", tmp_path / "a.nc")
    assert r.returncode == 2 and "must end in .inp" in one_error_line(r)
    assert os.listdir(tmp_path) == []
    mine = tmp_path / "a.terrain.nc"
    mine.write_bytes(b"my own terrain, not the twin's")
    r = twin_cli("generate", "district", "--conduits", "20", "-o", tmp_path / "a.inp")
    assert r.returncode == 2 and "--force" in one_error_line(r)
    assert mine.read_bytes() == b"my own terrain, not the twin's"
    assert sorted(os.listdir(tmp_path)) == ["a.terrain.nc"]
    r = twin_cli("generate", "district", "--conduits", "20", "-o", tmp_path / "a.inp", "--force")
    assert r.returncode == 0 and twin.load_network(tmp_path / "a.inp").n_links > 0
    r = twin_cli("generate", "district", "--conduits", "20", "-o", tmp_path / "a.inp")
    assert r.returncode == 0, r.stderr  # now it is the twin's own terrain: replaced


def test_run_keeps_a_picture_it_was_not_told_to_replace(tmp_path):
    out = tmp_path / "r.nc"
    photo = tmp_path / "r.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n my holiday photo")
    r = twin_cli("run", "small", "-o", out, *SHORT)
    assert r.returncode == 2 and "r.png" in one_error_line(r) and "--force" in r.stderr
    assert not out.exists() and photo.read_bytes().endswith(b"my holiday photo")
    for extra in (("--force",), ()):  # then the render beside the results is the twin's own
        r = twin_cli("run", "small", "-o", out, *SHORT, *extra)
        assert r.returncode == 0, r.stderr
        assert written_by_twin(photo)


@pytest.mark.parametrize("command", ["run", "render", "generate"])
def test_help_documents_the_rules(command):
    args = ("generate", "district") if command == "generate" else (command,)
    r = twin_cli(*args, "--help")
    assert r.returncode == 0 and "--force" in r.stdout
