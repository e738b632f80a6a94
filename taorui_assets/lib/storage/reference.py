"""The stored data a new partition is judged against (``validation.Reference``).

Read from the database before a partition is fetched: for ``daily_bars`` of day D the
previous trading day's stored closes and the stored backward factors of both days (to
check pre_close); for ``minute_bars`` the codes trading on D per the stored daily bars
(each must have bars). What is not stored is reported in ``notes``, never guessed.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import pandas as pd
from pymongo.database import Database

from taorui_assets.lib import calendar
from taorui_assets.lib.storage import scopes
from taorui_assets.lib.validation import Reference


def _series(cursor, value: str) -> pd.Series:
    return pd.Series({d["code"]: float(d[value]) for d in cursor}, dtype=float)


def load(db: Database, dataset: str, partition_key: str, period: Optional[str] = None) -> Optional[Reference]:
    """The reference for one partition of ``dataset`` (trading-day key), or None if it needs none."""
    if dataset not in ("daily_bars", "minute_bars"):
        return None
    at = scopes.day(partition_key)
    day = at.date()
    if dataset == "daily_bars":
        try:
            prev_day = calendar.previous_trading_day(day)
        except calendar.CalendarRangeError:
            return Reference(notes=[f"pre_close not checked against history: no trading day before {day}"])
        prev = dt.datetime(prev_day.year, prev_day.month, prev_day.day)
        ref = Reference(
            prev_close=_series(db["daily_bars"].find({"date": prev}, {"code": 1, "close": 1}), "close"),
            prev_factor=_series(db["adj_factors"].find({"date": prev}, {"code": 1, "factor": 1}), "factor"),
            factor=_series(db["adj_factors"].find({"date": at}, {"code": 1, "factor": 1}), "factor"))
        for what, s, d in (("daily_bars", ref.prev_close, prev_day), ("adj_factors", ref.prev_factor, prev_day),
                           ("adj_factors", ref.factor, day)):
            if s.empty:
                ref.notes.append(f"pre_close not checked against history: no {what} stored for {d}")
        return ref
    if dataset == "minute_bars":
        traded = set(db["daily_bars"].distinct("code", {"date": at, "paused": False}))
        if not traded:
            return Reference(notes=[f"{period or 'minute'} bars not checked for absent securities: "
                                    f"no daily_bars stored for {day}"])
        return Reference(traded_codes=traded)
    return None
