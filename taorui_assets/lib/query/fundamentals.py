"""``get_fundamentals`` over JQData's full tables balance, income, cash_flow and indicator
(every column of jqdatasdk's BalanceSheetDay, IncomeStatementDay, CashFlowStatementDay and
FinancialIndicatorDay; lib/fields.py says which stored item fills each, NULL where none does)
and valuation (the daily 市值表: lib/query/valuation.py).

Users write the same SQLAlchemy queries as with jqdatasdk (``query(balance.code,
balance.total_assets).filter(...)``); we fill an in-memory SQLite table per referenced table
with one row per security, then run the compiled query there, as JoinQuant runs it in MySQL.

* ``statDate='2026q3'``: the period's first published version; ``statDate='2025'``: the
  annual report (income and cash flow for the whole year).
* ``date=D``: point in time — per security and table, the latest report period with a
  version published on or before D, in its latest version published by then (JoinQuant:
  "我们会查找上市公司在这个日期之前(包括此日期)发布的数据"). ``day`` is the last trading day
  on or before D.
* income and cash_flow are single-quarter figures, as in JoinQuant's tables: the stored
  year-to-date value minus the previous quarter's (Q1 and annual: year to date).
* indicator (derived, JoinQuant's formulas; see ``pit``): eps = net profit to the parent /
  share capital at the period end (the stored instruments snapshot of the period's last
  trading day); roe and roa over the average of the opening and closing balances;
  net_profit_margin = net profit / operating revenue.
"""
from __future__ import annotations

import sqlite3
from typing import Optional

import pandas as pd
from sqlalchemy import Column, Date, Float, Integer, String  # dagster depends on sqlalchemy
from sqlalchemy.orm import Query, declarative_base

from taorui_assets.lib import calendar, schemas
from taorui_assets.lib.query import bars, pit
from taorui_assets.lib.query.connection import OutOfRangeError, ParamsError, db, day_of, trading_days

LIMIT = 10_000  # rows per call, as jqdatasdk's FUNDAMENTAL_RESULT_LIMIT
Base = declarative_base()


def _table(class_name: str, table: str, columns: list[str]):
    cols = {"__tablename__": table, "id": Column(Integer, primary_key=True),
            "code": Column(String(12)), "day": Column(Date), "pubDate": Column(Date),
            "statDate": Column(Date), **{name: Column(Float) for name in columns}}
    return type(class_name, (Base,), cols)


# JQData's full tables (jqdatasdk/finance_tables.py); columns from lib/fields.py via pit.
balance = _table("BalanceSheetDay", "balance_sheet_day", pit.table_columns("balance"))
income = _table("IncomeStatementDay", "income_statement_day", pit.table_columns("income"))
cash_flow = _table("CashFlowStatementDay", "cash_flow_statement_day", pit.table_columns("cash_flow"))
indicator = _table("FinancialIndicatorDay", "financial_indicator_day", pit.table_columns("indicator"))
TABLES = {"balance": balance, "income": income, "cash_flow": cash_flow, "indicator": indicator}
# ----- valuation (issue 13 part 2): the daily 市值表, rows from lib/query/valuation.py
from taorui_assets.lib.query.valuation import table_rows as _valuation_rows, valuation  # noqa: E402

TABLES["valuation"] = valuation


def query(*entities, **kwargs) -> Query:
    """jqdatasdk's ``query``: a SQLAlchemy Query over the tables above."""
    return Query(entities, **kwargs)


def get_fundamentals(query_object, date=None, statDate=None) -> pd.DataFrame:  # noqa: N803
    if not isinstance(query_object, Query):
        raise ParamsError(f"query_object must be a sqlalchemy Query, got {type(query_object).__name__}")
    if date is None and statDate is None:
        date = pd.Timestamp(day_of(None)) - pd.Timedelta(days=1)  # jqdatasdk: yesterday
    if (date is not None) == (statDate is not None):
        raise ParamsError("(statDate, date) only one param is required")
    names = _referenced(query_object)
    if not names:
        raise ParamsError(f"get_fundamentals reads tables {sorted(TABLES)} only")
    eps = "indicator" in names and _uses_eps(query_object)
    frames = _rows(names, date, statDate, eps)
    q = query_object
    limit = min(LIMIT, q._limit_clause.value) if q._limit_clause is not None else LIMIT
    offset = q._offset_clause.value if q._offset_clause is not None else None
    q = q.limit(None).offset(None)
    first = TABLES[names[0]]
    for name in names[1:]:
        q = q.filter(TABLES[name].code == first.code)
    q = q.limit(limit).offset(offset)
    return _run(q, frames)


def _referenced(q: Query) -> list[str]:
    froms = {t.name for t in q.statement.get_final_froms()}
    unknown = froms - {t.__tablename__ for t in TABLES.values()}
    if unknown:
        raise ParamsError(f"get_fundamentals does not serve {sorted(unknown)}; "
                          f"tables: {', '.join(TABLES)}")
    return [n for n, t in TABLES.items() if t.__tablename__ in froms]


