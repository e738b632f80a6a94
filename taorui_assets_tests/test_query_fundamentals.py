"""get_fundamentals and get_bars, which the JQData stand-in does not serve.

get_fundamentals: the stand-in is given a ``get_fundamentals(sql)`` method here that runs
jqdatasdk's own SQL (its date/statDate filters, its table renames) over tables built from the
SimMarket ground truth, so the unmodified client is compared with our API reading MongoDB.
get_bars: compared with jqdatasdk.get_price over the same bars (its documented relation)."""
from __future__ import annotations

import re
import sqlite3

import pandas as pd
import pytest

pytest.importorskip("jqdatasdk")
pytest.importorskip("thriftpy2")

from taorui_assets.lib.query import pit  # noqa: E402
from taorui_assets_tests.test_query_window import (  # noqa: E402
    DAYS, DIVIDEND, END, QUARTER_ENDS, QUARTERS, SUSPENDED, login, window)

LAST = DAYS[-1]
TABLES = {"balance": ("balance_sheet_day", "balance_sheet", "balance_sheet"),
          "income": ("income_statement_day", "income_statement", "income_statement_acc"),
          "cash_flow": ("cash_flow_statement_day", "cash_flow_statement", "cash_flow_statement_acc"),
          "indicator": ("financial_indicator_day", "financial_indicator", "financial_indicator_acc")}


def _truth_shares(sim) -> pd.DataFrame:
    """Share capital at each quarter end, from SimMarket's listing of the quarter's last trading day."""
    parts = []
    for day in QUARTER_ENDS:
        inst = sim.instruments(pd.Timestamp(day).date())
        period = pd.Timestamp(day) + pd.offsets.QuarterEnd(0)
        parts.append(pd.DataFrame({"code": inst["code"], "report_date": period,
                                   "total_shares": inst["total_shares"].astype(float)}))
    return pd.concat(parts, ignore_index=True)


def _truth_fundamentals(sim):
    from taorui_assets.lib.sources.jqdata_normalize import statements_coverage

    # the window is materialized through the JQData path, which carries JQData's columns only
    truth = statements_coverage(pd.concat([sim.financial_statements(q, END) for q in QUARTERS], ignore_index=True))
    shares = _truth_shares(sim)

    def get_fundamentals(sql):
        day = re.search(r"_day\.`?day`? = '(\d{4}-\d{2}-\d{2})", sql)
        stat = re.search(r"\.`?statDate`? = '(\d{4}-\d{2}-\d{2})", sql)
        con = sqlite3.connect(":memory:")
        try:
            for table, (daily, quarterly, annual) in TABLES.items():
                if re.search(rf"\b{daily}\b", sql):
                    asked = pd.Timestamp(day.group(1))
                    pit.day_rows(table, truth, asked, asked, shares).to_sql(daily, con, index=False)
                for name in dict.fromkeys([annual, quarterly]):  # balance_sheet serves both
                    if re.search(rf"\b{name}\b", sql):
                        rows = pit.stat_rows(table, truth, pd.Timestamp(stat.group(1)), name == annual
                                             and name != quarterly, shares)
                        rows.to_sql(name, con, index=False)
                        break
            cur = con.execute(sql.replace("`", '"'))
            return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])
        finally:
            con.close()

    return get_fundamentals


@pytest.fixture(scope="module")
def apis(mongo_server_uri):
    w = window(mongo_server_uri)
    w.server.api.get_fundamentals = _truth_fundamentals(w.sim)
    return login(w)


def _queries(lib):
    b, i, c, ind = lib.balance, lib.income, lib.cash_flow, lib.indicator
    return {
        "balance": lib.query(b.code, b.statDate, b.pubDate, b.total_assets, b.total_liability,
                             b.equities_parent_company_owners).filter(b.code.in_([*DIVIDEND, *SUSPENDED])),
        "joined": lib.query(b.code, b.total_assets, i.net_profit, i.np_parent_company_owners, i.basic_eps,
                            c.net_operate_cash_flow, ind.roe, ind.eps).filter(i.net_profit > 0)
        .order_by(b.total_assets.desc()).limit(15),
        "income": lib.query(i.code, i.statDate, i.total_operating_revenue, i.operating_profit),
        "cash_flow": lib.query(c.code, c.net_operate_cash_flow, c.net_invest_cash_flow,
                               c.cash_equivalent_increase).order_by(c.code).limit(20).offset(5),
        "indicator": lib.query(ind.code, ind.eps, ind.roe, ind.roa, ind.net_profit_margin),
    }


@pytest.mark.parametrize("name", ["balance", "joined", "income", "cash_flow", "indicator"])
@pytest.mark.parametrize("when", [{"date": LAST}, {"date": "2026-08-20"}, {"statDate": "2026q3"},
                                  {"statDate": "2026q2"}, {"statDate": "2026q1"}, {"statDate": "2025"}],
                         ids=["date", "date-august", "q3", "q2", "q1", "annual"])
def test_get_fundamentals(apis, name, when):
    theirs, ours = apis
    b = theirs.get_fundamentals(_queries(theirs)[name], **when)
    a = ours.get_fundamentals(_queries(ours)[name], **when)
    assert len(b) > 0
    pd.testing.assert_frame_equal(a, b)


