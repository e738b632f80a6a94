"""The valuation dataset (issue 13 part 2) and its read API (part 5).

Layers: the formulas on hand-made frames; a SimMarket window materialized (statements first,
then instruments, daily_bars and valuation) whose stored valuation is recomputed from the stored
prices, shares and statements and agrees with the JQData reference — served by the local
stand-in from SimMarket's own, independently computed table (lib/sim/valuation.py), through the
UNMODIFIED jqdatasdk — within the documented tolerances (lib/reconcile.py); the reconciliation
asset against that reference; get_fundamentals(query(valuation...)) and get_valuation against
jqdatasdk; and the units of jqdatasdk's docstring.
"""
from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pandas as pd
import pytest
from pymongo import MongoClient

from taorui_assets.lib import valuation as V
from taorui_assets.lib.codes import to_jq
from taorui_assets.lib.reconcile import compare, tolerance
from taorui_assets.resources.sources import SimResource
from taorui_assets_tests import harness

N = 60
# annual and Q1 reports coming out; 2026-03-31 for statDate='2026q1'
DAYS = ["2026-03-31", "2026-04-17", "2026-04-20", "2026-04-27", "2026-04-28", "2026-04-29", "2026-04-30"]
SUSPENDED = ("2026-04-28", "300524.SZ")
# Everything the TTM of a period up to 2026Q1 needs; 000656.SZ's 2025 annual report is restated on
# 2026-06-19 and 601958.SH's 2026Q1 on 2026-07-17 (stored, but not known in April).
QUARTERS = ["2024Q3", "2024Q4", "2025Q1", "2025Q3", "2025Q4", "2026Q1"]
USER, PASSWORD = "vuser", "vpass-7e2"
JQ_FIELDS = ["capitalization", "circulating_cap", "market_cap", "circulating_market_cap", "turnover_ratio",
             "pe_ratio", "pe_ratio_lyr", "pb_ratio", "ps_ratio", "pcf_ratio"]


# ------------------------------------------------------------------------------ formulas
def _statements(rows):
    cols = ["code", "statement", "report_date", "pub_date", "net_profit_parent", "operating_revenue",
            "net_cash_increase", "equity_parent"]
    df = pd.DataFrame(rows, columns=cols)
    df["report_date"] = pd.to_datetime(df["report_date"])
    df["pub_date"] = pd.to_datetime(df["pub_date"])
    return df


def _inc(code, period, pub, npp, rev=1000.0):
    return (code, "income", period, pub, npp, rev, np.nan, np.nan)


def _cf(code, period, pub, nci):
    return (code, "cash_flow", period, pub, np.nan, np.nan, nci, np.nan)


def _bal(code, period, pub, eq):
    return (code, "balance", period, pub, np.nan, np.nan, np.nan, eq)


