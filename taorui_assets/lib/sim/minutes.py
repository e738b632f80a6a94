"""Minute bars of one (code, day), generated on demand from the daily bar.

Deterministic per (seed, code, day). The 1m bars aggregate exactly to the daily bar:
first open = open, last close = close, max high = high, min low = low, Σ volume = volume
(lots of 100). The daily amount is fixed first (volume × a vwap inside [low, high]); the
minute amounts distribute it: each bar's amount is its volume × a price inside its own
[low, high], with one common position θ chosen so the amounts sum to the daily amount
(if the minute volumes make that impossible, lots are moved towards the bars that touch
the day's high or low until it is possible). A bar without trades is flat
(open = high = low = close = the last traded price). 5m bars aggregate the 1m bars.
"""
from __future__ import annotations

import numpy as np

from taorui_assets.lib.sim.prices import History
from taorui_assets.lib.sim.util import TAG_MINUTE, code_key, rng

_PROFILE = np.concatenate([
    1.0 + 2.5 * np.exp(-np.arange(120) / 12.0) + 0.6 * np.exp((np.arange(120) - 119) / 10.0),
    0.9 + 0.8 * np.exp(-np.arange(120) / 15.0) + 1.5 * np.exp((np.arange(120) - 119) / 12.0),
])


def _path(z, o, h, lo, c):
    """len(z) + 1 cent prices from o to c inside [lo, h], reaching h and lo at inner points
    when there are enough of them (``_bar_ranges`` makes sure some bar reaches them)."""
    n = len(z)
    t = np.arange(n + 1) / n
    w = np.concatenate([[0.0], np.cumsum(z)]) * np.sqrt(240 / n)  # the same wiggle for any n
    x = o + (c - o) * t + (w - t * w[-1]) * max(h - lo, 1) * 0.18
    top, bot = max(o, c), min(o, c)
    y = x.copy()
    mx, mn = x.max(), x.min()
    if mx > top:
        a = x > top
        y[a] = top + (x[a] - top) * (h - top) / (mx - top)
    else:
        y = np.minimum(y, top)
    if mn < bot:
        b = x < bot
        y[b] = bot - (bot - x[b]) * (bot - lo) / (bot - mn)
    else:
        y = np.maximum(y, bot)
    y = np.clip(np.rint(y), lo, h).astype(np.int64)
    y[0], y[-1] = o, c
    if n >= 3:
        if y.max() < h:
            y[1 + int(np.argmax(y[1:n]))] = h
        if y.min() > lo:
            inner = y[1:n].copy()
            inner[inner == h] = h + 1  # never overwrite the day's high
            k = int(np.argmin(inner))
            if inner[k] <= h:
                y[1 + k] = lo
    return y


def _bar_ranges(bo, bc, up, dn, traded, h, lo):
    """Bar highs and lows: wiggles around open/close for traded bars, clipped to the day's
    range; bars without trades stay flat. Some traded bar reaches h, and some reaches lo."""
    bh = np.minimum(np.maximum(bo, bc) + np.where(traded, up, 0), h)
    bl = np.maximum(np.minimum(bo, bc) - np.where(traded, dn, 0), lo)
    t = np.flatnonzero(traded)
    if bh[t].max() < h:
        bh[t[int(np.argmax(np.maximum(bo, bc)[t]))]] = h
    if bl[t].min() > lo:
        bl[t[int(np.argmin(np.minimum(bo, bc)[t]))]] = lo
    return bh, bl


def _fit_amount(lots, bar_lo, bar_hi, h, lo, target):
    """Move lots until Σ vol·low ≤ target ≤ Σ vol·high (cents), then return θ.

    Lots move between traded bars only, and a donor keeps at least one lot, so a bar
    without trades (drawn flat) never trades and a traded bar never loses all its trades.
    When no donor is left, every traded bar's high (or low) is stretched to the day's."""
    def sums():
        vol = lots * 100
        return int((vol * bar_hi).sum()), int((vol * bar_lo).sum())

    s_hi, s_lo = sums()
    while target > s_hi:  # need more volume where the bar high is the day's high
        k = int(np.flatnonzero((bar_hi == h) & (lots > 0))[0])
        donors = np.flatnonzero((lots > 1) & (bar_hi < h))
        if len(donors) == 0:
            bar_hi = np.where(lots > 0, h, bar_hi)
            s_hi, s_lo = sums()
            break
        j = int(donors[np.argmin(bar_hi[donors])])
        need = -(-(target - s_hi) // (100 * int(h - bar_hi[j])))
        m = min(int(lots[j]) - 1, int(need))
        lots[j] -= m
        lots[k] += m
        s_hi, s_lo = sums()
    while target < s_lo:
        k = int(np.flatnonzero((bar_lo == lo) & (lots > 0))[0])
        donors = np.flatnonzero((lots > 1) & (bar_lo > lo))
        if len(donors) == 0:
            bar_lo = np.where(lots > 0, lo, bar_lo)
            s_hi, s_lo = sums()
            break
        j = int(donors[np.argmax(bar_lo[donors])])
        need = -(-(s_lo - target) // (100 * int(bar_lo[j] - lo)))
        m = min(int(lots[j]) - 1, int(need))
        lots[j] -= m
        lots[k] += m
        s_hi, s_lo = sums()
    theta = 0.0 if s_hi == s_lo else (target - s_lo) / (s_hi - s_lo)
    return lots, bar_lo, bar_hi, theta


def minute_arrays(seed: int, hist: History, i: int) -> dict[str, np.ndarray]:
    """1m bars (240) of calendar day index ``i``; prices in CNY, amount in CNY.

    Which bars trade is drawn first; the price path moves only in traded bars, so a bar
    without trades is flat at the last traded price (the open before the first trade)."""
    j = hist.local(i)
    o, h, lo, c = (int(a[j]) for a in (hist.open, hist.high, hist.low, hist.close))
    g = rng(seed, TAG_MINUTE, *code_key(hist.stock.code), i)
    z = g.standard_normal(240)  # fixed-size draws, in a fixed order
    wig = g.random(240) < 0.5
    up_w = np.abs(g.normal(0, 0.0008, 240))
    dn_on = g.random(240) < 0.5
    dn_w = np.abs(g.normal(0, 0.0008, 240))
    weights = _PROFILE * np.exp(0.5 * g.standard_normal(240))
    lots = g.multinomial(int(hist.volume[j]) // 100, weights / weights.sum()).astype(np.int64)
    traded = lots > 0
    p = _path(z[:int(traded.sum())], o, h, lo, c)
    bc = p[np.cumsum(traded)]  # a bar without trades repeats the previous close
    bo = np.concatenate([[o], bc[:-1]])
    up = np.where(wig, np.rint(up_w * bc), 0).astype(np.int64)
    dn = np.where(dn_on, np.rint(dn_w * bc), 0).astype(np.int64)
    bh, bl = _bar_ranges(bo, bc, up, dn, traded, h, lo)
    lots, bl, bh, theta = _fit_amount(lots, bl, bh, h, lo, int(hist.amount[j]))
    vol = lots * 100
    amount = vol * (bl + theta * (bh - bl)) / 100.0
    return {"open": bo / 100.0, "high": bh / 100.0, "low": bl / 100.0, "close": bc / 100.0,
            "volume": vol.astype(float), "amount": amount}


def to_5m(m: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    r = {k: v.reshape(48, 5) for k, v in m.items()}
    return {"open": r["open"][:, 0], "high": r["high"].max(axis=1), "low": r["low"].min(axis=1),
            "close": r["close"][:, -1], "volume": r["volume"].sum(axis=1),
            "amount": r["amount"].sum(axis=1)}
