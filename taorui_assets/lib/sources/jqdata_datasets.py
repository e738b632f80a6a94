"""The dataset methods of ``JQDataSource`` (quota estimate first, then the calls)."""
from __future__ import annotations

import datetime as dt
from typing import Optional, Sequence

import pandas as pd

from taorui_assets.lib import calendar
from taorui_assets.lib import codes as C
from taorui_assets.lib import schemas
from taorui_assets.lib.sources import jqdata_normalize as N
from taorui_assets.lib.sources.base import EmptyAnswerError, Progress, quarter_end

BARS_PER_DAY = {"1m": 240, "5m": 48}
PAGE = 5000  # finance.run_query's row limit per call
# Rough constituent counts of the tracked indexes (for the quota estimate only).
INDEX_SIZE_HINT = {"000300.SH": 300, "000905.SH": 500, "399001.SZ": 500, "399006.SZ": 100,
                   "899050.BJ": 50}


def _d(day) -> str:
    return pd.Timestamp(day).strftime("%Y-%m-%d")


def run_query_pages(source, jq, t, selected: list, conditions: tuple, chunk=None) -> list[pd.DataFrame]:
    """Every row of the finance table ``t`` matching ``conditions`` (and ``code`` in ``chunk``),
    as pages of ``finance.run_query`` (``PAGE`` rows a call) walked by ``id``; ``selected``
    follows ``t.id`` in each page's columns. ``source.call`` makes each call (quota, errors)."""
    last, pages = -1, []
    while True:
        q = jq.query(t.id, *selected).filter(*conditions, t.id > last)
        if chunk is not None:
            q = q.filter(t.code.in_(chunk))
        page = source.call(f"finance.run_query({t.__tablename__})", jq.finance.run_query,
                           q.order_by(t.id).limit(PAGE))
        if page is None or page.empty:
            break
        pages.append(page)
        if len(page) < PAGE:
            break
        last = int(page["id"].max())
    return pages


