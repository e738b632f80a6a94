"""The capture service: feed → journal → batched writer → MongoDB, plus a heartbeat.

    push ──on_batch──► journal (append, fsync per batch) ──► writer thread ──► MongoDB
                       (counts as received here)             every N ticks or T ms

The feed's callback (``on_batch``) appends the batch to today's journal and wakes the
writer; it never waits for MongoDB. The writer reads the journal from the last committed
offset, writes idempotently (storage.py) and commits the offset, so a restart — after a
clean stop, a crash or ``kill -9`` — replays exactly what is missing.

Failures:
* MongoDB unreachable: the writer backs off (0.5 s doubling to ``backoff_max_s``), the
  journal keeps growing, the lag grows; when MongoDB is back it catches up, oldest first.
  The lag is in the heartbeat document (``capture_heartbeat``) and in the log.
* The journal cannot be written (disk full…): a CRITICAL log line and an alert, the feed is
  stopped, what was journaled is flushed, and the process exits non-zero — never a silent drop.
* SIGTERM/SIGINT: unsubscribe, flush the journal to MongoDB (up to ``stop_timeout_s``) and
  say what was flushed and what, if anything, is left for the next start.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np
from pymongo.database import Database

from taorui_assets.lib.realtime.codec import Batch
from taorui_assets.lib.realtime.feeds import QuoteFeed
from taorui_assets.lib.realtime.journal import Journal, JournalError
from taorui_assets.lib.realtime.storage import HEARTBEAT, SH
from taorui_assets.lib.realtime.writer import LATEST_SLICE, LATEST_SLICE_BUSY, TickStore

log = logging.getLogger("taorui.capture")

# Defaults. T: a tick waits at most 50 ms for companions before it is written. A whole-market
# push arrives as ONE journal record and is one insert whatever T is, so waiting longer only adds
# lag; T matters for the per-code subscriptions' small pushes (≤ 50 codes), which it coalesces.
# N: 20,000 ticks (four full-market pushes) caps a write when the writer is behind: one write is
# one chunk insert per push, so a backlog is caught up a few pushes at a time.
BATCH_TICKS = 20_000
BATCH_MS = 50


@dataclass
class CaptureConfig:
    journal_dir: Union[str, Path]
    fsync: Union[str, float] = "batch"
    batch_ticks: int = BATCH_TICKS
    batch_ms: int = BATCH_MS
    backoff_max_s: float = 5.0
    heartbeat_s: float = 1.0
    stop_timeout_s: float = 30.0


class Capture:
    def __init__(self, feed: QuoteFeed, db: Database, config: CaptureConfig,
                 alert: Optional[Callable[[str], None]] = None):
        self.feed = feed
        self.db = db
        self.cfg = config
        self.alert = alert or (lambda text: None)
        self.journal = Journal(config.journal_dir, config.fsync)
        self.store = TickStore(db, feed.source)
        self.stop_event = threading.Event()
        self.fatal: Optional[str] = None
        self.received = 0          # ticks journaled by this process
        self.written = 0           # ticks written to MongoDB by this process (replay included)
        self.replayed = 0
        self.not_captured = 0      # pushed ticks refused after a journal failure
        self._start_sizes: dict[str, int] = {}
        self.lags_ms: deque = deque(maxlen=200_000)  # (ticks, lag ms) of committed batches
        self.mongo_ok = True
        self.last_error = ""
        self.started_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        self._state_day: Optional[str] = None
        self._pos = 0              # journal offset of the day being written, up to which MongoDB has it
        self._oldest_pending_ns: Optional[int] = None
        self._last_heartbeat = 0.0
        self._last_exchange_ms = 0

    # ------------------------------------------------------------ the feed's callback
    def on_batch(self, batch: Batch) -> None:
        if not len(batch):
            return
        if self.fatal:  # stopping after a journal failure: counted and reported, never silent
            self.not_captured += len(batch)
            return
        day = dt.datetime.fromtimestamp(int(batch.times[0]) / 1000, SH).date().isoformat()
        try:
            self.journal.append(day, batch)
        except JournalError as e:
            self.not_captured += len(batch)
            self.fatal = f"{e}; {len(batch)} ticks of this push were NOT captured"
            log.critical("JOURNAL WRITE FAILED: %s. Stopping the capture.", self.fatal)
            try:
                self.alert(f"[taorui] tick capture stopped: {self.fatal}")
            finally:
                self.stop_event.set()
            return
        self.received += len(batch)
        self._last_exchange_ms = max(self._last_exchange_ms, int(batch.times.max()))

    # ------------------------------------------------------------ the writer
    def _pending(self, day: str, max_ticks: int) -> tuple[list[tuple], int]:
        """Journal records ``(start, end, batch)`` from the writer's offset, up to ~``max_ticks``."""
        offset = start = self._pos
        records, n = [], 0
        for end, b in self.journal.read(day, offset, max_bytes=max(1 << 20, max_ticks * 400)):
            records.append((start, end, b))
            start = end
            n += len(b)
            if n >= max_ticks:
                break
        return records, start

    def _load(self, day: str) -> None:
        """Resume ``day`` in the writer from its MongoDB checkpoint (see writer.py)."""
        committed = self.journal.committed(day)
        self._pos = self.store.load_state(dt.date.fromisoformat(day), lambda at: self.journal.fingerprint(day, at),
                                          committed)
        if self._pos != committed:
            log.info("journal %s: resuming at offset %s (the MongoDB checkpoint), committed was %s",
                     day, f"{self._pos:,}", f"{committed:,}")
            if self._pos > committed:  # the checkpoint was written, the commit not: it is in MongoDB
                self.journal.commit(day, self._pos)
        self._state_day = day

    def flush_once(self, force: bool = False) -> int:
        """Write the oldest uncommitted batches (≤ N ticks) if N ticks or T ms are reached
        (or ``force``), then some of the writer's background work. Returns ticks written;
        raises on a MongoDB error."""
        days = self.journal.pending_days()
        if not days:
            self._oldest_pending_ns = None
            self.store.background()
            return 0
        day = days[0]
        if day != self._state_day:
            if self._state_day is not None and self.store.day is not None:
                self.store.finish_day()  # the journal has moved on to a later day
            self._load(day)
            if self._pos >= self.journal.size(day):
                return 0
        records, end = self._pending(day, self.cfg.batch_ticks)
        if not records:
            return 0
        n = sum(len(b) for _s, _e, b in records)
        oldest = min(b.received_ns for _s, _e, b in records)
        self._oldest_pending_ns = oldest
        if not force and n < self.cfg.batch_ticks and time.time_ns() - oldest < self.cfg.batch_ms * 1e6 \
                and len(days) == 1:
            self.store.background()
            return 0
        self.store.write(records, self.journal.fingerprint(day, end))
        self.journal.commit(day, end)
        self._pos = end
        if end <= self._start_sizes.get(day, 0):
            self.replayed += n
        done = time.time_ns()
        for _s, _e, b in records:
            self.lags_ms.append((len(b), (done - b.received_ns) / 1e6))
        self.written += n
        self._oldest_pending_ns = None
        self.store.background()
        return n

    def _write_with_backoff(self, force: bool = False, step: Optional[Callable[[], int]] = None) -> int:
        delay = 0.5
        while True:
            try:
                n = step() if step else self.flush_once(force)
                if not self.mongo_ok:
                    log.warning("MongoDB is back: catching up from the journal")
                self.mongo_ok, self.last_error = True, ""
                return n
            except JournalError:
                raise
            except Exception as e:  # noqa: BLE001 - pymongo's errors: keep journaling, retry
                self.mongo_ok, self.last_error = False, f"{type(e).__name__}: {str(e)[:200]}"
                log.warning("MongoDB write failed (%s); journaling continues, lag %.1fs, retry in %.1fs",
                            self.last_error, self.lag_s(), delay)
                self.stop_event.wait(delay)
                # Stopping: give up at once while running, or at the drain's deadline.
                if self.stop_event.is_set() and (self._give_up_at is None or time.monotonic() > self._give_up_at):
                    return 0
                delay = min(delay * 2, self.cfg.backoff_max_s)

    _give_up_at: Optional[float] = None

    def _latest_loop(self) -> None:
        """quotes_latest beside the tick path, on its own connection (writer.py says why). While
        ticks wait for MongoDB it writes small slices at most half the time, so that the server's
        time goes to the ticks first."""
        while not self._latest_stop.is_set():
            ticks_waiting = self.received > self.written - self.replayed
            t0 = time.monotonic()
            try:
                n = self.store.write_latest(LATEST_SLICE_BUSY if ticks_waiting else LATEST_SLICE)
            except Exception as e:  # noqa: BLE001 - MongoDB down: the tick writer reports and backs off
                log.debug("quotes_latest write failed (%s); retrying", type(e).__name__)
                n = 0
                self._latest_stop.wait(0.5)
            if n == 0:
                self._latest_stop.wait(0.05)
            elif ticks_waiting:
                self._latest_stop.wait(time.monotonic() - t0)

    def lag_s(self) -> float:
        """Age of the oldest tick received but not yet in MongoDB (0 when caught up)."""
        return 0.0 if self._oldest_pending_ns is None else max(0.0, (time.time_ns() - self._oldest_pending_ns) / 1e9)

    def lag_percentiles(self) -> tuple[float, float]:
        if not self.lags_ms:
            return 0.0, 0.0
        w = np.array([n for n, _l in self.lags_ms], dtype=float)
        lag = np.array([l for _n, l in self.lags_ms])
        order = np.argsort(lag)
        cum = np.cumsum(w[order]) / w.sum()
        return float(lag[order][np.searchsorted(cum, 0.5)]), float(lag[order][min(np.searchsorted(cum, 0.99), len(lag) - 1)])

    def heartbeat(self, state: str = "running", force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_heartbeat < self.cfg.heartbeat_s:
            return
        self._last_heartbeat = now
        p50, p99 = self.lag_percentiles()
        pending = sum(self.journal.size(d) - self.journal.committed(d) for d in self.journal.days())
        doc = {"state": state, "feed": self.feed.name, "host": socket.gethostname(), "pid": os.getpid(),
               "started_at": self.started_at, "updated_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
               "received_ticks": self.received, "written_ticks": self.written, "pending_bytes": int(pending),
               "lag_s": round(self.lag_s(), 3), "lag_p50_ms": round(p50, 1), "lag_p99_ms": round(p99, 1),
               "last_exchange_time": (dt.datetime.fromtimestamp(self._last_exchange_ms / 1000, SH).replace(tzinfo=None)
                                      if self._last_exchange_ms else None),
               "bars_closed_through": (dt.datetime.fromtimestamp(self.store.frontier / 1000, SH).replace(tzinfo=None)
                                       if self.store.frontier else None),
               "quotes_latest_pending": len(self.store.dirty),
               "quotes_latest_staleness_s": round(self.store.latest_staleness(), 3),
               "mongo_ok": self.mongo_ok, "last_error": self.last_error, "fatal": self.fatal or "",
               "journal_dir": str(self.cfg.journal_dir)}
        try:
            self.db[HEARTBEAT].replace_one({"_id": "capture"}, doc, upsert=True)
        except Exception:  # noqa: BLE001 - MongoDB down: the stale heartbeat is itself the signal
            pass

    # ------------------------------------------------------------ running
    def run(self, install_signals: bool = True) -> int:
        """Run until SIGTERM/SIGINT, a journal failure, or the feed finishing. Returns the exit code."""
        if install_signals:
            import signal

            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda signum, frame: self.stop_event.set())
        backlog = self.journal.pending_days()
        if backlog:
            # Subscribe first, so no push is missed while the backlog is written (oldest first).
            self._start_sizes = {d: self.journal.size(d) for d in backlog}
            log.info("replaying the journal from the last committed offset: %s",
                     ", ".join(f"{d} ({self.journal.size(d) - self.journal.committed(d):,} bytes)" for d in backlog))
        self.feed.start(self.on_batch)
        self._latest_stop = threading.Event()
        latest = threading.Thread(target=self._latest_loop, name="quotes_latest", daemon=True)
        latest.start()
        log.info("capture running: feed %s, journal %s (fsync %s), batches of %d ticks or %d ms",
                 self.feed.name, self.cfg.journal_dir, self.cfg.fsync, self.cfg.batch_ticks, self.cfg.batch_ms)
        try:
            while not self.stop_event.is_set():
                n = self._write_with_backoff()
                self.heartbeat()
                if self.feed.finished() and not self.journal.pending_days():
                    log.info("the feed has finished the session")
                    break
                if n == 0 and not self.store.busy():  # bars to close or quotes to write: go on at once
                    with self.journal.appended:
                        self.journal.appended.wait(self.cfg.batch_ms / 1000 / 2)
        finally:
            self.feed.stop()
            self._latest_stop.set()
            latest.join(timeout=30)
            code = self._drain()
        return code

    def _drain(self) -> int:
        before = self.written
        self._give_up_at = time.monotonic() + self.cfg.stop_timeout_s
        while self.journal.pending_days() and time.monotonic() < self._give_up_at:
            self._write_with_backoff(force=True)
        if self.store.day is not None and time.monotonic() < self._give_up_at:
            # Close the bars the exchange clock has passed and write every changed quote; the
            # bar still open stays in ticks_live (the next start picks it up from there).
            self._write_with_backoff(step=lambda: self.store.background(stopping=True) or 0)
        left = sum(self.journal.size(d) - self.journal.committed(d) for d in self.journal.days())
        state = "journal_failed" if self.fatal else "stopped"
        self.heartbeat(state, force=True)
        p50, p99 = self.lag_percentiles()
        msg = (f"capture stopped: {self.received:,} ticks received and journaled, {self.written:,} written to MongoDB "
               f"({self.replayed:,} replayed from before this start, {self.written - before:,} flushed while stopping); "
               + (f"{self.not_captured:,} pushed ticks NOT captured (journal failure); " if self.not_captured else "")
               + f"lag p50 {p50:.0f} ms, p99 {p99:.0f} ms; ")
        msg += ("journal fully committed" if left == 0 else
                f"{left:,} journal bytes NOT yet in MongoDB — they are replayed at the next start")
        log.info(msg)
        print(f"[taorui] {msg}", flush=True)
        self.journal.close()
        if self.fatal:
            print(f"[taorui] ERROR: {self.fatal}", flush=True)
            return 3
        return 0 if left == 0 else 4
