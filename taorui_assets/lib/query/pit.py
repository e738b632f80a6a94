"""Point-in-time rows of the fundamentals tables from stored statement versions (pure).

``docs`` is the canonical financial_statements frame (every published version, year-to-date
income and cash flow); the rows returned are those of JoinQuant's tables: JQData codes and
column names, single-quarter income and cash flow, dates as 'YYYY-MM-DD' text.

``indicator`` follows JoinQuant's data dictionary (table ``indicator``), over the row's period
(a single quarter; the year for annual ``statDate`` rows), in percent:

* eps = net profit to the parent / share capital at the period end ("每股收益(摊薄)＝净利润/
  期末股本；分子从单季利润表取值，分母取季度末报告期股本值"); ``shares`` gives that capital;
* roe = net profit to the parent × 2 / (opening + closing parent equity);
* roa = net profit × 2 / (opening + closing total assets);
* net_profit_margin = net profit / operating revenue.

The opening balance is the balance sheet of the period before (previous quarter end; previous
year end for annual rows), in the version the row's own statements are read in.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from taorui_assets.lib import codes as C
from taorui_assets.lib.fields import INDICATOR_FIELDS, JQ_ONLY_COLUMNS, jq_names
from taorui_assets.lib.quarters import stat_period  # noqa: F401 - part of this module's interface
from taorui_assets.lib.schemas import STATEMENT_ITEMS

NAMES = jq_names("financial_statements")
FLOWS = ("income", "cash_flow")  # year to date in storage, single quarter in the tables
INDICATORS = [name for name, _formula, _qmt in INDICATOR_FIELDS]


def table_columns(table: str) -> list[str]:
    """JQData's value columns of a fundamentals table, in jqdatasdk's order where we have it:
    the statement items with a JQData name, then JQData's columns QMT lacks (NULL)."""
    if table == "indicator":
        return list(INDICATORS)
    return [NAMES[i] for i in STATEMENT_ITEMS[table] if i in NAMES] + JQ_ONLY_COLUMNS[table]


def previous_quarter(period: pd.Timestamp) -> pd.Timestamp:
    return (period - pd.offsets.QuarterEnd(1)).normalize()


def is_first_quarter(period: pd.Timestamp) -> bool:
    return period.month == 3


def _pick(docs: pd.DataFrame, statement: str, latest: bool) -> pd.DataFrame:
    """One version per (code, report_date): the first or the latest published."""
    d = docs[docs["statement"] == statement].sort_values(["code", "report_date", "pub_date"])
    return d.drop_duplicates(["code", "report_date"], keep="last" if latest else "first")


def _single_quarter(cur: pd.DataFrame, versions: pd.DataFrame, statement: str) -> pd.DataFrame:
    """Year-to-date values of ``cur`` minus the previous quarter's (same code), Q1 unchanged."""
    items = STATEMENT_ITEMS[statement]
    prev_dates = cur["report_date"].map(previous_quarter)
    key = pd.MultiIndex.from_arrays([cur["code"], prev_dates])
    prev = versions.set_index(["code", "report_date"])[items].reindex(key)
    out = cur.copy()
    first = cur["report_date"].dt.month.to_numpy() == 3
    for item in items:
        out[item] = np.where(first, cur[item].to_numpy(float),
                             cur[item].to_numpy(float) - prev[item].to_numpy(float))
    return out


def _frame(table: str, rows: pd.DataFrame, items: list[str], day) -> pd.DataFrame:
    rows = rows.assign(jq=[C.to_jq(c) for c in rows["code"]]).sort_values("jq")
    n = len(rows)
    out = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "code": rows["jq"].to_numpy(),
        "day": (rows["report_date"].dt.strftime("%Y-%m-%d") if day is None else [day] * n),
        "pubDate": rows["pub_date"].dt.strftime("%Y-%m-%d").to_numpy() if n else [],
        "statDate": rows["report_date"].dt.strftime("%Y-%m-%d").to_numpy() if n else []})
    cols = {}
    for item in items:
        name = item if table == "indicator" else NAMES.get(item)
        if name is not None:
            cols[name] = rows[item].to_numpy(float) if n else []
    for name in table_columns(table):  # JQData's columns without a stored counterpart: NULL
        cols.setdefault(name, np.full(n, np.nan))
    out = pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)
    return out.reset_index(drop=True)


def opening_period(period: pd.Timestamp, single: bool) -> pd.Timestamp:
    """The balance date a period opens with: previous quarter end, or previous year end."""
    return previous_quarter(period) if single else pd.Timestamp(period.year - 1, 12, 31)


