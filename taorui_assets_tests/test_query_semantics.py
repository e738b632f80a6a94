"""JQData's documented semantics (issue 13 part 6): each test quotes the line it holds us to.

Sources: jqdatasdk 1.9.8's docstrings and code (``.venv/.../jqdatasdk/api.py``, ``client.py``)
and JoinQuant's API documentation (get_fundamentals, the ``indicator`` data dictionary). Where
the stand-in server answered otherwise it was corrected (see README "Known differences")."""
from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("jqdatasdk")
pytest.importorskip("thriftpy2")

from taorui_assets.lib import calendar  # noqa: E402
from taorui_assets.lib import codes as C  # noqa: E402
from taorui_assets_tests.test_query_window import (  # noqa: E402
    DAYS, DIVIDEND, END, QUARTERS, SUSPENDED, ST, login, window)

FIRST, LAST = DAYS[0], DAYS[-1]
MIXED = [*DIVIDEND, *SUSPENDED, ST]


@pytest.fixture(scope="module")
def apis(mongo_server_uri):
    return login(window(mongo_server_uri))


@pytest.fixture(autouse=True)
def _fresh_client_caches(apis):
    from taorui_assets.lib.sources.jqdata import _clear_client_caches

    _clear_client_caches(apis[0])


@pytest.fixture(scope="module")
def truth(mongo_server_uri):
    """Every stored statement version, as SimMarket published them (canonical names)."""
    sim = window(mongo_server_uri).sim
    return pd.concat([sim.financial_statements(q, END) for q in QUARTERS], ignore_index=True)


# ------------------------------------------------------------------ get_fundamentals
def test_get_fundamentals_date_counts_reports_published_that_day(apis, truth):
    """JoinQuant, get_fundamentals: "传入date时, 查询指定日期date收盘后所能看到的最近(对市值表来说,
    最近一天, 对其他表来说, 最近一个季度)的数据, 我们会查找上市公司在这个日期之前(包括此日期)发布的数据,
    不会有未来函数." A Q3 report published on D is in the answer for date=D, not for D-1."""
    ours = apis[1]
    q3 = truth[(truth["report_date"] == "2026-09-30") & (truth["statement"] == "income")]
    q3 = q3[q3["pub_date"] <= pd.Timestamp(LAST)].sort_values(["pub_date", "code"])
    cases = q3.drop_duplicates("code").head(3)
    assert len(cases)
    for code, pub in zip(cases["code"], cases["pub_date"]):
        q = ours.query(ours.income.code, ours.income.statDate, ours.income.pubDate).filter(
            ours.income.code == C.to_jq(code))
        on = ours.get_fundamentals(q, date=pub.date())
        assert on[["statDate", "pubDate"]].values.tolist() == [["2026-09-30", str(pub.date())]]
        before = ours.get_fundamentals(q, date=(pub - pd.Timedelta(days=1)).date())
        assert before["statDate"].tolist() == ["2026-06-30"]


def _versions(truth, statement, period):
    """Each code's first published version of ``period`` (what statDate reads)."""
    d = truth[(truth["statement"] == statement) & (truth["report_date"] == pd.Timestamp(period))]
    return d.sort_values("pub_date").drop_duplicates("code", keep="first").set_index("code")


@pytest.mark.parametrize("stat_date,period,before,opening", [
    ("2026q3", "2026-09-30", "2026-06-30", "2026-06-30"),  # single quarter: Q3 minus Q2 year to date
    ("2026q1", "2026-03-31", None, "2025-12-31"),
    ("2025", "2025-12-31", None, "2024-12-31")], ids=["q3", "q1", "annual"])  # annual: the whole year
def test_indicator_formulas_as_documented(apis, truth, mongo_server_uri, stat_date, period, before, opening):
    """JoinQuant's data dictionary, table indicator:
    eps "每股收益(摊薄)＝净利润/期末股本；分子从单季利润表取值，分母取季度末报告期股本值" (净利润:
    归属于母公司股东的净利润); roe "归属于母公司股东的净利润*2/（期初归属于母公司股东的净资产+
    期末归属于母公司股东的净资产）"; roa "净利润*2/（期初总资产+期末总资产）"; net_profit_margin
    "净利润/营业收入"; all in percent except eps (jqdatasdk: roe "净资产收益率ROE(%)")."""
    ours = apis[1]
    ind = ours.indicator
    got = ours.get_fundamentals(ours.query(ind.code, ind.eps, ind.roe, ind.roa, ind.net_profit_margin),
                                statDate=stat_date).set_index("code")
    inc, bal = _versions(truth, "income", period), _versions(truth, "balance", period)
    open_bal = _versions(truth, "balance", opening)
    if before is not None:  # single quarter = year to date minus the previous quarter
        prev = _versions(truth, "income", before).reindex(inc.index)
        inc = inc.copy()
        for c in ("net_profit_parent", "net_profit", "operating_revenue"):
            inc[c] = inc[c] - prev[c]
    sim = window(mongo_server_uri).sim
    last_day = calendar.last_trading_days(pd.Timestamp(period).date(), 1)[-1]
    shares = sim.instruments(last_day).set_index("code")["total_shares"]
    want = pd.DataFrame({
        "eps": inc["net_profit_parent"] / shares.reindex(inc.index),
        "roe": inc["net_profit_parent"] * 2 / (open_bal["equity_parent"].reindex(inc.index)
                                               + bal["equity_parent"].reindex(inc.index)) * 100,
        "roa": inc["net_profit"] * 2 / (open_bal["total_assets"].reindex(inc.index)
                                        + bal["total_assets"].reindex(inc.index)) * 100,
        "net_profit_margin": inc["net_profit"] / inc["operating_revenue"] * 100,
    })
    want.index = [C.to_jq(c) for c in want.index]
    want = want.sort_index()
    assert list(got.index) == list(want.index) and len(got) > 10
    assert np.isfinite(got.to_numpy(float)).all(axis=1).mean() > 0.9  # NaN: no opening balance yet
    pd.testing.assert_frame_equal(got, want, check_names=False, rtol=1e-9)


