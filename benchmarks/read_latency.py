"""Reads at the server's limit (issue 11 goal 4), each against its limit measured in the same run.

1. The market's cross-section at one minute, through the read path (``bars.minutes`` with the
   window: the server cuts each bucket to the one slot), against the same bars stored one
   document per bar with a time index (QUANTAXIS) — goal ≤ 2× — and against the server's floor
   for the bucketed layout: touching every bucket of the day and returning only its code.
2. ``get_price`` (get_price_latency's data) against a raw ``find`` of the same documents (the
   daily bars and the factors; fq=pre on one day needs no factors, so fq=post is shown too),
   and get_bars' last 5 daily bars adjusted to the end day against a raw find of what it reads.

``run(db, uri, args) -> list[dict]`` returns rows {measure, ours_s, limit_s, limit, goal_s|goal_ratio}.
"""
from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
from pymongo import ASCENDING
from pymongo.database import Database

from taorui_assets.lib import calendar

from benchmarks import get_price_latency
from benchmarks import minute_layout as L

END = dt.date(2026, 11, 24)  # the last day of the synthetic data (as the layout section)
AT = "10:31:00"
CROSS_GOAL = 2.0            # × the doc-per-bar collection with a time index
GET_PRICE_GOALS = {"one": 0.2, "market": 0.3}  # seconds


def _load_minutes(db: Database, day: dt.date, stocks: list[str]) -> None:
    """One 1m day of ``stocks`` in both layouts (doc-per-bar by insert_many: loading is not timed)."""
    full = L.minute_frame(day, stocks)
    L.write_bucketed(db, full)
    L.prepare_doc_per_bar(db)
    docs = [{"code": c, "date": d.to_pydatetime(), "period": "1m", "time": t.to_pydatetime(),
             **{f: float(v) for f, v in zip(L.FIELDS, vals)}}
            for c, d, _p, t, *vals in full.itertuples(index=False)]
    for i in range(0, len(docs), 20_000):
        db[L.DOCS].insert_many(docs[i:i + 20_000], ordered=False)
    db[L.DOCS].create_index([("time", ASCENDING)])


def interleaved(fns: list, repeat: int) -> list[tuple[float, object]]:
    """(median wall time, last result) of each of ``fns``, run in turns rather than one after
    the other, so a shared machine's changing load weighs on ours and on its limit alike."""
    times: list[list[float]] = [[] for _ in fns]
    out: list = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            out[i] = fn()
            times[i].append(time.perf_counter() - t)
    return [(float(np.median(t)), o) for t, o in zip(times, out)]


def cross_section(db: Database, uri: str, n: int, repeat: int) -> list[dict]:
    from taorui_assets.lib import query as jq
    from taorui_assets.lib.query import bars

    day = END
    stocks = L.codes(n)
    print(f"[bench] reads: one 1m day of {n} securities in both layouts", flush=True)
    _load_minutes(db, day, stocks)
    jq.connect(uri, db.name)
    at = pd.Timestamp(f"{day} {AT}")
    (t_ours, got), (t_docs, want), (t_floor, codes) = interleaved(
        [lambda: bars.minutes(None, [pd.Timestamp(day)], "1m", start=at, end=at),
         lambda: L.read_doc_per_bar_minute(db, at),
         lambda: list(db["minute_bars"].aggregate([{"$match": {"date": L._midnight(day), "period": "1m"}},
                                                   {"$project": {"_id": 0, "code": 1}}]))], repeat)
    assert len(got) == len(want) == len(codes) == n, (len(got), len(want), len(codes))
    assert (got.sort_values("code")["close"].to_numpy() == want.sort_values("code")["close"].to_numpy()).all()
    return [
        {"measure": f"cross-section at one minute, {n} securities (bucketed, server-cut slot)",
         "ours_s": t_ours, "limit_s": t_docs, "limit": "doc-per-bar + time index", "goal_ratio": CROSS_GOAL},
        {"measure": "   … the server touching every bucket of the day (code only)",
         "ours_s": t_ours, "limit_s": t_floor, "limit": "bucket scan floor"},
    ]


def get_price(db: Database, uri: str, years: int, n: int, repeat: int) -> list[dict]:
    from taorui_assets.lib import query as jq

    end = END
    print(f"[bench] reads: get_price over {years} years of one security and one day of {n}", flush=True)
    info = get_price_latency.load(db, end, years, n)
    jq.connect(uri, db.name)
    one, market, start = info["one"], info["market"], info["start"]
    lo, hi = L._midnight(start), L._midnight(end)
    jq.get_price(market, start_date=end, end_date=end, panel=False)  # warm: the first call learns the codes

    def raw_one():
        list(db["daily_bars"].find({"code": one, "date": {"$gte": lo, "$lte": hi}}))
        list(db["adj_factors"].find({"code": one, "date": {"$gte": lo, "$lte": hi}}))

    def raw_market():
        list(db["daily_bars"].find({"date": hi}))
        list(db["adj_factors"].find({"date": hi}))

    # get_bars' last 5 daily bars adjusted to the end day: it reads 26 trading days (room for
    # suspensions) and their factors; the limit is a raw find of those
    recent = L._midnight(calendar.last_trading_days(end, 26)[0])
    (t_one, df_one), (t_raw_one, _), (t_market, df_market), (t_post, df_post), (t_raw_market, _), \
        (t_bars, bars_one), (t_raw_bars, _) = interleaved([
            lambda: jq.get_price(one, start_date=start, end_date=end, fq="pre"),
            raw_one,
            lambda: jq.get_price(market, start_date=end, end_date=end, fq="pre", panel=False),
            # fq=pre on one day reads no factors (each is its own reference); fq=post reads them
            lambda: jq.get_price(market, start_date=end, end_date=end, fq="post", panel=False),
            raw_market,
            lambda: jq.get_bars(one, count=5, unit="1d", end_dt=f"{end} 16:00", fq_ref_date=end),
            lambda: [list(db[c].find({"code": one, "date": {"$gte": recent, "$lte": hi}}))
                     for c in ("daily_bars", "adj_factors")]], repeat)
    assert len(df_one) == info["days"] and len(df_market) == len(df_post) == n, (len(df_one), len(df_market))
    assert len(bars_one) == 5, bars_one
    return [
        {"measure": f"get_price 1 security × {years}y daily ({info['days']} bars, fq=pre)", "ours_s": t_one,
         "limit_s": t_raw_one, "limit": "raw find of the same bars+factors", "goal_s": GET_PRICE_GOALS["one"]},
        {"measure": f"get_price whole market ({n}) × 1 day (fq=pre)", "ours_s": t_market,
         "limit_s": t_raw_market, "limit": "raw find of the same bars+factors", "goal_s": GET_PRICE_GOALS["market"]},
        {"measure": "   … the same with fq=post (the factors are read)", "ours_s": t_post,
         "limit_s": t_raw_market, "limit": "raw find of the same bars+factors"},
        {"measure": "get_bars 1 security, count=5 daily, fq_ref_date=end", "ours_s": t_bars,
         "limit_s": t_raw_bars, "limit": "raw find of its 26 days' bars+factors"},
    ]


def run(db: Database, uri: str, cross_stocks: int, years: int, market: int, repeat: int) -> list[dict]:
    started = time.perf_counter()
    rows = cross_section(db, uri, cross_stocks, repeat)
    db.client.drop_database(db.name)
    rows += get_price(db, uri, years, market, repeat)
    print(f"[bench] reads done in {time.perf_counter() - started:.0f} s", flush=True)
    return rows
