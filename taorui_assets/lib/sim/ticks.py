"""SimMarket's 3-second snapshot ticks of one trading day, built on its 1m bars.

Deterministic per (seed, code, day). Each 1m bar (END-stamped, ``lib/sessions.py``) is
covered by 20 snapshots at END-57s, END-54s, …, END, so:

* the cumulative ``volume`` and ``amount`` of the snapshot at a bar's END time equal
  Σ of SimMarket's 1m volume/amount up to that bar (the amount as ``np.cumsum`` of the
  bar amounts, so a roll-up differs from a bar only by float rounding, ~1e-9 relative);
* every ``last_price`` lies inside its bar's [low, high]; the first snapshot of a minute
  trades at the bar's open, the last at its close, and the bar's high and low are each
  touched by one snapshot — rolling the snapshots into 1m bars gives the bars back;
* ``open``/``high``/``low`` are the day's running values, ``pre_close`` the daily bar's.

A suspended code has no ticks. Volume is in shares, amount in CNY (canonical units; the
xtdata double converts to QMT's lots).
"""
from __future__ import annotations

from typing import Iterable, Optional

import numpy as np
import pandas as pd

from taorui_assets.lib import sessions
from taorui_assets.lib.sim.util import code_key, rng

TAG_TICK = 13  # the seed stream of tick draws (lib/sim/util.py tags stop at 12)
PER_MINUTE = 20
STEP_S = 3
LEVELS = 5
STATUS_TRADING, STATUS_BREAK, STATUS_CLOSED = 13, 14, 15  # xtdata 证券状态: T, B, E

TICK_COLUMNS = (["code", "time", "last_price", "open", "high", "low", "pre_close", "volume", "amount",
                 "status", "trade_count"]
                + [f"{side}{k}" for side in ("ask_price", "bid_price") for k in range(1, LEVELS + 1)]
                + [f"{side}{k}" for side in ("ask_volume", "bid_volume") for k in range(1, LEVELS + 1)])


def snapshot_offsets() -> pd.TimedeltaIndex:
    """Offsets from midnight of the 4,800 snapshot times of a day (20 per 1m bar)."""
    ends = sessions.OFFSETS["1m"].to_numpy()
    back = pd.to_timedelta(np.arange(PER_MINUTE - 1, -1, -1) * STEP_S, unit="s").to_numpy()
    return pd.to_timedelta((ends[:, None] - back[None, :]).ravel())


def _prices(g, o, h, lo, c) -> np.ndarray:
    """(240, 20) cent prices: col 0 the open, col 19 the close, the high and low each once."""
    n = len(o)
    p = lo[:, None] + np.floor(g.random((n, PER_MINUTE)) * (h - lo + 1)[:, None]).astype(np.int64)
    p[:, 0], p[:, -1] = o, c
    hi_at = g.integers(1, PER_MINUTE - 1, n)
    lo_at = 1 + (hi_at - 1 + g.integers(1, PER_MINUTE - 2, n)) % (PER_MINUTE - 2)  # ≠ hi_at
    rows = np.arange(n)
    p[rows, hi_at] = h
    p[rows, lo_at] = lo
    return p


def code_ticks(market, day, code: str, minute_bars: Optional[pd.DataFrame] = None,
               pre_close: Optional[float] = None) -> pd.DataFrame:
    """The day's snapshots of one code (empty when it has no 1m bars that day)."""
    day = pd.Timestamp(day).normalize()
    m = minute_bars if minute_bars is not None else market.minute_bars(day, "1m", codes=[code])
    m = m[m["code"] == code].sort_values("time")
    if m.empty:
        return pd.DataFrame(columns=TICK_COLUMNS)
    if pre_close is None:
        pre_close = float(market.daily_bars(day, codes=[code])["pre_close"].iloc[0])
    g = rng(market.seed, TAG_TICK, *code_key(code), int(day.strftime("%Y%m%d")))
    cents = {k: np.rint(m[k].to_numpy() * 100).astype(np.int64) for k in ("open", "high", "low", "close")}
    last = _prices(g, cents["open"], cents["high"], cents["low"], cents["close"])
    n = len(m)
    # Volume: the bar's lots spread over its 20 snapshots, cumulative across the day.
    lots = np.rint(m["volume"].to_numpy() / 100).astype(np.int64)
    steps = np.stack([g.multinomial(k, np.full(PER_MINUTE, 1.0 / PER_MINUTE)) for k in lots])
    bar_cum_lots = np.cumsum(lots)
    vol = (np.cumsum(steps, axis=1) + (bar_cum_lots - lots)[:, None]) * 100
    # Amount: exactly the running Σ of bar amounts at each bar END, in between proportional
    # to the bar's volume (every increment at the bar's vwap, inside [low, high]).
    amt_bar = m["amount"].to_numpy(dtype=float)
    amt_end = np.cumsum(amt_bar)
    frac = np.where(lots[:, None] > 0, np.cumsum(steps, axis=1) / np.maximum(lots, 1)[:, None], 0.0)
    amount = (amt_end - amt_bar)[:, None] + amt_bar[:, None] * frac
    amount[:, -1] = amt_end
    trades = np.cumsum((steps > 0) * (1 + steps // 20), axis=1)  # ~1 trade per 20 lots
    trades = trades + np.concatenate([[0], np.cumsum(trades[:, -1])[:-1]])[:, None]
    last_flat = last.ravel()
    times = day + snapshot_offsets()
    df = pd.DataFrame({"code": code, "time": times})
    df["last_price"] = last_flat / 100.0
    df["open"] = cents["open"][0] / 100.0
    df["high"] = np.maximum.accumulate(last_flat) / 100.0
    df["low"] = np.minimum.accumulate(last_flat) / 100.0
    df["pre_close"] = float(pre_close)
    df["volume"] = vol.ravel().astype(float)
    df["amount"] = amount.ravel()
    status = np.full(n * PER_MINUTE, STATUS_TRADING, dtype=np.int64)
    status[(times.hour == 11) & (times.minute == 30)] = STATUS_BREAK
    status[-1] = STATUS_CLOSED
    df["status"] = status
    df["trade_count"] = trades.ravel().astype(np.int64)
    spread = np.arange(1, LEVELS + 1)
    for k in spread:
        df[f"ask_price{k}"] = (last_flat + k) / 100.0
        df[f"bid_price{k}"] = np.maximum(last_flat - k, 1) / 100.0
    book = g.integers(1, 200, (len(df), 2 * LEVELS)) * 100
    for k in spread:
        df[f"ask_volume{k}"] = book[:, k - 1].astype(float)
        df[f"bid_volume{k}"] = book[:, LEVELS + k - 1].astype(float)
    return df[TICK_COLUMNS]


def day_ticks(market, day, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
    """Every snapshot of the day for ``codes`` (default: all trading codes), by time then code."""
    day = pd.Timestamp(day).normalize()
    bars = market.minute_bars(day, "1m", codes=codes)
    daily = market.daily_bars(day, codes=codes).set_index("code")["pre_close"]
    parts = [code_ticks(market, day, c, minute_bars=g, pre_close=float(daily[c]))
             for c, g in bars.groupby("code", sort=True)]
    if not parts:
        return pd.DataFrame(columns=TICK_COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values(["time", "code"], kind="stable").reset_index(drop=True)

