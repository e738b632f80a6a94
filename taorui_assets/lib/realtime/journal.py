"""The write-ahead journal (kdb+tick's tickerplant log): one append-only file per trading day.

``<dir>/<YYYY-MM-DD>.journal`` holds the day's batches in arrival order (codec records);
``<dir>/<YYYY-MM-DD>.committed`` holds the byte offset up to which the batches are in
MongoDB (replaced atomically). A batch counts as received only once it is appended; the
journal is the writer's queue, so a restart replays from the committed offset with the
same code path as normal running. A day's files are removed only by ``remove_day`` — the
sealing asset calls it after the day is checked and reconciled.

fsync: ``"batch"`` (default) fsyncs every append, so an acknowledged push survives a power
loss; ``"off"`` leaves it to the OS (a process crash, even ``kill -9``, still loses nothing:
the data is in the page cache); a number ``s`` fsyncs at most every ``s`` seconds.
One capture owns the directory at a time (an flock on ``<dir>/.lock``).
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
import zlib
from pathlib import Path
from typing import Iterator, Optional, Union

from taorui_assets.lib.realtime.codec import Batch, decode_stream, encode


class JournalError(RuntimeError):
    """The journal cannot be written (disk full, permissions…): ticks would be lost."""


class JournalLocked(RuntimeError):
    pass


class Journal:
    def __init__(self, directory: Union[str, Path], fsync: Union[str, float] = "batch"):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        if not (fsync in ("batch", "off") or isinstance(fsync, (int, float))):
            raise ValueError(f"journal fsync must be 'batch', 'off' or seconds, not {fsync!r}")
        self.fsync = fsync
        self._lock_fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise JournalLocked(f"another capture is using the journal in {self.dir}") from None
        self._fd: Optional[int] = None
        self._day: Optional[str] = None
        self._size = 0
        self._last_sync = 0.0
        self._mutex = threading.Lock()
        self.appended = threading.Condition(self._mutex)

    # ------------------------------------------------------------ files
    def path(self, day: str) -> Path:
        return self.dir / f"{day}.journal"

    def _committed_path(self, day: str) -> Path:
        return self.dir / f"{day}.committed"

    def days(self) -> list[str]:
        return sorted(p.stem for p in self.dir.glob("*.journal"))

    def size(self, day: str) -> int:
        with self._mutex:
            if day == self._day:
                return self._size
        p = self.path(day)
        return p.stat().st_size if p.exists() else 0

    def _open(self, day: str) -> None:
        if self._fd is not None:
            os.close(self._fd)
        p = self.path(day)
        # Cut a torn tail left by a crash mid-write, so the next record starts clean.
        good = self.repair(day) if p.exists() else 0
        self._fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._day, self._size = day, good

    def repair(self, day: str) -> int:
        p = self.path(day)
        data = p.read_bytes()
        good = 0
        for good, _b in decode_stream(data):
            pass
        if good < len(data):
            with open(p, "r+b") as f:
                f.truncate(good)
        return good

    # ------------------------------------------------------------ writing
    def append(self, day: str, batch: Batch) -> int:
        """Append one batch to ``day``'s journal; returns the offset after it. Raises
        ``JournalError`` if the bytes are not all on disk (never a silent drop)."""
        record = encode(batch)
        with self._mutex:
            try:
                if day != self._day:
                    self._open(day)
                view = memoryview(record)
                while view:
                    n = os.write(self._fd, view)
                    view = view[n:]
                if self.fsync == "batch" or (isinstance(self.fsync, (int, float)) and not isinstance(self.fsync, bool)
                                             and time.monotonic() - self._last_sync >= self.fsync):
                    os.fsync(self._fd)
                    self._last_sync = time.monotonic()
            except OSError as e:
                # A partial record may be on disk: cut it so the journal stays readable.
                try:
                    os.ftruncate(self._fd, self._size)
                except OSError:
                    pass
                raise JournalError(f"journal write failed ({self.path(day)}): {e.strerror or e}") from None
            self._size += len(record)
            self.appended.notify_all()
            return self._size

    # ------------------------------------------------------------ reading and committing
    def read(self, day: str, offset: int, max_bytes: int = 64 << 20) -> Iterator[tuple[int, Batch]]:
        """Complete batches of ``day`` from ``offset`` (at most ~``max_bytes``)."""
        p = self.path(day)
        if not p.exists():
            return iter(())
        limit = self.size(day)
        want = min(max(limit - offset, 0), max_bytes)
        with open(p, "rb") as f:
            while True:
                f.seek(offset)
                buf = f.read(want)
                out = [(offset + end, b) for end, b in decode_stream(buf)]
                if out or want >= limit - offset:  # a record larger than max_bytes: read more
                    return iter(out)
                want = min(want * 2, limit - offset)

    def fingerprint(self, day: str, offset: int) -> list:
        """Identifies this journal at ``offset``: [offset, crc32 of the 64 bytes before it]. The
        writer's MongoDB checkpoint keeps it, so a restart with another journal (a new directory)
        is recognised instead of trusting offsets that mean something else there."""
        start = max(0, offset - 64)
        p = self.path(day)
        if not p.exists() or p.stat().st_size < offset:
            return [offset, -1]
        with open(p, "rb") as f:
            f.seek(start)
            return [offset, zlib.crc32(f.read(offset - start))]

    def committed(self, day: str) -> int:
        p = self._committed_path(day)
        return int(p.read_text().strip() or 0) if p.exists() else 0

    def commit(self, day: str, offset: int) -> None:
        p = self._committed_path(day)
        tmp = p.with_suffix(".tmp")
        with open(tmp, "w") as f:
            f.write(str(offset))
            f.flush()
            if self.fsync != "off":
                os.fsync(f.fileno())
        os.replace(tmp, p)

    def pending_days(self) -> list[str]:
        """Days whose journal holds batches not yet committed to MongoDB, oldest first."""
        return [d for d in self.days() if self.committed(d) < self.size(d)]

    def remove_day(self, day: str) -> None:
        with self._mutex:
            if day == self._day:
                os.close(self._fd)
                self._fd, self._day, self._size = None, None, 0
        for p in (self.path(day), self._committed_path(day)):
            p.unlink(missing_ok=True)

    def close(self) -> None:
        with self._mutex:
            if self._fd is not None:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None
        os.close(self._lock_fd)


def remove_sealed_day(directory: Union[str, Path], day: str) -> bool:
    """For the sealing asset (another process): delete ``day``'s journal files. Safe while the
    capture runs: it only ever appends to today's file, and a sealed day is in the past.
    Refuses (``JournalError``) while part of the day is not yet committed to MongoDB."""
    d = Path(directory)
    path, committed = d / f"{day}.journal", d / f"{day}.committed"
    if not path.exists():
        return False
    done = int(committed.read_text().strip() or 0) if committed.exists() else 0
    left = path.stat().st_size - done
    if left > 0:
        raise JournalError(f"the journal of {day} still has {left:,} bytes not in MongoDB; start the "
                           "capture so it replays them, then seal the day again")
    path.unlink()
    committed.unlink(missing_ok=True)
    return True
