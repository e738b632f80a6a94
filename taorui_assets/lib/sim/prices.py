"""Whole-history daily arrays of one stock: prices, limits, suspensions, ST, dividends.

Everything is drawn from one generator seeded by (seed, code) with fixed-size draws, so
a stock's history never depends on what else was asked. Prices are integer cents
internally. Simplifications: a new listing's first day moves within the board's
normal limit from its issue price (real IPO first days are unlimited or ±44%); stocks
listed before 2010 start from a synthetic price on 2010-01-04.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from taorui_assets.lib.sim.universe import Stock
from taorui_assets.lib.sim.util import (MONTHS, N_DAYS, YEARS, TAG_HISTORY, TAG_MARKET, code_key, rng)

LIMIT_PCT = {"main": 10, "chinext": 20, "star": 20, "bse": 30}
ST_PCT = 5
BONUS_CHOICES = np.array([0.2, 0.3, 0.4, 0.5, 1.0])


def market_returns(seed: int) -> np.ndarray:
    """The common market factor: one daily return per calendar day (function of seed only)."""
    g = rng(seed, TAG_MARKET)
    vol = 0.011 * np.exp(0.35 * np.sin(np.arange(N_DAYS) / 180.0) + 0.2 * g.standard_normal(N_DAYS))
    return 0.0002 + vol * g.standard_normal(N_DAYS)


def limit_cents(pre: np.ndarray, pct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exchange rounding in integer cents: round_half_up(pre × (1 ± pct/100))."""
    return (pre * (100 + pct) + 50) // 100, (pre * (100 - pct) + 50) // 100


@dataclass
class History:
    """Daily arrays of one stock over [stock.start, stock.end) of the calendar.

    Prices are int32 cents; dividends, factors and share counts are stored per ex-dividend
    event and expanded on demand (``factor``, ``total_shares`` … properties, or ``get``).
    """
    stock: Stock
    pre_close: np.ndarray      # int32 cents
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    high_limit: np.ndarray
    low_limit: np.ndarray
    volume: np.ndarray         # int64 shares, multiple of 100
    amount: np.ndarray         # int64 cents (CNY × 100)
    paused: np.ndarray         # bool
    is_st: np.ndarray          # bool
    star_st: np.ndarray        # bool: '*ST' rather than 'ST'
    ex_pos: np.ndarray         # local positions of ex-dividend days (ascending)
    ex_cash: np.ndarray        # cents of cash dividend per share
    ex_bonus: np.ndarray       # bonus/transfer shares per share
    ex_factor: np.ndarray      # cumulative factor from each ex day on
    ex_mult: np.ndarray        # cumulative share multiplier from each ex day on
    total0: float
    float0: float

    def local(self, i: int) -> int:
        """Position of calendar index ``i`` in these arrays (caller checks listing)."""
        return i - self.stock.start

    def _events_before(self, j):
        return np.searchsorted(self.ex_pos, j, side="right")

    def get(self, name: str, j: int):
        """One value at local position ``j`` (stored arrays and event-derived fields)."""
        if name == "factor":
            k = self._events_before(j)
            return 1.0 if k == 0 else float(self.ex_factor[k - 1])
        if name in ("total_shares", "float_shares"):
            k = self._events_before(j)
            m = 1.0 if k == 0 else float(self.ex_mult[k - 1])
            return float(np.round((self.total0 if name == "total_shares" else self.float0) * m))
        return getattr(self, name)[j]

    def _expand(self, per_event: np.ndarray, first: float) -> np.ndarray:
        k = self._events_before(np.arange(len(self.close)))
        return np.concatenate([[first], per_event])[k]

    @property
    def ex(self) -> np.ndarray:
        out = np.zeros(len(self.close), dtype=bool)
        out[self.ex_pos] = True
        return out

    @property
    def cash(self) -> np.ndarray:
        out = np.zeros(len(self.close), dtype=np.int64)
        out[self.ex_pos] = self.ex_cash
        return out

    @property
    def bonus(self) -> np.ndarray:
        out = np.zeros(len(self.close))
        out[self.ex_pos] = self.ex_bonus
        return out

    @property
    def factor(self) -> np.ndarray:
        return self._expand(self.ex_factor, 1.0)

    @property
    def total_shares(self) -> np.ndarray:
        return np.round(self.total0 * self._expand(self.ex_mult, 1.0))

    @property
    def float_shares(self) -> np.ndarray:
        return np.round(self.float0 * self._expand(self.ex_mult, 1.0))