def _indicator(inc: pd.DataFrame, cf: pd.DataFrame, bal: pd.DataFrame, single: bool,
               shares: Optional[pd.DataFrame]) -> pd.DataFrame:
    def balances(dates) -> pd.DataFrame:
        return bal.set_index(["code", "report_date"]).reindex(pd.MultiIndex.from_arrays([inc["code"], dates]))

    close = balances(inc["report_date"])
    opening = balances(inc["report_date"].map(lambda p: opening_period(p, single)))
    flows = cf.set_index(["code", "report_date"]).reindex(pd.MultiIndex.from_arrays([inc["code"], inc["report_date"]]))
    if shares is None or shares.empty:
        capital = np.full(len(inc), np.nan)
    else:
        capital = shares.set_index(["code", "report_date"])["total_shares"].reindex(
            pd.MultiIndex.from_arrays([inc["code"], inc["report_date"]])).to_numpy(float)
    out = inc[["code", "report_date", "pub_date"]].copy()

    def v(frame, item):
        return frame[item].to_numpy(float) if item in frame.columns else np.full(len(inc), np.nan)

    np_parent, net = v(inc, "net_profit_parent"), v(inc, "net_profit")
    revenue, op_revenue = v(inc, "total_revenue"), v(inc, "operating_revenue")
    mean_equity = (v(opening, "equity_parent") + v(close, "equity_parent")) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        out["eps"] = np_parent / capital
        out["adjusted_profit"] = v(inc, "net_profit_incl_min_int_inc_after")
        out["operating_profit"] = revenue - v(inc, "total_operating_cost")
        out["value_change_profit"] = v(inc, "change_income_fair_value") + v(inc, "plus_net_invest_inc")
        out["roe"] = np_parent / mean_equity * 100
        out["inc_return"] = out["adjusted_profit"].to_numpy(float) / mean_equity * 100
        out["roa"] = net * 2 / (v(opening, "total_assets") + v(close, "total_assets")) * 100
        out["net_profit_margin"] = net / op_revenue * 100
        out["gross_profit_margin"] = (op_revenue - v(inc, "operating_cost")) / op_revenue * 100
        for name, item in (("expense_to_total_revenue", "total_operating_cost"),
                           ("operation_profit_to_total_revenue", "operating_profit"),
                           ("net_profit_to_total_revenue", "net_profit"),
                           ("operating_expense_to_total_revenue", "sale_expense"),
                           ("ga_expense_to_total_revenue", "less_gerl_admin_exp"),
                           ("financing_expense_to_total_revenue", "financial_expense")):
            out[name] = v(inc, item) / revenue * 100
        profit = v(inc, "total_profit")
        out["operating_profit_to_profit"] = out["operating_profit"].to_numpy(float) / profit * 100
        out["invesment_profit_to_profit"] = out["value_change_profit"].to_numpy(float) / profit * 100
        out["adjusted_profit_to_profit"] = out["adjusted_profit"].to_numpy(float) / net * 100
        out["goods_sale_and_service_to_revenue"] = v(flows, "goods_sale_and_service_render_cash") / op_revenue * 100
        out["ocf_to_revenue"] = v(flows, "net_operating_cash_flow") / op_revenue * 100
        out["ocf_to_operating_profit"] = (v(flows, "net_operating_cash_flow")
                                          / out["operating_profit"].to_numpy(float) * 100)
    for name in INDICATORS:  # the growth rates are not derived (lib/fields.py INDICATOR_FIELDS)
        if name not in out.columns:
            out[name] = np.nan
    return out


def _table_rows(table: str, pick, current, single: bool = True,
                shares: Optional[pd.DataFrame] = None) -> tuple[pd.DataFrame, list[str]]:
    """(rows, canonical items) of ``table``; ``pick(statement)`` gives the usable versions,
    ``current(versions)`` keeps each code's row of interest; ``single``: de-accumulate flows."""
    if table == "indicator":
        inc, _ = _table_rows("income", pick, current, single)
        cf, _ = _table_rows("cash_flow", pick, current, single)
        return _indicator(inc, cf, pick("balance"), single, shares), list(INDICATORS)
    versions = pick(table)
    rows = current(versions)
    if table in FLOWS and single:
        rows = _single_quarter(rows, versions, table)
    return rows, STATEMENT_ITEMS[table]


def _complete(docs: pd.DataFrame) -> pd.DataFrame:
    """Every statement item as a column (NaN where absent: sparse documents, partial frames)."""
    missing = [i for items in STATEMENT_ITEMS.values() for i in items if i not in docs.columns]
    return pd.concat([docs, pd.DataFrame(np.nan, index=docs.index, columns=missing)], axis=1) if missing else docs


def stat_rows(table: str, docs: pd.DataFrame, period: pd.Timestamp, annual: bool,
              shares: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """``statDate`` rows: the period's first published version of each security; the annual
    report (``annual``) keeps income and cash flow year to date. ``shares``: code,
    report_date, total_shares (share capital at the period end, for eps)."""
    docs = _complete(docs)
    rows, items = _table_rows(table, lambda s: _pick(docs, s, latest=False),
                              lambda v: v[v["report_date"] == period], single=not annual, shares=shares)
    return _frame(table, rows, items, None)


def visible(docs: pd.DataFrame, asked: pd.Timestamp) -> pd.DataFrame:
    """The versions published on or before ``asked``: JoinQuant's ``date`` "我们会查找上市公司在
    这个日期之前(包括此日期)发布的数据"."""
    return docs[docs["pub_date"] <= asked]


def latest_periods(docs: pd.DataFrame, asked: pd.Timestamp) -> pd.Series:
    """Each code's latest report period visible on ``asked`` (code → report_date)."""
    return visible(docs, asked).groupby("code")["report_date"].max()


def day_rows(table: str, docs: pd.DataFrame, asked: pd.Timestamp, day: pd.Timestamp,
             shares: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """``date`` rows: what was published on or before ``asked``, each security's latest period."""
    seen = visible(_complete(docs), asked)
    rows, items = _table_rows(
        table, lambda s: _pick(seen, s, latest=True),
        lambda v: v.sort_values(["code", "report_date"]).drop_duplicates("code", keep="last"), shares=shares)
    return _frame(table, rows, items, day.strftime("%Y-%m-%d"))
