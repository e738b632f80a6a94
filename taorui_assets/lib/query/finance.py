"""``finance.run_query`` over the stored capital and holder datasets, with JQData's table and
column names (issue 13 part 5):

    from taorui_assets import query as jq
    t = jq.finance.STK_SHAREHOLDER_TOP10
    jq.finance.run_query(jq.query(t.code, t.shareholder_name, t.share_ratio)
                         .filter(t.code == "000001.XSHE", t.end_date == "2026-09-30"))

Tables (columns per JoinQuant's data dictionary; lib/fields.py maps them to the datasets):
STK_CAPITAL_CHANGE (capital_changes; share counts in 万股 as JQData reports them),
STK_SHAREHOLDER_TOP10 and STK_SHAREHOLDER_FLOATING_TOP10 (top10_holders), STK_HOLDER_NUM
(holder_counts), STK_HK_HOLD_INFO (northbound_holdings). Columns the platform does not store
(company ids, English names, pledges, ...) are NULL. As with get_fundamentals the compiled
query runs in SQLite over the rows it can touch: the codes and the simple AND-ed date
conditions of the SQL narrow what is read from MongoDB; ``id`` is a row number, not JQData's.
At most 5,000 rows a call, as jqdatasdk's run_query.
"""
from __future__ import annotations

import re
import sqlite3

import numpy as np
import pandas as pd
from sqlalchemy import Column, Date, Float, Integer, String
from sqlalchemy.orm import Query, declarative_base

from taorui_assets.lib import codes as C
from taorui_assets.lib.fields import jq_names
from taorui_assets.lib.query.connection import ParamsError, db

LIMIT = 5000
Base = declarative_base()
WAN = 1e4
LINKS = {"sh_connect": (310001, "沪股通"), "sz_connect": (310002, "深股通")}
COMPANY = {"company_id": Column(Integer), "company_name": Column(String(100)), "code": Column(String(12))}
HOLDER = {"end_date": Column(Date), "pub_date": Column(Date), "change_reason_id": Column(Integer),
          "change_reason": Column(String(120)), "shareholder_rank": Column(Integer),
          "shareholder_name": Column(String(200)), "shareholder_name_en": Column(String(200)),
          "shareholder_class_id": Column(Integer), "shareholder_class": Column(String(150)),
          "share_number": Column(Float), "share_ratio": Column(Float), "sharesnature_id": Column(Integer),
          "sharesnature": Column(String(120))}


def _table(name: str, columns: dict):
    cols = {"__tablename__": name, "id": Column(Integer, primary_key=True)}
    cols.update({k: c.copy() for k, c in columns.items()})
    return type(name, (Base,), cols)


class _Finance:
    """jqdatasdk's ``finance`` module: the tables below and ``run_query``."""

    STK_CAPITAL_CHANGE = _table("STK_CAPITAL_CHANGE", {
        **COMPANY, "change_date": Column(Date), "pub_date": Column(Date), "change_reason_id": Column(Integer),
        "change_reason": Column(String(120)), "share_total": Column(Float), "share_non_trade": Column(Float),
        "share_limited": Column(Float), "share_trade_total": Column(Float)})
    STK_SHAREHOLDER_TOP10 = _table("STK_SHAREHOLDER_TOP10", {
        **COMPANY, **HOLDER, "shareholder_id": Column(Integer), "share_pledge_freeze": Column(Float),
        "share_pledge": Column(Float), "share_freeze": Column(Float)})
    STK_SHAREHOLDER_FLOATING_TOP10 = _table("STK_SHAREHOLDER_FLOATING_TOP10", {**COMPANY, **HOLDER})
    STK_HOLDER_NUM = _table("STK_HOLDER_NUM", {
        "code": Column(String(12)), "end_date": Column(Date), "pub_date": Column(Date),
        "share_holders": Column(Integer), "a_share_holders": Column(Integer), "b_share_holders": Column(Integer),
        "h_share_holders": Column(Integer)})
    STK_HK_HOLD_INFO = _table("STK_HK_HOLD_INFO", {
        "day": Column(Date), "link_id": Column(Integer), "link_name": Column(String(32)), "code": Column(String(12)),
        "name": Column(String(100)), "share_number": Column(Float), "share_ratio": Column(Float)})

    def run_query(self, query_object) -> pd.DataFrame:
        if not isinstance(query_object, Query):
            raise ParamsError(f"query_object must be a sqlalchemy Query, got {type(query_object).__name__}")
        froms = {t.name for t in query_object.statement.get_final_froms()}
        if len(froms) != 1:
            raise ParamsError("only a table is allowed to query every time")  # jqdatasdk's message
        (name,) = froms
        if name not in SOURCES:
            raise ParamsError(f"finance.run_query serves {sorted(SOURCES)}, not {name}")
        q = query_object
        limit = min(LIMIT, q._limit_clause.value) if q._limit_clause is not None else LIMIT
        q = q.limit(limit)
        sql = _sql(q)
        return _run(sql, name, _rows(name, sql))


finance = _Finance()
TABLES = {name: getattr(_Finance, name) for name in (
    "STK_CAPITAL_CHANGE", "STK_SHAREHOLDER_TOP10", "STK_SHAREHOLDER_FLOATING_TOP10", "STK_HOLDER_NUM",
    "STK_HK_HOLD_INFO")}
