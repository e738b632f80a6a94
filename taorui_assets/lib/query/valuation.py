"""The valuation table (市值表) in JQData's shapes: ``get_fundamentals(query(valuation...))`` and
``get_valuation``, read from the stored ``valuation`` dataset (computed by lib/valuation.py).

Units as jqdatasdk's ``get_valuation`` docstring: capitalization / circulating_cap in 万股,
market_cap / circulating_market_cap in 亿元, turnover_ratio in percent; pe_ratio (TTM),
pe_ratio_lyr, pb_ratio, ps_ratio (TTM), pcf_ratio (现金净流量TTM) as stored. The table has every
column of jqdatasdk's ``StockValuation`` model, so ``query(valuation)`` has JQData's shape; the
columns we do not compute (pcf_ratio2, dividend_ratio, free_cap, free_market_cap, a_cap,
a_market_cap) are null.

* ``get_fundamentals(q, date=D)``: the valuation of the last trading day on or before D
  (JoinQuant: "如果传入的date不是交易日，则使用这个日期之前的最近的一个交易日"); with
  ``statDate`` the last trading day on or before the period's end (jqdatasdk's
  ``get_fundamentals_sql``: "估值表, 在非交易日没有数据 所以如果传入的非交易日, 就需要取得前一个交易日").
  ``day`` is 'YYYY-MM-DD' text, as the statement tables' rows.
* ``get_valuation(security_list, start_date, end_date, fields, count)``: start_date or count
  (one of them, "不能与count共用"; end_date defaults to today); rows ordered by day,
  then by the securities as given (a repeated code once); a suspended day has no row ("如果期间
  标的停牌，则该标的返回的市值数据数量小于count"); ``code`` and ``day`` (datetime64) always
  first; ``fields=None``: every documented field (GUESS: the service returns them all).
* ``id``: GUESS, JQData's row ids are database ids; ours (and the stand-in's) are
  yyyymmdd·10⁷ + exchange digit (SH 1, SZ 2, BJ 3)·10⁶ + the 6-digit code, stable per (code, day).
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Column, Date, Float, Integer, String
from sqlalchemy.orm import declarative_base

from taorui_assets.lib.fields import jq_names
from taorui_assets.lib.query.connection import (
    OutOfRangeError, ParamsError, as_list, day_of, db, jq, known_codes, qmt, trading_days)
from taorui_assets.lib.valuation import to_jqdata

NAMES = jq_names("valuation")  # canonical → JQData
COMPUTED = [NAMES[c] for c in ("pe_ttm", "turnover_ratio", "pb", "ps_ttm", "pcf_ttm", "total_shares",
                               "market_cap", "float_shares", "float_market_cap", "pe_lyr")]
NOT_COMPUTED = ["pcf_ratio2", "dividend_ratio", "free_cap", "free_market_cap", "a_cap", "a_market_cap"]
# jqdatasdk finance_tables.StockValuation's column order (what ``query(valuation)`` selects)
FIELDS = [*COMPUTED, *NOT_COMPUTED]
EXCHANGE_DIGIT = {"SH": 1, "SZ": 2, "BJ": 3}

Base = declarative_base()
valuation = type("StockValuation", (Base,), {
    "__tablename__": "stock_valuation", "id": Column(Integer, primary_key=True), "code": Column(String(12)),
    "day": Column(Date), **{name: Column(Float) for name in FIELDS}})


def row_id(code: str, day: pd.Timestamp) -> int:
    return int(day.strftime("%Y%m%d")) * 10_000_000 + EXCHANGE_DIGIT[code[-2:]] * 1_000_000 + int(code[:6])


def jq_frame(stored: pd.DataFrame) -> pd.DataFrame:
    """Canonical stored rows → the valuation table's columns in JQData's units (code JQ form,
    ``day`` a Timestamp), sorted by day and code."""
    stored = stored.sort_values(["date", "code"]).reset_index(drop=True)
    conv = to_jqdata(stored)
    out = pd.DataFrame({"id": [row_id(c, d) for c, d in zip(stored["code"], stored["date"])],
                        "code": [jq(c) for c in stored["code"]],
                        "day": pd.to_datetime(stored["date"]).astype("datetime64[ns]")})
    for canon, name in NAMES.items():
        if canon not in ("code", "date"):
            out[name] = conv[canon].to_numpy(float)
    for name in NOT_COMPUTED:
        out[name] = float("nan")
    return out[["id", "code", "day", *FIELDS]]


def _stored(days: list[pd.Timestamp], codes=None) -> pd.DataFrame:
    query: dict = {"date": {"$in": [d.to_pydatetime() for d in days]}}
    if codes is not None:
        query["code"] = {"$in": sorted(set(codes))}
    docs = list(db()["valuation"].find(query, {"_id": 0, "source": 0, "ingested_at": 0}))
    return pd.DataFrame(docs)


def table_rows(date=None, stat_date=None) -> pd.DataFrame:
    """The rows of the SQL table ``stock_valuation`` for one get_fundamentals call."""
    if stat_date is not None:
        from taorui_assets.lib.quarters import stat_period

        try:
            period, _annual = stat_period(stat_date)
        except ValueError as e:
            raise ParamsError(str(e)) from None
        asked = pd.Timestamp(period)
    else:
        asked = day_of(date)
    days = trading_days(asked - pd.Timedelta(days=30), asked)
    if not days:
        raise OutOfRangeError(f"no stored trading day on or before {asked.date()} (within 30 days)")
    day = days[-1]
    stored = _stored([day])
    if stored.empty:
        raise OutOfRangeError(f"valuation of {day.date()} is not stored; materialize the valuation "
                              f"partition {day.date()}")
    out = jq_frame(stored)
    out["day"] = out["day"].dt.strftime("%Y-%m-%d")
    return out


def get_valuation(security_list, start_date=None, end_date=None, fields=None, count=None) -> pd.DataFrame:
    """jqdatasdk ``get_valuation``: see the module docstring."""
    if not security_list:
        raise ParamsError("security_list is required")
    if start_date is not None and count:
        raise ParamsError("start_date and count cannot be used together (不能与count共用)")
    codes = list(dict.fromkeys(qmt(s) for s in as_list(security_list)))
    known_codes(codes)
    fields = [f for f in as_list(fields) if f not in ("code", "day")] or list(FIELDS)
    bad = [f for f in fields if f not in FIELDS]
    if bad:
        raise ParamsError(f"get_valuation fields {bad} are not in the valuation table; choose from {FIELDS}")
    if start_date is None and not count:  # JoinQuant: "start_date … 与 count 二选一"
        raise ParamsError("get_valuation needs start_date or count")
    days = trading_days(start_date, end_date, int(count) if count else None)
    columns = ["code", "day", *fields]
    if not days:
        return pd.DataFrame(columns=columns)
    with_rows = {pd.Timestamp(d) for d in db()["valuation"].distinct(
        "date", {"date": {"$gte": days[0].to_pydatetime(), "$lte": days[-1].to_pydatetime()}})}
    missing = [d for d in days if d not in with_rows]
    if missing:
        raise OutOfRangeError(f"get_valuation: valuation is not stored for {len(missing)} of the {len(days)} "
                              f"trading days, e.g. {', '.join(str(d.date()) for d in missing[:5])}; "
                              "materialize those valuation partitions first")
    stored = _stored(days, codes)
    if stored.empty:
        out = pd.DataFrame(columns=columns)
        out["day"] = pd.to_datetime(out["day"])
        return out
    frame = jq_frame(stored)
    order = {jq(c): k for k, c in enumerate(codes)}
    frame = frame.assign(_k=frame["code"].map(order)).sort_values(["day", "_k"], kind="stable")
    return frame[columns].reset_index(drop=True)


__all__ = ["valuation", "get_valuation"]
