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
    return df["high"] <= df["high_limit"] + PRICE_TOL


def low_within_limit(df: pd.DataFrame) -> pd.Series:
    return df["low"] >= df["low_limit"] - PRICE_TOL


def limit_prices(pre_close, boards, is_st) -> tuple[np.ndarray, np.ndarray]:
    """The exchange's limit prices per row (``codes.limit_prices``); NaN for indexes."""
    up, down = [], []
    for pc, board, st in zip(pre_close, boards, is_st):
        u, d = (np.nan, np.nan) if board == codes.INDEX else codes.limit_prices(pc, board, bool(st))
        up.append(u)
        down.append(d)
    return np.array(up, dtype=float), np.array(down, dtype=float)


def limits_follow_rule(df: pd.DataFrame) -> pd.Series:
    """high_limit/low_limit equal the rule for the row's ``board`` and ``is_st``."""
    up, down = limit_prices(df["pre_close"], df["board"], df["is_st"])
    ok = (np.abs(df["high_limit"].to_numpy() - up) <= PRICE_TOL) & (np.abs(df["low_limit"].to_numpy() - down) <= PRICE_TOL)
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
