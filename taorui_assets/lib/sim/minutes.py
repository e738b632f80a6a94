"""Minute bars of one (code, day), generated on demand from the daily bar.

Deterministic per (seed, code, day). The 1m bars aggregate exactly to the daily bar:
first open = open, last close = close, max high = high, min low = low, Σ volume = volume
(lots of 100). The daily amount is fixed first (volume × a vwap inside [low, high]); the
minute amounts distribute it: each bar's amount is its volume × a price inside its own
[low, high], with one common position θ chosen so the amounts sum to the daily amount
(if the minute volumes make that impossible, lots are moved towards the bars that touch
the day's high or low until it is possible). 5m bars aggregate the 1m bars.
"""
from __future__ import annotations

import numpy as np

from taorui_assets.lib.sim.prices import History
from taorui_assets.lib.sim.util import TAG_MINUTE, code_key, rng

_PROFILE = np.concatenate([
    1.0 + 2.5 * np.exp(-np.arange(120) / 12.0) + 0.6 * np.exp((np.arange(120) - 119) / 10.0),
    0.9 + 0.8 * np.exp(-np.arange(120) / 15.0) + 1.5 * np.exp((np.arange(120) - 119) / 12.0),
])


def _path(g, o, h, lo, c):
    """241 cent prices from o to c whose max is h and min is lo."""
    t = np.arange(241) / 240.0
    w = np.concatenate([[0.0], np.cumsum(g.standard_normal(240))])
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
    if y.max() < h:
        y[1 + int(np.argmax(y[1:240]))] = h
    if y.min() > lo:
        inner = y[1:240].copy()
        inner[inner == h] = h + 1  # never overwrite the day's high
        y[1 + int(np.argmin(inner))] = lo
    return y


def _fit_amount(lots, bar_lo, bar_hi, h, lo, target):
    """Move lots until Σ vol·low ≤ target ≤ Σ vol·high (cents), then return θ."""
    vol = lots * 100
    s_hi, s_lo = int((vol * bar_hi).sum()), int((vol * bar_lo).sum())
    while target > s_hi:  # need more volume where the bar high is the day's high
        k = int(np.flatnonzero(bar_hi == h)[0])
        donors = np.flatnonzero((lots > 0) & (bar_hi < h))
        j = int(donors[np.argmin(bar_hi[donors])])
        need = -(-(target - s_hi) // (100 * int(h - bar_hi[j])))
        m = min(int(lots[j]), int(need))
        lots[j] -= m
        lots[k] += m
        vol = lots * 100
        s_hi, s_lo = int((vol * bar_hi).sum()), int((vol * bar_lo).sum())
    while target < s_lo:
        k = int(np.flatnonzero(bar_lo == lo)[0])
        donors = np.flatnonzero((lots > 0) & (bar_lo > lo))
        j = int(donors[np.argmax(bar_lo[donors])])
        need = -(-(s_lo - target) // (100 * int(bar_lo[j] - lo)))
        m = min(int(lots[j]), int(need))
        lots[j] -= m
        lots[k] += m
        vol = lots * 100
        s_hi, s_lo = int((vol * bar_hi).sum()), int((vol * bar_lo).sum())
    theta = 0.0 if s_hi == s_lo else (target - s_lo) / (s_hi - s_lo)
    return lots, theta


def minute_arrays(seed: int, hist: History, i: int) -> dict[str, np.ndarray]:
    """1m bars (240) of calendar day index ``i``; prices in CNY, amount in CNY."""
    j = hist.local(i)
    o, h, lo, c = (int(a[j]) for a in (hist.open, hist.high, hist.low, hist.close))
    g = rng(seed, TAG_MINUTE, *code_key(hist.stock.code), i)
    p = _path(g, o, h, lo, c)
    bo, bc = p[:-1], p[1:]
    wig = g.random(240) < 0.5
    up = np.where(wig, np.rint(np.abs(g.normal(0, 0.0008, 240)) * bc), 0).astype(np.int64)
    dn = np.where(g.random(240) < 0.5, np.rint(np.abs(g.normal(0, 0.0008, 240)) * bc), 0).astype(np.int64)
    bh = np.minimum(np.maximum(bo, bc) + up, h)
    bl = np.maximum(np.minimum(bo, bc) - dn, lo)
    weights = _PROFILE * np.exp(0.5 * g.standard_normal(240))
    lots = g.multinomial(int(hist.volume[j]) // 100, weights / weights.sum()).astype(np.int64)
    lots, theta = _fit_amount(lots, bl, bh, h, lo, int(hist.amount[j]))
    vol = lots * 100
    amount = vol * (bl + theta * (bh - bl)) / 100.0
    return {"open": bo / 100.0, "high": bh / 100.0, "low": bl / 100.0, "close": bc / 100.0,
            "volume": vol.astype(float), "amount": amount}


def to_5m(m: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    r = {k: v.reshape(48, 5) for k, v in m.items()}
    return {"open": r["open"][:, 0], "high": r["high"].max(axis=1), "low": r["low"].min(axis=1),
            "close": r["close"][:, -1], "volume": r["volume"].sum(axis=1),
            "amount": r["amount"].sum(axis=1)}
