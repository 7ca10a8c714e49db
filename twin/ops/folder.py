"""Follow a folder that a SCADA export keeps writing observation CSV files into.

Every poll reads, from each file matching the pattern (in name order), the complete
lines written since the last poll.  The byte offset reached in each file is a cursor
in the observation store (``file:<absolute path>``), committed in the same
transaction as the rows it covers, so a restarted follower neither loses nor repeats
a row.

- A last line without its newline is left for a later poll, unless the file has not
  changed for ``settle_s`` seconds (an export that ends without a newline).
- A file that shrank or was replaced (another inode) is read again from its start;
  the rows already stored are duplicates and ignored.
- A bad row does not stop the feed: it is kept in the store's ``rejected`` table with
  its file, line, field and reason, and logged as a warning.

Polling (not inotify) works on network shares, where SCADA exports often land.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from twin.ops.csvfeed import BadRow, parse_rows

__all__ = ["FolderFeed"]

log = logging.getLogger("twin.ops")

#: Most bytes read from one file in one transaction.
CHUNK_BYTES = 16 * 2**20


class FolderFeed:
    """Observation CSV files of a folder, followed.

    Parameters
    ----------
    folder : str or Path
    store : ObservationStore
    sensors : SensorSet
    pattern : str
        Glob of the files to follow (``*.csv``).
    tz : str, optional
        Zone of times written without one (default UTC).
    settle_s : float
        A file unchanged this long has its unterminated last line read.
    """

    def __init__(self, folder, store, sensors, *, pattern="*.csv", tz=None, settle_s=60.0):
        self.folder = Path(folder)
        self.store = store
        self.sensors = sensors
        self.pattern = pattern
        self.tz = tz
        self.settle_s = float(settle_s)
        self._missing_reported = False

    def poll(self) -> int:
        """Read what was written since the last poll; returns the number of new rows."""
        if not self.folder.is_dir():
            if not self._missing_reported:
                log.warning("followed folder %s does not exist (yet)", self.folder)
                self._missing_reported = True
            return 0
        self._missing_reported = False
        new = 0
        for path in sorted(self.folder.glob(self.pattern)):
            if path.is_file():
                new += self._read_file(path.resolve())
        return new

    def follow(self, stop: threading.Event | None = None, interval_s: float = 5.0) -> None:
        """Poll every ``interval_s`` seconds until ``stop`` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                n = self.poll()
            except OSError as exc:
                log.warning("reading %s failed (%s); trying again", self.folder, exc)
                n = 0
            if n:
                log.info("%d new observation(s) from %s", n, self.folder)
            stop.wait(interval_s)

    def _read_file(self, path: Path) -> int:
        key = f"file:{path}"
        try:
            st = path.stat()
        except FileNotFoundError:
            return 0
        cursor = self.store.get_cursor(key) or {}
        offset, line = int(cursor.get("offset", 0)), int(cursor.get("line", 0))
        if cursor and (cursor.get("inode") != st.st_ino or st.st_size < offset):
            log.warning("%s was replaced or truncated; reading it again from its start", path)
            offset = line = 0
        new = 0
        while st.st_size > offset:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read(CHUNK_BYTES)
            end = data.rfind(b"\n") + 1
            if end == 0:
                quiet = time.time() - st.st_mtime >= self.settle_s
                if not quiet and len(data) < CHUNK_BYTES:
                    break  # a partial last line: the writer is not done with it
                end = len(data)
            parts = data[:end].split(b"\n")
            if data[end - 1 : end] == b"\n":
                parts.pop()  # the empty text after the last newline
            cursor = {"offset": offset + end, "line": line + len(parts), "inode": st.st_ino}
            new += self._store_lines(path, parts, offset, line, {key: cursor})
            offset, line = cursor["offset"], cursor["line"]
            st = path.stat()
        return new

    def _store_lines(self, path, parts: list, offset: int, line: int, cursors: dict) -> int:
        """Parse lines ``line + 1 ...`` of ``path`` and store them with ``cursors``."""
        rejected = []

        def quarantine(bad: BadRow):
            rejected.append(
                {"reason": bad.message, "text": bad.text, "line": bad.line, "field": bad.field}
            )

        numbered = []
        for k, raw in enumerate(parts, line + 1):
            if offset == 0 and k == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                numbered.append((k, raw.decode("utf-8").rstrip("\r")))
            except UnicodeDecodeError:
                quarantine(BadRow("not UTF-8 text", text=repr(raw)[:200], file=str(path), line=k))
        batch = parse_rows(numbered, self.sensors, file=str(path), tz=self.tz, on_error=quarantine)
        return self.store.add(batch, f"folder:{path}", cursors=cursors, rejected=rejected)
