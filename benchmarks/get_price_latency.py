"""``get_price`` latency over the stored layout: one security × 10 years of daily bars, and
the whole market on one day. Synthetic documents in the assets' exact layout
(``to_documents``), loaded with plain inserts since loading is not what is measured."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pymongo.database import Database

from taorui_assets.lib import calendar
from taorui_assets.lib.storage.documents import to_documents
from taorui_assets.lib.storage.store import Store

from benchmarks.minute_layout import codes, timed

COLLECTIONS = ["trading_calendar", "instruments", "daily_bars", "adj_factors"]


def _daily(stocks: list[str], days: list[dt.date], seed: int) -> pd.DataFrame:
    g = np.random.default_rng(seed)
    n, m = len(stocks), len(days)
    close = np.round(10 * np.exp(np.cumsum(g.normal(0, 0.02, (m, n)), axis=0)), 2)
    pre = np.vstack([close[:1], close[:-1]])
    code = np.tile(stocks, m)
    date = np.repeat(pd.to_datetime(days).to_numpy(), n)
    c, p = close.ravel(), pre.ravel()
    return pd.DataFrame({"code": code, "date": date, "open": p, "high": np.maximum(c, p) + 0.01,
                         "low": np.minimum(c, p) - 0.01, "close": c, "volume": 1e6, "amount": 1e6 * c,
                         "pre_close": p, "high_limit": np.round(p * 1.1, 2),
                         "low_limit": np.round(p * 0.9, 2), "paused": False})


def _factors(stocks: list[str], days: list[dt.date]) -> pd.DataFrame:
    steps = np.cumprod(np.where(np.arange(len(days)) % 250 == 125, 1.02, 1.0))  # a yearly dividend
    return pd.DataFrame({"code": np.tile(stocks, len(days)),
                         "date": np.repeat(pd.to_datetime(days).to_numpy(), len(stocks)),
                         "factor": np.repeat(steps, len(stocks))})


def _instruments(stocks: list[str], day: dt.date) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.Timestamp(day), "code": stocks, "name": stocks,
                         "exchange": [c[-2:] for c in stocks], "board": "main", "type": "stock",
                         "list_date": pd.Timestamp("2010-01-04"), "delist_date": pd.NaT,
                         "is_st": False, "total_shares": 1e9, "float_shares": 1e9})


def _insert(db: Database, dataset: str, df: pd.DataFrame) -> None:
    Store(db).ensure_indexes(dataset)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    docs = to_documents(dataset, df, "bench", now)
    for i in range(0, len(docs), 20_000):
        db[dataset].insert_many(docs[i:i + 20_000], ordered=False)


def load(db: Database, end: dt.date, years: int, n_market: int) -> dict:
    """10 years of one security plus one full-market day ending at ``end``."""
    start = dt.date(end.year - years, end.month, end.day) + dt.timedelta(days=1)
    days = calendar.trading_days(start, end)
    market = codes(n_market)
    one = market[0]
    cal = pd.DataFrame({"exchange": "SSE", "date": pd.to_datetime(
        calendar.trading_days(dt.date(start.year, 1, 1), dt.date(end.year, 12, 31)))})
    _insert(db, "trading_calendar", cal)
    _insert(db, "instruments", _instruments(market, end))
    _insert(db, "daily_bars", _daily([one], days[:-1], seed=1))
    _insert(db, "adj_factors", _factors([one], days[:-1]))
    _insert(db, "daily_bars", _daily(market, days[-1:], seed=2))
    _insert(db, "adj_factors", _factors(market, days[-1:]))
    return {"one": one, "market": market, "start": days[0], "end": end, "days": len(days)}


def measure(db: Database, uri: str, end: dt.date, years: int, n_market: int, repeat: int = 3) -> list[tuple]:
    from taorui_assets.lib import query as jq

    info = load(db, end, years, n_market)
    jq.connect(uri, db.name)
    rows = []
    for fq in (None, "pre"):
        t, df = timed(lambda: jq.get_price(info["one"], start_date=info["start"], end_date=end, fq=fq),
                      repeat)
        rows.append((f"get_price 1 security × {years}y daily (fq={fq})", t, len(df)))
    t, df = timed(lambda: jq.get_price(info["market"], start_date=end, end_date=end, fq="pre",
                                       panel=False), repeat)
    rows.append((f"get_price whole market ({n_market}) × 1 day (fq=pre)", t, len(df)))
    return rows