# table → (dataset, kind filter, {JQData date column: stored field})
SOURCES = {
    "STK_CAPITAL_CHANGE": ("capital_changes", None, {"change_date": "change_date", "pub_date": "pub_date"}),
    "STK_SHAREHOLDER_TOP10": ("top10_holders", "top10", {"end_date": "report_date", "pub_date": "pub_date"}),
    "STK_SHAREHOLDER_FLOATING_TOP10": ("top10_holders", "top10_float",
                                       {"end_date": "report_date", "pub_date": "pub_date"}),
    "STK_HOLDER_NUM": ("holder_counts", None, {"end_date": "report_date", "pub_date": "pub_date"}),
    "STK_HK_HOLD_INFO": ("northbound_holdings", None, {"day": "date"}),
}
JQ_CODE = re.compile(r"'(\d{6}\.(?:XSHE|XSHG|BJSE))'")
OPS = {"=": "$eq", ">=": "$gte", "<=": "$lte", ">": "$gt", "<": "$lt"}


def _sql(q: Query) -> str:
    from sqlalchemy.dialects import sqlite

    return str(q.statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def _pushdown(name: str, sql: str) -> dict:
    """A MongoDB filter no wider than the SQL's WHERE: its codes and simple date comparisons,
    only when every condition is AND-ed (an OR could widen the answer)."""
    dataset, kind, dates = SOURCES[name]
    query: dict = {} if kind is None else {"kind": kind}
    parts = re.split(r"\bWHERE\b", sql, maxsplit=1)
    where = parts[1] if len(parts) == 2 else ""
    if re.search(r"\bOR\b|\bNOT\b", where, re.I):
        return query
    where = re.split(r"\b(?:ORDER BY|LIMIT|GROUP BY)\b", where)[0]
    codes = set()
    for cond in re.split(r"\bAND\b", where, flags=re.I):
        m = re.fullmatch(rf'\s*"?{name}"?\."?code"?\s+(?:=|IN)\s*\(?(.*?)\)?\s*', cond, re.I | re.S)
        if m:
            codes |= {C.to_qmt(c) for c in JQ_CODE.findall(m.group(1))}
            continue
        m = re.fullmatch(rf"\s*\"?{name}\"?\.\"?(\w+)\"?\s*(=|>=|<=|>|<)\s*'(\d{{4}}-\d{{2}}-\d{{2}})[^']*'\s*", cond)
        if m and m.group(1) in dates:
            field = dates[m.group(1)]
            query.setdefault(field, {})[OPS[m.group(2)]] = pd.Timestamp(m.group(3)).to_pydatetime()
    if codes:
        query["code"] = {"$in": sorted(codes)}
    return query


def _rows(name: str, sql: str) -> pd.DataFrame:
    dataset = SOURCES[name][0]
    docs = list(db()[dataset].find(_pushdown(name, sql), {"_id": 0, "source": 0, "ingested_at": 0}))
    df = pd.DataFrame(docs)
    cols = [c.name for c in TABLES[name].__table__.columns]
    if df.empty:
        return pd.DataFrame(columns=cols)
    names = jq_names(dataset)
    out = pd.DataFrame(index=df.index)
    out["code"] = [C.to_jq(c) for c in df["code"]]
    for canon, jq in names.items():
        if canon in df.columns and jq not in ("code", "table", "link_id") and jq in cols:
            out[jq] = df[canon]
    if name == "STK_CAPITAL_CHANGE":
        for jq in ("share_total", "share_trade_total", "share_limited"):  # shares → 万股
            out[jq] = out[jq].astype(float) / WAN
    if name == "STK_HK_HOLD_INFO":
        out["link_id"] = [LINKS[c][0] for c in df["channel"]]
        out["link_name"] = [LINKS[c][1] for c in df["channel"]]
    order = [c for c in ("day", "end_date", "change_date", "code", "pub_date", "shareholder_rank") if c in out]
    out = out.sort_values(order, kind="stable").reset_index(drop=True)
    out["id"] = np.arange(1, len(out) + 1)
    return out.reindex(columns=cols)


def _run(sql: str, name: str, rows: pd.DataFrame) -> pd.DataFrame:
    table = TABLES[name].__table__
    dates = {c.name for c in table.columns if isinstance(c.type, Date)}
    con = sqlite3.connect(":memory:")
    try:
        frame = rows.copy()
        for c in dates:
            frame[c] = [None if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d") for v in frame[c]]
        frame = frame.astype(object).where(frame.notna(), None)
        con.execute(f'CREATE TABLE "{name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in frame.columns)})')
        con.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * len(frame.columns))})',
                        frame.itertuples(index=False, name=None))
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description]
        out = pd.DataFrame(cur.fetchall(), columns=columns)
    finally:
        con.close()
    kinds = {c.name: c.type for c in table.columns}
    for c in out.columns:
        if c in dates:
            out[c] = [None if v is None else pd.Timestamp(v).date() for v in out[c]]
        elif isinstance(kinds.get(c), Float):
            out[c] = out[c].astype(float)
    return out


__all__ = ["finance"]