def test_formulas_ttm_lyr_mrq_point_in_time_and_signs():
    day = pd.Timestamp("2026-04-20")
    bars = pd.DataFrame({"code": ["000001.SZ", "000002.SZ", "600000.SH"], "close": [10.0, 5.0, 8.0],
                         "volume": [2e6, 1e6, 5e5], "paused": [False, False, True]})
    inst = pd.DataFrame({"code": ["000001.SZ", "000002.SZ", "600000.SH", "000300.SH"],
                         "type": ["stock", "stock", "stock", "index"],
                         "total_shares": [1e8, 2e8, 1e8, 0.0], "float_shares": [5e7, 2e8, 1e8, 0.0]})
    st = _statements([
        # 000001.SZ: latest known Q1 2026; TTM = 30 + 100 - 20 = 110 (YTD + last annual - same Q last year)
        _inc("000001.SZ", "2025-03-31", "2025-04-15", 20.0, 200.0),
        _inc("000001.SZ", "2025-12-31", "2026-03-01", 90.0, 900.0),
        _inc("000001.SZ", "2025-12-31", "2026-04-01", 100.0, 1000.0),   # restated before the day: used
        _inc("000001.SZ", "2026-03-31", "2026-04-18", 30.0, 260.0),
        _inc("000001.SZ", "2026-03-31", "2026-07-01", 999.0, 9999.0),   # restated after the day: ignored
        _cf("000001.SZ", "2025-03-31", "2025-04-15", 5.0), _cf("000001.SZ", "2025-12-31", "2026-03-01", -50.0),
        _cf("000001.SZ", "2026-03-31", "2026-04-18", 1.0),
        _bal("000001.SZ", "2025-12-31", "2026-03-01", 400.0), _bal("000001.SZ", "2026-03-31", "2026-04-18", 500.0),
        # 000002.SZ: a loss (negative PE as is) and a zero equity (null, never inf)
        _inc("000002.SZ", "2025-12-31", "2026-03-10", -40.0), _bal("000002.SZ", "2025-12-31", "2026-03-10", 0.0),
        # published after the day: nothing known
        _inc("000002.SZ", "2026-03-31", "2026-04-21", 10.0),
    ])
    out = V.compute(day, bars, inst, st).set_index("code")
    assert list(out.index) == ["000001.SZ", "000002.SZ"]  # suspended and index: no row
    a = out.loc["000001.SZ"]
    cap = 10.0 * 1e8
    assert a["market_cap"] == cap and a["float_market_cap"] == 10.0 * 5e7
    assert a["turnover_ratio"] == pytest.approx(2e6 / 5e7 * 100)
    assert a["pe_ttm"] == pytest.approx(cap / 110.0)
    assert a["pe_lyr"] == pytest.approx(cap / 100.0)
    assert a["ps_ttm"] == pytest.approx(cap / (260.0 + 1000.0 - 200.0))
    assert a["pcf_ttm"] == pytest.approx(cap / (1.0 - 50.0 - 5.0))  # negative as is
    assert a["pb"] == pytest.approx(cap / 500.0)
    b = out.loc["000002.SZ"]
    assert b["pe_ttm"] == pytest.approx(5.0 * 2e8 / -40.0) and b["pe_lyr"] < 0
    assert np.isnan(b["pb"]) and np.isnan(b["pcf_ttm"])


def test_ttm_falls_back_when_the_previous_annual_report_is_not_out_yet():
    st = _statements([
        _inc("000001.SZ", "2024-12-31", "2025-03-01", 80.0), _inc("000001.SZ", "2025-09-30", "2025-10-20", 60.0),
        _inc("000001.SZ", "2024-09-30", "2024-10-20", 50.0),
        _inc("000001.SZ", "2026-03-31", "2026-04-10", 30.0),  # Q1 out, 2025 annual not yet
    ])
    versions = V.known_versions(st, pd.Timestamp("2026-04-15"), "income")
    assert V.ttm(versions, "net_profit_parent")["000001.SZ"] == pytest.approx(60.0 + 80.0 - 50.0)


def _ttm_one_code_at_a_time(versions: pd.DataFrame, item: str) -> pd.Series:
    """The module docstring's TTM rule written out per code: the oracle of the vectorised ttm."""
    lookup, out = versions[item].astype(float).to_dict(), {}
    for code, periods in versions.reset_index().groupby("code")["report_date"]:
        period, result = periods.max(), np.nan
        for _ in range(4):
            ytd = lookup.get((code, period), np.nan)
            value = ytd if period.month == 12 else (
                ytd + lookup.get((code, pd.Timestamp(period.year - 1, 12, 31)), np.nan)
                - lookup.get((code, pd.Timestamp(period.year - 1, period.month, period.day)), np.nan))
            if not np.isnan(value):
                result = value
                break
            period = (period - pd.offsets.QuarterEnd(1)).normalize()
        out[code] = result
    return pd.Series(out, dtype=float)


def test_ttm_equals_the_rule_applied_code_by_code_on_gappy_random_statements():
    rng = np.random.default_rng(5)
    quarters = pd.date_range("2021-03-31", "2025-12-31", freq="QE")
    rows = []
    for k in range(300):
        code = f"{k:06d}.SZ"
        for q in quarters[rng.random(len(quarters)) < 0.7]:  # missing reports, so the fall-backs run
            value = np.nan if rng.random() < 0.1 else float(rng.integers(-100, 1000))
            rows.append(_inc(code, q.strftime("%Y-%m-%d"), (q + pd.Timedelta(days=30)).strftime("%Y-%m-%d"), value))
    versions = V.known_versions(_statements(rows), pd.Timestamp("2026-06-30"), "income")
    got, want = V.ttm(versions, "net_profit_parent"), _ttm_one_code_at_a_time(versions, "net_profit_parent")
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    assert got.notna().sum() > 100 and got.isna().sum() > 0


