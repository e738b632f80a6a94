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
# Calendar indices of each year's June and July trading days (annual ex-dividend candidates).
_JUN_JUL = {int(y): np.flatnonzero((YEARS == y) & ((MONTHS == 6) | (MONTHS == 7))) for y in np.unique(YEARS)}
_NONE = np.array([], dtype=np.int64)


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


def _draw(seed: int, st: Stock, mkt: np.ndarray) -> dict:
    """Every draw of one stock and the inputs of its price walk (a fixed number of draws)."""
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
    for k, year in enumerate(range(2010, 2027)):
        cand = _JUN_JUL.get(year, _NONE) - st.start  # local positions of the year's Jun–Jul days
        cand = cand[(cand >= 120) & (cand < n)]  # listed for about half a year first
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

    # --- inputs of the sequential price walk in cents ---
    k_main = LIMIT_PCT[st.board]
    pct = np.where(is_st, ST_PCT, k_main).astype(np.int64)
    rets = beta * mkt[st.start:st.end] + idio + jumps
    anchor = math.log(p0 * 100) + growth * np.arange(n)
    return dict(st=st, n=n, p0=p0, total0=total0, float_ratio=float_ratio, base_turn=base_turn,
                gap=gap, up_w=up_w, dn_w=dn_w, one_price=one_price, turn_noise=turn_noise,
                vwap_pos=vwap_pos, susp=susp, is_st=is_st, star=star, ex=ex, yld=yld, bonus=bonus,
                pct=pct, rets=rets, anchor=anchor)


def _walk(draws: list[dict]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The price walks of several stocks at once: (pre_close, close, cash) in cents each.

    The walk is sequential in time (a day starts from the previous close), so it loops over
    days, but each step is one array operation over the stocks: a full market of 5,000
    stocks × 4,000 days takes seconds rather than a minute of per-stock Python loops.
    Stocks are aligned on their own first day; the arithmetic is that of the scalar walk
    (round half up as trunc(x + 0.5) on positive values; clipping to [lo, hi] with lo ≥ 0
    makes trunc and floor agree below it)."""
    b, width = len(draws), max((d["n"] for d in draws), default=0)

    def pad(name, dtype, fill):
        out = np.full((width, b), fill, dtype=dtype)  # day-major: each step reads one row
        for k, d in enumerate(draws):
            out[:d["n"], k] = d[name]
        return out

    ex, yld, bonus, susp = pad("ex", bool, False), pad("yld", float, 0.0), pad("bonus", float, 0.0), pad("susp", bool, False)
    pct, rets, anchor = pad("pct", np.int64, 10), pad("rets", float, 0.0), pad("anchor", float, 0.0)
    pre_out = np.empty((width, b), dtype=np.int64)
    close_out = np.empty((width, b), dtype=np.int64)
    cash_out = np.zeros((width, b), dtype=np.int64)
    prev = np.array([int(round(d["p0"] * 100)) for d in draws], dtype=np.int64)
    for i in range(width):
        pre = prev
        e = ex[i]
        if e.any():
            c = np.maximum(1, np.trunc(prev * yld[i] + 0.5).astype(np.int64))
            p = np.maximum(1, np.trunc((prev - c) / (1.0 + bonus[i]) + 0.5).astype(np.int64))
            pre = np.where(e, p, prev)
            cash_out[i] = np.where(e, c, 0)
        k = pct[i]
        c = np.trunc(pre * (1.0 + rets[i] - 0.004 * (np.log(pre) - anchor[i])) + 0.5).astype(np.int64)
        c = np.maximum(np.clip(c, (pre * (100 - k) + 50) // 100, (pre * (100 + k) + 50) // 100), 1)
        s = susp[i]
        if s.any():
            c = np.where(s, pre, c)
        pre_out[i] = pre
        close_out[i] = c
        prev = c
    return [(pre_out[:d["n"], k].copy(), close_out[:d["n"], k].copy(), cash_out[:d["n"], k].copy())
            for k, d in enumerate(draws)]


def build_history(seed: int, st: Stock, mkt: np.ndarray) -> History:
    return build_histories(seed, [st], mkt)[0]


def build_histories(seed: int, stocks: list[Stock], mkt: np.ndarray, batch: int = 1000) -> list[History]:
    """The histories of ``stocks``, each exactly what ``build_history`` gives alone."""
    out = []
    for s in range(0, len(stocks), batch):
        draws = [_draw(seed, st, mkt) for st in stocks[s:s + batch]]
        out += [_finish(d, *w) for d, w in zip(draws, _walk(draws))]
    return out


def _finish(d: dict, pre: np.ndarray, close: np.ndarray, cash: np.ndarray) -> History:
    st, n, pct, susp = d["st"], d["n"], d["pct"], d["susp"]
    ex, bonus, total0, float_ratio = d["ex"], d["bonus"], d["total0"], d["float_ratio"]
    gap, up_w, dn_w, one_price = d["gap"], d["up_w"], d["dn_w"], d["one_price"]
    base_turn, turn_noise, vwap_pos = d["base_turn"], d["turn_noise"], d["vwap_pos"]
    is_st, star = d["is_st"], d["star"]
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
