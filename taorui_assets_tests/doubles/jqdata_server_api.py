"""The JQData methods of the local stand-in: canonical frames → JQData-shaped answers.

Shapes follow the JoinQuant API documentation; where it is silent the choice is marked
GUESS (and listed in ``taorui_assets.lib.sources.jqdata``'s docstring).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import numpy as np
import pandas as pd

from taorui_assets.lib import calendar
from taorui_assets.lib import codes as C
from taorui_assets.lib.sources.base import MarketDataSource

DEFAULT_FIELDS = ["open", "close", "high", "low", "volume", "money"]
PRICE_FIELDS = {"open", "close", "high", "low", "high_limit", "low_limit", "pre_close", "avg"}
FAR_END = pd.Timestamp("2200-01-01")  # JQData's end_date of a security still listed
INDUSTRY_START = pd.Timestamp("2014-02-21")  # GUESS: start_date of every industry/concept
MONEY_FLOW_FIELDS = ["change_pct", "net_amount_main", "net_pct_main", "net_amount_xl", "net_pct_xl",
                     "net_amount_l", "net_pct_l", "net_amount_m", "net_pct_m", "net_amount_s",
                     "net_pct_s"]
BILLBOARD_COLUMNS = ["code", "day", "direction", "rank", "abnormal_code", "abnormal_name",
                     "sales_depart_name", "buy_value", "buy_rate", "sell_value", "sell_rate",
                     "total_value", "net_value", "amount"]


def jq(code: str) -> str:
    return C.to_jq(code)


def parse_dt(value) -> Optional[pd.Timestamp]:
    return None if value in (None, "") else pd.Timestamp(value)


def as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class JQApi:
    def __init__(self, source: MarketDataSource, today: dt.date):
        self.source = source
        self.today = today
        self._cache: dict[tuple, Any] = {}
        from taorui_assets_tests.doubles.jqdata_server_finance import FinanceDB

        self.finance = FinanceDB(self)

    # ------------------------------------------------------------- plumbing
    def call(self, method: str, params: dict) -> Any:
        fn = getattr(self, method, None)
        if fn is None or method.startswith("_") or method in ("call", "cached"):
            raise NotImplementedError(f"method {method} is not served by the test double")
        return fn(**params)

    def cached(self, name: str, *args) -> pd.DataFrame:
        key = (name, *args)
        if key not in self._cache:
            self._cache[key] = getattr(self.source, name)(*args)
        return self._cache[key]

    def calendar_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        out: list[dt.date] = []
        for year in range(max(start.year, calendar.FIRST_YEAR), min(end.year, calendar.LAST_KNOWN_YEAR) + 1):
            cal = self.cached("trading_calendar", year)
            out += [d.date() for d in pd.to_datetime(cal["date"])]
        return sorted(d for d in out if start <= d <= end)

    def days(self, start_date=None, end_date=None, count=None) -> list[dt.date]:
        end = (parse_dt(end_date) or pd.Timestamp(self.today)).date()
        if count:
            return self.calendar_days(dt.date(calendar.FIRST_YEAR, 1, 1), end)[-int(count):]
        start = (parse_dt(start_date) or pd.Timestamp(calendar.FIRST_YEAR, 1, 1)).date()
        return self.calendar_days(start, end)

    def listing(self, day: dt.date) -> pd.DataFrame:
        return self.cached("instruments", day)

    # ---------------------------------------------------------- reference
    def get_all_securities(self, types=(), date=None):
        day = (parse_dt(date) or pd.Timestamp(self.today)).date()
        inst = self.listing(day)
        want = set(as_list(types) or ["stock"])
        if "fund" in want:  # GUESS: every exchange-traded fund, each row with its own type
            want |= {"etf", "lof"}
        inst = inst[inst["type"].isin(want)].sort_values("code")
        out = pd.DataFrame({
            "display_name": inst["name"].to_numpy(),
            "name": ["S" + c[:6] for c in inst["code"]],  # GUESS: pinyin initials in reality
            "start_date": pd.to_datetime(inst["list_date"]).to_numpy(),
            "end_date": pd.to_datetime(inst["delist_date"]).fillna(FAR_END).to_numpy(),
            "type": inst["type"].to_numpy(),
        }, index=pd.Index([jq(c) for c in inst["code"]]))
        return out

    def get_security_info(self, code, date=None):
        day = (parse_dt(date) or pd.Timestamp(self.today)).date()
        inst = self.listing(day)
        try:
            row = inst[inst["code"] == C.to_qmt(code)]
        except C.CodeError:  # nothing found: the client then returns None
            return None
        if row.empty:
            return None
        r = row.iloc[0]
        end = r["delist_date"]
        return {"code": jq(r["code"]), "display_name": r["name"], "name": "S" + r["code"][:6],
                "start_date": pd.Timestamp(r["list_date"]).date(),
                "end_date": (FAR_END if pd.isna(end) else pd.Timestamp(end)).date(),
                "type": r["type"], "parent": None}

    def get_extras(self, info, security_list, start_date=None, end_date=None, df=True, count=None):
        if info != "is_st":
            raise NotImplementedError(f"get_extras({info!r}) is not served by the test double")
        secs = list(dict.fromkeys(as_list(security_list)))  # the client keeps one column per code
        days = self.days(start_date, end_date, count)
        rows = []
        for day in days:
            st = self.listing(day).set_index("code")["is_st"]
            rows.append([bool(st.get(C.to_qmt(s), False)) for s in secs])
        frame = pd.DataFrame(rows, columns=secs, index=pd.DatetimeIndex([pd.Timestamp(d) for d in days]),
                             dtype=bool)
        if df:
            return frame
        return {s: frame[s].to_numpy() for s in secs}

    # ----- valuation (issue 13 part 2): jqdata_server_fundamentals.py --------------------------
    def get_valuation(self, security_list, start_date=None, end_date=None, fields=None, count=None):
        from taorui_assets_tests.doubles import jqdata_server_fundamentals as F

        return F.get_valuation(self, security_list, start_date, end_date, fields, count)

    def get_fundamentals(self, sql):
        from taorui_assets_tests.doubles import jqdata_server_fundamentals as F

        return F.get_fundamentals(self, sql)

    def get_trade_days(self, start_date=None, end_date=None, count=None):
        return np.array(self.days(start_date, end_date, count), dtype=object)

    def get_all_trade_days(self):
        return np.array(self.calendar_days(dt.date(calendar.FIRST_YEAR, 1, 1),
                                           dt.date(calendar.LAST_KNOWN_YEAR, 12, 31)), dtype=object)

    # ------------------------------------------------------------- sectors
    def _sectors(self, kind: str, date=None) -> pd.DataFrame:
        day = (parse_dt(date) or pd.Timestamp(self.today)).date()
        sm = self.cached("sector_membership", day)
        return sm[sm["sector_type"] == kind]

    def _sector_list(self, kind: str, date=None) -> pd.DataFrame:
        sm = self._sectors(kind, date).drop_duplicates("sector_code").sort_values("sector_code")
        return pd.DataFrame({"name": sm["sector_name"].to_numpy(),
                             "start_date": [INDUSTRY_START] * len(sm)},
                            index=pd.Index(sm["sector_code"].to_numpy()))

    def get_industries(self, name="zjw", date=None):
        return self._sector_list("industry", date)

    def get_concepts(self):
        return self._sector_list("concept")

    def get_industry_stocks(self, industry_code, date=None):
        sm = self._sectors("industry", date)
        return sorted(jq(c) for c in sm.loc[sm["sector_code"] == industry_code, "code"])

    def get_concept_stocks(self, concept_code, date=None):
        sm = self._sectors("concept", date)
        return sorted(jq(c) for c in sm.loc[sm["sector_code"] == concept_code, "code"])

    def get_industry(self, security, date=None, df=False):
        raise NotImplementedError("get_industry is not served by the test double")

    # ------------------------------------------------------------- indexes
    def get_index_weights(self, index_id, date=None):
        day = (parse_dt(date) or pd.Timestamp(self.today)).date()
        w = self.cached("index_weights", day)
        w = w[w["index_code"] == C.to_qmt(index_id)].sort_values("code")
        names = self.listing(day).set_index("code")["name"]
        # GUESS: index = constituent code, columns date / weight / display_name.
        return pd.DataFrame({"date": [pd.Timestamp(day)] * len(w), "weight": w["weight"].to_numpy(float),
                             "display_name": [names.get(c, "") for c in w["code"]]},
                            index=pd.Index([jq(c) for c in w["code"]], name="code"))

    def get_index_stocks(self, index_symbol, date=None):
        return list(self.get_index_weights(index_symbol, date).index)

    # ------------------------------------------------------ flows and lists
    def get_billboard_list(self, stock_list=None, start_date=None, end_date=None, count=None):
        want = {C.to_qmt(s) for s in as_list(stock_list)}
        parts = []
        for day in self.days(start_date or end_date, end_date, count):
            b = self.cached("billboard", day)
            if want:
                b = b[b["code"].isin(want)]
            if b.empty:
                continue
            money = self.cached("daily_bars", day, None, None).set_index("code")["amount"]
            parts.append(_billboard_rows(day, b, money))
        if not parts:
            return pd.DataFrame(columns=BILLBOARD_COLUMNS)
        return pd.concat(parts, ignore_index=True)[BILLBOARD_COLUMNS]

    def get_money_flow(self, security_list, start_date=None, end_date=None, fields=None, count=None):
        secs = [C.to_qmt(s) for s in as_list(security_list)]
        fields = [f for f in (as_list(fields) or MONEY_FLOW_FIELDS) if f not in ("date", "sec_code")]
        parts = []
        # start_date "默认为平台提供的数据的最早日期" (jqdatasdk docstring): the calendar's first year
        for day in self.days(start_date, end_date, count):
            mf = self.cached("money_flow", day, None)
            mf = mf[mf["code"].isin(secs)].sort_values("code")
            bars = self.cached("daily_bars", day, None, None).set_index("code")
            bars = bars.reindex(mf["code"])
            money = bars["amount"].to_numpy(float)
            out = {"date": [pd.Timestamp(day)] * len(mf), "sec_code": [jq(c) for c in mf["code"]]}
            with np.errstate(divide="ignore", invalid="ignore"):
                out["change_pct"] = (bars["close"].to_numpy(float) / bars["pre_close"].to_numpy(float) - 1) * 100
                for size in ("main", "xl", "l", "m", "s"):
                    amount = mf[f"net_amount_{size}"].to_numpy(float)
                    out[f"net_amount_{size}"] = amount / 1e4  # 万元
                    out[f"net_pct_{size}"] = np.where(money > 0, amount / money * 100, np.nan)
            parts.append(pd.DataFrame(out)[["date", "sec_code", *fields]])
        if not parts:
            return pd.DataFrame(columns=["date", "sec_code", *fields])
        return pd.concat(parts, ignore_index=True)

    # ----------------------------------------------------------- finance db
    def get_table_orm(self, db, table=None):
        return self.finance.orm(db, table)

    def db_query(self, db, sql):
        return self.finance.query(db, sql)

    # --------------------------------------------------------------- prices
    def get_price(self, security, start_date=None, end_date=None, frequency="daily", fields=None,
                  skip_paused=False, fq="pre", count=None, panel=True, fill_paused=True,
                  round=True, **_ignored):
        from taorui_assets_tests.doubles.jqdata_server_prices import get_price

        return get_price(self, security, start_date, end_date, frequency, fields, skip_paused, fq,
                         count, fill_paused, round)


def _billboard_rows(day: dt.date, b: pd.DataFrame, money: pd.Series) -> pd.DataFrame:
    rows = []
    for (code, reason_code), g in b.groupby(["code", "reason_code"], sort=True):
        amount = float(money.get(code, np.nan))
        reason = g["reason"].iloc[0]
        rc = int(reason_code) if str(reason_code).isdigit() and not str(reason_code).startswith("0") \
            else reason_code  # GUESS: abnormal_code is an integer code such as 106001
        buy_total = float(g.loc[g["direction"] == "buy", "buy_amount"].sum())
        sell_total = float(g.loc[g["direction"] == "sell", "sell_amount"].sum())
        # GUESS: one 'ALL' summary row (rank 0, no seat) per stock and listing rule.
        rows.append({"code": jq(code), "day": day, "direction": "ALL", "rank": 0,
                     "abnormal_code": rc, "abnormal_name": reason, "sales_depart_name": None,
                     "buy_value": buy_total, "sell_value": sell_total,
                     "net_value": buy_total - sell_total})
        for r in g.sort_values(["direction", "rank"]).itertuples(index=False):
            rows.append({"code": jq(code), "day": day, "direction": r.direction.upper(),
                         "rank": int(r.rank), "abnormal_code": rc, "abnormal_name": reason,
                         "sales_depart_name": r.seat, "buy_value": float(r.buy_amount),
                         "sell_value": float(r.sell_amount), "net_value": float(r.net_amount)})
        for row in rows[-(len(g) + 1):]:
            row["amount"] = amount
            row["total_value"] = row["buy_value"] + row["sell_value"]
            row["buy_rate"] = row["buy_value"] / amount * 100 if amount else np.nan
            row["sell_rate"] = row["sell_value"] / amount * 100 if amount else np.nan
    return pd.DataFrame(rows)
