"""QmtSource: the 迅投 xtquant source (xtdata + xtdatacenter).

Every dataset is "download, then get": ``download_*`` in batches of ``batch_size``
(progress forwarded to ``progress`` and the log), then the matching ``get_*`` with
``dividend_type='none'`` (unadjusted), then normalisation (``qmt_normalize``) into the
canonical frames of ``taorui_assets.lib.schemas``. Connection handling and token masking
live in ``qmt_connect``.

Assumptions the xtquant documentation does not settle (kept in one place):

1. Bar time: QMT stamps K-lines with the bar END time and adds a 09:30 1m bar holding
   the 09:25 opening auction; we fold it (and anything before the first canonical bar)
   into the first bar, giving 240 1m bars 09:31..15:00 (48 5m bars 09:35..15:00).
2. Stock K-line volume is in lots (×100 → shares); index volume is taken as shares.
3. ``time`` columns are UTC epoch ms; we read them in Asia/Shanghai explicitly.
4. With ``fill_data=True`` a suspended listed security still has a 1d row
   (``suspendFlag`` = 1); a listed security with no row at all is an empty answer.
5. ``get_divid_factors(code, '', day)`` returns every ex-rights row since listing (QMT
   keeps the ex-rights table whole per security and refreshes it with daily K-line
   downloads, so we download ``1d`` from the listing date, incrementally); the factor in
   force on ``day`` is the product of ``dr`` over rows dated on or before ``day``
   (``gugai`` share-reform rows are not special-cased).
6. ``get_financial_data(..., report_type='report_time')`` returns one row per published
   version (distinct ``m_anntime``) of a report period; values are year-to-date CNY.
7. ``get_index_weight`` is undated (latest snapshot) and its unit is not documented: sums
   near 1 are fractions (×100), near 100 percent. So index weights exist only for the
   latest trading day; an older date raises ``SourceError``.
8. ``get_instrument_detail`` is a snapshot of today (name, ST, shares); the membership
   of ``沪深京A股`` on a past date comes from ``get_stock_list_in_sector(real_timetag)``.
   ST = the name starts with ST / *ST.
9. Money flow (period ``transactioncount1d``) uses the fields of the documented
   ``l2transactioncount`` list: ``netInflow{Most,Big,Medium,Small}Amount`` (CNY);
   main = extra-large + large.
10. Northbound (period ``northfinancechange1d``, metaid 3006) is read for the pseudo
    code ``FFFFFF.SGT``; xtdata names its columns by the metaInfo descriptions
    (``HGT北向买入资金`` …), amounts assumed CNY; HGT = sh_connect, SGT = sz_connect.
11. 龙虎榜: the documented API offers none, so ``billboard`` raises ``SourceError``.
12. "Today" for the undated answers (instrument details, index weights) is QMT's own
    latest trading day, ``get_trading_dates('SH', count=1)`` (GUESS: the list ends at the
    latest trading day, as ``get_trading_calendar`` in xtdata.py treats it), not this
    machine's clock, so a replayed day (TAORUI_AS_OF) never stamps today's snapshot.
13. Instruments beyond stocks: the tracked indexes (``index_codes``), and the members of the
    sector lists ``沪深ETF``, ``沪深基金`` and ``沪深转债`` (GUESS: the names QMT's client shows;
    xtdata.md documents no sector names, only ``沪深A股`` appears, in xtview.py). A member's
    type comes from its code range (``codes.board``): ``沪深基金`` also holds ETFs and
    closed-end funds, of which only LOFs are taken. Convertible-bond volume is in 手 of 10 张
    (``qmt_normalize.CONBOND_LOT``, GUESS).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Optional, Sequence

import pandas as pd

from taorui_assets.lib import calendar, schemas
from taorui_assets.lib import codes as C
from taorui_assets.lib.sources import qmt_normalize as N
from taorui_assets.lib.sources.base import (EmptyAnswerError, MarketDataSource, Progress,
                                            SourceError, quarter_end)
from taorui_assets.lib.sources.qmt_connect import QmtConnection
from taorui_assets.lib.sources.qmt_datasets import QmtDatasetsMixin
from taorui_assets.lib.sources.qmt_holders import QmtHoldersMixin

A_SHARE_SECTOR = "沪深京A股"
# Sector lists of the other instrument types (assumption 13), and the types taken from each.
TYPE_SECTORS = {"沪深ETF": ("etf",), "沪深基金": ("lof",), "沪深转债": ("conbond",)}
BAR_FIELDS = ["time", "open", "high", "low", "close", "volume", "amount", "preClose", "suspendFlag"]
MINUTE_FIELDS = ["time", "open", "high", "low", "close", "volume", "amount"]


# Bars downloaded for a whole backfill range (prepare_range): (data dir, period, yyyymmdd) → codes.
# Per process, like QMT's local data directory they landed in; each day's source object (a
# router is built per partition) then skips its own download of a covered day.
_PREPARED: dict[tuple[str, str, str], set[str]] = {}
_RANGE_PERIODS = {"daily_bars": None, "minute_bars": ""}  # the QMT period: 1d, or the asset's


def _type_of(code: str):
    try:
        return C.security_type(C.board(code))
    except C.CodeError:  # a sector member of a kind we do not follow (B shares, REITs …)
        return None


class QmtSource(QmtDatasetsMixin, QmtHoldersMixin, MarketDataSource):
    name = "qmt"

    def __init__(self, api: Any, *, mode: str = "token", token: str = "",
                 vip_servers: Sequence[str] = (), data_home_dir: str = ".taorui/qmt",
                 listen_ports: tuple[int, int] = (58610, 58650), local_port: int = 58610,
                 batch_size: int = 500, index_codes: Sequence[str] = C.TRACKED_INDEXES,
                 concept_codes: Optional[dict] = None, log: Any = None,
                 clock: Optional[Callable[[], dt.date]] = None):
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.conn = QmtConnection(api, mode=mode, token=token, vip_servers=vip_servers,
                                  data_home_dir=data_home_dir, listen_ports=listen_ports,
                                  local_port=local_port, log=log)
        self.batch_size = int(batch_size)
        self.index_codes = tuple(index_codes)
        self.concept_codes = dict(concept_codes or {})
        self._clock = clock  # None: QMT's own latest trading day (assumption 12)
        self._latest: Optional[dt.date] = None
        self._instruments: dict[dt.date, pd.DataFrame] = {}
        self._db = None  # the platform's MongoDB, when the asset lets the source use what is stored

    def __repr__(self) -> str:
        return f"QmtSource({self.conn!r}, batch_size={self.batch_size})"

    # ------------------------------------------------------------ plumbing
    def xt(self, name: str, *args, **kwargs):
        return self.conn.call("xtdata", name, *args, **kwargs)

    def _batches(self, items: Sequence[str]):
        items = list(items)
        for i in range(0, len(items), self.batch_size):
            yield items[i:i + self.batch_size]

    def _download(self, codes: Sequence[str], period: str, start: str, end: str, *,
                  incrementally: bool = False, progress: Optional[Progress] = None,
                  what: str = "") -> None:
        """download_history_data2 in batches, forwarding its progress callback."""
        codes = list(codes)
        if start[:8] == end[:8] and set(codes) <= _PREPARED.get((self.conn.data_home_dir, period, start[:8]), set()):
            self.conn.log("debug", f"QMT {what or period}: downloaded with its backfill range")
            return
        total, offset = len(codes), 0
        for batch in self._batches(codes):
            base = offset

            def on_progress(data, base=base):
                done = base + int(data.get("finished", 0))
                msg = f"QMT download {what or period}: {data.get('stockcode', '')} {data.get('message', '')}".strip()
                if progress:
                    progress(min(done, total), total, msg)

            self.xt("download_history_data2", batch, period, start_time=start, end_time=end,
                    callback=on_progress, incrementally=incrementally)
            offset += len(batch)
            self.conn.log("debug", f"QMT downloaded {what or period} {offset}/{total}")
            if progress:
                progress(offset, total, f"QMT download {what or period}: {offset}/{total}")

    def _get(self, fields: list[str], codes: Sequence[str], period: str, start: str, end: str) -> dict:
        out: dict = {}
        for batch in self._batches(codes):
            ans = self.xt("get_market_data_ex", fields, batch, period=period, start_time=start,
                          end_time=end, count=-1, dividend_type="none", fill_data=True)
            out.update(ans or {})
        return out

    def _last_trading_day(self) -> dt.date:
        """The day QMT's undated answers describe (assumption 12)."""
        if self._clock is not None:
            return calendar.last_trading_days(self._clock(), 1)[0]
        if self._latest is None:
            days = self.xt("get_trading_dates", "SH", start_time="", end_time="", count=1)
            if not days:
                raise EmptyAnswerError("QMT returned no latest SSE trading day")
            self._latest = N.ms_to_local([int(days[-1])]).iloc[0].date()
        return self._latest

    # ------------------------------------------------------------ ranges (backfills)
    def prepare_range(self, dataset: str, period: Optional[str], dates: Sequence[dt.date]) -> None:
        """One ``download_history_data2`` of the range's bars for every security listed on any of
        its days (the coverage types of ``instruments``: stocks, the followed indexes, ETFs, LOFs,
        convertible bonds), instead of one per day; each day then reads its bars with
        ``get_market_data_ex``."""
        if dataset not in _RANGE_PERIODS:
            return
        qmt_period = "1d" if dataset == "daily_bars" else period
        days = [d for d in dates if calendar.is_trading_day(d)]
        if not days:
            return
        codes: set[str] = set(self.index_codes)
        for d in days:
            codes.update(self.xt("get_stock_list_in_sector", A_SHARE_SECTOR, real_timetag=N.ymd(d)) or [])
            for sector, types in TYPE_SECTORS.items():
                members = self.xt("get_stock_list_in_sector", sector, real_timetag=N.ymd(d)) or []
                codes.update(c for c in members if _type_of(c) in types)
        codes = {c for c in codes if _type_of(c) is not None}  # kinds we do not follow are never asked for
        first, last = N.ymd(days[0]), N.ymd(days[-1])
        start, end = (first, last) if qmt_period == "1d" else (first + "000000", last + "235959")
        self._download(sorted(codes), qmt_period, start, end, what=f"{qmt_period} {days[0]}..{days[-1]}")
        for d in days:
            _PREPARED[(self.conn.data_home_dir, qmt_period, N.ymd(d))] = codes

    # ------------------------------------------------------------ reference data
    def trading_calendar(self, year: int) -> pd.DataFrame:
        days = self.xt("get_trading_calendar", "SH", start_time=f"{year}0101", end_time=f"{year}1231")
        if not days:
            raise EmptyAnswerError(f"QMT returned no SSE trading days for {year}")
        dates = sorted({N.parse_ymd(d) for d in days})
        return pd.DataFrame({"exchange": "SSE", "date": dates})

    def instruments(self, date: dt.date) -> pd.DataFrame:
        if date in self._instruments:
            return self._instruments[date].copy()
        if not calendar.is_trading_day(date):
            return schemas.empty("instruments")
        if date < self._last_trading_day():
            self.conn.log("debug", f"QMT instrument details are today's snapshot, used for {date}")
        self.xt("download_sector_data")
        stocks = self.xt("get_stock_list_in_sector", A_SHARE_SECTOR, real_timetag=N.ymd(date)) or []
        if not stocks:
            raise EmptyAnswerError(f"QMT listed no A-share stocks on {date}")
        others = []
        for sector, types in TYPE_SECTORS.items():
            members = self.xt("get_stock_list_in_sector", sector, real_timetag=N.ymd(date)) or []
            others += [c for c in members if _type_of(c) in types]
        rows, missing = [], []
        for code in sorted(set(stocks)) + list(self.index_codes) + sorted(set(others)):
            d = self.xt("get_instrument_detail", code, iscomplete=True)
            if not d:
                missing.append(code)
                continue
            rows.append(self._instrument_row(code, d, date))
        if missing:
            raise SourceError(f"QMT has no instrument detail for {len(missing)} codes on {date}, "
                              f"e.g. {missing[:5]}")
        df = pd.DataFrame(rows)
        df = df[(df["list_date"] <= pd.Timestamp(date))
                & (df["delist_date"].isna() | (df["delist_date"] > pd.Timestamp(date)))]
        df = df[schemas.columns("instruments")].reset_index(drop=True)
        self._instruments[date] = df
        return df.copy()

    @staticmethod
    def _instrument_row(code: str, d: dict, date: dt.date) -> dict:
        board = C.board(code)
        name = str(d.get("InstrumentName", ""))
        expire = str(d.get("ExpireDate", "") or "")
        delist = None if expire in ("", "0", "99999999") or expire.startswith("2038") else N.parse_ymd(expire)
        total = d.get("TotalVolume", d.get("TotalVolumn")) or 0.0
        flt = d.get("FloatVolume", d.get("FloatVolumn")) or 0.0
        return {
            "date": pd.Timestamp(date), "code": code, "name": name,
            "exchange": str(d.get("ExchangeID", code[-2:])), "board": board,
            "type": C.security_type(board),
            "list_date": N.parse_ymd(d.get("OpenDate")), "delist_date": delist,
            "is_st": C.security_type(board) == "stock" and name.upper().startswith(("ST", "*ST")),
            "total_shares": float(total), "float_shares": float(flt),
        }

    # ------------------------------------------------------------ what upstream assets stored
    def use_stored(self, db) -> None:
        """Take a day's listing (codes, type, ST) from the stored ``instruments`` and its traded
        codes from the stored ``daily_bars`` when they are there, rather than asking QMT again.
        Each step builds its own source, so otherwise every daily step repeats ~5,000
        ``get_instrument_detail`` calls, and minute bars and money flow download the day's daily
        bars once more. The instruments dataset itself always asks QMT."""
        self._db = db

    def _stored(self, dataset: str, date: dt.date, fields: list[str]) -> Optional[pd.DataFrame]:
        if self._db is None:
            return None
        day = dt.datetime(date.year, date.month, date.day)
        docs = list(self._db[dataset].find({"date": day}, {"_id": 0, **{f: 1 for f in fields}}))
        return pd.DataFrame(docs, columns=fields) if docs else None

    def _listing(self, date: dt.date) -> pd.DataFrame:
        """The day's listing: stored by the instruments asset, else QMT's (fetched once per source)."""
        if date not in self._instruments:
            stored = self._stored("instruments", date, ["code", "type", "is_st", "list_date"])
            if stored is not None:
                return stored
        return self.instruments(date)

    def _traded(self, date: dt.date, codes: Optional[Sequence[str]], stocks_only: bool = False) -> list[str]:
        """Listed securities (or stocks) that traded on the day, from the stored daily bars if present."""
        stocks = set(self._universe(date, codes, stocks_only=stocks_only))
        stored = self._stored("daily_bars", date, ["code", "paused"])
        daily = stored if stored is not None else self.daily_bars(date, sorted(stocks))
        return [c for c, p in zip(daily["code"], daily["paused"]) if not p and c in stocks]

    # ------------------------------------------------------------ bars
    def _universe(self, date: dt.date, codes: Optional[Sequence[str]], stocks_only=False) -> list[str]:
        inst = self._listing(date)
        if stocks_only:
            inst = inst[inst["type"] == "stock"]
        listed = list(inst["code"])
        if codes is None:
            return listed
        wanted = {C.to_qmt(c) for c in codes}
        return [c for c in listed if c in wanted]

    def daily_bars(self, date: dt.date, codes: Optional[Sequence[str]] = None,
                   progress: Optional[Progress] = None) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("daily_bars")
        universe = self._universe(date, codes)  # every type: stocks, indexes, funds, bonds
        day = N.ymd(date)
        self._download(universe, "1d", day, day, progress=progress, what=f"1d {date}")
        ans = self._get(BAR_FIELDS, universe, "1d", day, day)
        listing = self._listing(date)
        st = dict(zip(listing["code"], listing["is_st"]))
        first = dict(zip(listing["code"], pd.to_datetime(listing["list_date"]) == pd.Timestamp(date)))
        df = N.daily_bars(ans, date, st, first)
        missing = N.codes_missing(universe, df["code"])
        if missing:
            raise EmptyAnswerError(f"QMT download of 1d {date} 'succeeded' but returned 0 rows for "
                                   f"{len(missing)} listed securities, e.g. {missing[:5]}")
        return df

    def minute_bars(self, date: dt.date, period: str, codes: Optional[Sequence[str]] = None,
                    progress: Optional[Progress] = None) -> pd.DataFrame:
        if period not in ("1m", "5m"):
            raise ValueError(f"period must be 1m or 5m, not {period!r}")
        if not calendar.is_trading_day(date):
            return schemas.empty("minute_bars")
        traded = self._traded(date, codes)
        day = N.ymd(date)
        self._download(traded, period, day + "000000", day + "235959", progress=progress,
                       what=f"{period} {date}")
        ans = self._get(MINUTE_FIELDS, traded, period, day + "000000", day + "235959")
        df = N.minute_bars(ans, date, period)
        missing = N.codes_missing(traded, df["code"])
        if missing:
            raise EmptyAnswerError(f"QMT download of {period} {date} 'succeeded' but returned 0 bars "
                                   f"for {len(missing)} traded securities, e.g. {missing[:5]}")
        return df

    def adj_factors(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("adj_factors")
        inst = self._listing(date)
        universe = self._universe(date, codes)  # indexes and bonds have no ex-rights rows: 1.0
        lists = dict(zip(inst["code"], inst["list_date"]))
        day = N.ymd(date)
        for batch in self._batches(universe):
            first = min(lists[c] for c in batch)
            self._download(batch, "1d", N.ymd(first), day, incrementally=True, what="ex-rights")
        rows, no_events = [], []
        for code in universe:
            divid = self.xt("get_divid_factors", code, start_time="", end_time=day)
            if divid is None or len(divid) == 0:
                no_events.append(code)
            rows.append({"code": code, "date": pd.Timestamp(date),
                         "factor": N.cumulative_factor(divid, date)})
        # No ex-rights rows means factor 1.0 only if QMT really holds the stock's history;
        # a stock it has no bars for would silently get a wrong factor.
        if no_events:
            bars = self._get(["close"], no_events, "1d", day, day)
            missing = [c for c in no_events if c not in bars or len(bars[c]) == 0]
            if missing:
                raise EmptyAnswerError(f"QMT has no daily history for {len(missing)} listed stocks on {date}, "
                                       f"so their adjustment factors are unknown, e.g. {missing[:5]}")
        if not rows:
            return schemas.empty("adj_factors")
        return pd.DataFrame(rows)[schemas.columns("adj_factors")]

    def financial_statements(self, quarter: str, as_of: dt.date,
                             codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        report = quarter_end(quarter)
        if as_of < report:
            return schemas.empty("financial_statements")
        # every stock listed at the period end or at as_of (a stock delisted in between
        # still published); membership lists only, no instrument details needed
        universe = set()
        for day in {calendar.last_trading_days(report, 1)[0], calendar.last_trading_days(as_of, 1)[0]}:
            universe |= set(self.xt("get_stock_list_in_sector", A_SHARE_SECTOR, real_timetag=N.ymd(day)) or [])
        if codes is not None:
            universe &= {C.to_qmt(c) for c in codes}
        universe = sorted(universe)
        tables = list(N.STATEMENT_TABLES.values())
        total = len(universe) * len(tables)
        ans: dict = {}
        for k, batch in enumerate(self._batches(universe)):
            base = k * self.batch_size * len(tables)

            def on_progress(data, base=base):
                if int(data.get("finished", 0)) % 100 == 0:
                    self.conn.log("debug", f"QMT financial download {base + int(data['finished'])}/{total}")

            self.xt("download_financial_data2", batch, table_list=tables, start_time=N.ymd(report),
                    end_time=N.ymd(as_of), callback=on_progress)
            ans.update(self.xt("get_financial_data", batch, table_list=tables,
                               start_time=N.ymd(report), end_time=N.ymd(report),
                               report_type="report_time") or {})
        return N.financial_statements(ans, report, as_of)
