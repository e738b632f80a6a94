"""Partition keys → the MongoDB filter of the documents that partition owns."""
from __future__ import annotations

import datetime as dt

from taorui_assets.lib.sources.base import quarter_end


def day(key: str) -> dt.datetime:
    return dt.datetime.strptime(key, "%Y-%m-%d")


def scope(dataset: str, partition_key: str, period: str | None = None) -> dict:
    if dataset == "trading_calendar":
        year = int(partition_key[:4])
        return {"exchange": "SSE", "date": {"$gte": dt.datetime(year, 1, 1), "$lt": dt.datetime(year + 1, 1, 1)}}
    if dataset == "financial_statements":
        q = quarter_end(partition_key)
        return {"report_date": dt.datetime(q.year, q.month, q.day)}
    if dataset == "minute_bars":
        if period not in ("1m", "5m"):
            raise ValueError(f"minute_bars needs a period of 1m or 5m, got {period!r}")
        return {"date": day(partition_key), "period": period}
    return {"date": day(partition_key)}
