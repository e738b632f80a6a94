"""Quote feeds: where pushed ticks come from. The callback they are given only journals and
enqueues (``Capture.on_batch``); it never touches MongoDB.

* ``QmtFeed`` — xtquant push: ``xtdata.subscribe_whole_quote(['SH','SZ','BJ'] or codes)``;
  with basic permissions (no whole-market push) per-code ``subscribe_quote(code,
  period='tick', count=0)``, at most ``PER_CODE_LIMIT`` codes (xtdata.md, 请求限制). It
  connects in token or local mode exactly as ``QmtSource`` does (``QmtConnection``).
* ``SimFeed`` — SimMarket's ticks of one day, paced by a speed-up factor, for the demo.
"""
from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from typing import Callable, Optional, Sequence

import numpy as np

from taorui_assets.lib.realtime.codec import VALUE_FIELDS, Batch, from_xt
from taorui_assets.lib.sources.base import SourceError

PER_CODE_LIMIT = 50
MARKETS = ("SH", "SZ", "BJ")
OnBatch = Callable[[Batch], None]


class QuoteFeed(ABC):
    name = "feed"
    source = "qmt"  # provenance written on every document

    @abstractmethod
    def start(self, on_batch: OnBatch) -> None:
        """Subscribe; ``on_batch`` is then called (from the feed's own thread) per push."""

    @abstractmethod
    def stop(self) -> None:
        """Unsubscribe; no more calls of ``on_batch`` after it returns."""

    def finished(self) -> bool:
        """True when the feed will push nothing more (a simulated session that ended)."""
        return False


class QmtFeed(QuoteFeed):
    name = "qmt"

    def __init__(self, connection, targets: Sequence[str] = MARKETS, per_code: bool = False):
        self.check_targets(targets, per_code)
        self.conn = connection
        self.targets = list(targets)
        self.per_code = per_code
        self._seqs: list[int] = []
        self._on: Optional[OnBatch] = None
        self._stopped = threading.Event()

    @staticmethod
    def check_targets(targets: Sequence[str], per_code: bool) -> None:
        if per_code:
            if any(t in MARKETS for t in targets):
                raise ValueError("per-code subscription (basic permissions) needs codes, not markets")
            if len(targets) > PER_CODE_LIMIT:
                raise ValueError(f"per-code subscription is limited to {PER_CODE_LIMIT} codes "
                                 f"(xtdata.md 请求限制); got {len(targets)}: use the whole-market push")

    def _callback(self, datas) -> None:
        if self._stopped.is_set() or not datas:
            return
        self._on(from_xt(datas, time.time_ns()))

    def start(self, on_batch: OnBatch) -> None:
        self._on = on_batch
        if self.per_code:
            for code in self.targets:
                seq = self.conn.call("xtdata", "subscribe_quote", code, period="tick", count=0,
                                     callback=self._callback)
                self._check(seq, code)
        else:
            seq = self.conn.call("xtdata", "subscribe_whole_quote", self.targets, callback=self._callback)
            self._check(seq, ",".join(self.targets))

    def _check(self, seq, what: str) -> None:
        if seq is None or int(seq) <= 0:
            raise SourceError(f"QMT refused the subscription to {what} (returned {seq})")
        self._seqs.append(int(seq))

    def stop(self) -> None:
        self._stopped.set()
        for seq in self._seqs:
            try:
                self.conn.call("xtdata", "unsubscribe_quote", seq)
            except SourceError:
                pass  # the connection is going away anyway; nothing more will be journaled
        self._seqs.clear()