def _spells(g, n, count, lo_len, hi_len, first=1):
    mask = np.zeros(n, dtype=bool)
    starts = g.integers(first, max(first + 1, n), size=count)
    lens = g.integers(lo_len, hi_len + 1, size=count)
    for s, ln in zip(starts, lens):
        mask[s:s + ln] = True
    return mask


def build_history(seed: int, st: Stock, mkt: np.ndarray) -> History:
    g = rng(seed, TAG_HISTORY, *code_key(st.code))
    n = st.end - st.start
    idx = np.arange(st.start, st.end)
    # --- per-stock parameters (fixed number of draws) ---
    vol = g.uniform(0.014, 0.032) * (1.25 if st.board in ("chinext", "star", "bse") else 1.0)
    beta = g.uniform(0.6, 1.4)
    p0 = float(np.clip(math.exp(g.normal(math.log(14.0), 0.7)), 3.0, 180.0))
    growth = g.normal(0.0002, 0.0002)
    total0 = float(round(math.exp(g.normal(math.log(8e8), 1.0)) / 1e4) * 1e4)
    total0 = min(max(total0, 4e7), 3e10)
    float_ratio = g.uniform(0.25, 1.0)
    base_turn = math.exp(g.normal(math.log(0.012), 0.5))
    st_spell = g.random() < 0.10
    st_start, st_len, st_star = g.integers(0, max(1, n)), g.integers(60, 400), g.random() < 0.5
    n_div_draws = 17
    div_take = g.random(n_div_draws) < 0.8
    div_day = g.integers(0, 10_000, size=n_div_draws)
    div_yield = g.uniform(0.003, 0.03, size=n_div_draws)
    div_bonus = np.where(g.random(n_div_draws) < 0.15,
                         BONUS_CHOICES[g.integers(0, len(BONUS_CHOICES), size=n_div_draws)], 0.0)
    n_susp = int(g.poisson(n * 0.01 / 5.5))
    # --- per-day draws ---
    idio = vol * g.standard_t(4, size=n) / math.sqrt(2.0)
    jumps = np.where(g.random(n) < 0.012, g.choice([-1.0, 1.0], size=n) * g.uniform(0.06, 0.2, size=n), 0.0)
    gap = g.normal(0.0, 0.3 * vol, size=n)
    up_w = np.abs(g.normal(0.0, 0.5 * vol, size=n))
    dn_w = np.abs(g.normal(0.0, 0.5 * vol, size=n))
    one_price = g.random(n) < 0.25
    turn_noise = np.exp(0.45 * g.standard_normal(n))
    vwap_pos = g.uniform(0.3, 0.7, size=n)
    susp = _spells(g, n, n_susp, 1, 10)

    # --- ST: main board only; delisting main-board stocks are *ST for their last months ---
    is_st = np.zeros(n, dtype=bool)
    star = np.zeros(n, dtype=bool)
    if st.board == "main":
        if st_spell:
            is_st[st_start:st_start + st_len] = True
            star[st_start:st_start + st_len] = st_star
        if st.delist_date is not None:
            is_st[max(0, n - 120):] = True
            star[max(0, n - 120):] = True
    # --- ex-dividend days: one in Jun–Jul of most years, plus scheduled interim ones ---
    ex = np.zeros(n, dtype=bool)
    yld = np.zeros(n)
    bonus = np.zeros(n)
    years, months = YEARS[st.start:st.end], MONTHS[st.start:st.end]
    for k, year in enumerate(range(2010, 2027)):
        cand = np.flatnonzero((years == year) & ((months == 6) | (months == 7)))
        cand = cand[cand >= 120]  # listed for about half a year first
        if div_take[k] and len(cand):
            j = cand[div_day[k] % len(cand)]
            ex[j], yld[j], bonus[j] = True, div_yield[k], div_bonus[k]
    for i in st.extra_ex:
        j = i - st.start
        if 0 < j < n:
            ex[j], yld[j], bonus[j] = True, 0.004, 0.0
    susp[ex] = False
    if n:
        susp[0] = False

    # --- sequential price walk in cents ---
    k_main = LIMIT_PCT[st.board]
    pct = np.where(is_st, ST_PCT, k_main).astype(np.int64)
    rets = (beta * mkt[st.start:st.end] + idio + jumps).tolist()
    anchor = (math.log(p0 * 100) + growth * np.arange(n)).tolist()
    pct_l, ex_l, yld_l = pct.tolist(), ex.tolist(), yld.tolist()
    bonus_l, susp_l = bonus.tolist(), susp.tolist()
    pre_l, close_l, cash_l = [0] * n, [0] * n, [0] * n
    prev = int(round(p0 * 100))
    log = math.log
    for i in range(n):
        if ex_l[i]:
            c = max(1, int(prev * yld_l[i] + 0.5))
            pre = max(1, int((prev - c) / (1.0 + bonus_l[i]) + 0.5))
            cash_l[i] = c
        else:
            pre = prev
        k = pct_l[i]
        if susp_l[i]:
            c = pre
        else:
            c = int(pre * (1.0 + rets[i] - 0.004 * (log(pre) - anchor[i])) + 0.5)
            hi = (pre * (100 + k) + 50) // 100
            lo = (pre * (100 - k) + 50) // 100
            if c > hi:
                c = hi
            elif c < lo:
                c = lo
            if c < 1:
                c = 1
        pre_l[i] = pre
        close_l[i] = c
        prev = c
    pre = np.array(pre_l, dtype=np.int64)
    close = np.array(close_l, dtype=np.int64)
    cash = np.array(cash_l, dtype=np.int64)
    hi, lo = limit_cents(pre, pct)
    lo = np.maximum(lo, 1)

    # --- open / high / low ---
    r = close / pre - 1.0
    opn = np.clip(np.rint(pre * (1.0 + 0.3 * r + gap)).astype(np.int64), lo, hi)
    mx, mn = np.maximum(opn, close), np.minimum(opn, close)
    high = np.minimum(mx + np.rint(mx * up_w).astype(np.int64), hi)
    low = np.maximum(mn - np.rint(mn * dn_w).astype(np.int64), lo)
    locked = one_price & ((close == hi) | (close == lo))
    for arr in (opn, high, low):
        arr[locked] = close[locked]
    for arr in (opn, high, low):
        arr[susp] = pre[susp]

    # --- shares, factor (per ex event; cumprod over events equals the daily cumprod) ---
    pos = np.flatnonzero(ex)
    mult = np.cumprod(1.0 + bonus[pos])
    daily_mult = np.concatenate([[1.0], mult])[np.searchsorted(pos, np.arange(n), "right")]
    flt = np.round(total0 * float_ratio * daily_mult)
    prev_close = close[pos - 1]
    ex_factor = np.cumprod(prev_close / np.maximum(pre[pos], 1))

    # --- volume and amount (amount = volume × a vwap inside [low, high], exact cents) ---
    turn = base_turn * turn_noise * (1.0 + 8.0 * np.abs(r))
    turn[locked] *= 0.2
    lots = np.maximum(1, np.rint(turn * flt / 100.0)).astype(np.int64)
    volume = np.where(susp, 0, lots * 100)
    vwap = low + (high - low) * vwap_pos
    amount = np.clip(np.rint(volume * vwap).astype(np.int64), volume * low, volume * high)

    i32 = np.int32
    return History(stock=st, pre_close=pre.astype(i32), open=opn.astype(i32), high=high.astype(i32),
                   low=low.astype(i32), close=close.astype(i32), high_limit=hi.astype(i32),
                   low_limit=lo.astype(i32), volume=volume, amount=amount, paused=susp,
                   is_st=is_st, star_st=star, ex_pos=pos, ex_cash=cash[pos], ex_bonus=bonus[pos],
                   ex_factor=ex_factor, ex_mult=mult, total0=total0, float0=total0 * float_ratio)
