"""The simulated universe: which stocks exist, their boards, names, list and delist dates.

Deterministic from (seed, n_stocks). Per-stock behaviour (prices, ST spells, dividends,
suspensions) is drawn later from a per-code generator, see ``prices``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

import numpy as np

from taorui_assets.lib import calendar
from taorui_assets.lib.sim.util import (DAYS, N_DAYS, TAG_UNIVERSE, index_on_or_after, rng)

# (exchange, board, share of the universe) — roughly the real A-share mix.
BOARD_MIX = [("SH", "main", 0.31), ("SH", "star", 0.11), ("SZ", "main", 0.28),
             ("SZ", "chinext", 0.25), ("BJ", "bse", 0.05)]
MIN_PER_BOARD = 4

# Tracked indexes: code, name, list (base publication) date.
INDEXES = [
    ("000001.SH", "上证指数", dt.date(1991, 7, 15)),
    ("000300.SH", "沪深300", dt.date(2005, 4, 8)),
    ("000905.SH", "中证500", dt.date(2007, 1, 15)),
    ("399001.SZ", "深证成指", dt.date(1991, 4, 3)),
    ("399006.SZ", "创业板指", dt.date(2010, 6, 1)),
    ("899050.BJ", "北证50", dt.date(2022, 11, 21)),
]

_FIRST = list("华中天金海东新长恒宏国通万泰鑫永瑞安联明光大荣盛凯嘉德信富顺远兴隆")
_SECOND = list("科达源泰创力能宇航峰成川阳丰益弘星新华润亿腾晨")
_SUFFIX = ["科技", "股份", "电子", "药业", "能源", "化工", "实业", "环保", "传媒", "智能",
           "材料", "电气", "控股", "集团", "机械", "生物", "食品", "汽车", "通信", "建设"]

# Board earliest listing dates (the board's opening day).
_BOARD_START = {"main": dt.date(1995, 1, 3), "chinext": dt.date(2009, 10, 30),
                "star": dt.date(2019, 7, 22), "bse": dt.date(2021, 11, 15)}
LAST_LIST_DATE = dt.date(2026, 11, 24)
# Special dates that the demo window (the week ending 2026-11-24) relies on.
RECENT_LISTINGS = [dt.date(2026, 10, 15), dt.date(2026, 11, 5), dt.date(2026, 11, 20)]
NOV_DELISTINGS = [dt.date(2026, 11, 12), dt.date(2026, 11, 27)]
NOV_DIVIDEND_WINDOW = calendar.last_trading_days(dt.date(2026, 11, 24), 5)


@dataclass(frozen=True)
class Stock:
    uid: int                 # position in the universe (sorted by code)
    code: str
    name: str
    exchange: str
    board: str
    list_date: dt.date
    delist_date: Optional[dt.date]
    start: int               # first index into DAYS with a bar
    end: int                 # one past the last index with a bar
    extra_ex: tuple[int, ...] = ()  # interim ex-dividend day indices (besides the annual one)

    def listed_at(self, i: int) -> bool:
        return self.start <= i < self.end


def _board_counts(n: int) -> list[int]:
    counts = [max(MIN_PER_BOARD if n >= 5 * MIN_PER_BOARD else 1, int(round(n * w)))
              for _e, _b, w in BOARD_MIX]
    counts[0] += n - sum(counts)  # SH main absorbs the rounding
    return counts


def _uniform_date(g: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    d = lo + dt.timedelta(days=int(g.integers(0, (hi - lo).days + 1)))
    if d.year >= 2010:
        i = index_on_or_after(d)
        return DAYS[min(i, N_DAYS - 1)]
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


def _list_date(g: np.random.Generator, board: str) -> dt.date:
    if board == "main":
        era = g.choice(3, p=[0.5, 0.3, 0.2])
        lo, hi = [(dt.date(1995, 1, 3), dt.date(2009, 12, 31)),
                  (dt.date(2010, 1, 4), dt.date(2019, 12, 31)),
                  (dt.date(2020, 1, 2), LAST_LIST_DATE)][era]
        return _uniform_date(g, lo, hi)
    return _uniform_date(g, _BOARD_START[board], LAST_LIST_DATE)


def _prefix(g: np.random.Generator, exchange: str, board: str, d: dt.date) -> str:
    y = d.year
    if board == "star":
        return "688"
    if board == "chinext":
        return "300" if d < dt.date(2020, 8, 24) else str(g.choice(["300", "301"]))
    if board == "bse":
        return "920" if d >= dt.date(2024, 10, 1) else str(g.choice(["430", "83", "87"]))
    if exchange == "SH":
        if y < 2006:
            return "600"
        if y < 2011:
            return str(g.choice(["600", "601"]))
        if y < 2020:
            return str(g.choice(["601", "603"]))
        return str(g.choice(["603", "605", "601"]))
    if y < 2004:
        return "000"
    if y < 2020:
        return str(g.choice(["002", "002", "000"]))
    return str(g.choice(["001", "002", "003"]))


def build_universe(seed: int, n_stocks: int) -> list[Stock]:
    if n_stocks < 1:
        raise ValueError("n_stocks must be >= 1")
    g = rng(seed, TAG_UNIVERSE, n_stocks)
    boards: list[tuple[str, str]] = []
    for (ex, b, _w), k in zip(BOARD_MIX, _board_counts(n_stocks)):
        boards += [(ex, b)] * k
    boards = boards[:n_stocks]
    lists = [_list_date(g, b) for _e, b in boards]
    delists: list[Optional[dt.date]] = [None] * n_stocks
    extra_ex: list[tuple[int, ...]] = [()] * n_stocks

    # A few delistings among older stocks (≈2.5%), then the special November 2026 ones.
    old = [i for i in range(n_stocks) if lists[i] < dt.date(2018, 1, 1)]
    for i in old:
        if g.random() < 0.025:
            lo = max(lists[i] + dt.timedelta(days=3 * 365), dt.date(2012, 1, 4))
            delists[i] = _uniform_date(g, lo, dt.date(2026, 10, 30))
    main_old = [i for i in old if boards[i][1] == "main" and delists[i] is None]
    picks = [int(x) for x in g.permutation(main_old)[:len(NOV_DELISTINGS)]]
    for i, d in zip(picks, NOV_DELISTINGS):
        delists[i] = d
    # Recent listings, one per board among STAR, ChiNext and SH main.
    for want, d in zip(["star", "chinext", "main"], RECENT_LISTINGS):
        cands = [i for i in range(n_stocks) if boards[i][1] == want and delists[i] is None
                 and lists[i] < d and lists[i] not in RECENT_LISTINGS]
        if cands:
            lists[int(cands[int(g.integers(len(cands)))])] = d
    # Interim dividends in November 2026, some inside the 5-day window ending 2026-11-24.
    eligible = [i for i in range(n_stocks) if delists[i] is None and lists[i] < dt.date(2025, 1, 1)]
    n_div = min(len(eligible), max(3, n_stocks // 60))
    nov_days = calendar.trading_days(dt.date(2026, 11, 2), dt.date(2026, 11, 30))
    for k, i in enumerate(g.permutation(eligible)[:n_div]):
        d = NOV_DIVIDEND_WINDOW[k % 5] if k < 5 else nov_days[int(g.integers(len(nov_days)))]
        extra_ex[int(i)] = (index_on_or_after(d),)

    codes: list[str] = []
    seen: set[str] = set()
    for (ex, b), d in zip(boards, lists):
        while True:
            p = _prefix(g, ex, b, d)
            code = f"{p}{int(g.integers(0, 10 ** (6 - len(p)))):0{6 - len(p)}d}.{ex}"
            if code not in seen and not code.startswith(("000001.SH", "399", "899")):
                break
        seen.add(code)
        codes.append(code)
    names: list[str] = []
    used: set[str] = set()
    for _ in range(n_stocks):
        while True:
            nm = str(g.choice(_FIRST)) + str(g.choice(_SECOND)) + str(g.choice(_SUFFIX))
            if nm not in used:
                break
        used.add(nm)
        names.append(nm)

    order = sorted(range(n_stocks), key=lambda i: codes[i])
    out = []
    for uid, i in enumerate(order):
        start = index_on_or_after(lists[i])
        end = index_on_or_after(delists[i]) if delists[i] else N_DAYS
        out.append(Stock(uid=uid, code=codes[i], name=names[i], exchange=boards[i][0],
                         board=boards[i][1], list_date=lists[i], delist_date=delists[i],
                         start=start, end=end, extra_ex=extra_ex[i]))
    return out