class SimFeed(QuoteFeed):
    """SimMarket's session of ``day`` at ``speed``× real time (continuous trading only:
    4 h of snapshots in 4 h / speed). One push per snapshot time, every code at once, like
    QMT's whole-market push. ``t0`` (wall clock, seconds) is the moment 09:30:00 happened,
    so a restarted feed continues the same session where the market now is (default: the
    session opens when the feed starts)."""

    name = "sim"
    source = "sim"

    def __init__(self, market, day, codes: Optional[Sequence[str]] = None, speed: float = 60.0,
                 t0: Optional[float] = None):
        from taorui_assets.lib.sim.ticks import day_ticks

        self.replay = Replay(day_ticks(market, day, codes), speed, t0)
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()

    def start(self, on_batch: OnBatch) -> None:
        def run():
            while not self._stop.is_set():
                due = self.replay.due(time.time())
                for _ms, batch in due:
                    if self._stop.is_set():
                        return
                    on_batch(Batch(batch.codes, batch.times, batch.values, time.time_ns()))
                if self.replay.done:
                    return
                self._stop.wait(self.replay.wait_s(time.time()))

        self._thread = threading.Thread(target=run, daemon=True, name="sim-feed")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def finished(self) -> bool:
        return self.replay.done


class Replay:
    """Paces a day of canonical ticks against the wall clock: ``due(now)`` returns the
    snapshot times (with their batches) that have happened since the last call. The first
    call also returns the latest snapshot already past, as QMT pushes the current full
    snapshot right after subscribing."""

    AM_OPEN, AM_CLOSE, PM_OPEN = 9.5 * 3600, 11.5 * 3600, 13 * 3600

    def __init__(self, ticks, speed: float, t0: Optional[float] = None):
        import pandas as pd

        self.speed = float(speed)
        self.t0 = None if t0 is None else float(t0)  # None: the session opens at the first ``due``
        times = pd.DatetimeIndex(ticks["time"])
        self.secs = ((times - times.normalize()) // pd.Timedelta(seconds=1)).to_numpy() if len(ticks) else np.array([])
        ms = (times.tz_localize("Asia/Shanghai").tz_convert("UTC").asi8 // 1_000_000) if len(ticks) else np.array([])
        vals = ticks[VALUE_FIELDS].to_numpy(dtype=float) if len(ticks) else np.zeros((0, len(VALUE_FIELDS)))
        codes = ticks["code"].to_numpy() if len(ticks) else np.array([])
        uniq, starts = np.unique(self.secs, return_index=True) if len(ticks) else (np.array([]), np.array([]))
        order = np.argsort(starts)
        uniq, starts = uniq[order], starts[order]
        ends = np.append(starts[1:], len(ticks)).astype(int)
        self.slots = [(int(u), Batch(list(codes[s:e]), ms[s:e].astype(np.int64), vals[s:e], 0))
                      for u, s, e in zip(uniq, starts, ends)]
        self.next = 0
        self.first = True

    def session_seconds(self, now: float) -> float:
        """Exchange seconds-of-day reached at wall time ``now`` (the lunch break skipped)."""
        if self.t0 is None:
            self.t0 = now
        s = max(0.0, (now - self.t0) * self.speed)
        am = self.AM_CLOSE - self.AM_OPEN
        return self.AM_OPEN + s if s <= am else self.PM_OPEN + (s - am)

    def due(self, now: float) -> list:
        reached = self.session_seconds(now)
        out = []
        if self.first:
            self.first = False
            while self.next < len(self.slots) and self.slots[self.next][0] <= reached:
                self.next += 1
            if self.next:  # the latest full snapshot, pushed on subscribe
                out.append(self.slots[self.next - 1])
            return out
        while self.next < len(self.slots) and self.slots[self.next][0] <= reached:
            out.append(self.slots[self.next])
            self.next += 1
        return out

    @property
    def done(self) -> bool:
        return self.next >= len(self.slots)

    def wait_s(self, now: float) -> float:
        if self.done:
            return 0.0
        gap = self.slots[self.next][0] - self.session_seconds(now)
        if self.slots[self.next][0] >= self.PM_OPEN > self.session_seconds(now):
            gap = self.slots[self.next][0] - self.PM_OPEN
        return min(max(gap / self.speed, 0.0005), 0.5)
