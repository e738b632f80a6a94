"""Open ticks → ``ticks`` bucket documents (one per code and 1m bar) with their live bars.

``plan`` does the vectorised part once (order, deduplication by tick id, the bars through
lib/realtime/rollup.py, each bar's base); ``Plan.docs`` turns a slice of it into documents, so
the writer can store a minute of the whole market a slice at a time. ``store`` inserts them; a
bucket that exists already (a replay, a late tick) is merged with the stored one by tick id.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError

from taorui_assets.lib.realtime import rollup
from taorui_assets.lib.realtime.codec import VALUE_FIELDS, pack_ticks, unpack_ticks
from taorui_assets.lib.realtime.storage import bucket_id, local

_LP, _VOL, _AMT = (VALUE_FIELDS.index(f) for f in ("last_price", "volume", "amount"))


@dataclass(frozen=True)
class Chunk:
    """Accepted ticks not yet in a bucket (``hot_id``: the ticks_live document holding them)."""
    hot_id: str
    codes: np.ndarray
    ms: np.ndarray
    seq: np.ndarray
    end: np.ndarray
    values: np.ndarray

    def take(self, mask: np.ndarray) -> "Chunk":
        return Chunk(self.hot_id, self.codes[mask], self.ms[mask], self.seq[mask], self.end[mask], self.values[mask])


def concat(chunks: list[Chunk]) -> Chunk:
    return Chunk("", *(np.concatenate([getattr(c, k) for c in chunks]) for k in ("codes", "ms", "seq", "end", "values")))


@dataclass
class Plan:
    """Bucket documents to be, in (code, bar) order. ``closed``: each code's cumulative (volume,
    amount) at its last tick here — the base of its next bar once these are stored."""
    codes: np.ndarray
    inv: np.ndarray
    ms: np.ndarray
    seq: np.ndarray
    end: np.ndarray
    values: np.ndarray
    bars: np.ndarray
    starts: np.ndarray
    stops: np.ndarray
    prev: np.ndarray
    closed: dict
    source: str

    @property
    def groups(self) -> int:
        return len(self.starts)

    def docs(self, g0: int = 0, g1: int = 1 << 62) -> list[dict]:
        out, now = [], _now()
        for g in range(g0, min(g1, self.groups)):
            s, e = int(self.starts[g]), int(self.stops[g])
            code, minute = self.codes[self.inv[s]], local(int(self.end[s]))
            o, h, lo, c, v, a = self.bars[g].tolist()
            out.append({"_id": bucket_id(code, minute), "code": code, "date": minute.replace(hour=0, minute=0),
                        "minute": minute, **pack_ticks(self.ms[s:e], self.seq[s:e], self.values[s:e]),
                        "bar": {"open": o, "high": h, "low": lo, "close": c, "volume": v, "amount": a},
                        "prev": self.prev[g].tolist(), "source": self.source, "ingested_at": now})
        return out


def plan(t: Chunk, base: Callable[[str], tuple], source: str) -> Plan:
    """The buckets of ``t``; a code's first bar here counts its volume and amount from
    ``base(code)`` (the cumulative values at its last tick before them)."""
    inv, codes = pd.factorize(t.codes, sort=True)  # hashing, not sorting, the rows' strings
    order = np.lexsort((t.seq, t.ms, inv))
    inv, ms, seq, end, values = inv[order], t.ms[order], t.seq[order], t.end[order], t.values[order]
    keep = np.r_[True, (inv[1:] != inv[:-1]) | (ms[1:] != ms[:-1]) | (seq[1:] != seq[:-1])]
    inv, ms, seq, end, values = inv[keep], ms[keep], seq[keep], end[keep], values[keep]
    # rollup orders by (code, time): integer codes give the same order as the grouping below
    frame = pd.DataFrame({"code": inv, "time": pd.to_datetime(ms + 8 * 3_600_000, unit="ms"),
                          "last_price": values[:, _LP], "volume": values[:, _VOL], "amount": values[:, _AMT]})
    bars = rollup.rollup(frame)[["open", "high", "low", "close", "volume", "amount"]].to_numpy()
    starts = np.flatnonzero(np.r_[True, (inv[1:] != inv[:-1]) | (end[1:] != end[:-1])])
    assert len(bars) == len(starts), "the bar grid and the bucket grouping disagree"
    first = np.r_[True, inv[starts[1:]] != inv[starts[1:] - 1]]
    prev = np.zeros((len(starts), 2))
    later = np.flatnonzero(~first)
    prev[later] = values[starts[later] - 1][:, [_VOL, _AMT]]
    for g in np.flatnonzero(first).tolist():
        prev[g] = base(codes[inv[starts[g]]])
    bars[:, 4:6] -= np.where(first[:, None], prev, 0.0)  # rollup counts a code's first bar from 0
    lasts = np.r_[np.flatnonzero(inv[1:] != inv[:-1]), len(inv) - 1]
    closed = {codes[inv[i]]: (float(values[i, _VOL]), float(values[i, _AMT])) for i in lasts.tolist()}
    return Plan(np.asarray(codes, dtype=object), inv, ms, seq, end, values, bars, starts,
                np.r_[starts[1:], len(ms)], prev, closed, source)


def store(coll, docs: list[dict], source: str) -> None:
    """Insert bucket documents; one that exists already is merged with the stored one by tick
    id, its bar recomputed over both from the stored base (``prev``)."""
    dups = insert_new(coll, docs)
    if not dups:
        return
    mine = {d["_id"]: d for d in docs if d["_id"] in dups}
    ops = []
    for old in coll.find({"_id": {"$in": list(mine)}}):
        a, b = unpack_ticks(old), unpack_ticks(mine[old["_id"]])
        have = set(zip(a[0].tolist(), a[1].tolist()))
        if all(k in have for k in zip(b[0].tolist(), b[1].tolist())):
            continue  # nothing new: an exact replay
        ms = np.r_[a[0], b[0]]
        t = Chunk("", np.full(len(ms), old["code"], dtype=object), ms, np.r_[a[1], b[1]],
                  rollup.bar_end_ms(ms), np.r_[a[2], b[2]])
        merged = plan(t, lambda _code: tuple(old.get("prev", (0.0, 0.0))), source).docs()[0]
        ops.append(ReplaceOne({"_id": old["_id"]}, {k: v for k, v in merged.items() if k != "_id"}))
    if ops:
        coll.bulk_write(ops, ordered=False)


def insert_new(coll, docs: list[dict]) -> set:
    """insert_many that skips documents already there (E11000); returns their ids."""
    if not docs:
        return set()
    try:
        coll.insert_many(docs, ordered=False)
        return set()
    except BulkWriteError as e:
        errors = e.details.get("writeErrors", [])
        if any(x.get("code") != 11000 for x in errors):
            raise
        return {docs[x["index"]]["_id"] for x in errors}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
