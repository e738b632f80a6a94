"""SimMarket datasets built on the per-code histories: statements, sectors, index weights,
billboard, northbound flow and money flow (mixed into ``SimMarket``)."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

import numpy as np
import pandas as pd

from taorui_assets.lib.schemas import STATEMENT_ITEMS
from taorui_assets.lib.sim import flows, fundamentals, sectors, statements
from taorui_assets.lib.sim.util import day_index, index_on_or_before, to_date, ts

_ALL_ITEMS = [i for items in STATEMENT_ITEMS.values() for i in items]


def parse_quarter(quarter: str) -> tuple[int, int]:
    year, q = str(quarter).upper().split("Q")
    return int(year), int(q)


class DerivedMixin:
    # ----- financial statements ---------------------------------------------------------
    def _shares_at(self, s, d: dt.date) -> float:
        h = self.history(s.code)
        j = min(max(index_on_or_before(d) - s.start, 0), len(h.close) - 1)
        return h.get("total_shares", j) if len(h.close) else 1e8

    def report_versions(self, code: str, quarter: str) -> list[dt.date]:
        """Publication dates of the versions of one report ([] if the stock does not report it)."""
        s = self.by_code[code]
        year, q = parse_quarter(quarter)
        if s.list_date > fundamentals.quarter_end(year, q):
            return []
        first, second = fundamentals.pub_dates(self.seed, code, year, q)
        out = [d for d in (first, second) if d is not None]
        return [d for d in out if s.delist_date is None or d < s.delist_date]

    def financial_statements(self, quarter: str, as_of,
                             codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
        year, q = parse_quarter(quarter)
        rd = fundamentals.quarter_end(year, q)
        as_of = to_date(as_of)
        rows = []
        for s in self._select(codes):
            for version, pub in enumerate(self.report_versions(s.code, quarter)):
                if pub > as_of:
                    continue
                items = statements.report(self.seed, s.code, year, q, self._shares_at(s, rd), version)
                for statement, vals in items.items():
                    rows.append({"code": s.code, "statement": statement, "report_date": ts(rd),
                                 "pub_date": ts(pub), **vals})
        return pd.DataFrame(rows, columns=["code", "statement", "report_date", "pub_date", *_ALL_ITEMS])

    def restatements(self, quarter: Optional[str] = None,
                     years: Iterable[int] = range(2010, 2027)) -> pd.DataFrame:
        """code, quarter, report_date, pub_date (original), restated_pub_date."""
        quarters = [quarter] if quarter else [f"{y}Q{q}" for y in years for q in (1, 2, 3, 4)]
        rows = []
        for qs in quarters:
            year, q = parse_quarter(qs)
            for s in self.stocks:
                v = self.report_versions(s.code, qs)
                if len(v) == 2:
                    rows.append((s.code, qs, ts(fundamentals.quarter_end(year, q)), ts(v[0]), ts(v[1])))
        return pd.DataFrame(rows, columns=["code", "quarter", "report_date", "pub_date", "restated_pub_date"])

    # ----- sectors ---------------------------------------------------------------------
    def memberships(self, code: str) -> list[tuple]:
        m = self._sectors.get(code)
        if m is None:
            m = self._sectors[code] = sectors.memberships(self.seed, self.by_code[code])
        return m

    def sector_membership(self, date) -> pd.DataFrame:
        i = index_on_or_before(date)
        rows = []
        for s in self.stocks:
            if to_date(date) < s.list_date or not s.start <= i < s.end:
                continue
            for typ, code, name, lo, hi in self.memberships(s.code):
                if lo <= i < hi:
                    rows.append((typ, code, name, s.code))
        df = pd.DataFrame(rows, columns=["sector_type", "sector_code", "sector_name", "code"])
        df.insert(0, "date", ts(date))
        return df

    # ----- index weights ------------------------------------------------------------------
    def index_weights(self, date) -> pd.DataFrame:
        from taorui_assets.lib.sim.market import INDEX_RULES, index_size
        from taorui_assets.lib.sim.universe import INDEXES
        i = day_index(date)
        stocks = self.listed(date)
        frames = []
        if i is None or not stocks:
            return pd.DataFrame(columns=["date", "index_code", "code", "weight"])
        g = self._gather(i, stocks, ["close", "float_shares", "is_st"])
        cap = g["close"] / 100.0 * g["float_shares"]
        for index_code, _name, list_date in INDEXES:
            if list_date > to_date(date):
                continue
            ok = INDEX_RULES[index_code][0]
            take = index_size(index_code, self.n_stocks)
            skip = index_size("000300.SH", self.n_stocks) if index_code == "000905.SH" else 0
            pool = [k for k, s in enumerate(stocks)
                    if ok(s) and (index_code == "000001.SH" or not g["is_st"][k])]
            pool = sorted(pool, key=lambda k: (-cap[k], stocks[k].code))
            pool = pool[skip:None if take is None else skip + take]
            if not pool:
                continue
            w = cap[pool] / cap[pool].sum() * 100.0
            w = np.maximum(np.round(w, 4), 0.0001)
            w[0] = round(w[0] + 100.0 - w.sum(), 4)  # residual on the largest
            frames.append(pd.DataFrame({"index_code": index_code, "code": [stocks[k].code for k in pool],
                                        "weight": w}))
        df = pd.concat(frames, ignore_index=True)
        df.insert(0, "date", ts(date))
        return df

    # ----- billboard, northbound, money flow ----------------------------------------------
    def _traded(self, date, codes=None):
        i = day_index(date)
        if i is None:
            return None, [], {}
        stocks = [s for s in self.listed(date, codes) if not self.history(s.code).paused[i - s.start]]
        fields = ["pre_close", "close", "high", "low", "amount"]
        return i, stocks, (self._gather(i, stocks, fields) if stocks else {})

    def billboard(self, date) -> pd.DataFrame:
        i, stocks, g = self._traded(date)
        cols = ["date", "code", "reason_code", "reason", "direction", "rank", "seat",
                "buy_amount", "sell_amount", "net_amount"]
        rows = []
        if stocks:
            pct = g["close"] / g["pre_close"] - 1.0
            amp = (g["high"] - g["low"]) / g["pre_close"]
            ex = np.array([s.exchange for s in stocks])
            for k, r, _v in flows.qualifying(pct, amp, ex):
                rc, reason = flows.REASONS[r]
                for direction, rank, seat, buy, sell in flows.seats(self.seed, stocks[k].code, i, r,
                                                                    g["amount"][k] / 100.0):
                    rows.append((ts(date), stocks[k].code, rc, reason, direction, rank, seat, buy, sell,
                                 round(buy - sell, 2)))
        return pd.DataFrame(rows, columns=cols)

    def billboard_candidates(self, date) -> pd.DataFrame:
        """Every traded stock's deviation and amplitude on ``date`` (to check the rules)."""
        _i, stocks, g = self._traded(date)
        if not stocks:
            return pd.DataFrame(columns=["code", "exchange", "pct", "deviation", "amplitude"])
        df = pd.DataFrame({"code": [s.code for s in stocks], "exchange": [s.exchange for s in stocks],
                           "pct": g["close"] / g["pre_close"] - 1.0,
                           "amplitude": (g["high"] - g["low"]) / g["pre_close"]})
        df["deviation"] = df["pct"] - df.groupby("exchange")["pct"].transform("mean")
        return df

    def northbound_flow(self, date) -> pd.DataFrame:
        i, stocks, g = self._traded(date)
        rows = []
        if stocks:
            ex = np.array([s.exchange for s in stocks])
            for channel, start in flows.CONNECT_START.items():
                if to_date(date) < start:
                    continue
                total = float(g["amount"][ex == flows.CONNECT_EXCHANGE[channel]].sum()) / 100.0
                buy, sell = flows.northbound(self.seed, i, channel, total)
                rows.append((ts(date), channel, buy, sell, round(buy - sell, 2)))
        return pd.DataFrame(rows, columns=["date", "channel", "buy_amount", "sell_amount", "net_amount"])

    def money_flow(self, date, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
        i, stocks, g = self._traded(date, codes)
        cols = ["code", "date", "net_amount_xl", "net_amount_l", "net_amount_m", "net_amount_s",
                "net_amount_main"]
        if not stocks:
            return pd.DataFrame(columns=cols)
        splits = [flows.order_splits(self.seed, s.code, i) for s in stocks]
        buy = np.array([b for b, _s in splits])
        sell = np.array([s for _b, s in splits])
        nets = flows.money_flow_nets(g["amount"] / 100.0, buy, sell, g["close"] / g["pre_close"] - 1.0)
        df = pd.DataFrame(nets, columns=cols[2:6])
        df.insert(0, "code", [s.code for s in stocks])
        df.insert(1, "date", ts(date))
        df["net_amount_main"] = df["net_amount_xl"] + df["net_amount_l"]
        return df
