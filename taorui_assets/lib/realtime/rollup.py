"""Ticks → 1m bars: which bar a snapshot belongs to, and the roll-up of a day.

A snapshot at exchange time ``t`` belongs to the first 1m bar (END-stamped, lib/sessions.py)
whose END is at or after ``t``: 09:30:03 and 09:31:00 both go to the 09:31 bar, the 09:25
auction snapshot too (the auction belongs to the first bar), a snapshot in the lunch break
to 13:01, anything after 15:00 to 15:00. A bar's volume and amount are the differences of
the cumulative values between the last snapshot of the bar and the last snapshot before
it; its open/high/low/close are the first/max/min/last ``last_price`` inside it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from taorui_assets.lib import sessions

_ENDS_S = (sessions.OFFSETS["1m"].to_numpy() // np.timedelta64(1, "s")).astype(np.int64)


def bar_index(seconds_of_day: np.ndarray) -> np.ndarray:
    """Index (0..239) of the 1m bar each snapshot belongs to, from seconds after midnight."""
    i = np.searchsorted(_ENDS_S, np.asarray(seconds_of_day, dtype=np.int64), side="left")
    return np.minimum(i, len(_ENDS_S) - 1)


def bar_end_ms(epoch_ms: np.ndarray, utc_offset_s: int = 8 * 3600) -> np.ndarray:
    """Epoch ms of exchange times → epoch ms of the END of the 1m bar each belongs to
    (Asia/Shanghai is UTC+8 all year)."""
    local_ms = np.asarray(epoch_ms, dtype=np.int64) + utc_offset_s * 1000
    of_day = local_ms % 86_400_000
    secs = -(-of_day // 1000)  # ceil: 09:31:00.500 is after the 09:31 bar's end
    return local_ms - of_day - utc_offset_s * 1000 + _ENDS_S[bar_index(secs)] * 1000


def rollup(ticks: pd.DataFrame) -> pd.DataFrame:
    """Canonical ticks (code, time, last_price, volume, amount, …) → canonical 1m bars
    (code, date, period, time, open, high, low, close, volume, amount), minutes with ticks only."""
    cols = ["code", "date", "period", "time", "open", "high", "low", "close", "volume", "amount"]
    if ticks.empty:
        return pd.DataFrame(columns=cols)
    t = ticks.sort_values(["code", "time"], kind="stable")
    times = pd.DatetimeIndex(t["time"])
    days = times.normalize()
    secs = -(-(times - days).to_numpy().astype("timedelta64[ms]").astype(np.int64) // 1000)
    t = t.assign(date=days, bar=bar_index(secs))
    g = t.groupby(["code", "date", "bar"], sort=True)
    out = g.agg(open=("last_price", "first"), high=("last_price", "max"), low=("last_price", "min"),
                close=("last_price", "last"), cum_volume=("volume", "last"), cum_amount=("amount", "last"))
    out = out.reset_index()
    first = ~out[["code", "date"]].duplicated()
    prev_v = out["cum_volume"].shift(1).where(~first, 0.0)
    prev_a = out["cum_amount"].shift(1).where(~first, 0.0)
    out["volume"] = out["cum_volume"] - prev_v
    out["amount"] = out["cum_amount"] - prev_a
    out["time"] = out["date"] + pd.to_timedelta(_ENDS_S[out["bar"].to_numpy()], unit="s")
    out["period"] = "1m"
    return out[cols].reset_index(drop=True)
