"""``get_fundamentals`` and ``get_valuation`` of the local JQData stand-in: the valuation table.

The values come from the source's own ``valuation`` table — for SimSource, SimMarket's
reference computed from its generators (lib/sim/valuation.py), NOT from our stored and
computed valuation — converted to JQData's units here (万股, 亿元), so that comparing our read
API with this server tests our computation, storage and shapes at once.

``get_fundamentals(sql)``: jqdatasdk compiles the user's query to MySQL SQL with
``stock_valuation.day = 'D'`` (``get_fundamentals_sql``). As JoinQuant documents ("如果传入的
date不是交易日，则使用这个日期之前的最近的一个交易日"), D is moved to the last trading day on
or before it; the day's rows fill an in-memory SQLite table, and the SQL runs there. ``day``
comes back as 'YYYY-MM-DD' text. Only the valuation table is served here.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3

import numpy as np
import pandas as pd

from taorui_assets.lib import codes as C

# jqdatasdk finance_tables.StockValuation, in declaration order.
FIELDS = ["pe_ratio", "turnover_ratio", "pb_ratio", "ps_ratio", "pcf_ratio", "capitalization", "market_cap",
          "circulating_cap", "circulating_market_cap", "pe_ratio_lyr", "pcf_ratio2", "dividend_ratio",
          "free_cap", "free_market_cap", "a_cap", "a_market_cap"]
# The source's canonical valuation columns behind JQData's (GUESS: the rest are not served: null).
FROM_SOURCE = {"pe_ratio": ("pe_ttm", 1.0), "turnover_ratio": ("turnover_ratio", 1.0), "pb_ratio": ("pb", 1.0),
               "ps_ratio": ("ps_ttm", 1.0), "pcf_ratio": ("pcf_ttm", 1.0), "capitalization": ("total_shares", 1e4),
               "market_cap": ("market_cap", 1e8), "circulating_cap": ("float_shares", 1e4),
               "circulating_market_cap": ("float_market_cap", 1e8), "pe_ratio_lyr": ("pe_lyr", 1.0)}
TABLE_RE = re.compile(r"\b(stock_valuation|balance_sheet_day|income_statement_day|cash_flow_statement_day|"
                      r"financial_indicator_day|balance_sheet|income_statement|cash_flow_statement|"
                      r"financial_indicator)\b")
DAY_RE = re.compile(r"stock_valuation\.`?day`?\s*=\s*'(\d{4}-\d{2}-\d{2})(?: 00:00:00)?'")


def _id(code: str, day: dt.date) -> int:
    # GUESS (JQData's ids are database ids): yyyymmdd·10⁷ + exchange digit·10⁶ + code
    return int(day.strftime("%Y%m%d")) * 10_000_000 + {"SH": 1, "SZ": 2, "BJ": 3}[code[-2:]] * 1_000_000 \
        + int(code[:6])


def day_rows(api, day: dt.date) -> pd.DataFrame:
    """The valuation table of one trading day in JQData's units, sorted by code."""
    v = api.cached("valuation", day, None).sort_values("code")
    out = pd.DataFrame({"id": [_id(c, day) for c in v["code"]], "code": [C.to_jq(c) for c in v["code"]],
                        "day": [pd.Timestamp(day)] * len(v)})
    for name in FIELDS:
        if name in FROM_SOURCE:
            col, unit = FROM_SOURCE[name]
            out[name] = v[col].to_numpy(float) / unit
        else:
            out[name] = np.nan
    return out.reset_index(drop=True)


def trading_day_on_or_before(api, day: dt.date) -> dt.date:
    days = api.calendar_days(day - dt.timedelta(days=30), day)
    if not days:
        raise ValueError(f"no trading day within 30 days before {day}")
    return days[-1]


def get_fundamentals(api, sql: str) -> pd.DataFrame:
    tables = set(TABLE_RE.findall(sql))
    if tables != {"stock_valuation"}:
        raise NotImplementedError(f"get_fundamentals over {sorted(tables)} is not served by the test double "
                                  "(only the valuation table)")
    found = DAY_RE.findall(sql)
    if len(set(found)) != 1:
        raise ValueError("get_fundamentals: the SQL names no single stock_valuation.day")
    asked = dt.date.fromisoformat(found[0])
    day = trading_day_on_or_before(api, asked)
    sql = DAY_RE.sub(f"stock_valuation.day = '{day.isoformat()}'", sql)
    rows = day_rows(api, day)
    rows["day"] = rows["day"].dt.strftime("%Y-%m-%d")
    con = sqlite3.connect(":memory:")
    try:
        rows.to_sql("stock_valuation", con, index=False)
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description]
        out = pd.DataFrame(cur.fetchall(), columns=columns)
    finally:
        con.close()
    for c in out.columns:  # numbers as float (NULL → NaN), as the service's pandas would
        if c in FIELDS:
            out[c] = pd.to_numeric(out[c]).astype(float)
    return out


def get_valuation(api, security_list, start_date=None, end_date=None, fields=None, count=None) -> pd.DataFrame:
    from taorui_assets_tests.doubles.jqdata_server_api import as_list

    if start_date is not None and count:
        raise ValueError("start_date 不能与 count 共用")
    if start_date is None and not count:
        raise ValueError("get_valuation needs start_date or count")
    secs = list(dict.fromkeys(as_list(security_list)))
    fields = [f for f in as_list(fields) if f not in ("code", "day")] or list(FIELDS)
    bad = [f for f in fields if f not in FIELDS]
    if bad:
        raise ValueError(f"valuation fields {bad} do not exist")
    parts = []
    for day in api.days(start_date, end_date, count):
        rows = day_rows(api, day).set_index("code")
        have = [s for s in secs if s in rows.index]  # suspended or not a stock: no row
        part = rows.loc[have].reset_index()
        parts.append(part[["code", "day", *fields]])
    if not parts:
        return pd.DataFrame(columns=["code", "day", *fields])
    return pd.concat(parts, ignore_index=True)
