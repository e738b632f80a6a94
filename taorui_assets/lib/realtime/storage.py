"""The realtime collections and reading them back (written by lib/realtime/writer.py and
buckets.py).

* ``ticks``: one bucket per (code, 1m bar), ``_id`` ``"<code>|<YYYYmmddHHMM>"`` (the bar's END
  minute, lib/realtime/rollup.py), INSERTED once when the bar closes. Its ticks are column
  chunks (lib/realtime/codec.py ``pack_ticks``: ``time`` epoch ms, ``seq``, one column per
  canonical value field), in (time, seq) order; a tick's id is (code, time, seq) — ``seq``
  numbers distinct snapshots of one code with the same exchange time, in arrival order. ``bar``
  is its live 1m bar, ``prev`` the cumulative (volume, amount) the bar counts from (Arctic's
  TickStore chunks ticks the same way; binary columns because SecantusDB inserts them ~5×
  faster than BSON arrays).
* ``ticks_live``: the ticks of bars not closed yet, INSERTED per journal record: one chunk, or
  for a record of ``GROUP_FROM`` ticks or more (a whole-market push) one chunk per code group
  (``groups`` of them, ``group`` = a hash of the code modulo it), so that a reader of one code
  fetches 1/8 of a push, not every code's; ``codes`` newline-joined, ``t0``/``t1`` its first and
  last exchange ms. Deleted once every tick in it is in a bucket.
* ``capture_state``: the writer's checkpoint, one document per day (lib/realtime/writer.py).
* ``quotes_latest``: one document per code (its last tick in canonical names), replaced.

Readers take ``ticks`` ∪ ``ticks_live`` deduplicated by tick id, so a tick is seen exactly
once whether or not its bar has closed, and during the moment it is in both.
"""
from __future__ import annotations

import datetime as dt
import zlib
from typing import Optional

import numpy as np
import pandas as pd
from pymongo.database import Database

from taorui_assets.lib.realtime.rollup import bar_end_ms
from taorui_assets.lib.realtime.codec import FIELDS, VALUE_FIELDS, unpack_codes, unpack_ticks

TICKS, LIVE, STATE, LATEST, HEARTBEAT = "ticks", "ticks_live", "capture_state", "quotes_latest", "capture_heartbeat"
SH = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no DST


def local(ms: int) -> dt.datetime:
    """Epoch ms → naive Asia/Shanghai wall clock (the platform's stored time convention)."""
    return dt.datetime.fromtimestamp(ms / 1000, SH).replace(tzinfo=None)


def ensure_indexes(db: Database) -> None:
    from taorui_assets.lib.storage.store import Store

    Store(db).ensure_indexes(TICKS)  # the registry's natural key (code, minute) and indexes
    # quotes_latest has no secondary index on purpose: it is replaced once per changed code, and a
    # low-cardinality index (``date``) made each of those replaces several times slower on
    # SecantusDB. ticks_live has none either: it holds the open minute's few chunks (one per push).


GROUPS, GROUP_FROM = 8, 1_000  # more documents per push cost the writer; fewer cost a one-code reader


def bucket_id(code: str, minute: dt.datetime) -> str:
    return f"{code}|{minute:%Y%m%d%H%M}"


def chunk_group(code: str) -> int:
    """The ``ticks_live`` group of a code in a grouped record (stable across processes, unlike ``hash``)."""
    return zlib.crc32(code.encode()) % GROUPS


def epoch_ms(t: dt.datetime) -> int:
    """Naive Asia/Shanghai wall clock → epoch ms (the inverse of ``local``)."""
    return int(t.replace(tzinfo=SH).timestamp() * 1000)


# ---------------------------------------------------------------- reading back
def _chunks(db: Database, code: Optional[str], start: dt.datetime, end: dt.datetime):
    """(in a bucket?, codes, ms, seq, values) of every stored chunk that may hold ticks of ``code`` (or of every
    code) in [start, end]: the buckets of those minutes, and the open chunks of those days."""
    q: dict = {"minute": {"$gte": start.replace(second=0, microsecond=0), "$lte": end + dt.timedelta(minutes=1)}}
    if code:
        q["code"] = code
    for d in db[TICKS].find(q, {"bar": 0, "prev": 0}):
        ms, seq, values = unpack_ticks(d)
        yield True, np.full(len(ms), d["code"], dtype=object), ms, seq, values
    q = {"date": {"$gte": dt.datetime.combine(start.date(), dt.time()),
                  "$lte": dt.datetime.combine(end.date(), dt.time())},
         "t1": {"$gte": epoch_ms(start)}, "t0": {"$lte": epoch_ms(end)}}
    if code:
        q["$or"] = [{"groups": 1}, {"groups": GROUPS, "group": chunk_group(code)}]
    for d in db[LIVE].find(q):
        codes = unpack_codes(d["codes"])
        ms, seq, values = unpack_ticks(d)
        if code:
            mine = codes == code
            codes, ms, seq, values = codes[mine], ms[mine], seq[mine], values[mine]
        yield False, codes, ms, seq, values


def stored_tick_ids(db: Database, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """Every stored (code, exchange ms, seq), duplicates NOT removed (tests count them): the
    buckets plus the open chunks whose ticks are in no bucket yet."""
    parts = [(b, list(zip(c.tolist(), m.tolist(), s.tolist()))) for b, c, m, s, _v in _chunks(db, None, start, end)]
    bucketed = [x for b, ids in parts if b for x in ids]
    seen = set(bucketed)
    return bucketed + [x for b, ids in parts if not b for x in ids if x not in seen]


def read_ticks(db: Database, code: Optional[str], start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Canonical tick rows of ``code`` (or every code) with ``start <= time <= end``, each tick once."""
    parts = [p[1:] for p in _chunks(db, code, start, end)]
    codes = np.concatenate([p[0] for p in parts]) if parts else np.array([], dtype=object)
    ms = np.concatenate([p[1] for p in parts]) if parts else np.array([], dtype=np.int64)
    seq = np.concatenate([p[2] for p in parts]) if parts else np.array([], dtype=np.int64)
    values = np.concatenate([p[3] for p in parts]) if parts else np.empty((0, len(VALUE_FIELDS)))
    df = pd.DataFrame(values, columns=VALUE_FIELDS)
    df.insert(0, "code", codes.astype(str) if len(codes) else pd.Series([], dtype=str))
    df.insert(1, "time", pd.to_datetime(ms + 8 * 3_600_000, unit="ms"))
    df["_ms"], df["_seq"] = ms, seq
    df = df[(df["time"] >= pd.Timestamp(start)) & (df["time"] <= pd.Timestamp(end))]
    # A tick in both a bucket and its still-undeleted open chunk is one tick.
    df = df.drop_duplicates(["code", "_ms", "_seq"]).sort_values(["code", "_ms", "_seq"], kind="stable")
    df["minute"] = pd.to_datetime(bar_end_ms(df["_ms"].to_numpy()) + 8 * 3_600_000, unit="ms")
    df["date"] = df["time"].dt.normalize()
    for f in ("status", "trade_count"):
        df[f] = df[f].astype(np.int64)
    return df[FIELDS].reset_index(drop=True)


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
