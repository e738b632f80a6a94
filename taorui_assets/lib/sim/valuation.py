"""SimMarket's own valuation table: the reference our computed ``valuation`` is checked against.

Deliberately independent of ``lib/valuation.py`` (which works on stored documents): this
reads SimMarket's generators directly (price history, share counts, ``fundamentals.report``
per published version) and forms TTM the other way round, as the sum of four single quarters
(each a year-to-date value minus the previous quarter's), walking quarters backwards from
the day. The definitions are JoinQuant's (see lib/valuation.py), so the two must agree to
rounding; a disagreement means a bug in storage, point in time or units on one side.
"""
from __future__ import annotations

import math
from typing import Iterable, Optional

import pandas as pd

from taorui_assets.lib.sim import fundamentals
from taorui_assets.lib.sim.util import day_index, to_date, ts

QUARTERS_BACK = 12  # how far back the latest known report is looked for


def _quarter_before(year: int, q: int) -> tuple[int, int]:
    return (year, q - 1) if q > 1 else (year - 1, 4)


class _Known:
    """Year-to-date items of one stock as known on one day (latest version published by then)."""

    def __init__(self, market, code: str, day):
        self.m, self.code, self.day = market, code, day
        self._cache: dict[tuple[int, int], Optional[dict]] = {}

    def report(self, year: int, q: int) -> Optional[dict]:
        key = (year, q)
        if key not in self._cache:
            pubs = [p for p in self.m.report_versions(self.code, f"{year}Q{q}") if p <= self.day]
            if not pubs:
                self._cache[key] = None
            else:
                s = self.m.by_code[self.code]
                shares = self.m._shares_at(s, fundamentals.quarter_end(year, q))
                self._cache[key] = fundamentals.report(self.m.seed, self.code, year, q, shares, len(pubs) - 1)
        return self._cache[key]

    def ytd(self, year: int, q: int, statement: str, item: str) -> float:
        r = self.report(year, q)
        return math.nan if r is None else float(r[statement][item])

    def single(self, year: int, q: int, statement: str, item: str) -> float:
        value = self.ytd(year, q, statement, item)
        return value if q == 1 else value - self.ytd(*_quarter_before(year, q), statement, item)

    def latest_quarter(self) -> Optional[tuple[int, int]]:
        d = to_date(self.day)
        year, q = d.year, (d.month - 1) // 3 + 1
        for _ in range(QUARTERS_BACK):
            if self.report(year, q) is not None:
                return year, q
            year, q = _quarter_before(year, q)
        return None

    def ttm(self, statement: str, item: str) -> float:
        last = self.latest_quarter()
        for _ in range(4 if last else 0):
            year, q, total = *last, 0.0
            if q == 4:  # the annual report is itself twelve months (also for a stock listed that year)
                total = self.ytd(year, q, statement, item)
            else:
                for _k in range(4):
                    total += self.single(year, q, statement, item)
                    year, q = _quarter_before(year, q)
            if not math.isnan(total):
                return total
            last = _quarter_before(*last)
        return math.nan

    def mrq(self, statement: str, item: str) -> float:
        last = self.latest_quarter()
        return math.nan if last is None else self.ytd(*last, statement, item)

    def lyr(self, statement: str, item: str) -> float:
        year = to_date(self.day).year
        for y in range(year, year - 4, -1):
            if self.report(y, 4) is not None:
                return self.ytd(y, 4, statement, item)
        return math.nan


def _div(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


def valuation(market, date, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
    """One row per stock traded on ``date`` (suspended stocks have none), canonical units."""
    i, day = day_index(date), to_date(date)
    rows = []
    for s in ([] if i is None else market.listed(date, codes)):
        h, j = market.history(s.code), i - s.start
        if h.paused[j]:
            continue
        close = int(h.close[j]) / 100.0
        total, floating = h.get("total_shares", j), h.get("float_shares", j)
        if total <= 0:
            continue
        cap = close * total
        k = _Known(market, s.code, day)
        rows.append({
            "code": s.code, "date": ts(day), "close": close, "total_shares": total, "float_shares": floating,
            "market_cap": cap, "float_market_cap": close * floating,
            "turnover_ratio": _div(float(h.volume[j]), floating) * 100.0,
            "pe_ttm": _div(cap, k.ttm("income", "net_profit_parent")),
            "pe_lyr": _div(cap, k.lyr("income", "net_profit_parent")),
            "pb": _div(cap, k.mrq("balance", "equity_parent")),
            "ps_ttm": _div(cap, k.ttm("income", "operating_revenue")),
            "pcf_ttm": _div(cap, k.ttm("cash_flow", "net_cash_increase")),
        })
    return pd.DataFrame(rows, columns=["code", "date", "close", "total_shares", "float_shares", "market_cap",
                                       "float_market_cap", "turnover_ratio", "pe_ttm", "pe_lyr", "pb",
                                       "ps_ttm", "pcf_ttm"])
