"""SimMarket's securities beyond stocks: indexes, ETFs, LOFs and convertible bonds.

Deterministic from (seed, the stock universe). Each security is a ``Stock`` record whose
``board`` is its type, with a whole-history ``History`` like a stock's, so the minute bars,
factors and accessors of SimMarket serve them unchanged. Differences from stocks:

* prices are integer units of the type's tick: 0.01 points for indexes, 0.001 yuan for
  funds and bonds (``UNIT``); ``SecurityHistory.unit`` says which;
* limits follow ``codes.limit_prices`` (none for indexes; ±10% funds; convertible bonds
  none before 2022-08-01, then ±20%, and +57.3%/−43.3% of the issue price on the listing
  day); no limit is stored as -1 and read as NaN;
* an index's amount is the CNY turnover of its constituents, not volume × points:
  ``amount_mult`` scales the volume × points amount the minute generator distributes;
* ETFs split (份额拆分) and distribute cash now and then, so they have factors; indexes and
  bonds keep factor 1; none of them is suspended (simplification) or ST.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Optional

import numpy as np

from taorui_assets.lib import codes as C
from taorui_assets.lib.sim.prices import History
from taorui_assets.lib.sim.universe import INDEXES, Stock
from taorui_assets.lib.sim.util import DAYS, N_DAYS, YEARS, code_key, index_on_or_after, rng

TAG_SECURITIES, TAG_SECURITY_HISTORY = 21, 22  # seed streams (lib/sim/util.py tags stop below 20)

# Indexes followed besides the weighted ones of ``universe.INDEXES`` (no stored weights).
EXTRA_INDEXES = [
    ("000016.SH", "上证50", dt.date(2004, 1, 2)),
    ("000688.SH", "科创50", dt.date(2020, 7, 23)),
    ("000852.SH", "中证1000", dt.date(2014, 10, 17)),
]
ALL_INDEXES = sorted(INDEXES + EXTRA_INDEXES)
# Level on 2010-01-04 (or the base date), roughly the real one.
INDEX_LEVEL = {"000001.SH": 3240, "000300.SH": 3530, "000905.SH": 4800, "000852.SH": 5800,
               "000016.SH": 2500, "000688.SH": 1000, "399001.SZ": 13600, "399006.SZ": 1000,
               "899050.BJ": 1000}
UNIT = {C.INDEX: 100, C.ETF: 1000, C.LOF: 1000, C.CONBOND: 1000}
CONBOND_ISSUE_PRICE = 100.0
CONBOND_TERM_YEARS = 6
# A convertible bond listing in the demo week, so its first-day rule is exercised.
DEMO_CONBOND_LISTING = dt.date(2026, 11, 20)

_THEMES = ["沪深300", "中证500", "中证1000", "上证50", "创业板", "科创50", "红利", "医药", "证券",
           "银行", "半导体", "新能源", "军工", "消费", "恒生", "纳指", "黄金", "有色", "煤炭", "光伏",
           "芯片", "传媒", "游戏", "通信", "酒", "家电", "农业", "基建", "地产", "钢铁"]
_MANAGERS = ["华夏", "易方达", "南方", "嘉实", "广发", "华泰柏瑞", "富国", "国泰", "招商", "博时"]


def counts(n_stocks: int) -> dict[str, int]:
    """How many ETFs, LOFs and convertible bonds a universe of ``n_stocks`` holds
    (roughly the real proportions: ~1,000 ETFs, ~300 LOFs, ~500 bonds for ~5,300 stocks)."""
    return {C.ETF: max(4, n_stocks // 12), C.LOF: max(2, n_stocks // 30), C.CONBOND: max(4, n_stocks // 12)}


@dataclasses.dataclass
class SecurityHistory(History):
    unit: int = 100
    amount_mult: Optional[np.ndarray] = None  # indexes: CNY turnover per (volume × points)


def _trading_day(g: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    a, b = index_on_or_after(lo), min(index_on_or_after(hi), N_DAYS - 1)
    return DAYS[int(g.integers(a, max(a + 1, b)))]


def _record(code: str, name: str, board: str, list_date: dt.date, delist: Optional[dt.date]) -> Stock:
    start = index_on_or_after(max(list_date, DAYS[0]))
    end = index_on_or_after(delist) if delist else N_DAYS
    return Stock(uid=-1, code=code, name=name, exchange=code[-2:], board=board, list_date=list_date,
                 delist_date=delist, start=start, end=end)


def build_securities(seed: int, stocks: list[Stock]) -> list[Stock]:
    """Indexes, ETFs, LOFs and convertible bonds, sorted by code."""
    g = rng(seed, TAG_SECURITIES, len(stocks))
    n = counts(len(stocks))
    out = [_record(code, name, C.INDEX, d, None) for code, name, d in ALL_INDEXES]
    seen = {s.code for s in stocks} | {s.code for s in out}

    def fresh(prefix: str, exchange: str) -> str:
        while True:
            code = f"{prefix}{int(g.integers(0, 10 ** (6 - len(prefix)))):0{6 - len(prefix)}d}.{exchange}"
            if code not in seen:
                seen.add(code)
                return code

    for k in range(n[C.ETF]):
        sh = g.random() < 0.6
        code = fresh(str(g.choice(["510", "512", "515", "516", "560"])) if sh else "159", "SH" if sh else "SZ")
        name = f"{_THEMES[k % len(_THEMES)]}ETF{_MANAGERS[int(g.integers(len(_MANAGERS)))]}"
        out.append(_record(code, name, C.ETF, _trading_day(g, dt.date(2006, 1, 4), dt.date(2026, 10, 30)), None))
    for k in range(n[C.LOF]):
        sh = g.random() < 0.4
        code = fresh("501" if sh else f"16{int(g.integers(0, 10))}", "SH" if sh else "SZ")
        name = f"{_MANAGERS[int(g.integers(len(_MANAGERS)))]}{_THEMES[(k * 7) % len(_THEMES)]}LOF"
        out.append(_record(code, name, C.LOF, _trading_day(g, dt.date(2008, 1, 2), dt.date(2026, 10, 30)), None))
    # Convertible bonds of SH/SZ stocks listed at least a year before the bond.
    issuers = [s for s in stocks if s.exchange in ("SH", "SZ") and s.list_date < dt.date(2025, 1, 1)
               and s.delist_date is None]
    picks = g.permutation(len(issuers))[:n[C.CONBOND]] if issuers else []
    for k, p in enumerate(picks):
        s = issuers[int(p)]
        if s.exchange == "SH":
            prefix = "118" if s.board == C.STAR else str(g.choice(["110", "111", "113"]))
        else:
            prefix = "123" if s.board == C.CHINEXT else str(g.choice(["127", "128"]))
        lo = max(s.list_date + dt.timedelta(days=365), dt.date(2017, 1, 3))
        listed = DEMO_CONBOND_LISTING if k == 0 else _trading_day(g, lo, dt.date(2026, 11, 2))
        early = g.random() < 0.35  # redeemed (强赎) or converted early
        end = listed + dt.timedelta(days=int(365 * (g.uniform(1.2, 4.5) if early else CONBOND_TERM_YEARS)))
        delist = _trading_day(g, end, end + dt.timedelta(days=10)) if end < DAYS[-1] else None
        out.append(_record(fresh(prefix, s.exchange), s.name[:2] + "转债", C.CONBOND, listed, delist))
    return sorted(out, key=lambda s: s.code)


def build_security_history(seed: int, sec: Stock, mkt: np.ndarray) -> SecurityHistory:
    g = rng(seed, TAG_SECURITY_HISTORY, *code_key(sec.code))
    n = sec.end - sec.start
    kind, unit = sec.board, UNIT[sec.board]
    # --- per-security parameters and per-day draws (fixed number of draws) ---
    beta = {C.INDEX: 1.0, C.ETF: 0.95, C.LOF: 0.9, C.CONBOND: 0.45}[kind] * g.uniform(0.85, 1.15)
    vol = {C.INDEX: 0.004, C.ETF: 0.006, C.LOF: 0.008, C.CONBOND: 0.012}[kind] * g.uniform(0.7, 1.3)
    if kind == C.INDEX:
        p0 = INDEX_LEVEL[sec.code] * (1.0 if sec.list_date <= DAYS[0] else 1.0)
    elif kind == C.CONBOND:
        p0 = CONBOND_ISSUE_PRICE
    else:
        p0 = float(np.clip(math.exp(g.normal(math.log(2.0), 0.6)), 0.5, 9.0))
    base_lots = math.exp(g.normal(math.log({C.INDEX: 8e7, C.ETF: 2e5, C.LOF: 2e3, C.CONBOND: 3e3}[kind]), 0.6))
    split_year = g.random(17) < (0.04 if kind == C.ETF else 0.0)
    cash_year = g.random(17) < {C.ETF: 0.12, C.LOF: 0.3}.get(kind, 0.0)
    split_ratio = g.choice([1.0, 2.0, 3.0], size=17)
    cash_yield = g.uniform(0.005, 0.03, size=17)
    day_pick = g.integers(0, 10_000, size=17)
    idio = vol * g.standard_normal(n)
    gap = g.normal(0.0, 0.3 * vol, size=n)
    up_w = np.abs(g.normal(0.0, 0.5 * vol, size=n))
    dn_w = np.abs(g.normal(0.0, 0.5 * vol, size=n))
    turn_noise = np.exp(0.4 * g.standard_normal(n))
    vwap_pos = g.uniform(0.3, 0.7, size=n)
    cny_per_share = g.uniform(8.0, 20.0, size=n)

    # --- ex days (ETF splits in any month; cash distributions in Jan or Dec) ---
    ex = np.zeros(n, dtype=bool)
    yld = np.zeros(n)
    bonus = np.zeros(n)
    years = YEARS[sec.start:sec.end]
    for k, year in enumerate(range(2010, 2027)):
        cand = np.flatnonzero(years == year)
        cand = cand[cand >= 60]
        if not len(cand):
            continue
        if split_year[k]:
            j = cand[day_pick[k] % len(cand)]
            ex[j], bonus[j] = True, split_ratio[k]
        elif cash_year[k]:
            j = cand[(day_pick[k] * 7) % len(cand)]
            ex[j], yld[j] = True, cash_yield[k]

    # --- limits in per-mille of pre_close, per day (-1: no limit) ---
    days = DAYS[sec.start:sec.end]
    up = np.full(n, -1, dtype=np.int64)
    dn = np.full(n, -1, dtype=np.int64)
    if kind in (C.ETF, C.LOF):
        up[:], dn[:] = 100, 100
    elif kind == C.CONBOND:
        ruled = np.array([d >= C.CONBOND_LIMIT_SINCE for d in days], dtype=bool)
        up[ruled], dn[ruled] = 200, 200
        if n and sec.list_date >= DAYS[0] and days[0] == sec.list_date and ruled[0]:
            up[0], dn[0] = 573, 433

    # --- sequential walk in integer units ---
    rets = (beta * mkt[sec.start:sec.end] + idio).tolist()
    prev = int(round(p0 * unit))
    pre_l, close_l, cash_l = [0] * n, [0] * n, [0] * n
    up_l, dn_l, ex_l, yld_l, bonus_l = up.tolist(), dn.tolist(), ex.tolist(), yld.tolist(), bonus.tolist()
    anchor = math.log((115.0 if kind == C.CONBOND else p0) * unit)
    for i in range(n):
        pre = prev
        if ex_l[i]:
            c = max(1, int(prev * yld_l[i] + 0.5))
            pre = max(1, int((prev - c) / (1.0 + bonus_l[i]) + 0.5))
            cash_l[i] = c
            if bonus_l[i]:
                anchor -= math.log(1.0 + bonus_l[i])
        # funds revert to their level; bonds to ~115 yuan (the bond floor keeps them near par)
        drift = 0.0 if kind == C.INDEX else -(0.01 if kind == C.CONBOND else 0.002) * (math.log(pre) - anchor)
        c = int(pre * (1.0 + rets[i] + drift) + 0.5)
        if up_l[i] >= 0:
            c = min(c, (pre * (1000 + up_l[i]) + 500) // 1000)
            c = max(c, (pre * (1000 - dn_l[i]) + 500) // 1000)
        pre_l[i], close_l[i], prev = pre, max(c, 1), max(c, 1)
    pre = np.array(pre_l, dtype=np.int64)
    close = np.array(close_l, dtype=np.int64)
    limited = up >= 0
    hi = np.where(limited, (pre * (1000 + up) + 500) // 1000, -1)
    lo = np.where(limited, np.maximum((pre * (1000 - dn) + 500) // 1000, 1), -1)
    cap_hi = np.where(limited, hi, np.iinfo(np.int64).max)
    cap_lo = np.where(limited, lo, 1)

    # --- open / high / low inside the limits ---
    r = close / pre - 1.0
    opn = np.clip(np.rint(pre * (1.0 + 0.3 * r + gap)).astype(np.int64), cap_lo, cap_hi)
    mx, mn = np.maximum(opn, close), np.minimum(opn, close)
    high = np.minimum(mx + np.rint(mx * up_w).astype(np.int64), cap_hi)
    low = np.maximum(np.maximum(mn - np.rint(mn * dn_w).astype(np.int64), cap_lo), 1)

    # --- factors and units outstanding (splits multiply the units) ---
    pos = np.flatnonzero(ex)
    mult = np.cumprod(1.0 + bonus[pos])
    ex_factor = np.cumprod(close[pos - 1] / np.maximum(pre[pos], 1)) if len(pos) else np.array([])

    # --- volume (lots of 100) and amount = volume × a vwap inside [low, high] ---
    lots = np.maximum(1, np.rint(base_lots * turn_noise * (1.0 + 6.0 * np.abs(r)))).astype(np.int64)
    volume = lots * 100
    vwap = low + (high - low) * vwap_pos
    amount = np.clip(np.rint(volume * vwap).astype(np.int64), volume * low, volume * high)
    amount_mult = None
    if kind == C.INDEX:  # turnover in CNY of the constituents ≈ volume × a share price
        amount_mult = (volume * cny_per_share) / (amount / unit)

    none = np.zeros(n, dtype=bool)
    return SecurityHistory(
        stock=sec, pre_close=pre, open=opn, high=high, low=low, close=close, high_limit=hi,
        low_limit=lo, volume=volume, amount=amount, paused=none, is_st=none, star_st=none,
        ex_pos=pos, ex_cash=np.array(cash_l, dtype=np.int64)[pos], ex_bonus=bonus[pos],
        ex_factor=ex_factor, ex_mult=mult, total0=0.0, float0=0.0, unit=unit, amount_mult=amount_mult)


def is_security(hist: History) -> bool:
    return isinstance(hist, SecurityHistory)


def daily_frame(market, i: int, secs: list[Stock]) -> "pd.DataFrame":
    """Daily bars of ``secs`` on calendar index ``i`` (SimMarket.daily_bars' columns)."""
    import pandas as pd

    rows = []
    for s in secs:
        h, j = market.history(s.code), i - s.start
        u = h.unit
        amount = h.amount[j] / u * (h.amount_mult[j] if h.amount_mult is not None else 1.0)
        hi, lo = int(h.high_limit[j]), int(h.low_limit[j])
        rows.append((s.code, DAYS[i], h.open[j] / u, h.high[j] / u, h.low[j] / u, h.close[j] / u,
                     float(h.volume[j]), float(amount), h.pre_close[j] / u,
                     hi / u if hi > 0 else np.nan, lo / u if lo > 0 else np.nan, False))
    df = pd.DataFrame(rows, columns=["code", "date", "open", "high", "low", "close", "volume", "amount",
                                     "pre_close", "high_limit", "low_limit", "paused"])
    df["date"] = pd.Timestamp(DAYS[i])
    return df


def scaled(m: dict, hist: History, i: int) -> dict:
    """``minutes.minute_arrays`` counts in cents; rescale a security's bars to its unit."""
    if not isinstance(hist, SecurityHistory):
        return m
    k = 100.0 / hist.unit
    # back to integer units first, so a minute price equals the daily one bit for bit
    out = {f: np.rint(m[f] * 100.0) / hist.unit for f in ("open", "high", "low", "close")}
    out["volume"] = m["volume"]
    out["amount"] = m["amount"] * k
    if hist.amount_mult is not None:
        out["amount"] = out["amount"] * hist.amount_mult[hist.local(i)]
    return out
