"""Price adjustment from the stored backward cumulative factors (pure functions).

The database keeps unadjusted prices and ``factor`` (post-adjusted = price × factor), so
adjustment never goes stale at an ex-date. As JQData does:

* ``fq='post'``: prices × factor(day), volume ÷ factor(day);
* ``fq='pre'``: the same with factor(day) / factor(reference day), so prices on the
  reference day are unadjusted and earlier prices are scaled down;
* adjusted prices are rounded to 2 decimals, 3 for funds and bonds (``round=True``,
  ``codes.price_decimals``), volume is not rounded, money
  (turnover) is never adjusted.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

PRICE_FIELDS = frozenset({"open", "close", "high", "low", "high_limit", "low_limit", "pre_close", "avg"})
FQ_CHOICES = (None, "pre", "post")


def check_fq(fq) -> Optional[str]:
    if fq not in FQ_CHOICES:
        raise ValueError(f"fq must be 'pre', 'post' or None, got {fq!r}")
    return fq


def applied_factor(factor: np.ndarray, ref: Optional[np.ndarray], fq: Optional[str]) -> np.ndarray:
    """The multiplier JQData reports as ``factor`` for each row."""
    factor = np.asarray(factor, dtype=float)
    if fq is None:
        return np.ones_like(factor)
    if fq == "post":
        return factor
    return factor / np.asarray(ref, dtype=float)


def adjust(field: str, values, fac: np.ndarray, round_: bool = True, decimals=2) -> np.ndarray:
    """One column adjusted with the applied factor ``fac``; ``decimals`` per row or one for all."""
    col = pd.Series(np.asarray(values, dtype=float))
    if field in PRICE_FIELDS:
        col = col * fac
        if round_:
            d = np.broadcast_to(np.asarray(decimals), col.shape)
            col = pd.Series(np.where(d == 3, col.round(3), col.round(2)))
    elif field == "volume":
        col = col / fac
    return col.to_numpy()


def average(volume, money, close) -> np.ndarray:
    """JQData's ``avg``: money / volume, or the close on a bar without trades."""
    volume, money = np.asarray(volume, dtype=float), np.asarray(money, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(volume > 0, money / volume, np.asarray(close, dtype=float))
