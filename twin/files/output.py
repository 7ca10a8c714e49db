"""Every file sewer-twin writes goes through here: checked first, then written whole or not at all.

The promise, for results, renders, hot-start files, ``.inp`` files, districts and their
terrains, scenario files and benchmark records:

* **Only regular files are replaced.**  A target that exists and is a device, a FIFO, a
  socket or a folder is refused, and so is a *symbolic link* (whatever it points to):
  the twin never writes through a link, so an output never lands outside the folder
  you named, and a link planted where an output goes cannot redirect it.  Name the
  file the link points to instead.  (A ``.zarr`` store is a folder: an existing one is
  replaced only when it is a Zarr store.)
* **Checked before the work** (:func:`check_output`): the name's extension, the
  target's kind, and the folder: missing folders are created when the file is
  written (one rule for every command), so the nearest existing folder must be a
  writable folder.
* **Whole or absent** (:func:`atomic_output`): the content goes to a temporary name in
  the target's folder (``.NAME.XXXXXXXX.tmp``), is flushed to disk and renamed onto
  the target.  On any failure (disk full, I/O error, Ctrl-C, SIGTERM) the temporary
  file and any folder made for it are removed and the target is left as it was; a
  disk error is an :class:`~twin.errors.OutputError` ``FILE: No space left on device``.
* **The truth after an interrupt**: the rename and its record are one critical section
  (:func:`~twin.files.signals.signals_held`), so :func:`outputs_written` and
  :func:`output_in_progress` say exactly which targets were replaced.
* **Files a command was not told to write** (a terrain beside the ``.inp`` you named,
  a render beside the results you named, default outputs) replace an existing file
  only when it is the twin's own output of that kind (:func:`written_by_twin`), or
  with ``force``.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import secrets
import shutil
import stat
import traceback
from glob import escape as glob_escape
from pathlib import Path

from twin.errors import InputError, OutputError
from twin.files.signals import signals_held

__all__ = [
    "atomic_output",
    "check_output",
    "file_kind",
    "fill_file",
    "netcdf_bytes",
    "output_in_progress",
    "outputs_abandoned",
    "outputs_written",
    "reset_output_log",
    "write_bytes",
    "write_text",
    "written_by_twin",
]

_CHUNK = 16 << 20  # bytes per write call


class _Log:
    """The outputs this process replaced, and the one being written now."""

    written: list[Path] = []
    pending: Path | None = None
    abandoned: list[Path] = []


def outputs_written() -> list[Path]:
    """Targets replaced (renamed into place) since :func:`reset_output_log`."""
    return list(_Log.written)


def output_in_progress() -> Path | None:
    """The target being written now (its temporary file exists), else None."""
    return _Log.pending


def outputs_abandoned() -> list[Path]:
    """Targets whose writing failed or was interrupted (each left as it was)."""
    return list(_Log.abandoned)


def reset_output_log() -> None:
    """Forget the outputs recorded so far (the CLI does this for every command)."""
    _Log.written = []
    _Log.pending = None
    _Log.abandoned = []


# -- what a path is -------------------------------------------------------------------
def file_kind(mode: int) -> str:
    """``'a regular file'``, ``'a folder'``, ``'a character device'``, ... for ``st_mode``."""
    for test, name in (
        (stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):  # fmt: skip
        if test(mode):
            return name
    return "not a regular file"


def _existing(path: Path, store: bool) -> os.stat_result | None:
    """The target's ``lstat``, or None when it does not exist; refuses what cannot be
    replaced (InputError naming the path)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror or exc}", file=path) from None
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        raise InputError(
            "is a symbolic link; outputs never go through a link: name the file it "
            f"points to ({os.path.realpath(path)}) or another name",
            file=path,
        )
    if store:
        if not stat.S_ISDIR(mode) or not _is_zarr_store(path):
            raise InputError(
                f"exists and is {file_kind(mode)}, not a Zarr store; refusing to replace it",
                file=path,
            )
    elif not stat.S_ISREG(mode):
        raise InputError(
            f"exists and is {file_kind(mode)}; outputs replace regular files only", file=path
        )
    return st


def _is_zarr_store(path: Path) -> bool:
    return any((path / m).is_file() for m in (".zgroup", ".zarray", ".zmetadata", "zarr.json"))


