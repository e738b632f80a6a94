"""The data side of the fake xtquant: canonical frames → documented xtquant shapes."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import numpy as np
import pandas as pd

from taorui_assets.lib import calendar, schemas
from taorui_assets.lib.fields import xt_names
from taorui_assets.lib.sources import qmt_normalize as N
from taorui_assets.lib.sources.base import quarter_end
from taorui_assets.lib.sources.qmt_datasets import (MONEY_FLOW_FIELDS, NORTH_CODE, NORTH_FIELDS,
                                                     NORTH_PERIOD, sector_name)

A_SHARE_SECTORS = {"沪深京A股": ("SH", "SZ", "BJ"), "沪深A股": ("SH", "SZ"), "京市A股": ("BJ",)}
INDEX_SECTOR = "沪深指数"
# Sector lists of other instrument types → the instrument types they hold (GUESS names, see
# QmtSource assumption 13); 沪深基金 holds ETFs and LOFs alike.
TYPE_SECTORS = {"沪深ETF": ("etf",), "沪深基金": ("etf", "lof"), "沪深转债": ("conbond",)}
# metaid 3006 fields by description, in metaInfo.json order
NORTH_COLUMNS = ["HGT北向买入资金", "HGT北向卖出资金", "HGT南向买入资金", "HGT南向卖出资金",
                 "SGT北向买入资金", "SGT北向卖出资金", "SGT南向买入资金", "SGT南向卖出资金",
                 "HGT北向资金净流入", "HGT北向当日资金余额", "HGT南向资金净流入", "HGT南向当日资金余额",
                 "SGT北向资金净流入", "SGT北向当日资金余额", "SGT南向资金净流入", "SGT南向当日资金余额"]
# capital and holder tables (issue 13 part 4): xtquant table name (upper) → (dataset, kind,
# the column report_type='report_time' filters on)
HOLDER_TABLES = {"CAPITAL": ("capital_changes", None, "change_date"),
                 "TOP10HOLDER": ("top10_holders", "top10", "report_date"),
                 "TOP10FLOWHOLDER": ("top10_holders", "top10_float", "report_date"),
                 "HOLDERNUM": ("holder_counts", None, "report_date")}
XT_DATES = ("m_timetag", "m_anntime", "declareDate", "endDate")
TABLE_STATEMENT = {"BALANCE": "balance", "INCOME": "income", "CASHFLOW": "cash_flow", "PERSHAREINDEX": "pershare"}


def _day(text, default: dt.date) -> dt.date:
    if text in ("", None, -1):
        return default
    if isinstance(text, (int, np.integer)) and text > 10**10:
        return N.ms_to_local([int(text)]).iloc[0].date()
    return dt.datetime.strptime(str(text)[:8], "%Y%m%d").date()


class FakeData:
    def __init__(self, fake):
        self.fake = fake
        self._cache: dict = {}

    @property
    def src(self):
        return self.fake.source

    def _memo(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def _today(self) -> dt.date:
        return calendar.last_trading_days(self.fake.today, 1)[0]

    def trading_days(self, start, end) -> list[dt.date]:
        lo, hi = _day(start, dt.date(calendar.FIRST_YEAR, 1, 1)), _day(end, self.fake.today)
        out = []
        for year in range(lo.year, hi.year + 1):
            cal = self._memo(("cal", year), lambda y=year: self.src.trading_calendar(y))
            out += [d.date() for d in pd.to_datetime(cal["date"]) if lo <= d.date() <= hi]
        return sorted(out)

    def _instruments(self, day: dt.date) -> pd.DataFrame:
        return self._memo(("inst", day), lambda: self.src.instruments(day))

    # ------------------------------------------------------------ K-lines and tables
    def market(self, fields, codes, period, start, end) -> dict:
        if period == NORTH_PERIOD:
            return self._north(codes, start, end)
        lo, hi = _day(start, self.fake.today), _day(end, self.fake.today)
        days = [d for d in calendar.trading_days(lo, hi)]
        parts = [self._frame(period, d) for d in days]
        parts = [p for p in parts if len(p)]
        if not parts:
            return {}
        df = pd.concat(parts, ignore_index=True)
        df = df[df["code"].isin(set(codes))]
        fmt = "%Y%m%d" if period == "1d" or period.endswith("1d") else "%Y%m%d%H%M%S"
        out = {}
        for code, g in df.groupby("code", sort=False):
            g = g.drop(columns="code")
            g.index = list(N.ms_to_local(g["time"].to_numpy()).dt.strftime(fmt))
            out[code] = g[fields] if fields else g
        return out

    def _frame(self, period: str, day: dt.date) -> pd.DataFrame:
        return self._memo((period, day), lambda: self._build(period, day))

    def _build(self, period: str, day: dt.date) -> pd.DataFrame:
        if period == "1d":
            c = self.src.daily_bars(day)
            lots = c["code"].map(N.lot_factor).astype(float)
            return pd.DataFrame({
                "code": c["code"], "time": N.local_to_ms(c["date"]), "open": c["open"], "high": c["high"],
                "low": c["low"], "close": c["close"], "volume": c["volume"] / lots, "amount": c["amount"],
                "settelementPrice": 0.0, "openInterest": np.where(c["paused"], 1, 0),
                "preClose": c["pre_close"], "suspendFlag": c["paused"].astype(int)})
        if period in ("1m", "5m"):
            return self._minutes(period, day)
        if period == "transactioncount1d":
            m = self.src.money_flow(day)
            out = pd.DataFrame({"code": m["code"], "time": N.local_to_ms(m["date"])})
            for canon, xt in MONEY_FLOW_FIELDS.items():
                out[xt] = m[canon].to_numpy()
            return out
        raise NotImplementedError(f"the fake has no period {period!r}")

    def _minutes(self, period: str, day: dt.date) -> pd.DataFrame:
        c = self.src.minute_bars(day, period)
        if len(c) == 0:
            return pd.DataFrame()
        c = c.sort_values(["code", "time"]).reset_index(drop=True)
        lots = c["code"].map(N.lot_factor).astype(float)
        c["volume"] = c["volume"] / lots
        if period == "1m":  # QMT's extra 09:30 bar: the opening auction, split off the first bar
            first = c.groupby("code").head(1).copy()
            auc_vol = np.floor(first["volume"] / 3.0)
            auc = first.assign(time=first["time"] - pd.Timedelta(minutes=1), high=first["open"],
                               low=first["open"], close=first["open"], volume=auc_vol,
                               amount=auc_vol * lots[first.index] * first["open"])
            c.loc[first.index, "volume"] -= auc_vol
            c.loc[first.index, "amount"] -= auc["amount"]
            c = pd.concat([auc, c]).sort_values(["code", "time"], kind="stable")
        return pd.DataFrame({"code": c["code"].to_numpy(), "time": N.local_to_ms(c["time"]),
                             **{k: c[k].to_numpy() for k in ("open", "high", "low", "close", "volume", "amount")},
                             "settelementPrice": 0.0, "openInterest": 0, "preClose": 0.0, "suspendFlag": 0})

    def _north(self, codes, start, end) -> dict:
        if NORTH_CODE not in codes:
            return {}
        rows = []
        for d in calendar.trading_days(_day(start, self.fake.today), _day(end, self.fake.today)):
            f = self._memo(("north", d), lambda d=d: self.src.northbound_flow(d))
            if len(f) == 0:
                continue
            rec = dict.fromkeys(NORTH_COLUMNS, 0)
            rec["time"] = int(N.local_to_ms([pd.Timestamp(d)])[0])
            for _, r in f.iterrows():
                buy, sell = NORTH_FIELDS[r["channel"]]
                rec[buy], rec[sell] = r["buy_amount"], r["sell_amount"]
            rows.append(rec)
        return {NORTH_CODE: pd.DataFrame(rows)} if rows else {}

    # ------------------------------------------------------------ ex-rights
    def divid(self, code: str, start, end) -> pd.DataFrame:
        ev = self._memo(("divid", code), lambda: self._dividends(code))
        lo, hi = _day(start, dt.date(1990, 1, 1)), _day(end, self.fake.today)
        ev = ev[(ev.index >= pd.Timestamp(lo)) & (ev.index <= pd.Timestamp(hi))]
        ev = ev.copy()
        ev.index = [t.strftime("%Y%m%d") for t in ev.index]
        return ev

    def _dividends(self, code: str) -> pd.DataFrame:
        cols = ["interest", "stockBonus", "stockGift", "allotNum", "allotPrice", "gugai", "dr"]
        market = getattr(self.src, "market", None) or self.src
        if hasattr(market, "dividends"):  # SimSource fast path: the event table itself
            d = market.dividends(code)
            df = pd.DataFrame({"interest": d["cash"].to_numpy(), "stockBonus": 0.0,
                               "stockGift": d["bonus"].to_numpy(), "allotNum": 0.0, "allotPrice": 0.0,
                               "gugai": 0, "dr": d["ratio"].to_numpy()}, index=pd.DatetimeIndex(d["ex_date"]))
            return df[cols]
        # generic: scan the factor over the code's history (slow; any MarketDataSource)
        rows, prev = {}, None
        for day in self.trading_days("", N.ymd(self.fake.today)):
            f = self._memo(("adj", day), lambda day=day: self.src.adj_factors(day))
            f = f[f["code"] == code]
            if len(f):
                cur = float(f["factor"].iloc[0])
                if prev is not None and abs(cur / prev - 1) > 1e-12:
                    rows[pd.Timestamp(day)] = [0.0, 0.0, 0.0, 0.0, 0.0, 0, cur / prev]
                prev = cur
        return pd.DataFrame.from_dict(rows, orient="index", columns=cols)

    # ------------------------------------------------------------ fundamentals
    def financial(self, codes, tables, start, end, report_type) -> dict:
        lo, hi = _day(start, dt.date(2010, 1, 1)), _day(end, self.fake.today)
        quarters = [f"{y}Q{q}" for y in range(lo.year - (report_type != "report_time"), hi.year + 1)
                    for q in (1, 2, 3, 4)]
        names = xt_names("financial_statements")
        wanted = [t for t in tables if t.upper() not in HOLDER_TABLES]
        parts = [] if not wanted else [self._memo(("fin", q, self.fake.today),
                            lambda q=q: self.src.financial_statements(q, self.fake.today))
                 for q in quarters if quarter_end(q) <= self.fake.today]
        parts = [p for p in parts if len(p)]
        fin = pd.concat(parts, ignore_index=True) if parts else schemas.empty("financial_statements")
        key = "report_date" if report_type == "report_time" else "pub_date"
        fin = fin[(fin[key] >= pd.Timestamp(lo)) & (fin[key] <= pd.Timestamp(hi))]
        out = {}
        for code in codes:
            out[code] = {}
            for table in tables:
                if table.upper() in HOLDER_TABLES:
                    out[code][table] = self._holder_table(table.upper(), code, lo, hi, report_type)
                    continue
                st = TABLE_STATEMENT.get(table.upper())
                f = fin[(fin["code"] == code) & (fin["statement"] == st)] if st else fin.iloc[0:0]
                cols = {"m_timetag": [N.ymd(x) for x in f["report_date"]],
                        "m_anntime": [N.ymd(x) for x in f["pub_date"]]}
                for canon in (schemas.STATEMENT_ITEMS.get(st) or []):
                    if names.get(canon):  # every documented column, NaN where the sim has none
                        cols[names[canon]] = f[canon].to_numpy()
                out[code][table] = pd.DataFrame(cols)
        return out

    def _holder_table(self, table: str, code: str, lo: dt.date, hi: dt.date, report_type: str) -> pd.DataFrame:
        """One stock's Capital / Top10Holder / Top10FlowHolder / HolderNum table, xtquant's columns."""
        by_code = self._memo(("holders", table, lo, hi, report_type, self.fake.today),
                             lambda: self._holder_tables(table, lo, hi, report_type))
        empty = by_code.get(None)
        return by_code.get(code, empty)

    def _holder_tables(self, table: str, lo: dt.date, hi: dt.date, report_type: str) -> dict:
        dataset, kind, key = HOLDER_TABLES[table]
        # the quarters whose rows can match: by period (report_time) or up to a year earlier (announce_time)
        first = lo if report_type == "report_time" else lo - dt.timedelta(days=400)
        quarters = [f"{y}Q{q}" for y in range(first.year, hi.year + 1) for q in (1, 2, 3, 4)
                    if quarter_end(f"{y}Q{q}") >= first
                    and quarter_end(f"{y}Q{q}") - dt.timedelta(days=92) <= min(hi, self.fake.today)]
        method = getattr(self.src, dataset)
        parts = [self._memo((dataset, q, self.fake.today), lambda q=q: method(q, self.fake.today)) for q in quarters]
        parts = [p for p in parts if len(p)]
        df = pd.concat(parts, ignore_index=True) if parts else schemas.empty(dataset)
        if kind is not None:
            df = df[df["kind"] == kind]
        col = key if report_type == "report_time" else "pub_date"
        df = df[(df[col] >= pd.Timestamp(lo)) & (df[col] <= pd.Timestamp(hi))]
        names = {c: x for c, x in xt_names(dataset).items() if x not in ("index", "table")}

        def xt_frame(part: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame({x: ([N.ymd(v) for v in part[c]] if x in XT_DATES else part[c].to_numpy())
                                 for c, x in names.items()})

        out = {code: xt_frame(part) for code, part in df.groupby("code")}
        out[None] = xt_frame(df.iloc[0:0])
        return out

    # ------------------------------------------------------------ reference
    def detail(self, code: str) -> Optional[dict]:
        inst = self._instruments(self._today())
        row = inst[inst["code"] == code]
        if row.empty:
            return None
        r = row.iloc[0]
        delist = r["delist_date"]
        return {"ExchangeID": code[-2:], "InstrumentID": code[:6], "InstrumentName": r["name"],
                "ProductID": "", "ProductName": "", "ProductType": -1, "ExchangeCode": code[-2:],
                "UniCode": code[:6], "CreateDate": "0", "OpenDate": N.ymd(r["list_date"]),
                "ExpireDate": "99999999" if pd.isna(delist) else N.ymd(delist),
                "TotalVolume": float(r["total_shares"]), "FloatVolume": float(r["float_shares"]),
                "VolumeMultiple": 1, "InstrumentStatus": 0, "IsTrading": True}

    def sector_list(self) -> list[str]:
        sm = self._memo(("sectors", self._today()), lambda: self.src.sector_membership(self._today()))
        names = sorted({sector_name(t, c, n) for t, c, n in
                        zip(sm["sector_type"], sm["sector_code"], sm["sector_name"])})
        return list(A_SHARE_SECTORS) + [INDEX_SECTOR] + list(TYPE_SECTORS) + names

    def sector_members(self, name: str, timetag) -> list[str]:
        day = _day(timetag, self._today())
        if name in TYPE_SECTORS:
            inst = self._instruments(day)
            return list(inst.loc[inst["type"].isin(TYPE_SECTORS[name]), "code"])
        if name in A_SHARE_SECTORS or name == INDEX_SECTOR:
            inst = self._instruments(day)
            if name == INDEX_SECTOR:
                return list(inst.loc[inst["type"] == "index", "code"])
            ok = inst["type"].eq("stock") & inst["exchange"].isin(A_SHARE_SECTORS[name])
            return list(inst.loc[ok, "code"])
        sm = self._memo(("sectors", day), lambda: self.src.sector_membership(day))
        keys = [sector_name(t, c, n) for t, c, n in zip(sm["sector_type"], sm["sector_code"], sm["sector_name"])]
        return [c for k, c in zip(keys, sm["code"]) if k == name]

    def index_weight(self, index_code: str) -> dict:
        w = self._memo(("weights", self._today()), lambda: self.src.index_weights(self._today()))
        w = w[w["index_code"] == index_code]
        return {c: float(x) / 100.0 for c, x in zip(w["code"], w["weight"])}  # fractions