def test_ttm_refuses_a_report_date_that_is_not_a_quarter_end():
    st = _statements([_inc("000001.SZ", "2025-11-15", "2025-11-20", 5.0)])
    with pytest.raises(ValueError, match="not a quarter end"):
        V.ttm(V.known_versions(st, pd.Timestamp("2026-01-05"), "income"), "net_profit_parent")


def test_units_follow_the_jqdatasdk_docstring():
    import inspect
    import re

    import jqdatasdk

    doc = inspect.getdoc(jqdatasdk.get_valuation)
    assert re.search(r"capitalization\s+总股本\(万股\)", doc) and re.search(r"market_cap\s+总市值\(亿元\)", doc)
    frame = pd.DataFrame({"total_shares": [1.5e9], "float_shares": [1e9], "market_cap": [3e10],
                          "float_market_cap": [2e10]})
    jq = V.to_jqdata(frame)
    assert jq.iloc[0].tolist() == [150000.0, 100000.0, 300.0, 200.0]
    pd.testing.assert_frame_equal(V.from_jqdata(jq), frame)
    assert tolerance("pe_ttm") == (1e-3, 1e-2) and tolerance("total_shares") == (1e-6, 0.0)


# ------------------------------------------------------------------------------ the window
class Window:
    def __init__(self, uri, db, server):
        self.uri, self.db, self.server = uri, db, server