def test_indicator_eps_needs_the_period_end_share_capital(apis):
    """eps: "分母取季度末报告期股本值" — without the instruments snapshot of the period's last
    trading day (2024-12-31 is not stored in the window) eps is refused, not guessed; columns
    that do not need it are still answered."""
    ours = apis[1]
    with pytest.raises(ours.OutOfRangeError, match="2024-12-31"):
        ours.get_fundamentals(ours.query(ours.indicator.code, ours.indicator.eps), date="2025-04-30")
    roe = ours.get_fundamentals(ours.query(ours.indicator.code, ours.indicator.roe), date="2025-04-30")
    assert len(roe)


# ------------------------------------------------------------------------ get_price
def test_get_price_fill_paused_false_fills_suspended_days_with_nan(apis):
    """jqdatasdk.get_price: ":param fill_paused : False 表示使用NAN填充停牌的数据，True表示用close价格
    填充，默认True". On a suspended day the traded values (prices, volume, money, avg) are NaN;
    ``paused`` (1.0) and the day's factor, limits and pre_close still describe the day."""
    theirs, ours = apis
    fields = ["open", "close", "high", "low", "volume", "money", "avg", "paused", "factor", "high_limit",
              "pre_close"]
    for kwargs in ({"start_date": FIRST, "end_date": LAST},
                   {"start_date": f"{FIRST} 09:00:00", "end_date": f"{LAST} 15:00:00", "frequency": "5m"}):
        a = ours.get_price(MIXED, panel=False, fill_paused=False, fields=fields, **kwargs)
        b = theirs.get_price(MIXED, panel=False, fill_paused=False, fields=fields, **kwargs)
        pd.testing.assert_frame_equal(a, b)
        paused = a[a["paused"] == 1.0]
        assert len(paused) and set(paused["code"]) <= set(SUSPENDED)
        assert paused[["open", "close", "high", "low", "volume", "money", "avg"]].isna().all().all()
        assert paused[["factor", "high_limit", "pre_close"]].notna().all().all()
        traded = a[a["paused"] == 0.0]
        assert traded[["open", "volume", "money"]].notna().all().all()


def test_get_price_end_date_defaults_to_2015_12_31(apis, mongo_server_uri):
    """jqdatasdk.get_price: ":param end_date 格式同上, 结束时间, 默认是'2015-12-31', 包含此日期." The
    client sends end_date=None and the service applies the default; we apply it here. Checked on
    a database holding the last three trading days of 2015."""
    from taorui_assets.defs.market import assets as market
    from taorui_assets.defs.reference import assets as reference
    from taorui_assets.resources.jqdata import JQDataResource
    from taorui_assets_tests import harness
    from taorui_assets_tests.test_query_window import PASSWORD, USER

    theirs, ours = apis
    w = window(mongo_server_uri)
    days = [str(d) for d in calendar.last_trading_days(pd.Timestamp("2015-12-31").date(), 3)]
    db = f"q15_{uuid.uuid4().hex[:8]}"
    res = harness.resources(w.uri, db, JQDataResource(username=USER, password=PASSWORD, host="127.0.0.1",
                                                      port=w.server.port))
    assert harness.materialize(harness.YEARLY, [], "2015", res).success
    for d in days:
        assert harness.materialize([reference.instruments, market.daily_bars, market.adj_factors], [], d,
                                   res).success
    listed = theirs.get_all_securities(date="2015-12-31").index
    code = next(c for c in [*DIVIDEND, *listed] if c in listed)
    ours.connect(w.uri, db)
    try:
        a = ours.get_price(code, count=3, fq=None)
        b = theirs.get_price(code, count=3, fq=None)
        pd.testing.assert_frame_equal(a, b)
        assert [str(t.date()) for t in a.index] == days
        pd.testing.assert_frame_equal(ours.get_price(code, start_date=days[0], fq="post"),
                                      theirs.get_price(code, start_date=days[0], fq="post"))
    finally:
        ours.connect(w.uri, w.db)
    # a start after the default end answers nothing at JQData; we say why instead
    with pytest.raises(ours.ParamsError, match="2015-12-31"):
        ours.get_price(code, start_date=FIRST)
    assert theirs.get_price(code, start_date=FIRST).empty