def _uses_eps(q: Query) -> bool:
    """Whether the query reads indicator.eps anywhere (columns, filters, ordering)."""
    from sqlalchemy.dialects import sqlite

    sql = str(q.statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    return f"{indicator.__tablename__}.eps" in sql


def _rows(names: list[str], date, stat_date, eps: bool = False) -> dict[str, pd.DataFrame]:
    frames = {"valuation": _valuation_rows(date, stat_date)} if "valuation" in names else {}
    statements = [n for n in names if n != "valuation"]
    if statements:
        frames.update(_statement_rows(statements, date, stat_date, eps))
    return frames


def _statement_rows(names: list[str], date, stat_date, eps: bool = False) -> dict[str, pd.DataFrame]:
    if stat_date is not None:
        try:
            period, annual = pit.stat_period(stat_date)
        except ValueError as e:
            raise ParamsError(str(e)) from None
        periods = [period] if annual or pit.is_first_quarter(period) else [period, pit.previous_quarter(period)]
        if "indicator" in names:  # roe and roa average the opening and closing balances
            periods.append(pit.opening_period(period, single=not annual))
        periods = list(dict.fromkeys(periods))
        docs = _statements(periods)
        for p in periods:
            if docs.empty or not (docs["report_date"] == p).any():
                raise OutOfRangeError(f"no financial statements are stored for report period {p.date()} "
                                      "(not materialized, or none published yet)")
        shares = _shares({period: None}) if eps else None
        return {n: pit.stat_rows(n, docs, period, annual, shares) for n in names}
    asked = day_of(date)
    days = trading_days(asked - pd.Timedelta(days=30), asked)
    day = days[-1] if days else asked
    docs = _statements(None, before=asked)
    if docs.empty:
        raise OutOfRangeError(f"no stored financial statement was published on or before {asked.date()}")
    shares = None
    if eps:
        latest = pit.latest_periods(docs, asked)
        shares = _shares({p: list(codes) for p, codes in latest.groupby(latest).groups.items()})
    return {n: pit.day_rows(n, docs, asked, day, shares) for n in names}


def _shares(periods: dict) -> pd.DataFrame:
    """Share capital at each period end (code, report_date, total_shares): the stored
    instruments snapshot of the period's last trading day; ``periods`` maps a report date to
    the codes wanted (None: all)."""
    coll, parts = db()["instruments"], []
    for period, codes in periods.items():
        period = pd.Timestamp(period)
        last = pd.Timestamp(calendar.last_trading_days(period.date(), 1)[-1])
        query = {"date": last.to_pydatetime()}
        if codes is not None and len(codes) <= bars.WIDE:
            query["code"] = {"$in": sorted(codes)}
        docs = list(coll.find(query, {"_id": 0, "code": 1, "total_shares": 1}))
        if not docs:
            raise OutOfRangeError(f"indicator.eps needs the share capital at the end of {period.date()}: "
                                  f"materialize the instruments partition {last.date()}")
        part = pd.DataFrame(docs, columns=["code", "total_shares"]).assign(report_date=period)
        parts.append(part if codes is None else part[part["code"].isin(set(codes))])
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["code", "total_shares", "report_date"])
    out["report_date"] = pd.to_datetime(out["report_date"]).astype("datetime64[ns]")
    return out


def _statements(periods: Optional[list[pd.Timestamp]], before: Optional[pd.Timestamp] = None) -> pd.DataFrame:
    if periods is not None:
        query = {"report_date": {"$in": [p.to_pydatetime() for p in periods]}}
    else:  # the periods that can be latest at ``before`` and the quarters preceding them
        query = {"report_date": {"$gte": (before - pd.Timedelta(days=550)).to_pydatetime(),
                                 "$lte": before.to_pydatetime()},
                 "pub_date": {"$lte": before.to_pydatetime()}}
    docs = list(db()["financial_statements"].find(query, {"_id": 0, "source": 0, "ingested_at": 0}))
    df = pd.DataFrame(docs)
    if df.empty:
        return df
    # documents leave out their NaN items (sparse storage): every canonical column back
    df = df.reindex(columns=schemas.columns("financial_statements"))
    for c in ("report_date", "pub_date"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    return df


def _run(q: Query, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    from sqlalchemy.dialects import sqlite

    sql = str(q.statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    con = sqlite3.connect(":memory:")
    try:
        for name, frame in frames.items():
            frame.to_sql(TABLES[name].__tablename__, con, index=False)
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description]
        out = pd.DataFrame(cur.fetchall(), columns=columns)
    finally:
        con.close()
    for c in out.columns:
        if out[c].dtype == object and c not in ("code", "day", "pubDate", "statDate"):
            out[c] = pd.to_numeric(out[c], errors="ignore")
    return out


__all__ = ["query", "get_fundamentals", "balance", "income", "cash_flow", "indicator", "valuation"]
