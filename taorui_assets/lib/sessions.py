"""The A-share continuous-trading session grid, the one definition of minute-bar times.

Bars are stamped with their END time: 1m bars 09:31..11:30 and 13:01..15:00 (240 a day),
5m bars 09:35..11:30 and 13:05..15:00 (48 a day). The 09:25 opening auction belongs to the
first bar. Every source, the simulator, the row judgement and the read API use this grid.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PERIODS = {"1m": 1, "5m": 5}  # period → minutes per bar
MORNING = (9 * 60 + 30, 11 * 60 + 30)     # session bounds, minutes after midnight
AFTERNOON = (13 * 60, 15 * 60)


def _offsets(step: int) -> pd.TimedeltaIndex:
    ends = [m for lo, hi in (MORNING, AFTERNOON) for m in range(lo + step, hi + 1, step)]
    return pd.to_timedelta(np.array(ends), unit="min")


# Bar END times as offsets from midnight, per period.
OFFSETS: dict[str, pd.TimedeltaIndex] = {p: _offsets(step) for p, step in PERIODS.items()}
BARS_PER_DAY: dict[str, int] = {p: len(o) for p, o in OFFSETS.items()}  # 240 and 48


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}, got {period!r}")
    return period


def session_times(day, period: str) -> pd.DatetimeIndex:
    """The bar END times of trading day ``day`` (a date or midnight timestamp)."""
    return pd.Timestamp(day).normalize() + OFFSETS[check_period(period)]