# ------------------------------------------------------------------- get_money_flow
def test_get_money_flow_with_only_end_date_starts_at_the_earliest_data(apis):
    """jqdatasdk.get_money_flow: ":param start_date 开始日期, 与 count 二选一, 不可同时使用, ... 默认为
    平台提供的数据的最早日期" and ":param end_date 结束日期, ... 默认为 datetime.date.today()". Our
    earliest data is the first stored day; the stand-in's is the first day of its calendar (2010)."""
    theirs, ours = apis
    a = ours.get_money_flow(MIXED, end_date=DAYS[2])
    pd.testing.assert_frame_equal(a, theirs.get_money_flow(MIXED, start_date=FIRST, end_date=DAYS[2]))
    assert sorted({str(d.date()) for d in a["date"]}) == DAYS[:3]
    whole = ours.get_money_flow(MIXED)  # end_date: today (TAORUI_AS_OF = the last stored day)
    pd.testing.assert_frame_equal(whole, theirs.get_money_flow(MIXED, start_date=FIRST, end_date=LAST))
    # the stand-in, through the unmodified client, starts at its own earliest data too
    early = theirs.get_all_securities(date="2010-01-08").index[:2].tolist()
    b = theirs.get_money_flow(early, end_date="2010-01-08")
    first_days = [str(d) for d in calendar.trading_days(pd.Timestamp("2010-01-01").date(),
                                                        pd.Timestamp("2010-01-08").date())]
    assert sorted({str(d.date()) for d in b["date"]}) == first_days


# ---------------------------------------------------------------- get_security_info
def test_get_security_info_of_an_unknown_code_is_none(apis):
    """jqdatasdk.get_security_info: ``result = JQDataClient.instance().get_security_info(**locals());
    if result: return Security(**result)`` — no result, no Security: None. ``assert code,
    "code is required"``: an empty code is refused."""
    theirs, ours = apis
    for code in ("999999.XSHE", "600999.XSHG", "bogus"):
        assert theirs.get_security_info(code) is None
        assert ours.get_security_info(code) is None
    assert ours.get_security_info("999999.XSHE", date=DAYS[1]) is None
    with pytest.raises(ours.ParamsError, match="required"):
        ours.get_security_info("")


# ------------------------------------------------------------------- repeated codes
def test_a_repeated_code_is_answered_once(apis):
    """jqdatasdk passes a list through unchanged (``convert_security`` keeps every entry) and
    rebuilds a frame column by column: ``pd.DataFrame(OrderedDict(data), index=index)`` in
    ``client.convert_message`` — so a repeated code can only come back as one column
    (get_extras). Row-shaped answers (get_price, get_money_flow) are the service's; the stand-in
    answers each code once, at its first place, and so do we."""
    theirs, ours = apis
    dup = [DIVIDEND[0], SUSPENDED[0], DIVIDEND[0], ST, SUSPENDED[0]]
    once = list(dict.fromkeys(dup))
    for kwargs in ({"start_date": FIRST, "end_date": LAST, "fq": "pre"},
                   {"start_date": FIRST, "end_date": LAST, "fq": None, "fill_paused": False},
                   {"start_date": f"{DAYS[1]} 09:00:00", "end_date": f"{DAYS[1]} 11:00:00",
                    "frequency": "5m", "fq": "post"}):
        a = ours.get_price(dup, panel=False, **kwargs)
        pd.testing.assert_frame_equal(a, theirs.get_price(dup, panel=False, **kwargs))
        pd.testing.assert_frame_equal(a, ours.get_price(once, panel=False, **kwargs))
    a = ours.get_extras("is_st", dup, start_date=FIRST, end_date=LAST)
    pd.testing.assert_frame_equal(a, theirs.get_extras("is_st", dup, start_date=FIRST, end_date=LAST))
    assert list(a.columns) == once
    d = ours.get_extras("is_st", dup, start_date=FIRST, end_date=LAST, df=False)
    assert list(d) == once and all(v.shape == (len(DAYS),) for v in d.values())
    a = ours.get_money_flow(dup, start_date=FIRST, end_date=LAST)
    pd.testing.assert_frame_equal(a, theirs.get_money_flow(dup, start_date=FIRST, end_date=LAST))
    bars = ours.get_bars(dup, count=2, end_dt=f"{LAST} 16:00:00")
    assert list(bars.index.get_level_values(0).unique()) == once