@pytest.fixture(scope="module")
def window(mongo_server_uri):
    from taorui_assets.lib.sources.sim import SimSource
    from taorui_assets_tests.doubles.jqdata_server import start_server

    db = f"v_{uuid.uuid4().hex[:10]}"
    server = start_server(SimSource(n_stocks=N), users={USER: PASSWORD}, quota=50_000_000,
                          today=dt.date.fromisoformat(harness.TEST_AS_OF))
    res = harness.resources(mongo_server_uri, db, SimResource(n_stocks=N))
    assets, checks = harness.by_name(["instruments", "daily_bars", "valuation"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TAORUI_AS_OF", harness.TEST_AS_OF)
        results = [harness.materialize(harness.YEARLY, [], "2026", res)]
        results += [harness.materialize(harness.QUARTERLY, [], q, res) for q in QUARTERS]
        results += [harness.materialize(assets, checks, d, res) for d in DAYS]
    assert all(r.success for r in results)
    assert harness.failed_checks(results) == []
    evaluated = {e.asset_check_key.name for r in results for e in r.get_asset_check_evaluations()}
    assert {"schema", "statements_known", "valuation_matches_prices"} <= evaluated
    yield Window(mongo_server_uri, db, server)
    server.stop()
    with MongoClient(mongo_server_uri) as c:
        c.drop_database(db)


def _stored(w, name, query=None) -> pd.DataFrame:
    with MongoClient(w.uri) as c:
        return pd.DataFrame(list(c[w.db][name].find(query or {}, {"_id": 0, "ingested_at": 0})))


def _jqdatasdk(w):
    import jqdatasdk

    from taorui_assets.lib.sources.jqdata import _clear_client_caches

    jqdatasdk.auth(USER, PASSWORD, host="127.0.0.1", port=w.server.port)
    _clear_client_caches(jqdatasdk)
    return jqdatasdk


def test_recomputed_from_stored_inputs_agrees_with_the_jqdata_reference(window):
    """Must show: recompute from the stored prices, shares and statements (every version);
    compare with get_valuation of the JQData stand-in within the documented tolerances."""
    jq = _jqdatasdk(window)
    statements = _stored(window, "financial_statements")
    assert statements.groupby(["code", "statement", "report_date"]).size().max() == 2  # restatements stored
    for day in DAYS:
        when = dt.datetime.fromisoformat(day)
        bars, inst = _stored(window, "daily_bars", {"date": when}), _stored(window, "instruments", {"date": when})
        ours = V.compute(day, bars, inst, statements)
        stored = _stored(window, "valuation", {"date": when}).drop(columns="source")
        stored = stored.sort_values("code").reset_index(drop=True)
        pd.testing.assert_frame_equal(stored[V.COLUMNS], ours.astype({"date": "datetime64[ns]"}), check_dtype=False)

        codes = [to_jq(c) for c in inst.loc[inst["type"] == "stock", "code"]]
        theirs = jq.get_valuation(codes, end_date=day, count=1, fields=JQ_FIELDS)
        from taorui_assets.lib.sources.jqdata_normalize import valuation as normalize
        reference = normalize(theirs, day)
        cmp = compare("valuation", ours, reference)
        assert cmp.ok, (day, cmp.counts(), cmp.differing.head(10))
        assert cmp.compared == len(ours) >= N * 0.8
        assert ours["pe_ttm"].notna().mean() > 0.8 and (ours["pe_ttm"] < 0).any()
        if day == SUSPENDED[0]:
            assert SUSPENDED[1] not in set(ours["code"]) and SUSPENDED[1] not in set(reference["code"])


def test_point_in_time_a_later_restatement_is_not_used(window):
    statements = _stored(window, "financial_statements")
    day = pd.Timestamp("2026-04-30")
    later = statements[(statements["code"] == "000656.SZ") & (statements["report_date"] == "2025-12-31")
                       & (statements["statement"] == "income")]
    assert later["pub_date"].max() > day  # the restatement is stored ...
    stored = _stored(window, "valuation", {"date": day.to_pydatetime(), "code": "000656.SZ"}).iloc[0]
    first = later.sort_values("pub_date").iloc[0]
    assert stored["pe_lyr"] == pytest.approx(stored["market_cap"] / first["net_profit_parent"])  # ... not used


@pytest.mark.parametrize("reference", ["sim", "jqdata"])
def test_reconciliation_asset_agrees_with_the_reference(window, reference):
    from taorui_assets.defs.fundamentals.assets import valuation_reconciliation
    from taorui_assets.resources.jqdata import JQDataResource

    source = SimResource(n_stocks=N) if reference == "sim" else JQDataResource(
        username=USER, password=PASSWORD, host="127.0.0.1", port=window.server.port)
    res = harness.resources(window.uri, window.db, source)
    result = harness.materialize([valuation_reconciliation], [], DAYS[1], res)
    [check] = result.get_asset_check_evaluations()
    assert check.passed, check.metadata
    assert check.metadata["compared"].value >= 40 and check.metadata["differing"].value == 0
    with MongoClient(window.uri) as c:
        doc = c[window.db]["reconciliation"].find_one({"dataset": "valuation", "second": reference})
    assert doc["ok"] and doc["first"] == "computed"


def test_reconciliation_fails_beyond_tolerance(window):
    from taorui_assets.defs.fundamentals.assets import valuation_reconciliation
    from taorui_assets.resources.jqdata import JQDataResource

    def off(params, answer):  # the vendor's PE 1% higher: beyond rtol 1e-3
        answer = answer.copy()
        answer["pe_ratio"] = answer["pe_ratio"] * 1.01
        return answer

    window.server.tamper("get_valuation", off)
    try:
        res = harness.resources(window.uri, window.db, JQDataResource(
            username=USER, password=PASSWORD, host="127.0.0.1", port=window.server.port))
        result = harness.materialize([valuation_reconciliation], [], DAYS[0], res)
    finally:
        window.server.clear_hooks()
    [check] = result.get_asset_check_evaluations()
    assert not check.passed and check.metadata["differing"].value > 0


def test_qmt_has_no_valuation_table():
    from taorui_assets.lib.sources.base import SourceError
    from taorui_assets.lib.sources.qmt import QmtSource

    with pytest.raises(SourceError, match="no valuation table"):
        QmtSource.valuation(QmtSource.__new__(QmtSource), dt.date(2026, 4, 20))


# ------------------------------------------------------------------------------ read API
@pytest.fixture
def apis(window):
    from taorui_assets import query as ours

    jq = _jqdatasdk(window)
    ours.connect(window.uri, window.db)
    return jq, ours


def _same(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    assert len(b) > 0, "the reference answer is empty: the case proves nothing"
    pd.testing.assert_frame_equal(a, b)
    return a


@pytest.mark.parametrize("date", ["2026-04-20", "2026-04-19", dt.date(2026, 4, 28)],
                         ids=["trading-day", "sunday", "with-suspension"])
def test_get_fundamentals_valuation_matches_jqdatasdk(apis, date):
    jq, ours = apis
    codes = ["000656.XSHE", "601958.XSHG", "300524.XSHE", "000110.XSHE"]
    a = ours.get_fundamentals(ours.query(ours.valuation).filter(ours.valuation.code.in_(codes)), date=date)
    b = jq.get_fundamentals(jq.query(jq.valuation).filter(jq.valuation.code.in_(codes)), date=date)
    _same(a, b)
    assert a["day"].iloc[0] == ("2026-04-17" if date == "2026-04-19" else str(date))
    assert a["capitalization"].iloc[0] > 0


def test_get_fundamentals_valuation_filter_order_limit(apis):
    jq, ours = apis
    a = ours.get_fundamentals(ours.query(ours.valuation.code, ours.valuation.market_cap, ours.valuation.pe_ratio)
                              .filter(ours.valuation.pe_ratio > 0, ours.valuation.pe_ratio < 50)
                              .order_by(ours.valuation.market_cap.desc()).limit(10), date="2026-04-30")
    b = jq.get_fundamentals(jq.query(jq.valuation.code, jq.valuation.market_cap, jq.valuation.pe_ratio)
                            .filter(jq.valuation.pe_ratio > 0, jq.valuation.pe_ratio < 50)
                            .order_by(jq.valuation.market_cap.desc()).limit(10), date="2026-04-30")
    _same(a, b)
    assert len(a) == 10 and a["market_cap"].is_monotonic_decreasing


def test_get_fundamentals_valuation_stat_date(apis):
    jq, ours = apis
    q = lambda m: m.query(m.valuation.code, m.valuation.day, m.valuation.pb_ratio).filter(  # noqa: E731
        m.valuation.code == "000110.XSHE")
    _same(ours.get_fundamentals(q(ours), statDate="2026q1"), jq.get_fundamentals(q(jq), statDate="2026q1"))


@pytest.mark.parametrize("kwargs", [
    dict(end_date="2026-04-30", count=1),
    dict(start_date="2026-04-27", end_date="2026-04-30", fields=["pe_ratio", "market_cap", "turnover_ratio"]),
    dict(end_date="2026-04-28", count=2, fields="capitalization"),
], ids=["count", "range-fields", "count-one-field"])
def test_get_valuation_matches_jqdatasdk(apis, kwargs):
    jq, ours = apis
    secs = ["300524.XSHE", "000656.XSHE", "601958.XSHG", "000656.XSHE"]  # a suspension and a repeat
    a, b = ours.get_valuation(secs, **kwargs), jq.get_valuation(secs, **kwargs)
    _same(a, b)


def test_get_valuation_argument_errors(apis):
    _jq, ours = apis
    with pytest.raises(ours.ParamsError):
        ours.get_valuation("000656.XSHE", start_date="2026-04-17", count=2)
    with pytest.raises(ours.ParamsError):
        ours.get_valuation("000656.XSHE", end_date="2026-04-20", count=1, fields=["nonsense"])
    with pytest.raises(ours.OutOfRangeError, match="2026-04-21"):  # never a silently shorter answer
        ours.get_valuation("000656.XSHE", start_date="2026-04-20", end_date="2026-04-27")


def test_get_fundamentals_joins_valuation_with_the_statement_tables(apis):
    _jq, ours = apis
    v, b = ours.valuation, ours.balance
    df = ours.get_fundamentals(ours.query(v.code, v.market_cap, v.pb_ratio, b.equities_parent_company_owners)
                               .filter(v.code.in_(["000110.XSHE", "000656.XSHE"])), date="2026-04-30")
    assert list(df["code"]) == ["000110.XSHE", "000656.XSHE"]
    # pb = market value / latest parent equity; market_cap in 亿元
    np.testing.assert_allclose(df["market_cap"] * 1e8 / df["equities_parent_company_owners"], df["pb_ratio"],
                               rtol=1e-9)