def _full_queries(lib):
    """Columns of the full tables: detail lines, a JQData-only column (NULL) and derived indicators."""
    b, i, c, ind = lib.balance, lib.income, lib.cash_flow, lib.indicator
    return {
        "balance": lib.query(b.code, b.fixed_assets, b.good_will, b.contract_assets, b.paidin_capital,
                             b.retained_profit, b.total_sheet_owner_equities).filter(b.fixed_assets > 0),
        "income": lib.query(i.code, i.operating_cost, i.sale_expense, i.income_tax_expense,
                            i.credit_impairment_loss, i.minority_profit),
        "cash_flow": lib.query(c.code, c.subtotal_operate_cash_inflow, c.borrowing_repayment,
                               c.cash_and_equivalents_at_end).order_by(c.code).limit(30),
        "indicator": lib.query(ind.code, ind.gross_profit_margin, ind.ocf_to_revenue, ind.inc_return,
                               ind.expense_to_total_revenue, ind.inc_revenue_year_on_year),
    }


@pytest.mark.parametrize("name", ["balance", "income", "cash_flow", "indicator"])
@pytest.mark.parametrize("when", [{"date": LAST}, {"statDate": "2026q3"}, {"statDate": "2025"}],
                         ids=["date", "q3", "annual"])
def test_get_fundamentals_full_tables(apis, name, when):
    theirs, ours = apis
    b = theirs.get_fundamentals(_full_queries(theirs)[name], **when)
    a = ours.get_fundamentals(_full_queries(ours)[name], **when)
    assert len(b) > 0
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_full_tables_are_the_sim_statements(apis):
    """Against SimMarket directly: the first published 2026Q1 version (Q1: single quarter = year to date)."""
    from taorui_assets.lib import codes as C
    from taorui_assets.lib.sources.sim import SimSource

    ours = apis[1]
    b, i = ours.balance, ours.income
    got = ours.get_fundamentals(ours.query(b.code, b.fixed_assets, b.total_sheet_owner_equities, b.total_assets,
                                           i.operating_cost, i.income_tax_expense), statDate="2026q1")
    from taorui_assets_tests.test_query_window import N_STOCKS

    sim = SimSource(n_stocks=N_STOCKS).financial_statements("2026Q1", END)
    first = sim.sort_values("pub_date").drop_duplicates(["code", "statement"], keep="first")
    bal = first[first["statement"] == "balance"].set_index("code")
    inc = first[first["statement"] == "income"].set_index("code")
    got = got.assign(qmt=[C.to_qmt(x) for x in got["code"]]).set_index("qmt")
    assert len(got) > 50
    assert (got["fixed_assets"] == bal.loc[got.index, "fix_assets"]).all()
    assert (got["operating_cost"] == inc.loc[got.index, "operating_cost"]).all()
    assert (got["income_tax_expense"] == inc.loc[got.index, "inc_tax"]).all()
    assert (got["total_sheet_owner_equities"] == got["total_assets"]).all()  # the balance sheet balances


def test_get_fundamentals_errors(apis):
    ours = apis[1]
    q = ours.query(ours.balance.code, ours.balance.total_assets)
    with pytest.raises(ours.OutOfRangeError):
        ours.get_fundamentals(q, statDate="2024q3")  # quarter not materialized
    with pytest.raises(ours.ParamsError):
        ours.get_fundamentals(q, date=LAST, statDate="2026q3")
    with pytest.raises(ours.ParamsError):
        ours.get_fundamentals(q, statDate="2026q5")


# ---------------------------------------------------------------------------- get_bars
def _as_bars(price: pd.DataFrame, fields) -> pd.DataFrame:
    out = price.reset_index().rename(columns={"index": "date"})
    out["date"] = [t.date() for t in out["date"]]
    return out[fields].reset_index(drop=True)


@pytest.mark.parametrize("fq_ref_date,fq", [(None, None), (LAST, "pre")])
def test_get_bars_daily_equals_get_price(apis, fq_ref_date, fq):
    theirs, ours = apis
    fields = ["date", "open", "high", "low", "close", "volume", "money"]
    # 300151 was suspended on 3 of the 5 days: its last 2 bars are the traded days of the last 4
    for code, count in ((DIVIDEND[0], 4), (SUSPENDED[0], 2)):
        got = ours.get_bars(code, count=count, unit="1d", fields=fields, end_dt=f"{LAST} 16:00:00",
                            fq_ref_date=fq_ref_date)
        want = theirs.get_price(code, end_date=LAST, count=4, fq=fq, skip_paused=True,
                                fields=fields[1:])
        pd.testing.assert_frame_equal(got, _as_bars(want, fields))


def test_get_bars_minutes_and_lists(apis):
    theirs, ours = apis
    got = ours.get_bars(DIVIDEND, count=10, unit="5m", fields=["date", "close", "volume"],
                        end_dt=f"{LAST} 10:00:00")
    want = theirs.get_price(DIVIDEND, start_date=f"{DAYS[-2]} 09:00:00", end_date=f"{LAST} 10:00:00",
                            frequency="5m", fq=None, panel=False, fields=["close", "volume"])
    for code in DIVIDEND:
        w = want[want["code"] == code].tail(10).rename(columns={"time": "date"})
        pd.testing.assert_frame_equal(got.loc[code], w[["date", "close", "volume"]].reset_index(drop=True))
    assert ours.get_bars(DIVIDEND[0], count=3, end_dt=f"{LAST} 10:00:00")["date"].iloc[-1] == pd.Timestamp(DAYS[-2]).date()
    assert ours.get_bars(DIVIDEND[0], count=3, end_dt=f"{LAST} 10:00:00", include_now=True)["date"].iloc[-1] \
        == pd.Timestamp(LAST).date()
    recs = ours.get_bars(DIVIDEND[0], count=2, df=False)
    assert recs.dtype.names == ("date", "open", "high", "low", "close") and len(recs) == 2
    with pytest.raises(ours.OutOfRangeError):
        ours.get_bars(DIVIDEND[0], count=30, end_dt=f"{LAST} 16:00:00")
