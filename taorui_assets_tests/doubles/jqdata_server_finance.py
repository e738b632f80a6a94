"""The ``finance`` database of the local JQData stand-in (``finance.run_query``).

The client asks ``get_table_orm(db)`` for table names, ``get_table_orm(db, table)`` for a
table's columns (``[(name, "Column(...)")]``, which it ``eval``s into a SQLAlchemy model),
then sends MySQL SQL compiled from the user's query to ``db_query(db, sql)``. We fill an
in-memory SQLite table with the rows the SQL can touch (date literals in the SQL select
the days / report periods) and run the SQL there (SQLite accepts MySQL's back-ticks and
``LIMIT offset, n``). Dates come back as ``datetime.date`` objects, numbers as float.

Tables (columns per the JoinQuant data dictionary; only a subset of the statement items):
``STK_ML_QUOTA`` (northbound/southbound turnover, 亿元) and ``STK_BALANCE_SHEET``,
``STK_INCOME_STATEMENT``, ``STK_CASHFLOW_STATEMENT`` (consolidated, year to date, CNY).
Statement versions: the first publication of a report period is ``report_type=0``
(本期); every later version (restatement, published as the prior-period column of a
later report) is ``report_type=1`` (上期) with its own ``pub_date``.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Optional

import pandas as pd

from taorui_assets.lib import codes as C
from taorui_assets.lib.fields import jq_names
from taorui_assets.lib.schemas import STATEMENT_ITEMS
from taorui_assets_tests.doubles import jqdata_server_holders as holders

TABLE_META = [("id", "Column(Integer, primary_key=True)"), ("company_id", "Column(Integer)"),
              ("company_name", "Column(String(100))"), ("code", "Column(String(12))"),
              ("a_code", "Column(String(12))"), ("b_code", "Column(String(12))"),
              ("h_code", "Column(String(12))"), ("pub_date", "Column(Date)"),
              ("start_date", "Column(Date)"), ("end_date", "Column(Date)"),
              ("report_date", "Column(Date)"), ("report_type", "Column(Integer)"),
              ("source_id", "Column(Integer)"), ("source", "Column(String(60))")]
STATEMENT_TABLES = {"STK_BALANCE_SHEET": "balance", "STK_INCOME_STATEMENT": "income",
                    "STK_CASHFLOW_STATEMENT": "cash_flow"}
DEC = "Column(DECIMAL(20, 4))"
ML_QUOTA = [("id", "Column(Integer, primary_key=True)"), ("day", "Column(Date)"),
            ("link_id", "Column(Integer)"), ("link_name", "Column(String(32))"),
            ("currency_id", "Column(Integer)"), ("currency", "Column(String(16))"),
            ("buy_amount", DEC), ("buy_volume", DEC), ("sell_amount", DEC), ("sell_volume", DEC),
            ("sum_amount", DEC), ("sum_volume", DEC), ("quota", DEC), ("quota_balance", DEC),
            ("quota_daily", DEC), ("quota_daily_balance", DEC)]
LINKS = {"sh_connect": (310001, "沪股通"), "sz_connect": (310002, "深股通")}
DAILY_QUOTA = 520.0  # 亿元, northbound daily quota per channel since 2018
DATE_RE = re.compile(r"'(\d{4}-\d{2}-\d{2})(?: 00:00:00)?'")


def _statement_columns(statement: str) -> list[tuple[str, str]]:
    names = jq_names("financial_statements")
    return TABLE_META + [(names[item], DEC) for item in STATEMENT_ITEMS[statement] if item in names]


def tables() -> dict[str, list[tuple[str, str]]]:
    out = {"STK_ML_QUOTA": ML_QUOTA}
    for table, statement in STATEMENT_TABLES.items():
        out[table] = _statement_columns(statement)
    out.update(holders.TABLES)  # capital and holders (issue 13 part 4)
    return out


class FinanceDB:
    def __init__(self, api):
        self.api = api
        self.tables = tables()

    def orm(self, db: str, table: Optional[str] = None):
        if db != "finance":
            raise NotImplementedError(f"database {db} is not served by the test double")
        if table is None:
            return list(self.tables)
        if table not in self.tables:
            raise ValueError(f"table {table} does not exist")
        return {"name": table, "columns": list(self.tables[table])}

    def query(self, db: str, sql: str) -> pd.DataFrame:
        self.orm(db)
        found = [t for t in self.tables if re.search(rf"\bFROM\s+`?{t}`?\b", sql, re.I)]
        if len(found) != 1:
            raise ValueError("only a table is allowed to query every time")
        table = found[0]
        dates = sorted({dt.date.fromisoformat(d) for d in DATE_RE.findall(sql)})
        if table in holders.TABLES:
            rows = holders.rows(self.api, table, dates)
        else:
            rows = self._ml_quota(dates) if table == "STK_ML_QUOTA" else self._statements(table, dates)
        return _run(table, self.tables[table], rows, sql)

    # ---------------------------------------------------------------- rows
    def _ml_quota(self, dates: list[dt.date]) -> list[dict]:
        if not dates:
            return []
        end = min(dates[-1] + dt.timedelta(days=31), self.api.today)
        rows = []
        for day in self.api.calendar_days(dates[0], end):
            nb = self.api.cached("northbound_flow", day)
            for r in nb.sort_values("channel").itertuples(index=False):
                link_id, link_name = LINKS[r.channel]
                buy, sell = float(r.buy_amount) / 1e8, float(r.sell_amount) / 1e8  # 亿元
                rows.append({"id": int(day.strftime("%Y%m%d")) * 10 + link_id % 10, "day": day,
                             "link_id": link_id, "link_name": link_name, "currency_id": 110001,
                             "currency": "人民币", "buy_amount": buy, "buy_volume": None,
                             "sell_amount": sell, "sell_volume": None, "sum_amount": buy + sell,
                             "sum_volume": None, "quota": None, "quota_balance": None,
                             "quota_daily": DAILY_QUOTA, "quota_daily_balance": DAILY_QUOTA - buy + sell})
        return rows

    def _statements(self, table: str, dates: list[dt.date]) -> list[dict]:
        statement = STATEMENT_TABLES[table]
        names = jq_names("financial_statements")
        rows = []
        for d in dates:
            if (d.month, d.day) not in ((3, 31), (6, 30), (9, 30), (12, 31)):
                continue
            quarter = f"{d.year}Q{(d.month - 1) // 3 + 1}"
            fs = self.api.cached("financial_statements", quarter, self.api.today, None)
            fs = fs[(fs["statement"] == statement) & (pd.to_datetime(fs["report_date"]).dt.date == d)]
            fs = fs.sort_values(["pub_date", "code"])
            first = ~fs.duplicated("code", keep="first")
            base = d.year * 10_000_000 + ((d.month - 1) // 3) * 1_000_000
            for k, (r, is_first) in enumerate(zip(fs.to_dict("records"), first)):
                start = dt.date(d.year, 1, 1) if statement != "balance" else d
                row = {"id": base + k, "company_id": 4_000_0000 + int(r["code"][:6]),
                       "company_name": f"公司{r['code'][:6]}", "code": C.to_jq(r["code"]),
                       "a_code": r["code"][:6], "b_code": None, "h_code": None,
                       "pub_date": pd.Timestamp(r["pub_date"]).date(), "start_date": start,
                       "end_date": d, "report_date": d, "report_type": 0 if is_first else 1,
                       "source_id": 321003, "source": "定期报告"}
                for item in (i for i in STATEMENT_ITEMS[statement] if i in names):
                    v = r[item]
                    row[names[item]] = None if pd.isna(v) else float(v)
                rows.append(row)
        return rows


def _run(table: str, columns: list[tuple[str, str]], rows: list[dict], sql: str) -> pd.DataFrame:
    con = sqlite3.connect(":memory:")
    try:
        names = [c for c, _ in columns]
        date_cols = {c for c, t in columns if "Date" in t}
        con.execute(f"CREATE TABLE `{table}` ({', '.join(f'`{c}`' for c in names)})")
        con.executemany(f"INSERT INTO `{table}` VALUES ({', '.join('?' * len(names))})",
                        [[(r.get(c).isoformat() if c in date_cols and r.get(c) else r.get(c))
                          for c in names] for r in rows])
        cur = con.execute(sql)
        out_cols = [d[0] for d in cur.description]
        frame = pd.DataFrame(cur.fetchall(), columns=out_cols)
    finally:
        con.close()
    for c in out_cols:
        if c in date_cols:
            frame[c] = [None if v is None else dt.date.fromisoformat(v) for v in frame[c]]
        elif dict(columns).get(c, "").startswith("Column(DECIMAL"):
            frame[c] = frame[c].astype(float)
    return frame