def _nearest_folder(folder: Path) -> Path:
    """The nearest existing ancestor of ``folder`` (itself when it exists); it must be a
    folder this process can create files in."""
    p = folder
    while not os.path.lexists(p) and p != p.parent:
        p = p.parent
    if not p.is_dir():
        raise InputError(f"is {file_kind(os.stat(p).st_mode) if p.exists() else 'a broken link'}"
                         ", not a folder; cannot create a file under it", file=p)  # fmt: skip
    if not os.access(p, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids):
        read_only = bool(os.statvfs(p).f_flag & os.ST_RDONLY)
        why = (
            "is on a read-only file system" if read_only else "is not writable (permission denied)"
        )
        raise InputError(f"output folder {why}", file=p)
    return p


def _folder_of(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


# -- checks before the work -----------------------------------------------------------------
def check_output(
    path, *, suffixes=(), named: bool = True, force: bool = False, store: bool = False,
    hint: str = "",
) -> Path:  # fmt: skip
    """Check, before any work, that ``path`` can be written; returns it as a Path.

    Parameters
    ----------
    path : path-like
        The output file.
    suffixes : tuple of str
        Allowed extensions (``(".nc",)``); empty: any.
    named : bool
        True when the user named this file (``-o``); False for a default or a companion
        file (a terrain beside an ``.inp``, a render beside results): an existing file is
        then replaced only when it is the twin's own (:func:`written_by_twin`) or with
        ``force``.
    store : bool
        The output is a folder (a ``.zarr`` store).
    hint : str
        Added to the refusal of an unnamed existing file (what option names it).

    Raises
    ------
    InputError
        Naming the path: a wrong extension, a target that is not a regular file (or is a
        symbolic link), an existing file not named, or a folder that cannot be created or
        written.
    """
    path = Path(os.fspath(path))
    if not path.name or path.name in (".", "..") or str(path).endswith(os.sep):
        raise InputError("is not a file name", file=path)
    if suffixes and not path.name.lower().endswith(tuple(s.lower() for s in suffixes)):
        raise InputError(f"output must end in {' or '.join(suffixes)}", file=path)
    folder = _folder_of(path)
    _nearest_folder(folder)
    st = _existing(path, store)
    if st is not None and not named and not force and not written_by_twin(path):
        extra = f"; {hint}" if hint else ""
        raise InputError(
            f"exists and this command was not told to replace it{extra} (--force replaces it)",
            file=path,
        )
    return path


def written_by_twin(path) -> bool:
    """True when ``path`` is a regular file that sewer-twin wrote as an output: a results
    file (NetCDF with ``results_schema``), a terrain (NetCDF titled ``sewer-twin
    terrain``) or a render (PNG with ``Software: sewer-twin``)."""
    path = Path(path)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    try:
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            from PIL import Image

            with Image.open(path) as im:
                return str(im.info.get("Software", "")).startswith("sewer-twin")
        if head.startswith(b"\x89HDF\r\n\x1a\n"):
            import h5py

            with h5py.File(path, "r") as f:
                return "results_schema" in f.attrs
        if head.startswith(b"CDF"):
            from scipy.io import netcdf_file

            with netcdf_file(path, "r", mmap=False) as f:
                return getattr(f, "title", b"") in (b"sewer-twin terrain", "sewer-twin terrain")
    except Exception:  # noqa: BLE001 - an unreadable file is not ours
        return False
    return False


# -- writing ---------------------------------------------------------------------------------
def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; returns those created (deepest last)."""
    missing = []
    p = folder
    while not os.path.lexists(p) and p != p.parent:
        missing.append(p)
        p = p.parent
    made = []
    for p in reversed(missing):
        os.mkdir(p)
        made.append(p)
    return made


def _temp_beside(path: Path, store: bool, writer_creates: bool) -> Path:
    while True:
        if writer_creates:  # keeps the suffix: GDAL picks its driver by it
            tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
        else:
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            if store:
                os.mkdir(tmp, 0o777)
            elif writer_creates:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                os.unlink(tmp)  # proved the name free and the folder writable
            else:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            return tmp
        except FileExistsError:
            continue


def _remove_with_sidecars(tmp: Path) -> None:
    """``tmp`` and files a library made beside it (``tmp-journal``, ``tmp.aux.xml``)."""
    _remove(tmp)
    for side in tmp.parent.glob(glob_escape(tmp.name) + "?*"):
        with contextlib.suppress(OSError):
            _remove(side)


def _remove(p: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def _mode_for(st: os.stat_result | None) -> int:
    """The mode of the replaced file, or what a new file gets under the umask."""
    if st is not None:
        return stat.S_IMODE(st.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return f"{type(exc).__name__}: {exc}"


@contextlib.contextmanager
def atomic_output(path, *, store: bool = False, writer_creates: bool = False):
    """Write ``path`` whole or not at all: yields a temporary path beside it to write.

    When the block ends normally the temporary file is flushed to disk and renamed onto
    ``path`` (with the replaced file's mode, or the umask's for a new one); missing
    folders are created first.  On any exception (also ``KeyboardInterrupt`` and the
    CLI's SIGTERM) the temporary file and the folders made for it are removed and the
    target is left as it was; an ``OSError`` (disk full, I/O error) becomes an
    :class:`~twin.errors.OutputError` ``path: reason``.  The target is checked again
    (not a link, not a device, ...) just before it is replaced.

    Parameters
    ----------
    path : path-like
        The target.
    store : bool
        The output is a folder (a ``.zarr`` store): the temporary path is a folder.
    writer_creates : bool
        The writer creates the file itself (GDAL): the temporary path does not exist
        yet and keeps the target's suffix (``.out.XXXXXXXX.tmp.gpkg``); side files the
        writer leaves beside it are removed with it.
    """
    path = Path(os.fspath(path))
    folder = _folder_of(path)
    made: list[Path] = []
    tmp = None
    try:
        with signals_held():
            st = _existing(path, store)
            made = _make_folders(folder)
            tmp = _temp_beside(path, store, writer_creates)
            _Log.pending = path
        yield tmp
        if not store:
            os.chmod(tmp, _mode_for(st))
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        with signals_held():
            _existing(path, store)
            if store and os.path.lexists(path):
                old = path.with_name(f".{path.name}.{secrets.token_hex(4)}.old")
                os.replace(path, old)
                os.replace(tmp, path)
                _remove(old)
            else:
                os.replace(tmp, path)
            if path not in _Log.written:  # a watch replaces its files every cycle
                _Log.written.append(path)
            _Log.pending = None
        _fsync_folder(folder)
    except BaseException as exc:
        with signals_held():
            if tmp is not None:
                _remove_with_sidecars(tmp)
            for p in reversed(made):
                with contextlib.suppress(OSError):
                    os.rmdir(p)
            if _Log.pending == path:
                _Log.pending = None
                _Log.abandoned.append(path)
        if isinstance(exc, OSError):
            raise OutputError(path, _reason(exc)) from None
        raise


def fill_file(tmp, data) -> None:
    """Write ``data`` (bytes, bytearray, memoryview or a binary file object) into the
    file ``tmp`` (a temporary path from :func:`atomic_output`) with plain writes."""
    with open(tmp, "wb") as fh:
        if isinstance(data, io.IOBase):
            shutil.copyfileobj(data, fh, _CHUNK)
        else:
            view = memoryview(data).cast("B")
            for start in range(0, len(view), _CHUNK):
                fh.write(view[start : start + _CHUNK])


def write_bytes(path, data) -> Path:
    """Write ``data`` (bytes, bytearray, memoryview or a binary file object) to ``path``
    through :func:`atomic_output`; returns the path."""
    path = Path(os.fspath(path))
    with atomic_output(path) as tmp:
        fill_file(tmp, data)
    return path


def netcdf_bytes(ds, *, engine: str = "h5netcdf", **kwargs) -> memoryview:
    """An xarray Dataset encoded as a NetCDF file in memory (no file is touched).

    ``engine="h5netcdf"`` gives NetCDF-4, ``"scipy"`` NetCDF-3 (``format=``); other
    keywords go to :meth:`xarray.Dataset.to_netcdf`.  Write the result with
    :func:`write_bytes`: HDF5 that meets a full disk while writing a file crashes
    the process, a plain write fails with one clean error.
    """
    try:
        return memoryview(ds.to_netcdf(None, engine=engine, **kwargs))
    except BaseException as exc:
        # the encoder's HDF5 handles live in the traceback's frames: close them now,
        # not in a destructor that would print a second traceback later
        traceback.clear_frames(exc.__traceback__)
        gc.collect()
        raise


def write_text(path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` (newlines as ``\\n``) to ``path`` through :func:`atomic_output`."""
    return write_bytes(path, text.encode(encoding))
