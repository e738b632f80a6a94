"""The batched writer: journal batches → MongoDB with inserts on the tick path.

Why this shape — measured on SecantusDB (5,000 ticks; README "Realtime"): an upsert costs ~3× an
insert of the same document and a ``$set`` into a growing bucket more, while ONE document
holding a whole push as binary columns inserts in ~7 ms. So each flush (``write``):

1. gives every tick its id (code, exchange ms, seq) and drops repeats (``_accept``);
2. INSERTS per journal record one ``ticks_live`` chunk, or one per code group for a whole-market
   push (columnar, lib/realtime/codec.py; storage.py says why). ``_id`` = the chunk's first tick
   id: a replay of the record builds the same documents and their E11000 is skipped. A record is
   the journal's atomic unit and its grouping a function of the record alone, so no replay can
   regroup ticks differently;
3. writes the checkpoint (``capture_state``, one document per day: journal offset, bar frontier,
   per-code last tick id and cumulative volume/amount at its last closed tick) with j=True —
   the one journaled write per flush, whose acknowledgement covers every w=1 write before it
   (the server's journal is one sequential log). A restart resumes from the checkpoint: the
   open ticks come back from ``ticks_live``, the journal is replayed from its offset.

Then, in time slices beside the tick path (``background``), so that neither ever sits in
front of a tick for long:

* 1m bars close once the exchange clock is ``GRACE_MS`` past their END (or the feed has been
  idle ``IDLE_CLOSE_S``, or the capture stops): per (code, bar) ONE ``ticks`` bucket is
  INSERTED with its live bar (lib/realtime/rollup.py); then the frontier moves and the wholly
  closed ``ticks_live`` chunks are deleted. A tick for a bar already closed (late) becomes a
  bucket of its own that meets the stored one on E11000 and is merged by tick id (rare);
* ``quotes_latest`` (``write_latest``, the capture's own thread and connection — the server
  locks per collection, so these replaces run beside the tick inserts instead of in front of
  them): the codes whose quote changed, oldest first, one replace each (5,000 replaces take ~1 s
  on SecantusDB: in the tick path that second would be in every tick's lag).
"""
from __future__ import annotations

import datetime as dt
import threading
import time
import zlib
from itertools import islice
from typing import Callable, Optional

import numpy as np
from pymongo import ReplaceOne, WriteConcern
from pymongo.database import Database

from taorui_assets.lib.realtime import buckets, rollup
from taorui_assets.lib.realtime.buckets import Chunk, Plan, concat
from taorui_assets.lib.realtime.codec import VALUE_FIELDS, Batch, pack_codes, pack_ticks, unpack_codes, unpack_ticks
from taorui_assets.lib.realtime.storage import (GROUP_FROM, GROUPS, LATEST, LIVE, STATE, TICKS, chunk_group,
                                               ensure_indexes, local)

GRACE_MS = 3_000      # one snapshot interval: a bar's last snapshots (SH and SZ push apart) still make it
IDLE_CLOSE_S = 2.0    # no push this long (lunch, the close): close every bar whose END the clock has passed
SLICE = 200           # bucket documents per background write (~0.05 s on an idle SecantusDB)
BUDGET_S = 0.2        # background work per writer loop: a tick waits behind at most about this much
LATEST_SLICE = 1_000  # quotes_latest replaces per call: SecantusDB's per-command cost makes 200 ~2× dearer…
LATEST_SLICE_BUSY = 200  # … but while ticks wait, short calls keep the server's time for them


def _digest(row: np.ndarray) -> int:
    """A 63-bit fingerprint of a tick's values, stable across processes (``hash`` is salted)."""
    b = row.tobytes()
    return ((zlib.crc32(b) << 31) ^ zlib.adler32(b)) & 0x7FFF_FFFF_FFFF_FFFF