class DatasetsMixin:
    # ------------------------------------------------------------ reference
    def instruments(self, date: dt.date) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("instruments")
        jq = self.connect()
        sec = self.listing(date)
        stocks = self.stock_codes(date)
        if not stocks:
            raise EmptyAnswerError(f"JQData listed no A-share stocks on {date}")
        self.reserve(3 * len(stocks), f"instruments of {date}")
        st = self.batched("is_st", stocks, lambda b: self.call(
            "get_extras(is_st)", jq.get_extras, "is_st", b, start_date=_d(date), end_date=_d(date),
            df=True).T.reset_index())
        is_st = {C.to_qmt(str(r.iloc[0])): bool(r.iloc[-1]) for _i, r in st.iterrows()} if len(st) else {}
        val = self.batched("valuation", stocks, lambda b: self.call(
            "get_valuation", jq.get_valuation, b, end_date=_d(date), count=1,
            fields=["capitalization", "circulating_cap"]))
        shares = N.valuation_shares(val)
        missing = [c for c in stocks if C.to_qmt(c) not in shares.index]
        if missing:  # suspended on the day: the latest valuation row of the last month
            back = self.call("get_valuation", jq.get_valuation, missing, end_date=_d(date), count=20,
                             fields=["capitalization", "circulating_cap"])
            shares = pd.concat([shares, N.valuation_shares(back)])
        return N.instruments(date, sec, is_st, shares)

    def trading_calendar(self, year: int) -> pd.DataFrame:
        jq = self.connect()
        self.reserve(262, f"the {year} trading calendar")
        days = self.call("get_trade_days", jq.get_trade_days, start_date=f"{year}-01-01",
                         end_date=f"{year}-12-31")
        if days is None or len(days) == 0:
            raise EmptyAnswerError(f"JQData returned no trading days for {year}")
        return N.trading_calendar(days)

    # --------------------------------------------------------------- prices
    def _targets(self, date: dt.date, codes: Optional[Sequence[str]], stocks_only: bool = False) -> list[str]:
        """Listed securities on ``date`` (JQ codes; every type unless ``stocks_only``),
        restricted to ``codes`` when given."""
        listed = self.stock_codes(date) if stocks_only else self.listed_codes(date)
        if codes is None:
            return listed
        wanted = {C.to_jq(c) for c in codes}
        return [c for c in listed if c in wanted]

    @staticmethod
    def _check_complete(what: str, targets: list[str], got) -> None:
        missing = sorted(set(C.to_qmt(c) for c in targets) - set(got))
        if missing:
            raise EmptyAnswerError(f"JQData {what} returned no rows for {len(missing)} listed "
                                   f"securities, e.g. {missing[:5]}")

    def _price(self, codes: list[str], start: str, end: str, **kw) -> pd.DataFrame:
        jq = self.connect()
        return self.call("get_price", jq.get_price, codes, start_date=start, end_date=end,
                         panel=False, **kw)

    def daily_bars(self, date: dt.date, codes: Optional[Sequence[str]] = None,
                   progress: Optional[Progress] = None) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("daily_bars")
        targets = self._targets(date, codes)
        self.reserve(len(targets), f"daily bars of {date}")
        return self._daily(date, targets, progress)

    def _daily(self, date, targets, progress=None) -> pd.DataFrame:
        p = self.batched(f"daily bars {date}", targets, lambda b: self._price(
            b, _d(date), _d(date), frequency="daily", fields=N.BAR_FIELDS, skip_paused=False,
            fq=None, fill_paused=True), progress)
        df = N.daily_bars(p) if len(p) else schemas.empty("daily_bars")
        self._check_complete(f"daily bars of {date}", targets, df["code"])
        return df

    def minute_bars(self, date: dt.date, period: str, codes: Optional[Sequence[str]] = None,
                    progress: Optional[Progress] = None) -> pd.DataFrame:
        if period not in BARS_PER_DAY:
            raise ValueError(f"period must be 1m or 5m, got {period!r}")
        if not calendar.is_trading_day(date):
            return schemas.empty("minute_bars")
        targets = self._targets(date, codes)
        self.reserve(len(targets) * (BARS_PER_DAY[period] + 1), f"{period} bars of {date}")
        daily = self._daily(date, targets)
        targets = [C.to_jq(c) for c in daily.loc[~daily["paused"], "code"]]
        size = max(1, 200_000 // BARS_PER_DAY[period])
        p = self.batched(f"{period} bars {date}", targets, lambda b: self._price(
            b, f"{_d(date)} 09:00:00", f"{_d(date)} 15:00:00", frequency=period,
            fields=N.MINUTE_FIELDS, skip_paused=True, fq=None), progress, size=min(size, self.batch_size))
        df = N.minute_bars(p, date, period) if len(p) else schemas.empty("minute_bars")
        self._check_complete(f"{period} bars of {date}", targets, df["code"])
        return df

    def adj_factors(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("adj_factors")
        targets = self._targets(date, codes)
        self.reserve(len(targets), f"adjustment factors of {date}")
        p = self.batched(f"factors {date}", targets, lambda b: self._price(
            b, _d(date), _d(date), frequency="daily", fields=["factor"], skip_paused=False, fq="post"))
        df = N.adj_factors(p) if len(p) else schemas.empty("adj_factors")
        self._check_complete(f"adjustment factors of {date}", targets, df["code"])
        return df

    # ---------------------------------------------------------- fundamentals
    def financial_statements(self, quarter: str, as_of: dt.date,
                             codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        jq = self.connect()
        end = quarter_end(quarter)
        n = len(codes) if codes is not None else self.universe_hint
        self.reserve(3 * 2 * n, f"financial statements {quarter} as of {as_of}")
        frames = {}
        for statement, table_name in N.STATEMENT_TABLES.items():
            table = self.call(f"finance.{table_name}", getattr, jq.finance, table_name)
            chunks = [None] if codes is None else [
                [C.to_jq(c) for c in list(codes)[i:i + 1000]] for i in range(0, len(codes), 1000)]
            parts = []
            for chunk in chunks:
                parts += self._statement_pages(jq, table, statement, end, as_of, chunk)
            frames[statement] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return N.statements(frames)

    def _statement_pages(self, jq, t, statement, end, as_of, chunk):
        from taorui_assets.lib.fields import jq_names
        from taorui_assets.lib.schemas import STATEMENT_ITEMS

        names = jq_names("financial_statements")
        items = [getattr(t, names[i]) for i in STATEMENT_ITEMS[statement] if i in names]
        report_date, pub_date = getattr(t, names["report_date"]), getattr(t, names["pub_date"])
        return run_query_pages(self, jq, t, [t.code, pub_date, report_date, t.report_type, *items],
                               (report_date == end, pub_date <= as_of), chunk)

    # --------------------------------------------------------------- sectors
    def sector_membership(self, date: dt.date) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("sector_membership")
        jq = self.connect()
        self.reserve(500, f"the sector lists of {date}")
        industries = self.call("get_industries", jq.get_industries, name=self.industry_scheme, date=_d(date))
        concepts = self.call("get_concepts", jq.get_concepts)
        concepts = concepts[pd.to_datetime(concepts["start_date"]) <= pd.Timestamp(date)]
        self.reserve(4 * self.universe_hint, f"sector membership of {date}")
        ind = {c: self.call("get_industry_stocks", jq.get_industry_stocks, c, date=_d(date))
               for c in industries.index}
        con = {c: self.call("get_concept_stocks", jq.get_concept_stocks, c, date=_d(date))
               for c in concepts.index}
        df = pd.concat([N.sector_rows(date, "industry", industries, ind),
                        N.sector_rows(date, "concept", concepts, con)], ignore_index=True)
        if df.empty:
            raise EmptyAnswerError(f"JQData sectors have no members on {date}")
        return N.canonical("sector_membership", df)

    def index_weights(self, date: dt.date) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("index_weights")
        jq = self.connect()
        indexes = [C.to_qmt(c) for c in self.index_codes(date)]
        self.reserve(sum(INDEX_SIZE_HINT.get(c, self.universe_hint) for c in indexes),
                     f"index weights of {date}")
        weights = {c: self.call("get_index_weights", jq.get_index_weights, C.to_jq(c), date=_d(date))
                   for c in indexes}
        df = N.index_weights(date, weights)
        if df.empty and indexes:
            raise EmptyAnswerError(f"JQData returned no constituents for any tracked index on {date}")
        return df

    # ----------------------------------------------------------------- flows
    def billboard(self, date: dt.date) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("billboard")
        jq = self.connect()
        self.reserve(2000, f"the billboard of {date}")
        bb = self.call("get_billboard_list", jq.get_billboard_list, stock_list=None,
                       start_date=_d(date), end_date=_d(date))
        return N.billboard(bb)

    def northbound_flow(self, date: dt.date) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("northbound_flow")
        jq = self.connect()
        self.reserve(4, f"northbound flow of {date}")
        t = self.call("finance.STK_ML_QUOTA", getattr, jq.finance, "STK_ML_QUOTA")
        q = jq.query(t.day, t.link_id, t.buy_amount, t.sell_amount).filter(
            t.day == date, t.link_id.in_(list(N.LINKS)))
        return N.northbound(self.call("finance.run_query(STK_ML_QUOTA)", jq.finance.run_query, q))

    def money_flow(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("money_flow")
        jq = self.connect()
        targets = self._targets(date, codes, stocks_only=True)
        self.reserve(len(targets), f"money flow of {date}")
        mf = self.batched(f"money flow {date}", targets, lambda b: self.call(
            "get_money_flow", jq.get_money_flow, b, start_date=_d(date), end_date=_d(date)))
        df = N.money_flow(mf)
        if df.empty and targets:
            raise EmptyAnswerError(f"JQData money flow of {date} is empty for {len(targets)} listed stocks")
        return df

    # ----- valuation (issue 13 part 2): the reference table ------------------------------------
    def valuation(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """``get_valuation(codes, end_date=date, count=1)``: each stock's latest row on or before
        ``date``; rows of earlier days (suspended on ``date``) are dropped."""
        if not calendar.is_trading_day(date):
            return schemas.empty("valuation")
        jq = self.connect()
        targets = self._targets(date, codes)
        self.reserve(len(targets), f"the valuation table of {date}")
        fields = list(N.VALUATION_FIELDS.values())
        val = self.batched(f"valuation {date}", targets, lambda b: self.call(
            "get_valuation", jq.get_valuation, b, end_date=_d(date), count=1, fields=fields))
        return N.valuation(val, date)
