"""Bucketed minute bars (ours) against one document per bar (QUANTAXIS / vnpy_mongodb).

Both layouts hold the same synthetic 1m bars and the same fields. Ours is written through
``Store.replace_partition`` exactly as the assets write it (one document per code, day and
period with column arrays). Doc-per-bar is written as vnpy_mongodb's ``save_bar_data``
does: a unique index on (code, time) and ``bulk_write`` of ``UpdateOne(..., upsert=True)``.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Callable

import numpy as np
import pandas as pd
from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database

from taorui_assets.lib.query.bars import session_times
from taorui_assets.lib.storage.store import Store

FIELDS = ["open", "high", "low", "close", "volume", "amount"]
BATCH = 10_000  # upserts per bulk_write, as vnpy_mongodb sends a day at a time in batches
DOCS = "minute_bars_doc_per_bar"


PREFIXES = [("000", "SZ"), ("002", "SZ"), ("300", "SZ"), ("301", "SZ"),
            ("600", "SH"), ("601", "SH"), ("603", "SH"), ("688", "SH")]


def codes(n: int) -> list[str]:
    """Plausible A-share codes (main boards, ChiNext, STAR), up to 8,000, no index codes."""
    if n > 1000 * len(PREFIXES):
        raise ValueError(f"at most {1000 * len(PREFIXES)} synthetic securities")
    k = len(PREFIXES)
    return [f"{PREFIXES[i % k][0]}{i // k:03d}.{PREFIXES[i % k][1]}" for i in range(n)]


def minute_frame(day: dt.date, stocks: list[str], seed: int = 0) -> pd.DataFrame:
    """A canonical minute_bars frame: a random walk per code over the 240 1m bars of ``day``."""
    g = np.random.default_rng(seed + day.toordinal())
    times = session_times(pd.Timestamp(day), "1m")
    n, m = len(stocks), len(times)
    close = 10 * np.exp(np.cumsum(g.normal(0, 0.001, (n, m)), axis=1)) * g.uniform(0.5, 5, (n, 1))
    close = np.round(close, 2)
    open_ = np.round(np.concatenate([close[:, :1], close[:, :-1]], axis=1), 2)
    high = np.maximum(open_, close) + 0.01
    low = np.minimum(open_, close) - 0.01
    volume = g.integers(1, 500, (n, m)) * 100.0
    return pd.DataFrame({
        "code": np.repeat(stocks, m), "date": pd.Timestamp(day), "period": "1m",
        "time": np.tile(times.to_numpy(), n), "open": open_.ravel(), "high": high.ravel(),
        "low": low.ravel(), "close": close.ravel(), "volume": volume.ravel(),
        "amount": (volume * close).ravel()})


def timed(fn: Callable, repeat: int = 1) -> tuple[float, object]:
    """Median wall time of ``repeat`` runs and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


# ------------------------------------------------------------------ writes
def write_bucketed(db: Database, df: pd.DataFrame) -> None:
    day = pd.Timestamp(df["date"].iloc[0]).to_pydatetime()
    Store(db).replace_partition("minute_bars", {"date": day, "period": "1m"}, df, "bench")


def prepare_doc_per_bar(db: Database) -> None:
    db[DOCS].create_index([("code", ASCENDING), ("time", ASCENDING)], unique=True)


def write_doc_per_bar(db: Database, df: pd.DataFrame) -> None:
    coll = db[DOCS]
    ops = []
    for rec in df.to_dict("records"):
        doc = {"code": rec["code"], "date": rec["date"].to_pydatetime(), "period": rec["period"],
               "time": rec["time"].to_pydatetime(), **{f: float(rec[f]) for f in FIELDS}}
        ops.append(UpdateOne({"code": doc["code"], "time": doc["time"]}, {"$set": doc}, upsert=True))
        if len(ops) >= BATCH:
            coll.bulk_write(ops, ordered=False)
            ops = []
    if ops:
        coll.bulk_write(ops, ordered=False)


# ------------------------------------------------------------------- reads
def read_bucketed_range(db: Database, code: str, first: dt.date, last: dt.date) -> pd.DataFrame:
    docs = list(db["minute_bars"].find(
        {"code": code, "date": {"$gte": _midnight(first), "$lte": _midnight(last)}, "period": "1m"},
        {"_id": 0, "time": 1, **{f: 1 for f in FIELDS}}).sort("date", ASCENDING))
    if not docs:
        return pd.DataFrame(columns=["time", *FIELDS])
    return pd.DataFrame({k: np.concatenate([d[k] for d in docs]) for k in ["time", *FIELDS]})


def read_doc_per_bar_range(db: Database, code: str, first: dt.date, last: dt.date) -> pd.DataFrame:
    docs = db[DOCS].find({"code": code, "time": {"$gte": _midnight(first),
                                                 "$lt": _midnight(last) + dt.timedelta(days=1)}},
                         {"_id": 0, "time": 1, **{f: 1 for f in FIELDS}}).sort("time", ASCENDING)
    return pd.DataFrame(list(docs), columns=["time", *FIELDS])


def read_bucketed_minute(db: Database, day: dt.date, at: pd.Timestamp) -> pd.DataFrame:
    """The cross-section at bar ``at`` through the read path: the server cuts each bucket to
    that slot (``bars.minutes`` with a window; buckets missing bars are read whole)."""
    from taorui_assets.lib.query import bars, connection

    connection.connect(client=db.client, database=db.name)
    df = bars.minutes(None, [pd.Timestamp(day)], "1m", start=at, end=at)
    return df[df["time"] == at][["code", "time", *FIELDS]].reset_index(drop=True)


def read_doc_per_bar_minute(db: Database, at: pd.Timestamp) -> pd.DataFrame:
    docs = db[DOCS].find({"time": at.to_pydatetime()}, {"_id": 0, "code": 1, "time": 1,
                                                        **{f: 1 for f in FIELDS}})
    return pd.DataFrame(list(docs), columns=["code", "time", *FIELDS])


def storage(db: Database, name: str) -> dict:
    """collStats bytes (data, on-disk storage as the server reports it, indexes)."""
    s = db.command("collStats", name)
    return {"documents": int(s.get("count", 0)), "data": int(s.get("size", 0)),
            "storage": int(s.get("storageSize", 0)), "indexes": int(s.get("totalIndexSize", 0))}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)