class TickStore:
    """One writer per journal (not thread-safe). ``last``: code → [ms, seq, digest, closed volume,
    closed amount] — the last tick's id, and the cumulative values at its last CLOSED tick (the
    base of its next bar's volume and amount)."""

    def __init__(self, db: Database, source: str, grace_ms: int = GRACE_MS, idle_close_s: float = IDLE_CLOSE_S):
        self.db = db.with_options(write_concern=WriteConcern(w=1))
        self._journaled = db.with_options(write_concern=WriteConcern(w=1, j=True))
        self.source = source
        self.grace_ms, self.idle_close_s = grace_ms, idle_close_s
        self.dirty_lock = threading.Lock()  # the capture's latest thread takes from ``dirty``
        ensure_indexes(db)
        self._reset(None)

    def _reset(self, day: Optional[dt.date]) -> None:
        self.day = day
        self.last: dict[str, list] = {}
        self.open: list[Chunk] = []
        self.frontier = 0        # epoch ms: every bar whose END ≤ frontier is in ``ticks``
        self.clock = 0           # the latest exchange ms accepted
        self.pos = 0             # journal offset up to which everything is in MongoDB
        self.epoch = 0           # + 1 whenever the journal no longer matches the checkpoint
        self.dirty: dict[str, tuple] = {}         # quotes_latest to write: code → (ms, values, since)
        self.closing: Optional[Plan] = None      # the buckets of the bars being closed
        self._cursor = 0                          # … written up to this group
        self._closing_to = 0                      # the frontier once ``closing`` is written
        self._to_delete: list[str] = []           # ticks_live chunks wholly in buckets
        self._closing_n = 0                       # open chunks when ``closing`` was planned
        self._check: list = []                    # identifies the journal at ``pos``
        self._last_push = time.monotonic()
        self._groups: dict[str, int] = {}

    # ------------------------------------------------------------ restart
    def load_state(self, day: dt.date, fingerprint: Callable[[int], list], committed: int) -> int:
        """Resume ``day`` from its checkpoint; returns the journal offset to read from.
        ``fingerprint(offset)`` identifies the journal there: if it is not the journal the
        checkpoint was written from (a new journal directory), the journal is read from its
        ``committed`` offset and the stored open ticks are all kept (ids still deduplicate)."""
        self._reset(day)
        doc = self.db[STATE].find_one({"_id": day.isoformat()})
        resume = None
        if doc:
            codes = unpack_codes(doc["codes"])
            ids = np.frombuffer(doc["last"], dtype="<i8").reshape(-1, 3).tolist()
            cum = np.frombuffer(doc["closed"], dtype="<f8").reshape(-1, 2).tolist()
            self.last = {c: [*i, *v] for c, i, v in zip(codes, ids, cum)}
            self.frontier, self.clock, self.epoch = doc["frontier"], doc["clock"], doc["epoch"]
            if fingerprint(doc["pos"]) == doc["check"]:
                resume = doc["pos"]
            else:
                self.epoch += 1  # offsets of the old journal mean nothing in this one
        self.pos = committed if resume is None else resume
        self._check = fingerprint(self.pos)
        for d in self.db[LIVE].find({"date": dt.datetime.combine(day, dt.time())}).sort("offset"):
            if resume is not None and d["epoch"] == self.epoch and d["offset"] >= resume:
                continue  # written after the checkpoint: the replay writes it again
            ms, seq, values = unpack_ticks(d)
            c = Chunk(d["_id"], unpack_codes(d["codes"]), ms, seq, rollup.bar_end_ms(ms), values)
            c = c.take(c.end > self.frontier)
            self.open.append(c) if len(c.ms) else self._to_delete.append(d["_id"])
        return self.pos

    # ------------------------------------------------------------ the tick path
    def _accept(self, b: Batch, offset: int) -> list[tuple[dict, Chunk, Optional[Chunk]]]:
        """(ticks_live document, its open ticks, its late ticks) per code group of one journal record."""
        times, last, keep, seqs = b.times.tolist(), self.last, [], []
        for i, code in enumerate(b.codes):
            ms, dig = times[i], _digest(b.values[i])
            st = last.get(code)
            if st is None:
                st = last[code] = [-1, 0, 0, 0.0, 0.0]
            if ms == st[0]:
                if dig == st[2]:
                    continue  # the same snapshot again (QMT re-pushes the latest on subscribe)
                seq = st[1] + 1
            elif ms < st[0]:
                continue      # older than what this code already has: a replayed tick
            else:
                seq = 0
            st[0], st[1], st[2] = ms, seq, dig
            keep.append(i)
            seqs.append(seq)
        if not keep:
            return []
        now, dirty = time.monotonic(), self.dirty
        with self.dirty_lock:
            for i in keep:
                waiting = dirty.get(b.codes[i])
                dirty[b.codes[i]] = (times[i], b.values[i], waiting[2] if waiting else now)
        idx = np.asarray(keep)
        ms = b.times[idx]
        c = Chunk("", np.asarray(b.codes, dtype=object)[idx], ms, np.asarray(seqs, dtype=np.int64),
                  rollup.bar_end_ms(ms), b.values[idx])
        self.clock = max(self.clock, int(ms.max()))
        known, n_groups = self._groups, GROUPS if len(b) >= GROUP_FROM else 1  # by the record: replays agree
        groups = (np.array([known[x] if x in known else known.setdefault(x, chunk_group(x)) for x in c.codes.tolist()])
                  if n_groups > 1 else np.zeros(len(ms), dtype=int))
        out, day, now = [], dt.datetime.combine(self.day, dt.time()), _now()
        for g in np.unique(groups).tolist():
            p = c.take(groups == g)
            hot_id = f"{self.day.isoformat()}|{p.codes[0]}|{p.ms[0]}-{p.seq[0]}"  # its first tick's id
            doc = {"_id": hot_id, "date": day, "groups": n_groups, "group": g, "offset": offset, "epoch": self.epoch,
                   "t0": int(p.ms.min()), "t1": int(p.ms.max()), "codes": pack_codes(p.codes),
                   **pack_ticks(p.ms, p.seq, p.values), "source": self.source, "ingested_at": now}
            late = p.end <= self.frontier
            p = Chunk(hot_id, p.codes, p.ms, p.seq, p.end, p.values)
            out.append((doc, p.take(~late), p.take(late) if late.any() else None))
        return out

    def write(self, records: list[tuple[int, int, Batch]], check: list) -> int:
        """Write consecutive journal records ``(start, end, batch)`` of the loaded day; ``check``
        identifies the journal at the last ``end``. Returns the ticks accepted. Raises pymongo's
        errors with the state unchanged (the caller retries; every write is idempotent)."""
        saved = self._save()
        try:
            docs, late, n = [], [], 0
            for doc, c, lt in (x for start, _end, b in records for x in self._accept(b, start)):
                docs.append(doc)
                n += doc["n"]
                self.open.append(c) if len(c.ms) else self._to_delete.append(c.hot_id)
                if lt is not None:
                    late.append(lt)
            if docs:
                self._last_push = time.monotonic()
                buckets.insert_new(self.db[LIVE], docs)
            if late:
                self._close(self._plan(concat(late)))
            if records:
                self.pos = records[-1][1]
            self._check = check
            self._checkpoint()
        except Exception:
            self._restore(saved)
            raise
        return n

    def _checkpoint(self) -> None:
        codes = list(self.last)
        st = np.array([self.last[c] for c in codes], dtype=object).reshape(-1, 5)
        self._journaled[STATE].replace_one({"_id": self.day.isoformat()}, {
            "pos": self.pos, "check": self._check, "frontier": self.frontier, "clock": self.clock,
            "epoch": self.epoch, "codes": pack_codes(codes),
            "last": np.ascontiguousarray(st[:, :3].astype("<i8")).tobytes(),
            "closed": np.ascontiguousarray(st[:, 3:].astype("<f8")).tobytes(), "updated_at": _now()}, upsert=True)
        if self._to_delete:  # only now: the checkpoint no longer needs them
            self.db[LIVE].delete_many({"_id": {"$in": self._to_delete}})
            self._to_delete = []

    def _save(self):
        # Not ``dirty``: a quote of a tick whose write failed is written again after the retry.
        return ({c: list(s) for c, s in self.last.items()}, list(self.open), self.frontier, self.clock, self.pos,
                list(self._to_delete))

    def _restore(self, s) -> None:
        self.last, self.open, self.frontier, self.clock, self.pos, self._to_delete = s

    # ------------------------------------------------------------ beside the tick path
    def background(self, budget_s: float = BUDGET_S, stopping: bool = False) -> None:
        """Close due bars for about ``budget_s``; when ``stopping``, every bar the clock has passed
        and every changed quote."""
        if self.day is None:
            return
        t0 = time.monotonic()
        within = (lambda: True) if stopping else (lambda: time.monotonic() - t0 < budget_s)
        idle = stopping or time.monotonic() - self._last_push >= self.idle_close_s
        through = self.clock if idle else self.clock - self.grace_ms
        if self.closing is None:
            self._start_closing(through)
        while self.closing is not None and within():
            buckets.store(self.db[TICKS], self.closing.docs(self._cursor, self._cursor + SLICE), self.source)
            self._cursor += SLICE
            if self._cursor >= self.closing.groups:
                self._finish_closing()
                self._start_closing(through)  # bars that became due while the last ones were written
        while stopping and self.dirty:
            self.write_latest(LATEST_SLICE)

    def busy(self) -> bool:
        """Buckets of closing bars are waiting to be written."""
        return self.closing is not None

    def finish_day(self) -> None:
        """No more ticks will come for the loaded day: close every open bar."""
        self.background(stopping=True)
        self._start_closing(max([int(c.end.max()) for c in self.open] + [self.clock]))
        self.background(stopping=True)

    def _start_closing(self, through: int) -> None:
        """Build the buckets of every open bar whose END ≤ ``through`` (written by ``background``)."""
        if through <= self.frontier:
            return
        due = [d for d in (c.take(c.end <= through) for c in self.open) if len(d.ms)]
        self.closing, self._cursor = (self._plan(concat(due)) if due else None), 0
        self._closing_to, self._closing_n = through, len(self.open)
        if self.closing is None:
            self._finish_closing()

    def _finish_closing(self) -> None:
        """Every bucket of the closing bars is stored: move the frontier, drop their open ticks.
        Ticks that arrived meanwhile for those bars are late ones: merged now."""
        through, still, late = self._closing_to, [], []
        for i, c in enumerate(self.open):
            if i >= self._closing_n and (c.end <= through).any():
                late.append(c.take(c.end <= through))
            rest = c.take(c.end > through)
            still.append(rest) if len(rest.ms) else self._to_delete.append(c.hot_id)
        for code, cum in (self.closing.closed if self.closing else {}).items():
            self.last.setdefault(code, [-1, 0, 0, 0.0, 0.0])[3:5] = cum
        if late:
            self._close(self._plan(concat(late)))
        self.open, self.frontier, self.closing = still, through, None
        self._checkpoint()

    def write_latest(self, limit: Optional[int] = None) -> int:
        """Replace the ``quotes_latest`` document of up to ``limit`` changed codes, oldest first
        (thread-safe against the tick path). Returns how many."""
        with self.dirty_lock:
            dirty, day = self.dirty, self.day
            items = list(islice(dirty.items(), limit or len(dirty)))
        if not items:
            return 0
        midnight, now, started = dt.datetime.combine(day, dt.time()), _now(), time.monotonic()
        _replace_all(self.db[LATEST], [{"_id": code, "code": code, "date": midnight, "time": local(ms),
                                        **dict(zip(VALUE_FIELDS, values.tolist())), "source": self.source,
                                        "ingested_at": now} for code, (ms, values, _since) in items])
        with self.dirty_lock:
            for code, v in items:
                newer = dirty.pop(code, None)
                if newer is not None and newer is not v:  # changed again meanwhile: to the back of the queue
                    dirty[code] = (newer[0], newer[1], started)
        return len(items)

    def latest_staleness(self) -> float:
        """Seconds the oldest quotes_latest change has waited for its replace (0 when none waits)."""
        with self.dirty_lock:
            first = next(iter(self.dirty.values()), None)
        return 0.0 if first is None else time.monotonic() - first[2]

    # ------------------------------------------------------------ buckets (lib/realtime/buckets.py)
    def _plan(self, t: Chunk) -> Plan:
        return buckets.plan(t, self._base, self.source)

    def _base(self, code: str) -> tuple:
        """A code's cumulative (volume, amount) at its last closed tick: where its next bar counts from."""
        st = self.last.get(code)
        return (st[3], st[4]) if st else (0.0, 0.0)

    def _close(self, p: Plan) -> None:
        """Store a plan's buckets at once (late ticks), then move the codes' closed values."""
        buckets.store(self.db[TICKS], p.docs(), self.source)
        for code, cum in p.closed.items():
            self.last.setdefault(code, [-1, 0, 0, 0.0, 0.0])[3:5] = cum


def fold_leftovers(db: Database, day: dt.date) -> int:
    """For sealing: put into buckets the ticks a capture left in ``ticks_live`` for ``day`` (it
    stopped inside a bar and was not started again that day). Returns the ticks folded."""
    first = db[LIVE].find_one({"date": dt.datetime.combine(day, dt.time())}, {"source": 1})
    if first is None:
        return 0
    store = TickStore(db, first["source"])
    store.load_state(day, lambda at: [at, "sealing"], 0)  # no journal: every stored open tick counts
    n = sum(len(c.ms) for c in store.open)
    store.finish_day()
    return n


def _replace_all(coll, docs: list[dict]) -> None:
    """Replace (upsert) documents by ``_id``."""
    coll.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs], ordered=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
