"""Judging the capture's heartbeat document (``capture_heartbeat``, ``_id: "capture"``).

The capture rewrites it every second while it runs (updated_at, lag_s, mongo_ok, state…).
During trading hours (a trading day, 09:25–15:05 Asia/Shanghai) it must be fresh and the
lag small; outside them nothing is judged (the capture may legitimately be stopped).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from taorui_assets.lib import calendar

OPEN, CLOSE = dt.time(9, 25), dt.time(15, 5)


def trading_hours(now_local: dt.datetime) -> bool:
    return calendar.is_trading_day(now_local.date()) and OPEN <= now_local.time() <= CLOSE


def problem(doc: Optional[dict], now_utc: dt.datetime, stale_s: float, max_lag_s: float) -> Optional[str]:
    """One line saying what is wrong with the capture, or None when it is healthy."""
    if doc is None:
        return "no capture heartbeat at all: is `scripts/run capture` running?"
    if doc.get("state") == "journal_failed" or doc.get("fatal"):
        return f"capture stopped on a journal failure: {doc.get('fatal', '')}"
    age = (now_utc - doc["updated_at"]).total_seconds()
    if doc.get("state") == "stopped":
        return f"capture is stopped (since {age:.0f}s)"
    if age > stale_s:
        return (f"capture heartbeat is stale: last beat {age:.0f}s ago (> {stale_s:g}s); "
                "the process or its MongoDB connection is down — ticks keep journaling only if the process lives")
    if float(doc.get("lag_s", 0.0)) > max_lag_s:
        return (f"capture lags: ticks wait {doc['lag_s']:.1f}s for MongoDB (> {max_lag_s:g}s)"
                + ("" if doc.get("mongo_ok", True) else f"; MongoDB errors: {doc.get('last_error', '')}"))
    return None
