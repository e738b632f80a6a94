"""Reads of stored bars and factors as plain frames (canonical names, QMT codes)."""
from __future__ import annotations

from typing import Optional, Sequence

import pandas as pd

from taorui_assets.lib.query.connection import db
from taorui_assets.lib.sessions import session_times  # noqa: F401 - bars_api and prices use it
from taorui_assets.lib.storage import buckets

DAILY_COLUMNS = ["open", "high", "low", "close", "volume", "amount", "pre_close", "high_limit",
                 "low_limit", "paused"]
MINUTE_COLUMNS = buckets.VALUES  # open high low close volume amount


# Above this many codes a day's whole cross-section is read and filtered here: a long $in
# costs more than the extra documents (on SecantusDB 5,000 codes take ~19 s against 0.2 s).
WIDE = 100


def _code_filter(codes: Optional[Sequence[str]]) -> dict:
    if codes is None or len(set(codes)) > WIDE:
        return {}
    codes = sorted(set(codes))
    return {"code": codes[0]} if len(codes) == 1 else {"code": {"$in": codes}}


def _only(df: pd.DataFrame, codes: Optional[Sequence[str]]) -> pd.DataFrame:
    if codes is None or len(set(codes)) <= WIDE:
        return df
    return df[df["code"].isin(set(codes))]


def _day_filter(days: Sequence[pd.Timestamp]) -> dict:
    lo, hi = min(days).to_pydatetime(), max(days).to_pydatetime()
    return {"date": lo} if lo == hi else {"date": {"$gte": lo, "$lte": hi}}


def daily(codes: Optional[Sequence[str]], days: Sequence[pd.Timestamp],
          columns: Sequence[str] = DAILY_COLUMNS) -> pd.DataFrame:
    """Stored daily bars of ``codes`` (None = all) on ``days``: code, date, columns."""
    cols = ["code", "date", *columns]
    if not days:
        return pd.DataFrame(columns=cols)
    cur = db()["daily_bars"].find({**_code_filter(codes), **_day_filter(days)},
                                  {"_id": 0, **{c: 1 for c in cols}})
    df = _only(pd.DataFrame(list(cur), columns=cols), codes)
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    return df[df["date"].isin(list(set(days)))].reset_index(drop=True)


def factors(codes: Optional[Sequence[str]], days: Sequence[pd.Timestamp]) -> pd.DataFrame:
    cols = ["code", "date", "factor"]
    if not days:
        return pd.DataFrame(columns=cols)
    cur = db()["adj_factors"].find({**_code_filter(codes), **_day_filter(days)},
                                   {"_id": 0, "code": 1, "date": 1, "factor": 1})
    df = _only(pd.DataFrame(list(cur), columns=cols), codes)
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    df["factor"] = df["factor"].astype(float)
    return df


def factor_on(codes: Sequence[str], day: pd.Timestamp) -> pd.Series:
    """Each code's factor on its last stored day on or before ``day`` (code → factor)."""
    out = {}
    coll = db()["adj_factors"]
    for code in sorted(set(codes)):
        doc = coll.find_one({"code": code, "date": {"$lte": day.to_pydatetime()}}, {"factor": 1},
                            sort=[("date", -1)])
        if doc is not None:
            out[code] = float(doc["factor"])
    return pd.Series(out, dtype=float)


def minutes(codes: Optional[Sequence[str]], days: Sequence[pd.Timestamp], period: str,
            columns: Sequence[str] = MINUTE_COLUMNS) -> pd.DataFrame:
    """Stored ``period`` bars, bucket arrays flattened: code, date, time, columns."""
    cols = ["code", "date", "time", *columns]
    if not days:
        return pd.DataFrame(columns=cols)
    query = {**_code_filter(codes), **_day_filter(days), "period": period}
    docs = list(db()["minute_bars"].find(query, buckets.projection(columns)))
    wanted, keep = set(days), None if codes is None else set(codes)
    docs = [d for d in docs if pd.Timestamp(d["date"]) in wanted and (keep is None or d["code"] in keep)]
    return buckets.decode(docs, columns)
