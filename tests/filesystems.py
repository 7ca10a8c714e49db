"""Real file systems in awkward states, for the tests of what the twin writes.

* :func:`full_folder`: a folder on a small tmpfs that is already full, so every write
  there fails with ENOSPC ("No space left on device").  Mounting needs root; without
  it the writes of a *child process* are limited instead (RLIMIT_FSIZE, SIGXFSZ
  ignored: "File too large"), so tests that use it run the twin in a subprocess.
* :func:`read_only_folder`: a read-only tmpfs (root), else a folder without write
  permission (a non-root user), else the test is skipped.
* :func:`device_node`: a character device like ``/dev/zero`` made inside ``tmp_path``
  (root), else a FIFO (also not a regular file).
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import signal
import stat
import subprocess

import pytest

ENOSPC_TEXT = os.strerror(errno.ENOSPC)  # "No space left on device"
EFBIG_TEXT = os.strerror(errno.EFBIG)  # "File too large"


def _mount(path, options: str) -> bool:
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                           capture_output=True, timeout=30)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


def _umount(path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


class FullFolder:
    """A folder where writes fail: ``path``; ``preexec`` for subprocesses (or None);
    ``reason``: the error text the twin should print."""

    def __init__(self, path, preexec, reason):
        self.path, self.preexec, self.reason = path, preexec, reason

    def contents(self) -> list[str]:
        return sorted(p for p in os.listdir(self.path) if p != "filler")


def _limit_file_size(nbytes: int):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))

    return preexec


@contextlib.contextmanager
def full_folder(tmp_path, size_kib: int = 256):
    """Yields a :class:`FullFolder` (a full tmpfs, or a file-size limit for children)."""
    disk = tmp_path / "full-disk"
    disk.mkdir()
    if _mount(disk, f"size={size_kib}k,mode=0777"):
        try:
            with open(disk / "filler", "wb", buffering=0) as fh:  # fill it: nothing more fits
                with contextlib.suppress(OSError):
                    while True:
                        fh.write(b"\0" * 4096)
            yield FullFolder(disk, None, ENOSPC_TEXT)
        finally:
            _umount(disk)
    else:
        yield FullFolder(disk, _limit_file_size(0), EFBIG_TEXT)


@contextlib.contextmanager
def read_only_folder(tmp_path):
    """Yields a folder nothing can be written in (not even by root)."""
    ro = tmp_path / "read-only"
    ro.mkdir()
    if _mount(ro, "ro,size=64k"):
        try:
            yield ro
        finally:
            _umount(ro)
    elif os.geteuid() != 0:
        ro.chmod(0o555)
        try:
            yield ro
        finally:
            ro.chmod(0o755)
    else:
        pytest.skip("root without mount: no way to make a read-only folder")


def device_node(path):
    """A character device (1, 5: what /dev/zero is) at ``path`` when root, else a FIFO;
    returns the ``stat`` test that recognises it."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 5))
        return stat.S_ISCHR
    except (PermissionError, AttributeError):
        os.mkfifo(path)
        return stat.S_ISFIFO
