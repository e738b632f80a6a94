"""Reads of stored bars and factors as plain frames (canonical names, QMT codes)."""
from __future__ import annotations

from typing import Optional, Sequence

import pandas as pd

from taorui_assets.lib.query.connection import QueryError, db, trading_days
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


# Daily-grain documents are read whole: they are small, and on SecantusDB a projection costs the
# server more than the bytes it saves (measured in benchmarks/read_latency.py, whose limit is
# the same find without one).
def daily(codes: Optional[Sequence[str]], days: Sequence[pd.Timestamp],
          columns: Sequence[str] = DAILY_COLUMNS) -> pd.DataFrame:
    """Stored daily bars of ``codes`` (None = all) on ``days``: code, date, columns."""
    cols = ["code", "date", *columns]
    if not days:
        return pd.DataFrame(columns=cols)
    cur = db()["daily_bars"].find({**_code_filter(codes), **_day_filter(days)})
    df = _only(pd.DataFrame(list(cur), columns=cols), codes)
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    if len(set(days)) > 1:  # a range was read: keep the asked days
        df = df[df["date"].isin(list(set(days)))]
    return df.reset_index(drop=True)


def factors(codes: Optional[Sequence[str]], days: Sequence[pd.Timestamp]) -> pd.DataFrame:
    cols = ["code", "date", "factor"]
    if not days:
        return pd.DataFrame(columns=cols)
    cur = db()["adj_factors"].find({**_code_filter(codes), **_day_filter(days)})
    df = _only(pd.DataFrame(list(cur), columns=cols), codes)
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    df["factor"] = df["factor"].astype(float)
    return df


# A security's factor is stored for each trading day it is listed: the last one on or before a
# day is read from that day's trading day, then from a window of this many calendar days for the
# codes without one there (a suspension), and only then one code at a time.
FACTOR_WINDOW_DAYS = 31


def factor_on(codes: Sequence[str], day: pd.Timestamp) -> pd.Series:
    """Each code's factor on its last stored day on or before ``day`` (code → factor)."""
    codes = sorted(set(codes))
    day = pd.Timestamp(day).normalize()
    try:
        traded = trading_days(None, day, 1)
    except QueryError:  # no calendar that far: the window and the lookups below still answer
        traded = []
    out: dict = {}
    for window in ([traded[-1]] if traded else [], [day - pd.Timedelta(days=FACTOR_WINDOW_DAYS), day]):
        missing = [c for c in codes if c not in out]
        if not window or not missing:
            continue
        found = factors(missing, window).sort_values("date", kind="stable").drop_duplicates("code", keep="last")
        wanted = set(missing)
        out.update((c, f) for c, f in zip(found["code"], found["factor"]) if c in wanted)
    coll = db()["adj_factors"]
    for code in codes:
        if code in out:
            continue
        doc = coll.find_one({"code": code, "date": {"$lte": day.to_pydatetime()}}, {"factor": 1},
                            sort=[("date", -1)])
        if doc is not None:
            out[code] = float(doc["factor"])
    return pd.Series(out, dtype=float)


def minutes(codes: Optional[Sequence[str]], days: Sequence[pd.Timestamp], period: str,
            columns: Sequence[str] = MINUTE_COLUMNS, start: Optional[pd.Timestamp] = None,
            end: Optional[pd.Timestamp] = None) -> pd.DataFrame:
    """Stored ``period`` bars, bucket arrays flattened: code, date, time, columns.

    ``start``/``end`` (bar times, inclusive) let the server cut a day's buckets to the slots
    inside the window, so a one-minute cross-section reads one element per bucket. Bars
    outside the window may still be returned (callers filter by time as before)."""
    cols = ["code", "date", "time", *columns]
    if not days:
        return pd.DataFrame(columns=cols)
    wanted, keep = sorted(set(days)), None if codes is None else set(codes)
    whole, sliced = [], []
    for day in wanted:
        grid = session_times(day, period)
        lo = 0 if start is None else int(grid.searchsorted(start, "left"))
        hi = len(grid) if end is None else int(grid.searchsorted(end, "right"))
        if lo == 0 and hi == len(grid):
            whole.append(day)
        elif hi > lo:
            sliced.append((day, lo, hi, grid[lo:hi]))
    coll = db()["minute_bars"]
    docs = []
    if whole:  # whole buckets, read without a projection (see daily)
        query = {**_code_filter(codes), **_day_filter(whole), "period": period}
        held = {d.to_pydatetime() for d in whole}
        docs = [d for d in coll.find(query) if d["date"] in held]
    for day, lo, hi, grid in sliced:
        match = {**_code_filter(codes), "date": day.to_pydatetime(), "period": period}
        part = buckets.slots(coll.aggregate(buckets.slot_pipeline(match, lo, hi - lo, columns),
                                            batchSize=10_000), hi - lo, columns)
        expected = list(grid.to_pydatetime())
        # A bucket missing a bar has its elements shifted: its slots are not the window's
        # bars, so that bucket is read whole (rare: the grid is validated at write time).
        short = [d["code"] for d in part if d["time"] != expected]
        docs += [d for d in part if d["time"] == expected]
        if short:
            docs += list(coll.find({"code": {"$in": short}, "date": day.to_pydatetime(), "period": period}))
    if keep is not None:
        docs = [d for d in docs if d["code"] in keep]
    return buckets.decode(docs, columns)
