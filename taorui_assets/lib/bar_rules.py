"""The rules a bar obeys, written once: the Pandera models (``schemas``) and the asset
checks (``quality``) both call these.

Each rule is a vectorised function over a frame returning a boolean Series, True where
the row obeys the rule. Prices are compared with ``PRICE_TOL`` so float noise of a
source's conversion is not a violation.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from taorui_assets.lib import codes

PRICE_TOL = 1e-6


def high_is_highest(df: pd.DataFrame) -> pd.Series:
    return df["high"] + PRICE_TOL >= df[["open", "close", "low"]].max(axis=1)


def low_is_lowest(df: pd.DataFrame) -> pd.Series:
    return df["low"] - PRICE_TOL <= df[["open", "close"]].min(axis=1)


def high_within_limit(df: pd.DataFrame) -> pd.Series:
    """High at or below the limit-up; a NaN limit is no limit (indexes, see ``codes``)."""
    return df["high_limit"].isna() | (df["high"] <= df["high_limit"] + PRICE_TOL)


def low_within_limit(df: pd.DataFrame) -> pd.Series:
    return df["low_limit"].isna() | (df["low"] >= df["low_limit"] - PRICE_TOL)


def limit_prices(pre_close, boards, is_st, days=None, first_day=None) -> tuple[np.ndarray, np.ndarray]:
    """The exchange's limit prices per row (``codes.limit_prices``, where the rule of each type
    is written with its source); NaN where there is none (indexes, convertible bonds before
    2022-08-01). ``days``: the bar's day, one for all or per row (None: today's rules);
    ``first_day``: per row, the security's listing day (a convertible bond's first-day rule)."""
    n = len(pre_close)
    days = [days] * n if days is None or not hasattr(days, "__len__") else list(days)
    first_day = [False] * n if first_day is None else list(first_day)
    up, down = [], []
    for pc, board, st, day, first in zip(pre_close, boards, is_st, days, first_day):
        d = None if day is None or pd.isna(day) else pd.Timestamp(day).date()
        u, dn = codes.limit_prices(pc, board, bool(st), day=d, first_day=bool(first))
        up.append(u)
        down.append(dn)
    return np.array(up, dtype=float), np.array(down, dtype=float)


def _same(have, want: np.ndarray) -> np.ndarray:
    """Equal within PRICE_TOL, or both NaN (no limit)."""
    have = np.asarray(have, dtype=float)
    return np.where(np.isnan(want) | np.isnan(have), np.isnan(want) & np.isnan(have),
                    np.abs(have - want) <= PRICE_TOL)


def limits_follow_rule(df: pd.DataFrame) -> pd.Series:
    """high_limit/low_limit equal the rule for the row's ``board``, ``is_st`` and, when the
    frame has them, ``date`` and ``list_date`` (convertible bonds' dated and first-day rules)."""
    days = df["date"] if "date" in df else None
    first = None
    if "date" in df and "list_date" in df:
        first = (pd.to_datetime(df["list_date"]).dt.normalize() == pd.to_datetime(df["date"]).dt.normalize())
    up, down = limit_prices(df["pre_close"], df["board"], df["is_st"], days, first)
    ok = _same(df["high_limit"], up) & _same(df["low_limit"], down)
    return pd.Series(ok, index=df.index)


def suspended_is_flat(df: pd.DataFrame) -> pd.Series:
    """A suspended day is flat at pre_close with no volume (True on trading days)."""
    flat = (df[["open", "high", "low", "close"]].sub(df["pre_close"], axis=0).abs().max(axis=1) < PRICE_TOL) \
        & (df["volume"] == 0)
    return ~df["paused"].astype(bool) | flat


def traded_has_volume(df: pd.DataFrame) -> pd.Series:
    return df["paused"].astype(bool) | (df["volume"] > 0)


def no_trade_is_flat(df: pd.DataFrame) -> pd.Series:
    """A bar without trades has open = high = low = close (the last traded price)."""
    spread = df[["open", "high", "low", "close"]].max(axis=1) - df[["open", "high", "low", "close"]].min(axis=1)
    return (df["volume"] > 0) | (spread <= PRICE_TOL)
