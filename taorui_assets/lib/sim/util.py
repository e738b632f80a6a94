"""Shared helpers of SimMarket: the fixed calendar, stable per-code seeds, date parsing."""
from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from typing import Optional

import numpy as np
import pandas as pd

from taorui_assets.lib import calendar

HISTORY_START = dt.date(2010, 1, 1)
HISTORY_END = dt.date(2026, 12, 31)
# The fixed calendar every whole-history array is indexed by.
DAYS: tuple[dt.date, ...] = tuple(calendar.trading_days(HISTORY_START, HISTORY_END))
N_DAYS = len(DAYS)
DAYS_NS = pd.DatetimeIndex([pd.Timestamp(d) for d in DAYS])

YEARS = np.array([d.year for d in DAYS])
MONTHS = np.array([d.month for d in DAYS])

EXCHANGE_ID = {"SH": 1, "SZ": 2, "BJ": 3}

# Stream tags: each kind of draw gets its own seed sequence so nothing shifts when
# another kind of draw changes.
TAG_MARKET, TAG_HISTORY, TAG_MINUTE, TAG_FIN_YEAR, TAG_FIN_CODE = 1, 2, 3, 4, 5
TAG_FIN_QUARTER, TAG_SECTOR, TAG_CONCEPT, TAG_BILLBOARD, TAG_NORTH = 6, 7, 8, 9, 10
TAG_UNIVERSE, TAG_MONEY_FLOW = 11, 12
# statements (issue 13 parts 3-4): statement detail lines, capital and holders
TAG_FIN_DETAIL, TAG_HOLDERS = 31, 32


def code_key(code: str) -> list[int]:
    """A stable integer key of a code (never Python's salted ``hash``)."""
    return [int(code[:6]), EXCHANGE_ID[code[7:]]]


def rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), *(int(p) for p in parts)])


def to_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def day_index(day) -> Optional[int]:
    """Index of ``day`` in ``DAYS`` if it is a trading day of the fixed calendar, else None."""
    d = to_date(day)
    i = bisect_left(DAYS, d)
    if i < N_DAYS and DAYS[i] == d:
        return i
    return None


def index_on_or_before(day) -> int:
    """Index of the last trading day <= day (-1 if before the calendar)."""
    return bisect_right(DAYS, to_date(day)) - 1


def index_on_or_after(day) -> int:
    """Index of the first trading day >= day (N_DAYS if after the calendar)."""
    return bisect_left(DAYS, to_date(day))


def ts(day) -> pd.Timestamp:
    return pd.Timestamp(to_date(day))
