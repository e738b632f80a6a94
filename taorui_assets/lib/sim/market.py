"""SimMarket: a deterministic simulated A-share market, the ground truth of demo and tests.

Every value is a pure function of (seed, code, date) for a given (seed, n_stocks):
per-code whole-history arrays over the fixed 2010–2026 calendar are built lazily and
cached, and cross-sectional datasets only combine per-code values of the date asked.
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Iterable, Optional, Sequence

import numpy as np
import pandas as pd

from taorui_assets.lib import calendar, sessions
from taorui_assets.lib.sim import cache, minutes, securities
from taorui_assets.lib.sim.derived import DerivedMixin
from taorui_assets.lib.sim.holders import HoldersMixin
from taorui_assets.lib.sim.prices import History, build_histories, market_returns
from taorui_assets.lib.sim.universe import Stock, build_universe
from taorui_assets.lib.sim.util import DAYS, day_index, index_on_or_before, to_date, ts

# index → (eligible(stock), constituents at n_stocks=300, real constituent count or None = all).
# The count scales with the universe: max(small count, real count × n_stocks / 5300);
# 000905.SH takes the stocks ranked right after 000300.SH's.
INDEX_RULES = {
    "000300.SH": (lambda s: s.exchange in ("SH", "SZ"), 60, 300),
    "000905.SH": (lambda s: s.exchange in ("SH", "SZ"), 100, 500),
    "000001.SH": (lambda s: s.exchange == "SH", None, None),
    "399001.SZ": (lambda s: s.exchange == "SZ", 50, 500),
    "399006.SZ": (lambda s: s.board == "chinext", 30, 100),
    "899050.BJ": (lambda s: s.board == "bse", 15, 50),
}


# A minute-bar request for at least this many codes is a chunk of a whole day (dataset_asset
# streams a day in chunks of hundreds of codes); fewer are the ticks' few codes.
KEEP_MINUTES_FROM = 100


def index_size(index_code: str, n_stocks: int):
    _ok, small, real = INDEX_RULES[index_code]
    if small is None:
        return None
    return max(small, int(round(real * n_stocks / 5300)))


class SimMarket(DerivedMixin, HoldersMixin):
    def __init__(self, seed: int = 7, n_stocks: int = 300, cache_dir: Optional[str] = None):
        self.seed = int(seed)
        self.n_stocks = int(n_stocks)
        self.cache_dir = cache_dir or None  # histories mapped from disk (lib/sim/cache.py); None: built
        self.stocks: list[Stock] = build_universe(self.seed, self.n_stocks)
        # Indexes, ETFs, LOFs, convertible bonds: in instruments, bars and factors only.
        self.securities: list[Stock] = securities.build_securities(self.seed, self.stocks)
        self.by_code: dict[str, Stock] = {s.code: s for s in self.stocks + self.securities}
        self.market = market_returns(self.seed)
        self._hist: dict[str, History] = {}
        self._sectors: dict[str, list] = {}
        self._lock = threading.Lock()
        self._minutes_cache = None  # (day index, {code: its 1m arrays}) of the last day asked for

    # ----- universe -------------------------------------------------------------------
    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.stocks]

    def history(self, code: str) -> History:
        h = self._hist.get(code)
        if h is None:
            stock = self.by_code[code]
            if stock.uid < 0:  # an index, ETF or bond: its own generator (lib/sim/securities.py)
                h = securities.build_security_history(self.seed, stock, self.market)
                with self._lock:
                    self._hist.setdefault(code, h)
                return self._hist[code]
            with self._lock:
                if code not in self._hist:
                    # Nearly every question touches the whole market, so the first one builds
                    # every stock's history at once: the price walks run as array steps over
                    # all stocks (prices.build_histories), each history exactly as alone.
                    missing = [s for s in self.stocks if s.uid >= 0 and s.code not in self._hist] or [stock]
                    for built in self._build(missing):
                        self._hist[built.stock.code] = built
                h = self._hist[code]
        return h

    def _build(self, stocks: list[Stock]) -> list[History]:
        """Every stock's history at once, mapped from the disk cache when it holds them
        (``cache_dir``; lib/sim/cache.py), else built (and saved there)."""
        whole = self.cache_dir is not None and len(stocks) == len(self.stocks)
        path = cache.directory(self.cache_dir, self.seed, self.n_stocks) if whole else None
        built = cache.load(path, stocks) if whole else None
        if built is None:
            built = build_histories(self.seed, stocks, self.market)
            if whole:
                cache.save(path, built)
        return built

    def warm_up(self) -> None:
        self.history(self.stocks[0].code)

    def _select(self, codes: Optional[Iterable[str]]) -> list[Stock]:
        if codes is None:
            return self.stocks
        wanted = set(codes)
        return [s for s in self.stocks if s.code in wanted]

    def listed(self, date, codes: Optional[Iterable[str]] = None) -> list[Stock]:
        """Stocks with a bar on trading day ``date`` (list_date ≤ date < delist_date)."""
        i = day_index(date)
        if i is None:
            return []
        return [s for s in self._select(codes) if s.start <= i < s.end]

    def stock_name(self, code: str, date) -> str:
        s, h = self.by_code[code], self.history(code)
        i = index_on_or_before(date)
        if s.start <= i < s.end and h.is_st[h.local(i)]:
            return ("*ST" if h.star_st[h.local(i)] else "ST") + s.name
        return s.name

    # ----- reference ------------------------------------------------------------------
    def instruments(self, date) -> pd.DataFrame:
        d = to_date(date)
        i = index_on_or_before(d)
        rows = []
        for s in self.stocks:
            if not (s.list_date <= d and (s.delist_date is None or d < s.delist_date)) or i < s.start:
                continue
            h, j = self.history(s.code), i - s.start
            announced = s.delist_date is not None and (s.delist_date - d).days <= 30
            rows.append((s.code, self.stock_name(s.code, d), s.exchange, s.board, "stock", ts(s.list_date),
                         ts(s.delist_date) if announced else pd.NaT, bool(h.is_st[j]),
                         h.get("total_shares", j), h.get("float_shares", j)))
        for s in self.securities:  # no share capital, never ST
            if s.list_date <= d and (s.delist_date is None or d < s.delist_date) and i >= s.start:
                announced = s.delist_date is not None and (s.delist_date - d).days <= 30
                rows.append((s.code, s.name, s.exchange, s.board, s.board, ts(s.list_date),
                             ts(s.delist_date) if announced else pd.NaT, False, 0.0, 0.0))
        df = pd.DataFrame(rows, columns=["code", "name", "exchange", "board", "type", "list_date",
                                         "delist_date", "is_st", "total_shares", "float_shares"])
        df.insert(0, "date", ts(d))
        df["delist_date"] = pd.to_datetime(df["delist_date"])
        return df

    def trading_calendar(self, year: int) -> pd.DataFrame:
        days = calendar.trading_days(dt.date(year, 1, 1), dt.date(year, 12, 31))
        return pd.DataFrame({"exchange": "SSE", "date": pd.to_datetime(days)})

    # ----- bars -----------------------------------------------------------------------
    def _gather(self, i: int, stocks: Sequence[Stock], fields: Sequence[str]) -> dict[str, np.ndarray]:
        hs = [self.history(s.code) for s in stocks]
        return {f: np.array([h.get(f, i - h.stock.start) for h in hs]) for f in fields}

    def daily_bars(self, date, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
        i = day_index(date)
        stocks = self.listed(date, codes)
        f = ["open", "high", "low", "close", "volume", "amount", "pre_close", "high_limit", "low_limit",
             "paused"]
        g = self._gather(i, stocks, f) if stocks else {k: np.array([]) for k in f}
        df = pd.DataFrame({"code": [s.code for s in stocks]})
        df["date"] = ts(date)
        for k in ("open", "high", "low", "close"):
            df[k] = g[k] / 100.0
        df["volume"] = g["volume"].astype(float)
        df["amount"] = g["amount"] / 100.0
        for k in ("pre_close", "high_limit", "low_limit"):
            df[k] = g[k] / 100.0
        df["paused"] = g["paused"].astype(bool)
        others = self._listed_securities(i, codes)
        if others:
            df = pd.concat([df, securities.daily_frame(self, i, others)], ignore_index=True)
        return df

    def _listed_securities(self, i: Optional[int], codes: Optional[Iterable[str]]) -> list[Stock]:
        if i is None:
            return []
        wanted = None if codes is None else set(codes)
        return [s for s in self.securities if s.start <= i < s.end and (wanted is None or s.code in wanted)]

    def minute_bars(self, date, period: str = "1m", codes: Optional[Iterable[str]] = None,
                    progress=None) -> pd.DataFrame:
        if period not in ("1m", "5m"):
            raise ValueError(f"period must be '1m' or '5m', got {period!r}")
        i = day_index(date)
        stocks = [s for s in self.listed(date, codes) if not self.history(s.code).paused[i - s.start]]
        stocks += self._listed_securities(i, codes)  # never suspended
        if not stocks:
            return pd.DataFrame(columns=["code", "date", "period", "time", "open", "high", "low",
                                         "close", "volume", "amount"])
        # kept unless a few codes are asked for (ticks): whole days and the code chunks of a day
        arrays = self._day_minutes(i, stocks, progress, f"minute bars {period} {to_date(date)}",
                                   keep=codes is None or len(stocks) >= KEEP_MINUTES_FROM)
        if period == "5m":
            arrays = minutes.to_5m(arrays)
        # Columns built once for the whole day: a frame per stock and a concat would copy a
        # full-market day (1.2 M rows) twice more.
        times = sessions.session_times(ts(date), period)
        df = pd.DataFrame({"code": np.repeat(np.array([s.code for s in stocks], dtype=object), len(times)),
                           "date": ts(date), "period": period,
                           "time": np.tile(times.to_numpy(), len(stocks))})
        for k, v in arrays.items():
            df[k] = v.ravel()
        return df

    def _day_minutes(self, i: int, stocks: Sequence[Stock], progress, label: str,
                     keep: bool = False) -> dict[str, np.ndarray]:
        """The 1m arrays of ``stocks`` on day index ``i``, one row of 240 per stock.

        Each stock's arrays of the last day asked for are kept (``keep``: one full-market day is
        ~60 MB), so the 5m bars of a day aggregate the same arrays rather than drawing every
        stock again, whether the day is asked for whole or in code chunks; answers for a few
        codes (ticks) are not kept and do not evict them."""
        cached = self._minutes_cache if self._minutes_cache is not None and self._minutes_cache[0] == i else None
        if keep and cached is None:
            cached = self._minutes_cache = (i, {})
        known = cached[1] if cached is not None else {}
        rows = {k: np.empty((len(stocks), 240)) for k in minutes.FIELDS}
        for k, s in enumerate(stocks):
            m = known.get(s.code)
            if m is None:
                m = securities.scaled(minutes.minute_arrays(self.seed, self.history(s.code), i), self.history(s.code), i)
                if keep:
                    known[s.code] = m
            for f in minutes.FIELDS:
                rows[f][k] = m[f]
            if progress is not None and (k + 1) % 500 == 0:
                progress(k + 1, len(stocks), label)
        return rows

    def adj_factors(self, date, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
        i = day_index(date)
        stocks = self.listed(date, codes) + self._listed_securities(i, codes)
        fac = [self.history(s.code).get("factor", i - s.start) for s in stocks]
        return pd.DataFrame({"code": [s.code for s in stocks], "date": ts(date), "factor": fac})

    # ----- events ---------------------------------------------------------------------
    def dividends(self, code: Optional[str] = None, year: Optional[int] = None) -> pd.DataFrame:
        """Ex-dividend events: code, ex_date, cash (CNY/share), bonus (shares/share),
        prev_close, pre_close (ex-adjusted) and ratio (= prev_close / pre_close)."""
        rows = []
        for s in (self.stocks if code is None else [self.by_code[code]]):
            h = self.history(s.code)
            for j, cash, bonus in zip(h.ex_pos, h.ex_cash, h.ex_bonus):
                d = DAYS[s.start + j]
                if year is None or d.year == year:
                    prev, pre = int(h.close[j - 1]), int(h.pre_close[j])
                    u = getattr(h, "unit", 100)  # ETFs count in 0.001 yuan
                    rows.append((s.code, ts(d), int(cash) / u, float(bonus), prev / u,
                                 pre / u, prev / pre))
        return pd.DataFrame(rows, columns=["code", "ex_date", "cash", "bonus", "prev_close",
                                           "pre_close", "ratio"])

    def suspended(self, date) -> list[str]:
        i = day_index(date)
        return [s.code for s in self.listed(date) if self.history(s.code).paused[i - s.start]]
