"""Batches of ticks → MongoDB: ``ticks`` buckets, live 1m bars, ``quotes_latest``, heartbeat.

``ticks``: one document per (code, 1m bar), ``_id`` ``"<code>|<YYYYmmddHHMM>"`` (the bar's
END minute, lib/realtime/rollup.py). Its ticks sit in the map ``t`` keyed by the tick's
deterministic id ``"<exchange time ms>-<seq>"`` → the values in ``fields`` order, so a
replayed tick is a ``$set`` of the same key to the same value: replay never duplicates.
(Arctic's TickStore chunks the same way; a map rather than column arrays because an
array ``$push`` is not idempotent.) ``seq`` numbers distinct snapshots of one code that carry
the same exchange time, in arrival order; an identical snapshot repeated (QMT re-pushes the
latest snapshot on subscribe) keeps seq 0's id.

Live 1m bars live in the same bucket document, field ``bar`` {open, high, low, close,
volume, amount}, updated in the same single-document write as its ticks, so the bar and
its ticks never disagree. The running state a bar needs (the cumulative volume/amount at
the previous bar's end) is kept per code in ``quotes_latest.bar_state``, written after the
buckets: after a crash it is never ahead of the buckets, and replaying ticks it already
includes recomputes the same bar.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd
from pymongo import ReplaceOne, UpdateOne, WriteConcern
from pymongo.database import Database

from taorui_assets.lib.realtime import rollup
from taorui_assets.lib.realtime.codec import FIELDS, VALUE_FIELDS, Batch

TICKS, LATEST, HEARTBEAT = "ticks", "quotes_latest", "capture_heartbeat"
_LP, _VOL, _AMT = (VALUE_FIELDS.index(f) for f in ("last_price", "volume", "amount"))
SH = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no DST


def local(ms: int) -> dt.datetime:
    """Epoch ms → naive Asia/Shanghai wall clock (the platform's stored time convention)."""
    return dt.datetime.fromtimestamp(ms / 1000, SH).replace(tzinfo=None)


def ensure_indexes(db: Database) -> None:
    from taorui_assets.lib.storage.store import Store

    Store(db).ensure_indexes(TICKS)  # the registry's natural key (code, minute) and indexes
    # quotes_latest has no secondary index on purpose: it is upserted once per code per flush, and
    # a low-cardinality index (``date``) made each of those upserts several times slower on
    # SecantusDB; the one query that filters on it (load_state, at a restart) scans ~5,000 documents.


@dataclass
class CodeState:
    """The running 1m bar of one code, and the last tick's id (for ``seq``)."""
    minute: Optional[dt.datetime] = None   # END of the bar being built
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    close: float = 0.0
    base_volume: float = 0.0               # cumulative volume at the previous bar's end
    base_amount: float = 0.0
    last_volume: float = 0.0
    last_amount: float = 0.0
    last_ms: int = -1
    last_seq: int = 0
    last_values: tuple = field(default_factory=tuple)

    def as_doc(self) -> dict:
        return {k: getattr(self, k) for k in ("minute", "open", "high", "low", "close", "base_volume",
                                               "base_amount", "last_volume", "last_amount", "last_ms", "last_seq")}

    @classmethod
    def from_doc(cls, d: dict, values: tuple) -> "CodeState":
        return cls(**{k: d[k] for k in cls().as_doc()}, last_values=values)


class TickStore:
    """Turns journal batches into idempotent MongoDB writes. Not thread-safe: one writer."""

    def __init__(self, db: Database, source: str):
        # The bulk writes go with w=1 and ONE small j=True write after them (``_barrier``): a
        # journaled acknowledgement covers every write acknowledged before it (the journal is one
        # sequential log), so the capture's committed offset still never runs ahead of what
        # survives a MongoDB crash — at one journal wait per flush instead of one per document
        # (j=True on each upsert made them ~5× slower on SecantusDB). SecantusDB honours j only
        # with --sync-on-commit; mongod always does.
        self.db = db.with_options(write_concern=WriteConcern(w=1))
        self._journaled = db.with_options(write_concern=WriteConcern(w=1, j=True))
        self.source = source
        self.state: dict[str, CodeState] = {}
        ensure_indexes(db)

    def load_state(self, day: dt.date) -> int:
        """Rebuild the per-code bar state of ``day`` from ``quotes_latest`` (after a restart)."""
        self.state.clear()
        start = dt.datetime.combine(day, dt.time())
        for d in self.db[LATEST].find({"date": start, "bar_state": {"$exists": True}}):
            values = tuple(float(d.get(f, 0.0)) for f in VALUE_FIELDS)
            self.state[d["_id"]] = CodeState.from_doc(d["bar_state"], values)
        return len(self.state)

    def operations(self, batches: list[Batch]) -> tuple[list, list, int]:
        """(bucket updates, latest-quote replaces, ticks) for consecutive batches of one day."""
        buckets: dict[str, dict] = {}
        latest: dict[str, dict] = {}
        n = 0
        for b in batches:
            ends = rollup.bar_end_ms(b.times)
            for i, code in enumerate(b.codes):
                ms = int(b.times[i])
                row = b.values[i]
                vals = tuple(row.tolist())
                st = self.state.get(code)
                if st is None:
                    st = self.state[code] = CodeState()
                # The tick's id; a repeat of the last snapshot (same time, same values) keeps it.
                if ms == st.last_ms:
                    if vals == st.last_values:
                        continue
                    seq = st.last_seq + 1
                elif ms < st.last_ms:
                    continue  # already folded into the state: a replay of a written tick
                else:
                    seq = 0
                n += 1
                end = local(int(ends[i]))
                lp, vol, amt = float(row[_LP]), float(row[_VOL]), float(row[_AMT])
                if st.minute != end:
                    if st.minute is not None:
                        st.base_volume, st.base_amount = st.last_volume, st.last_amount
                    st.minute, st.open, st.high, st.low = end, lp, lp, lp
                st.high, st.low, st.close = max(st.high, lp), min(st.low, lp), lp
                st.last_volume, st.last_amount = vol, amt
                st.last_ms, st.last_seq, st.last_values = ms, seq, vals
                bid = f"{code}|{end:%Y%m%d%H%M}"
                u = buckets.get(bid)
                if u is None:
                    u = buckets[bid] = {"code": code, "minute": end, "set": {}}
                u["set"][f"t.{ms}-{seq}"] = list(vals)
                u["set"]["bar"] = {"open": st.open, "high": st.high, "low": st.low, "close": st.close,
                                   "volume": vol - st.base_volume, "amount": amt - st.base_amount}
                latest[code] = {"ms": ms, "vals": vals}
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        bucket_ops = [
            UpdateOne({"_id": bid},
                      {"$set": {**u["set"], "ingested_at": now},
                       "$setOnInsert": {"code": u["code"], "date": u["minute"].replace(hour=0, minute=0),
                                        "minute": u["minute"], "fields": VALUE_FIELDS, "source": self.source}},
                      upsert=True)
            for bid, u in buckets.items()]
        latest_ops = []
        for code, q in latest.items():
            t = local(q["ms"])
            doc = {"code": code, "date": t.replace(hour=0, minute=0, second=0, microsecond=0), "time": t,
                   **dict(zip(VALUE_FIELDS, q["vals"])), "source": self.source, "ingested_at": now,
                   "bar_state": self.state[code].as_doc()}
            latest_ops.append(ReplaceOne({"_id": code}, doc, upsert=True))
        return bucket_ops, latest_ops, n

    def write(self, batches: list[Batch]) -> int:
        """Write consecutive batches; returns the ticks written. Raises pymongo errors (the
        caller backs off and retries the same batches; every write is idempotent)."""
        snapshot = {c: CodeState(**vars(s)) for c, s in self.state.items()}
        try:
            bucket_ops, latest_ops, n = self.operations(batches)
            if bucket_ops:  # buckets first: quotes_latest.bar_state must never be ahead of them
                self.db[TICKS].bulk_write(bucket_ops, ordered=False)
            if latest_ops:
                self.db[LATEST].bulk_write(latest_ops, ordered=False)
            if bucket_ops or latest_ops:  # the journal barrier (see __init__)
                self._journaled[HEARTBEAT].update_one({"_id": "capture_commit"},
                                                      {"$inc": {"flushes": 1}}, upsert=True)
        except Exception:
            self.state = snapshot  # the retry recomputes the same bars from the same state
            raise
        return n


# ---------------------------------------------------------------- reading back
def read_ticks(db: Database, code: Optional[str], start: dt.datetime, end: dt.datetime,
               projection_fields: Optional[list[str]] = None) -> pd.DataFrame:
    """Canonical tick rows of ``code`` (or every code) with ``start <= time <= end``."""
    q: dict = {"minute": {"$gte": start.replace(second=0, microsecond=0), "$lte": end + dt.timedelta(minutes=1)}}
    if code:
        q["code"] = code
    rows_codes, rows_minutes, rows_ms, rows_vals = [], [], [], []
    for d in db[TICKS].find(q, {"t": 1, "code": 1, "minute": 1, "fields": 1}):
        names = d.get("fields", VALUE_FIELDS)
        for key, vals in d.get("t", {}).items():
            ms, _seq = key.split("-")
            rows_codes.append(d["code"])
            rows_minutes.append(d["minute"])
            rows_ms.append((int(ms), int(_seq)))
            rows_vals.append(vals if names == VALUE_FIELDS else [vals[names.index(f)] if f in names else np.nan
                                                                  for f in VALUE_FIELDS])
    df = pd.DataFrame(rows_vals, columns=VALUE_FIELDS)
    df.insert(0, "code", rows_codes)
    ms = np.array([m for m, _s in rows_ms], dtype=np.int64)
    df.insert(1, "time", pd.to_datetime(ms, unit="ms", utc=True).tz_convert("Asia/Shanghai").tz_localize(None))
    df["minute"] = pd.to_datetime(pd.Series(rows_minutes, dtype="datetime64[ns]"))
    df["date"] = df["minute"].dt.normalize()
    df["_seq"] = [s for _m, s in rows_ms]
    df = df[(df["time"] >= pd.Timestamp(start)) & (df["time"] <= pd.Timestamp(end))]
    df = df.sort_values(["code", "time", "_seq"], kind="stable").drop(columns="_seq").reset_index(drop=True)
    for f in ("status", "trade_count"):
        df[f] = df[f].astype(np.int64)
    return df[FIELDS]


def live_bars(db: Database, day: dt.date, codes: Optional[list[str]] = None,
              before: Optional[dt.datetime] = None) -> pd.DataFrame:
    """Today's live 1m bars from the tick buckets (canonical minute_bars columns), bars whose
    END is before ``before`` only (the last completed minute during the session)."""
    start = dt.datetime.combine(day, dt.time())
    q: dict = {"date": start, "bar": {"$exists": True}}
    if codes:
        q["code"] = {"$in": list(codes)}
    if before is not None:
        q["minute"] = {"$lte": before}
    rows = [(d["code"], d["minute"], *(d["bar"][k] for k in ("open", "high", "low", "close", "volume", "amount")))
            for d in db[TICKS].find(q, {"code": 1, "minute": 1, "bar": 1})]
    df = pd.DataFrame(rows, columns=["code", "time", "open", "high", "low", "close", "volume", "amount"])
    df.insert(1, "date", pd.Timestamp(start))
    df.insert(2, "period", "1m")
    return df.sort_values(["code", "time"], kind="stable").reset_index(drop=True)
